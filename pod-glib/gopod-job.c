/* gopod-job.c: a unit of work for a pod or a runner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-enum-types.h"
#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-notify-private.h"
#include "gopod-outbox-private.h"
#include "gopod-timer-private.h"
#include "gopod-waiters-private.h"

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
 *
 * Starts the work of a main-context job, on its owner's main context. It
 * must return at once; the work ends with [method@Gopod.Job.complete]. A
 * class that implements it is a main-context job.
 *
 * Since: 1.0
 */

/* Why a running job was stopped early; the first reason wins. */
typedef enum
{
  STOP_NONE,
  STOP_CANCELLED,
  STOP_TIMED_OUT,
} StopReason;

/* The work of a job made by gopod_job_new_func(). */
typedef struct
{
  GopodJobFunc     func;
  gpointer         data;
  GDestroyNotify   destroy;
} JobFunc;

/* What most jobs never use: made on first need, under the job's lock, and
 * kept until finalize. Keeping it out of the instance keeps a queued job
 * small (a pod may hold a million of them): the instance fits an 80-byte
 * slice. */
typedef struct
{
  int              priority;  /* written under lock, read atomically */
  char            *title;
  GError          *error;
  GSource         *timeout_source;
  double           progress;
  guint            timeout_ms;
  guint            n_blocking_waiters;
  GopodWaitQueue   waiters;
  GMainContext    *context;  /* thread-default at creation if not the global one; owned */
  GMainContext    *begin_context;  /* where a main-context job's `begin` ran; owned */
  GopodNotify      notify;  /* set up once a notify handler is seen */
  gboolean         notify_ready;
  JobFunc          func;  /* set by gopod_job_new_func() */
  /* The job registry's (since 1.2): */
  char            *status;
  char            *key;  /* set before the job is added, constant after */
  gboolean         paused;  /* written under lock, read atomically */
  gint64           started_at;  /* monotonic µs; 0 until it starts */
  gint64           ended_at;  /* 0 until it ends */
  gint64           paused_at;  /* while paused: since when */
  gint64           paused_for;  /* paused time of the run, before paused_at */
  GopodWaitList    pause_waiters;  /* check_pause() callers */
  GopodJobResumeFunc resume_func;  /* the owner's, with its owner_data */
} JobExtra;

/* 48 bytes: with the 24 of the GObject header, a queued job is one 80-byte
 * slice (GLib 2.74's slice allocator rounds 72 up to 80). */
typedef struct
{
  GMutex           lock;  /* guards every field below but atomic reads */
  guint32          seq;  /* the owner's queue order; compared wrapping */
  /* Bytes, each its own memory location: `state` and `ended` are read
   * atomically (job_state_get(), job_ended_get()) while others are written
   * under the lock, and the owner reads `started` on its own thread. Only
   * the last two share a byte, and are only touched under the lock. */
  guint8           state;  /* GopodJobState, written under lock, read atomically */
  guint8           ended;  /* set once finish and the owner's end func have run */
  guint8           started;
  guint8           stop_reason : 2;  /* StopReason */
  guint8           cancellable_shared : 1;  /* handed out: never recycled */
  GCancellable    *cancellable;  /* made on first need: queued jobs do not pay for one */
  GopodJobEndFunc  end_func;
  gpointer         owner_data;
  JobExtra        *extra;  /* NULL until needed; written once, under lock, atomically */
} GopodJobPrivate;

G_STATIC_ASSERT (sizeof (GopodJobPrivate) <= 48 || GLIB_SIZEOF_VOID_P != 8);

/* GLib has no 8-bit atomics; the compiler's builtins are what its own
 * g_atomic_int_* use underneath. */
static inline GopodJobState
job_state_get (GopodJobPrivate *priv)
{
  return __atomic_load_n (&priv->state, __ATOMIC_SEQ_CST);
}

static inline void
job_state_set (GopodJobPrivate *priv,
               GopodJobState    state)
{
  __atomic_store_n (&priv->state, (guint8) state, __ATOMIC_SEQ_CST);
}

