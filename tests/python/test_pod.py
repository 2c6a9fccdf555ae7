#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GopodPod from Python: submit, run_async, bounds, queue, shutdown, wait."""

import gc
import threading
import unittest

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, GObject, Gopod  # noqa: E402

from testutils import SAFETY_S, run_loop_until  # noqa: E402

MAIN_THREAD = threading.get_ident()



def gopod_domain():
    return GLib.quark_to_string(Gopod.error_quark())




class Tally:
    """Counts jobs between their start and end, and the most at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.ran = 0
        self.complete_errors = []

    def enter(self):
        with self.lock:
            self.active += 1
            self.ran += 1
            self.peak = max(self.peak, self.active)

    def leave(self):
        with self.lock:
            self.active -= 1


class CountingJob(Gopod.Job):
    def __init__(self, tally=None, barrier=None, fail=False, **kwargs):
        super().__init__(**kwargs)
        self.tally = tally
        self.barrier = barrier
        self.fail = fail
        self.runs = 0
        self.finishes = 0

    def do_run(self, cancellable):
        self.runs += 1
        if self.tally:
            self.tally.enter()
        try:
            if self.barrier:
                # Passes only when `parties` jobs run at the same time.
                self.barrier.wait(SAFETY_S)
        finally:
            if self.tally:
                self.tally.leave()
        if self.fail:
            raise GLib.Error.new_literal(Gopod.error_quark(), 'job failed on purpose',
                                         Gopod.Error.FAILED)
        return True

    def do_finish(self):
        self.finishes += 1


class BlockingJob(Gopod.Job):
    """Runs until its cancellable is cancelled or `release` is set."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.started = threading.Event()
        self.release = threading.Event()
        self.finishes = 0

    def do_run(self, cancellable):
        handler = cancellable.connect(lambda *args: self.release.set())
        self.started.set()
        self.release.wait(SAFETY_S)
        cancellable.disconnect(handler)
        cancellable.set_error_if_cancelled()
        return True

    def do_finish(self):
        self.finishes += 1


class TimerJob(Gopod.Job):
    """A main-context job: begin starts a timer, the timer completes it."""

    def __init__(self, tally, fail=False, **kwargs):
        super().__init__(**kwargs)
        self.tally = tally
        self.fail = fail
        self.begin_threads = []
        self.finishes = 0

    def do_begin(self, cancellable):
        self.begin_threads.append(threading.get_ident())
        self.tally.enter()
        GLib.timeout_add(5, self._done)

    def _done(self):
        self.tally.leave()
        try:
            if self.fail:
                self.complete(GLib.Error.new_literal(Gopod.error_quark(), 'timer job failed',
                                                     Gopod.Error.FAILED))
            else:
                # complete(None) is success in C, GJS and Vala; PyGObject
                # before 3.44 refuses None for a nullable GError argument,
                # hence complete_ok().
                self.complete_ok()
        except TypeError as e:
            self.tally.complete_errors.append(str(e))
        return GLib.SOURCE_REMOVE

    def do_finish(self):
        self.finishes += 1


def counters(pod):
    return (pod.props.submitted, pod.props.succeeded, pod.props.failed,
            pod.props.cancelled)


