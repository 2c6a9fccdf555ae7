#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The buffered pair of "Go Concurrency in practice", ported.

  Go                                  here
  messages := make(chan string, 2)    Gopod.Channel.new(GObject.TYPE_STRING, 2)
  messages <- "buffered"              messages.send('buffered', None)
  fmt.Println(<-messages)             print(messages.receive(None)[1])

A buffer of 2 holds both values with no receiver waiting, so one thread
sends and then receives; a third send would block (see chan-deadlock.py).
"""

import sys

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod  # noqa: E402


def main():
    messages = Gopod.Channel.new(GObject.TYPE_STRING, 2)
    messages.send('buffered', None)
    messages.send('channel', None)
    print(messages.receive(None)[1])
    print(messages.receive(None)[1])
    return 0


if __name__ == '__main__':
    sys.exit(main())
