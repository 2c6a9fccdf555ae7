#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GopodChannel and GopodSelect from Python: Go's semantics through the plain
introspected API (GValues in and out), select, cancellation, the main loop,
and bad input."""

import contextlib
import threading
import unittest

import gi
gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, GObject, Gopod  # noqa: E402

# The main-loop helper and the hang guard the other suites use.
from testutils import SAFETY_S, run_loop_until  # noqa: E402


@contextlib.contextmanager
def criticals():
    """Collects the library's criticals instead of printing them."""
    got = []
    handler = GLib.log_set_handler('Gopod', GLib.LogLevelFlags.LEVEL_CRITICAL,
                                   lambda domain, level, message, data: got.append(message),
                                   None)
    try:
        yield got
    finally:
        GLib.log_remove_handler('Gopod', handler)


def start(target, *args):
    thread = threading.Thread(target=target, args=args)
    thread.start()
    return thread


class Outcome:
    """What a call on another thread returned or raised."""

    def __init__(self, call, *args):
        self.value = self.error = None
        self.thread = start(self._run, call, args)

    def _run(self, call, args):
        try:
            self.value = call(*args)
        except GLib.Error as e:
            self.error = e

    def join(self):
        self.thread.join(SAFETY_S)
        if self.thread.is_alive():
            raise AssertionError('the call did not return')
        return self


class ChannelTestCase(unittest.TestCase):
    def assertGError(self, error, domain, code):
        self.assertIsNotNone(error)
        self.assertTrue(error.matches(domain, code), error)

    def assertWouldBlock(self, call, *args):
        with self.assertRaises(GLib.Error) as cm:
            call(*args)
        self.assertGError(cm.exception, Gio.io_error_quark(), Gio.IOErrorEnum.WOULD_BLOCK)

    def assertClosed(self, call, *args):
        with self.assertRaises(GLib.Error) as cm:
            call(*args)
        self.assertGError(cm.exception, Gopod.error_quark(), Gopod.Error.CLOSED)

    def receive(self, channel):
        ok, value = channel.receive(None)
        self.assertTrue(ok)
        return value


