/* gopod-notify.c: property notifications on an object's main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-notify-private.h"

/* The source owns everything its dispatch touches, so it may run while the
 * object is being finalized on another thread: it only reaches the object
 * through a weak reference. */
typedef struct
{
  GSource      source;
  GWeakRef     object;
  guint        pending;  /* atomic; bit n: property id n changed */
  GParamSpec **pspecs;
  guint        n_pspecs;
} NotifySource;

static gsize notify_signal_once;
static guint notify_signal_id;

/* What a cleared notify's pending bits point to: every property pending,
 * so that gopod_notify_queue_deferred_mask() stops at its atomic read. */
static int notify_cleared_bits = -1;

/* Cleared (the object was disposed): nobody is told any more. Dispose may
 * run early (g_object_run_dispose()) and the object must go on answering
 * its methods; making a source again would attach it to the global default
 * context, since the notify's own context is gone. */
static gboolean
notify_is_cleared (GopodNotify *notify)
{
  return g_atomic_pointer_get (&notify->pending) == (gpointer) &notify_cleared_bits;
}

static gboolean
notify_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  NotifySource *self = (NotifySource *) source;
  g_autoptr(GObject) object = NULL;
  guint pending;

  /* Disarm before taking the bits: a bit set after the exchange re-arms. */
  g_source_set_ready_time (source, -1);
  pending = (guint) g_atomic_int_exchange ((int *) &self->pending, 0);

  object = g_weak_ref_get (&self->object);
  if (object == NULL)
    return G_SOURCE_CONTINUE;

  g_object_freeze_notify (object);
  for (guint id = 1; id < self->n_pspecs; id++)
    if (pending & (1u << id))
      g_object_notify_by_pspec (object, self->pspecs[id]);
  g_object_thaw_notify (object);

  return G_SOURCE_CONTINUE;
}

static void
notify_source_finalize (GSource *source)
{
  NotifySource *self = (NotifySource *) source;

  g_weak_ref_clear (&self->object);
}

static GSourceFuncs notify_source_funcs = {
  .dispatch = notify_source_dispatch,
  .finalize = notify_source_finalize,
};

static GSource *
notify_source_new (GopodNotify *notify)
{
  NotifySource *self;

  self = (NotifySource *) g_source_new (&notify_source_funcs, sizeof *self);
  g_weak_ref_init (&self->object, notify->object);
  self->pspecs = notify->pspecs;
  self->n_pspecs = notify->n_pspecs;
  g_source_set_static_name ((GSource *) self, "[pod-glib] notify");
  g_source_set_priority ((GSource *) self, G_PRIORITY_DEFAULT);
  g_source_set_ready_time ((GSource *) self, -1);

  return (GSource *) self;
}

/* NULL stands for the global default context, which is never freed: most
 * objects are made there, and taking a reference to it from every thread
 * would make its reference count a contended cache line. */
static GMainContext *
notify_context (GopodNotify *notify)
{
  return notify->context != NULL ? notify->context : g_main_context_default ();
}

static GMainContext *
notify_capture_thread_default (void)
{
  GMainContext *context = g_main_context_get_thread_default ();

  return context != NULL ? g_main_context_ref (context) : NULL;
}

/* Sources are made on first use: most jobs are never watched. A source is
 * attached before it is published: a thread that finds it marks it pending
 * with g_source_set_ready_time(), which reads the context that attaching
 * sets (published first, the two raced). One made in vain by a thread that
 * lost the race is destroyed. */
static GSource *
notify_ensure_source (GopodNotify *notify)
{
  GSource *source = g_atomic_pointer_get (&notify->source);

  if (source == NULL)
    {
      GSource *fresh = notify_source_new (notify);

      g_source_attach (fresh, notify_context (notify));
      if (g_atomic_pointer_compare_and_exchange (&notify->source, NULL, fresh))
        source = fresh;
      else
        {
          g_source_destroy (fresh);
          g_source_unref (fresh);
          source = g_atomic_pointer_get (&notify->source);
        }
    }

  return source;
}

static void
notify_ensure_signal_id (void)
{
  if (g_once_init_enter (&notify_signal_once))
    {
      notify_signal_id = g_signal_lookup ("notify", G_TYPE_OBJECT);
      g_once_init_leave (&notify_signal_once, 1);
    }
}