static inline gboolean
job_ended_get (GopodJobPrivate *priv)
{
  return __atomic_load_n (&priv->ended, __ATOMIC_SEQ_CST);
}

G_DEFINE_TYPE_WITH_PRIVATE (GopodJob, gopod_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_TITLE,
  PROP_PROGRESS,
  PROP_PRIORITY,
  PROP_TIMEOUT_MS,
  PROP_ERROR,
  PROP_STATUS,
  PROP_PAUSED,
  PROP_KEY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Blocking waiters of every job share one condition: waits are rare, and a
 * job with no blocking waiter never touches it. */
static GMutex blocking_wait_lock;
static GCond blocking_wait_cond;

#define JOB_PRIV(job) ((GopodJobPrivate *) gopod_job_get_instance_private (job))

/* A thread job's cancellable is a GObject of its own, whose life costs more
 * than the rest of a small job. When nobody but the job ever saw it (it was
 * only passed to `run`), it is uncancelled, has no handler and no other
 * reference, it is as good as new: the worker thread keeps one for its
 * next job. */
static GPrivate spare_cancellable = G_PRIVATE_INIT (g_object_unref);
static guint cancelled_signal_id;

static JobExtra *
ensure_extra_locked (GopodJobPrivate *priv)
{
  if (priv->extra == NULL)
    {
      JobExtra *extra = g_new0 (JobExtra, 1);

      gopod_wait_queue_init (&extra->waiters, &priv->lock);
      gopod_wait_list_init (&extra->pause_waiters, &priv->lock);
      g_atomic_pointer_set (&priv->extra, extra);
    }
  return priv->extra;
}

static JobExtra *
peek_extra (GopodJobPrivate *priv)
{
  return g_atomic_pointer_get (&priv->extra);
}

/* Where a main-context job's `begin` runs (or, before it starts, most
 * likely runs: the context the job was made on). */
static GMainContext *
work_context (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  JobExtra *extra = peek_extra (priv);
  GMainContext *context = NULL;

  g_mutex_lock (&priv->lock);
  if (extra != NULL)
    context = extra->begin_context != NULL ? extra->begin_context : extra->context;
  g_mutex_unlock (&priv->lock);

  return context != NULL ? context : g_main_context_default ();
}

/* Notifications go through a GopodNotify made only once someone listens;
 * a job nobody watches pays for the check alone (a look at its handlers,
 * under GLib's signal lock). */
static void
job_notify (GopodJob *job,
            guint     prop_id)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  JobExtra *extra;

  if (!gopod_notify_is_watched (G_OBJECT (job), properties[prop_id]))
    return;

  g_mutex_lock (&priv->lock);
  extra = ensure_extra_locked (priv);
  if (!extra->notify_ready)
    {
      gopod_notify_init_with_context (&extra->notify, G_OBJECT (job), properties, N_PROPS,
                                      extra->context != NULL ? g_main_context_ref (extra->context) : NULL);
      extra->notify_ready = TRUE;
    }
  g_mutex_unlock (&priv->lock);

  gopod_notify_queue_watched (&extra->notify, prop_id);
}

static GCancellable *
cancellable_new (void)
{
  GCancellable *cancellable = g_private_get (&spare_cancellable);

  if (cancellable == NULL)
    return g_cancellable_new ();
  g_private_set (&spare_cancellable, NULL);
  return cancellable;
}

static gboolean
has_cancelled_handler (GCancellable *cancellable)
{
  return g_signal_handler_find (cancellable, G_SIGNAL_MATCH_ID, cancelled_signal_id, 0,
                                NULL, NULL, NULL) != 0;
}

/* Called once a thread job has ended, in the worker that ran it, with the
 * cancellable job_end_full() took from it when nobody else saw it. */
