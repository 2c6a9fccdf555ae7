/* test-throttler.c: GopodThrottler, with nozzle/throttler's own test table
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-utils.h"

/*
 * The jobs of a loop run in a thread pool. Each job counts itself running,
 * then waits at a gate until `gate` jobs run together (or the loop has
 * launched its last job), so the peak concurrency a test sees is the one
 * the throttler allows, not the one the scheduler happened to produce: a
 * correct throttler reaches its bound exactly, a leaky one goes past it.
 */
typedef struct
{
  GopodThrottler *throttler;
  GThreadPool    *pool;

  GMutex          lock;
  GCond           cond;
  guint           running;
  guint           peak;
  guint           late_from;     /* peak_late counts jobs from this index on */
  guint           peak_late;
  guint           gate;
  guint           launched;
  guint           entered;
  gboolean        all_launched;
  gboolean        linger;
  guint           finished;
  gboolean        fail_odd;      /* job N fails when N is odd, as in throttler */
  GPtrArray      *failures;      /* messages, in the order done() got them */
} Harness;

static gboolean
job_fails (Harness *h,
           guint    index)
{
  return h->fail_odd && (index + 1) % 2 != 0;
}

static void
job_run (gpointer data,
         gpointer user_data)
{
  Harness *h = user_data;
  guint index = GPOINTER_TO_UINT (data) - 1;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&h->lock);
  h->entered++;
  h->running++;
  h->peak = MAX (h->peak, h->running);
  if (index >= h->late_from)
    h->peak_late = MAX (h->peak_late, h->running);
  g_cond_broadcast (&h->cond);
  while (h->running < h->gate && !(h->all_launched && h->entered == h->launched))
    g_cond_wait (&h->cond, &h->lock);
  g_mutex_unlock (&h->lock);

  /* Work a little, as throttler's tests do: a throttler that lets the loop
   * run ahead would start more jobs meanwhile. No assertion depends on it. */
  if (h->linger)
    g_usleep (g_random_int_range (0, 1000));

  g_mutex_lock (&h->lock);
  h->running--;

  if (job_fails (h, index))
    {
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "Error on job%02u", index + 1);
      g_ptr_array_add (h->failures, g_strdup (error->message));
    }
  h->finished++;
  /* Under the harness lock, so that failures records done()'s order. */
  gopod_throttler_done (h->throttler, error);
  g_mutex_unlock (&h->lock);
}

static Harness *
harness_new (GopodThrottler *throttler,
             guint           gate)
{
  Harness *h = g_new0 (Harness, 1);

  h->throttler = throttler;
  h->pool = g_thread_pool_new (job_run, h, -1, FALSE, NULL);
  g_mutex_init (&h->lock);
  g_cond_init (&h->cond);
  h->gate = gate;
  h->linger = gate > 0;
  h->late_from = G_MAXUINT;
  h->failures = g_ptr_array_new_with_free_func (g_free);

  return h;
}

static void
harness_free (Harness *h)
{
  g_thread_pool_free (h->pool, FALSE, TRUE);
  g_ptr_array_unref (h->failures);
  g_clear_object (&h->throttler);
  g_cond_clear (&h->cond);
  g_mutex_clear (&h->lock);
  g_free (h);
}

static void
launch (Harness *h,
        guint    index)
{
  g_mutex_lock (&h->lock);
  h->launched++;
  g_mutex_unlock (&h->lock);
  g_thread_pool_push (h->pool, GUINT_TO_POINTER (index + 1), NULL);
}

static void
open_gate (Harness *h)
{
  g_mutex_lock (&h->lock);
  h->all_launched = TRUE;
  g_cond_broadcast (&h->cond);
  g_mutex_unlock (&h->lock);
}

static void
set_gate (Harness *h,
          guint    gate,
          guint    late_from)
{
  g_mutex_lock (&h->lock);
  h->gate = gate;
  h->late_from = late_from;
  g_cond_broadcast (&h->cond);
  g_mutex_unlock (&h->lock);
}

static guint
get_finished (Harness *h)
{
  guint finished;

  g_mutex_lock (&h->lock);
  finished = h->finished;
  g_mutex_unlock (&h->lock);

  return finished;
}

/* throttler's loop: launch, then Throttle. Returns the last throttle's value. */
static guint
run_loop (Harness *h,
          guint    n_jobs)
{
  guint error_count = 0;

  for (guint i = 0; i < n_jobs; i++)
    {
      launch (h, i);
      if (i == n_jobs - 1)
        open_gate (h);
      error_count = gopod_throttler_throttle (h->throttler);
    }

  return error_count;
}

