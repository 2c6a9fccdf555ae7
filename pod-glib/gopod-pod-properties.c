/* gopod-pod-properties.c: GopodPod's settings, gauges, counters and the
 * job registry's accessors (the class and its work are in gopod-pod.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-pod-private.h"

#include "gopod-pod-registry-private.h"

/* Settings */

static guint
pod_properties_read_uint (GopodPod    *pod,
                          const guint *field)
{
  guint value;

  gopod_pod_core_lock (pod->core);
  value = *field;
  g_mutex_unlock (&pod->core->lock);

  return value;
}

static guint64
pod_properties_read_uint64 (GopodPod      *pod,
                            const guint64 *field)
{
  guint64 value;

  gopod_pod_core_lock (pod->core);
  value = *field;
  g_mutex_unlock (&pod->core->lock);

  return value;
}

/* Stores a setting; returns whether it changed. */
static gboolean
pod_properties_write_setting (GopodPod *pod,
                              guint    *field,
                              guint     value,
                              guint     prop_id)
{
  gboolean changed = gopod_pod_core_write_setting (pod->core, field, value);

  if (changed)
    gopod_notify_queue (&pod->core->notify, prop_id);
  return changed;
}

/**
 * gopod_pod_get_max_workers:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:max-workers].
 *
 * Returns: how many jobs may run at once
 *
 * Since: 1.0
 */
guint
gopod_pod_get_max_workers (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint (pod, &pod->core->max_workers);
}

/**
 * gopod_pod_set_max_workers:
 * @pod: a pod
 * @max_workers: how many jobs may run at once; at least 1
 *
 * Sets [property@Gopod.Pod:max-workers], at any time.
 *
 * Since: 1.0
 */
void
gopod_pod_set_max_workers (GopodPod *pod,
                           guint     max_workers)
{
  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (max_workers > 0);

  pod_properties_write_setting (pod, &pod->core->max_workers, max_workers, PROP_MAX_WORKERS);
}

/**
 * gopod_pod_get_max_queued:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:max-queued].
 *
 * Returns: how many jobs may wait in the queue, 0 for no bound
 *
 * Since: 1.0
 */
guint
gopod_pod_get_max_queued (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint (pod, &pod->core->max_queued);
}

/**
 * gopod_pod_set_max_queued:
 * @pod: a pod
 * @max_queued: how many jobs may wait in the queue, 0 for no bound
 *
 * Sets [property@Gopod.Pod:max-queued]. Lowering it below the number queued
 * drops nothing; it only refuses or holds back new jobs.
 *
 * Since: 1.0
 */
void
gopod_pod_set_max_queued (GopodPod *pod,
                          guint     max_queued)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  pod_properties_write_setting (pod, &pod->core->max_queued, max_queued, PROP_MAX_QUEUED);
}

/**
 * gopod_pod_get_idle_timeout_ms:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:idle-timeout-ms].
 *
 * Returns: how long a worker waits for work before leaving, in milliseconds
 *
 * Since: 1.0
 */
guint
gopod_pod_get_idle_timeout_ms (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint (pod, &pod->core->idle_timeout_ms);
}

/**
 * gopod_pod_set_idle_timeout_ms:
 * @pod: a pod
 * @idle_timeout_ms: how long a worker waits for work before leaving, in
 *   milliseconds; %G_MAXUINT for ever
 *
 * Sets [property@Gopod.Pod:idle-timeout-ms]. Workers already waiting finish
 * their current wait first.
 *
 * Since: 1.0
 */
void
gopod_pod_set_idle_timeout_ms (GopodPod *pod,
                               guint     idle_timeout_ms)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  pod_properties_write_setting (pod, &pod->core->idle_timeout_ms, idle_timeout_ms, PROP_IDLE_TIMEOUT_MS);
}

/**
 * gopod_pod_get_dispatch_interval_ms:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:dispatch-interval-ms].
 *
 * Returns: the least time between two job starts, in milliseconds
 *
 * Since: 1.0
 */
guint
gopod_pod_get_dispatch_interval_ms (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint (pod, &pod->core->dispatch_interval_ms);
}

