// SPDX-License-Identifier: LGPL-2.1-or-later
// Gopod from GJS as its users write it, through imports.gopod: every _async
// method awaited as a promise, and main-context jobs whose vfunc_begin
// throws, rejects, returns false or is async. Exits non-zero on a failure.

const {Gopod} = imports.gopod;
const {GLib, GObject, Gio} = imports.gi;
const System = imports.system;

const {check, failures} = imports.testing;

// Resolves on a later turn of the main loop.
function later(ms = 1) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

// Awaits a promise that must reject; returns the error.
async function rejection(promise, what) {
    try {
        await promise;
    } catch (e) {
        return e;
    }
    check(false, `${what} rejects`);
    return null;
}

// How a test says how its job's begin behaves.
const Begin = GObject.registerClass(
class Begin extends Gopod.Job {
    _init(how) {
        super._init({title: how});
        this.how = how;
        this.finishes = 0;
    }

    vfunc_begin(cancellable) {
        switch (this.how) {
        case 'throw':
            throw new Error('begin threw');
        case 'throw-gerror':
            throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'no such file');
        case 'false':
            return false;
        case 'no-return':
            later().then(() => this.complete(null));
            return undefined;
        default:
            throw new Error(`unknown ${this.how}`);
        }
    }

    vfunc_finish() {
        this.finishes++;
    }
});

const AsyncBegin = GObject.registerClass(
class AsyncBegin extends Gopod.Job {
    _init(how) {
        super._init({title: how});
        this.how = how;
    }

    async vfunc_begin(cancellable) {
        await later();
        if (this.how === 'reject')
            throw new Error('download failed');
        if (this.how === 'complete-itself')
            this.complete(new GLib.Error(Gopod.Error, Gopod.Error.TIMEOUT, 'gave up'));
    }
});

async function testBeginFailures() {
    const pod = Gopod.Pod.new(1);  // one slot: a job left running would block the rest
    pod.start();
    const errors = {};
    for (const how of ['throw', 'throw-gerror', 'false']) {
        const job = new Begin(how);
        errors[how] = await rejection(pod.run_async(job, null), `a begin that does ${how}`);
        check(job.state === Gopod.JobState.FAILED, `${how}: the job is FAILED`);
        check(job.finishes === 1, `${how}: finish ran once`);
    }
    check(errors.throw?.message === 'begin threw', `a thrown Error's message: ${errors.throw?.message}`);
    check(errors['throw-gerror']?.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND),
        'a thrown GLib.Error passes through');
    check(errors.false?.matches(Gopod.Error, Gopod.Error.FAILED), 'false without error: FAILED');

    check(await pod.run_async(new Begin('no-return'), null) === true,
        'a begin that returns nothing has started its work');

    const rejected = await rejection(pod.run_async(new AsyncBegin('reject'), null),
        'an async begin that rejects');
    check(rejected?.matches(Gopod.Error, Gopod.Error.FAILED) &&
          rejected.message === 'download failed', `the rejection's message: ${rejected?.message}`);
    check(await pod.run_async(new AsyncBegin('resolve'), null) === true,
        'an async begin that resolves succeeds');
    const own = await rejection(pod.run_async(new AsyncBegin('complete-itself'), null),
        'an async begin that completes the job itself');
    check(own?.matches(Gopod.Error, Gopod.Error.TIMEOUT), 'its own complete() wins');

    check(await pod.shutdown_async(Gopod.ShutdownMode.DRAIN, null) === true, 'shutdown_async');
    check(pod.failed === 5 && pod.succeeded === 2, `counters: ${pod.failed} failed, ${pod.succeeded} succeeded`);
}

// A subclass's async begin that awaits its parent's: the parent's promise
// reaches it, and the job ends with the subclass's outcome, not when the
// parent's part ended.
const ParentBegin = GObject.registerClass(
class ParentBegin extends Gopod.Job {
    async vfunc_begin(cancellable) {
        await later(20);
        this.parentDone = true;
    }
});

const ChildBegin = GObject.registerClass(
class ChildBegin extends ParentBegin {
    async vfunc_begin(cancellable) {
        const parent = super.vfunc_begin(cancellable);
        check(parent instanceof Promise, 'super.vfunc_begin gives the parent\'s promise');
        await parent;
        this.parentDoneBeforeChild = this.parentDone === true;
        await later(20);
        throw new Error('child failed');
    }
});

async function testSuperBegin() {
    const pod = Gopod.Pod.new(1);
    pod.start();
    const job = new ChildBegin();
    const error = await rejection(pod.run_async(job, null), 'a child begin that fails after its parent\'s');
    check(job.parentDoneBeforeChild === true, 'the parent\'s begin ended before the child went on');
    check(error?.message === 'child failed', `the child's error: ${error?.message}`);
    check(job.state === Gopod.JobState.FAILED, `the job is FAILED (${job.state})`);
    await pod.shutdown_async(Gopod.ShutdownMode.DISCARD, null);
}

