#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ticker of "Go Concurrency in practice", stopped after 1600 ms.

  Go                                  here
  ticker := time.NewTicker(500ms)     Gopod.Channel.new_ticker(interval_ms)
  go func() {                         a thread receiving until
    for t := range ticker.C {...}     Gopod.Error.CLOSED
  }()
  time.Sleep(1600ms)                  time.sleep(stop_ms)
  ticker.Stop()                       ticker.close()

The ticker's values are monotonic times (microseconds, as
g_get_monotonic_time() counts them); each line shows the wall-clock time it
was read and, like Go's `m=+0.5`, the tick's offset from the start. Go's
goroutine is left blocked after Stop; closing ends the range, so the
program joins it before saying the ticker stopped.

  chan-ticker.py [--interval-ms 500] [--stop-ms 1600]
"""

import argparse
import datetime
import sys
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, Gopod  # noqa: E402


def print_ticks(ticker, start_us):
    while True:
        try:
            _, t = ticker.receive(None)
        except GLib.Error as e:
            if not e.matches(Gopod.error_quark(), Gopod.Error.CLOSED):
                raise
            return
        print('Tick at %s m=+%.3f' % (datetime.datetime.now(), (t - start_us) / 1e6), flush=True)


def main():
    parser = argparse.ArgumentParser(description='a ticker stopped after three ticks')
    parser.add_argument('--interval-ms', type=int, default=500)
    parser.add_argument('--stop-ms', type=int, default=1600)
    args = parser.parse_args()

    start_us = GLib.get_monotonic_time()
    # A ticker needs an interval of at least 1 ms (as in the C port).
    ticker = Gopod.Channel.new_ticker(max(args.interval_ms, 1))
    reader = threading.Thread(target=print_ticks, args=(ticker, start_us))
    reader.start()

    time.sleep(max(args.stop_ms, 0) / 1000)
    ticker.close()
    reader.join()
    print('Ticker stopped')
    return 0


if __name__ == '__main__':
    sys.exit(main())
