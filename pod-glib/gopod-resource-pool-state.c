/* gopod-resource-pool-state.c: a resource pool's entries, outbox, expiry and factory calls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-resource-pool-private.h"

#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-source-private.h"
#include "gopod-timer-private.h"

#include <time.h>

/* --- state, under the lock --- */

static void
resource_pool_state_snapshot_locked (GopodResourcePoolPrivate *priv,
                                     guint64                   values[N_PROPS])
{
  values[PROP_SIZE] = priv->size;
  values[PROP_MAX_SIZE] = priv->max_size;
  values[PROP_ACQUIRE_TIMEOUT_MS] = priv->acquire_timeout_ms;
  values[PROP_MAX_IDLE_TIME_MS] = priv->max_idle_time_ms;
  values[PROP_IDLE] = priv->idle.length;
  values[PROP_IN_USE] = priv->in_use;
  values[PROP_CLOSED] = priv->closed;
  values[PROP_CREATED] = priv->created;
  values[PROP_ACQUIRED] = priv->acquired;
  values[PROP_WAITED] = priv->waited;
}

/* One property's value, read under the lock. */
guint64
gopod_resource_pool_state_get_state (GopodResourcePool *pool,
                                     guint              prop_id)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (pool);
  guint64 values[N_PROPS];

  g_mutex_lock (&priv->lock);
  resource_pool_state_snapshot_locked (priv, values);
  g_mutex_unlock (&priv->lock);

  return values[prop_id];
}

/* Starts the general path's bookkeeping, lock held. The common acquire and
 * release skip it: they know what they change (see gopod_resource_pool_state_notify_changed()). */
void
gopod_resource_pool_state_outbox_begin_locked (GopodResourcePoolPrivate *priv,
                                               PoolOutbox               *out)
{
  resource_pool_state_snapshot_locked (priv, out->before);
  gopod_outbox_init (&out->out);
  out->unrefs = 0;
}

void
gopod_resource_pool_state_lock (GopodResourcePool *self,
                                PoolOutbox        *out)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  g_mutex_lock (&priv->lock);
  gopod_resource_pool_state_outbox_begin_locked (priv, out);
}

/* Property notifications go through the pool's context (its source is
 * prepared at init), coalesced. The common acquire and release notify their
 * counters (idle, in-use, acquired) unconditionally: a property already
 * pending costs one atomic read, with no look at GLib's global signal lock,
 * and the source emits "notify" when its context runs, which costs nothing
 * without handlers. After dispose there is nobody to tell. */
void
gopod_resource_pool_state_notify_changed (GopodResourcePoolPrivate *priv,
                                          guint                     prop_bits)
{
  if (prop_bits != 0 && priv->notify.pending != NULL)
    gopod_notify_queue_deferred_mask (&priv->notify, prop_bits);
}

/* The rarer changes (settings, close, creating, waiting, expiry) are only
 * notified when someone listens, as GObject would: a setting given to
 * g_object_new() is no change anybody can see. One look for all of them. */
static void
resource_pool_state_notify_changed_if_watched (GopodResourcePool *self,
                                               guint              prop_bits)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  if (prop_bits != 0 && gopod_notify_is_watched (G_OBJECT (self), NULL))
    gopod_resource_pool_state_notify_changed (priv, prop_bits);
}

typedef struct
{
  GopodResourcePool *pool;      /* alive until the outbox's last unref */
  GObject           *resource;  /* the reference the pool owned */
} PoolClose;

static void
resource_pool_state_close_resource (gpointer data)
{
  PoolClose *close = data;

  GOPOD_RESOURCE_POOL_GET_CLASS (close->pool)->close (close->pool, close->resource);
  g_object_unref (close->resource);
  g_free (close);
}

/* Queues the close of a resource the pool no longer holds (takes the
 * reference). The pool is alive when it runs: whoever flushes the outbox
 * holds a reference until after it (rule RP2). */
void
gopod_resource_pool_state_queue_close (GopodResourcePool *self,
                                       PoolOutbox        *out,
                                       GObject           *resource)
{
  PoolClose *close = g_new (PoolClose, 1);

  close->pool = self;
  close->resource = resource;
  gopod_outbox_add (&out->out, resource_pool_state_close_resource, close);
}

