/* bench-channel.c: GopodChannel and GopodSelect against GAsyncQueue, side
 * by side in one run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Three cases, each run as rounds in which the Gopod version and its
 * GAsyncQueue equivalent alternate, so the machine's noise hits both alike:
 *
 *   buffered   one thread sends N ints through a channel of capacity 128,
 *              another receives them (values per second); baseline: a
 *              GAsyncQueue between the same two threads
 *   pingpong   two threads bounce an int over two unbuffered channels
 *              (round-trip time); baseline: two GAsyncQueues
 *   select     two producers send N/2 ints each on their own channel, one
 *              consumer selects over both until both are closed (values per
 *              second); baseline: both producers push into one GAsyncQueue,
 *              GLib's way of waiting on two sources of values. The channels
 *              are unbounded, as the queue is: producers never wait.
 *   select-128 the same with channels of capacity 128, against the same
 *              unbounded queue: the producers now wait for room, and each
 *              value the consumer takes wakes one (what a bound costs)
 *
 * The figure of a case is the median over the rounds, and its ratio the
 * median of the per-round ratios, with their spread (min..max). Ratios are
 * "how many times better than the baseline" (above 1: Gopod is ahead).
 * Output: a table, then one "BENCH case=..." line per case for machines.
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pod-glib.h>

static gint opt_rounds = 11;
static gboolean opt_quick;

static GOptionEntry entries[] = {
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt_rounds, "Rounds of each case (default 11)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "Tiny sizes, one round: a smoke test", NULL },
  { NULL }
};

static guint n_buffered = 1000000;
static guint n_pingpong = 100000;
static guint n_select = 1000000;

#define BUFFER 128

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values, guint n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* ------------------------------------------------------------------ */
/* buffered: values per second                                         */

static gpointer
channel_sender (gpointer data)
{
  GopodChannel *channel = data;

  for (guint i = 1; i <= n_buffered; i++)
    gopod_channel_send_int (channel, (gint) i, NULL, NULL);
  gopod_channel_close (channel);
  return NULL;
}

static double
buffered_gopod (void)
{
  GopodChannel *channel = gopod_channel_new (G_TYPE_INT, BUFFER);
  gint64 start = now_ns ();
  GThread *sender = g_thread_new ("sender", channel_sender, channel);
  guint64 sum = 0;
  gint value;

  while (gopod_channel_receive_int (channel, &value, NULL, NULL))
    sum += (guint) value;
  g_thread_join (sender);
  g_assert (sum == (guint64) n_buffered * (n_buffered + 1) / 2);
  g_object_unref (channel);
  return n_buffered / ((now_ns () - start) / 1e9);
}

static gpointer
queue_sender (gpointer data)
{
  for (guint i = 1; i <= n_buffered; i++)
    g_async_queue_push (data, GUINT_TO_POINTER (i));
  return NULL;
}

static double
buffered_queue (void)
{
  GAsyncQueue *queue = g_async_queue_new ();
  gint64 start = now_ns ();
  GThread *sender = g_thread_new ("sender", queue_sender, queue);
  guint64 sum = 0;

  for (guint i = 0; i < n_buffered; i++)
    sum += GPOINTER_TO_UINT (g_async_queue_pop (queue));
  g_thread_join (sender);
  g_assert (sum == (guint64) n_buffered * (n_buffered + 1) / 2);
  g_async_queue_unref (queue);
  return n_buffered / ((now_ns () - start) / 1e9);
}

/* ------------------------------------------------------------------ */
/* pingpong: round trip in microseconds                                */

typedef struct
{
  gpointer ping, pong;
} Pair;

static gpointer
channel_ponger (gpointer data)
{
  Pair *pair = data;
  gint value;

  while (gopod_channel_receive_int (pair->ping, &value, NULL, NULL))
    gopod_channel_send_int (pair->pong, value + 1, NULL, NULL);
  return NULL;
}

