/* test-resource-pool.c: GopodResourcePool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-utils.h"

#include "gopod-resource-pool-private.h"

/* --- a subclass that counts and records what the pool does --- */

typedef void (*CloseHook) (GopodResourcePool *pool, GObject *resource, gpointer data);
typedef void (*CreateHook) (GopodResourcePool *pool, gpointer data);

#define TEST_TYPE_POOL (test_pool_get_type ())
G_DECLARE_FINAL_TYPE (TestPool, test_pool, TEST, POOL, GopodResourcePool)

struct _TestPool
{
  GopodResourcePool parent_instance;

  GMutex     lock;
  GCond      cond;
  gint       next_id;     /* atomic */
  gint       creates;     /* atomic: create calls */
  gint       fail_next;   /* create calls to fail, under lock */
  gboolean   fail_silently;
  GThread   *create_thread;
  GPtrArray *closed;      /* of GObject *, in close order, under lock */
  CloseHook  close_hook;
  gpointer   close_hook_data;
  CreateHook create_hook;  /* runs first in each create call */
  gpointer   create_hook_data;
};

G_DEFINE_FINAL_TYPE (TestPool, test_pool, GOPOD_TYPE_RESOURCE_POOL)

static int
resource_id (GObject *resource)
{
  return GPOINTER_TO_INT (g_object_get_data (resource, "id"));
}

static GObject *
test_pool_create (GopodResourcePool  *pool,
                  GCancellable       *cancellable,
                  GError            **error)
{
  TestPool *self = TEST_POOL (pool);
  GObject *resource;
  gboolean fail = FALSE;

  g_atomic_int_inc (&self->creates);
  if (self->create_hook != NULL)
    self->create_hook (pool, self->create_hook_data);
  g_mutex_lock (&self->lock);
  self->create_thread = g_thread_self ();
  if (self->fail_next > 0)
    {
      self->fail_next--;
      fail = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (fail)
    {
      if (!self->fail_silently)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "refused");
      return NULL;
    }

  resource = g_object_new (G_TYPE_OBJECT, NULL);
  g_object_set_data (resource, "id", GINT_TO_POINTER (g_atomic_int_add (&self->next_id, 1) + 1));
  return resource;
}

static void
test_pool_close (GopodResourcePool *pool,
                 GObject           *resource)
{
  TestPool *self = TEST_POOL (pool);

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->closed, g_object_ref (resource));
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (self->close_hook != NULL)
    self->close_hook (pool, resource, self->close_hook_data);
}

static void
test_pool_finalize (GObject *object)
{
  TestPool *self = TEST_POOL (object);

  g_ptr_array_unref (self->closed);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (test_pool_parent_class)->finalize (object);
}

static void
test_pool_class_init (TestPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_pool_finalize;
  GOPOD_RESOURCE_POOL_CLASS (klass)->create = test_pool_create;
  GOPOD_RESOURCE_POOL_CLASS (klass)->close = test_pool_close;
}

static void
test_pool_init (TestPool *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->closed = g_ptr_array_new_with_free_func (g_object_unref);
}

static TestPool *
test_pool_new (guint size,
               guint max_size)
{
  return g_object_new (TEST_TYPE_POOL, "size", size, "max-size", max_size, NULL);
}

/* Most tests start from one TestPool of a given size and max-size. */
typedef struct
{
  guint size;
  guint max_size;
} PoolSizes;

typedef struct
{
  TestPool *pool;
} PoolFixture;

static void
pool_fixture_setup (PoolFixture   *fixture,
                    gconstpointer  data)
{
  const PoolSizes *sizes = data;

  fixture->pool = test_pool_new (sizes->size, sizes->max_size);
}

static void
pool_fixture_teardown (PoolFixture   *fixture,
                       gconstpointer  data)
{
  g_clear_object (&fixture->pool);
}

static const PoolSizes pool_1_0 = { 1, 0 };
static const PoolSizes pool_1_1 = { 1, 1 };
static const PoolSizes pool_1_2 = { 1, 2 };
static const PoolSizes pool_2_0 = { 2, 0 };
static const PoolSizes pool_2_1 = { 2, 1 };
static const PoolSizes pool_3_0 = { 3, 0 };

static guint
closed_count (TestPool *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->closed->len;
  g_mutex_unlock (&self->lock);

  return n;
}

static int
closed_id (TestPool *self,
           guint     index)
{
  int id;

  g_mutex_lock (&self->lock);
  g_assert_cmpuint (index, <, self->closed->len);
  id = resource_id (self->closed->pdata[index]);
  g_mutex_unlock (&self->lock);

  return id;
}

/* Blocks (no main loop) until @n resources were closed; fails after 10 s. */
static void
wait_closed (TestPool *self,
             guint     n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&self->lock);
  while (self->closed->len < n)
    {
      gboolean woken;

      woken = g_cond_wait_until (&self->cond, &self->lock, deadline);
      if (!woken)
        g_error ("Timed out waiting for %u closes (%u so far)", n, self->closed->len);
    }
  g_mutex_unlock (&self->lock);
}

static void
set_fail_next (TestPool *self,
               int       n,
               gboolean  silently)
{
  g_mutex_lock (&self->lock);
  self->fail_next = n;
  self->fail_silently = silently;
  g_mutex_unlock (&self->lock);
}

/* --- waiting for waiters, through the pool's own notifications --- */

typedef struct
{
  guint64  n;
  gboolean reached;
} WaitedCount;

static void
on_notify (GObject    *pool,
           GParamSpec *pspec,
           gpointer    data)
{
  WaitedCount *count = data;

  count->reached = gopod_resource_pool_get_waited (GOPOD_RESOURCE_POOL (pool)) >= count->n;
}

/* Iterates the default context, where the pool (made on the main thread)
 * notifies, until @n acquires have started waiting; fails after 10 s. */
static void
wait_for_waited (GopodResourcePool *pool,
                 guint64            n)
{
  WaitedCount count = { n, FALSE };
  gulong id = g_signal_connect (pool, "notify", G_CALLBACK (on_notify), &count);

  on_notify (G_OBJECT (pool), NULL, &count);
  test_iterate_until (NULL, &count.reached, 10000);
  g_signal_handler_disconnect (pool, id);
}

