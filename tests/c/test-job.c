/* test-job.c: GopodJob on its own and through a one-worker pod
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-utils.h"

/* A thread job that counts its runs and finishes and can be told how to end. */
typedef enum { END_OK, END_FAIL_SILENT, END_FAIL_ERROR, END_WAIT_CANCEL, END_IGNORE_CANCEL } EndHow;

#define TEST_TYPE_JOB (test_job_get_type ())
G_DECLARE_FINAL_TYPE (TestJob, test_job, TEST, JOB, GopodJob)

struct _TestJob
{
  GopodJob  parent_instance;
  EndHow    how;
  int       runs;
  int       finishes;
  gboolean  saw_cancel;
  TestGate *gate;  /* run passes it first, when set */
};

G_DEFINE_FINAL_TYPE (TestJob, test_job, GOPOD_TYPE_JOB)

static gboolean
test_job_run (GopodJob      *job,
              GCancellable  *cancellable,
              GError       **error)
{
  TestJob *self = TEST_JOB (job);

  g_atomic_int_inc (&self->runs);
  g_assert_nonnull (cancellable);
  if (self->gate != NULL)
    test_gate_pass (self->gate);

  switch (self->how)
    {
    case END_OK:
      return TRUE;
    case END_FAIL_SILENT:
      return FALSE;
    case END_FAIL_ERROR:
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no such thing");
      return FALSE;
    case END_WAIT_CANCEL:
      test_block_until_cancelled (cancellable);
      self->saw_cancel = TRUE;
      return !g_cancellable_set_error_if_cancelled (cancellable, error);
    case END_IGNORE_CANCEL:
      while (!g_cancellable_is_cancelled (cancellable))
        g_usleep (1000);
      self->saw_cancel = TRUE;
      return TRUE;  /* claims success after its deadline */
    }
  g_assert_not_reached ();
}

static void
test_job_finish (GopodJob *job)
{
  g_atomic_int_inc (&TEST_JOB (job)->finishes);
}

static void
test_job_class_init (TestJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->run = test_job_run;
  GOPOD_JOB_CLASS (klass)->finish = test_job_finish;
}

static void
test_job_init (TestJob *self)
{
}

static TestJob *
test_job_new (EndHow how)
{
  TestJob *job = g_object_new (TEST_TYPE_JOB, NULL);

  job->how = how;
  return job;
}

/* Runs @job through a started one-worker pod and waits for it. */
static gboolean
run_in_pod (GopodJob  *job,
            GError   **error)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);

  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  return gopod_job_wait (job, NULL, error);
}

static void
test_job_succeeds (void)
{
  g_autoptr(TestJob) job = test_job_new (END_OK);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_NEW);
  g_assert_true (run_in_pod (GOPOD_JOB (job), &error));
  g_assert_no_error (error);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_SUCCEEDED);
  g_assert_null (gopod_job_get_error (GOPOD_JOB (job)));
  g_assert_cmpint (job->runs, ==, 1);
  g_assert_cmpint (job->finishes, ==, 1);
}

