#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The random-number generator service and the fan-in multiplexer of
"Go Concurrency in practice", ported.

  Go                                  here
  func rand_generator_2() chan int    rand_generator(): an unbuffered
                                      G_TYPE_INT channel and the thread
                                      that fills it
  for { out <- rand.Int() }           send until the channel is closed
  <-rand_service_handler              service.receive(None)
  func rand_generator_3() chan int    fan_in(): two generators, one channel;
  for { out <- <-rand_generator_1 }   a thread per generator forwards its
                                      values

A Go generator's goroutine runs until the program ends. Here the receiver
closes the channel when it has enough: the blocked send wakes with
Gopod.Error.CLOSED, and a forwarder that sees it closes its own generator,
so every thread ends and is joined. Because `out` is unbuffered, a value
counts as forwarded only once main has it: the two counts add up to what
main printed.

  chan-generator.py             one number from the service (rand_generator_2)
  chan-generator.py --fan-in N  N numbers through the multiplexer (rand_generator_3)
"""

import argparse
import random
import sys
import threading

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, GObject, Gopod  # noqa: E402


class Service:
    """A thread sending next_value() on `out` until a receiver closes it."""

    def __init__(self, out, next_value):
        self.out = out
        self.sent = 0
        self.thread = threading.Thread(target=self._run, args=(next_value,))
        self.thread.start()

    def _run(self, next_value):
        try:
            while True:
                self.out.send(next_value(), None)
                self.sent += 1
        except GLib.Error as e:
            if not e.matches(Gopod.error_quark(), Gopod.Error.CLOSED):
                raise

    def stop(self):
        self.out.close()
        self.thread.join()


def rand_generator():
    return Service(Gopod.Channel.new(GObject.TYPE_INT, 0), lambda: random.randrange(2 ** 31))


def fan_in():
    """Two generators merged into one channel: returns it, the generators
    and their forwarders."""
    merged = Gopod.Channel.new(GObject.TYPE_INT, 0)
    generators = [rand_generator(), rand_generator()]
    forwarders = [Service(merged, lambda g=g: g.out.receive(None)[1]) for g in generators]
    return merged, generators, forwarders


def main():
    parser = argparse.ArgumentParser(description='a random-number service, alone or fanned in')
    parser.add_argument('--fan-in', type=int, metavar='N')
    args = parser.parse_args()

    if args.fan_in is None:
        service = rand_generator()
        print('%d' % service.out.receive(None)[1])
        service.stop()
        return 0

    merged, generators, forwarders = fan_in()
    for _ in range(args.fan_in):
        print('%d' % merged.receive(None)[1])
    merged.close()  # the forwarders' sends fail: they end
    for forwarder in forwarders:
        forwarder.thread.join()
    for generator in generators:
        generator.stop()
    counts = [f.sent for f in forwarders]
    print('fan-in: %d values, %d from generator 1, %d from generator 2'
          % (args.fan_in, counts[0], counts[1]))
    return 0 if sum(counts) == args.fan_in else 1


if __name__ == '__main__':
    sys.exit(main())