static void
recycle_cancellable (GCancellable *cancellable)
{
  if (cancellable == NULL)
    return;
  if (g_private_get (&spare_cancellable) == NULL &&
      g_atomic_int_get ((int *) &G_OBJECT (cancellable)->ref_count) == 1 &&
      !g_cancellable_is_cancelled (cancellable) &&
      !has_cancelled_handler (cancellable))
    g_private_set (&spare_cancellable, cancellable);
  else
    g_object_unref (cancellable);
}

static gboolean
state_is_final (GopodJobState state)
{
  return state >= GOPOD_JOB_STATE_SUCCEEDED;
}

static GCancellable *
ensure_cancellable_locked (GopodJobPrivate *priv)
{
  if (priv->cancellable == NULL)
    priv->cancellable = cancellable_new ();
  return priv->cancellable;
}

static void
wake_blocking_waiters (void)
{
  g_mutex_lock (&blocking_wait_lock);
  g_cond_broadcast (&blocking_wait_cond);
  g_mutex_unlock (&blocking_wait_lock);
}

static GError *
stop_reason_error (StopReason reason)
{
  if (reason == STOP_TIMED_OUT)
    return g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_TIMEOUT, "Job timed out");
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Job was cancelled");
}

/* Records why the job stops; a check_pause() blocked on it returns. */
static void
job_stop_locked (GopodJobPrivate *priv,
                 StopReason       reason,
                 GopodOutbox     *out)
{
  priv->stop_reason = reason;
  if (priv->extra != NULL)
    gopod_wait_list_fire_all (&priv->extra->pause_waiters, out);
}

/* The clock of elapsed time starts; a job paused before it starts is
 * paused from now (waiting is not running time). */
static void
job_mark_started_locked (GopodJobPrivate *priv)
{
  JobExtra *extra = ensure_extra_locked (priv);

  extra->started_at = g_get_monotonic_time ();
  if (extra->paused)
    extra->paused_at = extra->started_at;
}

/* The one place where a job ends. @outcome is what the work reported; a
 * timeout or a cancel that came first overrides a failure, and a timeout
 * overrides even a success. With @unstarted_only, a job that has started
 * is left alone: it can then only end through its own work. With @recycle,
 * the job's cancellable, if nobody else saw it, is handed there (in the
 * lock hold that marks the end) for recycle_cancellable(). Takes @error.
 * Returns FALSE if the job was not ended here. */
static gboolean
job_end_full (GopodJob       *job,
              GopodJobState   outcome,
              GError         *error,
              gboolean        unstarted_only,
              GCancellable  **recycle)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  GopodJobEndFunc end_func;
  gpointer owner_data;
  GSource *timeout_source;
  gboolean was_started, wake_blocking;
  GQueue tasks = G_QUEUE_INIT;
  GTask *task;

  g_mutex_lock (&priv->lock);
  if (state_is_final (priv->state) || (unstarted_only && priv->started))
    {
      g_mutex_unlock (&priv->lock);
      g_clear_error (&error);
      return FALSE;
    }

  if (priv->stop_reason == STOP_TIMED_OUT ||
      (priv->stop_reason == STOP_CANCELLED && outcome != GOPOD_JOB_STATE_SUCCEEDED))
    {
      g_clear_error (&error);
      error = stop_reason_error (priv->stop_reason);
      outcome = priv->stop_reason == STOP_TIMED_OUT ? GOPOD_JOB_STATE_FAILED
                                                    : GOPOD_JOB_STATE_CANCELLED;
    }
  else if (outcome == GOPOD_JOB_STATE_FAILED &&
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    outcome = GOPOD_JOB_STATE_CANCELLED;

  g_object_ref (job);
  job_state_set (priv, outcome);
  if (priv->started)
    priv->extra->ended_at = g_get_monotonic_time ();
  if (error != NULL)
    ensure_extra_locked (priv)->error = error;
  timeout_source = priv->extra != NULL ? g_steal_pointer (&priv->extra->timeout_source) : NULL;
  end_func = priv->end_func;
  owner_data = priv->owner_data;
  was_started = priv->started;
  g_mutex_unlock (&priv->lock);

  gopod_timer_cancel (&timeout_source);
  job_notify (job, PROP_STATE);
  if (error != NULL)
    job_notify (job, PROP_ERROR);

  GOPOD_JOB_GET_CLASS (job)->finish (job);
  if (end_func != NULL)
    end_func (job, was_started, owner_data);

  g_mutex_lock (&priv->lock);
  __atomic_store_n (&priv->ended, TRUE, __ATOMIC_SEQ_CST);
  if (recycle != NULL && !priv->cancellable_shared)
    *recycle = g_steal_pointer (&priv->cancellable);
  if (priv->extra != NULL)
    {
      wake_blocking = priv->extra->n_blocking_waiters > 0;
      gopod_wait_queue_steal_all (&priv->extra->waiters, &tasks);
    }
  else
    wake_blocking = FALSE;
  g_mutex_unlock (&priv->lock);

  if (wake_blocking)
    {
      wake_blocking_waiters ();
      /* A blocking waiter may be running a main-context job's context. */
      if (gopod_job_is_main_context (job))
        g_main_context_wakeup (work_context (job));
    }
  while ((task = g_queue_pop_head (&tasks)) != NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }

  g_object_unref (job);
  return TRUE;
}

