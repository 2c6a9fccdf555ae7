#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A child of test_override.py: blocks in one call, prints "ready" from inside
it, and expects the SIGINT its parent then sends to raise KeyboardInterrupt
out of that call, with nothing lost.

    sigint_child.py wait|job-wait|shutdown|add-job|acquire|throttle|start|select-wait|app-handler

Exits 0 and prints "interrupted" when KeyboardInterrupt came out of the call
and everything the call held reached its end; exits 1 otherwise.
"""

import select
import signal
import sys

# Python's own SIGINT handler, as an interactive program has it (a test
# runner may start children with SIGINT ignored). Before gi is imported:
# PyGObject checks the handler it finds then.
signal.signal(signal.SIGINT, signal.default_int_handler)

import gi  # noqa: E402
gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, GObject, Gopod  # noqa: E402


def ready():
    print('ready', flush=True)


class ReadyJob(Gopod.Job):
    """A main-context job that says "ready" when it begins (inside the
    blocking call, which runs the pod's context) and ends only when it is
    cancelled."""

    def __init__(self, announce=True):
        super().__init__()
        self.announce = announce
        self.begun = False
        self.finishes = 0

    def do_begin(self, cancellable):
        cancellable.connect(lambda *args: GLib.idle_add(self._cancelled))
        self.begun = True
        if self.announce:
            ready()

    def _cancelled(self):
        self.complete(GLib.Error.new_literal(GLib.quark_from_string('test'), 'cancelled', 1))
        return GLib.SOURCE_REMOVE

    def do_finish(self):
        self.finishes += 1


def wait_on_cancellable(cancellable):
    """Blocks until cancellable is cancelled, in a system call that a
    signal interrupts (as the default handler would: KeyboardInterrupt)."""
    fd = cancellable.get_fd()
    select.select([fd], [], [])
    cancellable.release_fd()


def started_pod(job, max_queued=0):
    pod = Gopod.Pod.new(1)
    pod.props.max_queued = max_queued
    pod.add_job(job)
    pod.start()
    return pod


def discard(pod, job):
    pod.shutdown(Gopod.ShutdownMode.DISCARD)
    return job.props.state == Gopod.JobState.CANCELLED and job.finishes == 1


def interrupted_wait(wait):
    """wait(pod, job) on a pod running a ReadyJob: KeyboardInterrupt, and a
    discarding shutdown then ends the job."""
    job = ReadyJob()
    pod = started_pod(job)
    try:
        wait(pod, job)
    except KeyboardInterrupt:
        return discard(pod, job)
    return False


def scenario_wait():
    return interrupted_wait(lambda pod, job: pod.wait())


def scenario_job_wait():
    return interrupted_wait(lambda pod, job: job.wait())


def scenario_shutdown():
    job = ReadyJob()
    pod = started_pod(job)
    try:
        pod.shutdown(Gopod.ShutdownMode.DRAIN)
    except KeyboardInterrupt:
        # The pod drains on, the interrupted caller just stopped waiting.
        job.cancel()
        while job.finishes == 0:
            GLib.MainContext.default().iteration(True)
        return job.props.state == Gopod.JobState.CANCELLED and pod.props.running == 0
    return False


def scenario_add_job():
    # One worker, busy; one queued job at most: the second add blocks, and
    # runs the pod's context meanwhile, where an idle says "ready".
    job = ReadyJob(announce=False)
    pod = started_pod(job, max_queued=1)
    while not job.begun:
        GLib.MainContext.default().iteration(True)
    queued = Gopod.Job.new_func(lambda *args: True)
    blocked = Gopod.Job.new_func(lambda *args: True)
    pod.add_job(queued)
    GLib.idle_add(lambda: ready() or GLib.SOURCE_REMOVE)
    try:
        pod.add_job(blocked)
    except KeyboardInterrupt:
        return discard(pod, job) and blocked.props.state == Gopod.JobState.NEW
    return False


class SlowPool(Gopod.ResourcePool):
    """Its factory runs in the thread that called acquire: it says "ready"
    there and waits for the acquire's cancellable."""

    def do_create(self, cancellable):
        ready()
        wait_on_cancellable(cancellable)
        cancellable.set_error_if_cancelled()
        return GObject.Object()


def scenario_acquire():
    pool = SlowPool(size=1)
    try:
        pool.acquire()
    except KeyboardInterrupt:
        return pool.props.in_use == 0
    return False


def scenario_throttle():
    # The one job in flight has not reported: throttle blocks until Ctrl-C.
    # (No callback runs inside a throttle to say "ready" from there.)
    throttler = Gopod.Throttler.new(1, 0)
    # A first blocking call sets the Ctrl-C watch up, so the signal that
    # "ready" brings finds it in place, or at worst Python's own handler.
    throttler.wait()
    try:
        ready()
        throttler.throttle()
    except KeyboardInterrupt:
        # The launched job stays counted: it reports, and the loop goes on.
        throttler.done(None)
        return throttler.wait() == 0
    return False


def scenario_start():
    runner = Gopod.Runner.new(0)
    runner.props.handle_signals = False
    job = ReadyJob()
    runner.add_job(job)
    try:
        runner.start()
    except KeyboardInterrupt:
        # start returns at once; the job in flight ends when its
        # cancellation reaches it, on this context.
        while job.finishes == 0:
            GLib.MainContext.default().iteration(True)
        return job.props.state == Gopod.JobState.CANCELLED and job.finishes == 1
    return False


def scenario_select_wait():
    # A receive nobody sends to: the select blocks until Ctrl-C. Nothing
    # runs inside the wait to say "ready" from there: a thread says it once
    # the wait has begun (a signal before it is Python's own, and raises too).
    import threading
    import time
    channel = Gopod.Channel.new(GObject.TYPE_INT, 0)
    select = Gopod.Select.new()
    select.add_receive(channel)
    threading.Thread(target=lambda: (time.sleep(0.2), ready())).start()
    try:
        select.wait()
    except KeyboardInterrupt:
        # The select left the channel: no receiver waits there any more.
        try:
            channel.try_send(1)
        except GLib.Error as e:
            return e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.WOULD_BLOCK)
    return False


def scenario_app_handler():
    # The app's own Python handler (signal.signal): Python would run it only
    # once the call returned; the call is cancelled for it, and what it
    # raises comes out of the call.
    class Stop(Exception):
        pass

    calls = []

    def handler(signum, frame):
        calls.append(signum)
        raise Stop()

    signal.signal(signal.SIGINT, handler)
    job = ReadyJob()
    pod = started_pod(job)
    try:
        pod.wait()
    except Stop:
        return calls == [signal.SIGINT] and discard(pod, job)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return False


if __name__ == '__main__':
    scenario = globals()['scenario_' + sys.argv[1].replace('-', '_')]
    ok = scenario()
    print('interrupted' if ok else 'not interrupted as expected', flush=True)
    sys.exit(0 if ok else 1)
