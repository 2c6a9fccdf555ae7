/* gopod-job.c: a unit of work for a pod or a runner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-enum-types.h"
#include "gopod-error.h"
#include "gopod-job-state-private.h"
#include "gopod-notify-private.h"
#include "gopod-source-private.h"
#include "gopod-timer-private.h"
#include "gopod-outbox-private.h"

/**
 * GopodJob:
 *
 * A unit of work that a [class@Gopod.Pod] or a [class@Gopod.Runner] runs:
 * go-pod's `PodJob`.
 *
 * A *thread job* implements [vfunc@Gopod.Job.run], which a worker thread
 * calls; [ctor@Gopod.Job.new_func] makes one from a function. A
 * *main-context job* implements [vfunc@Gopod.Job.begin] instead: its owner
 * calls it on the owner's main context, the job starts asynchronous work and
 * returns at once, and the work ends with [method@Gopod.Job.complete]. This is
 * how JavaScript, which cannot run on a worker thread, gives a pod work while
 * the pod still bounds how many run at once.
 *
 * Every job that is accepted ends exactly once, in one of the final states of
 * [enum@Gopod.JobState], and [vfunc@Gopod.Job.finish] runs exactly once at
 * that end, whether the job ran, failed, timed out, was cancelled while queued
 * or was discarded by a shutdown. [method@Gopod.Job.wait] and
 * [method@Gopod.Job.wait_async] return after `finish` has run.
 *
 * Property notifications are delivered on the main context that was the
 * thread-default one when the job was created, whichever thread changed them.
 *
 * Since: 1.0
 */

/**
 * GopodJobClass::run:
 * @job: the job
 * @cancellable: (nullable): cancelled when the job is cancelled or times out
 * @error: return location for the job's error
 *
 * The work of a thread job, called in a worker thread (go-pod's
 * `Start()`). It should return early once @cancellable is cancelled.
 * Returning %FALSE without setting @error fails the job with
 * %GOPOD_ERROR_FAILED.
 *
 * Returns: %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 1.0
 */

/**
 * GopodJobClass::finish:
 * @job: the job
 *
 * Releases what the job holds (go-pod's `Finish()`). Called exactly once
 * when the job ends: after `run`, or instead of it when the job never ran.
 *
 * Since: 1.0
 */

/**
 * GopodJobClass::begin:
 * @job: the job
 * @cancellable: (nullable): cancelled when the job is cancelled or times out
 * @error: return location for the reason the work could not start
 *
 * Starts the work of a main-context job, on its owner's main context. It
 * must return at once; the work ends with [method@Gopod.Job.complete]. A
 * class that implements it is a main-context job.
 *
 * Returning %FALSE ends the job FAILED with @error, so an exception that a
 * binding's `begin` raises (Python's `do_begin`, GJS's `vfunc_begin`, which
 * both turn it into @error) fails the job instead of leaving it running
 * forever. Returning %FALSE without setting @error fails the job with
 * %GOPOD_ERROR_FAILED.
 *
 * Returns: %TRUE when the work is started (or already completed), %FALSE
 *   with @error set when it could not start
 *
 * Since: 1.0
 */

