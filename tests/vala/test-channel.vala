/* test-channel.vala: GopodChannel and GopodSelect from Vala, blocking on
 * threads and async with yield on a main loop; exits non-zero on failure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int failures = 0;

void check (bool condition, string what) {
    if (!condition) {
        stderr.printf ("FAIL: %s\n", what);
        failures++;
    }
}

Value int_value (int i) {
    Value v = Value (typeof (int));
    v.set_int (i);
    return v;
}

/* TRUE when try_receive finds nothing: the channel holds no value and no
 * sender waits. */
bool nothing_to_receive (Gopod.Channel ch) {
    try {
        Value v;
        ch.try_receive (out v);
    } catch (IOError.WOULD_BLOCK e) {
        return true;
    } catch (Error e) {
        check (false, "try_receive: unexpected error " + e.message);
    }
    return false;
}

void test_hand_off () {
    var ch = new Gopod.Channel (typeof (string), 0);
    check (nothing_to_receive (ch), "an empty unbuffered channel has nothing");
    string? got = null;
    var receiver = new Thread<void> ("receiver", () => {
        try {
            Value v;
            ch.receive (out v);
            got = v.get_string ();
        } catch (Error e) {
            check (false, "receive: " + e.message);
        }
    });
    try {
        ch.send ("ping");
    } catch (Error e) {
        check (false, "send: " + e.message);
    }
    check (ch.length == 0 && nothing_to_receive (ch), "once send returns, the receiver has the value");
    receiver.join ();
    check (got == "ping", "the receiver got ping");
}

void test_buffered_fifo () {
    var ch = new Gopod.Channel (typeof (int), 3);
    try {
        for (int i = 0; i < 3; i++)
            ch.try_send (int_value (i));
        check (ch.length == 3, "a buffer of 3 holds 3 (%u)".printf (ch.length));
        ch.try_send (int_value (3));
        check (false, "a fourth try_send would block");
    } catch (IOError.WOULD_BLOCK e) {
        /* expected */
    } catch (Error e) {
        check (false, "try_send: " + e.message);
    }
    var sender = new Thread<void> ("sender", () => {
        try {
            for (int i = 3; i < 1000; i++)
                ch.send (int_value (i));
        } catch (Error e) {
            check (false, "send: " + e.message);
        }
    });
    bool in_order = true;
    try {
        for (int i = 0; i < 1000; i++) {
            Value v;
            ch.receive (out v);
            in_order = in_order && v.get_int () == i;
        }
    } catch (Error e) {
        check (false, "receive: " + e.message);
    }
    sender.join ();
    check (in_order, "values come out in FIFO order across threads");
}

void test_close () {
    var ch = new Gopod.Channel (typeof (string), 2);
    string[] got = {};
    try {
        ch.send ("one");
        ch.send ("two");
        ch.close ();
        check (ch.closed, "closed is TRUE after close");
        for (;;) {
            Value v;
            ch.receive (out v);
            got += v.get_string ();
        }
    } catch (Gopod.Error.CLOSED e) {
        check (string.joinv (",", got) == "one,two", "a closed channel drains first, then CLOSED");
    } catch (Error e) {
        check (false, "unexpected error " + e.message);
    }
    try {
        ch.send ("three");
        check (false, "send on a closed channel fails");
    } catch (Gopod.Error.CLOSED e) {
        /* expected */
    } catch (Error e) {
        check (false, "unexpected error " + e.message);
    }

    /* A blocked sender wakes CLOSED; its value is not sent. */
    var full = new Gopod.Channel (typeof (int), 1);
    bool woke_closed = false;
    try {
        full.send (int_value (1));
    } catch (Error e) {
        check (false, "send: " + e.message);
    }
    var sender = new Thread<void> ("sender", () => {
        try {
            full.send (int_value (2));
        } catch (Gopod.Error.CLOSED e) {
            woke_closed = true;
        } catch (Error e) {
            check (false, "unexpected error " + e.message);
        }
    });
    full.close ();
    sender.join ();
    check (woke_closed, "a blocked sender wakes with CLOSED");
    check (full.length == 1, "only the buffered value is left (%u)".printf (full.length));
}

void test_cancel () {
    var ch = new Gopod.Channel (typeof (int), 0);
    var cancellable = new Cancellable ();
    bool was_cancelled = false;
    var sender = new Thread<void> ("sender", () => {
        try {
            ch.send (int_value (1), cancellable);
        } catch (IOError.CANCELLED e) {
            was_cancelled = true;
        } catch (Error e) {
            check (false, "unexpected error " + e.message);
        }
    });
    cancellable.cancel ();
    sender.join ();
    check (was_cancelled, "a cancelled send fails with CANCELLED");
    check (nothing_to_receive (ch), "a cancelled send sent nothing");
}

