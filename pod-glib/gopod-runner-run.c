/* gopod-runner-run.c: a runner's run: its tasks, ending, the worker, starting and waiting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pthread.h>
#include <signal.h>

#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-outbox-private.h"
#include "gopod-release-private.h"
#include "gopod-runner-private.h"
#include "gopod-signal-private.h"
#include "gopod-source-private.h"
#include "gopod-timer-private.h"

/* Tasks */

void
gopod_runner_run_free_task (Task *task)
{
  if (task->destroy != NULL)
    task->destroy (task->data);
  g_clear_object (&task->job);
  g_free (task);
}

/* A task added on the thread of the runner's context (a JavaScript
 * function, whose destroy notify may only run on its thread) is freed on
 * that thread, whether or not a loop runs the context at this moment;
 * others here (internals rule RN8). */
static void
runner_run_task_release (GopodRunner *self,
                         Task        *task)
{
  if (task->from_home && !gopod_wait_home_is_caller (&self->home))
    gopod_release_on_thread (self->context, self->home.thread,
                             (GDestroyNotify) gopod_runner_run_free_task, task);
  else
    gopod_runner_run_free_task (task);
}

/* Ends, without running them, tasks that never got their turn. */
void
gopod_runner_run_discard_tasks (GopodRunner *self,
                                GQueue      *tasks)
{
  g_autoptr(GError) error = NULL;
  Task *task;

  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The runner stopped before this job ran");
  while ((task = g_queue_pop_head (tasks)) != NULL)
    {
      if (task->job != NULL)
        gopod_job_discard (task->job, error);
      runner_run_task_release (self, task);
    }
}

/* Signals: the runners that handle them listen while they run */

static void
runner_run_on_signal (int       signum,
                      gpointer  data)
{
  gopod_runner_run_end (data, g_error_new (GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED, "Interrupted by %s",
                                           signum == SIGTERM ? "SIGTERM" : "SIGINT"));
}

static void
runner_run_signals_register (GopodRunner *self)
{
  gopod_signal_add_listener (runner_run_on_signal, g_object_ref (self), g_object_unref);
}

static void
runner_run_signals_unregister (GopodRunner *self)
{
  gopod_signal_remove_listener (runner_run_on_signal, self);
}

static void
runner_run_signals_register_while_running (GopodRunner *self)
{
  gboolean still_running;

  runner_run_signals_register (self);

  /* The run may have ended before the registration. */
  g_mutex_lock (&self->lock);
  still_running = self->state == RUNNER_RUNNING;
  g_mutex_unlock (&self->lock);
  if (!still_running)
    runner_run_signals_unregister (self);
}

/* Installed from the caller's loop rather than in start_async(): PyGObject's
 * GLib.MainLoop.run() sets up its Ctrl-C handling only if it finds Python's
 * own SIGINT handler when it starts, and a runner started just before
 * loop.run() would otherwise hide it for the rest of the program. */
static gboolean
runner_run_signals_register_in_context (gpointer data)
{
  runner_run_signals_register_while_running (data);
  return G_SOURCE_REMOVE;
}

/* Ending a run
 *
 * A run ends once, at the first of: the worker ran out of tasks, a task
 * failed, the deadline, an interrupt, the caller's cancellable (internals
 * rule RN4). runner_run_end_locked() records it under the lock and queues what
 * stops the rest in a GopodOutbox, run after unlocking. The waiter
 * (start(), or the start_async() completion on the caller's context)
 * collects the result and discards the tasks that never ran, so that their
 * finish and destroy notifies run in the caller's thread, not in the timer
 * thread. */

static gboolean runner_run_complete_async (gpointer data);

