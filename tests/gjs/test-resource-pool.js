// SPDX-License-Identifier: LGPL-2.1-or-later
// Gopod.ResourcePool from GJS: blocking acquire on the main thread with a JS
// factory, acquire_async (the factory runs on the main context), waiting,
// cancelling and closing. Exits non-zero on the first failure.

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {GLib, Gio, GObject} = imports.gi;
const System = imports.system;

const {check, failures} = imports.testing;

function errorMatches(fn, domain, code) {
    try {
        fn();
    } catch (e) {
        return e.matches(domain, code);
    }
    return false;
}

// Runs the default main context until done() is called (10 s at most).
function runUntil(start) {
    const loop = new GLib.MainLoop(null, false);
    let finished = false;
    const timeout = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10000, () => {
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });
    start(() => {
        finished = true;
        loop.quit();
    });
    if (!finished)
        loop.run();
    GLib.source_remove(timeout);
    check(finished, 'async operation finished');
}

// A factory in JavaScript, numbering its resources.
let made = 0;
const pool = Gopod.ResourcePool.new(() => {
    made++;
    const resource = new GObject.Object();
    resource._number = made;
    return resource;
}, 2);

// Blocking acquire from the main thread: the factory runs here.
const first = pool.acquire(null);
check(made === 1, 'factory ran once');
check(pool.in_use === 1 && pool.created === 1, 'in-use and created count the acquire');
pool.release(first);
check(pool.idle === 1, 'released resource is idle');
const again = pool.acquire(null);
check(again === first && made === 1, 'idle resource is reused');

// acquire_async: waits at max-size, gets the released resource.
pool.max_size = 1;
runUntil(done => {
    pool.acquire_async(null, (p, result) => {
        const got = p.acquire_finish(result);
        check(got === first, 'async waiter gets the released resource');
        p.release(got);
        done();
    });
    check(pool.waited === 1, 'async acquire waits at max-size');
    GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
        pool.release(again);
        return GLib.SOURCE_REMOVE;
    });
});

// acquire_async that needs the factory: it runs on this (main) context.
pool.destroy(pool.acquire(null));
runUntil(done => {
    pool.acquire_async(null, (p, result) => {
        const got = p.acquire_finish(result);
        check(got._number === 2 && made === 2, 'async acquire made a new resource in JS');
        p.release(got);
        done();
    });
});

// A waiter cancelled mid-wait.
const held = pool.acquire(null);
const cancellable = new Gio.Cancellable();
runUntil(done => {
    pool.acquire_async(cancellable, (p, result) => {
        check(errorMatches(() => p.acquire_finish(result), Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED),
            'cancelled waiter gets G_IO_ERROR_CANCELLED');
        done();
    });
    cancellable.cancel();
});

// Timeout, then close.
pool.acquire_timeout_ms = 20;
check(errorMatches(() => pool.acquire(null), Gopod.Error, Gopod.Error.TIMEOUT),
    'blocking acquire times out at max-size');
pool.release(held);
pool.close();
check(pool.closed && pool.idle === 0, 'close closes idle resources');
check(errorMatches(() => pool.acquire(null), Gopod.Error, Gopod.Error.CLOSED),
    'acquire after close is CLOSED');

// Idle expiry with a `close` written in JavaScript: while the main loop
// runs, expired resources are closed on this thread (JavaScript cannot run
// on the library's timer thread).
const ClosingPool = GObject.registerClass(
class ClosingPool extends Gopod.ResourcePool {
    vfunc_create(cancellable) {
        return new GObject.Object();
    }

    vfunc_close(resource) {
        this._closed = (this._closed || 0) + 1;
        if (this._onClosed)
            this._onClosed();
    }
});

const expiring = new ClosingPool({size: 2, max_idle_time_ms: 1});
runUntil(done => {
    expiring._onClosed = done;
    expiring.release(expiring.acquire(null));
});
check(expiring._closed === 1 && expiring.idle === 0, 'idle expiry ran close in JavaScript');
expiring.close();

if (failures() > 0)
    System.exit(1);
print('ok');
