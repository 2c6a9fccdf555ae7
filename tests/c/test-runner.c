/* test-runner.c: GopodRunner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "gopod-runner-private.h"
#include "test-utils.h"

/* What the tasks of one test did, shared by all of them. */
typedef struct
{
  GMutex    lock;
  GArray   *ids;  /* guint: ids in the order the tasks began */
  guint     returned;
  guint     destroyed;
  guint     returned_cancelled;  /* returned with their cancellable cancelled */
  TestGate  gate;
  GThread  *thread;  /* where the last task ran */
} Probe;

typedef enum
{
  DO_SUCCEED,
  DO_FAIL,
  DO_FAIL_WITHOUT_ERROR,
  DO_WAIT_FOR_CANCEL,  /* a cooperative long task */
  DO_BLOCK_ON_GATE,  /* an uncooperative one: ignores its cancellable */
  DO_INTERRUPT,  /* interrupts its own runner, then waits for the cancel */
  DO_CANCEL_CALLER,  /* cancels the cancellable given to start() */
  DO_RAISE_SIGINT,
  DO_RAISE_SIGTERM,
  DO_ADD_TASK,  /* adds one more DO_SUCCEED task while running */
  DO_ADD_JOB,  /* adds its job to the runner */
  DO_ADD_AFTER_END,  /* waits for the end, then adds a task */
} Behaviour;

typedef struct
{
  Probe        *probe;
  Behaviour     behaviour;
  GCancellable *caller_cancellable;
  GopodJob     *job;  /* for DO_ADD_JOB */
} TaskData;

static Probe *
probe_new (void)
{
  Probe *probe = g_new0 (Probe, 1);

  g_mutex_init (&probe->lock);
  probe->ids = g_array_new (FALSE, FALSE, sizeof (guint));
  test_gate_init (&probe->gate);
  return probe;
}

static void
probe_free (Probe *probe)
{
  g_array_unref (probe->ids);
  test_gate_clear (&probe->gate);
  g_mutex_clear (&probe->lock);
  g_free (probe);
}

static guint
probe_get (Probe *probe,
           guint *field)
{
  guint value;

  g_mutex_lock (&probe->lock);
  value = *field;
  g_mutex_unlock (&probe->lock);
  return value;
}

typedef struct
{
  Probe *probe;
  guint *field;
  guint  n;
} ProbeCount;

static gboolean
probe_count_reached (gpointer data)
{
  ProbeCount *count = data;

  return probe_get (count->probe, count->field) >= count->n;
}

/* Blocks until *field reaches @n, running the default context meanwhile:
 * a task added on this thread is freed on it, from there, once the run
 * ended (internals rule RN8); probe_bump() wakes the context. Fails after
 * 10 s rather than hang. */
static void
probe_wait (Probe *probe,
            guint *field,
            guint  n)
{
  ProbeCount count = { probe, field, n };

  test_iterate_until_holds (NULL, probe_count_reached, &count, 10000);
}

static void
probe_bump (Probe *probe,
            guint *field)
{
  g_mutex_lock (&probe->lock);
  (*field)++;
  g_mutex_unlock (&probe->lock);
  g_main_context_wakeup (NULL);
}

static void
wait_cancelled (GCancellable *cancellable)
{
  GPollFD pollfd;

  g_assert_true (g_cancellable_make_pollfd (cancellable, &pollfd));
  while (!g_cancellable_is_cancelled (cancellable))
    g_poll (&pollfd, 1, -1);
  g_cancellable_release_fd (cancellable);
}

static void
task_data_free (gpointer data)
{
  TaskData *task = data;

  probe_bump (task->probe, &task->probe->destroyed);
  g_clear_object (&task->caller_cancellable);
  g_clear_object (&task->job);
  g_free (task);
}

static void add_task (GopodRunner *runner, Probe *probe, Behaviour behaviour);

static gboolean
task_func (GopodRunner   *runner,
           guint          id,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  TaskData *task = user_data;
  Probe *probe = task->probe;
  gboolean ok = TRUE;

  g_assert_true (GOPOD_IS_RUNNER (runner));
  g_assert_true (G_IS_CANCELLABLE (cancellable));

  g_mutex_lock (&probe->lock);
  g_array_append_val (probe->ids, id);
  probe->thread = g_thread_self ();
  g_mutex_unlock (&probe->lock);

  switch (task->behaviour)
    {
    case DO_SUCCEED:
      break;
    case DO_FAIL:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Task %u failed", id);
      ok = FALSE;
      break;
    case DO_FAIL_WITHOUT_ERROR:
      ok = FALSE;
      break;
    case DO_WAIT_FOR_CANCEL:
      wait_cancelled (cancellable);
      break;
    case DO_BLOCK_ON_GATE:
      test_gate_pass (&probe->gate);
      /* The runner must still be alive: it is used after the gate. */
      g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 0);
      break;
    case DO_INTERRUPT:
      gopod_runner_interrupt (runner);
      wait_cancelled (cancellable);
      break;
    case DO_CANCEL_CALLER:
      g_cancellable_cancel (task->caller_cancellable);
      wait_cancelled (cancellable);
      break;
    case DO_RAISE_SIGINT:
      kill (getpid (), SIGINT);
      wait_cancelled (cancellable);
      break;
    case DO_RAISE_SIGTERM:
      kill (getpid (), SIGTERM);
      wait_cancelled (cancellable);
      break;
    case DO_ADD_TASK:
      add_task (runner, probe, DO_SUCCEED);
      break;
    case DO_ADD_JOB:
      gopod_runner_add_job (runner, task->job);
      break;
    case DO_ADD_AFTER_END:
      /* Cancelled once the run ended: too late to add, and no way to
       * check and add in one step. */
      wait_cancelled (cancellable);
      add_task (runner, probe, DO_SUCCEED);
      break;
    }

  g_mutex_lock (&probe->lock);
  probe->returned++;
  if (g_cancellable_is_cancelled (cancellable))
    probe->returned_cancelled++;
  g_mutex_unlock (&probe->lock);
  g_main_context_wakeup (NULL);

  return ok;
}

static void
add_task_full (GopodRunner  *runner,
               Probe        *probe,
               Behaviour     behaviour,
               GCancellable *caller_cancellable)
{
  TaskData *task = g_new0 (TaskData, 1);

  task->probe = probe;
  task->behaviour = behaviour;
  if (caller_cancellable != NULL)
    task->caller_cancellable = g_object_ref (caller_cancellable);
  gopod_runner_add (runner, task_func, task, task_data_free);
}

static void
add_task (GopodRunner *runner,
          Probe       *probe,
          Behaviour    behaviour)
{
  add_task_full (runner, probe, behaviour, NULL);
}

static void
assert_ids_n (Probe       *probe,
              const guint *expected,
              guint        n)
{
  g_mutex_lock (&probe->lock);
  g_assert_cmpmem (probe->ids->data, probe->ids->len * sizeof (guint),
                   expected, n * sizeof (guint));
  g_mutex_unlock (&probe->lock);
}

