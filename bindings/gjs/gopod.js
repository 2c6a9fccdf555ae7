// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Gopod for GJS, with promises:
//
//     const {Gopod} = imports.gopod;
//
// is Gopod from imports.gi (version 1.0), where
//
// - every _async method also returns a Promise when called without its
//   callback (Gio._promisify), so `await pod.wait_async(null)` works;
// - a Gopod.Job subclass's vfunc_begin may be `async`: the job succeeds when
//   the promise resolves (unless the job was already completed) and fails
//   with the error when it rejects; a plain vfunc_begin that returns nothing
//   has started its work (return false, or throw, to fail the job).
//
// Without this module, vfunc_begin must return true, and an async one must
// catch its own errors and pass them to complete().

imports.gi.versions.Gopod = '1.0';
const {Gio, GLib, Gopod: GopodModule} = imports.gi;

var Gopod = GopodModule;

const ASYNC_METHODS = {
    Job: ['wait_async'],
    Pod: ['run_async', 'wait_async', 'shutdown_async'],
    ResourcePool: ['acquire_async'],
    Runner: ['start_async'],
    Throttler: ['throttle_async', 'wait_async'],
    Channel: ['send_async', 'receive_async'],
    Select: ['wait_async'],
};

for (const [name, methods] of Object.entries(ASYNC_METHODS)) {
    // Channel and Select are newer than some builds of the library.
    if (Gopod[name] === undefined)
        continue;
    for (const method of methods)
        Gio._promisify(Gopod[name].prototype, method);
}

// A GLib.Error for anything a promise rejected with, keeping its message.
function asError(error) {
    if (error instanceof GLib.Error)
        return error;
    const message = error instanceof Error ? error.message : String(error);
    return new GLib.Error(Gopod.Error, Gopod.Error.FAILED, message);
}

function settle(job, thrown) {
    const error = thrown === null ? null : asError(thrown);
    if (job.state === Gopod.JobState.RUNNING) {
        job.complete(error);
        return;
    }
    // Completed by the begin itself, cancelled, or timed out: the job's
    // outcome stands, but an error the begin threw afterwards must not
    // vanish (a cancelled await rejecting once the job ended is expected).
    if (error !== null && !error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
        logError(thrown, `${job.constructor.name}.vfunc_begin threw after the job ended`);
}

function beginSettling(begin) {
    return function (cancellable) {
        const started = begin.call(this, cancellable);
        if (started instanceof Promise) {
            started.then(() => settle(this, null), e => settle(this, e ?? new Error(String(e))));
            return true;
        }
        return started ?? true;
    };
}

// GObject.registerClass calls _classInit on the new class: every subclass of
// Gopod.Job registered once this module is loaded gets its vfunc_begin
// wrapped before GJS hooks it up as the C vfunc.
// GJS hooks up the function it finds at registration, so the wrapper is
// put there only for that: the prototype keeps the class's own vfunc_begin,
// and a subclass's `await super.vfunc_begin(cancellable)` gets its promise
// (the wrapper would return true at once and settle the job itself when the
// parent's part ended, before the subclass's own work).
const parentClassInit = Gopod.Job._classInit;
Gopod.Job._classInit = function (klass) {
    const own = Object.getOwnPropertyDescriptor(klass.prototype, 'vfunc_begin');
    if (own === undefined || typeof own.value !== 'function')
        return parentClassInit.call(this, klass);
    klass.prototype.vfunc_begin = beginSettling(own.value);
    try {
        return parentClassInit.call(this, klass);
    } finally {
        Object.defineProperty(klass.prototype, 'vfunc_begin', own);
    }
};