static void
test_job_fails_with_its_error (void)
{
  g_autoptr(TestJob) job = test_job_new (END_FAIL_ERROR);
  g_autoptr(GError) error = NULL;

  g_assert_false (run_in_pod (GOPOD_JOB (job), &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_FAILED);
  g_assert_error ((GError *) gopod_job_get_error (GOPOD_JOB (job)), G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpint (job->finishes, ==, 1);
}

static void
test_job_fails_without_error (void)
{
  g_autoptr(TestJob) job = test_job_new (END_FAIL_SILENT);
  g_autoptr(GError) error = NULL;

  g_assert_false (run_in_pod (GOPOD_JOB (job), &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_cmpint (job->finishes, ==, 1);
}

static gboolean
add_numbers (GopodJob      *job,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  int *n = user_data;

  *n += 41;
  return TRUE;
}

static void
test_job_func (void)
{
  int n = 1;
  g_autoptr(GopodJob) job = gopod_job_new_func (add_numbers, &n, NULL);

  g_assert_true (run_in_pod (job, NULL));
  g_assert_cmpint (n, ==, 42);
  g_assert_false (gopod_job_is_main_context (job));
}

static void
count_destroy (gpointer data)
{
  (*(int *) data)++;
}

static void
test_job_func_destroy (void)
{
  int destroyed = 0;
  GopodJob *job = gopod_job_new_func (add_numbers, &(int) { 0 }, NULL);

  g_object_unref (job);
  job = gopod_job_new_func ((GopodJobFunc) add_numbers, &destroyed, count_destroy);
  g_assert_cmpint (destroyed, ==, 0);
  g_object_unref (job);
  g_assert_cmpint (destroyed, ==, 1);
}

static void
test_job_timeout_cooperative (void)
{
  g_autoptr(TestJob) job = test_job_new (END_WAIT_CANCEL);
  g_autoptr(GError) error = NULL;

  gopod_job_set_timeout_ms (GOPOD_JOB (job), 20);
  g_assert_false (run_in_pod (GOPOD_JOB (job), &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_FAILED);
  g_assert_true (job->saw_cancel);
  g_assert_cmpint (job->finishes, ==, 1);
}

static void
test_job_timeout_overrides_success (void)
{
  g_autoptr(TestJob) job = test_job_new (END_IGNORE_CANCEL);
  g_autoptr(GError) error = NULL;

  gopod_job_set_timeout_ms (GOPOD_JOB (job), 20);
  g_assert_false (run_in_pod (GOPOD_JOB (job), &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_cmpint (job->finishes, ==, 1);
}

static void
test_job_timeout_counts_from_start (void)
{
  /* Queued for longer than its timeout, the job must still run and succeed:
   * the deadline is counted from when it starts. */
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestJob) job = test_job_new (END_OK);

  gopod_job_set_timeout_ms (GOPOD_JOB (job), 10);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  g_usleep (30000);
  gopod_pod_start (pod);
  g_assert_true (gopod_job_wait (GOPOD_JOB (job), NULL, NULL));
  g_assert_cmpint (job->runs, ==, 1);
}

static void
test_job_cancel_queued (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestJob) job = test_job_new (END_OK);
  g_autoptr(GError) error = NULL;

  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_QUEUED);
  gopod_job_cancel (GOPOD_JOB (job));
  /* Ended at once, paused pod or not. */
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpint (job->finishes, ==, 1);
  g_assert_false (gopod_job_wait (GOPOD_JOB (job), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);

  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (job->runs, ==, 0);
  g_assert_cmpuint (gopod_pod_get_cancelled (pod), ==, 1);
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 0);

  gopod_job_cancel (GOPOD_JOB (job));  /* ended: nothing happens */
  g_assert_cmpint (job->finishes, ==, 1);
}

static void
test_job_cancel_running (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestJob) job = test_job_new (END_WAIT_CANCEL);
  g_autoptr(GError) error = NULL;
  TestGate gate;

  test_gate_init (&gate);
  job->gate = &gate;
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  test_gate_wait_for_waiters (&gate, 1);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_RUNNING);
  gopod_job_cancel (GOPOD_JOB (job));
  test_gate_open (&gate);
  g_assert_false (gopod_job_wait (GOPOD_JOB (job), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_true (job->saw_cancel);
  g_assert_cmpint (job->finishes, ==, 1);
  test_gate_clear (&gate);
}

static void
test_job_cancel_new (void)
{
  g_autoptr(TestJob) job = test_job_new (END_OK);
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GError) error = NULL;

  gopod_job_cancel (GOPOD_JOB (job));
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpint (job->finishes, ==, 1);

  /* An ended job cannot be added. */
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*already added*");
  g_assert_false (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 0);
}

static void
test_job_wait_cancellable (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestJob) job = test_job_new (END_OK);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  g_cancellable_cancel (cancellable);
  /* The pod is paused: only the cancellable can end this wait. */
  g_assert_false (gopod_job_wait (GOPOD_JOB (job), cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_QUEUED);
  gopod_pod_start (pod);
  g_assert_true (gopod_job_wait (GOPOD_JOB (job), NULL, NULL));
}

static void
test_job_wait_async (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestJob) job = test_job_new (END_FAIL_ERROR);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  gopod_job_wait_async (GOPOD_JOB (job), NULL, test_store_result, &result);
  gopod_pod_start (pod);
  test_wait_for_result (NULL, &result, 5000);
  g_assert_false (gopod_job_wait_finish (GOPOD_JOB (job), result, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpint (job->finishes, ==, 1);
  g_clear_error (&error);

  /* After the end, the answer comes at once (on the next iteration). */
  gopod_job_wait_async (GOPOD_JOB (job), NULL, test_store_result, &result2);
  test_wait_for_result (NULL, &result2, 5000);
  g_assert_false (gopod_job_wait_finish (GOPOD_JOB (job), result2, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_job_wait_async_cancelled (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestJob) job = test_job_new (END_OK);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  gopod_job_wait_async (GOPOD_JOB (job), cancellable, test_store_result, &result);
  g_cancellable_cancel (cancellable);
  test_wait_for_result (NULL, &result, 5000);
  g_assert_false (gopod_job_wait_finish (GOPOD_JOB (job), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The job itself goes on. */
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_QUEUED);
  gopod_pod_start (pod);
  g_assert_true (gopod_job_wait (GOPOD_JOB (job), NULL, NULL));
}

typedef struct
{
  GThread *main_thread;
  int      progress_notifies;
  int      state_notifies;
  gboolean wrong_thread;
} NotifyCount;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  NotifyCount *count = data;

  if (g_thread_self () != count->main_thread)
    count->wrong_thread = TRUE;
  if (g_str_equal (pspec->name, "progress"))
    count->progress_notifies++;
  else if (g_str_equal (pspec->name, "state"))
    count->state_notifies++;
}

static gboolean
report_progress (GopodJob      *job,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  for (int i = 1; i <= 1000; i++)
    gopod_job_set_progress (job, i / 1000.0);
  return TRUE;
}

static void
test_job_progress_notify_on_main_context (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (report_progress, NULL, NULL);
  NotifyCount count = { g_thread_self (), 0, 0, FALSE };

  g_signal_connect (job, "notify", G_CALLBACK (count_notify), &count);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  /* Nothing was delivered on the worker thread. */
  g_assert_cmpint (count.progress_notifies, ==, 0);

  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_false (count.wrong_thread);
  g_assert_cmpint (count.progress_notifies, >=, 1);
  g_assert_cmpint (count.progress_notifies, <, 1000);  /* coalesced */
  g_assert_cmpint (count.state_notifies, >=, 1);
  g_assert_cmpfloat (gopod_job_get_progress (job), ==, 1.0);
}

/* A main-context job that completes from an idle callback. */
#define TEST_TYPE_MAIN_JOB (test_main_job_get_type ())
G_DECLARE_FINAL_TYPE (TestMainJob, test_main_job, TEST, MAIN_JOB, GopodJob)

struct _TestMainJob
{
  GopodJob  parent_instance;
  GThread  *begin_thread;
  GThread  *finish_thread;
  gboolean  fail;
  gboolean  refuse;       /* begin returns FALSE ... */
  gboolean  refuse_bare;  /* ... without setting an error */
  int       finishes;
};

G_DEFINE_FINAL_TYPE (TestMainJob, test_main_job, GOPOD_TYPE_JOB)

static void
complete_later (gpointer data)
{
  TestMainJob *self = data;
  g_autoptr(GError) error = NULL;

  if (self->fail)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone");
  gopod_job_complete (GOPOD_JOB (self), error);
  g_object_unref (self);
}

static gboolean
test_main_job_begin (GopodJob      *job,
                     GCancellable  *cancellable,
                     GError       **error)
{
  TestMainJob *self = TEST_MAIN_JOB (job);

  self->begin_thread = g_thread_self ();
  if (self->refuse)
    {
      if (!self->refuse_bare)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "no network");
      return FALSE;
    }
  g_idle_add_once (complete_later, g_object_ref (job));
  return TRUE;
}

static void
test_main_job_finish (GopodJob *job)
{
  TEST_MAIN_JOB (job)->finish_thread = g_thread_self ();
  TEST_MAIN_JOB (job)->finishes++;
}

static void
test_main_job_class_init (TestMainJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->begin = test_main_job_begin;
  GOPOD_JOB_CLASS (klass)->finish = test_main_job_finish;
}

static void
test_main_job_init (TestMainJob *self)
{
}

static void
test_job_main_context (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestMainJob) ok_job = g_object_new (TEST_TYPE_MAIN_JOB, NULL);
  g_autoptr(TestMainJob) bad_job = g_object_new (TEST_TYPE_MAIN_JOB, NULL);
  g_autoptr(GAsyncResult) ok_result = NULL;
  g_autoptr(GAsyncResult) bad_result = NULL;
  g_autoptr(GError) error = NULL;

  bad_job->fail = TRUE;
  g_assert_true (gopod_job_is_main_context (GOPOD_JOB (ok_job)));
  gopod_pod_start (pod);
  gopod_pod_run_async (pod, GOPOD_JOB (ok_job), NULL, test_store_result, &ok_result);
  gopod_pod_run_async (pod, GOPOD_JOB (bad_job), NULL, test_store_result, &bad_result);
  test_wait_for_result (NULL, &ok_result, 5000);
  test_wait_for_result (NULL, &bad_result, 5000);

  g_assert_true (gopod_pod_run_finish (pod, ok_result, NULL));
  g_assert_false (gopod_pod_run_finish (pod, bad_result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (ok_job->begin_thread == g_thread_self ());
  g_assert_cmpint (ok_job->finishes, ==, 1);
  g_assert_cmpint (bad_job->finishes, ==, 1);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (bad_job)), ==, GOPOD_JOB_STATE_FAILED);

  /* Completing twice is a programmer error that changes nothing. */
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*not running*");
  gopod_job_complete (GOPOD_JOB (ok_job), NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpint (ok_job->finishes, ==, 1);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (ok_job)), ==, GOPOD_JOB_STATE_SUCCEEDED);
}

static void
test_job_main_context_begin_fails (void)
{
  /* A `begin` that cannot start its work ends the job FAILED with its
   * error (or GOPOD_ERROR_FAILED when it set none): the job is not left
   * running, and a draining shutdown returns. */
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestMainJob) refused = g_object_new (TEST_TYPE_MAIN_JOB, NULL);
  g_autoptr(TestMainJob) bare = g_object_new (TEST_TYPE_MAIN_JOB, NULL);
  g_autoptr(TestMainJob) after = g_object_new (TEST_TYPE_MAIN_JOB, NULL);
  g_autoptr(GError) error = NULL;

  refused->refuse = TRUE;
  bare->refuse = bare->refuse_bare = TRUE;
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (refused), NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (bare), NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (after), NULL, NULL));
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));

  g_assert_false (gopod_job_wait (GOPOD_JOB (refused), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (refused)), ==, GOPOD_JOB_STATE_FAILED);
  g_clear_error (&error);
  g_assert_false (gopod_job_wait (GOPOD_JOB (bare), NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_cmpint (refused->finishes + bare->finishes, ==, 2);
  /* The failures freed their worker slot. */
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (after)), ==, GOPOD_JOB_STATE_SUCCEEDED);
  g_assert_cmpuint (gopod_pod_get_failed (pod), ==, 2);
}