static gboolean
job_end (GopodJob      *job,
         GopodJobState  outcome,
         GError        *error)
{
  return job_end_full (job, outcome, error, FALSE, NULL);
}

static gboolean
gopod_job_real_run (GopodJob      *job,
                    GCancellable  *cancellable,
                    GError       **error)
{
  JobExtra *extra = peek_extra (JOB_PRIV (job));

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
  GopodJobPrivate *priv = JOB_PRIV (GOPOD_JOB (object));

  if (priv->extra != NULL && priv->extra->notify_ready)
    gopod_notify_clear (&priv->extra->notify);

  G_OBJECT_CLASS (gopod_job_parent_class)->dispose (object);
}

static void
gopod_job_finalize (GObject *object)
{
  GopodJobPrivate *priv = JOB_PRIV (GOPOD_JOB (object));

  JobExtra *extra = priv->extra;

  if (extra != NULL)
    {
      g_assert (extra->timeout_source == NULL);
      g_assert (gopod_wait_queue_is_empty (&extra->waiters));
      g_assert (gopod_wait_list_is_empty (&extra->pause_waiters));
      g_free (extra->title);
      g_free (extra->status);
      g_free (extra->key);
      g_clear_error (&extra->error);
      g_clear_pointer (&extra->context, g_main_context_unref);
      g_clear_pointer (&extra->begin_context, g_main_context_unref);
      if (extra->func.destroy != NULL)
        extra->func.destroy (extra->func.data);
      g_free (extra);
    }
  g_clear_object (&priv->cancellable);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (gopod_job_parent_class)->finalize (object);
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
    ensure_extra_locked (priv)->context = context;
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
  ensure_extra_locked (priv)->func = (JobFunc) { func, user_data, destroy };

  return job;
}

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

  return job_state_get (JOB_PRIV (job));
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
  cancellable = ensure_cancellable_locked (priv);
  priv->cancellable_shared = TRUE;
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

  extra = peek_extra (JOB_PRIV (job));
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
  GopodJobPrivate *priv;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = g_strcmp0 (priv->extra != NULL ? priv->extra->title : NULL, title) != 0;
  if (changed)
    {
      JobExtra *extra = ensure_extra_locked (priv);

      g_free (extra->title);
      extra->title = g_strdup (title);
    }
  g_mutex_unlock (&priv->lock);

  if (changed)
    job_notify (job, PROP_TITLE);
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
    ensure_extra_locked (priv)->progress = progress;
  g_mutex_unlock (&priv->lock);

  if (changed)
    job_notify (job, PROP_PROGRESS);
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
    g_atomic_int_set (&ensure_extra_locked (priv)->priority, priority);
  g_mutex_unlock (&priv->lock);

  if (changed)
    job_notify (job, PROP_PRIORITY);
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
    ensure_extra_locked (priv)->timeout_ms = timeout_ms;
  g_mutex_unlock (&priv->lock);

  if (changed)
    job_notify (job, PROP_TIMEOUT_MS);
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
cancel_in_context (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/* Cancels a running job's cancellable where its work listens: a
 * main-context job's on the context its `begin` ran on, since a JavaScript
 * "cancelled" handler must not run on another thread; a thread job's here.
 * Takes @cancellable. */
static void
cancel_work (GopodJob     *job,
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
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (source, "[pod-glib] job cancel");
      g_source_set_callback (source, cancel_in_context, cancellable, g_object_unref);
      g_source_attach (source, context);
      g_source_unref (source);
    }
  g_clear_pointer (&context, g_main_context_unref);
}

