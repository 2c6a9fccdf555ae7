/* chan-timers.c: the two timers of "Go Concurrency in practice", one of
 * them stopped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   timer1 := time.NewTimer(2s)         gopod_channel_new_timer (2 * unit_ms)
 *   <-timer1.C                          gopod_channel_receive (timer1)
 *   timer2 := time.NewTimer(1s)         gopod_channel_new_timer (unit_ms)
 *   go func() { <-timer2.C; ... }()     a thread receiving from timer2
 *   stop2 := timer2.Stop()              gopod_channel_close (timer2): the
 *                                       timer never fires; the waiting
 *                                       receive ends with GOPOD_ERROR_CLOSED
 *
 * Go's goroutine blocks forever on a stopped timer; here the close wakes
 * it, so the program joins it and knows that "Timer 2 fired" never came.
 *
 *   chan-timers [--unit-ms 1000]
 */

#include "chan-example.h"

static gpointer
wait_timer2 (gpointer data)
{
  GopodChannel *timer2 = data;
  g_auto(GValue) now = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (gopod_channel_receive (timer2, &now, NULL, &error))
    g_print ("Timer 2 fired\n");
  else
    chan_example_check (chan_example_closed (&error), error, "receive");
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GopodChannel) timer1 = NULL;
  g_autoptr(GopodChannel) timer2 = NULL;
  g_auto(GValue) now = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  GThread *waiter;
  int unit_ms = 1000;
  const GOptionEntry entries[] = {
    { "unit-ms", 0, 0, G_OPTION_ARG_INT, &unit_ms, "How long one Go second lasts (1000)", "MS" },
    { NULL }
  };

  chan_example_parse (&argc, &argv, "- two timers, one stopped", entries);
  unit_ms = MAX (unit_ms, 0);

  timer1 = gopod_channel_new_timer (2 * (guint) unit_ms);
  chan_example_check (gopod_channel_receive (timer1, &now, NULL, &error), error, "receive");
  g_print ("Timer 1 fired\n");

  timer2 = gopod_channel_new_timer ((guint) unit_ms);
  waiter = g_thread_new ("timer2", wait_timer2, timer2);
  gopod_channel_close (timer2);
  g_print ("Timer 2 stopped\n");

  g_usleep ((gulong) unit_ms * 2 * 1000); /* time for timer2 to fire, if it could */
  g_thread_join (waiter);
  return 0;
}
