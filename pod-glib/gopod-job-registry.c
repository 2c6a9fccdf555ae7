/* gopod-job-registry.c: what a job shows a desktop: status, key, pause, times
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The job side of the job registry (since 1.2), beside the job's core in
 * gopod-job.c and its owner interface in gopod-job-owner.c. Everything here
 * lives in the job's JobExtra, under the job's lock.
 */

#include "gopod-job-state-private.h"

#include "gopod-wait-private.h"

/**
 * gopod_job_dup_status:
 * @job: a job
 *
 * Gets [property@Gopod.Job:status]. A copy: another thread may change it
 * at any time.
 *
 * Returns: (nullable) (transfer full): what the job does now
 *
 * Since: 1.2
 */
char *
gopod_job_dup_status (GopodJob *job)
{
  GopodJobPrivate *priv;
  char *status;

  g_return_val_if_fail (GOPOD_IS_JOB (job), NULL);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  status = g_strdup (priv->extra != NULL ? priv->extra->status : NULL);
  g_mutex_unlock (&priv->lock);

  return status;
}

/**
 * gopod_job_set_status:
 * @job: a job
 * @status: (nullable): what the job does now, for a progress display
 *
 * Sets [property@Gopod.Job:status]. Safe from any thread; handlers of
 * `notify::status` run on the job's main context, and many changes between
 * two iterations of it are notified once.
 *
 * Since: 1.2
 */
void
gopod_job_set_status (GopodJob   *job,
                      const char *status)
{
  g_return_if_fail (GOPOD_IS_JOB (job));

  gopod_job_priv_set_string (job, G_STRUCT_OFFSET (JobExtra, status), status, PROP_STATUS, FALSE);
}

/**
 * gopod_job_get_key:
 * @job: a job
 *
 * Gets [property@Gopod.Job:key].
 *
 * Returns: (nullable): the job's serial lane, or %NULL for none
 *
 * Since: 1.2
 */
const char *
gopod_job_get_key (GopodJob *job)
{
  g_return_val_if_fail (GOPOD_IS_JOB (job), NULL);

  return gopod_job_peek_key (job);
}

/**
 * gopod_job_set_key:
 * @job: a job that has not been added yet
 * @key: (nullable): the job's serial lane, or %NULL for none
 *
 * Sets [property@Gopod.Job:key]. Jobs of one key run one at a time, in the
 * order they were added. The key of a job already added cannot change: its
 * lane is chosen then.
 *
 * Since: 1.2
 */
void
gopod_job_set_key (GopodJob   *job,
                   const char *key)
{
  g_return_if_fail (GOPOD_IS_JOB (job));
  g_return_if_fail (gopod_job_get_state (job) == GOPOD_JOB_STATE_NEW);

  /* Added meanwhile, by another thread. */
  if (!gopod_job_priv_set_string (job, G_STRUCT_OFFSET (JobExtra, key), key, PROP_KEY, TRUE))
    g_critical ("%s: assertion 'gopod_job_get_state (job) == GOPOD_JOB_STATE_NEW' failed", G_STRFUNC);
}

/**
 * gopod_job_get_paused:
 * @job: a job
 *
 * Gets [property@Gopod.Job:paused].
 *
 * Returns: whether @job is paused
 *
 * Since: 1.2
 */
gboolean
gopod_job_get_paused (GopodJob *job)
{
  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);

  return gopod_job_peek_paused (job);
}

/**
 * gopod_job_pause:
 * @job: a job
 *
 * Pauses @job, from any thread. A queued job is passed over by its pod,
 * which starts others, until it is resumed. A running job goes on until
 * its work calls [method@Gopod.Job.check_pause], which then blocks until
 * the job is resumed or cancelled; work that never calls it runs on.
 * Paused time does not count in [method@Gopod.Job.get_elapsed_ms]. Pausing
 * a paused or ended job does nothing.
 *
 * Since: 1.2
 */
void
gopod_job_pause (GopodJob *job)
{
  GopodJobPrivate *priv;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = !gopod_job_priv_state_is_final (priv->state) &&
            (priv->extra == NULL || !priv->extra->paused);
  if (changed)
    {
      JobExtra *extra = gopod_job_priv_ensure_extra_locked (priv);

      g_atomic_int_set (&extra->paused, TRUE);
      extra->paused_at = priv->started ? g_get_monotonic_time () : 0;
    }
  g_mutex_unlock (&priv->lock);

  if (changed)
    gopod_job_priv_notify (job, PROP_PAUSED);
}

