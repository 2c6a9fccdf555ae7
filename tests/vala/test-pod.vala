/* test-pod.vala: GopodPod from Vala, through the generated pod-glib-1.vapi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Awaits Pod.run_async as a Vala async method, checks results, that a job's
 * error is thrown as the same GLib.Error, and that the pod bounds its
 * workers. Exits non-zero on any failure.
 */

int failures = 0;

void check (bool condition, string message) {
    if (!condition) {
        failures++;
        printerr ("FAIL: %s\n", message);
    }
}

/* A thread job: run () is called in a worker thread. */
class CountingJob : Gopod.Job {
    public static int active = 0;
    public static int peak = 0;

    public bool fail;
    public int runs = 0;
    public int finishes = 0;

    public CountingJob (bool fail = false) {
        Object ();
        this.fail = fail;
    }

    public override bool run (Cancellable? cancellable) throws Error {
        AtomicInt.inc (ref runs);
        var now = AtomicInt.add (ref active, 1) + 1;
        var seen = AtomicInt.get (ref peak);
        while (now > seen && !AtomicInt.compare_and_exchange (ref peak, seen, now))
            seen = AtomicInt.get (ref peak);
        Thread.yield ();
        AtomicInt.add (ref active, -1);
        if (fail)
            throw new IOError.NOT_FOUND ("vala job failed on purpose");
        return true;
    }

    public override void finish () {
        AtomicInt.inc (ref finishes);
    }
}

async void run_tests (Gopod.Pod pod) {
    var main_thread = Thread.self<void*> ();

    /* Success, awaited. */
    var good = new CountingJob ();
    try {
        var ok = yield pod.run_async (good, null);
        check (ok, "run_async returns true for a job that succeeded");
        check (Thread.self<void*> () == main_thread, "resumed on the main thread");
    } catch (Error e) {
        check (false, "a succeeding job threw: " + e.message);
    }
    check (good.state == Gopod.JobState.SUCCEEDED, "job state is SUCCEEDED");
    check (good.runs == 1 && good.finishes == 1, "run and finish ran once");

    /* The job's own error is thrown, domain, code and message intact. */
    var bad = new CountingJob (true);
    try {
        yield pod.run_async (bad, null);
        check (false, "a failing job did not throw");
    } catch (IOError.NOT_FOUND e) {
        check (e.message == "vala job failed on purpose", "error message kept");
    } catch (Error e) {
        check (false, "wrong error thrown: %s (%s %d)".printf (e.message, e.domain.to_string (), e.code));
    }
    check (bad.state == Gopod.JobState.FAILED, "job state is FAILED");
    check (bad.finishes == 1, "failing job's finish ran once");

    /* Cancelling run_async's cancellable cancels the job. */
    var paused = new Gopod.Pod (1);
    var queued = new CountingJob ();
    var cancellable = new Cancellable ();
    Idle.add (() => { cancellable.cancel (); return Source.REMOVE; });
    try {
        yield paused.run_async (queued, cancellable);
        check (false, "a cancelled job did not throw");
    } catch (IOError.CANCELLED e) {
    } catch (Error e) {
        check (false, "wrong error for a cancelled job: " + e.message);
    }
    check (queued.state == Gopod.JobState.CANCELLED && queued.runs == 0 && queued.finishes == 1,
           "a job cancelled while queued never runs and finishes once");

    /* Many jobs, bounded, then wait_async. */
    var jobs = new CountingJob[40];
    for (var i = 0; i < jobs.length; i++) {
        jobs[i] = new CountingJob ();
        try {
            pod.add_job (jobs[i]);
        } catch (Error e) {
            check (false, "add_job: " + e.message);
        }
    }
    try {
        yield pod.wait_async (null);
    } catch (Error e) {
        check (false, "wait_async: " + e.message);
    }
    foreach (var job in jobs)
        check (job.state == Gopod.JobState.SUCCEEDED && job.finishes == 1, "bounded job succeeded once");
    check (CountingJob.peak <= 3, "at most 3 jobs ran at once, saw %d".printf (CountingJob.peak));
    check (pod.submitted == 42 && pod.succeeded == 41 && pod.failed == 1 && pod.cancelled == 0,
           "counters: submitted %llu succeeded %llu failed %llu cancelled %llu".printf (
               pod.submitted, pod.succeeded, pod.failed, pod.cancelled));

    /* Shut down, then adding is refused with CLOSED. */
    try {
        yield pod.shutdown_async (Gopod.ShutdownMode.DRAIN, null);
    } catch (Error e) {
        check (false, "shutdown_async: " + e.message);
    }
    try {
        pod.add_job (new CountingJob ());
        check (false, "add_job after shutdown did not throw");
    } catch (Gopod.Error.CLOSED e) {
    } catch (Error e) {
        check (false, "wrong error after shutdown: " + e.message);
    }
}

int main () {
    /* A deadlock would stop the main loop, and with it any timeout source:
     * a thread ends the program instead. */
    new Thread<void*> ("watchdog", () => {
        Thread.usleep (60 * 1000000);
        printerr ("FAIL: the tests did not finish (deadlock?)\n");
        Process.exit (1);
    });

    var loop = new MainLoop ();
    var pod = new Gopod.Pod (3);
    pod.start ();

    run_tests.begin (pod, (obj, res) => {
        run_tests.end (res);
        loop.quit ();
    });
    Timeout.add_seconds (30, () => {
        check (false, "the tests did not finish");
        loop.quit ();
        return Source.REMOVE;
    });
    loop.run ();

    if (failures > 0) {
        printerr ("%d check(s) failed\n", failures);
        return 1;
    }
    print ("all Vala pod checks passed\n");
    return 0;
}