class TestGoSemantics(ChannelTestCase):
    def test_unbuffered_is_a_hand_off(self):
        ch = Gopod.Channel.new(GObject.TYPE_STRING, 0)
        self.assertEqual((ch.props.capacity, ch.props.length), (0, 0))
        self.assertEqual(ch.props.element_type, GObject.TYPE_STRING)
        # No receiver waiting: there is nowhere for the value to go.
        self.assertWouldBlock(ch.try_send, 'ping')
        self.assertWouldBlock(ch.try_receive)

        receiver = Outcome(ch.receive, None)
        self.assertTrue(ch.send('ping', None))
        # Once send has returned, the receiver has the value: none is left.
        self.assertEqual(ch.props.length, 0)
        self.assertWouldBlock(ch.try_receive)
        self.assertEqual(receiver.join().value, (True, 'ping'))

    def test_buffered_holds_n_in_fifo_order(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 3)
        for i in range(3):
            self.assertTrue(ch.try_send(i))
        self.assertEqual(ch.props.length, 3)
        self.assertWouldBlock(ch.try_send, 3)
        self.assertEqual([self.receive(ch) for _ in range(3)], [0, 1, 2])
        self.assertWouldBlock(ch.try_receive)

    def test_fifo_across_threads(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 7)
        sender = Outcome(lambda: [ch.send(i, None) for i in range(2000)])
        self.assertEqual([self.receive(ch) for _ in range(2000)], list(range(2000)))
        self.assertTrue(all(sender.join().value))

    def test_close_drains_then_reports_closed(self):
        ch = Gopod.Channel.new(GObject.TYPE_STRING, 2)
        notified = []
        ch.connect('notify::closed', lambda *args: notified.append(ch.props.closed))
        ch.send('one', None)
        ch.send('two', None)
        ch.close()
        self.assertTrue(ch.props.closed)
        self.assertClosed(ch.send, 'three', None)
        self.assertClosed(ch.try_send, 'three')
        self.assertEqual([self.receive(ch), self.receive(ch)], ['one', 'two'])
        self.assertClosed(ch.receive, None)
        self.assertClosed(ch.try_receive)
        run_loop_until(lambda: notified, 'notify::closed')
        self.assertEqual(notified, [True])

    def test_close_wakes_blocked_sender_and_receiver(self):
        full = Gopod.Channel.new(GObject.TYPE_INT, 1)
        full.send(1, None)
        empty = Gopod.Channel.new(GObject.TYPE_INT, 0)
        # Whether they block before or after the close, they end CLOSED.
        sender = Outcome(full.send, 2, None)
        receiver = Outcome(empty.receive, None)
        full.close()
        empty.close()
        self.assertGError(sender.join().error, Gopod.error_quark(), Gopod.Error.CLOSED)
        self.assertGError(receiver.join().error, Gopod.error_quark(), Gopod.Error.CLOSED)
        # The woken sender's value was not sent; the buffered one is kept.
        self.assertEqual(self.receive(full), 1)
        self.assertClosed(full.receive, None)

    def test_values_of_many_types(self):
        obj = Gio.Cancellable()
        variant = GLib.Variant('(si)', ('answer', 42))
        for gtype, value in [(GObject.TYPE_STRING, 'text'),
                             (GObject.TYPE_INT64, -7),
                             (GObject.TYPE_DOUBLE, 0.25),
                             (GObject.TYPE_BOOLEAN, True),
                             (GObject.TYPE_VARIANT, variant),
                             (Gio.Cancellable, obj)]:
            ch = Gopod.Channel.new(gtype, 1)
            ch.send(value, None)
            got = self.receive(ch)
            self.assertEqual(got, value, gtype)
        ch = Gopod.Channel.new(Gio.Cancellable, 1)
        ch.send(obj, None)
        self.assertIs(self.receive(ch), obj)
        # PyGObject turns a bare int into a gint GValue; a wider value goes
        # in as an explicit GObject.Value.
        ch = Gopod.Channel.new(GObject.TYPE_INT64, 1)
        ch.send(GObject.Value(GObject.TYPE_INT64, 2 ** 40), None)
        self.assertEqual(self.receive(ch), 2 ** 40)

    def test_python_int_converts(self):
        for gtype, expected in [(GObject.TYPE_INT, 7), (GObject.TYPE_INT64, 7),
                                (GObject.TYPE_UINT, 7), (GObject.TYPE_DOUBLE, 7.0)]:
            ch = Gopod.Channel.new(gtype, 1)
            self.assertTrue(ch.send(7, None))
            self.assertEqual(self.receive(ch), expected, gtype)

    def test_values_left_in_a_dropped_channel_are_freed(self):
        obj = Gio.Cancellable()
        freed = []
        obj.weak_ref(lambda: freed.append(True))
        ch = Gopod.Channel.new(Gio.Cancellable, 1)
        ch.send(obj, None)
        del obj
        self.assertEqual(freed, [])
        del ch
        self.assertEqual(freed, [True])


