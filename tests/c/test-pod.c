/* test-pod.c: GopodPod's rules, properties and races
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include "gopod-pod-private.h"
#include "test-utils.h"

/* Most tests run on a fixture: a pod of `max_workers`, a gate, a gauge. */

typedef struct
{
  GopodPod  *pod;
  TestGate   gate;
  TestGauge  gauge;
} PodFixture;

static void
pod_fixture_set_up (PodFixture    *fixture,
                    gconstpointer  max_workers)
{
  fixture->pod = gopod_pod_new (GPOINTER_TO_UINT (max_workers));
  test_gate_init (&fixture->gate);
  fixture->gauge = (TestGauge) { 0, 0 };
}

static void
pod_fixture_tear_down (PodFixture    *fixture,
                       gconstpointer  max_workers)
{
  /* Whatever a test left is let through and ended before the next one. */
  test_gate_open (&fixture->gate);
  gopod_pod_shutdown (fixture->pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL);
  g_clear_object (&fixture->pod);
  test_gate_clear (&fixture->gate);
}

#define POD_TEST(path, func, max_workers) \
  g_test_add ("/Gopod/Pod/" path, PodFixture, GUINT_TO_POINTER (max_workers), \
              pod_fixture_set_up, func, pod_fixture_tear_down)

/* A light job that records its run. */
typedef struct
{
  TestGauge    *gauge;
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
    test_gauge_enter (d->gauge);
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
    test_gauge_leave (d->gauge);
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
  TestGate *finish_gate;  /* `finish` passes it, when set */
  TestGauge    *gauge;
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
    test_gauge_enter (self->gauge);
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
    test_gauge_leave (self->gauge);

  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static void
test_counted_job_finish (GopodJob *job)
{
  TestCountedJob *self = TEST_COUNTED_JOB (job);

  if (self->finish_gate != NULL)
    test_gate_pass (self->finish_gate);
  g_atomic_int_inc (&self->finishes);
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
                  TestGauge     *gauge)
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
test_pod_new_is_paused (PodFixture    *fixture,
                        gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_pause (PodFixture    *fixture,
                gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_pause_light_batches (PodFixture    *fixture,
                              gconstpointer  unused)
{
  /* Light jobs a worker holds in a batch go back to the queue on pause. */
  GopodPod *pod = fixture->pod;
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
test_pod_bound_light (PodFixture    *fixture,
                      gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  TestGauge gauge = { 0, 0 };
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
test_pod_bound_jobs (PodFixture    *fixture,
                     gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  TestGauge gauge = { 0, 0 };
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
test_pod_priority_order (PodFixture    *fixture,
                         gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_fifo_light_and_jobs (PodFixture    *fixture,
                              gconstpointer  unused)
{
  /* Light jobs and object jobs of equal priority run in the order added:
   * 200 light jobs, an object job, 200 light jobs, ... */
  GopodPod *pod = fixture->pod;
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
test_pod_max_queued (PodFixture    *fixture,
                     gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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

/* A submit reads max-queued and the shutdown as one bound: it follows
 * every change of either. */
static void
test_pod_max_queued_changes (PodFixture    *fixture,
                             gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GError) error = NULL;
  int runs = 0;

  gopod_pod_set_max_queued (pod, 1);
  g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  g_assert_false (gopod_pod_submit (pod, count_call, &runs, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL);
  g_clear_error (&error);

  gopod_pod_set_max_queued (pod, 0);
  g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  gopod_pod_set_max_queued (pod, 4);
  g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  gopod_pod_set_max_queued (pod, 2);
  g_assert_false (gopod_pod_submit (pod, count_call, &runs, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_cmpuint (gopod_pod_get_queued (pod), ==, 4);

  gopod_pod_set_max_queued (pod, 0);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_assert_false (gopod_pod_submit (pod, count_call, &runs, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_assert_cmpint (runs, ==, 4);
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
test_pod_add_job_blocks_while_full (PodFixture    *fixture,
                                    gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_add_job_cancelled_while_full (PodFixture    *fixture,
                                       gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_run_async (PodFixture    *fixture,
                    gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_run_async_cancel (PodFixture    *fixture,
                           gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_wait_async (PodFixture    *fixture,
                     gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_wait_paused_cancellable (PodFixture    *fixture,
                                  gconstpointer  unused)
{
  /* A paused pod with queued work is not idle: only the cancellable can end
   * a wait on it, and the work is still there afterwards. */
  GopodPod *pod = fixture->pod;
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
test_pod_shutdown_drain (PodFixture    *fixture,
                         gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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

/* A draining shutdown resumes a paused pod, as documented, and paused says
 * so: the pod no longer holds its queue. A pause after the shutdown holds
 * nothing either, and changes nothing. */
static void
test_pod_shutdown_drain_resumes (PodFixture    *fixture,
                                 gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(TestCountedJob) job = counted_job_new (0);

  g_assert_true (gopod_pod_get_paused (pod));
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (job), NULL, NULL));
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_assert_cmpint (job->runs, ==, 1);
  g_assert_false (gopod_pod_get_paused (pod));

  gopod_pod_pause (pod);
  g_assert_false (gopod_pod_get_paused (pod));
  test_assert_counters_add_up (pod);
}

static void
test_pod_shutdown_discard (PodFixture    *fixture,
                           gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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

/* A wait that a discarding shutdown ends returns once the discarded jobs
 * have ended, their `finish` run: not as soon as they leave the queue. */
typedef struct
{
  GopodPod       *pod;
  TestCountedJob *job;
  int             finishes_at_return;  /* atomic; -1 until the wait returned */
} WaitingForDiscard;

static gpointer
wait_for_discard (gpointer data)
{
  WaitingForDiscard *w = data;

  g_assert_true (gopod_pod_wait (w->pod, NULL, NULL));
  g_atomic_int_set (&w->finishes_at_return, g_atomic_int_get (&w->job->finishes));
  return NULL;
}

static gpointer
discard_pod (gpointer pod)
{
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL));
  return NULL;
}

static gboolean
wait_returned_or_waits (gpointer data)
{
  WaitingForDiscard *w = data;
  gboolean waits;

  g_mutex_lock (&w->pod->core->lock);
  waits = !gopod_wait_list_is_empty (&w->pod->core->waiters);
  g_mutex_unlock (&w->pod->core->lock);
  return waits || g_atomic_int_get (&w->finishes_at_return) >= 0;
}

/* Runs @waiter_main (a wait, or a second shutdown) while a discarding
 * shutdown holds a queued job in its `finish`; returns how many times that
 * `finish` had run when @waiter_main's call returned. */
static int
finishes_when_discard_waited (GopodPod    *pod,
                              GThreadFunc  waiter_main)
{
  g_autoptr(TestCountedJob) queued = counted_job_new (0);
  WaitingForDiscard w = { pod, queued, -1 };
  GThread *shutdown, *waiter;
  TestGate finish_gate;

  test_gate_init (&finish_gate);
  queued->finish_gate = &finish_gate;
  /* Paused: the job stays queued until the shutdown takes it. */
  gopod_pod_pause (pod);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (queued), NULL, NULL));
  shutdown = g_thread_new ("discard", discard_pod, pod);
  test_gate_wait_for_waiters (&finish_gate, 1);
  waiter = g_thread_new ("waiter", waiter_main, &w);
  g_assert_true (test_poll_until (wait_returned_or_waits, &w, 10000));
  test_gate_open (&finish_gate);
  g_thread_join (waiter);
  g_thread_join (shutdown);
  test_assert_counters_add_up (pod);
  test_gate_clear (&finish_gate);
  return w.finishes_at_return;
}

static void
test_pod_shutdown_discard_wait (PodFixture    *fixture,
                                gconstpointer  unused)
{
  g_test_summary ("A wait running while a discarding shutdown ends the queued jobs "
                  "returns after their ends (rule P16), not when they leave the queue");
  g_assert_cmpint (finishes_when_discard_waited (fixture->pod, wait_for_discard), ==, 1);
}

/* A second shutdown that waits while a discarding one ends the queued jobs
 * returns once they have ended too ("every job has ended"). */
static gpointer
shutdown_again_for_discard (gpointer data)
{
  WaitingForDiscard *w = data;
  g_autoptr(GError) error = NULL;

  g_assert_false (gopod_pod_shutdown (w->pod, GOPOD_SHUTDOWN_DRAIN, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_atomic_int_set (&w->finishes_at_return, g_atomic_int_get (&w->job->finishes));
  return NULL;
}

static void
test_pod_shutdown_discard_second (PodFixture    *fixture,
                                  gconstpointer  unused)
{
  g_test_summary ("A second shutdown running while a discarding one ends the queued "
                  "jobs returns after their ends (rule P16), not when they leave the queue");
  g_assert_cmpint (finishes_when_discard_waited (fixture->pod, shutdown_again_for_discard), ==, 1);
}

static void
test_pod_shutdown_discard_counts (PodFixture    *fixture,
                                  gconstpointer  unused)
{
  g_autoptr(TestCountedJob) queued = counted_job_new (0);
  GThread *shutdown;
  TestGate finish_gate;

  g_test_summary ("While a discarding shutdown ends a queued job, the pod's counters "
                  "add up (rule P12): the job is queued or cancelled, not neither");
  test_gate_init (&finish_gate);
  queued->finish_gate = &finish_gate;
  gopod_pod_pause (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (queued), NULL, NULL));
  shutdown = g_thread_new ("discard", discard_pod, fixture->pod);
  test_gate_wait_for_waiters (&finish_gate, 1);
  /* The lock is free: the job's finish runs, unlocked (rule 1). */
  test_assert_counters_add_up (fixture->pod);
  test_gate_open (&finish_gate);
  g_thread_join (shutdown);
  test_assert_counters_add_up (fixture->pod);
  test_gate_clear (&finish_gate);
}

static void
test_pod_shutdown_async (PodFixture    *fixture,
                         gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_max_workers_grow (PodFixture    *fixture,
                           gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_max_workers_shrink (PodFixture    *fixture,
                             gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  TestGauge gauge = { 0, 0 };
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
test_pod_idle_timeout (PodFixture    *fixture,
                       gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_dispatch_interval (PodFixture    *fixture,
                            gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_notify_coalesced_on_main_context (PodFixture    *fixture,
                                           gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_jobs_add_jobs (PodFixture    *fixture,
                        gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_reentry_from_job (PodFixture    *fixture,
                           gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_race_producers_cancel (PodFixture    *fixture,
                                gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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
test_pod_race_cancel_against_start (PodFixture    *fixture,
                                    gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
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

static void
record_finalize_thread (gpointer  data,
                        GObject  *where_the_object_was)
{
  *(GThread **) data = g_thread_self ();
}

static void
test_pod_bad_input (PodFixture    *fixture,
                    gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GError) error = NULL;

  EXPECT_CRITICAL ("*max_workers > 0*", g_assert_null (gopod_pod_new (0)));

  EXPECT_CRITICAL ("*GOPOD_IS_JOB*", g_assert_false (gopod_pod_add_job (pod, NULL, NULL, NULL)));

  EXPECT_CRITICAL ("*func != NULL*", g_assert_false (gopod_pod_submit (pod, NULL, NULL, NULL, NULL)));

  EXPECT_CRITICAL ("*max_workers > 0*", gopod_pod_set_max_workers (pod, 0));
  g_assert_cmpuint (gopod_pod_get_max_workers (pod), ==, 1);

  /* A job is added once. */
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  EXPECT_CRITICAL ("*already added*", g_assert_false (gopod_pod_add_job (pod, job, NULL, &error)));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==, 1);
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 1);

  EXPECT_CRITICAL ("*mode == GOPOD_SHUTDOWN_DRAIN*", g_assert_false (gopod_pod_shutdown (pod, 42, NULL, NULL)));
}

/* A main-context job whose `begin` records where it ran, calls a hook and
 * completes; its `finish` may call a hook too. */
#define TEST_TYPE_HOOK_JOB (test_hook_job_get_type ())
G_DECLARE_FINAL_TYPE (TestHookJob, test_hook_job, TEST, HOOK_JOB, GopodJob)

typedef void (*HookFunc) (TestHookJob *job);

struct _TestHookJob
{
  GopodJob   parent_instance;
  HookFunc   begin_hook;
  HookFunc   finish_hook;
  gpointer   data;
  GThread   *begun_on;
  GError    *hook_error;  /* what a hook's call returned */
  gboolean   hook_ok;
  gint64     busy_us;     /* `begin` runs this long on the clock before completing */
};

G_DEFINE_FINAL_TYPE (TestHookJob, test_hook_job, GOPOD_TYPE_JOB)

static void
busy_for (gint64 us)
{
  gint64 until = g_get_monotonic_time () + us;

  /* Waits for the clock, not for another thread. */
  while (g_get_monotonic_time () < until)
    g_usleep (100);
}

static gboolean
test_hook_job_begin (GopodJob      *job,
                     GCancellable  *cancellable,
                     GError       **error)
{
  TestHookJob *self = TEST_HOOK_JOB (job);

  self->begun_on = g_thread_self ();
  if (self->begin_hook != NULL)
    self->begin_hook (self);
  busy_for (self->busy_us);
  gopod_job_complete (job, NULL);
  return TRUE;
}

static void
test_hook_job_finish (GopodJob *job)
{
  TestHookJob *self = TEST_HOOK_JOB (job);

  if (self->finish_hook != NULL)
    self->finish_hook (self);
}

static void
test_hook_job_finalize (GObject *object)
{
  g_clear_error (&TEST_HOOK_JOB (object)->hook_error);
  G_OBJECT_CLASS (test_hook_job_parent_class)->finalize (object);
}

static void
test_hook_job_class_init (TestHookJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_hook_job_finalize;
  GOPOD_JOB_CLASS (klass)->begin = test_hook_job_begin;
  GOPOD_JOB_CLASS (klass)->finish = test_hook_job_finish;
}

static void
test_hook_job_init (TestHookJob *self)
{
}

static TestHookJob *
hook_job_new (HookFunc begin_hook,
              HookFunc finish_hook,
              gpointer data)
{
  TestHookJob *job = g_object_new (TEST_TYPE_HOOK_JOB, NULL);

  job->begin_hook = begin_hook;
  job->finish_hook = finish_hook;
  job->data = data;
  return job;
}

/* Rule P13 with a main-context job holding a slot: max-workers lowered to
 * 1 while it is begun and a thread job runs, the thread job's worker does
 * not go straight on to the next queued job (the main-context job holds
 * the one slot), but leaves; the next job starts once the slot is free. */
typedef struct
{
  GopodPod       *pod;
  TestGate       *gate;
  TestCountedJob *first;
  TestCountedJob *next;
} StraightOn;

static gboolean
worker_left_or_next_ran (gpointer data)
{
  StraightOn *on = data;

  return gopod_pod_get_workers (on->pod) == 0 || g_atomic_int_get (&on->next->runs) > 0;
}

static void
straight_on_while_begun (TestHookJob *job)
{
  StraightOn *on = job->data;

  g_assert_true (gopod_pod_add_job (on->pod, GOPOD_JOB (on->next), NULL, NULL));
  gopod_pod_set_max_workers (on->pod, 1);
  test_gate_open (on->gate);
  g_assert_true (gopod_job_wait (GOPOD_JOB (on->first), NULL, NULL));
  g_assert_true (test_poll_until (worker_left_or_next_ran, on, 10000));
  job->hook_ok = g_atomic_int_get (&on->next->runs) == 0;
}

static void
test_pod_straight_on_shrunk (PodFixture    *fixture,
                             gconstpointer  unused)
{
  g_autoptr(TestCountedJob) first = counted_job_new (0);
  g_autoptr(TestCountedJob) next = counted_job_new (1);
  StraightOn on = { fixture->pod, &fixture->gate, first, next };
  g_autoptr(TestHookJob) main_job = hook_job_new (straight_on_while_begun, NULL, &on);

  first->gate = &fixture->gate;
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (first), NULL, NULL));
  test_gate_wait_for_waiters (&fixture->gate, 1);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (main_job), NULL, NULL));
  /* This thread's context begins the main-context job, whose hook runs
   * the rest while it holds its slot. */
  g_assert_true (gopod_pod_wait (fixture->pod, NULL, NULL));
  g_assert_true (main_job->hook_ok);
  g_assert_cmpint (next->runs, ==, 1);
}

static gboolean
job_has_ended (gpointer job)
{
  return gopod_job_get_state (job) >= GOPOD_JOB_STATE_SUCCEEDED;
}

static GCancellable *
cancelled_cancellable (void)
{
  GCancellable *cancellable = g_cancellable_new ();

  g_cancellable_cancel (cancellable);
  return cancellable;
}

/* A main-context job added while a blocking wait is in progress is begun by
 * that wait (on the pod's thread, where nobody runs the context). */
typedef struct
{
  PodFixture   *fixture;
  GCancellable *cancellable;
  TestHookJob  *main_job;
} AddedDuringWait;

static gboolean
add_main_job_after_gate (GopodJob      *job,
                         GCancellable  *cancellable,
                         gpointer       data,
                         GError       **error)
{
  AddedDuringWait *d = data;

  test_gate_pass (&d->fixture->gate);
  return gopod_pod_add_job (d->fixture->pod, GOPOD_JOB (d->main_job), NULL, error);
}

static gpointer
open_gate_once_waiting (gpointer data)
{
  AddedDuringWait *d = data;

  /* The wait has begun once it listens to its cancellable. */
  test_wait_until_watched (d->cancellable);
  test_gate_open (&d->fixture->gate);
  /* A wait that never begins the job is cancelled: the test fails instead
   * of hanging. */
  if (!test_poll_until (job_has_ended, d->main_job, 10000))
    g_cancellable_cancel (d->cancellable);
  return NULL;
}

static void
test_pod_wait_runs_main_job_added_meanwhile (PodFixture    *fixture,
                                             gconstpointer  unused)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TestHookJob) main_job = hook_job_new (NULL, NULL, NULL);
  AddedDuringWait d = { fixture, cancellable, main_job };
  g_autoptr(GopodJob) adder = gopod_job_new_func (add_main_job_after_gate, &d, NULL);
  g_autoptr(GError) error = NULL;
  GThread *opener;

  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, adder, NULL, NULL));
  opener = g_thread_new ("opener", open_gate_once_waiting, &d);
  g_assert_true (gopod_pod_wait (fixture->pod, cancellable, &error));
  g_assert_no_error (error);
  g_thread_join (opener);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (main_job)), ==, GOPOD_JOB_STATE_SUCCEEDED);
  g_assert_true (main_job->begun_on == g_thread_self ());
}

/* Waits on oneself are refused, even with a cancellable already cancelled
 * (which a wait that was entered would report instead). */
static void
hook_pod_wait (TestHookJob *job)
{
  g_autoptr(GCancellable) cancellable = cancelled_cancellable ();

  g_clear_error (&job->hook_error);
  job->hook_ok = gopod_pod_wait (job->data, cancellable, &job->hook_error);
}

static void
hook_pod_shutdown (TestHookJob *job)
{
  g_autoptr(GCancellable) cancellable = cancelled_cancellable ();

  job->hook_ok = gopod_pod_shutdown (job->data, GOPOD_SHUTDOWN_DRAIN, cancellable, &job->hook_error);
}

static void
hook_job_wait_self (TestHookJob *job)
{
  g_autoptr(GCancellable) cancellable = cancelled_cancellable ();

  g_clear_error (&job->hook_error);
  job->hook_ok = gopod_job_wait (GOPOD_JOB (job), cancellable, &job->hook_error);
}

static void
assert_refused (TestHookJob *job)
{
  g_assert_false (job->hook_ok);
  g_assert_error (job->hook_error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
}

static void
run_hook_job (PodFixture  *fixture,
              TestHookJob *job)
{
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (job), NULL, NULL));
  /* This thread made the pod and nobody runs its context: the wait runs
   * `begin` here. */
  g_assert_true (gopod_job_wait (GOPOD_JOB (job), NULL, NULL));
  g_assert_true (job->begun_on == g_thread_self ());
}

static void
test_pod_refuses_wait_from_begin (PodFixture    *fixture,
                                  gconstpointer  unused)
{
  g_autoptr(TestHookJob) job = hook_job_new (hook_pod_wait, NULL, fixture->pod);

  run_hook_job (fixture, job);
  assert_refused (job);
}

static void
test_pod_refuses_shutdown_wait_from_begin (PodFixture    *fixture,
                                           gconstpointer  unused)
{
  g_autoptr(TestHookJob) job = hook_job_new (hook_pod_shutdown, NULL, fixture->pod);
  g_autoptr(GError) error = NULL;

  run_hook_job (fixture, job);
  assert_refused (job);
  /* The shutdown itself went on. */
  g_assert_false (gopod_pod_shutdown (fixture->pod, GOPOD_SHUTDOWN_DRAIN, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
}

static void
test_pod_refuses_wait_from_finish_of_cancelled (PodFixture    *fixture,
                                                gconstpointer  unused)
{
  g_autoptr(TestHookJob) job = hook_job_new (NULL, hook_pod_wait, fixture->pod);

  /* Paused: the job stays queued, and its `finish` runs in this thread
   * when it is cancelled, while the pod still counts it. */
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (job), NULL, NULL));
  gopod_job_cancel (GOPOD_JOB (job));
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_CANCELLED);
  assert_refused (job);
}

static void
test_job_refuses_wait_on_itself_from_begin_and_finish (PodFixture    *fixture,
                                                       gconstpointer  unused)
{
  g_autoptr(TestHookJob) job = hook_job_new (hook_job_wait_self, NULL, NULL);
  g_autoptr(TestHookJob) job2 = hook_job_new (NULL, hook_job_wait_self, NULL);

  run_hook_job (fixture, job);
  assert_refused (job);
  run_hook_job (fixture, job2);
  assert_refused (job2);
}

static gboolean
wait_on_itself (GopodJob      *job,
                GCancellable  *cancellable,
                gpointer       data,
                GError       **error)
{
  g_autoptr(GCancellable) cancelled = cancelled_cancellable ();
  GError **wait_error = data;

  return !gopod_job_wait (job, cancelled, wait_error);
}

static void
test_job_refuses_wait_on_itself_from_run (PodFixture    *fixture,
                                          gconstpointer  unused)
{
  g_autoptr(GError) wait_error = NULL;
  g_autoptr(GopodJob) job = gopod_job_new_func (wait_on_itself, &wait_error, NULL);

  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, job, NULL, NULL));
  g_assert_true (gopod_job_wait (job, NULL, NULL));
  g_assert_error (wait_error, GOPOD_ERROR, GOPOD_ERROR_FAILED);
}

/* A blocking wait for a main-context job not yet begun, made under a pushed
 * thread-default context, runs the pod's context (where `begin` runs), not
 * the one the job was made on. */
static gboolean
cancel_when_run (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

static void
test_job_wait_runs_pods_context (PodFixture    *fixture,
                                 gconstpointer  unused)
{
  g_autoptr(GMainContext) pushed = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TestHookJob) job = NULL;
  g_autoptr(GError) error = NULL;
  GSource *trap = g_idle_source_new ();

  g_main_context_push_thread_default (pushed);
  job = hook_job_new (NULL, NULL, NULL);
  /* Should the wait run the pushed context, this ends it at once. */
  g_source_set_callback (trap, cancel_when_run, cancellable, NULL);
  g_source_attach (trap, pushed);
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (job), NULL, NULL));
  g_assert_true (gopod_job_wait (GOPOD_JOB (job), cancellable, &error));
  g_assert_no_error (error);
  g_assert_true (job->begun_on == g_thread_self ());
  g_source_destroy (trap);
  g_source_unref (trap);
  g_main_context_pop_thread_default (pushed);
}

/* Without a main loop and with several workers, every finished job is
 * freed, and its destroy notify runs, even when one worker holds the
 * default context (finalizing a job) while the others release theirs. */
typedef struct
{
  TestGate *run_gate;
  TestGate *gate;
  int       destroyed;
} Freed;

static gboolean
freed_run_after_gate (GopodJob      *job,
                      GCancellable  *cancellable,
                      gpointer       data,
                      GError       **error)
{
  test_gate_pass (((Freed *) data)->run_gate);
  return TRUE;
}

static void
count_freed (gpointer data)
{
  g_atomic_int_inc (&((Freed *) data)->destroyed);
}

static void
count_freed_after_gate (gpointer data)
{
  test_gate_pass (((Freed *) data)->gate);
  count_freed (data);
}

static gboolean
only_the_blocked_worker_left (gpointer pod)
{
  return gopod_pod_get_queued (pod) == 0 && gopod_pod_get_running (pod) == 0 &&
         gopod_pod_get_workers (pod) == 1;
}

#define N_FREED 64

static void
test_pod_frees_jobs_without_main_loop (PodFixture    *fixture,
                                       gconstpointer  unused)
{
  TestGate run_gate;
  Freed first = { &run_gate, &fixture->gate, 0 }, rest = { NULL, NULL, 0 };
  GopodJob *job = gopod_job_new_func (freed_run_after_gate, &first, count_freed_after_gate);

  test_gate_init (&run_gate);
  gopod_pod_set_idle_timeout_ms (fixture->pod, 1);
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, job, NULL, NULL));
  /* The pod holds the last reference when the job ends. */
  test_gate_wait_for_waiters (&run_gate, 1);
  g_object_unref (job);
  test_gate_open (&run_gate);
  /* Its worker finalizes it, owning the default context meanwhile. */
  test_gate_wait_for_waiters (&fixture->gate, 1);
  for (int i = 0; i < N_FREED; i++)
    {
      job = gopod_job_new_func (test_job_succeed, &rest, count_freed);
      g_assert_true (gopod_pod_add_job (fixture->pod, job, NULL, NULL));
      g_object_unref (job);
    }
  /* The other workers ran and released every job, then left. */
  g_assert_true (test_poll_until (only_the_blocked_worker_left, fixture->pod, 10000));
  test_gate_open (&fixture->gate);
  g_assert_true (gopod_pod_shutdown (fixture->pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
  g_assert_cmpint (first.destroyed, ==, 1);
  g_assert_cmpint (rest.destroyed, ==, N_FREED);
  test_gate_clear (&run_gate);
}

/* Where the creator's main loop owns its context, a job the pod holds
 * last is finalized there, not on the worker that ran it. */
static gboolean
succeed_after_gate (GopodJob      *job,
                    GCancellable  *cancellable,
                    gpointer       gate,
                    GError       **error)
{
  test_gate_pass (gate);
  return TRUE;
}

static void
test_pod_job_freed_on_its_context (PodFixture    *fixture,
                                   gconstpointer  unused)
{
  GopodJob *job = gopod_job_new_func (succeed_after_gate, &fixture->gate, NULL);
  GThread *finalized_on = NULL;

  g_assert_true (g_main_context_acquire (NULL));
  g_object_weak_ref (G_OBJECT (job), record_finalize_thread, &finalized_on);
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, job, NULL, NULL));
  /* The pod holds the last reference before the job ends. */
  test_gate_wait_for_waiters (&fixture->gate, 1);
  g_object_unref (job);
  test_gate_open (&fixture->gate);
  while (finalized_on == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_main_context_release (NULL);
  g_assert_true (finalized_on == g_thread_self ());
}

/* The destroy notify of a light job runs on the context it was submitted
 * from, when its thread runs it. */
static void
record_destroy_thread (gpointer data)
{
  g_atomic_pointer_set ((GThread **) data, g_thread_self ());
}

static void
do_nothing (gpointer data)
{
}

static void
test_pod_light_destroy_on_its_context (PodFixture    *fixture,
                                       gconstpointer  unused)
{
  GThread *destroyed_on = NULL;

  g_assert_true (g_main_context_acquire (NULL));
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_submit (fixture->pod, do_nothing, &destroyed_on, record_destroy_thread, NULL));
  while (g_atomic_pointer_get (&destroyed_on) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_main_context_release (NULL);
  g_assert_true (destroyed_on == g_thread_self ());
  g_assert_true (gopod_pod_wait (fixture->pod, NULL, NULL));
}

/* Without a main loop, a light job's destroy notify still runs: given from
 * the pod's thread, by that thread's wait; from another thread, where the
 * job ended. */
typedef struct
{
  GopodPod  *pod;
  RunAndFree counts;
} SubmitFrom;

static gpointer
submit_with_destroy (gpointer data)
{
  SubmitFrom *d = data;

  for (int i = 0; i < 100; i++)
    g_assert_true (gopod_pod_submit (d->pod, count_run, &d->counts, count_destroy, NULL));
  return NULL;
}

static void
test_pod_light_destroy_without_main_loop (PodFixture    *fixture,
                                          gconstpointer  unused)
{
  SubmitFrom here = { fixture->pod, { 0, 0 } }, there = { fixture->pod, { 0, 0 } };

  gopod_pod_start (fixture->pod);
  submit_with_destroy (&here);
  g_thread_join (g_thread_new ("submitter", submit_with_destroy, &there));
  g_assert_true (gopod_pod_wait (fixture->pod, NULL, NULL));
  g_assert_cmpint (here.counts.runs, ==, 100);
  g_assert_cmpint (here.counts.destroyed, ==, 100);
  g_assert_cmpint (there.counts.runs, ==, 100);
  g_assert_cmpint (there.counts.destroyed, ==, 100);
}

/* A pod made on a thread that is not the one running its context (the
 * global default, run by the main thread's loop): the destroy notify of a
 * light job submitted from the pod's thread runs where that loop runs it,
 * as the pod's notifications and callbacks do (rule 5), instead of waiting
 * bound to a thread that can never own the context while the loop runs. */
typedef struct
{
  GThread  *destroyed_on;  /* atomic */
  TestGate  waited;        /* passed by the pod's thread after its wait */
} LoopElsewhere;

static gpointer
pod_thread_submits_and_waits (gpointer data)
{
  LoopElsewhere *d = data;
  GopodPod *pod = gopod_pod_new (1);

  gopod_pod_start (pod);
  g_assert_true (gopod_pod_submit (pod, do_nothing, &d->destroyed_on, record_destroy_thread, NULL));
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  /* Alive, as a long-lived thread would be, until the main thread looked. */
  test_gate_pass (&d->waited);
  g_object_unref (pod);
  return NULL;
}

static gboolean
deadline_passed_flag (gpointer data)
{
  g_atomic_int_set ((gint *) data, TRUE);
  return G_SOURCE_REMOVE;
}

static void
test_pod_light_destroy_loop_on_another_thread (void)
{
  LoopElsewhere d = { NULL };
  gint timed_out = FALSE;
  GSource *deadline;
  GThread *thread;
  GThread *destroyed_on;

  g_test_summary ("A light job's destroy notify from a pod made on a thread that does not run "
                  "its context runs from the loop that runs it");
  test_gate_init (&d.waited);
  /* The main thread runs the global default context, as a GTK or GJS
   * program's loop does. */
  g_assert_true (g_main_context_acquire (NULL));
  thread = g_thread_new ("pod-thread", pod_thread_submits_and_waits, &d);
  test_gate_wait_for_waiters (&d.waited, 1);
  deadline = g_timeout_source_new (5000);
  g_source_set_callback (deadline, deadline_passed_flag, &timed_out, NULL);
  g_source_attach (deadline, NULL);
  while (g_atomic_pointer_get (&d.destroyed_on) == NULL && !g_atomic_int_get (&timed_out))
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  destroyed_on = g_atomic_pointer_get (&d.destroyed_on);
  g_main_context_release (NULL);
  test_gate_open (&d.waited);
  g_thread_join (thread);
  /* Not merely once the pod's thread ended: while it lived, from the loop. */
  g_assert_nonnull (destroyed_on);
  g_assert_true (destroyed_on == g_thread_self ());
  test_gate_clear (&d.waited);
}

/* A pod made on a thread that ended, and a new thread that binds releases
 * to itself (it made a pod or pool of its own) and got the same GThread
 * from GLib: the destroy notify of a light job given from the pod's ended
 * thread runs as for any ended thread (rule R2), at once where nobody runs
 * the context, not bound to the unrelated new thread. */
typedef struct
{
  TestGate  run;           /* the light job waits here */
  GThread  *destroyed_on;  /* atomic */
} HeldLight;

static void
held_light_run (gpointer data)
{
  test_gate_pass (&((HeldLight *) data)->run);
}

static void
held_light_destroy (gpointer data)
{
  g_atomic_pointer_set (&((HeldLight *) data)->destroyed_on, g_thread_self ());
}

static gpointer
pod_thread_submits_held (gpointer data)
{
  GopodPod *pod = gopod_pod_new (1);

  gopod_pod_start (pod);
  g_assert_true (gopod_pod_submit (pod, held_light_run, data, held_light_destroy, NULL));
  return pod;
}

typedef struct
{
  GThread  *ended;
  gboolean  any;    /* bind whatever GThread this is */
  TestGate  bound;
} Reuser;

static gpointer
bind_if_same_thread (gpointer data)
{
  Reuser *r = data;
  GopodPod *own;

  if (!r->any && g_thread_self () != r->ended)
    return NULL;
  /* Any pod, runner or pool made here binds releases to this thread. */
  own = gopod_pod_new (1);
  test_gate_pass (&r->bound);
  g_object_unref (own);
  return NULL;
}

static gboolean
held_light_destroyed (gpointer data)
{
  return g_atomic_pointer_get (&((HeldLight *) data)->destroyed_on) != NULL;
}

static void
test_pod_light_destroy_home_thread_reused (void)
{
  HeldLight light = { 0 };
  Reuser r = { NULL };
  GThread *ended, *reuser = NULL;
  GopodPod *pod;
  gboolean destroyed;

  g_test_summary ("A light job's destroy notify given from a pod's thread that ended is not "
                  "bound to a new thread GLib gave the same GThread");
  test_gate_init (&light.run);
  test_gate_init (&r.bound);
  ended = g_thread_new ("pod-thread", pod_thread_submits_held, &light);
  r.ended = ended;
  pod = g_thread_join (ended);
  test_gate_wait_for_waiters (&light.run, 1);
  /* GLib hands the freed GThread to the next thread most of the time. */
  for (int i = 0; i < 100 && reuser == NULL; i++)
    {
      GThread *t = g_thread_new ("reuser", bind_if_same_thread, &r);

      if (t == r.ended)
        reuser = t;
      else
        g_thread_join (t);
    }
  if (reuser == NULL)
    {
      /* No thread took its place: a thread that binds, all the same. */
      r.any = TRUE;
      reuser = g_thread_new ("binder", bind_if_same_thread, &r);
      g_assert_true (reuser != ended);
    }
  test_gate_wait_for_waiters (&r.bound, 1);
  /* The light job ends; nobody runs the default context. */
  test_gate_open (&light.run);
  destroyed = test_poll_until (held_light_destroyed, &light, 5000);
  test_gate_open (&r.bound);
  g_thread_join (reuser);
  g_assert_true (destroyed);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_object_unref (pod);
  test_gate_clear (&light.run);
  test_gate_clear (&r.bound);
}

/* dispatch-interval-ms: a worker waiting for its start time looks again at
 * pause, resize and interval changes, and keeps FIFO order. The interval is
 * a minute: a worker that did not look again would not start in time. */
#define LONG_INTERVAL_MS 60000

static gboolean
pod_has_no_worker (gpointer pod)
{
  return gopod_pod_get_workers (pod) == 0;
}

static void
test_pod_dispatch_interval_pause (PodFixture    *fixture,
                                  gconstpointer  unused)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);

  gopod_pod_set_dispatch_interval_ms (fixture->pod, LONG_INTERVAL_MS);
  gopod_pod_start (fixture->pod);
  add_counted_jobs (fixture->pod, jobs, 0, 2, NULL, NULL);
  g_assert_true (gopod_job_wait (g_ptr_array_index (jobs, 0), NULL, NULL));
  /* The second waits for its start time; pausing lets its worker go. */
  gopod_pod_pause (fixture->pod);
  g_assert_true (test_poll_until (pod_has_no_worker, fixture->pod, 10000));
  g_assert_cmpint (TEST_COUNTED_JOB (g_ptr_array_index (jobs, 1))->runs, ==, 0);
  g_assert_cmpuint (gopod_pod_get_queued (fixture->pod), ==, 1);
}

static void
test_pod_dispatch_interval_lowered (PodFixture    *fixture,
                                    gconstpointer  unused)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GAsyncResult) result = NULL;
  GMutex order_lock;

  g_mutex_init (&order_lock);
  gopod_pod_set_dispatch_interval_ms (fixture->pod, LONG_INTERVAL_MS);
  add_counted_jobs (fixture->pod, jobs, 0, 6, NULL, NULL);
  for (guint i = 0; i < jobs->len; i++)
    {
      TEST_COUNTED_JOB (g_ptr_array_index (jobs, i))->order = order;
      TEST_COUNTED_JOB (g_ptr_array_index (jobs, i))->order_lock = &order_lock;
    }
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_job_wait (g_ptr_array_index (jobs, 0), NULL, NULL));
  gopod_pod_set_dispatch_interval_ms (fixture->pod, 0);
  gopod_pod_wait_async (fixture->pod, NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 10000);
  g_assert_true (gopod_pod_wait_finish (fixture->pod, result, NULL));
  g_assert_cmpuint (order->len, ==, 6);
  for (guint i = 0; i < order->len; i++)
    g_assert_cmpint (g_array_index (order, int, i), ==, i);
  g_mutex_clear (&order_lock);
}

/* Through the pod core's test hook: how many workers took a job and wait
 * for its start time. */
static gboolean
pod_has_three_waiting_for_start (gpointer pod)
{
  return gopod_pod_core_get_n_slot_waiting (GOPOD_POD (pod)->core) == 3;
}

static gboolean
pod_has_none_waiting_for_start (gpointer pod)
{
  return gopod_pod_core_get_n_slot_waiting (GOPOD_POD (pod)->core) == 0;
}

static void
test_pod_dispatch_interval_shrunk (PodFixture    *fixture,
                                   gconstpointer  unused)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GAsyncResult) result = NULL;

  gopod_pod_set_dispatch_interval_ms (fixture->pod, LONG_INTERVAL_MS);
  gopod_pod_start (fixture->pod);
  add_counted_jobs (fixture->pod, jobs, 0, 4, &fixture->gate, &fixture->gauge);
  /* One runs; the others' workers wait for their start times. */
  test_gate_wait_for_waiters (&fixture->gate, 1);
  g_assert_true (test_poll_until (pod_has_three_waiting_for_start, fixture->pod, 10000));
  gopod_pod_set_max_workers (fixture->pod, 1);
  gopod_pod_set_dispatch_interval_ms (fixture->pod, 0);
  /* Each looked again, and decided in the hold of the lock it left its wait
   * in: none started beside the one still running. */
  g_assert_true (test_poll_until (pod_has_none_waiting_for_start, fixture->pod, 10000));
  g_assert_cmpuint (gopod_pod_get_running (fixture->pod), ==, 1);
  test_gate_open (&fixture->gate);
  gopod_pod_wait_async (fixture->pod, NULL, test_store_result, &result);
  test_wait_for_result (NULL, &result, 10000);
  g_assert_true (gopod_pod_wait_finish (fixture->pod, result, NULL));
  g_assert_cmpint (fixture->gauge.peak, ==, 1);
}

