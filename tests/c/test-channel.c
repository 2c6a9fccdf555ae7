/* test-channel.c: GopodChannel keeps Go's channel semantics across threads
 * and main loops
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-utils.h"

#include "gopod-channel-ring-private.h"

#include <pthread.h>

/* --- helpers --- */

/* One blocking operation in a thread of its own, watched through its
 * cancellable: test_wait_until_watched() returns once it really blocks. */
typedef struct
{
  GopodChannel *channel;
  GCancellable *cancellable;
  gboolean      send;
  gint          value;       /* to send, or received */
  gboolean      ok;          /* atomic once done */
  gint          done;        /* atomic */
  GError       *error;
  GThread      *thread;
} Op;

static gpointer
op_thread (gpointer data)
{
  Op *op = data;
  gboolean ok;

  if (op->send)
    ok = gopod_channel_send_int (op->channel, op->value, op->cancellable, &op->error);
  else
    ok = gopod_channel_receive_int (op->channel, &op->value, op->cancellable, &op->error);
  op->ok = ok;
  g_atomic_int_set (&op->done, TRUE);
  return NULL;
}

/* Starts a send (or receive) of @value and returns once it blocks. */
static Op *
op_start_blocked (GopodChannel *channel,
                  gboolean      send,
                  gint          value)
{
  Op *op = g_new0 (Op, 1);

  op->channel = g_object_ref (channel);
  op->cancellable = g_cancellable_new ();
  op->send = send;
  op->value = value;
  op->thread = g_thread_new ("op", op_thread, op);
  test_wait_until_watched (op->cancellable);
  return op;
}

static void
op_join (Op *op)
{
  g_thread_join (op->thread);
}

/* Joins @op, failing the test instead of hanging if it does not end within
 * @timeout_ms (a safety bound: nothing is ordered by it). */
static void
op_join_within (Op    *op,
                guint  timeout_ms)
{
  g_assert_true (test_poll_until (test_flag_is_set, &op->done, timeout_ms));
  op_join (op);
}

static void
op_free (Op *op)
{
  g_clear_error (&op->error);
  g_object_unref (op->cancellable);
  g_object_unref (op->channel);
  g_free (op);
}

static gboolean
try_send_int (GopodChannel *channel,
              gint          value,
              GError      **error)
{
  GValue v = G_VALUE_INIT;
  gboolean sent;

  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, value);
  sent = gopod_channel_try_send (channel, &v, error);
  g_value_unset (&v);
  return sent;
}

