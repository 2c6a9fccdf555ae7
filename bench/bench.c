/* bench.c: pod-glib against GLib's own tools, side by side in one run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every case runs Gopod and its baselines alternately, repetition by
 * repetition, so that the machine's noise hits both alike; the figures are
 * medians, and the ratio of a case is the median of the per-repetition
 * ratios (gopod / baseline). Cases that need a clean process (memory from
 * RSS, idle context switches, callgrind) run in a child: this same program,
 * started again with --child.
 *
 * Output: a human table, then one line per case starting with "BENCH "
 * (key=value pairs) for machines.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pod-glib.h>

/* Options */

static int opt_reps = 5;
static gboolean opt_quick;
static gboolean opt_callgrind;
static char *opt_only;
static char *opt_child;
static char **opt_child_args;
static const char *self_exe;

static GOptionEntry entries[] = {
  { "reps", 'r', 0, G_OPTION_ARG_INT, &opt_reps, "Repetitions of each case (default 5)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "Tiny sizes, one repetition: a smoke test", NULL },
  { "callgrind", 0, 0, G_OPTION_ARG_NONE, &opt_callgrind, "Report instructions per light job under callgrind", NULL },
  { "only", 'o', 0, G_OPTION_ARG_STRING, &opt_only, "Run only the cases whose name contains TEXT", "TEXT" },
  { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_child, NULL, NULL },
  { G_OPTION_REMAINING, 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING_ARRAY, &opt_child_args, NULL, NULL },
  { NULL }
};

/* Sizes, from the issue; --quick shrinks them. */
static guint n_noop = 1000000;
static guint n_object = 1000000;
static guint n_spin = 200000;
static guint n_sleep = 10000;
static guint n_queued = 1000000;
static guint n_latency = 10000;
static guint n_pool = 1000000;
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

/* An object job: a C GopodJob subclass whose run does nothing. */
#define BENCH_TYPE_JOB (bench_job_get_type ())
G_DECLARE_FINAL_TYPE (BenchJob, bench_job, BENCH, JOB, GopodJob)

struct _BenchJob
{
  GopodJob parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchJob, bench_job, GOPOD_TYPE_JOB)

static gboolean
bench_job_run (GopodJob      *job,
               GCancellable  *cancellable,
               GError       **error)
{
  return TRUE;
}

static void
bench_job_class_init (BenchJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->run = bench_job_run;
}

static void
bench_job_init (BenchJob *job)
{
}

/* Implementations of "run these N functions on W workers and wait" */

typedef enum
{
  IMPL_GOPOD,
  IMPL_GOPOD_OBJECT,
  IMPL_POOL_EXCLUSIVE,
  IMPL_POOL_SHARED,
  IMPL_GTASK,
  IMPL_ASYNC_QUEUE,
} Impl;

static const char *impl_names[] = {
  "gopod",
  "gopod-object",
  "gthreadpool-exclusive",
  "gthreadpool-shared",
  "gtask",
  "asyncqueue-loop",
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

/* Runs @n calls of @func on @workers workers with @impl; returns seconds. */
static double
run_jobs (Impl      impl,
          guint     workers,
          guint     n,
          GopodFunc func,
          gboolean  warm)
{
  gint64 start;

  switch (impl)
    {
    case IMPL_GOPOD:
      {
        GopodPod *pod = pod_new_started (workers);
        double s;

        /* An exclusive GThreadPool starts its threads when it is made, a
         * pod when work comes: a warm-up round gives both their threads. */
        if (warm)
          {
            for (guint i = 0; i < workers; i++)
              gopod_pod_submit (pod, func, NULL, NULL, NULL);
            gopod_pod_wait (pod, NULL, NULL);
          }
        start = now_ns ();
        for (guint i = 0; i < n; i++)
          gopod_pod_submit (pod, func, NULL, NULL, NULL);
        gopod_pod_wait (pod, NULL, NULL);
        s = seconds_since (start);
        pod_finish (pod);
        return s;
      }
    case IMPL_GOPOD_OBJECT:
      {
        GopodPod *pod = pod_new_started (workers);
        double s;

        g_assert (func == noop);
        start = now_ns ();
        for (guint i = 0; i < n; i++)
          {
            GopodJob *job = g_object_new (BENCH_TYPE_JOB, NULL);

            gopod_pod_add_job (pod, job, NULL, NULL);
            g_object_unref (job);
          }
        gopod_pod_wait (pod, NULL, NULL);
        s = seconds_since (start);
        pod_finish (pod);
        return s;
      }
    case IMPL_POOL_EXCLUSIVE:
    case IMPL_POOL_SHARED:
      {
        GThreadPool *pool = g_thread_pool_new (pool_call, (gpointer) func, workers,
                                               impl == IMPL_POOL_EXCLUSIVE, NULL);

        if (warm)
          {
            for (guint i = 0; i < workers; i++)
              g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
            while (g_thread_pool_unprocessed (pool) > 0 ||
                   g_thread_pool_get_num_threads (pool) < MIN (workers, 2))
              g_usleep (1000);
            g_usleep (10000);
          }
        start = now_ns ();
        for (guint i = 0; i < n; i++)
          g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
        g_thread_pool_free (pool, FALSE, TRUE);
        return seconds_since (start);
      }
    case IMPL_GTASK:
      {
        /* GTask's pool has its own size; @workers does not apply. */
        GMainContext *context = g_main_context_new ();

        g_main_context_push_thread_default (context);
        gtask_done = 0;
        start = now_ns ();
        for (guint i = 0; i < n; i++)
          gtask_submit (func);
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
        for (guint i = 0; i < n; i++)
          {
            NaiveJob *job = g_new (NaiveJob, 1);

            job->func = func;
            job->data = NULL;
            g_async_queue_push (queue, job);
          }
        for (guint i = 0; i < workers; i++)
          g_async_queue_push (queue, &naive_stop);
        for (guint i = 0; i < workers; i++)
          g_thread_join (threads[i]);
        s = seconds_since (start);
        g_async_queue_unref (queue);
        return s;
      }
    }
  g_assert_not_reached ();
}

/* Cases */

typedef enum { HIGHER_BETTER, LOWER_BETTER } Direction;

typedef enum
{
  TARGET_NONE,
  TARGET_RATIO_MIN,   /* median ratio gopod/baseline >= value */
  TARGET_RATIO_MAX,   /* median ratio gopod/baseline <= value */
  TARGET_VALUE_MIN,   /* median gopod figure >= value */
  TARGET_VALUE_MAX,   /* median gopod figure <= value */
} TargetKind;

typedef struct
{
  TargetKind kind;
  double     value;
} Target;

typedef struct
{
  const char *name;
  const char *unit;
  Direction   direction;
  Target      targets[2];
  const char *baselines[4];  /* figure names; the first is the paired baseline */
} CaseInfo;

/* One row of measurements: figures[i][rep] for figure i. */
typedef struct
{
  const CaseInfo *info;
  guint           n_reps;
  GArray         *figures[5];  /* [0] gopod, then the baselines */
} CaseResult;

static GString *summary;      /* the human table */
static GString *machine;      /* the BENCH lines */
static guint targets_met, targets_missed;

static guint
n_figures (const CaseInfo *info)
{
  guint n = 1;

  while (n < 5 && info->baselines[n - 1] != NULL)
    n++;
  return n;
}

static const char *
format_figure (double value,
               const char *unit,
               char *buf,
               gsize size)
{
  if (fabs (value) >= 1e6 && g_str_equal (unit, "jobs/s"))
    g_snprintf (buf, size, "%.2fM", value / 1e6);
  else if (fabs (value) >= 1e4)
    g_snprintf (buf, size, "%.0f", value);
  else
    g_snprintf (buf, size, "%.3g", value);
  return buf;
}

static gboolean
target_met (const Target *t,
            double        gopod,
            double        ratio)
{
  switch (t->kind)
    {
    case TARGET_RATIO_MIN: return ratio >= t->value;
    case TARGET_RATIO_MAX: return ratio <= t->value;
    case TARGET_VALUE_MIN: return gopod >= t->value;
    case TARGET_VALUE_MAX: return gopod <= t->value;
    case TARGET_NONE: break;
    }
  return TRUE;
}

static char *
target_describe (const Target *t,
                 const char   *unit)
{
  switch (t->kind)
    {
    case TARGET_RATIO_MIN: return g_strdup_printf ("ratio>=%g", t->value);
    case TARGET_RATIO_MAX: return g_strdup_printf ("ratio<=%g", t->value);
    case TARGET_VALUE_MIN: return g_strdup_printf ("gopod>=%g%s", t->value, unit);
    case TARGET_VALUE_MAX: return g_strdup_printf ("gopod<=%g%s", t->value, unit);
    case TARGET_NONE: break;
    }
  return NULL;
}

/* Prints one case: a table row per figure and one BENCH line. */
static void
report_case (const CaseInfo *info,
             GArray        **figures)
{
  guint n = n_figures (info);
  guint reps = figures[0]->len;
  double gopod = median ((double *) figures[0]->data, reps);
  g_autofree double *ratios = g_new (double, reps);
  double base = NAN, ratio = NAN, lo = NAN, hi = NAN;
  GString *targets = g_string_new (NULL);
  gboolean all_met = TRUE;
  char b1[32], b2[32], b3[32];

  if (n > 1)
    {
      base = median ((double *) figures[1]->data, figures[1]->len);
      for (guint r = 0; r < reps; r++)
        ratios[r] = g_array_index (figures[0], double, r) / g_array_index (figures[1], double, r);
      ratio = median (ratios, reps);
      qsort (ratios, reps, sizeof (double), compare_doubles);
      lo = ratios[0];
      hi = ratios[reps - 1];
    }

  for (guint i = 0; i < n; i++)
    {
      double m = median ((double *) figures[i]->data, figures[i]->len);
      double mn = G_MAXDOUBLE, mx = -G_MAXDOUBLE;

      for (guint r = 0; r < figures[i]->len; r++)
        {
          mn = MIN (mn, g_array_index (figures[i], double, r));
          mx = MAX (mx, g_array_index (figures[i], double, r));
        }
      g_string_append_printf (summary, "%-22s %-22s %12s %-8s  [%s .. %s]",
                              i == 0 ? info->name : "",
                              i == 0 ? "gopod" : info->baselines[i - 1],
                              format_figure (m, info->unit, b1, sizeof b1), info->unit,
                              format_figure (mn, info->unit, b2, sizeof b2),
                              format_figure (mx, info->unit, b3, sizeof b3));
      if (i > 0 && figures[i]->len == reps)
        {
          g_autofree double *rs = g_new (double, reps);
          double m_ratio;

          for (guint r = 0; r < reps; r++)
            rs[r] = g_array_index (figures[0], double, r) / g_array_index (figures[i], double, r);
          m_ratio = median (rs, reps);

          if (isfinite (m_ratio))
            g_string_append_printf (summary, "  gopod/this %.2f", m_ratio);
        }
      g_string_append_c (summary, '\n');
    }

  for (guint t = 0; t < G_N_ELEMENTS (info->targets); t++)
    {
      g_autofree char *desc = target_describe (&info->targets[t], info->unit);
      gboolean met;

      if (desc == NULL)
        continue;
      met = target_met (&info->targets[t], gopod, ratio);
      all_met = all_met && met;
      if (met)
        targets_met++;
      else
        targets_missed++;
      g_string_append_printf (targets, "%s%s:%s", targets->len ? "," : "", desc, met ? "met" : "MISSED");
    }
  if (targets->len > 0)
    g_string_append_printf (summary, "%-22s target %s\n", "", targets->str);

  {
    char r[3][32];
    const double rv[3] = { ratio, lo, hi };

    /* 0/0 (no context switch on either side) has no ratio. */
    for (guint i = 0; i < 3; i++)
      if (isfinite (rv[i]))
        g_snprintf (r[i], sizeof r[i], "%.4g", rv[i]);
      else
        g_strlcpy (r[i], "n/a", sizeof r[i]);
    g_string_append_printf (machine,
                            "BENCH case=%s unit=%s better=%s reps=%u gopod=%.6g baseline=%s baseline_value=%.6g "
                            "ratio=%s ratio_min=%s ratio_max=%s targets=%s met=%s\n",
                            info->name, info->unit,
                            info->direction == HIGHER_BETTER ? "higher" : "lower",
                            reps, gopod, n > 1 ? info->baselines[0] : "none", base,
                            r[0], r[1], r[2], targets->len ? targets->str : "none",
                            targets->len == 0 ? "n/a" : all_met ? "yes" : "no");
  }
  g_string_free (targets, TRUE);
}

static gboolean
wanted (const char *name)
{
  return opt_only == NULL || strstr (name, opt_only) != NULL;
}

typedef double (*MeasureFunc) (guint figure, gconstpointer data);

/* Runs every figure of a case opt_reps times, alternating their order
 * from one repetition to the next so neither side always goes first. */
static void
run_case (const CaseInfo *info,
          MeasureFunc     measure,
          gconstpointer   data)
{
  guint n = n_figures (info);
  GArray *figures[5];

  if (!wanted (info->name))
    return;

  g_printerr ("running %s ", info->name);
  for (guint i = 0; i < n; i++)
    figures[i] = g_array_new (FALSE, FALSE, sizeof (double));
  for (int r = 0; r < opt_reps; r++)
    {
      double row[5];

      for (guint k = 0; k < n; k++)
        {
          guint i = r % 2 ? n - 1 - k : k;
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
  Impl      impls[5];
  guint     workers;
  guint     n;
  GopodFunc func;
  gboolean  as_time;  /* report seconds rather than jobs/s */
} ThroughputArgs;

static double
measure_throughput (guint figure, gconstpointer data)
{
  const ThroughputArgs *a = data;
  double s = run_jobs (a->impls[figure], a->workers, a->n, a->func, a->as_time);

  return a->as_time ? s : a->n / s;
}

static void
throughput_cases (void)
{
  for (guint w = 2; w <= 8; w += 6)
    {
      g_autofree char *light = g_strdup_printf ("noop-light-%uw", w);
      g_autofree char *object = g_strdup_printf ("noop-object-%uw", w);
      CaseInfo light_info = {
        light, "jobs/s", HIGHER_BETTER,
        { { w == 2 ? TARGET_RATIO_MIN : TARGET_NONE, 2 },
          { w == 2 ? TARGET_VALUE_MIN : TARGET_NONE, 10e6 } },
        { "gthreadpool-exclusive", "gthreadpool-shared", "asyncqueue-loop" },
      };
      ThroughputArgs light_args = {
        { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE, IMPL_POOL_SHARED, IMPL_ASYNC_QUEUE }, w, n_noop, noop, FALSE
      };
      CaseInfo object_info = {
        object, "jobs/s", HIGHER_BETTER,
        { { TARGET_RATIO_MIN, 2 } },
        { "gtask" },
      };
      ThroughputArgs object_args = { { IMPL_GOPOD_OBJECT, IMPL_GTASK }, w, n_object, noop, FALSE };

      run_case (&light_info, measure_throughput, &light_args);
      run_case (&object_info, measure_throughput, &object_args);
    }

  {
    CaseInfo info = { "spin-1us-2w", "jobs/s", HIGHER_BETTER, { { TARGET_RATIO_MIN, 1 } },
                      { "gthreadpool-exclusive" } };
    ThroughputArgs args = { { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE }, 2, n_spin, spin_1us, FALSE };

    run_case (&info, measure_throughput, &args);
  }
  {
    CaseInfo info = { "sleep-1ms-100w", "s", LOWER_BETTER, { { TARGET_RATIO_MAX, 1.05 } },
                      { "gthreadpool-exclusive" } };
    ThroughputArgs args = { { IMPL_GOPOD, IMPL_POOL_EXCLUSIVE }, 100, n_sleep, sleep_1ms, TRUE };

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

/* Fills @lat (µs) with @n submit-to-start latencies. */
static void
measure_latencies (Impl    impl,
                   double *lat,
                   guint   n)
{
  GopodPod *pod = NULL;
  GThreadPool *pool = NULL;

  if (impl == IMPL_GOPOD)
    pod = pod_new_started (2);
  else
    pool = g_thread_pool_new (probe_pool_job, NULL, 2, TRUE, NULL);

  for (guint i = 0; i < n + 10; i++)
    {
      gint64 submitted;

      g_usleep (200);
      submitted = now_ns ();
      if (pod != NULL)
        gopod_pod_submit (pod, probe_job, NULL, NULL, NULL);
      else
        g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
      /* The first few warm the workers up. */
      if (i >= 10)
        lat[i - 10] = (probe_wait () - submitted) / 1e3;
      else
        probe_wait ();
    }

  if (pod != NULL)
    pod_finish (pod);
  else
    g_thread_pool_free (pool, FALSE, TRUE);
}

static double
percentile (double *values, guint n, double p)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return values[MIN (n - 1, (guint) (p * n))];
}

static double
measure_latency (guint figure, gconstpointer data)
{
  const double *p = data;
  g_autofree double *lat = g_new (double, n_latency);

  measure_latencies (figure == 0 ? IMPL_GOPOD : IMPL_POOL_EXCLUSIVE, lat, n_latency);
  return percentile (lat, n_latency, *p);
}

static void
latency_cases (void)
{
  /* Measured separately per percentile: a pair per repetition each. */
  static const double p50 = 0.50, p99 = 0.99;
  CaseInfo info50 = { "latency-p50", "us", LOWER_BETTER, { { TARGET_RATIO_MAX, 1.1 } },
                      { "gthreadpool-exclusive" } };
  CaseInfo info99 = { "latency-p99", "us", LOWER_BETTER, { { TARGET_VALUE_MAX, 15 } },
                      { "gthreadpool-exclusive" } };

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
  for (guint i = 0; i < n; i++)
    switch (impl)
      {
      case IMPL_GOPOD:
        gopod_pod_submit (pod, noop, NULL, NULL, NULL);
        break;
      case IMPL_GOPOD_OBJECT:
        {
          GopodJob *job = g_object_new (BENCH_TYPE_JOB, NULL);

          gopod_pod_add_job (pod, job, NULL, NULL);
          g_object_unref (job);
        }
        break;
      case IMPL_POOL_EXCLUSIVE:
        g_thread_pool_push (pool, GUINT_TO_POINTER (2), NULL);
        break;
      case IMPL_GTASK:
        gtask_submit (noop);
        break;
      default:
        break;
      }
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

static int
run_child (void)
{
  const char *what = opt_child;
  const char *impl = opt_child_args && opt_child_args[0] ? opt_child_args[0] : "gopod";
  guint n = opt_child_args && opt_child_args[0] && opt_child_args[1] ? atoi (opt_child_args[1]) : 0;

  if (g_str_equal (what, "memory"))
    g_print ("%.3f\n", child_memory (impl_from_name (impl), n));
  else if (g_str_equal (what, "idle"))
    child_idle (impl_from_name (impl));
  else if (g_str_equal (what, "jobs"))
    run_jobs (impl_from_name (impl), n > 0 && opt_child_args[2] != NULL ? atoi (opt_child_args[2]) : 2,
              n, noop, FALSE);
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
  CaseInfo light_info = { "queued-bytes-light", "B/job", LOWER_BETTER, { { TARGET_VALUE_MAX, 24 } },
                          { "gthreadpool-exclusive" } };
  CaseInfo object_info = { "queued-bytes-object", "B/job", LOWER_BETTER, { { TARGET_VALUE_MAX, 150 } },
                           { "gtask" } };

  run_case (&light_info, measure_memory, light);
  run_case (&object_info, measure_memory, object);
}

static void
idle_cases (void)
{
  CaseInfo switches = { "idle-ctx-switches", "switches", LOWER_BETTER, { { TARGET_VALUE_MAX, 0 } },
                        { "gthreadpool-exclusive" } };
  CaseInfo threads = { "idle-pod-threads", "threads", LOWER_BETTER, { { TARGET_VALUE_MAX, 0 } },
                       { "gthreadpool-exclusive" } };
  GArray *sw[2], *th[2];

  if (!wanted ("idle"))
    return;

  /* One repetition: each takes the whole idle window. */
  g_printerr ("running idle (%u ms window) .\n", idle_window_ms);
  for (guint i = 0; i < 2; i++)
    {
      const char *argv[] = { "--child", "idle", "--", i == 0 ? "gopod" : "gthreadpool-exclusive", NULL };
      g_autofree char *out = spawn_child (argv, FALSE, NULL);
      double s = 0, t = 0, w = 0;

      sscanf (out, "%lf %lf %lf", &s, &t, &w);
      sw[i] = g_array_new (FALSE, FALSE, sizeof (double));
      th[i] = g_array_new (FALSE, FALSE, sizeof (double));
      g_array_append_val (sw[i], s);
      g_array_append_val (th[i], w);
      g_string_append_printf (summary, "%-22s (%s: %.0f threads left in the process besides main,"
                              " %.0f of them the pool's)\n", "", impl_names[i == 0 ? IMPL_GOPOD : IMPL_POOL_EXCLUSIVE],
                              t, w);
    }
  report_case (&switches, sw);
  report_case (&threads, th);
  for (guint i = 0; i < 2; i++)
    {
      g_array_unref (sw[i]);
      g_array_unref (th[i]);
    }
}

/* ResourcePool against Go in Action's pool written the way Go writes it: a
 * buffered channel of resources (here a GAsyncQueue), try-receive or make
 * a new one on acquire, and release under a mutex that close also takes. */

typedef struct
{
  GMutex       lock;
  GAsyncQueue *resources;
  guint        size;
  gboolean     closed;
} ChannelPool;

static GObject *
make_resource (GCancellable *cancellable, gpointer user_data, GError **error)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static GObject *
channel_pool_acquire (ChannelPool *pool)
{
  GObject *r = g_async_queue_try_pop (pool->resources);

  return r != NULL ? r : make_resource (NULL, NULL, NULL);
}

static void
channel_pool_release (ChannelPool *pool, GObject *r)
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
        channel_pool_release (loop->pool, channel_pool_acquire (loop->pool));
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
  ChannelPool channel = { .size = 4 };
  gint64 start;
  double s;

  if (loop.gopod)
    loop.pool = gopod_resource_pool_new (make_resource, NULL, NULL, 4);
  else
    {
      g_mutex_init (&channel.lock);
      channel.resources = g_async_queue_new_full (g_object_unref);
      loop.pool = &channel;
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
      g_async_queue_unref (channel.resources);
      g_mutex_clear (&channel.lock);
    }
  return s * 1e9 / (loop.n * threads);
}

static gboolean
resource_pool_works (void)
{
  GopodResourcePool *pool;
  GObject *r;

  if (!g_type_is_a (gopod_resource_pool_get_type (), G_TYPE_OBJECT))
    return FALSE;
  pool = gopod_resource_pool_new (make_resource, NULL, NULL, 1);
  if (pool == NULL)
    return FALSE;
  r = gopod_resource_pool_acquire (pool, NULL, NULL);
  if (r != NULL)
    gopod_resource_pool_release (pool, r);
  g_object_unref (pool);
  return r != NULL;
}

static void
resource_pool_cases (void)
{
  CaseInfo one = { "pool-acquire-release-1t", "ns", LOWER_BETTER,
                   { { TARGET_VALUE_MAX, 100 }, { TARGET_RATIO_MAX, 1 } }, { "channel-pool" } };
  CaseInfo four = { "pool-acquire-release-4t", "ns", LOWER_BETTER,
                    { { TARGET_RATIO_MAX, 1 } }, { "channel-pool" } };

  if (!wanted ("pool-"))
    return;
  if (!resource_pool_works ())
    {
      g_string_append (summary, "pool-acquire-release   skipped: GopodResourcePool does not work in this build yet\n");
      g_string_append (machine, "BENCH case=pool-acquire-release skipped=yes\n");
      return;
    }
  run_case (&one, measure_pool, GUINT_TO_POINTER (1));
  run_case (&four, measure_pool, GUINT_TO_POINTER (4));
}

/* --callgrind: instructions per light job, from two runs of different sizes
 * (their difference cancels start-up and teardown). */

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

static void
callgrind_cases (void)
{
  static const Impl impls[] = { IMPL_GOPOD, IMPL_GOPOD_OBJECT, IMPL_POOL_EXCLUSIVE, IMPL_GTASK };
  guint n1 = opt_quick ? 2000 : 50000, n2 = 2 * n1;
  double per_job[G_N_ELEMENTS (impls)];

  if (!g_find_program_in_path ("valgrind"))
    {
      g_printerr ("--callgrind needs valgrind (apt-get install valgrind)\n");
      exit (1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (impls); i++)
    {
      guint64 a, b;

      g_printerr ("callgrind %s ...\n", impl_names[impls[i]]);
      a = callgrind_instructions (impls[i], n1);
      b = callgrind_instructions (impls[i], n2);
      per_job[i] = (double) (b - a) / (n2 - n1);
      g_string_append_printf (summary, "%-22s %-22s %12.0f instr/job\n",
                              i == 0 ? "callgrind-noop-2w" : "", impl_names[impls[i]], per_job[i]);
    }
  g_string_append_printf (summary, "%-22s target gopod<=150 instr/job:%s\n", "",
                          per_job[0] <= 150 ? "met" : "MISSED");
  if (per_job[0] <= 150)
    targets_met++;
  else
    targets_missed++;
  g_string_append_printf (machine,
                          "BENCH case=callgrind-noop-light-2w unit=instr/job better=lower reps=1 gopod=%.1f "
                          "baseline=gthreadpool-exclusive baseline_value=%.1f ratio=%.4g targets=gopod<=150 met=%s\n",
                          per_job[0], per_job[2], per_job[0] / per_job[2], per_job[0] <= 150 ? "yes" : "no");
  g_string_append_printf (machine,
                          "BENCH case=callgrind-noop-object-2w unit=instr/job better=lower reps=1 gopod=%.1f "
                          "baseline=gtask baseline_value=%.1f ratio=%.4g targets=none met=n/a\n",
                          per_job[1], per_job[3], per_job[1] / per_job[3]);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- pod-glib against GThreadPool and GTask");
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
      n_noop = n_object = n_queued = n_pool = 20000;
      n_spin = 5000;
      n_sleep = 200;
      n_latency = 200;
      idle_window_ms = 300;
    }
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
      idle_cases ();
    }

  g_print ("pod-glib benchmark: %d repetition(s), medians; ratio = gopod / baseline, paired per repetition\n"
           "%d CPUs, GLib %u.%u.%u\n\n",
           opt_reps, g_get_num_processors (), glib_major_version, glib_minor_version, glib_micro_version);
  g_print ("%-22s %-22s %12s %-8s  %s\n", "case", "implementation", "median", "unit", "[min .. max]");
  g_print ("%s\n%s", summary->str, machine->str);
  g_print ("targets met: %u, missed: %u\n", targets_met, targets_missed);

  g_string_free (summary, TRUE);
  g_string_free (machine, TRUE);
  return 0;
}
