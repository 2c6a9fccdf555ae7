/* test-pod.c: GopodPod's rules, properties and races
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include "test-utils.h"

/* Concurrency gauge: how many run now, and the most that ever did. */
typedef struct
{
  int now;
  int peak;
} Gauge;

static void
gauge_enter (Gauge *gauge)
{
  int now = g_atomic_int_add (&gauge->now, 1) + 1;
  int peak = g_atomic_int_get (&gauge->peak);

  while (now > peak && !g_atomic_int_compare_and_exchange_full (&gauge->peak, peak, now, &peak))
    ;
}

static void
gauge_leave (Gauge *gauge)
{
  g_atomic_int_add (&gauge->now, -1);
}

/* A light job that records its run. */
typedef struct
{
  Gauge    *gauge;
  GArray   *order;     /* appends its id here, under order_lock */
  GMutex   *order_lock;
  int       id;
  guint     sleep_us;
  int      *runs;
} LightData;

static void
light_run (gpointer data)
{
  LightData *d = data;

  if (d->gauge != NULL)
    gauge_enter (d->gauge);
  if (d->order != NULL)
    {
      g_mutex_lock (d->order_lock);
      g_array_append_val (d->order, d->id);
      g_mutex_unlock (d->order_lock);
    }
  if (d->sleep_us > 0)
    g_usleep (d->sleep_us);
  if (d->runs != NULL)
    g_atomic_int_inc (d->runs);
  if (d->gauge != NULL)
    gauge_leave (d->gauge);
}

static void
count_call (gpointer data)
{
  g_atomic_int_inc ((int *) data);
}

/* Light job data whose run and destroy are counted apart. */
typedef struct
{
  int runs;
  int destroyed;
} RunAndFree;

static void
count_run (gpointer data)
{
  g_atomic_int_inc (&((RunAndFree *) data)->runs);
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_inc (&((RunAndFree *) data)->destroyed);
}

/* A job class with a per-job counter of runs and finishes, and an optional
 * gate that run passes first. */
#define TEST_TYPE_COUNTED_JOB (test_counted_job_get_type ())
G_DECLARE_FINAL_TYPE (TestCountedJob, test_counted_job, TEST, COUNTED_JOB, GopodJob)

struct _TestCountedJob
{
  GopodJob  parent_instance;
  int       runs;
  int       finishes;
  int       id;
  TestGate *gate;
  Gauge    *gauge;
  gboolean  wait_for_cancel;
  GArray   *order;  /* ids, appended under order_lock */
  GMutex   *order_lock;
};

G_DEFINE_FINAL_TYPE (TestCountedJob, test_counted_job, GOPOD_TYPE_JOB)

static gboolean
test_counted_job_run (GopodJob      *job,
                      GCancellable  *cancellable,
                      GError       **error)
{
  TestCountedJob *self = TEST_COUNTED_JOB (job);

  g_atomic_int_inc (&self->runs);
  if (self->gauge != NULL)
    gauge_enter (self->gauge);
  if (self->order != NULL)
    {
      g_mutex_lock (self->order_lock);
      g_array_append_val (self->order, self->id);
      g_mutex_unlock (self->order_lock);
    }
  if (self->gate != NULL)
    test_gate_pass (self->gate);
  if (self->wait_for_cancel)
    test_block_until_cancelled (cancellable);
  if (self->gauge != NULL)
    gauge_leave (self->gauge);

  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static void
test_counted_job_finish (GopodJob *job)
{
  g_atomic_int_inc (&TEST_COUNTED_JOB (job)->finishes);
}

static void
test_counted_job_class_init (TestCountedJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->run = test_counted_job_run;
  GOPOD_JOB_CLASS (klass)->finish = test_counted_job_finish;
}

static void
test_counted_job_init (TestCountedJob *self)
{
}

static TestCountedJob *
counted_job_new (int id)
{
  TestCountedJob *job = g_object_new (TEST_TYPE_COUNTED_JOB, NULL);

  job->id = id;
  return job;
}

/* Adds jobs @first..@last - 1 to @pod, keeping them in @jobs; each passes
 * @gate and is measured by @gauge when those are set. */
static void
add_counted_jobs (GopodPod  *pod,
                  GPtrArray *jobs,
                  int        first,
                  int        last,
                  TestGate  *gate,
                  Gauge     *gauge)
{
  for (int i = first; i < last; i++)
    {
      TestCountedJob *job = counted_job_new (i);

      job->gate = gate;
      job->gauge = gauge;
      g_ptr_array_add (jobs, job);
      g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
    }
}

static void
test_pod_new_is_paused (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  int runs = 0;

  g_assert_true (gopod_pod_get_paused (pod));
  for (int i = 0; i < 10; i++)
    g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 10);
  g_assert_cmpuint (gopod_pod_get_workers (pod), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&runs), ==, 0);

  gopod_pod_start (pod);
  g_assert_false (gopod_pod_get_paused (pod));
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (runs, ==, 10);
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 10);
  test_assert_counters_add_up (pod);
}

