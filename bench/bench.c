/* bench.c: pod-glib against GLib's own tools, side by side in one run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every case runs Gopod and its baselines alternately, repetition by
 * repetition, so that the machine's noise hits both alike; the figures are
 * medians, and the ratio of a case is the median of the per-repetition
 * ratios (first figure / this one). Cases that need a clean process (memory
 * from RSS, idle context switches, callgrind) run in a child: this same
 * program, started again with --child.
 *
 * Output: a human table, then one line per figure and repetition starting
 * with "FIGURE " (key=value pairs), the format the Go references in go/
 * print too: tools/run-bench pairs them round by round and judges the goals.
 * This program judges nothing and asserts no time.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <linux/futex.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <pod-glib.h>

#include "bench-job.h"

/* Options */

static int opt_reps = 5;
static int opt_round;
static gboolean opt_quick;
static gboolean opt_callgrind;
static char *opt_only;
static char *opt_child;
static char **opt_child_args;
static const char *self_exe;

static GOptionEntry entries[] = {
  { "reps", 'r', 0, G_OPTION_ARG_INT, &opt_reps, "Repetitions of each case (default 5)", "N" },
  { "round", 0, 0, G_OPTION_ARG_INT, &opt_round,
    "Number of this run among several: odd rounds start each case with its last figure", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "Tiny sizes, one repetition: a smoke test", NULL },
  { "callgrind", 0, 0, G_OPTION_ARG_NONE, &opt_callgrind, "Report instructions per job under callgrind", NULL },
  { "only", 'o', 0, G_OPTION_ARG_STRING, &opt_only,
    "Run only the cases whose name contains one of the comma-separated TEXTs", "TEXT[,TEXT...]" },
  { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_child, NULL, NULL },
  { G_OPTION_REMAINING, 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING_ARRAY, &opt_child_args, NULL, NULL },
  { NULL }
};

/* Sizes; --quick shrinks them. */
static guint n_noop = 1000000;
static guint n_object = 1000000;
static guint n_spin = 200000;
static guint n_sleep = 10000;
static guint n_queued = 1000000;
static guint n_latency = 10000;
static guint n_pool = 1000000;
static guint n_values = 1000000;
static guint n_round_trips = 100000;
static guint channel_capacity = 1024;
static guint idle_window_ms = 5000;

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static double
seconds_since (gint64 start_ns)
{
  return (now_ns () - start_ns) / 1e9;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (const double *values, guint n)
{
  g_autofree double *sorted = g_memdup2 (values, n * sizeof (double));

  qsort (sorted, n, sizeof (double), compare_doubles);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* Work */

static void
noop (gpointer data)
{
}

static guint64 spin_iterations_per_us = 1;

static void
spin_1us (gpointer data)
{
  volatile guint64 x = 0;

  for (guint64 i = 0; i < spin_iterations_per_us; i++)
    x += i;
}

static void
calibrate_spin (void)
{
  guint64 n = 1000000;
  gint64 start = now_ns ();
  volatile guint64 x = 0;

  for (guint64 i = 0; i < n; i++)
    x += i;
  spin_iterations_per_us = MAX (1, n * 1000 / MAX (1, now_ns () - start));
}

static void
sleep_1ms (gpointer data)
{
  g_usleep (1000);
}

/* A gate that blocks jobs until opened, to hold workers busy. */
typedef struct
{
  GMutex lock;
  GCond  cond;
  guint  entered;
  gboolean open;
} Gate;

static Gate gate;

static void
gate_block (gpointer data)
{
  g_mutex_lock (&gate.lock);
  gate.entered++;
  g_cond_broadcast (&gate.cond);
  while (!gate.open)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);
}

static void
gate_wait_entered (guint n)
{
  g_mutex_lock (&gate.lock);
  while (gate.entered < n)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);
}

static void
gate_open (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}



/* Implementations of "run these N functions on W workers and wait" */

typedef enum
{
  IMPL_GOPOD,
  IMPL_GOPOD_OBJECT,
  IMPL_POOL_EXCLUSIVE,
  IMPL_POOL_SHARED,
  IMPL_POOL_GOBJECT,
  IMPL_GTASK,
  IMPL_ASYNC_QUEUE,
  IMPL_FUTEX_WAKE,
  IMPL_FUTEX_WAKE_SPINNING,
} Impl;

static const char *impl_names[] = {
  "gopod",
  "gopod-object",
  "gthreadpool-exclusive",
  "gthreadpool-shared",
  "gthreadpool-gobject",
  "gtask",
  "asyncqueue-loop",
  "futex-wake",
  "futex-wake-spinning",
};

static GopodPod *
pod_new_started (guint workers)
{
  GopodPod *pod = gopod_pod_new (workers);

  gopod_pod_start (pod);
  return pod;
}

static void
pod_finish (GopodPod *pod)
{
  gopod_pod_wait (pod, NULL, NULL);
  gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL);
  g_object_unref (pod);
}

static void
pool_call (gpointer data,
           gpointer user_data)
{
  ((GFunc) user_data) (data, NULL);
}

/* The naive worker loop: a GAsyncQueue of heap-allocated {func, data}. */
typedef struct
{
  GopodFunc func;
  gpointer  data;
} NaiveJob;

static NaiveJob naive_stop;

static gpointer
naive_worker (gpointer data)
{
  GAsyncQueue *queue = data;
  NaiveJob *job;

  while ((job = g_async_queue_pop (queue)) != &naive_stop)
    {
      job->func (job->data);
      g_free (job);
    }
  return NULL;
}

/* GTask: counts callbacks delivered on the bench's own context. */
static guint gtask_done;

static void
gtask_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ((GopodFunc) task_data) (NULL);
  g_task_return_boolean (task, TRUE);
}

static void
gtask_ready (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  gtask_done++;
}

static void
gtask_submit (GopodFunc func)
{
  GTask *task = g_task_new (NULL, NULL, gtask_ready, NULL);

  g_task_set_task_data (task, func, NULL);
  g_task_run_in_thread (task, gtask_thread);
  g_object_unref (task);
}


/* GThreadPool pushing GObjects: what an application does without pod-glib
 * when its jobs are objects. The producer makes the object and hands its
 * reference over; the worker runs the job's function and drops it. */
static void
pool_run_object (gpointer data,
                 gpointer user_data)
{
  ((GopodFunc) user_data) (data);
  g_object_unref (data);
}

/* Submitting @n jobs of @func to @target (a pod, a pool or a queue), one
 * loop per implementation so that no per-job switch is measured. */
typedef void (*SubmitFunc) (gpointer target, GopodFunc func, guint n);

static void
submit_gopod (gpointer pod, GopodFunc func, guint n)
{
  for (guint i = 0; i < n; i++)
    gopod_pod_submit (pod, func, NULL, NULL, NULL);
}