/* assert_ids (probe, 0, 1, 2): the ids, in the order the tasks began. */
#define assert_ids(probe, ...) \
  assert_ids_n ((probe), (const guint[]) { __VA_ARGS__ }, \
                G_N_ELEMENTS (((const guint[]) { __VA_ARGS__ })))

/* The fixture: a runner, the probe its tasks report to, and the error and
 * async result a test may fill in. */

typedef struct
{
  guint    timeout_ms;
  gboolean handle_signals;
} RunnerConfig;

/* The default (test data NULL): no timeout, signals not handled. */
static const RunnerConfig quiet_runner = { 0, FALSE };
static const RunnerConfig quiet_runner_50ms = { 50, FALSE };
static const RunnerConfig quiet_runner_100ms = { 100, FALSE };
static const RunnerConfig signal_runner = { 0, TRUE };
/* A deadline no passing test reaches: it turns a hang into a failure. */
static const RunnerConfig watchdog_runner = { 10000, FALSE };

typedef struct
{
  GopodRunner  *runner;
  Probe        *probe;
  GError       *error;
  GAsyncResult *result;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const RunnerConfig *config = data != NULL ? data : &quiet_runner;

  f->runner = gopod_runner_new (config->timeout_ms);
  /* Signals are tested on their own: a stray Ctrl-C must not change others. */
  if (!config->handle_signals)
    gopod_runner_set_handle_signals (f->runner, FALSE);
  f->probe = probe_new ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* A test may have dropped the runner already. */
  g_clear_object (&f->runner);
  probe_free (f->probe);
  g_clear_object (&f->result);
  g_clear_error (&f->error);
}

static void
assert_start_ok (Fixture *f)
{
  g_assert_true (gopod_runner_start (f->runner, NULL, &f->error));
  g_assert_no_error (f->error);
}

static void
assert_start_fails (Fixture      *f,
                    GCancellable *cancellable,
                    GQuark        domain,
                    gint          code)
{
  g_assert_false (gopod_runner_start (f->runner, cancellable, &f->error));
  g_assert_error (f->error, domain, code);
}

static void
start_async (Fixture *f)
{
  gopod_runner_start_async (f->runner, NULL, test_store_result, &f->result);
}

static gboolean
finish_async (Fixture *f)
{
  test_wait_for_result (NULL, &f->result, 10000);
  return gopod_runner_start_finish (f->runner, f->result, &f->error);
}

static void
assert_finish_ok (Fixture *f)
{
  g_assert_true (finish_async (f));
  g_assert_no_error (f->error);
}

static void
assert_finish_fails (Fixture *f,
                     GQuark   domain,
                     gint     code)
{
  g_assert_false (finish_async (f));
  g_assert_error (f->error, domain, code);
}

/* Task 0 ran and was cancelled, task 1 never ran: both were freed. */
static void
assert_first_task_cancelled (Probe *probe)
{
  probe_wait (probe, &probe->destroyed, 2);
  g_assert_cmpuint (probe_get (probe, &probe->returned_cancelled), ==, 1);
  g_assert_cmpuint (probe->ids->len, ==, 1);
}

static guint
probe_started (Probe *probe)
{
  guint n;

  g_mutex_lock (&probe->lock);
  n = probe->ids->len;
  g_mutex_unlock (&probe->lock);
  return n;
}

/* A deadline is real time, and a slow machine (valgrind) can make a task
 * start or end after any deadline. Gates hold the tasks a test wants the
 * deadline to pass in, but not the tasks before them: @scenario returns
 * FALSE when the deadline passed before the point it tests, asserting
 * only what holds either way, and is run again with a deadline 4 times as
 * long, up to 4 runs (50 ms to 3.2 s) before the test fails. */
static void
run_with_growing_deadline (Fixture       *f,
                           gconstpointer  data,
                           gboolean     (*scenario) (Fixture *f))
{
  RunnerConfig config = *(const RunnerConfig *) data;

  for (guint run = 1; !scenario (f); run++)
    {
      if (run == 4)
        g_error ("The deadline passed too early in %u runs, the last of %u ms",
                 run, config.timeout_ms);
      config.timeout_ms *= 4;
      fixture_tear_down (f, data);
      fixture_set_up (f, &config);
    }
}

static void
test_runner_order (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < 5; i++)
    add_task (f->runner, f->probe, i == 2 ? DO_ADD_TASK : DO_SUCCEED);

  assert_start_ok (f);
  /* The task added by task 2 ran last, as id 5. */
  assert_ids (f->probe, 0, 1, 2, 3, 4, 5);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 6);
  g_assert_cmpuint (probe_get (f->probe, &f->probe->destroyed), ==, 6);
  g_assert_true (f->probe->thread != g_thread_self ());
}

static void
test_runner_empty (Fixture       *f,
                   gconstpointer  data)
{
  assert_start_ok (f);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 0);
}

/* Task 0 succeeds, task 1 waits for its cancellable, task 2 never runs. */
static gboolean
timeout_cooperative_run (Fixture *f)
{
  Probe *probe = f->probe;
  guint completed;

  add_task (f->runner, probe, DO_SUCCEED);
  add_task (f->runner, probe, DO_WAIT_FOR_CANCEL);
  add_task (f->runner, probe, DO_SUCCEED);

  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  completed = gopod_runner_get_completed (f->runner);
  /* Task 2 never ran, and was freed before start() returned; the others
   * return once cancelled. */
  probe_wait (probe, &probe->destroyed, 1);
  probe_wait (probe, &probe->destroyed, 3);
  if (probe_started (probe) < 2)
    return FALSE;

  g_assert_cmpuint (completed, ==, 1);
  assert_ids (probe, 0, 1);
  g_assert_cmpuint (probe_get (probe, &probe->returned_cancelled), ==, 1);
  /* The late task did not count. */
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 1);
  return TRUE;
}

static void
test_runner_timeout_cooperative (Fixture       *f,
                                 gconstpointer  data)
{
  run_with_growing_deadline (f, data, timeout_cooperative_run);
}

/* Task 0 ignores its cancellable, held at the gate; task 1 never runs. */
static gboolean
timeout_uncooperative_run (Fixture *f)
{
  Probe *probe = f->probe;

  add_task (f->runner, probe, DO_BLOCK_ON_GATE);
  add_task (f->runner, probe, DO_SUCCEED);

  /* The task is still blocked when start() returns: start does not wait for
   * it. */
  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_cmpuint (probe_get (probe, &probe->returned), ==, 0);
  if (probe_started (probe) == 0)
    {
      test_gate_open (&probe->gate);
      g_clear_object (&f->runner);
      probe_wait (probe, &probe->destroyed, 2);
      return FALSE;
    }
  /* Only the task that never ran was freed. */
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 1);

  /* The runner keeps itself and the task's data until the task returns:
   * the task uses both after the gate. */
  g_clear_object (&f->runner);
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 1);
  test_gate_open (&probe->gate);
  assert_first_task_cancelled (probe);
  return TRUE;
}