/* A job that ran past its timeout fails with GOPOD_ERROR_TIMEOUT whatever
 * its work returns, even when its timer is late: here the timer thread is
 * held in a "cancelled" handler of another job that timed out. */
static void
hold_timer_thread (GCancellable *cancellable,
                   gpointer      gate)
{
  test_gate_pass (gate);
}

static gboolean
block_until_cancelled (GopodJob      *job,
                       GCancellable  *cancellable,
                       gpointer       data,
                       GError       **error)
{
  test_block_until_cancelled (cancellable);
  return TRUE;
}

#define RUN_PAST_US 5000

static gboolean
run_past_timeout (GopodJob      *job,
                  GCancellable  *cancellable,
                  gpointer       data,
                  GError       **error)
{
  busy_for (RUN_PAST_US);
  return TRUE;
}

static void
assert_timed_out (GopodJob *job)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (gopod_job_wait (job, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_cmpint (gopod_job_get_state (job), ==, GOPOD_JOB_STATE_FAILED);
}

static void
test_pod_job_ran_past_timeout_fails (PodFixture    *fixture,
                                     gconstpointer  unused)
{
  g_autoptr(GopodJob) holder = gopod_job_new_func (block_until_cancelled, NULL, NULL);
  g_autoptr(GopodJob) late = gopod_job_new_func (run_past_timeout, NULL, NULL);
  g_autoptr(TestHookJob) late_main = hook_job_new (NULL, NULL, NULL);

  /* Its timeout cancels it on the timer thread, which the handler holds. */
  g_signal_connect (gopod_job_get_cancellable (holder), "cancelled",
                    G_CALLBACK (hold_timer_thread), &fixture->gate);
  gopod_job_set_timeout_ms (holder, 1);
  gopod_job_set_timeout_ms (late, 1);
  gopod_job_set_timeout_ms (GOPOD_JOB (late_main), 1);
  late_main->busy_us = RUN_PAST_US;
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, holder, NULL, NULL));
  test_gate_wait_for_waiters (&fixture->gate, 1);
  /* No timer fires now. */
  g_assert_true (gopod_pod_add_job (fixture->pod, late, NULL, NULL));
  assert_timed_out (late);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (late_main), NULL, NULL));
  assert_timed_out (GOPOD_JOB (late_main));
  test_gate_open (&fixture->gate);
  assert_timed_out (holder);
}

