/* work.c: the `work` pool of Go in Action, ported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two workers print names: 100 rounds over 5 names, each name logged and
 * followed by a one-second sleep, as the Go program's namePrinter does.
 *
 *   Go                                   here
 *   work.New(2)                          gopod_pod_new (2), max-queued 1
 *   p.Run(&np)  (unbuffered send)        gopod_pod_add_job (), which blocks
 *                                        while the one queue slot is taken
 *   500 goroutines + sync.WaitGroup      one loop: add_job already blocks,
 *   around p.Run                         so no thread per submission is needed
 *   p.Shutdown()  (close + wg.Wait)      gopod_pod_shutdown (DRAIN)
 *
 * Go's `work` channel is unbuffered: Run returns once a worker has taken the
 * job. A pod with max-queued 1 is as close as a queue gets: add_job returns
 * once the job is queued, and the next add_job waits until a worker has
 * taken it. At the end the program prints the most tasks it saw running at
 * once (at most 2) and the most jobs it saw queued (at most 1).
 *
 *   work [--rounds 100] [--sleep-ms 1000] [--workers 2]
 */

#include <time.h>

#include <pod-glib.h>

static const char *names[] = { "steve", "bob", "mary", "therese", "jason" };

static guint sleep_ms = 1000;

/* Tasks between their log line and the end of their sleep, and the most at
 * once: the bound the Go program gets from its two goroutines. */
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

/* log.Println: the same "2009/11/10 23:00:00 name" shape, on stderr.
 * (localtime_r rather than GDateTime: GLib 2.74's shared local time zone
 * is reference-counted in a way ThreadSanitizer reports from two workers.) */
static void
log_println (const char *text)
{
  time_t now = time (NULL);
  struct tm local;
  char stamp[32];

  strftime (stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", localtime_r (&now, &local));
  g_printerr ("%s %s\n", stamp, text);
}

/* namePrinter.Task(): runs in one of the pod's worker threads. The Go task
 * ignores cancellation (time.Sleep), and so does this one. */
static gboolean
name_printer_task (GopodJob      *job,
                   GCancellable  *cancellable,
                   gpointer       user_data,
                   GError       **error)
{
  note_start ();
  log_println (user_data);
  g_usleep ((gulong) sleep_ms * 1000);
  g_atomic_int_add (&active, -1);

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GError) error = NULL;
  int rounds = 100;
  int workers = 2;
  int sleep_arg = 1000;
  guint peak_queued = 0;
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds over the 5 names (100)", "N" },
    { "sleep-ms", 0, 0, G_OPTION_ARG_INT, &sleep_arg, "How long each task sleeps (1000)", "MS" },
    { "workers", 0, 0, G_OPTION_ARG_INT, &workers, "Worker count (2)", "N" },
    { NULL }
  };

  options = g_option_context_new ("- the work pool of Go in Action");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      rounds < 0 || workers < 1 || sleep_arg < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "invalid option value");
      return 2;
    }
  sleep_ms = (guint) sleep_arg;

  /* work.New(2): two workers behind a queue of one. */
  pod = gopod_pod_new ((guint) workers);
  gopod_pod_set_max_queued (pod, 1);
  gopod_pod_start (pod);

  for (int i = 0; i < rounds; i++)
    for (guint n = 0; n < G_N_ELEMENTS (names); n++)
      {
        /* np := namePrinter{name: name}. The names are static, so the
         * job borrows them (no destroy notify). */
        g_autoptr(GopodJob) job = gopod_job_new_func (name_printer_task,
                                                      (gpointer) names[n], NULL);

        /* p.Run(&np): blocks until the previous job has been taken. */
        if (!gopod_pod_add_job (pod, job, NULL, &error))
          {
            g_printerr ("Run: %s\n", error->message);
            return 1;
          }
        peak_queued = MAX (peak_queued, gopod_pod_get_queued (pod));
      }

  /* p.Shutdown(): stop accepting, run what is queued, wait for the workers. */
  if (!gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, &error))
    {
      g_printerr ("Shutdown: %s\n", error->message);
      return 1;
    }

  g_print ("tasks: %" G_GUINT64_FORMAT " submitted, %" G_GUINT64_FORMAT " succeeded\n",
           gopod_pod_get_submitted (pod), gopod_pod_get_succeeded (pod));
  g_print ("peak in flight: %d (workers %d)\n", g_atomic_int_get (&peak), workers);
  g_print ("peak queued: %u (max-queued 1)\n", peak_queued);

  return g_atomic_int_get (&peak) <= workers && peak_queued <= 1 ? 0 : 1;
}
