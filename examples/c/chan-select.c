/* chan-select.c: select over two sleepers, from "Go Concurrency in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   c1 := make(chan string)             gopod_channel_new (G_TYPE_STRING, 0)
 *   go func() { time.Sleep(1s);         a thread that sleeps, then sends
 *               c1 <- "one" }()
 *   select {                            select = gopod_select_new ()
 *   case msg1 := <-c1:                  gopod_select_add_receive (c1) -> 0
 *   case msg2 := <-c2:                  gopod_select_add_receive (c2) -> 1
 *   }                                   gopod_select_wait (), then
 *                                       gopod_select_get_value ()
 *
 * One select serves both turns: a wait takes exactly one value, from
 * whichever channel has one first. Both sleepers sleep at once, so the run
 * takes about 2 units, not 3.
 *
 *   chan-select [--unit-ms 1000]
 */

#include "chan-example.h"

static int unit_ms = 1000;

typedef struct
{
  GopodChannel *channel;
  guint         units;
  const char   *msg;
} Sleeper;

static gpointer
sleeper (gpointer data)
{
  Sleeper *s = data;
  g_autoptr(GError) error = NULL;

  g_usleep ((gulong) s->units * MAX (unit_ms, 0) * 1000);
  chan_example_check (gopod_channel_send_string (s->channel, s->msg, NULL, &error), error, "send");
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GopodChannel) c1 = gopod_channel_new (G_TYPE_STRING, 0);
  g_autoptr(GopodChannel) c2 = gopod_channel_new (G_TYPE_STRING, 0);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  g_autoptr(GError) error = NULL;
  Sleeper sleepers[] = { { c1, 1, "one" }, { c2, 2, "two" } };
  GThread *threads[G_N_ELEMENTS (sleepers)];
  const GOptionEntry entries[] = {
    { "unit-ms", 0, 0, G_OPTION_ARG_INT, &unit_ms, "How long one Go second lasts (1000)", "MS" },
    { NULL }
  };

  chan_example_parse (&argc, &argv, "- select over two sleepers", entries);

  for (guint i = 0; i < G_N_ELEMENTS (sleepers); i++)
    threads[i] = g_thread_new ("sleeper", sleeper, &sleepers[i]);

  gopod_select_add_receive (select, c1);
  gopod_select_add_receive (select, c2);
  for (int i = 0; i < 2; i++)
    {
      g_auto(GValue) msg = G_VALUE_INIT;

      chan_example_check (gopod_select_wait (select, NULL, &error) >= 0, error, "select");
      gopod_select_get_value (select, &msg);
      g_print ("received %s\n", g_value_get_string (&msg));
    }

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  return 0;
}