/* "Standard implementation": 50 jobs, 5 workers. */
static void
test_standard (void)
{
  Harness *h = harness_new (gopod_throttler_new (5, 50), 5);
  GPtrArray *errors;

  g_assert_cmpuint (run_loop (h, 50), ==, 0);
  /* The last throttle waits for every job. */
  g_assert_cmpuint (get_finished (h), ==, 50);
  g_assert_cmpuint (h->peak, ==, 5);
  g_assert_null (gopod_throttler_get_error (h->throttler));
  g_assert_cmpuint (gopod_throttler_get_error_count (h->throttler), ==, 0);
  errors = gopod_throttler_get_errors (h->throttler);
  g_assert_cmpuint (errors->len, ==, 0);
  g_ptr_array_unref (errors);

  harness_free (h);
}

/* "Incorrectly has 0 as TotalJobs": 0 is an open-ended total here, where
 * throttle still bounds concurrency and wait() ends the loop. */
static void
test_zero_total (void)
{
  Harness *h = harness_new (gopod_throttler_new (5, 0), 5);

  g_assert_cmpuint (gopod_throttler_get_total_jobs (h->throttler), ==, 0);
  for (guint i = 0; i < 50; i++)
    {
      launch (h, i);
      gopod_throttler_throttle (h->throttler);
    }
  open_gate (h);
  g_assert_cmpuint (gopod_throttler_wait (h->throttler), ==, 0);
  g_assert_cmpuint (get_finished (h), ==, 50);
  g_assert_cmpuint (h->peak, ==, 5);

  /* Open-ended means it can go on after a wait(). */
  launch (h, 50);
  gopod_throttler_throttle (h->throttler);
  gopod_throttler_wait (h->throttler);
  g_assert_cmpuint (get_finished (h), ==, 51);

  harness_free (h);
}

/* "More workers than jobs": nothing blocks before the last job. */
static void
test_more_workers_than_jobs (void)
{
  Harness *h = harness_new (gopod_throttler_new (50000, 50), 50000);

  g_assert_cmpuint (run_loop (h, 50), ==, 0);
  g_assert_cmpuint (get_finished (h), ==, 50);
  g_assert_cmpuint (h->peak, ==, 50);

  harness_free (h);
}

static void
check_errors (guint n_jobs)
{
  Harness *h = harness_new (gopod_throttler_new (5, n_jobs), 5);
  g_autoptr(GError) summary = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autofree char *expected = NULL;

  h->fail_odd = TRUE;
  g_assert_cmpuint (run_loop (h, n_jobs), ==, n_jobs / 2);
  g_assert_cmpuint (gopod_throttler_get_error_count (h->throttler), ==, n_jobs / 2);

  errors = gopod_throttler_get_errors (h->throttler);
  g_assert_cmpuint (errors->len, ==, h->failures->len);
  for (guint i = 0; i < errors->len; i++)
    {
      const GError *error = g_ptr_array_index (errors, i);

      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
      g_assert_cmpstr (error->message, ==, g_ptr_array_index (h->failures, i));
    }

  summary = gopod_throttler_get_error (h->throttler);
  g_assert_error (summary, G_IO_ERROR, G_IO_ERROR_FAILED);
  if (h->failures->len == 1)
    expected = g_strdup (g_ptr_array_index (h->failures, 0));
  else
    expected = g_strdup_printf ("%s (and %u more errors)",
                                (char *) g_ptr_array_index (h->failures, 0),
                                h->failures->len - 1);
  g_assert_cmpstr (summary->message, ==, expected);

  harness_free (h);
}

/* TestThrottleWithErrors: odd jobs fail, in both rows of its table. */
static void
test_errors (void)
{
  check_errors (50);
  check_errors (2);
}

/* TestBatchedThrottler: 49 items in batches of 2, 10 workers. */
static void
test_batched (void)
{
  Harness *h = harness_new (gopod_throttler_new_batched (10, 49, 2), 10);
  guint n_batches = gopod_throttler_get_total_jobs (h->throttler);

  g_assert_cmpuint (n_batches, ==, 25);
  for (guint i = 0; i < n_batches; i++)
    {
      g_assert_cmpuint (gopod_throttler_get_batch_start_index (h->throttler), ==, 2 * i);
      g_assert_cmpuint (gopod_throttler_get_batch_end_index (h->throttler), ==, MIN (2 * i + 2, 49));
      launch (h, i);
      if (i == n_batches - 1)
        open_gate (h);
      g_assert_cmpuint (gopod_throttler_throttle (h->throttler), ==, 0);
    }
  g_assert_cmpuint (get_finished (h), ==, 25);
  g_assert_cmpuint (h->peak, ==, 10);

  harness_free (h);
}

