/* test-registry.c: the job registry: a job's status, pause, key and times; a pod's model, lanes, progress and application hold
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <dlfcn.h>
#include <string.h>

#include "gopod-job-private.h"
#include "gopod-pod-private.h"
#include "test-reader.h"
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
  guint n_status = 0, n_progress = 0, n_pod_progress = 0, iterations = 0;

  g_test_summary ("A million status and progress sets from a worker cost at most one "
                  "notification of each per main-loop iteration, on the main context, "
                  "for the job and for its pod's progress");
  g_signal_connect (job, "notify::status", G_CALLBACK (count_notify), &n_status);
  g_signal_connect (job, "notify::progress", G_CALLBACK (count_notify), &n_progress);
  g_signal_connect (pod, "notify::progress", G_CALLBACK (count_notify), &n_pod_progress);
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
  g_assert_cmpuint (n_pod_progress, <=, iterations);
  status = gopod_job_dup_status (job);
  g_assert_cmpstr (status, ==, "done");
  g_clear_pointer (&status, g_free);
  g_object_get (job, "status", &status, NULL);
  g_assert_cmpstr (status, ==, "done");
  g_assert_cmpfloat (gopod_job_get_progress (job), ==, 1.0);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

/* --- the rest of a job's registry properties --- */

/* A job that reports @progress, then waits at @gate. */
typedef struct
{
  TestGate gate;
  double   progress;
} ProgressReport;

static gboolean
report_progress (GopodJob      *job,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  ProgressReport *report = user_data;

  gopod_job_set_progress (job, report->progress);
  test_gate_pass (&report->gate);
  return TRUE;
}

static void
test_remaining (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  ProgressReport report = { .progress = 0.5 };
  g_autoptr(GopodJob) job = NULL;

  g_test_summary ("remaining-ms is unknown before a job starts and before it reports "
                  "progress, an estimate while it runs, and 0 once it ended");
  test_gate_init (&report.gate);
  job = gopod_job_new_func (report_progress, &report, NULL);
  g_assert_cmpint (gopod_job_get_remaining_ms (job), ==, -1);
  g_assert_cmpuint (gopod_job_get_elapsed_ms (job), ==, 0);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  test_gate_wait_for_waiters (&report.gate, 1);
  /* Half done in some time: about as much again to go. */
  g_assert_cmpint (gopod_job_get_remaining_ms (job), >=, 0);
  test_gate_open (&report.gate);
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  g_assert_cmpint (gopod_job_get_remaining_ms (job), ==, 0);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&report.gate);
}

static void
test_remaining_tiny_progress (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  /* Valid, however small: the first of very many steps. */
  ProgressReport report = { .progress = 1e-300 };
  g_autoptr(GopodJob) job = NULL;
  gint64 until;

  g_test_summary ("remaining-ms of a job that has barely begun is large, never negative "
                  "(the estimate saturates instead of overflowing)");
  test_gate_init (&report.gate);
  job = gopod_job_new_func (report_progress, &report, NULL);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  test_gate_wait_for_waiters (&report.gate, 1);
  /* Some running time to scale: a busy wait on the clock, ordering no
   * thread. 10 ms at 1e-300 is far past what gint64 holds in ms. */
  until = g_get_monotonic_time () + 10000;
  while (g_get_monotonic_time () < until)
    ;
  g_assert_cmpint (gopod_job_get_remaining_ms (job), ==, G_MAXINT64);
  test_gate_open (&report.gate);
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&report.gate);
}

static void
test_key (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
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
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
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
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
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

/* --- the pod's model --- */

/* Jobs that wait at a gate, and quick ones. */
static gboolean
pass_gate (GopodJob      *job,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  test_gate_pass (user_data);
  return TRUE;
}

static GopodJob *
add_job (GopodPod     *pod,
         GopodJobFunc  func,
         gpointer      data)
{
  GopodJob *job = gopod_job_new_func (func, data, NULL);

  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  return job;
}

/* The model, once its context has caught up, against the pod's counters. */
static void
assert_model_matches_pod (Reader   *reader,
                          GopodPod *pod)
{
  reader_look (reader);
  reader_check (reader);
  g_assert_cmpuint (reader->shadow->len, ==, gopod_pod_get_queued (pod) + gopod_pod_get_running (pod));
  for (guint i = 0; i < reader->shadow->len; i++)
    g_assert_false (gopod_job_is_ended (g_ptr_array_index (reader->shadow, i)));
}

#define N_PRODUCERS 3
#define N_PER_PRODUCER 400

typedef struct
{
  GopodPod  *pod;
  GPtrArray *jobs;  /* this producer's, owned */
  guint      seed;
} Producer;

static gpointer
produce_and_cancel (gpointer data)
{
  Producer *producer = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (producer->seed);

  for (guint i = 0; i < N_PER_PRODUCER; i++)
    {
      g_ptr_array_add (producer->jobs, add_job (producer->pod, test_job_succeed, NULL));
      if (g_rand_int_range (rand, 0, 4) == 0)
        gopod_job_cancel (g_ptr_array_index (producer->jobs,
                                             g_rand_int_range (rand, 0, producer->jobs->len)));
    }
  return NULL;
}

static void
run_producers (GopodPod *pod,
               Reader   *reader,
               Producer *producers,
               guint     seed)
{
  GThread *threads[N_PRODUCERS];

  for (guint i = 0; i < N_PRODUCERS; i++)
    {
      producers[i] = (Producer) { pod, g_ptr_array_new_with_free_func (g_object_unref), seed + i };
      threads[i] = g_thread_new ("producer", produce_and_cancel, &producers[i]);
    }
  /* The reader reads meanwhile, as a UI would. */
  for (guint i = 0; i < N_PRODUCERS; i++)
    {
      reader_look (reader);
      g_thread_join (threads[i]);
    }
}

static void
test_model_counters (void)
{
  Reader reader;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GopodJob) blocker1 = NULL, blocker2 = NULL;
  Producer producers[N_PRODUCERS];
  TestGate gate;

  g_test_summary ("The model lists exactly the accepted, not-ended jobs, checked against "
                  "the pod's counters under concurrent adds, cancels, ends and a "
                  "discarding shutdown; a reader never sees an item that is not there");
  reader_init (&reader);
  test_gate_init (&gate);
  pod = gopod_pod_new (2);
  reader_watch (&reader, gopod_pod_get_jobs (pod));
  gopod_pod_start (pod);

  /* Both workers held: what producers add and cancel stays queued. */
  blocker1 = add_job (pod, pass_gate, &gate);
  blocker2 = add_job (pod, pass_gate, &gate);
  test_gate_wait_for_waiters (&gate, 2);
  run_producers (pod, &reader, producers, 7);
  assert_model_matches_pod (&reader, pod);
  g_assert_true (g_ptr_array_index (reader.shadow, 0) == blocker1);
  g_assert_true (g_ptr_array_index (reader.shadow, 1) == blocker2);
  g_assert_cmpuint (gopod_pod_get_running (pod), ==, 2);
  test_assert_counters_add_up (pod);
  for (guint i = 0; i < N_PRODUCERS; i++)
    g_ptr_array_unref (producers[i].jobs);

  /* Released: jobs end while more are added and cancelled, then a
   * discarding shutdown ends the rest. */
  test_gate_open (&gate);
  run_producers (pod, &reader, producers, 70);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL));
  assert_model_matches_pod (&reader, pod);
  g_assert_cmpuint (reader.shadow->len, ==, 0);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 2 + 2 * N_PRODUCERS * N_PER_PRODUCER);
  test_assert_counters_add_up (pod);
  for (guint i = 0; i < N_PRODUCERS; i++)
    g_ptr_array_unref (producers[i].jobs);
  test_gate_clear (&gate);
  reader_clear (&reader);
}