static void
test_pod_pause (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestCountedJob) first = counted_job_new (0);
  g_autoptr(TestCountedJob) second = counted_job_new (1);
  TestGate gate;

  test_gate_init (&gate);
  first->gate = &gate;
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (first), NULL, NULL));
  test_gate_wait_for_waiters (&gate, 1);
  gopod_pod_pause (pod);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (second), NULL, NULL));
  test_gate_open (&gate);
  /* The running job goes on; the queued one waits for start. */
  g_assert_true (gopod_job_wait (GOPOD_JOB (first), NULL, NULL));
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (second)), ==, GOPOD_JOB_STATE_QUEUED);
  g_assert_cmpint (second->runs, ==, 0);
  gopod_pod_start (pod);
  g_assert_true (gopod_job_wait (GOPOD_JOB (second), NULL, NULL));
  g_assert_cmpint (second->runs, ==, 1);
  test_gate_clear (&gate);
}

static void
test_pod_pause_light_batches (void)
{
  /* Light jobs a worker holds in a batch go back to the queue on pause. */
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  int runs = 0;
  guint n = 20000;

  for (guint i = 0; i < n; i++)
    gopod_pod_submit (pod, count_call, &runs, NULL, NULL);
  gopod_pod_start (pod);
  gopod_pod_pause (pod);
  /* Whatever was running finishes; then nothing moves. */
  while (gopod_pod_get_running (pod) > 0)
    g_usleep (1000);
  g_assert_cmpuint (gopod_pod_get_succeeded (pod) + gopod_pod_get_queued (pod), ==, n);
  g_assert_cmpuint ((guint) g_atomic_int_get (&runs), ==, gopod_pod_get_succeeded (pod));
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (runs, ==, n);
}

static void
test_pod_bound_light (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (3);
  Gauge gauge = { 0, 0 };
  int runs = 0;
  LightData data = { .gauge = &gauge, .sleep_us = 500, .runs = &runs };

  gopod_pod_start (pod);
  for (int i = 0; i < 200; i++)
    g_assert_true (gopod_pod_submit (pod, light_run, &data, NULL, NULL));
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (runs, ==, 200);
  g_assert_cmpint (gauge.peak, <=, 3);
  g_assert_cmpint (gauge.peak, >=, 2);  /* and it did run in parallel */
  g_assert_cmpuint (gopod_pod_get_workers (pod), <=, 3);
}

static void
test_pod_bound_jobs (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (4);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  Gauge gauge = { 0, 0 };
  TestGate gate;

  test_gate_init (&gate);
  gopod_pod_start (pod);
  add_counted_jobs (pod, jobs, 0, 12, &gate, &gauge);
  test_gate_wait_for_waiters (&gate, 4);
  g_assert_cmpuint (gopod_pod_get_running (pod), ==, 4);
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 8);
  test_gate_open (&gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (gauge.peak, ==, 4);
  for (guint i = 0; i < jobs->len; i++)
    {
      TestCountedJob *job = g_ptr_array_index (jobs, i);

      g_assert_cmpint (job->runs, ==, 1);
      g_assert_cmpint (job->finishes, ==, 1);
    }
  test_gate_clear (&gate);
}

static void
test_pod_priority_order (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  int priorities[] = { 0, 10, -10, 0, 10, -5, 0 };
  int expected[] = { 2, 5, 0, 3, 6, 1, 4 };
  GMutex lock;

  g_mutex_init (&lock);
  for (guint i = 0; i < G_N_ELEMENTS (priorities); i++)
    {
      TestCountedJob *job = counted_job_new (i);

      job->order = order;
      job->order_lock = &lock;
      gopod_job_set_priority (GOPOD_JOB (job), priorities[i]);
      g_ptr_array_add (jobs, job);
      g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
    }
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpuint (order->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < order->len; i++)
    g_assert_cmpint (g_array_index (order, int, i), ==, expected[i]);
  g_mutex_clear (&lock);
}