/* Changes max_workers after job @at; returns the peak of the jobs launched
 * once the new bound holds (from the second throttle after the change). */
static guint
run_with_new_max (guint old_max,
                  guint new_max,
                  guint n_jobs,
                  guint at)
{
  Harness *h = harness_new (gopod_throttler_new (old_max, n_jobs), old_max);
  guint peak_late;

  for (guint i = 0; i < n_jobs; i++)
    {
      launch (h, i);
      if (i == n_jobs - 1)
        open_gate (h);
      gopod_throttler_throttle (h->throttler);
      if (i == at)
        {
          gopod_throttler_set_max_workers (h->throttler, new_max);
          set_gate (h, new_max, at + 2);
        }
    }
  g_assert_cmpuint (get_finished (h), ==, n_jobs);
  g_assert_cmpuint (h->peak, ==, MAX (old_max, new_max));
  g_assert_cmpuint (gopod_throttler_get_max_workers (h->throttler), ==, new_max);
  peak_late = h->peak_late;
  harness_free (h);

  return peak_late;
}

/* The nozzle/throttler walk-through's `workerCount == maxWorkers` test
 * never holds again once the count is above a shrunk bound: later jobs must still stay at 2. */
static void
test_shrink (void)
{
  g_assert_cmpuint (run_with_new_max (4, 2, 40, 9), ==, 2);
}

static void
test_grow (void)
{
  g_assert_cmpuint (run_with_new_max (1, 3, 30, 9), ==, 3);
}

/* 8 threads throttle at once, their jobs end on pool threads: no count
 * may be lost, and the one that takes the last ticket waits for all. */
#define RACE_PRODUCERS 8
#define RACE_JOBS_EACH 250
#define RACE_MAX 4

typedef struct
{
  Harness *h;
  guint    first;
} Producer;

static gpointer
producer_run (gpointer data)
{
  Producer *p = data;

  for (guint i = 0; i < RACE_JOBS_EACH; i++)
    {
      launch (p->h, p->first + i);
      gopod_throttler_throttle (p->h->throttler);
    }

  return NULL;
}

static void
test_race (void)
{
  const guint total = RACE_PRODUCERS * RACE_JOBS_EACH;
  Harness *h = harness_new (gopod_throttler_new (RACE_MAX, total), 0);
  Producer producers[RACE_PRODUCERS];
  GThread *threads[RACE_PRODUCERS];
  g_autoptr(GPtrArray) errors = NULL;

  h->fail_odd = TRUE;
  h->all_launched = TRUE;
  for (guint i = 0; i < RACE_PRODUCERS; i++)
    {
      producers[i] = (Producer) { h, i * RACE_JOBS_EACH };
      threads[i] = g_thread_new ("producer", producer_run, &producers[i]);
    }
  for (guint i = 0; i < RACE_PRODUCERS; i++)
    g_thread_join (threads[i]);

  /* No wait(): the last ticket's throttle already waited for every job. */
  g_assert_cmpuint (get_finished (h), ==, total);
  g_assert_cmpuint (gopod_throttler_get_error_count (h->throttler), ==, total / 2);
  errors = gopod_throttler_get_errors (h->throttler);
  g_assert_cmpuint (errors->len, ==, total / 2);
  /* Each producer may hold one launched job beyond the bound, and one job
   * may end before its producer counted it. */
  g_assert_cmpuint (h->peak, <=, RACE_MAX + 2 * RACE_PRODUCERS);
  g_assert_cmpuint (gopod_throttler_wait (h->throttler), ==, total / 2);

  harness_free (h);
}

/* throttler allocates a channel of totalJobs; counters cost nothing. */
static void
test_huge_total (void)
{
  g_autoptr(GopodThrottler) t = gopod_throttler_new (2, G_MAXUINT);

  g_assert_cmpuint (gopod_throttler_get_total_jobs (t), ==, G_MAXUINT);
  for (guint i = 0; i < 1000; i++)
    {
      gopod_throttler_done (t, NULL);
      g_assert_cmpuint (gopod_throttler_throttle (t), ==, 0);
    }
  g_assert_cmpuint (gopod_throttler_get_batch_start_index (t), ==, 1000);
}