/* A worker blocked in a wait never runs the default context, which is
 * its own thread's business: not the idle callbacks of the application,
 * nor another pod's `begin`. */
typedef struct
{
  GopodPod     *other;
  GCancellable *cancellable;
} WaitOnOther;

static gboolean
wait_on_other_pod (GopodJob      *job,
                   GCancellable  *cancellable,
                   gpointer       data,
                   GError       **error)
{
  WaitOnOther *d = data;

  return gopod_pod_wait (d->other, d->cancellable, error);
}

/* The waiting primitive's test hook: what the first wait with a home made
 * on a thread other than the test's decided to run (a context, or
 * NOT_RUNNING to sleep). */
#define NOT_RUNNING ((gpointer) &not_running)
static int not_running;

typedef struct
{
  GThread  *test_thread;
  gpointer  decided;  /* atomic */
} WaitDecision;

static void
record_wait_decision (GMainContext *running,
                      gpointer      data)
{
  WaitDecision *d = data;

  if (g_thread_self () != d->test_thread)
    g_atomic_pointer_compare_and_exchange (&d->decided, NULL,
                                           running != NULL ? (gpointer) running : NOT_RUNNING);
}

static gboolean
wait_decided (gpointer data)
{
  return g_atomic_pointer_get (&((WaitDecision *) data)->decided) != NULL;
}

