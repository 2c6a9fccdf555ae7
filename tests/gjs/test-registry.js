// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The job registry from GJS: the pod's model (coalesced, against the
// counters), per-job pause of queued main-context jobs, keys and
// lookup_job, progress, keep-ended-ms and a Gio.Application's hold.
// Exits non-zero on any failure.

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {GLib, GObject, Gio} = imports.gi;
const System = imports.system;

const {check, checkEqual, failures, runLoopUntil} = imports.testing;


function drain() {
    while (GLib.MainContext.default().iteration(false))
        ;
}

// A main-context job: its work is a callback the test completes by hand.
const HeldJob = GObject.registerClass(class HeldJob extends Gopod.Job {
    _init(props = {}) {
        super._init(props);
        this.begun = false;
        this.log = null;
    }

    vfunc_begin(cancellable) {
        this.begun = true;
        // Cancelled (a discarding shutdown), the work stops at once.
        this._cancelled = cancellable.connect(() => {
            this.complete(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'cancelled'));
        });
        if (this.log)
            this.log.push(`+${this.title}`);
        if (this.autoComplete)
            this.finishWork();
        return true;
    }

    finishWork() {
        this.get_cancellable().disconnect(this._cancelled);
        if (this.log)
            this.log.push(`-${this.title}`);
        this.complete(null);
    }
});

// A model reader as a GtkListView is one: a copy changed only by what
// items-changed says, checked against the model at every emission.
class Reader {
    constructor(model) {
        this.model = model;
        this.copy = [];
        for (let i = 0; i < model.get_n_items(); i++)
            this.copy.push(model.get_item(i));
        this.emissions = 0;
        model.connect('items-changed', (m, position, removed, added) => {
            this.emissions++;
            const fresh = [];
            for (let i = 0; i < added; i++)
                fresh.push(m.get_item(position + i));
            this.copy.splice(position, removed, ...fresh);
            checkEqual(this.copy.length, m.get_n_items(), 'the copy matches the model');
        });
    }
}

function countersAddUp(pod, what) {
    checkEqual(pod.submitted, pod.succeeded + pod.failed + pod.cancelled + pod.queued + pod.running,
        `${what}: counters add up`);
}

function testModelAndCoalescing() {
    const pod = Gopod.Pod.new(2);
    const reader = new Reader(pod.get_jobs());
    const n = 100000;
    for (let i = 0; i < n; i++)
        pod.add_job(new HeldJob({title: `job ${i}`}), null);
    checkEqual(reader.copy.length, 0, 'the model changes on the main loop only');
    const before = reader.emissions;
    GLib.MainContext.default().iteration(false);
    checkEqual(reader.emissions - before, 1, '100,000 adds make one items-changed');
    checkEqual(reader.copy.length, n, 'the model lists every job');
    checkEqual(reader.copy.length, pod.queued + pod.running, 'model against the counters');

    // Cancel some, run a few, then a discarding shutdown ends the rest.
    // (Each cancel of a queued job searches the queue: a hundred, not thousands.)
    for (let i = 0; i < n; i += 1000)
        reader.copy[i].cancel();
    drain();
    checkEqual(reader.copy.length, pod.queued + pod.running, 'after cancels, model against the counters');
    pod.start();
    runLoopUntil(() => pod.running === 2, 'two jobs running');
    pod.shutdown(Gopod.ShutdownMode.DISCARD, null);
    drain();
    checkEqual(reader.copy.length, 0, 'the model emptied');
    checkEqual(pod.submitted, n, 'every job was accepted');
    countersAddUp(pod, 'after the discarding shutdown');
}

