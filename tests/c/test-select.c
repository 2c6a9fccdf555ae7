/* test-select.c: GopodSelect does exactly one case per wait, chosen
 * uniformly among the ready ones
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-utils.h"

static GValue *
int_value (GValue *v,
           gint    i)
{
  memset (v, 0, sizeof *v);
  g_value_init (v, G_TYPE_INT);
  g_value_set_int (v, i);
  return v;
}

static gint
select_value_int (GopodSelect *select)
{
  GValue v = G_VALUE_INIT;
  gint i;

  g_assert_true (gopod_select_get_value (select, &v));
  i = g_value_get_int (&v);
  g_value_unset (&v);
  return i;
}

static gint
take_int (GopodChannel *channel)
{
  gint i = -1;

  g_assert_true (gopod_channel_receive_int (channel, &i, NULL, NULL));
  return i;
}

static GopodChannel *
channel_with (guint capacity,
              gint  value)
{
  GopodChannel *channel = gopod_channel_new (G_TYPE_INT, capacity);

  g_assert_true (gopod_channel_send_int (channel, value, NULL, NULL));
  return channel;
}

/* --- exactly one case --- */

static void
test_one_receive_of_two_ready (void)
{
  g_autoptr(GopodChannel) a = channel_with (1, 10);
  g_autoptr(GopodChannel) b = channel_with (1, 20);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  gint chosen;

  g_test_summary ("Of two ready receive cases one happens; the other took nothing");

  g_assert_cmpuint (gopod_select_add_receive (select, a), ==, 0);
  g_assert_cmpuint (gopod_select_add_receive (select, b), ==, 1);
  g_assert_cmpuint (gopod_select_get_n_cases (select), ==, 2);

  chosen = gopod_select_wait (select, NULL, NULL);
  g_assert_cmpint (chosen, >=, 0);
  g_assert_cmpint (select_value_int (select), ==, chosen == 0 ? 10 : 20);
  g_assert_false (gopod_select_get_closed (select));
  g_assert_cmpuint (gopod_channel_get_length (a) + gopod_channel_get_length (b), ==, 1);
  g_assert_cmpuint (gopod_channel_get_length (chosen == 0 ? b : a), ==, 1);
}

static void
test_one_send_of_two_ready (void)
{
  g_autoptr(GopodChannel) a = gopod_channel_new (G_TYPE_INT, 1);
  g_autoptr(GopodChannel) b = gopod_channel_new (G_TYPE_INT, 1);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GValue v = G_VALUE_INIT;
  gint chosen;

  gopod_select_add_send (select, a, int_value (&v, 1));
  g_value_unset (&v);
  gopod_select_add_send (select, b, int_value (&v, 2));
  g_value_unset (&v);

  chosen = gopod_select_wait (select, NULL, NULL);
  g_assert_cmpint (chosen, >=, 0);
  /* The loser sent nothing; a send case gives no value, only a valid
   * default (bindings read it): its channel's type's. */
  g_assert_false (gopod_select_get_value (select, &v));
  g_assert_true (G_VALUE_HOLDS_INT (&v));
  g_value_unset (&v);
  g_assert_cmpuint (gopod_channel_get_length (chosen == 0 ? a : b), ==, 1);
  g_assert_cmpuint (gopod_channel_get_length (chosen == 0 ? b : a), ==, 0);
  g_assert_cmpint (take_int (chosen == 0 ? a : b), ==, chosen + 1);
}

/* Three always-ready cases over 3000 waits: each comes up about 1000 times
 * (a binomial with a standard deviation near 26); fewer than 600 would be
 * 15 deviations off, which a fair choice never gives. */