static gboolean
discard_in_context (gpointer job)
{
  g_autoptr(GError) error = stop_reason_error (STOP_CANCELLED);

  gopod_job_discard (job, error);
  return G_SOURCE_REMOVE;
}

/* Ends a cancelled job that has not started. Its `finish` runs here; for a
 * main-context job, on its context (JavaScript must not run elsewhere):
 * here too if this thread owns or can acquire it, else from an idle there.
 * The job cannot start meanwhile: its stop reason is set. */
static void
discard_cancelled (GopodJob *job)
{
  GMainContext *context = gopod_job_is_main_context (job) ? work_context (job) : NULL;
  GSource *source;

  if (context == NULL || g_main_context_is_owner (context))
    {
      discard_in_context (job);
      return;
    }
  if (g_main_context_acquire (context))
    {
      discard_in_context (job);
      g_main_context_release (context);
      return;
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[pod-glib] job discard");
  g_source_set_callback (source, discard_in_context, g_object_ref (job), g_object_unref);
  g_source_attach (source, context);
  g_source_unref (source);
}

/**
 * gopod_job_cancel:
 * @job: a job
 *
 * Cancels @job. A job that has not started never runs: it ends
 * %GOPOD_JOB_STATE_CANCELLED at once, and its `finish` runs now. A running
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
  first = !state_is_final (state) && priv->stop_reason == STOP_NONE;
  if (first)
    job_stop_locked (priv, STOP_CANCELLED, &out);
  if (first && state == GOPOD_JOB_STATE_RUNNING)
    cancellable = g_object_ref (ensure_cancellable_locked (priv));
  g_mutex_unlock (&priv->lock);
  gopod_outbox_flush (&out);

  if (!first)
    return;
  if (cancellable != NULL)
    cancel_work (job, cancellable);
  else
    discard_cancelled (job);
}

static void
blocking_wait_cancelled (GCancellable *cancellable,
                         gpointer      context)
{
  wake_blocking_waiters ();
  if (context != NULL)
    g_main_context_wakeup (context);
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
 * Returns: %TRUE if the job succeeded; otherwise %FALSE with the job's
 *   error, or %G_IO_ERROR_CANCELLED if @cancellable was cancelled first
 *
 * Since: 1.0
 */
gboolean
gopod_job_wait (GopodJob      *job,
                GCancellable  *cancellable,
                GError       **error)
{
  GopodJobPrivate *priv;
  GMainContext *context = NULL;
  gulong handler = 0;

  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (gopod_job_get_state (job) != GOPOD_JOB_STATE_NEW, FALSE);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  ensure_extra_locked (priv)->n_blocking_waiters++;
  g_mutex_unlock (&priv->lock);

  /* A main-context job needs its context run to begin and, usually, to
   * complete: where nobody runs it, the wait runs it, so that blocking
   * works without a main loop (as the runner and the pod's waits do). */
  if (gopod_job_is_main_context (job) && g_main_context_acquire (work_context (job)))
    context = work_context (job);

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (blocking_wait_cancelled),
                                     context, NULL);

  if (context != NULL)
    {
      while (!job_ended_get (priv) && !g_cancellable_is_cancelled (cancellable))
        g_main_context_iteration (context, TRUE);
      g_main_context_release (context);
    }
  else
    {
      g_mutex_lock (&blocking_wait_lock);
      while (!job_ended_get (priv) && !g_cancellable_is_cancelled (cancellable))
        g_cond_wait (&blocking_wait_cond, &blocking_wait_lock);
      g_mutex_unlock (&blocking_wait_lock);
    }

  g_cancellable_disconnect (cancellable, handler);

  g_mutex_lock (&priv->lock);
  priv->extra->n_blocking_waiters--;
  g_mutex_unlock (&priv->lock);

  if (!job_ended_get (priv))
    return !g_cancellable_set_error_if_cancelled (cancellable, error);

  return job_result (job, error);
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
  GopodJobPrivate *priv;
  gboolean ended;

  g_return_if_fail (GOPOD_IS_JOB (job));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (job, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_job_wait_async);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  ended = priv->ended;
  if (!ended)
    gopod_wait_queue_push (&ensure_extra_locked (priv)->waiters, task);
  g_mutex_unlock (&priv->lock);

  if (ended)
    {
      GError *error = NULL;

      if (job_result (job, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
    }
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
  g_return_val_if_fail (g_task_is_valid (result, job), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The job registry's side of a job (since 1.2) */

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
  GopodJobPrivate *priv;
  char *old = NULL;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = g_strcmp0 (priv->extra != NULL ? priv->extra->status : NULL, status) != 0;
  if (changed)
    {
      JobExtra *extra = ensure_extra_locked (priv);

      old = extra->status;
      extra->status = g_strdup (status);
    }
  g_mutex_unlock (&priv->lock);

  g_free (old);
  if (changed)
    job_notify (job, PROP_STATUS);
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
  GopodJobPrivate *priv;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));
  g_return_if_fail (gopod_job_get_state (job) == GOPOD_JOB_STATE_NEW);

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = g_strcmp0 (priv->extra != NULL ? priv->extra->key : NULL, key) != 0;
  if (changed)
    {
      JobExtra *extra = ensure_extra_locked (priv);

      g_free (extra->key);
      extra->key = g_strdup (key);
    }
  g_mutex_unlock (&priv->lock);

  if (changed)
    job_notify (job, PROP_KEY);
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
  changed = !state_is_final (priv->state) &&
            (priv->extra == NULL || !priv->extra->paused);
  if (changed)
    {
      JobExtra *extra = ensure_extra_locked (priv);

      g_atomic_int_set (&extra->paused, TRUE);
      extra->paused_at = priv->started ? g_get_monotonic_time () : 0;
    }
  g_mutex_unlock (&priv->lock);

  if (changed)
    job_notify (job, PROP_PAUSED);
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
  gpointer owner_data = NULL;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_JOB (job));

  priv = JOB_PRIV (job);
  g_mutex_lock (&priv->lock);
  changed = priv->extra != NULL && priv->extra->paused;
  if (changed)
    {
      JobExtra *extra = priv->extra;

      g_atomic_int_set (&extra->paused, FALSE);
      if (priv->started)
        extra->paused_for += (extra->ended_at != 0 ? extra->ended_at : g_get_monotonic_time ())
                             - extra->paused_at;
      gopod_wait_list_fire_all (&extra->pause_waiters, &out);
      resume_func = extra->resume_func;
      owner_data = priv->owner_data;
    }
  g_mutex_unlock (&priv->lock);
  gopod_outbox_flush (&out);

  if (!changed)
    return;
  job_notify (job, PROP_PAUSED);
  if (resume_func != NULL)
    resume_func (job, owner_data);
}