static void
assert_would_block_receive (GopodChannel *channel)
{
  GValue v = G_VALUE_INIT;
  GError *error = NULL;

  g_assert_false (gopod_channel_try_receive (channel, &v, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_error_free (error);
  /* Still a valid value (bindings read it): the element type's default. */
  g_assert_true (G_VALUE_TYPE (&v) == gopod_channel_get_element_type (channel));
  g_assert_cmpint (g_value_get_int (&v), ==, 0);
}

static gint
receive_int_now (GopodChannel *channel)
{
  GValue v = G_VALUE_INIT;
  GError *error = NULL;
  gint value;

  g_assert_true (gopod_channel_try_receive (channel, &v, &error));
  g_assert_no_error (error);
  value = g_value_get_int (&v);
  g_value_unset (&v);
  return value;
}

static void
assert_closed_receive (GopodChannel *channel)
{
  GError *error = NULL;
  gint value = -1;

  g_assert_false (gopod_channel_receive_int (channel, &value, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_assert_cmpint (value, ==, 0);
  g_error_free (error);
}

/* --- unbuffered --- */

static void
test_unbuffered_handoff (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  GError *error = NULL;
  gint value = 0;
  Op *op;

  g_test_summary ("An unbuffered send completes only when a receiver has the value");

  op = op_start_blocked (channel, TRUE, 42);
  /* Blocked, with nothing buffered: the value is still the sender's. */
  g_assert_false (g_atomic_int_get (&op->done));
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 0);

  g_assert_true (gopod_channel_receive_int (channel, &value, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 42);
  op_join (op);
  g_assert_true (op->ok);
  g_assert_no_error (op->error);
  op_free (op);
}

static void
test_unbuffered_receiver_first (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  GError *error = NULL;
  Op *op;

  op = op_start_blocked (channel, FALSE, 0);
  /* A waiting receiver is what lets a try_send through. */
  g_assert_true (try_send_int (channel, 7, &error));
  g_assert_no_error (error);
  op_join (op);
  g_assert_true (op->ok);
  g_assert_cmpint (op->value, ==, 7);
  op_free (op);
}

static void
test_unbuffered_try_would_block (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  GError *error = NULL;

  g_test_summary ("Go's deadlock example: a send nobody receives would block");

  g_assert_false (try_send_int (channel, 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  assert_would_block_receive (channel);
  g_assert_cmpuint (gopod_channel_get_capacity (channel), ==, 0);
}

/* --- buffered --- */

static void
test_buffered_holds_n (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 3);
  GError *error = NULL;
  gint i;

  for (i = 0; i < 3; i++)
    {
      g_assert_true (try_send_int (channel, i, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 3);
  g_assert_false (try_send_int (channel, 3, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  for (i = 0; i < 3; i++)
    g_assert_cmpint (receive_int_now (channel), ==, i);
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 0);
  assert_would_block_receive (channel);
}

static void
test_buffered_blocked_sender_keeps_order (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);
  Op *op;

  g_assert_true (try_send_int (channel, 1, NULL));
  op = op_start_blocked (channel, TRUE, 2);
  g_assert_false (g_atomic_int_get (&op->done));

  /* Taking the buffered value lets the blocked one in behind it. */
  g_assert_cmpint (receive_int_now (channel), ==, 1);
  op_join (op);
  g_assert_true (op->ok);
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 1);
  g_assert_cmpint (receive_int_now (channel), ==, 2);
  op_free (op);
}

static void
test_unbounded (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, GOPOD_CHANNEL_UNBOUNDED);
  gint i;

  for (i = 0; i < 10000; i++)
    g_assert_true (try_send_int (channel, i, NULL));
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 10000);
  for (i = 0; i < 10000; i++)
    g_assert_cmpint (receive_int_now (channel), ==, i);
}

typedef struct
{
  GopodChannel *channel;
  gint          n;
} Producer;

static gpointer
produce_then_close (gpointer data)
{
  Producer *p = data;
  gint i;

  for (i = 0; i < p->n; i++)
    g_assert_true (gopod_channel_send_int (p->channel, i, NULL, NULL));
  gopod_channel_close (p->channel);
  return NULL;
}

static void
test_fifo_across_threads (gconstpointer data)
{
  guint capacity = GPOINTER_TO_UINT (data);
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, capacity);
  Producer p = { channel, 20000 };
  GThread *thread = g_thread_new ("producer", produce_then_close, &p);
  GError *error = NULL;
  gint expected = 0;
  gint value;

  g_test_summary ("Values arrive in the order sent; close ends a range loop");

  while (gopod_channel_receive_int (channel, &value, NULL, &error))
    g_assert_cmpint (value, ==, expected++);
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_error_free (error);
  g_assert_cmpint (expected, ==, p.n);
  g_thread_join (thread);
}

/* --- close --- */

static void
test_close_drains_then_fails (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 2);
  GError *error = NULL;

  g_assert_true (try_send_int (channel, 1, NULL));
  g_assert_true (try_send_int (channel, 2, NULL));
  g_assert_false (gopod_channel_get_closed (channel));
  gopod_channel_close (channel);
  g_assert_true (gopod_channel_get_closed (channel));

  g_assert_false (gopod_channel_send_int (channel, 3, NULL, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (try_send_int (channel, 3, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_clear_error (&error);

  g_assert_cmpint (receive_int_now (channel), ==, 1);
  g_assert_cmpint (receive_int_now (channel), ==, 2);
  assert_closed_receive (channel);
  g_assert_false (gopod_channel_try_receive (channel, &(GValue) G_VALUE_INIT, &error));
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  g_clear_error (&error);
}

static void
test_close_wakes_blocked (gconstpointer data)
{
  gboolean send = GPOINTER_TO_INT (data);
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  Op *op = op_start_blocked (channel, send, 5);

  gopod_channel_close (channel);
  op_join (op);
  g_assert_false (op->ok);
  g_assert_error (op->error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  /* A woken sender's value was not sent. */
  assert_closed_receive (channel);
  op_free (op);
}

static void
test_close_twice (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);

  g_assert_true (try_send_int (channel, 1, NULL));
  gopod_channel_close (channel);
  EXPECT_CRITICAL ("*already closed*", gopod_channel_close (channel));
  /* No harm: what was buffered is still there. */
  g_assert_cmpint (receive_int_now (channel), ==, 1);
}

/* --- values --- */

static void
test_dropped_values_freed (void)
{
  GopodChannel *channel = gopod_channel_new (G_TYPE_OBJECT, 4);
  GObject *objects[3];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      objects[i] = g_object_new (G_TYPE_OBJECT, NULL);
      g_object_add_weak_pointer (objects[i], (gpointer *) &objects[i]);
      g_assert_true (gopod_channel_send_object (channel, objects[i], NULL, NULL));
      g_object_unref (objects[i]);
      g_assert_nonnull (objects[i]);  /* the channel's reference */
    }
  g_object_unref (channel);
  for (i = 0; i < G_N_ELEMENTS (objects); i++)
    g_assert_null (objects[i]);
}

static void
test_typed_values (void)
{
  g_autoptr(GopodChannel) strings = gopod_channel_new (G_TYPE_STRING, 2);
  g_autoptr(GopodChannel) pointers = gopod_channel_new (G_TYPE_POINTER, 1);
  g_autoptr(GopodChannel) int64s = gopod_channel_new (G_TYPE_INT64, 1);
  g_autofree char *s = NULL;
  gpointer p = NULL;
  GValue v = G_VALUE_INIT;

  g_assert_true (gopod_channel_send_string (strings, "hello", NULL, NULL));
  g_assert_true (gopod_channel_receive_string (strings, &s, NULL, NULL));
  g_assert_cmpstr (s, ==, "hello");

  g_assert_true (gopod_channel_send_pointer (pointers, &v, NULL, NULL));
  g_assert_true (gopod_channel_receive_pointer (pointers, &p, NULL, NULL));
  g_assert_true (p == &v);

  /* An int goes into an int64 channel by g_value_transform(), as a Python
   * int goes into an int channel. */
  g_assert_true (gopod_channel_send_int (int64s, -3, NULL, NULL));
  g_assert_true (gopod_channel_receive (int64s, &v, NULL, NULL));
  g_assert_true (G_VALUE_HOLDS_INT64 (&v));
  g_assert_cmpint (g_value_get_int64 (&v), ==, -3);
  /* A value given back to an initialised GValue replaces what it held. */
  g_assert_true (gopod_channel_send_int (int64s, 4, NULL, NULL));
  g_assert_true (gopod_channel_receive (int64s, &v, NULL, NULL));
  g_assert_cmpint (g_value_get_int64 (&v), ==, 4);
  g_value_unset (&v);
  g_assert_true (gopod_channel_get_element_type (int64s) == G_TYPE_INT64);
}

/* A NULL G_TYPE_POINTER (a JavaScript null, as GJS passes it) is the NULL
 * of a string, object or boxed channel; a pointer that is not NULL, or a
 * NULL for a type without one, is still refused. */
static void
test_null_pointer_value (void)
{
  g_autoptr(GopodChannel) strings = gopod_channel_new (G_TYPE_STRING, 1);
  g_autoptr(GopodChannel) objects = gopod_channel_new (G_TYPE_CANCELLABLE, 1);
  g_autoptr(GopodChannel) ints = gopod_channel_new (G_TYPE_INT, 1);
  GValue null_pointer = G_VALUE_INIT, pointer = G_VALUE_INIT, v = G_VALUE_INIT;

  g_value_init (&null_pointer, G_TYPE_POINTER);
  g_value_init (&pointer, G_TYPE_POINTER);
  g_value_set_pointer (&pointer, &v);

  g_assert_true (gopod_channel_try_send (strings, &null_pointer, NULL));
  g_assert_true (gopod_channel_try_receive (strings, &v, NULL));
  g_assert_true (G_VALUE_HOLDS_STRING (&v));
  g_assert_null (g_value_get_string (&v));
  g_value_unset (&v);
  g_assert_true (gopod_channel_try_send (objects, &null_pointer, NULL));
  g_assert_true (gopod_channel_try_receive (objects, &v, NULL));
  g_assert_true (G_VALUE_HOLDS (&v, G_TYPE_CANCELLABLE));
  g_assert_null (g_value_get_object (&v));
  g_value_unset (&v);

  EXPECT_CRITICAL ("*gpointer cannot go into a channel of gchararray*",
                   g_assert_false (gopod_channel_try_send (strings, &pointer, NULL)));
  EXPECT_CRITICAL ("*gpointer cannot go into a channel of gint*",
                   g_assert_false (gopod_channel_try_send (ints, &null_pointer, NULL)));
  g_assert_cmpuint (gopod_channel_get_length (strings), ==, 0);
  g_assert_cmpuint (gopod_channel_get_length (ints), ==, 0);
}

static void
test_unconvertible_value (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_OBJECT);
  EXPECT_CRITICAL ("*GObject cannot go into a channel of gint*",
                   g_assert_false (gopod_channel_try_send (channel, &v, NULL)));
  EXPECT_CRITICAL ("*cannot go into*",
                   g_assert_false (gopod_channel_send (channel, &v, NULL, NULL)));
  EXPECT_CRITICAL ("*cannot go into*",
                   gopod_channel_send_async (channel, &v, NULL, NULL, NULL));
  {
    /* The callback still runs, with an error: a promise made of the call
     * (GJS) settles instead of waiting for ever. */
    GAsyncResult *result = NULL;
    GError *error = NULL;

    EXPECT_CRITICAL ("*cannot go into*",
                     gopod_channel_send_async (channel, &v, NULL, test_store_result, &result));
    test_wait_for_result (NULL, &result, 10000);
    g_assert_false (gopod_channel_send_finish (channel, result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_object_unref (result);
  }
  g_value_unset (&v);
  /* No harm: nothing went in, the channel works. */
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 0);
  g_assert_true (try_send_int (channel, 1, NULL));
  g_assert_cmpint (receive_int_now (channel), ==, 1);
}

/* An object of another class is refused, not turned into NULL (GObject's
 * object-to-object transform does that) and sent. */
static void
test_object_of_another_class (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_SIMPLE_ACTION, 1);
  g_autoptr(GCancellable) wrong = g_cancellable_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("a", NULL);
  g_autoptr(GError) error = NULL;
  gpointer got = NULL;

  EXPECT_CRITICAL ("*GCancellable cannot go into a channel of GSimpleAction*",
                   g_assert_false (gopod_channel_send_object (channel, wrong, NULL, &error)));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 0);
  /* NULL and an instance still go in. */
  g_assert_true (gopod_channel_send_object (channel, NULL, NULL, NULL));
  g_assert_true (gopod_channel_receive_object (channel, &got, NULL, NULL));
  g_assert_null (got);
  g_assert_true (gopod_channel_send_object (channel, action, NULL, NULL));
  g_assert_true (gopod_channel_receive_object (channel, &got, NULL, NULL));
  g_assert_true (got == (gpointer) action);
  g_object_unref (got);
}

/* --- cancellation --- */

static void
test_cancel_blocked (gconstpointer data)
{
  gboolean send = GPOINTER_TO_INT (data);
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  Op *op = op_start_blocked (channel, send, 9);

  g_cancellable_cancel (op->cancellable);
  op_join (op);
  g_assert_false (op->ok);
  g_assert_error (op->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The cancelled sender sent nothing; the cancelled receiver waits no more. */
  assert_would_block_receive (channel);
  g_assert_false (try_send_int (channel, 1, NULL));
  op_free (op);
}

static void
test_cancelled_before (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;
  gint value;

  g_cancellable_cancel (cancellable);
  g_assert_false (gopod_channel_send_int (channel, 1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 0);

  g_assert_true (try_send_int (channel, 2, NULL));
  g_assert_false (gopod_channel_receive_int (channel, &value, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 1);
}

/*
 * Sends and receives race their cancellation, many rounds: each value is
 * either sent (and then received exactly once) or not sent at all.
 */
typedef struct
{
  GopodChannel *channel;
  gint          rounds;
  gint          stop;            /* atomic */
  GCancellable *current[2];      /* sender's, receiver's; under lock */
  GMutex        lock;
  gint64        sent_sum, received_sum;
  gint          sent_count, received_count;
} CancelRace;

static GCancellable *
race_new_cancellable (CancelRace *race,
                      guint       side)
{
  GCancellable *cancellable = g_cancellable_new ();

  g_mutex_lock (&race->lock);
  g_set_object (&race->current[side], cancellable);
  g_mutex_unlock (&race->lock);
  return cancellable;
}

static gpointer
race_sender (gpointer data)
{
  CancelRace *race = data;
  gint i;

  for (i = 1; i <= race->rounds; i++)
    {
      g_autoptr(GCancellable) cancellable = race_new_cancellable (race, 0);

      if (gopod_channel_send_int (race->channel, i, cancellable, NULL))
        {
          race->sent_sum += i;
          race->sent_count++;
        }
    }
  gopod_channel_close (race->channel);
  return NULL;
}

static gpointer
race_receiver (gpointer data)
{
  CancelRace *race = data;

  for (;;)
    {
      g_autoptr(GCancellable) cancellable = race_new_cancellable (race, 1);
      GError *error = NULL;
      gint value;

      if (gopod_channel_receive_int (race->channel, &value, cancellable, &error))
        {
          race->received_sum += value;
          race->received_count++;
          continue;
        }
      if (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED))
        {
          g_error_free (error);
          break;
        }
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_error_free (error);
    }
  g_atomic_int_set (&race->stop, TRUE);
  return NULL;
}

static gpointer
race_canceller (gpointer data)
{
  CancelRace *race = data;
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  while (!g_atomic_int_get (&race->stop))
    {
      GCancellable *victim;

      g_mutex_lock (&race->lock);
      victim = race->current[g_rand_int_range (rand, 0, 2)];
      victim = victim != NULL ? g_object_ref (victim) : NULL;
      g_mutex_unlock (&race->lock);
      if (victim != NULL)
        {
          g_cancellable_cancel (victim);
          g_object_unref (victim);
        }
      g_thread_yield ();
    }
  g_rand_free (rand);
  return NULL;
}

static void
test_cancel_race (gconstpointer data)
{
  CancelRace race = { 0, };
  GThread *threads[3];
  guint i;

  g_test_summary ("Cancelling loses nothing and duplicates nothing");

  race.channel = gopod_channel_new (G_TYPE_INT, GPOINTER_TO_UINT (data));
  race.rounds = 20000;
  g_mutex_init (&race.lock);
  threads[0] = g_thread_new ("sender", race_sender, &race);
  threads[1] = g_thread_new ("receiver", race_receiver, &race);
  threads[2] = g_thread_new ("canceller", race_canceller, &race);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (race.received_count, ==, race.sent_count);
  g_assert_cmpint (race.received_sum, ==, race.sent_sum);
  g_test_message ("%d of %d sends went through", race.sent_count, race.rounds);

  g_clear_object (&race.current[0]);
  g_clear_object (&race.current[1]);
  g_mutex_clear (&race.lock);
  g_object_unref (race.channel);
}

/* --- async --- */

typedef struct
{
  TestCaller    caller;
  gboolean      done;
  gboolean      ok;
  GError       *error;
  GValue        value;
} AsyncResult;

static void
async_received (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  AsyncResult *r = data;

  test_caller_assert_current (&r->caller);
  r->ok = gopod_channel_receive_finish (GOPOD_CHANNEL (source), result, &r->value, &r->error);
  r->done = TRUE;
}

static void
async_sent (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  AsyncResult *r = data;

  test_caller_assert_current (&r->caller);
  r->ok = gopod_channel_send_finish (GOPOD_CHANNEL (source), result, &r->error);
  r->done = TRUE;
}

static void
async_result_init (AsyncResult *r)
{
  memset (r, 0, sizeof *r);
  test_caller_push (&r->caller);
}

static void
async_result_clear (AsyncResult *r)
{
  test_caller_pop (&r->caller);
  g_clear_error (&r->error);
  if (G_IS_VALUE (&r->value))
    g_value_unset (&r->value);
}

static gpointer
send_41 (gpointer data)
{
  g_assert_true (gopod_channel_send_int (data, 41, NULL, NULL));
  return NULL;
}

static void
test_async_receive_on_callers_context (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncResult r;
  GThread *thread;

  g_test_summary ("An async receive completes on the caller's context when another thread sends");

  async_result_init (&r);
  gopod_channel_receive_async (channel, cancellable, async_received, &r);
  /* The waiting receiver is what a thread's send meets. */
  thread = g_thread_new ("sender", send_41, channel);
  test_iterate_until (r.caller.context, &r.done, 10000);
  g_thread_join (thread);
  g_assert_true (r.ok);
  g_assert_no_error (r.error);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 41);
  async_result_clear (&r);
}

static void
test_async_taken_then_cancelled (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncResult r;

  g_test_summary ("A value received before the cancellable fired is delivered, not dropped");

  async_result_init (&r);
  gopod_channel_receive_async (channel, cancellable, async_received, &r);
  /* The send returns once the receive took the value... */
  g_thread_join (g_thread_new ("sender", send_41, channel));
  /* ...so this cancel comes too late to undo it. */
  g_cancellable_cancel (cancellable);
  test_iterate_until (r.caller.context, &r.done, 10000);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 41);
  async_result_clear (&r);
}

static void
test_async_told_then_cancelled (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncResult r;
  Op *second;

  g_test_summary ("A receiver told of a value that then finds itself cancelled passes "
                  "the wake on to the next one");

  async_result_init (&r);
  gopod_channel_receive_async (channel, cancellable, async_received, &r);
  second = op_start_blocked (channel, FALSE, 0);
  /* The cancel reaches the async wait only when its context runs: the
   * send tells it first, and it finds itself cancelled then. */
  g_cancellable_cancel (cancellable);
  g_assert_true (try_send_int (channel, 41, NULL));
  op_join_within (second, 10000);
  g_assert_true (second->ok);
  g_assert_cmpint (second->value, ==, 41);
  test_iterate_until (r.caller.context, &r.done, 10000);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  op_free (second);
  async_result_clear (&r);
}

/* Holds the first send that reaches the hook between its claim and its
 * fill, until released. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  GThread *held;      /* the send held */
  gboolean claimed;
  gboolean release;
} SendGate;

static void
send_gate_hook (gpointer data)
{
  SendGate *gate = data;

  g_mutex_lock (&gate->lock);
  if (gate->held == NULL)
    {
      gate->held = g_thread_self ();
      gate->claimed = TRUE;
      g_cond_broadcast (&gate->cond);
      while (!gate->release)
        g_cond_wait (&gate->cond, &gate->lock);
    }
  g_mutex_unlock (&gate->lock);
}

static gpointer
send_7 (gpointer data)
{
  g_assert_true (try_send_int (data, 7, NULL));
  return NULL;
}

static void
test_published_out_of_order (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SendGate gate = { 0, };
  GThread *held_sender;
  AsyncResult first;
  Op *second;

  g_test_summary ("A value published after a later one still reaches a waiting receiver: "
                  "the receiver woken for the earlier cell passes the wake on");

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  async_result_init (&first);
  /* Two receivers wait, the async one first. */
  gopod_channel_receive_async (channel, cancellable, async_received, &first);
  second = op_start_blocked (channel, FALSE, 0);

  /* A send claims the first cell and is held before filling it. */
  gopod_channel_ring_set_test_hook (send_gate_hook, &gate);
  held_sender = g_thread_new ("held sender", send_7, channel);
  g_mutex_lock (&gate.lock);
  while (!gate.claimed)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);

  /* The second cell is filled first: the async receiver is told, finds the
   * first cell still empty, and waits again, behind the blocked one (its
   * completion runs in this thread, within the send). */
  g_assert_true (try_send_int (channel, 8, NULL));
  g_assert_false (first.done);

  /* The first cell is filled: the blocked receiver is told and takes 7; the
   * 8 must reach the async one. */
  g_mutex_lock (&gate.lock);
  gate.release = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
  g_thread_join (held_sender);
  gopod_channel_ring_set_test_hook (NULL, NULL);

  op_join_within (second, 10000);
  g_assert_true (second->ok);
  g_assert_cmpint (second->value, ==, 7);
  test_iterate_until (first.caller.context, &first.done, 10000);
  g_assert_true (first.ok);
  g_assert_cmpint (g_value_get_int (&first.value), ==, 8);

  op_free (second);
  async_result_clear (&first);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

/* Async receivers that are told of one value each in turn (rule C10.4):
 * each completion runs in the thread that told it. */
#define CHAIN_N GOPOD_CHANNEL_RING_MAX_CAPACITY
/* Far more than a wake's few frames, far less than CHAIN_N of them. */
#define CHAIN_STACK (256 * 1024)

typedef struct
{
  gint  n_received;
  gint  sum;
  guint seen[CHAIN_N / 32];
} ChainCount;

static void
chain_received (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  ChainCount *count = data;
  GValue value = G_VALUE_INIT;
  gint v;

  g_assert_true (gopod_channel_receive_finish (GOPOD_CHANNEL (source), result, &value, NULL));
  v = g_value_get_int (&value);
  g_assert_cmpint (v, >=, 0);
  g_assert_cmpint (v, <, CHAIN_N);
  /* Each value once. */
  g_assert_false (count->seen[v / 32] & (1u << (v % 32)));
  count->seen[v / 32] |= 1u << (v % 32);
  count->n_received++;
  count->sum += v;
}

static gboolean
chain_all_received (gpointer data)
{
  return ((ChainCount *) data)->n_received == CHAIN_N;
}

static gpointer
send_0 (gpointer data)
{
  g_assert_true (try_send_int (data, 0, NULL));
  return NULL;
}

static void *
send_0_pthread (void *data)
{
  return send_0 (data);
}

static void
test_async_pass_on_chain (void)
{
  GopodChannel *channel;
  SendGate gate = { 0, };
  ChainCount count = { 0, };
  pthread_attr_t attr;
  pthread_t held_sender;
  gint i;

  g_test_summary ("Async receivers told of a full ring one after another, each by the one "
                  "before, are completed one after another, not each inside the last");

  if (!g_test_subprocess ())
    {
      /* A stack overflow is a crash: the child's. */
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  channel = gopod_channel_new (G_TYPE_INT, CHAIN_N);
  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  for (i = 0; i < CHAIN_N; i++)
    gopod_channel_receive_async (channel, NULL, chain_received, &count);

  /* A send claims the first cell and is held there, in a thread with a
   * small stack (a thread pool's may be smaller still). */
  gopod_channel_ring_set_test_hook (send_gate_hook, &gate);
  g_assert_cmpint (pthread_attr_init (&attr), ==, 0);
  g_assert_cmpint (pthread_attr_setstacksize (&attr, CHAIN_STACK), ==, 0);
  g_assert_cmpint (pthread_create (&held_sender, &attr, send_0_pthread, channel), ==, 0);
  pthread_attr_destroy (&attr);
  g_mutex_lock (&gate.lock);
  while (!gate.claimed)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);

  /* Every other cell is filled: each send tells one receiver, which finds
   * the first cell empty and waits again. */
  for (i = 1; i < CHAIN_N; i++)
    g_assert_true (try_send_int (channel, i, NULL));
  g_assert_cmpint (count.n_received, ==, 0);

  /* The first cell is filled: the receiver told takes it and tells the
   * next, which takes the second and tells the next, and so on. */
  g_mutex_lock (&gate.lock);
  gate.release = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
  g_assert_cmpint (pthread_join (held_sender, NULL), ==, 0);
  gopod_channel_ring_set_test_hook (NULL, NULL);

  test_iterate_until_holds (NULL, chain_all_received, &count, 10000);
  g_assert_cmpint (count.sum, ==, CHAIN_N * (CHAIN_N - 1) / 2);
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 0);

  g_object_unref (channel);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

static gpointer
receive_expect_41 (gpointer data)
{
  gint value = 0;

  g_assert_true (gopod_channel_receive_int (data, &value, NULL, NULL));
  g_assert_cmpint (value, ==, 41);
  return NULL;
}

static void
test_async_send_on_callers_context (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  GValue v = G_VALUE_INIT;
  AsyncResult r;
  GThread *thread;

  async_result_init (&r);
  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 41);
  gopod_channel_send_async (channel, &v, NULL, async_sent, &r);
  g_value_unset (&v);
  thread = g_thread_new ("receiver", receive_expect_41, channel);
  test_iterate_until (r.caller.context, &r.done, 10000);
  g_thread_join (thread);
  g_assert_true (r.ok);
  g_assert_no_error (r.error);
  async_result_clear (&r);
}

static void
test_async_ready_now (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);
  GValue v = G_VALUE_INIT;
  AsyncResult r;

  async_result_init (&r);
  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 8);
  gopod_channel_send_async (channel, &v, NULL, async_sent, &r);
  g_value_unset (&v);
  /* Never from inside the call, even when it completes at once. */
  g_assert_false (r.done);
  test_iterate_until (r.caller.context, &r.done, 10000);
  g_assert_true (r.ok);

  r.done = FALSE;
  gopod_channel_receive_async (channel, NULL, async_received, &r);
  g_assert_false (r.done);
  test_iterate_until (r.caller.context, &r.done, 10000);
  g_assert_true (r.ok);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 8);

  r.done = FALSE;
  gopod_channel_close (channel);
  gopod_channel_receive_async (channel, NULL, async_received, &r);
  test_iterate_until (r.caller.context, &r.done, 10000);
  g_assert_false (r.ok);
  g_assert_error (r.error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
  async_result_clear (&r);
}

