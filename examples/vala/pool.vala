/* pool.vala: the `pool` program of Go in Action, in Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 25 concurrent queries share pooled database connections: the pool keeps 2
 * idle ones (Go in Action's `pooledResources`); the others are made on demand and
 * closed on release, as in the Go program. `--max-size N` also bounds how
 * many exist at once (what the Go pool cannot do), so queries wait.
 *
 * Where the Go program starts a goroutine per query, this one starts an
 * async method on the main loop, which gets its connection with
 * `yield pool.acquire_async ()`: the pool then calls `create` on the main
 * context. (examples/c/pool.c shows the thread flavour, with the blocking
 * acquire().)
 *
 *   pool [--query-ms 1000] [--max-size 0]
 */

const int MAX_GOROUTINES = 25;   /* the number of queries run at once */
const int POOLED_RESOURCES = 2;  /* idle connections kept */

static int query_ms = 1000;
static int max_size = 0;

const OptionEntry[] options = {
  { "query-ms", 0, 0, OptionArg.INT, ref query_ms, "Longest simulated query (ms)", "MS" },
  { "max-size", 0, 0, OptionArg.INT, ref max_size, "Most connections at once (0: no limit)", "N" },
  { null }
};

/* log.Println: a timestamp, then the message. */
void log_println (string message) {
  print ("%s %s\n", new DateTime.now_local ().format ("%Y/%m/%d %H:%M:%S"), message);
}

async void sleep_ms (uint ms) {
  Timeout.add (ms, sleep_ms.callback);
  yield;
}

/* dbConnection: simulates a resource to share. */
class DbConnection : Object {
  public int id;
  public bool fresh = true;  /* made for the query that acquires it first */

  public DbConnection (int id) {
    this.id = id;
  }
}

/* createConnection and Close, as vfuncs. */
class DbPool : Gopod.ResourcePool {
  int last_id = 0;
  /* Inside release(): a close is the release's doing. */
  public bool releasing = false;
  public bool closed_in_release = false;

  public DbPool (uint size, uint max_size) {
    Object (size: size, max_size: max_size);
  }

  public override Object? create (Cancellable? cancellable) throws Error {
    var conn = new DbConnection (++last_id);
    log_println ("Acquire: New Resource");
    log_println ("Create: New Connection %d".printf (conn.id));
    return conn;
  }

  public override void close_resource (Object resource) {
    if (releasing) {
      closed_in_release = true;
      log_println ("Release: Closing");
    }
    log_println ("Close: Connection %d".printf (((DbConnection) resource).id));
  }
}

/* performQueries: one query, from acquire to release. */
async void perform_query (DbPool pool, int query) {
  /* Acquire a connection from the pool. */
  DbConnection conn;
  try {
    conn = (DbConnection) yield pool.acquire_async (null);
  } catch (Error e) {
    log_println (e.message);
    return;
  }
  if (conn.fresh)
    conn.fresh = false;
  else
    log_println ("Acquire: Shared Resource");

  /* Wait to simulate a query response. */
  yield sleep_ms ((uint) Random.int_range (0, query_ms + 1));
  log_println ("Query: QID[%d] CID[%d]".printf (query, conn.id));

  /* Release the connection back to the pool. */
  pool.releasing = true;
  pool.closed_in_release = false;
  pool.release (conn);
  pool.releasing = false;
  if (!pool.closed_in_release)
    log_println ("Release: In Queue");
}

async int main (string[] args) {
  try {
    var context = new OptionContext ("- Go in Action's resource pool");
    context.add_main_entries (options, null);
    context.parse (ref args);
  } catch (OptionError e) {
    printerr ("%s\n", e.message);
    return 2;
  }

  /* Create the pool to manage our connections. */
  var pool = new DbPool (POOLED_RESOURCES, (uint) max_size);

  /* Perform queries using connections from the pool, and wait for them all
   * (Go in Action's WaitGroup). */
  int pending = MAX_GOROUTINES;
  for (int query = 0; query < MAX_GOROUTINES; query++) {
    perform_query.begin (pool, query, (obj, res) => {
      perform_query.end (res);
      if (--pending == 0)
        main.callback ();
    });
  }
  yield;

  /* Close the pool. */
  log_println ("Shutdown Program.");
  pool.close ();
  print ("created %s connections for %s queries; %s queries waited\n",
         pool.created.to_string (), pool.acquired.to_string (), pool.waited.to_string ());

  return 0;
}
