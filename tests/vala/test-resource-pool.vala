/* test-resource-pool.vala: Gopod.ResourcePool from Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

class Conn : Object {
    public int number;
}

/* A subclass: create and close as Vala overrides. */
class ConnPool : Gopod.ResourcePool {
    public int made = 0;
    /* Not "closed": that would hide Gopod.ResourcePool:closed. */
    public int[] closed_numbers = {};
    public Mutex mutex = Mutex ();

    public ConnPool (uint size, uint max_size) {
        Object (size: size, max_size: max_size);
    }

    public override Object? create (Cancellable? cancellable) throws Error {
        mutex.lock ();
        var conn = new Conn () { number = ++made };
        mutex.unlock ();
        return conn;
    }

    public override void close_resource (Object resource) {
        mutex.lock ();
        closed_numbers += ((Conn) resource).number;
        mutex.unlock ();
    }
}

int failures = 0;

void check (bool cond, string what) {
    if (!cond) {
        stderr.printf ("FAIL: %s\n", what);
        failures++;
    }
}

void test_factory () {
    int calls = 0;
    var pool = new Gopod.ResourcePool ((cancellable) => {
        calls++;
        return new Conn () { number = calls };
    }, 1);
    try {
        var a = pool.acquire (null);
        var b = pool.acquire (null);
        check (calls == 2, "factory made two");
        pool.release (a);
        pool.release (b);
        check (pool.idle == 1, "size 1 keeps one idle");
        var c = pool.acquire (null);
        check (c == a, "idle resource reused");
        pool.release (c);
    } catch (Error e) {
        check (false, "factory pool: " + e.message);
    }
    pool.close ();
    check (pool.closed, "closed");
}

void test_subclass_threads () {
    var pool = new ConnPool (2, 2);
    Thread<bool>[] threads = {};
    for (int i = 0; i < 4; i++) {
        threads += new Thread<bool> ("worker", () => {
            for (int j = 0; j < 100; j++) {
                try {
                    var conn = pool.acquire (null);
                    if (j % 10 == 0)
                        pool.destroy (conn);
                    else
                        pool.release (conn);
                } catch (Error e) {
                    return false;
                }
            }
            return true;
        });
    }
    foreach (var t in threads)
        check (t.join (), "worker acquired every time");
    check (pool.acquired == 400, "400 acquires");
    check (pool.in_use == 0, "nothing in use");
    pool.close ();
    check (pool.closed, "subclass pool closed");
    check (pool.created == pool.closed_numbers.length, "every resource made was closed");
    check (pool.created >= 40, "each destroy made room for a new one");

    try {
        pool.acquire (null);
        check (false, "acquire after close must fail");
    } catch (Gopod.Error e) {
        check (e is Gopod.Error.CLOSED, "acquire after close is CLOSED");
    } catch (Error e) {
        check (false, "unexpected error " + e.message);
    }
}

void test_async () {
    var pool = new ConnPool (1, 1);
    var loop = new MainLoop ();
    Object? held = null;
    try {
        held = pool.acquire (null);
    } catch (Error e) {
        check (false, e.message);
    }
    Object? got = null;
    pool.acquire_async.begin (null, (obj, res) => {
        try {
            got = pool.acquire_async.end (res);
        } catch (Error e) {
            check (false, "async: " + e.message);
        }
        loop.quit ();
    });
    check (pool.waited == 1, "async acquire waits at max-size");
    Idle.add (() => {
        pool.release (held);
        return Source.REMOVE;
    });
    Timeout.add_seconds (10, () => { loop.quit (); return Source.REMOVE; });
    loop.run ();
    check (got == held, "async waiter got the released resource");
    pool.release (got);
    pool.close ();
}

int main () {
    test_factory ();
    test_subclass_threads ();
    test_async ();
    if (failures > 0)
        return 1;
    print ("ok\n");
    return 0;
}
