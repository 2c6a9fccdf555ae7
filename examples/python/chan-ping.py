#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ping, the unbuffered channel of "Go Concurrency in practice", ported.

  Go                                  here
  messages := make(chan string)       Gopod.Channel.new(GObject.TYPE_STRING, 0)
  go func() { messages <- "ping" }()  a thread calling messages.send('ping', None)
  msg := <-messages                   _, msg = messages.receive(None)
  fmt.Println(msg)                    print(msg)

Capacity 0 is Go's hand-off: the thread's send returns only once main has
taken the value, so joining the thread after the receive never waits long.
"""

import sys
import threading

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod  # noqa: E402


def main():
    messages = Gopod.Channel.new(GObject.TYPE_STRING, 0)
    sender = threading.Thread(target=messages.send, args=('ping', None))
    sender.start()
    _, msg = messages.receive(None)
    print(msg)
    sender.join()
    return 0


if __name__ == '__main__':
    sys.exit(main())
