#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shared-variable watchdog of "Go Concurrency in practice", ported.

  Go                                  here
  type sharded_var struct {           SharedVar: two unbuffered G_TYPE_INT
      reader, writer chan int }       channels
  for { select {                      one Gopod.Select built once:
    case value = <-v.writer:          add_receive(writer)        -> case 0
    case v.reader <- value:           add_send(reader, value)    -> case 1
  } }                                 wait() in a loop; after a write,
                                      set_value(1, value) changes what the
                                      send case offers

Go's watchdog runs forever; closing `writer` makes its receive case report
closed (get_closed()), and the watchdog returns.
"""

import sys
import threading

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod  # noqa: E402


class SharedVar:
    def __init__(self):
        self.reader = Gopod.Channel.new(GObject.TYPE_INT, 0)
        self.writer = Gopod.Channel.new(GObject.TYPE_INT, 0)


def watchdog(v):
    value = 0
    sel = Gopod.Select.new()
    write = sel.add_receive(v.writer)
    read = sel.add_send(v.reader, value)
    while True:
        if sel.wait(None) == write:
            if sel.get_closed():
                return
            _, value = sel.get_value()
            sel.set_value(read, value)


def main():
    v = SharedVar()
    thread = threading.Thread(target=watchdog, args=(v,))
    thread.start()

    print(v.reader.receive(None)[1])
    v.writer.send(1, None)
    print(v.reader.receive(None)[1])

    v.writer.close()
    thread.join()
    return 0


if __name__ == '__main__':
    sys.exit(main())
