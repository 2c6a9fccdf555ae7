/* test-bad-input.c: every public function of GopodJob, GopodPod,
 * GopodRunner, GopodResourcePool and GopodThrottler called with invalid
 * arguments gives a critical (a programmer error), never a crash, a hang or
 * harm to the objects involved
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-utils.h"

/* Each call must log exactly one critical matching @pattern; a missing one
 * fails g_test_assert_expected_messages(), so every line here can fail. */
#define EXPECT_CRITICAL(pattern, call) \
  G_STMT_START { \
    g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, pattern); \
    call; \
    g_test_assert_expected_messages (); \
  } G_STMT_END

#define ASSERTION "*assertion*failed*"

static void
count_call (gpointer data)
{
  g_atomic_int_inc ((int *) data);
}

static void
never_called (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_assert_not_reached ();
}

/* The exact critical of a failed g_return_if_fail (@expr) in @func: it must
 * name the public function the caller called, not an internal helper. */
#define FAILED(func, expr) #func ": assertion '" expr "' failed"

/* A tag no library function uses, for a result of the right source object
 * but from another operation. */
static void
foreign_tag (void)
{
}

/* A GTask of @source tagged with foreign_tag(): a finish function must
 * refuse it even though it comes from the right object. */
static GTask *
task_with_foreign_tag (gpointer source)
{
  GTask *task = g_task_new (source, NULL, NULL, NULL);

  g_task_set_source_tag (task, foreign_tag);
  return task;
}


/* A plain GObject passed where one of our objects is required. */
static GObject *
not_a_job (void)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static void
test_bad_input_job (void)
{
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GObject) other = not_a_job ();
  g_autoptr(GTask) foreign = g_task_new (other, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GopodPod) pod = NULL;

  EXPECT_CRITICAL (ASSERTION, g_assert_null (gopod_job_new_func (NULL, NULL, NULL)));
  EXPECT_CRITICAL (ASSERTION, g_assert_cmpint (gopod_job_get_state (NULL), ==, GOPOD_JOB_STATE_NEW));
  EXPECT_CRITICAL (ASSERTION, gopod_job_get_state ((GopodJob *) other));
  EXPECT_CRITICAL (ASSERTION, g_assert_null (gopod_job_get_error (NULL)));
  EXPECT_CRITICAL (ASSERTION, g_assert_null (gopod_job_get_cancellable (NULL)));
  EXPECT_CRITICAL (ASSERTION, g_assert_null (gopod_job_get_title (NULL)));
  EXPECT_CRITICAL (ASSERTION, gopod_job_set_title (NULL, "x"));
  EXPECT_CRITICAL (ASSERTION, gopod_job_get_progress (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_job_set_progress (NULL, 0.5));
  EXPECT_CRITICAL (ASSERTION, gopod_job_get_priority (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_job_set_priority (NULL, 1));
  EXPECT_CRITICAL (ASSERTION, gopod_job_get_timeout_ms (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_job_set_timeout_ms (NULL, 1));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_job_is_main_context (NULL)));
  EXPECT_CRITICAL (ASSERTION, gopod_job_complete (NULL, NULL));
  /* complete() is for main-context jobs only. */
  EXPECT_CRITICAL (ASSERTION, gopod_job_complete (job, NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_job_cancel (NULL));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_job_wait (NULL, NULL, &error)));
  g_assert_no_error (error);
  EXPECT_CRITICAL (ASSERTION, gopod_job_wait_async (NULL, NULL, never_called, NULL));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_job_wait_finish (NULL, G_ASYNC_RESULT (foreign), NULL)));
  /* A result that is not this job's. */
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_job_wait_finish (job, G_ASYNC_RESULT (foreign), &error)));
  g_assert_no_error (error);

  /* No harm done: the job still runs, once. */
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_NEW);
  pod = gopod_pod_new (1);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  gopod_pod_start (pod);
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_SUCCEEDED);
  /* Once ended, the same calls are still refused. */
  EXPECT_CRITICAL ("*", gopod_job_complete (job, NULL));
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_SUCCEEDED);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