void test_select () {
    var c1 = new Gopod.Channel (typeof (int), 100);
    var c2 = new Gopod.Channel (typeof (int), 100);
    var output = new Gopod.Channel (typeof (int), 100);
    try {
        for (int i = 0; i < 50; i++) {
            c1.send (int_value (i));
            c2.send (int_value (1000 + i));
        }
        var sel = new Gopod.Select ();
        check (sel.add_receive (c1) == 0 && sel.add_receive (c2) == 1 &&
               sel.add_send (output, int_value (-1)) == 2, "cases are numbered from 0");
        int[] counts = { 0, 0, 0 };
        for (int i = 0; i < 90; i++) {
            var chosen = sel.wait ();
            counts[chosen] += 1;
        }
        check (counts[0] > 0 && counts[1] > 0 && counts[2] > 0,
               "no case starves (%d %d %d)".printf (counts[0], counts[1], counts[2]));
        check (c1.length == 50 - counts[0] && c2.length == 50 - counts[1] &&
               output.length == counts[2], "exactly one case per wait; the losers did nothing");

        var empty = new Gopod.Select ();
        empty.add_receive (new Gopod.Channel (typeof (int), 0));
        check (empty.try () == -1, "try with nothing ready is -1");
        var timeout = empty.add_timeout (1);
        check (empty.wait () == timeout, "a timeout case is chosen when nothing else comes");
        Value none;
        check (!empty.get_value (out none), "a timeout case received nothing");
    } catch (Error e) {
        check (false, "select: " + e.message);
    }
}

/* The async part: everything below runs on one main loop, no threads. */
async void test_async () {
    try {
        /* An unbuffered hand-off between two async operations. */
        var ch = new Gopod.Channel (typeof (string), 0);
        bool sent = false;
        ch.send_async.begin ("ping", null, (obj, res) => {
            try {
                sent = ch.send_async.end (res);
            } catch (Error e) {
                check (false, "send_async: " + e.message);
            }
        });
        Value v;
        yield ch.receive_async (null, out v);
        check (v.get_string () == "ping", "receive_async takes the value");

        /* The shared-variable watchdog: one select, set_value in a loop. */
        var reader = new Gopod.Channel (typeof (int), 0);
        var writer = new Gopod.Channel (typeof (int), 0);
        watchdog.begin (reader, writer);
        string seen = "";
        for (int i = 0; i < 5; i++) {
            Value r;
            yield reader.receive_async (null, out r);
            seen += r.get_int ().to_string ();
            yield writer.send_async (int_value (i + 1), null);
        }
        check (seen == "01234", "the watchdog serves the last value written (%s)".printf (seen));
        writer.close ();

        /* A cancelled receive_async took nothing. */
        var buffered = new Gopod.Channel (typeof (int), 1);
        var cancellable = new Cancellable ();
        Idle.add (() => {
            cancellable.cancel ();
            return Source.REMOVE;
        });
        try {
            yield buffered.receive_async (cancellable, out v);
            check (false, "a cancelled receive_async fails");
        } catch (IOError.CANCELLED e) {
            /* expected */
        }
        buffered.try_send (int_value (8));
        yield buffered.receive_async (null, out v);
        check (v.get_int () == 8, "the value sent after the cancel is there");

        /* A timer through yield. */
        var start = get_monotonic_time ();
        yield new Gopod.Channel.timer (1).receive_async (null, out v);
        check (v.get_int64 () >= start, "a timer receives the monotonic time");
        check (sent, "the first send_async completed");
    } catch (Error e) {
        check (false, "async: " + e.message);
    }
}

async void watchdog (Gopod.Channel reader, Gopod.Channel writer) {
    var sel = new Gopod.Select ();
    var write = sel.add_receive (writer);
    var read = sel.add_send (reader, int_value (0));
    try {
        for (;;) {
            if ((yield sel.wait_async (null)) != write)
                continue;
            if (sel.get_closed ())
                return;
            Value v;
            sel.get_value (out v);
            sel.set_value (read, v);
        }
    } catch (Error e) {
        check (false, "watchdog: " + e.message);
    }
}

void test_bad_input () {
    var ch = new Gopod.Channel (typeof (int), 1);
    Test.expect_message ("Gopod", LogLevelFlags.LEVEL_CRITICAL, "*");
    try {
        ch.try_send ("not a number");
        check (false, "a bad value throws");
    } catch (IOError.INVALID_ARGUMENT e) {
    } catch (Error e) {
        check (false, "a bad value throws INVALID_ARGUMENT, not " + e.message);
    }
    Test.assert_expected_messages ();
    check (ch.length == 0, "a value that cannot convert is not buffered");

    ch.close ();
    Test.expect_message ("Gopod", LogLevelFlags.LEVEL_CRITICAL, "*");
    ch.close ();
    Test.assert_expected_messages ();
    check (ch.closed, "closing twice leaves it closed");

    var sel = new Gopod.Select ();
    Test.expect_message ("Gopod", LogLevelFlags.LEVEL_CRITICAL, "*");
    sel.set_value (3, int_value (1));
    Test.assert_expected_messages ();
    check (sel.get_n_cases () == 0, "a bad case index adds nothing");
}

int main (string[] args) {
    test_hand_off ();
    test_buffered_fifo ();
    test_close ();
    test_cancel ();
    test_select ();
    test_bad_input ();

    var loop = new MainLoop ();
    test_async.begin ((obj, res) => {
        test_async.end (res);
        loop.quit ();
    });
    var guard = Timeout.add_seconds (60, () => {
        check (false, "the async tests did not end");
        loop.quit ();
        return Source.CONTINUE;
    });
    loop.run ();
    Source.remove (guard);

    if (failures > 0) {
        stderr.printf ("%d failure(s)\n", failures);
        return 1;
    }
    print ("ok\n");
    return 0;
}
