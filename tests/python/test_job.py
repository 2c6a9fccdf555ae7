#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GopodJob from Python: do_run/do_finish, errors, properties, cancel, wait."""

import threading
import unittest

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, Gopod  # noqa: E402

from testutils import SAFETY_S, run_loop_until  # noqa: E402

MAIN_THREAD = threading.get_ident()



def gopod_domain():
    return GLib.quark_to_string(Gopod.error_quark())




class RecordingJob(Gopod.Job):
    """A thread job that records what it was asked to do, and can fail."""

    def __init__(self, outcome='ok', **kwargs):
        super().__init__(**kwargs)
        self.outcome = outcome
        self.runs = 0
        self.finishes = 0
        self.run_thread = None
        self.state_in_run = None
        self.state_in_finish = None

    def do_run(self, cancellable):
        self.runs += 1
        self.run_thread = threading.get_ident()
        self.state_in_run = self.get_state()
        if self.outcome == 'glib-error':
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'no such thing',
                                         Gio.IOErrorEnum.NOT_FOUND)
        if self.outcome == 'python-error':
            raise ValueError('a plain Python exception (expected in this test)')
        return True

    def do_finish(self):
        self.finishes += 1
        self.state_in_finish = self.get_state()


class CancellableJob(Gopod.Job):
    """Runs until its cancellable is cancelled, then returns `result`."""

    def __init__(self, result='raise', **kwargs):
        super().__init__(**kwargs)
        self.result = result
        self.started = threading.Event()
        self.finishes = 0

    def do_run(self, cancellable):
        cancelled = threading.Event()
        handler = cancellable.connect(lambda *args: cancelled.set())
        self.started.set()
        ok = cancelled.wait(SAFETY_S)
        cancellable.disconnect(handler)
        if not ok:
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'never cancelled',
                                         Gio.IOErrorEnum.FAILED)
        if self.result == 'raise':
            cancellable.set_error_if_cancelled()
        return True

    def do_finish(self):
        self.finishes += 1


