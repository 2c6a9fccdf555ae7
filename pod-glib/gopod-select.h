/* gopod-select.h: Go's select over channels, timeouts and cancellables
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (GOPOD_INSIDE) && !defined (GOPOD_COMPILATION)
# error "Only <pod-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gopod-channel.h"
#include "gopod-version-macros.h"

G_BEGIN_DECLS

#define GOPOD_TYPE_SELECT (gopod_select_get_type ())

GOPOD_AVAILABLE_IN_1_2
G_DECLARE_FINAL_TYPE (GopodSelect, gopod_select, GOPOD, SELECT, GObject)

GOPOD_AVAILABLE_IN_1_2
GopodSelect *gopod_select_new            (void);

GOPOD_AVAILABLE_IN_1_2
guint        gopod_select_add_receive    (GopodSelect         *self,
                                          GopodChannel        *channel);
GOPOD_AVAILABLE_IN_1_2
guint        gopod_select_add_send       (GopodSelect         *self,
                                          GopodChannel        *channel,
                                          const GValue        *value);
GOPOD_AVAILABLE_IN_1_2
guint        gopod_select_add_timeout    (GopodSelect         *self,
                                          guint                timeout_ms);
GOPOD_AVAILABLE_IN_1_2
guint        gopod_select_add_cancelled  (GopodSelect         *self,
                                          GCancellable        *cancellable);
GOPOD_AVAILABLE_IN_1_2
void         gopod_select_set_value      (GopodSelect         *self,
                                          guint                case_index,
                                          const GValue        *value);
GOPOD_AVAILABLE_IN_1_2
guint        gopod_select_get_n_cases    (GopodSelect         *self);

GOPOD_AVAILABLE_IN_1_2
gint         gopod_select_wait           (GopodSelect         *self,
                                          GCancellable        *cancellable,
                                          GError             **error);
GOPOD_AVAILABLE_IN_1_2
gint         gopod_select_try            (GopodSelect         *self);
GOPOD_AVAILABLE_IN_1_2
void         gopod_select_wait_async     (GopodSelect         *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GOPOD_AVAILABLE_IN_1_2
gint         gopod_select_wait_finish    (GopodSelect         *self,
                                          GAsyncResult        *result,
                                          GError             **error);

GOPOD_AVAILABLE_IN_1_2
gboolean     gopod_select_get_value      (GopodSelect         *self,
                                          GValue              *value);
GOPOD_AVAILABLE_IN_1_2
gboolean     gopod_select_get_closed     (GopodSelect         *self);

G_END_DECLS
