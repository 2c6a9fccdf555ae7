/* pool.c: the `pool` program of Go in Action, with GopodResourcePool
 *
 * 25 concurrent queries share pooled database connections: the pool keeps 2
 * idle ones (Go in Action's `pooledResources`); the others are made on demand and
 * closed on release, as in the Go program. `--max-size N` also bounds how
 * many exist at once (what the Go pool cannot do), so queries wait.
 *
 *   pool [--query-ms MS] [--max-size N]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pod-glib.h>

#define MAX_GOROUTINES   25  /* the number of queries run at once */
#define POOLED_RESOURCES 2   /* idle connections kept */

/* Go's log.Println: a timestamp, then the message. */
static void G_GNUC_PRINTF (1, 2)
log_line (const char *format,
          ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y/%m/%d %H:%M:%S");
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("%s %s\n", stamp, message);
}

/* --- dbConnection: a simulated resource --- */

#define EXAMPLE_TYPE_DB_CONNECTION (example_db_connection_get_type ())
G_DECLARE_FINAL_TYPE (ExampleDbConnection, example_db_connection, EXAMPLE, DB_CONNECTION, GObject)

struct _ExampleDbConnection
{
  GObject parent_instance;
  int     id;
};

G_DEFINE_FINAL_TYPE (ExampleDbConnection, example_db_connection, G_TYPE_OBJECT)

static void example_db_connection_class_init (ExampleDbConnectionClass *klass) { }
static void example_db_connection_init (ExampleDbConnection *self) { }

/* --- the pool: createConnection and Close --- */

#define EXAMPLE_TYPE_DB_POOL (example_db_pool_get_type ())
G_DECLARE_FINAL_TYPE (ExampleDbPool, example_db_pool, EXAMPLE, DB_POOL, GopodResourcePool)

struct _ExampleDbPool
{
  GopodResourcePool parent_instance;
  gint              id_counter;  /* atomic: gives each connection an id */
};

G_DEFINE_FINAL_TYPE (ExampleDbPool, example_db_pool, GOPOD_TYPE_RESOURCE_POOL)

/* The pool makes and closes connections inside acquire and release, in the
 * calling thread: these say which call we are in, to log like the Go program. */
static GPrivate in_release;
static GPrivate created_here;
static GPrivate closed_here;

static GObject *
example_db_pool_create (GopodResourcePool  *pool,
                        GCancellable       *cancellable,
                        GError            **error)
{
  ExampleDbPool *self = EXAMPLE_DB_POOL (pool);
  ExampleDbConnection *conn = g_object_new (EXAMPLE_TYPE_DB_CONNECTION, NULL);

  conn->id = g_atomic_int_add (&self->id_counter, 1) + 1;
  g_private_set (&created_here, GINT_TO_POINTER (TRUE));
  log_line ("Acquire: New Resource");
  log_line ("Create: New Connection %d", conn->id);

  return G_OBJECT (conn);
}

static void
example_db_pool_close (GopodResourcePool *pool,
                       GObject           *resource)
{
  if (g_private_get (&in_release))
    {
      g_private_set (&closed_here, GINT_TO_POINTER (TRUE));
      log_line ("Release: Closing");
    }
  log_line ("Close: Connection %d", EXAMPLE_DB_CONNECTION (resource)->id);
}

static void
example_db_pool_class_init (ExampleDbPoolClass *klass)
{
  GOPOD_RESOURCE_POOL_CLASS (klass)->create = example_db_pool_create;
  GOPOD_RESOURCE_POOL_CLASS (klass)->close = example_db_pool_close;
}

static void example_db_pool_init (ExampleDbPool *self) { }

/* --- performQueries --- */

static guint query_ms = 1000;

typedef struct
{
  GopodResourcePool *pool;
  int                id;
} Query;

static gpointer
perform_query (gpointer data)
{
  Query *query = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) conn = NULL;

  /* Acquire a connection from the pool. */
  g_private_set (&created_here, NULL);
  conn = gopod_resource_pool_acquire (query->pool, NULL, &error);
  if (conn == NULL)
    {
      log_line ("%s", error->message);
      return NULL;
    }
  if (!g_private_get (&created_here))
    log_line ("Acquire: Shared Resource");

  /* Wait to simulate a query response. */
  g_usleep ((gulong) g_random_int_range (0, (gint32) query_ms + 1) * 1000);
  log_line ("Query: QID[%d] CID[%d]", query->id, EXAMPLE_DB_CONNECTION (conn)->id);

  /* Release the connection back to the pool. */
  g_private_set (&in_release, GINT_TO_POINTER (TRUE));
  g_private_set (&closed_here, NULL);
  gopod_resource_pool_release (query->pool, conn);
  g_private_set (&in_release, NULL);
  if (!g_private_get (&closed_here))
    log_line ("Release: In Queue");

  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  guint max_size = 0;
  GOptionEntry entries[] = {
    { "query-ms", 0, 0, G_OPTION_ARG_INT, &query_ms, "Longest simulated query (ms)", "MS" },
    { "max-size", 0, 0, G_OPTION_ARG_INT, &max_size, "Most connections at once (0: no limit)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- Go in Action's resource pool");
  g_autoptr(GError) error = NULL;
  g_autoptr(GopodResourcePool) pool = NULL;
  GThread *threads[MAX_GOROUTINES];
  Query queries[MAX_GOROUTINES];

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  /* Create the pool to manage our connections. */
  pool = g_object_new (EXAMPLE_TYPE_DB_POOL,
                       "size", POOLED_RESOURCES,
                       "max-size", max_size,
                       NULL);

  /* Perform queries using connections from the pool. */
  for (int query = 0; query < MAX_GOROUTINES; query++)
    {
      queries[query] = (Query) { pool, query };
      threads[query] = g_thread_new ("query", perform_query, &queries[query]);
    }

  /* Wait for the queries to finish (Go in Action's WaitGroup). */
  for (int query = 0; query < MAX_GOROUTINES; query++)
    g_thread_join (threads[query]);

  /* Close the pool. */
  log_line ("Shutdown Program.");
  gopod_resource_pool_close (pool);

  g_print ("created %" G_GUINT64_FORMAT " connections for %" G_GUINT64_FORMAT
           " queries; %" G_GUINT64_FORMAT " queries waited\n",
           gopod_resource_pool_get_created (pool),
           gopod_resource_pool_get_acquired (pool),
           gopod_resource_pool_get_waited (pool));

  return 0;
}