static gboolean
job_pause_is_over (gpointer data)
{
  GopodJobPrivate *priv = data;

  return !priv->extra->paused || priv->stop_reason != STOP_NONE;
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

  priv = JOB_PRIV (job);
  options.cancellable = cancellable;
  g_mutex_lock (&priv->lock);
  if (priv->extra != NULL)
    ok = gopod_wait_until (&priv->extra->pause_waiters, job_pause_is_over, priv, &options, error);
  if (ok && priv->stop_reason != STOP_NONE)
    {
      g_propagate_error (error, stop_reason_error (priv->stop_reason));
      ok = FALSE;
    }
  g_mutex_unlock (&priv->lock);

  return ok;
}

static gint64
job_elapsed_us_locked (GopodJobPrivate *priv)
{
  JobExtra *extra = priv->extra;
  gint64 end, paused;

  if (extra == NULL || extra->started_at == 0)
    return 0;
  end = extra->ended_at != 0 ? extra->ended_at : g_get_monotonic_time ();
  paused = extra->paused_for + (extra->paused ? end - extra->paused_at : 0);
  return end - extra->started_at - paused;
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
  elapsed_us = job_elapsed_us_locked (priv);
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
  if (state_is_final (priv->state))
    remaining = 0;
  else if (priv->extra != NULL && priv->extra->started_at != 0 && priv->extra->progress > 0.0)
    remaining = (gint64) (job_elapsed_us_locked (priv) * (1.0 - priv->extra->progress)
                          / priv->extra->progress / 1000.0);
  g_mutex_unlock (&priv->lock);

  return remaining;
}