static void
test_async_cancelled_takes_nothing (gconstpointer data)
{
  gboolean send = GPOINTER_TO_INT (data);
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GValue v = G_VALUE_INIT;
  AsyncResult r;

  async_result_init (&r);
  g_value_init (&v, G_TYPE_INT);
  if (send)
    gopod_channel_send_async (channel, &v, cancellable, async_sent, &r);
  else
    gopod_channel_receive_async (channel, cancellable, async_received, &r);
  g_cancellable_cancel (cancellable);
  test_iterate_until (r.caller.context, &r.done, 10000);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Nothing waits in the channel any more, and nothing was sent. */
  assert_would_block_receive (channel);
  g_assert_false (gopod_channel_try_send (channel, &v, NULL));
  g_value_unset (&v);
  async_result_clear (&r);
}

/* --- timers and tickers --- */

static void
test_timer_fires (void)
{
  gint64 before = g_get_monotonic_time ();
  g_autoptr(GopodChannel) timer = gopod_channel_new_timer (5);
  GValue v = G_VALUE_INIT;

  g_assert_true (gopod_channel_get_element_type (timer) == G_TYPE_INT64);
  g_assert_cmpuint (gopod_channel_get_capacity (timer), ==, 1);
  g_assert_true (gopod_channel_receive (timer, &v, NULL, NULL));
  /* The monotonic time when it fired: after the timer was made. */
  g_assert_cmpint (g_value_get_int64 (&v), >=, before);
  g_value_unset (&v);
  gopod_channel_close (timer);
  assert_closed_receive (timer);
}