static void
test_uniform_choice (void)
{
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GopodChannel *channels[3];
  guint counts[3] = { 0, };
  guint i, round;

  g_test_summary ("A ready case is chosen uniformly at random: none starves");

  for (i = 0; i < 3; i++)
    {
      channels[i] = channel_with (1, (gint) i);
      gopod_select_add_receive (select, channels[i]);
    }
  for (round = 0; round < 3000; round++)
    {
      gint chosen = gopod_select_wait (select, NULL, NULL);

      g_assert_cmpint (chosen, >=, 0);
      g_assert_cmpint (chosen, <, 3);
      g_assert_cmpint (select_value_int (select), ==, chosen);
      counts[chosen]++;
      g_assert_true (gopod_channel_send_int (channels[chosen], chosen, NULL, NULL));
    }
  for (i = 0; i < 3; i++)
    {
      g_test_message ("case %u: %u of 3000", i, counts[i]);
      g_assert_cmpuint (counts[i], >=, 600);
      g_object_unref (channels[i]);
    }
}

static void
test_uniform_choice_try (void)
{
  g_autoptr(GopodSelect) select = gopod_select_new ();
  g_autoptr(GopodChannel) out = gopod_channel_new (G_TYPE_INT, GOPOD_CHANNEL_UNBOUNDED);
  g_autoptr(GopodChannel) in = channel_with (1, 5);
  guint counts[3] = { 0, };
  GValue v = G_VALUE_INIT;
  guint round;

  /* Mixed kinds, all ready: a send, a receive, a timeout of 0. */
  gopod_select_add_send (select, out, int_value (&v, 1));
  g_value_unset (&v);
  gopod_select_add_receive (select, in);
  gopod_select_add_timeout (select, 0);
  for (round = 0; round < 3000; round++)
    {
      guint chosen = (guint) gopod_select_try (select);

      g_assert_cmpuint (chosen, <, 3);
      counts[chosen % 3]++;
      if (chosen == 1)
        g_assert_true (gopod_channel_send_int (in, 5, NULL, NULL));
    }
  g_assert_cmpuint (gopod_channel_get_length (out), ==, counts[0]);
  g_assert_cmpuint (counts[0], >=, 600);
  g_assert_cmpuint (counts[1], >=, 600);
  g_assert_cmpuint (counts[2], >=, 600);
}

/* --- waiting --- */

typedef struct
{
  GopodChannel *channel;
  GCancellable *cancellable;  /* the wait's; watched once it blocks */
  GopodSelect  *select;
  gint          chosen;
  GError       *error;
  GThread      *thread;
} Waiter;

static gpointer
waiter_thread (gpointer data)
{
  Waiter *w = data;

  w->chosen = gopod_select_wait (w->select, w->cancellable, &w->error);
  return NULL;
}

/* Starts @select's wait in a thread; returns once it blocks. */
static Waiter *
waiter_start (GopodSelect *select)
{
  Waiter *w = g_new0 (Waiter, 1);

  w->select = g_object_ref (select);
  w->cancellable = g_cancellable_new ();
  w->thread = g_thread_new ("select", waiter_thread, w);
  test_wait_until_watched (w->cancellable);
  return w;
}

/* Returns the chosen case, and the wait's error in @error. */
static gint
waiter_join_full (Waiter  *w,
                  GError **error)
{
  gint chosen;

  g_thread_join (w->thread);
  chosen = w->chosen;
  if (w->error != NULL)
    g_propagate_error (error, w->error);
  g_object_unref (w->cancellable);
  g_object_unref (w->select);
  g_free (w);
  return chosen;
}

static gint
waiter_join (Waiter *w)
{
  GError *error = NULL;
  gint chosen = waiter_join_full (w, &error);

  g_assert_no_error (error);
  return chosen;
}

static void
test_wait_woken_by_send (void)
{
  g_autoptr(GopodChannel) a = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodChannel) b = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GValue v = G_VALUE_INIT;
  Waiter *w;

  gopod_select_add_receive (select, a);
  gopod_select_add_receive (select, b);
  w = waiter_start (select);
  /* A waiting select is a receiver a try_send meets... */
  g_assert_true (gopod_channel_try_send (b, int_value (&v, 33), NULL));
  g_value_unset (&v);
  g_assert_cmpint (waiter_join (w), ==, 1);
  g_assert_cmpint (select_value_int (select), ==, 33);
  /* ...and once done, its other case waits in its channel no more. */
  g_assert_false (gopod_channel_try_send (a, int_value (&v, 1), NULL));
  g_value_unset (&v);
}

