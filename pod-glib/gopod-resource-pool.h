/* gopod-resource-pool.h
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

struct _GopodResourcePoolClass
{
  GObjectClass parent_class;
  /*< private >*/
  gpointer padding[12];
};

G_END_DECLS
