#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PyGObject override (bindings/python/gi/overrides/Gopod.py): Gopod as
Python reads, every older call still working, exceptions that fail jobs with
their message, and Ctrl-C that interrupts the blocking calls."""

import os
import signal
import subprocess
import sys
import threading
import unittest

import gi
gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, GObject, Gopod  # noqa: E402

from testutils import SAFETY_S  # noqa: E402

from test_pod import BlockingJob  # noqa: E402

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sigint_child.py')


class Raising(Gopod.Job):
    def do_run(self, cancellable):
        raise ValueError('no such thumbnail')


class ReturnsNone(Gopod.Job):
    def do_run(self, cancellable):
        self.ran = True


class BeginRaises(Gopod.Job):
    def __init__(self, exception):
        super().__init__()
        self.exception = exception
        self.finishes = 0

    def do_begin(self, cancellable):
        raise self.exception

    def do_finish(self):
        self.finishes += 1


class BeginCompletes(Gopod.Job):
    """A main-context job whose do_begin returns None, and that completes
    with complete(None)."""

    def do_begin(self, cancellable):
        GLib.idle_add(lambda: self.complete(None) or GLib.SOURCE_REMOVE)


class Closing(Gopod.ResourcePool):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.closed = []

    def do_create(self, cancellable):
        return GObject.Object()

    def do_close(self, resource):
        self.closed.append(resource)


class ExceptionsTest(unittest.TestCase):
    def test_run_raising_fails_with_message(self):
        with Gopod.Pod.new(1) as pod:
            job = Raising()
            pod.add_job(job)
        self.assertEqual(job.props.state, Gopod.JobState.FAILED)
        self.assertTrue(job.props.error.matches(Gopod.error_quark(), Gopod.Error.FAILED))
        self.assertEqual(job.props.error.message, 'no such thumbnail')

    def test_run_returning_none_succeeds(self):
        with Gopod.Pod.new(1) as pod:
            job = ReturnsNone()
            pod.add_job(job)
        self.assertEqual(job.props.state, Gopod.JobState.SUCCEEDED)

    def test_begin_raising_fails_the_job(self):
        pod = Gopod.Pod.new(1)   # one slot: a job left running would hold it
        jobs = [BeginRaises(ValueError('begin broke')),
                BeginRaises(GLib.Error.new_literal(Gio.io_error_quark(), 'gone',
                                                   Gio.IOErrorEnum.NOT_FOUND)),
                BeginCompletes()]
        for job in jobs:
            pod.add_job(job)
        pod.start()
        # No main loop: the drain runs the pod's context; it returns.
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DRAIN))
        self.assertEqual([j.props.state for j in jobs],
                         [Gopod.JobState.FAILED, Gopod.JobState.FAILED,
                          Gopod.JobState.SUCCEEDED])
        self.assertEqual(jobs[0].props.error.message, 'begin broke')
        self.assertTrue(jobs[1].props.error.matches(Gio.io_error_quark(),
                                                    Gio.IOErrorEnum.NOT_FOUND))
        self.assertEqual([j.finishes for j in jobs[:2]], [1, 1])

    def test_job_func_and_task_exceptions(self):
        job = Gopod.Job.new_func(lambda job, cancellable: 1 / 0)
        with Gopod.Pod.new(1) as pod:
            pod.add_job(job)
        self.assertEqual(job.props.error.message, 'division by zero')

        runner = Gopod.Runner.new(0)
        runner.props.handle_signals = False
        runner.add(lambda runner, task_id, cancellable: None)   # None: success
        runner.add(lambda runner, task_id, cancellable, what: {}[what], 'key')
        with self.assertRaises(GLib.Error) as caught:
            runner.start()
        self.assertEqual(caught.exception.message, "'key'")
        self.assertEqual(runner.props.completed, 1)

    def test_factory_exception_message(self):
        def factory(cancellable):
            raise OSError('connection refused')
        pool = Gopod.ResourcePool.new(factory, 1)
        with self.assertRaises(GLib.Error) as caught:
            pool.acquire()
        self.assertEqual(caught.exception.message, 'connection refused')


class PythonicTest(unittest.TestCase):
    def test_done_and_complete_none(self):
        throttler = Gopod.Throttler.new(1, 2)
        throttler.done(None)
        throttler.throttle()
        throttler.done(ValueError('second failed'))
        self.assertEqual(throttler.throttle(), 1)
        self.assertEqual(throttler.get_error().message, 'second failed')

        pod = Gopod.Pod.new(1)
        job = BeginCompletes()
        pod.add_job(job)
        pod.start()
        self.assertTrue(job.wait())

    def test_older_calls_still_work(self):
        pool = Gopod.ResourcePool.new(lambda cancellable, data: GObject.Object(), None, 2)
        self.assertEqual(pool.props.size, 2)
        pool.release(pool.acquire(None))
        throttler = Gopod.Throttler.new(1, 1)
        throttler.done_ok()
        self.assertEqual(throttler.throttle(), 0)
        pod = Gopod.Pod.new(1)
        pod.start()
        self.assertTrue(pod.submit(lambda data: None, None))
        self.assertTrue(pod.wait(None))
        self.assertTrue(pod.shutdown(Gopod.ShutdownMode.DRAIN, None))

    def test_one_argument_factory(self):
        made = []
        pool = Gopod.ResourcePool.new(lambda cancellable: made.append(1) or GObject.Object(), 3)
        self.assertEqual(pool.props.size, 3)
        pool.release(pool.acquire())
        self.assertEqual(made, [1])

    def test_submit_with_args(self):
        seen = []
        lock = threading.Lock()

        def record(*args):
            with lock:
                seen.append(args)
        with Gopod.Pod.new(2) as pod:
            pod.submit(record)
            pod.submit(record, 1)
            pod.submit(record, 'a', 'b')
        self.assertEqual(sorted(seen, key=len), [(), (1,), ('a', 'b')])

    def test_with_pod_drains(self):
        with Gopod.Pod.new(1) as pod:
            self.assertFalse(pod.props.paused)
            jobs = [ReturnsNone() for _ in range(3)]
            for job in jobs:
                pod.add_job(job)
        self.assertTrue(all(j.props.state == Gopod.JobState.SUCCEEDED for j in jobs))
        with self.assertRaises(GLib.Error):
            pod.submit(print)   # shut down: closed

    def test_with_pod_discards_on_exception(self):
        held = BlockingJob()
        queued = ReturnsNone()
        with self.assertRaises(RuntimeError):
            with Gopod.Pod.new(1) as pod:
                pod.add_job(held)
                pod.add_job(queued)
                held.started.wait(SAFETY_S)
                raise RuntimeError('stop')
        self.assertEqual(held.props.state, Gopod.JobState.CANCELLED)
        self.assertEqual(queued.props.state, Gopod.JobState.CANCELLED)
        self.assertEqual(held.finishes, 1)

    def test_with_pod_shut_down_in_block(self):
        # The block's own shutdown is the one that counts: leaving the
        # block waits for it, raising nothing, and an exception the block
        # raised afterwards is the one that comes out.
        with Gopod.Pod.new(1) as pod:
            job = ReturnsNone()
            pod.add_job(job)
            self.assertTrue(pod.shutdown())
        self.assertEqual(job.props.state, Gopod.JobState.SUCCEEDED)
        with self.assertRaises(RuntimeError):
            with Gopod.Pod.new(1) as pod:
                pod.shutdown()
                raise RuntimeError('after the shutdown')

    def test_pool_acquired(self):
        pool = Closing(size=2)
        with pool.acquired() as resource:
            self.assertEqual(pool.props.in_use, 1)
        self.assertEqual((pool.props.in_use, pool.props.idle), (0, 1))
        with self.assertRaises(KeyError):
            with pool.acquired() as again:
                self.assertIs(again, resource)
                raise KeyError('broke it')
        # Destroyed, not kept: it may be broken.
        self.assertEqual((pool.props.in_use, pool.props.idle), (0, 0))
        self.assertEqual(pool.closed, [resource])

    def test_channel_iterates(self):
        # Channels are in the library from 1.2; with them, for v in ch.
        if not hasattr(Gopod, 'Channel'):
            # A library without channels: the override adds none of its own.
            self.assertNotIn('Channel', sys.modules['gi.overrides.Gopod'].__all__)
            return
        channel = Gopod.Channel.new(GObject.TYPE_INT, 3)
        for value in (1, 2, 3):
            channel.send(value)
        channel.close()
        self.assertEqual(list(channel), [1, 2, 3])


class CtrlCTest(unittest.TestCase):
    """A real SIGINT sent to a child blocked in each call (see
    sigint_child.py): KeyboardInterrupt comes out of the call, nothing is
    lost."""

    def interrupt(self, scenario):
        child = subprocess.Popen(['/usr/bin/python3', CHILD, scenario],
                                 stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(child.stdout.readline(), 'ready\n')
            child.send_signal(signal.SIGINT)
            out, _ = child.communicate(timeout=SAFETY_S)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        self.assertEqual((child.returncode, out), (0, 'interrupted\n'), scenario)

    def test_pod_wait(self):
        self.interrupt('wait')

    def test_job_wait(self):
        self.interrupt('job-wait')

    def test_pod_shutdown(self):
        self.interrupt('shutdown')

    def test_pod_add_job(self):
        self.interrupt('add-job')

    def test_pool_acquire(self):
        self.interrupt('acquire')

    def test_throttle(self):
        self.interrupt('throttle')

    def test_runner_start(self):
        self.interrupt('start')

    def test_select_wait(self):
        self.interrupt('select-wait')

    def test_app_handler(self):
        self.interrupt('app-handler')


# What every Ctrl-C child below starts with: Python's own SIGINT handling,
# Gopod with its override, and the override itself to look into.
CTRL_C_CHILD = r"""
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
import gi
gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod
from gi.overrides import Gopod as override
"""


# A SIGINT sent from inside the Ctrl-C watch's own steps, where a real one
# may come: while it sets the wakeup fd up (entry), while it puts the old
# one back (exit), and while the main thread holds the watcher's lock
# (lock). With the steps in another order the first left a receive nobody
# sends to blocked for ever, the second was swallowed, the third deadlocked
# in the handler. The child prints "interrupted" and exits 0.
SIGINT_IN_GAP = CTRL_C_CHILD + r"""
scenario = sys.argv[1]
real_set_wakeup_fd = signal.set_wakeup_fd
calls = []

