/* gopod-runner.c: tasks in order under a timeout, stopped by an interrupt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pthread.h>
#include <signal.h>

#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-notify-private.h"
#include "gopod-outbox-private.h"
#include "gopod-runner.h"
#include "gopod-source-private.h"
#include "gopod-signal-private.h"
#include "gopod-timer-private.h"
#include "gopod-wait-private.h"

/**
 * GopodRunner:
 *
 * Runs tasks one after another, in the order they were added, under an
 * optional deadline, and stops early on an interrupt: the `runner` pattern
 * of *Go in Action*.
 *
 * Tasks are functions ([method@Gopod.Runner.add]) or jobs
 * ([method@Gopod.Runner.add_job]); their ids count from 0. They run in one
 * worker thread that the runner starts, except main-context jobs (those
 * implementing [vfunc@Gopod.Job.begin]), which begin on the main context
 * that was the thread-default one when the runner was created: that is how
 * a JavaScript program gives a runner work.
 *
 * [method@Gopod.Runner.start] returns %TRUE when every task succeeded.
 * Otherwise it returns %FALSE with the first reason the run stopped:
 *
 * - %GOPOD_ERROR_TIMEOUT when [property@Gopod.Runner:timeout-ms] passed,
 *   counted from the call to `start`;
 * - %GOPOD_ERROR_INTERRUPTED after [method@Gopod.Runner.interrupt] or, with
 *   [property@Gopod.Runner:handle-signals], a SIGINT or SIGTERM;
 * - %G_IO_ERROR_CANCELLED when the cancellable given to `start` was
 *   cancelled;
 * - the error of the first task that failed; later tasks do not run.
 *
 * On a timeout, an interrupt or a cancel, the task in flight has its
 * cancellable cancelled, and `start` returns at once even if that task
 * ignores it. The task goes on in the background; the runner keeps itself,
 * the task's data and the cancellable alive until the task returns, then
 * frees them. Tasks that had not started never run: their destroy notifies
 * are called and their jobs end %GOPOD_JOB_STATE_CANCELLED before `start`
 * returns (or, for [method@Gopod.Runner.start_async], before its callback).
 *
 * A runner runs once. Starting it while it runs fails with
 * %G_IO_ERROR_PENDING; starting it again after it ended fails with
 * %GOPOD_ERROR_CLOSED. Tasks may be added until the run ends, also from a
 * running task.
 *
 * ## Signals
 *
 * While a runner with [property@Gopod.Runner:handle-signals] is started,
 * the runner catches SIGINT and SIGTERM. The first one interrupts every
 * runner started at that moment; the signal dispositions the process had
 * before are restored in the signal handler itself, so a second Ctrl-C gets
 * whatever the process did before (by default, it ends the process). The
 * previous dispositions are also restored when the last started runner
 * ends. This works without any main loop running.
 *
 * The runner replaces whatever handler was installed when it started and
 * restores it afterwards, so it coexists with GLib's
 * `g_unix_signal_add()`, with Python's own SIGINT handling and with
 * PyGObject's (which, while `GLib.MainLoop.run()` runs, turns SIGINT into
 * quitting the loop): once the run is over, Ctrl-C does what it did
 * before. [method@Gopod.Runner.start] catches signals from the call on;
 * [method@Gopod.Runner.start_async] from the next iteration of the caller's
 * main context, so that a `loop.run()` right after it still finds the
 * program's own handler (PyGObject looks once, when the loop starts). A
 * handler installed *after* the runner started replaces the runner's until
 * it is removed. As with Go's `signal.Notify()`, a signal the process
 * ignored is caught while the runner runs, and ignored again afterwards.
 *
 * A GUI application, or any program that handles SIGINT and SIGTERM itself
 * (to save its state, to ask before quitting), sets
 * [property@Gopod.Runner:handle-signals] to %FALSE: Ctrl-C in the terminal
 * and a session's SIGTERM then reach the application as if no runner ran,
 * and the application stops a run with [method@Gopod.Runner.interrupt].
 *
 * Since: 1.0
 */

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
   * (internals rule R3). */
  GMutex        lock;
  GopodWaitList waiters;
  RunnerState   state;
  guint         timeout_ms;
  guint         handle_signals : 1;
  guint         current_ended : 1;
  guint         collected : 1;  /* the waiter took the result */
  gint          n_main_context_jobs;  /* also read atomically: the wait's needs_home */
  gint64        start_time;  /* monotonic µs: the deadline counts from it */
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