class TestCancellation(ChannelTestCase):
    def test_cancelled_send_sent_nothing(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 0)
        cancellable = Gio.Cancellable()
        sender = Outcome(ch.send, 1, cancellable)
        cancellable.cancel()
        self.assertGError(sender.join().error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        self.assertWouldBlock(ch.try_receive)

    def test_cancelled_receive_took_nothing(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 1)
        cancellable = Gio.Cancellable()
        receiver = Outcome(ch.receive, cancellable)
        cancellable.cancel()
        self.assertGError(receiver.join().error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        ch.send(5, None)
        self.assertEqual(ch.props.length, 1)
        self.assertEqual(self.receive(ch), 5)

    def test_cancelled_async_operations_lose_nothing(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 0)
        results = []

        def finish(method):
            def callback(source, result):
                try:
                    results.append(method(result))
                except GLib.Error as e:
                    results.append(e)
            return callback

        for start_op, method in [(lambda c: ch.receive_async(c, finish(ch.receive_finish)), 'receive'),
                                 (lambda c: ch.send_async(3, c, finish(ch.send_finish)), 'send')]:
            cancellable = Gio.Cancellable()
            start_op(cancellable)
            cancellable.cancel()
            run_loop_until(lambda: results, method + '_async cancelled')
            error = results.pop()
            self.assertIsInstance(error, GLib.Error, method)
            self.assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        # Neither the receive nor the send is left pending on the channel.
        self.assertWouldBlock(ch.try_send, 4)
        self.assertWouldBlock(ch.try_receive)


class TestMainLoop(ChannelTestCase):
    def test_async_completes_on_the_main_context(self):
        ch = Gopod.Channel.new(GObject.TYPE_STRING, 0)
        main = threading.current_thread()
        got = []

        def received(source, result):
            got.append((threading.current_thread() is main, ch.receive_finish(result)))

        ch.receive_async(None, received)
        sender = Outcome(ch.send, 'from a thread', None)
        run_loop_until(lambda: got, 'receive_async')
        self.assertEqual(got, [(True, (True, 'from a thread'))])
        self.assertTrue(sender.join().value)

        sent = []
        ch.send_async('to a thread', None,
                      lambda s, r: sent.append((threading.current_thread() is main,
                                                ch.send_finish(r))))
        receiver = Outcome(ch.receive, None)
        run_loop_until(lambda: sent, 'send_async')
        self.assertEqual(sent, [(True, True)])
        self.assertEqual(receiver.join().value, (True, 'to a thread'))

    def test_ping_pong_without_threads(self):
        # Both ends async on one loop: an unbuffered hand-off needs no thread.
        pings = Gopod.Channel.new(GObject.TYPE_INT, 0)
        pongs = Gopod.Channel.new(GObject.TYPE_INT, 0)
        seen = []

        def pong(source, result):
            _, n = pings.receive_finish(result)
            pongs.send_async(n + 1, None, lambda s, r: pongs.send_finish(r))

        def ping_back(source, result):
            seen.append(pongs.receive_finish(result)[1])
            if len(seen) < 100:
                serve(seen[-1])

        def serve(n):
            pings.receive_async(None, pong)
            pings.send_async(n, None, lambda s, r: pings.send_finish(r))
            pongs.receive_async(None, ping_back)

        serve(0)
        run_loop_until(lambda: len(seen) == 100, '100 round trips')
        self.assertEqual(seen, list(range(1, 101)))

    def test_select_wait_async(self):
        a = Gopod.Channel.new(GObject.TYPE_INT, 0)
        b = Gopod.Channel.new(GObject.TYPE_INT, 0)
        sel = Gopod.Select.new()
        sel.add_receive(a)
        case_b = sel.add_receive(b)
        chosen = []
        sel.wait_async(None, lambda s, r: chosen.append(sel.wait_finish(r)))
        sender = Outcome(b.send, 9, None)
        run_loop_until(lambda: chosen, 'select wait_async')
        self.assertEqual(chosen, [case_b])
        self.assertEqual(sel.get_value(), (True, 9))
        self.assertTrue(sender.join().value)

    def test_timer_and_ticker(self):
        start_us = GLib.get_monotonic_time()
        timer = Gopod.Channel.new_timer(1)
        self.assertEqual(timer.props.element_type, GObject.TYPE_INT64)
        fired = self.receive(timer)
        self.assertGreaterEqual(fired, start_us)

        ticker = Gopod.Channel.new_ticker(1)
        ticks = [self.receive(ticker) for _ in range(3)]
        self.assertEqual(ticks, sorted(ticks))
        self.assertEqual(len(set(ticks)), 3)
        ticker.close()
        # At most the one tick buffered when it stopped, then CLOSED.
        with self.assertRaises(GLib.Error) as cm:
            for _ in range(2):
                ticker.receive(None)
        self.assertGError(cm.exception, Gopod.error_quark(), Gopod.Error.CLOSED)


class TestSelect(ChannelTestCase):
    def test_exactly_one_case_per_wait_and_none_starves(self):
        c1 = Gopod.Channel.new(GObject.TYPE_INT, 100)
        c2 = Gopod.Channel.new(GObject.TYPE_INT, 100)
        out = Gopod.Channel.new(GObject.TYPE_INT, 100)
        for i in range(50):
            c1.send(i, None)
            c2.send(1000 + i, None)
        sel = Gopod.Select.new()
        cases = [sel.add_receive(c1), sel.add_receive(c2), sel.add_send(out, -1)]
        self.assertEqual(cases, [0, 1, 2])
        self.assertEqual(sel.get_n_cases(), 3)

        counts = [0, 0, 0]
        received = {0: [], 1: []}
        for _ in range(90):
            chosen = sel.wait(None)
            counts[chosen] += 1
            if chosen < 2:
                received[chosen].append(sel.get_value()[1])
        self.assertEqual(sum(counts), 90)
        self.assertTrue(all(n > 0 for n in counts), counts)
        # The losers took and sent nothing: lengths match the winners exactly.
        self.assertEqual(c1.props.length, 50 - counts[0])
        self.assertEqual(c2.props.length, 50 - counts[1])
        self.assertEqual(out.props.length, counts[2])
        self.assertEqual(received[0], list(range(counts[0])))
        self.assertEqual(received[1], [1000 + i for i in range(counts[1])])

    def test_try_timeout_and_cancelled_cases(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 0)
        sel = Gopod.Select.new()
        sel.add_receive(ch)
        self.assertEqual(sel.try_(), -1)  # Go's default:

        timeout = sel.add_timeout(1)
        self.assertEqual(sel.wait(None), timeout)
        self.assertFalse(sel.get_value()[0])  # a timeout received nothing

        sel = Gopod.Select.new()
        sel.add_receive(ch)
        done = Gio.Cancellable()
        cancelled = sel.add_cancelled(done)
        done.cancel()
        self.assertEqual(sel.wait(None), cancelled)

    def test_wait_cancelled(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 0)
        sel = Gopod.Select.new()
        sel.add_receive(ch)
        sel.add_send(ch, 1)
        cancellable = Gio.Cancellable()
        waiter = Outcome(sel.wait, cancellable)
        cancellable.cancel()
        self.assertGError(waiter.join().error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
        self.assertWouldBlock(ch.try_receive)

    def test_closed_cases(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 1)
        ch.close()
        sel = Gopod.Select.new()
        receive = sel.add_receive(ch)
        self.assertEqual(sel.wait(None), receive)
        self.assertTrue(sel.get_closed())
        self.assertEqual(sel.get_value(), (False, 0))  # no value: the type's default

        sel = Gopod.Select.new()
        send = sel.add_send(ch, 1)
        self.assertEqual(sel.wait(None), send)
        self.assertTrue(sel.get_closed())
        self.assertClosed(ch.receive, None)

        open_ch = Gopod.Channel.new(GObject.TYPE_INT, 1)
        open_ch.send(4, None)
        sel = Gopod.Select.new()
        sel.add_receive(open_ch)
        self.assertEqual(sel.wait(None), 0)
        self.assertFalse(sel.get_closed())
        self.assertEqual(sel.get_value(), (True, 4))

    def test_set_value_serves_a_loop(self):
        # The shared-variable watchdog: one select, its send case's value
        # changed after every write.
        reader = Gopod.Channel.new(GObject.TYPE_INT, 0)
        writer = Gopod.Channel.new(GObject.TYPE_INT, 0)

        def watchdog():
            sel = Gopod.Select.new()
            write = sel.add_receive(writer)
            read = sel.add_send(reader, 0)
            while True:
                if sel.wait(None) == write:
                    if sel.get_closed():
                        return
                    sel.set_value(read, sel.get_value()[1])

        thread = start(watchdog)
        seen = [self.receive(reader)]
        for i in range(1, 20):
            writer.send(i, None)
            seen.append(self.receive(reader))
            seen.append(self.receive(reader))
        writer.close()
        thread.join(SAFETY_S)
        self.assertFalse(thread.is_alive())
        self.assertEqual(seen, [0] + [i for i in range(1, 20) for _ in range(2)])


class TestBadInput(ChannelTestCase):
    def test_value_that_cannot_convert(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 1)
        with criticals() as got:
            with self.assertRaises(GLib.Error) as raised:
                ch.try_send('not a number')
        self.assertTrue(raised.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.INVALID_ARGUMENT))
        self.assertTrue(got, 'a critical too')
        # No harm: nothing was buffered and the channel still works.
        self.assertEqual(ch.props.length, 0)
        self.assertWouldBlock(ch.try_receive)
        self.assertTrue(ch.try_send(1))
        self.assertEqual(self.receive(ch), 1)

    def test_object_of_another_class(self):
        # An object that is not of the element type is refused, not turned
        # into None (GObject's own object transform would do that).
        ch = Gopod.Channel.new(Gio.SimpleAction, 2)
        for wrong in (Gio.Cancellable(), GObject.Object()):
            with criticals() as got:
                with self.assertRaises(GLib.Error) as raised:
                    ch.send(wrong)
            self.assertTrue(raised.exception.matches(Gio.io_error_quark(),
                                                     Gio.IOErrorEnum.INVALID_ARGUMENT))
            self.assertTrue(got, 'a critical too')
        self.assertEqual(ch.props.length, 0)
        # An instance of the type, or of a subclass of an object channel's.
        action = Gio.SimpleAction.new('a', None)
        self.assertTrue(ch.send(action))
        self.assertIs(self.receive(ch), action)
        objects = Gopod.Channel.new(GObject.Object, 1)
        cancellable = Gio.Cancellable()
        self.assertTrue(objects.send(cancellable))
        self.assertIs(self.receive(objects), cancellable)
        files = Gopod.Channel.new(Gio.File, 1)
        # An interface channel takes what implements it, only that.
        with criticals():
            with self.assertRaises(GLib.Error):
                files.send(Gio.Cancellable())
        self.assertEqual(files.props.length, 0)
        file = Gio.File.new_for_path('/')
        self.assertTrue(files.send(file))
        self.assertEqual(self.receive(files).get_path(), '/')

    def test_close_twice(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 1)
        ch.close()
        with criticals() as got:
            ch.close()
        self.assertEqual(len(got), 1, got)
        self.assertTrue(ch.props.closed)
        self.assertClosed(ch.receive, None)

    def test_case_index_out_of_range(self):
        ch = Gopod.Channel.new(GObject.TYPE_INT, 1)
        sel = Gopod.Select.new()
        send = sel.add_send(ch, 1)
        with criticals() as got:
            sel.set_value(send + 5, 2)
            sel.set_value(send, 'not a number')
        self.assertEqual(len(got), 2, got)
        self.assertEqual(sel.wait(None), send)
        self.assertEqual(self.receive(ch), 1)  # the value set before stands

    def test_invalid_element_type(self):
        with criticals() as got:
            try:
                ch = Gopod.Channel.new(GObject.TYPE_NONE, 0)
            except TypeError:  # the constructor returned NULL
                ch = None
        self.assertIsNone(ch)
        self.assertEqual(len(got), 1, got)


if __name__ == '__main__':
    unittest.main()
