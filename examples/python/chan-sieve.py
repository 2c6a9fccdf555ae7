#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The prime sieve (a daisy chain of filters) of "Go Concurrency in
practice", printing the first 10 primes.

  Go                                  here
  ch := make(chan int)                Gopod.Channel.new(GObject.TYPE_INT, 0)
  go Generate(ch)                     a thread sending 2, 3, 4, ...
  go Filter(ch, ch1, prime)           a thread passing on what prime does
                                      not divide
  prime := <-ch; ch = ch1             the same, in main

Go leaves the generator and the ten filters blocked when main returns. Here
main closes the last channel; a filter whose send fails with
Gopod.Error.CLOSED closes its input, and so on up the chain, so every
thread ends and is joined. Each channel is closed once, by its receiver.

  chan-sieve.py [--primes 10]
"""

import argparse
import itertools
import sys
import threading

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, GObject, Gopod  # noqa: E402


def send_all(values, out, upstream=None):
    """Sends values on out; once out is closed, closes upstream (the
    channel values came from) and returns."""
    try:
        for value in values:
            out.send(value, None)
    except GLib.Error as e:
        if not e.matches(Gopod.error_quark(), Gopod.Error.CLOSED):
            raise
        if upstream is not None:
            upstream.close()


def generate(ch):
    send_all(itertools.count(2), ch)


def filter_(source, out, prime):
    received = (source.receive(None)[1] for _ in itertools.count())
    send_all((i for i in received if i % prime != 0), out, source)


def main():
    parser = argparse.ArgumentParser(description='the prime sieve')
    parser.add_argument('--primes', type=int, default=10)
    args = parser.parse_args()

    ch = Gopod.Channel.new(GObject.TYPE_INT, 0)
    threads = [threading.Thread(target=generate, args=(ch,))]
    threads[0].start()
    for _ in range(args.primes):
        _, prime = ch.receive(None)
        print(prime)
        ch1 = Gopod.Channel.new(GObject.TYPE_INT, 0)
        threads.append(threading.Thread(target=filter_, args=(ch, ch1, prime)))
        threads[-1].start()
        ch = ch1

    ch.close()  # the chain unwinds from here
    for thread in threads:
        thread.join()
    return 0


if __name__ == '__main__':
    sys.exit(main())