void
gopod_notify_init (GopodNotify  *notify,
                   GObject      *object,
                   GParamSpec  **pspecs,
                   guint         n_pspecs)
{
  gopod_notify_init_with_context (notify, object, pspecs, n_pspecs, notify_capture_thread_default ());
}

void
gopod_notify_init_with_context (GopodNotify   *notify,
                                GObject       *object,
                                GParamSpec   **pspecs,
                                guint          n_pspecs,
                                GMainContext  *context)
{
  g_assert (n_pspecs <= 32);

  notify_ensure_signal_id ();
  notify->context = context;
  /* Atomic: a thread that finds the job watched reads it without the
   * job's lock (gopod_notify_has_source()). */
  g_atomic_pointer_set (&notify->source, NULL);
  notify->pending = NULL;
  notify->object = object;
  notify->pspecs = pspecs;
  notify->n_pspecs = n_pspecs;
}

/* The one delivery policy of pod-glib's notifications, for every class:
 *
 * - Always deferred to the object's context, also when the caller is that
 *   context's own thread: a handler never runs inside the library call that
 *   changed the property (it may re-enter the library, which must not be
 *   half way through a change), and it runs on the same thread, in the same
 *   order, whichever thread made the change.
 * - Coalesced: changes are bits in the source; a property changed a
 *   thousand times between two iterations of the context is notified once,
 *   with its latest value. Only the first change of a burst writes to
 *   shared memory and wakes the context; the rest stop at the atomic read.
 * - Only for watched objects: until a source exists, a change costs one
 *   look at the object's handlers (gopod_notify_queue()) and nothing else,
 *   since most objects (jobs) are never watched. Objects that change on a
 *   hot path make their source up front (gopod_notify_prepare()) and never
 *   take GLib's global signal lock to look; their source's dispatch costs
 *   nothing without handlers. */
static void
notify_source_mark_pending (NotifySource *source,
                            guint         bits)
{
  if ((g_atomic_int_get (&source->pending) & bits) == bits)
    return;
  if (g_atomic_int_or (&source->pending, bits) == 0)
    g_source_set_ready_time ((GSource *) source, 0);
}

GMainContext *
gopod_notify_capture_context (void)
{
  return notify_capture_thread_default ();
}

gboolean
gopod_notify_is_watched (GObject    *object,
                         GParamSpec *pspec)
{
  notify_ensure_signal_id ();
  /* One look at the object's handlers, whatever their detail: cheaper than
   * asking for `notify::name` and plain `notify` apart, and a handler of
   * another property only costs a detour through GLib's own filtering. */
  return g_signal_handler_find (object, G_SIGNAL_MATCH_ID, notify_signal_id, 0,
                                NULL, NULL, NULL) != 0;
}

void
gopod_notify_queue (GopodNotify *notify,
                    guint        prop_id)
{
  if (notify_is_cleared (notify))
    return;
  if (gopod_notify_has_source (notify) ||
      gopod_notify_is_watched (notify->object, notify->pspecs[prop_id]))
    gopod_notify_queue_watched (notify, prop_id);
}

void
gopod_notify_queue_watched (GopodNotify *notify,
                            guint        prop_id)
{
  if (notify_is_cleared (notify))
    return;
  notify_source_mark_pending ((NotifySource *) notify_ensure_source (notify), 1u << prop_id);
}

void
gopod_notify_prepare (GopodNotify *notify)
{
  NotifySource *source = (NotifySource *) notify_ensure_source (notify);

  notify->pending = (int *) &source->pending;
}

void
gopod_notify_queue_deferred (GopodNotify *notify,
                             guint        prop_id)
{
  gopod_notify_mark_deferred (notify, 1u << prop_id);
}

void
gopod_notify_mark_deferred (GopodNotify *notify,
                            guint        prop_bits)
{
  GSource *source = g_atomic_pointer_get (&notify->source);

  /* Cleared meanwhile: nobody to tell. */
  if (source == NULL)
    return;
  notify_source_mark_pending ((NotifySource *) source, prop_bits);
}

void
gopod_notify_clear (GopodNotify *notify)
{
  GSource *source = g_atomic_pointer_exchange (&notify->source, NULL);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
  g_atomic_pointer_set (&notify->pending, &notify_cleared_bits);
  g_clear_pointer (&notify->context, g_main_context_unref);
}