G_DEFINE_FINAL_TYPE (GopodRunner, gopod_runner, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TIMEOUT_MS,
  PROP_HANDLE_SIGNALS,
  PROP_COMPLETED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void runner_end (GopodRunner *self,
                        GError      *error);

/* Tasks */

static void
runner_task_free (Task *task)
{
  if (task->destroy != NULL)
    task->destroy (task->data);
  g_clear_object (&task->job);
  g_free (task);
}

static gboolean
runner_task_free_in_context (gpointer data)
{
  return G_SOURCE_REMOVE;  /* the source's destroy notify frees the task */
}

/* A task added from the runner's context (a JavaScript function, whose
 * destroy notify must run on its thread) is freed there while a loop runs
 * that context; otherwise, or for other tasks, here (internals rule R8). */
static void
runner_task_release (GopodRunner *self,
                     Task        *task)
{
  if (task->from_home && !gopod_wait_home_is_caller (&self->home) &&
      gopod_context_is_run_elsewhere (self->context))
    gopod_idle_add_on (self->context, "[pod-glib] runner frees a task",
                       runner_task_free_in_context, task, (GDestroyNotify) runner_task_free);
  else
    runner_task_free (task);
}

/* Ends, without running them, tasks that never got their turn. */
static void
runner_discard_tasks (GopodRunner *self,
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
      runner_task_release (self, task);
    }
}

/* Signals: the runners that handle them listen while they run */

static void
runner_on_signal (int       signum,
                  gpointer  data)
{
  runner_end (data, g_error_new (GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED, "Interrupted by %s",
                                 signum == SIGTERM ? "SIGTERM" : "SIGINT"));
}

static void
runner_signals_register (GopodRunner *self)
{
  gopod_signal_add_listener (runner_on_signal, g_object_ref (self), g_object_unref);
}

static void
runner_signals_unregister (GopodRunner *self)
{
  gopod_signal_remove_listener (runner_on_signal, self);
}

static void
runner_signals_register_while_running (GopodRunner *self)
{
  gboolean still_running;

  runner_signals_register (self);

  /* The run may have ended before the registration. */
  g_mutex_lock (&self->lock);
  still_running = self->state == RUNNER_RUNNING;
  g_mutex_unlock (&self->lock);
  if (!still_running)
    runner_signals_unregister (self);
}

/* Installed from the caller's loop rather than in start_async(): PyGObject's
 * GLib.MainLoop.run() sets up its Ctrl-C handling only if it finds Python's
 * own SIGINT handler when it starts, and a runner started just before
 * loop.run() would otherwise hide it for the rest of the program. */
static gboolean
runner_signals_register_in_context (gpointer data)
{
  runner_signals_register_while_running (data);
  return G_SOURCE_REMOVE;
}

/* Ending a run
 *
 * A run ends once, at the first of: the worker ran out of tasks, a task
 * failed, the deadline, an interrupt, the caller's cancellable (internals
 * rule R4). runner_end_locked() records it under the lock and queues what
 * stops the rest in a GopodOutbox, run after unlocking. The waiter
 * (start(), or the start_async() completion on the caller's context)
 * collects the result and discards the tasks that never ran, so that their
 * finish and destroy notifies run in the caller's thread, not in the timer
 * thread. */

static gboolean runner_complete_async (gpointer data);