class TestPod(unittest.TestCase):

    def test_new(self):
        pod = Gopod.Pod.new(4)
        self.assertEqual(pod.props.max_workers, 4)
        self.assertTrue(pod.props.paused)
        self.assertEqual(pod.props.max_queued, 0)
        self.assertEqual(pod.props.dispatch_interval_ms, 0)
        self.assertEqual((pod.props.running, pod.props.queued, pod.props.workers), (0, 0, 0))
        self.assertEqual(counters(pod), (0, 0, 0, 0))

    def test_submit_python_functions(self):
        pod = Gopod.Pod.new(4)
        pod.start()
        seen = []
        lock = threading.Lock()

        def work(i):
            with lock:
                seen.append((i, threading.get_ident()))

        for i in range(200):
            self.assertTrue(pod.submit(work, i))
        self.assertTrue(pod.wait(None))
        self.assertEqual(sorted(i for i, _ in seen), list(range(200)))
        self.assertFalse(any(t == MAIN_THREAD for _, t in seen))
        self.assertEqual(counters(pod), (200, 200, 0, 0))
        self.assertEqual((pod.props.running, pod.props.queued), (0, 0))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_light_jobs_receive_and_send_on_one_pod(self):
        # Go's pair: one job receives on an unbuffered channel, the next
        # sends. Once the pod learned that light jobs are short, a worker
        # takes both at once; the receive, about to sleep, lets the send go
        # to the other worker instead of waiting for it forever.
        pod = Gopod.Pod.new(2)
        pod.start()
        for _ in range(1000):
            pod.submit(lambda d: None, None)
        self.assertTrue(pod.wait(None))
        channel = Gopod.Channel.new(GObject.TYPE_INT, 0)
        received = []
        guard = Gio.Cancellable()
        timer = threading.Timer(SAFETY_S, guard.cancel)
        timer.start()
        try:
            for i in range(20):
                pod.submit(lambda d: received.append(channel.receive(None)), None)
                pod.submit(lambda n: channel.send(n, None), i)
                self.assertTrue(pod.wait(guard))
        finally:
            timer.cancel()
        self.assertEqual(received, [(True, i) for i in range(20)])
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_submit_in_order_with_one_worker(self):
        pod = Gopod.Pod.new(1)
        order = []
        for i in range(50):
            pod.submit(order.append, i)
        pod.start()
        self.assertTrue(pod.wait(None))
        self.assertEqual(order, list(range(50)))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_max_workers_bound(self):
        tally = Tally()
        barrier = threading.Barrier(3)
        pod = Gopod.Pod.new(3)
        jobs = [CountingJob(tally, barrier) for _ in range(12)]
        for job in jobs:
            pod.add_job(job, None)
        pod.start()
        self.assertTrue(pod.wait(None))
        self.assertEqual(tally.peak, 3)
        self.assertEqual(tally.ran, 12)
        self.assertTrue(all(j.props.state == Gopod.JobState.SUCCEEDED for j in jobs))
        self.assertTrue(all((j.runs, j.finishes) == (1, 1) for j in jobs))
        self.assertLessEqual(pod.props.workers, 3)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_run_async(self):
        pod = Gopod.Pod.new(2)
        pod.start()
        results = []

        def done(source, result, tag):
            try:
                results.append((tag, source.run_finish(result), threading.get_ident()))
            except GLib.Error as e:
                results.append((tag, (e.domain, e.code, e.message), threading.get_ident()))

        good = CountingJob()
        bad = CountingJob(fail=True)
        pod.run_async(good, None, done, 'good')
        pod.run_async(bad, None, done, 'bad')
        run_loop_until(lambda: len(results) == 2, 'two run_async callbacks')
        results.sort()
        self.assertEqual(results, [
            ('bad', (gopod_domain(), Gopod.Error.FAILED, 'job failed on purpose'), MAIN_THREAD),
            ('good', True, MAIN_THREAD)])
        self.assertEqual((good.finishes, bad.finishes), (1, 1))
        self.assertEqual(counters(pod), (2, 1, 1, 0))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_run_async_with_main_loop(self):
        pod = Gopod.Pod.new(1)
        pod.start()
        loop = GLib.MainLoop()
        outcome = []

        def done(source, result):
            outcome.append((source.run_finish(result), threading.get_ident()))
            loop.quit()

        pod.run_async(CountingJob(), None, done)
        GLib.timeout_add_seconds(SAFETY_S, loop.quit)
        loop.run()
        self.assertEqual(outcome, [(True, MAIN_THREAD)])
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_run_async_cancellable_cancels_job(self):
        pod = Gopod.Pod.new(1)  # paused: the job stays queued
        job = CountingJob()
        cancellable = Gio.Cancellable()
        results = []
        pod.run_async(job, cancellable,
                      lambda p, r: results.append(self._error_code(p.run_finish, r)))
        cancellable.cancel()
        run_loop_until(lambda: results, 'run_async callback')
        self.assertEqual(results, [('g-io-error-quark', Gio.IOErrorEnum.CANCELLED)])
        self.assertEqual(job.props.state, Gopod.JobState.CANCELLED)
        self.assertEqual((job.runs, job.finishes), (0, 1))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_run_async_cancel_from_main_loop(self):
        # Cancelled from a main-loop callback, the job ends and the result
        # returns at once, inside the cancellable's handler. A deadlock here
        # would hang this process, so the scenario runs in a child.
        script = '''if True:
            import gi
            gi.require_version('Gopod', '1.0')
            from gi.repository import Gio, GLib, Gopod
            pod = Gopod.Pod.new(1)  # paused: the job stays queued
            job = Gopod.Job.new_func(lambda *a: True, None)
            cancellable = Gio.Cancellable()
            loop = GLib.MainLoop()
            out = []
            def done(p, r):
                try:
                    p.run_finish(r)
                except GLib.Error as e:
                    out.append(e.code)
                loop.quit()
            pod.run_async(job, cancellable, done)
            GLib.idle_add(lambda: cancellable.cancel() or False)
            loop.run()
            print('RESULT', out, int(job.props.state))
        '''
        import subprocess
        import sys
        try:
            proc = subprocess.run([sys.executable, '-c', script], capture_output=True,
                                  text=True, timeout=SAFETY_S)
        except subprocess.TimeoutExpired:
            self.fail('run_async: cancelling its cancellable from the main loop deadlocks '
                      '(g_cancellable_disconnect inside the cancelled handler)')
        self.assertIn('RESULT [%d] %d' % (Gio.IOErrorEnum.CANCELLED,
                                          int(Gopod.JobState.CANCELLED)), proc.stdout)

    @staticmethod
    def _error_code(finish, result):
        try:
            return finish(result)
        except GLib.Error as e:
            return (e.domain, e.code)

    def test_main_context_jobs(self):
        tally = Tally()
        pod = Gopod.Pod.new(3)
        jobs = [TimerJob(tally) for _ in range(10)] + [TimerJob(tally, fail=True)]
        for job in jobs:
            self.assertTrue(job.is_main_context())
            pod.add_job(job, None)
        pod.start()
        waited = []
        pod.wait_async(None, lambda p, r: waited.append(p.wait_finish(r)))
        run_loop_until(lambda: waited or tally.complete_errors, 'wait_async')
        self.assertEqual(tally.complete_errors, [],
                         'Gopod.Job.complete_ok() failed: '
                         'a Python main-context job cannot succeed')
        self.assertEqual(waited, [True])
        self.assertLessEqual(tally.peak, 3)
        self.assertEqual(tally.ran, 11)
        self.assertTrue(all(j.begin_threads == [MAIN_THREAD] for j in jobs))
        self.assertTrue(all(j.finishes == 1 for j in jobs))
        self.assertEqual([j.props.state for j in jobs],
                         [Gopod.JobState.SUCCEEDED] * 10 + [Gopod.JobState.FAILED])
        self.assertEqual(jobs[-1].get_error().message, 'timer job failed')
        self.assertEqual(counters(pod), (11, 10, 1, 0))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_try_add_job_queue_full(self):
        pod = Gopod.Pod.new(1)
        pod.props.max_queued = 2
        jobs = [CountingJob() for _ in range(3)]
        self.assertTrue(pod.try_add_job(jobs[0]))
        self.assertTrue(pod.try_add_job(jobs[1]))
        with self.assertRaises(GLib.Error) as ctx:
            pod.try_add_job(jobs[2])
        self.assertEqual(ctx.exception.domain, gopod_domain())
        self.assertEqual(ctx.exception.code, Gopod.Error.QUEUE_FULL)
        # A refused job was not accepted: it is still new and never ends.
        self.assertEqual(jobs[2].props.state, Gopod.JobState.NEW)
        with self.assertRaises(GLib.Error) as ctx:
            pod.submit(lambda d: None, None)
        self.assertEqual(ctx.exception.code, Gopod.Error.QUEUE_FULL)
        pod.start()
        self.assertTrue(pod.wait(None))
        self.assertEqual([(j.runs, j.finishes) for j in jobs], [(1, 1), (1, 1), (0, 0)])
        self.assertEqual(counters(pod), (2, 2, 0, 0))
        # Room again: the refused job can be added now.
        self.assertTrue(pod.try_add_job(jobs[2]))
        self.assertTrue(jobs[2].wait(None))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_add_job_full_queue_cancellable(self):
        pod = Gopod.Pod.new(1)
        pod.props.max_queued = 1
        pod.add_job(CountingJob(), None)
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        job = CountingJob()
        with self.assertRaises(GLib.Error) as ctx:
            pod.add_job(job, cancellable)
        self.assertEqual(ctx.exception.code, Gio.IOErrorEnum.CANCELLED)
        self.assertEqual(job.props.state, Gopod.JobState.NEW)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_add_job_blocks_until_room(self):
        pod = Gopod.Pod.new(1)
        pod.props.max_queued = 1
        pod.add_job(CountingJob(), None)
        second = CountingJob()
        added = threading.Event()

        def producer():
            pod.add_job(second, None)
            added.set()

        thread = threading.Thread(target=producer)
        thread.start()
        self.assertFalse(added.is_set())
        pod.start()
        self.assertTrue(added.wait(SAFETY_S))
        thread.join()
        self.assertTrue(second.wait(None))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_shutdown_discard_cancels_queued(self):
        pod = Gopod.Pod.new(2)  # never started
        jobs = [CountingJob() for _ in range(5)]
        for job in jobs:
            pod.add_job(job, None)
        light = []
        destroyed = []
        for i in range(7):
            pod.submit(light.append, i)
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DISCARD, None))
        self.assertTrue(all(j.props.state == Gopod.JobState.CANCELLED for j in jobs))
        self.assertEqual([(j.runs, j.finishes) for j in jobs], [(0, 1)] * 5)
        self.assertTrue(all(j.get_error().matches(Gio.io_error_quark(),
                                                  Gio.IOErrorEnum.CANCELLED) for j in jobs))
        self.assertEqual(light, [])
        self.assertEqual(destroyed, [])
        self.assertEqual(counters(pod), (12, 0, 0, 12))
        self.assertEqual((pod.props.queued, pod.props.running, pod.props.workers), (0, 0, 0))

    def test_shutdown_discard_cancels_running(self):
        pod = Gopod.Pod.new(1)
        pod.start()
        running = BlockingJob()
        queued = CountingJob()
        pod.add_job(running, None)
        pod.add_job(queued, None)
        self.assertTrue(running.started.wait(SAFETY_S))
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DISCARD, None))
        self.assertEqual(running.props.state, Gopod.JobState.CANCELLED)
        self.assertEqual(queued.props.state, Gopod.JobState.CANCELLED)
        self.assertEqual((running.finishes, queued.runs, queued.finishes), (1, 0, 1))
        self.assertEqual(counters(pod), (2, 0, 0, 2))
        self.assertEqual(pod.props.workers, 0)

    def test_shutdown_drain_runs_queued(self):
        pod = Gopod.Pod.new(2)  # paused: the drain resumes it
        jobs = [CountingJob() for _ in range(6)]
        for job in jobs:
            pod.add_job(job, None)
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DRAIN, None))
        self.assertEqual([(j.runs, j.finishes) for j in jobs], [(1, 1)] * 6)
        self.assertEqual(counters(pod), (6, 6, 0, 0))
        self.assertEqual(pod.props.workers, 0)

    def test_closed_after_shutdown(self):
        pod = Gopod.Pod.new(1)
        pod.start()
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DRAIN, None))
        job = CountingJob()
        for call in (lambda: pod.add_job(job, None),
                     lambda: pod.try_add_job(job),
                     lambda: pod.submit(lambda d: None, None),
                     lambda: pod.shutdown(Gopod.ShutdownMode.DRAIN, None)):
            with self.assertRaises(GLib.Error) as ctx:
                call()
            self.assertEqual(ctx.exception.domain, gopod_domain())
            self.assertEqual(ctx.exception.code, Gopod.Error.CLOSED)
        self.assertEqual(job.props.state, Gopod.JobState.NEW)
        results = []
        pod.run_async(job, None, lambda p, r: results.append(self._error_code(p.run_finish, r)))
        run_loop_until(lambda: results, 'run_async callback')
        self.assertEqual(results, [(gopod_domain(), Gopod.Error.CLOSED)])
        self.assertEqual(job.finishes, 0)
        self.assertEqual(counters(pod), (0, 0, 0, 0))

    def test_shutdown_async(self):
        pod = Gopod.Pod.new(2)
        jobs = [CountingJob() for _ in range(4)]
        for job in jobs:
            pod.add_job(job, None)
        results = []
        pod.shutdown_async(Gopod.ShutdownMode.DRAIN, None,
                           lambda p, r: results.append((p.shutdown_finish(r),
                                                        threading.get_ident())))
        run_loop_until(lambda: results, 'shutdown_async callback')
        self.assertEqual(results, [(True, MAIN_THREAD)])
        self.assertEqual([j.finishes for j in jobs], [1] * 4)

    def test_wait_async(self):
        pod = Gopod.Pod.new(2)
        pod.start()
        tally = Tally()
        jobs = [CountingJob(tally) for _ in range(8)]
        for job in jobs:
            pod.add_job(job, None)
        for i in range(8):
            pod.submit(lambda d: tally.enter() or tally.leave(), None)
        results = []
        pod.wait_async(None, lambda p, r: results.append(
            (p.wait_finish(r), threading.get_ident(), tally.ran,
             p.props.queued, p.props.running)))
        run_loop_until(lambda: results, 'wait_async callback')
        self.assertEqual(results, [(True, MAIN_THREAD, 16, 0, 0)])
        self.assertEqual(counters(pod), (16, 16, 0, 0))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_wait_async_cancelled(self):
        pod = Gopod.Pod.new(1)  # paused with a queued job: never idle
        pod.add_job(CountingJob(), None)
        cancellable = Gio.Cancellable()
        results = []
        pod.wait_async(cancellable,
                       lambda p, r: results.append(self._error_code(p.wait_finish, r)))
        cancellable.cancel()
        run_loop_until(lambda: results, 'wait_async callback')
        self.assertEqual(results, [('g-io-error-quark', Gio.IOErrorEnum.CANCELLED)])
        pod.shutdown(Gopod.ShutdownMode.DISCARD, None)

    def test_notify_on_main_thread(self):
        pod = Gopod.Pod.new(2)
        seen = []
        for name in ('succeeded', 'submitted', 'running', 'queued'):
            pod.connect('notify::' + name,
                        lambda p, pspec: seen.append((pspec.name, threading.get_ident())))
        pod.start()
        for i in range(20):
            pod.add_job(CountingJob(), None)
        self.assertTrue(pod.wait(None))
        run_loop_until(lambda: pod.props.succeeded == 20 and
                       any(n == 'succeeded' for n, _ in seen), 'notify::succeeded')
        self.assertTrue(all(t == MAIN_THREAD for _, t in seen))
        # Coalesced: far fewer notifications than changes are allowed, but
        # the last value is seen.
        self.assertEqual(pod.props.succeeded, 20)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_counters_add_up(self):
        pod = Gopod.Pod.new(3)
        jobs = [CountingJob(fail=(i % 3 == 0)) for i in range(9)]
        for job in jobs:
            pod.add_job(job, None)
        jobs[4].cancel()
        pod.start()
        self.assertTrue(pod.wait(None))
        submitted, succeeded, failed, cancelled = counters(pod)
        self.assertEqual((submitted, succeeded, failed, cancelled), (9, 5, 3, 1))
        self.assertEqual(submitted, succeeded + failed + cancelled)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_every_worker_slot_is_used(self):
        # A started pod of 4 given 4 jobs must run all 4 at once. The jobs
        # meet at a barrier, which breaks if one of them never starts while
        # the others run. The race this catches is rare per round (a worker
        # counted as idle is taken to absorb every queued job), so it
        # repeats.
        for round_ in range(150):
            barrier = threading.Barrier(4)
            broken = []

            def work(job, cancellable, data):
                try:
                    barrier.wait(2)
                except threading.BrokenBarrierError:
                    broken.append(1)
                return True

            pod = Gopod.Pod.new(4)
            pod.start()
            for i in range(4):
                pod.add_job(Gopod.Job.new_func(work, None), None)
            self.assertTrue(pod.wait(None))
            pod.shutdown(Gopod.ShutdownMode.DRAIN, None)
            self.assertEqual(broken, [], 'round %d: fewer than 4 of 4 jobs ran at once '
                             'in a pod of 4' % round_)

    def test_grow_max_workers(self):
        tally = Tally()
        barrier = threading.Barrier(4)
        pod = Gopod.Pod.new(2)
        pod.start()
        jobs = [CountingJob(tally, barrier) for _ in range(4)]
        for job in jobs:
            pod.add_job(job, None)
        # Only two run; four must meet at the barrier, so the other two
        # start only because the bound grows.
        pod.props.max_workers = 4
        self.assertTrue(pod.wait(None))
        self.assertEqual(tally.peak, 4)
        self.assertTrue(all(j.props.state == Gopod.JobState.SUCCEEDED for j in jobs))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_dropped_pod_keeps_its_work(self):
        pod = Gopod.Pod.new(2)
        jobs = [CountingJob() for _ in range(5)]
        for job in jobs:
            pod.add_job(job, None)
        del pod
        gc.collect()
        for job in jobs:
            self.assertTrue(job.wait(None))
        self.assertEqual([j.finishes for j in jobs], [1] * 5)


if __name__ == '__main__':
    unittest.main(verbosity=2)
