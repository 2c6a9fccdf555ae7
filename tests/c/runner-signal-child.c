/* runner-signal-child.c: a process that test-runner sends real signals to
 *
 *   runner-signal-child plain|main-loop|exit
 *
 * Prints "ready" once its runner runs a task that waits for its cancellable,
 * then "interrupted" when the runner was interrupted. In the modes plain and
 * main-loop it then waits for a second signal, which must end it the
 * default way; in mode exit it exits with status 2, as the example does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <pod-glib.h>

static gboolean
say_ready (gpointer data)
{
  printf ("ready\n");
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_for_cancel (GopodRunner   *runner,
                 guint          id,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  GPollFD pollfd;

  if (user_data != NULL)
    say_ready (NULL);

  g_cancellable_make_pollfd (cancellable, &pollfd);
  while (!g_cancellable_is_cancelled (cancellable))
    g_poll (&pollfd, 1, -1);
  g_cancellable_release_fd (cancellable);

  return TRUE;
}

static void
report (GError *error)
{
  if (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED))
    printf ("interrupted\n");
  else
    printf ("unexpected: %s\n", error != NULL ? error->message : "success");
  fflush (stdout);
}

static void
started (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GError *error = NULL;

  gopod_runner_start_finish (GOPOD_RUNNER (source), result, &error);
  report (error);
  g_clear_error (&error);
  g_main_loop_quit (user_data);
}

int
main (int   argc,
      char *argv[])
{
  const char *mode = argc > 1 ? argv[1] : "plain";
  GopodRunner *runner = gopod_runner_new (0);
  GError *error = NULL;

  /* Started from a shell script in the background, SIGINT may be ignored;
   * the test is about the defaults coming back. */
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);

  /* start_async() handles signals from the loop's next iteration: ready
   * once an idle queued after it ran. */
  gopod_runner_add (runner, wait_for_cancel,
                    g_str_equal (mode, "main-loop") ? NULL : GINT_TO_POINTER (TRUE), NULL);

  if (g_str_equal (mode, "main-loop"))
    {
      GMainLoop *loop = g_main_loop_new (NULL, FALSE);

      gopod_runner_start_async (runner, NULL, started, loop);
      g_idle_add (say_ready, NULL);
      g_main_loop_run (loop);
      g_main_loop_unref (loop);
    }
  else
    {
      if (!gopod_runner_start (runner, NULL, &error))
        report (error);
      if (g_str_equal (mode, "exit"))
        return g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_INTERRUPTED) ? 2 : 1;
      g_clear_error (&error);
    }

  for (;;)
    pause ();
}