static void
test_pod_fifo_light_and_jobs (void)
{
  /* Light jobs and object jobs of equal priority run in the order added:
   * 200 light jobs, an object job, 200 light jobs, ... */
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  LightData light[600];
  guint pos = 0;
  GMutex lock;

  g_mutex_init (&lock);
  for (int round = 0; round < 3; round++)
    {
      TestCountedJob *job = counted_job_new (1000 + round);

      for (int i = 0; i < 200; i++)
        {
          int id = round * 200 + i;

          light[id] = (LightData) { .order = order, .order_lock = &lock, .id = id };
          g_assert_true (gopod_pod_submit (pod, light_run, &light[id], NULL, NULL));
        }
      job->order = order;
      job->order_lock = &lock;
      g_ptr_array_add (jobs, job);
      g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
    }
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));

  g_assert_cmpuint (order->len, ==, 603);
  for (int round = 0; round < 3; round++)
    {
      for (int i = 0; i < 200; i++)
        g_assert_cmpint (g_array_index (order, int, pos++), ==, round * 200 + i);
      g_assert_cmpint (g_array_index (order, int, pos++), ==, 1000 + round);
    }
  g_mutex_clear (&lock);
}

static void
test_pod_max_queued (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestCountedJob) a = counted_job_new (0);
  g_autoptr(TestCountedJob) b = counted_job_new (1);
  g_autoptr(TestCountedJob) c = counted_job_new (2);
  g_autoptr(GError) error = NULL;
  int runs = 0;

  gopod_pod_set_max_queued (pod, 2);
  g_assert_true (gopod_pod_try_add_job (pod, GOPOD_JOB (a), NULL));
  g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  g_assert_false (gopod_pod_try_add_job (pod, GOPOD_JOB (b), &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_false (gopod_pod_submit (pod, count_call, &runs, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  /* The refused job is still new and can go elsewhere or later. */
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (b)), ==, GOPOD_JOB_STATE_NEW);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 2);

  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_true (gopod_pod_try_add_job (pod, GOPOD_JOB (b), NULL));
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (c), NULL, NULL));
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (runs, ==, 1);
  g_assert_cmpint (b->runs + c->runs, ==, 2);
}

typedef struct
{
  GopodPod     *pod;
  GopodJob     *job;
  GCancellable *cancellable;
  gboolean      ok;
  GError       *error;
} AddThread;

static gpointer
add_job_thread (gpointer data)
{
  AddThread *t = data;

  t->ok = gopod_pod_add_job (t->pod, t->job, t->cancellable, &t->error);
  return NULL;
}

static void
test_pod_add_job_blocks_while_full (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestCountedJob) a = counted_job_new (0);
  g_autoptr(TestCountedJob) b = counted_job_new (1);
  AddThread t = { pod, GOPOD_JOB (b), NULL, FALSE, NULL };
  GThread *thread;

  gopod_pod_set_max_queued (pod, 1);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (a), NULL, NULL));
  thread = g_thread_new ("adder", add_job_thread, &t);
  /* The adder blocks: the pod is paused and full. Let it get there. */
  g_usleep (20000);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (b)), ==, GOPOD_JOB_STATE_NEW);
  gopod_pod_start (pod);
  g_thread_join (thread);
  g_assert_no_error (t.error);
  g_assert_true (t.ok);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (a->runs, ==, 1);
  g_assert_cmpint (b->runs, ==, 1);
}

static void
test_pod_add_job_cancelled_while_full (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestCountedJob) a = counted_job_new (0);
  g_autoptr(TestCountedJob) b = counted_job_new (1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AddThread t = { pod, GOPOD_JOB (b), cancellable, FALSE, NULL };
  GThread *thread;

  gopod_pod_set_max_queued (pod, 1);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (a), NULL, NULL));
  thread = g_thread_new ("adder", add_job_thread, &t);
  g_usleep (20000);
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);
  g_assert_false (t.ok);
  g_assert_error (t.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&t.error);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (b)), ==, GOPOD_JOB_STATE_NEW);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 1);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
}

static void
test_pod_run_async (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  g_autoptr(TestCountedJob) job = counted_job_new (0);
  g_autoptr(GAsyncResult) result = NULL;

  gopod_pod_start (pod);
  gopod_pod_run_async (pod, GOPOD_JOB (job), NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 5000);
  g_assert_true (gopod_pod_run_finish (pod, result, NULL));
  /* The counters include a job whose end was just reported. */
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 1);
  g_assert_cmpuint (gopod_pod_get_running (pod), ==, 0);
  g_assert_cmpint (job->runs, ==, 1);
  g_assert_cmpint (job->finishes, ==, 1);
}

