/* test-bad-input.c: every public function of GopodJob and GopodPod called
 * with invalid arguments gives a critical (a programmer error), never a
 * crash, a hang or harm to the objects involved
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

static gboolean
succeed (GopodJob      *job,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  return TRUE;
}

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

/* A plain GObject passed where a job or pod is required. */
static GObject *
not_a_job (void)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static void
test_bad_input_job (void)
{
  g_autoptr(GopodJob) job = gopod_job_new_func (succeed, NULL, NULL);
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
  g_autoptr(GopodJob) job = gopod_job_new_func (succeed, NULL, NULL);
  g_autoptr(GopodJob) job2 = gopod_job_new_func (succeed, NULL, NULL);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/BadInput/job", test_bad_input_job);
  g_test_add_func ("/Gopod/BadInput/pod", test_bad_input_pod);

  return g_test_run ();
}