static gpointer
receive_one (gpointer data)
{
  gint value = -1;

  g_assert_true (gopod_channel_receive_int (data, &value, NULL, NULL));
  return GINT_TO_POINTER (value);
}

static void
test_wait_send_meets_receiver (void)
{
  g_autoptr(GopodChannel) a = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodChannel) idle = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GThread *receiver;
  GValue v = G_VALUE_INIT;

  gopod_select_add_receive (select, idle);
  gopod_select_add_send (select, a, int_value (&v, 77));
  g_value_unset (&v);
  receiver = g_thread_new ("receiver", receive_one, a);
  g_assert_cmpint (gopod_select_wait (select, NULL, NULL), ==, 1);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (receiver)), ==, 77);
  g_assert_false (gopod_select_get_closed (select));
}

static void
test_never_meets_itself (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GValue v = G_VALUE_INIT;

  g_test_summary ("A select that sends and receives on one channel does not meet itself");

  gopod_select_add_send (select, channel, int_value (&v, 1));
  g_value_unset (&v);
  gopod_select_add_receive (select, channel);
  gopod_select_add_timeout (select, 1);
  g_assert_cmpint (gopod_select_wait (select, NULL, NULL), ==, 2);
  /* A timeout has no channel: the default is a NULL pointer. */
  g_assert_false (gopod_select_get_value (select, &v));
  g_assert_true (G_VALUE_HOLDS_POINTER (&v));
  g_assert_null (g_value_get_pointer (&v));
}

static void
test_timeout_case (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GValue v = G_VALUE_INIT;

  gopod_select_add_receive (select, channel);
  gopod_select_add_timeout (select, 50);
  gopod_select_add_timeout (select, 5);
  /* The earliest timeout wins; the receive took nothing and waits no more. */
  g_assert_cmpint (gopod_select_wait (select, NULL, NULL), ==, 2);
  g_assert_false (gopod_select_get_value (select, &v));
  g_assert_false (gopod_channel_try_send (channel, int_value (&v, 1), NULL));
  g_value_unset (&v);
  g_assert_cmpint (gopod_select_try (select), ==, -1);
}

static void
test_cancelled_case (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) done = g_cancellable_new ();
  g_autoptr(GopodSelect) select = gopod_select_new ();
  Waiter *w;

  gopod_select_add_receive (select, channel);
  g_assert_cmpuint (gopod_select_add_cancelled (select, done), ==, 1);
  g_assert_cmpint (gopod_select_try (select), ==, -1);
  w = waiter_start (select);
  /* Blocked, watching its case's cancellable too. */
  test_wait_until_watched (done);
  g_cancellable_cancel (done);
  g_assert_cmpint (waiter_join (w), ==, 1);
  /* Cancelled before the wait: ready at once, again and again. */
  g_assert_cmpint (gopod_select_wait (select, NULL, NULL), ==, 1);
  g_assert_cmpint (gopod_select_try (select), ==, 1);
}

