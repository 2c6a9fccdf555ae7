/* chan-generator.c: the random-number generator service and the fan-in
 * multiplexer of "Go Concurrency in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   func rand_generator_2() chan int    a Service: an unbuffered G_TYPE_INT
 *                                       channel and the thread filling it
 *   for { out <- rand.Int() }           gopod_channel_send_int () until the
 *                                       channel is closed
 *   func rand_generator_3() chan int    two generators, one channel, and a
 *   for { out <- <-rand_generator_1 }   forwarding Service per generator
 *
 * A Go generator's goroutine runs until the program ends. Here the receiver
 * closes the channel when it has enough: the blocked send wakes with
 * GOPOD_ERROR_CLOSED and the thread ends. `out` is unbuffered, so a value
 * counts as sent only once main has it: the forwarders' two counts add up
 * to what main printed.
 *
 *   chan-generator             one number from the service
 *   chan-generator --fan-in N  N numbers through the multiplexer
 */

#include "chan-example.h"

/* A thread sending on output until it is closed: random numbers
 * (rand_generator_2), or what it receives from input (a forwarder). */
typedef struct
{
  GopodChannel *output;
  GopodChannel *input;
  guint         sent;
  GThread      *thread;
} Service;

static gpointer
service_run (gpointer data)
{
  Service *s = data;
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      gint v = g_random_int_range (0, G_MAXINT);

      if (s->input != NULL && !gopod_channel_receive_int (s->input, &v, NULL, &error))
        break;
      if (!gopod_channel_send_int (s->output, v, NULL, &error))
        break;
      s->sent++;
    }
  chan_example_check (chan_example_closed (&error), error, "service");
  return NULL;
}

static void
service_start (Service      *s,
               GopodChannel *output,
               GopodChannel *input)
{
  *s = (Service) { output, input, 0, NULL };
  s->thread = g_thread_new ("service", service_run, s);
}

static gint
receive_one (GopodChannel *channel)
{
  g_autoptr(GError) error = NULL;
  gint v = 0;

  chan_example_check (gopod_channel_receive_int (channel, &v, NULL, &error), error, "receive");
  return v;
}

/* rand_generator_2 and one number from it. */
static int
generator (void)
{
  g_autoptr(GopodChannel) out = gopod_channel_new (G_TYPE_INT, 0);
  Service service;

  service_start (&service, out, NULL);
  g_print ("%d\n", receive_one (out));
  gopod_channel_close (out);
  g_thread_join (service.thread);
  return 0;
}

/* rand_generator_3 and n numbers from it. */
static int
fan_in (int n)
{
  g_autoptr(GopodChannel) merged = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodChannel) out1 = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodChannel) out2 = gopod_channel_new (G_TYPE_INT, 0);
  Service generators[2], forwarders[2];

  service_start (&generators[0], out1, NULL);
  service_start (&generators[1], out2, NULL);
  service_start (&forwarders[0], merged, out1);
  service_start (&forwarders[1], merged, out2);

  for (int i = 0; i < n; i++)
    g_print ("%d\n", receive_one (merged));

  gopod_channel_close (merged); /* the forwarders' sends fail: they end */
  for (guint i = 0; i < 2; i++)
    g_thread_join (forwarders[i].thread);
  gopod_channel_close (out1);
  gopod_channel_close (out2);
  for (guint i = 0; i < 2; i++)
    g_thread_join (generators[i].thread);

  g_print ("fan-in: %d values, %u from generator 1, %u from generator 2\n",
           n, forwarders[0].sent, forwarders[1].sent);
  return forwarders[0].sent + forwarders[1].sent == (guint) n ? 0 : 1;
}

int
main (int   argc,
      char *argv[])
{
  int n = -1;
  const GOptionEntry entries[] = {
    { "fan-in", 0, 0, G_OPTION_ARG_INT, &n, "Print N numbers from two generators fanned in", "N" },
    { NULL }
  };

  chan_example_parse (&argc, &argv, "- a random-number service, alone or fanned in", entries);
  return n < 0 ? generator () : fan_in (n);
}