/* Releases the lock, then acts: wakes waiters and closes resources, in the
 * order decided, notifies the properties that changed, and last drops the
 * references held on the pool, which may finalize it. */
void
gopod_resource_pool_state_unlock (GopodResourcePool *self,
                                  PoolOutbox        *out)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);
  guint64 after[N_PROPS];
  guint changed = 0;

  resource_pool_state_snapshot_locked (priv, after);
  g_mutex_unlock (&priv->lock);

  gopod_outbox_flush (&out->out);

  for (guint id = 1; id < N_PROPS; id++)
    if (out->before[id] != after[id])
      changed |= PROP_BIT (id);
  resource_pool_state_notify_changed_if_watched (self, changed);

  for (; out->unrefs > 0; out->unrefs--)
    g_object_unref (self);
}

static gboolean
resource_pool_state_has_room_locked (GopodResourcePoolPrivate *priv)
{
  return priv->max_size == 0 ||
         priv->idle.length + priv->in_use + priv->creating < priv->max_size;
}

/* While any resource is out, the pool holds a reference on itself, so
 * releasing one late is safe. One reference for all of them rather than one
 * each: the common acquire and release touch the pool's reference count only
 * when the first goes out and the last comes back. */
static void
resource_pool_state_count_in_use_locked (GopodResourcePool *self)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  if (priv->in_use++ == 0)
    g_object_ref (self);
  priv->acquired++;
}

/* Returns whether the pool's own reference is to be dropped (after unlock). */
static gboolean
resource_pool_state_uncount_in_use_locked (GopodResourcePoolPrivate *priv)
{
  return --priv->in_use == 0;
}

/* Hands an idle entry out; the caller's reference is returned. */
GObject *
gopod_resource_pool_state_hand_out_locked (GopodResourcePool *self,
                                           Entry             *entry)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  g_queue_unlink (&priv->idle, &entry->idle_link);
  entry->in_use = TRUE;
  resource_pool_state_count_in_use_locked (self);
  priv->last_out = entry;

  return g_object_ref (entry->resource);
}

/* Removes an entry and moves its resource to the close list. */
void
gopod_resource_pool_state_drop_entry_locked (GopodResourcePool *self,
                                             Entry             *entry,
                                             PoolOutbox        *out)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);
  GObject *resource = g_steal_pointer (&entry->resource);

  if (priv->last_out == entry)
    priv->last_out = NULL;
  g_hash_table_remove (priv->entries, resource);
  gopod_resource_pool_state_queue_close (self, out, resource);
}

/* Hands whatever became available (an idle resource, room for a new one)
 * straight to the oldest waiters (rule RP4): the waiter fired first gets it
 * in its link's data, so a newcomer can never take it in between, and a
 * waiter cancelled or timed out meanwhile is skipped, losing nothing. */
void
gopod_resource_pool_state_serve_waiters_locked (GopodResourcePool *self,
                                                PoolOutbox        *out)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  while (!priv->closed && gopod_wait_list_peek (&priv->waiters) != NULL)
    {
      GopodWaitLink *link;

      if (priv->idle.head == NULL && !resource_pool_state_has_room_locked (priv))
        break;
      /* Peeked under the lock, but its cancellable may fire it any time. */
      link = gopod_wait_list_fire_first (&priv->waiters, &out->out);
      if (link == NULL)
        break;
      if (priv->idle.head != NULL)
        link->data = gopod_resource_pool_state_hand_out_locked (self, priv->idle.head->data);
      else
        {
          priv->creating++;
          link->data = SLOT_GRANT;
        }
    }
}

/* The pool closed: every waiter is told so. */
void
gopod_resource_pool_state_refuse_waiters_locked (GopodResourcePool *self,
                                                 PoolOutbox        *out)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);
  GopodWaitLink *link;

  while ((link = gopod_wait_list_fire_first (&priv->waiters, &out->out)) != NULL)
    link->data = CLOSED_GRANT;
}