/* A thread that does one blocking acquire, records the order in which
 * acquirers got through, and gives the resource back. */
typedef struct
{
  GopodResourcePool *pool;
  GCancellable      *cancellable;
  int                index;
  GMutex            *order_lock;
  GArray            *order;
  GObject           *resource;  /* when keep is set */
  gboolean           keep;
  GError            *error;
  GThread           *create_thread;
} Acquirer;

static gpointer
acquirer_thread (gpointer data)
{
  Acquirer *a = data;
  GObject *resource = gopod_resource_pool_acquire (a->pool, a->cancellable, &a->error);

  if (resource == NULL)
    return NULL;

  if (a->order != NULL)
    {
      g_mutex_lock (a->order_lock);
      g_array_append_val (a->order, a->index);
      g_mutex_unlock (a->order_lock);
    }

  if (a->keep)
    a->resource = resource;
  else
    {
      gopod_resource_pool_release (a->pool, resource);
      g_object_unref (resource);
    }

  return NULL;
}

/* --- tests --- */

static GObject *
counting_factory (GCancellable  *cancellable,
                  gpointer       user_data,
                  GError       **error)
{
  g_atomic_int_inc ((gint *) user_data);
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_add ((gint *) data, 1000);
}

static void
test_new (void)
{
  gint calls = 0;
  GopodResourcePool *pool = gopod_resource_pool_new (counting_factory, &calls, count_destroy, 3);
  guint size, max_size, timeout, max_idle, idle, in_use;
  gboolean closed;
  guint64 created, acquired, waited;

  g_object_get (pool, "size", &size, "max-size", &max_size,
                "acquire-timeout-ms", &timeout, "max-idle-time-ms", &max_idle,
                "idle", &idle, "in-use", &in_use, "closed", &closed,
                "created", &created, "acquired", &acquired, "waited", &waited, NULL);
  g_assert_cmpuint (size, ==, 3);
  g_assert_cmpuint (max_size, ==, 0);
  g_assert_cmpuint (timeout, ==, 0);
  g_assert_cmpuint (max_idle, ==, 0);
  g_assert_cmpuint (idle, ==, 0);
  g_assert_cmpuint (in_use, ==, 0);
  g_assert_false (closed);
  g_assert_cmpuint (created, ==, 0);
  g_assert_cmpuint (acquired, ==, 0);
  g_assert_cmpuint (waited, ==, 0);
  g_assert_cmpint (calls, ==, 0);

  g_object_unref (pool);
  /* The factory's data is freed with the pool. */
  g_assert_cmpint (calls, ==, 1000);
}

static void
test_new_bad_input (void)
{
  GopodResourcePool *pool;

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*size > 0*");
  pool = gopod_resource_pool_new (counting_factory, NULL, NULL, 0);
  g_test_assert_expected_messages ();
  g_assert_null (pool);

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*factory != NULL*");
  pool = gopod_resource_pool_new (NULL, NULL, NULL, 2);
  g_test_assert_expected_messages ();
  g_assert_null (pool);
}

static void
test_acquire_release (void)
{
  gint calls = 0;
  g_autoptr(GopodResourcePool) pool = gopod_resource_pool_new (counting_factory, &calls, NULL, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) first = NULL;
  g_autoptr(GObject) again = NULL;

  first = gopod_resource_pool_acquire (pool, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_OBJECT (first));
  g_assert_cmpint (calls, ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (pool), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_idle (pool), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_created (pool), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_acquired (pool), ==, 1);

  gopod_resource_pool_release (pool, first);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (pool), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_idle (pool), ==, 1);

  /* An idle one is reused rather than made. */
  again = gopod_resource_pool_acquire (pool, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (again == first);
  g_assert_cmpint (calls, ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_created (pool), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_acquired (pool), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_waited (pool), ==, 0);
  gopod_resource_pool_release (pool, again);
}

static void
test_no_factory (void)
{
  g_autoptr(GopodResourcePool) pool = g_object_new (GOPOD_TYPE_RESOURCE_POOL, NULL);
  g_autoptr(GError) error = NULL;
  GObject *resource;

  resource = gopod_resource_pool_acquire (pool, NULL, &error);
  g_assert_null (resource);
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (pool), ==, 0);
}

static void
test_size (PoolFixture   *fixture,
           gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  GObject *held[4];

  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    held[i] = gopod_resource_pool_acquire (p, NULL, NULL);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 4);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 4);

  /* The first two are kept idle, the next two closed (Go in Action's Release). */
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    {
      gopod_resource_pool_release (p, held[i]);
      g_object_unref (held[i]);
    }
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 0);
  g_assert_cmpuint (closed_count (pool), ==, 2);
  g_assert_cmpint (closed_id (pool, 0), ==, 3);
  g_assert_cmpint (closed_id (pool, 1), ==, 4);

  /* Shrinking closes the oldest idle one. */
  gopod_resource_pool_set_size (p, 1);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
  g_assert_cmpuint (closed_count (pool), ==, 3);
  g_assert_cmpint (closed_id (pool, 2), ==, 1);

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*size > 0*");
  gopod_resource_pool_set_size (p, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (gopod_resource_pool_get_size (p), ==, 1);

  gopod_resource_pool_close (p);
  g_assert_cmpuint (closed_count (pool), ==, 4);
}

static void
test_destroy (PoolFixture   *fixture,
              gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) broken = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GObject) fresh = NULL;

  gopod_resource_pool_destroy (p, broken);
  g_assert_cmpuint (closed_count (pool), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 0);

  fresh = gopod_resource_pool_acquire (p, NULL, NULL);
  g_assert_true (fresh != broken);
  g_assert_cmpint (resource_id (fresh), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 2);
  gopod_resource_pool_release (p, fresh);
}