static void
submit_gopod_object (gpointer pod, GopodFunc func, guint n)
{
  g_assert (func == noop);
  for (guint i = 0; i < n; i++)
    {
      GopodJob *job = g_object_new (BENCH_TYPE_JOB, NULL);

      gopod_pod_add_job (pod, job, NULL, NULL);
      g_object_unref (job);
    }
}

static void
submit_pool (gpointer pool, GopodFunc func, guint n)
{
  for (guint i = 0; i < n; i++)
    g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
}

static void
submit_pool_object (gpointer pool, GopodFunc func, guint n)
{
  for (guint i = 0; i < n; i++)
    g_thread_pool_push (pool, g_object_new (G_TYPE_OBJECT, NULL), NULL);
}

static void
submit_gtask (gpointer unused, GopodFunc func, guint n)
{
  for (guint i = 0; i < n; i++)
    gtask_submit (func);
}

static void
submit_async_queue (gpointer queue, GopodFunc func, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      NaiveJob *job = g_new (NaiveJob, 1);

      job->func = func;
      job->data = NULL;
      g_async_queue_push (queue, job);
    }
}

static const SubmitFunc submitters[] = {
  [IMPL_GOPOD] = submit_gopod,
  [IMPL_GOPOD_OBJECT] = submit_gopod_object,
  [IMPL_POOL_EXCLUSIVE] = submit_pool,
  [IMPL_POOL_SHARED] = submit_pool,
  [IMPL_POOL_GOBJECT] = submit_pool_object,
  [IMPL_GTASK] = submit_gtask,
  [IMPL_ASYNC_QUEUE] = submit_async_queue,
};

typedef struct
{
  SubmitFunc submit;
  gpointer   target;
  GopodFunc  func;
  guint      n;
} Producer;

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;

  p->submit (p->target, p->func, p->n);
  return NULL;
}

/* Submits @n jobs from @producers threads (the calling one when it is 1),
 * the jobs shared out as evenly as they go, and returns when all are in. */
static void
produce (Impl      impl,
         gpointer  target,
         GopodFunc func,
         guint     n,
         guint     producers)
{
  g_autofree Producer *p = NULL;
  g_autofree GThread **threads = NULL;

  if (producers == 1)
    {
      submitters[impl] (target, func, n);
      return;
    }
  p = g_new (Producer, producers);
  threads = g_new (GThread *, producers);
  for (guint i = 0; i < producers; i++)
    {
      p[i] = (Producer) { submitters[impl], target, func, n / producers + (i < n % producers) };
      threads[i] = g_thread_new ("bench-producer", producer_thread, &p[i]);
    }
  for (guint i = 0; i < producers; i++)
    g_thread_join (threads[i]);
}

/* Runs @n calls of @func on @workers workers with @impl, submitted by
 * @producers threads; returns seconds from the first submit until every
 * job ran. @warm first gives the pod (pool) its threads. */
static double
run_jobs (Impl      impl,
          guint     workers,
          guint     producers,
          guint     n,
          GopodFunc func,
          gboolean  warm)
{
  gint64 start;

  switch (impl)
    {
    case IMPL_GOPOD:
    case IMPL_GOPOD_OBJECT:
      {
        GopodPod *pod = pod_new_started (workers);
        double s;

        /* An exclusive GThreadPool starts its threads when it is made, a
         * pod when work comes: a warm-up round gives both their threads. */
        if (warm)
          {
            submitters[impl] (pod, func, workers);
            gopod_pod_wait (pod, NULL, NULL);
          }
        start = now_ns ();
        produce (impl, pod, func, n, producers);
        gopod_pod_wait (pod, NULL, NULL);
        s = seconds_since (start);
        pod_finish (pod);
        return s;
      }
    case IMPL_POOL_EXCLUSIVE:
    case IMPL_POOL_SHARED:
    case IMPL_POOL_GOBJECT:
      {
        GThreadPool *pool = g_thread_pool_new (impl == IMPL_POOL_GOBJECT ? pool_run_object : pool_call,
                                               (gpointer) func, workers, impl != IMPL_POOL_SHARED, NULL);

        if (warm)
          {
            submitters[impl] (pool, func, workers);
            while (g_thread_pool_unprocessed (pool) > 0 ||
                   g_thread_pool_get_num_threads (pool) < MIN (workers, 2))
              g_usleep (1000);
            g_usleep (10000);
          }
        start = now_ns ();
        produce (impl, pool, func, n, producers);
        g_thread_pool_free (pool, FALSE, TRUE);
        return seconds_since (start);
      }
    case IMPL_GTASK:
      {
        /* GTask's pool has its own size; @workers does not apply, and the
         * callbacks come to the one producer's context. */
        GMainContext *context = g_main_context_new ();

        g_assert (producers == 1);
        g_main_context_push_thread_default (context);
        gtask_done = 0;
        start = now_ns ();
        produce (impl, NULL, func, n, 1);
        while (gtask_done < n)
          g_main_context_iteration (context, TRUE);
        g_main_context_pop_thread_default (context);
        g_main_context_unref (context);
        return seconds_since (start);
      }
    case IMPL_ASYNC_QUEUE:
      {
        GAsyncQueue *queue = g_async_queue_new ();
        g_autofree GThread **threads = g_new (GThread *, workers);
        double s;

        for (guint i = 0; i < workers; i++)
          threads[i] = g_thread_new ("bench-naive", naive_worker, queue);
        start = now_ns ();
        produce (impl, queue, func, n, producers);
        for (guint i = 0; i < workers; i++)
          g_async_queue_push (queue, &naive_stop);
        for (guint i = 0; i < workers; i++)
          g_thread_join (threads[i]);
        s = seconds_since (start);
        g_async_queue_unref (queue);
        return s;
      }
    case IMPL_FUTEX_WAKE:
    case IMPL_FUTEX_WAKE_SPINNING:
      break;
    }
  g_assert_not_reached ();
}

/* Cases */

#define MAX_FIGURES 5

typedef struct
{
  const char *name;
  const char *unit;
  const char *figures[MAX_FIGURES];  /* what each figure measures; the first is the subject */
} CaseInfo;

static GString *summary;      /* the human table */
static GString *machine;      /* the FIGURE lines */

static guint
n_figures (const CaseInfo *info)
{
  guint n = 0;

  while (n < MAX_FIGURES && info->figures[n] != NULL)
    n++;
  return n;
}

static const char *
format_figure (double value,
               const char *unit,
               char *buf,
               gsize size)
{
  if (fabs (value) >= 1e6 && g_str_has_suffix (unit, "/s"))
    g_snprintf (buf, size, "%.2fM", value / 1e6);
  else if (fabs (value) >= 1e3)
    g_snprintf (buf, size, "%.0f", value);
  else
    g_snprintf (buf, size, "%.3g", value);
  return buf;
}

