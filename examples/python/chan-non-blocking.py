#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Non-blocking operations and the full-channel check, from "Go Concurrency
in practice", ported.

  Go                                  here
  select {                            messages.try_receive(): raises
  case msg := <-messages: ...         G_IO_ERROR_WOULD_BLOCK where Go runs
  default: ... }                      the default case
  ch := make(chan int, 1); ch <- 1    Gopod.Channel.new(GObject.TYPE_INT, 1)
  select { case ch <- 2:              ch.try_send(2): WOULD_BLOCK, the
  default: "channel is full !" }      buffer of one is taken
"""

import sys

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, GObject, Gopod  # noqa: E402


def would_block(error):
    return error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.WOULD_BLOCK)


def main():
    messages = Gopod.Channel.new(GObject.TYPE_STRING, 0)
    try:
        _, msg = messages.try_receive()
        print('received message', msg)
    except GLib.Error as e:
        if not would_block(e):
            raise
        print('no message received')

    ch = Gopod.Channel.new(GObject.TYPE_INT, 1)
    ch.send(1, None)
    try:
        ch.try_send(2)
    except GLib.Error as e:
        if not would_block(e):
            raise
        print('channel is full !')
    return 0


if __name__ == '__main__':
    sys.exit(main())
