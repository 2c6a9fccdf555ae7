/* advance.c: go-pod's "advance" example (examples/advance/example.go), ported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A pod of 100 workers; every second a timer on the main loop adds 500 jobs,
 * each holding 100 copies of its message, and then prints how many threads
 * the process has, as the Go program prints its goroutine count. The count
 * stays flat: the pod never holds more than 100 worker threads, however
 * many jobs arrive.
 *
 * The Go program runs for an hour; this one stops after --seconds rounds,
 * waits for the pod, and prints a summary of the thread counts it saw.
 *
 *   advance [--seconds 5] [--interval-ms 1000] [--workers 100] [--jobs 500]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pod-glib.h>

#define COPIES 100

#define ADVANCE_TYPE_JOB (advance_job_get_type ())
G_DECLARE_FINAL_TYPE (AdvanceJob, advance_job, ADVANCE, JOB, GopodJob)

struct _AdvanceJob
{
  GopodJob   parent_instance;
  int        idx;
  char      *msg;
  GPtrArray *data;  /* COPIES copies of msg: go-pod's "big block of memory" */
};

G_DEFINE_FINAL_TYPE (AdvanceJob, advance_job, GOPOD_TYPE_JOB)

static gboolean
advance_job_run (GopodJob      *job,
                 GCancellable  *cancellable,
                 GError       **error)
{
  AdvanceJob *self = ADVANCE_JOB (job);

  g_print ("[START] %d = %s | size : %u \n", self->idx, self->msg, self->data->len);
  return TRUE;
}

static void
advance_job_finish (GopodJob *job)
{
  AdvanceJob *self = ADVANCE_JOB (job);

  g_clear_pointer (&self->msg, g_free);
  g_ptr_array_set_size (self->data, 0);
  g_print ("[FINISH] %d = %s | size : %u \n", self->idx, "", self->data->len);
}

static void
advance_job_finalize (GObject *object)
{
  AdvanceJob *self = ADVANCE_JOB (object);

  g_free (self->msg);
  g_ptr_array_unref (self->data);

  G_OBJECT_CLASS (advance_job_parent_class)->finalize (object);
}

static void
advance_job_class_init (AdvanceJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GopodJobClass *job_class = GOPOD_JOB_CLASS (klass);

  object_class->finalize = advance_job_finalize;
  job_class->run = advance_job_run;
  job_class->finish = advance_job_finish;
}

static void
advance_job_init (AdvanceJob *self)
{
  self->data = g_ptr_array_new_full (COPIES, g_free);
}

static GopodJob *
advance_job_new (int         idx,
                 const char *msg)
{
  AdvanceJob *self = g_object_new (ADVANCE_TYPE_JOB, NULL);

  self->idx = idx;
  self->msg = g_strdup (msg);
  for (int i = 0; i < COPIES; i++)
    g_ptr_array_add (self->data, g_strdup (msg));

  return GOPOD_JOB (self);
}

/* The Threads: line of /proc/self/status, or -1. */
static int
count_threads (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "\nThreads:");
  return line != NULL ? atoi (line + strlen ("\nThreads:")) : -1;
}

typedef struct
{
  GopodPod  *pod;
  GMainLoop *loop;
  int        rounds_left;
  int        n_jobs;
  int        first;  /* thread count after the first round */
  int        last;   /* and after the last */
  int        max;
  gboolean   failed;
} Advance;

static void
pod_idle (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Advance *advance = user_data;
  g_autoptr(GError) error = NULL;

  if (!gopod_pod_wait_finish (GOPOD_POD (source), result, &error))
    {
      g_printerr ("wait failed: %s\n", error->message);
      advance->failed = TRUE;
    }
  g_main_loop_quit (advance->loop);
}

/* One tick of Go's ticker: dispatch 500 jobs, then report the threads. */
static gboolean
tick (gpointer user_data)
{
  Advance *advance = user_data;
  int threads;

  for (int i = 0; i < advance->n_jobs; i++)
    {
      g_autofree char *msg = g_strdup_printf ("msg-%d-hello", i);
      g_autoptr(GopodJob) job = advance_job_new (i + 1, msg);
      g_autoptr(GError) error = NULL;

      if (!gopod_pod_add_job (advance->pod, job, NULL, &error))
        {
          g_printerr ("could not add job: %s\n", error->message);
          advance->failed = TRUE;
        }
    }

  threads = count_threads ();
  g_print ("============> current threads: %d \n", threads);
  if (advance->first < 0)
    advance->first = threads;
  advance->last = threads;
  advance->max = MAX (advance->max, threads);

  if (--advance->rounds_left > 0)
    return G_SOURCE_CONTINUE;

  gopod_pod_wait_async (advance->pod, NULL, pod_idle, advance);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GError) error = NULL;
  Advance advance = { .first = -1, .last = -1, .max = -1 };
  int seconds = 5;
  int interval_ms = 1000;
  int workers = 100;
  int n_jobs = 500;
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Rounds to run (5)", "N" },
    { "interval-ms", 0, 0, G_OPTION_ARG_INT, &interval_ms, "Time between rounds (1000)", "MS" },
    { "workers", 0, 0, G_OPTION_ARG_INT, &workers, "Pod size (100)", "N" },
    { "jobs", 0, 0, G_OPTION_ARG_INT, &n_jobs, "Jobs per round (500)", "N" },
    { NULL }
  };

  options = g_option_context_new ("- go-pod's advance example");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      seconds < 1 || interval_ms < 1 || workers < 1 || n_jobs < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "invalid option value");
      return 2;
    }

  loop = g_main_loop_new (NULL, FALSE);
  pod = gopod_pod_new ((guint) workers);  /* NewPod(100) */
  gopod_pod_start (pod);

  advance.pod = pod;
  advance.loop = loop;
  advance.rounds_left = seconds;
  advance.n_jobs = n_jobs;
  g_timeout_add ((guint) interval_ms, tick, &advance);  /* time.Tick(1 * time.Second) */
  g_main_loop_run (loop);

  g_print ("threads: after first round %d, after last round %d, at most %d\n",
           advance.first, advance.last, advance.max);
  g_print ("jobs: %" G_GUINT64_FORMAT " submitted, %" G_GUINT64_FORMAT " succeeded\n",
           gopod_pod_get_submitted (pod), gopod_pod_get_succeeded (pod));

  return advance.failed ? 1 : 0;
}