static void
test_bad_max_workers (void)
{
  g_autoptr(GopodThrottler) t = NULL;

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*max_workers > 0*");
  g_assert_null (gopod_throttler_new (0, 10));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*batch_size > 0*");
  g_assert_null (gopod_throttler_new_batched (2, 10, 0));
  g_test_assert_expected_messages ();

  t = gopod_throttler_new (3, 1);
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*max_workers > 0*");
  gopod_throttler_set_max_workers (t, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (gopod_throttler_get_max_workers (t), ==, 3);

  /* Still a working throttler. */
  gopod_throttler_done (t, NULL);
  g_assert_cmpuint (gopod_throttler_throttle (t), ==, 0);
}

static void
test_past_total (void)
{
  g_autoptr(GopodThrottler) t = gopod_throttler_new (2, 2);
  g_autoptr(GError) failure = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "late");

  for (guint i = 0; i < 2; i++)
    {
      gopod_throttler_done (t, NULL);
      gopod_throttler_throttle (t);
    }

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*done called more often*");
  gopod_throttler_done (t, failure);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (gopod_throttler_get_error_count (t), ==, 0);

  /* Counts nothing and does not block. */
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*throttle called more often*");
  g_assert_cmpuint (gopod_throttler_throttle (t), ==, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (gopod_throttler_get_batch_start_index (t), ==, 2);
  g_assert_cmpuint (gopod_throttler_wait (t), ==, 0);
}

/* A main-loop program: jobs are idle callbacks that call done(); the loop
 * goes on from throttle_async's callback, which must run on the context
 * that was thread-default when it was called. */
typedef struct
{
  GopodThrottler *throttler;
  GMainContext   *context;
  guint           n_jobs;
  guint           launched;
  guint           finished;
  guint           peak;
  guint           callbacks;
  gboolean        over;
  guint           final_errors;
} AsyncLoop;

static gboolean
async_job_done (gpointer data)
{
  AsyncLoop *loop = data;
  g_autoptr(GError) error = NULL;

  /* Every third job fails. */
  if (loop->finished % 3 == 2)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "failed");
  loop->finished++;
  gopod_throttler_done (loop->throttler, error);

  return G_SOURCE_REMOVE;
}

static void async_launch_next (AsyncLoop *loop);

static void
async_throttled (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  AsyncLoop *loop = data;
  g_autoptr(GError) error = NULL;
  guint error_count;

  g_assert_true (g_main_context_is_owner (loop->context));
  g_assert_true (g_main_context_get_thread_default () == loop->context);
  loop->callbacks++;
  error_count = gopod_throttler_throttle_finish (GOPOD_THROTTLER (source), result, &error);
  g_assert_no_error (error);

  if (loop->launched < loop->n_jobs)
    {
      async_launch_next (loop);
    }
  else
    {
      loop->final_errors = error_count;
      loop->over = TRUE;
    }
}

static void
async_launch_next (AsyncLoop *loop)
{
  GSource *idle = g_idle_source_new ();

  loop->launched++;
  loop->peak = MAX (loop->peak, loop->launched - loop->finished);
  /* Jobs end in launch order after a few iterations, so several overlap. */
  g_source_set_callback (idle, async_job_done, loop, NULL);
  g_source_set_priority (idle, G_PRIORITY_LOW);
  g_source_attach (idle, loop->context);
  g_source_unref (idle);

  gopod_throttler_throttle_async (loop->throttler, NULL, async_throttled, loop);
}

static void
test_async_main_loop (void)
{
  AsyncLoop loop = { 0 };

  loop.context = g_main_context_new ();
  g_main_context_push_thread_default (loop.context);
  loop.throttler = gopod_throttler_new (2, 9);
  loop.n_jobs = 9;

  async_launch_next (&loop);
  while (!loop.over)
    g_main_context_iteration (loop.context, TRUE);

  g_assert_cmpuint (loop.finished, ==, 9);
  g_assert_cmpuint (loop.callbacks, ==, 9);
  g_assert_cmpuint (loop.peak, ==, 2);
  g_assert_cmpuint (loop.final_errors, ==, 3);

  g_object_unref (loop.throttler);
  g_main_context_pop_thread_default (loop.context);
  g_main_context_unref (loop.context);
}

static void
count_result (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GError **error = data;

  if (g_task_get_source_tag (G_TASK (result)) == gopod_throttler_wait_async)
    gopod_throttler_wait_finish (GOPOD_THROTTLER (source), result, error);
  else
    gopod_throttler_throttle_finish (GOPOD_THROTTLER (source), result, error);
  if (*error == NULL)
    g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_FAILED, "returned");
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Waiting is not a timer: until done() or set_max_workers() frees a slot,
 * no number of iterations runs the callback. */