static gboolean
record_idle_thread (gpointer data)
{
  *(GThread **) data = g_thread_self ();
  return G_SOURCE_REMOVE;
}

static void
test_pod_worker_wait_never_runs_default_context (PodFixture    *fixture,
                                                 gconstpointer  unused)
{
  g_autoptr(GopodPod) other = gopod_pod_new (1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TestHookJob) main_job = hook_job_new (NULL, NULL, NULL);
  WaitOnOther d = { other, cancellable };
  g_autoptr(GopodJob) waiter = gopod_job_new_func (wait_on_other_pod, &d, NULL);
  GThread *idle_ran_on = NULL;
  WaitDecision decision = { g_thread_self (), NULL };

  g_idle_add (record_idle_thread, &idle_ran_on);
  gopod_pod_start (other);
  g_assert_true (gopod_pod_add_job (other, GOPOD_JOB (main_job), NULL, NULL));
  gopod_wait_set_test_hook (record_wait_decision, &decision);
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, waiter, NULL, NULL));
  /* Nobody runs the default context until the worker's wait decided:
   * free for the taking, it must still leave it alone. */
  g_assert_true (test_poll_until (wait_decided, &decision, 10000));
  gopod_wait_set_test_hook (NULL, NULL);
  g_assert_true (g_atomic_pointer_get (&decision.decided) == NOT_RUNNING);
  /* This thread made `other`: its wait runs the context, here. */
  g_assert_true (gopod_pod_wait (other, NULL, NULL));
  g_assert_true (gopod_job_wait (waiter, NULL, NULL));
  g_assert_true (main_job->begun_on == g_thread_self ());
  while (idle_ran_on == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (idle_ran_on == g_thread_self ());
}

/* A running batch of light jobs looks at pause between its jobs: those
 * not started go back to the queue. The batch is made long by jobs that
 * take a few microseconds (the worker batches short jobs), and kept in one
 * chunk by an object job before it. */
typedef struct
{
  TestGate *gate;
  int       runs;
} BatchData;

static void
light_busy (gpointer data)
{
  gint64 until = g_get_monotonic_time () + 3;

  /* A few microseconds on the clock, without sleeping. */
  while (g_get_monotonic_time () < until)
    ;
}

static void
light_gated (gpointer data)
{
  test_gate_pass (((BatchData *) data)->gate);
}

static void
light_counted (gpointer data)
{
  g_atomic_int_inc (&((BatchData *) data)->runs);
}

typedef struct
{
  GopodPod *pod;
  guint     queued;
  guint     running;
} QueuedIs;

static gboolean
pod_queued_is (gpointer data)
{
  QueuedIs *q = data;

  return gopod_pod_get_running (q->pod) == q->running && gopod_pod_get_queued (q->pod) == q->queued;
}

/* What makes a chunk run in copied batches on a pod of two workers: with
 * @hog_a_slot, `hog` takes one worker's slot until `hold` opens; `first`
 * keeps the other worker until `start` opens, while 64 light jobs of a few
 * microseconds (from which that worker learns their length) and `divider`
 * (which closes their chunk) are queued. What the test submits next is a
 * chunk of its own, too long to be held whole, taken once `start` opens. */
typedef struct
{
  TestCountedJob *first;
  TestCountedJob *divider;
  TestCountedJob *hog;
  TestGate        start;
  TestGate        hold;
} CopiedBatch;

static void
copied_batch_set_up (CopiedBatch *c,
                     GopodPod    *pod,
                     gboolean     hog_a_slot)
{
  c->first = counted_job_new (0);
  c->divider = counted_job_new (1);
  c->hog = counted_job_new (2);
  test_gate_init (&c->start);
  test_gate_init (&c->hold);
  c->first->gate = &c->start;
  c->hog->gate = &c->hold;
  gopod_pod_start (pod);
  if (hog_a_slot)
    {
      g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (c->hog), NULL, NULL));
      test_gate_wait_for_waiters (&c->hold, 1);
    }
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (c->first), NULL, NULL));
  test_gate_wait_for_waiters (&c->start, 1);
  for (int i = 0; i < 64; i++)
    g_assert_true (gopod_pod_submit (pod, light_busy, NULL, NULL, NULL));
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (c->divider), NULL, NULL));
}