/* The median over the repetitions of figures[0][r] / figures[i][r]: a
 * paired ratio, steadier on a noisy machine than a ratio of medians. */
static double
paired_ratio (GArray **figures,
              guint    i)
{
  guint reps = figures[0]->len;
  g_autofree double *ratios = g_new (double, reps);

  for (guint r = 0; r < reps; r++)
    ratios[r] = g_array_index (figures[0], double, r) / g_array_index (figures[i], double, r);
  return median (ratios, reps);
}

/* Prints one case: a table row per figure, and a FIGURE line per figure
 * and repetition. */
static void
report_case (const CaseInfo *info,
             GArray        **figures)
{
  guint n = n_figures (info);
  char b1[32], b2[32], b3[32];

  for (guint i = 0; i < n; i++)
    {
      const double *v = (const double *) figures[i]->data;
      double mn = G_MAXDOUBLE, mx = -G_MAXDOUBLE;

      for (guint r = 0; r < figures[i]->len; r++)
        {
          mn = MIN (mn, v[r]);
          mx = MAX (mx, v[r]);
          g_string_append_printf (machine, "FIGURE case=%s impl=%s rep=%u value=%.6g unit=%s\n",
                                  info->name, info->figures[i], r, v[r], info->unit);
        }
      g_string_append_printf (summary, "%-24s %-22s %12s %-9s [%s .. %s]",
                              i == 0 ? info->name : "", info->figures[i],
                              format_figure (median (v, figures[i]->len), info->unit, b1, sizeof b1),
                              info->unit,
                              format_figure (mn, info->unit, b2, sizeof b2),
                              format_figure (mx, info->unit, b3, sizeof b3));
      /* 0/0 (no context switch on either side) has no ratio. */
      if (i > 0 && isfinite (paired_ratio (figures, i)))
        g_string_append_printf (summary, "  %s/this %.2f", info->figures[0], paired_ratio (figures, i));
      g_string_append_c (summary, '\n');
    }
}

static gboolean
wanted (const char *name)
{
  g_auto(GStrv) texts = NULL;

  if (opt_only == NULL)
    return TRUE;
  texts = g_strsplit (opt_only, ",", -1);
  for (guint i = 0; texts[i] != NULL; i++)
    if (texts[i][0] != '\0' && strstr (name, texts[i]) != NULL)
      return TRUE;
  return FALSE;
}

typedef double (*MeasureFunc) (guint figure, gconstpointer data);

/* Runs every figure of a case opt_reps times, alternating their order
 * from one repetition (and one --round) to the next so that neither side
 * always goes first. */
static void
run_case (const CaseInfo *info,
          MeasureFunc     measure,
          gconstpointer   data)
{
  guint n = n_figures (info);
  GArray *figures[MAX_FIGURES];

  if (!wanted (info->name))
    return;

  g_printerr ("running %s ", info->name);
  for (guint i = 0; i < n; i++)
    figures[i] = g_array_new (FALSE, FALSE, sizeof (double));
  for (int r = 0; r < opt_reps; r++)
    {
      double row[MAX_FIGURES];

      for (guint k = 0; k < n; k++)
        {
          guint i = (r + opt_round) % 2 ? n - 1 - k : k;
          row[i] = measure (i, data);
        }
      for (guint i = 0; i < n; i++)
        g_array_append_val (figures[i], row[i]);
      g_printerr (".");
    }
  g_printerr ("\n");

  report_case (info, figures);
  for (guint i = 0; i < n; i++)
    g_array_unref (figures[i]);
}

/* Throughput cases */

typedef struct
{
  Impl      impls[MAX_FIGURES];
  guint     workers;
  guint     producers;
  guint     n;
  GopodFunc func;
  gboolean  as_time;  /* report seconds rather than jobs/s */
} ThroughputArgs;

static double
measure_throughput (guint figure, gconstpointer data)
{
  const ThroughputArgs *a = data;
  double s = run_jobs (a->impls[figure], a->workers, a->producers, a->n, a->func, a->as_time);

  return a->as_time ? s : a->n / s;
}

/* The light path with many workers and many producers: each against
 * GThreadPool in the same configuration (and, in tools/run-bench, against
 * the 2-worker figure and Go's channel pool in the same configuration). */
static void
light_scaling_cases (void)
{
  static const guint configs[][2] = { { 1, 8 }, { 1, 32 }, { 4, 2 }, { 4, 8 } };  /* producers, workers */

  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    {
      guint producers = configs[c][0], workers = configs[c][1];
      g_autofree char *name = producers == 1 ? g_strdup_printf ("noop-light-%uw", workers)
                                             : g_strdup_printf ("noop-light-%up-%uw", producers, workers);
      CaseInfo info = { name, "jobs/s", { "gopod", "gthreadpool-exclusive" } };
      ThroughputArgs args = { { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE }, workers, producers, n_noop, noop, FALSE };

      run_case (&info, measure_throughput, &args);
    }
}

static void
throughput_cases (void)
{
  {
    CaseInfo info = { "noop-light-2w", "jobs/s",
                      { "gopod", "gthreadpool-exclusive", "gthreadpool-shared", "asyncqueue-loop" } };
    ThroughputArgs args = { { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE, IMPL_POOL_SHARED, IMPL_ASYNC_QUEUE },
                            2, 1, n_noop, noop, FALSE };

    run_case (&info, measure_throughput, &args);
  }
  light_scaling_cases ();
  for (guint w = 2; w <= 8; w += 6)
    {
      g_autofree char *name = g_strdup_printf ("noop-object-%uw", w);
      CaseInfo info = { name, "jobs/s", { "gopod", "gtask", "gthreadpool-gobject" } };
      ThroughputArgs args = { { IMPL_GOPOD_OBJECT, IMPL_GTASK, IMPL_POOL_GOBJECT }, w, 1, n_object, noop, FALSE };

      run_case (&info, measure_throughput, &args);
    }
  {
    CaseInfo info = { "spin-1us-2w", "jobs/s", { "gopod", "gthreadpool-exclusive" } };
    ThroughputArgs args = { { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE }, 2, 1, n_spin, spin_1us, FALSE };

    run_case (&info, measure_throughput, &args);
  }
  {
    CaseInfo info = { "sleep-1ms-100w", "s", { "gopod", "gthreadpool-exclusive" } };
    ThroughputArgs args = { { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE }, 100, 1, n_sleep, sleep_1ms, TRUE };

    run_case (&info, measure_throughput, &args);
  }
}
/* Latency: submit-to-start on an idle pool, one job at a time. The next
 * job is submitted 200 µs after the previous one ended, so that a worker
 * that spins briefly before sleeping is asleep again: this measures a
 * wake-up, not a hand-over to a spinning thread. */

