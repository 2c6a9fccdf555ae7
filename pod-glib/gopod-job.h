/* gopod-job.h: a unit of work for a pod or a runner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (GOPOD_INSIDE) && !defined (GOPOD_COMPILATION)
# error "Only <pod-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gopod-version-macros.h"

G_BEGIN_DECLS

/**
 * GopodJobState:
 * @GOPOD_JOB_STATE_NEW: created, not yet given to a pod or runner
 * @GOPOD_JOB_STATE_QUEUED: accepted, waiting for a worker
 * @GOPOD_JOB_STATE_RUNNING: running (a thread job in a worker, a main-context
 *   job between `begin` and [method@Gopod.Job.complete])
 * @GOPOD_JOB_STATE_SUCCEEDED: ended without error
 * @GOPOD_JOB_STATE_FAILED: ended with an error (including %GOPOD_ERROR_TIMEOUT)
 * @GOPOD_JOB_STATE_CANCELLED: ended by cancellation, or discarded unrun
 *
 * The life of a [class@Gopod.Job]. The last three states are final: a job
 * reaches exactly one of them, once.
 *
 * Since: 1.0
 */
typedef enum
{
  GOPOD_JOB_STATE_NEW,
  GOPOD_JOB_STATE_QUEUED,
  GOPOD_JOB_STATE_RUNNING,
  GOPOD_JOB_STATE_SUCCEEDED,
  GOPOD_JOB_STATE_FAILED,
  GOPOD_JOB_STATE_CANCELLED,
} GopodJobState;

#define GOPOD_TYPE_JOB (gopod_job_get_type ())

GOPOD_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (GopodJob, gopod_job, GOPOD, JOB, GObject)

/**
 * GopodJobClass:
 * @parent_class: the parent class
 * @run: the work of a thread job, called in a worker thread; returns %TRUE
 *   on success, or %FALSE with @error set. Should return early once
 *   @cancellable is cancelled.
 * @finish: releases what the job holds; called exactly once when the job
 *   ends, after @run or instead of it when the job never ran
 * @begin: starts the work of a main-context job on its owner's main context;
 *   must return at once, and the work ends with [method@Gopod.Job.complete].
 *   Returns %TRUE once the work is started, or %FALSE with @error set when
 *   it could not start (the job then ends FAILED). A class that overrides
 *   @begin is a main-context job.
 *
 * The virtual methods of [class@Gopod.Job].
 *
 * Since: 1.0
 */
struct _GopodJobClass
{
  GObjectClass parent_class;

  gboolean (*run)    (GopodJob     *job,
                      GCancellable *cancellable,
                      GError      **error);
  void     (*finish) (GopodJob     *job);
  gboolean (*begin)  (GopodJob     *job,
                      GCancellable *cancellable,
                      GError      **error);

  /*< private >*/
  gpointer padding[12];
};

/**
 * GopodJobFunc:
 * @job: the job being run
 * @cancellable: (nullable): cancelled when the job is cancelled or times out
 * @user_data: the data given to [ctor@Gopod.Job.new_func]
 * @error: return location for the job's error
 *
 * The work of a job made with [ctor@Gopod.Job.new_func], called in a worker
 * thread.
 *
 * Returns: %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 1.0
 */
typedef gboolean (*GopodJobFunc) (GopodJob      *job,
                                  GCancellable  *cancellable,
                                  gpointer       user_data,
                                  GError       **error);

GOPOD_AVAILABLE_IN_ALL
GopodJob      *gopod_job_new_func         (GopodJobFunc          func,
                                           gpointer              user_data,
                                           GDestroyNotify        destroy);
GOPOD_AVAILABLE_IN_ALL
GopodJobState  gopod_job_get_state        (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
const GError  *gopod_job_get_error        (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
GCancellable  *gopod_job_get_cancellable  (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
const char    *gopod_job_get_title        (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
void           gopod_job_set_title        (GopodJob             *job,
                                           const char           *title);
GOPOD_AVAILABLE_IN_ALL
double         gopod_job_get_progress     (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
void           gopod_job_set_progress     (GopodJob             *job,
                                           double                progress);
GOPOD_AVAILABLE_IN_ALL
int            gopod_job_get_priority     (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
void           gopod_job_set_priority     (GopodJob             *job,
                                           int                   priority);
GOPOD_AVAILABLE_IN_ALL
guint          gopod_job_get_timeout_ms   (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
void           gopod_job_set_timeout_ms   (GopodJob             *job,
                                           guint                 timeout_ms);
GOPOD_AVAILABLE_IN_ALL
gboolean       gopod_job_is_main_context  (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
void           gopod_job_complete         (GopodJob             *job,
                                           const GError         *error);
GOPOD_AVAILABLE_IN_ALL
void           gopod_job_complete_ok      (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
void           gopod_job_cancel           (GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
gboolean       gopod_job_wait             (GopodJob             *job,
                                           GCancellable         *cancellable,
                                           GError              **error);
GOPOD_AVAILABLE_IN_ALL
void           gopod_job_wait_async       (GopodJob             *job,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GOPOD_AVAILABLE_IN_ALL
gboolean       gopod_job_wait_finish      (GopodJob             *job,
                                           GAsyncResult         *result,
                                           GError              **error);

GOPOD_AVAILABLE_IN_1_2
char          *gopod_job_dup_status       (GopodJob             *job);
GOPOD_AVAILABLE_IN_1_2
void           gopod_job_set_status       (GopodJob             *job,
                                           const char           *status);
GOPOD_AVAILABLE_IN_1_2
const char    *gopod_job_get_key          (GopodJob             *job);
GOPOD_AVAILABLE_IN_1_2
void           gopod_job_set_key          (GopodJob             *job,
                                           const char           *key);
GOPOD_AVAILABLE_IN_1_2
gboolean       gopod_job_get_paused       (GopodJob             *job);
GOPOD_AVAILABLE_IN_1_2
void           gopod_job_pause            (GopodJob             *job);
GOPOD_AVAILABLE_IN_1_2
void           gopod_job_resume           (GopodJob             *job);
GOPOD_AVAILABLE_IN_1_2
gboolean       gopod_job_check_pause      (GopodJob             *job,
                                           GCancellable         *cancellable,
                                           GError              **error);
GOPOD_AVAILABLE_IN_1_2
guint64        gopod_job_get_elapsed_ms   (GopodJob             *job);
GOPOD_AVAILABLE_IN_1_2
gint64         gopod_job_get_remaining_ms (GopodJob             *job);

G_END_DECLS