static void
test_pod_run_async_cancel (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestCountedJob) job = counted_job_new (0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Paused pod: the job is queued when cancelled and never runs. */
  gopod_pod_run_async (pod, GOPOD_JOB (job), cancellable, test_store_result, &result);
  g_cancellable_cancel (cancellable);
  test_wait_for_result (NULL, &result, 5000);
  g_assert_false (gopod_pod_run_finish (pod, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpint (job->runs, ==, 0);
  g_assert_cmpint (job->finishes, ==, 1);
  g_assert_cmpuint (gopod_pod_get_cancelled (pod), ==, 1);
}

static void
test_pod_wait_async (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  g_autoptr(GAsyncResult) result = NULL;
  int runs = 0;

  for (int i = 0; i < 100; i++)
    gopod_pod_submit (pod, count_call, &runs, NULL, NULL);
  gopod_pod_wait_async (pod, NULL, test_store_result, &result);
  /* Paused: the wait must not end by itself. */
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (result);
  gopod_pod_start (pod);
  test_wait_for_result (NULL, &result, 5000);
  g_assert_true (gopod_pod_wait_finish (pod, result, NULL));
  g_assert_cmpint (runs, ==, 100);
}

static void
test_pod_wait_paused_cancellable (void)
{
  /* A paused pod with queued work is not idle: only the cancellable can end
   * a wait on it, and the work is still there afterwards. */
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  int runs = 0;

  gopod_pod_submit (pod, count_call, &runs, NULL, NULL);
  g_cancellable_cancel (cancellable);
  g_assert_false (gopod_pod_wait (pod, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 1);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (runs, ==, 1);
}

static void
test_pod_shutdown_drain (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  g_autoptr(TestCountedJob) job = counted_job_new (0);
  g_autoptr(TestCountedJob) late = counted_job_new (1);
  g_autoptr(GError) error = NULL;
  int runs = 0;

  /* Paused: DRAIN still runs everything. */
  for (int i = 0; i < 1000; i++)
    gopod_pod_submit (pod, count_call, &runs, NULL, NULL);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_assert_cmpint (runs, ==, 1000);
  g_assert_cmpint (job->runs, ==, 1);
  g_assert_cmpuint (gopod_pod_get_workers (pod), ==, 0);
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 1001);

  g_assert_false (gopod_pod_add_job (pod, GOPOD_JOB (late), NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (gopod_pod_submit (pod, count_call, &runs, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (late)), ==, GOPOD_JOB_STATE_NEW);

  /* Shutting down twice is reported. */
  g_assert_false (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  test_assert_counters_add_up (pod);
}

static void
test_pod_shutdown_discard (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(TestCountedJob) running = counted_job_new (0);
  g_autoptr(TestCountedJob) queued = counted_job_new (1);
  g_autoptr(GError) error = NULL;
  RunAndFree light = { 0, 0 };
  TestGate gate;

  test_gate_init (&gate);
  test_gate_open (&gate);
  running->gate = &gate;
  running->wait_for_cancel = TRUE;
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (running), NULL, NULL));
  test_gate_wait_for_waiters (&gate, 0);
  while (gopod_job_get_state (GOPOD_JOB (running)) != GOPOD_JOB_STATE_RUNNING)
    g_usleep (1000);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (queued), NULL, NULL));
  for (int i = 0; i < 500; i++)
    gopod_pod_submit (pod, count_run, &light, count_destroy, NULL);

  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL));
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (running)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (queued)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_cmpint (queued->runs, ==, 0);
  g_assert_cmpint (queued->finishes, ==, 1);
  g_assert_cmpint (running->finishes, ==, 1);
  g_assert_cmpint (light.runs, ==, 0);
  g_assert_cmpint (light.destroyed, ==, 500);  /* each light job's data freed once */
  g_assert_cmpuint (gopod_pod_get_cancelled (pod), ==, 502);
  g_assert_cmpuint (gopod_pod_get_workers (pod), ==, 0);
  test_assert_counters_add_up (pod);

  g_assert_false (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DISCARD, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  test_gate_clear (&gate);
}

static void
test_pod_shutdown_async (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  g_autoptr(GAsyncResult) result = NULL;
  int runs = 0;

  gopod_pod_start (pod);
  for (int i = 0; i < 100; i++)
    gopod_pod_submit (pod, count_call, &runs, NULL, NULL);
  gopod_pod_shutdown_async (pod, GOPOD_SHUTDOWN_DRAIN, NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 5000);
  g_assert_true (gopod_pod_shutdown_finish (pod, result, NULL));
  g_assert_cmpint (runs, ==, 100);
  g_assert_cmpuint (gopod_pod_get_workers (pod), ==, 0);
}

