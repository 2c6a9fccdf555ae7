/* gopod-resource-pool.h: a pool of shared resources (connections, buffers)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (GOPOD_INSIDE) && !defined (GOPOD_COMPILATION)
# error "Only <pod-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gopod-version-macros.h"

G_BEGIN_DECLS

#define GOPOD_TYPE_RESOURCE_POOL (gopod_resource_pool_get_type ())

GOPOD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GopodResourcePool, gopod_resource_pool, GOPOD, RESOURCE_POOL, GObject)

/**
 * GopodResourcePoolClass:
 * @parent_class: the parent class
 * @create: makes a new resource. Called with no pool lock held, in the
 *   thread that called [method@Gopod.ResourcePool.acquire], or on the
 *   caller's thread-default main context for
 *   [method@Gopod.ResourcePool.acquire_async]. Returns the resource, or
 *   %NULL with @error set. The default calls the factory given to
 *   [ctor@Gopod.ResourcePool.new].
 * @close: closes a resource the pool no longer keeps (released beyond
 *   [property@Gopod.ResourcePool:size], destroyed, expired, or closed with the
 *   pool). Called with no pool lock held; the pool drops its reference
 *   afterwards. The default does nothing beyond that.
 *
 * The virtual methods of [class@Gopod.ResourcePool].
 *
 * Since: 1.0
 */
struct _GopodResourcePoolClass
{
  GObjectClass parent_class;

  GObject *(*create) (GopodResourcePool  *pool,
                      GCancellable       *cancellable,
                      GError            **error);
  void     (*close)  (GopodResourcePool  *pool,
                      GObject            *resource);

  /*< private >*/
  gpointer padding[12];
};

/**
 * GopodResourcePoolClass::create:
 * @pool: the pool
 * @cancellable: (nullable): the cancellable given to the acquire call
 * @error: return location for an error
 *
 * Makes a new resource; see [class@Gopod.ResourcePool].
 * Python subclasses implement `do_create (self, cancellable)`.
 *
 * Returns: (transfer full) (nullable): a new resource, or %NULL with @error set
 *
 * Since: 1.0
 */

/**
 * GopodResourcePoolClass::close:
 * @pool: the pool
 * @resource: (transfer none): the resource to close
 *
 * Closes a resource the pool no longer keeps; see
 * [class@Gopod.ResourcePool]. Python subclasses implement
 * `do_close (self, resource)`.
 *
 * Since: 1.0
 */

/**
 * GopodResourceFactory:
 * @cancellable: (nullable): the cancellable given to the acquire call
 * @user_data: the data given to [ctor@Gopod.ResourcePool.new]
 * @error: return location for the factory's error
 *
 * Makes a new resource for a [class@Gopod.ResourcePool] (Go in Action's
 * `factory`). It runs in the thread that called
 * [method@Gopod.ResourcePool.acquire], or on the caller's thread-default main
 * context for [method@Gopod.ResourcePool.acquire_async], with no pool lock
 * held: it may call back into the pool.
 *
 * Returns: (transfer full) (nullable): a new resource, or %NULL with @error set
 *
 * Since: 1.0
 */
typedef GObject *(*GopodResourceFactory) (GCancellable  *cancellable,
                                          gpointer       user_data,
                                          GError       **error);

GOPOD_AVAILABLE_IN_ALL
GopodResourcePool *gopod_resource_pool_new                   (GopodResourceFactory   factory,
                                                              gpointer               user_data,
                                                              GDestroyNotify         destroy,
                                                              guint                  size);
GOPOD_AVAILABLE_IN_ALL G_GNUC_WARN_UNUSED_RESULT
GObject           *gopod_resource_pool_acquire               (GopodResourcePool     *pool,
                                                              GCancellable          *cancellable,
                                                              GError               **error);
GOPOD_AVAILABLE_IN_ALL
void               gopod_resource_pool_acquire_async         (GopodResourcePool     *pool,
                                                              GCancellable          *cancellable,
                                                              GAsyncReadyCallback    callback,
                                                              gpointer               user_data);
GOPOD_AVAILABLE_IN_ALL G_GNUC_WARN_UNUSED_RESULT
GObject           *gopod_resource_pool_acquire_finish        (GopodResourcePool     *pool,
                                                              GAsyncResult          *result,
                                                              GError               **error);
GOPOD_AVAILABLE_IN_ALL
void               gopod_resource_pool_release               (GopodResourcePool     *pool,
                                                              GObject               *resource);
GOPOD_AVAILABLE_IN_ALL
void               gopod_resource_pool_destroy               (GopodResourcePool     *pool,
                                                              GObject               *resource);
GOPOD_AVAILABLE_IN_ALL
void               gopod_resource_pool_close                 (GopodResourcePool     *pool);

GOPOD_AVAILABLE_IN_ALL
guint              gopod_resource_pool_get_size              (GopodResourcePool     *pool);
GOPOD_AVAILABLE_IN_ALL
void               gopod_resource_pool_set_size              (GopodResourcePool     *pool,
                                                              guint                  size);
GOPOD_AVAILABLE_IN_ALL
guint              gopod_resource_pool_get_max_size          (GopodResourcePool     *pool);
GOPOD_AVAILABLE_IN_ALL
void               gopod_resource_pool_set_max_size          (GopodResourcePool     *pool,
                                                              guint                  max_size);
GOPOD_AVAILABLE_IN_ALL
guint              gopod_resource_pool_get_acquire_timeout_ms (GopodResourcePool    *pool);
GOPOD_AVAILABLE_IN_ALL
void               gopod_resource_pool_set_acquire_timeout_ms (GopodResourcePool    *pool,
                                                               guint                 timeout_ms);
GOPOD_AVAILABLE_IN_ALL
guint              gopod_resource_pool_get_max_idle_time_ms  (GopodResourcePool     *pool);
GOPOD_AVAILABLE_IN_ALL
void               gopod_resource_pool_set_max_idle_time_ms  (GopodResourcePool     *pool,
                                                              guint                  max_idle_time_ms);
GOPOD_AVAILABLE_IN_ALL
guint              gopod_resource_pool_get_idle              (GopodResourcePool     *pool);
GOPOD_AVAILABLE_IN_ALL
guint              gopod_resource_pool_get_in_use            (GopodResourcePool     *pool);
GOPOD_AVAILABLE_IN_ALL
gboolean           gopod_resource_pool_get_closed            (GopodResourcePool     *pool);
GOPOD_AVAILABLE_IN_ALL
guint64            gopod_resource_pool_get_created           (GopodResourcePool     *pool);
GOPOD_AVAILABLE_IN_ALL
guint64            gopod_resource_pool_get_acquired          (GopodResourcePool     *pool);
GOPOD_AVAILABLE_IN_ALL
guint64            gopod_resource_pool_get_waited            (GopodResourcePool     *pool);

G_END_DECLS
