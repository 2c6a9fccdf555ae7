/* chan-ticker.c: the ticker of "Go Concurrency in practice", stopped after
 * 1600 ms
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   ticker := time.NewTicker(500ms)     gopod_channel_new_ticker (interval_ms)
 *   go func() {                         a thread receiving until
 *     for t := range ticker.C {...}     GOPOD_ERROR_CLOSED
 *   }()
 *   time.Sleep(1600ms)                  g_usleep ()
 *   ticker.Stop()                       gopod_channel_close (ticker)
 *
 * The ticks are monotonic times (G_TYPE_INT64, g_get_monotonic_time ()'s
 * microseconds); each line shows the wall-clock time it was read and, like
 * Go's `m=+0.5`, the tick's offset from the start. Go's goroutine is left
 * blocked after Stop; closing ends the range, so the program joins it
 * before saying the ticker stopped.
 *
 *   chan-ticker [--interval-ms 500] [--stop-ms 1600]
 */

#include "chan-example.h"

static gint64 start_us;

static gpointer
print_ticks (gpointer data)
{
  GopodChannel *ticker = data;
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      g_auto(GValue) t = G_VALUE_INIT;
      g_autoptr(GDateTime) now = NULL;
      g_autofree char *stamp = NULL;

      if (!gopod_channel_receive (ticker, &t, NULL, &error))
        break;
      now = g_date_time_new_now_local ();
      stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S.%f");
      g_print ("Tick at %s m=+%.3f\n", stamp, (g_value_get_int64 (&t) - start_us) / 1e6);
    }
  chan_example_check (chan_example_closed (&error), error, "receive");
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GopodChannel) ticker = NULL;
  GThread *reader;
  int interval_ms = 500;
  int stop_ms = 1600;
  const GOptionEntry entries[] = {
    { "interval-ms", 0, 0, G_OPTION_ARG_INT, &interval_ms, "Ticker interval (500)", "MS" },
    { "stop-ms", 0, 0, G_OPTION_ARG_INT, &stop_ms, "When to stop the ticker (1600)", "MS" },
    { NULL }
  };

  chan_example_parse (&argc, &argv, "- a ticker stopped after three ticks", entries);

  start_us = g_get_monotonic_time ();
  ticker = gopod_channel_new_ticker ((guint) MAX (interval_ms, 1));
  reader = g_thread_new ("ticks", print_ticks, ticker);

  g_usleep ((gulong) MAX (stop_ms, 0) * 1000);
  gopod_channel_close (ticker);
  g_thread_join (reader);
  g_print ("Ticker stopped\n");
  return 0;
}