/* --- idle expiry --- */

static gboolean resource_pool_state_expiry_fired (gpointer data);

static void
resource_pool_state_weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* One timer at a time, for the oldest idle resource only: the idle queue is
 * ordered by release time, so when it fires the next one is re-armed. */
void
gopod_resource_pool_state_arm_expiry_locked (GopodResourcePool *self)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);
  GWeakRef *weak;
  Entry *oldest;
  gint64 due, now, delay_ms;

  if (priv->max_idle_time_ms == 0 || priv->closed ||
      priv->expiry != NULL || priv->idle.tail == NULL)
    return;

  oldest = priv->idle.tail->data;
  due = oldest->idle_since + (gint64) priv->max_idle_time_ms * 1000;
  now = g_get_monotonic_time ();

  /* Rounded up, and clamped: a stamp may lie a clock tick ahead (see
   * resource_pool_state_idle_clock()), so with the longest limit the delay
   * can exceed G_MAXUINT ms, which a cast would wrap round to a few ms. */
  delay_ms = due > now ? (due - now + 999) / 1000 : 0;

  /* A weak reference: an idle pool that the application dropped must not be
   * kept alive (and finalized in the timer thread) by its own timer. */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  priv->expiry = gopod_timer_add ((guint) MIN (delay_ms, (gint64) G_MAXUINT),
                                  resource_pool_state_expiry_fired, weak, resource_pool_state_weak_ref_free);
}

static void
resource_pool_state_expire_locked (GopodResourcePool *self,
                                   PoolOutbox        *out)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);
  gint64 max_idle = (gint64) priv->max_idle_time_ms * 1000;
  gint64 now = g_get_monotonic_time ();

  if (max_idle == 0)
    return;

  while (priv->idle.tail != NULL)
    {
      Entry *oldest = priv->idle.tail->data;

      if (oldest->idle_since + max_idle > now)
        break;
      g_queue_unlink (&priv->idle, &oldest->idle_link);
      gopod_resource_pool_state_drop_entry_locked (self, oldest, out);
    }
}

static void
resource_pool_state_expire (GopodResourcePool *self)
{
  PoolOutbox out;

  gopod_resource_pool_state_lock (self, &out);
  resource_pool_state_expire_locked (self, &out);
  gopod_resource_pool_state_arm_expiry_locked (self);
  gopod_resource_pool_state_unlock (self, &out);
}

/* How long an expiry handed to the pool's context waits for that context
 * to be run before the timer thread does it (rule RP6). */
#define RESOURCE_POOL_STATE_EXPIRY_GRACE_MS 50

/* One expiry handed to the pool's context: the idle source there and the
 * timer thread's fallback both hold it, and whichever claims it first
 * expires what is due. */
typedef struct
{
  GWeakRef  pool;
  gint      claimed;  /* atomic */
  GSource  *idle;     /* on the pool's context; set before it is shared */
} PoolExpiryHandoff;

static void
resource_pool_state_handoff_clear (gpointer data)
{
  PoolExpiryHandoff *handoff = data;

  g_weak_ref_clear (&handoff->pool);
  g_clear_pointer (&handoff->idle, g_source_unref);
}

static void
resource_pool_state_handoff_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, resource_pool_state_handoff_clear);
}

static gboolean
resource_pool_state_handoff_claim (PoolExpiryHandoff *handoff)
{
  return g_atomic_int_compare_and_exchange (&handoff->claimed, FALSE, TRUE);
}

/* On the pool's context, run by whoever runs it (a GJS or GTK loop). */
static gboolean
resource_pool_state_expire_in_context (gpointer data)
{
  PoolExpiryHandoff *handoff = data;
  g_autoptr(GopodResourcePool) self = NULL;

  if (!resource_pool_state_handoff_claim (handoff))
    return G_SOURCE_REMOVE;
  self = g_weak_ref_get (&handoff->pool);
  if (self != NULL)
    resource_pool_state_expire (self);
  return G_SOURCE_REMOVE;
}