/**
 * gopod_job_resume:
 * @job: a job
 *
 * Resumes a paused job, from any thread: a queued one gets its turn again
 * (in its place: it was passed over, not moved back), a running one blocked
 * in [method@Gopod.Job.check_pause] goes on. Resuming a job that is not
 * paused does nothing.
 *
 * Since: 1.2
 */
void
gopod_job_resume (GopodJob *job)
{
  GopodJobPrivate *priv;
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GopodJobResumeFunc resume_func = NULL;
  GDestroyNotify resume_destroy = NULL;
  gpointer resume_data = NULL;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = priv->extra != NULL && priv->extra->paused;
  if (changed)
    {
      JobExtra *extra = priv->extra;

      g_atomic_int_set (&extra->paused, FALSE);
      if (priv->started && !gopod_job_priv_state_is_final (priv->state))
        extra->paused_for += g_get_monotonic_time () - extra->paused_at;
      gopod_wait_list_fire_all (&extra->pause_waiters, &out);
      /* Our own reference: the job's end may drop the job's as soon as
       * we unlock. */
      resume_func = extra->resume_func;
      if (resume_func != NULL)
        {
          resume_data = extra->resume_ref (extra->resume_data);
          resume_destroy = extra->resume_destroy;
        }
    }
  g_mutex_unlock (&priv->lock);
  gopod_outbox_flush (&out);

  if (!changed)
    return;
  gopod_job_priv_notify (job, PROP_PAUSED);
  if (resume_func != NULL)
    {
      resume_func (job, resume_data);
      resume_destroy (resume_data);
    }
}

static gboolean
job_registry_pause_is_over (gpointer data)
{
  GopodJobPrivate *priv = data;

  return !priv->extra->paused || gopod_job_priv_stop_reason (priv) != STOP_NONE;
}

/**
 * gopod_job_check_pause:
 * @job: the running job whose work calls it
 * @cancellable: (nullable): the cancellable given to the work
 * @error: return location for a #GError
 *
 * A pause point for a job's work: call it from `run` between steps (each
 * chunk of a file, each item of a list). While the job is paused it blocks,
 * without polling, until the job is resumed. It returns %FALSE with
 * %G_IO_ERROR_CANCELLED when @cancellable is cancelled or the job is
 * cancelled (or times out, with %GOPOD_ERROR_TIMEOUT), paused or not, so one
 * call serves as the work's cancellation check too.
 *
 * It blocks the calling thread: call it from thread jobs' work. A
 * main-context job watches [property@Gopod.Job:paused] instead.
 *
 * Returns: %TRUE when the work should go on
 *
 * Since: 1.2
 */
gboolean
gopod_job_check_pause (GopodJob      *job,
                       GCancellable  *cancellable,
                       GError       **error)
{
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;
  GopodJobPrivate *priv;
  gboolean ok = TRUE;

  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  /* The common case, neither paused nor stopped: two atomic reads. */
  if (!gopod_job_peek_paused (job) && gopod_job_priv_stop_reason (JOB_PRIV (job)) == STOP_NONE)
    return TRUE;

  priv = JOB_PRIV (job);
  options.cancellable = cancellable;
  g_mutex_lock (&priv->lock);
  if (priv->extra != NULL)
    ok = gopod_wait_until (&priv->extra->pause_waiters, job_registry_pause_is_over, priv, &options, error);
  if (ok && gopod_job_priv_stop_reason (priv) != STOP_NONE)
    {
      g_propagate_error (error, gopod_job_priv_stop_error (gopod_job_priv_stop_reason (priv)));
      ok = FALSE;
    }
  g_mutex_unlock (&priv->lock);

  return ok;
}

/* The running time until @now of a started job that has not ended. */
static gint64
job_registry_run_time_locked (GopodJobPrivate *priv,
                              gint64           now)
{
  JobExtra *extra = priv->extra;
  gint64 paused = 0;

  if (extra != NULL)
    paused = extra->paused_for + (extra->paused ? now - extra->paused_at : 0);
  return now - priv->run_time - paused;
}

static gint64
job_registry_elapsed_us_locked (GopodJobPrivate *priv)
{
  if (!priv->started)
    return 0;
  if (gopod_job_priv_state_is_final (priv->state))
    return priv->run_time;
  return job_registry_run_time_locked (priv, g_get_monotonic_time ());
}

/**
 * gopod_job_get_elapsed_ms:
 * @job: a job
 *
 * How long @job has been running: from its start to its end (or now),
 * paused time excluded. Time spent queued does not count.
 *
 * Returns: the running time in milliseconds; 0 before the job starts
 *
 * Since: 1.2
 */
