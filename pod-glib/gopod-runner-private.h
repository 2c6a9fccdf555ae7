/* gopod-runner-private.h: a runner's insides, shared by its files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-notify-private.h"
#include "gopod-runner.h"
#include "gopod-wait-private.h"

G_BEGIN_DECLS

typedef enum
{
  RUNNER_IDLE,
  RUNNER_RUNNING,
  RUNNER_ENDED,
} RunnerState;

typedef struct
{
  GopodTaskFunc   func;
  gpointer        data;
  GDestroyNotify  destroy;
  GopodJob       *job;  /* instead of func */
  gboolean        from_home;  /* added on the thread of the runner's context */
} Task;

struct _GopodRunner
{
  GObject       parent_instance;

  GMainContext *context;  /* where main-context jobs begin */
  GopodWaitHome home;  /* the same, and the thread it belongs to */
  GopodNotify   notify;

  /* Everything below is guarded by lock. `waiters` holds start() waiting
   * for the end of the run and the worker waiting for a main-context job
   * (internals rule RN3). */
  GMutex        lock;
  GopodWaitList waiters;
  RunnerState   state;
  guint         timeout_ms;
  guint         handle_signals : 1;
  guint         run_handle_signals : 1;  /* handle_signals as it was at start() */
  guint         current_ended : 1;
  guint         collected : 1;  /* the waiter took the result */
  gint          n_main_context_jobs;  /* also read atomically: the wait's needs_home */
  gint64        start_time;  /* monotonic µs: the deadline counts from it */
  guint         run_timeout_ms;  /* timeout_ms as it was at start() */
  guint         next_id;
  guint         completed;  /* also read atomically */
  GQueue        pending;  /* Task *, not yet started */
  GopodJob     *current_job;  /* the job in flight, if the task is a job */
  GError       *error;  /* why the run ended; NULL on success */
  GCancellable *run_cancellable;  /* handed to function tasks */
  GSource      *timeout_source;
  GTask        *task;  /* the start_async() call */
  GCancellable *caller_cancellable;
  gulong        caller_cancel_id;
};

enum {
  PROP_0,
  PROP_TIMEOUT_MS,
  PROP_HANDLE_SIGNALS,
  PROP_COMPLETED,
  N_PROPS
};

/* A run (gopod-runner-run.c): the face (gopod-runner.c) starts it, waits
 * for it and adds to it through these. */
gboolean  gopod_runner_run_begin           (GopodRunner   *self,
                                            GCancellable  *cancellable,
                                            GTask         *task,
                                            GError       **error);
void      gopod_runner_run_wait_for_end    (GopodRunner   *self);
GError   *gopod_runner_run_collect_result  (GopodRunner   *self);
void      gopod_runner_run_end             (GopodRunner   *self,
                                            GError        *error);
void      gopod_runner_run_free_task       (Task          *task);

/* A test hook (see internals, "Test hooks"), called in the starting thread
 * at two points, so a test can order other threads against them. */
typedef enum
{
  RUNNER_HOOK_STARTED,  /* the worker started; start() or start_async() goes on */
  RUNNER_HOOK_WAITING,  /* start() set up its wait for the end and enters it */
} RunnerHookPoint;

typedef void (*GopodRunnerTestHook) (GopodRunner     *self,
                                     RunnerHookPoint  point,
                                     gpointer         data);
void      gopod_runner_run_set_test_hook   (GopodRunnerTestHook  hook,
                                            gpointer             data);
void      gopod_runner_run_discard_tasks   (GopodRunner   *self,
                                            GQueue        *tasks);
void      gopod_runner_run_job_ended       (GopodJob      *job,
                                            gboolean       was_started,
                                            gpointer       owner_data);

G_END_DECLS