/* Owner API (gopod-job-private.h) */

gboolean
gopod_job_claim (GopodJob        *job,
                 GopodJobEndFunc  end_func,
                 gpointer         owner_data)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  GopodJobState state;

  g_mutex_lock (&priv->lock);
  state = priv->state;
  if (state == GOPOD_JOB_STATE_NEW)
    {
      job_state_set (priv, GOPOD_JOB_STATE_QUEUED);
      priv->end_func = end_func;
      priv->owner_data = owner_data;
    }
  g_mutex_unlock (&priv->lock);

  if (state != GOPOD_JOB_STATE_NEW)
    {
      g_critical ("Job %p (%s) was already added (state %d): a job can be added once",
                  job, G_OBJECT_TYPE_NAME (job), state);
      return FALSE;
    }

  job_notify (job, PROP_STATE);
  return TRUE;
}

static gboolean
job_timed_out (gpointer data)
{
  GopodJob *job = data;
  GopodJobPrivate *priv = JOB_PRIV (job);
  GCancellable *cancellable = NULL;
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  g_mutex_lock (&priv->lock);
  if (priv->state == GOPOD_JOB_STATE_RUNNING && priv->stop_reason == STOP_NONE)
    {
      job_stop_locked (priv, STOP_TIMED_OUT, &out);
      cancellable = g_object_ref (ensure_cancellable_locked (priv));
    }
  g_mutex_unlock (&priv->lock);
  gopod_outbox_flush (&out);

  if (cancellable != NULL)
    cancel_work (job, cancellable);

  return G_SOURCE_REMOVE;
}

gboolean
gopod_job_start (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);

  g_mutex_lock (&priv->lock);
  /* A job cancelled while queued is not started, even if its end is still
   * on its way (see discard_cancelled()). */
  if (priv->state != GOPOD_JOB_STATE_QUEUED || priv->stop_reason != STOP_NONE)
    {
      g_mutex_unlock (&priv->lock);
      return FALSE;
    }
  job_state_set (priv, GOPOD_JOB_STATE_RUNNING);
  priv->started = TRUE;
  ensure_cancellable_locked (priv);
  job_mark_started_locked (priv);
  if (priv->extra != NULL && priv->extra->timeout_ms > 0)
    priv->extra->timeout_source = gopod_timer_add (priv->extra->timeout_ms, job_timed_out,
                                                   g_object_ref (job), g_object_unref);
  g_mutex_unlock (&priv->lock);

  job_notify (job, PROP_STATE);
  return TRUE;
}