G_DEFINE_TYPE_WITH_PRIVATE (GopodJob, gopod_job, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

/* Where the private part is, for gopod-job-owner.c too: GLib's own offset
 * is static to this file. Set in class_init, before any instance. */
gint gopod_job_private_offset;

/* A thread job's cancellable is a GObject of its own, whose life costs more
 * than the rest of a small job. When nobody but the job ever saw it (it was
 * only passed to `run`), it is uncancelled, has no handler and no other
 * reference, it is as good as new: the worker thread keeps one for its
 * next job. */
static GPrivate spare_cancellable = G_PRIVATE_INIT (g_object_unref);
static guint cancelled_signal_id;

JobExtra *
gopod_job_priv_ensure_extra_locked (GopodJobPrivate *priv)
{
  if (priv->extra == NULL)
    {
      JobExtra *extra = g_new0 (JobExtra, 1);

      gopod_wait_list_init (&extra->waiters, &priv->lock);
      gopod_wait_list_init (&extra->pause_waiters, &priv->lock);
      g_atomic_pointer_set (&priv->extra, extra);
    }
  return priv->extra;
}

/* Where a main-context job's `begin` runs (or, before it starts, most
 * likely runs: the context the job was made on). */
static GMainContext *
job_work_context (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  JobExtra *extra = gopod_job_priv_peek_extra (priv);
  GMainContext *context = NULL;

  g_mutex_lock (&priv->lock);
  if (extra != NULL)
    context = extra->begin_context != NULL ? extra->begin_context : extra->context;
  g_mutex_unlock (&priv->lock);

  return context != NULL ? context : g_main_context_default ();
}

/* Notifications go through a GopodNotify made only once someone listens;
 * a job nobody watches pays for the check alone (a look at its handlers,
 * under GLib's signal lock). A job watched once queues from then on
 * without looking: a worker that reports progress often would otherwise
 * take that lock at every report, against the main thread's own signals.
 * A notification nobody hears any more costs its dispatch alone. */
void
gopod_job_priv_notify (GopodJob *job,
                       guint     prop_id)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  JobExtra *extra = gopod_job_priv_peek_extra (priv);

  if (extra != NULL && gopod_notify_has_source (&extra->notify))
    {
      gopod_notify_queue_watched (&extra->notify, prop_id);
      return;
    }
  /* A plain cast: the callers are ours and the job is one (the checked
   * cast is a type lookup, three times a job). */
  if (!gopod_notify_is_watched ((GObject *) job, properties[prop_id]))
    return;

  g_mutex_lock (&priv->lock);
  extra = gopod_job_priv_ensure_extra_locked (priv);
  if (!extra->notify_ready)
    {
      gopod_notify_init_with_context (&extra->notify, (GObject *) job, properties, N_PROPS,
                                      extra->context != NULL ? g_main_context_ref (extra->context) : NULL);
      extra->notify_ready = TRUE;
    }
  g_mutex_unlock (&priv->lock);

  gopod_notify_queue_watched (&extra->notify, prop_id);
}

static GCancellable *
job_cancellable_new (void)
{
  GCancellable *cancellable = g_private_get (&spare_cancellable);

  if (cancellable == NULL)
    return g_cancellable_new ();
  g_private_set (&spare_cancellable, NULL);
  return cancellable;
}

static gboolean
job_has_cancelled_handler (GCancellable *cancellable)
{
  return g_signal_handler_find (cancellable, G_SIGNAL_MATCH_ID, cancelled_signal_id, 0,
                                NULL, NULL, NULL) != 0;
}

/* Called once a thread job has ended, in the worker that ran it, with the
 * cancellable gopod_job_priv_end_full() took from it when nobody else saw it. */
void
gopod_job_priv_recycle_cancellable (GCancellable *cancellable)
{
  if (cancellable == NULL)
    return;
  if (g_private_get (&spare_cancellable) == NULL &&
      g_atomic_int_get ((int *) &((GObject *) cancellable)->ref_count) == 1 &&
      !g_cancellable_is_cancelled (cancellable) &&
      !job_has_cancelled_handler (cancellable))
    g_private_set (&spare_cancellable, cancellable);
  else
    g_object_unref (cancellable);
}

GCancellable *
gopod_job_priv_ensure_cancellable_locked (GopodJobPrivate *priv)
{
  if (priv->cancellable == NULL)
    priv->cancellable = job_cancellable_new ();
  return priv->cancellable;
}

JobEndFlags
gopod_job_priv_serving_push (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);

  gopod_wait_serving_push (job);
  /* Set before the job was queued, never changed after. A pod's worker
   * already serves its core: a second mark would change nothing. */
  if (priv->owner_data == NULL || gopod_wait_is_serving (priv->owner_data))
    return JOB_END_SERVING;
  gopod_wait_serving_push (priv->owner_data);
  return JOB_END_SERVING | JOB_END_SERVING_OWNER;
}

