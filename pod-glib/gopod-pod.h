/* gopod-pod.h: a bounded pool of workers running jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (GOPOD_INSIDE) && !defined (GOPOD_COMPILATION)
# error "Only <pod-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gopod-job.h"
#include "gopod-version-macros.h"

G_BEGIN_DECLS

/**
 * GopodShutdownMode:
 * @GOPOD_SHUTDOWN_DRAIN: run every queued job, then stop
 * @GOPOD_SHUTDOWN_DISCARD: end queued jobs %GOPOD_JOB_STATE_CANCELLED without
 *   running them, cancel running ones, then stop
 *
 * What [method@Gopod.Pod.shutdown] does with the work it holds.
 *
 * Since: 1.0
 */
typedef enum
{
  GOPOD_SHUTDOWN_DRAIN,
  GOPOD_SHUTDOWN_DISCARD,
} GopodShutdownMode;

/**
 * GopodFunc:
 * @user_data: the data given to [method@Gopod.Pod.submit]
 *
 * A light job: a function run once in a worker thread.
 *
 * Since: 1.0
 */
typedef void (*GopodFunc) (gpointer user_data);

#define GOPOD_TYPE_POD (gopod_pod_get_type ())

GOPOD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GopodPod, gopod_pod, GOPOD, POD, GObject)

GOPOD_AVAILABLE_IN_ALL
GopodPod  *gopod_pod_new                      (guint                max_workers);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_start                    (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_pause                    (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_get_paused               (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_add_job                  (GopodPod            *pod,
                                               GopodJob            *job,
                                               GCancellable        *cancellable,
                                               GError             **error);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_try_add_job              (GopodPod            *pod,
                                               GopodJob            *job,
                                               GError             **error);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_run_async                (GopodPod            *pod,
                                               GopodJob            *job,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_run_finish               (GopodPod            *pod,
                                               GAsyncResult        *result,
                                               GError             **error);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_submit                   (GopodPod            *pod,
                                               GopodFunc            func,
                                               gpointer             user_data,
                                               GDestroyNotify       destroy,
                                               GError             **error);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_wait                     (GopodPod            *pod,
                                               GCancellable        *cancellable,
                                               GError             **error);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_wait_async               (GopodPod            *pod,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_wait_finish              (GopodPod            *pod,
                                               GAsyncResult        *result,
                                               GError             **error);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_shutdown                 (GopodPod            *pod,
                                               GopodShutdownMode    mode,
                                               GCancellable        *cancellable,
                                               GError             **error);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_shutdown_async           (GopodPod            *pod,
                                               GopodShutdownMode    mode,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GOPOD_AVAILABLE_IN_ALL
gboolean   gopod_pod_shutdown_finish          (GopodPod            *pod,
                                               GAsyncResult        *result,
                                               GError             **error);

GOPOD_AVAILABLE_IN_ALL
guint      gopod_pod_get_max_workers          (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_set_max_workers          (GopodPod            *pod,
                                               guint                max_workers);
GOPOD_AVAILABLE_IN_ALL
guint      gopod_pod_get_max_queued           (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_set_max_queued           (GopodPod            *pod,
                                               guint                max_queued);
GOPOD_AVAILABLE_IN_ALL
guint      gopod_pod_get_idle_timeout_ms      (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_set_idle_timeout_ms      (GopodPod            *pod,
                                               guint                idle_timeout_ms);
GOPOD_AVAILABLE_IN_ALL
guint      gopod_pod_get_dispatch_interval_ms (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
void       gopod_pod_set_dispatch_interval_ms (GopodPod            *pod,
                                               guint                dispatch_interval_ms);
GOPOD_AVAILABLE_IN_ALL
guint      gopod_pod_get_running              (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
guint      gopod_pod_get_queued               (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
guint      gopod_pod_get_workers              (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
guint64    gopod_pod_get_submitted            (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
guint64    gopod_pod_get_succeeded            (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
guint64    gopod_pod_get_failed               (GopodPod            *pod);
GOPOD_AVAILABLE_IN_ALL
guint64    gopod_pod_get_cancelled            (GopodPod            *pod);

GOPOD_AVAILABLE_IN_1_2
GListModel   *gopod_pod_get_jobs                 (GopodPod            *pod);
GOPOD_AVAILABLE_IN_1_2
GopodJob     *gopod_pod_lookup_job               (GopodPod            *pod,
                                                  const char          *key);
GOPOD_AVAILABLE_IN_1_2
guint         gopod_pod_get_keep_ended_ms        (GopodPod            *pod);
GOPOD_AVAILABLE_IN_1_2
void          gopod_pod_set_keep_ended_ms        (GopodPod            *pod,
                                                  guint                keep_ended_ms);
GOPOD_AVAILABLE_IN_1_2
double        gopod_pod_get_progress             (GopodPod            *pod);
GOPOD_AVAILABLE_IN_1_2
GApplication *gopod_pod_dup_application          (GopodPod            *pod);
GOPOD_AVAILABLE_IN_1_2
void          gopod_pod_set_application          (GopodPod            *pod,
                                                  GApplication        *application);

G_END_DECLS
