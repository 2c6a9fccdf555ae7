/* gopod-job-owner.c: how owners (pods, runners) drive a job
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-job-state-private.h"

#include "gopod-error.h"
#include "gopod-release-private.h"
#include "gopod-source-private.h"
#include "gopod-timer-private.h"

/* Outbox action: the QUEUED state's notification. */
static void
job_owner_notify_state (gpointer job)
{
  gopod_job_priv_notify (job, PROP_STATE);
}

gboolean
gopod_job_claim (GopodJob            *job,
                 const GopodJobOwner *owner,
                 gpointer             owner_data,
                 GopodOutbox         *out)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  GopodJobState state;

  g_mutex_lock (&priv->lock);
  state = priv->state;
  if (state == GOPOD_JOB_STATE_NEW)
    {
      gopod_job_priv_state_set (priv, GOPOD_JOB_STATE_QUEUED);
      /* The priority counts when the job is added: a later change must
       * not reorder the queue it sits in. */
      if (priv->extra != NULL)
        g_atomic_int_set (&priv->extra->queued_priority, priv->extra->priority);
      priv->owner = owner;
      priv->owner_data = owner_data;
    }
  g_mutex_unlock (&priv->lock);

  if (state != GOPOD_JOB_STATE_NEW)
    {
      g_critical ("Job %p (%s) was already added (state %d): a job can be added once",
                  job, G_OBJECT_TYPE_NAME (job), state);
      return FALSE;
    }

  /* The lookup of notify handlers takes GLib's global signal lock: an
   * owner claims under its own lock, so the notification waits for @out. */
  gopod_outbox_add (out, job_owner_notify_state, job);
  return TRUE;
}

void
gopod_job_set_home (GopodJob            *job,
                    const GopodWaitHome *home)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  JobExtra *extra;

  g_mutex_lock (&priv->lock);
  extra = gopod_job_priv_ensure_extra_locked (priv);
  g_assert (!extra->has_home);
  gopod_wait_home_copy (&extra->home, home);
  extra->has_home = TRUE;
  g_mutex_unlock (&priv->lock);
}

static gboolean
job_owner_timed_out (gpointer data)
{
  GopodJob *job = data;
  GopodJobPrivate *priv = JOB_PRIV (job);
  GCancellable *cancellable = NULL;
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  g_mutex_lock (&priv->lock);
  if (priv->state == GOPOD_JOB_STATE_RUNNING && gopod_job_priv_stop_reason (priv) == STOP_NONE)
    {
      gopod_job_priv_stop_locked (priv, STOP_TIMED_OUT, &out);
      cancellable = g_object_ref (gopod_job_priv_ensure_cancellable_locked (priv));
    }
  g_mutex_unlock (&priv->lock);
  gopod_outbox_flush (&out);

  if (cancellable != NULL)
    gopod_job_priv_cancel_work (job, cancellable);

  return G_SOURCE_REMOVE;
}

gboolean
gopod_job_start (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);

  g_mutex_lock (&priv->lock);
  /* A job cancelled while queued is not started, even if its end is still
   * on its way (see job_discard_cancelled() in gopod-job.c). */
  if (priv->state != GOPOD_JOB_STATE_QUEUED || gopod_job_priv_stop_reason (priv) != STOP_NONE)
    {
      g_mutex_unlock (&priv->lock);
      return FALSE;
    }
  gopod_job_priv_state_set (priv, GOPOD_JOB_STATE_RUNNING);
  priv->started = TRUE;
  gopod_job_priv_ensure_cancellable_locked (priv);
  gopod_job_priv_mark_started_locked (priv);
  if (priv->extra != NULL && priv->extra->timeout_ms > 0)
    {
      /* Also compared at the end, so a late timer cannot let a job that
       * ran past its timeout succeed (internals rule J4). */
      priv->extra->deadline = g_get_monotonic_time () + (gint64) priv->extra->timeout_ms * 1000;
      priv->extra->timeout_source = gopod_timer_add (priv->extra->timeout_ms, job_owner_timed_out,
                                                     g_object_ref (job), g_object_unref);
    }
  g_mutex_unlock (&priv->lock);

  gopod_job_priv_notify (job, PROP_STATE);
  return TRUE;
}

void
gopod_job_execute (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  GCancellable *cancellable = NULL;
  GError *run_error = NULL;
  GError *error = NULL;
  JobEndFlags marks;
  gboolean ok;

  g_assert (priv->started);

  /* One mark of serving the job for `run` and `finish` (the end pops it). */
  marks = gopod_job_priv_serving_push (job);
  ok = GOPOD_JOB_GET_CLASS (job)->run (job, priv->cancellable, &run_error);
  if (!ok)
    gopod_propagate_failure (&error, run_error, G_OBJECT_TYPE_NAME (job));
  else
    g_clear_error (&run_error);

  gopod_job_priv_end_full (job, ok ? GOPOD_JOB_STATE_SUCCEEDED : GOPOD_JOB_STATE_FAILED, error,
                           marks, &cancellable);
  gopod_job_priv_recycle_cancellable (cancellable);
}