typedef struct
{
  GopodPod *pod;
  guint     n;
} Burst;

static gpointer
add_burst (gpointer data)
{
  Burst *burst = data;

  for (guint i = 0; i < burst->n; i++)
    g_object_unref (add_job (burst->pod, test_job_succeed, NULL));
  return NULL;
}

static void
test_model_burst (void)
{
  Reader reader;
  g_autoptr(GopodPod) pod = NULL;
  Burst burst;
  GThread *thread;

  g_test_summary ("100,000 jobs added in a burst from a thread make at most one "
                  "items-changed per main-loop iteration; run, they all leave");
  reader_init (&reader);
  pod = gopod_pod_new (2);
  reader_watch (&reader, gopod_pod_get_jobs (pod));
  burst = (Burst) { pod, 100000 };
  thread = g_thread_new ("burst", add_burst, &burst);
  while (reader.shadow->len < burst.n)
    {
      guint before = reader.emissions->len;

      g_main_context_iteration (reader.context, TRUE);
      g_assert_cmpuint (reader.emissions->len - before, <=, 1);
    }
  g_thread_join (thread);
  assert_model_matches_pod (&reader, pod);

  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  assert_model_matches_pod (&reader, pod);
  g_assert_cmpuint (reader.shadow->len, ==, 0);
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, burst.n);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  reader_clear (&reader);
}

static void
test_model_late_and_kept (void)
{
  Reader reader;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GopodJob) running = NULL, queued = NULL, done = NULL;
  TestGate gate;

  g_test_summary ("A model asked for late lists the jobs already there, running first; "
                  "under keep-ended-ms ended jobs stay until it is lowered");
  reader_init (&reader);
  test_gate_init (&gate);
  pod = gopod_pod_new (1);
  g_object_set (pod, "keep-ended-ms", 3600 * 1000, NULL);
  g_assert_cmpuint (gopod_pod_get_keep_ended_ms (pod), ==, 3600 * 1000);
  gopod_pod_start (pod);
  running = add_job (pod, pass_gate, &gate);
  queued = add_job (pod, test_job_succeed, NULL);
  test_gate_wait_for_waiters (&gate, 1);
  reader_watch (&reader, gopod_pod_get_jobs (pod));
  reader_look (&reader);
  g_assert_cmpuint (reader.shadow->len, ==, 2);
  g_assert_true (g_ptr_array_index (reader.shadow, 0) == running);
  g_assert_true (g_ptr_array_index (reader.shadow, 1) == queued);

  test_gate_open (&gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  done = add_job (pod, test_job_succeed, NULL);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  reader_look (&reader);
  g_assert_cmpuint (reader.shadow->len, ==, 3);
  g_assert_true (g_ptr_array_index (reader.shadow, 2) == done);
  g_assert_cmpint (gopod_job_get_state (g_ptr_array_index (reader.shadow, 2)), ==, GOPOD_JOB_STATE_SUCCEEDED);

  gopod_pod_set_keep_ended_ms (pod, 0);
  reader_look (&reader);
  g_assert_cmpuint (reader.shadow->len, ==, 0);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&gate);
  reader_clear (&reader);
}

/* --- pause in a pod --- */

static void
test_pod_passes_paused (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) paused = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GopodJob) other = NULL;

  g_test_summary ("A paused queued job is passed over and others start; resumed, it runs");
  gopod_job_pause (paused);
  g_assert_true (gopod_pod_add_job (pod, paused, NULL, NULL));
  other = add_job (pod, test_job_succeed, NULL);
  gopod_pod_start (pod);
  g_assert_true (gopod_job_wait (other, NULL, NULL));
  g_assert_cmpint (gopod_job_get_state (paused), ==, GOPOD_JOB_STATE_QUEUED);
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 1);
  g_assert_cmpuint (gopod_job_get_elapsed_ms (paused), ==, 0);

  gopod_job_resume (paused);
  g_assert_true (gopod_job_wait (paused, NULL, NULL));
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  test_assert_counters_add_up (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

static void
test_pod_paused_ends (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) discarded = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GopodJob) cancelled = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GopodJob) marker = NULL;

  g_test_summary ("A held paused job ends CANCELLED when cancelled, and by a discarding "
                  "shutdown; nothing is lost");
  gopod_job_pause (discarded);
  gopod_job_pause (cancelled);
  g_assert_true (gopod_pod_add_job (pod, discarded, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, cancelled, NULL, NULL));
  marker = add_job (pod, test_job_succeed, NULL);
  gopod_pod_start (pod);
  /* The marker ran: both paused jobs were popped and held before it. */
  g_assert_true (gopod_job_wait (marker, NULL, NULL));
  gopod_job_cancel (cancelled);
  g_assert_cmpint (gopod_job_get_state (cancelled), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 1);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL));
  g_assert_cmpint (gopod_job_get_state (discarded), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpuint (gopod_pod_get_cancelled (pod), ==, 2);
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);
  test_assert_counters_add_up (pod);
  /* Resuming an ended job is harmless. */
  gopod_job_resume (discarded);
}

/* A held job never started: it takes no start of the dispatch interval
 * (rule P6). With a minute's interval, a job behind a held one would
 * otherwise wait that minute for its start time. */
static gboolean
job_ended_or_slot_waiting (gpointer job)
{
  GopodPod *pod = g_object_get_data (job, "pod");

  return gopod_job_is_ended (job) || gopod_pod_core_get_n_slot_waiting (pod->core) > 0;
}

static void
test_pod_held_takes_no_start (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) paused = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GopodJob) other = NULL;

  g_test_summary ("A paused job a worker holds takes no start of the dispatch interval: "
                  "the job behind it starts at once");
  gopod_pod_set_dispatch_interval_ms (pod, 60000);
  gopod_job_pause (paused);
  g_assert_true (gopod_pod_add_job (pod, paused, NULL, NULL));
  other = add_job (pod, test_job_succeed, NULL);
  g_object_set_data (G_OBJECT (other), "pod", pod);
  gopod_pod_start (pod);
  /* Either it starts, or its worker waits for a start time that the held
   * job took. */
  g_assert_true (test_poll_until (job_ended_or_slot_waiting, other, 10000));
  g_assert_cmpint (gopod_job_get_state (other), ==, GOPOD_JOB_STATE_SUCCEEDED);
  g_assert_cmpint (gopod_job_get_state (paused), ==, GOPOD_JOB_STATE_QUEUED);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL));
}