static gboolean
runner_run_cancel_job_in_context (gpointer data)
{
  gopod_job_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Takes @job. A main-context job is cancelled on the runner's context: its
 * cancellable's handlers may be JavaScript, which must not run in the timer
 * thread that saw the deadline. */
static void
runner_run_cancel_job (GopodRunner *self,
                       GopodJob    *job)
{
  if (gopod_job_is_main_context (job))
    gopod_idle_add_on (self->context, "[pod-glib] runner cancels a job",
                       runner_run_cancel_job_in_context, job, g_object_unref);
  else
    {
      gopod_job_cancel (job);
      g_object_unref (job);
    }
}

/* Outbox actions of an end. */

static void
runner_run_act_unregister_signals (gpointer data)
{
  runner_run_signals_unregister (data);
}

static void
runner_run_act_cancel_timer (gpointer data)
{
  GSource *source = data;

  gopod_timer_cancel (&source);
}

/* No new job starts once the run ended, so the one in flight then is
 * current_job until it ends. */
static void
runner_run_act_cancel_current_job (gpointer data)
{
  GopodRunner *self = data;
  GopodJob *job = NULL;

  g_mutex_lock (&self->lock);
  if (self->current_job != NULL)
    job = g_object_ref (self->current_job);
  g_mutex_unlock (&self->lock);

  if (job != NULL)
    runner_run_cancel_job (self, job);
}

/* Always from an idle, never nested in whatever ended the run (which may
 * be the caller's own call to interrupt()). */
static void
runner_run_act_schedule_completion (gpointer data)
{
  GTask *task = data;

  gopod_idle_add_on (g_task_get_context (task), "[pod-glib] runner completion",
                     runner_run_complete_async, task, g_object_unref);
}

static gboolean
runner_run_is_over (gpointer data)
{
  GopodRunner *self = data;

  return self->state != RUNNER_RUNNING;
}

/* Takes @error. The actions hold a reference, dropped last: whatever ended
 * the run (a cancellable's handler) may hold none. */
static void
runner_run_end_locked (GopodRunner *self,
                       GError      *error,
                       GopodOutbox *out)
{
  if (self->state != RUNNER_RUNNING)
    {
      g_clear_error (&error);
      return;
    }

  self->state = RUNNER_ENDED;
  self->error = error;
  g_object_ref (self);
  gopod_outbox_add (out, runner_run_act_unregister_signals, self);
  if (self->timeout_source != NULL)
    gopod_outbox_add (out, runner_run_act_cancel_timer, g_steal_pointer (&self->timeout_source));
  if (error != NULL)
    {
      gopod_outbox_add (out, (GopodOutboxFunc) g_cancellable_cancel, self->run_cancellable);
      gopod_outbox_add (out, runner_run_act_cancel_current_job, self);
    }
  gopod_wait_list_fire_ready (&self->waiters, FALSE, out);
  if (self->task != NULL)
    gopod_outbox_add (out, runner_run_act_schedule_completion, g_steal_pointer (&self->task));
  gopod_outbox_unref (out, self);
}

/* Takes @error. */
void
gopod_runner_run_end (GopodRunner *self,
                      GError      *error)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  g_mutex_lock (&self->lock);
  runner_run_end_locked (self, error, &out);
  g_mutex_unlock (&self->lock);

  gopod_outbox_flush (&out);
}

/* In the waiter: the job in flight is cancelled before it returns, as the
 * end's actions would (both are idempotent). A main-context job only where
 * its handlers may run, on the thread of the runner's context holding it:
 * the end cancels it from an idle there, and a start() that ran the context
 * may return before that idle ran, in a program that never runs the context
 * again. Elsewhere that idle does it. */
static void
runner_run_cancel_job_here (GopodRunner *self,
                            GopodJob    *job)
{
  gboolean acquired = FALSE;

  if (!gopod_job_is_main_context (job))
    {
      gopod_job_cancel (job);
      return;
    }
  if (!gopod_wait_home_is_caller (&self->home))
    return;
  if (!g_main_context_is_owner (self->context))
    {
      acquired = g_main_context_acquire (self->context);
      if (!acquired)
        return;
    }
  gopod_job_cancel (job);
  if (acquired)
    g_main_context_release (self->context);
}

/* In the waiter, after the end: the result, and the tasks that never ran
 * are ended. */
