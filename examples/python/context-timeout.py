#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The context/leak walk-through's work(ctx) under context.WithTimeout, ported.

A job means to do 1000 steps of 2 seconds each; a 4-second deadline cancels
it as its second step (step 1) would end, as Go's output shows:

  Hey, I'm going to do some work
  Doing some work 0
  Cancel the context 1
  Finished. I'm going home

  Go                                        here
  context.WithTimeout(ctx, 4*time.Second)   the job's timeout-ms, 4000: its
                                            cancellable is cancelled
  go work(ctx) + wg.Add(1)                  pod.add_job()
  wg.Wait()                                 job.wait()
  select { case <-time.After(2s):           wait_or_cancelled(): an Event set
           case <-ctx.Done(): }             by the cancellable, waited on
                                            with a 2 s timeout
  return ctx.Err()                          the job ends FAILED with
                                            Gopod.Error.TIMEOUT
"""

import argparse
import sys
import threading

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, Gopod  # noqa: E402


def wait_or_cancelled(cancellable, seconds):
    """Go's select on time.After and ctx.Done(): False when cancelled first."""
    cancelled = threading.Event()
    # g_cancellable_connect(): the callback runs in the thread that cancels
    # (the pod's timer), or at once if the cancellable already is.
    handler = cancellable.connect(cancelled.set)
    try:
        cancelled.wait(seconds)
    finally:
        cancellable.disconnect(handler)
    return not cancellable.is_cancelled()


class Work(Gopod.Job):
    """work(ctx): do_run runs in the pod's worker thread."""

    def __init__(self, steps, step_s):
        super().__init__()
        self.steps = steps
        self.step_s = step_s

    def do_run(self, cancellable):
        for i in range(self.steps):
            if wait_or_cancelled(cancellable, self.step_s):
                print('Doing some work %d' % i, flush=True)
            else:
                print('Cancel the context %d' % i, flush=True)
                # ctx.Err(); the pod reports it as Gopod.Error.TIMEOUT.
                # set_error_if_cancelled() raises that GLib.Error.
                cancellable.set_error_if_cancelled()
        return True


def main():
    parser = argparse.ArgumentParser(description='work(ctx) under context.WithTimeout')
    parser.add_argument('--step-ms', type=int, default=2000)
    parser.add_argument('--deadline-ms', type=int, default=4000)
    parser.add_argument('--steps', type=int, default=1000)
    args = parser.parse_args()
    if args.step_ms < 0 or args.deadline_ms < 1 or args.steps < 0:
        parser.error('invalid option value')

    pod = Gopod.Pod.new(1)
    pod.start()

    # ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second).
    # The deadline counts from when the job starts running.
    job = Work(args.steps, args.step_ms / 1000)
    job.props.timeout_ms = args.deadline_ms

    print("Hey, I'm going to do some work", flush=True)
    pod.add_job(job)  # go work(ctx)
    # wg.Wait(). Like Go's main, this one does not look at work's error.
    try:
        job.wait(None)
    except GLib.Error:
        pass
    print("Finished. I'm going home")
    return 0


if __name__ == '__main__':
    sys.exit(main())