static void
test_job_main_context_blocking_wait (void)
{
  /* No main loop runs: the blocking waits run the context themselves, so
   * the jobs begin and complete. A hang fails the subprocess's deadline. */
  if (g_test_subprocess ())
    {
      g_autoptr(GopodPod) pod = gopod_pod_new (1);
      g_autoptr(TestMainJob) first = g_object_new (TEST_TYPE_MAIN_JOB, NULL);
      g_autoptr(TestMainJob) second = g_object_new (TEST_TYPE_MAIN_JOB, NULL);

      gopod_pod_start (pod);
      g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (first), NULL, NULL));
      g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (second), NULL, NULL));
      g_assert_true (gopod_job_wait (GOPOD_JOB (first), NULL, NULL));
      g_assert_true (gopod_pod_wait (pod, NULL, NULL));
      g_assert_cmpint (second->finishes, ==, 1);
      g_assert_true (second->begin_thread == g_thread_self ());
      return;
    }

  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gpointer
cancel_in_thread (gpointer job)
{
  gopod_job_cancel (job);
  return NULL;
}

static void
test_job_main_context_cancel_queued_elsewhere (void)
{
  /* The main thread runs its context (as an app's main loop does) while
   * another thread cancels a queued main-context job: the job never
   * begins, and its finish runs on the main thread, not the canceller's. */
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestMainJob) job = g_object_new (TEST_TYPE_MAIN_JOB, NULL);
  gboolean ended = FALSE;

  g_assert_true (g_main_context_acquire (NULL));
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  g_thread_join (g_thread_new ("canceller", cancel_in_thread, job));
  gopod_pod_start (pod);
  while (!ended)
    {
      g_main_context_iteration (NULL, TRUE);
      ended = gopod_job_get_state (GOPOD_JOB (job)) == GOPOD_JOB_STATE_CANCELLED;
    }
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_main_context_release (NULL);

  g_assert_null (job->begin_thread);
  g_assert_cmpint (job->finishes, ==, 1);
  g_assert_true (job->finish_thread == g_thread_self ());
  g_assert_cmpuint (gopod_pod_get_cancelled (pod), ==, 1);
}