static double
pingpong_gopod (void)
{
  Pair pair = { gopod_channel_new (G_TYPE_INT, 0), gopod_channel_new (G_TYPE_INT, 0) };
  GThread *ponger = g_thread_new ("ponger", channel_ponger, &pair);
  gint64 start = now_ns ();
  gint value = 0;

  for (guint i = 0; i < n_pingpong; i++)
    {
      gopod_channel_send_int (pair.ping, value, NULL, NULL);
      gopod_channel_receive_int (pair.pong, &value, NULL, NULL);
    }
  start = now_ns () - start;
  g_assert (value == (gint) n_pingpong);
  gopod_channel_close (pair.ping);
  g_thread_join (ponger);
  g_object_unref (pair.ping);
  g_object_unref (pair.pong);
  return start / 1e3 / n_pingpong;
}

static gpointer
queue_ponger (gpointer data)
{
  Pair *pair = data;
  guint value;

  /* A queue carries no NULL: values start at 1, and G_MAXUINT is the end. */
  while ((value = GPOINTER_TO_UINT (g_async_queue_pop (pair->ping))) != G_MAXUINT)
    g_async_queue_push (pair->pong, GUINT_TO_POINTER (value + 1));
  return NULL;
}

static double
pingpong_queue (void)
{
  Pair pair = { g_async_queue_new (), g_async_queue_new () };
  GThread *ponger = g_thread_new ("ponger", queue_ponger, &pair);
  gint64 start = now_ns ();
  guint value = 1;

  for (guint i = 0; i < n_pingpong; i++)
    {
      g_async_queue_push (pair.ping, GUINT_TO_POINTER (value));
      value = GPOINTER_TO_UINT (g_async_queue_pop (pair.pong));
    }
  start = now_ns () - start;
  g_assert (value == n_pingpong + 1);
  g_async_queue_push (pair.ping, GUINT_TO_POINTER (G_MAXUINT));
  g_thread_join (ponger);
  g_async_queue_unref (pair.ping);
  g_async_queue_unref (pair.pong);
  return start / 1e3 / n_pingpong;
}

/* ------------------------------------------------------------------ */
/* select over two channels: values per second                         */

static gpointer
channel_half_sender (gpointer data)
{
  for (guint i = 1; i <= n_select / 2; i++)
    gopod_channel_send_int (data, (gint) i, NULL, NULL);
  gopod_channel_close (data);
  return NULL;
}

static double
select_gopod (guint capacity)
{
  GopodChannel *channels[2] = { gopod_channel_new (G_TYPE_INT, capacity),
                                gopod_channel_new (G_TYPE_INT, capacity) };
  GopodSelect *select = gopod_select_new ();
  gint64 start = now_ns ();
  GThread *senders[2];
  guint64 sum = 0;
  guint open = 2;
  GValue value = G_VALUE_INIT;

  gopod_select_add_receive (select, channels[0]);
  gopod_select_add_receive (select, channels[1]);
  senders[0] = g_thread_new ("sender", channel_half_sender, channels[0]);
  senders[1] = g_thread_new ("sender", channel_half_sender, channels[1]);
  while (open > 0)
    {
      gint chosen = gopod_select_wait (select, NULL, NULL);

      if (gopod_select_get_closed (select))
        {
          /* Go's idiom: a closed channel's case is set to nil. */
          g_object_unref (select);
          select = gopod_select_new ();
          open--;
          if (open > 0)
            gopod_select_add_receive (select, channels[1 - chosen]);
          continue;
        }
      gopod_select_get_value (select, &value);
      sum += (guint) g_value_get_int (&value);
    }
  g_value_unset (&value);
  g_thread_join (senders[0]);
  g_thread_join (senders[1]);
  g_assert (sum == 2 * ((guint64) (n_select / 2) * (n_select / 2 + 1) / 2));
  g_object_unref (select);
  g_object_unref (channels[0]);
  g_object_unref (channels[1]);
  return n_select / ((now_ns () - start) / 1e9);
}