static void
test_runner_timeout_uncooperative (Fixture       *f,
                                   gconstpointer  data)
{
  run_with_growing_deadline (f, data, timeout_uncooperative_run);
}

/* Changes the runner's timeout-ms, which applies to a later run only, then
 * waits for this run's deadline. */
static gboolean
retime_then_wait_task (GopodRunner   *runner,
                       guint          id,
                       GCancellable  *cancellable,
                       gpointer       data,
                       GError       **error)
{
  gopod_runner_set_timeout_ms (runner, 987654);
  test_block_until_cancelled (cancellable);
  return TRUE;
}

/* The error names the deadline the run had, not the one set since: a
 * change of timeout-ms applies to the next run (its documentation). */
static void
test_runner_timeout_message (Fixture       *f,
                             gconstpointer  data)
{
  gopod_runner_add (f->runner, retime_then_wait_task, NULL, NULL);
  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_cmpstr (f->error->message, ==, "Runner timed out after 50 ms");
  g_assert_cmpuint (gopod_runner_get_timeout_ms (f->runner), ==, 987654);
}

/* One task, started twice the deadline after new(). */
static gboolean
deadline_from_start_run (Fixture *f)
{
  add_task (f->runner, f->probe, DO_SUCCEED);
  /* Longer than the timeout: a deadline counted from new() (the Go
   * runner's) would already have passed. */
  g_usleep (2 * gopod_runner_get_timeout_ms (f->runner) * G_TIME_SPAN_MILLISECOND);
  if (!gopod_runner_start (f->runner, NULL, &f->error))
    {
      /* Either that, or a task slower than the whole deadline. */
      g_assert_error (f->error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
      g_clear_error (&f->error);
      return FALSE;
    }
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 1);
  return TRUE;
}

static void
test_runner_deadline_from_start (Fixture       *f,
                                 gconstpointer  data)
{
  run_with_growing_deadline (f, data, deadline_from_start_run);
}

static void
test_runner_failure (Fixture       *f,
                     gconstpointer  data)
{
  add_task (f->runner, f->probe, DO_SUCCEED);
  add_task (f->runner, f->probe, DO_FAIL);
  add_task (f->runner, f->probe, DO_SUCCEED);

  assert_start_fails (f, NULL, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (f->error->message, ==, "Task 1 failed");
  assert_ids (f->probe, 0, 1);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 1);
  g_assert_cmpuint (probe_get (f->probe, &f->probe->destroyed), ==, 3);
}

static void
test_runner_failure_without_error (Fixture       *f,
                                   gconstpointer  data)
{
  add_task (f->runner, f->probe, DO_FAIL_WITHOUT_ERROR);
  add_task (f->runner, f->probe, DO_SUCCEED);

  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_cmpuint (f->probe->ids->len, ==, 1);
  g_assert_cmpuint (probe_get (f->probe, &f->probe->destroyed), ==, 2);
}

static void
test_runner_cancellable (Fixture       *f,
                         gconstpointer  data)
{
  Probe *probe = f->probe;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  add_task_full (f->runner, probe, DO_CANCEL_CALLER, cancellable);
  add_task (f->runner, probe, DO_SUCCEED);

  assert_start_fails (f, cancellable, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  probe_wait (probe, &probe->returned, 1);
  g_assert_cmpuint (probe_get (probe, &probe->returned_cancelled), ==, 1);
  g_assert_cmpuint (probe->ids->len, ==, 1);
  probe_wait (probe, &probe->destroyed, 2);
}

static void
test_runner_cancelled_before_start (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  add_task (f->runner, f->probe, DO_SUCCEED);
  g_cancellable_cancel (cancellable);

  /* Nothing runs, and the runner may still be started. */
  assert_start_fails (f, cancellable, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->probe->ids->len, ==, 0);
  g_clear_error (&f->error);

  assert_start_ok (f);
  g_assert_cmpuint (f->probe->ids->len, ==, 1);
}

static gpointer
interrupt_thread (gpointer data)
{
  Fixture *f = data;

  /* Once task 0 is running. */
  test_gate_wait_for_waiters (&f->probe->gate, 1);
  gopod_runner_interrupt (f->runner);
  return NULL;
}

static void
test_runner_interrupt_from_thread (Fixture       *f,
                                   gconstpointer  data)
{
  GThread *thread;

  add_task (f->runner, f->probe, DO_BLOCK_ON_GATE);
  add_task (f->runner, f->probe, DO_SUCCEED);
  thread = g_thread_new ("interrupter", interrupt_thread, f);

  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED);
  g_thread_join (thread);

  test_gate_open (&f->probe->gate);
  assert_first_task_cancelled (f->probe);

  /* Interrupting a runner that ended does nothing. */
  gopod_runner_interrupt (f->runner);
}

static void
test_runner_interrupt_from_task (Fixture       *f,
                                 gconstpointer  data)
{
  add_task (f->runner, f->probe, DO_INTERRUPT);
  add_task (f->runner, f->probe, DO_SUCCEED);

  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED);
  probe_wait (f->probe, &f->probe->destroyed, 2);
  g_assert_cmpuint (f->probe->ids->len, ==, 1);
}

static gboolean
open_gate_idle (gpointer data)
{
  Probe *probe = data;

  /* Runs only if the main loop is free while the runner runs. */
  test_gate_open (&probe->gate);
  return G_SOURCE_REMOVE;
}

static void
test_runner_async (Fixture       *f,
                   gconstpointer  data)
{
  add_task (f->runner, f->probe, DO_BLOCK_ON_GATE);
  add_task (f->runner, f->probe, DO_SUCCEED);

  start_async (f);
  g_assert_null (f->result);
  g_idle_add (open_gate_idle, f->probe);

  assert_finish_ok (f);
  assert_ids (f->probe, 0, 1);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 2);
}

/* A blocked task 0 and a task 1 under the deadline, started async. */
static gboolean
async_timeout_run (Fixture *f)
{
  Probe *probe = f->probe;
  guint started;

  add_task (f->runner, probe, DO_BLOCK_ON_GATE);
  add_task (f->runner, probe, DO_SUCCEED);

  start_async (f);
  assert_finish_fails (f, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  started = probe_started (probe);
  /* Task 0, if it began, is held at the gate: it cannot have returned. */
  g_assert_cmpuint (probe_get (probe, &probe->returned), ==, 0);
  if (started == 1)
    {
      /* The callback came while task 0 was still blocked, after the task
       * that never ran was freed. */
      g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 1);
    }

  test_gate_open (&probe->gate);
  g_clear_object (&f->runner);
  probe_wait (probe, &probe->destroyed, 2);
  return started == 1;
}

/* The deadline passes while task 0 blocks: the run ends with a timeout at
 * once, without waiting for a task that ignores its cancellable. */
static void
test_runner_async_timeout (Fixture       *f,
                           gconstpointer  data)
{
  run_with_growing_deadline (f, data, async_timeout_run);
}