static void
test_bad_input_pod (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GopodJob) job2 = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GObject) other = not_a_job ();
  g_autoptr(GTask) foreign = g_task_new (other, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  GopodPod *bad = (GopodPod *) other;
  int runs = 0;

  EXPECT_CRITICAL (ASSERTION, g_assert_null (gopod_pod_new (0)));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_start (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_start (bad));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_pause (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_paused (NULL));

  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_add_job (NULL, job, NULL, &error)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_add_job (pod, NULL, NULL, &error)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_add_job (pod, (GopodJob *) other, NULL, &error)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_try_add_job (NULL, job, &error)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_try_add_job (pod, NULL, &error)));
  g_assert_no_error (error);
  EXPECT_CRITICAL (ASSERTION, gopod_pod_run_async (NULL, job, NULL, never_called, NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_run_async (pod, NULL, NULL, never_called, NULL));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_run_finish (NULL, G_ASYNC_RESULT (foreign), NULL)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_run_finish (pod, G_ASYNC_RESULT (foreign), NULL)));

  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_submit (NULL, count_call, &runs, NULL, &error)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_submit (pod, NULL, &runs, NULL, &error)));
  g_assert_no_error (error);

  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_wait (NULL, NULL, NULL)));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_wait_async (NULL, NULL, never_called, NULL));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_wait_finish (NULL, G_ASYNC_RESULT (foreign), NULL)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_wait_finish (pod, G_ASYNC_RESULT (foreign), NULL)));

  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_shutdown (NULL, GOPOD_SHUTDOWN_DRAIN, NULL, NULL)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_shutdown (pod, 42, NULL, NULL)));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_shutdown_async (NULL, GOPOD_SHUTDOWN_DRAIN, NULL, never_called, NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_shutdown_async (pod, 42, NULL, never_called, NULL));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_shutdown_finish (NULL, G_ASYNC_RESULT (foreign), NULL)));
  EXPECT_CRITICAL (ASSERTION, g_assert_false (gopod_pod_shutdown_finish (pod, G_ASYNC_RESULT (foreign), NULL)));

  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_max_workers (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_set_max_workers (NULL, 1));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_set_max_workers (pod, 0));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_max_queued (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_set_max_queued (NULL, 1));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_idle_timeout_ms (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_set_idle_timeout_ms (NULL, 1));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_dispatch_interval_ms (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_set_dispatch_interval_ms (NULL, 1));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_running (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_queued (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_workers (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_submitted (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_succeeded (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_failed (NULL));
  EXPECT_CRITICAL (ASSERTION, gopod_pod_get_cancelled (NULL));

  /* A job belongs to one pod, once. */
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  EXPECT_CRITICAL ("*already*", g_assert_false (gopod_pod_add_job (pod, job, NULL, &error)));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_clear_error (&error);

  /* No harm done: settings, counters and work are intact. */
  g_assert_cmpuint (gopod_pod_get_max_workers (pod), ==, 2);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 1);
  g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, job2, NULL, NULL));
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_assert_cmpint (runs, ==, 1);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 3);
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 3);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_SUCCEEDED);
}

static gboolean
count_task (GopodRunner   *runner,
            guint          id,
            GCancellable  *cancellable,
            gpointer       user_data,
            GError       **error)
{
  g_atomic_int_inc ((int *) user_data);
  return TRUE;
}

#define RUNNER_CHECK(func) FAILED (func, "GOPOD_IS_RUNNER (runner)")
#define RUNNER_CANCELLABLE(func) FAILED (func, "cancellable == NULL || G_IS_CANCELLABLE (cancellable)")