/* In the timer thread, a grace period after the handoff: nobody ran the
 * pool's context meanwhile. While a thread runs it now, that thread will
 * get to the idle: look again later. Else (no loop, or a loop that stopped)
 * expire here, and drop the idle. */
static gboolean
resource_pool_state_expiry_fallback (gpointer data)
{
  PoolExpiryHandoff *handoff = data;
  g_autoptr(GopodResourcePool) self = NULL;

  if (g_atomic_int_get (&handoff->claimed))
    return G_SOURCE_REMOVE;
  self = g_weak_ref_get (&handoff->pool);
  if (self != NULL && gopod_context_is_run_elsewhere (POOL_PRIV (self)->notify.context))
    return G_SOURCE_CONTINUE;
  if (!resource_pool_state_handoff_claim (handoff))
    return G_SOURCE_REMOVE;
  g_source_destroy (handoff->idle);
  if (self != NULL)
    resource_pool_state_expire (self);
  return G_SOURCE_REMOVE;
}

static void (*resource_pool_state_expiry_test_hook) (gpointer data);
static gpointer resource_pool_state_expiry_test_hook_data;

void
gopod_resource_pool_state_set_expiry_test_hook (void     (*hook) (gpointer data),
                                                gpointer   data)
{
  if (hook != NULL)
    g_atomic_pointer_set (&resource_pool_state_expiry_test_hook_data, data);
  g_atomic_pointer_set (&resource_pool_state_expiry_test_hook, hook);
}

/* Runs in the library's timer thread. `close` is user code that may be
 * JavaScript, which runs only on its own thread: the expiry goes to the
 * pool's context, as notifications do, and comes back here only if nobody
 * ran that context for a grace period (rule RP6). Asking whether a loop
 * runs the context at this instant is not enough: between two iterations
 * of a GJS or GApplication loop nobody owns it. */
static gboolean
resource_pool_state_expiry_fired (gpointer data)
{
  g_autoptr(GopodResourcePool) self = g_weak_ref_get (data);
  GopodResourcePoolPrivate *priv;
  PoolExpiryHandoff *handoff;
  void (*hook) (gpointer);
  GSource *fallback;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  priv = POOL_PRIV (self);
  g_mutex_lock (&priv->lock);
  /* Setting max-idle-time-ms may have replaced this timer meanwhile. */
  if (priv->expiry == g_main_current_source ())
    g_clear_pointer (&priv->expiry, g_source_unref);
  g_mutex_unlock (&priv->lock);

  handoff = g_atomic_rc_box_new0 (PoolExpiryHandoff);
  g_weak_ref_init (&handoff->pool, self);
  handoff->idle = gopod_idle_source_new ("[pod-glib] pool idle expiry", resource_pool_state_expire_in_context,
                                         g_atomic_rc_box_acquire (handoff), resource_pool_state_handoff_unref);
  /* Attached before the fallback exists, which may destroy it. */
  g_source_attach (handoff->idle, priv->notify.context);
  fallback = gopod_timer_add (RESOURCE_POOL_STATE_EXPIRY_GRACE_MS, resource_pool_state_expiry_fallback,
                              g_atomic_rc_box_acquire (handoff), resource_pool_state_handoff_unref);
  g_source_unref (fallback);
  resource_pool_state_handoff_unref (handoff);

  hook = g_atomic_pointer_get (&resource_pool_state_expiry_test_hook);
  if (hook != NULL)
    hook (g_atomic_pointer_get (&resource_pool_state_expiry_test_hook_data));
  return G_SOURCE_REMOVE;
}

/* --- giving resources back --- */

static gboolean
resource_pool_state_can_keep_locked (GopodResourcePoolPrivate *priv)
{
  return !priv->closed && priv->idle.length < priv->size;
}

#if defined (CLOCK_MONOTONIC_COARSE)
/* The coarse clock's tick in µs, rounded up; 0 if it has none. */
static gint64
resource_pool_state_coarse_resolution (void)
{
  static gsize once;
  static gint64 resolution;

  if (g_once_init_enter (&once))
    {
      struct timespec res;

      if (clock_getres (CLOCK_MONOTONIC_COARSE, &res) == 0)
        resolution = (gint64) res.tv_sec * G_USEC_PER_SEC + (res.tv_nsec + 999) / 1000;
      g_once_init_leave (&once, 1);
    }

  return resolution;
}
#endif