static void
test_timer_stopped (void)
{
  g_autoptr(GopodChannel) timer = gopod_channel_new_timer (G_MAXUINT);

  g_test_summary ("Closing a timer stops it: its receivers end at once");

  gopod_channel_close (timer);
  assert_closed_receive (timer);
}

static void
test_ticker (void)
{
  g_autoptr(GopodChannel) ticker = gopod_channel_new_ticker (1);
  gint64 last = 0;
  guint i;

  for (i = 0; i < 3; i++)
    {
      GValue v = G_VALUE_INIT;

      g_assert_true (gopod_channel_receive (ticker, &v, NULL, NULL));
      g_assert_cmpint (g_value_get_int64 (&v), >, last);
      last = g_value_get_int64 (&v);
      /* Never more than one tick waits: missed ones are dropped. */
      g_assert_cmpuint (gopod_channel_get_length (ticker), <=, 1);
    }
  gopod_channel_close (ticker);
  /* A tick buffered before the close may still be read; then it ends. */
  if (gopod_channel_get_length (ticker) == 1)
    g_assert_true (gopod_channel_try_receive (ticker, &(GValue) G_VALUE_INIT, NULL));
  assert_closed_receive (ticker);
}

static void
test_ticker_dropped_without_close (void)
{
  GopodChannel *ticker = gopod_channel_new_ticker (1);
  GopodChannel *timer = gopod_channel_new_timer (1);

  g_object_add_weak_pointer (G_OBJECT (ticker), (gpointer *) &ticker);
  g_object_add_weak_pointer (G_OBJECT (timer), (gpointer *) &timer);
  /* The timer thread holds no reference: dropping them stops them. */
  g_object_unref (ticker);
  g_object_unref (timer);
  g_assert_null (ticker);
  g_assert_null (timer);
}