void
gopod_job_priv_serving_pop (GopodJob    *job,
                            JobEndFlags  marks)
{
  if (marks & JOB_END_SERVING_OWNER)
    gopod_wait_serving_pop (JOB_PRIV (job)->owner_data);
  gopod_wait_serving_pop (job);
}

/* Called with the job's lock held: whether a started job ran past its
 * timeout, whatever became of its timer (internals rule J4). */
static gboolean
job_ran_past_timeout_locked (GopodJobPrivate *priv)
{
  return priv->started && priv->extra != NULL && priv->extra->deadline != 0 &&
         g_get_monotonic_time () >= priv->extra->deadline;
}

static GError *
job_stop_reason_error (StopReason reason)
{
  if (reason == STOP_TIMED_OUT)
    return g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_TIMEOUT, "Job timed out");
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Job was cancelled");
}

GError *
gopod_job_priv_stop_error (StopReason reason)
{
  return job_stop_reason_error (reason);
}

void
gopod_job_priv_stop_locked (GopodJobPrivate *priv,
                            StopReason       reason,
                            GopodOutbox     *out)
{
  gopod_job_priv_set_flags_locked (priv, JOB_FLAG_STOP_MASK, reason);
  if (priv->extra != NULL)
    gopod_wait_list_fire_all (&priv->extra->pause_waiters, out);
}

/* The one place where a job ends. @outcome is what the work reported; a
 * timeout or a cancel that came first overrides a failure, and a timeout
 * overrides even a success. With JOB_END_UNSTARTED_ONLY, a job that has started
 * is left alone: it can then only end through its own work. With @recycle,
 * the job's cancellable, if nobody else saw it, is handed there (in the
 * lock hold that marks the end) for gopod_job_priv_recycle_cancellable(). Takes @error.
 * With JOB_END_SERVING the caller's mark of serving the job (pushed before
 * its work) covers `finish` too, and is popped here after it, instead of a
 * second push and pop around `finish` alone. Returns FALSE if the job was
 * not ended here. */