static void
test_runner_start_twice (Fixture       *f,
                         gconstpointer  data)
{
  add_task (f->runner, f->probe, DO_BLOCK_ON_GATE);
  start_async (f);

  /* Refused while it runs... */
  assert_start_fails (f, NULL, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&f->error);

  test_gate_open (&f->probe->gate);
  assert_finish_ok (f);

  /* ...and after it ended: a runner runs once. */
  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_assert_cmpuint (f->probe->ids->len, ==, 1);

  /* A task added now could never run: a critical, and its data is freed. */
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*has already run*");
  add_task (f->runner, f->probe, DO_SUCCEED);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (probe_get (f->probe, &f->probe->destroyed), ==, 2);
}

/* A task still running after the deadline adds a task: dropped without a
 * critical (the suite makes criticals fatal), its data freed at once. */
static void
test_runner_add_after_end_from_task (Fixture       *f,
                                     gconstpointer  data)
{
  Probe *probe = f->probe;

  add_task (f->runner, probe, DO_ADD_AFTER_END);
  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);

  probe_wait (probe, &probe->destroyed, 2);
  g_assert_cmpuint (probe->ids->len, ==, 1);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 0);
}

typedef struct
{
  GMainContext *context;
  gboolean      done;
} ContextLoop;

static gpointer
run_context_until_done (gpointer data)
{
  ContextLoop *loop = data;

  while (!g_atomic_int_get (&loop->done))
    g_main_context_iteration (loop->context, TRUE);
  return NULL;
}

/* Collects the result where the callback runs (the loop thread), then
 * tells the caller's thread. */
static void
finish_and_wake (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Probe *probe = user_data;
  gboolean ok = gopod_runner_start_finish (GOPOD_RUNNER (source), result, NULL);

  g_assert_true (ok);
  probe_bump (probe, &probe->returned);
}

/* The runner's test hook: once the worker started, start_async() goes on
 * only when @n results were collected on the loop thread. */
typedef struct
{
  Probe *probe;
  guint  n;
} Collected;

static void
wait_until_collected (GopodRunner     *runner,
                      RunnerHookPoint  point,
                      gpointer         data)
{
  Collected *collected = data;

  if (point == RUNNER_HOOK_STARTED)
    probe_wait (collected->probe, &collected->probe->returned, collected->n);
}

/* start_async() from a thread whose thread-default context another thread
 * runs: the result may be collected there before start_async() returns, and
 * the caller's cancellable must not keep a handler on the runner after it,
 * or a later cancel runs it on a freed runner. The runner's test hook holds
 * each start_async() until its result was collected. */
static void
test_runner_async_context_run_elsewhere (Fixture       *f,
                                         gconstpointer  data)
{
  ContextLoop loop = { g_main_context_new (), FALSE };
  GPtrArray *cancellables = g_ptr_array_new_with_free_func (g_object_unref);
  Collected collected = { f->probe, 0 };
  GThread *thread;
  guint cancelled_id, round;

  gopod_runner_run_set_test_hook (wait_until_collected, &collected);

  /* Pushing acquires the context; released, it stays this thread's
   * thread-default one while the other thread runs it. */
  g_main_context_push_thread_default (loop.context);
  g_main_context_release (loop.context);
  thread = g_thread_new ("test-loop", run_context_until_done, &loop);
  for (round = 0; round < 4; round++)
    {
      GCancellable *cancellable = g_cancellable_new ();
      GopodRunner *runner = gopod_runner_new (0);

      collected.n = round + 1;
      gopod_runner_set_handle_signals (runner, FALSE);
      gopod_runner_start_async (runner, cancellable, finish_and_wake, f->probe);
      g_object_unref (runner);
      g_ptr_array_add (cancellables, cancellable);
    }
  gopod_runner_run_set_test_hook (NULL, NULL);
  g_atomic_int_set (&loop.done, TRUE);
  g_main_context_wakeup (loop.context);
  g_thread_join (thread);
  /* What the loop thread left undispatched, with the tasks it holds. */
  g_assert_true (g_main_context_acquire (loop.context));
  while (g_main_context_iteration (loop.context, FALSE))
    ;
  g_main_context_pop_thread_default (loop.context);
  g_main_context_unref (loop.context);

  /* Nothing of any runner is left on its caller's cancellable. */
  cancelled_id = g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE);
  for (round = 0; round < cancellables->len; round++)
    {
      GCancellable *cancellable = cancellables->pdata[round];

      g_assert_false (g_signal_has_handler_pending (cancellable, cancelled_id, 0, FALSE));
      g_cancellable_cancel (cancellable);
    }
  g_ptr_array_unref (cancellables);
}

static void
test_runner_programmer_errors (Fixture       *f,
                               gconstpointer  data)
{
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_RUNNER*");
  gopod_runner_add (NULL, task_func, NULL, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*task != NULL*");
  gopod_runner_add (f->runner, NULL, NULL, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_JOB*");
  gopod_runner_add_job (f->runner, NULL);
  g_test_assert_expected_messages ();
}

static gboolean
job_never_runs (GopodJob      *job,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  g_assert_not_reached ();
}

static void
test_runner_finalize_unstarted (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GopodJob) job = gopod_job_new_func (job_never_runs, NULL, NULL);

  add_task (f->runner, f->probe, DO_SUCCEED);
  gopod_runner_add_job (f->runner, job);
  g_clear_object (&f->runner);

  /* Nothing is lost: the data is freed, the job ended without running. */
  g_assert_cmpuint (probe_get (f->probe, &f->probe->destroyed), ==, 1);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpuint (f->probe->ids->len, ==, 0);
}

/* Jobs */

typedef struct
{
  Probe   *probe;
  guint    n_finish;
  gboolean fail;
} JobData;

static gboolean
job_func (GopodJob      *job,
          GCancellable  *cancellable,
          gpointer       user_data,
          GError       **error)
{
  JobData *data = user_data;
  guint marker = 100;

  g_mutex_lock (&data->probe->lock);
  g_array_append_val (data->probe->ids, marker);
  g_mutex_unlock (&data->probe->lock);

  if (data->fail)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "job failed");
      return FALSE;
    }
  return TRUE;
}

