/* bench-registry.c: what the job registry costs object jobs, in one run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Object jobs through a pod whose model nobody asked for, and through one
 * whose model a reader follows on the main context, alternately, repetition
 * by repetition; the figures are medians of jobs per second, the ratio the
 * median of the per-repetition ratios (with model / without). Both runs
 * iterate the main context alike, every BATCH jobs, as a UI would.
 *
 * Output: a human table, then "BENCH " lines (key=value pairs).
 */

#include <stdlib.h>

#include <pod-glib.h>

#include "bench-job.h"

#define BATCH 1000

static int opt_reps = 5;
static int opt_jobs = 200000;
static int opt_workers = 4;
static gboolean opt_quick;

static GOptionEntry entries[] = {
  { "reps", 'r', 0, G_OPTION_ARG_INT, &opt_reps, "Repetitions (default 5)", "N" },
  { "jobs", 'n', 0, G_OPTION_ARG_INT, &opt_jobs, "Jobs per repetition (default 200000)", "N" },
  { "workers", 'w', 0, G_OPTION_ARG_INT, &opt_workers, "Workers (default 4)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "Tiny sizes, one repetition: a smoke test", NULL },
  { NULL }
};


static void
count_changes (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               guint      *emissions)
{
  (*emissions)++;
}

/* Jobs per second for one repetition; *emissions counts the model's. */
static double
run_once (gboolean  with_model,
          guint    *emissions)
{
  g_autoptr(GopodPod) pod = gopod_pod_new ((guint) opt_workers);
  g_autoptr(GListModel) model = NULL;
  gint64 start;
  double seconds;

  if (with_model)
    {
      model = gopod_pod_get_jobs (pod);
      g_signal_connect (model, "items-changed", G_CALLBACK (count_changes), emissions);
    }
  gopod_pod_start (pod);
  start = g_get_monotonic_time ();
  for (int i = 0; i < opt_jobs; i++)
    {
      GopodJob *job = g_object_new (BENCH_TYPE_JOB, NULL);

      gopod_pod_add_job (pod, job, NULL, NULL);
      g_object_unref (job);
      if (i % BATCH == BATCH - 1)
        g_main_context_iteration (NULL, FALSE);
    }
  gopod_pod_wait (pod, NULL, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_assert_true (model == NULL || g_list_model_get_n_items (model) == 0);
  gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL);
  return opt_jobs / seconds;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        int     n)
{
  qsort (values, (size_t) n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- the job registry's cost");
  g_autoptr(GError) error = NULL;
  double *without, *with, *ratios;
  guint emissions = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_quick)
    {
      opt_reps = 1;
      opt_jobs = 2000;
    }

  without = g_new (double, opt_reps);
  with = g_new (double, opt_reps);
  ratios = g_new (double, opt_reps);
  run_once (FALSE, &emissions);  /* warm-up: threads, types, caches */
  for (int r = 0; r < opt_reps; r++)
    {
      without[r] = run_once (FALSE, &emissions);
      emissions = 0;
      with[r] = run_once (TRUE, &emissions);
      ratios[r] = with[r] / without[r];
    }

  g_print ("%-34s %14s\n", "case", "jobs/s (median)");
  g_print ("%-34s %14.0f\n", "object jobs, model not asked for", median (without, opt_reps));
  g_print ("%-34s %14.0f\n", "object jobs, model followed", median (with, opt_reps));
  g_print ("with/without: %.3f (median of %d), items-changed in the last run: %u for %d jobs\n",
           median (ratios, opt_reps), opt_reps, emissions, opt_jobs);
  g_print ("BENCH case=registry-object jobs=%d workers=%d reps=%d without=%.0f with=%.0f ratio=%.3f emissions=%u\n",
           opt_jobs, opt_workers, opt_reps, median (without, opt_reps), median (with, opt_reps),
           median (ratios, opt_reps), emissions);

  g_free (without);
  g_free (with);
  g_free (ratios);
  return 0;
}