class TestJob(unittest.TestCase):

    def setUp(self):
        self.pod = Gopod.Pod.new(2)
        self.pod.start()

    def tearDown(self):
        self.pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_defaults(self):
        job = RecordingJob()
        self.assertEqual(job.props.state, Gopod.JobState.NEW)
        self.assertEqual(job.props.priority, 0)
        self.assertEqual(job.props.timeout_ms, 0)
        self.assertEqual(job.props.progress, 0.0)
        self.assertIsNone(job.props.title)
        self.assertIsNone(job.get_error())
        self.assertFalse(job.is_main_context())

    def test_run_and_finish_once(self):
        job = RecordingJob(title='one')
        self.pod.add_job(job, None)
        self.assertTrue(job.wait(None))
        self.assertEqual(job.runs, 1)
        self.assertEqual(job.finishes, 1)
        self.assertNotEqual(job.run_thread, MAIN_THREAD)
        self.assertEqual(job.state_in_run, Gopod.JobState.RUNNING)
        self.assertEqual(job.props.state, Gopod.JobState.SUCCEEDED)
        self.assertIsNone(job.get_error())
        self.assertEqual(job.props.title, 'one')
        # Waiting again reports the same end, and runs nothing again.
        self.assertTrue(job.wait(None))
        self.assertEqual((job.runs, job.finishes), (1, 1))

    def test_glib_error_kept_intact(self):
        job = RecordingJob('glib-error')
        self.pod.add_job(job, None)
        with self.assertRaises(GLib.Error) as ctx:
            job.wait(None)
        self.assertEqual(ctx.exception.domain, 'g-io-error-quark')
        self.assertEqual(ctx.exception.code, Gio.IOErrorEnum.NOT_FOUND)
        self.assertEqual(ctx.exception.message, 'no such thing')
        self.assertEqual(job.props.state, Gopod.JobState.FAILED)
        error = job.get_error()
        self.assertIsNotNone(error)
        self.assertTrue(error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND))
        self.assertEqual(error.message, 'no such thing')
        self.assertEqual(job.props.error.message, 'no such thing')
        self.assertEqual(job.finishes, 1)

    def test_python_exception_is_failed(self):
        job = RecordingJob('python-error')
        self.pod.add_job(job, None)
        with self.assertRaises(GLib.Error) as ctx:
            job.wait(None)
        self.assertEqual(ctx.exception.domain, gopod_domain())
        self.assertEqual(ctx.exception.code, Gopod.Error.FAILED)
        self.assertEqual(job.props.state, Gopod.JobState.FAILED)
        self.assertEqual(job.finishes, 1)

    def test_new_func(self):
        calls = []

        def work(job, cancellable, data):
            calls.append((job.props.title, data, threading.get_ident()))
            return True

        job = Gopod.Job.new_func(work, 'payload')
        job.props.title = 'func'
        self.pod.add_job(job, None)
        self.assertTrue(job.wait(None))
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0][:2], ('func', 'payload'))
        self.assertNotEqual(calls[0][2], MAIN_THREAD)
        self.assertEqual(job.props.state, Gopod.JobState.SUCCEEDED)

    def test_new_func_raising(self):
        def work(job, cancellable, data):
            raise GLib.Error.new_literal(Gopod.error_quark(), 'custom', Gopod.Error.INTERRUPTED)

        job = Gopod.Job.new_func(work, None)
        self.pod.add_job(job, None)
        with self.assertRaises(GLib.Error) as ctx:
            job.wait(None)
        self.assertEqual(ctx.exception.domain, gopod_domain())
        self.assertEqual(ctx.exception.code, Gopod.Error.INTERRUPTED)
        self.assertEqual(ctx.exception.message, 'custom')

    def test_state_transitions(self):
        pod = Gopod.Pod.new(1)  # not started: jobs stay queued
        job = RecordingJob()
        seen = []
        job.connect('notify::state',
                    lambda j, pspec: seen.append((j.props.state, threading.get_ident())))
        self.assertEqual(job.props.state, Gopod.JobState.NEW)
        pod.add_job(job, None)
        self.assertEqual(job.props.state, Gopod.JobState.QUEUED)
        self.assertEqual(job.runs, 0)
        pod.start()
        self.assertTrue(job.wait(None))
        self.assertEqual(job.state_in_run, Gopod.JobState.RUNNING)
        self.assertEqual(job.state_in_finish, Gopod.JobState.SUCCEEDED)
        run_loop_until(lambda: seen and seen[-1][0] == Gopod.JobState.SUCCEEDED,
                       'notify::state SUCCEEDED')
        # Notifications are coalesced, so some states may be skipped, but
        # never reordered, and every one arrives on the main thread.
        states = [int(s) for s, _ in seen]
        self.assertEqual(states, sorted(states))
        self.assertTrue(all(t == MAIN_THREAD for _, t in seen))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_progress_notify_on_main_loop(self):
        def work(job, cancellable, data):
            for i in range(1, 5):
                job.set_progress(i / 4)
            return True

        job = Gopod.Job.new_func(work, None)
        seen = []
        job.connect('notify::progress',
                    lambda j, pspec: seen.append((j.props.progress, threading.get_ident())))
        self.pod.add_job(job, None)
        self.assertTrue(job.wait(None))
        self.assertEqual(job.props.progress, 1.0)
        run_loop_until(lambda: seen and seen[-1][0] == 1.0, 'notify::progress 1.0')
        self.assertTrue(all(t == MAIN_THREAD for _, t in seen))
        values = [v for v, _ in seen]
        self.assertEqual(values, sorted(values))
        self.assertLessEqual(len(values), 4)

    def test_priority_order(self):
        pod = Gopod.Pod.new(1)
        order = []
        lock = threading.Lock()

        def work(job, cancellable, name):
            with lock:
                order.append(name)
            return True

        jobs = []
        for name, priority in [('p5', 5), ('m5a', -5), ('p0a', 0), ('p10', 10),
                               ('m5b', -5), ('p0b', 0)]:
            job = Gopod.Job.new_func(work, name)
            job.props.priority = priority
            pod.add_job(job, None)
            jobs.append(job)
        pod.start()
        self.assertTrue(pod.wait(None))
        self.assertEqual(order, ['m5a', 'm5b', 'p0a', 'p0b', 'p5', 'p10'])
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_timeout(self):
        # run() returns TRUE after its cancellable fires: the timeout wins.
        job = CancellableJob(result='succeed')
        job.props.timeout_ms = 50
        self.pod.add_job(job, None)
        with self.assertRaises(GLib.Error) as ctx:
            job.wait(None)
        self.assertEqual(ctx.exception.domain, gopod_domain())
        self.assertEqual(ctx.exception.code, Gopod.Error.TIMEOUT)
        self.assertEqual(job.props.state, Gopod.JobState.FAILED)
        self.assertTrue(job.get_error().matches(Gopod.error_quark(), Gopod.Error.TIMEOUT))
        self.assertEqual(job.finishes, 1)

    def test_timeout_counts_from_start(self):
        # Queued in a paused pod far longer than its timeout, then run: the
        # time spent queued does not count, so it succeeds.
        pod = Gopod.Pod.new(1)
        job = RecordingJob()
        job.props.timeout_ms = 300
        pod.add_job(job, None)
        done = []
        GLib.timeout_add(400, lambda: done.append(1) or False)
        run_loop_until(lambda: done, 'a main loop turn')
        self.assertEqual(job.props.state, Gopod.JobState.QUEUED)
        pod.start()
        self.assertTrue(job.wait(None))
        self.assertEqual(job.props.state, Gopod.JobState.SUCCEEDED)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_cancel_queued(self):
        pod = Gopod.Pod.new(1)
        job = RecordingJob()
        pod.add_job(job, None)
        job.cancel()
        self.assertEqual(job.props.state, Gopod.JobState.CANCELLED)
        self.assertEqual(job.finishes, 1)
        with self.assertRaises(GLib.Error) as ctx:
            job.wait(None)
        self.assertEqual(ctx.exception.domain, 'g-io-error-quark')
        self.assertEqual(ctx.exception.code, Gio.IOErrorEnum.CANCELLED)
        pod.start()
        self.assertTrue(pod.wait(None))
        self.assertEqual(job.runs, 0)
        self.assertEqual(job.finishes, 1)
        self.assertEqual(pod.props.cancelled, 1)
        self.assertEqual(pod.props.queued, 0)
        job.cancel()  # cancelling an ended job does nothing
        self.assertEqual(job.finishes, 1)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_cancel_running(self):
        job = CancellableJob(result='raise')
        self.pod.add_job(job, None)
        self.assertTrue(job.started.wait(SAFETY_S))
        self.assertEqual(job.props.state, Gopod.JobState.RUNNING)
        job.cancel()
        with self.assertRaises(GLib.Error) as ctx:
            job.wait(None)
        self.assertEqual(ctx.exception.code, Gio.IOErrorEnum.CANCELLED)
        self.assertEqual(job.props.state, Gopod.JobState.CANCELLED)
        self.assertEqual(job.finishes, 1)

    def test_wait_cancellable_stops_wait_not_job(self):
        pod = Gopod.Pod.new(1)  # paused: the job stays queued
        job = RecordingJob()
        pod.add_job(job, None)
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        with self.assertRaises(GLib.Error) as ctx:
            job.wait(cancellable)
        self.assertEqual(ctx.exception.code, Gio.IOErrorEnum.CANCELLED)
        self.assertEqual(job.props.state, Gopod.JobState.QUEUED)
        pod.start()
        self.assertTrue(job.wait(None))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_wait_async(self):
        results = []

        def done(job, result, tag):
            try:
                results.append((tag, job.wait_finish(result), threading.get_ident(),
                                job.finishes))
            except GLib.Error as e:
                results.append((tag, e.code, threading.get_ident(), job.finishes))

        good = RecordingJob()
        bad = RecordingJob('glib-error')
        self.pod.add_job(good, None)
        self.pod.add_job(bad, None)
        good.wait_async(None, done, 'good')
        bad.wait_async(None, done, 'bad')
        run_loop_until(lambda: len(results) == 2, 'two wait_async callbacks')
        results.sort()
        self.assertEqual(results, [('bad', Gio.IOErrorEnum.NOT_FOUND, MAIN_THREAD, 1),
                                   ('good', True, MAIN_THREAD, 1)])
        # A wait on an ended job answers at once, still through the loop.
        late = []
        good.wait_async(None, lambda j, r: late.append(j.wait_finish(r)))
        self.assertEqual(late, [])
        run_loop_until(lambda: late, 'wait_async on an ended job')
        self.assertEqual(late, [True])

    def test_added_twice_is_refused(self):
        pod = Gopod.Pod.new(1)
        job = RecordingJob()
        pod.add_job(job, None)
        # A programmer error: a critical, no harm done.
        old = GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_ERROR)
        try:
            with self.assertRaises(GLib.Error):
                pod.add_job(job, None)
        finally:
            GLib.log_set_always_fatal(old)
        pod.start()
        self.assertTrue(pod.wait(None))
        self.assertEqual((job.runs, job.finishes), (1, 1))
        self.assertEqual(pod.props.submitted, 1)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)


if __name__ == '__main__':
    unittest.main(verbosity=2)