typedef struct
{
  GMutex lock;
  GCond  cond;
  gint64 started_ns;
  gboolean done;
} Probe;

static Probe probe;

static void
probe_job (gpointer data)
{
  gint64 t = now_ns ();

  g_mutex_lock (&probe.lock);
  probe.started_ns = t;
  probe.done = TRUE;
  g_cond_signal (&probe.cond);
  g_mutex_unlock (&probe.lock);
}

static void
probe_pool_job (gpointer data, gpointer user_data)
{
  probe_job (data);
}

static gint64
probe_wait (void)
{
  gint64 t;

  g_mutex_lock (&probe.lock);
  while (!probe.done)
    g_cond_wait (&probe.cond, &probe.lock);
  probe.done = FALSE;
  t = probe.started_ns;
  g_mutex_unlock (&probe.lock);
  return t;
}


/* The raw futex wake the latency is held against: a thread blocked in
 * FUTEX_WAIT on a word, woken by another's FUTEX_WAKE, with the same probe
 * at the start of its "job" as the pod's and the pool's. Nothing wakes a
 * sleeping thread faster; a GCond is this plus a mutex.
 *
 * The spinning waker does the same, and after each job spins for
 * WAKER_SPIN_US watching its word before it sleeps again, as an idle pod
 * worker does (GOPOD_POD_CORE_SPIN_US): the thread then has run more than
 * its waker, and the scheduler no longer lets it preempt the waker on the
 * one CPU where it wakes it (doc/performance.md, "Where a wake-up's time
 * goes on an idle pod"). */
enum { WAKER_IDLE, WAKER_KICKED, WAKER_QUIT };

#define WAKER_SPIN_US 50

typedef struct
{
  gint     word;
  gboolean spins;
} Waker;

static void
futex_wait (gint *word, gint value)
{
  syscall (SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void
futex_wake (gint *word)
{
  syscall (SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void
waker_spin (gint *word)
{
  gint64 deadline = g_get_monotonic_time () + WAKER_SPIN_US;

  /* Paused between reads, as the pod's own spins are. */
  while (g_atomic_int_get (word) == WAKER_IDLE && g_get_monotonic_time () < deadline)
    {
#if defined (__x86_64__) || defined (__i386__)
      __builtin_ia32_pause ();
#endif
    }
}

static gpointer
waker_run (gpointer data)
{
  Waker *waker = data;
  gint state;

  while ((state = g_atomic_int_get (&waker->word)) != WAKER_QUIT)
    if (state == WAKER_IDLE)
      futex_wait (&waker->word, WAKER_IDLE);
    else if (g_atomic_int_compare_and_exchange (&waker->word, WAKER_KICKED, WAKER_IDLE))
      {
        probe_job (NULL);
        if (waker->spins)
          waker_spin (&waker->word);
      }
  return NULL;
}

static void
waker_kick (gint *word,
            gint  state)
{
  g_atomic_int_set (word, state);
  futex_wake (word);
}

/* Fills @lat (µs) with @n submit-to-start latencies. */
static void
measure_latencies (Impl    impl,
                   double *lat,
                   guint   n)
{
  GopodPod *pod = NULL;
  GThreadPool *pool = NULL;
  Waker waker = { WAKER_IDLE, impl == IMPL_FUTEX_WAKE_SPINNING };
  GThread *waker_thread = NULL;

  if (impl == IMPL_GOPOD)
    pod = pod_new_started (2);
  else if (impl == IMPL_POOL_EXCLUSIVE)
    pool = g_thread_pool_new (probe_pool_job, NULL, 2, TRUE, NULL);
  else
    waker_thread = g_thread_new ("bench-waker", waker_run, &waker);

  for (guint i = 0; i < n + 10; i++)
    {
      gint64 submitted;

      g_usleep (200);
      submitted = now_ns ();
      if (pod != NULL)
        gopod_pod_submit (pod, probe_job, NULL, NULL, NULL);
      else if (pool != NULL)
        g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
      else
        waker_kick (&waker.word, WAKER_KICKED);
      /* The first few warm the workers up. */
      if (i >= 10)
        lat[i - 10] = (probe_wait () - submitted) / 1e3;
      else
        probe_wait ();
    }

  if (pod != NULL)
    pod_finish (pod);
  else if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);
  else
    {
      waker_kick (&waker.word, WAKER_QUIT);
      g_thread_join (waker_thread);
    }
}

static double
percentile (double *values, guint n, double p)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return values[MIN (n - 1, (guint) (p * n))];
}

static const Impl latency_impls[] = { IMPL_GOPOD, IMPL_FUTEX_WAKE, IMPL_POOL_EXCLUSIVE, IMPL_FUTEX_WAKE_SPINNING };

static double
measure_latency (guint figure, gconstpointer data)
{
  const double *p = data;
  g_autofree double *lat = g_new (double, n_latency);

  measure_latencies (latency_impls[figure], lat, n_latency);
  return percentile (lat, n_latency, *p);
}

static void
latency_cases (void)
{
  /* Measured separately per percentile: four figures per repetition each. */
  static const double p50 = 0.50, p99 = 0.99;
  CaseInfo info50 = { "latency-p50", "us", { "gopod", "futex-wake", "gthreadpool-exclusive", "futex-wake-spinning" } };
  CaseInfo info99 = { "latency-p99", "us", { "gopod", "futex-wake", "gthreadpool-exclusive", "futex-wake-spinning" } };

  run_case (&info50, measure_latency, &p50);
  run_case (&info99, measure_latency, &p99);
}
/* Children: cases that need a clean process */

static double
rss_bytes (void)
{
  g_autofree char *text = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL) ||
      sscanf (text, "%lu %lu", &size, &resident) != 2)
    return NAN;
  return (double) resident * sysconf (_SC_PAGESIZE);
}

/* Bytes per queued job, from RSS, with two workers held by the gate. */
static double
child_memory (Impl impl, guint n)
{
  GopodPod *pod = NULL;
  GThreadPool *pool = NULL;
  GMainContext *context = NULL;
  double before, after;

  switch (impl)
    {
    case IMPL_GOPOD:
    case IMPL_GOPOD_OBJECT:
      pod = pod_new_started (2);
      gopod_pod_submit (pod, gate_block, NULL, NULL, NULL);
      gopod_pod_submit (pod, gate_block, NULL, NULL, NULL);
      gate_wait_entered (2);
      break;
    case IMPL_POOL_EXCLUSIVE:
      pool = g_thread_pool_new (pool_call, (gpointer) gate_block, 2, TRUE, NULL);
      g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
      g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
      gate_wait_entered (2);
      break;
    case IMPL_GTASK:
      /* GTask's pool grows past any number of blocked tasks, given time;
       * the tasks stay alive until their callbacks run on this context,
       * which nobody iterates until after the measurement. */
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
      break;
    default:
      g_assert_not_reached ();
    }

  malloc_trim (0);
  before = rss_bytes ();
  /* GTask's submitter needs no target. */
  submitters[impl] (pod != NULL ? (gpointer) pod : (gpointer) pool, noop, n);
  after = rss_bytes ();

  gate_open ();
  if (pod != NULL)
    pod_finish (pod);
  if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);
  if (context != NULL)
    {
      while (gtask_done < n)
        g_main_context_iteration (context, TRUE);
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
    }

  return (after - before) / n;
}