static gboolean
runner_cancel_job_in_context (gpointer data)
{
  gopod_job_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Takes @job. A main-context job is cancelled on the runner's context: its
 * cancellable's handlers may be JavaScript, which must not run in the timer
 * thread that saw the deadline. */
static void
runner_cancel_job (GopodRunner *self,
                   GopodJob    *job)
{
  if (gopod_job_is_main_context (job))
    gopod_idle_add_on (self->context, "[pod-glib] runner cancels a job",
                       runner_cancel_job_in_context, job, g_object_unref);
  else
    {
      gopod_job_cancel (job);
      g_object_unref (job);
    }
}

/* Outbox actions of an end. */

static void
runner_act_unregister_signals (gpointer data)
{
  runner_signals_unregister (data);
}

static void
runner_act_cancel_timer (gpointer data)
{
  GSource *source = data;

  gopod_timer_cancel (&source);
}

/* No new job starts once the run ended, so the one in flight then is
 * current_job until it ends. */
static void
runner_act_cancel_current_job (gpointer data)
{
  GopodRunner *self = data;
  GopodJob *job = NULL;

  g_mutex_lock (&self->lock);
  if (self->current_job != NULL)
    job = g_object_ref (self->current_job);
  g_mutex_unlock (&self->lock);

  if (job != NULL)
    runner_cancel_job (self, job);
}

/* Always from an idle, never nested in whatever ended the run (which may
 * be the caller's own call to interrupt()). */
static void
runner_act_schedule_completion (gpointer data)
{
  GTask *task = data;

  gopod_idle_add_on (g_task_get_context (task), "[pod-glib] runner completion",
                     runner_complete_async, task, g_object_unref);
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
runner_end_locked (GopodRunner *self,
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
  gopod_outbox_add (out, runner_act_unregister_signals, self);
  if (self->timeout_source != NULL)
    gopod_outbox_add (out, runner_act_cancel_timer, g_steal_pointer (&self->timeout_source));
  if (error != NULL)
    {
      gopod_outbox_add (out, (GopodOutboxFunc) g_cancellable_cancel, self->run_cancellable);
      gopod_outbox_add (out, runner_act_cancel_current_job, self);
    }
  gopod_wait_list_fire_ready (&self->waiters, FALSE, out);
  if (self->task != NULL)
    gopod_outbox_add (out, runner_act_schedule_completion, g_steal_pointer (&self->task));
  gopod_outbox_unref (out, self);
}

/* Takes @error. */
static void
runner_end (GopodRunner *self,
            GError      *error)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  g_mutex_lock (&self->lock);
  runner_end_locked (self, error, &out);
  g_mutex_unlock (&self->lock);

  gopod_outbox_flush (&out);
}

/* In the waiter, after the end: the result, and the tasks that never ran
 * are ended. */
static GError *
runner_collect_result (GopodRunner *self)
{
  GQueue pending;
  GCancellable *cancellable, *run_cancellable;
  GopodJob *current_job = NULL;
  gulong cancel_id;
  GError *error;

  g_mutex_lock (&self->lock);
  g_assert (self->state == RUNNER_ENDED);
  /* A start still connecting the caller's cancellable disconnects it
   * itself (internals rule R5). */
  self->collected = TRUE;
  pending = self->pending;
  g_queue_init (&self->pending);
  cancellable = g_steal_pointer (&self->caller_cancellable);
  cancel_id = self->caller_cancel_id;
  self->caller_cancel_id = 0;
  error = self->error != NULL ? g_error_copy (self->error) : NULL;
  run_cancellable = g_object_ref (self->run_cancellable);
  if (error != NULL && self->current_job != NULL &&
      !gopod_job_is_main_context (self->current_job))
    current_job = g_object_ref (self->current_job);
  g_mutex_unlock (&self->lock);

  /* The end's actions may still be running in the thread that ended the run; the
   * task in flight must see its cancellable cancelled, and the handler must
   * be gone, by the time start() returns. Both are idempotent. */
  if (error != NULL)
    {
      g_cancellable_cancel (run_cancellable);
      if (current_job != NULL)
        gopod_job_cancel (current_job);
    }
  g_clear_object (&current_job);
  g_object_unref (run_cancellable);
  runner_signals_unregister (self);

  /* Never inside the cancellable's handler: the waiter runs after it. */
  if (cancellable != NULL)
    {
      g_cancellable_disconnect (cancellable, cancel_id);
      g_object_unref (cancellable);
    }

  runner_discard_tasks (self, &pending);

  return error;
}

static gboolean
runner_complete_async (gpointer data)
{
  GTask *task = data;
  GError *error = runner_collect_result (g_task_get_source_object (task));

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);

  return G_SOURCE_REMOVE;
}

/* The worker */

