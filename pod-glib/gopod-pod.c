/* gopod-pod.c: a bounded pool of workers running jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-pod.h"

#include "gopod-enum-types.h"
#include "gopod-error.h"
#include "gopod-pod-core-private.h"
#include "gopod-pod-private.h"

/**
 * GopodPod:
 *
 * A pool of at most [property@Gopod.Pod:max-workers] workers running
 * queued jobs: go-pod's `Pod`, the `work` pool and the dispatcher of
 * the dispatcher/worker walk-through, on GLib's own
 * [struct@GLib.ThreadPool] threads and [struct@GLib.AsyncQueue] queue, never on GTask's shared pool.
 *
 * A new pod queues work but runs none until [method@Gopod.Pod.start].
 * Work comes as [class@Gopod.Job]s ([method@Gopod.Pod.add_job],
 * [method@Gopod.Pod.try_add_job], [method@Gopod.Pod.run_async]) or as plain
 * functions ([method@Gopod.Pod.submit]), the light path, with no object per
 * job. Jobs run lowest [property@Gopod.Job:priority] first, and in the order
 * they were added within a priority (light jobs have priority 0).
 *
 * Main-context jobs (those implementing [vfunc@Gopod.Job.begin]) hold a
 * worker slot, not a thread, from `begin` until they complete, so a pod
 * bounds JavaScript's async work too. `begin` runs on the main context that
 * was thread-default when the pod was created, and so do property
 * notifications, coalesced: a counter that changes a million times between
 * two iterations is notified once.
 *
 * Workers are started when work arrives and return their threads after
 * [property@Gopod.Pod:idle-timeout-ms] without work: an idle pod owns no
 * thread and wakes nobody. Dropping the last reference to a pod does not drop
 * its work: what is queued still runs (a paused pod is restarted for it), and
 * the pod's internals go away with the last job.
 *
 * Since: 1.0
 */
G_DEFINE_FINAL_TYPE (GopodPod, gopod_pod, G_TYPE_OBJECT)

/* The light path's instance check: GOPOD_IS_POD() calls
 * gopod_pod_get_type() (a g_once check) before it compares classes, about a
 * quarter of what a submit costs. The type is final, so a pod's class is
 * exactly this type's; it is set in class_init, before any pod exists. */
static GType pod_type;

static inline gboolean
pod_is_pod (gconstpointer instance)
{
  const GTypeInstance *inst = instance;

  return inst != NULL && inst->g_class != NULL && inst->g_class->g_type == pod_type;
}

static GParamSpec *properties[N_PROPS];
static void
gopod_pod_dispose (GObject *object)
{
  gopod_pod_core_orphan (GOPOD_POD (object)->core);

  G_OBJECT_CLASS (gopod_pod_parent_class)->dispose (object);
}

static void
gopod_pod_finalize (GObject *object)
{
  gopod_pod_core_unref (GOPOD_POD (object)->core);

  G_OBJECT_CLASS (gopod_pod_parent_class)->finalize (object);
}