/**
 * gopod_pod_set_dispatch_interval_ms:
 * @pod: a pod
 * @dispatch_interval_ms: the least time between two job starts, in
 *   milliseconds; 0 for none
 *
 * Sets [property@Gopod.Pod:dispatch-interval-ms].
 *
 * Since: 1.0
 */
void
gopod_pod_set_dispatch_interval_ms (GopodPod *pod,
                                    guint     dispatch_interval_ms)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  pod_properties_write_setting (pod, &pod->core->dispatch_interval_ms, dispatch_interval_ms,
                 PROP_DISPATCH_INTERVAL_MS);
}

/**
 * gopod_pod_get_running:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:running].
 *
 * Returns: how many jobs are running
 *
 * Since: 1.0
 */
guint
gopod_pod_get_running (GopodPod *pod)
{
  guint running;

  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);

  gopod_pod_core_lock (pod->core);
  running = pod->core->n_running + pod->core->n_running_main;
  g_mutex_unlock (&pod->core->lock);

  return running;
}

/**
 * gopod_pod_get_queued:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:queued].
 *
 * Returns: how many accepted jobs wait to start
 *
 * Since: 1.0
 */
guint
gopod_pod_get_queued (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint (pod, &pod->core->n_queued);
}

/**
 * gopod_pod_get_workers:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:workers].
 *
 * Returns: how many worker threads the pod holds
 *
 * Since: 1.0
 */
guint
gopod_pod_get_workers (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint (pod, &pod->core->n_workers);
}

/**
 * gopod_pod_get_submitted:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:submitted].
 *
 * Returns: how many jobs the pod has accepted
 *
 * Since: 1.0
 */
guint64
gopod_pod_get_submitted (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint64 (pod, &pod->core->submitted);
}

/**
 * gopod_pod_get_succeeded:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:succeeded].
 *
 * Returns: how many jobs succeeded
 *
 * Since: 1.0
 */
guint64
gopod_pod_get_succeeded (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint64 (pod, &pod->core->succeeded);
}

/**
 * gopod_pod_get_failed:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:failed].
 *
 * Returns: how many jobs failed
 *
 * Since: 1.0
 */
guint64
gopod_pod_get_failed (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint64 (pod, &pod->core->failed);
}

/**
 * gopod_pod_get_cancelled:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:cancelled].
 *
 * Returns: how many jobs were cancelled or discarded
 *
 * Since: 1.0
 */
guint64
gopod_pod_get_cancelled (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return pod_properties_read_uint64 (pod, &pod->core->cancelled);
}

/* The job registry (since 1.2) */

/**
 * gopod_pod_get_jobs:
 * @pod: a pod
 *
 * A live list of the object jobs @pod accepted and that have not ended, in
 * the order they were accepted, plus those that ended within the last
 * [property@Gopod.Pod:keep-ended-ms]: what a job manager's GtkListView
 * shows. Light jobs ([method@Gopod.Pod.submit]) are not listed.
 *
 * Its `items-changed` signals are emitted on the pod's main context (the
 * thread-default one when the pod was made), coalesced: however many jobs
 * are added or end between two iterations of that context, the model
 * changes once per iteration, in a few batches. Read it on that context.
 *
 * The list is made on the first call: a pod whose jobs nobody asked for
 * keeps no list. Jobs accepted before that call are listed too (the
 * running ones first).
 *
 * Returns: (transfer full): a #GListModel of #GopodJob
 *
 * Since: 1.2
 */
GListModel *
gopod_pod_get_jobs (GopodPod *pod)
{
  GListModel *jobs;

  g_return_val_if_fail (GOPOD_IS_POD (pod), NULL);

  gopod_pod_core_lock (pod->core);
  jobs = gopod_pod_registry_get_jobs_locked (pod->core);
  g_mutex_unlock (&pod->core->lock);

  return jobs;
}

