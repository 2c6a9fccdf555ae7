#!/usr/bin/python3
"""GopodThrottler from Python: nozzle/throttler's loop, errors, batches, async."""

import threading
import unittest

import gi
gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, Gopod  # noqa: E402


class Jobs:
    """Jobs on Python threads that wait at a gate until `gate` of them run
    together (or every launched job has started after the last launch), so
    the peak seen is the bound the throttler allows."""

    def __init__(self, throttler, gate, fail=lambda i: False):
        self.throttler = throttler
        self.gate = gate
        self.fail = fail
        self.cond = threading.Condition()
        self.running = self.peak = self.launched = self.entered = 0
        self.finished = 0
        self.all_launched = False
        self.failures = []
        self.threads = []

    def _run(self, index):
        with self.cond:
            self.entered += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.running >= self.gate or
                               (self.all_launched and self.entered == self.launched))
            self.running -= 1
            self.finished += 1
            if self.fail(index):
                error = GLib.Error.new_literal(Gio.io_error_quark(),
                                               'Error on job%02d' % (index + 1),
                                               Gio.IOErrorEnum.FAILED)
                self.failures.append(error.message)
                self.throttler.done(error)
            else:
                self.throttler.done_ok()

    def launch(self, index, last=False):
        with self.cond:
            self.launched += 1
            if last:
                self.all_launched = True
            self.cond.notify_all()
        thread = threading.Thread(target=self._run, args=(index,))
        self.threads.append(thread)
        thread.start()

    def join(self):
        for thread in self.threads:
            thread.join()


def run_loop(throttler, jobs, n):
    count = 0
    for i in range(n):
        jobs.launch(i, last=(i == n - 1))
        count = throttler.throttle()
    return count


class TestThrottler(unittest.TestCase):
    def test_standard(self):
        t = Gopod.Throttler.new(5, 50)
        jobs = Jobs(t, 5)
        self.assertEqual(run_loop(t, jobs, 50), 0)
        self.assertEqual(jobs.finished, 50)
        self.assertEqual(jobs.peak, 5)
        self.assertIsNone(t.get_error())
        self.assertEqual(t.get_errors(), [])
        jobs.join()

    def test_open_ended(self):
        t = Gopod.Throttler.new(3, 0)
        jobs = Jobs(t, 3)
        for i in range(20):
            jobs.launch(i)
            t.throttle()
        with jobs.cond:
            jobs.all_launched = True
            jobs.cond.notify_all()
        self.assertEqual(t.wait(), 0)
        self.assertEqual(jobs.finished, 20)
        self.assertEqual(jobs.peak, 3)
        jobs.join()

    def test_errors(self):
        t = Gopod.Throttler.new(5, 50)
        jobs = Jobs(t, 5, fail=lambda i: (i + 1) % 2 != 0)
        self.assertEqual(run_loop(t, jobs, 50), 25)
        self.assertEqual(t.get_error_count(), 25)
        self.assertEqual(t.props.error_count, 25)
        errors = t.get_errors()
        self.assertEqual([e.message for e in errors], jobs.failures)
        self.assertTrue(all(e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.FAILED)
                            for e in errors))
        summary = t.get_error()
        self.assertEqual(summary.message, '%s (and 24 more errors)' % jobs.failures[0])
        jobs.join()

    def test_batched(self):
        items = ['item%02d' % (i + 1) for i in range(49)]
        t = Gopod.Throttler.new_batched(10, len(items), 2)
        self.assertEqual(t.get_total_jobs(), 25)
        batches = []
        for i in range(t.get_total_jobs()):
            batches.append(items[t.get_batch_start_index():t.get_batch_end_index()])
            t.done_ok()
            t.throttle()
        self.assertEqual(batches[0], ['item01', 'item02'])
        self.assertEqual(batches[-1], ['item49'])
        self.assertEqual(sum(batches, []), items)

    def test_shrink(self):
        t = Gopod.Throttler.new(4, 30)
        jobs = Jobs(t, 4)
        late_peak = 0
        for i in range(30):
            jobs.launch(i, last=(i == 29))
            t.throttle()
            if i == 9:
                t.set_max_workers(2)
                with jobs.cond:
                    jobs.gate = 2
                    jobs.cond.notify_all()
            if i == 10:
                with jobs.cond:
                    jobs.peak = 0
        late_peak = jobs.peak
        self.assertEqual(t.props.max_workers, 2)
        self.assertEqual(late_peak, 2)
        jobs.join()

    def test_bad_input_keeps_state(self):
        t = Gopod.Throttler.new(3, 1)
        criticals = []
        handler = GLib.log_set_handler('Gopod', GLib.LogLevelFlags.LEVEL_CRITICAL,
                                       lambda domain, level, message, data:
                                       criticals.append(message), None)
        try:
            with self.assertRaises(TypeError):  # the constructor returned NULL
                Gopod.Throttler.new(0, 3)
            t.set_max_workers(0)
            self.assertEqual(t.get_max_workers(), 3)
            t.done_ok()
            self.assertEqual(t.throttle(), 0)
            t.done(GLib.Error.new_literal(Gio.io_error_quark(), 'late', 0))
            self.assertEqual(t.get_error_count(), 0)
            self.assertEqual(t.throttle(), 0)
        finally:
            GLib.log_remove_handler('Gopod', handler)
        self.assertEqual(len(criticals), 4, criticals)
        self.assertIn('max_workers > 0', criticals[0])
        self.assertIn('max_workers > 0', criticals[1])
        self.assertIn('done called more often', criticals[2])
        self.assertIn('throttle called more often', criticals[3])

    def test_async_main_loop(self):
        loop = GLib.MainLoop()
        t = Gopod.Throttler.new(2, 7)
        state = {'launched': 0, 'finished': 0, 'peak': 0, 'errors': None}
        main_thread = threading.current_thread()

        def job_done():
            state['finished'] += 1
            if state['finished'] == 3:
                t.done(GLib.Error.new_literal(Gio.io_error_quark(), 'third', 0))
            else:
                t.done_ok()
            return GLib.SOURCE_REMOVE

        def launch_next():
            state['launched'] += 1
            state['peak'] = max(state['peak'], state['launched'] - state['finished'])
            GLib.idle_add(job_done, priority=GLib.PRIORITY_LOW)
            t.throttle_async(None, throttled)

        def throttled(source, result):
            self.assertIs(threading.current_thread(), main_thread)
            count = source.throttle_finish(result)
            if state['launched'] < 7:
                launch_next()
            else:
                state['errors'] = count
                loop.quit()

        launch_next()
        loop.run()
        self.assertEqual(state['finished'], 7)
        self.assertEqual(state['peak'], 2)
        self.assertEqual(state['errors'], 1)

    def test_error_count_notified_on_main_context(self):
        loop = GLib.MainLoop()
        t = Gopod.Throttler.new(2, 0)
        seen = []

        def notified(obj, pspec):
            seen.append((threading.current_thread(), obj.props.error_count))
            loop.quit()

        t.connect('notify::error-count', notified)
        t.throttle()
        worker = threading.Thread(target=lambda: t.done(
            GLib.Error.new_literal(Gio.io_error_quark(), 'worker', 0)))
        worker.start()
        # A missing notification fails the test instead of hanging it.
        guard = GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        worker.join()
        self.assertTrue(seen, 'notify::error-count was not delivered')
        GLib.source_remove(guard)
        self.assertEqual(seen, [(threading.current_thread(), 1)])


if __name__ == '__main__':
    unittest.main()
