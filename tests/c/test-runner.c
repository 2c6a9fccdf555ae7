/* test-runner.c: GopodRunner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "test-utils.h"

/* What the tasks of one test did, shared by all of them. */
typedef struct
{
  GMutex    lock;
  GCond     cond;
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
} Behaviour;

typedef struct
{
  Probe        *probe;
  Behaviour     behaviour;
  GCancellable *caller_cancellable;
} TaskData;

static Probe *
probe_new (void)
{
  Probe *probe = g_new0 (Probe, 1);

  g_mutex_init (&probe->lock);
  g_cond_init (&probe->cond);
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
  g_cond_clear (&probe->cond);
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

/* Blocks until *field reaches @n; fails after 10 s rather than hang. */
static void
probe_wait (Probe *probe,
            guint *field,
            guint  n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&probe->lock);
  while (*field < n)
    if (!g_cond_wait_until (&probe->cond, &probe->lock, deadline))
      g_error ("Timed out waiting for a probe count to reach %u", n);
  g_mutex_unlock (&probe->lock);
}

static void
probe_bump (Probe *probe,
            guint *field)
{
  g_mutex_lock (&probe->lock);
  (*field)++;
  g_cond_broadcast (&probe->cond);
  g_mutex_unlock (&probe->lock);
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
  g_cond_broadcast (&probe->cond);
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
    }

  g_mutex_lock (&probe->lock);
  probe->returned++;
  if (g_cancellable_is_cancelled (cancellable))
    probe->returned_cancelled++;
  g_cond_broadcast (&probe->cond);
  g_mutex_unlock (&probe->lock);

  return ok;
}

static void
add_task (GopodRunner *runner,
          Probe       *probe,
          Behaviour    behaviour)
{
  TaskData *task = g_new0 (TaskData, 1);

  task->probe = probe;
  task->behaviour = behaviour;
  gopod_runner_add (runner, task_func, task, task_data_free);
}

static GopodRunner *
quiet_runner_new (guint timeout_ms)
{
  GopodRunner *runner = gopod_runner_new (timeout_ms);

  /* Signals are tested on their own: a stray Ctrl-C must not change others. */
  gopod_runner_set_handle_signals (runner, FALSE);
  return runner;
}

static void
assert_ids (Probe       *probe,
            const guint *expected,
            guint        n)
{
  g_mutex_lock (&probe->lock);
  g_assert_cmpmem (probe->ids->data, probe->ids->len * sizeof (guint),
                   expected, n * sizeof (guint));
  g_mutex_unlock (&probe->lock);
}

static void
test_runner_order (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;
  const guint expected[] = { 0, 1, 2, 3, 4, 5 };

  for (guint i = 0; i < 5; i++)
    add_task (runner, probe, i == 2 ? DO_ADD_TASK : DO_SUCCEED);

  g_assert_true (gopod_runner_start (runner, NULL, &error));
  g_assert_no_error (error);
  /* The task added by task 2 ran last, as id 5. */
  assert_ids (probe, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 6);
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 6);
  g_assert_true (probe->thread != g_thread_self ());

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_empty (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  g_autoptr(GError) error = NULL;

  g_assert_true (gopod_runner_start (runner, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 0);
  g_object_unref (runner);
}

static void
test_runner_timeout_cooperative (void)
{
  GopodRunner *runner = quiet_runner_new (50);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;
  const guint expected[] = { 0, 1 };

  add_task (runner, probe, DO_SUCCEED);
  add_task (runner, probe, DO_WAIT_FOR_CANCEL);
  add_task (runner, probe, DO_SUCCEED);

  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 1);
  /* Task 2 never ran, and was freed before start() returned. */
  probe_wait (probe, &probe->destroyed, 1);
  probe_wait (probe, &probe->returned, 2);
  probe_wait (probe, &probe->destroyed, 3);
  assert_ids (probe, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (probe_get (probe, &probe->returned_cancelled), ==, 1);
  /* The late task did not count. */
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 1);

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_timeout_uncooperative (void)
{
  GopodRunner *runner = quiet_runner_new (50);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;

  add_task (runner, probe, DO_BLOCK_ON_GATE);
  add_task (runner, probe, DO_SUCCEED);

  /* The task is still blocked when start() returns: start does not wait for
   * it. */
  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_cmpuint (probe_get (probe, &probe->returned), ==, 0);
  /* Only the task that never ran was freed. */
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 1);

  /* The runner keeps itself and the task's data until the task returns:
   * the task uses both after the gate. */
  g_object_unref (runner);
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 1);
  test_gate_open (&probe->gate);
  probe_wait (probe, &probe->destroyed, 2);
  g_assert_cmpuint (probe_get (probe, &probe->returned_cancelled), ==, 1);
  g_assert_cmpuint (probe->ids->len, ==, 1);

  probe_free (probe);
}