def sigint():
    os.kill(os.getpid(), signal.SIGINT)

def patched(fd, *args, **kwargs):
    calls.append(fd)
    if (scenario == 'entry' and len(calls) == 1) or (scenario == 'exit' and len(calls) == 2):
        sigint()  # the call is registered, the override's handler not (or no longer) in
    return real_set_wakeup_fd(fd, *args, **kwargs)

class Kills(list):
    def append(self, item):
        super().append(item)
        if scenario == 'lock':
            sigint()  # with the watcher's lock held

signal.set_wakeup_fd = patched
override._watcher._active = Kills()
try:
    if scenario == 'exit':
        pod = Gopod.Pod.new(1)
        pod.start()
        pod.wait()  # nothing to wait for: returns at once
    else:
        Gopod.Channel.new(GObject.TYPE_INT, 0).receive()  # nobody sends: only Ctrl-C ends it
    for _ in range(1000):  # a Ctrl-C Python only noted would be raised by now
        pass
except KeyboardInterrupt:
    print('interrupted', flush=True)
    sys.exit(0)
print('lost', flush=True)
sys.exit(1)
"""


# A Ctrl-C that comes while a blocking call succeeds all the same: add_job
# on a pod with room, send on a channel with room. The call's effect stands
# (the job is queued, the value is in the channel), so the call returns
# True and the next blocking call raises KeyboardInterrupt; raising at once
# told the caller its job or value was lost when it was not. The child
# prints "interrupted".
SIGINT_AS_CALL_SUCCEEDS = CTRL_C_CHILD + r"""
scenario = sys.argv[1]
raw = override.Gopod  # the introspected classes the override calls