/* Context switches of every thread of the process but the calling one,
 * by thread id. */
static GHashTable *
task_switches (void)
{
  GHashTable *stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  g_autofree char *self_tid = g_strdup_printf ("%ld", (long) gettid ());
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      guint64 switches = 0;

      if (g_str_equal (name, self_tid))
        continue;
      path = g_strdup_printf ("/proc/self/task/%s/status", name);
      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (g_str_has_prefix (lines[i], "voluntary_ctxt_switches:") ||
            g_str_has_prefix (lines[i], "nonvoluntary_ctxt_switches:"))
          switches += g_ascii_strtoull (strchr (lines[i], ':') + 1, NULL, 10);
      g_hash_table_insert (stats, g_strdup (name), GSIZE_TO_POINTER ((gsize) switches));
    }
  return stats;
}

/* Switches between two snapshots; a thread that ended between them woke
 * at least once to do so, and one that started counts from zero. */
static guint64
switches_between (GHashTable *a,
                  GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;
  guint64 total = 0;

  g_hash_table_iter_init (&iter, b);
  while (g_hash_table_iter_next (&iter, &key, &value))
    total += GPOINTER_TO_SIZE (value) - GPOINTER_TO_SIZE (g_hash_table_lookup (a, key));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (b, key))
      total++;
  return total;
}

/* Context switches over the idle window, after the idle timeout passed.
 * Prints "switches threads pod_workers". */
static void
child_idle (Impl impl)
{
  const guint idle_timeout_ms = 100;
  GopodPod *pod = NULL;
  GThreadPool *pool = NULL;
  GHashTable *a, *b;
  guint workers = 0;

  if (impl == IMPL_GOPOD)
    {
      pod = pod_new_started (2);
      gopod_pod_set_idle_timeout_ms (pod, idle_timeout_ms);
      for (guint i = 0; i < 1000; i++)
        gopod_pod_submit (pod, noop, NULL, NULL, NULL);
      gopod_pod_wait (pod, NULL, NULL);
    }
  else
    {
      pool = g_thread_pool_new (pool_call, (gpointer) noop, 2, TRUE, NULL);
      for (guint i = 0; i < 1000; i++)
        g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
      while (g_thread_pool_unprocessed (pool) > 0)
        g_usleep (1000);
    }

  /* A worker that left hands its thread back to GLib, whose non-exclusive
   * pools keep it 0.5 s on the pool's own queue, then park it among the
   * process's unused threads (ended after g_thread_pool_get_max_idle_time(),
   * 15 s): the window starts after that hand-over. */
  g_usleep ((idle_timeout_ms + 1000) * 1000);
  a = task_switches ();
  g_usleep ((gulong) idle_window_ms * 1000);
  b = task_switches ();
  if (pod != NULL)
    workers = gopod_pod_get_workers (pod);
  else
    workers = g_thread_pool_get_num_threads (pool);

  g_print ("%" G_GUINT64_FORMAT " %u %u\n", switches_between (a, b), g_hash_table_size (b), workers);
  g_hash_table_unref (a);
  g_hash_table_unref (b);

  if (pod != NULL)
    pod_finish (pod);
  else
    g_thread_pool_free (pool, FALSE, TRUE);
}


static Impl
impl_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (impl_names); i++)
    if (g_str_equal (name, impl_names[i]))
      return i;
  g_error ("unknown implementation %s", name);
}

/* The child's numeric argument @i (after the implementation), or @fallback. */
static guint
child_arg (guint i,
           guint fallback)
{
  for (guint k = 0; k <= i; k++)
    if (opt_child_args == NULL || opt_child_args[k] == NULL)
      return fallback;
  return atoi (opt_child_args[i]);
}

/* Child modes: "memory IMPL N", "idle IMPL", and "jobs IMPL N [WORKERS
 * [PRODUCERS]]" (2 workers, 1 producer by default): N no-op jobs and a
 * wait, for callgrind, or for counting system calls from outside
 * (perf stat -e syscalls:sys_enter_futex, strace -f -c). */
static int
run_child (void)
{
  const char *what = opt_child;
  const char *impl = opt_child_args && opt_child_args[0] ? opt_child_args[0] : "gopod";
  guint n = child_arg (1, 0);

  if (g_str_equal (what, "memory"))
    g_print ("%.3f\n", child_memory (impl_from_name (impl), n));
  else if (g_str_equal (what, "idle"))
    child_idle (impl_from_name (impl));
  else if (g_str_equal (what, "jobs"))
    run_jobs (impl_from_name (impl), child_arg (2, 2), child_arg (3, 1), n, noop, FALSE);
  else
    g_error ("unknown child mode %s", what);
  return 0;
}
/* Runs this program again with --child; returns its standard output. */
static char *
spawn_child (const char * const *argv_tail,
             gboolean             under_callgrind,
             char               **err_out)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = 0;

  if (under_callgrind)
    {
      g_ptr_array_add (argv, (char *) "valgrind");
      g_ptr_array_add (argv, (char *) "--tool=callgrind");
      g_ptr_array_add (argv, (char *) "--callgrind-out-file=/dev/null");
    }
  g_ptr_array_add (argv, (char *) self_exe);
  for (guint i = 0; argv_tail[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) argv_tail[i]);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, err_out, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("child %s failed: %s", argv_tail[1], error->message);
  g_ptr_array_unref (argv);
  return out;
}


static double
measure_memory (guint figure, gconstpointer data)
{
  const Impl *impls = data;
  g_autofree char *n = g_strdup_printf ("%u", n_queued);
  const char *argv[] = { "--child", "memory", "--", impl_names[impls[figure]], n, NULL };
  g_autofree char *out = spawn_child (argv, FALSE, NULL);

  return g_ascii_strtod (out, NULL);
}

static void
memory_cases (void)
{
  static const Impl light[] = { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE };
  static const Impl object[] = { IMPL_GOPOD_OBJECT, IMPL_GTASK };
  CaseInfo light_info = { "queued-bytes-light", "B/job", { "gopod", "gthreadpool-exclusive" } };
  CaseInfo object_info = { "queued-bytes-object", "B/job", { "gopod", "gtask" } };

  run_case (&light_info, measure_memory, light);
  run_case (&object_info, measure_memory, object);
}