static void
test_async_wakes (void)
{
  g_autoptr(GopodThrottler) t = gopod_throttler_new (1, 0);
  GError *first = NULL, *second = NULL, *idle = NULL;

  gopod_throttler_throttle_async (t, NULL, count_result, &first);
  drain ();
  g_assert_null (first);

  gopod_throttler_set_max_workers (t, 2);
  drain ();
  g_assert_error (first, GOPOD_ERROR, GOPOD_ERROR_FAILED);

  gopod_throttler_throttle_async (t, NULL, count_result, &second);
  gopod_throttler_wait_async (t, NULL, count_result, &idle);
  drain ();
  g_assert_null (second);
  g_assert_null (idle);

  gopod_throttler_done (t, NULL);
  drain ();
  g_assert_error (second, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_null (idle);

  gopod_throttler_done (t, NULL);
  drain ();
  g_assert_error (idle, GOPOD_ERROR, GOPOD_ERROR_FAILED);

  g_clear_error (&first);
  g_clear_error (&second);
  g_clear_error (&idle);
}

/* Cancelling stops the wait, not the count: the job was launched. */
static void
test_async_cancel (void)
{
  g_autoptr(GopodThrottler) t = gopod_throttler_new (1, 3);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;

  gopod_throttler_throttle_async (t, cancellable, count_result, &error);
  drain ();
  g_assert_null (error);

  g_cancellable_cancel (cancellable);
  drain ();
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_cmpuint (gopod_throttler_get_batch_start_index (t), ==, 1);
  gopod_throttler_done (t, NULL);
  g_assert_cmpuint (gopod_throttler_wait (t), ==, 0);
}

/* done() from worker threads wakes a waiter whose callback runs on the
 * caller's context; error-count is notified there too. */
static gpointer
done_with_error (gpointer data)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone");

  gopod_throttler_done (data, error);

  return NULL;
}

static void
on_error_count (GObject    *object,
                GParamSpec *pspec,
                gpointer    data)
{
  guint *notified = data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  (*notified)++;
}

static void
test_async_from_threads (void)
{
  g_autoptr(GopodThrottler) t = gopod_throttler_new (1, 2);
  GError *error = NULL;
  GThread *thread;

  gopod_throttler_done (t, NULL);
  gopod_throttler_throttle (t);

  gopod_throttler_throttle_async (t, NULL, count_result, &error);
  thread = g_thread_new ("done", done_with_error, t);
  g_thread_join (thread);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (gopod_throttler_get_error_count (t), ==, 1);
}

static void
flag_notified (GObject    *object,
               GParamSpec *pspec,
               gpointer    data)
{
  *(gboolean *) data = TRUE;
}

/* error-count changes on the thread calling done(); the notification
 * reaches the throttler's own context. */
static void
test_notify_error_count (void)
{
  g_autoptr(GopodThrottler) t = gopod_throttler_new (2, 0);
  guint notified = 0;
  gboolean arrived = FALSE;
  GThread *thread;

  g_signal_connect (t, "notify::error-count", G_CALLBACK (on_error_count), &notified);
  g_signal_connect (t, "notify::error-count", G_CALLBACK (flag_notified), &arrived);
  gopod_throttler_throttle (t);
  thread = g_thread_new ("done", done_with_error, t);
  g_thread_join (thread);
  test_iterate_until (NULL, &arrived, 10000);

  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (gopod_throttler_get_error_count (t), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Throttler/standard", test_standard);
  g_test_add_func ("/Gopod/Throttler/zero-total", test_zero_total);
  g_test_add_func ("/Gopod/Throttler/more-workers-than-jobs", test_more_workers_than_jobs);
  g_test_add_func ("/Gopod/Throttler/errors", test_errors);
  g_test_add_func ("/Gopod/Throttler/batched", test_batched);
  g_test_add_func ("/Gopod/Throttler/set-max-workers/shrink", test_shrink);
  g_test_add_func ("/Gopod/Throttler/set-max-workers/grow", test_grow);
  g_test_add_func ("/Gopod/Throttler/race", test_race);
  g_test_add_func ("/Gopod/Throttler/huge-total", test_huge_total);
  g_test_add_func ("/Gopod/Throttler/bad-input/max-workers", test_bad_max_workers);
  g_test_add_func ("/Gopod/Throttler/bad-input/past-total", test_past_total);
  g_test_add_func ("/Gopod/Throttler/async/main-loop", test_async_main_loop);
  g_test_add_func ("/Gopod/Throttler/async/wakes", test_async_wakes);
  g_test_add_func ("/Gopod/Throttler/async/cancel", test_async_cancel);
  g_test_add_func ("/Gopod/Throttler/async/from-threads", test_async_from_threads);
  g_test_add_func ("/Gopod/Throttler/notify/error-count", test_notify_error_count);

  return g_test_run ();
}
