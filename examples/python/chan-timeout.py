#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The timeout of "Go Concurrency in practice", ported.

  Go                                  here
  c1 := make(chan string, 1)          Gopod.Channel.new(GObject.TYPE_STRING, 1)
  go func() { time.Sleep(2s);         a thread that sleeps 2 units, then sends
              c1 <- "result 1" }()
  select {                            sel = Gopod.Select.new()
  case res := <-c1:                   sel.add_receive(c1)        -> case 0
  case <-time.After(time.Second):     sel.add_timeout(unit_ms)   -> case 1
  }                                   sel.wait(None)

The answer comes after 2 units, the timeout after 1: the timeout case wins
and the result is never taken. The late sender's value stays in c1's
buffer and is freed with the channel, as Go's garbage collector would.

  chan-timeout.py [--unit-ms 1000]
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description='a select with a timeout')
    parser.add_argument('--unit-ms', type=int, default=1000)
    args = parser.parse_args()
    # A negative unit is taken as 0, as in the C port.
    args.unit_ms = max(args.unit_ms, 0)

    c1 = Gopod.Channel.new(GObject.TYPE_STRING, 1)

    def answer():
        time.sleep(2 * args.unit_ms / 1000)
        c1.send('result 1', None)

    threading.Thread(target=answer, daemon=True).start()

    sel = Gopod.Select.new()
    result = sel.add_receive(c1)
    sel.add_timeout(args.unit_ms)
    if sel.wait(None) == result:
        print(sel.get_value()[1])
    else:
        print('timeout 1')
    return 0


if __name__ == '__main__':
    sys.exit(main())