/* --- keys --- */

typedef struct
{
  GMutex     lock;
  GString   *log;
  TestGate   gate;
} Lanes;

typedef struct
{
  Lanes      *lanes;
  const char *name;
  gboolean    wait;
} LaneWork;

static gboolean
lane_work (GopodJob      *job,
           GCancellable  *cancellable,
           gpointer       user_data,
           GError       **error)
{
  LaneWork *work = user_data;

  g_mutex_lock (&work->lanes->lock);
  g_string_append_printf (work->lanes->log, "+%s", work->name);
  g_mutex_unlock (&work->lanes->lock);
  if (work->wait)
    test_gate_pass (&work->lanes->gate);
  g_mutex_lock (&work->lanes->lock);
  g_string_append_printf (work->lanes->log, "-%s", work->name);
  g_mutex_unlock (&work->lanes->lock);
  return TRUE;
}

static GopodJob *
lane_job (Lanes      *lanes,
          const char *key,
          const char *name,
          int         priority,
          gboolean    wait)
{
  LaneWork *work = g_new (LaneWork, 1);
  GopodJob *job;

  *work = (LaneWork) { lanes, name, wait };
  job = gopod_job_new_func (lane_work, work, g_free);
  gopod_job_set_key (job, key);
  gopod_job_set_priority (job, priority);
  return job;
}

/* The entries of @log ("+a1-a1+b1...") whose job name starts with @key, in
 * order, are @expected. */
static void
assert_lane (const char *log,
             char        key,
             const char *expected)
{
  g_autoptr(GString) lane = g_string_new (NULL);

  for (const char *p = log; *p != '\0'; p += 3)
    if (p[1] == key)
      g_string_append_len (lane, p, 3);
  g_assert_cmpstr (lane->str, ==, expected);
}

static void
test_keys (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (4);
  Lanes lanes;
  g_autoptr(GopodJob) a1 = NULL, a2 = NULL, a3 = NULL, b1 = NULL, b2 = NULL;
  g_autoptr(GopodJob) found = NULL;

  g_test_summary ("Jobs of one key run one at a time in the order added while other keys "
                  "pass them; lookup_job finds the newest not-ended job of a key");
  g_mutex_init (&lanes.lock);
  lanes.log = g_string_new (NULL);
  test_gate_init (&lanes.gate);
  a1 = lane_job (&lanes, "a", "a1", 0, TRUE);
  a2 = lane_job (&lanes, "a", "a2", 0, FALSE);
  a3 = lane_job (&lanes, "a", "a3", -100, FALSE);  /* priority does not jump its lane */
  b1 = lane_job (&lanes, "b", "b1", 0, FALSE);
  b2 = lane_job (&lanes, "b", "b2", 0, FALSE);
  g_assert_null (gopod_pod_lookup_job (pod, "a"));
  g_assert_true (gopod_pod_add_job (pod, a1, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, a2, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, a3, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, b1, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, b2, NULL, NULL));
  found = gopod_pod_lookup_job (pod, "a");
  g_assert_true (found == a3);
  gopod_pod_start (pod);

  /* a1 held at its gate: b's lane goes through, a's waits. */
  test_gate_wait_for_waiters (&lanes.gate, 1);
  g_assert_true (gopod_job_wait (b2, NULL, NULL));
  g_assert_cmpint (gopod_job_get_state (a2), ==, GOPOD_JOB_STATE_QUEUED);
  g_assert_cmpint (gopod_job_get_state (a3), ==, GOPOD_JOB_STATE_QUEUED);

  test_gate_open (&lanes.gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_mutex_lock (&lanes.lock);
  /* Each lane in its order; the lanes interleave as they please. */
  assert_lane (lanes.log->str, 'a', "+a1-a1+a2-a2+a3-a3");
  assert_lane (lanes.log->str, 'b', "+b1-b1+b2-b2");
  g_mutex_unlock (&lanes.lock);
  g_assert_null (gopod_pod_lookup_job (pod, "a"));
  test_assert_counters_add_up (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&lanes.gate);
  g_string_free (lanes.log, TRUE);
  g_mutex_clear (&lanes.lock);
}

static void
test_keys_priority (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  Lanes lanes;
  g_autoptr(GopodJob) x = NULL, y = NULL, z = NULL;

  g_test_summary ("Priority orders jobs within what the keys allow");
  g_mutex_init (&lanes.lock);
  lanes.log = g_string_new (NULL);
  test_gate_init (&lanes.gate);
  x = lane_job (&lanes, "k", "x", 0, FALSE);
  y = lane_job (&lanes, "k", "y", -10, FALSE);
  z = lane_job (&lanes, NULL, "z", -5, FALSE);
  g_assert_true (gopod_pod_add_job (pod, x, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, y, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, z, NULL, NULL));
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  /* y first by priority, but behind x in its lane: z, then x, then y. */
  g_assert_cmpstr (lanes.log->str, ==, "+z-z+x-x+y-y");
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&lanes.gate);
  g_string_free (lanes.log, TRUE);
  g_mutex_clear (&lanes.lock);
}

/* --- progress --- */

static gboolean
half_then_gate (GopodJob      *job,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  gopod_job_set_progress (job, 0.5);
  test_gate_pass (user_data);
  return TRUE;
}

static void
record_pod_progress (GopodPod   *pod,
                     GParamSpec *pspec,
                     double     *seen)
{
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  *seen = gopod_pod_get_progress (pod);
}

/* Gate 0 before its progress, gate 1 after it. */
static gboolean
gate_half_gate (GopodJob      *job,
                GCancellable  *cancellable,
                gpointer       user_data,
                GError       **error)
{
  TestGate *gates = user_data;

  test_gate_pass (&gates[0]);
  gopod_job_set_progress (job, 0.5);
  test_gate_pass (&gates[1]);
  return TRUE;
}