static double
select_gopod_unbounded (void)
{
  return select_gopod (GOPOD_CHANNEL_UNBOUNDED);
}

static double
select_gopod_bounded (void)
{
  return select_gopod (BUFFER);
}

static gpointer
queue_half_sender (gpointer data)
{
  for (guint i = 1; i <= n_select / 2; i++)
    g_async_queue_push (data, GUINT_TO_POINTER (i));
  return NULL;
}

static double
select_queue (void)
{
  GAsyncQueue *queue = g_async_queue_new ();
  gint64 start = now_ns ();
  GThread *senders[2];
  guint64 sum = 0;

  senders[0] = g_thread_new ("sender", queue_half_sender, queue);
  senders[1] = g_thread_new ("sender", queue_half_sender, queue);
  for (guint i = 0; i < n_select / 2 * 2; i++)
    sum += GPOINTER_TO_UINT (g_async_queue_pop (queue));
  g_thread_join (senders[0]);
  g_thread_join (senders[1]);
  g_assert (sum == 2 * ((guint64) (n_select / 2) * (n_select / 2 + 1) / 2));
  g_async_queue_unref (queue);
  return n_select / ((now_ns () - start) / 1e9);
}

/* ------------------------------------------------------------------ */

typedef struct
{
  const char *name;
  const char *unit;
  gboolean    lower_is_better;
  double    (*gopod) (void);
  double    (*baseline) (void);
} Case;

static const Case cases[] = {
  { "buffered", "values/s", FALSE, buffered_gopod, buffered_queue },
  { "pingpong", "us/round trip", TRUE, pingpong_gopod, pingpong_queue },
  { "select", "values/s", FALSE, select_gopod_unbounded, select_queue },
  { "select-128", "values/s", FALSE, select_gopod_bounded, select_queue },
};

static void
run_case (const Case *c)
{
  double *gopod = g_new (double, opt_rounds);
  double *baseline = g_new (double, opt_rounds);
  double *ratios = g_new (double, opt_rounds);
  double ratio, lo, hi, g, b;

  for (gint r = 0; r < opt_rounds; r++)
    {
      /* Alternate which goes first, so neither always gets a warm start. */
      if (r % 2 == 0)
        {
          gopod[r] = c->gopod ();
          baseline[r] = c->baseline ();
        }
      else
        {
          baseline[r] = c->baseline ();
          gopod[r] = c->gopod ();
        }
      ratios[r] = c->lower_is_better ? baseline[r] / gopod[r] : gopod[r] / baseline[r];
    }
  ratio = median (ratios, opt_rounds);
  lo = ratios[0];
  hi = ratios[opt_rounds - 1];
  g = median (gopod, opt_rounds);
  b = median (baseline, opt_rounds);
  printf ("%-9s %14.4g %14.4g  %-14s %6.2fx  (%.2f..%.2f over %d rounds)\n",
          c->name, g, b, c->unit, ratio, lo, hi, opt_rounds);
  printf ("BENCH case=channel-%s unit=%s gopod=%.6g gasyncqueue=%.6g ratio=%.3f ratio_min=%.3f ratio_max=%.3f rounds=%d\n",
          c->name, c->unit, g, b, ratio, lo, hi, opt_rounds);
  fflush (stdout);
  g_free (gopod);
  g_free (baseline);
  g_free (ratios);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) options = g_option_context_new ("- channels against GAsyncQueue");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  if (opt_quick)
    {
      opt_rounds = 1;
      n_buffered = 10000;
      n_pingpong = 1000;
      n_select = 10000;
    }
  opt_rounds = MAX (opt_rounds, 1);

  printf ("%-9s %14s %14s  %-14s %7s  (spread of the ratio)\n",
          "case", "gopod", "gasyncqueue", "unit", "ratio");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    run_case (&cases[i]);
  return 0;
}
