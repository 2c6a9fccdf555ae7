/* test-registry.c: the job registry: a job's status, pause, key and times
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-job-private.h"
#include "test-utils.h"

/* A job whose work waits at a gate, then calls check_pause, as a job
 * between two chunks of a file would. */
typedef struct
{
  TestGate  gate;
  gboolean  went_on;  /* what check_pause returned */
  GError   *error;    /* and why not */
} PauseWork;

static gboolean
pause_work_run (GopodJob      *job,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  PauseWork *work = user_data;

  test_gate_pass (&work->gate);
  work->went_on = gopod_job_check_pause (job, NULL, &work->error);
  if (!work->went_on)
    g_propagate_error (error, g_error_copy (work->error));
  return work->went_on;
}

typedef struct
{
  GopodPod  *pod;
  GopodJob  *job;
  PauseWork  work;
  gboolean   shut_down;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->pod = gopod_pod_new (1);
  fixture->shut_down = FALSE;
  gopod_pod_start (fixture->pod);
  test_gate_init (&fixture->work.gate);
  fixture->work.went_on = FALSE;
  fixture->work.error = NULL;
  fixture->job = gopod_job_new_func (pause_work_run, &fixture->work, NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (!fixture->shut_down)
    g_assert_true (gopod_pod_shutdown (fixture->pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_clear_object (&fixture->pod);
  g_clear_object (&fixture->job);
  g_clear_error (&fixture->work.error);
  test_gate_clear (&fixture->work.gate);
}

/* Adds the job, pauses it at its gate and lets it on to check_pause, where
 * it then blocks. */
static void
fixture_hold_in_pause (Fixture *fixture)
{
  g_assert_true (gopod_pod_add_job (fixture->pod, fixture->job, NULL, NULL));
  test_gate_wait_for_waiters (&fixture->work.gate, 1);
  gopod_job_pause (fixture->job);
  test_gate_open (&fixture->work.gate);
  while (!gopod_job_has_pause_waiters (fixture->job))
    g_thread_yield ();
}

static void
test_pause_blocks_until_resumed (Fixture       *fixture,
                                 gconstpointer  data)
{
  guint64 paused_elapsed;
  gint64 until;

  g_test_summary ("A running job blocks in check_pause while paused, its elapsed time "
                  "standing still, and goes on when resumed");
  fixture_hold_in_pause (fixture);
  g_assert_true (gopod_job_get_paused (fixture->job));
  g_assert_cmpint (gopod_job_get_state (fixture->job), ==, GOPOD_JOB_STATE_RUNNING);

  /* Time passes; paused time is not counted. (A busy wait on the clock,
   * not to order threads: nothing else is waited for.) */
  paused_elapsed = gopod_job_get_elapsed_ms (fixture->job);
  until = g_get_monotonic_time () + 3000;
  while (g_get_monotonic_time () < until)
    ;
  g_assert_cmpuint (gopod_job_get_elapsed_ms (fixture->job), ==, paused_elapsed);

  gopod_job_resume (fixture->job);
  g_assert_true (gopod_job_wait (fixture->job, NULL, NULL));
  g_assert_true (fixture->work.went_on);
  g_assert_no_error (fixture->work.error);
  g_assert_false (gopod_job_get_paused (fixture->job));
  g_assert_cmpint (gopod_job_get_remaining_ms (fixture->job), ==, 0);
  /* Ended: the running time is fixed. */
  paused_elapsed = gopod_job_get_elapsed_ms (fixture->job);
  until = g_get_monotonic_time () + 3000;
  while (g_get_monotonic_time () < until)
    ;
  g_assert_cmpuint (gopod_job_get_elapsed_ms (fixture->job), ==, paused_elapsed);
}

static void
test_pause_cancelled (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_test_summary ("Cancelling a job held in check_pause makes it return FALSE with "
                  "G_IO_ERROR_CANCELLED, even with no cancellable passed");
  fixture_hold_in_pause (fixture);
  gopod_job_cancel (fixture->job);
  g_assert_false (gopod_job_wait (fixture->job, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (fixture->work.went_on);
  g_assert_error (fixture->work.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gopod_job_get_state (fixture->job), ==, GOPOD_JOB_STATE_CANCELLED);
}

static void
test_pause_discarded (Fixture       *fixture,
                      gconstpointer  data)
{
  g_test_summary ("A discarding shutdown ends a job held in check_pause CANCELLED");
  fixture_hold_in_pause (fixture);
  g_assert_true (gopod_pod_shutdown (fixture->pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL));
  fixture->shut_down = TRUE;
  g_assert_cmpint (gopod_job_get_state (fixture->job), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_false (fixture->work.went_on);
  g_assert_error (fixture->work.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* check_pause's own cancellable: a thread cancels it while the job is held. */
static gboolean
check_pause_with (GopodJob      *job,
                  GCancellable  *cancellable,
                  gpointer       user_data,
                  GError       **error)
{
  return gopod_job_check_pause (job, user_data, error);
}

static gpointer
cancel_when_held (gpointer data)
{
  GopodJob *job = data;

  while (!gopod_job_has_pause_waiters (job))
    g_thread_yield ();
  g_cancellable_cancel (g_object_get_data (G_OBJECT (job), "check-cancellable"));
  return NULL;
}

static void
test_pause_own_cancellable (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GopodJob) job = gopod_job_new_func (check_pause_with, cancellable, NULL);
  g_autoptr(GError) error = NULL;
  GThread *canceller;

  g_test_summary ("check_pause returns FALSE with G_IO_ERROR_CANCELLED when its "
                  "cancellable is cancelled while the job is paused");
  g_object_set_data (G_OBJECT (job), "check-cancellable", cancellable);
  g_object_set (job, "paused", TRUE, NULL);
  g_assert_true (gopod_job_get_paused (job));
  canceller = g_thread_new ("canceller", cancel_when_held, job);
  /* The pod would pass a paused queued job over: it is started by the
   * runner, which runs what it is given. */
  {
    g_autoptr(GopodRunner) runner = gopod_runner_new (0);

    gopod_runner_add_job (runner, job);
    g_assert_false (gopod_runner_start (runner, NULL, &error));
  }
  g_thread_join (canceller);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_CANCELLED);
}

static gboolean
check_pause_twice (GopodJob      *job,
                   GCancellable  *cancellable,
                   gpointer       user_data,
                   GError       **error)
{
  /* Not paused: on at once. */
  if (!gopod_job_check_pause (job, cancellable, error))
    return FALSE;
  g_cancellable_cancel (cancellable);
  /* Cancelled, not paused: the check reports it. */
  return gopod_job_check_pause (job, cancellable, error);
}

static void
test_check_pause_unpaused (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (check_pause_twice, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_test_summary ("check_pause on a job not paused returns TRUE at once, and FALSE once "
                  "its cancellable is cancelled");
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  g_assert_false (gopod_job_wait (job, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

/* --- status and progress from a worker, notified on the main context --- */

#define N_SETS 1000000

static gboolean
set_a_million (GopodJob      *job,
               GCancellable  *cancellable,
               gpointer       user_data,
               GError       **error)
{
  static const char *words[] = { "reading", "hashing", "writing" };

  for (guint i = 0; i < N_SETS; i++)
    {
      gopod_job_set_status (job, words[i % G_N_ELEMENTS (words)]);
      gopod_job_set_progress (job, (double) (i + 1) / N_SETS);
    }
  gopod_job_set_status (job, "done");
  return TRUE;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  (*count)++;
}

static void
test_status_coalesced (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (set_a_million, NULL, NULL);
  g_autofree char *status = NULL;
  guint n_status = 0, n_progress = 0, iterations = 0;

  g_test_summary ("A million status and progress sets from a worker cost at most one "
                  "notification of each per main-loop iteration, on the main context");
  g_signal_connect (job, "notify::status", G_CALLBACK (count_notify), &n_status);
  g_signal_connect (job, "notify::progress", G_CALLBACK (count_notify), &n_progress);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  while (gopod_job_get_state (job) != GOPOD_JOB_STATE_SUCCEEDED)
    {
      g_main_context_iteration (NULL, TRUE);
      iterations++;
    }
  while (g_main_context_iteration (NULL, FALSE))
    iterations++;

  g_assert_cmpuint (n_status, >=, 1);
  g_assert_cmpuint (n_status, <=, iterations);
  g_assert_cmpuint (n_progress, <=, iterations);
  status = gopod_job_dup_status (job);
  g_assert_cmpstr (status, ==, "done");
  g_clear_pointer (&status, g_free);
  g_object_get (job, "status", &status, NULL);
  g_assert_cmpstr (status, ==, "done");
  g_assert_cmpfloat (gopod_job_get_progress (job), ==, 1.0);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

/* --- the rest of a job's registry properties --- */

static gboolean
report_half (GopodJob      *job,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  TestGate *gate = user_data;

  gopod_job_set_progress (job, 0.5);
  test_gate_pass (gate);
  return TRUE;
}

static void
test_remaining (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  TestGate gate;
  g_autoptr(GopodJob) job = NULL;

  g_test_summary ("remaining-ms is unknown before a job starts and before it reports "
                  "progress, an estimate while it runs, and 0 once it ended");
  test_gate_init (&gate);
  job = gopod_job_new_func (report_half, &gate, NULL);
  g_assert_cmpint (gopod_job_get_remaining_ms (job), ==, -1);
  g_assert_cmpuint (gopod_job_get_elapsed_ms (job), ==, 0);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  test_gate_wait_for_waiters (&gate, 1);
  /* Half done in some time: about as much again to go. */
  g_assert_cmpint (gopod_job_get_remaining_ms (job), >=, 0);
  test_gate_open (&gate);
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  g_assert_cmpint (gopod_job_get_remaining_ms (job), ==, 0);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&gate);
}

static gboolean
succeed (GopodJob      *job,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  return TRUE;
}

static void
test_key (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (succeed, NULL, NULL);
  g_autofree char *key = NULL;

  g_test_summary ("A job's key is set before it is added, and cannot change after");
  g_assert_null (gopod_job_get_key (job));
  g_object_set (job, "key", "/home/user/photo.jpg", NULL);
  g_object_get (job, "key", &key, NULL);
  g_assert_cmpstr (key, ==, "/home/user/photo.jpg");
  gopod_job_set_key (job, NULL);
  g_assert_null (gopod_job_get_key (job));
  gopod_job_set_key (job, "lane");
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_JOB_STATE_NEW*");
  gopod_job_set_key (job, "other");
  g_test_assert_expected_messages ();
  g_assert_cmpstr (gopod_job_get_key (job), ==, "lane");
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

static void
mark (gboolean *flag)
{
  *flag = TRUE;
}

static void
test_pause_ended (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (succeed, NULL, NULL);
  gboolean notified = FALSE;

  g_test_summary ("Pausing an ended job does nothing; the paused property notifies");
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  g_signal_connect_swapped (job, "notify::paused", G_CALLBACK (mark), &notified);
  gopod_job_pause (job);
  g_assert_false (gopod_job_get_paused (job));
  gopod_job_resume (job);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (notified);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

static void
test_paused_notify (void)
{
  g_autoptr(GopodJob) job = gopod_job_new_func (succeed, NULL, NULL);
  gboolean notified = FALSE;

  g_test_summary ("pause and resume notify paused, on the job's context; pausing or "
                  "resuming twice changes nothing");
  g_signal_connect_swapped (job, "notify::paused", G_CALLBACK (mark), &notified);
  gopod_job_pause (job);
  gopod_job_pause (job);
  test_iterate_until (NULL, &notified, 10000);
  g_assert_true (gopod_job_get_paused (job));
  notified = FALSE;
  gopod_job_resume (job);
  gopod_job_resume (job);
  test_iterate_until (NULL, &notified, 10000);
  g_assert_false (gopod_job_get_paused (job));
}

static void
test_bad_input (void)
{
  g_test_summary ("The registry's job functions refuse a NULL job with a critical");
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_JOB*");
  gopod_job_pause (NULL);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_JOB*");
  g_assert_false (gopod_job_check_pause (NULL, NULL, NULL));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_JOB*");
  g_assert_cmpint (gopod_job_get_remaining_ms (NULL), ==, -1);
  g_test_assert_expected_messages ();
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_JOB*");
  g_assert_null (gopod_job_dup_status (NULL));
  g_test_assert_expected_messages ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/Gopod/Registry/pause/blocks-until-resumed", Fixture, NULL,
              fixture_setup, test_pause_blocks_until_resumed, fixture_teardown);
  g_test_add ("/Gopod/Registry/pause/cancelled", Fixture, NULL,
              fixture_setup, test_pause_cancelled, fixture_teardown);
  g_test_add ("/Gopod/Registry/pause/discarded", Fixture, NULL,
              fixture_setup, test_pause_discarded, fixture_teardown);
  g_test_add_func ("/Gopod/Registry/pause/own-cancellable", test_pause_own_cancellable);
  g_test_add_func ("/Gopod/Registry/pause/unpaused", test_check_pause_unpaused);
  g_test_add_func ("/Gopod/Registry/pause/ended", test_pause_ended);
  g_test_add_func ("/Gopod/Registry/pause/notify", test_paused_notify);
  g_test_add_func ("/Gopod/Registry/status/coalesced", test_status_coalesced);
  g_test_add_func ("/Gopod/Registry/remaining", test_remaining);
  g_test_add_func ("/Gopod/Registry/key", test_key);
  g_test_add_func ("/Gopod/Registry/bad-input", test_bad_input);

  return g_test_run ();
}