static void
test_pod_progress_follows_jobs (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = NULL;
  TestGate gates[2];
  double seen = -1.0;

  g_test_summary ("A running job's progress moves the pod's: notify::progress on the "
                  "pod's context, with the new value, before any job ends");
  test_gate_init (&gates[0]);
  test_gate_init (&gates[1]);
  g_signal_connect (pod, "notify::progress", G_CALLBACK (record_pod_progress), &seen);
  gopod_pod_start (pod);
  job = add_job (pod, gate_half_gate, gates);
  /* What the job's acceptance queued, told while it runs at 0. */
  test_gate_wait_for_waiters (&gates[0], 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpfloat (seen, ==, 0.0);

  test_gate_open (&gates[0]);
  test_gate_wait_for_waiters (&gates[1], 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpfloat (seen, ==, 0.5);

  test_gate_open (&gates[1]);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&gates[0]);
  test_gate_clear (&gates[1]);
}

static void
test_pod_progress (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) j1 = NULL, j2 = NULL, j3 = NULL, j4 = NULL;
  TestGate gate;

  g_test_summary ("A pod's progress counts ended jobs 1 and running ones their progress, "
                  "over the jobs accepted since it was last idle, and is 0 when idle");
  test_gate_init (&gate);
  g_assert_cmpfloat (gopod_pod_get_progress (pod), ==, 0.0);
  j1 = add_job (pod, test_job_succeed, NULL);
  j2 = add_job (pod, test_job_succeed, NULL);
  j3 = add_job (pod, half_then_gate, &gate);
  j4 = add_job (pod, test_job_succeed, NULL);
  g_assert_cmpfloat (gopod_pod_get_progress (pod), ==, 0.0);
  gopod_pod_start (pod);
  test_gate_wait_for_waiters (&gate, 1);
  g_assert_cmpfloat_with_epsilon (gopod_pod_get_progress (pod), 2.5 / 4, 1e-9);
  test_gate_open (&gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpfloat (gopod_pod_get_progress (pod), ==, 0.0);

  /* A new batch starts from 0. */
  gopod_pod_pause (pod);
  g_clear_object (&j1);
  j1 = add_job (pod, test_job_succeed, NULL);
  g_assert_cmpfloat (gopod_pod_get_progress (pod), ==, 0.0);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&gate);
}

/* --- the application hold --- */

typedef struct
{
  GopodPod *pod;
  TestGate  gate;
  GopodJob *job;
  gboolean  ended_before_quit;
  gboolean  discard;  /* the second run: shut the pod down while it is busy */
} AppRun;

static gboolean
discard_pod (gpointer data)
{
  AppRun *run = data;

  g_assert_true (gopod_pod_shutdown (run->pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL));
  return G_SOURCE_REMOVE;
}

static gpointer
open_when_waited (gpointer data)
{
  AppRun *run = data;

  test_gate_wait_for_waiters (&run->gate, 1);
  test_gate_open (&run->gate);
  return NULL;
}

static void
app_activate (GApplication *app,
              AppRun       *run)
{
  /* No window, no hold of our own: only the pod keeps the application
   * running until the job is done. */
  g_clear_object (&run->job);
  run->job = add_job (run->pod, pass_gate, &run->gate);
  if (run->discard)
    g_idle_add (discard_pod, run);
}

static void
app_shutdown (GApplication *app,
              AppRun       *run)
{
  run->ended_before_quit = gopod_job_is_ended (run->job);
}

/* Runs a fresh application (one can run only once) with @run's pod. */
static void
run_application (AppRun *run)
{
  g_autoptr(GApplication) app = g_application_new ("org.gnome.PodGlib.TestRegistry",
                                                    G_APPLICATION_NON_UNIQUE);
  g_autoptr(GApplication) got = NULL;

  gopod_pod_set_application (run->pod, app);
  g_object_get (run->pod, "application", &got, NULL);
  g_assert_true (got == app);
  g_signal_connect (app, "activate", G_CALLBACK (app_activate), run);
  g_signal_connect (app, "shutdown", G_CALLBACK (app_shutdown), run);
  g_assert_cmpint (g_application_run (app, 0, NULL), ==, 0);
  g_assert_true (run->ended_before_quit);
}

static void
test_application_hold (void)
{
  AppRun run = { NULL };
  GThread *opener;

  g_test_summary ("A real GApplication with no window keeps running while the pod has "
                  "work, and quits once the pod is idle, or shut down while busy");
  run.pod = gopod_pod_new (1);
  test_gate_init (&run.gate);
  gopod_pod_start (run.pod);
  opener = g_thread_new ("opener", open_when_waited, &run);
  run_application (&run);
  g_thread_join (opener);
  g_assert_true (gopod_job_get_state (run.job) == GOPOD_JOB_STATE_SUCCEEDED);

  /* Paused, the job stays queued until the shutdown discards it. */
  gopod_pod_pause (run.pod);
  run.discard = TRUE;
  run_application (&run);
  g_assert_true (gopod_job_get_state (run.job) == GOPOD_JOB_STATE_CANCELLED);
  gopod_pod_set_application (run.pod, NULL);
  g_clear_object (&run.job);
  g_object_unref (run.pod);
  test_gate_clear (&run.gate);
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

/* --- lanes, priorities and the model against the workers --- */

/* A job that logs "+name", passes its gate (if any), then logs "-name". */
typedef struct
{
  GMutex    *lock;
  GString   *log;
  TestGate  *gate;
  const char *name;
} LoggedWork;

static gboolean
logged_work (GopodJob      *job,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  LoggedWork *work = user_data;

  g_mutex_lock (work->lock);
  g_string_append_printf (work->log, "+%s", work->name);
  g_mutex_unlock (work->lock);
  if (work->gate != NULL)
    test_gate_pass (work->gate);
  g_mutex_lock (work->lock);
  g_string_append_printf (work->log, "-%s", work->name);
  g_mutex_unlock (work->lock);
  return TRUE;
}

static GopodJob *
logged_job (GMutex     *lock,
            GString    *log,
            TestGate   *gate,
            const char *name,
            const char *key,
            int         priority)
{
  LoggedWork *work = g_new (LoggedWork, 1);
  GopodJob *job;

  *work = (LoggedWork) { lock, log, gate, name };
  job = gopod_job_new_func (logged_work, work, g_free);
  gopod_job_set_key (job, key);
  gopod_job_set_priority (job, priority);
  return job;
}

typedef struct
{
  GMutex     *lock;
  GString    *log;
  const char *a, *b;
} LogHasEither;

static gboolean
log_has_either (gpointer data)
{
  LogHasEither *e = data;
  gboolean found;

  g_mutex_lock (e->lock);
  found = strstr (e->log->str, e->a) != NULL || strstr (e->log->str, e->b) != NULL;
  g_mutex_unlock (e->lock);
  return found;
}

static void
test_lane_head_before_later_job (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  g_autoptr(GopodJob) a1 = NULL, a2 = NULL, c1 = NULL, d1 = NULL;
  GMutex lock;
  GString *log = g_string_new (NULL);
  TestGate gate_a, gate_c;
  LogHasEither either;
  const char *a2_at, *d1_at;

  g_test_summary ("When a keyed job ends, the held next job of its lane is queued again "
                  "before the worker that ran the ended job goes straight on (rule P13): "
                  "a more urgent job added earlier starts before a later, less urgent one");
  g_mutex_init (&lock);
  test_gate_init (&gate_a);
  test_gate_init (&gate_c);
  a1 = logged_job (&lock, log, &gate_a, "a1", "k", 0);
  a2 = logged_job (&lock, log, NULL, "a2", "k", -10);
  c1 = logged_job (&lock, log, &gate_c, "c1", NULL, 10);
  d1 = logged_job (&lock, log, &gate_c, "d1", NULL, 10);
  g_assert_true (gopod_pod_add_job (pod, a1, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, a2, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, c1, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, d1, NULL, NULL));
  gopod_pod_start (pod);

  /* a2 (most urgent) popped first and held behind a1 (its lane), then a1
   * runs on one worker, c1 on the other. */
  test_gate_wait_for_waiters (&gate_a, 1);
  test_gate_wait_for_waiters (&gate_c, 1);
  g_assert_cmpint (gopod_job_get_state (a2), ==, GOPOD_JOB_STATE_QUEUED);
  g_assert_cmpint (gopod_job_get_state (d1), ==, GOPOD_JOB_STATE_QUEUED);

  /* a1 ends: a2 may start now, and is more urgent than d1. */
  test_gate_open (&gate_a);
  either = (LogHasEither) { &lock, log, "+a2", "+d1" };
  g_assert_true (test_poll_until (log_has_either, &either, 10000));
  g_mutex_lock (&lock);
  a2_at = strstr (log->str, "+a2");
  d1_at = strstr (log->str, "+d1");
  g_test_message ("log: %s", log->str);
  g_assert_nonnull (a2_at);
  g_assert_true (d1_at == NULL || a2_at < d1_at);
  g_mutex_unlock (&lock);

  test_gate_open (&gate_c);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  test_assert_counters_add_up (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&gate_a);
  test_gate_clear (&gate_c);
  g_string_free (log, TRUE);
  g_mutex_clear (&lock);
}

static void
test_priority_read_when_added (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) first = NULL, second = NULL;
  GMutex lock;
  GString *log = g_string_new (NULL);

  g_test_summary ("A job's priority is read when it is added: raising it later (a larger "
                  "value) does not let a job added after it, of its old priority, pass it");
  g_mutex_init (&lock);
  first = logged_job (&lock, log, NULL, "p1", NULL, 0);
  second = logged_job (&lock, log, NULL, "p2", NULL, 0);
  g_assert_true (gopod_pod_add_job (pod, first, NULL, NULL));
  gopod_job_set_priority (first, 100);
  g_assert_true (gopod_pod_add_job (pod, second, NULL, NULL));
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpstr (log->str, ==, "+p1-p1+p2-p2");
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_string_free (log, TRUE);
  g_mutex_clear (&lock);
}

