#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""go-pod's "advance" example (examples/advance/example.go), ported.

A pod of 100 workers; every second a timer on the main loop adds 500 jobs,
each holding 100 copies of its message, then prints how many threads the
process has, as the Go program prints its goroutine count. The count stays
flat: the pod never holds more than 100 worker threads.

The Go program runs for an hour; this one stops after --seconds rounds,
waits for the pod, and prints a summary of the thread counts it saw.
"""

import argparse
import sys

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, Gopod  # noqa: E402

COPIES = 100


def say(line):
    # One write per line: print() writes the text and the newline apart,
    # and lines from several workers would interleave.
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


class AdvanceJob(Gopod.Job):
    def __init__(self, idx, msg):
        super().__init__()
        self.idx = idx
        self.msg = msg
        self.data = [msg] * COPIES  # go-pod's "big block of memory"

    def do_run(self, cancellable):
        say('[START] %d = %s | size : %d ' % (self.idx, self.msg, len(self.data)))
        return True

    def do_finish(self):
        self.msg = ''
        self.data.clear()
        say('[FINISH] %d = %s | size : %d ' % (self.idx, self.msg, len(self.data)))


def count_threads():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    return -1


def main():
    parser = argparse.ArgumentParser(description="go-pod's advance example")
    parser.add_argument('--seconds', type=int, default=5)
    parser.add_argument('--interval-ms', type=int, default=1000)
    parser.add_argument('--workers', type=int, default=100)
    parser.add_argument('--jobs', type=int, default=500)
    args = parser.parse_args()

    loop = GLib.MainLoop()
    pod = Gopod.Pod.new(args.workers)  # NewPod(100)
    pod.start()
    seen = []
    state = {'rounds_left': args.seconds, 'failed': False}

    def idle(p, result):
        p.wait_finish(result)
        loop.quit()

    # One tick of Go's ticker: dispatch 500 jobs, then report the threads.
    def tick():
        for i in range(args.jobs):
            pod.add_job(AdvanceJob(i + 1, 'msg-%d-hello' % i))
        seen.append(count_threads())
        say('============> current threads: %d ' % seen[-1])
        state['rounds_left'] -= 1
        if state['rounds_left'] > 0:
            return GLib.SOURCE_CONTINUE
        pod.wait_async(None, idle)
        return GLib.SOURCE_REMOVE

    GLib.timeout_add(args.interval_ms, tick)  # time.Tick(1 * time.Second)
    loop.run()

    print('threads: after first round %d, after last round %d, at most %d'
          % (seen[0], seen[-1], max(seen)))
    print('jobs: %d submitted, %d succeeded' % (pod.props.submitted, pod.props.succeeded))
    return 0


if __name__ == '__main__':
    sys.exit(main())