gboolean
gopod_job_priv_end_full (GopodJob       *job,
                         GopodJobState   outcome,
                         GError         *error,
                         JobEndFlags     flags,
                         GCancellable  **recycle)
{
  gboolean unstarted_only = (flags & JOB_END_UNSTARTED_ONLY) != 0;
  GopodJobPrivate *priv = JOB_PRIV (job);
  GopodJobEndFunc end_func;
  gpointer owner_data;
  GSource *timeout_source;
  gboolean was_started;
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  g_mutex_lock (&priv->lock);
  if (gopod_job_priv_state_is_final (priv->state) || (unstarted_only && priv->started))
    {
      g_mutex_unlock (&priv->lock);
      g_clear_error (&error);
      if (flags & JOB_END_SERVING)
        gopod_job_priv_serving_pop (job, flags);
      return FALSE;
    }
  if (gopod_job_priv_stop_reason (priv) == STOP_NONE && job_ran_past_timeout_locked (priv))
    gopod_job_priv_stop_locked (priv, STOP_TIMED_OUT, &out);

  if (gopod_job_priv_stop_reason (priv) == STOP_TIMED_OUT ||
      (gopod_job_priv_stop_reason (priv) == STOP_CANCELLED && outcome != GOPOD_JOB_STATE_SUCCEEDED))
    {
      g_clear_error (&error);
      error = job_stop_reason_error (gopod_job_priv_stop_reason (priv));
      outcome = gopod_job_priv_stop_reason (priv) == STOP_TIMED_OUT ? GOPOD_JOB_STATE_FAILED
                                                    : GOPOD_JOB_STATE_CANCELLED;
    }
  else if (outcome == GOPOD_JOB_STATE_FAILED &&
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    outcome = GOPOD_JOB_STATE_CANCELLED;

  g_object_ref (job);
  gopod_job_priv_state_set (priv, outcome);
  gopod_job_priv_mark_ended_locked (priv);
  if (error != NULL)
    gopod_job_priv_ensure_extra_locked (priv)->error = error;
  timeout_source = priv->extra != NULL ? g_steal_pointer (&priv->extra->timeout_source) : NULL;
  end_func = priv->owner != NULL ? priv->owner->end : NULL;
  owner_data = priv->owner_data;
  was_started = priv->started;
  g_mutex_unlock (&priv->lock);

  gopod_timer_cancel (&timeout_source);
  gopod_job_priv_notify (job, PROP_STATE);
  if (error != NULL)
    gopod_job_priv_notify (job, PROP_ERROR);

  if (!(flags & JOB_END_SERVING))
    flags |= gopod_job_priv_serving_push (job);
  GOPOD_JOB_GET_CLASS (job)->finish (job);
  gopod_job_priv_serving_pop (job, flags);
  if (end_func != NULL)
    end_func (job, was_started, owner_data);

  g_mutex_lock (&priv->lock);
  __atomic_store_n (&priv->ended, TRUE, __ATOMIC_SEQ_CST);
  if (recycle != NULL && !gopod_job_priv_cancellable_shared (priv))
    *recycle = g_steal_pointer (&priv->cancellable);
  if (priv->extra != NULL)
    gopod_wait_list_fire_all (&priv->extra->waiters, &out);
  /* The owner is done with the job: its resume hook would only keep the
   * owner alive for as long as anyone keeps the job (G6). */
  gopod_job_priv_steal_resume_func_locked (priv->extra, &out);
  g_mutex_unlock (&priv->lock);

  gopod_outbox_flush (&out);
  g_object_unref (job);
  return TRUE;
}

static gboolean
job_end (GopodJob      *job,
         GopodJobState  outcome,
         GError        *error)
{
  return gopod_job_priv_end_full (job, outcome, error, JOB_END_ANY, NULL);
}

static gboolean
gopod_job_real_run (GopodJob      *job,
                    GCancellable  *cancellable,
                    GError       **error)
{
  JobExtra *extra = gopod_job_priv_peek_extra (JOB_PRIV (job));

  if (extra == NULL || extra->func.func == NULL)
    {
      g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                   "%s does not implement GopodJob.run", G_OBJECT_TYPE_NAME (job));
      return FALSE;
    }

  return extra->func.func (job, cancellable, extra->func.data, error);
}

static void
gopod_job_real_finish (GopodJob *job)
{
}

static void
gopod_job_dispose (GObject *object)
{
  GopodJobPrivate *priv = JOB_PRIV ((GopodJob *) object);

  if (priv->extra != NULL && priv->extra->notify_ready)
    gopod_notify_clear (&priv->extra->notify);

  /* Plain casts here and in finalize: a class cast check is a type
   * lookup, twice a job. */
  ((GObjectClass *) gopod_job_parent_class)->dispose (object);
}

static void
gopod_job_finalize (GObject *object)
{
  GopodJobPrivate *priv = JOB_PRIV ((GopodJob *) object);
  JobExtra *extra = priv->extra;

  if (extra != NULL)
    {
      g_assert (extra->timeout_source == NULL);
      g_assert (gopod_wait_list_is_empty (&extra->waiters));
      if (extra->has_home)
        gopod_wait_home_clear (&extra->home);
      gopod_job_priv_clear_registry (extra);
      g_free (extra->title);
      g_clear_error (&extra->error);
      g_clear_pointer (&extra->context, g_main_context_unref);
      g_clear_pointer (&extra->begin_context, g_main_context_unref);
      if (extra->func.destroy != NULL)
        extra->func.destroy (extra->func.data);
      g_free (extra);
    }
  g_clear_object (&priv->cancellable);
  g_mutex_clear (&priv->lock);

  ((GObjectClass *) gopod_job_parent_class)->finalize (object);
}