void
gopod_job_execute (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  GCancellable *cancellable = NULL;
  GError *run_error = NULL;
  GError *error = NULL;
  gboolean ok;

  g_assert (priv->started);

  ok = GOPOD_JOB_GET_CLASS (job)->run (job, priv->cancellable, &run_error);
  if (!ok)
    gopod_propagate_failure (&error, run_error, G_OBJECT_TYPE_NAME (job));
  else
    g_clear_error (&run_error);

  job_end_full (job, ok ? GOPOD_JOB_STATE_SUCCEEDED : GOPOD_JOB_STATE_FAILED, error, FALSE,
                &cancellable);
  recycle_cancellable (cancellable);
}

static gboolean
begin_in_context (gpointer data)
{
  GopodJob *job = data;
  GopodJobPrivate *priv = JOB_PRIV (job);

  GOPOD_JOB_GET_CLASS (job)->begin (job, priv->cancellable);

  return G_SOURCE_REMOVE;
}

void
gopod_job_begin_on (GopodJob     *job,
                    GMainContext *context)
{
  GSource *source;

  g_assert (JOB_PRIV (job)->started);

  /* `begin` may keep the cancellable for async work, and listens to it on
   * @context. */
  g_mutex_lock (&JOB_PRIV (job)->lock);
  JOB_PRIV (job)->cancellable_shared = TRUE;
  ensure_extra_locked (JOB_PRIV (job))->begin_context = g_main_context_ref (context);
  g_mutex_unlock (&JOB_PRIV (job)->lock);

  /* Always through a source: g_main_context_invoke() would run `begin`
   * right here if this thread could acquire the (global default) context. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[pod-glib] job begin");
  g_source_set_callback (source, begin_in_context, g_object_ref (job), g_object_unref);
  g_source_attach (source, context);
  g_source_unref (source);
}

gboolean
gopod_job_discard (GopodJob     *job,
                   const GError *error)
{
  return job_end_full (job, GOPOD_JOB_STATE_CANCELLED, g_error_copy (error), TRUE, NULL);
}

gboolean
gopod_job_is_ended (GopodJob *job)
{
  return state_is_final (gopod_job_get_state (job));
}

static gboolean
unref_in_context (gpointer job)
{
  g_object_unref (job);
  return G_SOURCE_REMOVE;
}

void
gopod_job_release (GopodJob *job)
{
  GopodJobPrivate *priv = JOB_PRIV (job);
  JobExtra *extra;
  GMainContext *context;
  GSource *source;

  /* Someone else still holds the job (its creator, usually): nothing is
   * finalized by this unref. (Should that holder drop its reference at this
   * very moment, the job is finalized here: a race this does not close.) */
  if (g_atomic_int_get ((int *) &G_OBJECT (job)->ref_count) > 1)
    {
      g_object_unref (job);
      return;
    }

  extra = peek_extra (priv);
  context = extra != NULL && extra->context != NULL ? extra->context : g_main_context_default ();
  if (g_main_context_acquire (context))
    {
      /* Nobody runs that context: finalizing here, as its owner, is what
       * g_main_context_invoke() would do too, and needs no loop. */
      g_object_unref (job);
      g_main_context_release (context);
      return;
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[pod-glib] job release");
  g_source_set_callback (source, unref_in_context, job, NULL);
  g_source_attach (source, context);
  g_source_unref (source);
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
  JobExtra *extra = peek_extra (JOB_PRIV (job));

  return extra != NULL ? g_atomic_int_get (&extra->priority) : 0;
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

gboolean
gopod_job_peek_paused (GopodJob *job)
{
  JobExtra *extra = peek_extra (JOB_PRIV (job));

  return extra != NULL && g_atomic_int_get (&extra->paused);
}

const char *
gopod_job_peek_key (GopodJob *job)
{
  JobExtra *extra = peek_extra (JOB_PRIV (job));

  return extra != NULL ? extra->key : NULL;
}

void
gopod_job_set_resume_func (GopodJob           *job,
                           GopodJobResumeFunc  resume_func)
{
  GopodJobPrivate *priv = JOB_PRIV (job);

  g_mutex_lock (&priv->lock);
  ensure_extra_locked (priv)->resume_func = resume_func;
  g_mutex_unlock (&priv->lock);
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
