/* gopod-throttler.h
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

#define GOPOD_TYPE_THROTTLER (gopod_throttler_get_type ())

GOPOD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GopodThrottler, gopod_throttler, GOPOD, THROTTLER, GObject)

G_END_DECLS