static void
test_runner_deadline_from_start (void)
{
  GopodRunner *runner = quiet_runner_new (100);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;

  add_task (runner, probe, DO_SUCCEED);
  /* Longer than the timeout: a deadline counted from new() (the Go
   * runner's) would already have passed. */
  g_usleep (200 * 1000);
  g_assert_true (gopod_runner_start (runner, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 1);

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_failure (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;
  const guint expected[] = { 0, 1 };

  add_task (runner, probe, DO_SUCCEED);
  add_task (runner, probe, DO_FAIL);
  add_task (runner, probe, DO_SUCCEED);

  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "Task 1 failed");
  assert_ids (probe, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 1);
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 3);

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_failure_without_error (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;

  add_task (runner, probe, DO_FAIL_WITHOUT_ERROR);
  add_task (runner, probe, DO_SUCCEED);

  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_cmpuint (probe->ids->len, ==, 1);
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 2);

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_cancellable (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  TaskData *task = g_new0 (TaskData, 1);

  task->probe = probe;
  task->behaviour = DO_CANCEL_CALLER;
  task->caller_cancellable = g_object_ref (cancellable);
  gopod_runner_add (runner, task_func, task, task_data_free);
  add_task (runner, probe, DO_SUCCEED);

  g_assert_false (gopod_runner_start (runner, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  probe_wait (probe, &probe->returned, 1);
  g_assert_cmpuint (probe_get (probe, &probe->returned_cancelled), ==, 1);
  g_assert_cmpuint (probe->ids->len, ==, 1);
  probe_wait (probe, &probe->destroyed, 2);

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_cancelled_before_start (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  add_task (runner, probe, DO_SUCCEED);
  g_cancellable_cancel (cancellable);

  /* Nothing runs, and the runner may still be started. */
  g_assert_false (gopod_runner_start (runner, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (probe->ids->len, ==, 0);
  g_clear_error (&error);

  g_assert_true (gopod_runner_start (runner, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (probe->ids->len, ==, 1);

  g_object_unref (runner);
  probe_free (probe);
}

typedef struct
{
  GopodRunner *runner;
  Probe       *probe;
} InterruptData;

static gpointer
interrupt_thread (gpointer data)
{
  InterruptData *d = data;

  /* Once task 0 is running. */
  test_gate_wait_for_waiters (&d->probe->gate, 1);
  gopod_runner_interrupt (d->runner);
  return NULL;
}

static void
test_runner_interrupt_from_thread (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;
  InterruptData data = { runner, probe };
  GThread *thread;

  add_task (runner, probe, DO_BLOCK_ON_GATE);
  add_task (runner, probe, DO_SUCCEED);
  thread = g_thread_new ("interrupter", interrupt_thread, &data);

  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED);
  g_thread_join (thread);

  test_gate_open (&probe->gate);
  probe_wait (probe, &probe->destroyed, 2);
  g_assert_cmpuint (probe_get (probe, &probe->returned_cancelled), ==, 1);
  g_assert_cmpuint (probe->ids->len, ==, 1);

  /* Interrupting a runner that ended does nothing. */
  gopod_runner_interrupt (runner);

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_interrupt_from_task (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;

  add_task (runner, probe, DO_INTERRUPT);
  add_task (runner, probe, DO_SUCCEED);

  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED);
  probe_wait (probe, &probe->destroyed, 2);
  g_assert_cmpuint (probe->ids->len, ==, 1);

  g_object_unref (runner);
  probe_free (probe);
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
test_runner_async (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const guint expected[] = { 0, 1 };

  add_task (runner, probe, DO_BLOCK_ON_GATE);
  add_task (runner, probe, DO_SUCCEED);

  gopod_runner_start_async (runner, NULL, test_store_result, &result);
  g_assert_null (result);
  g_idle_add (open_gate_idle, probe);
  test_wait_for_result (NULL, &result, 10000);

  g_assert_true (gopod_runner_start_finish (runner, result, &error));
  g_assert_no_error (error);
  assert_ids (probe, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 2);

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_async_timeout (void)
{
  GopodRunner *runner = quiet_runner_new (50);
  Probe *probe = probe_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  add_task (runner, probe, DO_BLOCK_ON_GATE);
  add_task (runner, probe, DO_SUCCEED);

  gopod_runner_start_async (runner, NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 10000);
  g_assert_false (gopod_runner_start_finish (runner, result, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  /* The callback came while the task was still blocked, after the task
   * that never ran was freed. */
  g_assert_cmpuint (probe_get (probe, &probe->returned), ==, 0);
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 1);

  test_gate_open (&probe->gate);
  g_object_unref (runner);
  probe_wait (probe, &probe->destroyed, 2);
  probe_free (probe);
}

static void
test_runner_start_twice (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TaskData *late;

  add_task (runner, probe, DO_BLOCK_ON_GATE);
  gopod_runner_start_async (runner, NULL, test_store_result, &result);

  /* Refused while it runs... */
  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);

  test_gate_open (&probe->gate);
  test_wait_for_result (NULL, &result, 10000);
  g_assert_true (gopod_runner_start_finish (runner, result, &error));
  g_assert_no_error (error);

  /* ...and after it ended: a runner runs once. */
  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_assert_cmpuint (probe->ids->len, ==, 1);

  /* A task added now could never run: a critical, and its data is freed. */
  late = g_new0 (TaskData, 1);
  late->probe = probe;
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*has already run*");
  gopod_runner_add (runner, task_func, late, task_data_free);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 2);

  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_programmer_errors (void)
{
  GopodRunner *runner = quiet_runner_new (0);

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_RUNNER*");
  gopod_runner_add (NULL, task_func, NULL, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*task != NULL*");
  gopod_runner_add (runner, NULL, NULL, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_JOB*");
  gopod_runner_add_job (runner, NULL);
  g_test_assert_expected_messages ();

  g_object_unref (runner);
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
test_runner_finalize_unstarted (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  GopodJob *job = gopod_job_new_func (job_never_runs, NULL, NULL);

  add_task (runner, probe, DO_SUCCEED);
  gopod_runner_add_job (runner, job);
  g_object_unref (runner);

  /* Nothing is lost: the data is freed, the job ended without running. */
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 1);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpuint (probe->ids->len, ==, 0);

  g_object_unref (job);
  probe_free (probe);
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
test_runner_jobs (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;
  JobData ok_data = { probe, 0, FALSE };
  JobData fail_data = { probe, 0, TRUE };
  JobData never_data = { probe, 0, FALSE };
  GopodJob *ok_job = gopod_job_new_func (job_func, &ok_data, NULL);
  GopodJob *fail_job = gopod_job_new_func (job_func, &fail_data, NULL);
  GopodJob *never_job = gopod_job_new_func (job_func, &never_data, NULL);
  const guint expected[] = { 0, 100, 2, 100 };

  add_task (runner, probe, DO_SUCCEED);
  gopod_runner_add_job (runner, ok_job);
  add_task (runner, probe, DO_SUCCEED);
  gopod_runner_add_job (runner, fail_job);
  gopod_runner_add_job (runner, never_job);
  add_task (runner, probe, DO_SUCCEED);

  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  assert_ids (probe, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 3);
  g_assert_cmpint (gopod_job_get_state (ok_job), ==, GOPOD_JOB_STATE_SUCCEEDED);
  g_assert_cmpint (gopod_job_get_state (fail_job), ==, GOPOD_JOB_STATE_FAILED);
  /* Ended before start() returned, without running. */
  g_assert_cmpint (gopod_job_get_state (never_job), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpuint (probe_get (probe, &probe->destroyed), ==, 3);

  g_object_unref (ok_job);
  g_object_unref (fail_job);
  g_object_unref (never_job);
  g_object_unref (runner);
  probe_free (probe);
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
  /* Completed from the loop, not nested in the cancel. */
  g_idle_add_full (G_PRIORITY_DEFAULT, later_job_complete,
                   g_object_ref (data), g_object_unref);
}

static void
test_later_job_begin (GopodJob     *job,
                      GCancellable *cancellable)
{
  TestLaterJob *self = TEST_LATER_JOB (job);

  self->begin_thread = g_thread_self ();
  if (self->wait_for_cancel)
    g_cancellable_connect (cancellable, G_CALLBACK (later_job_cancelled),
                           g_object_ref (job), g_object_unref);
  else
    g_timeout_add_full (G_PRIORITY_DEFAULT, 10, later_job_complete,
                        g_object_ref (job), g_object_unref);
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
test_runner_main_context_job_async (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  TestLaterJob *job = g_object_new (TEST_TYPE_LATER_JOB, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const guint expected[] = { 0, 2 };

  add_task (runner, probe, DO_SUCCEED);
  gopod_runner_add_job (runner, GOPOD_JOB (job));
  add_task (runner, probe, DO_SUCCEED);

  gopod_runner_start_async (runner, NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 10000);
  g_assert_true (gopod_runner_start_finish (runner, result, &error));
  g_assert_no_error (error);

  g_assert_true (job->begin_thread == g_thread_self ());
  g_assert_cmpuint (job->n_finish, ==, 1);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_SUCCEEDED);
  assert_ids (probe, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 3);

  g_object_unref (job);
  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_main_context_job_sync (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  TestLaterJob *job = g_object_new (TEST_TYPE_LATER_JOB, NULL);
  g_autoptr(GError) error = NULL;

  /* start() from the thread that owns the runner's context runs it. */
  gopod_runner_add_job (runner, GOPOD_JOB (job));
  g_assert_true (gopod_runner_start (runner, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (job->begin_thread == g_thread_self ());
  g_assert_cmpuint (job->n_finish, ==, 1);

  g_object_unref (job);
  g_object_unref (runner);
}

static void
test_runner_main_context_job_timeout (void)
{
  GopodRunner *runner = quiet_runner_new (50);
  TestLaterJob *job = g_object_new (TEST_TYPE_LATER_JOB, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  job->wait_for_cancel = TRUE;
  gopod_runner_add_job (runner, GOPOD_JOB (job));
  gopod_runner_start_async (runner, NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 10000);
  g_assert_false (gopod_runner_start_finish (runner, result, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);

  /* Its cancellable was cancelled; it completes from the loop, once. */
  while (gopod_job_get_state (GOPOD_JOB (job)) < GOPOD_JOB_STATE_SUCCEEDED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (job->n_finish, ==, 1);

  g_object_unref (job);
  g_object_unref (runner);
}

/* Signals, in this process */

static int test_handler_hits;

static void
test_handler (int signum)
{
  test_handler_hits++;
}

static void
run_signal_test (int       signum,
                 Behaviour raiser)
{
  GopodRunner *runner = gopod_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;
  struct sigaction action = { 0 }, old, after;

  /* A handler of the test's own stands for "what the process did before". */
  action.sa_handler = test_handler;
  sigemptyset (&action.sa_mask);
  g_assert_no_errno (sigaction (signum, &action, &old));
  test_handler_hits = 0;

  g_assert_true (gopod_runner_get_handle_signals (runner));
  add_task (runner, probe, raiser);
  add_task (runner, probe, DO_SUCCEED);

  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED);
  g_assert_nonnull (strstr (error->message, signum == SIGINT ? "SIGINT" : "SIGTERM"));
  g_assert_cmpint (test_handler_hits, ==, 0);
  probe_wait (probe, &probe->destroyed, 2);
  g_assert_cmpuint (probe->ids->len, ==, 1);

  /* The previous handler is back: a second signal reaches it. */
  g_assert_no_errno (sigaction (signum, NULL, &after));
  g_assert_true (after.sa_handler == test_handler);
  raise (signum);
  g_assert_cmpint (test_handler_hits, ==, 1);

  g_assert_no_errno (sigaction (signum, &old, NULL));
  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_signal_sigint (void)
{
  run_signal_test (SIGINT, DO_RAISE_SIGINT);
}

static void
test_runner_signal_sigterm (void)
{
  run_signal_test (SIGTERM, DO_RAISE_SIGTERM);
}

static void
test_runner_signal_restored_after_success (void)
{
  GopodRunner *runner = gopod_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;
  struct sigaction action = { 0 }, old, after;

  action.sa_handler = test_handler;
  sigemptyset (&action.sa_mask);
  g_assert_no_errno (sigaction (SIGINT, &action, &old));

  add_task (runner, probe, DO_SUCCEED);
  g_assert_true (gopod_runner_start (runner, NULL, &error));
  g_assert_no_errno (sigaction (SIGINT, NULL, &after));
  g_assert_true (after.sa_handler == test_handler);

  g_assert_no_errno (sigaction (SIGINT, &old, NULL));
  g_object_unref (runner);
  probe_free (probe);
}

static void
test_runner_signal_not_handled (void)
{
  GopodRunner *runner = quiet_runner_new (0);
  Probe *probe = probe_new ();
  g_autoptr(GError) error = NULL;
  struct sigaction action = { 0 }, old;

  action.sa_handler = test_handler;
  sigemptyset (&action.sa_mask);
  g_assert_no_errno (sigaction (SIGINT, &action, &old));
  test_handler_hits = 0;

  /* With handle-signals off, the signal is the process's business. */
  add_task (runner, probe, DO_BLOCK_ON_GATE);
  gopod_runner_start_async (runner, NULL, NULL, NULL);
  test_gate_wait_for_waiters (&probe->gate, 1);
  raise (SIGINT);
  g_assert_cmpint (test_handler_hits, ==, 1);
  test_gate_open (&probe->gate);
  probe_wait (probe, &probe->destroyed, 1);
  g_assert_cmpuint (probe_get (probe, &probe->returned_cancelled), ==, 0);

  g_assert_no_errno (sigaction (SIGINT, &old, NULL));
  g_object_unref (runner);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  probe_free (probe);
}

/* Signals, in a child process: the real exit paths. */

static GSubprocess *
spawn_child (const char  *mode,
             GDataInputStream **out)
{
  const char *child = g_getenv ("GOPOD_RUNNER_SIGNAL_CHILD");
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  GSubprocess *process;

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

static gboolean
have_child (void)
{
  if (g_getenv ("GOPOD_RUNNER_SIGNAL_CHILD") == NULL)
    {
      g_test_skip ("GOPOD_RUNNER_SIGNAL_CHILD is not set (the runner-signals test sets it)");
      return FALSE;
    }
  return TRUE;
}

static void
run_child_test (const char *mode,
                int         signum)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;

  if (!have_child ())
    return;

  process = spawn_child (mode, &out);
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
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;

  if (!have_child ())
    return;

  process = spawn_child ("exit", &out);
  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Runner/order", test_runner_order);
  g_test_add_func ("/Gopod/Runner/empty", test_runner_empty);
  g_test_add_func ("/Gopod/Runner/timeout/cooperative", test_runner_timeout_cooperative);
  g_test_add_func ("/Gopod/Runner/timeout/uncooperative", test_runner_timeout_uncooperative);
  g_test_add_func ("/Gopod/Runner/timeout/from-start", test_runner_deadline_from_start);
  g_test_add_func ("/Gopod/Runner/failure", test_runner_failure);
  g_test_add_func ("/Gopod/Runner/failure-without-error", test_runner_failure_without_error);
  g_test_add_func ("/Gopod/Runner/cancellable", test_runner_cancellable);
  g_test_add_func ("/Gopod/Runner/cancelled-before-start", test_runner_cancelled_before_start);
  g_test_add_func ("/Gopod/Runner/interrupt/thread", test_runner_interrupt_from_thread);
  g_test_add_func ("/Gopod/Runner/interrupt/task", test_runner_interrupt_from_task);
  g_test_add_func ("/Gopod/Runner/async", test_runner_async);
  g_test_add_func ("/Gopod/Runner/async-timeout", test_runner_async_timeout);
  g_test_add_func ("/Gopod/Runner/start-twice", test_runner_start_twice);
  g_test_add_func ("/Gopod/Runner/programmer-errors", test_runner_programmer_errors);
  g_test_add_func ("/Gopod/Runner/finalize-unstarted", test_runner_finalize_unstarted);
  g_test_add_func ("/Gopod/Runner/jobs", test_runner_jobs);
  g_test_add_func ("/Gopod/Runner/main-context-job/async", test_runner_main_context_job_async);
  g_test_add_func ("/Gopod/Runner/main-context-job/sync", test_runner_main_context_job_sync);
  g_test_add_func ("/Gopod/Runner/main-context-job/timeout", test_runner_main_context_job_timeout);
  g_test_add_func ("/Gopod/Runner/signal/sigint", test_runner_signal_sigint);
  g_test_add_func ("/Gopod/Runner/signal/sigterm", test_runner_signal_sigterm);
  g_test_add_func ("/Gopod/Runner/signal/restored-after-success", test_runner_signal_restored_after_success);
  g_test_add_func ("/Gopod/Runner/signal/not-handled", test_runner_signal_not_handled);
  g_test_add_func ("/Gopod/Runner/signal/child/sigint", test_runner_child_sigint);
  g_test_add_func ("/Gopod/Runner/signal/child/sigterm", test_runner_child_sigterm);
  g_test_add_func ("/Gopod/Runner/signal/child/main-loop", test_runner_child_main_loop);
  g_test_add_func ("/Gopod/Runner/signal/child/exit-code", test_runner_child_exit_code);

  return g_test_run ();
}