// A job that runs until the test lets it end.
const Held = GObject.registerClass(
class Held extends Gopod.Job {
    vfunc_begin(cancellable) {
        this.release = () => this.complete(null);
        return true;
    }
});

// A second shutdown_async waits for the shutdown, as shutdown does, and
// only then rejects with CLOSED.
async function testShutdownTwice() {
    const pod = Gopod.Pod.new(1);
    const job = new Held();
    pod.add_job(job, null);
    pod.start();
    // Begun from the pod's worker through this context, not within 1 ms of
    // start on a loaded machine: wait until it is.
    while (job.state === Gopod.JobState.QUEUED)
        await later();
    check(job.state === Gopod.JobState.RUNNING, 'the held job runs');
    const first = pod.shutdown_async(Gopod.ShutdownMode.DRAIN, null);
    let jobEndedFirst = null;
    const second = pod.shutdown_async(Gopod.ShutdownMode.DRAIN, null).then(
        () => 'resolved', e => {
            jobEndedFirst = job.state === Gopod.JobState.SUCCEEDED;
            return e;
        });
    await later(20);
    job.release();
    check(await first === true, 'the first shutdown_async resolves');
    const error = await second;
    check(jobEndedFirst === true, 'the second shutdown_async settled only once the job ended');
    check(error instanceof GLib.Error && error.matches(Gopod.Error, Gopod.Error.CLOSED),
        `the second shutdown_async rejects with CLOSED: ${error}`);
}

async function testPodAndJob() {
    const pod = Gopod.Pod.new(2);
    const job = new AsyncBegin('resolve');
    pod.add_job(job, null);
    pod.start();
    check(await job.wait_async(null) === true, 'Job.wait_async');
    check(await pod.wait_async(null) === true, 'Pod.wait_async');

    const cancellable = new Gio.Cancellable();
    pod.pause();
    const queued = new AsyncBegin('resolve');
    const running = pod.run_async(queued, cancellable);
    cancellable.cancel();
    const cancelled = await rejection(running, 'a cancelled run_async');
    check(cancelled?.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED), 'run_async cancelled');
    await pod.shutdown_async(Gopod.ShutdownMode.DISCARD, null);
}

async function testResourcePool() {
    let made = 0;
    const pool = Gopod.ResourcePool.new(() => {
        made++;
        return new GObject.Object();
    }, 1);
    const resource = await pool.acquire_async(null);
    check(resource instanceof GObject.Object && made === 1, 'ResourcePool.acquire_async');
    pool.release(resource);
    pool.close();
    const closed = await rejection(pool.acquire_async(null), 'acquire_async on a closed pool');
    check(closed?.matches(Gopod.Error, Gopod.Error.CLOSED), 'closed pool');
}

async function testRunner() {
    const runner = Gopod.Runner.new(0);
    runner.handle_signals = false;
    runner.add_job(new AsyncBegin('resolve'));
    runner.add_job(new AsyncBegin('reject'));
    runner.add_job(new AsyncBegin('resolve'));
    const error = await rejection(runner.start_async(null), 'a runner with a failing job');
    check(error?.message === 'download failed', `the runner's error: ${error?.message}`);
    check(runner.get_completed() === 1, 'later jobs did not run');
}

async function testThrottler() {
    const throttler = Gopod.Throttler.new(2, 4);
    let inFlight = 0, peak = 0;
    for (let i = 0; i < 4; i++) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        later(1 + i).then(() => {
            inFlight--;
            throttler.done(i === 3 ? new GLib.Error(Gopod.Error, Gopod.Error.FAILED, 'last') : null);
        });
        // eslint-disable-next-line no-await-in-loop
        await throttler.throttle_async(null);
    }
    check(peak <= 2, `at most 2 in flight, saw ${peak}`);
    check(inFlight === 0, 'the last throttle waits for every job');
    check(await throttler.wait_async(null) === 1, 'Throttler.wait_async counts the error');
}

async function testChannel() {
    // Channels are in the library from 1.2.
    if (Gopod.Channel === undefined)
        return;
    const channel = Gopod.Channel.new(GObject.TYPE_INT, 0);
    const received = channel.receive_async(null);
    await channel.send_async(42, null);
    // A finish with an out value after its boolean: the promise may give both.
    const got = await received;
    check((Array.isArray(got) ? got[got.length - 1] : got) === 42,
        `Channel.receive_async takes what send_async gave: ${got}`);
}

const loop = new GLib.MainLoop(null, false);
let finished = false;
(async () => {
    for (const test of [testBeginFailures, testSuperBegin, testShutdownTwice, testPodAndJob, testResourcePool, testRunner,
        testThrottler, testChannel]) {
        // eslint-disable-next-line no-await-in-loop
        await test();
        if (failures() > 0) {
            printerr(`${test.name}: ${failures()} check(s) failed`);
            break;
        }
    }
})().catch(e => {
    check(false, `${e}\n${e.stack}`);
}).finally(() => {
    finished = true;
    loop.quit();
});
GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20000, () => {
    check(finished, 'the tests finished');
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
loop.run();
if (failures() > 0)
    System.exit(1);
print('all GJS promise checks passed');