static void
test_bad_release (PoolFixture   *fixture,
                  gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  g_autoptr(TestPool) other = test_pool_new (2, 0);
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) mine = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GObject) theirs = gopod_resource_pool_acquire (GOPOD_RESOURCE_POOL (other), NULL, NULL);
  g_autoptr(GObject) stranger = g_object_new (G_TYPE_OBJECT, NULL);

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*not handed out by this pool*");
  gopod_resource_pool_release (p, stranger);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*not handed out by this pool*");
  gopod_resource_pool_release (p, theirs);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*not handed out by this pool*");
  gopod_resource_pool_destroy (p, stranger);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*G_IS_OBJECT*");
  gopod_resource_pool_release (p, NULL);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 0);
  g_assert_cmpuint (closed_count (pool), ==, 0);

  gopod_resource_pool_release (p, mine);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);

  /* Twice: the second is refused and the idle one stays idle, once. */
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*not handed out by this pool*");
  gopod_resource_pool_release (p, mine);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*not handed out by this pool*");
  gopod_resource_pool_destroy (p, mine);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 0);
  g_assert_cmpuint (closed_count (pool), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (GOPOD_RESOURCE_POOL (other)), ==, 1);
  gopod_resource_pool_release (GOPOD_RESOURCE_POOL (other), theirs);
}

static void
test_close (PoolFixture   *fixture,
            gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) a = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GObject) b = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GObject *resource;

  gopod_resource_pool_release (p, a);
  gopod_resource_pool_close (p);
  g_assert_true (gopod_resource_pool_get_closed (p));
  g_assert_cmpuint (closed_count (pool), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 1);

  resource = gopod_resource_pool_acquire (p, NULL, &error);
  g_assert_null (resource);
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_clear_error (&error);

  gopod_resource_pool_acquire_async (p, NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 5000);
  resource = gopod_resource_pool_acquire_finish (p, result, &error);
  g_assert_null (resource);
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);

  /* Still out at close: closed on release. Closing again does nothing. */
  gopod_resource_pool_release (p, b);
  g_assert_cmpuint (closed_count (pool), ==, 2);
  gopod_resource_pool_close (p);
  g_assert_cmpuint (closed_count (pool), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 2);
}

static void
test_factory_error (PoolFixture   *fixture,
                    gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GError) error = NULL;
  GObject *resource;

  set_fail_next (pool, 1, FALSE);
  resource = gopod_resource_pool_acquire (p, NULL, &error);
  g_assert_null (resource);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  /* Failing without an error is GOPOD_ERROR_FAILED. */
  set_fail_next (pool, 1, TRUE);
  resource = gopod_resource_pool_acquire (p, NULL, &error);
  g_assert_null (resource);
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_clear_error (&error);

  /* The slot of max-size 1 was freed each time. */
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 0);
  resource = gopod_resource_pool_acquire (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (resource);
  g_assert_cmpuint (gopod_resource_pool_get_waited (p), ==, 0);
  gopod_resource_pool_release (p, resource);
  g_object_unref (resource);
}

/* A destroyed resource frees its slot for the first waiter; when that
 * waiter's factory fails, it gets the error and the slot passes on. */
static void
test_factory_error_frees_slot_for_waiter (PoolFixture   *fixture,
                                          gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) held = gopod_resource_pool_acquire (p, NULL, NULL);
  GMutex order_lock;
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  Acquirer a[2] = { { 0, }, };
  GThread *threads[2];

  g_mutex_init (&order_lock);
  for (int i = 0; i < 2; i++)
    {
      a[i] = (Acquirer) { .pool = p, .index = i, .order_lock = &order_lock, .order = order };
      threads[i] = g_thread_new ("acquirer", acquirer_thread, &a[i]);
      wait_for_waited (p, i + 1);
    }

  set_fail_next (pool, 1, FALSE);
  gopod_resource_pool_destroy (p, held);
  for (int i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  g_assert_error (a[0].error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_no_error (a[1].error);
  g_assert_cmpuint (order->len, ==, 1);
  g_assert_cmpint (g_array_index (order, int, 0), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
  g_clear_error (&a[0].error);
  g_mutex_clear (&order_lock);
}

static void
test_factory_thread (PoolFixture   *fixture,
                     gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  Acquirer a = { .pool = GOPOD_RESOURCE_POOL (pool), .keep = TRUE };
  GThread *thread = g_thread_new ("acquirer", acquirer_thread, &a);

  g_thread_join (thread);
  g_assert_no_error (a.error);
  g_assert_true (pool->create_thread == thread);
  gopod_resource_pool_release (a.pool, a.resource);
  g_object_unref (a.resource);
}

static void
test_max_size_waits (PoolFixture   *fixture,
                     gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) a = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GObject) b = gopod_resource_pool_acquire (p, NULL, NULL);
  Acquirer waiter = { .pool = p, .keep = TRUE };
  GThread *thread;

  thread = g_thread_new ("acquirer", acquirer_thread, &waiter);
  wait_for_waited (p, 1);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 2);

  gopod_resource_pool_release (p, b);
  g_thread_join (thread);
  g_assert_no_error (waiter.error);
  g_assert_true (waiter.resource == b);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_acquired (p), ==, 3);
  g_assert_cmpuint (gopod_resource_pool_get_waited (p), ==, 1);

  gopod_resource_pool_release (p, a);
  gopod_resource_pool_release (p, waiter.resource);
  g_object_unref (waiter.resource);
}

static void
test_max_size_raised (PoolFixture   *fixture,
                      gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) a = gopod_resource_pool_acquire (p, NULL, NULL);
  Acquirer waiter = { .pool = p, .keep = TRUE };
  GThread *thread;

  thread = g_thread_new ("acquirer", acquirer_thread, &waiter);
  wait_for_waited (p, 1);
  gopod_resource_pool_set_max_size (p, 2);
  g_thread_join (thread);
  g_assert_no_error (waiter.error);
  g_assert_true (waiter.resource != a);
  g_assert_true (pool->create_thread == thread);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 2);

  gopod_resource_pool_release (p, a);
  gopod_resource_pool_release (p, waiter.resource);
  g_object_unref (waiter.resource);
}

