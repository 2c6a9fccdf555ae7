/* test-runner.vala: GopodRunner from Vala, through the generated pod-glib-1.vapi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Awaits Runner.start_async as a Vala async method: tasks (closures that
 * throw) run in order, a thrown error comes back as the same GLib.Error, a
 * timeout and an interrupt stop the run, and the main loop stays free
 * meanwhile. Exits non-zero on any failure.
 */

int failures = 0;

void check (bool condition, string message) {
    if (!condition) {
        failures++;
        printerr ("FAIL: %s\n", message);
    }
}

/* Blocks a task until its cancellable is cancelled, from any thread. */
void wait_cancelled (Cancellable cancellable) {
    var mutex = Mutex ();
    var cond = Cond ();
    bool done = false;
    ulong id = cancellable.cancelled.connect (() => {
        mutex.lock ();
        done = true;
        cond.broadcast ();
        mutex.unlock ();
    });
    mutex.lock ();
    int64 deadline = get_monotonic_time () + 10 * TimeSpan.SECOND;
    while (!done && !cancellable.is_cancelled ())
        if (!cond.wait_until (mutex, deadline))
            break;
    mutex.unlock ();
    cancellable.disconnect (id);
}

Gopod.Runner quiet_runner (uint timeout_ms) {
    var runner = new Gopod.Runner (timeout_ms);
    runner.handle_signals = false;
    return runner;
}

async void test_order () {
    var runner = quiet_runner (0);
    var ids = new AsyncQueue<uint> ();
    for (int i = 0; i < 4; i++)
        runner.add ((r, id, c) => { ids.push (id + 1); return true; });

    bool ok = false;
    try {
        ok = yield runner.start_async (null);
    } catch (Error e) {
        check (false, "order: unexpected error " + e.message);
    }
    check (ok, "order: start_async returned true");
    check (runner.completed == 4, "order: completed is 4");
    for (uint expected = 1; expected <= 4; expected++)
        check (ids.try_pop () == expected, "order: ids in order from 0");
}

async void test_failure () {
    var runner = quiet_runner (0);
    int ran = 0;
    runner.add ((r, id, c) => { AtomicInt.inc (ref ran); return true; });
    runner.add ((r, id, c) => {
        AtomicInt.inc (ref ran);
        throw new IOError.NOT_FOUND ("task %u failed", id);
    });
    runner.add ((r, id, c) => { AtomicInt.inc (ref ran); return true; });

    try {
        yield runner.start_async (null);
        check (false, "failure: start_async should have thrown");
    } catch (IOError.NOT_FOUND e) {
        check (e.message == "task 1 failed", "failure: the task's own message");
    } catch (Error e) {
        check (false, "failure: wrong error " + e.message);
    }
    check (AtomicInt.get (ref ran) == 2, "failure: the task after the failure did not run");
    check (runner.completed == 1, "failure: completed is 1");
}

async void test_timeout () {
    var runner = quiet_runner (50);
    bool saw_cancel = false;
    runner.add ((r, id, c) => {
        wait_cancelled (c);
        saw_cancel = c.is_cancelled ();
        return true;
    });

    /* The loop must stay free while the runner waits. */
    int ticks = 0;
    uint tick = Timeout.add (5, () => { ticks++; return Source.CONTINUE; });
    try {
        yield runner.start_async (null);
        check (false, "timeout: start_async should have thrown");
    } catch (Gopod.Error.TIMEOUT e) {
    } catch (Error e) {
        check (false, "timeout: wrong error " + e.message);
    }
    Source.remove (tick);
    check (ticks > 0, "timeout: the main loop ran while the runner ran");

    /* start_async returned; the task saw its cancellable cancelled. */
    var context = MainContext.default ();
    int64 deadline = get_monotonic_time () + 10 * TimeSpan.SECOND;
    while (!saw_cancel && get_monotonic_time () < deadline)
        context.iteration (false);
    check (saw_cancel, "timeout: the task's cancellable was cancelled");
}

async void test_interrupt () {
    var runner = quiet_runner (0);
    runner.add ((r, id, c) => { wait_cancelled (c); return true; });
    Timeout.add (20, () => { runner.interrupt (); return Source.REMOVE; });
    try {
        yield runner.start_async (null);
        check (false, "interrupt: start_async should have thrown");
    } catch (Gopod.Error.INTERRUPTED e) {
    } catch (Error e) {
        check (false, "interrupt: wrong error " + e.message);
    }

    try {
        yield runner.start_async (null);
        check (false, "interrupt: a second start should be refused");
    } catch (Gopod.Error.CLOSED e) {
    } catch (Error e) {
        check (false, "interrupt: wrong error on restart " + e.message);
    }
}

async void run_all (MainLoop loop) {
    yield test_order ();
    yield test_failure ();
    yield test_timeout ();
    yield test_interrupt ();
    loop.quit ();
}

int main () {
    var loop = new MainLoop ();
    Timeout.add_seconds (30, () => {
        check (false, "the tests did not finish");
        loop.quit ();
        return Source.REMOVE;
    });
    run_all.begin (loop);
    loop.run ();

    if (failures > 0) {
        printerr ("%d check(s) failed\n", failures);
        return 1;
    }
    print ("all runner checks passed\n");
    return 0;
}
