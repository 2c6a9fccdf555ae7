#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Closing a channel and ranging over it, from "Go Concurrency in practice".

  Go                                  here
  queue := make(chan string, 2)       Gopod.Channel.new(GObject.TYPE_STRING, 2)
  close(queue)                        queue.close()
  for elem := range queue {           receive until it raises
                                      Gopod.Error.CLOSED: the buffered values
                                      come first, as in Go

A closed channel still gives what it holds; only then does a receive report
GOPOD_ERROR_CLOSED (Go's `v, ok := <-queue` with ok false, which ends range).
"""

import sys

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, GObject, Gopod  # noqa: E402


def main():
    queue = Gopod.Channel.new(GObject.TYPE_STRING, 2)
    queue.send('one', None)
    queue.send('two', None)
    queue.close()
    while True:
        try:
            _, elem = queue.receive(None)
        except GLib.Error as e:
            if not e.matches(Gopod.error_quark(), Gopod.Error.CLOSED):
                raise
            break
        print(elem)
    return 0


if __name__ == '__main__':
    sys.exit(main())