static void
gopod_pod_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  GopodPod *pod = GOPOD_POD (object);

  switch (prop_id)
    {
    case PROP_MAX_WORKERS:
      g_value_set_uint (value, gopod_pod_get_max_workers (pod));
      break;
    case PROP_MAX_QUEUED:
      g_value_set_uint (value, gopod_pod_get_max_queued (pod));
      break;
    case PROP_IDLE_TIMEOUT_MS:
      g_value_set_uint (value, gopod_pod_get_idle_timeout_ms (pod));
      break;
    case PROP_DISPATCH_INTERVAL_MS:
      g_value_set_uint (value, gopod_pod_get_dispatch_interval_ms (pod));
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, gopod_pod_get_paused (pod));
      break;
    case PROP_RUNNING:
      g_value_set_uint (value, gopod_pod_get_running (pod));
      break;
    case PROP_QUEUED:
      g_value_set_uint (value, gopod_pod_get_queued (pod));
      break;
    case PROP_WORKERS:
      g_value_set_uint (value, gopod_pod_get_workers (pod));
      break;
    case PROP_SUBMITTED:
      g_value_set_uint64 (value, gopod_pod_get_submitted (pod));
      break;
    case PROP_SUCCEEDED:
      g_value_set_uint64 (value, gopod_pod_get_succeeded (pod));
      break;
    case PROP_FAILED:
      g_value_set_uint64 (value, gopod_pod_get_failed (pod));
      break;
    case PROP_CANCELLED:
      g_value_set_uint64 (value, gopod_pod_get_cancelled (pod));
      break;
    case PROP_KEEP_ENDED_MS:
      g_value_set_uint (value, gopod_pod_get_keep_ended_ms (pod));
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, gopod_pod_get_progress (pod));
      break;
    case PROP_APPLICATION:
      g_value_take_object (value, gopod_pod_dup_application (pod));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_pod_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  GopodPod *pod = GOPOD_POD (object);

  switch (prop_id)
    {
    case PROP_MAX_WORKERS:
      gopod_pod_set_max_workers (pod, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED:
      gopod_pod_set_max_queued (pod, g_value_get_uint (value));
      break;
    case PROP_IDLE_TIMEOUT_MS:
      gopod_pod_set_idle_timeout_ms (pod, g_value_get_uint (value));
      break;
    case PROP_DISPATCH_INTERVAL_MS:
      gopod_pod_set_dispatch_interval_ms (pod, g_value_get_uint (value));
      break;
    case PROP_KEEP_ENDED_MS:
      gopod_pod_set_keep_ended_ms (pod, g_value_get_uint (value));
      break;
    case PROP_APPLICATION:
      gopod_pod_set_application (pod, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
pod_counter_pspec (const char *name)
{
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
pod_gauge_pspec (const char *name)
{
  return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT, 0,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
pod_setting_pspec (const char *name,
                   guint       minimum,
                   guint       default_value)
{
  return g_param_spec_uint (name, NULL, NULL, minimum, G_MAXUINT, default_value,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                            G_PARAM_STATIC_STRINGS);
}

static void
gopod_pod_class_init (GopodPodClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  pod_type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = gopod_pod_dispose;
  object_class->finalize = gopod_pod_finalize;
  object_class->get_property = gopod_pod_get_property;
  object_class->set_property = gopod_pod_set_property;

  /**
   * GopodPod:max-workers:
   *
   * How many jobs run at once, thread jobs and main-context jobs together.
   * It may change at any time: growing starts queued jobs at once, shrinking
   * never interrupts a running job but bounds new starts at once.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_WORKERS] = pod_setting_pspec ("max-workers", 1, 1);

  /**
   * GopodPod:max-queued:
   *
   * How many jobs may wait in the queue; 0 means no bound. At the bound,
   * [method@Gopod.Pod.add_job] blocks and the non-blocking calls fail with
   * %GOPOD_ERROR_QUEUE_FULL.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_QUEUED] = pod_setting_pspec ("max-queued", 0, 0);

  /**
   * GopodPod:idle-timeout-ms:
   *
   * How long a worker waits for work before giving its thread back. An idle
   * pod holds no thread after this long. %G_MAXUINT keeps workers forever.
   *
   * Since: 1.0
   */
  properties[PROP_IDLE_TIMEOUT_MS] = pod_setting_pspec ("idle-timeout-ms", 0, GOPOD_POD_DEFAULT_IDLE_TIMEOUT_MS);

  /**
   * GopodPod:dispatch-interval-ms:
   *
   * The least time between two job starts, go-pod's dispatch interval; 0
   * means none. It is a rate limit kept with a timed wait, not a poll.
   *
   * Since: 1.0
   */
  properties[PROP_DISPATCH_INTERVAL_MS] = pod_setting_pspec ("dispatch-interval-ms", 0, 0);

  /**
   * GopodPod:paused:
   *
   * Whether the pod holds its queue without starting jobs: a new pod is
   * paused until [method@Gopod.Pod.start].
   *
   * Since: 1.0
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodPod:running:
   *
   * How many jobs are running. Light jobs are handed to workers in small
   * batches when they are short; a batch counts as one running job.
   *
   * Since: 1.0
   */
  properties[PROP_RUNNING] = pod_gauge_pspec ("running");

  /**
   * GopodPod:queued:
   *
   * How many accepted jobs wait to start.
   *
   * Since: 1.0
   */
  properties[PROP_QUEUED] = pod_gauge_pspec ("queued");

  /**
   * GopodPod:workers:
   *
   * How many worker threads the pod holds now: 0 once it has been idle for
   * [property@Gopod.Pod:idle-timeout-ms].
   *
   * Since: 1.0
   */
  properties[PROP_WORKERS] = pod_gauge_pspec ("workers");

  /**
   * GopodPod:submitted:
   *
   * How many jobs the pod has accepted.
   *
   * Since: 1.0
   */
  properties[PROP_SUBMITTED] = pod_counter_pspec ("submitted");

  /**
   * GopodPod:succeeded:
   *
   * How many jobs ended %GOPOD_JOB_STATE_SUCCEEDED (every light job that ran).
   *
   * Since: 1.0
   */
  properties[PROP_SUCCEEDED] = pod_counter_pspec ("succeeded");

  /**
   * GopodPod:failed:
   *
   * How many jobs ended %GOPOD_JOB_STATE_FAILED.
   *
   * Since: 1.0
   */
  properties[PROP_FAILED] = pod_counter_pspec ("failed");

  /**
   * GopodPod:cancelled:
   *
   * How many jobs ended %GOPOD_JOB_STATE_CANCELLED, or, for light jobs, were
   * discarded by a shutdown.
   *
   * Since: 1.0
   */
  properties[PROP_CANCELLED] = pod_counter_pspec ("cancelled");

  /**
   * GopodPod:keep-ended-ms:
   *
   * How long an ended job stays in [method@Gopod.Pod.get_jobs]'s model
   * after its end, in milliseconds, so a job manager can show "done" or
   * "failed" for a while; 0 (the default) removes it at once. Changing it
   * applies to jobs already ended too.
   *
   * Since: 1.2
   */
  properties[PROP_KEEP_ENDED_MS] = pod_setting_pspec ("keep-ended-ms", 0, 0);

  /**
   * GopodPod:progress:
   *
   * How far the pod's current batch has come, from 0 to 1: over the jobs
   * accepted since the pod was last idle, an ended job counts 1 and the
   * others their [property@Gopod.Job:progress] (a light job 0). Back to 0
   * when the pod is idle. Notified on the pod's main context, coalesced,
   * when jobs are accepted or end and when a job reports progress.
   *
   * Since: 1.2
   */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodPod:application:
   *
   * An application the pod keeps running while it has work: while jobs are
   * queued or running, the pod holds it ([method@Gio.Application.hold]), so
   * closing the last window does not stop work in flight; it releases it
   * when the pod is idle or shut down. Holds and releases happen on the
   * global default main context, the one [method@Gio.Application.run] runs,
   * whatever the pod's own main context.
   *
   * Give the pod its work once the run is under way (from `startup`,
   * `activate` or later): before the run nobody runs that context, so a
   * pod already busy then takes its hold only once the run looks, and a run
   * with nothing else to do may quit first. And shut the pod down from the
   * application's `shutdown` when it may still have work after
   * [method@Gio.Application.quit]: a release due after the run ended waits
   * for a context nobody runs again.
   *
   * Since: 1.2
   */
  properties[PROP_APPLICATION] =
    g_param_spec_object ("application", NULL, NULL, G_TYPE_APPLICATION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gopod_pod_init (GopodPod *pod)
{
  pod->core = gopod_pod_core_new (pod, properties, N_PROPS);
}

/**
 * gopod_pod_new:
 * @max_workers: how many jobs may run at once; at least 1
 *
 * Makes a pod. It queues jobs but starts none until [method@Gopod.Pod.start].
 *
 * Returns: (transfer full): a new pod
 *
 * Since: 1.0
 */
GopodPod *
gopod_pod_new (guint max_workers)
{
  g_return_val_if_fail (max_workers > 0, NULL);

  return g_object_new (GOPOD_TYPE_POD, "max-workers", max_workers, NULL);
}

static void
pod_set_paused (GopodPod *pod,
                gboolean  paused)
{
  if (gopod_pod_core_set_paused (pod->core, paused))
    gopod_notify_queue (&pod->core->notify, PROP_PAUSED);
}

/**
 * gopod_pod_start:
 * @pod: a pod
 *
 * Starts dispatching queued jobs, or resumes after [method@Gopod.Pod.pause].
 *
 * Since: 1.0
 */
void
gopod_pod_start (GopodPod *pod)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  pod_set_paused (pod, FALSE);
}

/**
 * gopod_pod_pause:
 * @pod: a pod
 *
 * Stops starting jobs until [method@Gopod.Pod.start]. Running jobs go on;
 * light jobs a worker had taken but not started go back to the queue.
 * Once [method@Gopod.Pod.shutdown] was called it does nothing: a shutdown
 * resumes the pod.
 *
 * Since: 1.0
 */
void
gopod_pod_pause (GopodPod *pod)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  pod_set_paused (pod, TRUE);
}

/**
 * gopod_pod_get_paused:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:paused].
 *
 * Returns: whether @pod is paused (or not started yet)
 *
 * Since: 1.0
 */
gboolean
gopod_pod_get_paused (GopodPod *pod)
{
  gboolean paused;

  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);

  gopod_pod_core_lock (pod->core);
  paused = pod->core->paused;
  g_mutex_unlock (&pod->core->lock);

  return paused;
}

/**
 * gopod_pod_add_job:
 * @pod: a pod
 * @job: a new job; the pod takes a reference
 * @cancellable: (nullable): stops waiting for room
 * @error: return location for an error
 *
 * Queues @job, blocking while the queue holds
 * [property@Gopod.Pod:max-queued] jobs, as a send on a full Go channel
 * does. Called from one of the pod's own workers, it does not block (that
 * could wait forever) and fails with %GOPOD_ERROR_QUEUE_FULL instead.
 *
 * A job can be added once: adding it again, or adding a job that ended, is
 * a programmer error.
 *
 * Returns: %TRUE if the job was queued; %FALSE with %GOPOD_ERROR_CLOSED after
 *   a shutdown, %GOPOD_ERROR_QUEUE_FULL from a worker, or
 *   %G_IO_ERROR_CANCELLED
 *
 * Since: 1.0
 */
gboolean
gopod_pod_add_job (GopodPod      *pod,
                   GopodJob      *job,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return gopod_pod_core_add_job (pod->core, job, TRUE, cancellable, error);
}

/**
 * gopod_pod_try_add_job:
 * @pod: a pod
 * @job: a new job; the pod takes a reference
 * @error: return location for an error
 *
 * Queues @job if there is room, without ever blocking.
 *
 * Returns: %TRUE if the job was queued; %FALSE with %GOPOD_ERROR_QUEUE_FULL
 *   or %GOPOD_ERROR_CLOSED
 *
 * Since: 1.0
 */
gboolean
gopod_pod_try_add_job (GopodPod  *pod,
                       GopodJob  *job,
                       GError   **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return gopod_pod_core_add_job (pod->core, job, FALSE, NULL, error);
}

typedef struct
{
  GopodJob     *job;
  GCancellable *cancellable;
  gulong        cancel_handler;
} PodRunData;

static void
pod_run_data_free (PodRunData *data)
{
  g_clear_object (&data->job);
  g_clear_object (&data->cancellable);
  g_free (data);
}

static void
pod_run_cancelled (GCancellable *cancellable,
                   GopodJob     *job)
{
  gopod_job_cancel (job);
}

static void
pod_run_job_ended (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PodRunData *data = g_task_get_task_data (task);
  GError *error = NULL;

  /* This may run inside the cancel handler itself (cancelling a queued job
   * ends it at once), where g_cancellable_disconnect() would wait for ever;
   * the handler holds its own reference to the job, so a plain disconnect
   * is safe here and from any thread. */
  if (data->cancel_handler != 0)
    g_signal_handler_disconnect (data->cancellable, data->cancel_handler);

  if (gopod_job_wait_finish (GOPOD_JOB (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * gopod_pod_run_async:
 * @pod: a pod
 * @job: a new job; the pod takes a reference
 * @cancellable: (nullable): cancels the job
 * @callback: (scope async) (closure user_data): called on the caller's
 *   thread-default main context when the job has ended
 * @user_data: data for @callback
 *
 * Queues @job without blocking and reports its own result when it ends.
 * Cancelling @cancellable cancels the job (see [method@Gopod.Job.cancel]).
 * A full queue or a closed pod is reported to @callback.
 *
 * Since: 1.0
 */
void
gopod_pod_run_async (GopodPod            *pod,
                     GopodJob            *job,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;
  PodRunData *data;
  GError *error = NULL;

  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (GOPOD_IS_JOB (job));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (pod, NULL, callback, user_data);
  g_task_set_source_tag (task, gopod_pod_run_async);

  if (!gopod_pod_core_add_job (pod->core, job, FALSE, NULL, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  data = g_new0 (PodRunData, 1);
  data->job = g_object_ref (job);
  g_task_set_task_data (task, data, (GDestroyNotify) pod_run_data_free);
  if (cancellable != NULL)
    {
      data->cancellable = g_object_ref (cancellable);
      data->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (pod_run_cancelled),
                                                    g_object_ref (job), g_object_unref);
    }

  gopod_job_wait_async (job, NULL, pod_run_job_ended, task);
}

/**
 * gopod_pod_run_finish:
 * @pod: a pod
 * @result: the result given to the callback
 * @error: return location for the job's error
 *
 * Finishes [method@Gopod.Pod.run_async].
 *
 * Returns: %TRUE if the job succeeded; otherwise %FALSE with the job's error,
 *   or why it could not be queued
 *
 * Since: 1.0
 */
gboolean
gopod_pod_run_finish (GopodPod      *pod,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, pod) &&
                        g_task_get_source_tag (G_TASK (result)) == gopod_pod_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The criticals of gopod_pod_submit(), out of line: with them inline, the
 * fast path also paid a stack adjustment for their calls. @destroy is not
 * called: a programmer error loses nothing it was not given. */
static G_GNUC_NO_INLINE gboolean
pod_submit_misused (GopodPod   *pod,
                    GopodFunc   func,
                    GError    **error)
{
  g_return_val_if_fail (pod_is_pod (pod), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return FALSE;
}

/**
 * gopod_pod_submit:
 * @pod: a pod
 * @func: (scope notified) (closure user_data) (destroy destroy): the work, run
 *   once in a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data after @func ran, or instead of it
 *   when a shutdown discards the job
 * @error: return location for an error
 *
 * Queues a light job: no object is made for it, which makes this the fast
 * path for many small jobs. It never blocks.
 *
 * Called from the thread that made @pod, @destroy runs in that thread, on
 * its thread-default main context: from an idle source when it runs, or
 * when this thread's [method@Gopod.Pod.wait] or [method@Gopod.Pod.shutdown]
 * returns (so a program without a main loop frees everything too). From
 * another thread, it runs on the caller's thread-default context when a
 * thread runs it, else where the job ended. A light job with a destroy notify costs an
 * allocation more than one without. @func itself always runs in a worker
 * thread: from JavaScript, which cannot run there, use a main-context
 * [class@Gopod.Job] instead.
 *
 * Returns: %TRUE if the job was queued; %FALSE with %GOPOD_ERROR_QUEUE_FULL
 *   or %GOPOD_ERROR_CLOSED, in which case @destroy has been called
 *
 * Since: 1.0
 */
gboolean
gopod_pod_submit (GopodPod        *pod,
                  GopodFunc        func,
                  gpointer         user_data,
                  GDestroyNotify   destroy,
                  GError         **error)
{
  if (G_LIKELY (pod_is_pod (pod) && func != NULL && (error == NULL || *error == NULL)))
    return gopod_pod_core_submit (pod->core, func, user_data, destroy, error);
  return pod_submit_misused (pod, func, error);
}

static gboolean
pod_refuse_own_wait (GopodPodCore  *core,
                     const char    *what,
                     GError       **error)
{
  if (!gopod_pod_core_is_serving (core))
    return FALSE;

  g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
               "Cannot %s a pod from one of its own jobs: it would wait for itself", what);
  return TRUE;
}

/**
 * gopod_pod_wait:
 * @pod: a pod
 * @cancellable: (nullable): stops the wait
 * @error: return location for an error
 *
 * Blocks until nothing is queued or running, as a Go `sync.WaitGroup` does.
 * A paused pod with queued jobs is not idle. Needs no main loop: called on
 * the thread the pod was made on while nobody runs its main context, it runs
 * that context itself as long as main-context jobs are pending, also ones
 * added during the wait. From one of the pod's own jobs (a worker, or a
 * job's `begin`, `run` or `finish`) it would wait for itself, so it fails at
 * once.
 *
 * Returns: %TRUE once idle; %FALSE with %G_IO_ERROR_CANCELLED, or
 *   %GOPOD_ERROR_FAILED from one of the pod's own jobs
 *
 * Since: 1.0
 */
gboolean
gopod_pod_wait (GopodPod      *pod,
                GCancellable  *cancellable,
                GError       **error)
{
  GopodPodCore *core;
  gboolean ok;

  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  core = pod->core;
  if (pod_refuse_own_wait (core, "wait for", error))
    return FALSE;

  ok = gopod_pod_core_wait (core, gopod_pod_core_is_idle_locked, cancellable, error);

  return ok;
}
/**
 * gopod_pod_wait_async:
 * @pod: a pod
 * @cancellable: (nullable): stops the wait
 * @callback: (scope async) (closure user_data): called on the caller's
 *   thread-default main context once nothing is queued or running
 * @user_data: data for @callback
 *
 * Waits for the pod to be idle without blocking.
 *
 * Since: 1.0
 */
void
gopod_pod_wait_async (GopodPod            *pod,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (pod, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_pod_wait_async);
  gopod_pod_core_wait_async (pod->core, task, gopod_pod_core_is_idle_locked);
}

/**
 * gopod_pod_wait_finish:
 * @pod: a pod
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gopod.Pod.wait_async].
 *
 * Returns: %TRUE once idle, %FALSE with %G_IO_ERROR_CANCELLED
 *
 * Since: 1.0
 */
gboolean
gopod_pod_wait_finish (GopodPod      *pod,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, pod) &&
                        g_task_get_source_tag (G_TASK (result)) == gopod_pod_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
/**
 * gopod_pod_shutdown:
 * @pod: a pod
 * @mode: what to do with queued and running jobs
 * @cancellable: (nullable): stops waiting (the shutdown itself goes on)
 * @error: return location for an error
 *
 * Stops accepting work (later additions fail with %GOPOD_ERROR_CLOSED),
 * then, with %GOPOD_SHUTDOWN_DRAIN, runs every queued job (a paused pod is
 * resumed for it), or with %GOPOD_SHUTDOWN_DISCARD ends queued jobs
 * %GOPOD_JOB_STATE_CANCELLED without running them and cancels running ones.
 * Returns when every worker has returned and every job has ended.
 *
 * A job paused with [method@Gopod.Job.pause] stays paused: a draining
 * shutdown waits until it is resumed or cancelled (cancel it, or shut down
 * with %GOPOD_SHUTDOWN_DISCARD, not to wait for it).
 *
 * A pod shuts down once. A second call still waits, and a DISCARD upgrades a
 * DRAIN in progress, but it returns %GOPOD_ERROR_CLOSED. From one of the
 * pod's own jobs (a worker, or a job's `begin`, `run` or `finish`) the
 * shutdown starts, but cannot be waited for there. Waits as
 * [method@Gopod.Pod.wait] does.
 *
 * Returns: %TRUE when this call shut the pod down; %FALSE with
 *   %GOPOD_ERROR_CLOSED, %G_IO_ERROR_CANCELLED, or %GOPOD_ERROR_FAILED from
 *   one of the pod's own jobs
 *
 * Since: 1.0
 */
gboolean
gopod_pod_shutdown (GopodPod           *pod,
                    GopodShutdownMode   mode,
                    GCancellable       *cancellable,
                    GError            **error)
{
  g_autoptr(GError) closed_error = NULL;
  GopodPodCore *core;
  gboolean first, ok;

  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (mode == GOPOD_SHUTDOWN_DRAIN || mode == GOPOD_SHUTDOWN_DISCARD, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  core = pod->core;
  first = gopod_pod_core_begin_shutdown (core, mode, &closed_error);
  if (pod_refuse_own_wait (core, "wait for the shutdown of", error))
    return FALSE;

  ok = gopod_pod_core_wait (core, gopod_pod_core_is_shut_down_locked, cancellable, error);

  if (ok && !first)
    {
      g_propagate_error (error, g_steal_pointer (&closed_error));
      return FALSE;
    }
  return ok;
}

/* The wait of a second shutdown_async() ended: @user_data, its task, gets
 * the wait's error, or the GOPOD_ERROR_CLOSED kept in its task data. */
static void
pod_shutdown_again_waited (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_error (task, g_error_copy (g_task_get_task_data (task)));
}

/**
 * gopod_pod_shutdown_async:
 * @pod: a pod
 * @mode: what to do with queued and running jobs
 * @cancellable: (nullable): stops waiting (the shutdown itself goes on)
 * @callback: (scope async) (closure user_data): called on the caller's
 *   thread-default main context when the shutdown is complete
 * @user_data: data for @callback
 *
 * Shuts the pod down as [method@Gopod.Pod.shutdown] does, without blocking.
 *
 * Since: 1.0
 */
void
gopod_pod_shutdown_async (GopodPod            *pod,
                          GopodShutdownMode    mode,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (mode == GOPOD_SHUTDOWN_DRAIN || mode == GOPOD_SHUTDOWN_DISCARD);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (pod, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_pod_shutdown_async);
  if (!gopod_pod_core_begin_shutdown (pod->core, mode, &error))
    {
      /* A second call waits too, as gopod_pod_shutdown() does, and only
       * then reports GOPOD_ERROR_CLOSED. */
      GTask *wait = g_task_new (pod, cancellable, pod_shutdown_again_waited, g_object_ref (task));

      g_task_set_task_data (task, error, (GDestroyNotify) g_error_free);
      gopod_pod_core_wait_async (pod->core, wait, gopod_pod_core_is_shut_down_locked);
      g_object_unref (wait);
      return;
    }
  gopod_pod_core_wait_async (pod->core, task, gopod_pod_core_is_shut_down_locked);
}

/**
 * gopod_pod_shutdown_finish:
 * @pod: a pod
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gopod.Pod.shutdown_async].
 *
 * Returns: %TRUE when the pod is shut down; %FALSE with
 *   %GOPOD_ERROR_CLOSED if it had been already, or %G_IO_ERROR_CANCELLED
 *
 * Since: 1.0
 */
gboolean
gopod_pod_shutdown_finish (GopodPod      *pod,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, pod) &&
                        g_task_get_source_tag (G_TASK (result)) == gopod_pod_shutdown_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
