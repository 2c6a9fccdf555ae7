#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The deadlocks of "Go Concurrency in practice", shown without hanging.

Go's runtime stops these programs with "fatal error: all goroutines are
asleep - deadlock!". A GopodChannel cannot know that no other thread will
come, so a blocking call would wait forever; try_send and try_receive say
instead that they would block (G_IO_ERROR_WOULD_BLOCK), and the two fixes
the text gives, a buffer and a select with default, work.

  Go                                  here
  messages <- "ping"  (no receiver)   messages.try_send('ping'): WOULD_BLOCK
  make(chan string, 1)                a buffer of one: the send fits
  select { case messages <- "msg":    try_send again: the unbuffered
  default: "no message sent" }        channel has no receiver
  for elem := range queue (empty,     queue.try_receive(): WOULD_BLOCK
  never closed)
"""

import sys

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, GObject, Gopod  # noqa: E402


def would_block(operation, *args):
    try:
        operation(*args)
    except GLib.Error as e:
        if not e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.WOULD_BLOCK):
            raise
        return True
    return False


def main():
    messages = Gopod.Channel.new(GObject.TYPE_STRING, 0)
    if would_block(messages.try_send, 'ping'):
        print('messages <- "ping": would block, no receiver '
              '(Go: fatal error: all goroutines are asleep - deadlock!)')

    buffered = Gopod.Channel.new(GObject.TYPE_STRING, 1)
    buffered.try_send('ping')
    print('with a buffer of one:', buffered.receive(None)[1])

    print('sent message' if not would_block(messages.try_send, 'msg') else 'no message sent')

    queue = Gopod.Channel.new(GObject.TYPE_STRING, 2)
    if would_block(queue.try_receive):
        print('range over an empty queue nobody closes: would block')
    return 0


if __name__ == '__main__':
    sys.exit(main())