static void
test_runner_jobs (Fixture       *f,
                  gconstpointer  data)
{
  JobData ok_data = { f->probe, 0, FALSE };
  JobData fail_data = { f->probe, 0, TRUE };
  JobData never_data = { f->probe, 0, FALSE };
  g_autoptr(GopodJob) ok_job = gopod_job_new_func (job_func, &ok_data, NULL);
  g_autoptr(GopodJob) fail_job = gopod_job_new_func (job_func, &fail_data, NULL);
  g_autoptr(GopodJob) never_job = gopod_job_new_func (job_func, &never_data, NULL);

  add_task (f->runner, f->probe, DO_SUCCEED);
  gopod_runner_add_job (f->runner, ok_job);
  add_task (f->runner, f->probe, DO_SUCCEED);
  gopod_runner_add_job (f->runner, fail_job);
  gopod_runner_add_job (f->runner, never_job);
  add_task (f->runner, f->probe, DO_SUCCEED);

  assert_start_fails (f, NULL, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  assert_ids (f->probe, 0, 100, 2, 100);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 3);
  g_assert_cmpint (gopod_job_get_state (ok_job), ==, GOPOD_JOB_STATE_SUCCEEDED);
  g_assert_cmpint (gopod_job_get_state (fail_job), ==, GOPOD_JOB_STATE_FAILED);
  /* Ended before start() returned, without running. */
  g_assert_cmpint (gopod_job_get_state (never_job), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpuint (probe_get (f->probe, &f->probe->destroyed), ==, 3);
}

/* Waits for a later job of its own runner, which can only start once this
 * task returned. */
static gboolean
wait_for_later_job_task (GopodRunner   *runner,
                         guint          id,
                         GCancellable  *cancellable,
                         gpointer       job,
                         GError       **error)
{
  g_autoptr(GError) wait_error = NULL;

  g_assert_false (gopod_job_wait (job, NULL, &wait_error));
  g_assert_error (wait_error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  return TRUE;
}

/* A wait that could only end after the task making it is refused instead
 * of entered (internals rule W6), as a job's wait for itself is (J7). The
 * runner's deadline only turns a wait that was entered into a failure
 * instead of a hang. */
static void
test_runner_task_waits_for_later_job (Fixture       *f,
                                      gconstpointer  data)
{
  JobData job_data = { f->probe, 0, FALSE };
  g_autoptr(GopodJob) job = gopod_job_new_func (job_func, &job_data, NULL);

  gopod_runner_add (f->runner, wait_for_later_job_task, job, NULL);
  gopod_runner_add_job (f->runner, job);
  assert_start_ok (f);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_SUCCEEDED);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 2);
}

/* A main-context job, as a GJS program would write one. */

#define TEST_TYPE_LATER_JOB (test_later_job_get_type ())
G_DECLARE_FINAL_TYPE (TestLaterJob, test_later_job, TEST, LATER_JOB, GopodJob)

struct _TestLaterJob
{
  GopodJob  parent_instance;
  GThread  *begin_thread;
  guint     n_finish;
  gboolean  wait_for_cancel;
  gint      cancelled;  /* atomic: its cancellable's handler ran */
  TestGate *hold;  /* if set, begin also holds the loop at this gate once */
};

G_DEFINE_FINAL_TYPE (TestLaterJob, test_later_job, GOPOD_TYPE_JOB)

static gboolean
later_job_complete (gpointer data)
{
  gopod_job_complete (data, NULL);
  return G_SOURCE_REMOVE;
}

static void
later_job_cancelled (GCancellable *cancellable,
                     gpointer      data)
{
  g_atomic_int_set (&TEST_LATER_JOB (data)->cancelled, TRUE);
  /* Completed from the loop, not nested in the cancel. */
  g_idle_add_full (G_PRIORITY_DEFAULT, later_job_complete,
                   g_object_ref (data), g_object_unref);
}

/* Whoever runs the loop waits here, inside a dispatch. */
static gboolean
hold_loop_at_gate (gpointer gate)
{
  test_gate_pass (gate);
  return G_SOURCE_REMOVE;
}

static gboolean
test_later_job_begin (GopodJob      *job,
                      GCancellable  *cancellable,
                      GError       **error)
{
  TestLaterJob *self = TEST_LATER_JOB (job);

  self->begin_thread = g_thread_self ();
  if (self->hold != NULL)
    g_idle_add_full (G_PRIORITY_DEFAULT, hold_loop_at_gate, self->hold, NULL);
  if (self->wait_for_cancel)
    g_cancellable_connect (cancellable, G_CALLBACK (later_job_cancelled),
                           g_object_ref (job), g_object_unref);
  else
    g_timeout_add_full (G_PRIORITY_DEFAULT, 10, later_job_complete,
                        g_object_ref (job), g_object_unref);
  return TRUE;
}

static void
test_later_job_finish (GopodJob *job)
{
  TEST_LATER_JOB (job)->n_finish++;
}

static void
test_later_job_class_init (TestLaterJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->begin = test_later_job_begin;
  GOPOD_JOB_CLASS (klass)->finish = test_later_job_finish;
}

static void
test_later_job_init (TestLaterJob *self)
{
}

static void
test_runner_main_context_job_async (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(TestLaterJob) job = g_object_new (TEST_TYPE_LATER_JOB, NULL);

  add_task (f->runner, f->probe, DO_SUCCEED);
  gopod_runner_add_job (f->runner, GOPOD_JOB (job));
  add_task (f->runner, f->probe, DO_SUCCEED);

  start_async (f);
  assert_finish_ok (f);

  g_assert_true (job->begin_thread == g_thread_self ());
  g_assert_cmpuint (job->n_finish, ==, 1);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_SUCCEEDED);
  assert_ids (f->probe, 0, 2);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 3);
}

static void
test_runner_main_context_job_sync (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(TestLaterJob) job = g_object_new (TEST_TYPE_LATER_JOB, NULL);

  /* start() from the thread that owns the runner's context runs it. */
  gopod_runner_add_job (f->runner, GOPOD_JOB (job));
  assert_start_ok (f);
  g_assert_true (job->begin_thread == g_thread_self ());
  g_assert_cmpuint (job->n_finish, ==, 1);
}

static void
record_freeing_thread (gpointer data)
{
  g_atomic_pointer_set ((GThread **) data, g_thread_self ());
}

static gboolean
succeed_task (GopodRunner   *runner,
              guint          id,
              GCancellable  *cancellable,
              gpointer       data,
              GError       **error)
{
  return TRUE;
}

static gboolean
gate_task (GopodRunner   *runner,
           guint          id,
           GCancellable  *cancellable,
           gpointer       gate,
           GError       **error)
{
  test_gate_pass (gate);
  return TRUE;
}

/* A task added on the runner's thread (where a JavaScript function comes
 * from) is freed on that thread, even when nobody runs its context at the
 * moment the worker is done with it: here the main thread waits at a gate
 * meanwhile, outside any main loop (internals rule RN8). */
static void
test_runner_task_freed_on_home_thread (Fixture       *f,
                                       gconstpointer  data)
{
  GThread *freed_on = NULL;
  TestGate gate;

  test_gate_init (&gate);
  gopod_runner_add (f->runner, succeed_task, &freed_on, record_freeing_thread);
  gopod_runner_add (f->runner, gate_task, &gate, NULL);
  start_async (f);
  /* The worker took the second task: it is done with the first. */
  test_gate_wait_for_waiters (&gate, 1);
  g_assert_null (g_atomic_pointer_get (&freed_on));

  test_gate_open (&gate);
  assert_finish_ok (f);
  g_assert_true (g_atomic_pointer_get (&freed_on) == g_thread_self ());
  test_gate_clear (&gate);
}

/* No main loop runs: a blocking wait for a runner's main-context job runs
 * the runner's context itself, as it would for a pod's, so the job begins
 * and completes. A hang fails the subprocess's deadline. */