static void
test_waiter_order (PoolFixture   *fixture,
                   gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) held = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  GMutex order_lock;
  Acquirer a[5];
  GThread *threads[5];

  g_mutex_init (&order_lock);
  for (int i = 0; i < 5; i++)
    {
      a[i] = (Acquirer) { .pool = p, .index = i, .order_lock = &order_lock, .order = order };
      threads[i] = g_thread_new ("acquirer", acquirer_thread, &a[i]);
      wait_for_waited (p, i + 1);
    }

  gopod_resource_pool_release (p, held);
  for (int i = 0; i < 5; i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (a[i].error);
    }

  g_assert_cmpuint (order->len, ==, 5);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (g_array_index (order, int, i), ==, i);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_waited (p), ==, 5);
  g_mutex_clear (&order_lock);
}

/* The middle one of three waiters is cancelled: it gets
 * G_IO_ERROR_CANCELLED and the others keep their order. */
static void
test_cancel_waiter (PoolFixture   *fixture,
                    gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) held = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GMutex order_lock;
  Acquirer a[3];
  GThread *threads[3];

  g_mutex_init (&order_lock);
  for (int i = 0; i < 3; i++)
    {
      a[i] = (Acquirer) { .pool = p, .index = i, .order_lock = &order_lock, .order = order,
                          .cancellable = i == 1 ? cancellable : NULL };
      threads[i] = g_thread_new ("acquirer", acquirer_thread, &a[i]);
      wait_for_waited (p, i + 1);
    }

  g_cancellable_cancel (cancellable);
  g_thread_join (threads[1]);
  g_assert_error (a[1].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&a[1].error);
  g_assert_cmpuint (order->len, ==, 0);

  gopod_resource_pool_release (p, held);
  g_thread_join (threads[0]);
  g_thread_join (threads[2]);
  g_assert_no_error (a[0].error);
  g_assert_no_error (a[2].error);
  g_assert_cmpuint (order->len, ==, 2);
  g_assert_cmpint (g_array_index (order, int, 0), ==, 0);
  g_assert_cmpint (g_array_index (order, int, 1), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 0);
  g_mutex_clear (&order_lock);
}

static void
test_acquire_timeout (PoolFixture   *fixture,
                      gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) held = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GError) error = NULL;
  GObject *resource;

  g_object_set (p, "acquire-timeout-ms", 20, NULL);
  g_assert_cmpuint (gopod_resource_pool_get_acquire_timeout_ms (p), ==, 20);

  /* Blocking, on the main thread, with no main loop running. */
  resource = gopod_resource_pool_acquire (p, NULL, &error);
  g_assert_null (resource);
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_cmpuint (gopod_resource_pool_get_waited (p), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 1);

  /* The timed-out waiter is gone: a release makes the resource idle. */
  gopod_resource_pool_release (p, held);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
}

static void
test_close_wakes_waiters (PoolFixture   *fixture,
                          gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) held = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Acquirer a[3];
  GThread *threads[3];

  for (int i = 0; i < 3; i++)
    {
      a[i] = (Acquirer) { .pool = p, .index = i };
      threads[i] = g_thread_new ("acquirer", acquirer_thread, &a[i]);
    }
  gopod_resource_pool_acquire_async (p, NULL, test_store_result, &result);
  wait_for_waited (p, 4);

  gopod_resource_pool_close (p);
  for (int i = 0; i < 3; i++)
    {
      g_thread_join (threads[i]);
      g_assert_error (a[i].error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
      g_clear_error (&a[i].error);
    }
  test_wait_for_result (NULL, &result, 5000);
  g_assert_null (gopod_resource_pool_acquire_finish (p, result, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);

  g_assert_cmpuint (closed_count (pool), ==, 0);
  gopod_resource_pool_release (p, held);
  g_assert_cmpuint (closed_count (pool), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 1);
}

static void
test_async (PoolFixture   *fixture,
            gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) waiting = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) first = NULL;
  g_autoptr(GObject) second = NULL;

  /* The factory runs on the caller's context, here the main thread. */
  gopod_resource_pool_acquire_async (p, NULL, test_store_result, &result);
  g_assert_null (result);
  g_assert_cmpint (g_atomic_int_get (&pool->creates), ==, 0);
  test_wait_for_result (NULL, &result, 5000);
  first = gopod_resource_pool_acquire_finish (p, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_true (pool->create_thread == g_thread_self ());

  /* At max-size: waits, and gets the resource a thread releases. */
  gopod_resource_pool_acquire_async (p, NULL, test_store_result, &waiting);
  g_assert_cmpuint (gopod_resource_pool_get_waited (p), ==, 1);
  gopod_resource_pool_release (p, first);
  test_wait_for_result (NULL, &waiting, 5000);
  second = gopod_resource_pool_acquire_finish (p, waiting, &error);
  g_assert_no_error (error);
  g_assert_true (second == first);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 1);
  gopod_resource_pool_release (p, second);
}

static void
test_async_cancel_and_timeout (PoolFixture   *fixture,
                               gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) held = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) cancelled = NULL;
  g_autoptr(GAsyncResult) timed_out = NULL;
  g_autoptr(GError) error = NULL;

  gopod_resource_pool_acquire_async (p, cancellable, test_store_result, &cancelled);
  g_cancellable_cancel (cancellable);
  test_wait_for_result (NULL, &cancelled, 5000);
  g_assert_null (gopod_resource_pool_acquire_finish (p, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  gopod_resource_pool_set_acquire_timeout_ms (p, 20);
  gopod_resource_pool_acquire_async (p, NULL, test_store_result, &timed_out);
  test_wait_for_result (NULL, &timed_out, 5000);
  g_assert_null (gopod_resource_pool_acquire_finish (p, timed_out, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);

  g_assert_cmpuint (gopod_resource_pool_get_waited (p), ==, 2);
  gopod_resource_pool_release (p, held);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
}

/* Idle resources older than max-idle-time-ms are closed by a timer, with no
 * main loop running, oldest first, one deadline at a time. */
static void
test_idle_timer (PoolFixture   *fixture,
                 gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) a = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GObject) b = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GObject) c = gopod_resource_pool_acquire (p, NULL, NULL);

  gopod_resource_pool_set_max_idle_time_ms (p, 300);
  gopod_resource_pool_release (p, a);
  g_usleep (200 * 1000);
  gopod_resource_pool_release (p, b);

  wait_closed (pool, 1);
  g_assert_cmpint (closed_id (pool, 0), ==, resource_id (a));
  /* b has about 200 ms to go. */
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);

  wait_closed (pool, 2);
  g_assert_cmpint (closed_id (pool, 1), ==, resource_id (b));
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 0);

  /* In use never expires; 0 keeps idle ones for ever. */
  gopod_resource_pool_set_max_idle_time_ms (p, 0);
  gopod_resource_pool_release (p, c);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
  g_assert_cmpuint (closed_count (pool), ==, 2);

  /* Lowering the limit arms the timer for what is already idle. */
  gopod_resource_pool_set_max_idle_time_ms (p, 1);
  wait_closed (pool, 3);
  g_assert_cmpint (closed_id (pool, 2), ==, resource_id (c));
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_created (p), ==, 3);
}

