/* context-timeout.c: the context/leak walk-through's work(ctx) under
 * context.WithTimeout, ported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A job means to do 1000 steps of 2 seconds each; a 4-second deadline
 * cancels it as its second step (step 1) would end, as Go's output shows:
 *
 *   Hey, I'm going to do some work
 *   Doing some work 0
 *   Cancel the context 1
 *   Finished. I'm going home
 *
 * (Go's deadline and step 1 end at the same instant, 4 s; the deadline
 * starts first and wins. The shortened run in the test suite puts the
 * deadline in the middle of a step so that nothing depends on that race.)
 *
 *   Go                                          here
 *   context.WithTimeout(ctx, 4*time.Second)     the job's timeout-ms, 4000:
 *                                               its cancellable is cancelled
 *   go work(ctx) + wg.Add(1)                    gopod_pod_add_job () on a pod
 *   wg.Wait()                                   gopod_job_wait ()
 *   select { case <-time.After(2s):             wait_or_cancelled (): poll()
 *            case <-ctx.Done(): }               on the cancellable's fd with
 *                                               a 2 s timeout
 *   return ctx.Err()                            the job ends FAILED with
 *                                               GOPOD_ERROR_TIMEOUT
 *
 *   context-timeout [--step-ms 2000] [--deadline-ms 4000] [--steps 1000]
 */

#include <pod-glib.h>

static guint step_ms = 2000;
static guint n_steps = 1000;

/* Go's select on time.After and ctx.Done(): sleeps @ms milliseconds unless
 * @cancellable is cancelled first. Returns FALSE when cancelled. poll()
 * wakes on whichever comes first; nothing wakes in between. */
static gboolean
wait_or_cancelled (GCancellable *cancellable,
                   guint         ms)
{
  GPollFD pollfd;
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  gint64 left;

  if (!g_cancellable_make_pollfd (cancellable, &pollfd))
    g_error ("this system has no pollable cancellables");

  /* poll() may return early on EINTR: wait out what is left. */
  while (!g_cancellable_is_cancelled (cancellable) &&
         (left = deadline - g_get_monotonic_time ()) > 0)
    g_poll (&pollfd, 1, (int) ((left + 999) / 1000));

  g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

/* work(ctx): runs in the pod's worker thread. */
static gboolean
work (GopodJob      *job,
      GCancellable  *cancellable,
      gpointer       user_data,
      GError       **error)
{
  for (guint i = 0; i < n_steps; i++)
    {
      if (wait_or_cancelled (cancellable, step_ms))
        {
          g_print ("Doing some work %u\n", i);
        }
      else
        {
          g_print ("Cancel the context %u\n", i);
          /* ctx.Err(); the pod reports it as GOPOD_ERROR_TIMEOUT. */
          g_cancellable_set_error_if_cancelled (cancellable, error);
          return FALSE;
        }
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GopodJob) job = NULL;
  g_autoptr(GError) error = NULL;
  int step_arg = 2000;
  int deadline_arg = 4000;
  int steps_arg = 1000;
  GOptionEntry entries[] = {
    { "step-ms", 0, 0, G_OPTION_ARG_INT, &step_arg, "How long one step of work takes (2000)", "MS" },
    { "deadline-ms", 0, 0, G_OPTION_ARG_INT, &deadline_arg, "The context's timeout (4000)", "MS" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps_arg, "Steps of work (1000)", "N" },
    { NULL }
  };

  options = g_option_context_new ("- work(ctx) under context.WithTimeout");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      step_arg < 0 || deadline_arg < 1 || steps_arg < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "invalid option value");
      return 2;
    }
  step_ms = (guint) step_arg;
  n_steps = (guint) steps_arg;

  pod = gopod_pod_new (1);
  gopod_pod_start (pod);

  /* ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second).
   * The deadline counts from when the job starts running. */
  job = gopod_job_new_func (work, NULL, NULL);
  gopod_job_set_timeout_ms (job, (guint) deadline_arg);

  g_print ("Hey, I'm going to do some work\n");
  if (!gopod_pod_add_job (pod, job, NULL, &error))  /* go work(ctx) */
    {
      g_printerr ("could not start the work: %s\n", error->message);
      return 1;
    }
  /* wg.Wait(). Like Go's main, this one does not look at work's error
   * (here GOPOD_ERROR_TIMEOUT). */
  gopod_job_wait (job, NULL, NULL);
  g_print ("Finished. I'm going home\n");

  return 0;
}
