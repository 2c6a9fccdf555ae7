#!/usr/bin/python3
"""The `runner` program of Go in Action, with Gopod.Runner.

Three tasks sleep for their id in seconds under a 3 second timeout, so the
third is cut short: "Terminating due to timeout." and exit status 1. Ctrl-C
(or SIGTERM) while it runs: "Terminating due to interrupt." and exit status
2. When every task finishes in time: "Process ended." and exit status 0.

--unit-ms is how long "one second" of sleep lasts, so that the test suite
runs the program quickly; --send-sigint-ms makes the program send itself
SIGINT, to test the interrupt path without a terminal.
"""

import argparse
import os
import signal
import sys
import threading
import time

import gi
gi.require_version('Gopod', '1.0')
from gi.repository import GLib, GObject, Gopod  # noqa: E402


def log(message):
    """log.Println: a timestamp, then the message."""
    # One write per line: print() from several threads can interleave.
    sys.stdout.write(time.strftime('%Y/%m/%d %H:%M:%S ') + message + '\n')
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--timeout-ms', type=int, default=3000)
    parser.add_argument('--unit-ms', type=int, default=1000)
    parser.add_argument('--send-sigint-ms', type=int, default=None)
    args = parser.parse_args()

    def task(runner, id, cancellable):
        # createTask: sleeps for id units, but wakes up as soon as the runner
        # cancels it (the Go task could not be stopped).
        log(f'Processor - Task #{id}.')
        woken = threading.Event()
        handler = GObject.Object.connect(cancellable, 'cancelled', lambda c: woken.set())
        if not cancellable.is_cancelled():
            woken.wait(id * args.unit_ms / 1000)
        GObject.Object.disconnect(cancellable, handler)
        return not cancellable.set_error_if_cancelled()

    log('Starting work.')

    # Unlike Go's New(), the deadline counts from start(), not from here.
    runner = Gopod.Runner.new(args.timeout_ms)
    for _ in range(3):
        runner.add(task)

    if args.send_sigint_ms is not None:
        timer = threading.Timer(args.send_sigint_ms / 1000,
                                os.kill, (os.getpid(), signal.SIGINT))
        timer.daemon = True
        timer.start()

    try:
        runner.start(None)
    except GLib.Error as e:
        if e.matches(Gopod.error_quark(), Gopod.Error.TIMEOUT):
            log('Terminating due to timeout.')
            return 1
        if e.matches(Gopod.error_quark(), Gopod.Error.INTERRUPTED):
            log('Terminating due to interrupt.')
            return 2
        log(f'Terminating: {e.message}')
        return 3

    log('Process ended.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