static gboolean
runner_current_has_ended (gpointer data)
{
  GopodRunner *self = data;

  return self->current_ended;
}

static gboolean
runner_run_job (GopodRunner  *self,
                GopodJob     *job,
                GError      **error)
{
  const GError *job_error;

  if (gopod_job_start (job))
    {
      if (gopod_job_is_main_context (job))
        {
          gopod_job_begin_on (job, self->context);

          /* The job is kept (and this thread waits) until it completes, even
           * after the run ended: its cancellable was cancelled then. */
          g_mutex_lock (&self->lock);
          gopod_wait_until (&self->waiters, runner_current_has_ended, self, NULL, NULL);
          g_mutex_unlock (&self->lock);
        }
      else
        gopod_job_execute (job);
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

static gboolean runner_on_timeout (gpointer data);

/* Called with the lock held, once the first task is taken: the deadline,
 * counted from start(), is armed only now, so the first task always begins
 * however slowly this thread came up (internals rule R2). */
static void
runner_arm_deadline_locked (GopodRunner *self)
{
  gint64 elapsed_ms = (g_get_monotonic_time () - self->start_time) / 1000;

  if (self->timeout_ms == 0)
    return;
  self->timeout_source = gopod_timer_add ((guint) CLAMP (self->timeout_ms - elapsed_ms, 0, G_MAXUINT),
                                          runner_on_timeout, g_object_ref (self), g_object_unref);
}

/* Pops the next task, or ends the run when there is none. */
static Task *
runner_next_task (GopodRunner *self,
                  guint       *id)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  Task *task = NULL;

  g_mutex_lock (&self->lock);
  if (self->state == RUNNER_RUNNING)
    {
      task = g_queue_pop_head (&self->pending);
      if (task == NULL)
        runner_end_locked (self, NULL, &out);
      else
        {
          if (self->next_id == 0)
            runner_arm_deadline_locked (self);
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
runner_task_done (GopodRunner *self,
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
runner_worker (gpointer data)
{
  GopodRunner *self = data;
  GMainContext *worker_context = g_main_context_new ();
  Task *task;
  guint id = 0;

  /* With a context of its own, this thread never acquires the runner's
   * context to run a main-context job's `begin` here. */
  g_main_context_push_thread_default (worker_context);
  /* What a task does to its own runner (internals rule R6). */
  gopod_wait_serving_push (self);

  while ((task = runner_next_task (self, &id)) != NULL)
    {
      GError *error = NULL;
      gboolean ok = runner_run_task (self, task, id, &error);

      runner_task_done (self, ok);
      runner_task_release (self, task);
      if (!ok)
        runner_end (self, error);
    }

  gopod_wait_serving_pop (self);
  g_main_context_pop_thread_default (worker_context);
  g_main_context_unref (worker_context);
  g_object_unref (self);

  return NULL;
}

/* Called once for every job the runner claimed, when it ends. */
static void
runner_job_ended (GopodJob *job,
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
runner_on_timeout (gpointer data)
{
  GopodRunner *self = data;

  runner_end (self, g_error_new (GOPOD_ERROR, GOPOD_ERROR_TIMEOUT,
                                 "Runner timed out after %u ms",
                                 gopod_runner_get_timeout_ms (self)));

  return G_SOURCE_REMOVE;
}

static void
runner_on_caller_cancelled (GCancellable *cancellable,
                            gpointer      data)
{
  runner_end (GOPOD_RUNNER (data),
              g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Runner was cancelled"));
}

/* Connects the caller's cancellable before the worker starts (internals
 * rule R5). If it was cancelled meanwhile the handler runs now and ends
 * the run; if the run's result was even collected already (the completion
 * ran on a context another thread iterates), nobody else will disconnect
 * it, so this does. */
static void
runner_connect_caller_cancellable (GopodRunner  *self,
                                   GCancellable *cancellable)
{
  gulong cancel_id;
  gboolean collected;

  cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (runner_on_caller_cancelled),
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
runner_claim_run (GopodRunner  *self,
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
      *handle_signals = self->handle_signals;
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

static gboolean
runner_begin_run (GopodRunner   *self,
                  GCancellable  *cancellable,
                  GTask         *task,
                  GError       **error)
{
  GThread *thread;
  GError *thread_error = NULL;
  gboolean handle_signals;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!runner_claim_run (self, task, &handle_signals, error))
    return FALSE;

  if (cancellable != NULL)
    runner_connect_caller_cancellable (self, cancellable);

  /* start_async() catches signals from the first iteration of the
   * caller's context on (internals rule R7). */
  if (handle_signals && task != NULL)
    gopod_idle_add_on (g_task_get_context (task), "[pod-glib] runner handles signals",
                       runner_signals_register_in_context, g_object_ref (self), g_object_unref);
  else if (handle_signals)
    runner_signals_register_while_running (self);

  thread = g_thread_try_new ("gopod-runner", runner_worker, g_object_ref (self),
                             &thread_error);
  if (thread != NULL)
    g_thread_unref (thread);
  else
    {
      g_object_unref (self);
      runner_end (self, thread_error);
    }

  return TRUE;
}

/* GopodWaitOptions.needs_home: main-context jobs can only begin if someone
 * runs the runner's context. Read without the lock. */
static gboolean
runner_needs_home (gpointer data)
{
  GopodRunner *self = data;

  return g_atomic_int_get (&self->n_main_context_jobs) > 0;
}

/* Blocks until the run ended. While main-context jobs are queued and this
 * is the thread the runner's context belongs to, runs that context
 * meanwhile, as g_main_loop_run() would: nobody else could. A job added
 * during the wait kicks it to look again (internals rule R3). */
static void
runner_wait_for_end (GopodRunner *self)
{
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;
  gboolean block_signals;
  sigset_t handled, saved_mask;

  options.home = &self->home;
  options.needs_home = runner_needs_home;
  options.needs_home_data = self;

  g_mutex_lock (&self->lock);
  block_signals = self->handle_signals;
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
}

/* GObject */

static void
gopod_runner_dispose (GObject *object)
{
  GopodRunner *self = GOPOD_RUNNER (object);
  GQueue pending;

  /* Only an idle runner can get here with tasks: a running one is held by
   * its worker, and an ended one was emptied by its waiter. */
  g_mutex_lock (&self->lock);
  pending = self->pending;
  g_queue_init (&self->pending);
  g_mutex_unlock (&self->lock);
  runner_discard_tasks (self, &pending);

  gopod_notify_clear (&self->notify);

  G_OBJECT_CLASS (gopod_runner_parent_class)->dispose (object);
}

static void
gopod_runner_finalize (GObject *object)
{
  GopodRunner *self = GOPOD_RUNNER (object);

  g_assert (self->timeout_source == NULL);
  g_assert (self->task == NULL);
  g_assert (self->current_job == NULL);

  g_clear_error (&self->error);
  g_clear_object (&self->run_cancellable);
  g_clear_object (&self->caller_cancellable);
  g_main_context_unref (self->context);
  gopod_wait_home_clear (&self->home);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (gopod_runner_parent_class)->finalize (object);
}

static void
gopod_runner_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  GopodRunner *self = GOPOD_RUNNER (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, gopod_runner_get_timeout_ms (self));
      break;
    case PROP_HANDLE_SIGNALS:
      g_value_set_boolean (value, gopod_runner_get_handle_signals (self));
      break;
    case PROP_COMPLETED:
      g_value_set_uint (value, gopod_runner_get_completed (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_runner_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  GopodRunner *self = GOPOD_RUNNER (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT_MS:
      gopod_runner_set_timeout_ms (self, g_value_get_uint (value));
      break;
    case PROP_HANDLE_SIGNALS:
      gopod_runner_set_handle_signals (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_runner_class_init (GopodRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gopod_runner_dispose;
  object_class->finalize = gopod_runner_finalize;
  object_class->get_property = gopod_runner_get_property;
  object_class->set_property = gopod_runner_set_property;

  /**
   * GopodRunner:timeout-ms:
   *
   * How long a run may take, in milliseconds, counted from the call to
   * [method@Gopod.Runner.start]; 0 means no deadline. It is read when the
   * run starts.
   *
   * Since: 1.0
   */
  properties[PROP_TIMEOUT_MS] =
    g_param_spec_uint ("timeout-ms", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodRunner:handle-signals:
   *
   * Whether the first SIGINT or SIGTERM that arrives while the runner is
   * started interrupts it (%GOPOD_ERROR_INTERRUPTED). It is read when the
   * run starts. Set it to %FALSE in a GUI application, or in any program
   * that handles these signals itself (see [class@Gopod.Runner]).
   *
   * Since: 1.0
   */
  properties[PROP_HANDLE_SIGNALS] =
    g_param_spec_boolean ("handle-signals", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodRunner:completed:
   *
   * How many tasks succeeded while the runner ran. A task that returns
   * after the run stopped is not counted, so the count is final once
   * [method@Gopod.Runner.start] returned. Notified on the runner's main
   * context.
   *
   * Since: 1.0
   */
  properties[PROP_COMPLETED] =
    g_param_spec_uint ("completed", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gopod_runner_init (GopodRunner *self)
{
  g_mutex_init (&self->lock);
  gopod_wait_list_init (&self->waiters, &self->lock);
  g_queue_init (&self->pending);
  self->handle_signals = TRUE;
  self->context = g_main_context_ref_thread_default ();
  gopod_wait_home_init (&self->home);
  gopod_notify_init (&self->notify, G_OBJECT (self), properties, N_PROPS);
}

/* Public API */

/**
 * gopod_runner_new:
 * @timeout_ms: how long a run may take, in milliseconds; 0 for no deadline
 *
 * Creates a runner. Its main context, where main-context jobs begin and
 * notifications are delivered, is the thread-default one now.
 *
 * Returns: (transfer full): a new runner
 *
 * Since: 1.0
 */
GopodRunner *
gopod_runner_new (guint timeout_ms)
{
  return g_object_new (GOPOD_TYPE_RUNNER, "timeout-ms", timeout_ms, NULL);
}

/* Appends @task, unless the run ended. Takes @task. */
static gboolean
runner_push_task (GopodRunner *self,
                  Task        *task)
{
  gboolean accepted;

  g_mutex_lock (&self->lock);
  accepted = self->state != RUNNER_ENDED;
  if (accepted)
    {
      g_queue_push_tail (&self->pending, task);
      if (task->job != NULL && gopod_job_is_main_context (task->job))
        {
          g_atomic_int_inc (&self->n_main_context_jobs);
          /* A start() already waiting must look again: it may have to run
           * the context for this job (internals rule R3). */
          gopod_wait_list_kick (&self->waiters);
        }
    }
  g_mutex_unlock (&self->lock);

  /* A task of this run cannot know whether the deadline passed before its
   * add (checking its cancellable and adding are not one step), so for it
   * the add is a documented no-op (internals rule R6). Anyone else adding
   * to an ended runner made a mistake. */
  if (!accepted && !gopod_wait_is_serving (self))
    g_critical ("GopodRunner %p has already run: a task added now would never run", self);

  return accepted;
}

/**
 * gopod_runner_add:
 * @runner: a runner
 * @task: (scope notified) (closure user_data) (destroy destroy): the task
 * @user_data: data for @task
 * @destroy: (nullable): frees @user_data once the task ran, or will never run
 *
 * Appends a task. Tasks run one after another in the order they were
 * added, in the runner's worker thread, each with its position as id. A
 * task may be added while the runner runs, also by a task.
 *
 * Once the run ended the task is dropped at once (@destroy is called). From
 * a task of that run (one still running after a deadline or an interrupt)
 * this is silent, since a task cannot check for the end and add in one
 * step; from anywhere else, adding to a runner that has run is a programmer
 * error and logs a critical.
 *
 * @task runs on the worker thread, so it cannot be a JavaScript function
 * (GJS refuses the call, and the task fails); from JavaScript, add
 * main-context jobs with [method@Gopod.Runner.add_job]. @destroy of a task
 * added on the thread of the runner's main context runs on that context
 * while a loop runs it.
 *
 * Since: 1.0
 */
void
gopod_runner_add (GopodRunner    *runner,
                  GopodTaskFunc   task,
                  gpointer        user_data,
                  GDestroyNotify  destroy)
{
  Task *entry;

  g_return_if_fail (GOPOD_IS_RUNNER (runner));
  g_return_if_fail (task != NULL);

  entry = g_new0 (Task, 1);
  entry->func = task;
  entry->data = user_data;
  entry->destroy = destroy;
  entry->from_home = gopod_wait_home_is_caller (&runner->home);
  /* A refused task is freed at once: nothing is kept that will not run. */
  if (!runner_push_task (runner, entry))
    runner_task_free (entry);
}

/**
 * gopod_runner_add_job:
 * @runner: a runner
 * @job: a new job, not yet given to a pod or a runner
 *
 * Appends a job as a task, in the same order as [method@Gopod.Runner.add].
 * A thread job runs in the runner's worker thread; a main-context job
 * begins on the runner's main context and the runner moves on when it
 * completes. A job that fails stops the runner with the job's error. A job
 * that never gets its turn ends %GOPOD_JOB_STATE_CANCELLED, its `finish`
 * called once. The runner keeps a reference to @job until it ended.
 *
 * Once the run ended, @job is discarded at once (it ends
 * %GOPOD_JOB_STATE_CANCELLED with %GOPOD_ERROR_CLOSED), silently from a task
 * of that run, with a critical from anywhere else, as for
 * [method@Gopod.Runner.add].
 *
 * Since: 1.0
 */
void
gopod_runner_add_job (GopodRunner *runner,
                      GopodJob    *job)
{
  Task *entry;

  g_return_if_fail (GOPOD_IS_RUNNER (runner));
  g_return_if_fail (GOPOD_IS_JOB (job));

  if (!gopod_job_claim (job, runner_job_ended, runner))
    return;

  entry = g_new0 (Task, 1);
  entry->job = g_object_ref (job);
  if (!runner_push_task (runner, entry))
    {
      g_autoptr(GError) error = g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                                                      "The runner has already run");

      gopod_job_discard (job, error);
      runner_task_free (entry);
    }
}

/**
 * gopod_runner_start:
 * @runner: a runner that has not run yet
 * @cancellable: (nullable): stops the run, like an interrupt, with
 *   %G_IO_ERROR_CANCELLED
 * @error: return location for why the run stopped
 *
 * Runs the tasks and blocks until they all succeeded or the run stopped;
 * see [class@Gopod.Runner] for the reasons it may stop. The deadline counts
 * from this call. Returns within a few milliseconds of the deadline or the
 * interrupt, even when the task in flight ignores its cancellable.
 *
 * No main loop needs to run, with one exception: if @runner has
 * main-context jobs and its main context is the calling thread's
 * thread-default one, that context is iterated while this call blocks, as
 * it must be for those jobs to run.
 *
 * Returns: %TRUE if every task succeeded, else %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
gopod_runner_start (GopodRunner   *runner,
                    GCancellable  *cancellable,
                    GError       **error)
{
  GError *run_error;

  g_return_val_if_fail (GOPOD_IS_RUNNER (runner), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!runner_begin_run (runner, cancellable, NULL, error))
    return FALSE;

  runner_wait_for_end (runner);

  run_error = runner_collect_result (runner);
  if (run_error != NULL)
    {
      g_propagate_error (error, run_error);
      return FALSE;
    }

  return TRUE;
}

/**
 * gopod_runner_start_async:
 * @runner: a runner that has not run yet
 * @cancellable: (nullable): stops the run with %G_IO_ERROR_CANCELLED
 * @callback: (scope async): called when the run ended
 * @user_data: data for @callback
 *
 * Like [method@Gopod.Runner.start], without blocking: @callback is called
 * on the thread-default main context of the caller once the run ended and
 * the tasks that never ran were discarded. Get the result with
 * [method@Gopod.Runner.start_finish].
 *
 * Since: 1.0
 */
void
gopod_runner_start_async (GopodRunner         *runner,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (GOPOD_IS_RUNNER (runner));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (runner, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_runner_start_async);
  g_task_set_name (task, "[pod-glib] gopod_runner_start_async");
  /* The runner's own first reason (a timeout before the cancel) wins. */
  g_task_set_check_cancellable (task, FALSE);

  if (!runner_begin_run (runner, cancellable, task, &error))
    g_task_return_error (task, error);
}

/**
 * gopod_runner_start_finish:
 * @runner: a runner
 * @result: the result given to the callback of
 *   [method@Gopod.Runner.start_async]
 * @error: return location for why the run stopped
 *
 * Finishes [method@Gopod.Runner.start_async].
 *
 * Returns: %TRUE if every task succeeded, else %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
gopod_runner_start_finish (GopodRunner   *runner,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_RUNNER (runner), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, runner), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, gopod_runner_start_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gopod_runner_interrupt:
 * @runner: a runner
 *
 * Stops a running runner with %GOPOD_ERROR_INTERRUPTED, as SIGINT would;
 * safe from any thread, also from a task. Does nothing if the runner is
 * not running.
 *
 * Since: 1.0
 */
void
gopod_runner_interrupt (GopodRunner *runner)
{
  g_return_if_fail (GOPOD_IS_RUNNER (runner));

  runner_end (runner, g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED,
                                           "Runner was interrupted"));
}

/**
 * gopod_runner_get_timeout_ms:
 * @runner: a runner
 *
 * Gets [property@Gopod.Runner:timeout-ms].
 *
 * Returns: the deadline of a run in milliseconds, or 0 for none
 *
 * Since: 1.0
 */
guint
gopod_runner_get_timeout_ms (GopodRunner *runner)
{
  guint timeout_ms;

  g_return_val_if_fail (GOPOD_IS_RUNNER (runner), 0);

  g_mutex_lock (&runner->lock);
  timeout_ms = runner->timeout_ms;
  g_mutex_unlock (&runner->lock);

  return timeout_ms;
}

/**
 * gopod_runner_set_timeout_ms:
 * @runner: a runner
 * @timeout_ms: the deadline of a run in milliseconds, or 0 for none
 *
 * Sets [property@Gopod.Runner:timeout-ms]; it applies to a run started
 * afterwards.
 *
 * Since: 1.0
 */
void
gopod_runner_set_timeout_ms (GopodRunner *runner,
                             guint        timeout_ms)
{
  gboolean changed;

  g_return_if_fail (GOPOD_IS_RUNNER (runner));

  g_mutex_lock (&runner->lock);
  changed = runner->timeout_ms != timeout_ms;
  runner->timeout_ms = timeout_ms;
  g_mutex_unlock (&runner->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_TIMEOUT_MS]);
}

/**
 * gopod_runner_get_handle_signals:
 * @runner: a runner
 *
 * Gets [property@Gopod.Runner:handle-signals].
 *
 * Returns: whether SIGINT and SIGTERM interrupt the runner
 *
 * Since: 1.0
 */
gboolean
gopod_runner_get_handle_signals (GopodRunner *runner)
{
  gboolean handle_signals;

  g_return_val_if_fail (GOPOD_IS_RUNNER (runner), FALSE);

  g_mutex_lock (&runner->lock);
  handle_signals = runner->handle_signals;
  g_mutex_unlock (&runner->lock);

  return handle_signals;
}

/**
 * gopod_runner_set_handle_signals:
 * @runner: a runner
 * @handle_signals: whether SIGINT and SIGTERM interrupt the runner
 *
 * Sets [property@Gopod.Runner:handle-signals]; it applies to a run started
 * afterwards.
 *
 * Since: 1.0
 */
void
gopod_runner_set_handle_signals (GopodRunner *runner,
                                 gboolean     handle_signals)
{
  gboolean changed;

  g_return_if_fail (GOPOD_IS_RUNNER (runner));

  handle_signals = !!handle_signals;
  g_mutex_lock (&runner->lock);
  changed = runner->handle_signals != (guint) handle_signals;
  runner->handle_signals = handle_signals;
  g_mutex_unlock (&runner->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_HANDLE_SIGNALS]);
}

/**
 * gopod_runner_get_completed:
 * @runner: a runner
 *
 * Gets [property@Gopod.Runner:completed]. Safe from any thread.
 *
 * Returns: how many tasks succeeded while the runner ran
 *
 * Since: 1.0
 */
guint
gopod_runner_get_completed (GopodRunner *runner)
{
  g_return_val_if_fail (GOPOD_IS_RUNNER (runner), 0);

  return (guint) g_atomic_int_get (&runner->completed);
}
