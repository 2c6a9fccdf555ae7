#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The `work` pool of Go in Action, ported.

Two workers print names: 100 rounds over 5 names, each name logged and
followed by a one-second sleep, as the Go program's namePrinter does.

  Go                                 here
  work.New(2)                        Gopod.Pod.new(2), max-queued 1
  p.Run(&np)  (unbuffered send)      pod.add_job(), which blocks while the
                                     one queue slot is taken
  500 goroutines + sync.WaitGroup    one loop: add_job already blocks, so no
  around p.Run                       thread per submission is needed
  p.Shutdown()  (close + wg.Wait)    pod.shutdown(Gopod.ShutdownMode.DRAIN)

At the end it prints the most tasks it saw running at once (at most 2) and
the most jobs it saw queued (at most 1).
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import Gopod  # noqa: E402

NAMES = ['steve', 'bob', 'mary', 'therese', 'jason']

lock = threading.Lock()
active = 0
peak = 0


def log_println(text):
    # log.Println: "2009/11/10 23:00:00 name" on stderr, one write per line.
    sys.stderr.write(time.strftime('%Y/%m/%d %H:%M:%S ') + text + '\n')
    sys.stderr.flush()


class NamePrinter(Gopod.Job):
    """namePrinter: its Task() is do_run, called in a worker thread."""

    def __init__(self, name, sleep_s):
        super().__init__()
        self.name = name
        self.sleep_s = sleep_s

    def do_run(self, cancellable):
        global active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        log_println(self.name)
        time.sleep(self.sleep_s)  # Go's time.Sleep ignores cancellation too
        with lock:
            active -= 1
        return True


def main():
    parser = argparse.ArgumentParser(description='the work pool of Go in Action')
    parser.add_argument('--rounds', type=int, default=100)
    parser.add_argument('--sleep-ms', type=int, default=1000)
    parser.add_argument('--workers', type=int, default=2)
    args = parser.parse_args()
    if args.rounds < 0 or args.workers < 1 or args.sleep_ms < 0:
        parser.error('invalid option value')

    # work.New(2): two workers behind a queue of one.
    pod = Gopod.Pod.new(args.workers)
    pod.props.max_queued = 1
    pod.start()

    peak_queued = 0
    for _ in range(args.rounds):
        for name in NAMES:
            # p.Run(&np): blocks until the previous job has been taken.
            pod.add_job(NamePrinter(name, args.sleep_ms / 1000))
            peak_queued = max(peak_queued, pod.props.queued)

    # p.Shutdown(): stop accepting, run what is queued, wait for the workers.
    pod.shutdown(Gopod.ShutdownMode.DRAIN)

    print('tasks: %d submitted, %d succeeded' % (pod.props.submitted, pod.props.succeeded))
    print('peak in flight: %d (workers %d)' % (peak, args.workers))
    print('peak queued: %d (max-queued 1)' % peak_queued)
    return 0 if peak <= args.workers and peak_queued <= 1 else 1


if __name__ == '__main__':
    sys.exit(main())