static gboolean
reader_is_empty (gpointer reader)
{
  return ((Reader *) reader)->shadow->len == 0;
}

static gboolean
model_has (GListModel *model,
           gpointer    item)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) o = g_list_model_get_item (model, i);

      if (o == item)
        return TRUE;
    }
  return FALSE;
}

/* Whether a worker sleeps in the pod's queue (a negative length counts
 * the threads waiting in it). */
static gboolean
worker_sleeps_in_queue (gpointer pod)
{
  return g_async_queue_length (((GopodPod *) pod)->core->queue) < 0;
}

/* The pod's idle workers sleep in g_async_queue_timeout_pop() and take
 * what they pop to the pod's lock afterwards. This stand-in for GLib's (the
 * test's definition is the one the library's calls find) holds a worker
 * that popped `held_item` from `held_queue` at a gate, between its pop and
 * its taking the pod's lock, so that the test acts in that window. */
static GAsyncQueue *held_queue;
static gpointer held_item;
static TestGate held_gate;

gpointer
g_async_queue_timeout_pop (GAsyncQueue *queue,
                           guint64      timeout)
{
  static gsize real;
  gpointer item;

  if (g_once_init_enter (&real))
    g_once_init_leave (&real, (gsize) dlsym (RTLD_NEXT, "g_async_queue_timeout_pop"));
  item = ((gpointer (*) (GAsyncQueue *, guint64)) real) (queue, timeout);
  if (item != NULL && queue == g_atomic_pointer_get (&held_queue) &&
      item == g_atomic_pointer_get (&held_item))
    test_gate_pass (&held_gate);
  return item;
}

static void
test_model_sees_job_in_flight (void)
{
  Reader reader;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GopodJob) blocker = NULL, warm = NULL, job = NULL;
  TestGate gate0, gate1;

  g_test_summary ("A model asked for while an idle worker holds a job it took out of "
                  "the queue without the pod's lock, not yet recorded as running, "
                  "lists that job (rule G4: seeded with the running and queued jobs)");
  reader_init (&reader);
  test_gate_init (&gate0);
  test_gate_init (&gate1);
  test_gate_init (&held_gate);
  pod = gopod_pod_new (2);
  gopod_pod_set_idle_timeout_ms (pod, 60000);
  gopod_pod_start (pod);
  /* One worker busy, so the other does not spin when idle: it sleeps in
   * the queue, and pops from there without the pod's lock. */
  blocker = add_job (pod, pass_gate, &gate0);
  test_gate_wait_for_waiters (&gate0, 1);
  warm = add_job (pod, test_job_succeed, NULL);
  g_assert_true (gopod_job_wait (warm, NULL, NULL));
  g_assert_true (test_poll_until (worker_sleeps_in_queue, pod, 10000));

  job = gopod_job_new_func (pass_gate, &gate1, NULL);
  g_atomic_pointer_set (&held_item, job);
  g_atomic_pointer_set (&held_queue, pod->core->queue);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  /* The worker popped it and waits before taking the pod's lock. */
  test_gate_wait_for_waiters (&held_gate, 1);
  reader_watch (&reader, gopod_pod_get_jobs (pod));
  test_gate_open (&held_gate);
  test_gate_wait_for_waiters (&gate1, 1);
  g_atomic_pointer_set (&held_queue, NULL);
  reader_look (&reader);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_RUNNING);
  g_assert_true (model_has (reader.model, job));

  test_gate_open (&gate0);
  test_gate_open (&gate1);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_iterate_until_holds (reader.context, reader_is_empty, &reader, 10000);
  reader_clear (&reader);
  test_gate_clear (&gate0);
  test_gate_clear (&gate1);
  test_gate_clear (&held_gate);
}

static gboolean
pod_has_no_worker (gpointer pod)
{
  return gopod_pod_get_workers (pod) == 0;
}

/* Starts @pod, lets its idle worker fall asleep in the queue and adds
 * @job: returns once that worker popped it and waits at `held_gate`,
 * before it takes the pod's lock. */
static void
pop_job_at_gate (GopodPod *pod,
                 GopodJob *job)
{
  g_autoptr(GopodJob) warm = NULL;

  gopod_pod_set_idle_timeout_ms (pod, 60000);
  gopod_pod_start (pod);
  warm = add_job (pod, test_job_succeed, NULL);
  g_assert_true (gopod_job_wait (warm, NULL, NULL));
  g_assert_true (test_poll_until (worker_sleeps_in_queue, pod, 10000));

  g_atomic_pointer_set (&held_item, job);
  g_atomic_pointer_set (&held_queue, pod->core->queue);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  test_gate_wait_for_waiters (&held_gate, 1);
}

