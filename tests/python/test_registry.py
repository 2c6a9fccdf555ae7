#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The job registry from Python: the pod's model, pause, keys, progress and
the application hold."""

import gc
import threading
import time
import unittest

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, Gopod  # noqa: E402

from testutils import SAFETY_S  # noqa: E402

# Only a guard against a hang: no assertion depends on how long anything took.


def drain():
    while GLib.MainContext.default().iteration(False):
        pass


class Reader:
    """A model reader as a GtkListView is one: a copy changed only by what
    items-changed says, checked against the model at every emission."""

    def __init__(self, model):
        self.model = model
        self.copy = [model.get_item(i) for i in range(model.get_n_items())]
        self.emissions = 0
        model.connect('items-changed', self.on_items_changed)

    def on_items_changed(self, model, position, removed, added):
        assert threading.current_thread() is threading.main_thread()
        self.emissions += 1
        self.copy[position:position + removed] = [model.get_item(position + i) for i in range(added)]
        assert len(self.copy) == model.get_n_items()
        assert all(model.get_item(i) == job for i, job in enumerate(self.copy))


class GatedJob(Gopod.Job):
    """Waits at an event; records what check_pause said."""

    def __init__(self, gate=None, **props):
        super().__init__(**props)
        self.gate = gate
        self.at_gate = threading.Event()
        self.went_on = None
        self.paused_after_check = None

    def do_run(self, cancellable):
        self.at_gate.set()
        if self.gate is not None:
            self.gate.wait(SAFETY_S)
        try:
            self.went_on = self.check_pause(cancellable)
            self.paused_after_check = self.get_paused()
        except GLib.Error:
            self.went_on = False
            raise
        return True


class LogJob(Gopod.Job):
    def __init__(self, log, name, gate=None, **props):
        super().__init__(**props)
        self.log, self.name, self.gate = log, name, gate

    def do_run(self, cancellable):
        self.log.append('+' + self.name)
        if self.gate is not None:
            self.gate.wait(SAFETY_S)
        self.log.append('-' + self.name)
        return True


def assert_counters_add_up(test, pod):
    test.assertEqual(pod.get_submitted(),
                     pod.get_succeeded() + pod.get_failed() + pod.get_cancelled() +
                     pod.get_queued() + pod.get_running())


class TestModel(unittest.TestCase):
    def test_model_against_counters(self):
        """The model lists the accepted, not-ended jobs, against the pod's
        counters, under concurrent adds and cancels and a discarding shutdown."""
        pod = Gopod.Pod.new(2)
        reader = Reader(pod.get_jobs())
        gate = threading.Event()
        blockers = [GatedJob(gate) for _ in range(2)]
        for job in blockers:
            pod.add_job(job, None)
        pod.start()
        for job in blockers:
            self.assertTrue(job.at_gate.wait(SAFETY_S))

        def produce(seed):
            jobs = []
            for i in range(300):
                job = Gopod.Job(title=f'{seed}-{i}')
                jobs.append(job)
                # Plain Gopod.Job has no run: these are only ever cancelled
                # or discarded here.
                pod.add_job(job, None)
                if i % 3 == 0:
                    jobs[(i * seed) % len(jobs)].cancel()

        threads = [threading.Thread(target=produce, args=(s,)) for s in (3, 5, 7)]
        for t in threads:
            t.start()
        for t in threads:
            drain()
            t.join()
        drain()
        self.assertEqual(len(reader.copy), pod.get_queued() + pod.get_running())
        self.assertEqual(reader.copy[:2], blockers)
        self.assertTrue(all(job.get_state() in (Gopod.JobState.QUEUED, Gopod.JobState.RUNNING)
                            for job in reader.copy))
        assert_counters_add_up(self, pod)

        gate.set()
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DISCARD, None))
        drain()
        self.assertEqual(reader.copy, [])
        self.assertEqual(pod.get_queued() + pod.get_running(), 0)
        self.assertEqual(pod.get_submitted(), 2 + 900)
        assert_counters_add_up(self, pod)

    def test_burst_coalesced(self):
        """100,000 jobs added in a burst from a thread: at most one
        items-changed per main-loop iteration."""
        pod = Gopod.Pod.new(1)
        reader = Reader(pod.get_jobs())
        n = 100000

        def burst():
            for _ in range(n):
                pod.add_job(Gopod.Job(), None)

        thread = threading.Thread(target=burst)
        thread.start()
        context = GLib.MainContext.default()
        deadline = time.monotonic() + 10 * SAFETY_S
        while len(reader.copy) < n and time.monotonic() < deadline:
            before = reader.emissions
            context.iteration(True)
            self.assertLessEqual(reader.emissions - before, 1)
        thread.join()
        self.assertEqual(len(reader.copy), n)
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DISCARD, None))
        drain()
        self.assertEqual(reader.copy, [])
        self.assertEqual(pod.get_cancelled(), n)

    def test_keep_ended(self):
        """Under keep-ended-ms ended jobs stay listed until it is lowered."""
        pod = Gopod.Pod.new(1)
        pod.props.keep_ended_ms = 3600 * 1000
        reader = Reader(pod.get_jobs())
        job = GatedJob()
        pod.add_job(job, None)
        pod.start()
        self.assertTrue(pod.wait(None))
        drain()
        self.assertEqual(reader.copy, [job])
        self.assertEqual(job.get_state(), Gopod.JobState.SUCCEEDED)
        pod.set_keep_ended_ms(0)
        drain()
        self.assertEqual(reader.copy, [])
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)


class StatusJob(Gopod.Job):
    def do_run(self, cancellable):
        for i in range(100000):
            self.set_status(('reading', 'hashing')[i % 2])
            self.set_progress((i + 1) / 100000)
        self.props.status = 'done'
        return True


def start_at_gate(test):
    """A one-worker pod running a GatedJob held at its gate."""
    pod = Gopod.Pod.new(1)
    gate = threading.Event()
    job = GatedJob(gate)
    pod.add_job(job, None)
    pod.start()
    test.assertTrue(job.at_gate.wait(SAFETY_S))
    return pod, gate, job


def spin(seconds):
    """Lets time pass (a busy wait on the clock; nothing is waited for)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