def interrupted_first(real):
    def call(*args):
        # What the override's SIGINT handler does with a Ctrl-C that comes
        # now, called here rather than through a real signal, whose Python
        # handler runs at whichever bytecode checks for it next.
        override._watcher._on_sigint(signal.SIGINT, None)
        return real(*args)
    return call

pod = Gopod.Pod.new(1)
try:
    if scenario == 'add-job':
        job = Gopod.Job.new_func(lambda job, cancellable: True)
        raw.Pod.add_job = interrupted_first(raw.Pod.add_job)
        ok = pod.add_job(job)
        assert ok and job.props.state == Gopod.JobState.QUEUED, (ok, job.props.state)
    else:
        channel = Gopod.Channel.new(GObject.TYPE_INT, 1)
        raw.Channel.send = interrupted_first(raw.Channel.send)
        ok = channel.send(7)
        assert ok and channel.try_receive() == (True, 7), ok
except KeyboardInterrupt:
    print('lost', flush=True)
    sys.exit(1)
try:
    pod.wait()
except KeyboardInterrupt:
    print('interrupted', flush=True)
    sys.exit(0)
print('not raised', flush=True)
sys.exit(1)
"""


# The app's own Python handler (signal.signal) is in, and a Ctrl-C comes
# as a receive takes a value (sent here from inside the call, right after
# the value was taken): the value must not be lost. The child receives
# what was sent, then expects the handler's exception from the next
# blocking call, and prints "kept".
APP_HANDLER_KEEPS = CTRL_C_CHILD + r"""
class Stop(Exception):
    pass