typedef struct
{
  GMutex    lock;
  GCond     cond;
  gboolean  handed;        /* the timer handed the expiry to the context */
  GThread  *close_thread;  /* where close ran */
} ExpiryWatch;

static void
expiry_handed (gpointer data)
{
  ExpiryWatch *watch = data;

  g_mutex_lock (&watch->lock);
  watch->handed = TRUE;
  g_cond_signal (&watch->cond);
  g_mutex_unlock (&watch->lock);
}

static void
record_close_thread (GopodResourcePool *pool,
                     GObject           *resource,
                     gpointer           data)
{
  ExpiryWatch *watch = data;

  g_mutex_lock (&watch->lock);
  watch->close_thread = g_thread_self ();
  g_mutex_unlock (&watch->lock);
}

static gboolean
pool_has_no_idle (gpointer pool)
{
  return gopod_resource_pool_get_idle (pool) == 0;
}

/* The longest max-idle-time-ms arms its timer that far ahead, also for a
 * resource stamped a clock tick ahead: released while nothing expired, its
 * stamp is the coarse clock's, moved forward by its resolution (internals
 * rule RP6). The delay in ms must not wrap round to a few ms, which woke
 * the timer thread and handed an expiry to the context at once. */
static void
test_idle_timer_longest_limit (PoolFixture   *fixture,
                               gconstpointer  data)
{
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (fixture->pool);
  GopodResourcePoolPrivate *priv = POOL_PRIV (p);
  g_autoptr(GObject) resource = gopod_resource_pool_acquire (p, NULL, NULL);
  gint64 ready, now;

  gopod_resource_pool_release (p, resource);
  /* What a coarse stamp can be: one tick (4 ms here) after the release.
   * Set here so that the test does not depend on how fast it runs. */
  g_mutex_lock (&priv->lock);
  ((Entry *) priv->idle.tail->data)->idle_since = g_get_monotonic_time () + 4000;
  g_mutex_unlock (&priv->lock);

  gopod_resource_pool_set_max_idle_time_ms (p, G_MAXUINT);
  now = g_get_monotonic_time ();
  g_mutex_lock (&priv->lock);
  g_assert_nonnull (priv->expiry);
  ready = g_source_get_ready_time (priv->expiry);
  g_mutex_unlock (&priv->lock);
  /* Due in G_MAXUINT ms (49 days), give or take the stamp's tick. */
  g_assert_cmpint (ready - now, >, ((gint64) G_MAXUINT - 1000) * 1000);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
}

/* The expiry goes to the pool's context even when nobody runs it at that
 * instant (a GJS or GApplication loop between two iterations): `close` runs
 * on the thread that runs the context next, not on the timer thread. */
static void
test_idle_expiry_on_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TestPool) pool = NULL;
  ExpiryWatch watch = { 0, };
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  GObject *resource;

  g_mutex_init (&watch.lock);
  g_cond_init (&watch.cond);
  /* The pool's context, owned by nobody once popped: a loop's context
   * between two of its iterations. */
  g_main_context_push_thread_default (context);
  pool = test_pool_new (1, 0);
  g_main_context_pop_thread_default (context);
  pool->close_hook = record_close_thread;
  pool->close_hook_data = &watch;
  gopod_resource_pool_state_set_expiry_test_hook (expiry_handed, &watch);

  resource = gopod_resource_pool_acquire (GOPOD_RESOURCE_POOL (pool), NULL, NULL);
  gopod_resource_pool_set_max_idle_time_ms (GOPOD_RESOURCE_POOL (pool), 1);
  gopod_resource_pool_release (GOPOD_RESOURCE_POOL (pool), resource);
  g_object_unref (resource);

  /* Handed over while nobody runs the context: nothing is closed yet. */
  g_mutex_lock (&watch.lock);
  while (!watch.handed && g_cond_wait_until (&watch.cond, &watch.lock, deadline))
    ;
  g_assert_true (watch.handed);
  g_mutex_unlock (&watch.lock);
  gopod_resource_pool_state_set_expiry_test_hook (NULL, NULL);

  test_iterate_until_holds (context, pool_has_no_idle, pool, 10000);
  g_mutex_lock (&watch.lock);
  g_assert_true (watch.close_thread == g_thread_self ());
  g_mutex_unlock (&watch.lock);

  g_mutex_clear (&watch.lock);
  g_cond_clear (&watch.cond);
}

/* Close runs with no lock held: it may give back another resource. */
static void
release_other (GopodResourcePool *pool,
               GObject           *resource,
               gpointer           data)
{
  GObject **other = data;

  if (*other != NULL && *other != resource)
    gopod_resource_pool_release (pool, g_steal_pointer (other));
}