class TestJob(unittest.TestCase):
    def test_status_coalesced(self):
        """Status and progress set 100,000 times from a worker: at most one
        notification of each per main-loop iteration, on the main thread."""
        pod = Gopod.Pod.new(1)
        job = StatusJob()
        counts = {'status': 0, 'progress': 0}

        def on_notify(job, pspec):
            self.assertIs(threading.current_thread(), threading.main_thread())
            counts[pspec.name] += 1

        job.connect('notify::status', on_notify)
        job.connect('notify::progress', on_notify)
        pod.add_job(job, None)
        pod.start()
        iterations = 0
        context = GLib.MainContext.default()
        while job.get_state() != Gopod.JobState.SUCCEEDED:
            context.iteration(True)
            iterations += 1
        while context.iteration(False):
            iterations += 1
        self.assertGreaterEqual(counts['status'], 1)
        self.assertLessEqual(counts['status'], iterations)
        self.assertLessEqual(counts['progress'], iterations)
        self.assertEqual(job.dup_status(), 'done')
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_check_pause_blocks(self):
        """A running job blocks in check_pause until resumed; paused time is
        not counted in elapsed time."""
        pod, gate, job = start_at_gate(self)
        job.pause()
        gate.set()
        elapsed = job.get_elapsed_ms()
        spin(0.05)
        # The job, if it reached check_pause, is held there.
        self.assertEqual(job.get_state(), Gopod.JobState.RUNNING)
        self.assertEqual(job.get_remaining_ms(), -1)  # no progress reported
        job.resume()
        self.assertTrue(job.wait(None))
        self.assertTrue(job.went_on)
        self.assertFalse(job.paused_after_check)
        self.assertLessEqual(elapsed, job.get_elapsed_ms())
        self.assertEqual(job.get_remaining_ms(), 0)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_paused_time_not_counted(self):
        """While a started job is paused its elapsed time stands still."""
        pod, gate, job = start_at_gate(self)
        job.pause()
        first = job.get_elapsed_ms()
        spin(0.01)
        self.assertEqual(job.get_elapsed_ms(), first)
        job.resume()
        gate.set()
        self.assertTrue(job.wait(None))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_check_pause_cancelled(self):
        """Cancelled while held in check_pause, the job ends CANCELLED."""
        pod, gate, job = start_at_gate(self)
        job.props.paused = True
        gate.set()
        job.cancel()
        with self.assertRaises(GLib.Error) as raised:
            job.wait(None)
        self.assertTrue(raised.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
        self.assertEqual(job.get_state(), Gopod.JobState.CANCELLED)
        self.assertFalse(job.went_on)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)


class TestPause(unittest.TestCase):
    def test_paused_queued_passed_over(self):
        """A paused queued job is passed over and others start; a discarding
        shutdown ends paused jobs CANCELLED, nothing lost."""
        pod = Gopod.Pod.new(1)
        paused = GatedJob(title='paused')
        paused.pause()
        discarded = GatedJob(title='discarded')
        discarded.pause()
        other = GatedJob(title='other')
        for job in (paused, discarded, other):
            pod.add_job(job, None)
        pod.start()
        self.assertTrue(other.wait(None))
        self.assertEqual(paused.get_state(), Gopod.JobState.QUEUED)
        self.assertEqual(pod.get_queued(), 2)
        paused.resume()
        self.assertTrue(paused.wait(None))
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DISCARD, None))
        self.assertEqual(discarded.get_state(), Gopod.JobState.CANCELLED)
        self.assertEqual(pod.get_succeeded(), 2)
        self.assertEqual(pod.get_cancelled(), 1)
        assert_counters_add_up(self, pod)