GError *
gopod_runner_run_collect_result (GopodRunner *self)
{
  GQueue pending;
  GCancellable *cancellable, *run_cancellable;
  GopodJob *current_job = NULL;
  gulong cancel_id;
  GError *error;

  g_mutex_lock (&self->lock);
  g_assert (self->state == RUNNER_ENDED);
  /* A start still connecting the caller's cancellable disconnects it
   * itself (internals rule RN5). */
  self->collected = TRUE;
  pending = self->pending;
  g_queue_init (&self->pending);
  cancellable = g_steal_pointer (&self->caller_cancellable);
  cancel_id = self->caller_cancel_id;
  self->caller_cancel_id = 0;
  error = self->error != NULL ? g_error_copy (self->error) : NULL;
  run_cancellable = g_object_ref (self->run_cancellable);
  if (error != NULL && self->current_job != NULL)
    current_job = g_object_ref (self->current_job);
  g_mutex_unlock (&self->lock);

  /* The end's actions may still be running in the thread that ended the run; the
   * task in flight must see its cancellable cancelled, and the handler must
   * be gone, by the time start() returns. Both are idempotent. */
  if (error != NULL)
    {
      g_cancellable_cancel (run_cancellable);
      if (current_job != NULL)
        runner_run_cancel_job_here (self, current_job);
    }
  g_clear_object (&current_job);
  g_object_unref (run_cancellable);
  runner_run_signals_unregister (self);

  /* Never inside the cancellable's handler: the waiter runs after it. */
  if (cancellable != NULL)
    {
      g_cancellable_disconnect (cancellable, cancel_id);
      g_object_unref (cancellable);
    }

  gopod_runner_run_discard_tasks (self, &pending);

  return error;
}

static gboolean
runner_run_complete_async (gpointer data)
{
  GTask *task = data;
  GError *error = gopod_runner_run_collect_result (g_task_get_source_object (task));

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);

  return G_SOURCE_REMOVE;
}

/* The worker */

/* Also a job that ended before the worker took it (cancelled while it
 * waited its turn): its end func found it was not current_job yet. */
static gboolean
runner_run_current_has_ended (gpointer data)
{
  GopodRunner *self = data;

  return self->current_ended || gopod_job_is_ended (self->current_job);
}

/* Once current_job was taken. */
static void
runner_run_wait_for_current (GopodRunner *self)
{
  g_mutex_lock (&self->lock);
  gopod_wait_until (&self->waiters, runner_run_current_has_ended, self, NULL, NULL);
  g_mutex_unlock (&self->lock);
}

static gboolean
runner_run_job (GopodRunner  *self,
                GopodJob     *job,
                GError      **error)
{
  const GError *job_error;

  gboolean started = gopod_job_start (job);

  if (started && !gopod_job_is_main_context (job))
    gopod_job_execute (job);
  else
    {
      /* A main-context job is kept (and this thread waits) until it
       * completes, even after the run ended: its cancellable was cancelled
       * then. One refused at its turn (cancelled while it waited) may still
       * have its end on its way (a main-context job's from an idle on its
       * context, the canceller's thread may not have got to it yet,
       * internals rule J8): until then it has neither its final state nor
       * its error. */
      if (started)
        gopod_job_begin_on (job, self->context);
      runner_run_wait_for_current (self);
    }

  if (gopod_job_get_state (job) == GOPOD_JOB_STATE_SUCCEEDED)
    return TRUE;

  /* Also a job cancelled by its owner while it waited its turn. */
  job_error = gopod_job_get_error (job);
  if (job_error != NULL)
    g_propagate_error (error, g_error_copy (job_error));
  else
    gopod_propagate_failure (error, NULL, G_OBJECT_TYPE_NAME (job));

  return FALSE;
}

static gboolean
runner_run_task (GopodRunner  *self,
                 Task         *task,
                 guint         id,
                 GError      **error)
{
  GError *task_error = NULL;

  if (task->job != NULL)
    return runner_run_job (self, task->job, error);

  if (task->func (self, id, self->run_cancellable, task->data, &task_error))
    {
      g_clear_error (&task_error);
      return TRUE;
    }

  gopod_propagate_failure (error, task_error, "Runner task");
  return FALSE;
}

static gboolean runner_run_on_timeout (gpointer data);

/* Called with the lock held, once the first task is taken: the deadline,
 * counted from start(), is armed only now, so the first task always begins
 * however slowly this thread came up (internals rule RN2). */
static void
runner_run_arm_deadline_locked (GopodRunner *self)
{
  gint64 elapsed_ms = (g_get_monotonic_time () - self->start_time) / 1000;

  if (self->run_timeout_ms == 0)
    return;
  self->timeout_source = gopod_timer_add ((guint) CLAMP (self->run_timeout_ms - elapsed_ms, 0, G_MAXUINT),
                                          runner_run_on_timeout, g_object_ref (self), g_object_unref);
}

