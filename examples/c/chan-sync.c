/* chan-sync.c: channel synchronisation (worker and done) of "Go
 * Concurrency in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   done := make(chan bool, 1)          gopod_channel_new (G_TYPE_BOOLEAN, 1)
 *   go worker(done)                     g_thread_new ("worker", worker, ...),
 *                                       the thread holding a reference
 *   done <- true                        gopod_channel_send () of a boolean
 *                                       GValue (there is no bool shorthand)
 *   <-done                              gopod_channel_receive (): blocks
 *                                       until the worker has sent
 *
 * Without the receive the program would end before the worker prints "done".
 *
 *   chan-sync [--work-ms 1000]
 */

#include "chan-example.h"

static int work_ms = 1000;

static gpointer
worker (gpointer data)
{
  g_autoptr(GopodChannel) done = data;
  g_auto(GValue) yes = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_print ("working...");
  g_usleep ((gulong) MAX (work_ms, 0) * 1000); /* working */
  g_print ("done\n");

  g_value_init (&yes, G_TYPE_BOOLEAN);
  g_value_set_boolean (&yes, TRUE);
  chan_example_check (gopod_channel_send (done, &yes, NULL, &error), error, "send");
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GopodChannel) done = gopod_channel_new (G_TYPE_BOOLEAN, 1);
  g_auto(GValue) finished = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "work-ms", 0, 0, G_OPTION_ARG_INT, &work_ms, "How long the worker works (1000)", "MS" },
    { NULL }
  };

  chan_example_parse (&argc, &argv, "- worker and done channel", entries);

  g_thread_unref (g_thread_new ("worker", worker, g_object_ref (done)));
  /* blocks until the worker is done */
  chan_example_check (gopod_channel_receive (done, &finished, NULL, &error), error, "receive");
  return g_value_get_boolean (&finished) ? 0 : 1;
}
