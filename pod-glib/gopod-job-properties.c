/* gopod-job-properties.c: GopodJob's property accessors (state, error,
 * cancellable, title, progress, priority, timeout); the class and its life
 * are in gopod-job.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-job-state-private.h"

/**
 * gopod_job_get_state:
 * @job: a job
 *
 * Gets [property@Gopod.Job:state].
 *
 * Returns: where @job is in its life
 *
 * Since: 1.0
 */
GopodJobState
gopod_job_get_state (GopodJob *job)
{
  g_return_val_if_fail (GOPOD_IS_JOB (job), GOPOD_JOB_STATE_NEW);

  return gopod_job_priv_state_get (JOB_PRIV (job));
}

/**
 * gopod_job_get_error:
 * @job: a job
 *
 * Gets [property@Gopod.Job:error].
 *
 * Returns: (nullable) (transfer none): why @job failed or was cancelled, or
 *   %NULL if it has not (yet)
 *
 * Since: 1.0
 */
const GError *
gopod_job_get_error (GopodJob *job)
{
  GopodJobPrivate *priv;
  const GError *error;

  g_return_val_if_fail (GOPOD_IS_JOB (job), NULL);

  /* Set once, when the job ends, and never changed after. */
  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  error = priv->extra != NULL ? priv->extra->error : NULL;
  g_mutex_unlock (&priv->lock);

  return error;
}

/**
 * gopod_job_get_cancellable:
 * @job: a job
 *
 * The cancellable that [method@Gopod.Job.cancel] and the job's timeout
 * cancel; it is the one passed to [vfunc@Gopod.Job.run] and
 * [vfunc@Gopod.Job.begin], so async work started in `begin` can use it.
 *
 * Returns: (transfer none): the job's cancellable
 *
 * Since: 1.0
 */
GCancellable *
gopod_job_get_cancellable (GopodJob *job)
{
  GopodJobPrivate *priv;
  GCancellable *cancellable;

  g_return_val_if_fail (GOPOD_IS_JOB (job), NULL);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  cancellable = gopod_job_priv_ensure_cancellable_locked (priv);
  gopod_job_priv_set_flags_locked (priv, 0, JOB_FLAG_CANCELLABLE_SHARED);
  g_mutex_unlock (&priv->lock);

  return cancellable;
}

/**
 * gopod_job_get_title:
 * @job: a job
 *
 * Gets [property@Gopod.Job:title].
 *
 * Returns: (nullable): the job's title
 *
 * Since: 1.0
 */
const char *
gopod_job_get_title (GopodJob *job)
{
  JobExtra *extra;

  g_return_val_if_fail (GOPOD_IS_JOB (job), NULL);

  extra = gopod_job_priv_peek_extra (JOB_PRIV (job));
  return extra != NULL ? extra->title : NULL;
}

/**
 * gopod_job_set_title:
 * @job: a job
 * @title: (nullable): a human-readable name
 *
 * Sets [property@Gopod.Job:title]. Set it before the job is shared between
 * threads: the returned string of [method@Gopod.Job.get_title] is not
 * protected against a concurrent change.
 *
 * Since: 1.0
 */
void
gopod_job_set_title (GopodJob   *job,
                     const char *title)
{
  g_return_if_fail (GOPOD_IS_JOB (job));

  gopod_job_priv_set_string (job, G_STRUCT_OFFSET (JobExtra, title), title, PROP_TITLE, FALSE);
}

gboolean
gopod_job_priv_set_string (GopodJob   *job,
                           gsize       offset,
                           const char *value,
                           guint       prop_id,
                           gboolean    only_new)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  char *old = NULL;
  gboolean changed;

  g_mutex_lock (&priv->lock);
  /* Checked in the same hold as the change: a claim in between would let
   * an owner read a value freed here (internals rule G10). */
  if (only_new && priv->state != GOPOD_JOB_STATE_NEW)
    {
      g_mutex_unlock (&priv->lock);
      return FALSE;
    }
  changed = g_strcmp0 (priv->extra != NULL ? G_STRUCT_MEMBER (char *, priv->extra, offset) : NULL,
                       value) != 0;
  if (changed)
    {
      char **field = G_STRUCT_MEMBER_P (gopod_job_priv_ensure_extra_locked (priv), offset);

      old = *field;
      *field = g_strdup (value);
    }
  g_mutex_unlock (&priv->lock);

  g_free (old);
  if (changed)
    gopod_job_priv_notify (job, prop_id);
  return TRUE;
}

