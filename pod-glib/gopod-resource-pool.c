/* gopod-resource-pool.c: a pool of shared resources (connections, buffers)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-resource-pool-private.h"

#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-notify-private.h"
#include "gopod-release-private.h"
#include "gopod-timer-private.h"

/**
 * GopodResourcePool:
 *
 * A pool of resources shared by many threads: database connections, network
 * clients, large buffers. It is the `pool` of *Go in Action* with
 * what puddle and pgxpool users rely on added: a bound on the total number of
 * resources, waiting with a timeout and a cancellable, destroying a broken
 * resource, and closing resources left idle too long.
 *
 * [method@Gopod.ResourcePool.acquire] hands out an idle resource, or makes a
 * new one with the factory (or the `create` virtual method of a subclass).
 * Once [property@Gopod.ResourcePool:max-size] resources exist, it waits for
 * one to come back; waiters are served in the order they arrived.
 * [method@Gopod.ResourcePool.release] gives a resource back: it is kept idle
 * if fewer than [property@Gopod.ResourcePool:size] are idle, and closed
 * otherwise. [method@Gopod.ResourcePool.destroy] closes a broken resource
 * instead of keeping it.
 *
 * ```c
 * g_autoptr(GopodResourcePool) pool = gopod_resource_pool_new (open_connection, NULL, NULL, 2);
 * g_autoptr(GObject) conn = gopod_resource_pool_acquire (pool, NULL, &error);
 *
 * if (conn != NULL)
 *   {
 *     run_query (conn);
 *     gopod_resource_pool_release (pool, conn);
 *   }
 * gopod_resource_pool_close (pool);
 * ```
 *
 * The pool keeps its own reference to every resource it handed out; a
 * resource still out keeps the pool alive. Factories and `close` run with no
 * pool lock held, so they may call back into the pool.
 *
 * Since: 1.0
 */

G_DEFINE_TYPE_WITH_PRIVATE (GopodResourcePool, gopod_resource_pool, G_TYPE_OBJECT)

/* Where the private part is, for gopod-resource-pool-state.c too: GLib's own
 * offset is static to this file. Set in class_init, before any instance. */
gint gopod_resource_pool_private_offset;

static GParamSpec *properties[N_PROPS];

const char gopod_resource_pool_slot_grant[] = "slot";
const char gopod_resource_pool_closed_grant[] = "closed";

/* --- waiting (internals rule RP4) --- */

/* Called with the lock held: queues @waiter behind the others, with the
 * caller's cancellable and the pool's acquire timeout. */
static void
resource_pool_wait_push_locked (GopodResourcePool *self,
                                GopodWaiter       *waiter,
                                GCancellable      *cancellable)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  gopod_waiter_set_cancellable (waiter, cancellable, GOPOD_WAIT_CANCELLED);
  if (priv->acquire_timeout_ms > 0)
    gopod_waiter_set_deadline (waiter,
                               g_get_monotonic_time () + (gint64) priv->acquire_timeout_ms * 1000,
                               GOPOD_WAIT_TIMEOUT);
  priv->waited++;
  gopod_wait_list_push (&priv->waiters, &waiter->link, GOPOD_WAIT_FIRED, NULL);
}

/* What a wait ended with: a resource, SLOT_GRANT, or NULL with @error. */
static gpointer
resource_pool_wait_outcome (gint      code,
                            gpointer  grant,
                            guint     timeout_ms,
                            GError  **error)
{
  if (code == GOPOD_WAIT_TIMEOUT)
    g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT,
                 "No resource became available within %u ms", timeout_ms);
  else if (code != GOPOD_WAIT_FIRED)
    gopod_wait_set_error (code, error);
  else if (grant == CLOSED_GRANT)
    g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                         "The resource pool was closed");
  else
    return grant;

  return NULL;
}

static void
resource_pool_complete_async (GTask   *task,
                              GObject *resource,
                              GError  *error)
{
  if (resource != NULL)
    g_task_return_pointer (task, resource, g_object_unref);
  else
    g_task_return_error (task, error);
}

