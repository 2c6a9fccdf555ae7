/* gopod-resource-pool.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-resource-pool.h"

G_DEFINE_TYPE (GopodResourcePool, gopod_resource_pool, G_TYPE_OBJECT)

static void
gopod_resource_pool_class_init (GopodResourcePoolClass *klass)
{
}

static void
gopod_resource_pool_init (GopodResourcePool *self)
{
}