/* A job an idle worker popped without the pod's lock, and that ended
 * (cancelled) before that worker took the lock, is not held: held, nobody
 * would ever take it out again (its end func ran already), the pod would
 * count it queued forever and never go idle (rules G5, G7). */
static void
test_ended_in_flight_not_held (gconstpointer data)
{
  gboolean keyed = GPOINTER_TO_INT (data);
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GopodJob) blocker = NULL, job = NULL;
  TestGate gate0;

  g_test_summary ("A paused or keyed job cancelled while an idle worker holds it between "
                  "its lockless pop and the pod's lock is counted out, not held (G5)");
  test_gate_init (&gate0);
  test_gate_init (&held_gate);
  pod = gopod_pod_new (2);
  gopod_pod_start (pod);
  blocker = add_job (pod, pass_gate, &gate0);
  test_gate_wait_for_waiters (&gate0, 1);
  job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  if (keyed)
    gopod_job_set_key (job, "lane");
  else
    gopod_job_pause (job);
  pop_job_at_gate (pod, job);
  g_atomic_pointer_set (&held_queue, NULL);
  gopod_job_cancel (job);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_CANCELLED);
  test_gate_open (&held_gate);
  /* Back asleep in the queue: it dealt with the job. */
  g_assert_true (test_poll_until (worker_sleeps_in_queue, pod, 10000));
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);

  test_gate_open (&gate0);
  g_assert_true (gopod_job_wait (blocker, NULL, NULL));
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&gate0);
  test_gate_clear (&held_gate);
}

/* Resuming a keyed job that was held paused and then ended (its lane gone
 * with it) does nothing: the resume hook looks for a lane that is no more. */
static void
test_resume_ended_keyed (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GopodJob) marker = NULL;

  g_test_summary ("Resuming a keyed job that ended while held paused is harmless (G6, G7)");
  gopod_job_set_key (job, "lane");
  gopod_job_pause (job);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  marker = add_job (pod, test_job_succeed, NULL);
  gopod_pod_start (pod);
  /* The marker ran: the paused job was popped and held before it. */
  g_assert_true (gopod_job_wait (marker, NULL, NULL));
  gopod_job_cancel (job);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_CANCELLED);
  gopod_job_resume (job);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);
  test_assert_counters_add_up (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

/* A pod's list holds its jobs, and a job a worker looked at for its key or
 * pause holds a reference to the pod's core for its resume hook: a kept job
 * must not keep the core, and with it the list, alive for ever. */
static void
list_gone (gpointer  data,
           GObject  *where_the_object_was)
{
  g_atomic_int_set ((int *) data, TRUE);
}

static void
test_model_kept_keyed_freed (gconstpointer data)
{
  const char *key = data;
  GopodPod *pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  GListModel *jobs;
  int freed = FALSE;

  g_test_summary ("A pod dropped with a kept ended job in its list, keyed or not, frees "
                  "its list (no cycle through the job's resume hook)");
  gopod_pod_set_keep_ended_ms (pod, G_MAXUINT);
  jobs = gopod_pod_get_jobs (pod);
  g_object_weak_ref (G_OBJECT (jobs), list_gone, &freed);
  gopod_job_set_key (job, key);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  gopod_pod_start (pod);
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_object_unref (pod);
  g_object_unref (jobs);
  g_clear_object (&job);
  /* The last worker lets go of the core after the shutdown returned. */
  g_assert_true (test_poll_until (test_flag_is_set, &freed, 10000));
}

/* A job whose `finish` looks its own key up, as one that adds a follow-up
 * of the same key, unless one is pending, would. */
typedef struct
{
  GopodJob  parent_instance;
  GopodPod *pod;
  GopodJob *found;  /* what lookup_job gave `finish` */
} LookupJob;

typedef struct
{
  GopodJobClass parent_class;
} LookupJobClass;

static GType lookup_job_get_type (void);
G_DEFINE_TYPE (LookupJob, lookup_job, GOPOD_TYPE_JOB)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LookupJob, g_object_unref)

static gboolean
lookup_job_run (GopodJob      *job,
                GCancellable  *cancellable,
                GError       **error)
{
  return TRUE;
}

static void
lookup_job_finish (GopodJob *job)
{
  LookupJob *self = (LookupJob *) job;

  self->found = gopod_pod_lookup_job (self->pod, gopod_job_get_key (job));
}

static void
lookup_job_dispose (GObject *object)
{
  g_clear_object (&((LookupJob *) object)->found);
  G_OBJECT_CLASS (lookup_job_parent_class)->dispose (object);
}

static void
lookup_job_class_init (LookupJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->run = lookup_job_run;
  GOPOD_JOB_CLASS (klass)->finish = lookup_job_finish;
  G_OBJECT_CLASS (klass)->dispose = lookup_job_dispose;
}

static void
lookup_job_init (LookupJob *self)
{
}

static void
test_lookup_skips_ended (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(LookupJob) job = g_object_new (lookup_job_get_type (), "key", "lane", NULL);
  g_autoptr(LookupJob) queued = g_object_new (lookup_job_get_type (), "key", "lane", NULL);

  g_test_summary ("lookup_job never returns a job that has ended, also while its end is "
                  "on its way (from its own finish)");
  job->pod = queued->pod = pod;
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  gopod_pod_start (pod);
  g_assert_true (gopod_job_wait (GOPOD_JOB (job), NULL, NULL));
  g_assert_null (job->found);

  /* Cancelled while queued behind nothing else of its key: it ends in the
   * cancelling thread, its own finish looking. */
  gopod_pod_pause (pod);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (queued), NULL, NULL));
  gopod_job_cancel (GOPOD_JOB (queued));
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (queued)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_null (queued->found);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

/* The worker that ran a job hands its slot to the next queued one under the
 * lock (P13) and starts it after letting go of the first: the first one's
 * finalization, which it may run there (J10), holds it in between. */
static void
hold_worker_in_finalize (gpointer  data,
                         GObject  *where_the_object_was)
{
  test_gate_pass (data);
}

static void
test_model_skips_ended_running (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) next = NULL;
  g_autoptr(GListModel) jobs = NULL;
  GopodJob *first;
  TestGate run_gate, finalize_gate;

  g_test_summary ("A model made while a job the worker took for its slot was cancelled "
                  "before it started does not list that ended job for ever (G4)");
  test_gate_init (&run_gate);
  test_gate_init (&finalize_gate);
  first = add_job (pod, pass_gate, &run_gate);
  next = add_job (pod, test_job_succeed, NULL);
  gopod_pod_start (pod);
  test_gate_wait_for_waiters (&run_gate, 1);
  /* The pod's reference is the last: the worker finalizes it itself, nobody
   * running the job's context. */
  g_object_weak_ref (G_OBJECT (first), hold_worker_in_finalize, &finalize_gate);
  g_object_unref (first);
  test_gate_open (&run_gate);
  test_gate_wait_for_waiters (&finalize_gate, 1);

  /* @next is out of the queue, counted running, not started yet:
   * cancelled, it ends here. */
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);
  g_assert_cmpuint (gopod_pod_get_running (pod), ==, 1);
  g_assert_cmpint (gopod_job_get_state (next), ==, GOPOD_JOB_STATE_QUEUED);
  gopod_job_cancel (next);
  g_assert_cmpint (gopod_job_get_state (next), ==, GOPOD_JOB_STATE_CANCELLED);
  jobs = gopod_pod_get_jobs (pod);
  test_gate_open (&finalize_gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 0);
  test_assert_counters_add_up (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&run_gate);
  test_gate_clear (&finalize_gate);
}