static gboolean
resource_pool_create_for_task (gpointer data)
{
  GTask *task = data;
  GError *error = NULL;
  GObject *resource;

  resource = gopod_resource_pool_state_create (g_task_get_source_object (task),
                                               g_task_get_cancellable (task), &error);
  resource_pool_complete_async (task, resource, error);

  return G_SOURCE_REMOVE;
}

/* The factory of acquire_async runs on the caller's context, from an idle:
 * never inside the call, which must not block, nor in a releasing thread. */
static void
resource_pool_create_later (GTask *task)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_static_name (source, "[pod-glib] create resource");
  g_task_attach_source (task, source, resource_pool_create_for_task);
}

/* An acquire_async waiter was fired: by a release (in that thread), its
 * cancellable or its deadline (on the caller's context). */
static void
resource_pool_wait_complete (GopodWaiter *waiter,
                             gpointer     user_data)
{
  GError *error = NULL;
  gpointer grant = resource_pool_wait_outcome (waiter->code, waiter->link.data,
                                               GPOINTER_TO_UINT (user_data), &error);

  if (grant == SLOT_GRANT)
    resource_pool_create_later (waiter->task);
  else
    resource_pool_complete_async (waiter->task, grant, error);
}

/* Blocks in this thread until the pool hands this waiter something; no main
 * loop needed, none run. Called with the lock held through @out, which it
 * unlocks. */
static gpointer
resource_pool_wait_blocking (GopodResourcePool  *self,
                             GCancellable       *cancellable,
                             PoolOutbox         *out,
                             GError            **error)
{
  guint timeout_ms = POOL_PRIV (self)->acquire_timeout_ms;
  GopodWaiter waiter;
  gpointer grant;
  gint code;

  gopod_waiter_init_blocking (&waiter);
  resource_pool_wait_push_locked (self, &waiter, cancellable);
  gopod_resource_pool_state_unlock (self, out);

  code = gopod_waiter_block (&waiter);
  gopod_waiter_unlink_all (&waiter, NULL);
  grant = waiter.link.data;
  gopod_waiter_clear_blocking (&waiter);

  return resource_pool_wait_outcome (code, grant, timeout_ms, error);
}

/* --- GObject --- */

static GObject *
gopod_resource_pool_real_create (GopodResourcePool  *self,
                                 GCancellable       *cancellable,
                                 GError            **error)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  if (priv->factory == NULL)
    {
      g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                   "%s has no resource factory: give one to gopod_resource_pool_new() "
                   "or override create", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }

  return priv->factory (cancellable, priv->factory_data, error);
}

static void
gopod_resource_pool_real_close (GopodResourcePool *self,
                                GObject           *resource)
{
}

static void
gopod_resource_pool_dispose (GObject *object)
{
  GopodResourcePool *self = GOPOD_RESOURCE_POOL (object);

  /* Nothing is in use or waiting here: both hold a reference. */
  gopod_resource_pool_close (self);
  gopod_notify_clear (&POOL_PRIV (self)->notify);

  G_OBJECT_CLASS (gopod_resource_pool_parent_class)->dispose (object);
}

/* The factory's destroy notify may release a JavaScript closure, which only
 * its own thread may do: a pool finalized elsewhere (by a late release, or
 * the timer) leaves it to the pool's thread (rules RP6, R2). */
static void
resource_pool_destroy_factory (GopodResourcePoolPrivate *priv)
{
  if (gopod_wait_home_is_caller (&priv->home))
    priv->factory_destroy (priv->factory_data);
  else
    gopod_release_on_thread (priv->home.context, priv->home.thread,
                             priv->factory_destroy, priv->factory_data);
}

static void
gopod_resource_pool_finalize (GObject *object)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (GOPOD_RESOURCE_POOL (object));

  g_assert (g_hash_table_size (priv->entries) == 0);
  g_assert (gopod_wait_list_is_empty (&priv->waiters));
  g_hash_table_unref (priv->entries);
  if (priv->factory_destroy != NULL)
    resource_pool_destroy_factory (priv);
  gopod_wait_home_clear (&priv->home);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (gopod_resource_pool_parent_class)->finalize (object);
}

