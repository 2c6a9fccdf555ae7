/* test-async.vala: every async method of pod-glib-1.vapi, awaited with
 * `yield` as a Vala user writes it (no cancellable: it defaults to null),
 * main-context jobs written in Vala (`begin` returns true once started, or
 * throws to fail the job), and the nullable Job.title and Job.error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Exits non-zero on any failure.
 */

int failures = 0;

void check (bool condition, string message) {
    if (!condition) {
        failures++;
        printerr ("FAIL: %s\n", message);
    }
}

/* A main-context job: begin () starts a timer on the main loop. */
class TimerJob : Gopod.Job {
    public bool refuse;

    public TimerJob (bool refuse = false) {
        Object ();
        this.refuse = refuse;
    }

    public override bool begin (Cancellable? cancellable) throws Error {
        if (refuse)
            throw new IOError.NOT_CONNECTED ("no network");
        Timeout.add (1, () => {
            complete (null);
            return Source.REMOVE;
        });
        return true;
    }
}

async void test_job_and_pod () throws Error {
    var pod = new Gopod.Pod (2);
    var job = new TimerJob ();
    string? title = job.title;
    check (title == null && job.error == null, "a new job has no title and no error");

    pod.start ();
    check (yield pod.run_async (job), "Pod.run_async");
    check (yield job.wait_async (), "Job.wait_async");

    var refused = new TimerJob (true);
    try {
        yield pod.run_async (refused);
        check (false, "a begin that throws fails the job");
    } catch (IOError.NOT_CONNECTED e) {
        check (e.message == "no network", "the begin's error, intact");
    }
    check (refused.state == Gopod.JobState.FAILED && refused.error != null, "FAILED with its error");

    pod.add_job (new TimerJob ());
    check (yield pod.wait_async (), "Pod.wait_async");
    check (yield pod.shutdown_async (Gopod.ShutdownMode.DRAIN), "Pod.shutdown_async");
}

async void test_pool () throws Error {
    var made = 0;
    var pool = new Gopod.ResourcePool ((cancellable) => {
        made++;
        return new Object ();
    }, 1);
    var resource = yield pool.acquire_async ();
    check (made == 1, "ResourcePool.acquire_async ran the factory");
    pool.release (resource);
    pool.close ();
}

async void test_runner () throws Error {
    var runner = new Gopod.Runner (0);
    runner.handle_signals = false;
    runner.add_job (new TimerJob ());
    runner.add_job (new TimerJob ());
    check (yield runner.start_async (), "Runner.start_async");
    check (runner.completed == 2, "both jobs ran");
}

async void test_throttler () throws Error {
    var throttler = new Gopod.Throttler (1, 2);
    for (var i = 0; i < 2; i++) {
        Idle.add (() => {
            throttler.done (null);
            return Source.REMOVE;
        });
        check ((yield throttler.throttle_async ()) == 0, "Throttler.throttle_async");
    }
    check ((yield throttler.wait_async ()) == 0, "Throttler.wait_async");
}

async void run_all (MainLoop loop) {
    try {
        yield test_job_and_pod ();
        yield test_pool ();
        yield test_runner ();
        yield test_throttler ();
    } catch (Error e) {
        check (false, "unexpected error: " + e.message);
    }
    loop.quit ();
}

int main () {
    var loop = new MainLoop ();
    var done = false;
    run_all.begin (loop, () => { done = true; });
    Timeout.add_seconds (20, () => {
        loop.quit ();
        return Source.REMOVE;
    });
    loop.run ();
    check (done, "the tests finished");
    if (failures == 0)
        print ("all Vala async checks passed\n");
    return failures == 0 ? 0 : 1;
}
