/* runner.c: the `runner` program of Go in Action, with GopodRunner
 *
 * Three tasks sleep for their id in seconds under a 3 second timeout, so the
 * third one is cut short: "Terminating due to timeout." and exit status 1.
 * Ctrl-C (or SIGTERM) while it runs: "Terminating due to interrupt." and
 * exit status 2; a second Ctrl-C ends the program the default way. When
 * every task finishes in time: "Process ended." and exit status 0.
 *
 *   runner [--timeout-ms=3000] [--unit-ms=1000] [--send-sigint-ms=N]
 *
 * --unit-ms is how long "one second" of sleep lasts, so that the test suite
 * runs the program quickly; --send-sigint-ms makes the program send itself
 * SIGINT, to test the interrupt path without a terminal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <pod-glib.h>

static int timeout_ms = 3000;
static int unit_ms = 1000;
static int send_sigint_ms = -1;

/* log.Println: a timestamp, then the message. */
static void
log_println (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static void
log_println (const char *format,
             ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y/%m/%d %H:%M:%S");
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  printf ("%s %s\n", stamp, message);
  fflush (stdout);
}

/* createTask: sleeps for id units, but wakes up as soon as the runner
 * cancels it (the Go task could not be stopped). */
static gboolean
task (GopodRunner   *runner,
      guint          id,
      GCancellable  *cancellable,
      gpointer       user_data,
      GError       **error)
{
  GPollFD pollfd;

  log_println ("Processor - Task #%u.", id);

  if (g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_poll (&pollfd, 1, (int) id * unit_ms);
      g_cancellable_release_fd (cancellable);
    }

  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static gpointer
send_sigint (gpointer data)
{
  g_usleep ((gulong) send_sigint_ms * 1000);
  kill (getpid (), SIGINT);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "timeout-ms", 0, 0, G_OPTION_ARG_INT, &timeout_ms, "Timeout of the whole run", "MS" },
    { "unit-ms", 0, 0, G_OPTION_ARG_INT, &unit_ms, "Length of one second of task sleep", "MS" },
    { "send-sigint-ms", 0, 0, G_OPTION_ARG_INT, &send_sigint_ms, "Send SIGINT to self after MS", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- Go in Action's runner, with GopodRunner");
  g_autoptr(GopodRunner) runner = NULL;
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 64;
    }

  log_println ("Starting work.");

  /* Unlike Go's New(), the deadline counts from start(), not from here. */
  runner = gopod_runner_new ((guint) timeout_ms);
  for (int i = 0; i < 3; i++)
    gopod_runner_add (runner, task, NULL, NULL);

  if (send_sigint_ms >= 0)
    g_thread_unref (g_thread_new ("send-sigint", send_sigint, NULL));

  if (!gopod_runner_start (runner, NULL, &error))
    {
      if (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT))
        {
          log_println ("Terminating due to timeout.");
          return 1;
        }
      if (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED))
        {
          log_println ("Terminating due to interrupt.");
          return 2;
        }
      log_println ("Terminating: %s", error->message);
      return 3;
    }

  log_println ("Process ended.");
  return 0;
}