function testPauseAndKeys() {
    const pod = Gopod.Pod.new(1);
    const log = [];
    const paused = new HeldJob({title: 'paused'});
    const other = new HeldJob({title: 'other'});
    paused.autoComplete = other.autoComplete = true;
    paused.pause();
    pod.add_job(paused, null);
    pod.add_job(other, null);
    pod.start();
    runLoopUntil(() => other.state === Gopod.JobState.SUCCEEDED, 'the other job');
    checkEqual(paused.state, Gopod.JobState.QUEUED, 'a paused queued job is passed over');
    checkEqual(paused.begun, false, 'the paused job has not begun');
    paused.resume();
    runLoopUntil(() => paused.state === Gopod.JobState.SUCCEEDED, 'the resumed job');

    // Keys: a1 holds lane a; b passes it; a2 waits, then follows.
    const a1 = new HeldJob({title: 'a1', key: 'a'});
    const a2 = new HeldJob({title: 'a2', key: 'a', priority: -100});
    const b1 = new HeldJob({title: 'b1', key: 'b'});
    for (const job of [a1, a2, b1]) {
        job.log = log;
        pod.add_job(job, null);
    }
    a2.autoComplete = b1.autoComplete = true;
    check(pod.lookup_job('a') === a2, 'lookup_job finds the newest job of a key');
    pod.set_max_workers(2);
    runLoopUntil(() => b1.state === Gopod.JobState.SUCCEEDED && a1.begun, 'b1 ends while a1 runs');
    checkEqual(a2.begun, false, 'a2 waits for a1');
    checkEqual(pod.progress, 1 / 3, 'progress: 1 of the 3 jobs since idle ended');
    a1.finishWork();
    runLoopUntil(() => a2.state === Gopod.JobState.SUCCEEDED, 'a2');
    check(log.join('').includes('-a1+a2-a2'), `lane a in order: ${log.join('')}`);
    checkEqual(pod.lookup_job('a'), null, 'no job of key a is left');
    runLoopUntil(() => pod.queued + pod.running === 0, 'an idle pod');
    checkEqual(pod.progress, 0, 'progress is 0 when idle');
    pod.shutdown(Gopod.ShutdownMode.DRAIN, null);
}

function testKeepEnded() {
    const pod = Gopod.Pod.new(1);
    pod.keep_ended_ms = 3600 * 1000;
    const reader = new Reader(pod.get_jobs());
    const job = new HeldJob({title: 'kept'});
    job.autoComplete = true;
    pod.add_job(job, null);
    pod.start();
    runLoopUntil(() => job.state === Gopod.JobState.SUCCEEDED, 'the kept job');
    drain();
    checkEqual(reader.copy.length, 1, 'an ended job stays under keep-ended-ms');
    pod.keep_ended_ms = 0;
    drain();
    checkEqual(reader.copy.length, 0, 'lowering keep-ended-ms clears it');

    // A Clear button that goes on keeping: 0, then the keep time again,
    // before the loop runs.
    const again = new HeldJob({title: 'kept again'});
    again.autoComplete = true;
    pod.keep_ended_ms = 3600 * 1000;
    pod.add_job(again, null);
    runLoopUntil(() => again.state === Gopod.JobState.SUCCEEDED, 'the job kept again');
    drain();
    checkEqual(reader.copy.length, 1, 'the job is kept again');
    pod.keep_ended_ms = 0;
    pod.keep_ended_ms = 3600 * 1000;
    drain();
    checkEqual(reader.copy.length, 0, 'clear then keep still clears what was kept');
    pod.shutdown(Gopod.ShutdownMode.DRAIN, null);
}

// A job whose finish adds a follow-up of its key unless one is pending.
const FollowUpJob = GObject.registerClass(class FollowUpJob extends HeldJob {
    vfunc_finish() {
        this.found = this.pod.lookup_job(this.key);
    }
});

function testLookupFromFinish() {
    const pod = Gopod.Pod.new(1);
    const job = new FollowUpJob({title: 'sync', key: 'account'});
    job.pod = pod;
    job.found = 'not looked';
    job.autoComplete = true;
    pod.add_job(job, null);
    pod.start();
    runLoopUntil(() => job.state === Gopod.JobState.SUCCEEDED, 'the job');
    checkEqual(job.found, null, 'finish does not find its own, ended job');
    pod.shutdown(Gopod.ShutdownMode.DRAIN, null);
}

function testApplicationHold() {
    const app = new Gio.Application({
        application_id: 'org.gnome.PodGlib.TestRegistryGjs',
        flags: Gio.ApplicationFlags.NON_UNIQUE,
    });
    const pod = Gopod.Pod.new(1);
    pod.application = app;
    check(pod.application === app, 'the application property');
    pod.start();
    const job = new HeldJob({title: 'held'});
    let endedAtShutdown = null;
    app.connect('activate', () => {
        // No window, no hold of our own: only the pod keeps it running.
        pod.add_job(job, null);
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            if (!job.begun)
                return GLib.SOURCE_CONTINUE;
            job.finishWork();
            return GLib.SOURCE_REMOVE;
        });
    });
    app.connect('shutdown', () => {
        endedAtShutdown = job.state;
    });
    checkEqual(app.run([]), 0, 'the application ran');
    checkEqual(endedAtShutdown, Gopod.JobState.SUCCEEDED, 'the application ran until the job ended');
    pod.application = null;
    pod.shutdown(Gopod.ShutdownMode.DRAIN, null);
}

testModelAndCoalescing();
testPauseAndKeys();
testKeepEnded();
testLookupFromFinish();
testApplicationHold();

if (failures() > 0) {
    printerr(`${failures()} check(s) failed`);
    System.exit(1);
}
print('all registry checks passed');
