#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Channel synchronisation (worker and done) of "Go Concurrency in practice".

  Go                                  here
  done := make(chan bool, 1)          Gopod.Channel.new(GObject.TYPE_BOOLEAN, 1)
  go worker(done)                     threading.Thread(target=worker, ...)
  done <- true                        done.send(True, None)
  <-done                              done.receive(None): blocks until the
                                      worker has sent

Without the receive the program would end before the worker prints "done".

  chan-sync.py [--work-ms 1000]
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod  # noqa: E402


def worker(done, work_s):
    print('working...', end='', flush=True)
    time.sleep(work_s)  # working
    print('done', flush=True)
    done.send(True, None)


def main():
    parser = argparse.ArgumentParser(description='worker and done channel')
    parser.add_argument('--work-ms', type=int, default=1000)
    args = parser.parse_args()

    done = Gopod.Channel.new(GObject.TYPE_BOOLEAN, 1)
    threading.Thread(target=worker, args=(done, args.work_ms / 1000), daemon=True).start()
    _, finished = done.receive(None)  # blocks until the worker is done
    return 0 if finished else 1


if __name__ == '__main__':
    sys.exit(main())
