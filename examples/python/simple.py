#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""go-pod's "simple" example (examples/simple/example.go), ported.

A pod of 10 workers runs 100 jobs. Each job prints "[START] idx = msg" and
sleeps; its finish clears the message and prints "[FINISH] idx = ".

The Go program sleeps 500 s in main so that the pool can run; this port waits
for the pod instead (Pod.wait), which returns as soon as every job has
finished, then prints the most jobs it saw running at once.
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import Gopod  # noqa: E402

lock = threading.Lock()
active = 0
peak = 0


def say(line):
    # One write per line: print() writes the text and the newline apart,
    # and lines from several workers would interleave.
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


class SimpleJob(Gopod.Job):
    def __init__(self, idx, msg, sleep_s):
        super().__init__()
        self.idx = idx
        self.msg = msg
        self.sleep_s = sleep_s

    # go-pod's Start(): the work, in a worker thread.
    def do_run(self, cancellable):
        global active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        say('[START] %d = %s ' % (self.idx, self.msg))
        time.sleep(self.sleep_s)
        with lock:
            active -= 1
        return True

    # go-pod's Finish(): release what the job holds.
    def do_finish(self):
        self.msg = ''
        say('[FINISH] %d = %s ' % (self.idx, self.msg))


def main():
    parser = argparse.ArgumentParser(description="go-pod's simple example")
    parser.add_argument('--workers', type=int, default=10)
    parser.add_argument('--jobs', type=int, default=100)
    parser.add_argument('--sleep-ms', type=int, default=1000)
    args = parser.parse_args()

    pod = Gopod.Pod.new(args.workers)  # NewPod(10)
    pod.start()                        # Start()
    for i in range(args.jobs):
        pod.add_job(SimpleJob(i + 1, 'msg-%d-hello' % i, args.sleep_ms / 1000))

    # Where Go sleeps 500 s, wait until every job has finished.
    pod.wait(None)

    print('jobs: %d submitted, %d succeeded' % (pod.props.submitted, pod.props.succeeded))
    print('peak concurrency: %d (pod size %d)' % (peak, args.workers))
    return 0 if peak <= args.workers else 1


if __name__ == '__main__':
    sys.exit(main())