class TestKeys(unittest.TestCase):
    def test_lanes(self):
        """Jobs of one key run one at a time in order while others pass;
        lookup_job finds the newest not-ended one; priority within lanes."""
        pod = Gopod.Pod.new(3)
        log = []
        gate = threading.Event()
        a1 = LogJob(log, 'a1', gate, key='a')
        a2 = LogJob(log, 'a2', key='a', priority=-100)
        b1 = LogJob(log, 'b1', key='b')
        b2 = LogJob(log, 'b2', key='b')
        for job in (a1, a2, b1, b2):
            pod.add_job(job, None)
        self.assertIs(pod.lookup_job('a'), a2)
        self.assertIsNone(pod.lookup_job('c'))
        pod.start()
        self.assertTrue(b2.wait(None))
        self.assertEqual(a2.get_state(), Gopod.JobState.QUEUED)
        gate.set()
        self.assertTrue(pod.wait(None))
        # Each lane in its order; the lanes interleave as they please.
        def lane(key):
            return ''.join(entry for entry in log if entry[1] == key)
        self.assertEqual(lane('a'), '+a1-a1+a2-a2')
        self.assertEqual(lane('b'), '+b1-b1+b2-b2')
        self.assertIsNone(pod.lookup_job('a'))
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_lookup_from_finish(self):
        """A job's do_finish that looks its key up before adding a follow-up
        does not find itself: it has ended."""
        class FollowUpJob(Gopod.Job):
            def __init__(self, pod, **props):
                super().__init__(**props)
                self.pod, self.found = pod, 'not looked'

            def do_run(self, cancellable):
                return True

            def do_finish(self):
                self.found = self.pod.lookup_job(self.get_key())

        pod = Gopod.Pod.new(1)
        job = FollowUpJob(pod, key='account')
        pod.add_job(job, None)
        pod.start()
        self.assertTrue(job.wait(None))
        self.assertIsNone(job.found)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_kept_keyed_jobs_let_the_model_go(self):
        """A pod dropped with keyed jobs kept under keep-ended-ms lets its
        model go once nobody holds it: a job kept in the model does not keep
        the pod's insides, which keep the model."""
        pod = Gopod.Pod.new(1)
        pod.props.keep_ended_ms = GLib.MAXUINT32
        model = pod.get_jobs()
        freed = threading.Event()
        model.weak_ref(freed.set)
        # A plain Gopod.Job has no run: it fails, and was looked at for its key.
        pod.add_job(Gopod.Job(key='/home/user/a.iso'), None)
        pod.start()
        self.assertTrue(pod.wait(None))
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DRAIN, None))
        del pod, model
        self.assertTrue(freed.wait(SAFETY_S))


class TestPodProgress(unittest.TestCase):
    def test_progress(self):
        """Ended jobs count 1 over the batch since idle; 0 when idle."""
        pod = Gopod.Pod.new(1)
        gate = threading.Event()
        first = GatedJob()
        held = GatedJob(gate)
        pod.add_job(first, None)
        pod.add_job(held, None)
        pod.start()
        self.assertTrue(held.at_gate.wait(SAFETY_S))
        self.assertAlmostEqual(pod.props.progress, 0.5)
        gate.set()
        self.assertTrue(pod.wait(None))
        self.assertEqual(pod.get_progress(), 0.0)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)


class TestApplication(unittest.TestCase):
    def test_hold(self):
        """A real Gio.Application with no window runs while the pod has
        work, and quits once the pod is idle."""
        app = Gio.Application(application_id='org.gnome.PodGlib.TestRegistryPython',
                              flags=Gio.ApplicationFlags.NON_UNIQUE)
        pod = Gopod.Pod.new(1)
        pod.props.application = app
        self.assertIs(pod.props.application, app)
        pod.start()
        gate = threading.Event()
        job = GatedJob(gate)
        seen = {}

        def on_activate(app):
            pod.add_job(job, None)
            threading.Thread(target=lambda: job.at_gate.wait(SAFETY_S) and gate.set()).start()

        def on_shutdown(app):
            seen['ended'] = job.get_state()

        app.connect('activate', on_activate)
        app.connect('shutdown', on_shutdown)
        self.assertEqual(app.run([]), 0)
        self.assertEqual(seen['ended'], Gopod.JobState.SUCCEEDED)
        pod.props.application = None
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)

    def test_unset_after_run(self):
        """Unsetting the application once run() returned lets go of it at
        once: nobody runs its main context any more to drop it later."""
        app = Gio.Application(application_id='org.gnome.PodGlib.TestRegistryPythonAfterRun',
                              flags=Gio.ApplicationFlags.NON_UNIQUE)
        pod = Gopod.Pod.new(1)
        pod.props.application = app
        pod.start()
        app.connect('activate', lambda app: None)
        self.assertEqual(app.run([]), 0)
        pod.props.application = None
        freed = []
        app.weak_ref(lambda: freed.append(True))
        del app
        gc.collect()
        self.assertTrue(freed)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, None)


if __name__ == '__main__':
    unittest.main()