static void
gopod_resource_pool_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GopodResourcePool *self = GOPOD_RESOURCE_POOL (object);

  switch (prop_id)
    {
    case PROP_SIZE:
    case PROP_MAX_SIZE:
    case PROP_ACQUIRE_TIMEOUT_MS:
    case PROP_MAX_IDLE_TIME_MS:
    case PROP_IDLE:
    case PROP_IN_USE:
      g_value_set_uint (value, (guint) gopod_resource_pool_state_get_state (self, prop_id));
      break;

    case PROP_CLOSED:
      g_value_set_boolean (value, (gboolean) gopod_resource_pool_state_get_state (self, prop_id));
      break;

    case PROP_CREATED:
    case PROP_ACQUIRED:
    case PROP_WAITED:
      g_value_set_uint64 (value, gopod_resource_pool_state_get_state (self, prop_id));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_resource_pool_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GopodResourcePool *self = GOPOD_RESOURCE_POOL (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      gopod_resource_pool_set_size (self, g_value_get_uint (value));
      break;

    case PROP_MAX_SIZE:
      gopod_resource_pool_set_max_size (self, g_value_get_uint (value));
      break;

    case PROP_ACQUIRE_TIMEOUT_MS:
      gopod_resource_pool_set_acquire_timeout_ms (self, g_value_get_uint (value));
      break;

    case PROP_MAX_IDLE_TIME_MS:
      gopod_resource_pool_set_max_idle_time_ms (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define DEFAULT_SIZE 4

static void
gopod_resource_pool_class_init (GopodResourcePoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  gopod_resource_pool_private_offset = GopodResourcePool_private_offset;

  object_class->dispose = gopod_resource_pool_dispose;
  object_class->finalize = gopod_resource_pool_finalize;
  object_class->get_property = gopod_resource_pool_get_property;
  object_class->set_property = gopod_resource_pool_set_property;

  klass->create = gopod_resource_pool_real_create;
  klass->close = gopod_resource_pool_real_close;

  /**
   * GopodResourcePool:size:
   *
   * How many idle resources the pool keeps (Go in Action's `size`); a resource
   * released while this many are idle is closed. Lowering it closes the
   * oldest idle resources beyond it.
   *
   * Since: 1.0
   */
  properties[PROP_SIZE] =
    g_param_spec_uint ("size", NULL, NULL, 1, G_MAXUINT, DEFAULT_SIZE, rw);

  /**
   * GopodResourcePool:max-size:
   *
   * The most resources that may exist at once, idle, in use or being made;
   * 0 means no limit. Once reached, acquiring waits for a release.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_SIZE] =
    g_param_spec_uint ("max-size", NULL, NULL, 0, G_MAXUINT, 0, rw);

  /**
   * GopodResourcePool:acquire-timeout-ms:
   *
   * How long an acquire waits at [property@Gopod.ResourcePool:max-size]
   * before failing with %GOPOD_ERROR_TIMEOUT; 0 means as long as it takes.
   * A change applies to acquires that start waiting afterwards.
   *
   * Since: 1.0
   */
  properties[PROP_ACQUIRE_TIMEOUT_MS] =
    g_param_spec_uint ("acquire-timeout-ms", NULL, NULL, 0, G_MAXUINT, 0, rw);

  /**
   * GopodResourcePool:max-idle-time-ms:
   *
   * An idle resource unused for longer than this is closed; 0 keeps idle
   * resources forever. `close` then runs on the pool's main context (the
   * thread-default one at creation), by the thread that runs it next, so
   * that a `close` written in JavaScript runs on its thread; when no loop
   * runs that context, a library timer thread closes them at most 50 ms
   * late, so expiry needs no main loop.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_IDLE_TIME_MS] =
    g_param_spec_uint ("max-idle-time-ms", NULL, NULL, 0, G_MAXUINT, 0, rw);

  /**
   * GopodResourcePool:idle:
   *
   * How many resources are idle in the pool now.
   *
   * Since: 1.0
   */
  properties[PROP_IDLE] =
    g_param_spec_uint ("idle", NULL, NULL, 0, G_MAXUINT, 0, ro);

  /**
   * GopodResourcePool:in-use:
   *
   * How many resources are handed out now.
   *
   * Since: 1.0
   */
  properties[PROP_IN_USE] =
    g_param_spec_uint ("in-use", NULL, NULL, 0, G_MAXUINT, 0, ro);

  /**
   * GopodResourcePool:closed:
   *
   * Whether [method@Gopod.ResourcePool.close] was called.
   *
   * Since: 1.0
   */
  properties[PROP_CLOSED] =
    g_param_spec_boolean ("closed", NULL, NULL, FALSE, ro);

  /**
   * GopodResourcePool:created:
   *
   * How many resources the factory made successfully.
   *
   * Since: 1.0
   */
  properties[PROP_CREATED] =
    g_param_spec_uint64 ("created", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * GopodResourcePool:acquired:
   *
   * How many acquires returned a resource.
   *
   * Since: 1.0
   */
  properties[PROP_ACQUIRED] =
    g_param_spec_uint64 ("acquired", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  /**
   * GopodResourcePool:waited:
   *
   * How many acquires had to wait because
   * [property@Gopod.ResourcePool:max-size] resources existed.
   *
   * Since: 1.0
   */
  properties[PROP_WAITED] =
    g_param_spec_uint64 ("waited", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gopod_resource_pool_init (GopodResourcePool *self)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  g_mutex_init (&priv->lock);
  priv->entries = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_queue_init (&priv->idle);
  gopod_wait_list_init (&priv->waiters, &priv->lock);
  gopod_wait_home_init (&priv->home);
  priv->size = DEFAULT_SIZE;
  gopod_notify_init (&priv->notify, G_OBJECT (self), properties, N_PROPS);
  gopod_notify_prepare (&priv->notify);
}

/* --- public API --- */

/**
 * gopod_resource_pool_new:
 * @factory: (scope notified) (closure user_data) (destroy destroy): makes a
 *   new resource when none is idle
 * @user_data: data for @factory
 * @destroy: (nullable): frees @user_data when the pool is finalized
 * @size: how many idle resources to keep; at least 1
 *
 * Creates a pool that makes its resources with @factory (Go in Action's
 * `New(factory, size)`).
 *
 * Returns: (transfer full): a new pool
 *
 * Since: 1.0
 */
GopodResourcePool *
gopod_resource_pool_new (GopodResourceFactory factory,
                         gpointer             user_data,
                         GDestroyNotify       destroy,
                         guint                size)
{
  GopodResourcePool *self;
  GopodResourcePoolPrivate *priv;

  g_return_val_if_fail (factory != NULL, NULL);
  g_return_val_if_fail (size > 0, NULL);

  self = g_object_new (GOPOD_TYPE_RESOURCE_POOL, "size", size, NULL);
  priv = POOL_PRIV (self);
  priv->factory = factory;
  priv->factory_data = user_data;
  priv->factory_destroy = destroy;

  return self;
}

/**
 * gopod_resource_pool_acquire:
 * @pool: a pool
 * @cancellable: (nullable): cancels the wait, and is given to the factory
 * @error: return location for an error
 *
 * Takes a resource from the pool: an idle one, else a new one made by the
 * factory in this thread. Once [property@Gopod.ResourcePool:max-size]
 * resources exist, waits (with no main loop needed) for one to be released,
 * behind any earlier waiters.
 *
 * Give the resource back with [method@Gopod.ResourcePool.release] or
 * [method@Gopod.ResourcePool.destroy]. The pool keeps its own reference too.
 *
 * Returns: (transfer full): the resource, or %NULL with @error set:
 *   %GOPOD_ERROR_CLOSED once the pool is closed, %GOPOD_ERROR_TIMEOUT after
 *   [property@Gopod.ResourcePool:acquire-timeout-ms], %G_IO_ERROR_CANCELLED,
 *   or the factory's error
 *
 * Since: 1.0
 */
/* Everything but the common case. It holds a reference: the factory may
 * drop the caller's last one (internals rule RP1). */
static GObject *
resource_pool_acquire_slow (GopodResourcePool  *pool,
                            GCancellable       *cancellable,
                            PoolOutbox         *out,
                            GError            **error)
{
  g_autoptr(GopodResourcePool) hold = g_object_ref (pool);
  GObject *resource = NULL;
  Take take = gopod_resource_pool_state_take_locked (pool, &resource);

  if (take == TAKE_WAIT && gopod_wait_is_serving (pool))
    {
      /* Only a release could end the wait, and the release would come from
       * the caller, once the factory returned (internals rule RP5). */
      gopod_resource_pool_state_unlock (pool, out);
      g_critical ("gopod_resource_pool_acquire: the factory of %s %p acquires from its own "
                  "pool, which is full: it would wait for itself",
                  G_OBJECT_TYPE_NAME (pool), pool);
      g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                           "A resource factory cannot wait for its own pool");
      return NULL;
    }

  if (take == TAKE_WAIT)
    {
      gpointer grant = resource_pool_wait_blocking (pool, cancellable, out, error);

      if (grant != SLOT_GRANT)
        return grant;
      take = TAKE_SLOT;
    }
  else
    gopod_resource_pool_state_unlock (pool, out);

  switch (take)
    {
    case TAKE_RESOURCE:
      return resource;

    case TAKE_SLOT:
      return gopod_resource_pool_state_create (pool, cancellable, error);

    case TAKE_CLOSED:
      gopod_resource_pool_state_set_closed_error (error);
      return NULL;

    case TAKE_WAIT:
    default:
      g_assert_not_reached ();
    }
}

GObject *
gopod_resource_pool_acquire (GopodResourcePool  *pool,
                             GCancellable       *cancellable,
                             GError            **error)
{
  GopodResourcePoolPrivate *priv;
  GObject *resource;
  PoolOutbox out;

  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  priv = POOL_PRIV (pool);
  g_mutex_lock (&priv->lock);
  /* The common case, an idle resource and nobody ahead: no factory, no
   * waiting, and it is known which properties change. */
  if (!priv->closed && priv->idle.head != NULL &&
      gopod_wait_list_peek (&priv->waiters) == NULL)
    {
      resource = gopod_resource_pool_state_hand_out_locked (pool, priv->idle.head->data);
      g_mutex_unlock (&priv->lock);
      gopod_resource_pool_state_notify_changed (priv, PROP_BIT (PROP_IDLE) | PROP_BIT (PROP_IN_USE) |
                                                PROP_BIT (PROP_ACQUIRED));
      return resource;
    }

  gopod_resource_pool_state_outbox_begin_locked (priv, &out);
  return resource_pool_acquire_slow (pool, cancellable, &out, error);
}

/**
 * gopod_resource_pool_acquire_async:
 * @pool: a pool
 * @cancellable: (nullable): cancels the wait, and is given to the factory
 * @callback: (scope async) (closure user_data): called with the resource
 * @user_data: data for @callback
 *
 * Takes a resource from the pool like [method@Gopod.ResourcePool.acquire],
 * without blocking. The factory, when one is needed, runs on the caller's
 * thread-default main context, so a factory written in JavaScript works.
 * @callback runs on that context too; get the resource there with
 * [method@Gopod.ResourcePool.acquire_finish].
 *
 * Since: 1.0
 */
void
gopod_resource_pool_acquire_async (GopodResourcePool   *pool,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GObject *resource = NULL;
  PoolOutbox out;
  Take take;

  g_return_if_fail (GOPOD_IS_RESOURCE_POOL (pool));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (pool, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_resource_pool_acquire_async);
  g_task_set_check_cancellable (task, FALSE);
  if (g_task_return_error_if_cancelled (task))
    return;

  gopod_resource_pool_state_lock (pool, &out);
  take = gopod_resource_pool_state_take_locked (pool, &resource);
  if (take == TAKE_WAIT)
    {
      guint timeout_ms = POOL_PRIV (pool)->acquire_timeout_ms;

      resource_pool_wait_push_locked (pool,
                                      gopod_waiter_new_async (task, resource_pool_wait_complete,
                                                              GUINT_TO_POINTER (timeout_ms)),
                                      cancellable);
    }
  gopod_resource_pool_state_unlock (pool, &out);

  switch (take)
    {
    case TAKE_RESOURCE:
      resource_pool_complete_async (task, resource, NULL);
      break;

    case TAKE_SLOT:
      resource_pool_create_later (task);
      break;

    case TAKE_CLOSED:
      g_task_return_new_error (task, GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                               "The resource pool is closed");
      break;

    case TAKE_WAIT:
    default:
      break;
    }
}

/**
 * gopod_resource_pool_acquire_finish:
 * @pool: a pool
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gopod.ResourcePool.acquire_async]. Call it: the resource
 * counts as in use until released.
 *
 * Returns: (transfer full): the resource, or %NULL with @error set, as for
 *   [method@Gopod.ResourcePool.acquire]
 *
 * Since: 1.0
 */
GObject *
gopod_resource_pool_acquire_finish (GopodResourcePool  *pool,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), NULL);
  g_return_val_if_fail (g_task_is_valid (result, pool), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gopod_resource_pool_acquire_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gopod_resource_pool_release:
 * @pool: a pool
 * @resource: a resource acquired from @pool
 *
 * Gives a resource back (Go in Action's `Release`). It goes to the oldest waiter
 * if there is one, else it is kept idle, unless
 * [property@Gopod.ResourcePool:size] resources are already idle or the pool
 * is closed: then it is closed.
 *
 * Releasing a resource @pool did not hand out, or releasing it twice, is a
 * programmer error: a critical, and nothing changes.
 *
 * Since: 1.0
 */
void
gopod_resource_pool_release (GopodResourcePool *pool,
                             GObject           *resource)
{
  g_return_if_fail (GOPOD_IS_RESOURCE_POOL (pool));
  g_return_if_fail (G_IS_OBJECT (resource));

  gopod_resource_pool_state_give_back (pool, resource, TRUE, G_STRFUNC);
}

/**
 * gopod_resource_pool_destroy:
 * @pool: a pool
 * @resource: a resource acquired from @pool
 *
 * Gives back a broken resource: it is closed instead of kept, and its place
 * goes to the oldest waiter, which gets a new one from the factory.
 *
 * Destroying a resource @pool did not hand out, or one already given back,
 * is a programmer error: a critical, and nothing changes.
 *
 * Since: 1.0
 */
void
gopod_resource_pool_destroy (GopodResourcePool *pool,
                             GObject           *resource)
{
  g_return_if_fail (GOPOD_IS_RESOURCE_POOL (pool));
  g_return_if_fail (G_IS_OBJECT (resource));

  gopod_resource_pool_state_give_back (pool, resource, FALSE, G_STRFUNC);
}

/**
 * gopod_resource_pool_close:
 * @pool: a pool
 *
 * Closes the pool (Go in Action's `Close`): closes every idle resource, fails
 * every waiter and every later acquire with %GOPOD_ERROR_CLOSED, and closes
 * the resources still in use when they are released. Calling it again does
 * nothing.
 *
 * Since: 1.0
 */
void
gopod_resource_pool_close (GopodResourcePool *pool)
{
  GopodResourcePoolPrivate *priv;
  PoolOutbox out;

  g_return_if_fail (GOPOD_IS_RESOURCE_POOL (pool));

  priv = POOL_PRIV (pool);
  gopod_resource_pool_state_lock (pool, &out);
  if (!priv->closed)
    {
      priv->closed = TRUE;
      gopod_timer_cancel (&priv->expiry);
      while (priv->idle.tail != NULL)
        {
          Entry *entry = priv->idle.tail->data;

          g_queue_unlink (&priv->idle, &entry->idle_link);
          gopod_resource_pool_state_drop_entry_locked (pool, entry, &out);
        }
      gopod_resource_pool_state_refuse_waiters_locked (pool, &out);
    }
  gopod_resource_pool_state_unlock (pool, &out);
}

/* --- properties --- */

/**
 * gopod_resource_pool_get_size:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:size].
 *
 * Returns: how many idle resources the pool keeps
 *
 * Since: 1.0
 */
guint
gopod_resource_pool_get_size (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return (guint) gopod_resource_pool_state_get_state (pool, PROP_SIZE);
}

/**
 * gopod_resource_pool_set_size:
 * @pool: a pool
 * @size: how many idle resources to keep; at least 1
 *
 * Sets [property@Gopod.ResourcePool:size]. The oldest idle resources beyond
 * the new size are closed.
 *
 * Since: 1.0
 */
void
gopod_resource_pool_set_size (GopodResourcePool *pool,
                              guint              size)
{
  GopodResourcePoolPrivate *priv;
  PoolOutbox out;

  g_return_if_fail (GOPOD_IS_RESOURCE_POOL (pool));
  g_return_if_fail (size > 0);

  priv = POOL_PRIV (pool);
  gopod_resource_pool_state_lock (pool, &out);
  priv->size = size;
  while (priv->idle.length > size)
    {
      Entry *oldest = priv->idle.tail->data;

      g_queue_unlink (&priv->idle, &oldest->idle_link);
      gopod_resource_pool_state_drop_entry_locked (pool, oldest, &out);
    }
  gopod_resource_pool_state_serve_waiters_locked (pool, &out);
  gopod_resource_pool_state_unlock (pool, &out);
}

/**
 * gopod_resource_pool_get_max_size:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:max-size].
 *
 * Returns: the most resources that may exist at once, or 0 for no limit
 *
 * Since: 1.0
 */
guint
gopod_resource_pool_get_max_size (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return (guint) gopod_resource_pool_state_get_state (pool, PROP_MAX_SIZE);
}

/**
 * gopod_resource_pool_set_max_size:
 * @pool: a pool
 * @max_size: the most resources that may exist at once, or 0 for no limit
 *
 * Sets [property@Gopod.ResourcePool:max-size]. Raising it lets waiters make
 * new resources at once; lowering it closes nothing, but no resource is made
 * until the total falls below it.
 *
 * Since: 1.0
 */
void
gopod_resource_pool_set_max_size (GopodResourcePool *pool,
                                  guint              max_size)
{
  GopodResourcePoolPrivate *priv;
  PoolOutbox out;

  g_return_if_fail (GOPOD_IS_RESOURCE_POOL (pool));

  priv = POOL_PRIV (pool);
  gopod_resource_pool_state_lock (pool, &out);
  priv->max_size = max_size;
  gopod_resource_pool_state_serve_waiters_locked (pool, &out);
  gopod_resource_pool_state_unlock (pool, &out);
}

/**
 * gopod_resource_pool_get_acquire_timeout_ms:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:acquire-timeout-ms].
 *
 * Returns: how long an acquire waits, in milliseconds, or 0 for no limit
 *
 * Since: 1.0
 */
guint
gopod_resource_pool_get_acquire_timeout_ms (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return (guint) gopod_resource_pool_state_get_state (pool, PROP_ACQUIRE_TIMEOUT_MS);
}

/**
 * gopod_resource_pool_set_acquire_timeout_ms:
 * @pool: a pool
 * @timeout_ms: how long an acquire may wait, in milliseconds; 0: no limit
 *
 * Sets [property@Gopod.ResourcePool:acquire-timeout-ms].
 *
 * Since: 1.0
 */
void
gopod_resource_pool_set_acquire_timeout_ms (GopodResourcePool *pool,
                                            guint              timeout_ms)
{
  PoolOutbox out;

  g_return_if_fail (GOPOD_IS_RESOURCE_POOL (pool));

  gopod_resource_pool_state_lock (pool, &out);
  POOL_PRIV (pool)->acquire_timeout_ms = timeout_ms;
  gopod_resource_pool_state_unlock (pool, &out);
}

/**
 * gopod_resource_pool_get_max_idle_time_ms:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:max-idle-time-ms].
 *
 * Returns: how long a resource may stay idle, in milliseconds, or 0 for ever
 *
 * Since: 1.0
 */
guint
gopod_resource_pool_get_max_idle_time_ms (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return (guint) gopod_resource_pool_state_get_state (pool, PROP_MAX_IDLE_TIME_MS);
}

/**
 * gopod_resource_pool_set_max_idle_time_ms:
 * @pool: a pool
 * @max_idle_time_ms: how long a resource may stay idle, in milliseconds;
 *   0: for ever
 *
 * Sets [property@Gopod.ResourcePool:max-idle-time-ms]. Idle resources
 * already older than the new limit are closed soon after, by the timer.
 *
 * Since: 1.0
 */
void
gopod_resource_pool_set_max_idle_time_ms (GopodResourcePool *pool,
                                          guint              max_idle_time_ms)
{
  GopodResourcePoolPrivate *priv;
  PoolOutbox out;

  g_return_if_fail (GOPOD_IS_RESOURCE_POOL (pool));

  priv = POOL_PRIV (pool);
  gopod_resource_pool_state_lock (pool, &out);
  if (priv->max_idle_time_ms != max_idle_time_ms)
    {
      priv->max_idle_time_ms = max_idle_time_ms;
      gopod_timer_cancel (&priv->expiry);
      gopod_resource_pool_state_arm_expiry_locked (pool);
    }
  gopod_resource_pool_state_unlock (pool, &out);
}

/**
 * gopod_resource_pool_get_idle:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:idle].
 *
 * Returns: how many resources are idle now
 *
 * Since: 1.0
 */
guint
gopod_resource_pool_get_idle (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return (guint) gopod_resource_pool_state_get_state (pool, PROP_IDLE);
}

/**
 * gopod_resource_pool_get_in_use:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:in-use].
 *
 * Returns: how many resources are handed out now
 *
 * Since: 1.0
 */
guint
gopod_resource_pool_get_in_use (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return (guint) gopod_resource_pool_state_get_state (pool, PROP_IN_USE);
}

/**
 * gopod_resource_pool_get_closed:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:closed].
 *
 * Returns: whether the pool is closed
 *
 * Since: 1.0
 */
gboolean
gopod_resource_pool_get_closed (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), FALSE);

  return (gboolean) gopod_resource_pool_state_get_state (pool, PROP_CLOSED);
}

/**
 * gopod_resource_pool_get_created:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:created].
 *
 * Returns: how many resources the factory made
 *
 * Since: 1.0
 */
guint64
gopod_resource_pool_get_created (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return gopod_resource_pool_state_get_state (pool, PROP_CREATED);
}

/**
 * gopod_resource_pool_get_acquired:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:acquired].
 *
 * Returns: how many acquires returned a resource
 *
 * Since: 1.0
 */
guint64
gopod_resource_pool_get_acquired (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return gopod_resource_pool_state_get_state (pool, PROP_ACQUIRED);
}

/**
 * gopod_resource_pool_get_waited:
 * @pool: a pool
 *
 * Gets [property@Gopod.ResourcePool:waited].
 *
 * Returns: how many acquires had to wait
 *
 * Since: 1.0
 */
guint64
gopod_resource_pool_get_waited (GopodResourcePool *pool)
{
  g_return_val_if_fail (GOPOD_IS_RESOURCE_POOL (pool), 0);

  return gopod_resource_pool_state_get_state (pool, PROP_WAITED);
}