static GObject *
reentrant_factory (GCancellable  *cancellable,
                   gpointer       user_data,
                   GError       **error)
{
  GopodResourcePool *pool = *(GopodResourcePool **) user_data;

  /* Re-enters the pool from inside the factory. */
  g_assert_cmpuint (gopod_resource_pool_get_in_use (pool), ==, 0);
  gopod_resource_pool_set_size (pool, 2);
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static void
test_reentrant (PoolFixture   *fixture,
                gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GObject) a = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GObject) b = gopod_resource_pool_acquire (p, NULL, NULL);
  g_autoptr(GObject) c = gopod_resource_pool_acquire (p, NULL, NULL);
  GObject *other = c;
  GopodResourcePool *fpool = NULL;
  GObject *made;

  pool->close_hook = release_other;
  pool->close_hook_data = &other;
  gopod_resource_pool_release (p, a);
  /* Closed (size 1); its close releases c, which is closed too. */
  gopod_resource_pool_release (p, b);
  g_assert_null (other);
  g_assert_cmpuint (closed_count (pool), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (p), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_idle (p), ==, 1);
  /* The hook points into this frame; the fixture's pool outlives it. */
  pool->close_hook = NULL;

  fpool = gopod_resource_pool_new (reentrant_factory, &fpool, NULL, 1);
  made = gopod_resource_pool_acquire (fpool, NULL, NULL);
  g_assert_nonnull (made);
  g_assert_cmpuint (gopod_resource_pool_get_size (fpool), ==, 2);
  gopod_resource_pool_release (fpool, made);
  g_object_unref (made);
  g_object_unref (fpool);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  GHashTable *counts = data;
  const char *name = g_param_spec_get_name (pspec);

  g_hash_table_insert (counts, (gpointer) name,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, name)) + 1));
}