/**
 * gopod_job_get_progress:
 * @job: a job
 *
 * Gets [property@Gopod.Job:progress].
 *
 * Returns: the job's progress, from 0 to 1
 *
 * Since: 1.0
 */
double
gopod_job_get_progress (GopodJob *job)
{
  GopodJobPrivate *priv;
  double progress;

  g_return_val_if_fail (GOPOD_IS_JOB (job), 0.0);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  progress = priv->extra != NULL ? priv->extra->progress : 0.0;
  g_mutex_unlock (&priv->lock);

  return progress;
}

/**
 * gopod_job_set_progress:
 * @job: a job
 * @progress: how far the job has come, from 0 to 1
 *
 * Sets [property@Gopod.Job:progress]. Safe from any thread, typically from
 * the job's own work; handlers of `notify::progress` run on the job's main
 * context, and many updates between two iterations of it are notified once.
 *
 * Since: 1.0
 */
void
gopod_job_set_progress (GopodJob *job,
                        double    progress)
{
  GopodJobPrivate *priv;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));
  g_return_if_fail (progress >= 0.0 && progress <= 1.0);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = (priv->extra != NULL ? priv->extra->progress : 0.0) != progress;
  if (changed)
    gopod_job_priv_ensure_extra_locked (priv)->progress = progress;
  /* The owner's own progress counts this job's until it ended (a pod's
   * `progress`); under the lock, the owner cannot be gone. */
  if (changed && priv->owner != NULL && priv->owner->progressed != NULL &&
      !gopod_job_priv_state_is_final (priv->state))
    priv->owner->progressed (priv->owner_data);
  g_mutex_unlock (&priv->lock);

  if (changed)
    gopod_job_priv_notify (job, PROP_PROGRESS);
}

/**
 * gopod_job_get_priority:
 * @job: a job
 *
 * Gets [property@Gopod.Job:priority].
 *
 * Returns: the job's priority; lower runs first
 *
 * Since: 1.0
 */
int
gopod_job_get_priority (GopodJob *job)
{
  g_return_val_if_fail (GOPOD_IS_JOB (job), 0);

  return gopod_job_peek_priority (job);
}

/**
 * gopod_job_set_priority:
 * @job: a job
 * @priority: lower runs first; 0 (%G_PRIORITY_DEFAULT) by default
 *
 * Sets [property@Gopod.Job:priority]. It counts when the job is added.
 *
 * Since: 1.0
 */
void
gopod_job_set_priority (GopodJob *job,
                        int       priority)
{
  GopodJobPrivate *priv;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = (priv->extra != NULL ? priv->extra->priority : 0) != priority;
  if (changed)
    g_atomic_int_set (&gopod_job_priv_ensure_extra_locked (priv)->priority, priority);
  g_mutex_unlock (&priv->lock);

  if (changed)
    gopod_job_priv_notify (job, PROP_PRIORITY);
}

/**
 * gopod_job_get_timeout_ms:
 * @job: a job
 *
 * Gets [property@Gopod.Job:timeout-ms].
 *
 * Returns: the job's run-time limit in milliseconds, 0 for none
 *
 * Since: 1.0
 */
guint
gopod_job_get_timeout_ms (GopodJob *job)
{
  GopodJobPrivate *priv;
  guint timeout_ms;

  g_return_val_if_fail (GOPOD_IS_JOB (job), 0);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  timeout_ms = priv->extra != NULL ? priv->extra->timeout_ms : 0;
  g_mutex_unlock (&priv->lock);

  return timeout_ms;
}

/**
 * gopod_job_set_timeout_ms:
 * @job: a job
 * @timeout_ms: the run-time limit in milliseconds, 0 for none
 *
 * Sets [property@Gopod.Job:timeout-ms]. It counts when the job starts
 * running; changing it later does not move a running job's deadline.
 *
 * Since: 1.0
 */
void
gopod_job_set_timeout_ms (GopodJob *job,
                          guint     timeout_ms)
{
  GopodJobPrivate *priv;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = (priv->extra != NULL ? priv->extra->timeout_ms : 0) != timeout_ms;
  if (changed)
    gopod_job_priv_ensure_extra_locked (priv)->timeout_ms = timeout_ms;
  g_mutex_unlock (&priv->lock);

  if (changed)
    gopod_job_priv_notify (job, PROP_TIMEOUT_MS);
}