static void
test_pod_max_workers_grow (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  TestGate gate;

  test_gate_init (&gate);
  gopod_pod_start (pod);
  add_counted_jobs (pod, jobs, 0, 4, &gate, NULL);
  test_gate_wait_for_waiters (&gate, 1);
  /* Growing starts queued jobs at once, while the first still runs. */
  gopod_pod_set_max_workers (pod, 4);
  test_gate_wait_for_waiters (&gate, 4);
  g_assert_cmpuint (gopod_pod_get_running (pod), ==, 4);
  test_gate_open (&gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  test_gate_clear (&gate);
}

static void
test_pod_max_workers_shrink (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (4);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  Gauge gauge = { 0, 0 };
  TestGate gate;

  test_gate_init (&gate);
  gopod_pod_start (pod);
  add_counted_jobs (pod, jobs, 0, 4, &gate, NULL);
  test_gate_wait_for_waiters (&gate, 4);
  /* Shrinking interrupts nothing... */
  gopod_pod_set_max_workers (pod, 2);
  g_assert_cmpuint (gopod_pod_get_running (pod), ==, 4);
  add_counted_jobs (pod, jobs, 4, 20, NULL, &gauge);
  test_gate_open (&gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  /* ...but bounds every start after it. */
  g_assert_cmpint (gauge.peak, <=, 2);
  g_assert_cmpuint (gopod_pod_get_workers (pod), <=, 2);
  test_gate_clear (&gate);
}

static void
test_pod_idle_timeout (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (4);
  int runs = 0;
  LightData data = { .sleep_us = 1000, .runs = &runs };

  gopod_pod_set_idle_timeout_ms (pod, 20);
  gopod_pod_start (pod);
  for (int i = 0; i < 16; i++)
    gopod_pod_submit (pod, light_run, &data, NULL, NULL);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpuint (gopod_pod_get_workers (pod), >=, 1);
  /* Workers leave after the idle timeout; wait on the property's notify. */
  for (int i = 0; i < 500 && gopod_pod_get_workers (pod) > 0; i++)
    g_usleep (10000);
  g_assert_cmpuint (gopod_pod_get_workers (pod), ==, 0);

  /* And come back for new work. */
  gopod_pod_submit (pod, light_run, &data, NULL, NULL);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (runs, ==, 17);
}

typedef struct
{
  GMutex  lock;
  gint64  starts[8];
  guint   n;
} StartTimes;

static void
record_start (gpointer data)
{
  StartTimes *times = data;

  g_mutex_lock (&times->lock);
  times->starts[times->n++] = g_get_monotonic_time ();
  g_mutex_unlock (&times->lock);
}

static int
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
test_pod_dispatch_interval (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (4);
  StartTimes times = { .n = 0 };
  gint64 t0;

  g_mutex_init (&times.lock);
  gopod_pod_set_dispatch_interval_ms (pod, 30);
  for (int i = 0; i < 5; i++)
    gopod_pod_submit (pod, record_start, &times, NULL, NULL);
  t0 = g_get_monotonic_time ();
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpuint (times.n, ==, 5);
  /* A lower bound that scheduling delays cannot break: the i-th start
   * comes no earlier than i intervals after the pod started. */
  qsort (times.starts, times.n, sizeof (gint64), compare_times);
  for (guint i = 0; i < times.n; i++)
    g_assert_cmpint (times.starts[i] - t0, >=, (gint64) i * 30000);
  g_mutex_clear (&times.lock);
}

typedef struct
{
  GThread *main_thread;
  guint    succeeded_notifies;
  guint    workers_notifies;
  gboolean wrong_thread;
} PodNotifies;

static void
count_pod_notify (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    data)
{
  PodNotifies *n = data;

  if (g_thread_self () != n->main_thread)
    n->wrong_thread = TRUE;
  if (g_str_equal (pspec->name, "succeeded"))
    n->succeeded_notifies++;
  else if (g_str_equal (pspec->name, "workers"))
    n->workers_notifies++;
}

static void
test_pod_notify_coalesced_on_main_context (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  PodNotifies n = { g_thread_self (), 0, 0, FALSE };
  int runs = 0;

  g_signal_connect (pod, "notify", G_CALLBACK (count_pod_notify), &n);
  gopod_pod_start (pod);
  for (int i = 0; i < 10000; i++)
    gopod_pod_submit (pod, count_call, &runs, NULL, NULL);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  /* Nothing was emitted from a worker thread meanwhile. */
  g_assert_cmpuint (n.succeeded_notifies, ==, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (n.wrong_thread);
  g_assert_cmpuint (n.succeeded_notifies, >=, 1);
  g_assert_cmpuint (n.succeeded_notifies, <, 100);
  g_assert_cmpuint (n.workers_notifies, >=, 1);
}

/* Jobs that call back into their own pod. */
typedef struct
{
  GopodPod *pod;
  int       depth;
  int      *runs;
} TreeData;

static void
tree_run (gpointer data)
{
  TreeData *d = data;

  g_atomic_int_inc (d->runs);
  if (d->depth > 0)
    for (int i = 0; i < 3; i++)
      {
        TreeData *child = g_new (TreeData, 1);

        *child = (TreeData) { d->pod, d->depth - 1, d->runs };
        g_assert_true (gopod_pod_submit (d->pod, tree_run, child, g_free, NULL));
      }
}

static void
test_pod_jobs_add_jobs (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (3);
  int runs = 0;
  TreeData *root = g_new (TreeData, 1);

  *root = (TreeData) { pod, 5, &runs };
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_submit (pod, tree_run, root, g_free, NULL));
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (runs, ==, 1 + 3 + 9 + 27 + 81 + 243);
}

typedef struct
{
  GopodPod *pod;
  gboolean  wait_refused;
  gboolean  add_ok;
  gboolean  blocking_add_refused;
  gboolean  shutdown_refused;
} ReentryData;

static gboolean
reenter_pod (GopodJob      *job,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  ReentryData *d = user_data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GopodJob) child = gopod_job_new_func (reenter_pod, NULL, NULL);
  g_autoptr(GopodJob) child2 = gopod_job_new_func (reenter_pod, NULL, NULL);

  if (d == NULL)
    return TRUE;

  d->wait_refused = !gopod_pod_wait (d->pod, NULL, &local_error) &&
                    g_error_matches (local_error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_clear_error (&local_error);
  /* Adding works while there is room... */
  d->add_ok = gopod_pod_add_job (d->pod, child, NULL, NULL);
  /* ...and a blocking add at the bound is refused, not a deadlock. */
  d->blocking_add_refused = !gopod_pod_add_job (d->pod, child2, NULL, &local_error) &&
                            g_error_matches (local_error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL);
  g_clear_error (&local_error);
  d->shutdown_refused = !gopod_pod_shutdown (d->pod, GOPOD_SHUTDOWN_DRAIN, NULL, &local_error) &&
                        g_error_matches (local_error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  return TRUE;
}

static void
test_pod_reentry_from_job (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  ReentryData d = { pod, FALSE, FALSE, FALSE, FALSE };
  g_autoptr(GopodJob) job = gopod_job_new_func (reenter_pod, &d, NULL);

  gopod_pod_set_max_queued (pod, 1);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  /* The job started a drain from inside; wait for it from outside. */
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  g_assert_true (d.wait_refused);
  g_assert_true (d.add_ok);
  g_assert_true (d.blocking_add_refused);
  g_assert_true (d.shutdown_refused);
  g_assert_false (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 2);
  g_assert_cmpuint (gopod_pod_get_workers (pod), ==, 0);
}

static void
test_pod_dropped_keeps_work (void)
{
  GopodPod *pod = gopod_pod_new (2);
  int runs = 0;
  LightData data = { .sleep_us = 200, .runs = &runs };
  GWeakRef weak;

  g_weak_ref_init (&weak, pod);
  /* Paused, then dropped: the work still runs. */
  for (int i = 0; i < 50; i++)
    gopod_pod_submit (pod, light_run, &data, NULL, NULL);
  g_object_unref (pod);
  g_assert_null (g_weak_ref_get (&weak));
  for (int i = 0; i < 1000 && g_atomic_int_get (&runs) < 50; i++)
    g_usleep (5000);
  g_assert_cmpint (g_atomic_int_get (&runs), ==, 50);
  g_weak_ref_clear (&weak);
}

/* Races */

typedef struct
{
  GopodPod *pod;
  guint     rand_init;
  guint     added;
  int       light_runs;  /* written by the pod's workers */
  guint     refused;
  GPtrArray *jobs;
} Producer;

static gpointer
produce_and_cancel (gpointer data)
{
  Producer *p = data;
  GRand *rand = g_rand_new_with_seed (p->rand_init);

  for (int i = 0; i < 2000; i++)
    {
      TestCountedJob *job = counted_job_new (i);
      g_autoptr(GError) error = NULL;

      if (gopod_pod_add_job (p->pod, GOPOD_JOB (job), NULL, &error))
        {
          p->added++;
          g_ptr_array_add (p->jobs, job);
          if (g_rand_int_range (rand, 0, 4) == 0)
            gopod_job_cancel (GOPOD_JOB (job));
        }
      else
        {
          g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
          p->refused++;
          g_object_unref (job);
        }
      if (i % 3 == 0)
        gopod_pod_submit (p->pod, count_call, &p->light_runs, NULL, NULL);
    }
  g_rand_free (rand);
  return NULL;
}

static void
assert_each_ended_once (GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      TestCountedJob *job = g_ptr_array_index (jobs, i);
      GopodJobState state = gopod_job_get_state (GOPOD_JOB (job));

      g_assert_cmpint (job->finishes, ==, 1);
      g_assert_cmpint (job->runs, <=, 1);
      g_assert_true (state >= GOPOD_JOB_STATE_SUCCEEDED);
      if (state == GOPOD_JOB_STATE_SUCCEEDED)
        g_assert_cmpint (job->runs, ==, 1);
    }
}

#define N_PRODUCERS 4

static void
start_producers (GopodPod *pod,
                 Producer  producers[N_PRODUCERS],
                 GThread  *threads[N_PRODUCERS])
{
  for (int i = 0; i < N_PRODUCERS; i++)
    {
      producers[i] = (Producer) { .pod = pod, .rand_init = g_test_rand_int (),
                                  .jobs = g_ptr_array_new_with_free_func (g_object_unref) };
      threads[i] = g_thread_new ("producer", produce_and_cancel, &producers[i]);
    }
}

static void
join_producers (GThread *threads[N_PRODUCERS])
{
  for (int i = 0; i < N_PRODUCERS; i++)
    g_thread_join (threads[i]);
}

static void
test_pod_race_producers_cancel (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (3);
  Producer producers[N_PRODUCERS];
  GThread *threads[N_PRODUCERS];
  guint64 jobs_added = 0;

  gopod_pod_start (pod);
  start_producers (pod, producers, threads);
  join_producers (threads);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));

  for (int i = 0; i < N_PRODUCERS; i++)
    {
      assert_each_ended_once (producers[i].jobs);
      g_assert_cmpint (producers[i].light_runs, ==, 667);
      jobs_added += producers[i].jobs->len;
      g_ptr_array_unref (producers[i].jobs);
    }
  g_assert_cmpuint (jobs_added, ==, N_PRODUCERS * 2000);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, N_PRODUCERS * (2000 + 667));
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);
  g_assert_cmpuint (gopod_pod_get_running (pod), ==, 0);
  test_assert_counters_add_up (pod);
}