static void
test_runner_main_context_job_waited (Fixture       *f,
                                     gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(TestLaterJob) job = g_object_new (TEST_TYPE_LATER_JOB, NULL);

      gopod_runner_add_job (f->runner, GOPOD_JOB (job));
      start_async (f);
      g_assert_true (gopod_job_wait (GOPOD_JOB (job), NULL, NULL));
      g_assert_true (job->begin_thread == g_thread_self ());
      g_assert_cmpuint (job->n_finish, ==, 1);
      assert_finish_ok (f);
      return;
    }

  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_runner_main_context_job_timeout (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(TestLaterJob) job = g_object_new (TEST_TYPE_LATER_JOB, NULL);

  job->wait_for_cancel = TRUE;
  gopod_runner_add_job (f->runner, GOPOD_JOB (job));
  start_async (f);
  assert_finish_fails (f, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);

  /* Its cancellable was cancelled; it completes from the loop, once. */
  while (gopod_job_get_state (GOPOD_JOB (job)) < GOPOD_JOB_STATE_SUCCEEDED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (job->n_finish, ==, 1);
}

/* The runner's test hook: opens the gate once start() set up its wait, so
 * that the task adds its job only after start() decided how to wait. */
static void
open_gate_once_start_waits (GopodRunner     *runner,
                            RunnerHookPoint  point,
                            gpointer         gate)
{
  if (point == RUNNER_HOOK_WAITING)
    test_gate_open (gate);
}

/* A synchronous start() that began with no main-context job runs the
 * context for one a task adds once start() waits. The runner's deadline
 * only turns a wait that never runs it into a failure instead of a hang. */
static void
test_runner_main_context_job_added_by_task (Fixture       *f,
                                            gconstpointer  data)
{
  g_autoptr(TestLaterJob) job = g_object_new (TEST_TYPE_LATER_JOB, NULL);
  TaskData *task = g_new0 (TaskData, 1);

  /* The gate first, then the add. */
  add_task (f->runner, f->probe, DO_BLOCK_ON_GATE);
  task->probe = f->probe;
  task->behaviour = DO_ADD_JOB;
  task->job = g_object_ref (GOPOD_JOB (job));
  gopod_runner_add (f->runner, task_func, task, task_data_free);

  gopod_runner_run_set_test_hook (open_gate_once_start_waits, &f->probe->gate);
  assert_start_ok (f);
  gopod_runner_run_set_test_hook (NULL, NULL);
  g_assert_true (job->begin_thread == g_thread_self ());
  g_assert_cmpuint (job->n_finish, ==, 1);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 3);
}

static gpointer
cancel_job_thread (gpointer job)
{
  gopod_job_cancel (job);
  return NULL;
}

/* The run ended, or its worker waits in the runner's list (a start_async()
 * puts no waiter there): read under the runner's lock. */
static gboolean
runner_ended_or_worker_waits (gpointer data)
{
  GopodRunner *runner = data;
  gboolean holds;

  g_mutex_lock (&runner->lock);
  holds = runner->state == RUNNER_ENDED || gopod_wait_list_has_links (&runner->waiters);
  g_mutex_unlock (&runner->lock);
  return holds;
}

/* A main-context job cancelled while it waits its turn, from a thread that
 * cannot acquire the runner's context: it ends from an idle there
 * (internals rule J8), which nobody runs until this thread iterates. The
 * worker reaching it first must not end the run with "failed without
 * setting an error": the job was cancelled, and the run says so. */
static void
test_runner_main_context_job_cancelled_while_queued (Fixture       *f,
                                                     gconstpointer  data)
{
  g_autoptr(TestLaterJob) job = g_object_new (TEST_TYPE_LATER_JOB, NULL);
  GThread *thread;

  add_task (f->runner, f->probe, DO_BLOCK_ON_GATE);
  gopod_runner_add_job (f->runner, GOPOD_JOB (job));
  start_async (f);
  test_gate_wait_for_waiters (&f->probe->gate, 1);

  /* Held here, the context cannot be acquired by the cancelling thread:
   * the discard goes to an idle. */
  g_assert_true (g_main_context_acquire (NULL));
  thread = g_thread_new ("canceller", cancel_job_thread, job);
  g_thread_join (thread);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_QUEUED);
  g_main_context_release (NULL);

  /* The worker comes to the job while its end still waits in the idle. */
  test_gate_open (&f->probe->gate);
  g_assert_true (test_poll_until (runner_ended_or_worker_waits, f->runner, 10000));

  assert_finish_fails (f, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpuint (job->n_finish, ==, 1);
  g_assert_null (job->begin_thread);
  g_assert_cmpuint (gopod_runner_get_completed (f->runner), ==, 1);
}

typedef struct
{
  GopodRunner *runner;
  TestGate    *gate;
} InterruptAtGate;

/* Interrupts the runner while its start() is held inside a dispatch of the
 * runner's context, then lets it go. */
static gpointer
interrupt_while_held (gpointer data)
{
  InterruptAtGate *at = data;

  test_gate_wait_for_waiters (at->gate, 1);
  gopod_runner_interrupt (at->runner);
  test_gate_open (at->gate);
  return NULL;
}

/* A start() that runs the runner's context (no main loop) returns with the
 * main-context job in flight cancelled, as with a thread job: the interrupt
 * came while it was inside a dispatch, so the idle that cancels the job was
 * attached too late for that iteration, and nobody may ever run the context
 * again (the worker would wait for that job for ever). */
static void
test_runner_main_context_job_cancelled_by_start (Fixture       *f,
                                                 gconstpointer  data)
{
  g_autoptr(TestLaterJob) job = g_object_new (TEST_TYPE_LATER_JOB, NULL);
  InterruptAtGate at = { f->runner, &f->probe->gate };
  GThread *thread;

  job->wait_for_cancel = TRUE;
  job->hold = &f->probe->gate;
  gopod_runner_add_job (f->runner, GOPOD_JOB (job));
  thread = g_thread_new ("interrupter", interrupt_while_held, &at);
  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED);
  g_thread_join (thread);
  g_assert_true (job->begin_thread == g_thread_self ());
  g_assert_true (g_atomic_int_get (&job->cancelled));

  /* It completes from the loop, once. */
  while (gopod_job_get_state (GOPOD_JOB (job)) < GOPOD_JOB_STATE_SUCCEEDED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (job->n_finish, ==, 1);
}

/* Signals, in this process */

static int test_handler_hits;

static void
test_handler (int signum)
{
  test_handler_hits++;
}

/* Installs a handler of the test's own, which stands for "what the process
 * did before"; the one it replaces goes to @old. */
static void
install_test_handler (int               signum,
                      struct sigaction *old)
{
  struct sigaction action = { 0 };

  action.sa_handler = test_handler;
  sigemptyset (&action.sa_mask);
  g_assert_no_errno (sigaction (signum, &action, old));
  test_handler_hits = 0;
}

