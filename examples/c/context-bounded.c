/* context-bounded.c: the context/leak walk-through's forever loop bounded
 * by a semaphore, ported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every 2 seconds, forever, the loop starts two jobs: job1 needs 5 s and
 * job2 needs 1 s, both under a 3-second timeout, and never more than 2 run
 * at once. So job1 always times out and job2 always finishes:
 *
 *   Hey, I'm going to do some work
 *   job1 timeout... 5
 *   job1 exit..
 *   job2 finsh... 4
 *   job2 exit..
 *
 * The number is how many threads the process has, where Go prints
 * runtime.NumGoroutine(): it stays flat, because a timed-out job returns
 * its thread instead of leaving a sleeper behind (Go's work1 leaks its
 * inner goroutine for 2 s every round).
 *
 *   Go                                        here
 *   ch := make(chan bool, 2)                  a pod of 2 workers
 *   go work1(ch), with ch <- true / <-ch      gopod_pod_add_job (): the job
 *                                             waits in the queue for a slot
 *   context.WithTimeout(ctx, 3*time.Second)   the job's timeout-ms
 *   select { case <-chT: case <-ctx.Done(): } wait_or_cancelled ()
 *   for { ...; time.Sleep(2 * time.Second) }  a GMainLoop with a 2 s timeout
 *                                             source
 *
 * Go's loop never ends. This one runs --rounds times (0: forever, as in
 * Go), or until Ctrl-C, then waits for the jobs in flight and prints the
 * most it saw running at once: at most 2.
 *
 *   context-bounded [--rounds 0] [--interval-ms 2000] [--timeout-ms 3000]
 *                   [--job1-ms 5000] [--job2-ms 1000]
 */

#include <glib-unix.h>
#include <pod-glib.h>

#define BOUND 2

typedef struct
{
  const char *name;
  guint       work_ms;
} Work;

static Work work1 = { "job1", 5000 };
static Work work2 = { "job2", 1000 };
static guint timeout_ms = 3000;

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

/* runtime.NumGoroutine(), for threads: the "Threads:" line of
 * /proc/self/status. */
static int
count_threads (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "\nThreads:")) == NULL)
    return -1;

  return atoi (line + strlen ("\nThreads:"));
}

/* Go's select on the work's channel and ctx.Done(): sleeps @ms
 * milliseconds unless @cancellable is cancelled first. Returns FALSE when
 * cancelled. */
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

/* work1 and work2: run in a worker thread, once the pod gives them a slot
 * (Go's `ch <- true`); returning gives it back (`<-ch`). */
static gboolean
do_work (GopodJob      *job,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  const Work *work = user_data;
  gboolean finished;

  note_start ();
  finished = wait_or_cancelled (cancellable, work->work_ms);
  g_atomic_int_add (&active, -1);

  g_print ("%s %s... %d\n", work->name, finished ? "finsh" : "timeout", count_threads ());
  g_print ("%s exit..\n", work->name);

  return finished || !g_cancellable_set_error_if_cancelled (cancellable, error);
}

typedef struct
{
  GopodPod  *pod;
  GMainLoop *loop;
  guint      rounds;  /* 0: forever */
  guint      round;
  guint      tick_id;
} Loop;

static void
start (Loop *self,
       Work *work)
{
  g_autoptr(GopodJob) job = gopod_job_new_func (do_work, work, NULL);
  g_autoptr(GError) error = NULL;

  gopod_job_set_timeout_ms (job, timeout_ms);
  if (!gopod_pod_add_job (self->pod, job, NULL, &error))  /* go work1(ch) */
    g_printerr ("%s: %s\n", work->name, error->message);
}

static void
pod_idle (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Loop *self = user_data;

  gopod_pod_wait_finish (GOPOD_POD (source), result, NULL);
  g_main_loop_quit (self->loop);
}

/* Leaves the loop once the jobs in flight have ended. */
static void
stop (Loop *self)
{
  g_clear_handle_id (&self->tick_id, g_source_remove);
  gopod_pod_wait_async (self->pod, NULL, pod_idle, self);
}

/* One turn of Go's `for { go work1(ch); go work2(ch); time.Sleep(2s) }`. */
static gboolean
tick (gpointer user_data)
{
  Loop *self = user_data;

  start (self, &work1);
  start (self, &work2);

  if (self->rounds > 0 && ++self->round == self->rounds)
    {
      self->tick_id = 0;
      stop (self);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
interrupted (gpointer user_data)
{
  Loop *self = user_data;

  g_print ("interrupted: waiting for the jobs in flight\n");
  stop (self);

  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  Loop self = { 0 };
  int rounds = 0, interval = 2000, timeout = 3000, job1 = 5000, job2 = 1000;
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Turns of the loop (0: forever)", "N" },
    { "interval-ms", 0, 0, G_OPTION_ARG_INT, &interval, "Pause between turns (2000)", "MS" },
    { "timeout-ms", 0, 0, G_OPTION_ARG_INT, &timeout, "Each job's timeout (3000)", "MS" },
    { "job1-ms", 0, 0, G_OPTION_ARG_INT, &job1, "How long job1 works (5000)", "MS" },
    { "job2-ms", 0, 0, G_OPTION_ARG_INT, &job2, "How long job2 works (1000)", "MS" },
    { NULL }
  };

  options = g_option_context_new ("- a forever loop bounded to 2 jobs at once");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      rounds < 0 || interval < 1 || timeout < 1 || job1 < 0 || job2 < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "invalid option value");
      return 2;
    }
  self.rounds = (guint) rounds;
  timeout_ms = (guint) timeout;
  work1.work_ms = (guint) job1;
  work2.work_ms = (guint) job2;

  g_print ("Hey, I'm going to do some work\n");

  /* ch := make(chan bool, 2): at most 2 jobs hold a worker. */
  self.pod = gopod_pod_new (BOUND);
  gopod_pod_start (self.pod);
  self.loop = g_main_loop_new (NULL, FALSE);

  /* Go starts its first two jobs at once, then sleeps. */
  if (tick (&self))
    self.tick_id = g_timeout_add ((guint) interval, tick, &self);
  g_unix_signal_add (SIGINT, interrupted, &self);  /* signal.Notify */
  g_main_loop_run (self.loop);

  g_print ("jobs: %" G_GUINT64_FORMAT " finished, %" G_GUINT64_FORMAT " timed out\n",
           gopod_pod_get_succeeded (self.pod), gopod_pod_get_failed (self.pod));
  g_print ("peak concurrency: %d (bound %d)\n", g_atomic_int_get (&peak), BOUND);

  g_main_loop_unref (self.loop);
  g_object_unref (self.pod);

  return g_atomic_int_get (&peak) <= BOUND ? 0 : 1;
}