/* Pops the next task, or ends the run when there is none. */
static Task *
runner_run_next_task (GopodRunner *self,
                      guint       *id)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  Task *task = NULL;

  g_mutex_lock (&self->lock);
  if (self->state == RUNNER_RUNNING)
    {
      task = g_queue_pop_head (&self->pending);
      if (task == NULL)
        runner_run_end_locked (self, NULL, &out);
      else
        {
          if (self->next_id == 0)
            runner_run_arm_deadline_locked (self);
          *id = self->next_id++;
          if (task->job != NULL)
            {
              self->current_job = g_object_ref (task->job);
              self->current_ended = FALSE;
            }
        }
    }
  g_mutex_unlock (&self->lock);

  gopod_outbox_flush (&out);

  return task;
}

static void
runner_run_task_done (GopodRunner *self,
                      gboolean     succeeded)
{
  gboolean counted = FALSE;

  g_mutex_lock (&self->lock);
  g_clear_object (&self->current_job);
  /* A task that returns after the run ended is not counted: the count is
   * final once start() returned. */
  if (succeeded && self->state == RUNNER_RUNNING)
    {
      g_atomic_int_inc (&self->completed);
      counted = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (counted)
    gopod_notify_queue (&self->notify, PROP_COMPLETED);
}

static gpointer
runner_run_worker (gpointer data)
{
  GopodRunner *self = data;
  GMainContext *worker_context = g_main_context_new ();
  Task *task;
  guint id = 0;

  /* With a context of its own, this thread never acquires the runner's
   * context to run a main-context job's `begin` here. */
  g_main_context_push_thread_default (worker_context);
  /* What a task does to its own runner (internals rule RN6). */
  gopod_wait_serving_push (self);

  while ((task = runner_run_next_task (self, &id)) != NULL)
    {
      GError *error = NULL;
      gboolean ok = runner_run_task (self, task, id, &error);

      runner_run_task_done (self, ok);
      runner_run_task_release (self, task);
      if (!ok)
        gopod_runner_run_end (self, error);
    }

  gopod_wait_serving_pop (self);
  g_main_context_pop_thread_default (worker_context);
  g_main_context_unref (worker_context);
  g_object_unref (self);

  return NULL;
}

/* Called once for every job the runner claimed, when it ends. */
void
gopod_runner_run_job_ended (GopodJob *job,
                            gboolean  was_started,
                            gpointer  owner_data)
{
  GopodRunner *self = owner_data;
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  g_mutex_lock (&self->lock);
  if (job == self->current_job)
    {
      self->current_ended = TRUE;
      gopod_wait_list_fire_ready (&self->waiters, FALSE, &out);
    }
  g_mutex_unlock (&self->lock);

  gopod_outbox_flush (&out);
}

/* Starting */

static gboolean
runner_run_on_timeout (gpointer data)
{
  GopodRunner *self = data;
  guint run_timeout_ms;

  /* The deadline of this run: timeout-ms may have changed since start(),
   * for the next run. */
  g_mutex_lock (&self->lock);
  run_timeout_ms = self->run_timeout_ms;
  g_mutex_unlock (&self->lock);
  gopod_runner_run_end (self, g_error_new (GOPOD_ERROR, GOPOD_ERROR_TIMEOUT,
                                           "Runner timed out after %u ms", run_timeout_ms));

  return G_SOURCE_REMOVE;
}

static void
runner_run_on_caller_cancelled (GCancellable *cancellable,
                                gpointer      data)
{
  gopod_runner_run_end (GOPOD_RUNNER (data),
                        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "Runner was cancelled"));
}

/* Connects the caller's cancellable before the worker starts (internals
 * rule RN5). If it was cancelled meanwhile the handler runs now and ends
 * the run; if the run's result was even collected already (the completion
 * ran on a context another thread iterates), nobody else will disconnect
 * it, so this does. */
static void
runner_run_connect_caller_cancellable (GopodRunner  *self,
                                       GCancellable *cancellable)
{
  gulong cancel_id;
  gboolean collected;

  cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (runner_run_on_caller_cancelled),
                                     self, NULL);
  g_mutex_lock (&self->lock);
  collected = self->collected;
  if (!collected)
    {
      self->caller_cancellable = g_object_ref (cancellable);
      self->caller_cancel_id = cancel_id;
    }
  g_mutex_unlock (&self->lock);

  if (collected)
    g_cancellable_disconnect (cancellable, cancel_id);
}

