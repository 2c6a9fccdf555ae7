/* gopod-resource-pool-private.h: a resource pool's state, shared by its files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-notify-private.h"
#include "gopod-outbox-private.h"
#include "gopod-resource-pool.h"
#include "gopod-wait-private.h"

G_BEGIN_DECLS

/* One resource the pool owns, idle or in use. */
typedef struct
{
  GObject *resource;    /* owned */
  gint64   idle_since;  /* monotonic µs, while idle */
  gboolean in_use;
  GList    idle_link;   /* in priv->idle while idle */
} Entry;

typedef struct
{
  /* Set at construction, read-only afterwards. */
  GopodResourceFactory  factory;
  gpointer              factory_data;
  GDestroyNotify        factory_destroy;
  GopodWaitHome         home;      /* the context the pool was made on (rule RP6) */

  GopodNotify           notify;

  /* Everything below is guarded by lock. */
  GMutex                lock;
  GHashTable           *entries;   /* GObject * → Entry *, idle or in use */
  GQueue                idle;      /* of Entry, most recently released first */
  guint                 in_use;
  guint                 creating;  /* slots reserved for a factory call in flight */
  GopodWaitList         waiters;   /* acquire and acquire_async, oldest first (rule RP4) */
  GSource              *expiry;    /* timer for the oldest idle resource */
  Entry                *last_out;  /* the entry handed out last, or NULL */

  guint                 size;
  guint                 max_size;
  guint                 acquire_timeout_ms;
  guint                 max_idle_time_ms;
  gboolean              closed;
  guint64               created;
  guint64               acquired;
  guint64               waited;
} GopodResourcePoolPrivate;

enum {
  PROP_0,
  PROP_SIZE,
  PROP_MAX_SIZE,
  PROP_ACQUIRE_TIMEOUT_MS,
  PROP_MAX_IDLE_TIME_MS,
  PROP_IDLE,
  PROP_IN_USE,
  PROP_CLOSED,
  PROP_CREATED,
  PROP_ACQUIRED,
  PROP_WAITED,
  N_PROPS
};

#define PROP_BIT(id) (1u << (id))

extern gint gopod_resource_pool_private_offset;

static inline GopodResourcePoolPrivate *
gopod_resource_pool_get_private (GopodResourcePool *pool)
{
  return G_STRUCT_MEMBER_P (pool, gopod_resource_pool_private_offset);
}

#define POOL_PRIV(pool) gopod_resource_pool_get_private (pool)

/* What a waiter is handed in its link's data when the pool fires it: a
 * resource (a reference), or one of these: the right to make one in a slot
 * already reserved for it, or the news that the pool closed. */
extern const char gopod_resource_pool_slot_grant[];
extern const char gopod_resource_pool_closed_grant[];
#define SLOT_GRANT ((gpointer) gopod_resource_pool_slot_grant)
#define CLOSED_GRANT ((gpointer) gopod_resource_pool_closed_grant)

/* Work decided under the lock and done once it is released, where user code
 * (close, task callbacks, notify handlers) may run and re-enter the pool
 * (rule RP2): the shared GopodOutbox carries the wake-ups and closes; the
 * pool adds the property snapshot it notifies from, and the references to
 * drop last. */
typedef struct
{
  GopodOutbox out;
  guint64     before[N_PROPS];
  guint       unrefs;     /* pool references to drop after everything else */
} PoolOutbox;

typedef enum
{
  TAKE_RESOURCE,  /* an idle resource was handed out */
  TAKE_SLOT,      /* room was reserved: run the factory */
  TAKE_WAIT,      /* at max-size: queue a waiter */
  TAKE_CLOSED,
} Take;

/* The state under the lock (gopod-resource-pool-state.c) */

guint64  gopod_resource_pool_state_get_state            (GopodResourcePool         *pool,
                                                         guint                      prop_id);
void     gopod_resource_pool_state_outbox_begin_locked  (GopodResourcePoolPrivate  *priv,
                                                         PoolOutbox                *out);
void     gopod_resource_pool_state_lock                 (GopodResourcePool         *self,
                                                         PoolOutbox                *out);
void     gopod_resource_pool_state_notify_changed       (GopodResourcePoolPrivate  *priv,
                                                         guint                      prop_bits);
void     gopod_resource_pool_state_unlock               (GopodResourcePool         *self,
                                                         PoolOutbox                *out);
GObject *gopod_resource_pool_state_hand_out_locked      (GopodResourcePool         *self,
                                                         Entry                     *entry);
void     gopod_resource_pool_state_drop_entry_locked    (GopodResourcePool         *self,
                                                         Entry                     *entry,
                                                         PoolOutbox                *out);
void     gopod_resource_pool_state_serve_waiters_locked (GopodResourcePool         *self,
                                                         PoolOutbox                *out);
void     gopod_resource_pool_state_refuse_waiters_locked (GopodResourcePool        *self,
                                                          PoolOutbox               *out);
void     gopod_resource_pool_state_arm_expiry_locked    (GopodResourcePool         *self);
/* A test hook (see internals, "Test hooks"): called in the timer thread
 * once an idle expiry was handed to the pool's context (rule RP6). */
void     gopod_resource_pool_state_set_expiry_test_hook (void                     (*hook) (gpointer data),
                                                         gpointer                   data);
void     gopod_resource_pool_state_give_back            (GopodResourcePool         *self,
                                                         GObject                   *resource,
                                                         gboolean                   keep,
                                                         const char                *caller);
Take     gopod_resource_pool_state_take_locked          (GopodResourcePool         *self,
                                                         GObject                  **resource);
void     gopod_resource_pool_state_set_closed_error     (GError                   **error);
void     gopod_resource_pool_state_queue_close          (GopodResourcePool         *self,
                                                         PoolOutbox                *out,
                                                         GObject                   *resource);
GObject *gopod_resource_pool_state_create               (GopodResourcePool         *self,
                                                         GCancellable              *cancellable,
                                                         GError                   **error);

G_END_DECLS
