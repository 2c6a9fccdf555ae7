/* sqlite-pool.c: a pool of real SQLite connections shared by a pod of jobs
 *
 * A WAL database in a temporary folder; a GopodPod of 8 workers runs query
 * jobs that write rows and read them back, each borrowing a connection from a
 * GopodResourcePool that holds at most 3. At the end the program reports the
 * rows written and the rows read back, and they must agree.
 *
 *   sqlite-pool [--jobs N]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sqlite3.h>
#include <glib/gstdio.h>

#include <pod-glib.h>

#define WORKERS          8
#define MAX_CONNECTIONS  3
#define ROWS_PER_WRITE   25

/* --- a GObject around one sqlite3 connection --- */

#define EXAMPLE_TYPE_SQLITE_CONNECTION (example_sqlite_connection_get_type ())
G_DECLARE_FINAL_TYPE (ExampleSqliteConnection, example_sqlite_connection,
                      EXAMPLE, SQLITE_CONNECTION, GObject)

struct _ExampleSqliteConnection
{
  GObject  parent_instance;
  sqlite3 *db;
  int      id;
};

G_DEFINE_FINAL_TYPE (ExampleSqliteConnection, example_sqlite_connection, G_TYPE_OBJECT)

static void
example_sqlite_connection_close (ExampleSqliteConnection *self)
{
  g_clear_pointer (&self->db, sqlite3_close_v2);
}

static void
example_sqlite_connection_finalize (GObject *object)
{
  example_sqlite_connection_close (EXAMPLE_SQLITE_CONNECTION (object));
  G_OBJECT_CLASS (example_sqlite_connection_parent_class)->finalize (object);
}

static void
example_sqlite_connection_class_init (ExampleSqliteConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = example_sqlite_connection_finalize;
}

static void example_sqlite_connection_init (ExampleSqliteConnection *self) { }

static gboolean
set_sqlite_error (sqlite3     *db,
                  int          rc,
                  const char  *what,
                  GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  return FALSE;
}

