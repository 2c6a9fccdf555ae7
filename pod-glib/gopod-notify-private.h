/* gopod-notify-private.h: property notifications on an object's main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * GopodNotify delivers "notify" for properties that change on any thread, on
 * the main context that was thread-default when the object was created
 * (internals rule 5), at most 32 properties. Changes are coalesced: a property changed many
 * times before the context runs is notified once. Nothing is queued for an
 * object without notify handlers, so objects nobody watches cost one look at
 * their handlers a change.
 *
 * Embed one in the instance; call gopod_notify_init() from instance_init and
 * gopod_notify_clear() from dispose. Once cleared, every queue is a no-op:
 * a disposed object tells nobody, and never from another context.
 */
typedef struct
{
  GMainContext  *context;  /* NULL: the global default context */
  GSource       *source;  /* created on first use, atomically */
  GObject       *object;
  GParamSpec   **pspecs;  /* indexed by property id; static, owned by the class */
  guint          n_pspecs;
  int           *pending;  /* the source's pending bits, once prepared */
} GopodNotify;

void  gopod_notify_init           (GopodNotify  *notify,
                                   GObject      *object,
                                   GParamSpec  **pspecs,
                                   guint         n_pspecs);
void  gopod_notify_queue          (GopodNotify  *notify,
                                   guint         prop_id);
void  gopod_notify_clear          (GopodNotify  *notify);

/* For objects that make their GopodNotify only once someone watches (jobs):
 * capture the context at creation (NULL: the global default; otherwise a
 * reference the notify takes over), check for handlers cheaply... */
GMainContext *gopod_notify_capture_context   (void);
void          gopod_notify_init_with_context (GopodNotify   *notify,
                                              GObject       *object,
                                              GParamSpec   **pspecs,
                                              guint          n_pspecs,
                                              GMainContext  *context);
/* ...and split gopod_notify_queue() in its two halves: whether any notify
 * handler is connected (GLib's global signal lock), and the delivery. */
gboolean      gopod_notify_is_watched        (GObject       *object,
                                              GParamSpec    *pspec);
void          gopod_notify_queue_watched     (GopodNotify   *notify,
                                              guint          prop_id);
/* Whether a change was queued on @notify before (its source exists): later
 * ones then queue at once, without the handlers' look-up. */
static inline gboolean
gopod_notify_has_source (GopodNotify *notify)
{
  return g_atomic_pointer_get (&notify->source) != NULL;
}

/* For state that can outlive its object (a pod's internals run on after the
 * last user reference is gone): gopod_notify_prepare() while the object is
 * alive, then gopod_notify_queue_deferred() from anywhere, any time. It
 * always goes through the context and costs one atomic read when the
 * property is already pending. */
void  gopod_notify_prepare        (GopodNotify  *notify);
void  gopod_notify_queue_deferred (GopodNotify  *notify,
                                   guint         prop_id);
/* The same for several properties at once: bit n for property id n. Inline:
 * on a hot path, properties already pending cost one atomic read. */
void  gopod_notify_mark_deferred  (GopodNotify  *notify,
                                   guint         prop_bits);

static inline void
gopod_notify_queue_deferred_mask (GopodNotify *notify,
                                  guint        prop_bits)
{
  if (((guint) g_atomic_int_get ((int *) g_atomic_pointer_get (&notify->pending)) & prop_bits) != prop_bits)
    gopod_notify_mark_deferred (notify, prop_bits);
}

G_END_DECLS
