/* gopod-channel.h: Go's channels, across threads and main loops
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

#define GOPOD_TYPE_CHANNEL (gopod_channel_get_type ())

/**
 * GOPOD_CHANNEL_UNBOUNDED:
 *
 * The capacity of a channel whose sends never wait: the buffer grows as
 * needed.
 *
 * Since: 1.2
 */
#define GOPOD_CHANNEL_UNBOUNDED G_MAXUINT

GOPOD_AVAILABLE_IN_1_2
G_DECLARE_FINAL_TYPE (GopodChannel, gopod_channel, GOPOD, CHANNEL, GObject)

GOPOD_AVAILABLE_IN_1_2
GopodChannel *gopod_channel_new              (GType                element_type,
                                              guint                capacity);
GOPOD_AVAILABLE_IN_1_2
GopodChannel *gopod_channel_new_timer        (guint                timeout_ms);
GOPOD_AVAILABLE_IN_1_2
GopodChannel *gopod_channel_new_ticker       (guint                interval_ms);

GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_send             (GopodChannel        *self,
                                              const GValue        *value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_receive          (GopodChannel        *self,
                                              GValue              *value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_try_send         (GopodChannel        *self,
                                              const GValue        *value,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_try_receive      (GopodChannel        *self,
                                              GValue              *value,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
void          gopod_channel_send_async       (GopodChannel        *self,
                                              const GValue        *value,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_send_finish      (GopodChannel        *self,
                                              GAsyncResult        *result,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
void          gopod_channel_receive_async    (GopodChannel        *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_receive_finish   (GopodChannel        *self,
                                              GAsyncResult        *result,
                                              GValue              *value,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
void          gopod_channel_close            (GopodChannel        *self);

GOPOD_AVAILABLE_IN_1_2
GType         gopod_channel_get_element_type (GopodChannel        *self);
GOPOD_AVAILABLE_IN_1_2
guint         gopod_channel_get_capacity     (GopodChannel        *self);
GOPOD_AVAILABLE_IN_1_2
guint         gopod_channel_get_length       (GopodChannel        *self);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_get_closed       (GopodChannel        *self);

/* Typed shorthands for C; bindings pass GValues. */
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_send_int         (GopodChannel        *self,
                                              gint                 value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_receive_int      (GopodChannel        *self,
                                              gint                *value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_send_string      (GopodChannel        *self,
                                              const char          *value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_receive_string   (GopodChannel        *self,
                                              char               **value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_send_object      (GopodChannel        *self,
                                              gpointer             value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_receive_object   (GopodChannel        *self,
                                              gpointer            *value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_send_pointer     (GopodChannel        *self,
                                              gpointer             value,
                                              GCancellable        *cancellable,
                                              GError             **error);
GOPOD_AVAILABLE_IN_1_2
gboolean      gopod_channel_receive_pointer  (GopodChannel        *self,
                                              gpointer            *value,
                                              GCancellable        *cancellable,
                                              GError             **error);

G_END_DECLS