guint64
gopod_job_get_elapsed_ms (GopodJob *job)
{
  GopodJobPrivate *priv;
  gint64 elapsed_us;

  g_return_val_if_fail (GOPOD_IS_JOB (job), 0);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  elapsed_us = job_registry_elapsed_us_locked (priv);
  g_mutex_unlock (&priv->lock);

  return (guint64) elapsed_us / 1000;
}

/**
 * gopod_job_get_remaining_ms:
 * @job: a job
 *
 * An estimate of the running time left, from [property@Gopod.Job:progress]
 * and the running time so far, assuming the rest goes at the pace so far.
 *
 * Returns: milliseconds left; 0 once the job ended; -1 when unknown (not
 *   started, or no progress reported yet)
 *
 * Since: 1.2
 */
gint64
gopod_job_get_remaining_ms (GopodJob *job)
{
  GopodJobPrivate *priv;
  gint64 remaining = -1;

  g_return_val_if_fail (GOPOD_IS_JOB (job), -1);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  if (gopod_job_priv_state_is_final (priv->state))
    remaining = 0;
  else if (priv->started && priv->extra != NULL && priv->extra->progress > 0.0)
    {
      double ms = job_registry_elapsed_us_locked (priv) * (1.0 - priv->extra->progress)
                  / priv->extra->progress / 1000.0;

      /* A tiny progress makes a huge estimate: converting one past what
       * gint64 holds is undefined (it comes out negative on x86). */
      remaining = ms < (double) G_MAXINT64 ? (gint64) ms : G_MAXINT64;
    }
  g_mutex_unlock (&priv->lock);

  return remaining;
}

/* The owner's side (gopod-job-private.h, gopod-job-state-private.h) */

void
gopod_job_priv_mark_started_locked (GopodJobPrivate *priv)
{
  priv->run_time = g_get_monotonic_time ();
  /* Paused before it started: paused from now (waiting is not running). */
  if (priv->extra != NULL && priv->extra->paused)
    priv->extra->paused_at = priv->run_time;
}

void
gopod_job_priv_mark_ended_locked (GopodJobPrivate *priv)
{
  if (priv->started)
    priv->run_time = job_registry_run_time_locked (priv, g_get_monotonic_time ());
}

void
gopod_job_priv_clear_registry (JobExtra *extra)
{
  g_assert (gopod_wait_list_is_empty (&extra->pause_waiters));
  g_free (extra->status);
  g_free (extra->key);
  if (extra->resume_func != NULL)
    extra->resume_destroy (extra->resume_data);
}

void
gopod_job_priv_steal_resume_func_locked (JobExtra    *extra,
                                         GopodOutbox *out)
{
  if (extra == NULL || extra->resume_func == NULL)
    return;
  gopod_outbox_add (out, (GopodOutboxFunc) extra->resume_destroy, extra->resume_data);
  extra->resume_func = NULL;
  extra->resume_data = NULL;
}

gboolean
gopod_job_peek_paused (GopodJob *job)
{
  JobExtra *extra = gopod_job_priv_peek_extra (JOB_PRIV (job));

  return extra != NULL && g_atomic_int_get (&extra->paused);
}

const char *
gopod_job_peek_key (GopodJob *job)
{
  JobExtra *extra = gopod_job_priv_peek_extra (JOB_PRIV (job));

  return extra != NULL ? extra->key : NULL;
}

void
gopod_job_set_resume_func (GopodJob           *job,
                           GopodJobResumeFunc  resume_func,
                           gpointer            data,
                           gpointer          (*ref) (gpointer),
                           GDestroyNotify      destroy)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  JobExtra *extra;
  gboolean set;

  g_mutex_lock (&priv->lock);
  extra = gopod_job_priv_ensure_extra_locked (priv);
  /* Ended: its end dropped the hook already, or will, and nothing would
   * drop one set now before the job is finalized. */
  set = extra->resume_func == NULL && !priv->ended;
  if (set)
    {
      extra->resume_func = resume_func;
      extra->resume_data = data;
      extra->resume_ref = ref;
      extra->resume_destroy = destroy;
    }
  g_mutex_unlock (&priv->lock);

  if (!set && destroy != NULL)
    destroy (data);
}

gboolean
gopod_job_has_pause_waiters (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  gboolean waited;

  g_mutex_lock (&priv->lock);
  waited = priv->extra != NULL && !gopod_wait_list_is_empty (&priv->extra->pause_waiters);
  g_mutex_unlock (&priv->lock);

  return waited;
}