/**
 * gopod_pod_lookup_job:
 * @pod: a pod
 * @key: a job key ([property@Gopod.Job:key])
 *
 * Finds the newest job with @key that @pod accepted and that has not
 * ended, so that a caller can wait for it instead of adding a duplicate
 * (a second thumbnail of the same file, a second sync of the same account).
 *
 * Returns: (transfer full) (nullable): the job, or %NULL if none
 *
 * Since: 1.2
 */
GopodJob *
gopod_pod_lookup_job (GopodPod   *pod,
                      const char *key)
{
  GopodJob *job;

  g_return_val_if_fail (GOPOD_IS_POD (pod), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  gopod_pod_core_lock (pod->core);
  job = gopod_pod_registry_lookup_locked (pod->core, key);
  g_mutex_unlock (&pod->core->lock);

  return job;
}

/**
 * gopod_pod_get_keep_ended_ms:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:keep-ended-ms].
 *
 * Returns: how long ended jobs stay listed, in milliseconds
 *
 * Since: 1.2
 */
guint
gopod_pod_get_keep_ended_ms (GopodPod *pod)
{
  guint keep_ended_ms;

  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);

  gopod_pod_core_lock (pod->core);
  keep_ended_ms = pod->core->registry.keep_ended_ms;
  g_mutex_unlock (&pod->core->lock);

  return keep_ended_ms;
}

/**
 * gopod_pod_set_keep_ended_ms:
 * @pod: a pod
 * @keep_ended_ms: how long ended jobs stay listed, in milliseconds
 *
 * Sets [property@Gopod.Pod:keep-ended-ms].
 *
 * Since: 1.2
 */
void
gopod_pod_set_keep_ended_ms (GopodPod *pod,
                             guint     keep_ended_ms)
{
  gboolean changed;

  g_return_if_fail (GOPOD_IS_POD (pod));

  gopod_pod_core_lock (pod->core);
  changed = pod->core->registry.keep_ended_ms != keep_ended_ms;
  gopod_pod_registry_set_keep_ended_ms_locked (pod->core, keep_ended_ms);
  g_mutex_unlock (&pod->core->lock);

  if (changed)
    gopod_notify_queue (&pod->core->notify, PROP_KEEP_ENDED_MS);
}

/**
 * gopod_pod_get_progress:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:progress].
 *
 * Returns: how far the jobs accepted since the pod was last idle have come,
 *   from 0 to 1
 *
 * Since: 1.2
 */
double
gopod_pod_get_progress (GopodPod *pod)
{
  double progress;

  g_return_val_if_fail (GOPOD_IS_POD (pod), 0.0);

  gopod_pod_core_lock (pod->core);
  progress = gopod_pod_registry_progress_locked (pod->core);
  g_mutex_unlock (&pod->core->lock);

  return progress;
}

/**
 * gopod_pod_dup_application:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:application].
 *
 * Returns: (transfer full) (nullable): the application @pod keeps running
 *   while it has work
 *
 * Since: 1.2
 */
GApplication *
gopod_pod_dup_application (GopodPod *pod)
{
  GApplication *application;

  g_return_val_if_fail (GOPOD_IS_POD (pod), NULL);

  gopod_pod_core_lock (pod->core);
  application = pod->core->registry.application;
  if (application != NULL)
    g_object_ref (application);
  g_mutex_unlock (&pod->core->lock);

  return application;
}

/**
 * gopod_pod_set_application:
 * @pod: a pod
 * @application: (nullable): the application to hold while @pod has work
 *
 * Sets [property@Gopod.Pod:application].
 *
 * Since: 1.2
 */
void
gopod_pod_set_application (GopodPod     *pod,
                           GApplication *application)
{
  GApplication *old = NULL;
  gboolean changed;

  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (application == NULL || G_IS_APPLICATION (application));

  gopod_pod_core_lock (pod->core);
  changed = gopod_pod_registry_set_application_locked (pod->core, application, &old);
  g_mutex_unlock (&pod->core->lock);

  /* Here, on the caller's thread, as any unref by the caller would be: its
   * finalization is user code, run without the lock (rule 1). */
  g_clear_object (&old);
  if (changed)
    gopod_notify_queue (&pod->core->notify, PROP_APPLICATION);
}