static void
assert_test_handler_installed (int signum)
{
  struct sigaction after;

  g_assert_no_errno (sigaction (signum, NULL, &after));
  g_assert_true (after.sa_handler == test_handler);
}

static void
run_signal_test (Fixture   *f,
                 int        signum,
                 Behaviour  raiser)
{
  struct sigaction old;

  install_test_handler (signum, &old);

  g_assert_true (gopod_runner_get_handle_signals (f->runner));
  add_task (f->runner, f->probe, raiser);
  add_task (f->runner, f->probe, DO_SUCCEED);

  assert_start_fails (f, NULL, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED);
  g_assert_nonnull (strstr (f->error->message, signum == SIGINT ? "SIGINT" : "SIGTERM"));
  g_assert_cmpint (test_handler_hits, ==, 0);
  probe_wait (f->probe, &f->probe->destroyed, 2);
  g_assert_cmpuint (f->probe->ids->len, ==, 1);

  /* The previous handler is back: a second signal reaches it. */
  assert_test_handler_installed (signum);
  raise (signum);
  g_assert_cmpint (test_handler_hits, ==, 1);

  g_assert_no_errno (sigaction (signum, &old, NULL));
}

static void
test_runner_signal_sigint (Fixture       *f,
                           gconstpointer  data)
{
  run_signal_test (f, SIGINT, DO_RAISE_SIGINT);
}

static void
test_runner_signal_sigterm (Fixture       *f,
                            gconstpointer  data)
{
  run_signal_test (f, SIGTERM, DO_RAISE_SIGTERM);
}

static void
test_runner_signal_restored_after_success (Fixture       *f,
                                           gconstpointer  data)
{
  struct sigaction old;

  install_test_handler (SIGINT, &old);

  add_task (f->runner, f->probe, DO_SUCCEED);
  g_assert_true (gopod_runner_start (f->runner, NULL, &f->error));
  assert_test_handler_installed (SIGINT);

  g_assert_no_errno (sigaction (SIGINT, &old, NULL));
}

/* The runner's test hook: turns handle-signals off once start() runs, as
 * another thread may; the run started with it on. */
static void
handle_signals_off_once_started (GopodRunner     *runner,
                                 RunnerHookPoint  point,
                                 gpointer         data)
{
  if (point == RUNNER_HOOK_STARTED)
    gopod_runner_set_handle_signals (runner, FALSE);
}

typedef struct
{
  GThread  *waiter;  /* the thread in start() */
  TestGate *gate;
  gint      looked;  /* atomic */
  gint      blocked;  /* atomic: SIGINT was blocked in start()'s wait */
} MaskLook;

/* The waiting primitive's test hook, in start()'s wait with the runner's
 * home: records this thread's signal mask, then lets the task go. */
static void
record_waiter_mask (GMainContext *running,
                    gpointer      data)
{
  MaskLook *look = data;
  sigset_t mask;

  if (g_thread_self () != look->waiter || g_atomic_int_get (&look->looked))
    return;
  g_assert_no_errno (pthread_sigmask (SIG_BLOCK, NULL, &mask));
  g_atomic_int_set (&look->blocked, sigismember (&mask, SIGINT));
  g_atomic_int_set (&look->looked, TRUE);
  test_gate_open (look->gate);
}

/* handle-signals is read when the run starts: a run that catches SIGINT
 * blocks it in the thread that waits in start() (internals rule RN7),
 * even if the property was turned off since, for the next run. */
static void
test_runner_signal_blocked_in_start (Fixture       *f,
                                     gconstpointer  data)
{
  MaskLook look = { g_thread_self (), &f->probe->gate, FALSE, FALSE };
  sigset_t mask;

  add_task (f->runner, f->probe, DO_BLOCK_ON_GATE);
  gopod_runner_run_set_test_hook (handle_signals_off_once_started, NULL);
  gopod_wait_set_test_hook (record_waiter_mask, &look);
  assert_start_ok (f);
  gopod_wait_set_test_hook (NULL, NULL);
  gopod_runner_run_set_test_hook (NULL, NULL);

  g_assert_true (g_atomic_int_get (&look.looked));
  g_assert_true (g_atomic_int_get (&look.blocked));
  /* ...and unblocked afterwards. */
  g_assert_no_errno (pthread_sigmask (SIG_BLOCK, NULL, &mask));
  g_assert_false (sigismember (&mask, SIGINT));
}

static void
test_runner_signal_not_handled (Fixture       *f,
                                gconstpointer  data)
{
  struct sigaction old;

  install_test_handler (SIGINT, &old);

  /* With handle-signals off, the signal is the process's business. */
  add_task (f->runner, f->probe, DO_BLOCK_ON_GATE);
  gopod_runner_start_async (f->runner, NULL, NULL, NULL);
  test_gate_wait_for_waiters (&f->probe->gate, 1);
  raise (SIGINT);
  g_assert_cmpint (test_handler_hits, ==, 1);
  test_gate_open (&f->probe->gate);
  probe_wait (f->probe, &f->probe->destroyed, 1);
  g_assert_cmpuint (probe_get (f->probe, &f->probe->returned_cancelled), ==, 0);

  g_assert_no_errno (sigaction (SIGINT, &old, NULL));
  g_clear_object (&f->runner);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Signals, in a child process: the real exit paths. */

/* Starts the child in @mode and waits until it is ready; NULL (the test
 * skipped) when the runner-signals test did not name the child. */
static GSubprocess *
spawn_child (const char        *mode,
             GDataInputStream **out)
{
  const char *child = g_getenv ("GOPOD_RUNNER_SIGNAL_CHILD");
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  GSubprocess *process;

  if (child == NULL)
    {
      g_test_skip ("GOPOD_RUNNER_SIGNAL_CHILD is not set (the runner-signals test sets it)");
      return NULL;
    }

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              child, mode, NULL);
  g_assert_no_error (error);
  *out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line (*out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");

  return process;
}

static void
expect_line (GDataInputStream *out,
             const char       *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, expected);
}

static void
run_child_test (const char *mode,
                int         signum)
{
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocess) process = spawn_child (mode, &out);
  g_autoptr(GError) error = NULL;

  if (process == NULL)
    return;

  g_subprocess_send_signal (process, signum);
  expect_line (out, "interrupted");

  /* The handler is gone: a second signal gets the default action. */
  g_subprocess_send_signal (process, signum);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, signum);
}

static void
test_runner_child_sigint (void)
{
  run_child_test ("plain", SIGINT);
}

static void
test_runner_child_sigterm (void)
{
  run_child_test ("plain", SIGTERM);
}

static void
test_runner_child_main_loop (void)
{
  run_child_test ("main-loop", SIGINT);
}

static void
test_runner_child_exit_code (void)
{
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocess) process = spawn_child ("exit", &out);
  g_autoptr(GError) error = NULL;

  if (process == NULL)
    return;

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
}

/* Most tests get the fixture's quiet runner; the data, when not NULL, is the
 * RunnerConfig to build the runner from instead. */