/* When an entry became idle, in g_get_monotonic_time()'s µs. Reading that
 * clock costs about as much as the rest of a release, so while
 * max-idle-time-ms is 0 (nothing expires) the coarse clock of the same
 * timebase stands in, moved forward by its resolution: a stamp is then never
 * earlier than the release, so a resource released while nothing expired and
 * still idle when a limit is set is closed at most one clock tick late, never
 * early. */
static gint64
resource_pool_state_idle_clock (GopodResourcePoolPrivate *priv)
{
#if defined (CLOCK_MONOTONIC_COARSE)
  gint64 resolution;
  struct timespec ts;

  if (priv->max_idle_time_ms == 0 && (resolution = resource_pool_state_coarse_resolution ()) > 0 &&
      clock_gettime (CLOCK_MONOTONIC_COARSE, &ts) == 0)
    return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000 + resolution;
#endif

  return g_get_monotonic_time ();
}

/* Makes a given-back entry the most recently idle one. */
static void
resource_pool_state_park_locked (GopodResourcePool *self,
                                 Entry             *entry)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  entry->idle_since = resource_pool_state_idle_clock (priv);
  g_queue_push_head_link (&priv->idle, &entry->idle_link);
  gopod_resource_pool_state_arm_expiry_locked (self);
}

static void
resource_pool_state_give_back_locked (GopodResourcePool *self,
                                      Entry             *entry,
                                      gboolean           keep,
                                      PoolOutbox        *out)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  entry->in_use = FALSE;
  if (resource_pool_state_uncount_in_use_locked (priv))
    out->unrefs++;

  if (keep && resource_pool_state_can_keep_locked (priv))
    resource_pool_state_park_locked (self, entry);
  else
    gopod_resource_pool_state_drop_entry_locked (self, entry, out);

  gopod_resource_pool_state_serve_waiters_locked (self, out);
}

/* Resources mostly come back in the order opposite to the one they went out
 * in, often one at a time: the last one handed out saves a table look-up. */
static Entry *
resource_pool_state_find_entry_locked (GopodResourcePoolPrivate *priv,
                                       GObject                  *resource)
{
  if (priv->last_out != NULL && priv->last_out->resource == resource)
    return priv->last_out;

  return g_hash_table_lookup (priv->entries, resource);
}

void
gopod_resource_pool_state_give_back (GopodResourcePool *self,
                                     GObject           *resource,
                                     gboolean           keep,
                                     const char        *caller)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);
  gboolean handed_out;
  Entry *entry;
  PoolOutbox out;

  g_mutex_lock (&priv->lock);
  entry = resource_pool_state_find_entry_locked (priv, resource);
  handed_out = entry != NULL && entry->in_use;

  /* The common case, kept idle with nobody waiting: nothing to close, no
   * waiter to answer, and it is known which properties change. The caller
   * may hold no reference on the pool (the application dropped it while
   * resources were out), and once the lock is released another thread's
   * release may drop the last one: so the notification is marked before
   * unlocking (an atomic read, no user code), and only the thread that
   * gave back the last resource touches the pool afterwards (rule RP1). */
  if (handed_out && keep && resource_pool_state_can_keep_locked (priv) &&
      gopod_wait_list_peek (&priv->waiters) == NULL)
    {
      gboolean last;

      entry->in_use = FALSE;
      last = resource_pool_state_uncount_in_use_locked (priv);
      resource_pool_state_park_locked (self, entry);
      gopod_resource_pool_state_notify_changed (priv, PROP_BIT (PROP_IDLE) | PROP_BIT (PROP_IN_USE));
      g_mutex_unlock (&priv->lock);

      if (last)
        g_object_unref (self);
      return;
    }

  gopod_resource_pool_state_outbox_begin_locked (priv, &out);
  /* The slow path acts after unlocking (closes, wakes, notifies): it holds
   * a reference of its own until then, for the same reason (rule RP1). */
  g_object_ref (self);
  out.unrefs++;
  if (handed_out)
    resource_pool_state_give_back_locked (self, entry, keep, &out);
  gopod_resource_pool_state_unlock (self, &out);

  /* Outside the lock: a critical may run a log handler. */
  if (!handed_out)
    g_critical ("%s: %s %p was not handed out by this pool, or was already given back",
                caller, G_OBJECT_TYPE_NAME (resource), resource);
}