static void
test_pod_race_shutdown_against_add (void)
{
  for (int round = 0; round < 20; round++)
    {
      g_autoptr(GopodPod) pod = gopod_pod_new (2);
      Producer producers[N_PRODUCERS];
      GThread *threads[N_PRODUCERS];
      guint64 accepted = 0;

      gopod_pod_start (pod);
      start_producers (pod, producers, threads);
      g_usleep (g_test_rand_int_range (0, 3000));
      g_assert_true (gopod_pod_shutdown (pod, round % 2 ? GOPOD_SHUTDOWN_DISCARD
                                                        : GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
      join_producers (threads);

      for (int i = 0; i < N_PRODUCERS; i++)
        {
          /* Every accepted job ended exactly once; refused ones never ran. */
          assert_each_ended_once (producers[i].jobs);
          accepted += producers[i].jobs->len;
          g_assert_cmpuint (producers[i].jobs->len + producers[i].refused, ==, 2000);
          g_ptr_array_unref (producers[i].jobs);
        }
      g_assert_cmpuint (gopod_pod_get_workers (pod), ==, 0);
      g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 0);
      g_assert_cmpuint (gopod_pod_get_running (pod), ==, 0);
      test_assert_counters_add_up (pod);
      g_assert_cmpuint (accepted, <=, gopod_pod_get_submitted (pod));
    }
}

typedef struct
{
  GopodJob *job;
  TestGate *gate;
} CancelRace;

static gpointer
cancel_after_gate (gpointer data)
{
  CancelRace *race = data;

  test_gate_pass (race->gate);
  gopod_job_cancel (race->job);
  return NULL;
}

static void
test_pod_race_cancel_against_start (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  guint ran = 0, cancelled_unrun = 0;

  gopod_pod_start (pod);
  for (int i = 0; i < 2000; i++)
    {
      g_autoptr(TestCountedJob) job = counted_job_new (i);
      TestGate gate;
      CancelRace race = { GOPOD_JOB (job), &gate };
      GThread *thread;

      test_gate_init (&gate);
      thread = g_thread_new ("canceller", cancel_after_gate, &race);
      test_gate_wait_for_waiters (&gate, 1);
      g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
      test_gate_open (&gate);
      g_thread_join (thread);
      gopod_job_wait (GOPOD_JOB (job), NULL, NULL);

      g_assert_cmpint (job->finishes, ==, 1);
      if (job->runs == 0)
        {
          g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_CANCELLED);
          cancelled_unrun++;
        }
      else
        ran++;
      test_gate_clear (&gate);
    }
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpuint (ran + cancelled_unrun, ==, 2000);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 2000);
  test_assert_counters_add_up (pod);
  g_test_message ("cancel vs start: %u ran, %u cancelled before running", ran, cancelled_unrun);
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
record_finalize_thread (gpointer  data,
                        GObject  *where_the_object_was)
{
  *(GThread **) data = g_thread_self ();
}

