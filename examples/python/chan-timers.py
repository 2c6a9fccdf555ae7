#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The two timers of "Go Concurrency in practice", one of them stopped.

  Go                                  here
  timer1 := time.NewTimer(2s)         Gopod.Channel.new_timer(2 * unit_ms)
  <-timer1.C                          timer1.receive(None)
  timer2 := time.NewTimer(time.Second) Gopod.Channel.new_timer(unit_ms)
  go func() { <-timer2.C; ... }()     a thread receiving from timer2
  stop2 := timer2.Stop()              timer2.close(): the timer never fires;
                                      the waiting receive ends with
                                      Gopod.Error.CLOSED instead of a tick

Go's goroutine blocks forever on a stopped timer; here the close wakes it,
so the program joins it and knows for sure that "Timer 2 fired" never came.

  chan-timers.py [--unit-ms 1000]
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, Gopod  # noqa: E402


def wait_timer2(timer2):
    try:
        timer2.receive(None)
        print('Timer 2 fired')
    except GLib.Error as e:
        if not e.matches(Gopod.error_quark(), Gopod.Error.CLOSED):
            raise


def main():
    parser = argparse.ArgumentParser(description='two timers, one stopped')
    parser.add_argument('--unit-ms', type=int, default=1000)
    args = parser.parse_args()

    timer1 = Gopod.Channel.new_timer(2 * args.unit_ms)
    timer1.receive(None)
    print('Timer 1 fired')

    timer2 = Gopod.Channel.new_timer(args.unit_ms)
    waiter = threading.Thread(target=wait_timer2, args=(timer2,))
    waiter.start()
    timer2.close()
    print('Timer 2 stopped')

    time.sleep(2 * args.unit_ms / 1000)  # give timer2 time to fire, if it could
    waiter.join()
    return 0


if __name__ == '__main__':
    sys.exit(main())