static gboolean
runner_run_claim (GopodRunner  *self,
                  GTask        *task,
                  gboolean     *handle_signals,
                  GError      **error)
{
  RunnerState state;

  g_mutex_lock (&self->lock);
  state = self->state;
  if (state == RUNNER_IDLE)
    {
      self->state = RUNNER_RUNNING;
      self->run_cancellable = g_cancellable_new ();
      self->task = task != NULL ? g_object_ref (task) : NULL;
      /* The deadline counts from here, not from gopod_runner_new(). */
      self->start_time = g_get_monotonic_time ();
      /* Read when the run starts, as the property says: a change before
       * the first task begins moves no deadline. */
      self->run_timeout_ms = self->timeout_ms;
      self->run_handle_signals = self->handle_signals;
      *handle_signals = self->run_handle_signals;
    }
  g_mutex_unlock (&self->lock);

  if (state == RUNNER_RUNNING)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                         "The runner is already running");
  else if (state == RUNNER_ENDED)
    g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                         "The runner has already run; a runner runs once");

  return state == RUNNER_IDLE;
}

static GopodRunnerTestHook runner_run_test_hook;
static gpointer runner_run_test_hook_data;

void
gopod_runner_run_set_test_hook (GopodRunnerTestHook hook,
                                gpointer            data)
{
  runner_run_test_hook = hook;
  runner_run_test_hook_data = data;
}

static void
runner_run_call_test_hook (GopodRunner     *self,
                           RunnerHookPoint  point)
{
  if (G_UNLIKELY (runner_run_test_hook != NULL))
    runner_run_test_hook (self, point, runner_run_test_hook_data);
}

gboolean
gopod_runner_run_begin (GopodRunner   *self,
                        GCancellable  *cancellable,
                        GTask         *task,
                        GError       **error)
{
  GThread *thread;
  GError *thread_error = NULL;
  gboolean handle_signals;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!runner_run_claim (self, task, &handle_signals, error))
    return FALSE;

  if (cancellable != NULL)
    runner_run_connect_caller_cancellable (self, cancellable);

  /* start_async() catches signals from the first iteration of the
   * caller's context on (internals rule RN7). */
  if (handle_signals && task != NULL)
    gopod_idle_add_on (g_task_get_context (task), "[pod-glib] runner handles signals",
                       runner_run_signals_register_in_context, g_object_ref (self), g_object_unref);
  else if (handle_signals)
    runner_run_signals_register_while_running (self);

  thread = g_thread_try_new ("gopod-runner", runner_run_worker, g_object_ref (self),
                             &thread_error);
  if (thread != NULL)
    g_thread_unref (thread);
  else
    {
      g_object_unref (self);
      gopod_runner_run_end (self, thread_error);
    }
  runner_run_call_test_hook (self, RUNNER_HOOK_STARTED);

  return TRUE;
}

/* GopodWaitOptions.needs_home: main-context jobs can only begin if someone
 * runs the runner's context. Read without the lock. */
static gboolean
runner_run_needs_home (gpointer data)
{
  GopodRunner *self = data;

  return g_atomic_int_get (&self->n_main_context_jobs) > 0;
}

/* Blocks until the run ended. While main-context jobs are queued and this
 * is the thread the runner's context belongs to, runs that context
 * meanwhile, as g_main_loop_run() would: nobody else could. A job added
 * during the wait kicks it to look again (internals rule RN3). */
void
gopod_runner_run_wait_for_end (GopodRunner *self)
{
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;
  gboolean block_signals;
  sigset_t handled, saved_mask;

  options.home = &self->home;
  options.needs_home = runner_run_needs_home;
  options.needs_home_data = self;

  runner_run_call_test_hook (self, RUNNER_HOOK_WAITING);
  g_mutex_lock (&self->lock);
  /* Whether this run listens, not what the property says now: it may have
   * changed since start(), for the next run. */
  block_signals = self->run_handle_signals;
  /* While this thread waits, SIGINT and SIGTERM go to one of the library's
   * threads. Any thread could run the handler, but a sanitizer that defers
   * signals to the next intercepted call (ThreadSanitizer) would never run
   * it in a thread asleep in GLib's futex-based GCond. */
  if (block_signals)
    {
      gopod_signal_fill_set (&handled);
      pthread_sigmask (SIG_BLOCK, &handled, &saved_mask);
    }
  gopod_wait_until (&self->waiters, runner_run_is_over, self, &options, NULL);
  g_mutex_unlock (&self->lock);

  if (block_signals)
    pthread_sigmask (SIG_SETMASK, &saved_mask, NULL);
  /* What the run left for this thread to free: tasks added here (RN8). */
  gopod_release_pending_here ();
}