static void
test_wait_cancelled (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GError *error = NULL;
  GValue v = G_VALUE_INIT;
  Waiter *w;

  gopod_select_add_send (select, channel, int_value (&v, 3));
  g_value_unset (&v);
  w = waiter_start (select);
  g_cancellable_cancel (w->cancellable);
  g_assert_cmpint (waiter_join_full (w, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  /* The send case sent nothing. */
  g_assert_false (gopod_channel_try_receive (channel, &v, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_error_free (error);
}

static void
test_closed_cases (void)
{
  g_autoptr(GopodChannel) in = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodChannel) out = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodSelect) receive = gopod_select_new ();
  g_autoptr(GopodSelect) send = gopod_select_new ();
  GValue v = G_VALUE_INIT;
  Waiter *w;

  gopod_select_add_receive (receive, in);
  w = waiter_start (receive);
  gopod_channel_close (in);
  g_assert_cmpint (waiter_join (w), ==, 0);
  g_assert_true (gopod_select_get_closed (receive));
  g_assert_false (gopod_select_get_value (receive, &v));
  /* Closed before the wait: chosen at once. */
  g_assert_cmpint (gopod_select_wait (receive, NULL, NULL), ==, 0);
  g_assert_true (gopod_select_get_closed (receive));

  gopod_select_add_send (send, out, int_value (&v, 1));
  g_value_unset (&v);
  w = waiter_start (send);
  gopod_channel_close (out);
  g_assert_cmpint (waiter_join (w), ==, 0);
  g_assert_true (gopod_select_get_closed (send));
}

/* The shared-variable watchdog's loop: one select, its send case's value
 * changed before each wait. */
static gpointer
receive_100 (gpointer data)
{
  gint i, value;

  for (i = 0; i < 100; i++)
    {
      g_assert_true (gopod_channel_receive_int (data, &value, NULL, NULL));
      g_assert_cmpint (value, ==, i);
    }
  return NULL;
}

static void
test_set_value_reuse (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GThread *receiver;
  guint send_case;
  GValue v = G_VALUE_INIT;
  gint i;

  send_case = gopod_select_add_send (select, channel, int_value (&v, 0));
  g_value_unset (&v);
  gopod_select_add_timeout (select, 60000);
  receiver = g_thread_new ("receiver", receive_100, channel);
  for (i = 0; i < 100; i++)
    {
      gopod_select_set_value (select, send_case, int_value (&v, i));
      g_value_unset (&v);
      g_assert_cmpint (gopod_select_wait (select, NULL, NULL), ==, (gint) send_case);
    }
  g_thread_join (receiver);
}

/* --- selects meeting selects, and cancellation racing them --- */

typedef struct
{
  GopodChannel *channels[2];
  gint          rounds;
  gint64        sent_sum, received_sum;
  gint          sent, received;
  gint          stop;  /* atomic */
  GCancellable *current;
  GMutex        lock;
} SelectRace;

static gpointer
race_select_sender (gpointer data)
{
  SelectRace *race = data;
  g_autoptr(GopodSelect) select = gopod_select_new ();
  guint cases[2];
  GValue v = G_VALUE_INIT;
  gint i;

  cases[0] = gopod_select_add_send (select, race->channels[0], int_value (&v, 0));
  cases[1] = gopod_select_add_send (select, race->channels[1], &v);
  g_value_unset (&v);
  for (i = 1; i <= race->rounds; i++)
    {
      gopod_select_set_value (select, cases[0], int_value (&v, i));
      gopod_select_set_value (select, cases[1], &v);
      g_value_unset (&v);
      g_assert_cmpint (gopod_select_wait (select, NULL, NULL), >=, 0);
      race->sent_sum += i;
      race->sent++;
    }
  gopod_channel_close (race->channels[0]);
  gopod_channel_close (race->channels[1]);
  return NULL;
}

static void
race_drain (SelectRace *race)
{
  guint i;
  gint v;

  for (i = 0; i < G_N_ELEMENTS (race->channels); i++)
    while (gopod_channel_receive_int (race->channels[i], &v, NULL, NULL))
      {
        race->received_sum += v;
        race->received++;
      }
}

static gpointer
race_select_receiver (gpointer data)
{
  SelectRace *race = data;
  g_autoptr(GopodSelect) select = gopod_select_new ();

  gopod_select_add_receive (select, race->channels[0]);
  gopod_select_add_receive (select, race->channels[1]);
  for (;;)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      GError *error = NULL;
      gint chosen;

      g_mutex_lock (&race->lock);
      g_set_object (&race->current, cancellable);
      g_mutex_unlock (&race->lock);
      chosen = gopod_select_wait (select, cancellable, &error);
      if (chosen < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_error_free (error);
          continue;
        }
      /* The sender closes both once done: what a buffer still holds is
       * received after the first close is seen. */
      if (gopod_select_get_closed (select))
        {
          race_drain (race);
          break;
        }
      race->received_sum += select_value_int (select);
      race->received++;
    }
  g_atomic_int_set (&race->stop, TRUE);
  return NULL;
}

static gpointer
race_select_canceller (gpointer data)
{
  SelectRace *race = data;

  while (!g_atomic_int_get (&race->stop))
    {
      GCancellable *victim;

      g_mutex_lock (&race->lock);
      victim = race->current != NULL ? g_object_ref (race->current) : NULL;
      g_mutex_unlock (&race->lock);
      if (victim != NULL)
        {
          g_cancellable_cancel (victim);
          g_object_unref (victim);
        }
      g_thread_yield ();
    }
  return NULL;
}

static void
test_select_meets_select_with_cancels (gconstpointer data)
{
  guint capacity = GPOINTER_TO_UINT (data);
  SelectRace race = { { NULL, }, };
  GThread *threads[3];
  guint i;

  g_test_summary ("A select sends to a select; cancelled waits take nothing");

  race.channels[0] = gopod_channel_new (G_TYPE_INT, capacity);
  race.channels[1] = gopod_channel_new (G_TYPE_INT, capacity);
  race.rounds = 10000;
  g_mutex_init (&race.lock);
  threads[0] = g_thread_new ("sender", race_select_sender, &race);
  threads[1] = g_thread_new ("receiver", race_select_receiver, &race);
  threads[2] = g_thread_new ("canceller", race_select_canceller, &race);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  /* Every value the sending select sent was received once, none twice. */
  g_assert_cmpint (race.sent, ==, race.rounds);
  g_assert_cmpint (race.received, ==, race.sent);
  g_assert_cmpint (race.received_sum, ==, race.sent_sum);

  g_clear_object (&race.current);
  g_mutex_clear (&race.lock);
  g_object_unref (race.channels[0]);
  g_object_unref (race.channels[1]);
}

/* --- async --- */

typedef struct
{
  TestCaller    caller;
  gboolean      done;
  gint          chosen;
  GError       *error;
} AsyncWait;

static void
async_waited (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  AsyncWait *w = data;

  test_caller_assert_current (&w->caller);
  w->chosen = gopod_select_wait_finish (GOPOD_SELECT (source), result, &w->error);
  w->done = TRUE;
}

static void
async_wait_init (AsyncWait *w)
{
  memset (w, 0, sizeof *w);
  test_caller_push (&w->caller);
}

static void
async_wait_clear (AsyncWait *w)
{
  test_caller_pop (&w->caller);
  g_clear_error (&w->error);
}

static gpointer
send_to_second (gpointer data)
{
  g_assert_true (gopod_channel_send_int (data, 12, NULL, NULL));
  return NULL;
}

static void
test_async_on_callers_context (void)
{
  g_autoptr(GopodChannel) a = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodChannel) b = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodSelect) select = gopod_select_new ();
  AsyncWait w;
  GThread *thread;

  async_wait_init (&w);
  gopod_select_add_receive (select, a);
  gopod_select_add_receive (select, b);
  gopod_select_wait_async (select, NULL, async_waited, &w);
  thread = g_thread_new ("sender", send_to_second, b);
  test_iterate_until (w.caller.context, &w.done, 10000);
  g_thread_join (thread);
  g_assert_no_error (w.error);
  g_assert_cmpint (w.chosen, ==, 1);
  g_assert_cmpint (select_value_int (select), ==, 12);
  async_wait_clear (&w);
}

