#!/usr/bin/python3
"""GopodRunner from Python: order, timeout, failure, cancel, interrupt,
start_async on a GLib.MainLoop, and real SIGINT/SIGTERM."""

import os
import signal
import threading
import unittest

import gi
gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, GObject, Gopod  # noqa: E402

WAIT = 10  # seconds before a test gives up instead of hanging


def wait_cancelled(cancellable):
    """Blocks until @cancellable is cancelled; False after WAIT seconds."""
    event = threading.Event()
    # The GObject signal: Gio.Cancellable.connect is g_cancellable_connect.
    handler = GObject.Object.connect(cancellable, 'cancelled', lambda *a: event.set())
    if cancellable.is_cancelled():
        event.set()
    event.wait(WAIT)
    GObject.Object.disconnect(cancellable, handler)
    return event.is_set()


def wait_for(condition):
    """Waits for something a background task does after start() returned."""
    done = threading.Event()
    for _ in range(WAIT * 100):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError('condition not reached')


class Record:
    """What the tasks of one test did."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ids = []
        self.returned = 0
        self.started = threading.Event()

    def begin(self, id):
        with self.lock:
            self.ids.append(id)
        self.started.set()

    def end(self):
        with self.lock:
            self.returned += 1


def quiet_runner(timeout_ms=0):
    runner = Gopod.Runner.new(timeout_ms)
    runner.props.handle_signals = False
    return runner


class RunnerTest(unittest.TestCase):

    def test_order_and_count(self):
        runner = quiet_runner()
        record = Record()

        def task(runner_, id, cancellable):
            record.begin(id)
            return True

        for _ in range(5):
            runner.add(task)
        self.assertTrue(runner.start(None))
        self.assertEqual(record.ids, [0, 1, 2, 3, 4])
        self.assertEqual(runner.props.completed, 5)

    def test_failure_stops_the_rest(self):
        runner = quiet_runner()
        record = Record()

        def ok(runner_, id, cancellable):
            record.begin(id)
            return True

        def fail(runner_, id, cancellable):
            record.begin(id)
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'task failed',
                                         Gio.IOErrorEnum.NOT_FOUND)

        runner.add(ok)
        runner.add(fail)
        runner.add(ok)
        with self.assertRaises(GLib.Error) as caught:
            runner.start(None)
        self.assertTrue(caught.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.NOT_FOUND))
        self.assertEqual(caught.exception.message, 'task failed')
        self.assertEqual(record.ids, [0, 1])
        self.assertEqual(runner.props.completed, 1)

    def test_returning_false_fails(self):
        runner = quiet_runner()
        runner.add(lambda r, id, c: False)
        with self.assertRaises(GLib.Error) as caught:
            runner.start(None)
        self.assertTrue(caught.exception.matches(Gopod.error_quark(),
                                                 Gopod.Error.FAILED))

    def test_timeout_with_uncooperative_task(self):
        runner = quiet_runner(50)
        record = Record()
        gate = threading.Event()
        saw_cancel = []

        def stubborn(runner_, id, cancellable):
            record.begin(id)
            gate.wait(WAIT)  # ignores its cancellable
            saw_cancel.append(cancellable.is_cancelled())
            record.end()
            return True

        runner.add(stubborn)
        runner.add(stubborn)
        with self.assertRaises(GLib.Error) as caught:
            runner.start(None)
        self.assertTrue(caught.exception.matches(Gopod.error_quark(),
                                                 Gopod.Error.TIMEOUT))
        # start() returned while the task was still blocked.
        self.assertEqual(record.returned, 0)
        gate.set()
        wait_for(lambda: record.returned)
        self.assertEqual(saw_cancel, [True])
        self.assertEqual(record.ids, [0])
        self.assertEqual(runner.props.completed, 0)

    def test_cancellable(self):
        runner = quiet_runner()
        cancellable = Gio.Cancellable()
        cancelled_inside = []

        def task(runner_, id, task_cancellable):
            cancellable.cancel()
            cancelled_inside.append(wait_cancelled(task_cancellable))
            return True

        runner.add(task)
        with self.assertRaises(GLib.Error) as caught:
            runner.start(cancellable)
        self.assertTrue(caught.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.CANCELLED))
        wait_for(lambda: cancelled_inside)
        self.assertEqual(cancelled_inside, [True])

    def test_interrupt_from_another_thread(self):
        runner = quiet_runner()
        record = Record()

        def task(runner_, id, cancellable):
            record.begin(id)
            if wait_cancelled(cancellable):
                record.end()
            return True

        runner.add(task)
        runner.add(task)

        def interrupter():
            record.started.wait(WAIT)
            runner.interrupt()

        thread = threading.Thread(target=interrupter)
        thread.start()
        with self.assertRaises(GLib.Error) as caught:
            runner.start(None)
        thread.join()
        self.assertTrue(caught.exception.matches(Gopod.error_quark(),
                                                 Gopod.Error.INTERRUPTED))
        wait_for(lambda: record.returned)
        self.assertEqual(record.ids, [0])

    def test_start_twice(self):
        runner = quiet_runner()
        runner.add(lambda r, id, c: True)
        self.assertTrue(runner.start(None))
        with self.assertRaises(GLib.Error) as caught:
            runner.start(None)
        self.assertTrue(caught.exception.matches(Gopod.error_quark(),
                                                 Gopod.Error.CLOSED))

    def test_start_async_keeps_the_loop_free(self):
        runner = quiet_runner()
        loop = GLib.MainLoop()
        gate = threading.Event()
        results = []
        main_thread = threading.current_thread()

        def task(runner_, id, cancellable):
            # Opened by the main loop: the runner must not block it.
            return gate.wait(WAIT)

        def done(runner_, result):
            results.append((runner_.start_finish(result),
                            threading.current_thread() is main_thread))
            loop.quit()

        runner.add(task)
        runner.start_async(None, done)
        GLib.idle_add(gate.set)
        GLib.timeout_add_seconds(WAIT, loop.quit)
        loop.run()
        self.assertEqual(results, [(True, True)])

    def test_start_async_timeout(self):
        runner = quiet_runner(50)
        loop = GLib.MainLoop()
        errors = []

        def task(runner_, id, cancellable):
            wait_cancelled(cancellable)
            return True

        def done(runner_, result):
            try:
                runner_.start_finish(result)
            except GLib.Error as e:
                errors.append(e)
            loop.quit()

        runner.add(task)
        runner.start_async(None, done)
        GLib.timeout_add_seconds(WAIT, loop.quit)
        loop.run()
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].matches(Gopod.error_quark(), Gopod.Error.TIMEOUT))


class SignalTest(unittest.TestCase):
    """Real signals sent to this process while a runner runs."""

    def setUp(self):
        # A shell script starting the suite in the background leaves SIGINT
        # ignored; these tests need Python's usual handler as the baseline.
        self.saved_sigint = signal.signal(signal.SIGINT, signal.default_int_handler)

    def tearDown(self):
        signal.signal(signal.SIGINT, self.saved_sigint)

    def run_raising(self, signum):
        runner = Gopod.Runner.new(0)
        self.assertTrue(runner.props.handle_signals)
        record = Record()

        def task(runner_, id, cancellable):
            record.begin(id)
            os.kill(os.getpid(), signum)
            if wait_cancelled(cancellable):
                record.end()
            return True

        runner.add(task)
        runner.add(task)
        with self.assertRaises(GLib.Error) as caught:
            runner.start(None)
        self.assertTrue(caught.exception.matches(Gopod.error_quark(),
                                                 Gopod.Error.INTERRUPTED))
        self.assertIn('SIGTERM' if signum == signal.SIGTERM else 'SIGINT',
                      caught.exception.message)
        wait_for(lambda: record.returned)
        self.assertEqual(record.ids, [0])

    def test_sigint_then_python_keyboard_interrupt(self):
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)
        self.run_raising(signal.SIGINT)
        # The runner's handler is gone: Python's own is back.
        with self.assertRaises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)

    def test_sigterm_then_previous_handler(self):
        hits = []
        old = signal.signal(signal.SIGTERM, lambda s, f: hits.append(s))
        try:
            self.run_raising(signal.SIGTERM)
            self.assertEqual(hits, [])
            signal.raise_signal(signal.SIGTERM)
            self.assertEqual(hits, [signal.SIGTERM])
        finally:
            signal.signal(signal.SIGTERM, old)

    def test_sigint_inside_pygobject_main_loop(self):
        # PyGObject installs its own SIGINT handler while loop.run() runs;
        # a runner started from inside the loop takes the first SIGINT.
        runner = Gopod.Runner.new(0)
        loop = GLib.MainLoop()
        errors = []

        handling = threading.Event()

        def task(runner_, id, cancellable):
            # start_async() handles signals from the loop's next iteration.
            handling.wait(WAIT)
            os.kill(os.getpid(), signal.SIGINT)
            return wait_cancelled(cancellable)

        def done(runner_, result):
            try:
                runner_.start_finish(result)
            except GLib.Error as e:
                errors.append(e)
            loop.quit()

        def begin():
            runner.start_async(None, done)
            # Runs after the runner's own idle, queued first.
            GLib.idle_add(lambda: handling.set())
            return GLib.SOURCE_REMOVE

        runner.add(task)
        GLib.idle_add(begin)
        GLib.timeout_add_seconds(WAIT, loop.quit)
        loop.run()  # would raise KeyboardInterrupt had PyGObject got the signal
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].matches(Gopod.error_quark(), Gopod.Error.INTERRUPTED))
        self.assertIs(signal.getsignal(signal.SIGINT), signal.default_int_handler)


class CtrlCAfterRunTest(unittest.TestCase):
    """A real SIGINT sent to a child after its runner ran (see
    runner_ctrl_c_child.py): in every order of start_async and the main
    loop, Ctrl-C does what it would have done without the runner."""

    CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'runner_ctrl_c_child.py')

    def ctrl_c_after_run(self, order):
        import subprocess
        import sys
        child = subprocess.Popen([sys.executable, self.CHILD, order],
                                 stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(child.stdout.readline().strip(), 'ready')
            child.send_signal(signal.SIGINT)
            out, _ = child.communicate(timeout=WAIT)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        return out.strip()

    def test_started_before_the_loop(self):
        self.assertEqual(self.ctrl_c_after_run('before'), 'KeyboardInterrupt')

    def test_started_inside_the_loop(self):
        self.assertEqual(self.ctrl_c_after_run('inside'), 'KeyboardInterrupt')

    def test_started_in_a_loop_that_stopped(self):
        self.assertEqual(self.ctrl_c_after_run('across-loops'), 'KeyboardInterrupt')

    def test_with_a_glib_unix_signal_handler(self):
        self.assertEqual(self.ctrl_c_after_run('unix-signal'), 'handler\nloop.run() returned')


if __name__ == '__main__':
    unittest.main(verbosity=2)