#define add_runner_test(path, config, func) \
  g_test_add ((path), Fixture, (config), fixture_set_up, (func), fixture_tear_down)

/* Rule 5: a setting's notification comes from the runner's context, never
 * inside the setter, and not in the thread that set it. */
typedef struct
{
  guint    n_timeout;
  guint    n_signals;
  GThread *thread;
} RunnerNotifyCount;

static void
runner_count_notify (GObject    *object,
                     GParamSpec *pspec,
                     gpointer    data)
{
  RunnerNotifyCount *count = data;

  count->thread = g_thread_self ();
  if (g_str_equal (pspec->name, "timeout-ms"))
    count->n_timeout++;
  else if (g_str_equal (pspec->name, "handle-signals"))
    count->n_signals++;
}

static gpointer
runner_set_settings_thread (gpointer data)
{
  gopod_runner_set_timeout_ms (data, 200);
  gopod_runner_set_handle_signals (data, TRUE);
  return NULL;
}

static gboolean
runner_notify_both_seen (gpointer data)
{
  RunnerNotifyCount *count = data;

  return count->n_timeout == 1 && count->n_signals == 1;
}

static void
test_runner_settings_notify_on_context (void)
{
  g_autoptr(GopodRunner) runner = gopod_runner_new (0);
  RunnerNotifyCount count = { 0, };
  GThread *thread;

  g_signal_connect (runner, "notify", G_CALLBACK (runner_count_notify), &count);

  gopod_runner_set_timeout_ms (runner, 100);
  gopod_runner_set_handle_signals (runner, FALSE);
  /* Never emitted inside the call that made the change. */
  g_assert_cmpuint (count.n_timeout, ==, 0);
  g_assert_cmpuint (count.n_signals, ==, 0);
  test_iterate_until_holds (NULL, runner_notify_both_seen, &count, 1000);
  g_assert_cmpuint (count.n_timeout, ==, 1);

  /* From another thread: emitted on the runner's context, here. */
  count.n_timeout = count.n_signals = 0;
  thread = g_thread_new ("setter", runner_set_settings_thread, runner);
  g_thread_join (thread);
  g_assert_cmpuint (count.n_timeout, ==, 0);
  g_assert_cmpuint (count.n_signals, ==, 0);
  test_iterate_until_holds (NULL, runner_notify_both_seen, &count, 1000);
  g_assert_true (count.thread == g_thread_self ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_runner_test ("/Gopod/Runner/order", NULL, test_runner_order);
  g_test_add_func ("/Gopod/Runner/settings-notify-on-context", test_runner_settings_notify_on_context);
  add_runner_test ("/Gopod/Runner/empty", NULL, test_runner_empty);
  add_runner_test ("/Gopod/Runner/timeout/cooperative", &quiet_runner_50ms, test_runner_timeout_cooperative);
  add_runner_test ("/Gopod/Runner/timeout/uncooperative", &quiet_runner_50ms, test_runner_timeout_uncooperative);
  add_runner_test ("/Gopod/Runner/timeout/from-start", &quiet_runner_100ms, test_runner_deadline_from_start);
  add_runner_test ("/Gopod/Runner/timeout/message", &quiet_runner_50ms, test_runner_timeout_message);
  add_runner_test ("/Gopod/Runner/failure", NULL, test_runner_failure);
  add_runner_test ("/Gopod/Runner/failure-without-error", NULL, test_runner_failure_without_error);
  add_runner_test ("/Gopod/Runner/cancellable", NULL, test_runner_cancellable);
  add_runner_test ("/Gopod/Runner/cancelled-before-start", NULL, test_runner_cancelled_before_start);
  add_runner_test ("/Gopod/Runner/interrupt/thread", NULL, test_runner_interrupt_from_thread);
  add_runner_test ("/Gopod/Runner/interrupt/task", NULL, test_runner_interrupt_from_task);
  add_runner_test ("/Gopod/Runner/async", NULL, test_runner_async);
  add_runner_test ("/Gopod/Runner/async-timeout", &quiet_runner_50ms, test_runner_async_timeout);
  add_runner_test ("/Gopod/Runner/start-twice", NULL, test_runner_start_twice);
  add_runner_test ("/Gopod/Runner/add-after-end/from-task", &quiet_runner_50ms, test_runner_add_after_end_from_task);
  add_runner_test ("/Gopod/Runner/async/context-run-elsewhere", NULL, test_runner_async_context_run_elsewhere);
  add_runner_test ("/Gopod/Runner/programmer-errors", NULL, test_runner_programmer_errors);
  add_runner_test ("/Gopod/Runner/finalize-unstarted", NULL, test_runner_finalize_unstarted);
  add_runner_test ("/Gopod/Runner/jobs", NULL, test_runner_jobs);
  add_runner_test ("/Gopod/Runner/task-waits-for-later-job", &watchdog_runner, test_runner_task_waits_for_later_job);
  add_runner_test ("/Gopod/Runner/main-context-job/async", NULL, test_runner_main_context_job_async);
  add_runner_test ("/Gopod/Runner/main-context-job/sync", NULL, test_runner_main_context_job_sync);
  add_runner_test ("/Gopod/Runner/task-freed-on-home-thread", NULL, test_runner_task_freed_on_home_thread);
  add_runner_test ("/Gopod/Runner/main-context-job/waited", NULL, test_runner_main_context_job_waited);
  add_runner_test ("/Gopod/Runner/main-context-job/timeout", &quiet_runner_50ms, test_runner_main_context_job_timeout);
  add_runner_test ("/Gopod/Runner/main-context-job/added-by-task", &watchdog_runner, test_runner_main_context_job_added_by_task);
  add_runner_test ("/Gopod/Runner/main-context-job/cancelled-while-queued", NULL, test_runner_main_context_job_cancelled_while_queued);
  add_runner_test ("/Gopod/Runner/main-context-job/cancelled-by-start", NULL, test_runner_main_context_job_cancelled_by_start);
  add_runner_test ("/Gopod/Runner/signal/sigint", &signal_runner, test_runner_signal_sigint);
  add_runner_test ("/Gopod/Runner/signal/sigterm", &signal_runner, test_runner_signal_sigterm);
  add_runner_test ("/Gopod/Runner/signal/restored-after-success", &signal_runner, test_runner_signal_restored_after_success);
  add_runner_test ("/Gopod/Runner/signal/not-handled", NULL, test_runner_signal_not_handled);
  add_runner_test ("/Gopod/Runner/signal/blocked-in-start", &signal_runner, test_runner_signal_blocked_in_start);
  /* No runner here: the runner runs in the child. */
  g_test_add_func ("/Gopod/Runner/signal/child/sigint", test_runner_child_sigint);
  g_test_add_func ("/Gopod/Runner/signal/child/sigterm", test_runner_child_sigterm);
  g_test_add_func ("/Gopod/Runner/signal/child/main-loop", test_runner_child_main_loop);
  g_test_add_func ("/Gopod/Runner/signal/child/exit-code", test_runner_child_exit_code);

  return g_test_run ();
}
