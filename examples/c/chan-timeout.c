/* chan-timeout.c: the timeout of "Go Concurrency in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   c1 := make(chan string, 1)          gopod_channel_new (G_TYPE_STRING, 1)
 *   go func() { time.Sleep(2s);         a thread that sleeps 2 units, then
 *               c1 <- "result 1" }()    sends
 *   select {                            select = gopod_select_new ()
 *   case res := <-c1:                   gopod_select_add_receive (c1)
 *   case <-time.After(time.Second):     gopod_select_add_timeout (unit_ms)
 *   }                                   gopod_select_wait ()
 *
 * The answer comes after 2 units, the timeout after 1: the timeout case
 * wins and the result is never taken. Like Go's goroutine, the answering
 * thread is not waited for; it holds its own reference to c1.
 *
 *   chan-timeout [--unit-ms 1000]
 */

#include "chan-example.h"

static int unit_ms = 1000;

static gpointer
answer (gpointer data)
{
  g_autoptr(GopodChannel) c1 = data;
  g_autoptr(GError) error = NULL;

  g_usleep ((gulong) MAX (unit_ms, 0) * 2 * 1000);
  chan_example_check (gopod_channel_send_string (c1, "result 1", NULL, &error), error, "send");
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GopodChannel) c1 = gopod_channel_new (G_TYPE_STRING, 1);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  g_autoptr(GError) error = NULL;
  guint result;
  const GOptionEntry entries[] = {
    { "unit-ms", 0, 0, G_OPTION_ARG_INT, &unit_ms, "How long one Go second lasts (1000)", "MS" },
    { NULL }
  };

  chan_example_parse (&argc, &argv, "- a select with a timeout", entries);
  g_thread_unref (g_thread_new ("answer", answer, g_object_ref (c1)));

  result = gopod_select_add_receive (select, c1);
  gopod_select_add_timeout (select, (guint) MAX (unit_ms, 0));
  if (gopod_select_wait (select, NULL, &error) == (gint) result)
    {
      g_auto(GValue) res = G_VALUE_INIT;

      gopod_select_get_value (select, &res);
      g_print ("%s\n", g_value_get_string (&res));
    }
  else
    {
      chan_example_check (error == NULL, error, "select");
      g_print ("timeout 1\n");
    }
  return 0;
}
