// GopodThrottler from GJS: a main-loop program bounds its async work with
// throttle_async, and its jobs call done() from main-loop callbacks.
// Exits non-zero on the first failure.

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {GLib, Gio} = imports.gi;
const System = imports.system;

const {check, failures} = imports.testing;

function runLoop(loop) {
    // A hang is a failure too, reported instead of waiting for meson's timeout.
    const guard = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 30, () => {
        check(false, 'the loop did not end');
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });
    loop.run();
    GLib.source_remove(guard);
}

// throttler's ExampleThrottler, async: 2 in flight, odd jobs fail.
function testAsyncLoop() {
    const loop = new GLib.MainLoop(null, false);
    const total = 9;
    const t = Gopod.Throttler.new(2, total);
    let launched = 0, finished = 0, peak = 0, finalCount = -1;
    const failed = [];

    function finishJob(index) {
        finished++;
        if (index % 2 === 1) {
            const error = new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED,
                `Error on job${index}`);
            failed.push(error.message);
            t.done(error);
        } else {
            t.done(null);
        }
        return GLib.SOURCE_REMOVE;
    }

    function launchNext() {
        const index = ++launched;
        peak = Math.max(peak, launched - finished);
        GLib.idle_add(GLib.PRIORITY_LOW, () => finishJob(index));
        t.throttle_async(null, (source, result) => {
            const count = source.throttle_finish(result);
            if (launched < total) {
                launchNext();
            } else {
                finalCount = count;
                loop.quit();
            }
        });
    }

    launchNext();
    runLoop(loop);

    check(finished === total, `all ${total} jobs done before the last callback (${finished})`);
    check(peak === 2, `at most 2 in flight, and 2 reached (${peak})`);
    check(finalCount === 5, `throttle_finish counts 5 errors (jobs 1, 3, 5, 7, 9) (${finalCount})`);
    check(t.error_count === 5, `error-count is 5 (${t.error_count})`);

    const errors = t.get_errors();
    check(errors.length === 5, `get_errors returns 5 errors (${errors.length})`);
    check(errors.every(e => e instanceof GLib.Error &&
                        e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED)),
    'get_errors gives GLib.Error objects');
    check(errors.map(e => e.message).join() === failed.join(),
        `get_errors keeps done()'s order (${errors.map(e => e.message)})`);
    const summary = t.get_error();
    check(summary.message === `${failed[0]} (and 4 more errors)`,
        `get_error summarises (${summary.message})`);
}

// Open-ended total: throttle_async bounds, wait_async ends the loop.
function testOpenEnded() {
    const loop = new GLib.MainLoop(null, false);
    const t = Gopod.Throttler.new(3, 0);
    let launched = 0, finished = 0, peak = 0, waited = false;

    function launchNext() {
        launched++;
        peak = Math.max(peak, launched - finished);
        GLib.idle_add(GLib.PRIORITY_LOW, () => {
            finished++;
            t.done(null);
            return GLib.SOURCE_REMOVE;
        });
        t.throttle_async(null, (source, result) => {
            source.throttle_finish(result);
            if (launched < 12) {
                launchNext();
                return;
            }
            source.wait_async(null, (s, r) => {
                s.wait_finish(r);
                waited = true;
                loop.quit();
            });
        });
    }

    launchNext();
    runLoop(loop);

    check(waited && finished === 12, `wait_async returns after all 12 jobs (${finished})`);
    check(peak === 3, `at most 3 in flight, and 3 reached (${peak})`);
    check(t.get_error() === null, 'no error, get_error is null');
    check(t.get_errors().length === 0, 'no error, get_errors is empty');
}

// A wait is cancelled, not the job: it stays counted.
function testCancel() {
    const loop = new GLib.MainLoop(null, false);
    const t = Gopod.Throttler.new(1, 0);
    const cancellable = new Gio.Cancellable();
    let cancelled = false;

    t.throttle_async(cancellable, (source, result) => {
        try {
            source.throttle_finish(result);
        } catch (e) {
            cancelled = e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
        }
        loop.quit();
    });
    GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    runLoop(loop);

    check(cancelled, 'a cancelled throttle_async fails with G_IO_ERROR_CANCELLED');
    check(t.get_batch_start_index() === 1, 'the cancelled job stays counted');
    t.done(null);
    check(t.wait() === 0, 'wait returns once the job is done');
}

function testBatched() {
    const items = Array.from({length: 49}, (_, i) => `item${i + 1}`);
    const t = Gopod.Throttler.new_batched(10, items.length, 2);
    const batches = [];

    check(t.get_total_jobs() === 25, `49 items in batches of 2 make 25 jobs (${t.total_jobs})`);
    for (let i = 0; i < t.get_total_jobs(); i++) {
        batches.push(items.slice(t.get_batch_start_index(), t.get_batch_end_index()));
        t.done(null);
        t.throttle();
    }
    check(batches[24].join() === 'item49', `the last batch is short (${batches[24]})`);
    check(batches.flat().join() === items.join(), 'the batches cover every item once');
}

testAsyncLoop();
testOpenEnded();
testCancel();
testBatched();

if (failures() > 0) {
    printerr(`${failures()} failure(s)`);
    System.exit(1);
}
print('ok');