static void
copied_batch_tear_down (CopiedBatch *c)
{
  g_object_unref (c->first);
  g_object_unref (c->divider);
  g_object_unref (c->hog);
  test_gate_clear (&c->start);
  test_gate_clear (&c->hold);
}

/* Runs a batch headed by a gated job and @n_counted counted ones after it,
 * pauses the pod while the gated one runs, and checks that none of the
 * counted ones started. With @hog_a_slot, another job holds the second
 * worker's slot, so that the chunk (too long to be held whole) is run in
 * copied batches and nobody else takes the rest. */
static void
check_batch_stops_on_pause (PodFixture *fixture,
                            guint       n_counted,
                            gboolean    hog_a_slot)
{
  BatchData d = { &fixture->gate, 0 };
  QueuedIs rest = { fixture->pod, n_counted, hog_a_slot ? 1 : 0 };
  CopiedBatch c;

  copied_batch_set_up (&c, fixture->pod, hog_a_slot);
  g_assert_true (gopod_pod_submit (fixture->pod, light_gated, &d, NULL, NULL));
  for (guint i = 0; i < n_counted; i++)
    g_assert_true (gopod_pod_submit (fixture->pod, light_counted, &d, NULL, NULL));
  test_gate_open (&c.start);
  /* The gated job heads a batch holding counted ones. */
  test_gate_wait_for_waiters (&fixture->gate, 1);
  gopod_pod_pause (fixture->pod);
  test_gate_open (&fixture->gate);
  g_assert_true (test_poll_until (pod_queued_is, &rest, 10000));
  g_assert_cmpint (d.runs, ==, 0);
  test_gate_open (&c.hold);
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_wait (fixture->pod, NULL, NULL));
  g_assert_cmpint (d.runs, ==, n_counted);
  copied_batch_tear_down (&c);
}

/* A chunk short enough to be held and run in place (one worker). */
static void
test_pod_held_batch_stops_on_pause (PodFixture    *fixture,
                                    gconstpointer  unused)
{
  check_batch_stops_on_pause (fixture, 9, FALSE);
}

/* A long chunk, run in copied batches (two workers, one slot taken). */
static void
test_pod_copied_batch_stops_on_pause (PodFixture    *fixture,
                                      gconstpointer  unused)
{
  check_batch_stops_on_pause (fixture, 200, TRUE);
}

/* A worker that holds a full chunk and will be done with it within its
 * batch gets the next filling chunk handed on instead of queued (internals
 * rule P7b). These tests block the holder in a gated job at the head of its
 * chunk, fill the chunk behind it and start the next. */
typedef struct
{
  TestCountedJob *urgent;
  int             runs;
  int             before_urgent;
  int             expected;  /* runs hand_on_ran() waits for */
} HandOnData;

static gboolean
hand_on_ran (gpointer data)
{
  HandOnData *h = data;

  return g_atomic_int_get (&h->runs) >= h->expected;
}

static void
hand_on_counted (gpointer data)
{
  HandOnData *h = data;

  if (h->urgent != NULL && g_atomic_int_get (&h->urgent->runs) == 0)
    g_atomic_int_inc (&h->before_urgent);
  g_atomic_int_inc (&h->runs);
}

static void
hand_on_submit (GopodPod   *pod,
                HandOnData *h,
                guint       n)
{
  for (guint i = 0; i < n; i++)
    g_assert_true (gopod_pod_submit (pod, hand_on_counted, h, NULL, NULL));
}

/* Runs 1000 short light jobs: the pod's worker learns that light jobs are
 * short, and takes them in long batches or holds their chunk. */
static void
teach_short_jobs (GopodPod *pod)
{
  int warm = 0;

  gopod_pod_start (pod);
  for (int i = 0; i < 1000; i++)
    g_assert_true (gopod_pod_submit (pod, count_call, &warm, NULL, NULL));
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
}

/* Teaches the pod's one worker that light jobs are short, then makes it
 * hold a new chunk headed by a job that waits at the fixture's gate, fills
 * that chunk with GOPOD_CHUNK_SLOTS - 1 counted jobs and puts one more in
 * the next chunk, which is handed on (the pod has one worker: whatever
 * its batch). A worker whose average was spoilt (a preemption in its last
 * batches) may take one job at a time and hold nothing: then the gate opens
 * and it tries again, a few times. */
static void
hand_on_block_holder (PodFixture *fixture,
                      HandOnData *h)
{
  GopodPod *pod = fixture->pod;
  BatchData gated = { &fixture->gate, 0 };

  gopod_pod_start (pod);
  for (int attempt = 1;; attempt++)
    {
      teach_short_jobs (pod);
      g_assert_true (gopod_pod_submit (pod, light_gated, &gated, NULL, NULL));
      test_gate_wait_for_waiters (&fixture->gate, 1);
      hand_on_submit (pod, h, GOPOD_CHUNK_SLOTS);
      if (gopod_pod_core_is_handing_on (pod->core))
        return;
      g_assert_cmpint (attempt, <, 5);
      test_gate_open (&fixture->gate);
      g_assert_true (gopod_pod_wait (pod, NULL, NULL));
      test_gate_clear (&fixture->gate);
      test_gate_init (&fixture->gate);
      h->runs = h->before_urgent = 0;
    }
}

/* A holder stuck in a long job keeps the chunk handed on to it only until
 * the producer starts another: then it is queued, and a free worker runs
 * it while the holder is still stuck. */
static void
test_pod_hand_on_stuck_holder (PodFixture    *fixture,
                               gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  HandOnData h = { NULL, 0, 0, GOPOD_CHUNK_SLOTS + 1 };

  hand_on_block_holder (fixture, &h);
  gopod_pod_set_max_workers (pod, 2);
  /* Fills the chunk handed on and starts one more. */
  hand_on_submit (pod, &h, GOPOD_CHUNK_SLOTS);
  g_assert_false (gopod_pod_core_is_handing_on (pod->core));
  /* All of them run, none of those behind the gated job. */
  g_assert_true (test_poll_until (hand_on_ran, &h, 10000));
  g_assert_cmpint (g_atomic_int_get (&h.runs), ==, GOPOD_CHUNK_SLOTS + 1);
  g_assert_cmpuint (gopod_pod_get_running (pod), ==, 1);
  test_gate_open (&fixture->gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (h.runs, ==, 2 * GOPOD_CHUNK_SLOTS);
}

/* A holder done with its chunk does not go on with the one handed on to
 * it past a job queued meanwhile that comes first. */
static void
test_pod_hand_on_yields_to_queued (PodFixture    *fixture,
                                   gconstpointer  unused)
{
  g_autoptr(TestCountedJob) urgent = counted_job_new (0);
  HandOnData h = { urgent, 0, 0, 0 };

  hand_on_block_holder (fixture, &h);
  hand_on_submit (fixture->pod, &h, 10);
  gopod_job_set_priority (GOPOD_JOB (urgent), -10);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (urgent), NULL, NULL));
  test_gate_open (&fixture->gate);
  g_assert_true (gopod_pod_wait (fixture->pod, NULL, NULL));
  g_assert_cmpint (urgent->runs, ==, 1);
  g_assert_cmpint (h.runs, ==, GOPOD_CHUNK_SLOTS + 10);
  /* Only the jobs of the chunk it held ran before it. */
  g_assert_cmpint (h.before_urgent, ==, GOPOD_CHUNK_SLOTS - 1);
}

static gboolean pod_is_settled (gpointer pod);

/* A discarding shutdown discards a chunk handed on, which was in no queue. */
static void
test_pod_hand_on_discarded (PodFixture    *fixture,
                            gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  HandOnData h = { NULL, 0, 0, 0 };

  hand_on_block_holder (fixture, &h);
  hand_on_submit (pod, &h, 10);
  gopod_pod_shutdown_async (pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL, NULL);
  test_gate_open (&fixture->gate);
  g_assert_true (test_poll_until (pod_is_settled, pod, 10000));
  g_assert_cmpint (h.runs, ==, 0);
  g_assert_cmpuint (gopod_pod_get_cancelled (pod), ==, GOPOD_CHUNK_SLOTS + 10);
}

/* A light job that blocks in a wait of pod-glib lets the jobs behind it
 * in its batch or held chunk, and those submitted later, go to another
 * worker (internals rule P7c). The pair is Go's: one job receives on an
 * unbuffered channel, the other sends, on a pod of two workers whose
 * first learned that light jobs are short, so that it takes both at once.
 * Without the rule the receive waits for a send queued behind itself. */
typedef struct
{
  GopodChannel *channel;
  int           received;  /* atomic: the value, once received */
} ChannelPair;

static void
pair_receive (gpointer data)
{
  ChannelPair *pair = data;
  gint value = 0;

  g_assert_true (gopod_channel_receive_int (pair->channel, &value, NULL, NULL));
  g_atomic_int_set (&pair->received, value);
}

static void
pair_send (gpointer data)
{
  g_assert_true (gopod_channel_send_int (((ChannelPair *) data)->channel, 42, NULL, NULL));
}

static gboolean
pair_received (gpointer data)
{
  return g_atomic_int_get (&((ChannelPair *) data)->received) == 42;
}

/* Both jobs ran, and nothing else is left: a pair that waited for each
 * other fails here after 10 s instead of hanging. */
static void
pair_check_ran (GopodPod    *pod,
                ChannelPair *pair)
{
  g_assert_true (test_poll_until (pair_received, pair, 10000));
  g_assert_true (test_poll_until (pod_is_settled, pod, 10000));
  pair->received = 0;
}

/* Teaches the pod's workers that light jobs are short (again after an
 * attempt: the time a job spent blocked counts in a worker's average),
 * and lets the pod have two. */
static void
blocked_teach (GopodPod *pod)
{
  teach_short_jobs (pod);
  gopod_pod_set_max_workers (pod, 2);
}

typedef struct
{
  GopodPod *pod;
  guint     before;  /* let-gos so far, or jobs given away so far */
  gboolean  jobs;    /* count the jobs given away, not the let-gos */
} LetGoSince;

static LetGoSince
let_go_since_now (GopodPod *pod,
                  gboolean  jobs)
{
  LetGoSince since = { pod, 0, jobs };
  guint given_away;
  guint n = gopod_pod_core_get_n_let_go (pod->core, &given_away);

  since.before = jobs ? given_away : n;
  return since;
}

static gboolean
let_go_happened (gpointer data)
{
  LetGoSince *since = data;
  guint given_away;
  guint n = gopod_pod_core_get_n_let_go (since->pod->core, &given_away);

  return (since->jobs ? given_away : n) > since->before;
}

/* The receive blocks in the chunk its worker holds, which is the filling
 * one; the send, submitted once it blocked, goes to a chunk of its own. A
 * worker whose average was spoilt (a preemption) took the receive alone
 * and held nothing: then the send runs anyway and the pair tries again. */
static void
test_pod_blocked_batch_later_job_runs (PodFixture    *fixture,
                                       gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  ChannelPair pair = { channel, 0 };

  for (int attempt = 1;; attempt++)
    {
      LetGoSince since;
      gboolean let_go;

      blocked_teach (pod);
      since = let_go_since_now (pod, FALSE);
      g_assert_true (gopod_pod_submit (pod, pair_receive, &pair, NULL, NULL));
      let_go = test_poll_until (let_go_happened, &since, 2000);
      g_assert_true (gopod_pod_submit (pod, pair_send, &pair, NULL, NULL));
      pair_check_ran (pod, &pair);
      if (let_go)
        break;
      g_assert_cmpint (attempt, <, 5);
    }
}

/* A try of a held-chunk test: the workers taught, a gated job holding its
 * chunk while the test submits behind it. */
