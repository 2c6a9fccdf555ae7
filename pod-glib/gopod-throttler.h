/* gopod-throttler.h: bound the number of jobs in flight (nozzle/throttler)
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

GOPOD_AVAILABLE_IN_ALL
GopodThrottler *gopod_throttler_new                   (guint                max_workers,
                                                       guint                total_jobs);
GOPOD_AVAILABLE_IN_ALL
GopodThrottler *gopod_throttler_new_batched           (guint                max_workers,
                                                       guint                total_items,
                                                       guint                batch_size);

GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_throttle              (GopodThrottler      *self);
GOPOD_AVAILABLE_IN_ALL
void            gopod_throttler_throttle_async        (GopodThrottler      *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_throttle_finish       (GopodThrottler      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
GOPOD_AVAILABLE_IN_ALL
void            gopod_throttler_done                  (GopodThrottler      *self,
                                                       const GError        *error);
GOPOD_AVAILABLE_IN_ALL
void            gopod_throttler_done_ok               (GopodThrottler      *self);
GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_wait                  (GopodThrottler      *self);
GOPOD_AVAILABLE_IN_ALL
void            gopod_throttler_wait_async            (GopodThrottler      *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_wait_finish           (GopodThrottler      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_get_max_workers       (GopodThrottler      *self);
GOPOD_AVAILABLE_IN_ALL
void            gopod_throttler_set_max_workers       (GopodThrottler      *self,
                                                       guint                max_workers);
GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_get_total_jobs        (GopodThrottler      *self);
GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_get_batch_start_index (GopodThrottler      *self);
GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_get_batch_end_index   (GopodThrottler      *self);

GOPOD_AVAILABLE_IN_ALL
guint           gopod_throttler_get_error_count       (GopodThrottler      *self);
GOPOD_AVAILABLE_IN_ALL
GError         *gopod_throttler_get_error             (GopodThrottler      *self);
GOPOD_AVAILABLE_IN_ALL
GPtrArray      *gopod_throttler_get_errors            (GopodThrottler      *self);

G_END_DECLS
