/* simple.c: go-pod's "simple" example (examples/simple/example.go), ported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A pod of 10 workers runs 100 jobs. Each job prints "[START] idx = msg",
 * sleeps, and its finish clears the message and prints "[FINISH] idx = ".
 *
 * The Go program sleeps 500 s in main so that the pool can run; this port
 * waits for the pod instead (gopod_pod_wait), which returns as soon as every
 * job has finished. It then prints the most jobs it saw running at once,
 * which must not exceed the pod's size.
 *
 *   simple [--workers 10] [--jobs 100] [--sleep-ms 1000]
 */

#include <pod-glib.h>

#define SIMPLE_TYPE_JOB (simple_job_get_type ())
G_DECLARE_FINAL_TYPE (SimpleJob, simple_job, SIMPLE, JOB, GopodJob)

struct _SimpleJob
{
  GopodJob  parent_instance;
  int       idx;
  char     *msg;
};

G_DEFINE_FINAL_TYPE (SimpleJob, simple_job, GOPOD_TYPE_JOB)

static guint sleep_ms = 1000;

/* Jobs between [START] and the end of their run, and the most at once. */
static int active;
static int peak;

static void
note_start (void)
{
  int now = g_atomic_int_add (&active, 1) + 1;
  int seen = g_atomic_int_get (&peak);

  while (now > seen && !g_atomic_int_compare_and_exchange (&peak, seen, now))
    seen = g_atomic_int_get (&peak);
}

/* go-pod's Start(): the work, in a worker thread. */
static gboolean
simple_job_run (GopodJob      *job,
                GCancellable  *cancellable,
                GError       **error)
{
  SimpleJob *self = SIMPLE_JOB (job);

  note_start ();
  g_print ("[START] %d = %s \n", self->idx, self->msg);
  g_usleep ((gulong) sleep_ms * 1000);
  g_atomic_int_add (&active, -1);

  return TRUE;
}

/* go-pod's Finish(): release what the job holds. */
static void
simple_job_finish (GopodJob *job)
{
  SimpleJob *self = SIMPLE_JOB (job);

  g_clear_pointer (&self->msg, g_free);
  g_print ("[FINISH] %d = %s \n", self->idx, "");
}

static void
simple_job_finalize (GObject *object)
{
  g_free (SIMPLE_JOB (object)->msg);

  G_OBJECT_CLASS (simple_job_parent_class)->finalize (object);
}

static void
simple_job_class_init (SimpleJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GopodJobClass *job_class = GOPOD_JOB_CLASS (klass);

  object_class->finalize = simple_job_finalize;
  job_class->run = simple_job_run;
  job_class->finish = simple_job_finish;
}

static void
simple_job_init (SimpleJob *self)
{
}

static GopodJob *
simple_job_new (int         idx,
                const char *msg)
{
  SimpleJob *self = g_object_new (SIMPLE_TYPE_JOB, NULL);

  self->idx = idx;
  self->msg = g_strdup (msg);

  return GOPOD_JOB (self);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GError) error = NULL;
  int workers = 10;
  int n_jobs = 100;
  int sleep_arg = 1000;
  GOptionEntry entries[] = {
    { "workers", 0, 0, G_OPTION_ARG_INT, &workers, "Pod size (10)", "N" },
    { "jobs", 0, 0, G_OPTION_ARG_INT, &n_jobs, "Jobs to add (100)", "N" },
    { "sleep-ms", 0, 0, G_OPTION_ARG_INT, &sleep_arg, "How long each job sleeps (1000)", "MS" },
    { NULL }
  };

  options = g_option_context_new ("- go-pod's simple example");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      workers < 1 || n_jobs < 0 || sleep_arg < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "invalid option value");
      return 2;
    }
  sleep_ms = (guint) sleep_arg;

  pod = gopod_pod_new ((guint) workers);  /* NewPod(10) */
  gopod_pod_start (pod);                  /* Start() */

  for (int i = 0; i < n_jobs; i++)
    {
      g_autofree char *msg = g_strdup_printf ("msg-%d-hello", i);
      g_autoptr(GopodJob) job = simple_job_new (i + 1, msg);

      if (!gopod_pod_add_job (pod, job, NULL, &error))  /* AddJob(jb) */
        {
          g_printerr ("could not add job %d: %s\n", i + 1, error->message);
          return 1;
        }
    }

  /* Where Go sleeps 500 s, wait until every job has finished. */
  if (!gopod_pod_wait (pod, NULL, &error))
    {
      g_printerr ("wait failed: %s\n", error->message);
      return 1;
    }

  g_print ("jobs: %" G_GUINT64_FORMAT " submitted, %" G_GUINT64_FORMAT " succeeded\n",
           gopod_pod_get_submitted (pod), gopod_pod_get_succeeded (pod));
  g_print ("peak concurrency: %d (pod size %d)\n", g_atomic_int_get (&peak), workers);

  return g_atomic_int_get (&peak) <= workers ? 0 : 1;
}
