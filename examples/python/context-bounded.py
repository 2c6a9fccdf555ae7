#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The context/leak walk-through's forever loop bounded by a semaphore, ported.

Every 2 seconds, forever, the loop starts two jobs: job1 needs 5 s and job2
needs 1 s, both under a 3-second timeout, and never more than 2 run at once.
So job1 always times out and job2 always finishes. The number printed is the
process's thread count, where Go prints runtime.NumGoroutine(): it stays
flat, because a timed-out job gives its thread back.

  Go                                        here
  ch := make(chan bool, 2)                  a pod of 2 workers
  go work1(ch), with ch <- true / <-ch      pod.add_job(): the job waits in
                                            the queue for a slot
  context.WithTimeout(ctx, 3*time.Second)   the job's timeout-ms
  select { case <-chT: case <-ctx.Done(): } wait_or_cancelled()
  for { ...; time.Sleep(2 * time.Second) }  a GLib.MainLoop with a timeout
                                            source

Go's loop never ends. This one runs --rounds times (0: forever, as in Go),
or until Ctrl-C, then waits for the jobs in flight and prints the most it
saw running at once: at most 2.
"""

import argparse
import signal
import sys
import threading

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, Gopod  # noqa: E402

BOUND = 2

lock = threading.Lock()
active = 0
peak = 0


def say(line):
    # One write per line, so that lines from two workers never interleave.
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def count_threads():
    """runtime.NumGoroutine(), for threads: /proc/self/status's Threads."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    return -1


def wait_or_cancelled(cancellable, seconds):
    """Go's select on the work's channel and ctx.Done(): False if cancelled."""
    cancelled = threading.Event()
    handler = cancellable.connect(cancelled.set)
    try:
        cancelled.wait(seconds)
    finally:
        cancellable.disconnect(handler)
    return not cancellable.is_cancelled()


class Work(Gopod.Job):
    """work1 and work2: do_run runs once the pod gives the job a slot (Go's
    `ch <- true`); returning gives it back (`<-ch`)."""

    def __init__(self, name, work_s, timeout_ms):
        super().__init__()
        self.name = name
        self.work_s = work_s
        self.props.timeout_ms = timeout_ms

    def do_run(self, cancellable):
        global active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        finished = wait_or_cancelled(cancellable, self.work_s)
        with lock:
            active -= 1
        say('%s %s... %d' % (self.name, 'finsh' if finished else 'timeout', count_threads()))
        say('%s exit..' % self.name)
        cancellable.set_error_if_cancelled()  # ends the job with its timeout
        return True


def main():
    parser = argparse.ArgumentParser(description='a forever loop bounded to 2 jobs at once')
    parser.add_argument('--rounds', type=int, default=0, help='0: forever')
    parser.add_argument('--interval-ms', type=int, default=2000)
    parser.add_argument('--timeout-ms', type=int, default=3000)
    parser.add_argument('--job1-ms', type=int, default=5000)
    parser.add_argument('--job2-ms', type=int, default=1000)
    args = parser.parse_args()
    if (args.rounds < 0 or args.interval_ms < 1 or args.timeout_ms < 1
            or args.job1_ms < 0 or args.job2_ms < 0):
        parser.error('invalid option value')

    print("Hey, I'm going to do some work", flush=True)

    # ch := make(chan bool, 2): at most 2 jobs hold a worker.
    pod = Gopod.Pod.new(BOUND)
    pod.start()
    loop = GLib.MainLoop()
    state = {'round': 0, 'tick': 0}

    def stop():
        # Leave the loop once the jobs in flight have ended.
        if state['tick']:
            GLib.source_remove(state['tick'])
            state['tick'] = 0
        pod.wait_async(None, lambda pod, result: (pod.wait_finish(result), loop.quit()))

    def tick():
        # One turn of Go's `for { go work1(ch); go work2(ch); time.Sleep(2s) }`.
        pod.add_job(Work('job1', args.job1_ms / 1000, args.timeout_ms))
        pod.add_job(Work('job2', args.job2_ms / 1000, args.timeout_ms))
        state['round'] += 1
        if args.rounds and state['round'] == args.rounds:
            state['tick'] = 0
            stop()
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE

    def interrupted():
        say('interrupted: waiting for the jobs in flight')
        stop()
        return GLib.SOURCE_REMOVE

    # Go starts its first two jobs at once, then sleeps.
    if tick():
        state['tick'] = GLib.timeout_add(args.interval_ms, tick)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, interrupted)  # signal.Notify
    loop.run()

    say('jobs: %d finished, %d timed out' % (pod.props.succeeded, pod.props.failed))
    say('peak concurrency: %d (bound %d)' % (peak, BOUND))
    return 0 if peak <= BOUND else 1


if __name__ == '__main__':
    sys.exit(main())