def handler(signum, frame):
    raise Stop()

real_receive = override.Gopod.Channel.receive

def receive_then_ctrl_c(self, cancellable):
    result = real_receive(self, cancellable)
    os.kill(os.getpid(), signal.SIGINT)
    return result

override.Gopod.Channel.receive = receive_then_ctrl_c
signal.signal(signal.SIGINT, handler)
channel = Gopod.Channel.new(GObject.TYPE_INT, 2)
channel.try_send(7)
channel.try_send(8)
try:
    ok, value = channel.receive()
except Stop:
    print('lost', flush=True)
    sys.exit(1)
override.Gopod.Channel.receive = real_receive
try:
    channel.receive()
except Stop:
    # Raised before the next call took anything: 8 is still there.
    print('kept' if (ok, value) == (True, 7) and channel.try_receive() == (True, 8)
          else 'wrong', flush=True)
    sys.exit(0)
print('handler not called', flush=True)
sys.exit(1)
"""


class CtrlCGapsTest(unittest.TestCase):
    def run_child(self, *args):
        child = subprocess.Popen(['/usr/bin/python3', '-c', *args],
                                 stdout=subprocess.PIPE, text=True)
        try:
            out, _ = child.communicate(timeout=SAFETY_S)
        except subprocess.TimeoutExpired:
            child.kill()
            out, _ = child.communicate()
            out += 'hung'
        self.assertEqual((child.returncode, out), (0, 'interrupted\n'), args[1:])

    def interrupt(self, scenario):
        self.run_child(SIGINT_IN_GAP, scenario)

    def test_sigint_before_the_call_is_registered(self):
        self.interrupt('entry')

    def test_sigint_after_the_call_is_deregistered(self):
        self.interrupt('exit')

    def test_sigint_while_the_lock_is_held(self):
        self.interrupt('lock')

    def test_sigint_as_add_job_succeeds(self):
        self.run_child(SIGINT_AS_CALL_SUCCEEDS, 'add-job')

    def test_sigint_as_send_succeeds(self):
        self.run_child(SIGINT_AS_CALL_SUCCEEDS, 'send')

    def test_app_handler_keeps_a_received_value(self):
        child = subprocess.Popen(['/usr/bin/python3', '-c', APP_HANDLER_KEEPS],
                                 stdout=subprocess.PIPE, text=True)
        try:
            out, _ = child.communicate(timeout=SAFETY_S)
        except subprocess.TimeoutExpired:
            child.kill()
            out, _ = child.communicate()
            out += 'hung'
        self.assertEqual((child.returncode, out), (0, 'kept\n'))

    def test_sigint_in_a_forked_child(self):
        # The watcher thread stays in the parent: the child needs its own.
        self.run_child(SIGINT_IN_FORKED_CHILD)


# A process whose Ctrl-C watch ran forks; the child blocks in a receive
# nobody sends to, and a thread of the child sends it SIGINT once the
# override's handler is in. The child prints "interrupted", the parent
# exits with the child's status.
SIGINT_IN_FORKED_CHILD = CTRL_C_CHILD + r"""
import threading

pod = Gopod.Pod.new(1)
pod.start()
pod.wait()  # the watch, and its thread, start in the parent
pid = os.fork()
if pid != 0:
    for _ in range(1500):  # 15 s, then the child is taken to hang
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            sys.exit(os.waitstatus_to_exitcode(status))
        threading.Event().wait(0.01)
    os.kill(pid, signal.SIGKILL)
    print('hung', flush=True)
    sys.exit(1)

def interrupt_once_watched():
    while signal.getsignal(signal.SIGINT) != override._watcher._on_sigint:
        threading.Event().wait(0.001)
    os.kill(os.getpid(), signal.SIGINT)

threading.Thread(target=interrupt_once_watched, daemon=True).start()
try:
    Gopod.Channel.new(GObject.TYPE_INT, 0).receive()
except KeyboardInterrupt:
    print('interrupted', flush=True)
    os._exit(0)