static void
idle_cases (void)
{
  CaseInfo switches = { "idle-ctx-switches", "switches", { "gopod", "gthreadpool-exclusive" } };
  CaseInfo threads = { "idle-pod-threads", "threads", { "gopod", "gthreadpool-exclusive" } };
  GArray *sw[2], *th[2];

  if (!wanted ("idle"))
    return;

  /* One repetition: each takes the whole idle window. */
  g_printerr ("running idle (%u ms window) .\n", idle_window_ms);
  for (guint i = 0; i < 2; i++)
    {
      const char *argv[] = { "--child", "idle", "--", impl_names[i == 0 ? IMPL_GOPOD : IMPL_POOL_EXCLUSIVE], NULL };
      g_autofree char *out = spawn_child (argv, FALSE, NULL);
      double s = 0, t = 0, w = 0;

      sscanf (out, "%lf %lf %lf", &s, &t, &w);
      sw[i] = g_array_new (FALSE, FALSE, sizeof (double));
      th[i] = g_array_new (FALSE, FALSE, sizeof (double));
      g_array_append_val (sw[i], s);
      g_array_append_val (th[i], w);
      g_string_append_printf (summary, "%-24s (%s: %.0f threads left in the process besides main,"
                              " %.0f of them the pool's)\n", "", argv[3], t, w);
    }
  report_case (&switches, sw);
  report_case (&threads, th);
  for (guint i = 0; i < 2; i++)
    {
      g_array_unref (sw[i]);
      g_array_unref (th[i]);
    }
}
/* ResourcePool against Go in Action's pool, written as it writes it: a
 * buffered channel of resources (here a GAsyncQueue), try-receive or make
 * a new one on acquire, and release under a mutex that close also takes. */

typedef struct
{
  GMutex       lock;
  GAsyncQueue *resources;
  guint        size;
  gboolean     closed;
} ActionPool;

static GObject *
make_resource (GCancellable *cancellable, gpointer user_data, GError **error)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static GObject *
action_pool_acquire (ActionPool *pool)
{
  GObject *r = g_async_queue_try_pop (pool->resources);

  return r != NULL ? r : make_resource (NULL, NULL, NULL);
}

static void
action_pool_release (ActionPool *pool, GObject *r)
{
  g_mutex_lock (&pool->lock);
  /* A Go buffered channel refuses a send past its capacity; a GAsyncQueue
   * has none, so its length stands in for it. */
  if (pool->closed || g_async_queue_length (pool->resources) >= (int) pool->size)
    g_object_unref (r);
  else
    g_async_queue_push (pool->resources, r);
  g_mutex_unlock (&pool->lock);
}

typedef struct
{
  gboolean  gopod;
  gpointer  pool;
  guint     n;
} PoolLoop;

static gpointer
pool_loop (gpointer data)
{
  PoolLoop *loop = data;

  for (guint i = 0; i < loop->n; i++)
    {
      if (loop->gopod)
        {
          GObject *r = gopod_resource_pool_acquire (loop->pool, NULL, NULL);
          gopod_resource_pool_release (loop->pool, r);
        }
      else
        action_pool_release (loop->pool, action_pool_acquire (loop->pool));
    }
  return NULL;
}

/* Nanoseconds per acquire+release pair, over all threads. */
static double
measure_pool (guint figure, gconstpointer data)
{
  guint threads = GPOINTER_TO_UINT (data);
  GThread *t[16];
  PoolLoop loop = { figure == 0, NULL, n_pool / threads };
  ActionPool action = { .size = 4 };
  gint64 start;
  double s;

  if (loop.gopod)
    loop.pool = gopod_resource_pool_new (make_resource, NULL, NULL, 4);
  else
    {
      g_mutex_init (&action.lock);
      action.resources = g_async_queue_new_full (g_object_unref);
      loop.pool = &action;
    }

  start = now_ns ();
  for (guint i = 0; i < threads; i++)
    t[i] = g_thread_new ("bench-pool", pool_loop, &loop);
  for (guint i = 0; i < threads; i++)
    g_thread_join (t[i]);
  s = seconds_since (start);

  if (loop.gopod)
    {
      gopod_resource_pool_close (loop.pool);
      g_object_unref (loop.pool);
    }
  else
    {
      g_async_queue_unref (action.resources);
      g_mutex_clear (&action.lock);
    }
  return s * 1e9 / (loop.n * threads);
}


static void
resource_pool_cases (void)
{
  CaseInfo one = { "pool-acquire-release-1t", "ns", { "gopod", "go-in-action-pool" } };
  CaseInfo four = { "pool-acquire-release-4t", "ns", { "gopod", "go-in-action-pool" } };

  run_case (&one, measure_pool, GUINT_TO_POINTER (1));
  run_case (&four, measure_pool, GUINT_TO_POINTER (4));
}

/* Channels: the baselines GopodChannel and GopodSelect are measured against
 *
 * Three cases, each figure one implementation of ChannelImpl: a buffered
 * channel between two threads (values/s), an unbuffered ping-pong (ns per
 * round trip) and one receiver selecting over two buffered channels fed by
 * a sender thread each (values/s). The values are 1..n; the receiver takes
 * exactly as many as were sent (so no implementation needs a close) and
 * checks their sum. 0 is the echo thread's stop value.
 *
 * The pod-glib side is one more entry, first in channel_impls (its figures
 * are then "gopod" and the table's ratios gopod/baseline): open() makes
 * @n_channels GopodChannels of G_TYPE_UINT (capacity 0 is unbuffered), and
 * for two a GopodSelect with a receive case on each; send() is
 * gopod_channel_send() on channel @index; receive() is gopod_channel_receive()
 * with one channel and gopod_select_wait() + gopod_select_get_value() with
 * two; free() drops them. */
typedef struct
{
  const char *name;
  gpointer  (*open)    (guint capacity, guint n_channels);
  void      (*send)    (gpointer set, guint index, guint value);
  guint     (*receive) (gpointer set);
  void      (*free)    (gpointer set);
} ChannelImpl;

/* GAsyncQueue: it has no bound, so @capacity does not apply, and no select:
 * the GAsyncQueue way to wait on two sources is one queue both push to. */
static gpointer
queue_open (guint capacity, guint n_channels)
{
  return g_async_queue_new ();
}

static void
queue_send (gpointer queue, guint index, guint value)
{
  /* A GAsyncQueue holds no NULL. */
  g_async_queue_push (queue, GUINT_TO_POINTER (value + 1));
}

static guint
queue_receive (gpointer queue)
{
  return GPOINTER_TO_UINT (g_async_queue_pop (queue)) - 1;
}