static gboolean
job_owner_begin_in_context (gpointer data)
{
  GopodJob *job = data;
  GError *begin_error = NULL;
  GError *error = NULL;
  JobEndFlags marks;
  gboolean ok;

  marks = gopod_job_priv_serving_push (job);
  ok = GOPOD_JOB_GET_CLASS (job)->begin (job, JOB_PRIV (job)->cancellable, &begin_error);
  gopod_job_priv_serving_pop (job, marks);
  if (ok)
    {
      g_clear_error (&begin_error);
      return G_SOURCE_REMOVE;
    }

  /* A `begin` that failed after calling complete() has nothing left to
   * end; its error is not dropped silently. */
  gopod_propagate_failure (&error, begin_error, G_OBJECT_TYPE_NAME (job));
  if (gopod_job_is_ended (job))
    {
      g_warning ("%s: begin failed after the job had ended: %s",
                 G_OBJECT_TYPE_NAME (job), error->message);
      g_error_free (error);
    }
  else
    gopod_job_priv_end_full (job, GOPOD_JOB_STATE_FAILED, error, JOB_END_ANY, NULL);

  return G_SOURCE_REMOVE;
}

void
gopod_job_begin_on (GopodJob     *job,
                    GMainContext *context)
{
  g_assert (JOB_PRIV (job)->started);

  /* `begin` may keep the cancellable for async work, and listens to it on
   * @context. */
  g_mutex_lock (&JOB_PRIV (job)->lock);
  gopod_job_priv_set_flags_locked (JOB_PRIV (job), 0, JOB_FLAG_CANCELLABLE_SHARED);
  gopod_job_priv_ensure_extra_locked (JOB_PRIV (job))->begin_context = g_main_context_ref (context);
  g_mutex_unlock (&JOB_PRIV (job)->lock);

  /* Always through a source: g_main_context_invoke() would run `begin`
   * right here if this thread could acquire the (global default) context. */
  gopod_idle_add_on (context, "[pod-glib] job begin",
                     job_owner_begin_in_context, g_object_ref (job), g_object_unref);
}

gboolean
gopod_job_discard (GopodJob     *job,
                   const GError *error)
{
  return gopod_job_priv_end_full (job, GOPOD_JOB_STATE_CANCELLED, g_error_copy (error),
                                  JOB_END_UNSTARTED_ONLY, NULL);
}

GopodJobState
gopod_job_peek_state (GopodJob *job)
{
  return gopod_job_priv_state_get (JOB_PRIV (job));
}

gboolean
gopod_job_is_ended (GopodJob *job)
{
  return gopod_job_priv_state_is_final (gopod_job_get_state (job));
}

void
gopod_job_release (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  int *ref_count = (int *) &((GObject *) job)->ref_count;
  JobExtra *extra;
  int old;

  /* Two others still hold the job: this cannot be the last reference,
   * whatever they do meanwhile, and dropping it notifies no toggle
   * reference (GObject's own unref does just this above two). With one
   * other, that holder may let go at this very moment (internals rule
   * J10). */
  for (old = g_atomic_int_get (ref_count); old > 2; old = g_atomic_int_get (ref_count))
    if (g_atomic_int_compare_and_exchange (ref_count, old, old - 1))
      return;

  /* Finalized on its creation context when someone runs it, else here,
   * and never left behind (R1). */
  extra = gopod_job_priv_peek_extra (priv);
  gopod_release_on (extra != NULL ? extra->context : NULL, g_object_unref, job);
}

guint32
gopod_job_get_seq (GopodJob *job)
{
  return JOB_PRIV (job)->seq;
}

void
gopod_job_set_seq (GopodJob *job,
                   guint32   seq)
{
  JOB_PRIV (job)->seq = seq;
}

int
gopod_job_peek_priority (GopodJob *job)
{
  JobExtra *extra = gopod_job_priv_peek_extra (JOB_PRIV (job));

  return extra != NULL ? g_atomic_int_get (&extra->priority) : 0;
}

int
gopod_job_peek_queued_priority (GopodJob *job)
{
  JobExtra *extra = gopod_job_priv_peek_extra (JOB_PRIV (job));

  return extra != NULL ? g_atomic_int_get (&extra->queued_priority) : 0;
}

gboolean
gopod_job_peek_main_context (GopodJob *job)
{
  return ((GopodJobClass *) G_OBJECT_GET_CLASS (job))->begin != NULL;
}

void
gopod_propagate_failure (GError     **error,
                         GError      *callback_error,
                         const char  *what)
{
  if (callback_error != NULL)
    g_propagate_error (error, callback_error);
  else
    g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                 "%s failed without setting an error", what);
}