static void
held_gated_begin (PodFixture *fixture,
                  BatchData  *gated)
{
  blocked_teach (fixture->pod);
  g_assert_true (gopod_pod_submit (fixture->pod, light_gated, gated, NULL, NULL));
  test_gate_wait_for_waiters (&fixture->gate, 1);
}

/* A spoilt average ran the jobs apart: another try, with a fresh gate. */
static void
held_gated_try_again (PodFixture *fixture,
                      int         attempt)
{
  g_assert_cmpint (attempt, <, 5);
  test_gate_clear (&fixture->gate);
  test_gate_init (&fixture->gate);
}

/* The receive and the send follow a gated job in the chunk a worker
 * holds: once the receive blocks, the send moves to a chunk of its own. */
static void
test_pod_blocked_batch_held_rest_runs (PodFixture    *fixture,
                                       gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  ChannelPair pair = { channel, 0 };
  BatchData gated = { &fixture->gate, 0 };

  for (int attempt = 1;; attempt++)
    {
      LetGoSince since;

      held_gated_begin (fixture, &gated);
      since = let_go_since_now (pod, TRUE);
      g_assert_true (gopod_pod_submit (pod, pair_receive, &pair, NULL, NULL));
      g_assert_true (gopod_pod_submit (pod, pair_send, &pair, NULL, NULL));
      test_gate_open (&fixture->gate);
      pair_check_ran (pod, &pair);
      if (let_go_happened (&since))
        break;
      held_gated_try_again (fixture, attempt);
    }
}

/* A long chunk is run in copied batches (two workers): the receive heads
 * one, the send is next in it. The other worker's slot is taken by a
 * gated job until the receive gave the send back, so that nobody else
 * could have taken it first. */
static void
test_pod_blocked_batch_copied_rest_runs (PodFixture    *fixture,
                                         gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  ChannelPair pair = { channel, 0 };
  LetGoSince since = let_go_since_now (pod, TRUE);
  CopiedBatch c;
  int runs = 0;

  copied_batch_set_up (&c, pod, TRUE);
  g_assert_true (gopod_pod_submit (pod, pair_receive, &pair, NULL, NULL));
  g_assert_true (gopod_pod_submit (pod, pair_send, &pair, NULL, NULL));
  for (int i = 0; i < 200; i++)
    g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  test_gate_open (&c.start);
  g_assert_true (test_poll_until (let_go_happened, &since, 10000));
  test_gate_open (&c.hold);
  pair_check_ran (pod, &pair);
  g_assert_cmpint (runs, ==, 200);
  copied_batch_tear_down (&c);
}

typedef struct
{
  GopodPod *pod;
  guint64   succeeded;
  guint     queued;
  guint     running;
} CountsAre;

static gboolean
pod_counts_are (gpointer data)
{
  CountsAre *c = data;

  return gopod_pod_get_succeeded (c->pod) == c->succeeded && pod_queued_is (&(QueuedIs) { c->pod, c->queued, c->running });
}

/* While a light job waits, the pod counts the jobs that ran before it in
 * its batch as succeeded, and itself as running, not queued (rule P7c):
 * what a window shows of a pod whose job waits on a channel, and what the
 * worker reserved for the rest reckons with. In a held chunk: the gated
 * job, ten counted ones and the receive, which waits until the test sends. */
static void
test_pod_blocked_batch_held_counts_while_waiting (PodFixture    *fixture,
                                                  gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  ChannelPair pair = { channel, 0 };
  BatchData gated = { &fixture->gate, 0 };
  int runs = 0;

  for (int attempt = 1;; attempt++)
    {
      LetGoSince since;
      guint64 before;
      gboolean let_go;

      held_gated_begin (fixture, &gated);
      before = gopod_pod_get_succeeded (pod);
      since = let_go_since_now (pod, FALSE);
      for (int i = 0; i < 10; i++)
        g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
      g_assert_true (gopod_pod_submit (pod, pair_receive, &pair, NULL, NULL));
      test_gate_open (&fixture->gate);
      /* The held chunk was the filling one: its holder lets go. A worker
       * whose average was spoilt ran them apart, and the pair tries again. */
      let_go = test_poll_until (let_go_happened, &since, 2000);
      if (let_go)
        {
          CountsAre waiting = { pod, before + 11, 0, 1 };

          g_assert_true (test_poll_until (pod_counts_are, &waiting, 10000));
        }
      g_assert_true (gopod_channel_send_int (channel, 42, NULL, NULL));
      pair_check_ran (pod, &pair);
      g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, before + 12);
      if (let_go)
        break;
      held_gated_try_again (fixture, attempt);
    }
}

/* The same in a copied batch: five counted jobs, the receive, then 200
 * more, which go back when it waits if its batch took them; the other
 * worker's slot is hogged, so nothing else runs meanwhile. The counts
 * come from the hook whether or not anything went back (a batch too short
 * to reach past the receive, under a sanitizer, lets nothing go). A batch
 * that ends just before the receive counts the 71 itself, and then only
 * the queued and running counts are the hook's. */
static void
test_pod_blocked_batch_copied_counts_while_waiting (PodFixture    *fixture,
                                                    gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  ChannelPair pair = { channel, 0 };
  /* first, the 64 busy jobs, the divider and the five before the receive */
  CountsAre waiting = { pod, 1 + 64 + 1 + 5, 200, 2 };
  CopiedBatch c;
  int runs = 0;

  copied_batch_set_up (&c, pod, TRUE);
  for (int i = 0; i < 5; i++)
    g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  g_assert_true (gopod_pod_submit (pod, pair_receive, &pair, NULL, NULL));
  for (int i = 0; i < 200; i++)
    g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  test_gate_open (&c.start);
  g_assert_true (test_poll_until (pod_counts_are, &waiting, 10000));
  g_assert_true (gopod_channel_send_int (channel, 42, NULL, NULL));
  test_gate_open (&c.hold);
  pair_check_ran (pod, &pair);
  g_assert_cmpint (runs, ==, 205);
  g_assert_cmpuint (gopod_pod_get_succeeded (pod), ==, 1 + 64 + 1 + 5 + 1 + 200 + 1);
  copied_batch_tear_down (&c);
}

static gboolean
pod_has_blocked_adder (gpointer pod)
{
  return gopod_wait_list_has_links (&((GopodPod *) pod)->core->waiters);
}

static gboolean
job_is_not_new (gpointer job)
{
  return gopod_job_get_state (job) != GOPOD_JOB_STATE_NEW;
}

/* An adder thread blocked at max-queued: returns once it waits. */
static GThread *
adder_start_blocked (AddThread *t)
{
  GThread *thread = g_thread_new ("adder", add_job_thread, t);

  g_assert_true (test_poll_until (pod_has_blocked_adder, t->pod, 10000));
  return thread;
}

/* A taught worker runs @blocker, gated, while the test sets up behind it:
 * the light jobs submitted next queue in a chunk of their own, which that
 * worker takes when the gate opens. */
static void
blocker_begin (GopodPod       *pod,
               TestCountedJob *blocker,
               TestGate       *gate)
{
  test_gate_init (gate);
  blocker->gate = gate;
  gopod_pod_set_max_queued (pod, 0);
  teach_short_jobs (pod);
  g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (blocker), NULL, NULL));
  test_gate_wait_for_waiters (gate, 1);
}

typedef struct
{
  ChannelPair pair;
  GopodPod   *pod;
  gboolean    adder_blocked;  /* when the receive began */
  guint       queued;         /* when the receive began: 1 when held */
} ProbedReceive;

static void
probed_receive (gpointer data)
{
  ProbedReceive *probe = data;

  probe->adder_blocked = pod_has_blocked_adder (probe->pod);
  probe->queued = gopod_pod_get_queued (probe->pod);
  pair_receive (&probe->pair);
}

/* A light job that waits stops counting as queued (rule P7c), and an adder
 * blocked at max-queued hears of it (rule P9): it gets in while the job
 * waits, not once the job returns, which here is only after it got in.
 * The receive is the one job of a chunk that the taught worker holds (an
 * object job keeps that worker while the chunk is queued and the adder
 * blocks): a held chunk's jobs leave `queued` only at a batch's end or
 * when one waits, so nothing else makes room. (A copied batch leaves
 * `queued`, and wakes the adder, when it is taken.) A worker whose
 * average was spoilt copied the receive: then the pair tries again. */
static void
test_pod_blocked_batch_waiting_job_makes_room (PodFixture    *fixture,
                                               gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);

  for (int attempt = 1;; attempt++)
    {
      g_autoptr(TestCountedJob) blocker = counted_job_new (0);
      g_autoptr(TestCountedJob) later = counted_job_new (1);
      ProbedReceive probe = { { channel, 0 }, pod, FALSE, 0 };
      AddThread t = { pod, GOPOD_JOB (later), NULL, FALSE, NULL };
      TestGate gate;
      GThread *thread;
      gboolean got_in;

      blocker_begin (pod, blocker, &gate);
      g_assert_true (gopod_pod_submit (pod, probed_receive, &probe, NULL, NULL));
      gopod_pod_set_max_queued (pod, 1);
      thread = adder_start_blocked (&t);
      test_gate_open (&gate);
      got_in = test_poll_until (job_is_not_new, later, 10000);
      /* Ends the receive either way, so that a failure does not hang. */
      g_assert_true (gopod_channel_send_int (channel, 42, NULL, NULL));
      g_thread_join (thread);
      g_assert_no_error (t.error);
      g_assert_true (t.ok);
      g_assert_true (gopod_pod_wait (pod, NULL, NULL));
      g_assert_cmpint (later->runs, ==, 1);
      g_assert_cmpint (g_atomic_int_get (&probe.pair.received), ==, 42);
      test_gate_clear (&gate);
      if (probe.queued == 1)
        {
          g_assert_true (probe.adder_blocked);
          g_assert_true (got_in);
          break;
        }
      g_assert_cmpint (attempt, <, 5);
    }
}

/* Taking a job out of the queue to run it makes room (rules P9, P12): an
 * adder blocked at max-queued gets in while the job runs, not once it
 * ends. The job runs long, waiting at a gate (not in a wait of pod-glib,
 * so no sleep hook is involved) until the test has looked. With
 * @light, the job is a light one, which a new worker takes in a copied
 * batch of one; else an object job. */
typedef struct
{
  TestGate *gate;
} GatedLight;

static void
gated_light_run (gpointer data)
{
  test_gate_pass (((GatedLight *) data)->gate);
}

static void
check_started_job_makes_room (PodFixture *fixture,
                              gboolean    light)
{
  GopodPod *pod = fixture->pod;
  g_autoptr(TestCountedJob) first = counted_job_new (0);
  g_autoptr(TestCountedJob) later = counted_job_new (1);
  GatedLight gated = { &fixture->gate };
  AddThread t = { pod, GOPOD_JOB (later), NULL, FALSE, NULL };
  GThread *thread;
  gboolean got_in;

  first->gate = &fixture->gate;
  gopod_pod_set_max_queued (pod, 1);
  if (light)
    g_assert_true (gopod_pod_submit (pod, gated_light_run, &gated, NULL, NULL));
  else
    g_assert_true (gopod_pod_add_job (pod, GOPOD_JOB (first), NULL, NULL));
  thread = adder_start_blocked (&t);
  gopod_pod_start (pod);
  /* The job runs: it is out of the queue, which has room. */
  test_gate_wait_for_waiters (&fixture->gate, 1);
  got_in = test_poll_until (job_is_not_new, later, 5000);
  /* Lets the job end either way, so that a failure does not hang. */
  test_gate_open (&fixture->gate);
  g_thread_join (thread);
  g_assert_true (got_in);
  g_assert_no_error (t.error);
  g_assert_true (t.ok);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_assert_cmpint (later->runs, ==, 1);
}

