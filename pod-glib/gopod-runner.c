/* gopod-runner.c: tasks in order under a timeout, stopped by an interrupt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-runner-private.h"

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

G_DEFINE_FINAL_TYPE (GopodRunner, gopod_runner, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

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
  gopod_runner_run_discard_tasks (self, &pending);

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
           * the context for this job (internals rule RN3). */
          gopod_wait_list_kick (&self->waiters);
        }
    }
  g_mutex_unlock (&self->lock);

  /* A task of this run cannot know whether the deadline passed before its
   * add (checking its cancellable and adding are not one step), so for it
   * the add is a documented no-op (internals rule RN6). Anyone else adding
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
 * added on the thread of the runner's main context runs on that thread
 * only: from that context when a loop runs it, or when
 * [method@Gopod.Runner.start] returns there.
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
    gopod_runner_run_free_task (entry);
}

static const GopodJobOwner runner_job_owner = { gopod_runner_run_job_ended, NULL, TRUE };

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
  GopodOutbox out;
  Task *entry;

  g_return_if_fail (GOPOD_IS_RUNNER (runner));
  g_return_if_fail (GOPOD_IS_JOB (job));

  gopod_outbox_init (&out);
  if (!gopod_job_claim (job, &runner_job_owner, runner, &out))
    return;
  gopod_outbox_flush (&out);
  /* A blocking wait for it where nobody runs the runner's context runs it,
   * as for a pod's main-context job (internals rule J6). */
  if (gopod_job_peek_main_context (job))
    gopod_job_set_home (job, &runner->home);

  entry = g_new0 (Task, 1);
  entry->job = g_object_ref (job);
  if (!runner_push_task (runner, entry))
    {
      g_autoptr(GError) error = g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                                                      "The runner has already run");

      gopod_job_discard (job, error);
      gopod_runner_run_free_task (entry);
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

  if (!gopod_runner_run_begin (runner, cancellable, NULL, error))
    return FALSE;

  gopod_runner_run_wait_for_end (runner);

  run_error = gopod_runner_run_collect_result (runner);
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

  if (!gopod_runner_run_begin (runner, cancellable, task, &error))
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

  gopod_runner_run_end (runner, g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED,
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
    gopod_notify_queue (&runner->notify, PROP_TIMEOUT_MS);
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
    gopod_notify_queue (&runner->notify, PROP_HANDLE_SIGNALS);
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
