/* gopod-throttler-private.h: what the tests measure of a throttler
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-throttler.h"

G_BEGIN_DECLS

/* How many times a waiting ticket was looked at, in total: the cost of
 * waking waiters, which must not grow with their number (internals rule
 * T2). */
guint64  gopod_throttler_get_n_examined  (GopodThrottler *self);

G_END_DECLS