static void
test_job_properties (void)
{
  g_autoptr(GopodJob) job = gopod_job_new_func (add_numbers, &(int) { 0 }, NULL);
  g_autofree char *title = NULL;
  int priority;
  guint timeout_ms;

  g_object_set (job, "title", "thumbnail", "priority", -5, "timeout-ms", 250, NULL);
  g_object_get (job, "title", &title, "priority", &priority, "timeout-ms", &timeout_ms, NULL);
  g_assert_cmpstr (title, ==, "thumbnail");
  g_assert_cmpint (priority, ==, -5);
  g_assert_cmpuint (timeout_ms, ==, 250);
  g_assert_cmpfloat (gopod_job_get_progress (job), ==, 0.0);

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*progress >= 0.0*");
  gopod_job_set_progress (job, 1.5);
  g_test_assert_expected_messages ();
  g_assert_cmpfloat (gopod_job_get_progress (job), ==, 0.0);
}

static void
test_job_bad_input (void)
{
  g_autoptr(GopodJob) job = gopod_job_new_func (add_numbers, &(int) { 0 }, NULL);

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_null (gopod_job_new_func (NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  /* Waiting for a job nobody was given would wait for ever. */
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_JOB_STATE_NEW*");
  g_assert_false (gopod_job_wait (job, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_JOB*");
  gopod_job_cancel (NULL);
  g_test_assert_expected_messages ();

  /* complete() is for main-context jobs only. */
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*gopod_job_is_main_context*");
  gopod_job_complete (job, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_NEW);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Job/succeeds", test_job_succeeds);
  g_test_add_func ("/Gopod/Job/fails-with-its-error", test_job_fails_with_its_error);
  g_test_add_func ("/Gopod/Job/fails-without-error", test_job_fails_without_error);
  g_test_add_func ("/Gopod/Job/func", test_job_func);
  g_test_add_func ("/Gopod/Job/func-destroy", test_job_func_destroy);
  g_test_add_func ("/Gopod/Job/timeout/cooperative", test_job_timeout_cooperative);
  g_test_add_func ("/Gopod/Job/timeout/overrides-success", test_job_timeout_overrides_success);
  g_test_add_func ("/Gopod/Job/timeout/counts-from-start", test_job_timeout_counts_from_start);
  g_test_add_func ("/Gopod/Job/cancel/queued", test_job_cancel_queued);
  g_test_add_func ("/Gopod/Job/cancel/running", test_job_cancel_running);
  g_test_add_func ("/Gopod/Job/cancel/new", test_job_cancel_new);
  g_test_add_func ("/Gopod/Job/wait/cancellable", test_job_wait_cancellable);
  g_test_add_func ("/Gopod/Job/wait/async", test_job_wait_async);
  g_test_add_func ("/Gopod/Job/wait/async-cancelled", test_job_wait_async_cancelled);
  g_test_add_func ("/Gopod/Job/notify/progress-on-main-context", test_job_progress_notify_on_main_context);
  g_test_add_func ("/Gopod/Job/main-context", test_job_main_context);
  g_test_add_func ("/Gopod/Job/main-context-begin-fails", test_job_main_context_begin_fails);
  g_test_add_func ("/Gopod/Job/main-context-blocking-wait", test_job_main_context_blocking_wait);
  g_test_add_func ("/Gopod/Job/main-context-cancel-queued-elsewhere",
                   test_job_main_context_cancel_queued_elsewhere);
  g_test_add_func ("/Gopod/Job/properties", test_job_properties);
  g_test_add_func ("/Gopod/Job/bad-input", test_job_bad_input);

  return g_test_run ();
}
