/* chan-sieve.c: the prime sieve (a daisy chain of filters) of "Go
 * Concurrency in practice", printing the first 10 primes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   ch := make(chan int)                gopod_channel_new (G_TYPE_INT, 0)
 *   go Generate(ch)                     a Stage thread with no input:
 *                                       sends 2, 3, 4, ...
 *   go Filter(ch, ch1, prime)           a Stage thread passing on what
 *                                       prime does not divide
 *   prime := <-ch; ch = ch1             the same, in main
 *
 * Go leaves the generator and the ten filters blocked when main returns.
 * Here main closes the last channel; a stage whose send fails with
 * GOPOD_ERROR_CLOSED closes its input, and so on up the chain, so every
 * thread ends and is joined. Each channel is closed once, by its receiver.
 *
 *   chan-sieve [--primes 10]
 */

#include "chan-example.h"

typedef struct
{
  GopodChannel *input;  /* NULL: the generator */
  GopodChannel *output;
  gint          prime;  /* a filter's; the generator's next number */
  GThread      *thread;
} Stage;

/* The stage's next value: the generator counts, a filter receives until
 * prime does not divide what it got. */
static gboolean
stage_next (Stage   *s,
            gint    *value,
            GError **error)
{
  if (s->input == NULL)
    {
      *value = s->prime++;
      return TRUE;
    }
  do
    {
      if (!gopod_channel_receive_int (s->input, value, NULL, error))
        return FALSE;
    }
  while (*value % s->prime == 0);
  return TRUE;
}

static gpointer
stage_run (gpointer data)
{
  Stage *s = data;
  g_autoptr(GError) error = NULL;
  gint value;

  while (stage_next (s, &value, &error) &&
         gopod_channel_send_int (s->output, value, NULL, &error))
    ;
  chan_example_check (chan_example_closed (&error), error, "stage");
  if (s->input != NULL)
    gopod_channel_close (s->input);  /* tell the stage upstream */
  return NULL;
}

static void
stage_start (Stage        *s,
             GopodChannel *input,
             GopodChannel *output,
             gint          prime)
{
  *s = (Stage) { input, output, prime, NULL };
  s->thread = g_thread_new ("stage", stage_run, s);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) channels = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree Stage *stages = NULL;
  g_autoptr(GError) error = NULL;
  GopodChannel *ch;
  int primes = 10;
  const GOptionEntry entries[] = {
    { "primes", 0, 0, G_OPTION_ARG_INT, &primes, "How many primes to print (10)", "N" },
    { NULL }
  };

  chan_example_parse (&argc, &argv, "- the prime sieve", entries);
  primes = MAX (primes, 0);
  stages = g_new0 (Stage, primes + 1);

  ch = gopod_channel_new (G_TYPE_INT, 0);
  g_ptr_array_add (channels, ch);
  stage_start (&stages[0], NULL, ch, 2);
  for (int i = 0; i < primes; i++)
    {
      GopodChannel *ch1 = gopod_channel_new (G_TYPE_INT, 0);
      gint prime;

      chan_example_check (gopod_channel_receive_int (ch, &prime, NULL, &error), error, "receive");
      g_print ("%d\n", prime);
      g_ptr_array_add (channels, ch1);
      stage_start (&stages[i + 1], ch, ch1, prime);
      ch = ch1;
    }

  gopod_channel_close (ch); /* the chain unwinds from here */
  for (int i = 0; i <= primes; i++)
    g_thread_join (stages[i].thread);
  return 0;
}