/* --- notifications --- */

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  g_assert_true (g_main_context_is_owner (g_main_context_get_thread_default ()));
  (*(guint *) data)++;
}

static gpointer
send_many (gpointer data)
{
  gint i;

  for (i = 0; i < 1000; i++)
    g_assert_true (gopod_channel_send_int (data, i, NULL, NULL));
  return NULL;
}

static void
test_notify_on_creation_context (void)
{
  GMainContext *context = g_main_context_new ();
  GopodChannel *channel;
  guint n_length = 0, n_closed = 0;

  g_test_summary ("length and closed are notified on the creation context, coalesced");

  g_main_context_push_thread_default (context);
  channel = gopod_channel_new (G_TYPE_INT, GOPOD_CHANNEL_UNBOUNDED);
  g_signal_connect (channel, "notify::length", G_CALLBACK (count_notify), &n_length);
  g_signal_connect (channel, "notify::closed", G_CALLBACK (count_notify), &n_closed);

  g_thread_join (g_thread_new ("sender", send_many, channel));
  g_assert_cmpuint (n_length, ==, 0);  /* not on the sending thread */
  while (g_main_context_iteration (context, FALSE))
    ;
  /* A thousand changes before the context ran: one notification. */
  g_assert_cmpuint (n_length, ==, 1);

  gopod_channel_close (channel);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (n_closed, ==, 1);

  g_object_unref (channel);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* --- bad input --- */

#define FAILED(func, expr) #func ": assertion '" expr "' failed"
/* For checks whose macros the critical shows expanded. */
#define FAILED_ANY(func) #func ": assertion *failed"

static void
test_bad_input (void)
{
  g_autoptr(GopodChannel) channel = gopod_channel_new (G_TYPE_INT, 1);
  g_autoptr(GParamSpec) pspec = g_param_spec_ref_sink (g_param_spec_int ("i", NULL, NULL, 0, 1, 0, 0));
  GValue v = G_VALUE_INIT;
  GValue empty = G_VALUE_INIT;
  gint i;
  char *s;
  gpointer p;

  g_value_init (&v, G_TYPE_INT);
  EXPECT_CRITICAL (FAILED_ANY (gopod_channel_new),
                   g_assert_null (gopod_channel_new (G_TYPE_NONE, 0)));
  EXPECT_CRITICAL ("*not a type a GValue holds*",
                   g_object_unref (g_object_new (GOPOD_TYPE_CHANNEL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_new_ticker, "interval_ms > 0"),
                   g_assert_null (gopod_channel_new_ticker (0)));
  EXPECT_CRITICAL (FAILED (gopod_channel_send, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_send (NULL, &v, NULL, NULL)));
  EXPECT_CRITICAL (FAILED_ANY (gopod_channel_send),
                   g_assert_false (gopod_channel_send (channel, &empty, NULL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_receive, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_receive (NULL, &v, NULL, NULL)));
  EXPECT_CRITICAL (FAILED_ANY (gopod_channel_receive),
                   g_assert_false (gopod_channel_receive (channel, NULL, NULL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_try_send, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_try_send (NULL, &v, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_try_receive, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_try_receive (NULL, &v, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_send_async, "GOPOD_IS_CHANNEL (self)"),
                   gopod_channel_send_async (NULL, &v, NULL, NULL, NULL));
  EXPECT_CRITICAL (FAILED (gopod_channel_receive_async, "GOPOD_IS_CHANNEL (self)"),
                   gopod_channel_receive_async (NULL, NULL, NULL, NULL));
  EXPECT_CRITICAL (FAILED (gopod_channel_send_finish, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_send_finish (NULL, NULL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_receive_finish, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_receive_finish (NULL, NULL, &v, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_close, "GOPOD_IS_CHANNEL (self)"),
                   gopod_channel_close (NULL));
  EXPECT_CRITICAL (FAILED (gopod_channel_get_length, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_cmpuint (gopod_channel_get_length (NULL), ==, 0));
  EXPECT_CRITICAL (FAILED (gopod_channel_get_closed, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_get_closed (NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_get_capacity, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_cmpuint (gopod_channel_get_capacity (NULL), ==, 0));
  EXPECT_CRITICAL (FAILED (gopod_channel_get_element_type, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_true (gopod_channel_get_element_type (NULL) == G_TYPE_INVALID));
  EXPECT_CRITICAL (FAILED (gopod_channel_send_int, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_send_int (NULL, 1, NULL, NULL)));
  EXPECT_CRITICAL (FAILED_ANY (gopod_channel_receive_int),
                   g_assert_false (gopod_channel_receive_int (channel, NULL, NULL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_send_string, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_send_string (NULL, "x", NULL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_receive_string, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_receive_string (NULL, &s, NULL, NULL)));
  EXPECT_CRITICAL (FAILED_ANY (gopod_channel_send_object),
                   g_assert_false (gopod_channel_send_object (channel, pspec, NULL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_receive_object, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_receive_object (NULL, &p, NULL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_send_pointer, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_send_pointer (NULL, NULL, NULL, NULL)));
  EXPECT_CRITICAL (FAILED (gopod_channel_receive_pointer, "GOPOD_IS_CHANNEL (self)"),
                   g_assert_false (gopod_channel_receive_pointer (NULL, &p, NULL, NULL)));
  /* A value that does not convert back: a critical and an error (a caller
   * that reads error->message on FALSE, as GLib's rule lets it, must not
   * crash), and nothing is taken from the channel. */
  g_assert_true (gopod_channel_send_int (channel, 3, NULL, NULL));
  {
    g_autoptr(GError) error = NULL;

    EXPECT_CRITICAL ("*gint from the channel is not a gpointer*",
                     g_assert_false (gopod_channel_receive_pointer (channel, &p, NULL, &error)));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
  g_assert_null (p);
  g_assert_cmpuint (gopod_channel_get_length (channel), ==, 1);
  g_assert_true (gopod_channel_receive_int (channel, &i, NULL, NULL));
  g_assert_cmpint (i, ==, 3);

  /* No harm done: the channel still works. */
  g_assert_true (gopod_channel_send_int (channel, 2, NULL, NULL));
  g_assert_true (gopod_channel_receive_int (channel, &i, NULL, NULL));
  g_assert_cmpint (i, ==, 2);
  g_value_unset (&v);
}

/* The timer's tick completes an async receive on the timer thread; the task
 * it answers may be the channel's last holder, and once the callback ran on
 * the caller's context the timer thread drops that task last. */
typedef struct
{
  gboolean received;
} TimerDropped;

static void
timer_dropped_received (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  TimerDropped *td = user_data;
  GValue value = G_VALUE_INIT;

  g_assert_true (gopod_channel_receive_finish (GOPOD_CHANNEL (source), result, &value, NULL));
  g_value_unset (&value);
  td->received = TRUE;
}

static void
test_timer_async_receive_last_reference (void)
{
  guint i;

  g_test_summary ("A timer whose only holder is the async receive its tick completes is "
                  "finalized wherever that task goes, without wedging the timer thread");
  /* Not ordered by a gate: the timer thread drops the task's last reference
   * only when the caller's context answered it first, and no hook sits
   * between the two. With the tick holding a lock across its send, a
   * 2-core machine wedged the timer thread within a few hundred rounds;
   * the next round's tick then never comes. */
  for (i = 0; i < 20000; i++)
    {
      GopodChannel *timer = gopod_channel_new_timer (0);
      TimerDropped td = { FALSE };

      gopod_channel_receive_async (timer, NULL, timer_dropped_received, &td);
      g_object_unref (timer);
      test_iterate_until (NULL, &td.received, 3000);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Channel/unbuffered/handoff", test_unbuffered_handoff);
  g_test_add_func ("/Gopod/Channel/unbuffered/receiver-first", test_unbuffered_receiver_first);
  g_test_add_func ("/Gopod/Channel/unbuffered/try-would-block", test_unbuffered_try_would_block);
  g_test_add_func ("/Gopod/Channel/buffered/holds-n", test_buffered_holds_n);
  g_test_add_func ("/Gopod/Channel/buffered/blocked-sender-keeps-order", test_buffered_blocked_sender_keeps_order);
  g_test_add_func ("/Gopod/Channel/unbounded", test_unbounded);
  g_test_add_data_func ("/Gopod/Channel/fifo/unbuffered", GUINT_TO_POINTER (0), test_fifo_across_threads);
  g_test_add_data_func ("/Gopod/Channel/fifo/buffered", GUINT_TO_POINTER (16), test_fifo_across_threads);
  /* A bound that is no power of two, and one of a single cell: the ring's
   * positions wrap on a division and on a doubled sequence number. */
  g_test_add_data_func ("/Gopod/Channel/fifo/buffered-3", GUINT_TO_POINTER (3), test_fifo_across_threads);
  g_test_add_data_func ("/Gopod/Channel/fifo/buffered-1", GUINT_TO_POINTER (1), test_fifo_across_threads);
  /* Beyond the ring's largest bound: the buffer under the lock. */
  g_test_add_data_func ("/Gopod/Channel/fifo/buffered-large", GUINT_TO_POINTER (100000), test_fifo_across_threads);
  g_test_add_func ("/Gopod/Channel/close/drains-then-fails", test_close_drains_then_fails);
  g_test_add_data_func ("/Gopod/Channel/close/wakes-sender", GINT_TO_POINTER (TRUE), test_close_wakes_blocked);
  g_test_add_data_func ("/Gopod/Channel/close/wakes-receiver", GINT_TO_POINTER (FALSE), test_close_wakes_blocked);
  g_test_add_func ("/Gopod/Channel/close/twice", test_close_twice);
  g_test_add_func ("/Gopod/Channel/values/dropped-freed", test_dropped_values_freed);
  g_test_add_func ("/Gopod/Channel/async/told-then-cancelled", test_async_told_then_cancelled);
  g_test_add_func ("/Gopod/Channel/buffered/published-out-of-order", test_published_out_of_order);
  g_test_add_func ("/Gopod/Channel/async/pass-on-chain", test_async_pass_on_chain);
  g_test_add_func ("/Gopod/Channel/values/typed", test_typed_values);
  g_test_add_func ("/Gopod/Channel/values/unconvertible", test_unconvertible_value);
  g_test_add_func ("/Gopod/Channel/values/null-pointer", test_null_pointer_value);
  g_test_add_func ("/Gopod/Channel/values/object-of-another-class", test_object_of_another_class);
  g_test_add_data_func ("/Gopod/Channel/cancel/send", GINT_TO_POINTER (TRUE), test_cancel_blocked);
  g_test_add_data_func ("/Gopod/Channel/cancel/receive", GINT_TO_POINTER (FALSE), test_cancel_blocked);
  g_test_add_func ("/Gopod/Channel/cancel/before", test_cancelled_before);
  g_test_add_data_func ("/Gopod/Channel/cancel/race-unbuffered", GUINT_TO_POINTER (0), test_cancel_race);
  g_test_add_data_func ("/Gopod/Channel/cancel/race-buffered", GUINT_TO_POINTER (4), test_cancel_race);
  g_test_add_func ("/Gopod/Channel/async/receive", test_async_receive_on_callers_context);
  g_test_add_func ("/Gopod/Channel/async/send", test_async_send_on_callers_context);
  g_test_add_func ("/Gopod/Channel/async/taken-then-cancelled", test_async_taken_then_cancelled);
  g_test_add_func ("/Gopod/Channel/async/ready-now", test_async_ready_now);
  g_test_add_data_func ("/Gopod/Channel/async/cancelled-send", GINT_TO_POINTER (TRUE), test_async_cancelled_takes_nothing);
  g_test_add_data_func ("/Gopod/Channel/async/cancelled-receive", GINT_TO_POINTER (FALSE), test_async_cancelled_takes_nothing);
  g_test_add_func ("/Gopod/Channel/timer/fires", test_timer_fires);
  g_test_add_func ("/Gopod/Channel/timer/stopped", test_timer_stopped);
  g_test_add_func ("/Gopod/Channel/ticker/ticks", test_ticker);
  g_test_add_func ("/Gopod/Channel/ticker/dropped-without-close", test_ticker_dropped_without_close);
  g_test_add_func ("/Gopod/Channel/notify", test_notify_on_creation_context);
  g_test_add_func ("/Gopod/Channel/bad-input", test_bad_input);
  g_test_add_func ("/Gopod/Channel/timer/async-receive-last-reference",
                   test_timer_async_receive_last_reference);

  return g_test_run ();
}