typedef struct
{
  GopodChannel *channel;
  GCancellable *cancellable;  /* watched once it blocks (linked) */
  gint          value;
  gint          done;  /* atomic */
} Receiver;

static gpointer
receiver_thread (gpointer data)
{
  Receiver *r = data;

  g_assert_true (gopod_channel_receive_int (r->channel, &r->value, r->cancellable, NULL));
  g_atomic_int_set (&r->done, TRUE);
  return NULL;
}

static void
test_async_told_then_cancelled (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) second_cancellable = g_cancellable_new ();
  g_autoptr(GopodSelect) select = gopod_select_new ();
  Receiver second = { channel, second_cancellable, 0, FALSE };
  GThread *thread;
  AsyncWait w;
  GValue v = G_VALUE_INIT;

  g_test_summary ("A select told of a value that then finds itself cancelled passes "
                  "the wake on to the next receiver");

  async_wait_init (&w);
  gopod_select_add_receive (select, channel);
  gopod_select_wait_async (select, cancellable, async_waited, &w);
  /* Blocked, so linked behind the select. */
  thread = g_thread_new ("receiver", receiver_thread, &second);
  test_wait_until_watched (second_cancellable);
  /* The cancel reaches the async wait only when its context runs: the
   * send tells the select first, and it finds itself cancelled then. */
  g_cancellable_cancel (cancellable);
  g_assert_true (gopod_channel_try_send (channel, int_value (&v, 7), NULL));
  g_value_unset (&v);
  /* A safety bound: without the wake passed on, the receiver never ends. */
  g_assert_true (test_poll_until (test_flag_is_set, &second.done, 10000));
  g_thread_join (thread);
  g_assert_cmpint (second.value, ==, 7);
  test_iterate_until (w.caller.context, &w.done, 10000);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  async_wait_clear (&w);
}