print('lost', flush=True)
os._exit(1)
"""


# Each scenario runs Python code that raises SystemExit or KeyboardInterrupt
# in a library worker thread, in a child process (without the fix the child
# hung for ever: PyGObject's PyErr_Print() turns SystemExit into Py_Exit() in
# the worker, which waits for the main thread, itself blocked waiting for the
# work). The child prints one line and exits 0.
EXIT_IN_WORKER = r"""
import sys, threading
import gi
gi.require_version('Gopod', '1.0')
from gi.repository import GLib, GObject, Gopod

scenario = sys.argv[1]

def ended(job):
    error = job.props.error
    print(int(job.props.state), error.message if error else None)

if scenario == 'do_run':
    class Exits(Gopod.Job):
        def do_run(self, cancellable):
            sys.exit(3)
    with Gopod.Pod.new(1) as pod:
        job = Exits()
        pod.add_job(job)
    ended(job)
elif scenario == 'do_run_keyboard_interrupt':
    class Interrupted(Gopod.Job):
        def do_run(self, cancellable):
            raise KeyboardInterrupt
    with Gopod.Pod.new(1) as pod:
        job = Interrupted()
        pod.add_job(job)
    ended(job)
elif scenario == 'job_func':
    job = Gopod.Job.new_func(lambda job, cancellable: sys.exit(3))
    with Gopod.Pod.new(1) as pod:
        pod.add_job(job)
    ended(job)
elif scenario == 'do_finish':
    class FinishExits(Gopod.Job):
        def do_run(self, cancellable):
            return True
        def do_finish(self):
            sys.exit(3)
    with Gopod.Pod.new(1) as pod:
        job = FinishExits()
        pod.add_job(job)
    ended(job)
elif scenario == 'submit':
    with Gopod.Pod.new(1) as pod:
        pod.submit(sys.exit, 3)
    print(pod.props.submitted)
elif scenario == 'runner_task':
    runner = Gopod.Runner.new(0)
    runner.props.handle_signals = False
    runner.add(lambda runner, task_id, cancellable: sys.exit(3))
    try:
        runner.start()
        print('succeeded')
    except GLib.Error as e:
        print(e.message)
elif scenario == 'factory_in_thread':
    pool = Gopod.ResourcePool.new(lambda cancellable: sys.exit(3), 1)
    outcome = []
    def acquire():
        try:
            pool.acquire()
        except GLib.Error as e:
            outcome.append(e.message)
    thread = threading.Thread(target=acquire)
    thread.start()
    thread.join()
    print(outcome[0], pool.props.in_use)
"""


class ExitInWorkerTest(unittest.TestCase):
    """sys.exit() or KeyboardInterrupt in Python code that the library runs in
    a worker thread: the work fails with a message naming it (or, for work
    that cannot fail, the exception is printed); the process neither hangs
    nor ends from that thread."""

    def child(self, scenario):
        try:
            done = subprocess.run(['/usr/bin/python3', '-c', EXIT_IN_WORKER, scenario],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, timeout=SAFETY_S)
        except subprocess.TimeoutExpired:
            self.fail(scenario + ': the process hung')
        self.assertEqual(done.returncode, 0, scenario + ': ' + done.stderr)
        return done.stdout.strip()

    def test_do_run_sys_exit_fails_the_job(self):
        self.assertEqual(self.child('do_run'),
                         '%d SystemExit: 3' % Gopod.JobState.FAILED)

    def test_do_run_keyboard_interrupt_fails_the_job(self):
        self.assertEqual(self.child('do_run_keyboard_interrupt'),
                         '%d KeyboardInterrupt' % Gopod.JobState.FAILED)

    def test_job_func_sys_exit_fails_the_job(self):
        self.assertEqual(self.child('job_func'),
                         '%d SystemExit: 3' % Gopod.JobState.FAILED)

    def test_do_finish_sys_exit_is_contained(self):
        self.assertEqual(self.child('do_finish'),
                         '%d None' % Gopod.JobState.SUCCEEDED)

    def test_submit_sys_exit_is_contained(self):
        self.assertEqual(self.child('submit'), '1')

    def test_runner_task_sys_exit_fails_the_run(self):
        self.assertEqual(self.child('runner_task'), 'SystemExit: 3')

    def test_factory_sys_exit_in_a_thread_fails_the_acquire(self):
        self.assertEqual(self.child('factory_in_thread'), 'SystemExit: 3 0')


if __name__ == '__main__':
    unittest.main()
