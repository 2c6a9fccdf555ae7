#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Gopod.ResourcePool from Python: a factory function and a subclass."""

import threading
import unittest

import gi
gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, GObject, Gopod  # noqa: E402


class Conn(GObject.Object):
    def __init__(self, number):
        super().__init__()
        self.number = number


class ConnPool(Gopod.ResourcePool):
    """Numbers its connections and records the ones it closes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.made = 0
        self.closed = []
        self.create_threads = []
        self.lock = threading.Lock()

    def do_create(self, cancellable):
        with self.lock:
            self.made += 1
            self.create_threads.append(threading.get_ident())
            return Conn(self.made)

    def do_close(self, resource):
        with self.lock:
            self.closed.append(resource.number)


class FactoryTest(unittest.TestCase):
    def test_factory_function(self):
        made = []

        def factory(cancellable, data):
            made.append(data)
            return Conn(len(made))

        pool = Gopod.ResourcePool.new(factory, 'data', 2)
        self.assertEqual(pool.props.size, 2)
        first = pool.acquire(None)
        self.assertEqual(first.number, 1)
        self.assertEqual(made, ['data'])
        self.assertEqual(pool.props.in_use, 1)
        pool.release(first)
        self.assertEqual(pool.props.idle, 1)
        again = pool.acquire(None)
        self.assertIs(again, first)
        self.assertEqual(pool.props.created, 1)
        self.assertEqual(pool.props.acquired, 2)
        pool.release(again)
        pool.close()
        self.assertTrue(pool.props.closed)

    def test_factory_glib_error_passes_through(self):
        def factory(cancellable, data):
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'refused',
                                         Gio.IOErrorEnum.CONNECTION_REFUSED)

        pool = Gopod.ResourcePool.new(factory, None, 1)
        pool.props.max_size = 1
        with self.assertRaises(GLib.Error) as caught:
            pool.acquire(None)
        self.assertTrue(caught.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.CONNECTION_REFUSED))
        # The slot was freed: max-size 1 is not used up.
        self.assertEqual(pool.props.in_use, 0)
        self.assertEqual(pool.props.created, 0)

    def test_factory_other_exception_is_failed(self):
        def factory(cancellable, data):
            raise ValueError('not a GLib.Error')

        pool = Gopod.ResourcePool.new(factory, None, 1)
        with self.assertRaises(GLib.Error) as caught:
            pool.acquire(None)
        self.assertTrue(caught.exception.matches(Gopod.error_quark(), Gopod.Error.FAILED))


class SubclassTest(unittest.TestCase):
    def test_create_and_close(self):
        pool = ConnPool(size=1)
        a = pool.acquire(None)
        b = pool.acquire(None)
        self.assertEqual((a.number, b.number), (1, 2))
        pool.release(a)
        pool.release(b)       # one idle is kept: b is closed
        self.assertEqual(pool.closed, [2])
        pool.close()
        self.assertEqual(pool.closed, [2, 1])
        self.assertEqual(pool.props.created, 2)

    def test_destroy(self):
        pool = ConnPool(size=2)
        broken = pool.acquire(None)
        pool.destroy(broken)
        self.assertEqual(pool.closed, [1])
        fresh = pool.acquire(None)
        self.assertEqual(fresh.number, 2)
        pool.release(fresh)
        pool.close()

    def test_closed(self):
        pool = ConnPool(size=2)
        held = pool.acquire(None)
        pool.close()
        with self.assertRaises(GLib.Error) as caught:
            pool.acquire(None)
        self.assertTrue(caught.exception.matches(Gopod.error_quark(), Gopod.Error.CLOSED))
        pool.release(held)   # still out at close: closed now
        self.assertEqual(pool.closed, [1])

    def test_threads_share_max_size(self):
        pool = ConnPool(size=2, max_size=2)
        errors = []
        most = [0]
        out = [0]
        lock = threading.Lock()

        def worker():
            for _ in range(50):
                try:
                    conn = pool.acquire(None)
                except GLib.Error as e:
                    errors.append(e)
                    return
                with lock:
                    out[0] += 1
                    most[0] = max(most[0], out[0])
                with lock:
                    out[0] -= 1
                pool.release(conn)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertLessEqual(most[0], 2)
        self.assertLessEqual(pool.props.created, 2)
        self.assertEqual(pool.props.acquired, 200)
        self.assertEqual(pool.props.in_use, 0)
        pool.close()
        self.assertEqual(sorted(pool.closed), list(range(1, pool.props.created + 1)))

    def test_factory_runs_in_acquiring_thread(self):
        pool = ConnPool(size=1)
        got = []

        def worker():
            got.append(pool.acquire(None))

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        self.assertEqual(pool.create_threads, [thread.ident])
        pool.release(got[0])
        pool.close()

    def test_timeout(self):
        pool = ConnPool(size=1, max_size=1, acquire_timeout_ms=20)
        held = pool.acquire(None)
        with self.assertRaises(GLib.Error) as caught:
            pool.acquire(None)
        self.assertTrue(caught.exception.matches(Gopod.error_quark(), Gopod.Error.TIMEOUT))
        self.assertEqual(pool.props.waited, 1)
        pool.release(held)
        pool.close()

    def test_acquire_async_waits_then_gets_release(self):
        pool = ConnPool(size=1, max_size=1)
        loop = GLib.MainLoop()
        results = []

        def done(source, result):
            results.append(source.acquire_finish(result))
            loop.quit()

        held = pool.acquire(None)
        pool.acquire_async(None, done)
        self.assertEqual(pool.props.waited, 1)
        GLib.idle_add(lambda: pool.release(held) and False)
        GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        self.assertEqual(len(results), 1)
        self.assertIs(results[0], held)
        self.assertEqual(pool.props.in_use, 1)
        pool.release(results[0])
        pool.close()

    def test_acquire_async_cancelled(self):
        pool = ConnPool(size=1, max_size=1)
        loop = GLib.MainLoop()
        errors = []
        cancellable = Gio.Cancellable()

        def done(source, result):
            try:
                source.acquire_finish(result)
            except GLib.Error as e:
                errors.append(e)
            loop.quit()

        held = pool.acquire(None)
        pool.acquire_async(cancellable, done)
        GLib.idle_add(lambda: cancellable.cancel() and False)
        GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED))
        pool.release(held)
        self.assertEqual(pool.props.idle, 1)
        pool.close()


if __name__ == '__main__':
    unittest.main(verbosity=2)