static void
gopod_job_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  GopodJob *job = GOPOD_JOB (object);
  GopodJobPrivate *priv = JOB_PRIV (job);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, gopod_job_get_state (job));
      break;
    case PROP_TITLE:
      g_mutex_lock (&priv->lock);
      g_value_set_string (value, priv->extra != NULL ? priv->extra->title : NULL);
      g_mutex_unlock (&priv->lock);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, gopod_job_get_progress (job));
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, gopod_job_get_priority (job));
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, gopod_job_get_timeout_ms (job));
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, gopod_job_get_error (job));
      break;
    case PROP_STATUS:
      g_value_take_string (value, gopod_job_dup_status (job));
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, gopod_job_get_paused (job));
      break;
    case PROP_KEY:
      g_value_set_string (value, gopod_job_get_key (job));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_job_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  GopodJob *job = GOPOD_JOB (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      gopod_job_set_title (job, g_value_get_string (value));
      break;
    case PROP_PROGRESS:
      gopod_job_set_progress (job, g_value_get_double (value));
      break;
    case PROP_PRIORITY:
      gopod_job_set_priority (job, g_value_get_int (value));
      break;
    case PROP_TIMEOUT_MS:
      gopod_job_set_timeout_ms (job, g_value_get_uint (value));
      break;
    case PROP_STATUS:
      gopod_job_set_status (job, g_value_get_string (value));
      break;
    case PROP_PAUSED:
      if (g_value_get_boolean (value))
        gopod_job_pause (job);
      else
        gopod_job_resume (job);
      break;
    case PROP_KEY:
      gopod_job_set_key (job, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_job_class_init (GopodJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  gopod_job_private_offset = GopodJob_private_offset;

  object_class->dispose = gopod_job_dispose;
  object_class->finalize = gopod_job_finalize;
  object_class->get_property = gopod_job_get_property;
  object_class->set_property = gopod_job_set_property;

  klass->run = gopod_job_real_run;
  klass->finish = gopod_job_real_finish;

  /**
   * GopodJob:state:
   *
   * Where the job is in its life.
   *
   * Since: 1.0
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       GOPOD_TYPE_JOB_STATE, GOPOD_JOB_STATE_NEW,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodJob:title:
   *
   * A human-readable name, for progress displays and logs.
   *
   * Since: 1.0
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodJob:progress:
   *
   * How far the job has come, from 0 to 1. It may be set from any thread;
   * the notification arrives on the job's main context.
   *
   * Since: 1.0
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodJob:priority:
   *
   * Lower values run first, as with %G_PRIORITY_DEFAULT and its neighbours;
   * jobs of equal priority run in the order they were added. It is read
   * when the job is added: changing it later does not move a queued job.
   *
   * Since: 1.0
   */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL, G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodJob:timeout-ms:
   *
   * How long the job may run, in milliseconds, counted from when it starts
   * running; 0 means no limit. When it passes, the job's cancellable is
   * cancelled and the job ends %GOPOD_JOB_STATE_FAILED with
   * %GOPOD_ERROR_TIMEOUT, whatever it returns afterwards.
   *
   * Since: 1.0
   */
  properties[PROP_TIMEOUT_MS] =
    g_param_spec_uint ("timeout-ms", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodJob:error:
   *
   * Why the job failed or was cancelled; %NULL until then.
   *
   * Since: 1.0
   */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodJob:status:
   *
   * What the job does now, in words for a progress display ("Copying
   * photo.jpg"). It may be set from any thread, typically by the job's own
   * work; the notification arrives on the job's main context, and many
   * changes between two iterations of it are notified once.
   *
   * Since: 1.2
   */
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodJob:paused:
   *
   * Whether the job is paused ([method@Gopod.Job.pause]). A pod passes a
   * paused queued job over and starts others; a running one pauses at its
   * next [method@Gopod.Job.check_pause]. Setting it pauses or resumes.
   *
   * Since: 1.2
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodJob:key:
   *
   * A serial lane: a pod runs at most one job of a key at a time, in the
   * order they were added, while jobs of other keys (and without one) pass
   * them. A file's path, an account or a repository make good keys. Set it
   * before the job is added; %NULL (the default) is no lane.
   *
   * Since: 1.2
   */
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Signals exist once their class does; this class reference is kept. */
  g_type_class_ref (G_TYPE_CANCELLABLE);
  cancelled_signal_id = g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE);

}

static void
gopod_job_init (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  GMainContext *context = gopod_notify_capture_context ();

  g_mutex_init (&priv->lock);
  /* Most jobs are made on the global default context, which needs no
   * field of its own; a pushed thread-default one is kept aside (nobody
   * else sees the job yet: no lock needed). */
  if (context != NULL)
    gopod_job_priv_ensure_extra_locked (priv)->context = context;
}

/**
 * gopod_job_new_func:
 * @func: (scope notified) (closure user_data) (destroy destroy): the work,
 *   called in a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the job is finalized
 *
 * Makes a thread job whose work is @func.
 *
 * Returns: (transfer full): a new job
 *
 * Since: 1.0
 */
GopodJob *
gopod_job_new_func (GopodJobFunc   func,
                    gpointer       user_data,
                    GDestroyNotify destroy)
{
  GopodJob *job;
  GopodJobPrivate *priv;

  g_return_val_if_fail (func != NULL, NULL);

  job = g_object_new (GOPOD_TYPE_JOB, NULL);
  priv = JOB_PRIV (job);
  /* Nobody else sees the job yet: no lock needed. */
  gopod_job_priv_ensure_extra_locked (priv)->func = (JobFunc) { func, user_data, destroy };

  return job;
}

/**
 * gopod_job_is_main_context:
 * @job: a job
 *
 * Whether @job is a main-context job, one whose class overrides
 * [vfunc@Gopod.Job.begin].
 *
 * Returns: %TRUE for a main-context job, %FALSE for a thread job
 *
 * Since: 1.0
 */
gboolean
gopod_job_is_main_context (GopodJob *job)
{
  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);

  return GOPOD_JOB_GET_CLASS (job)->begin != NULL;
}

/**
 * gopod_job_complete:
 * @job: a running main-context job
 * @error: (nullable): why the work failed, or %NULL on success
 *
 * Ends a main-context job's work, from any thread. Call it exactly once for
 * each [vfunc@Gopod.Job.begin]; the job frees its worker slot and ends.
 *
 * Since: 1.0
 */
void
gopod_job_complete (GopodJob     *job,
                    const GError *error)
{
  g_return_if_fail (GOPOD_IS_JOB (job));
  g_return_if_fail (gopod_job_is_main_context (job));

  if (gopod_job_get_state (job) != GOPOD_JOB_STATE_RUNNING)
    {
      g_critical ("gopod_job_complete: job %p is not running (state %d); "
                  "complete() must be called once, after begin()",
                  job, gopod_job_get_state (job));
      return;
    }

  if (!job_end (job,
                error != NULL ? GOPOD_JOB_STATE_FAILED : GOPOD_JOB_STATE_SUCCEEDED,
                error != NULL ? g_error_copy (error) : NULL))
    g_critical ("gopod_job_complete: job %p was completed twice", job);
}

/**
 * gopod_job_complete_ok:
 * @job: a running main-context job
 *
 * Ends a main-context job's work with success: the same as
 * [method@Gopod.Job.complete] with a %NULL error, for bindings that cannot
 * pass a null `GError` (PyGObject before 3.44).
 *
 * Since: 1.0
 */
void
gopod_job_complete_ok (GopodJob *job)
{
  gopod_job_complete (job, NULL);
}

static gboolean
job_cancel_in_context (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/* Cancels a running job's cancellable where its work listens: a
 * main-context job's on the context its `begin` ran on, since a JavaScript
 * "cancelled" handler must not run on another thread; a thread job's here.
 * Takes @cancellable. */
void
gopod_job_priv_cancel_work (GopodJob     *job,
                            GCancellable *cancellable)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  GMainContext *context = NULL;

  g_mutex_lock (&priv->lock);
  if (priv->extra != NULL && priv->extra->begin_context != NULL)
    context = g_main_context_ref (priv->extra->begin_context);
  g_mutex_unlock (&priv->lock);

  if (context == NULL || g_main_context_is_owner (context))
    {
      g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
    }
  else
    gopod_idle_add_on (context, "[pod-glib] job cancel",
                       job_cancel_in_context, cancellable, g_object_unref);
  g_clear_pointer (&context, g_main_context_unref);
}

static gboolean
job_discard_in_context (gpointer job)
{
  g_autoptr(GError) error = job_stop_reason_error (STOP_CANCELLED);

  gopod_job_discard (job, error);
  return G_SOURCE_REMOVE;
}

/* Ends a cancelled job that has not started. Its `finish` runs here; for a
 * main-context job, on its context (JavaScript must not run elsewhere):
 * here too if this thread owns or can acquire it, else from an idle there.
 * The job cannot start meanwhile: its stop reason is set. */
static void
job_discard_cancelled (GopodJob *job)
{
  GMainContext *context = gopod_job_is_main_context (job) ? job_work_context (job) : NULL;

  if (context == NULL || g_main_context_is_owner (context))
    {
      job_discard_in_context (job);
      return;
    }
  if (g_main_context_acquire (context))
    {
      job_discard_in_context (job);
      g_main_context_release (context);
      return;
    }

  gopod_idle_add_on (context, "[pod-glib] job discard",
                     job_discard_in_context, g_object_ref (job), g_object_unref);
}

/**
 * gopod_job_cancel:
 * @job: a job
 *
 * Cancels @job. A job that has not started never runs: it ends
 * %GOPOD_JOB_STATE_CANCELLED at once, and its `finish` runs now; a
 * main-context job ends on its main context instead, at once if the calling
 * thread owns or can acquire that context, else from an idle source there,
 * so that its `finish` runs on the thread of that context. A running
 * job has its cancellable cancelled; it ends when its work returns (or, for a
 * main-context job, completes), %GOPOD_JOB_STATE_CANCELLED unless the work
 * succeeded anyway. Cancelling a job that ended does nothing.
 *
 * Since: 1.0
 */
void
gopod_job_cancel (GopodJob *job)
{
  GopodJobPrivate *priv;
  GCancellable *cancellable = NULL;
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GopodJobState state;
  gboolean first;

  g_return_if_fail (GOPOD_IS_JOB (job));

  /* Recorded under the lock whatever the state, so that an owner starting
   * the job at this moment finds it and does not start it. */
  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  state = priv->state;
  first = !gopod_job_priv_state_is_final (state) && gopod_job_priv_stop_reason (priv) == STOP_NONE;
  /* A job already past its deadline timed out, whatever its timer says
   * (internals rule J4). */
  if (first)
    gopod_job_priv_stop_locked (priv, job_ran_past_timeout_locked (priv) ? STOP_TIMED_OUT : STOP_CANCELLED,
                                &out);
  if (first && state == GOPOD_JOB_STATE_RUNNING)
    cancellable = g_object_ref (gopod_job_priv_ensure_cancellable_locked (priv));
  g_mutex_unlock (&priv->lock);
  gopod_outbox_flush (&out);

  if (!first)
    return;
  if (cancellable != NULL)
    gopod_job_priv_cancel_work (job, cancellable);
  else
    job_discard_cancelled (job);
}

/* GopodWaitReady: the job's end, read under its lock. */
static gboolean
job_has_ended (gpointer priv)
{
  return ((GopodJobPrivate *) priv)->ended;
}

static gboolean
job_result (GopodJob  *job,
            GError   **error)
{
  const GError *job_error = gopod_job_get_error (job);

  if (job_error != NULL)
    {
      g_propagate_error (error, g_error_copy (job_error));
      return FALSE;
    }
  return TRUE;
}

/**
 * gopod_job_wait:
 * @job: a job that has been given to a pod or runner
 * @cancellable: (nullable): stops the wait (not the job)
 * @error: return location for the job's error
 *
 * Blocks until @job has ended and its `finish` has run. Needs no main loop.
 *
 * A wait that would wait for itself fails at once with %GOPOD_ERROR_FAILED:
 * from @job's own `begin`, `run` or `finish`, and, for a job of a
 * [class@Gopod.Runner] that has not ended, from a task of that runner (or
 * a `begin` of one of its jobs), since the runner starts @job only after
 * that task.
 *
 * Returns: %TRUE if the job succeeded; otherwise %FALSE with the job's
 *   error, %G_IO_ERROR_CANCELLED if @cancellable was cancelled first, or
 *   %GOPOD_ERROR_FAILED for a wait that would wait for itself
 *
 * Since: 1.0
 */
gboolean
gopod_job_wait (GopodJob      *job,
                GCancellable  *cancellable,
                GError       **error)
{
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;
  GopodJobPrivate *priv;
  JobExtra *extra;
  gboolean ok;

  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (gopod_job_get_state (job) != GOPOD_JOB_STATE_NEW, FALSE);

  /* From its own `begin`, `run` or `finish` it would wait for itself
   * (internals rule J7). */
  if (gopod_wait_is_serving (job))
    {
      g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                   "Cannot wait for job %p from its own begin, run or finish: "
                   "it would wait for itself", job);
      return FALSE;
    }

  priv = JOB_PRIV (job);
  options.cancellable = cancellable;
  g_mutex_lock (&priv->lock);
  /* A later job of a runner, waited for from the runner's worker (or from
   * a `begin` of that runner): it can only start once this returns. */
  if (!priv->ended && priv->owner != NULL && priv->owner->serial &&
      gopod_wait_is_serving (priv->owner_data))
    {
      g_mutex_unlock (&priv->lock);
      g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                   "Cannot wait for a %s from a task of the runner that runs it: "
                   "it would wait for itself", G_OBJECT_TYPE_NAME (job));
      return FALSE;
    }
  extra = gopod_job_priv_ensure_extra_locked (priv);
  /* A main-context job begins, and usually completes, on its owner's
   * context: a wait on the owner's thread, where nobody runs it, runs it
   * (internals rule J6). */
  if (extra->has_home && gopod_job_is_main_context (job))
    options.home = &extra->home;
  ok = gopod_wait_until (&extra->waiters, job_has_ended, priv, &options, error);
  g_mutex_unlock (&priv->lock);

  return ok && job_result (job, error);
}