static void
test_pod_job_finalized_on_its_context (void)
{
  /* An app's main loop owns its context while it runs: the job, created
   * here and dropped by its creator once added, must not be finalized on
   * the worker that ran it, but back here. */
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  GopodJob *job = gopod_job_new_func (succeed, NULL, NULL);
  GThread *finalized_on = NULL;

  g_assert_true (g_main_context_acquire (NULL));
  g_object_weak_ref (G_OBJECT (job), record_finalize_thread, &finalized_on);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  g_object_unref (job);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  while (finalized_on == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_main_context_release (NULL);

  g_assert_true (finalized_on == g_thread_self ());
}

static void
test_pod_bad_input (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  g_autoptr(GopodJob) job = gopod_job_new_func (succeed, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*max_workers > 0*");
  g_assert_null (gopod_pod_new (0));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*GOPOD_IS_JOB*");
  g_assert_false (gopod_pod_add_job (pod, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_false (gopod_pod_submit (pod, NULL, NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*max_workers > 0*");
  gopod_pod_set_max_workers (pod, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (gopod_pod_get_max_workers (pod), ==, 1);

  /* A job is added once. */
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*already added*");
  g_assert_false (gopod_pod_add_job (pod, job, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 1);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 1);

  g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, "*mode == GOPOD_SHUTDOWN_DRAIN*");
  g_assert_false (gopod_pod_shutdown (pod, 42, NULL, NULL));
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Pod/new-is-paused", test_pod_new_is_paused);
  g_test_add_func ("/Gopod/Pod/pause", test_pod_pause);
  g_test_add_func ("/Gopod/Pod/pause-light-batches", test_pod_pause_light_batches);
  g_test_add_func ("/Gopod/Pod/bound/light", test_pod_bound_light);
  g_test_add_func ("/Gopod/Pod/bound/jobs", test_pod_bound_jobs);
  g_test_add_func ("/Gopod/Pod/order/priority", test_pod_priority_order);
  g_test_add_func ("/Gopod/Pod/order/fifo-light-and-jobs", test_pod_fifo_light_and_jobs);
  g_test_add_func ("/Gopod/Pod/max-queued", test_pod_max_queued);
  g_test_add_func ("/Gopod/Pod/add-job/blocks-while-full", test_pod_add_job_blocks_while_full);
  g_test_add_func ("/Gopod/Pod/add-job/cancelled-while-full", test_pod_add_job_cancelled_while_full);
  g_test_add_func ("/Gopod/Pod/run-async", test_pod_run_async);
  g_test_add_func ("/Gopod/Pod/run-async-cancel", test_pod_run_async_cancel);
  g_test_add_func ("/Gopod/Pod/wait-async", test_pod_wait_async);
  g_test_add_func ("/Gopod/Pod/wait-paused-cancellable", test_pod_wait_paused_cancellable);
  g_test_add_func ("/Gopod/Pod/shutdown/drain", test_pod_shutdown_drain);
  g_test_add_func ("/Gopod/Pod/shutdown/discard", test_pod_shutdown_discard);
  g_test_add_func ("/Gopod/Pod/shutdown/async", test_pod_shutdown_async);
  g_test_add_func ("/Gopod/Pod/max-workers/grow", test_pod_max_workers_grow);
  g_test_add_func ("/Gopod/Pod/max-workers/shrink", test_pod_max_workers_shrink);
  g_test_add_func ("/Gopod/Pod/idle-timeout", test_pod_idle_timeout);
  g_test_add_func ("/Gopod/Pod/dispatch-interval", test_pod_dispatch_interval);
  g_test_add_func ("/Gopod/Pod/notify/coalesced-on-main-context", test_pod_notify_coalesced_on_main_context);
  g_test_add_func ("/Gopod/Pod/reentry/jobs-add-jobs", test_pod_jobs_add_jobs);
  g_test_add_func ("/Gopod/Pod/reentry/from-job", test_pod_reentry_from_job);
  g_test_add_func ("/Gopod/Pod/dropped-keeps-work", test_pod_dropped_keeps_work);
  g_test_add_func ("/Gopod/Pod/job-finalized-on-its-context", test_pod_job_finalized_on_its_context);
  g_test_add_func ("/Gopod/Pod/race/producers-and-cancels", test_pod_race_producers_cancel);
  g_test_add_func ("/Gopod/Pod/race/shutdown-against-add", test_pod_race_shutdown_against_add);
  g_test_add_func ("/Gopod/Pod/race/cancel-against-start", test_pod_race_cancel_against_start);
  g_test_add_func ("/Gopod/Pod/bad-input", test_pod_bad_input);

  return g_test_run ();
}