static void
queue_free (gpointer queue)
{
  g_async_queue_unref (queue);
}

/* A mutex and condition variables: bounded ring buffers under one lock, a
 * receiver that takes from a non-empty one (at random when both are, as a
 * select does), and signals only when someone waits, as a careful hand-made
 * channel would. An unbuffered channel is a one-slot buffer here: in a
 * ping-pong the reply makes each round trip a rendezvous anyway. */
typedef struct
{
  guint *slots;
  guint  head, len;
  guint  senders_waiting;
  GCond  not_full;
} Ring;

typedef struct
{
  GMutex  lock;
  GCond   not_empty;
  guint   receivers_waiting;
  guint   capacity;
  guint   n_rings;
  guint32 random;  /* xorshift state, used by the one receiver */
  Ring    rings[2];
} Rings;

static gpointer
rings_open (guint capacity, guint n_channels)
{
  Rings *r = g_new0 (Rings, 1);

  g_assert (n_channels <= G_N_ELEMENTS (r->rings));
  g_mutex_init (&r->lock);
  g_cond_init (&r->not_empty);
  r->capacity = MAX (capacity, 1);
  r->n_rings = n_channels;
  r->random = 2463534242u;
  for (guint i = 0; i < n_channels; i++)
    {
      r->rings[i].slots = g_new (guint, r->capacity);
      g_cond_init (&r->rings[i].not_full);
    }
  return r;
}

static void
rings_send (gpointer set, guint index, guint value)
{
  Rings *r = set;
  Ring *ring = &r->rings[index];

  g_mutex_lock (&r->lock);
  while (ring->len == r->capacity)
    {
      ring->senders_waiting++;
      g_cond_wait (&ring->not_full, &r->lock);
      ring->senders_waiting--;
    }
  ring->slots[(ring->head + ring->len++) % r->capacity] = value;
  if (r->receivers_waiting > 0)
    g_cond_signal (&r->not_empty);
  g_mutex_unlock (&r->lock);
}

/* The ring to take from, or NULL when all are empty. Called locked. */
static Ring *
rings_pick (Rings *r)
{
  Ring *ready[G_N_ELEMENTS (r->rings)];
  guint n_ready = 0;

  for (guint i = 0; i < r->n_rings; i++)
    if (r->rings[i].len > 0)
      ready[n_ready++] = &r->rings[i];
  if (n_ready < 2)
    return n_ready == 1 ? ready[0] : NULL;
  r->random ^= r->random << 13;
  r->random ^= r->random >> 17;
  r->random ^= r->random << 5;
  return ready[r->random % n_ready];
}

static guint
rings_receive (gpointer set)
{
  Rings *r = set;
  Ring *ring;
  guint value;

  g_mutex_lock (&r->lock);
  while ((ring = rings_pick (r)) == NULL)
    {
      r->receivers_waiting++;
      g_cond_wait (&r->not_empty, &r->lock);
      r->receivers_waiting--;
    }
  value = ring->slots[ring->head];
  ring->head = (ring->head + 1) % r->capacity;
  ring->len--;
  if (ring->senders_waiting > 0)
    g_cond_signal (&ring->not_full);
  g_mutex_unlock (&r->lock);
  return value;
}

static void
rings_free (gpointer set)
{
  Rings *r = set;

  for (guint i = 0; i < r->n_rings; i++)
    {
      g_free (r->rings[i].slots);
      g_cond_clear (&r->rings[i].not_full);
    }
  g_cond_clear (&r->not_empty);
  g_mutex_clear (&r->lock);
  g_free (r);
}

/* GopodChannel: @n_channels channels of G_TYPE_UINT, and for two a select
 * with a receive case on each. */
typedef struct
{
  GopodChannel *channels[2];
  guint         n_channels;
  GopodSelect  *select;
} GopodChannels;

static gpointer
gopod_channels_open (guint capacity, guint n_channels)
{
  GopodChannels *c = g_new0 (GopodChannels, 1);

  g_assert (n_channels <= G_N_ELEMENTS (c->channels));
  c->n_channels = n_channels;
  for (guint i = 0; i < n_channels; i++)
    c->channels[i] = gopod_channel_new (G_TYPE_UINT, capacity);
  if (n_channels > 1)
    {
      c->select = gopod_select_new ();
      for (guint i = 0; i < n_channels; i++)
        gopod_select_add_receive (c->select, c->channels[i]);
    }
  return c;
}

static void
gopod_channels_send (gpointer set, guint index, guint value)
{
  GopodChannels *c = set;
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_UINT);
  g_value_set_uint (&v, value);
  if (!gopod_channel_send (c->channels[index], &v, NULL, NULL))
    g_error ("gopod: a send failed");
}

static guint
gopod_channels_receive (gpointer set)
{
  GopodChannels *c = set;
  GValue v = G_VALUE_INIT;
  guint value;

  if (c->select != NULL)
    {
      if (gopod_select_wait (c->select, NULL, NULL) < 0 ||
          !gopod_select_get_value (c->select, &v))
        g_error ("gopod: a select failed");
    }
  else if (!gopod_channel_receive (c->channels[0], &v, NULL, NULL))
    g_error ("gopod: a receive failed");
  value = g_value_get_uint (&v);
  g_value_unset (&v);
  return value;
}

static void
gopod_channels_free (gpointer set)
{
  GopodChannels *c = set;

  g_clear_object (&c->select);
  for (guint i = 0; i < c->n_channels; i++)
    g_object_unref (c->channels[i]);
  g_free (c);
}

static const ChannelImpl channel_impls[] = {
  { "gopod", gopod_channels_open, gopod_channels_send, gopod_channels_receive, gopod_channels_free },
  { "gasyncqueue", queue_open, queue_send, queue_receive, queue_free },
  { "mutex-cond", rings_open, rings_send, rings_receive, rings_free },
};

typedef struct
{
  const ChannelImpl *impl;
  gpointer           set;
  guint              index;
  guint              n;
} Sender;

static gpointer
sender_thread (gpointer data)
{
  Sender *s = data;

  for (guint v = 1; v <= s->n; v++)
    s->impl->send (s->set, s->index, v);
  return NULL;
}

static guint64
sum_to (guint n)
{
  return (guint64) n * (n + 1) / 2;
}

/* Receives @n values from @set and checks they are the ones sent. */
static void
receive_checked (const ChannelImpl *impl,
                 gpointer           set,
                 guint              n,
                 guint64            expected)
{
  guint64 sum = 0;

  for (guint i = 0; i < n; i++)
    sum += impl->receive (set);
  if (sum != expected)
    g_error ("%s: the values received sum to %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT,
             impl->name, sum, expected);
}