static void
test_async_happened_then_cancelled (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GopodSelect) select = gopod_select_new ();
  AsyncWait w;

  g_test_summary ("A case that happened before the wait's cancellable fired stays chosen");

  async_wait_init (&w);
  gopod_select_add_receive (select, channel);
  gopod_select_wait_async (select, cancellable, async_waited, &w);
  g_thread_join (g_thread_new ("sender", send_to_second, channel));
  g_cancellable_cancel (cancellable);
  test_iterate_until (w.caller.context, &w.done, 10000);
  g_assert_no_error (w.error);
  g_assert_cmpint (w.chosen, ==, 0);
  g_assert_cmpint (select_value_int (select), ==, 12);
  async_wait_clear (&w);
}

static void
test_async_timeout_and_cancelled (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) done = g_cancellable_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GopodSelect) timeouts = gopod_select_new ();
  g_autoptr(GopodSelect) cancels = gopod_select_new ();
  AsyncWait w;
  GValue v = G_VALUE_INIT;

  async_wait_init (&w);
  /* Linked nowhere: only a timeout. */
  gopod_select_add_timeout (timeouts, 1);
  gopod_select_wait_async (timeouts, NULL, async_waited, &w);
  test_iterate_until (w.caller.context, &w.done, 10000);
  g_assert_cmpint (w.chosen, ==, 0);

  gopod_select_add_send (cancels, channel, int_value (&v, 1));
  g_value_unset (&v);
  gopod_select_add_cancelled (cancels, done);
  w.done = FALSE;
  gopod_select_wait_async (cancels, NULL, async_waited, &w);
  g_cancellable_cancel (done);
  test_iterate_until (w.caller.context, &w.done, 10000);
  g_assert_cmpint (w.chosen, ==, 1);

  /* The wait's own cancellable: -1 and an error, and nothing sent. */
  g_cancellable_reset (done);
  w.done = FALSE;
  gopod_select_wait_async (cancels, cancellable, async_waited, &w);
  g_cancellable_cancel (cancellable);
  test_iterate_until (w.caller.context, &w.done, 10000);
  g_assert_cmpint (w.chosen, ==, -1);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (gopod_channel_try_receive (channel, &v, NULL));
  async_wait_clear (&w);
}

/* --- bad input --- */

#define FAILED(func, expr) #func ": assertion '" expr "' failed"
/* For checks whose macros the critical shows expanded. */
#define FAILED_ANY(func) #func ": assertion *failed"