static void
test_bad_input_runner (void)
{
  g_autoptr(GopodRunner) runner = gopod_runner_new (0);
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GopodJob) late_job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GObject) other = not_a_job ();
  g_autoptr(GTask) foreign = g_task_new (other, NULL, NULL, NULL);
  g_autoptr(GTask) wrong_tag = task_with_foreign_tag (runner);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) set_error = g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_FAILED, "set");
  GopodRunner *bad = (GopodRunner *) other;
  GCancellable *bad_cancellable = (GCancellable *) other;
  int runs = 0;

  /* gopod_runner_new() refuses nothing: a timeout of 0 means none. */

  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_add), gopod_runner_add (NULL, count_task, &runs, NULL));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_add), gopod_runner_add (bad, count_task, &runs, NULL));
  EXPECT_CRITICAL (FAILED (gopod_runner_add, "task != NULL"), gopod_runner_add (runner, NULL, &runs, NULL));

  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_add_job), gopod_runner_add_job (NULL, job));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_add_job), gopod_runner_add_job (bad, job));
  EXPECT_CRITICAL (FAILED (gopod_runner_add_job, "GOPOD_IS_JOB (job)"), gopod_runner_add_job (runner, NULL));
  EXPECT_CRITICAL (FAILED (gopod_runner_add_job, "GOPOD_IS_JOB (job)"), gopod_runner_add_job (runner, (GopodJob *) other));
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_NEW);

  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_start), g_assert_false (gopod_runner_start (NULL, NULL, &error)));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_start), g_assert_false (gopod_runner_start (bad, NULL, &error)));
  EXPECT_CRITICAL (RUNNER_CANCELLABLE (gopod_runner_start), g_assert_false (gopod_runner_start (runner, bad_cancellable, &error)));
  g_assert_no_error (error);
  /* An error already set would be overwritten. */
  EXPECT_CRITICAL (FAILED (gopod_runner_start, "error == NULL || *error == NULL"),
                   g_assert_false (gopod_runner_start (runner, NULL, &set_error)));
  g_assert_error (set_error, GOPOD_ERROR, GOPOD_ERROR_FAILED);

  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_start_async), gopod_runner_start_async (NULL, NULL, never_called, NULL));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_start_async), gopod_runner_start_async (bad, NULL, never_called, NULL));
  EXPECT_CRITICAL (RUNNER_CANCELLABLE (gopod_runner_start_async),
                   gopod_runner_start_async (runner, bad_cancellable, never_called, NULL));

  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_start_finish),
                   g_assert_false (gopod_runner_start_finish (NULL, G_ASYNC_RESULT (foreign), &error)));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_start_finish),
                   g_assert_false (gopod_runner_start_finish (bad, G_ASYNC_RESULT (foreign), &error)));
  EXPECT_CRITICAL (FAILED (gopod_runner_start_finish, "g_task_is_valid (result, runner)"),
                   g_assert_false (gopod_runner_start_finish (runner, G_ASYNC_RESULT (foreign), &error)));
  EXPECT_CRITICAL (FAILED (gopod_runner_start_finish, "g_async_result_is_tagged (result, gopod_runner_start_async)"),
                   g_assert_false (gopod_runner_start_finish (runner, G_ASYNC_RESULT (wrong_tag), &error)));
  g_assert_no_error (error);

  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_interrupt), gopod_runner_interrupt (NULL));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_interrupt), gopod_runner_interrupt (bad));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_get_timeout_ms), g_assert_cmpuint (gopod_runner_get_timeout_ms (NULL), ==, 0));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_get_timeout_ms), gopod_runner_get_timeout_ms (bad));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_set_timeout_ms), gopod_runner_set_timeout_ms (NULL, 1));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_set_timeout_ms), gopod_runner_set_timeout_ms (bad, 1));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_get_handle_signals), g_assert_false (gopod_runner_get_handle_signals (NULL)));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_get_handle_signals), gopod_runner_get_handle_signals (bad));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_set_handle_signals), gopod_runner_set_handle_signals (NULL, TRUE));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_set_handle_signals), gopod_runner_set_handle_signals (bad, TRUE));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_get_completed), g_assert_cmpuint (gopod_runner_get_completed (NULL), ==, 0));
  EXPECT_CRITICAL (RUNNER_CHECK (gopod_runner_get_completed), gopod_runner_get_completed (bad));

  /* A job is added once. */
  gopod_runner_add_job (runner, job);
  EXPECT_CRITICAL ("*was already added*", gopod_runner_add_job (runner, job));

  /* No harm done: settings intact, the interrupt before the run was a
   * no-op, and the two tasks (one of them the job, once) run. */
  g_assert_cmpuint (gopod_runner_get_timeout_ms (runner), ==, 0);
  g_assert_true (gopod_runner_get_handle_signals (runner));
  gopod_runner_add (runner, count_task, &runs, NULL);
  g_assert_true (gopod_runner_start (runner, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (runs, ==, 1);
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 2);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_SUCCEEDED);

  /* Once the run ended, adding is refused: the task is dropped, the job
   * discarded, and a second start is a runtime error, not a critical. */
  EXPECT_CRITICAL ("GopodRunner * has already run*", gopod_runner_add (runner, count_task, &runs, NULL));
  EXPECT_CRITICAL ("GopodRunner * has already run*", gopod_runner_add_job (runner, late_job));
  g_assert_cmpint (gopod_job_get_state (late_job), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_false (gopod_runner_start (runner, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_assert_cmpint (runs, ==, 1);
  g_assert_cmpuint (gopod_runner_get_completed (runner), ==, 2);
}

static GObject *
make_resource (GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  g_atomic_int_inc ((int *) user_data);
  return g_object_new (G_TYPE_OBJECT, NULL);
}

#define POOL_CHECK(func) FAILED (func, "GOPOD_IS_RESOURCE_POOL (pool)")
#define POOL_CANCELLABLE(func) FAILED (func, "cancellable == NULL || G_IS_CANCELLABLE (cancellable)")
#define NOT_HANDED_OUT(func) #func ": GObject * was not handed out by this pool, or was already given back"

static void
test_bad_input_resource_pool (void)
{
  int made = 0;
  g_autoptr(GopodResourcePool) pool = gopod_resource_pool_new (make_resource, &made, NULL, 1);
  g_autoptr(GopodResourcePool) pool2 = gopod_resource_pool_new (make_resource, &made, NULL, 1);
  g_autoptr(GObject) other = not_a_job ();
  g_autoptr(GTask) foreign = g_task_new (other, NULL, NULL, NULL);
  g_autoptr(GTask) wrong_tag = task_with_foreign_tag (pool);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) set_error = g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_FAILED, "set");
  g_autoptr(GObject) resource = NULL;
  g_autoptr(GObject) resource2 = NULL;
  GopodResourcePool *bad = (GopodResourcePool *) other;
  GCancellable *bad_cancellable = (GCancellable *) other;

  EXPECT_CRITICAL (FAILED (gopod_resource_pool_new, "factory != NULL"),
                   g_assert_null (gopod_resource_pool_new (NULL, &made, NULL, 1)));
  EXPECT_CRITICAL (FAILED (gopod_resource_pool_new, "size > 0"),
                   g_assert_null (gopod_resource_pool_new (make_resource, &made, NULL, 0)));

  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_acquire), g_assert_null (gopod_resource_pool_acquire (NULL, NULL, &error)));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_acquire), g_assert_null (gopod_resource_pool_acquire (bad, NULL, &error)));
  EXPECT_CRITICAL (POOL_CANCELLABLE (gopod_resource_pool_acquire),
                   g_assert_null (gopod_resource_pool_acquire (pool, bad_cancellable, &error)));
  g_assert_no_error (error);
  EXPECT_CRITICAL (FAILED (gopod_resource_pool_acquire, "error == NULL || *error == NULL"),
                   g_assert_null (gopod_resource_pool_acquire (pool, NULL, &set_error)));
  g_assert_error (set_error, GOPOD_ERROR, GOPOD_ERROR_FAILED);

  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_acquire_async), gopod_resource_pool_acquire_async (NULL, NULL, never_called, NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_acquire_async), gopod_resource_pool_acquire_async (bad, NULL, never_called, NULL));
  EXPECT_CRITICAL (POOL_CANCELLABLE (gopod_resource_pool_acquire_async),
                   gopod_resource_pool_acquire_async (pool, bad_cancellable, never_called, NULL));

  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_acquire_finish),
                   g_assert_null (gopod_resource_pool_acquire_finish (NULL, G_ASYNC_RESULT (foreign), &error)));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_acquire_finish),
                   g_assert_null (gopod_resource_pool_acquire_finish (bad, G_ASYNC_RESULT (foreign), &error)));
  EXPECT_CRITICAL (FAILED (gopod_resource_pool_acquire_finish, "g_task_is_valid (result, pool)"),
                   g_assert_null (gopod_resource_pool_acquire_finish (pool, G_ASYNC_RESULT (foreign), &error)));
  EXPECT_CRITICAL (FAILED (gopod_resource_pool_acquire_finish,
                           "g_task_get_source_tag (G_TASK (result)) == gopod_resource_pool_acquire_async"),
                   g_assert_null (gopod_resource_pool_acquire_finish (pool, G_ASYNC_RESULT (wrong_tag), &error)));
  g_assert_no_error (error);

  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_release), gopod_resource_pool_release (NULL, other));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_release), gopod_resource_pool_release (bad, other));
  EXPECT_CRITICAL (FAILED (gopod_resource_pool_release, "G_IS_OBJECT (resource)"), gopod_resource_pool_release (pool, NULL));
  EXPECT_CRITICAL (NOT_HANDED_OUT (gopod_resource_pool_release), gopod_resource_pool_release (pool, other));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_destroy), gopod_resource_pool_destroy (NULL, other));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_destroy), gopod_resource_pool_destroy (bad, other));
  EXPECT_CRITICAL (FAILED (gopod_resource_pool_destroy, "G_IS_OBJECT (resource)"), gopod_resource_pool_destroy (pool, NULL));
  EXPECT_CRITICAL (NOT_HANDED_OUT (gopod_resource_pool_destroy), gopod_resource_pool_destroy (pool, other));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_close), gopod_resource_pool_close (NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_close), gopod_resource_pool_close (bad));

  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_size), g_assert_cmpuint (gopod_resource_pool_get_size (NULL), ==, 0));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_size), gopod_resource_pool_get_size (bad));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_set_size), gopod_resource_pool_set_size (NULL, 1));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_set_size), gopod_resource_pool_set_size (bad, 1));
  EXPECT_CRITICAL (FAILED (gopod_resource_pool_set_size, "size > 0"), gopod_resource_pool_set_size (pool, 0));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_max_size), gopod_resource_pool_get_max_size (NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_set_max_size), gopod_resource_pool_set_max_size (NULL, 1));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_set_max_size), gopod_resource_pool_set_max_size (bad, 1));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_acquire_timeout_ms), gopod_resource_pool_get_acquire_timeout_ms (NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_set_acquire_timeout_ms), gopod_resource_pool_set_acquire_timeout_ms (NULL, 1));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_max_idle_time_ms), gopod_resource_pool_get_max_idle_time_ms (NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_set_max_idle_time_ms), gopod_resource_pool_set_max_idle_time_ms (NULL, 1));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_idle), gopod_resource_pool_get_idle (NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_in_use), gopod_resource_pool_get_in_use (NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_closed), g_assert_false (gopod_resource_pool_get_closed (NULL)));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_created), gopod_resource_pool_get_created (NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_acquired), gopod_resource_pool_get_acquired (NULL));
  EXPECT_CRITICAL (POOL_CHECK (gopod_resource_pool_get_waited), gopod_resource_pool_get_waited (NULL));

  /* No harm done: nothing was made or counted, settings are intact. */
  g_assert_cmpint (made, ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_size (pool), ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_created (pool), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_acquired (pool), ==, 0);
  g_assert_false (gopod_resource_pool_get_closed (pool));

  /* A resource goes back once, and only to the pool that handed it out. */
  resource = gopod_resource_pool_acquire (pool, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (resource);
  EXPECT_CRITICAL (NOT_HANDED_OUT (gopod_resource_pool_release), gopod_resource_pool_release (pool2, resource));
  EXPECT_CRITICAL (NOT_HANDED_OUT (gopod_resource_pool_destroy), gopod_resource_pool_destroy (pool2, resource));
  g_assert_cmpuint (gopod_resource_pool_get_in_use (pool), ==, 1);
  gopod_resource_pool_release (pool, resource);
  EXPECT_CRITICAL (NOT_HANDED_OUT (gopod_resource_pool_release), gopod_resource_pool_release (pool, resource));
  EXPECT_CRITICAL (NOT_HANDED_OUT (gopod_resource_pool_destroy), gopod_resource_pool_destroy (pool, resource));
  g_assert_cmpuint (gopod_resource_pool_get_in_use (pool), ==, 0);
  g_assert_cmpuint (gopod_resource_pool_get_idle (pool), ==, 1);

  /* The async path still works and reuses the idle resource. */
  gopod_resource_pool_acquire_async (pool, NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 10000);
  resource2 = gopod_resource_pool_acquire_finish (pool, result, &error);
  g_assert_no_error (error);
  g_assert_true (resource2 == resource);
  gopod_resource_pool_release (pool, resource2);
  g_assert_cmpint (made, ==, 1);
  g_assert_cmpuint (gopod_resource_pool_get_acquired (pool), ==, 2);
  g_assert_cmpuint (gopod_resource_pool_get_created (pool2), ==, 0);
  gopod_resource_pool_close (pool);
  g_assert_true (gopod_resource_pool_get_closed (pool));
  g_assert_cmpuint (gopod_resource_pool_get_idle (pool), ==, 0);
}