/* The pod may hold the last reference to its application: letting go of
 * it finalizes it, and whatever that runs (a subclass's dispose, a weak
 * notify, a binding's toggle notify) must not run under the pod's lock
 * (internals rule 1). */
typedef struct
{
  GopodPod *pod;
  gboolean  freed;
  gboolean  under_lock;
} AppGone;

static void
app_gone (gpointer  data,
          GObject  *where_the_object_was)
{
  AppGone *gone = data;

  gone->freed = TRUE;
  /* Nothing else in the test takes the pod's lock now. */
  gone->under_lock = !g_mutex_trylock (&gone->pod->core->lock);
  if (!gone->under_lock)
    g_mutex_unlock (&gone->pod->core->lock);
}

static gboolean
app_gone_freed (gpointer data)
{
  return ((AppGone *) data)->freed;
}

static void
test_application_unref_unlocked (gconstpointer data)
{
  gboolean busy = GPOINTER_TO_INT (data);
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = NULL;
  GApplication *app = g_application_new (NULL, G_APPLICATION_DEFAULT_FLAGS);
  AppGone gone = { pod, FALSE, FALSE };
  TestGate gate;

  g_test_summary ("An application whose last reference the pod held is finalized "
                  "without the pod's lock held (rules 1, G9)");
  test_gate_init (&gate);
  gopod_pod_start (pod);
  if (busy)
    {
      job = add_job (pod, pass_gate, &gate);
      test_gate_wait_for_waiters (&gate, 1);
    }
  gopod_pod_set_application (pod, app);
  /* The hold, if any, is taken on the pod's context. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_weak_ref (G_OBJECT (app), app_gone, &gone);
  g_object_unref (app);
  gopod_pod_set_application (pod, NULL);
  test_iterate_until_holds (NULL, app_gone_freed, &gone, 10000);
  g_assert_true (gone.freed);
  g_assert_false (gone.under_lock);

  test_gate_open (&gate);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&gate);
}

/* A pod made on a thread with a context of its own (pushed as its
 * thread-default, then never run again) still holds an application, which
 * runs on the global default context (g_application_run() uses no other). */
static gpointer
make_pod_elsewhere (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  GopodPod *pod;

  g_main_context_push_thread_default (context);
  pod = gopod_pod_new (1);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return pod;
}

typedef struct
{
  GopodPod *pod;
  TestGate  gate;
  GopodJob *job;
  gboolean  ended_at_shutdown;
} AppElsewhere;

static gboolean
open_gate_idle (gpointer data)
{
  test_gate_open (data);
  return G_SOURCE_REMOVE;
}

static void
elsewhere_activate (GApplication *app,
                    AppElsewhere *run)
{
  run->job = add_job (run->pod, pass_gate, &run->gate);
  /* Opened only if the application keeps running its loop: it does only
   * while the pod holds it. */
  g_idle_add (open_gate_idle, &run->gate);
}

static void
elsewhere_shutdown (GApplication *app,
                    AppElsewhere *run)
{
  run->ended_at_shutdown = gopod_job_is_ended (run->job);
}

static void
test_application_other_context (void)
{
  GApplication *app = g_application_new ("org.gnome.PodGlib.TestRegistryElsewhere",
                                          G_APPLICATION_NON_UNIQUE);
  AppElsewhere run = { NULL };
  GThread *maker;

  g_test_summary ("A pod made on a thread whose thread-default context is not the "
                  "application's still holds the application while it has work (G9)");
  maker = g_thread_new ("maker", make_pod_elsewhere, NULL);
  run.pod = g_thread_join (maker);
  test_gate_init (&run.gate);
  gopod_pod_start (run.pod);
  gopod_pod_set_application (run.pod, app);
  g_signal_connect (app, "activate", G_CALLBACK (elsewhere_activate), &run);
  g_signal_connect (app, "shutdown", G_CALLBACK (elsewhere_shutdown), &run);
  g_assert_cmpint (g_application_run (app, 0, NULL), ==, 0);
  g_assert_true (run.ended_at_shutdown);

  test_gate_open (&run.gate);
  g_assert_true (gopod_pod_wait (run.pod, NULL, NULL));
  gopod_pod_set_application (run.pod, NULL);
  g_assert_true (gopod_pod_shutdown (run.pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&run.job);
  g_object_unref (run.pod);
  g_object_unref (app);
  test_gate_clear (&run.gate);
}

/* What a Python or GJS program writes: set the application, run it, and
 * once g_application_run() returned, unset it. Nobody runs the application's
 * context any more, so letting go of it must not wait for that context. */
static void
test_application_unset_after_run (void)
{
  GApplication *app = g_application_new ("org.gnome.PodGlib.TestRegistryAfterRun",
                                          G_APPLICATION_NON_UNIQUE);
  AppElsewhere run = { NULL };

  g_test_summary ("Unsetting the application after g_application_run() returned lets "
                  "go of it at once: nobody runs its context any more (G9)");
  run.pod = gopod_pod_new (1);
  test_gate_init (&run.gate);
  gopod_pod_start (run.pod);
  gopod_pod_set_application (run.pod, app);
  g_signal_connect (app, "activate", G_CALLBACK (elsewhere_activate), &run);
  g_signal_connect (app, "shutdown", G_CALLBACK (elsewhere_shutdown), &run);
  g_assert_cmpint (g_application_run (app, 0, NULL), ==, 0);
  g_assert_true (run.ended_at_shutdown);

  /* The release ran before the application quit, and its unref in the
   * flush g_application_run() ends with: the pod's reference is the last
   * but ours. */
  gopod_pod_set_application (run.pod, NULL);
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &app);
  g_object_unref (app);
  g_assert_null (app);

  g_clear_object (&run.job);
  g_assert_true (gopod_pod_shutdown (run.pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_object_unref (run.pod);
  test_gate_clear (&run.gate);
}

static gboolean
one_worker_left (gpointer pod)
{
  return gopod_pod_get_workers (pod) == 1;
}

/* The same window, with the pod paused before the worker takes the lock:
 * the worker may not start anything and leaves, and the job it popped,
 * ended meanwhile, must not go back to the queue, where it would count as
 * queued (and cancelled) until the pod is started again. */
static void
test_ended_in_flight_paused_pod (void)
{
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GopodJob) blocker = NULL, job = NULL;
  TestGate gate0;

  g_test_summary ("A job cancelled while an idle worker holds it between its lockless pop "
                  "and the pod's lock, the pod paused meanwhile, is counted out at once");
  test_gate_init (&gate0);
  test_gate_init (&held_gate);
  pod = gopod_pod_new (2);
  gopod_pod_start (pod);
  blocker = add_job (pod, pass_gate, &gate0);
  test_gate_wait_for_waiters (&gate0, 1);
  job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  pop_job_at_gate (pod, job);
  g_atomic_pointer_set (&held_queue, NULL);
  gopod_job_cancel (job);
  gopod_pod_pause (pod);
  test_gate_open (&held_gate);
  /* The worker found the pod paused and left. */
  g_assert_true (test_poll_until (one_worker_left, pod, 10000));
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);
  test_assert_counters_add_up (pod);

  test_gate_open (&gate0);
  g_assert_true (gopod_job_wait (blocker, NULL, NULL));
  /* Paused, with nothing queued or running: idle. */
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  test_gate_clear (&gate0);
  test_gate_clear (&held_gate);
}

static void
test_popped_cancelled_put_back (void)
{
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GopodJob) job = NULL;

  g_test_summary ("A job cancelled while a worker holds it out of the queue (popped "
                  "without the pod's lock), then put back because the pod was paused, "
                  "is counted once, and a discarding shutdown forgets it (rules P12, P15, P16)");
  test_gate_init (&held_gate);
  pod = gopod_pod_new (1);
  job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  pop_job_at_gate (pod, job);
  /* Its end func finds it out of the queue: the worker is to count it out. */
  gopod_job_cancel (job);
  gopod_pod_pause (pod);
  test_gate_open (&held_gate);
  g_assert_true (test_poll_until (pod_has_no_worker, pod, 10000));
  g_atomic_pointer_set (&held_queue, NULL);

  g_assert_cmpuint (gopod_pod_get_cancelled (pod), ==, 1);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL));
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 2);
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 1);
  g_assert_cmpuint (gopod_pod_get_cancelled (pod), ==, 1);
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);
  g_clear_object (&pod);  /* the core's last reference: nothing left discarded */
  test_gate_clear (&held_gate);
}