/* Values per second through @n_channels channels of @channel_capacity,
 * a sender thread on each, received by this thread. */
static double
channel_throughput (const ChannelImpl *impl,
                    guint              n_channels)
{
  gpointer set = impl->open (channel_capacity, n_channels);
  Sender senders[2];
  GThread *threads[2];
  guint64 expected = 0;
  gint64 start = now_ns ();
  double s;

  for (guint i = 0; i < n_channels; i++)
    {
      senders[i] = (Sender) { impl, set, i, n_values / n_channels + (i < n_values % n_channels) };
      expected += sum_to (senders[i].n);
      threads[i] = g_thread_new ("bench-sender", sender_thread, &senders[i]);
    }
  receive_checked (impl, set, n_values, expected);
  s = seconds_since (start);
  for (guint i = 0; i < n_channels; i++)
    g_thread_join (threads[i]);
  impl->free (set);
  return n_values / s;
}

typedef struct
{
  const ChannelImpl *impl;
  gpointer           ping, pong;
} Echo;

static gpointer
echo_thread (gpointer data)
{
  Echo *e = data;
  guint v;

  while ((v = e->impl->receive (e->ping)) != 0)
    e->impl->send (e->pong, 0, v);
  return NULL;
}

/* Nanoseconds per round trip over two unbuffered channels. */
static double
channel_ping_pong (const ChannelImpl *impl)
{
  Echo echo = { impl, impl->open (0, 1), impl->open (0, 1) };
  GThread *thread = g_thread_new ("bench-echo", echo_thread, &echo);
  guint64 sum = 0;
  gint64 start = now_ns ();
  double s;

  for (guint v = 1; v <= n_round_trips; v++)
    {
      impl->send (echo.ping, 0, v);
      sum += impl->receive (echo.pong);
    }
  s = seconds_since (start);
  impl->send (echo.ping, 0, 0);
  g_thread_join (thread);
  if (sum != sum_to (n_round_trips))
    g_error ("%s: the replies sum to %" G_GUINT64_FORMAT, impl->name, sum);
  impl->free (echo.ping);
  impl->free (echo.pong);
  return s * 1e9 / n_round_trips;
}

typedef enum { CHANNEL_BUFFERED, CHANNEL_PING_PONG, CHANNEL_SELECT } ChannelCase;

static double
measure_channel (guint figure, gconstpointer data)
{
  switch (GPOINTER_TO_UINT (data))
    {
    case CHANNEL_BUFFERED: return channel_throughput (&channel_impls[figure], 1);
    case CHANNEL_PING_PONG: return channel_ping_pong (&channel_impls[figure]);
    case CHANNEL_SELECT: return channel_throughput (&channel_impls[figure], 2);
    }
  g_assert_not_reached ();
}

static void
channel_cases (void)
{
  static const struct { const char *name; const char *unit; ChannelCase what; } cases[] = {
    { "channel-buffered", "values/s", CHANNEL_BUFFERED },
    { "channel-pingpong", "ns", CHANNEL_PING_PONG },
    { "channel-select", "values/s", CHANNEL_SELECT },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      CaseInfo info = { cases[c].name, cases[c].unit, { NULL } };

      for (guint i = 0; i < G_N_ELEMENTS (channel_impls); i++)
        info.figures[i] = channel_impls[i].name;
      run_case (&info, measure_channel, GUINT_TO_POINTER (cases[c].what));
    }
}

/* --callgrind: instructions per job, from two runs of different sizes
 * (their difference cancels start-up and teardown). All threads count. */

static guint64
callgrind_instructions (Impl impl, guint n)
{
  g_autofree char *count = g_strdup_printf ("%u", n);
  const char *argv[] = { "--child", "jobs", "--", impl_names[impl], count, NULL };
  g_autofree char *err = NULL;
  g_autofree char *out = spawn_child (argv, TRUE, &err);
  const char *p = strstr (err, "Collected :");

  if (p == NULL)
    g_error ("no callgrind summary in: %s", err);
  return g_ascii_strtoull (p + strlen ("Collected :"), NULL, 10);
}

static double
measure_instructions (guint figure, gconstpointer data)
{
  const Impl *impls = data;
  guint n1 = opt_quick ? 2000 : 50000, n2 = 2 * n1;
  guint64 a = callgrind_instructions (impls[figure], n1);
  guint64 b = callgrind_instructions (impls[figure], n2);

  return (double) (b - a) / (n2 - n1);
}

static void
callgrind_cases (void)
{
  static const Impl light[] = { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE };
  static const Impl object[] = { IMPL_GOPOD_OBJECT, IMPL_GTASK, IMPL_POOL_GOBJECT };
  CaseInfo light_info = { "instructions-light-2w", "instr/job", { "gopod", "gthreadpool-exclusive" } };
  CaseInfo object_info = { "instructions-object-2w", "instr/job", { "gopod", "gtask", "gthreadpool-gobject" } };

  if (!g_find_program_in_path ("valgrind"))
    {
      g_printerr ("--callgrind needs valgrind (apt-get install valgrind)\n");
      exit (1);
    }
  run_case (&light_info, measure_instructions, light);
  run_case (&object_info, measure_instructions, object);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- pod-glib against GThreadPool, GTask and GAsyncQueue");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    self_exe = argv[0];

  if (opt_child != NULL)
    return run_child ();

  if (opt_quick)
    {
      opt_reps = 1;
      n_noop = n_object = n_queued = n_pool = n_values = 20000;
      n_spin = 5000;
      n_sleep = 200;
      n_latency = 200;
      n_round_trips = 2000;
      idle_window_ms = 300;
    }
  /* Instruction counts vary by a few percent: they include the spin-waits
   * bounded by wall time, which run more often on a faster host and as
   * valgrind switches threads. Three repetitions give a median. */
  if (opt_callgrind)
    opt_reps = 3;
  opt_reps = MAX (1, opt_reps);

  summary = g_string_new (NULL);
  machine = g_string_new (NULL);
  calibrate_spin ();

  if (opt_callgrind)
    callgrind_cases ();
  else
    {
      throughput_cases ();
      latency_cases ();
      memory_cases ();
      resource_pool_cases ();
      channel_cases ();
      idle_cases ();
    }

  g_print ("pod-glib benchmark: %d repetition(s), medians [min .. max]; "
           "ratio = first figure / this one, paired per repetition\n"
           "%d CPUs, GLib %u.%u.%u\n\n",
           opt_reps, g_get_num_processors (), glib_major_version, glib_minor_version, glib_micro_version);
  g_print ("%-24s %-22s %12s %-9s %s\n", "case", "implementation", "median", "unit", "[min .. max]");
  g_print ("%s\n%s", summary->str, machine->str);

  g_string_free (summary, TRUE);
  g_string_free (machine, TRUE);
  return 0;
}
