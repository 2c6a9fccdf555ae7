// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The `pool` program of Go in Action, with Gopod.ResourcePool.
//
// 25 concurrent queries share pooled database connections: the pool keeps 2
// idle ones (Go in Action's pooledResources); the others are made on demand and
// closed on release, as in the Go program. --max-size N also bounds how
// many exist at once (what the Go pool cannot do), so queries wait.
//
// GJS cannot run JavaScript on another thread, so where the Go program
// starts a goroutine per query, this one starts an async query on the main
// loop, and gets its connection with acquire_async(): the pool then calls
// vfunc_create() on the main context, where JavaScript may run. The pool
// calls vfunc_close() inside release() and close(), here on the main thread
// too.
//
//   gjs pool.js [--query-ms 1000] [--max-size 0]

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {Gio, GLib, GObject} = imports.gi;
const System = imports.system;

const MAX_GOROUTINES = 25;   // the number of queries run at once
const POOLED_RESOURCES = 2;  // idle connections kept

function option(name, fallback) {
    const i = ARGV.indexOf(`--${name}`);
    return i >= 0 && i + 1 < ARGV.length ? parseInt(ARGV[i + 1], 10) : fallback;
}

const queryMs = option('query-ms', 1000);
const maxSize = option('max-size', 0);

// log.Println: a timestamp, then the message.
function log(message) {
    print(`${GLib.DateTime.new_now_local().format('%Y/%m/%d %H:%M:%S')} ${message}`);
}

Gio._promisify(Gopod.ResourcePool.prototype, 'acquire_async', 'acquire_finish');

function sleep(ms) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

// dbConnection: simulates a resource to share.
const DbConnection = GObject.registerClass(
class DbConnection extends GObject.Object {
    _init(id) {
        super._init();
        this.id = id;
        this.fresh = true;  // made for the query that acquires it first
    }
});

// createConnection and Close, as vfuncs.
const DbPool = GObject.registerClass(
class DbPool extends Gopod.ResourcePool {
    _init(params) {
        super._init(params);
        this.lastId = 0;
        this.releasing = false;  // inside release(): a close is the release's
        this.closedInRelease = false;
    }

    vfunc_create(_cancellable) {
        const conn = new DbConnection(++this.lastId);
        log('Acquire: New Resource');
        log(`Create: New Connection ${conn.id}`);
        return conn;
    }

    vfunc_close(resource) {
        if (this.releasing) {
            this.closedInRelease = true;
            log('Release: Closing');
        }
        log(`Close: Connection ${resource.id}`);
    }
});

// performQueries: one query, from acquire to release.
async function performQuery(pool, query) {
    // Acquire a connection from the pool.
    let conn;
    try {
        conn = await pool.acquire_async(null);
    } catch (e) {
        log(e.message);
        return;
    }
    if (conn.fresh)
        conn.fresh = false;
    else
        log('Acquire: Shared Resource');

    // Wait to simulate a query response.
    await sleep(GLib.random_int_range(0, queryMs + 1));
    log(`Query: QID[${query}] CID[${conn.id}]`);

    // Release the connection back to the pool.
    pool.releasing = true;
    pool.closedInRelease = false;
    pool.release(conn);
    pool.releasing = false;
    if (!pool.closedInRelease)
        log('Release: In Queue');
}

async function main() {
    // Create the pool to manage our connections.
    const pool = new DbPool({size: POOLED_RESOURCES, max_size: maxSize});

    // Perform queries using connections from the pool, and wait for them
    // all (Go in Action's WaitGroup).
    const queries = [];
    for (let query = 0; query < MAX_GOROUTINES; query++)
        queries.push(performQuery(pool, query));
    await Promise.all(queries);

    // Close the pool.
    log('Shutdown Program.');
    pool.close();
    print(`created ${pool.created} connections for ${pool.acquired} queries; ` +
        `${pool.waited} queries waited`);
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
main().catch(e => {
    printerr(`pool: ${e.message ?? e}`);
    status = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(status);