static guint
notified (GHashTable *counts,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

/* Notifications arrive on the context the pool was made on (here the
 * default one), coalesced, when it runs. */
static void
flush_notifications (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_notify (PoolFixture   *fixture,
             gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GObject *resource;

  g_signal_connect (pool, "notify", G_CALLBACK (count_notify), counts);

  resource = gopod_resource_pool_acquire (p, NULL, NULL);
  flush_notifications ();
  g_assert_cmpuint (notified (counts, "in-use"), ==, 1);
  g_assert_cmpuint (notified (counts, "created"), ==, 1);
  g_assert_cmpuint (notified (counts, "acquired"), ==, 1);
  g_assert_cmpuint (notified (counts, "idle"), ==, 0);

  gopod_resource_pool_release (p, resource);
  g_object_unref (resource);
  flush_notifications ();
  g_assert_cmpuint (notified (counts, "in-use"), ==, 2);
  g_assert_cmpuint (notified (counts, "idle"), ==, 1);

  /* Only on change. */
  gopod_resource_pool_set_size (p, 1);
  gopod_resource_pool_set_max_size (p, 0);
  flush_notifications ();
  g_assert_cmpuint (notified (counts, "size"), ==, 0);
  g_assert_cmpuint (notified (counts, "max-size"), ==, 0);
  g_object_set (p, "size", 3, "max-size", 5, "acquire-timeout-ms", 7, "max-idle-time-ms", 0, NULL);
  flush_notifications ();
  g_assert_cmpuint (notified (counts, "size"), ==, 1);
  g_assert_cmpuint (notified (counts, "max-size"), ==, 1);
  g_assert_cmpuint (notified (counts, "acquire-timeout-ms"), ==, 1);
  g_assert_cmpuint (notified (counts, "max-idle-time-ms"), ==, 0);

  gopod_resource_pool_close (p);
  gopod_resource_pool_close (p);
  flush_notifications ();
  g_assert_cmpuint (notified (counts, "closed"), ==, 1);
  g_assert_cmpuint (notified (counts, "idle"), ==, 2);
  g_assert_cmpuint (notified (counts, "waited"), ==, 0);
}

/* A resource still out keeps the pool alive; the last release closes it. */
static void
count_close (GopodResourcePool *pool,
             GObject           *resource,
             gpointer           data)
{
  (*(guint *) data)++;
}

static void
test_outlives_user_ref (void)
{
  TestPool *pool = test_pool_new (1, 0);
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  GObject *resource = gopod_resource_pool_acquire (p, NULL, NULL);
  guint closed = 0;

  pool->close_hook = count_close;
  pool->close_hook_data = &closed;
  g_object_add_weak_pointer (G_OBJECT (pool), (gpointer *) &pool);
  g_object_unref (p);
  g_assert_nonnull (pool);

  /* Kept idle, then closed when the pool goes. */
  gopod_resource_pool_release (p, resource);
  g_assert_null (pool);
  g_assert_cmpuint (closed, ==, 1);
  g_object_unref (resource);
}

/* Two threads give back the last resources of a pool its user dropped.
 * The one that is not last closes its resource (the idle ones fill @size)
 * and is held in close by a gate while the other gives back the last one:
 * the pool must still be alive for the first when it leaves close. */
typedef struct
{
  GopodResourcePool *pool;
  GObject           *resource;
  TestGate           gate;
} Release;

static void
block_in_close (GopodResourcePool *pool,
                GObject           *resource,
                gpointer           data)
{
  Release *release = data;

  if (resource == release->resource)
    test_gate_pass (&release->gate);
}

static gpointer
release_in_thread (gpointer data)
{
  Release *release = data;

  gopod_resource_pool_release (release->pool, release->resource);
  return NULL;
}

static void
test_released_by_two_threads (gconstpointer data)
{
  guint size = GPOINTER_TO_UINT (data);
  TestPool *pool = test_pool_new (size, 0);
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  GPtrArray *resources = g_ptr_array_new_with_free_func (g_object_unref);
  GObject *last;
  Release release;
  GThread *thread;
  GWeakRef weak;
  guint i;

  for (i = 0; i < size + 2; i++)
    g_ptr_array_add (resources, gopod_resource_pool_acquire (p, NULL, NULL));
  for (i = 2; i < size + 2; i++)
    gopod_resource_pool_release (p, resources->pdata[i]);

  release.pool = p;
  release.resource = resources->pdata[0];
  last = resources->pdata[1];
  test_gate_init (&release.gate);
  pool->close_hook = block_in_close;
  pool->close_hook_data = &release;
  g_weak_ref_init (&weak, pool);
  g_object_unref (p);

  thread = g_thread_new ("test-release", release_in_thread, &release);
  test_gate_wait_for_waiters (&release.gate, 1);
  gopod_resource_pool_release (p, last);
  {
    g_autoptr(GObject) alive = g_weak_ref_get (&weak);

    /* The first release, still in close, holds the pool. */
    g_assert_nonnull (alive);
  }

  test_gate_open (&release.gate);
  g_thread_join (thread);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
  test_gate_clear (&release.gate);
  g_ptr_array_unref (resources);
}

/* A factory that drops the last reference to its pool while a blocking
 * acquire runs it: acquire holds a reference of its own until it is done. */
static void
drop_pool_in_create (GopodResourcePool *pool,
                     gpointer           data)
{
  GWeakRef *weak = data;
  g_autoptr(GObject) alive = NULL;

  TEST_POOL (pool)->create_hook = NULL;
  g_object_unref (pool);
  alive = g_weak_ref_get (weak);
  g_assert_nonnull (alive);
}

static void
test_factory_drops_last_ref (void)
{
  TestPool *pool = test_pool_new (1, 0);
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GError) error = NULL;
  GObject *resource;
  GWeakRef weak;

  g_weak_ref_init (&weak, pool);
  pool->create_hook = drop_pool_in_create;
  pool->create_hook_data = &weak;
  resource = gopod_resource_pool_acquire (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (resource);

  /* In use, the resource keeps the pool; given back, it was the last. */
  gopod_resource_pool_release (p, resource);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
  g_object_unref (resource);
}

/* A factory that acquires from its own full pool would wait for itself:
 * refused with a critical and an error. The pool's acquire timeout only
 * turns a wait that was entered into a failure instead of a hang. */
static void
acquire_own_pool_in_create (GopodResourcePool *pool,
                            gpointer           data)
{
  GError **error = data;

  TEST_POOL (pool)->create_hook = NULL;
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*acquires from its own pool*");
  g_assert_null (gopod_resource_pool_acquire (pool, NULL, error));
  g_test_assert_expected_messages ();
}

static void
test_factory_acquires_own_full_pool (PoolFixture   *fixture,
                                     gconstpointer  data)
{
  TestPool *pool = fixture->pool;
  GopodResourcePool *p = GOPOD_RESOURCE_POOL (pool);
  g_autoptr(GError) inner_error = NULL;
  g_autoptr(GObject) resource = NULL;

  gopod_resource_pool_set_acquire_timeout_ms (p, 10000);
  pool->create_hook = acquire_own_pool_in_create;
  pool->create_hook_data = &inner_error;
  resource = gopod_resource_pool_acquire (p, NULL, NULL);
  g_assert_nonnull (resource);
  g_assert_error (inner_error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  gopod_resource_pool_release (p, resource);
}

/* The factory's destroy notify of a pool finalized on another thread runs
 * on the pool's context while a loop runs it: a JavaScript factory's closure
 * is released on its own thread. */
typedef struct
{
  GThread *thread;
  gboolean done;
} DestroySeen;

static GObject *
plain_factory (GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static void
record_destroy (gpointer data)
{
  DestroySeen *seen = data;

  seen->thread = g_thread_self ();
  seen->done = TRUE;
}

/* Drops the last reference once the main thread is inside its loop. */
static gpointer
unref_while_context_runs (gpointer data)
{
  while (g_main_context_acquire (NULL))
    {
      g_main_context_release (NULL);
      g_thread_yield ();
    }
  g_object_unref (data);
  return NULL;
}

static void
test_factory_destroy_on_context (void)
{
  DestroySeen seen = { NULL, FALSE };
  GopodResourcePool *pool = gopod_resource_pool_new (plain_factory, &seen, record_destroy, 1);
  GThread *thread = g_thread_new ("test-unref", unref_while_context_runs, pool);

  test_iterate_until (NULL, &seen.done, 10000);
  g_thread_join (thread);
  g_assert_true (seen.thread == g_thread_self ());
}

static gpointer
unref_in_thread (gpointer pool)
{
  g_object_unref (pool);
  return NULL;
}

/* The same while no loop runs the pool's context at that moment: the
 * notify waits for the pool's thread (rule RP6) instead of running in the
 * finalizing one. */
static void
test_factory_destroy_on_pool_thread (void)
{
  DestroySeen seen = { NULL, FALSE };
  GopodResourcePool *pool = gopod_resource_pool_new (plain_factory, &seen, record_destroy, 1);

  g_thread_join (g_thread_new ("test-unref", unref_in_thread, pool));
  g_assert_false (seen.done);

  test_iterate_until (NULL, &seen.done, 10000);
  g_assert_true (seen.thread == g_thread_self ());
}

/* --- stress --- */

typedef struct
{
  GopodResourcePool *pool;
  guint              iterations;
  guint              max_size;
  guint32            rand_init;
  gint              *out;        /* atomic: resources held right now */
  gint              *max_out;    /* atomic */
  gint               destroyed;
} Stress;

static gpointer
stress_thread (gpointer data)
{
  Stress *s = data;
  GRand *rand = g_rand_new_with_seed (s->rand_init);

  for (guint i = 0; i < s->iterations; i++)
    {
      GError *error = NULL;
      GObject *resource = gopod_resource_pool_acquire (s->pool, NULL, &error);
      gint *busy;
      gint now;

      g_assert_no_error (error);
      busy = g_object_get_data (resource, "busy");
      /* Never handed to two holders at once. */
      g_assert_true (g_atomic_int_compare_and_exchange (busy, 0, 1));

      now = g_atomic_int_add (s->out, 1) + 1;
      g_assert_cmpint (now, <=, (gint) s->max_size);
      for (gint seen = g_atomic_int_get (s->max_out);
           now > seen && !g_atomic_int_compare_and_exchange (s->max_out, seen, now);
           seen = g_atomic_int_get (s->max_out))
        ;
      /* Hold it a moment, so holders overlap even on two cores. */
      g_thread_yield ();

      g_atomic_int_add (s->out, -1);
      g_atomic_int_set (busy, 0);
      if (g_rand_int_range (rand, 0, 10) == 0)
        {
          gopod_resource_pool_destroy (s->pool, resource);
          s->destroyed++;
        }
      else
        gopod_resource_pool_release (s->pool, resource);
      g_object_unref (resource);
    }

  g_rand_free (rand);
  return NULL;
}

static void
count_finalized (gpointer  data,
                 GObject  *where_the_object_was)
{
  g_atomic_int_inc ((gint *) data);
}

static GObject *
stress_factory_counting (GCancellable  *cancellable,
                         gpointer       user_data,
                         GError       **error)
{
  GObject *resource = g_object_new (G_TYPE_OBJECT, NULL);

  g_object_set_data_full (resource, "busy", g_new0 (gint, 1), g_free);
  g_object_weak_ref (resource, count_finalized, user_data);
  return resource;
}

static void
test_stress (void)
{
  const guint n_threads = 8;
  const guint max_size = 4;
  guint iterations = g_getenv ("GOPOD_TEST_QUICK") != NULL ? 1000 : 10000;
  gint finalized = 0;
  gint out = 0, max_out = 0;
  GopodResourcePool *pool;
  GThread *threads[8];
  Stress stress[8];
  guint destroyed = 0;

  pool = gopod_resource_pool_new (stress_factory_counting, &finalized, NULL, 2);
  gopod_resource_pool_set_max_size (pool, max_size);

  for (guint i = 0; i < n_threads; i++)
    {
      stress[i] = (Stress) { .pool = pool, .iterations = iterations, .max_size = max_size,
                             .rand_init = g_test_rand_int (), .out = &out, .max_out = &max_out };
      threads[i] = g_thread_new ("stress", stress_thread, &stress[i]);
    }
  for (guint i = 0; i < n_threads; i++)
    {
      g_thread_join (threads[i]);
      destroyed += stress[i].destroyed;
    }

  g_test_message ("created %" G_GUINT64_FORMAT ", waited %" G_GUINT64_FORMAT
                  ", destroyed %u, most held at once %d",
                  gopod_resource_pool_get_created (pool),
                  gopod_resource_pool_get_waited (pool), destroyed, max_out);
  g_assert_cmpint (max_out, <=, (gint) max_size);
  g_assert_cmpuint (gopod_resource_pool_get_in_use (pool), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_acquired (pool), ==, (guint64) n_threads * iterations);
  g_assert_cmpuint (gopod_resource_pool_get_idle (pool), <=, 2);
  g_assert_cmpuint (gopod_resource_pool_get_created (pool), >=, destroyed);

  gopod_resource_pool_close (pool);
  g_assert_cmpuint (gopod_resource_pool_get_idle (pool), ==, 0);
  /* Every resource made was closed (here: finalized) once the pool is. */
  g_assert_cmpuint (gopod_resource_pool_get_created (pool), ==, (guint64) g_atomic_int_get (&finalized));
  g_object_unref (pool);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/ResourcePool/new", test_new);
  g_test_add_func ("/Gopod/ResourcePool/new-bad-input", test_new_bad_input);
  g_test_add_func ("/Gopod/ResourcePool/factory-destroy-on-pool-thread", test_factory_destroy_on_pool_thread);
  g_test_add_func ("/Gopod/ResourcePool/acquire-release", test_acquire_release);
  g_test_add_func ("/Gopod/ResourcePool/no-factory", test_no_factory);
  g_test_add ("/Gopod/ResourcePool/size", PoolFixture, &pool_2_0,
              pool_fixture_setup, test_size, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/destroy", PoolFixture, &pool_2_0,
              pool_fixture_setup, test_destroy, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/bad-release", PoolFixture, &pool_2_0,
              pool_fixture_setup, test_bad_release, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/close", PoolFixture, &pool_2_0,
              pool_fixture_setup, test_close, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/factory-error", PoolFixture, &pool_2_1,
              pool_fixture_setup, test_factory_error, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/factory-error-frees-slot-for-waiter", PoolFixture, &pool_1_1,
              pool_fixture_setup, test_factory_error_frees_slot_for_waiter, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/factory-thread", PoolFixture, &pool_1_0,
              pool_fixture_setup, test_factory_thread, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/max-size-waits", PoolFixture, &pool_1_2,
              pool_fixture_setup, test_max_size_waits, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/max-size-raised", PoolFixture, &pool_2_1,
              pool_fixture_setup, test_max_size_raised, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/waiter-order", PoolFixture, &pool_1_1,
              pool_fixture_setup, test_waiter_order, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/cancel-waiter", PoolFixture, &pool_1_1,
              pool_fixture_setup, test_cancel_waiter, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/acquire-timeout", PoolFixture, &pool_1_1,
              pool_fixture_setup, test_acquire_timeout, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/close-wakes-waiters", PoolFixture, &pool_1_1,
              pool_fixture_setup, test_close_wakes_waiters, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/async", PoolFixture, &pool_1_1,
              pool_fixture_setup, test_async, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/async-cancel-and-timeout", PoolFixture, &pool_1_1,
              pool_fixture_setup, test_async_cancel_and_timeout, pool_fixture_teardown);
  g_test_add_func ("/Gopod/ResourcePool/idle-expiry-on-context", test_idle_expiry_on_context);
  g_test_add ("/Gopod/ResourcePool/idle-timer", PoolFixture, &pool_3_0,
              pool_fixture_setup, test_idle_timer, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/idle-timer-longest-limit", PoolFixture, &pool_1_0,
              pool_fixture_setup, test_idle_timer_longest_limit, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/reentrant", PoolFixture, &pool_1_0,
              pool_fixture_setup, test_reentrant, pool_fixture_teardown);
  g_test_add ("/Gopod/ResourcePool/notify", PoolFixture, &pool_1_0,
              pool_fixture_setup, test_notify, pool_fixture_teardown);
  g_test_add_func ("/Gopod/ResourcePool/outlives-user-ref", test_outlives_user_ref);
  g_test_add_data_func ("/Gopod/ResourcePool/released-by-two-threads/size-1",
                        GUINT_TO_POINTER (1), test_released_by_two_threads);
  g_test_add_data_func ("/Gopod/ResourcePool/released-by-two-threads/size-64",
                        GUINT_TO_POINTER (64), test_released_by_two_threads);
  g_test_add_func ("/Gopod/ResourcePool/factory-drops-last-ref", test_factory_drops_last_ref);
  g_test_add ("/Gopod/ResourcePool/factory-acquires-own-full-pool", PoolFixture, &pool_1_1,
              pool_fixture_setup, test_factory_acquires_own_full_pool, pool_fixture_teardown);
  g_test_add_func ("/Gopod/ResourcePool/factory-destroy-on-context", test_factory_destroy_on_context);
  g_test_add_func ("/Gopod/ResourcePool/stress", test_stress);

  return g_test_run ();
}