static void
test_pod_add_job_started_job_makes_room (PodFixture    *fixture,
                                         gconstpointer  unused)
{
  check_started_job_makes_room (fixture, FALSE);
}

static void
test_pod_add_job_started_light_job_makes_room (PodFixture    *fixture,
                                               gconstpointer  unused)
{
  check_started_job_makes_room (fixture, TRUE);
}

/* A holder that goes on with its chunk after a batch counted the batch
 * out of `queued` and fired the waiters that this made ready (rule P9):
 * they are woken before its next batch runs, not when it lets go of the
 * chunk, which with one worker and a steady producer may be never. Here a
 * batch ends after its first job, which moves the epoch (a setting
 * written from the job: the batch stops, the holder keeps the chunk), and
 * the second job, in the next batch, looks whether an adder blocked at
 * max-queued got in meanwhile. An object job holds the taught worker while
 * the chunk is filled and the adder blocks. */
typedef struct
{
  GopodPod *pod;
  GopodJob *later;
  guint     queued_in_first;  /* 2 when the chunk was held, 1 when copied */
  gboolean  got_in;
} HeldRoom;

static void
held_room_first (gpointer data)
{
  HeldRoom *h = data;

  h->queued_in_first = gopod_pod_get_queued (h->pod);
  /* Moves the epoch, makes no room. */
  gopod_pod_set_idle_timeout_ms (h->pod, 20000);
}

static void
held_room_second (gpointer data)
{
  HeldRoom *h = data;

  h->got_in = test_poll_until (job_is_not_new, h->later, 5000);
}

static void
test_pod_held_batch_end_makes_room (PodFixture    *fixture,
                                    gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;

  for (int attempt = 1;; attempt++)
    {
      g_autoptr(TestCountedJob) blocker = counted_job_new (0);
      g_autoptr(TestCountedJob) later = counted_job_new (1);
      HeldRoom h = { pod, GOPOD_JOB (later), 0, FALSE };
      AddThread t = { pod, GOPOD_JOB (later), NULL, FALSE, NULL };
      TestGate gate;
      GThread *thread;

      blocker_begin (pod, blocker, &gate);
      g_assert_true (gopod_pod_submit (pod, held_room_first, &h, NULL, NULL));
      g_assert_true (gopod_pod_submit (pod, held_room_second, &h, NULL, NULL));
      gopod_pod_set_max_queued (pod, 2);
      thread = adder_start_blocked (&t);
      test_gate_open (&gate);
      g_thread_join (thread);
      g_assert_no_error (t.error);
      g_assert_true (t.ok);
      g_assert_true (gopod_pod_wait (pod, NULL, NULL));
      g_assert_cmpint (later->runs, ==, 1);
      test_gate_clear (&gate);
      /* A worker whose average was spoilt copied the jobs apart. */
      if (h.queued_in_first == 2)
        {
          g_assert_true (h.got_in);
          break;
        }
      g_assert_cmpint (attempt, <, 5);
    }
}

static gboolean
pod_has_one_success (gpointer pod)
{
  return gopod_pod_get_succeeded (pod) == 1;
}

static void
progress_notified (GObject    *pod,
                   GParamSpec *pspec,
                   gpointer    data)
{
  *(gboolean *) data = TRUE;
}

/* The pod's progress moves with light jobs too (rule G8): notified on
 * their submit and on their end, as for object jobs. One light job ended
 * and one waits at the gate: half of what was accepted since idle. Both
 * are queued before the pod starts, so that it is not idle in between
 * (which would start its progress again). */
static void
test_pod_light_jobs_notify_progress (PodFixture    *fixture,
                                     gconstpointer  unused)
{
  GopodPod *pod = fixture->pod;
  BatchData gated = { &fixture->gate, 0 };
  gboolean notified = FALSE;
  int runs = 0;

  g_signal_connect (pod, "notify::progress", G_CALLBACK (progress_notified), &notified);
  /* Whatever was notified before goes out first. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  notified = FALSE;
  g_assert_true (gopod_pod_submit (pod, count_call, &runs, NULL, NULL));
  g_assert_true (gopod_pod_submit (pod, light_gated, &gated, NULL, NULL));
  gopod_pod_start (pod);
  test_gate_wait_for_waiters (&fixture->gate, 1);
  g_assert_true (test_poll_until (pod_has_one_success, pod, 10000));
  test_iterate_until (NULL, &notified, 10000);
  g_assert_cmpfloat (gopod_pod_get_progress (pod), ==, 0.5);
  test_gate_open (&fixture->gate);
  g_assert_true (gopod_pod_wait (pod, NULL, NULL));
  g_signal_handlers_disconnect_by_func (pod, progress_notified, &notified);
}

/* A discarding shutdown ends a copied batch: the worker destroys the
 * jobs it will not run, and the first destroy notify waits (on a channel,
 * until the test cancels it). Those jobs left the batch before: the wait
 * must not let them go again, to be destroyed twice. The jobs come from
 * another thread, so that their notifies run on the worker (rule R1). */
#define DISCARDED_JOBS 15

typedef struct
{
  GopodChannel *channel;
  GCancellable *cancellable;
  GThread      *main_thread;
  int           destroyed[DISCARDED_JOBS];  /* atomic */
} DiscardedRest;

typedef struct
{
  DiscardedRest *rest;
  int            index;
} DiscardedJob;

/* Waits only in a worker: on the test's thread (the jobs were not in the
 * batch, and the shutdown destroyed them) it would wait for itself. */
static void
discarded_destroy (gpointer data)
{
  DiscardedJob *job = data;
  gint value;

  if (g_atomic_int_add (&job->rest->destroyed[job->index], 1) == 0 && job->index == 0 &&
      g_thread_self () != job->rest->main_thread)
    g_assert_false (gopod_channel_receive_int (job->rest->channel, &value, job->rest->cancellable, NULL));
}

static void
discarded_run (gpointer data)
{
}

typedef struct
{
  GopodPod      *pod;
  BatchData     *gated;
  DiscardedJob   jobs[DISCARDED_JOBS];
  int            runs;
} DiscardedSubmit;

static gpointer
discarded_submit_in_thread (gpointer data)
{
  DiscardedSubmit *d = data;

  g_assert_true (gopod_pod_submit (d->pod, light_gated, d->gated, NULL, NULL));
  for (int i = 0; i < DISCARDED_JOBS; i++)
    g_assert_true (gopod_pod_submit (d->pod, discarded_run, &d->jobs[i], discarded_destroy, NULL));
  /* Past the batch: the chunk is too long to be held. */
  for (int i = 0; i < 100; i++)
    g_assert_true (gopod_pod_submit (d->pod, count_call, &d->runs, NULL, NULL));
  return NULL;
}

static gboolean
discarded_all_destroyed (gpointer data)
{
  DiscardedRest *rest = data;

  for (int i = 0; i < DISCARDED_JOBS; i++)
    if (g_atomic_int_get (&rest->destroyed[i]) == 0)
      return FALSE;
  return TRUE;
}

/* One try on a fresh pod of two workers; FALSE when the gated job's batch
 * did not take the first job with a notify (a worker whose average was
 * spoilt by a preemption takes one job at a time). */
static gboolean
discarded_rest_try (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (2);
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  DiscardedRest rest = { channel, cancellable, g_thread_self (), { 0 } };
  TestGate gate;
  CopiedBatch c;
  BatchData gated = { &gate, 0 };
  DiscardedSubmit submit = { pod, &gated, { { 0 } }, 0 };
  LetGoSince since = let_go_since_now (pod, FALSE);
  g_autoptr(GError) error = NULL;
  gboolean took;

  for (int i = 0; i < DISCARDED_JOBS; i++)
    submit.jobs[i] = (DiscardedJob) { &rest, i };
  test_gate_init (&gate);
  copied_batch_set_up (&c, pod, TRUE);
  g_thread_join (g_thread_new ("submit", discarded_submit_in_thread, &submit));
  test_gate_open (&c.start);
  /* The gated job heads a copied batch of the jobs with notifies. */
  test_gate_wait_for_waiters (&gate, 1);
  /* Job 0 was taken with the gated one: 115 were queued behind it. */
  took = gopod_pod_get_queued (pod) < 100 + DISCARDED_JOBS;
  gopod_pod_shutdown_async (pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL, NULL);
  test_gate_open (&gate);
  if (took)
    {
      test_wait_until_watched (cancellable);
      /* Gives the wait time to sleep and call the worker's hook, which
       * must find nothing to let go: there is no event to wait for when it
       * is right, so this only bounds the look. */
      g_assert_false (test_poll_until (let_go_happened, &since, 500));
    }
  g_cancellable_cancel (cancellable);
  g_assert_true (test_poll_until (discarded_all_destroyed, &rest, 10000));
  test_gate_open (&c.hold);
  g_assert_true (test_poll_until (pod_is_settled, pod, 10000));
  for (int i = 0; i < DISCARDED_JOBS; i++)
    g_assert_cmpint (g_atomic_int_get (&rest.destroyed[i]), ==, 1);
  /* Waits for the workers to be gone: the shutdown began already. */
  g_assert_false (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DISCARD, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  test_gate_clear (&gate);
  copied_batch_tear_down (&c);
  return took;
}

static void
test_pod_blocked_batch_discarded_rest_destroyed_once (void)
{
  for (int attempt = 1; !discarded_rest_try (); attempt++)
    g_assert_cmpint (attempt, <, 5);
}

/* A wake marker (a shutdown's, in front of the queue) comes before every
 * item, so that a sorted push behind it (a holder queueing the chunk
 * handed on to it, rule P7b, during a shutdown) never reads it as a job. */
static void
test_pod_queue_order_wake_marker (void)
{
  g_autoptr(TestCountedJob) job = counted_job_new (0);
  static GopodChunk chunk;
  gpointer item = gopod_chunk_to_item (&chunk);

  g_assert_cmpint (gopod_chunk_queue_order (GOPOD_WAKE_MARKER, item, NULL), <, 0);
  g_assert_cmpint (gopod_chunk_queue_order (item, GOPOD_WAKE_MARKER, NULL), >, 0);
  g_assert_cmpint (gopod_chunk_queue_order (GOPOD_WAKE_MARKER, job, NULL), <, 0);
  g_assert_cmpint (gopod_chunk_queue_order (job, GOPOD_WAKE_MARKER, NULL), >, 0);
  g_assert_cmpint (gopod_chunk_queue_order (GOPOD_WAKE_MARKER, GOPOD_WAKE_MARKER, NULL), ==, 0);
}

/* A main-context job cancelled while queued, from a thread that cannot
 * run its context, has its end on the way there; meanwhile a worker pops
 * it and must not start it. */
static gpointer
cancel_job_in_thread (gpointer job)
{
  gopod_job_cancel (job);
  return NULL;
}

static gboolean
pod_is_settled (gpointer pod)
{
  return gopod_pod_get_queued (pod) == 0 && gopod_pod_get_running (pod) == 0;
}

static void
test_pod_cancelled_while_queued_never_starts (PodFixture    *fixture,
                                              gconstpointer  unused)
{
  g_autoptr(TestCountedJob) blocker = counted_job_new (0);
  g_autoptr(TestHookJob) job = hook_job_new (NULL, NULL, NULL);

  blocker->gate = &fixture->gate;
  g_assert_true (g_main_context_acquire (NULL));
  gopod_pod_start (fixture->pod);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (blocker), NULL, NULL));
  test_gate_wait_for_waiters (&fixture->gate, 1);
  g_assert_true (gopod_pod_add_job (fixture->pod, GOPOD_JOB (job), NULL, NULL));
  g_thread_join (g_thread_new ("canceller", cancel_job_in_thread, job));
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_QUEUED);
  test_gate_open (&fixture->gate);
  /* The worker popped it, did not start it and gave its slot back. */
  g_assert_true (test_poll_until (pod_is_settled, fixture->pod, 10000));
  while (!job_has_ended (job))
    g_main_context_iteration (NULL, TRUE);
  g_main_context_release (NULL);
  g_assert_cmpint (gopod_job_get_state (GOPOD_JOB (job)), ==, GOPOD_JOB_STATE_CANCELLED);
  g_assert_null (job->begun_on);
}