static gboolean
exec (ExampleSqliteConnection  *conn,
      const char               *sql,
      GError                  **error)
{
  int rc = sqlite3_exec (conn->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK || set_sqlite_error (conn->db, rc, sql, error);
}

/* --- the pool's factory: opens a connection in WAL mode --- */

typedef struct
{
  char *path;
  gint  opened;  /* atomic */
} Database;

static GObject *
open_connection (GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  Database *database = user_data;
  g_autoptr(ExampleSqliteConnection) conn = g_object_new (EXAMPLE_TYPE_SQLITE_CONNECTION, NULL);
  int rc;

  rc = sqlite3_open_v2 (database->path, &conn->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (conn->db, rc, "open", error);
      return NULL;
    }
  /* Writers take turns on the WAL lock instead of failing with SQLITE_BUSY. */
  sqlite3_busy_timeout (conn->db, 10000);
  if (!exec (conn, "PRAGMA journal_mode=WAL;", error))
    return NULL;

  conn->id = g_atomic_int_add (&database->opened, 1) + 1;
  g_print ("open connection %d\n", conn->id);
  return G_OBJECT (g_steal_pointer (&conn));
}

/* --- the query jobs --- */

typedef struct
{
  GopodResourcePool *pool;
  gint               written;  /* atomic */
  gint               read;     /* atomic: rows the read jobs saw */
  gint               in_use;   /* atomic */
  gint               most_in_use;
} Shared;

typedef struct
{
  Shared *shared;
  int     number;
} Query;

static void
note_in_use (Shared *shared,
             int     delta)
{
  int now = g_atomic_int_add (&shared->in_use, delta) + delta;

  for (int seen = g_atomic_int_get (&shared->most_in_use);
       now > seen && !g_atomic_int_compare_and_exchange (&shared->most_in_use, seen, now);
       seen = g_atomic_int_get (&shared->most_in_use))
    ;
}

static gboolean
write_rows (ExampleSqliteConnection  *conn,
            Query                    *query,
            GError                  **error)
{
  sqlite3_stmt *insert = NULL;
  int rc;

  if (!exec (conn, "BEGIN IMMEDIATE;", error))
    return FALSE;
  rc = sqlite3_prepare_v2 (conn->db, "INSERT INTO items (job, value) VALUES (?, ?);", -1, &insert, NULL);
  for (int i = 0; rc == SQLITE_OK && i < ROWS_PER_WRITE; i++)
    {
      g_autofree char *value = g_strdup_printf ("job %d row %d", query->number, i);

      sqlite3_bind_int (insert, 1, query->number);
      sqlite3_bind_text (insert, 2, value, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (insert);
      rc = rc == SQLITE_DONE ? sqlite3_reset (insert) : rc;
    }
  sqlite3_finalize (insert);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (conn->db, rc, "insert", error);
      exec (conn, "ROLLBACK;", NULL);
      return FALSE;
    }
  if (!exec (conn, "COMMIT;", error))
    return FALSE;

  g_atomic_int_add (&query->shared->written, ROWS_PER_WRITE);
  return TRUE;
}

static gboolean
count_rows (ExampleSqliteConnection  *conn,
            int                      *count,
            GError                  **error)
{
  sqlite3_stmt *select = NULL;
  int rc = sqlite3_prepare_v2 (conn->db, "SELECT count(*) FROM items;", -1, &select, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (select)) == SQLITE_ROW)
    {
      *count = sqlite3_column_int (select, 0);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (select);

  return rc == SQLITE_OK || set_sqlite_error (conn->db, rc, "select", error);
}

/* Even jobs write a batch of rows, odd ones count what is there. */
static gboolean
run_query (GopodJob      *job,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  Query *query = user_data;
  Shared *shared = query->shared;
  g_autoptr(GObject) resource = NULL;
  ExampleSqliteConnection *conn;
  gboolean ok;
  int count = 0;

  resource = gopod_resource_pool_acquire (shared->pool, cancellable, error);
  if (resource == NULL)
    return FALSE;
  conn = EXAMPLE_SQLITE_CONNECTION (resource);
  note_in_use (shared, 1);

  if (query->number % 2 == 0)
    ok = write_rows (conn, query, error);
  else
    {
      ok = count_rows (conn, &count, error);
      if (ok)
        g_atomic_int_add (&shared->read, 1);
    }

  note_in_use (shared, -1);
  /* A connection that failed may be in a bad state: do not keep it. */
  if (ok)
    gopod_resource_pool_release (shared->pool, resource);
  else
    gopod_resource_pool_destroy (shared->pool, resource);

  return ok;
}

/* The pool closes a connection it no longer keeps; subclassing is not
 * needed for that here: the last reference closes the sqlite3 handle. */

int
main (int   argc,
      char *argv[])
{
  int n_jobs = 40;
  GOptionEntry entries[] = {
    { "jobs", 0, 0, G_OPTION_ARG_INT, &n_jobs, "Query jobs to run", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- SQLite connections in a resource pool");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *shm = NULL;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GObject) setup = NULL;
  g_autofree Query *queries = NULL;
  Database database = { NULL, 0 };
  Shared shared = { NULL, };
  int read_back = -1;
  int status = 1;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || n_jobs < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--jobs must be at least 1");
      return 2;
    }

  dir = g_dir_make_tmp ("sqlite-pool-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  database.path = g_build_filename (dir, "items.db", NULL);
  wal = g_strconcat (database.path, "-wal", NULL);
  shm = g_strconcat (database.path, "-shm", NULL);
  g_print ("database %s (WAL), at most %d connections, %d workers, %d jobs\n",
           database.path, MAX_CONNECTIONS, WORKERS, n_jobs);

  shared.pool = gopod_resource_pool_new (open_connection, &database, NULL, MAX_CONNECTIONS);
  gopod_resource_pool_set_max_size (shared.pool, MAX_CONNECTIONS);

  setup = gopod_resource_pool_acquire (shared.pool, NULL, &error);
  if (setup == NULL ||
      !exec (EXAMPLE_SQLITE_CONNECTION (setup),
             "CREATE TABLE items (id INTEGER PRIMARY KEY, job INTEGER, value TEXT);", &error))
    goto out;
  gopod_resource_pool_release (shared.pool, setup);
  g_clear_object (&setup);

  pod = gopod_pod_new (WORKERS);
  gopod_pod_start (pod);
  queries = g_new0 (Query, n_jobs);
  for (int i = 0; i < n_jobs; i++)
    {
      g_autoptr(GopodJob) job = NULL;

      queries[i] = (Query) { &shared, i };
      job = gopod_job_new_func (run_query, &queries[i], NULL);
      if (!gopod_pod_add_job (pod, job, NULL, &error))
        goto out;
    }
  if (!gopod_pod_wait (pod, NULL, &error))
    goto out;
  g_print ("jobs: %" G_GUINT64_FORMAT " succeeded, %" G_GUINT64_FORMAT " failed\n",
           gopod_pod_get_succeeded (pod), gopod_pod_get_failed (pod));

  /* Read everything back through the pool once more. */
  setup = gopod_resource_pool_acquire (shared.pool, NULL, &error);
  if (setup == NULL || !count_rows (EXAMPLE_SQLITE_CONNECTION (setup), &read_back, &error))
    goto out;
  gopod_resource_pool_release (shared.pool, setup);
  g_clear_object (&setup);

  g_print ("wrote %d rows, read back %d rows\n", g_atomic_int_get (&shared.written), read_back);
  g_print ("%d read queries, %d connections opened, at most %d in use at once\n",
           g_atomic_int_get (&shared.read), g_atomic_int_get (&database.opened),
           shared.most_in_use);
  if (read_back == shared.written && gopod_pod_get_failed (pod) == 0)
    status = 0;

out:
  if (error != NULL)
    g_printerr ("error: %s\n", error->message);
  if (pod != NULL)
    gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL);
  if (setup != NULL)
    gopod_resource_pool_release (shared.pool, setup);
  gopod_resource_pool_close (shared.pool);
  g_clear_object (&setup);
  g_clear_object (&shared.pool);
  g_remove (wal);
  g_remove (shm);
  g_remove (database.path);
  g_rmdir (dir);
  g_free (database.path);

  return status;
}
