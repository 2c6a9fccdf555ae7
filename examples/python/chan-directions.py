#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Channel directions (ping and pong) of "Go Concurrency in practice".

  Go                                  here
  pings := make(chan string, 1)       Gopod.Channel.new(GObject.TYPE_STRING, 1)
  func ping(pings chan<- string, ..)  ping(pings, msg): only sends on pings
  func pong(pings <-chan string,      pong(pings, pongs): only receives on
            pongs chan<- string)      pings and only sends on pongs

A GopodChannel has no send-only or receive-only view: the direction is the
function's contract, written in its docstring, not checked by a compiler.
"""

import sys

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod  # noqa: E402


def ping(pings, msg):
    """Sends msg on pings (a send-only end in Go)."""
    pings.send(msg, None)


def pong(pings, pongs):
    """Receives from pings, sends on pongs."""
    _, msg = pings.receive(None)
    pongs.send(msg, None)


def main():
    pings = Gopod.Channel.new(GObject.TYPE_STRING, 1)
    pongs = Gopod.Channel.new(GObject.TYPE_STRING, 1)
    ping(pings, 'passed message')
    pong(pings, pongs)
    print(pongs.receive(None)[1])
    return 0


if __name__ == '__main__':
    sys.exit(main())