#define THROTTLER_CHECK(func) FAILED (func, "GOPOD_IS_THROTTLER (self)")
#define THROTTLER_CANCELLABLE(func) FAILED (func, "cancellable == NULL || G_IS_CANCELLABLE (cancellable)")

static void
test_bad_input_throttler (void)
{
  g_autoptr(GopodThrottler) throttler = gopod_throttler_new (2, 2);
  g_autoptr(GObject) other = not_a_job ();
  g_autoptr(GTask) foreign = g_task_new (other, NULL, NULL, NULL);
  g_autoptr(GTask) wrong_tag = task_with_foreign_tag (throttler);
  g_autoptr(GAsyncResult) throttle_result = NULL;
  g_autoptr(GAsyncResult) wait_result = NULL;
  g_autoptr(GAsyncResult) extra_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) job_error = g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_FAILED, "job failed");
  GopodThrottler *bad = (GopodThrottler *) other;
  GCancellable *bad_cancellable = (GCancellable *) other;

  EXPECT_CRITICAL (FAILED (gopod_throttler_new, "max_workers > 0"), g_assert_null (gopod_throttler_new (0, 1)));
  EXPECT_CRITICAL (FAILED (gopod_throttler_new_batched, "max_workers > 0"), g_assert_null (gopod_throttler_new_batched (0, 10, 2)));
  EXPECT_CRITICAL (FAILED (gopod_throttler_new_batched, "batch_size > 0"), g_assert_null (gopod_throttler_new_batched (1, 10, 0)));

  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_throttle), g_assert_cmpuint (gopod_throttler_throttle (NULL), ==, 0));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_throttle), gopod_throttler_throttle (bad));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_throttle_async), gopod_throttler_throttle_async (NULL, NULL, never_called, NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_throttle_async), gopod_throttler_throttle_async (bad, NULL, never_called, NULL));
  EXPECT_CRITICAL (THROTTLER_CANCELLABLE (gopod_throttler_throttle_async),
                   gopod_throttler_throttle_async (throttler, bad_cancellable, never_called, NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_throttle_finish),
                   g_assert_cmpuint (gopod_throttler_throttle_finish (NULL, G_ASYNC_RESULT (foreign), &error), ==, 0));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_throttle_finish),
                   gopod_throttler_throttle_finish (bad, G_ASYNC_RESULT (foreign), &error));
  EXPECT_CRITICAL (FAILED (gopod_throttler_throttle_finish, "g_task_is_valid (result, self)"),
                   gopod_throttler_throttle_finish (throttler, G_ASYNC_RESULT (foreign), &error));
  EXPECT_CRITICAL (FAILED (gopod_throttler_throttle_finish, "g_async_result_is_tagged (result, gopod_throttler_throttle_async)"),
                   gopod_throttler_throttle_finish (throttler, G_ASYNC_RESULT (wrong_tag), &error));

  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_done), gopod_throttler_done (NULL, NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_done), gopod_throttler_done (bad, job_error));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_done_ok), gopod_throttler_done_ok (NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_done_ok), gopod_throttler_done_ok (bad));

  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_wait), g_assert_cmpuint (gopod_throttler_wait (NULL), ==, 0));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_wait), gopod_throttler_wait (bad));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_wait_async), gopod_throttler_wait_async (NULL, NULL, never_called, NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_wait_async), gopod_throttler_wait_async (bad, NULL, never_called, NULL));
  EXPECT_CRITICAL (THROTTLER_CANCELLABLE (gopod_throttler_wait_async),
                   gopod_throttler_wait_async (throttler, bad_cancellable, never_called, NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_wait_finish),
                   g_assert_cmpuint (gopod_throttler_wait_finish (NULL, G_ASYNC_RESULT (foreign), &error), ==, 0));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_wait_finish),
                   gopod_throttler_wait_finish (bad, G_ASYNC_RESULT (foreign), &error));
  EXPECT_CRITICAL (FAILED (gopod_throttler_wait_finish, "g_task_is_valid (result, self)"),
                   gopod_throttler_wait_finish (throttler, G_ASYNC_RESULT (foreign), &error));
  EXPECT_CRITICAL (FAILED (gopod_throttler_wait_finish, "g_async_result_is_tagged (result, gopod_throttler_wait_async)"),
                   gopod_throttler_wait_finish (throttler, G_ASYNC_RESULT (wrong_tag), &error));
  g_assert_no_error (error);

  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_get_max_workers), g_assert_cmpuint (gopod_throttler_get_max_workers (NULL), ==, 0));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_get_max_workers), gopod_throttler_get_max_workers (bad));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_set_max_workers), gopod_throttler_set_max_workers (NULL, 1));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_set_max_workers), gopod_throttler_set_max_workers (bad, 1));
  EXPECT_CRITICAL (FAILED (gopod_throttler_set_max_workers, "max_workers > 0"), gopod_throttler_set_max_workers (throttler, 0));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_get_total_jobs), gopod_throttler_get_total_jobs (NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_get_batch_start_index), gopod_throttler_get_batch_start_index (NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_get_batch_end_index), gopod_throttler_get_batch_end_index (NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_get_error_count), gopod_throttler_get_error_count (NULL));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_get_error), g_assert_null (gopod_throttler_get_error (NULL)));
  EXPECT_CRITICAL (THROTTLER_CHECK (gopod_throttler_get_errors), g_assert_null (gopod_throttler_get_errors (NULL)));

  /* No harm done: nothing was counted, settings are intact. */
  g_assert_cmpuint (gopod_throttler_get_max_workers (throttler), ==, 2);
  g_assert_cmpuint (gopod_throttler_get_total_jobs (throttler), ==, 2);
  g_assert_cmpuint (gopod_throttler_get_error_count (throttler), ==, 0);

  /* Two jobs, one failed; the real result of each async call, given to
   * the other's finish, is refused, then finished by the right one. */
  gopod_throttler_throttle_async (throttler, NULL, test_store_result, &throttle_result);
  test_wait_for_result (NULL, &throttle_result, 10000);
  gopod_throttler_wait_async (throttler, NULL, test_store_result, &wait_result);
  EXPECT_CRITICAL (FAILED (gopod_throttler_wait_finish, "g_async_result_is_tagged (result, gopod_throttler_wait_async)"),
                   gopod_throttler_wait_finish (throttler, throttle_result, &error));
  g_assert_cmpuint (gopod_throttler_throttle_finish (throttler, throttle_result, &error), ==, 0);
  g_assert_no_error (error);
  gopod_throttler_done (throttler, job_error);
  test_wait_for_result (NULL, &wait_result, 10000);
  EXPECT_CRITICAL (FAILED (gopod_throttler_throttle_finish, "g_async_result_is_tagged (result, gopod_throttler_throttle_async)"),
                   gopod_throttler_throttle_finish (throttler, wait_result, &error));
  g_assert_cmpuint (gopod_throttler_wait_finish (throttler, wait_result, &error), ==, 1);
  g_assert_no_error (error);
  gopod_throttler_done_ok (throttler);
  g_assert_cmpuint (gopod_throttler_throttle (throttler), ==, 1);

  /* Out of range: more throttles or dones than total_jobs are refused
   * and not counted, by the sync and the async call alike. */
  EXPECT_CRITICAL ("gopod_throttler_throttle: throttle called more often than total_jobs (2)*",
                   g_assert_cmpuint (gopod_throttler_throttle (throttler), ==, 1));
  EXPECT_CRITICAL ("gopod_throttler_throttle_async: throttle called more often than total_jobs (2)*",
                   gopod_throttler_throttle_async (throttler, NULL, test_store_result, &extra_result));
  test_wait_for_result (NULL, &extra_result, 10000);
  g_assert_cmpuint (gopod_throttler_throttle_finish (throttler, extra_result, &error), ==, 1);
  g_assert_no_error (error);
  EXPECT_CRITICAL ("gopod_throttler_done: done called more often than total_jobs (2)*",
                   gopod_throttler_done (throttler, job_error));
  EXPECT_CRITICAL ("gopod_throttler_done: done called more often than total_jobs (2)*",
                   gopod_throttler_done_ok (throttler));
  g_assert_cmpuint (gopod_throttler_get_error_count (throttler), ==, 1);
  g_assert_cmpuint (gopod_throttler_wait (throttler), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/BadInput/job", test_bad_input_job);
  g_test_add_func ("/Gopod/BadInput/pod", test_bad_input_pod);
  g_test_add_func ("/Gopod/BadInput/runner", test_bad_input_runner);
  g_test_add_func ("/Gopod/BadInput/resource-pool", test_bad_input_resource_pool);
  g_test_add_func ("/Gopod/BadInput/throttler", test_bad_input_throttler);

  return g_test_run ();
}