static void
test_bad_input (void)
{
  g_autoptr(GopodSelect) select = gopod_select_new ();
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);
  GValue v = G_VALUE_INIT, object = G_VALUE_INIT;
  guint receive_case;

  receive_case = gopod_select_add_receive (select, channel);
  int_value (&v, 1);
  g_value_init (&object, G_TYPE_OBJECT);

  EXPECT_CRITICAL (FAILED (gopod_select_add_receive, "GOPOD_IS_SELECT (self)"),
                   g_assert_cmpuint (gopod_select_add_receive (NULL, channel), ==, G_MAXUINT));
  EXPECT_CRITICAL (FAILED (gopod_select_add_receive, "GOPOD_IS_CHANNEL (channel)"),
                   g_assert_cmpuint (gopod_select_add_receive (select, NULL), ==, G_MAXUINT));
  EXPECT_CRITICAL (FAILED (gopod_select_add_send, "GOPOD_IS_CHANNEL (channel)"),
                   g_assert_cmpuint (gopod_select_add_send (select, NULL, &v), ==, G_MAXUINT));
  EXPECT_CRITICAL ("*GObject cannot go into a channel of gint*",
                   g_assert_cmpuint (gopod_select_add_send (select, channel, &object), ==, G_MAXUINT));
  EXPECT_CRITICAL (FAILED (gopod_select_add_timeout, "GOPOD_IS_SELECT (self)"),
                   g_assert_cmpuint (gopod_select_add_timeout (NULL, 1), ==, G_MAXUINT));
  EXPECT_CRITICAL (FAILED_ANY (gopod_select_add_cancelled),
                   g_assert_cmpuint (gopod_select_add_cancelled (select, NULL), ==, G_MAXUINT));
  EXPECT_CRITICAL (FAILED (gopod_select_set_value, "case_index < self->cases->len"),
                   gopod_select_set_value (select, 5, &v));
  EXPECT_CRITICAL (FAILED (gopod_select_set_value, "select_case (self, case_index)->kind == SELECT_SEND"),
                   gopod_select_set_value (select, receive_case, &v));
  EXPECT_CRITICAL (FAILED (gopod_select_wait, "GOPOD_IS_SELECT (self)"),
                   g_assert_cmpint (gopod_select_wait (NULL, NULL, NULL), ==, -1));
  EXPECT_CRITICAL (FAILED (gopod_select_try, "GOPOD_IS_SELECT (self)"),
                   g_assert_cmpint (gopod_select_try (NULL), ==, -1));
  EXPECT_CRITICAL (FAILED (gopod_select_wait_async, "GOPOD_IS_SELECT (self)"),
                   gopod_select_wait_async (NULL, NULL, NULL, NULL));
  EXPECT_CRITICAL (FAILED (gopod_select_wait_finish, "GOPOD_IS_SELECT (self)"),
                   g_assert_cmpint (gopod_select_wait_finish (NULL, NULL, NULL), ==, -1));
  EXPECT_CRITICAL (FAILED_ANY (gopod_select_get_value),
                   g_assert_false (gopod_select_get_value (select, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_select_get_closed, "GOPOD_IS_SELECT (self)"),
                   g_assert_false (gopod_select_get_closed (NULL)));
  EXPECT_CRITICAL (FAILED (gopod_select_get_n_cases, "GOPOD_IS_SELECT (self)"),
                   g_assert_cmpuint (gopod_select_get_n_cases (NULL), ==, 0));
  {
    g_autoptr(GopodSelect) empty = gopod_select_new ();

    /* Go's `select {}` with nothing to end it would hang. */
    EXPECT_CRITICAL (FAILED_ANY (gopod_select_wait),
                     g_assert_cmpint (gopod_select_wait (empty, NULL, NULL), ==, -1));
  }
  {
    /* The async twin reports it to its callback too (a promise made of it
     * settles), and a second wait while one is in flight likewise. */
    g_autoptr(GopodSelect) empty = gopod_select_new ();
    g_autoptr(GopodSelect) busy = gopod_select_new ();
    g_autoptr(GopodChannel) never = gopod_channel_new (G_TYPE_INT, 0);
    g_autoptr(GCancellable) stop = g_cancellable_new ();
    GAsyncResult *result = NULL, *first = NULL;
    GError *error = NULL;

    EXPECT_CRITICAL ("*gopod_select_wait_async*",
                     gopod_select_wait_async (empty, NULL, test_store_result, &result));
    test_wait_for_result (NULL, &result, 10000);
    g_assert_cmpint (gopod_select_wait_finish (empty, result, &error), ==, -1);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_clear_object (&result);

    gopod_select_add_receive (busy, never);
    gopod_select_wait_async (busy, stop, test_store_result, &first);
    EXPECT_CRITICAL ("*already waiting*",
                     gopod_select_wait_async (busy, NULL, test_store_result, &result));
    test_wait_for_result (NULL, &result, 10000);
    g_assert_cmpint (gopod_select_wait_finish (busy, result, &error), ==, -1);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error (&error);
    g_clear_object (&result);
    g_assert_null (first);  /* the first wait goes on */
    /* So does the blocking twin: -1 alone would pass for a wait that
     * failed without saying why. */
    EXPECT_CRITICAL ("*already waiting*",
                     g_assert_cmpint (gopod_select_wait (busy, NULL, &error), ==, -1));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error (&error);
    g_assert_null (first);
    g_cancellable_cancel (stop);
    test_wait_for_result (NULL, &first, 10000);
    g_assert_cmpint (gopod_select_wait_finish (busy, first, &error), ==, -1);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_clear_object (&first);
  }

  /* No harm: the select still has its one case, and works. */
  g_assert_cmpuint (gopod_select_get_n_cases (select), ==, 1);
  g_assert_true (gopod_channel_send_int (channel, 4, NULL, NULL));
  g_assert_cmpint (gopod_select_wait (select, NULL, NULL), ==, 0);
  g_assert_cmpint (select_value_int (select), ==, 4);
  g_value_unset (&v);
  g_value_unset (&object);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Select/one/receive-of-two", test_one_receive_of_two_ready);
  g_test_add_func ("/Gopod/Select/one/send-of-two", test_one_send_of_two_ready);
  g_test_add_func ("/Gopod/Select/uniform/wait", test_uniform_choice);
  g_test_add_func ("/Gopod/Select/uniform/try-mixed", test_uniform_choice_try);
  g_test_add_func ("/Gopod/Select/wait/woken-by-send", test_wait_woken_by_send);
  g_test_add_func ("/Gopod/Select/wait/send-meets-receiver", test_wait_send_meets_receiver);
  g_test_add_func ("/Gopod/Select/wait/never-meets-itself", test_never_meets_itself);
  g_test_add_func ("/Gopod/Select/case/timeout", test_timeout_case);
  g_test_add_func ("/Gopod/Select/case/cancelled", test_cancelled_case);
  g_test_add_func ("/Gopod/Select/case/closed", test_closed_cases);
  g_test_add_func ("/Gopod/Select/wait/cancelled", test_wait_cancelled);
  g_test_add_func ("/Gopod/Select/set-value-reuse", test_set_value_reuse);
  g_test_add_data_func ("/Gopod/Select/race/select-meets-select", GUINT_TO_POINTER (0),
                        test_select_meets_select_with_cancels);
  /* Channels with a ring: waiters are told to look again, and pass it on. */
  g_test_add_data_func ("/Gopod/Select/race/select-meets-select/buffered", GUINT_TO_POINTER (1),
                        test_select_meets_select_with_cancels);
  g_test_add_func ("/Gopod/Select/async/callers-context", test_async_on_callers_context);
  g_test_add_func ("/Gopod/Select/async/timeout-and-cancelled", test_async_timeout_and_cancelled);
  g_test_add_func ("/Gopod/Select/async/happened-then-cancelled", test_async_happened_then_cancelled);
  g_test_add_func ("/Gopod/Select/async/told-then-cancelled", test_async_told_then_cancelled);
  g_test_add_func ("/Gopod/Select/bad-input", test_bad_input);

  return g_test_run ();
}
