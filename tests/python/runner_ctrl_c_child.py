#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A child of test_runner.py: runs a runner with start_async in one of the
orders below, prints "ready" once the run is over, and reports what the
SIGINT its parent then sends did: "KeyboardInterrupt" when loop.run()
raised it (as without any runner), "handler" when a GLib.unix_signal_add
handler got it, anything else is a failure.

    runner_ctrl_c_child.py before|inside|across-loops|unix-signal
"""

import signal
import sys
import time

# Python's own SIGINT handler, as an interactive program has it (a test
# runner may start children with SIGINT ignored). Before gi is imported:
# PyGObject checks the handler it finds then.
signal.signal(signal.SIGINT, signal.default_int_handler)

import gi  # noqa: E402
gi.require_version('Gopod', '1.0')
from gi.repository import GLib, Gopod  # noqa: E402

order = sys.argv[1]
runner = Gopod.Runner.new(0)  # handle-signals on, the default


def task(runner_, id, cancellable):
    time.sleep(0.05)  # still running when the loop starts
    return True


def ended(runner_, result):
    runner_.start_finish(result)
    print('ready', flush=True)


def start():
    runner.start_async(None, ended)
    return GLib.SOURCE_REMOVE


def on_unix_signal():
    print('handler', flush=True)
    loop.quit()
    return GLib.SOURCE_REMOVE


runner.add(task)
loop = GLib.MainLoop()
if order == 'unix-signal':
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, on_unix_signal)
if order in ('before', 'unix-signal'):
    start()
elif order == 'inside':
    GLib.idle_add(start)
elif order == 'across-loops':
    # Started in a first loop that stops while the runner runs; the run
    # ends in a second one.
    GLib.idle_add(lambda: (start(), loop.quit())[-1])
    loop.run()
try:
    loop.run()
    print('loop.run() returned', flush=True)
except KeyboardInterrupt:
    print('KeyboardInterrupt', flush=True)