/* --- making resources --- */

Take
gopod_resource_pool_state_take_locked (GopodResourcePool  *self,
                                       GObject           **resource)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);

  if (priv->closed)
    return TAKE_CLOSED;

  /* Newcomers queue behind the waiters: served in arrival order. */
  if (gopod_wait_list_peek (&priv->waiters) != NULL)
    return TAKE_WAIT;

  if (priv->idle.head != NULL)
    {
      *resource = gopod_resource_pool_state_hand_out_locked (self, priv->idle.head->data);
      return TAKE_RESOURCE;
    }

  if (resource_pool_state_has_room_locked (priv))
    {
      priv->creating++;
      return TAKE_SLOT;
    }

  return TAKE_WAIT;
}

void
gopod_resource_pool_state_set_closed_error (GError **error)
{
  g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                       "The resource pool is closed");
}

/* Takes in a new resource (the factory's reference) as handed out. */
static GObject *
resource_pool_state_add_in_use_locked (GopodResourcePool *self,
                                       GObject           *resource)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);
  Entry *entry = g_new0 (Entry, 1);

  entry->resource = resource;
  entry->idle_link.data = entry;
  entry->in_use = TRUE;
  g_hash_table_insert (priv->entries, resource, entry);
  priv->last_out = entry;
  priv->created++;
  resource_pool_state_count_in_use_locked (self);

  return g_object_ref (resource);
}

/* Runs the factory in a slot reserved by gopod_resource_pool_state_take_locked() or a grant, with no
 * lock held, then accounts for the outcome. A failure frees the slot for the
 * next waiter; a resource made after close is closed again. */
GObject *
gopod_resource_pool_state_create (GopodResourcePool  *self,
                                  GCancellable       *cancellable,
                                  GError            **error)
{
  GopodResourcePoolPrivate *priv = POOL_PRIV (self);
  GError *create_error = NULL;
  GObject *resource;
  GObject *result = NULL;
  gboolean duplicate = FALSE;
  gboolean after_close = FALSE;
  PoolOutbox out;

  /* A factory that acquires from this pool while it is full would wait for
   * itself (rule RP5). */
  gopod_wait_serving_push (self);
  resource = GOPOD_RESOURCE_POOL_GET_CLASS (self)->create (self, cancellable, &create_error);
  gopod_wait_serving_pop (self);
  if (resource != NULL)
    g_clear_error (&create_error);

  gopod_resource_pool_state_lock (self, &out);
  priv->creating--;
  if (resource == NULL)
    gopod_resource_pool_state_serve_waiters_locked (self, &out);
  else if (g_hash_table_contains (priv->entries, resource))
    {
      duplicate = TRUE;
      gopod_resource_pool_state_serve_waiters_locked (self, &out);
    }
  else if (priv->closed)
    {
      priv->created++;
      after_close = TRUE;
      gopod_resource_pool_state_queue_close (self, &out, g_steal_pointer (&resource));
    }
  else
    result = resource_pool_state_add_in_use_locked (self, g_steal_pointer (&resource));
  gopod_resource_pool_state_unlock (self, &out);

  if (result != NULL)
    return result;

  if (duplicate)
    {
      g_critical ("The factory of %s returned %s %p, which the pool already holds",
                  G_OBJECT_TYPE_NAME (self), G_OBJECT_TYPE_NAME (resource), resource);
      g_object_unref (resource);
      g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                           "The resource factory returned a resource already in the pool");
    }
  else if (after_close)
    gopod_resource_pool_state_set_closed_error (error);
  else
    gopod_propagate_failure (error, create_error, "The resource factory");

  return NULL;
}