static void
test_pod_drain_cancelled_held (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) paused = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GopodJob) marker = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  g_test_summary ("A draining shutdown that waits for a held paused job returns once "
                  "that job is cancelled, also when idle workers never time out (rule P16)");
  gopod_pod_set_idle_timeout_ms (pod, G_MAXUINT);
  gopod_job_pause (paused);
  g_assert_true (gopod_pod_add_job (pod, paused, NULL, NULL));
  marker = add_job (pod, test_job_succeed, NULL);
  gopod_pod_start (pod);
  /* The marker ran: the paused job was popped and held before it. */
  g_assert_true (gopod_job_wait (marker, NULL, NULL));
  gopod_pod_shutdown_async (pod, GOPOD_SHUTDOWN_DRAIN, NULL, test_store_result, &result);
  /* Woken by the shutdown, the worker sleeps again: a job is still queued. */
  g_assert_true (test_poll_until (worker_sleeps_in_queue, pod, 10000));
  gopod_job_cancel (paused);
  test_wait_for_result (NULL, &result, 5000);
  g_assert_true (gopod_pod_shutdown_finish (pod, result, NULL));
  g_assert_cmpuint (gopod_pod_get_workers (pod), ==, 0);
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
  g_test_add_func ("/Gopod/Registry/remaining/tiny-progress", test_remaining_tiny_progress);
  g_test_add_func ("/Gopod/Registry/key", test_key);
  g_test_add_func ("/Gopod/Registry/model/counters", test_model_counters);
  g_test_add_func ("/Gopod/Registry/model/burst", test_model_burst);
  g_test_add_func ("/Gopod/Registry/model/late-and-kept", test_model_late_and_kept);
  g_test_add_func ("/Gopod/Registry/pod/passes-paused", test_pod_passes_paused);
  g_test_add_func ("/Gopod/Registry/pod/paused-ends", test_pod_paused_ends);
  g_test_add_func ("/Gopod/Registry/pod/held-takes-no-start", test_pod_held_takes_no_start);
  g_test_add_func ("/Gopod/Registry/keys/lanes", test_keys);
  g_test_add_func ("/Gopod/Registry/keys/priority", test_keys_priority);
  g_test_add_func ("/Gopod/Registry/progress", test_pod_progress);
  g_test_add_func ("/Gopod/Registry/progress/follows-jobs", test_pod_progress_follows_jobs);
  g_test_add_func ("/Gopod/Registry/application", test_application_hold);
  g_test_add_func ("/Gopod/Registry/bad-input", test_bad_input);
  g_test_add_func ("/Gopod/Registry/lane/head-before-later-job", test_lane_head_before_later_job);
  g_test_add_func ("/Gopod/Registry/priority/read-when-added", test_priority_read_when_added);
  g_test_add_func ("/Gopod/Registry/model/sees-job-in-flight", test_model_sees_job_in_flight);
  g_test_add_data_func ("/Gopod/Registry/held/ended-in-flight/paused", GINT_TO_POINTER (FALSE),
                        test_ended_in_flight_not_held);
  g_test_add_data_func ("/Gopod/Registry/held/ended-in-flight/keyed", GINT_TO_POINTER (TRUE),
                        test_ended_in_flight_not_held);
  g_test_add_func ("/Gopod/Registry/held/resume-ended-keyed", test_resume_ended_keyed);
  g_test_add_data_func ("/Gopod/Registry/application/unref-unlocked/idle", GINT_TO_POINTER (FALSE),
                        test_application_unref_unlocked);
  g_test_add_data_func ("/Gopod/Registry/application/unref-unlocked/busy", GINT_TO_POINTER (TRUE),
                        test_application_unref_unlocked);
  g_test_add_func ("/Gopod/Registry/application/other-context", test_application_other_context);
  g_test_add_func ("/Gopod/Registry/application/unset-after-run", test_application_unset_after_run);
  g_test_add_func ("/Gopod/Registry/held/ended-in-flight/paused-pod", test_ended_in_flight_paused_pod);
  g_test_add_func ("/Gopod/Registry/pod/popped-cancelled-put-back", test_popped_cancelled_put_back);
  g_test_add_func ("/Gopod/Registry/pod/drain-cancelled-held", test_pod_drain_cancelled_held);
  g_test_add_func ("/Gopod/Registry/model/skips-ended-running", test_model_skips_ended_running);
  g_test_add_func ("/Gopod/Registry/keys/lookup-skips-ended", test_lookup_skips_ended);
  g_test_add_data_func ("/Gopod/Registry/model/kept-freed/plain", NULL,
                        test_model_kept_keyed_freed);
  g_test_add_data_func ("/Gopod/Registry/model/kept-freed/keyed", "lane",
                        test_model_kept_keyed_freed);

  return g_test_run ();
}
