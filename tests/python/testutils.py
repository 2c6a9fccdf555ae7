# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the Python suites share: the hang guard and the main-loop helper."""

from gi.repository import GLib

# Only a guard against a hang: no assertion depends on how long anything took.
SAFETY_S = 20


def run_loop_until(predicate, what):
    """Iterates the default main context until predicate() holds; fails the
    test after SAFETY_S so that a missing callback fails instead of hanging."""
    context = GLib.MainContext.default()
    expired = []
    source = GLib.timeout_add_seconds(SAFETY_S, lambda: expired.append(1) or False)
    try:
        while not predicate() and not expired:
            context.iteration(True)
    finally:
        if not expired:
            GLib.source_remove(source)
    if expired:
        raise AssertionError('timed out waiting for ' + what)
