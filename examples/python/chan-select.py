#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Select over two sleepers, from "Go Concurrency in practice", ported.

  Go                                  here
  c1 := make(chan string)             Gopod.Channel.new(GObject.TYPE_STRING, 0)
  go func() { time.Sleep(1s);         a thread that sleeps, then sends
              c1 <- "one" }()
  select {                            sel = Gopod.Select.new()
  case msg1 := <-c1:                  sel.add_receive(c1)  -> case 0
  case msg2 := <-c2:                  sel.add_receive(c2)  -> case 1
  }                                   sel.wait(None), then sel.get_value()

One select serves both turns: a wait takes exactly one value, from
whichever channel has one first. The whole run takes about 2 units, not 3:
both sleepers sleep at once.

  chan-select.py [--unit-ms 1000]
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod  # noqa: E402


def sleeper(channel, units, unit_s, msg):
    time.sleep(units * unit_s)
    channel.send(msg, None)


def main():
    parser = argparse.ArgumentParser(description='select over two sleepers')
    parser.add_argument('--unit-ms', type=int, default=1000)
    args = parser.parse_args()
    # A negative unit is taken as 0, as in the C port.
    args.unit_ms = max(args.unit_ms, 0)

    c1 = Gopod.Channel.new(GObject.TYPE_STRING, 0)
    c2 = Gopod.Channel.new(GObject.TYPE_STRING, 0)
    threads = [threading.Thread(target=sleeper, args=(c, n, args.unit_ms / 1000, msg))
               for c, n, msg in ((c1, 1, 'one'), (c2, 2, 'two'))]
    for thread in threads:
        thread.start()

    sel = Gopod.Select.new()
    sel.add_receive(c1)
    sel.add_receive(c2)
    for _ in range(2):
        sel.wait(None)
        print('received', sel.get_value()[1])

    for thread in threads:
        thread.join()
    return 0


if __name__ == '__main__':
    sys.exit(main())
