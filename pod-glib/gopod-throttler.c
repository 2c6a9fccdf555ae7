/* gopod-throttler.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-throttler.h"

struct _GopodThrottler { GObject parent_instance; };
G_DEFINE_FINAL_TYPE (GopodThrottler, gopod_throttler, G_TYPE_OBJECT)

static void
gopod_throttler_class_init (GopodThrottlerClass *klass)
{
}

static void
gopod_throttler_init (GopodThrottler *self)
{
}
