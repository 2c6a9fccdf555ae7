/* test-throttler.vala: GopodThrottler from Vala; exits non-zero on failure. */

int failures = 0;

void check (bool condition, string what) {
    if (!condition) {
        stderr.printf ("FAIL: %s\n", what);
        failures++;
    }
}

/* throttler's loop on threads: launch, then throttle; odd jobs fail. */
void test_threads () {
    var t = new Gopod.Throttler (3, 30);
    Mutex mutex = Mutex ();
    int running = 0;
    int peak = 0;
    int finished = 0;
    Thread<void>[] threads = {};

    for (int i = 0; i < 30; i++) {
        int index = i + 1;
        threads += new Thread<void> ("job", () => {
            mutex.lock ();
            running++;
            peak = int.max (peak, running);
            mutex.unlock ();

            Thread.yield ();

            mutex.lock ();
            running--;
            finished++;
            mutex.unlock ();
            if (index % 2 == 1) {
                t.done (new IOError.FAILED ("Error on job%02d", index));
            } else {
                t.done (null);
            }
        });
        t.throttle ();
    }

    mutex.lock ();
    check (finished == 30, "the last throttle waits for every job (%d)".printf (finished));
    check (peak <= 3, "at most 3 jobs in flight (%d)".printf (peak));
    mutex.unlock ();
    foreach (var thread in threads) {
        thread.join ();
    }

    check (t.error_count == 15, "15 errors (%u)".printf (t.error_count));
    var errors = t.get_errors ();
    check (errors.length == 15, "get_errors has 15 errors (%u)".printf (errors.length));
    foreach (unowned Error e in errors.data) {
        check (e is IOError.FAILED, "each error is kept as given");
    }
    var summary = t.get_error ();
    check (summary != null && summary.message.has_suffix ("(and 14 more errors)"),
           "get_error summarises");
}

/* A main-loop program: throttle_async, jobs ending from idle callbacks. */
async void async_loop (Gopod.Throttler t, uint total, out uint peak) {
    uint launched = 0;
    uint finished = 0;
    peak = 0;

    while (launched < total) {
        launched++;
        peak = uint.max (peak, launched - finished);
        Idle.add (() => {
            finished++;
            t.done (null);
            return Source.REMOVE;
        }, Priority.LOW);
        try {
            yield t.throttle_async (null);
        } catch (Error e) {
            check (false, "throttle_async failed: " + e.message);
        }
    }
    check (finished == total, "all async jobs done after the last throttle_async");
}

void test_async () {
    var t = new Gopod.Throttler (2, 8);
    var loop = new MainLoop ();
    uint peak = 0;

    async_loop.begin (t, 8, (obj, res) => {
        async_loop.end (res, out peak);
        loop.quit ();
    });
    loop.run ();
    check (peak == 2, "at most 2 async jobs in flight, and 2 reached (%u)".printf (peak));
}

void test_batched () {
    var t = new Gopod.Throttler.batched (10, 49, 2);
    check (t.total_jobs == 25, "49 items in batches of 2 are 25 jobs");
    for (uint i = 0; i < t.total_jobs; i++) {
        check (t.get_batch_start_index () == 2 * i, "batch start");
        check (t.get_batch_end_index () == uint.min (2 * i + 2, 49), "batch end");
        t.done (null);
        t.throttle ();
    }
}

int main () {
    test_threads ();
    test_async ();
    test_batched ();
    if (failures > 0) {
        stderr.printf ("%d failure(s)\n", failures);
        return 1;
    }
    print ("ok\n");
    return 0;
}