/* The pod holds its application while it has queued or running jobs
 * (rule G9), light ones too: an application with no window whose
 * `activate` submits a light job keeps running until that job is done. */
typedef struct
{
  GopodPod *pod;
  TestGate  gate;
  int       runs;
  gboolean  ran_before_quit;
  gboolean  quit;  /* atomic */
} LightAppRun;

static void
light_app_job (gpointer data)
{
  LightAppRun *run = data;

  test_gate_pass (&run->gate);
  g_atomic_int_inc (&run->runs);
}

static void
light_app_activate (GApplication *app,
                    LightAppRun  *run)
{
  g_assert_true (gopod_pod_submit (run->pod, light_app_job, run, NULL, NULL));
}

static void
light_app_shutdown (GApplication *app,
                    LightAppRun  *run)
{
  run->ran_before_quit = g_atomic_int_get (&run->runs) == 1;
  g_atomic_int_set (&run->quit, TRUE);
}

/* The job waits at the gate, or the application quit without it. */
static gboolean
light_app_waited_or_quit (gpointer data)
{
  LightAppRun *run = data;
  gboolean waited;

  g_mutex_lock (&run->gate.lock);
  waited = run->gate.waiting > 0;
  g_mutex_unlock (&run->gate.lock);
  return waited || g_atomic_int_get (&run->quit);
}

static gpointer
light_app_open_when_waited (gpointer data)
{
  LightAppRun *run = data;

  g_assert_true (test_poll_until (light_app_waited_or_quit, run, 10000));
  test_gate_open (&run->gate);
  return NULL;
}

static void
test_pod_application_held_for_light_job (void)
{
  g_autoptr(GApplication) app = g_application_new ("org.gnome.PodGlib.TestPodLight",
                                                    G_APPLICATION_NON_UNIQUE);
  LightAppRun run = { NULL };
  GThread *opener;

  run.pod = gopod_pod_new (1);
  test_gate_init (&run.gate);
  gopod_pod_start (run.pod);
  gopod_pod_set_application (run.pod, app);
  g_signal_connect (app, "activate", G_CALLBACK (light_app_activate), &run);
  g_signal_connect (app, "shutdown", G_CALLBACK (light_app_shutdown), &run);
  opener = g_thread_new ("opener", light_app_open_when_waited, &run);
  g_assert_cmpint (g_application_run (app, 0, NULL), ==, 0);
  g_thread_join (opener);
  g_assert_true (gopod_pod_wait (run.pod, NULL, NULL));
  g_assert_true (run.ran_before_quit);
  gopod_pod_set_application (run.pod, NULL);
  g_object_unref (run.pod);
  test_gate_clear (&run.gate);
}

/* The _finish functions check the result is theirs. */
static void
test_pod_finish_checks_source_tag (PodFixture    *fixture,
                                   gconstpointer  unused)
{
  g_autoptr(GopodJob) job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_autoptr(GAsyncResult) wait_result = NULL, job_result = NULL;

  gopod_pod_wait_async (fixture->pod, NULL, test_store_result, &wait_result);
  test_wait_for_result (NULL, &wait_result, 10000);
  EXPECT_CRITICAL ("*source_tag*", g_assert_false (gopod_pod_shutdown_finish (fixture->pod, wait_result, NULL)));
  EXPECT_CRITICAL ("*source_tag*", g_assert_false (gopod_pod_run_finish (fixture->pod, wait_result, NULL)));
  g_assert_true (gopod_pod_add_job (fixture->pod, job, NULL, NULL));
  gopod_job_cancel (job);
  gopod_job_wait_async (job, NULL, test_store_result, &job_result);
  test_wait_for_result (NULL, &job_result, 10000);
  EXPECT_CRITICAL ("*source_tag*", g_assert_false (gopod_pod_wait_finish (fixture->pod, job_result, NULL)));
  EXPECT_CRITICAL ("*source_tag*", g_assert_false (gopod_job_wait_finish (job, wait_result, NULL)));
  g_assert_true (gopod_pod_wait_finish (fixture->pod, wait_result, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  POD_TEST ("new-is-paused", test_pod_new_is_paused, 2);
  POD_TEST ("pause", test_pod_pause, 1);
  POD_TEST ("pause-light-batches", test_pod_pause_light_batches, 2);
  POD_TEST ("bound/light", test_pod_bound_light, 3);
  POD_TEST ("bound/jobs", test_pod_bound_jobs, 4);
  POD_TEST ("order/priority", test_pod_priority_order, 1);
  POD_TEST ("order/fifo-light-and-jobs", test_pod_fifo_light_and_jobs, 1);
  POD_TEST ("max-queued", test_pod_max_queued, 1);
  POD_TEST ("max-queued-changes", test_pod_max_queued_changes, 1);
  POD_TEST ("straight-on-shrunk", test_pod_straight_on_shrunk, 2);
  POD_TEST ("add-job/blocks-while-full", test_pod_add_job_blocks_while_full, 1);
  POD_TEST ("add-job/cancelled-while-full", test_pod_add_job_cancelled_while_full, 1);
  POD_TEST ("run-async", test_pod_run_async, 2);
  POD_TEST ("run-async-cancel", test_pod_run_async_cancel, 1);
  POD_TEST ("wait-async", test_pod_wait_async, 2);
  POD_TEST ("wait-paused-cancellable", test_pod_wait_paused_cancellable, 1);
  POD_TEST ("shutdown/drain", test_pod_shutdown_drain, 2);
  POD_TEST ("shutdown/drain-resumes", test_pod_shutdown_drain_resumes, 1);
  POD_TEST ("shutdown/discard", test_pod_shutdown_discard, 1);
  POD_TEST ("shutdown/discard-wait", test_pod_shutdown_discard_wait, 1);
  POD_TEST ("shutdown/discard-second", test_pod_shutdown_discard_second, 1);
  POD_TEST ("shutdown/discard-counts", test_pod_shutdown_discard_counts, 1);
  POD_TEST ("shutdown/async", test_pod_shutdown_async, 2);
  POD_TEST ("max-workers/grow", test_pod_max_workers_grow, 1);
  POD_TEST ("max-workers/shrink", test_pod_max_workers_shrink, 4);
  POD_TEST ("idle-timeout", test_pod_idle_timeout, 4);
  POD_TEST ("dispatch-interval", test_pod_dispatch_interval, 4);
  POD_TEST ("notify/coalesced-on-main-context", test_pod_notify_coalesced_on_main_context, 2);
  POD_TEST ("reentry/jobs-add-jobs", test_pod_jobs_add_jobs, 3);
  POD_TEST ("reentry/from-job", test_pod_reentry_from_job, 1);
  g_test_add_func ("/Gopod/Pod/dropped-keeps-work", test_pod_dropped_keeps_work);
  POD_TEST ("race/producers-and-cancels", test_pod_race_producers_cancel, 3);
  g_test_add_func ("/Gopod/Pod/race/shutdown-against-add", test_pod_race_shutdown_against_add);
  POD_TEST ("race/cancel-against-start", test_pod_race_cancel_against_start, 2);
  POD_TEST ("bad-input", test_pod_bad_input, 1);
  POD_TEST ("wait/runs-main-job-added-meanwhile", test_pod_wait_runs_main_job_added_meanwhile, 2);
  POD_TEST ("wait/refused-from-begin", test_pod_refuses_wait_from_begin, 1);
  POD_TEST ("wait/shutdown-refused-from-begin", test_pod_refuses_shutdown_wait_from_begin, 1);
  POD_TEST ("wait/refused-from-finish-of-cancelled", test_pod_refuses_wait_from_finish_of_cancelled, 1);
  POD_TEST ("wait/job-on-itself-from-begin-and-finish", test_job_refuses_wait_on_itself_from_begin_and_finish, 1);
  POD_TEST ("wait/job-on-itself-from-run", test_job_refuses_wait_on_itself_from_run, 1);
  POD_TEST ("wait/job-runs-pods-context", test_job_wait_runs_pods_context, 1);
  POD_TEST ("wait/worker-never-runs-default-context", test_pod_worker_wait_never_runs_default_context, 1);
  POD_TEST ("release/without-main-loop", test_pod_frees_jobs_without_main_loop, 4);
  POD_TEST ("release/on-its-context", test_pod_job_freed_on_its_context, 1);
  POD_TEST ("release/light-destroy-on-its-context", test_pod_light_destroy_on_its_context, 1);
  POD_TEST ("release/light-destroy-without-main-loop", test_pod_light_destroy_without_main_loop, 2);
  g_test_add_func ("/Gopod/Pod/release/light-destroy-loop-on-another-thread", test_pod_light_destroy_loop_on_another_thread);
  g_test_add_func ("/Gopod/Pod/release/light-destroy-home-thread-reused", test_pod_light_destroy_home_thread_reused);
  POD_TEST ("dispatch-interval/pause", test_pod_dispatch_interval_pause, 1);
  POD_TEST ("dispatch-interval/lowered", test_pod_dispatch_interval_lowered, 1);
  POD_TEST ("dispatch-interval/shrunk", test_pod_dispatch_interval_shrunk, 4);
  POD_TEST ("timeout/ran-past-fails", test_pod_job_ran_past_timeout_fails, 2);
  POD_TEST ("pause/stops-held-batch", test_pod_held_batch_stops_on_pause, 1);
  POD_TEST ("pause/stops-copied-batch", test_pod_copied_batch_stops_on_pause, 2);
  POD_TEST ("hand-on/stuck-holder", test_pod_hand_on_stuck_holder, 1);
  POD_TEST ("hand-on/yields-to-queued", test_pod_hand_on_yields_to_queued, 1);
  POD_TEST ("hand-on/discarded", test_pod_hand_on_discarded, 1);
  POD_TEST ("blocked-batch/later-job-runs", test_pod_blocked_batch_later_job_runs, 1);
  POD_TEST ("blocked-batch/held-rest-runs", test_pod_blocked_batch_held_rest_runs, 1);
  POD_TEST ("blocked-batch/copied-rest-runs", test_pod_blocked_batch_copied_rest_runs, 2);
  POD_TEST ("blocked-batch/held-counts-while-waiting", test_pod_blocked_batch_held_counts_while_waiting, 1);
  POD_TEST ("blocked-batch/copied-counts-while-waiting", test_pod_blocked_batch_copied_counts_while_waiting, 2);
  POD_TEST ("blocked-batch/waiting-job-makes-room", test_pod_blocked_batch_waiting_job_makes_room, 1);
  POD_TEST ("light-jobs-notify-progress", test_pod_light_jobs_notify_progress, 1);
  POD_TEST ("add-job/started-job-makes-room", test_pod_add_job_started_job_makes_room, 1);
  POD_TEST ("add-job/started-light-job-makes-room", test_pod_add_job_started_light_job_makes_room, 1);
  POD_TEST ("blocked-batch/held-batch-end-makes-room", test_pod_held_batch_end_makes_room, 1);
  g_test_add_func ("/Gopod/Pod/blocked-batch/discarded-rest-destroyed-once", test_pod_blocked_batch_discarded_rest_destroyed_once);
  POD_TEST ("cancel/queued-never-starts", test_pod_cancelled_while_queued_never_starts, 1);
  g_test_add_func ("/Gopod/Pod/queue-order/wake-marker", test_pod_queue_order_wake_marker);
  POD_TEST ("bad-input/finish-source-tags", test_pod_finish_checks_source_tag, 1);
  g_test_add_func ("/Gopod/Pod/application/held-for-light-job", test_pod_application_held_for_light_job);

  return g_test_run ();
}