/**
 * gopod_job_wait_async:
 * @job: a job that has been given to a pod or runner
 * @cancellable: (nullable): stops the wait (not the job)
 * @callback: (scope async) (closure user_data): called on the caller's
 *   thread-default main context once the job has ended
 * @user_data: data for @callback
 *
 * Waits for @job to end without blocking. Finish with
 * [method@Gopod.Job.wait_finish].
 *
 * Since: 1.0
 */
void
gopod_job_wait_async (GopodJob            *job,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GopodJobPrivate *priv;

  g_return_if_fail (GOPOD_IS_JOB (job));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (job, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_job_wait_async);

  /* The task says the job ended; gopod_job_wait_finish() reads how. */
  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  gopod_wait_until_async (&gopod_job_priv_ensure_extra_locked (priv)->waiters,
                          job_has_ended, priv, task, &out);
  g_mutex_unlock (&priv->lock);
  gopod_outbox_flush (&out);
}

/**
 * gopod_job_wait_finish:
 * @job: a job
 * @result: the result given to the callback
 * @error: return location for the job's error
 *
 * Finishes [method@Gopod.Job.wait_async].
 *
 * Returns: %TRUE if the job succeeded, else %FALSE with its error
 *
 * Since: 1.0
 */
gboolean
gopod_job_wait_finish (GopodJob      *job,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, job) &&
                        g_task_get_source_tag (G_TASK (result)) == gopod_job_wait_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error) && job_result (job, error);
}
