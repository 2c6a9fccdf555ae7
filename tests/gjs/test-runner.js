// GopodRunner from GJS: JavaScript cannot run on the runner's worker thread,
// so its tasks are main-context jobs (vfunc_begin + complete()) that begin on
// the main loop, one after another, under the runner's timeout.
// Exits non-zero on the first failure.

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {GLib, GObject, Gio} = imports.gi;
const System = imports.system;

const {check, failures} = imports.testing;

function errorIs(error, domain, code) {
    return error instanceof GLib.Error && error.matches(domain, code);
}

// A job that completes on the main loop: after a short timeout, or only once
// cancelled, or with an error; it records what happened to it.
const LoopJob = GObject.registerClass(
class LoopJob extends Gopod.Job {
    _init(name, log, how = 'succeed') {
        super._init();
        this.name = name;
        this.log = log;
        this.how = how;
        this.finishes = 0;
    }

    vfunc_begin(cancellable) {
        this.log.push(this.name);
        if (this.how === 'wait-for-cancel') {
            cancellable.connect(() => {
                GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
                    this.complete(null);
                    return GLib.SOURCE_REMOVE;
                });
            });
            return;
        }
        if (this.how === 'kill-INT' || this.how === 'kill-TERM') {
            const pid = new Gio.Credentials().get_unix_pid();
            const signame = this.how.slice(5);
            GLib.spawn_command_line_async(`kill -${signame} ${pid}`);
            cancellable.connect(() => {
                GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
                    this.complete(null);
                    return GLib.SOURCE_REMOVE;
                });
            });
            return;
        }
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 5, () => {
            if (this.how === 'fail')
                this.complete(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND, 'job failed'));
            else
                this.complete(null);
            return GLib.SOURCE_REMOVE;
        });
    }

    vfunc_finish() {
        this.finishes++;
    }
});

// Runs @runner with start_async on a fresh loop; returns the error or null.
function runAsync(runner) {
    const loop = new GLib.MainLoop(null, false);
    let outcome;
    runner.start_async(null, (source, result) => {
        try {
            outcome = source.start_finish(result) ? null : 'false without error';
        } catch (e) {
            outcome = e;
        }
        loop.quit();
    });
    const guard = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 30, () => {
        outcome = 'the loop did not end';
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });
    loop.run();
    GLib.source_remove(guard);
    return outcome;
}

// Lets the loop run until @condition holds (a job completing late).
function iterateUntil(condition) {
    const context = GLib.MainContext.default();
    const deadline = GLib.get_monotonic_time() + 10 * 1000 * 1000;
    while (!condition() && GLib.get_monotonic_time() < deadline)
        context.iteration(true);
}

function quietRunner(timeoutMs) {
    const runner = Gopod.Runner.new(timeoutMs);
    runner.handle_signals = false;
    return runner;
}

function testOrder() {
    const log = [];
    const runner = quietRunner(0);
    const jobs = ['a', 'b', 'c'].map(name => new LoopJob(name, log));
    jobs.forEach(job => runner.add_job(job));
    const outcome = runAsync(runner);
    check(outcome === null, `order: run succeeded (${outcome})`);
    check(log.join() === 'a,b,c', `order: jobs began in order (${log})`);
    check(runner.completed === 3, `order: completed is 3 (${runner.completed})`);
    check(jobs.every(j => j.finishes === 1 && j.state === Gopod.JobState.SUCCEEDED),
        'order: every job succeeded and finished once');
}

function testTimeout() {
    const log = [];
    const runner = quietRunner(50);
    const slow = new LoopJob('slow', log, 'wait-for-cancel');
    const never = new LoopJob('never', log);
    runner.add_job(slow);
    runner.add_job(never);
    const outcome = runAsync(runner);
    check(errorIs(outcome, Gopod.error_quark(), Gopod.Error.TIMEOUT), `timeout: TIMEOUT (${outcome})`);
    check(never.state === Gopod.JobState.CANCELLED && never.finishes === 1,
        'timeout: the job that never got its turn was discarded');
    iterateUntil(() => slow.finishes > 0);
    check(slow.finishes === 1, 'timeout: the cancelled job finished once');
    check(log.join() === 'slow', `timeout: only the first job began (${log})`);
}

function testFailure() {
    const log = [];
    const runner = quietRunner(0);
    runner.add_job(new LoopJob('ok', log));
    runner.add_job(new LoopJob('bad', log, 'fail'));
    const never = new LoopJob('never', log);
    runner.add_job(never);
    const outcome = runAsync(runner);
    check(errorIs(outcome, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND),
        `failure: the job's own error (${outcome})`);
    check(log.join() === 'ok,bad', `failure: later jobs did not begin (${log})`);
    check(never.state === Gopod.JobState.CANCELLED, 'failure: the later job was discarded');
    check(runner.completed === 1, `failure: completed is 1 (${runner.completed})`);
}

function testInterrupt() {
    const log = [];
    const runner = quietRunner(0);
    runner.add_job(new LoopJob('waits', log, 'wait-for-cancel'));
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => {
        runner.interrupt();
        return GLib.SOURCE_REMOVE;
    });
    const outcome = runAsync(runner);
    check(errorIs(outcome, Gopod.error_quark(), Gopod.Error.INTERRUPTED),
        `interrupt: INTERRUPTED (${outcome})`);
}

function testStartTwice() {
    const runner = quietRunner(0);
    runner.add_job(new LoopJob('only', []));
    check(runAsync(runner) === null, 'start twice: first run succeeded');
    const outcome = runAsync(runner);
    check(errorIs(outcome, Gopod.error_quark(), Gopod.Error.CLOSED),
        `start twice: a runner runs once (${outcome})`);
}

function testSignal(how, name) {
    const log = [];
    const runner = Gopod.Runner.new(0);
    check(runner.handle_signals, 'signals are handled by default');
    const job = new LoopJob('killed', log, how);
    runner.add_job(job);
    const outcome = runAsync(runner);
    check(errorIs(outcome, Gopod.error_quark(), Gopod.Error.INTERRUPTED),
        `${name}: INTERRUPTED (${outcome})`);
    check(outcome instanceof GLib.Error && outcome.message.includes(name),
        `${name}: the message names the signal`);
    iterateUntil(() => job.finishes > 0);
    check(job.finishes === 1, `${name}: the job finished once`);
}

// A JavaScript function given to add() cannot run on the runner's worker
// thread (GJS refuses it with a critical): the task fails, and the process
// does not crash, because the function's closure is released on this thread.
function testFunctionTask() {
    const runner = quietRunner(0);
    let ran = false;
    runner.add(() => {
        ran = true;
        return true;
    });
    const outcome = runAsync(runner);
    check(errorIs(outcome, Gopod.error_quark(), Gopod.Error.FAILED),
        `a JavaScript function task fails cleanly (${outcome})`);
    check(!ran, 'the JavaScript function did not run on the worker');
    // Its closure is freed on this context, from an idle.
    iterateUntil(() => !GLib.MainContext.default().pending());
    System.gc();
}

testOrder();
testFunctionTask();
testTimeout();
testFailure();
testInterrupt();
testStartTwice();
testSignal('kill-INT', 'SIGINT');
testSignal('kill-TERM', 'SIGTERM');

if (failures() > 0) {
    printerr(`${failures()} check(s) failed`);
    System.exit(1);
}
print('all runner checks passed');
