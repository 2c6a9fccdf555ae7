// SPDX-License-Identifier: LGPL-2.1-or-later
//
// GopodPod from GJS: main-context jobs (begin/complete) bounded by
// max-workers, failures, run_async and wait_async. Exits non-zero on any
// failure.

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {GLib, GObject, Gio} = imports.gi;
const System = imports.system;

const {check, checkEqual, failures, runLoopUntil, SAFETY_MS} = imports.testing;


const Tally = class {
    constructor() {
        this.active = 0;
        this.peak = 0;
        this.begun = 0;
    }

    enter() {
        this.active++;
        this.begun++;
        this.peak = Math.max(this.peak, this.active);
    }

    leave() {
        this.active--;
    }
};

// A main-context job: begin starts a timer and returns at once; the timer
// completes the job later. It holds a worker slot, not a thread.
const TimerJob = GObject.registerClass(
class TimerJob extends Gopod.Job {
    _init(tally, delayMs, error = null) {
        super._init();
        this.tally = tally;
        this.delayMs = delayMs;
        this.failWith = error;
        this.begins = 0;
        this.finishes = 0;
    }

    vfunc_begin(cancellable) {
        this.begins++;
        this.tally.enter();
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, this.delayMs, () => {
            this.tally.leave();
            this.complete(this.failWith);
            return GLib.SOURCE_REMOVE;
        });
    }

    vfunc_finish() {
        this.finishes++;
    }
});

function testBoundedMainContextJobs() {
    const tally = new Tally();
    const pod = Gopod.Pod.new(3);
    const jobs = [];
    for (let i = 0; i < 20; i++) {
        const job = new TimerJob(tally, 1 + (i % 4));
        check(job.is_main_context(), 'a class with vfunc_begin is a main-context job');
        pod.add_job(job, null);
        jobs.push(job);
    }
    checkEqual(pod.queued, 20, 'queued before start');
    checkEqual(tally.begun, 0, 'nothing begins before start');
    pod.start();

    let waited = null;
    pod.wait_async(null, (p, res) => {
        waited = p.wait_finish(res);
    });
    runLoopUntil(() => waited !== null, 'wait_async');

    checkEqual(waited, true, 'wait_async result');
    checkEqual(tally.begun, 20, 'jobs begun');
    check(tally.peak <= 3, `at most 3 between begin and complete, saw ${tally.peak}`);
    check(tally.peak >= 2, `jobs overlap, saw a peak of ${tally.peak}`);
    for (const job of jobs) {
        checkEqual(job.state, Gopod.JobState.SUCCEEDED, 'job state');
        checkEqual(job.begins, 1, 'begin ran once');
        checkEqual(job.finishes, 1, 'finish ran once');
    }
    checkEqual(pod.submitted, 20, 'submitted');
    checkEqual(pod.succeeded, 20, 'succeeded');
    checkEqual(pod.failed + pod.cancelled, 0, 'failed + cancelled');
    checkEqual(pod.submitted, pod.succeeded + pod.failed + pod.cancelled, 'counters add up');
    checkEqual(pod.running, 0, 'running after wait');
    checkEqual(pod.queued, 0, 'queued after wait');
    if (failures() === 0)
        pod.shutdown(Gopod.ShutdownMode.DRAIN, null);
}

function testFailingJob() {
    const tally = new Tally();
    const pod = Gopod.Pod.new(2);
    pod.start();
    const error = new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'not there');
    const bad = new TimerJob(tally, 1, error);
    const good = new TimerJob(tally, 1);

    let result = null;
    pod.run_async(bad, null, (p, res) => {
        try {
            p.run_finish(res);
            result = 'succeeded';
        } catch (e) {
            result = e;
        }
    });
    pod.add_job(good, null);
    runLoopUntil(() => result !== null, 'run_async callback of a failing job');

    check(result instanceof GLib.Error, `run_finish throws a GLib.Error, got ${result}`);
    if (result instanceof GLib.Error) {
        check(result.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND),
            `error keeps domain and code: ${result}`);
        checkEqual(result.message, 'not there', 'error message');
    }
    checkEqual(bad.state, Gopod.JobState.FAILED, 'failing job state');
    check(bad.get_error() !== null && bad.get_error().message === 'not there',
        'job error property');
    checkEqual(bad.finishes, 1, 'failing job finish ran once');

    pod.wait(null);
    checkEqual(good.state, Gopod.JobState.SUCCEEDED, 'the other job succeeded');
    checkEqual(pod.failed, 1, 'failed counter');
    checkEqual(pod.succeeded, 1, 'succeeded counter');
    pod.shutdown(Gopod.ShutdownMode.DRAIN, null);
}

function testRunAsyncWithMainLoop() {
    const tally = new Tally();
    const pod = Gopod.Pod.new(1);
    pod.start();
    const loop = new GLib.MainLoop(null, false);
    const job = new TimerJob(tally, 5);
    let ok = null;
    pod.run_async(job, null, (p, res) => {
        ok = p.run_finish(res);
        loop.quit();
    });
    const guard = GLib.timeout_add(GLib.PRIORITY_DEFAULT, SAFETY_MS, () => {
        check(false, 'run_async callback never came');
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });
    loop.run();
    GLib.source_remove(guard);
    checkEqual(ok, true, 'run_finish result');
    checkEqual(job.state, Gopod.JobState.SUCCEEDED, 'job state');
    checkEqual(job.finishes, 1, 'finish ran once');
    pod.shutdown(Gopod.ShutdownMode.DRAIN, null);
}

function testCancelQueuedAndShutdown() {
    const tally = new Tally();
    const pod = Gopod.Pod.new(1); // never started
    const jobs = [new TimerJob(tally, 1), new TimerJob(tally, 1), new TimerJob(tally, 1)];
    for (const job of jobs)
        pod.add_job(job, null);
    jobs[0].cancel();
    checkEqual(jobs[0].state, Gopod.JobState.CANCELLED, 'cancelled queued job');
    pod.shutdown(Gopod.ShutdownMode.DISCARD, null);
    for (const job of jobs) {
        checkEqual(job.state, Gopod.JobState.CANCELLED, 'discarded job state');
        checkEqual(job.begins, 0, 'a discarded job never begins');
        checkEqual(job.finishes, 1, 'a discarded job finishes once');
    }
    checkEqual(pod.cancelled, 3, 'cancelled counter');

    let closed = false;
    try {
        pod.add_job(new TimerJob(tally, 1), null);
    } catch (e) {
        closed = e.matches(Gopod.error_quark(), Gopod.Error.CLOSED);
    }
    check(closed, 'add_job after shutdown fails with GOPOD_ERROR_CLOSED');
}

// A failed test may leave jobs that never complete, and a later shutdown
// would wait for them: stop at the first test that fails.
for (const test of [testBoundedMainContextJobs, testFailingJob,
    testRunAsyncWithMainLoop, testCancelQueuedAndShutdown]) {
    test();
    if (failures() > 0) {
        printerr(`${test.name}: ${failures()} check(s) failed`);
        System.exit(1);
    }
}
print('all GJS pod checks passed');
