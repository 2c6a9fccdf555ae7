/* stress-channel.c: channels and selects from many threads and a main
 * loop, with cancels and closes, where every value sent is received once
 *
 * Each round makes four channels (unbuffered, capacity 1, capacity 8,
 * unbounded). --threads worker threads throw a seeded random mix at them:
 * blocking sends and receives (with cancellables that a canceller thread
 * cancels at random), try_send and try_receive, and selects of mixed cases
 * (receives, sends, timeouts, a cancelled case), some made afresh and one
 * reused with set_value. One more thread drives async sends, receives and
 * select waits from its own main loop, some of them cancelled. After
 * --round-ops operations a worker closes every channel mid-flight; the
 * others see their sends refused and their receives drain. At the end of
 * the round what is still buffered is drained, and for every sender the
 * count and the sum of the values it sent must equal those received: no
 * value lost, none received twice, none invented by a cancelled or refused
 * operation.
 *
 * Usage: stress-channel [--seed N] [--ops N] [--threads N] [--round-ops N]
 *                       [--watchdog-s N]
 * The seed is printed first; a failure prints the command that replays it
 * (the interleaving of threads is the OS's, so a seed makes a failure
 * likely, not certain).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pod-glib.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static guint64 opt_seed;
static guint64 opt_ops = 1000000;
static guint opt_threads = 4;
static guint opt_round_ops = 50000;
static guint opt_watchdog_s = 60;
static char *argv0;

#define N_CHANNELS 4
#define MAX_SENDERS 65
#define ASYNC_IN_FLIGHT 8

/* Values carry their sender and a sequence number. */
#define VALUE(sender, seq) (((gint64) (sender) << 40) | (gint64) (seq))
#define VALUE_SENDER(v) ((guint) ((v) >> 40))
#define VALUE_SEQ(v) ((v) & ((G_GINT64_CONSTANT (1) << 40) - 1))

static struct
{
  guint64 ops;  /* atomic */
  guint64 sends, receives, try_ops, selects, asyncs, cancelled, refused, closes;
} stats;

#define ADD(var, n) __atomic_add_fetch (&(var), (n), __ATOMIC_RELAXED)

static G_NORETURN void
fail (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static void
print_replay (void)
{
  fprintf (stderr, "stress-channel: replay with: %s --seed %" G_GUINT64_FORMAT
           " --ops %" G_GUINT64_FORMAT " --threads %u --round-ops %u\n",
           argv0, opt_seed, opt_ops, opt_threads, opt_round_ops);
}

static void
fail (const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  fprintf (stderr, "stress-channel: FAILED: ");
  vfprintf (stderr, fmt, args);
  fprintf (stderr, "\n");
  va_end (args);
  print_replay ();
  abort ();
}

/* ------------------------------------------------------------------ */
/* Accounting: per party, merged at the end of a round                 */

typedef struct
{
  gint64  sent_sum[MAX_SENDERS], received_sum[MAX_SENDERS];
  guint64 sent_count[MAX_SENDERS], received_count[MAX_SENDERS];
} Tally;

static void
tally_sent (Tally *t, gint64 value)
{
  t->sent_sum[VALUE_SENDER (value)] += VALUE_SEQ (value);
  t->sent_count[VALUE_SENDER (value)]++;
}

static void
tally_received (Tally *t, const GValue *value)
{
  gint64 v = g_value_get_int64 (value);

  if (VALUE_SENDER (v) >= MAX_SENDERS)
    fail ("received a value no one sent: %" G_GINT64_FORMAT, v);
  t->received_sum[VALUE_SENDER (v)] += VALUE_SEQ (v);
  t->received_count[VALUE_SENDER (v)]++;
}

static void
tally_merge (Tally *into, const Tally *t)
{
  guint i;

  for (i = 0; i < MAX_SENDERS; i++)
    {
      into->sent_sum[i] += t->sent_sum[i];
      into->sent_count[i] += t->sent_count[i];
      into->received_sum[i] += t->received_sum[i];
      into->received_count[i] += t->received_count[i];
    }
}

/* ------------------------------------------------------------------ */
/* The canceller: cancels registered cancellables at random            */

static GMutex cancel_lock;
static GPtrArray *cancel_live;   /* of GCancellable, under cancel_lock */
static gint cancel_stop;

static GCancellable *
cancellable_new_watched (void)
{
  GCancellable *cancellable = g_cancellable_new ();

  g_mutex_lock (&cancel_lock);
  g_ptr_array_add (cancel_live, g_object_ref (cancellable));
  g_mutex_unlock (&cancel_lock);
  return cancellable;
}

static void
cancellable_forget (GCancellable *cancellable)
{
  g_mutex_lock (&cancel_lock);
  g_ptr_array_remove_fast (cancel_live, cancellable);
  g_mutex_unlock (&cancel_lock);
  g_object_unref (cancellable);
}

static gpointer
canceller_main (gpointer data)
{
  GRand *rand = g_rand_new_with_seed ((guint32) opt_seed ^ 0xc0ffee);

  while (!g_atomic_int_get (&cancel_stop))
    {
      GCancellable *victim = NULL;

      g_mutex_lock (&cancel_lock);
      if (cancel_live->len > 0)
        victim = g_object_ref (g_ptr_array_index (cancel_live,
                                                  g_rand_int_range (rand, 0, cancel_live->len)));
      g_mutex_unlock (&cancel_lock);
      if (victim != NULL)
        {
          g_cancellable_cancel (victim);
          g_object_unref (victim);
        }
      /* Pacing, not ordering: most operations should get to finish. */
      g_usleep (200);
    }
  g_rand_free (rand);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Watchdog                                                            */

/*
 * It must report a hang even when the heap is corrupt and malloc itself is
 * stuck (a thread that corrupted it may hold an arena lock), and even when
 * the other threads keep counting operations (a livelock, or one thread
 * stuck while the rest go on). So it watches every party (each worker and
 * the async thread: its completed operations, while it takes part in a
 * round) besides the total, and once started it neither allocates nor uses
 * stdio: its messages are formatted at start-up and written with write(2),
 * and gdb is started with posix_spawn(), which, unlike fork(), takes none
 * of malloc's locks.
 */
static GMutex watchdog_lock;
static GCond watchdog_cond;
static gboolean watchdog_stop;

static struct
{
  guint64 ops;     /* atomic: operations this party completed */
  gint    active;  /* atomic: it takes part in a round now */
} parties[MAX_SENDERS];

static char watchdog_replay[512];
static char watchdog_pid[32];
static char *watchdog_gdb;  /* its path, or NULL */
extern char **environ;

static void
watchdog_prepare (void)
{
  g_snprintf (watchdog_replay, sizeof watchdog_replay,
              "stress-channel: replay with: %s --seed %" G_GUINT64_FORMAT
              " --ops %" G_GUINT64_FORMAT " --threads %u --round-ops %u\n",
              argv0, opt_seed, opt_ops, opt_threads, opt_round_ops);
  g_snprintf (watchdog_pid, sizeof watchdog_pid, "%d", (int) getpid ());
  watchdog_gdb = g_find_program_in_path ("gdb");
}

static void
watchdog_write (const char *text)
{
  size_t left = strlen (text);

  while (left > 0)
    {
      ssize_t n = write (STDERR_FILENO, text, left);

      if (n <= 0)
        return;
      text += n;
      left -= (size_t) n;
    }
}

static void
watchdog_write_number (guint64 n)
{
  char digits[24];
  guint i = sizeof digits - 1;

  digits[i] = '\0';
  do
    digits[--i] = (char) ('0' + n % 10);
  while ((n /= 10) > 0);
  watchdog_write (&digits[i]);
}

/* Every thread's backtrace, as tests/stress/stress.c prints them. */
static void
watchdog_dump_threads (void)
{
  char *argv[] = { "gdb", "-p", watchdog_pid, "-batch", "-nx",
                   "-ex", "set pagination off",
                   "-ex", "thread apply all bt", NULL };
  pid_t child;

  if (watchdog_gdb == NULL ||
      posix_spawn (&child, watchdog_gdb, NULL, NULL, argv, environ) != 0)
    {
      watchdog_write ("stress-channel: gdb not available, no backtraces\n");
      return;
    }
  waitpid (child, NULL, 0);
}

static G_NORETURN void
watchdog_fire (const char *what,
               guint64     party,
               guint64     ops)
{
  watchdog_write ("stress-channel: FAILED: WATCHDOG: ");
  watchdog_write (what);
  if (party < G_N_ELEMENTS (parties))
    {
      watchdog_write (" ");
      watchdog_write_number (party);
    }
  watchdog_write (" made no progress for ");
  watchdog_write_number (opt_watchdog_s);
  watchdog_write (" s at ");
  watchdog_write_number (ops);
  watchdog_write (" operations; backtraces follow\n");
  watchdog_dump_threads ();
  watchdog_write (watchdog_replay);
  abort ();
}

typedef struct
{
  guint64 ops;
  gint64  since;  /* when @ops was last seen to change */
} WatchdogMark;

/* Whether @ops stood still for too long. */
static gboolean
watchdog_stuck (WatchdogMark *mark,
                guint64       ops,
                gint64        now)
{
  if (ops != mark->ops)
    {
      mark->ops = ops;
      mark->since = now;
    }
  return now - mark->since > (gint64) opt_watchdog_s * G_USEC_PER_SEC;
}

static gpointer
watchdog_main (gpointer data)
{
  WatchdogMark total = { ADD (stats.ops, 0), g_get_monotonic_time () };
  WatchdogMark marks[MAX_SENDERS];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (marks); i++)
    marks[i] = total;
  g_mutex_lock (&watchdog_lock);
  while (!watchdog_stop)
    {
      gint64 now = g_get_monotonic_time ();

      if (watchdog_stuck (&total, ADD (stats.ops, 0), now))
        watchdog_fire ("the run", G_MAXUINT64, total.ops);
      for (i = 0; i <= opt_threads; i++)
        {
          /* A party between rounds waits for the others, which are watched. */
          if (!g_atomic_int_get (&parties[i].active))
            marks[i].since = now;
          if (watchdog_stuck (&marks[i], ADD (parties[i].ops, 0), now))
            watchdog_fire (i < opt_threads ? "worker" : "the async thread", i, total.ops);
        }
      g_cond_wait_until (&watchdog_cond, &watchdog_lock, now + G_USEC_PER_SEC);
    }
  g_mutex_unlock (&watchdog_lock);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* A round                                                             */

typedef struct
{
  GopodChannel *channels[N_CHANNELS];
  gint          ops;      /* atomic */
  gint          closing;  /* atomic: someone closes */
  gint          closed;   /* atomic: every channel is closed */
} Round;

typedef struct
{
  Round       *round;
  guint        id;        /* also its sender id */
  GRand       *rand;
  guint64      seq;
  Tally        tally;
  GopodSelect *reused;    /* a receive on every channel, a send to each */
  guint        reused_sends[N_CHANNELS];
} Worker;

static void
round_count_op (Round *round,
                guint  party)
{
  ADD (stats.ops, 1);
  ADD (parties[party].ops, 1);
  if (g_atomic_int_add (&round->ops, 1) + 1 < (gint) opt_round_ops)
    return;
  if (!g_atomic_int_compare_and_exchange (&round->closing, 0, 1))
    return;
  for (guint i = 0; i < N_CHANNELS; i++)
    gopod_channel_close (round->channels[i]);
  ADD (stats.closes, N_CHANNELS);
  g_atomic_int_set (&round->closed, 1);
}

static GopodChannel *
pick_channel (Worker *w)
{
  return w->round->channels[g_rand_int_range (w->rand, 0, N_CHANNELS)];
}

static void
next_value (Worker *w, guint sender, GValue *value)
{
  g_value_init (value, G_TYPE_INT64);
  g_value_set_int64 (value, VALUE (sender, ++w->seq));
}

/* What a failed operation may say; anything else is a bug. */
static void
check_error (GError *error, gboolean may_block)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ADD (stats.cancelled, 1);
  else if (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED))
    ADD (stats.refused, 1);
  else if (!(may_block && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
    fail ("unexpected error: %s", error->message);
  g_error_free (error);
}

static void
op_send (Worker *w, gboolean try)
{
  GCancellable *cancellable = try ? NULL : cancellable_new_watched ();
  GValue value = G_VALUE_INIT;
  GError *error = NULL;
  gboolean sent;

  next_value (w, w->id, &value);
  sent = try ? gopod_channel_try_send (pick_channel (w), &value, &error)
             : gopod_channel_send (pick_channel (w), &value, cancellable, &error);
  if (sent)
    tally_sent (&w->tally, g_value_get_int64 (&value));
  else
    check_error (error, try);
  g_value_unset (&value);
  if (cancellable != NULL)
    cancellable_forget (cancellable);
  ADD (*(try ? &stats.try_ops : &stats.sends), 1);
}

static void
op_receive (Worker *w, gboolean try)
{
  GCancellable *cancellable = try ? NULL : cancellable_new_watched ();
  GValue value = G_VALUE_INIT;
  GError *error = NULL;
  gboolean received;

  received = try ? gopod_channel_try_receive (pick_channel (w), &value, &error)
                 : gopod_channel_receive (pick_channel (w), &value, cancellable, &error);
  if (received)
    {
      tally_received (&w->tally, &value);
      g_value_unset (&value);
    }
  else
    check_error (error, try);
  if (cancellable != NULL)
    cancellable_forget (cancellable);
  ADD (*(try ? &stats.try_ops : &stats.receives), 1);
}

/* Accounts for a select's outcome: @sends[i] is the value case i sends,
 * or 0 for a case that is not a send. */
static void
select_account (Worker *w, GopodSelect *select, gint chosen, const gint64 *sends)
{
  GValue value = G_VALUE_INIT;

  if (chosen < 0 || gopod_select_get_closed (select))
    return;
  if (gopod_select_get_value (select, &value))
    {
      tally_received (&w->tally, &value);
      g_value_unset (&value);
    }
  else if (sends[chosen] != 0)
    tally_sent (&w->tally, sends[chosen]);
}

static void
op_select_fresh (Worker *w)
{
  g_autoptr(GopodSelect) select = gopod_select_new ();
  GCancellable *cancellable = cancellable_new_watched ();
  GCancellable *done_case = NULL;
  gint64 sends[8] = { 0, };
  guint n = g_rand_int_range (w->rand, 1, 5);
  GError *error = NULL;
  gint chosen;

  for (guint i = 0; i < n; i++)
    {
      if (g_rand_boolean (w->rand))
        gopod_select_add_receive (select, pick_channel (w));
      else
        {
          GValue value = G_VALUE_INIT;

          next_value (w, w->id, &value);
          sends[gopod_select_add_send (select, pick_channel (w), &value)] = g_value_get_int64 (&value);
          g_value_unset (&value);
        }
    }
  if (g_rand_int_range (w->rand, 0, 4) == 0)
    gopod_select_add_timeout (select, g_rand_int_range (w->rand, 0, 3));
  if (g_rand_int_range (w->rand, 0, 4) == 0)
    {
      done_case = cancellable_new_watched ();
      gopod_select_add_cancelled (select, done_case);
    }

  if (g_rand_int_range (w->rand, 0, 4) == 0)
    chosen = gopod_select_try (select);
  else
    {
      chosen = gopod_select_wait (select, cancellable, &error);
      if (chosen < 0)
        check_error (error, FALSE);
    }
  select_account (w, select, chosen, sends);
  cancellable_forget (cancellable);
  if (done_case != NULL)
    cancellable_forget (done_case);
  ADD (stats.selects, 1);
}

static void
op_select_reused (Worker *w)
{
  GCancellable *cancellable = cancellable_new_watched ();
  gint64 sends[2 * N_CHANNELS] = { 0, };
  GError *error = NULL;
  gint chosen;

  for (guint i = 0; i < N_CHANNELS; i++)
    {
      GValue value = G_VALUE_INIT;

      next_value (w, w->id, &value);
      gopod_select_set_value (w->reused, w->reused_sends[i], &value);
      sends[w->reused_sends[i]] = g_value_get_int64 (&value);
      g_value_unset (&value);
    }
  chosen = gopod_select_wait (w->reused, cancellable, &error);
  if (chosen < 0)
    check_error (error, FALSE);
  select_account (w, w->reused, chosen, sends);
  cancellable_forget (cancellable);
  ADD (stats.selects, 1);
}

static void
worker_make_reused (Worker *w)
{
  GValue value = G_VALUE_INIT;

  w->reused = gopod_select_new ();
  g_value_init (&value, G_TYPE_INT64);
  for (guint i = 0; i < N_CHANNELS; i++)
    gopod_select_add_receive (w->reused, w->round->channels[i]);
  for (guint i = 0; i < N_CHANNELS; i++)
    w->reused_sends[i] = gopod_select_add_send (w->reused, w->round->channels[i], &value);
  g_value_unset (&value);
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;

  g_atomic_int_set (&parties[w->id].active, TRUE);
  worker_make_reused (w);
  while (!g_atomic_int_get (&w->round->closed))
    {
      switch (g_rand_int_range (w->rand, 0, 8))
        {
        case 0: op_send (w, FALSE); break;
        case 1: op_send (w, TRUE); break;
        case 2: op_receive (w, FALSE); break;
        case 3: op_receive (w, TRUE); break;
        case 4: case 5: op_select_fresh (w); break;
        default: op_select_reused (w); break;
        }
      round_count_op (w->round, w->id);
    }
  g_clear_object (&w->reused);
  g_atomic_int_set (&parties[w->id].active, FALSE);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* The async party: its own main loop, ASYNC_IN_FLIGHT operations      */

typedef struct
{
  Round        *round;
  Worker        w;        /* its tally, rand and sender id */
  GMainLoop    *loop;
  guint         in_flight;
} Async;

typedef struct
{
  Async        *async;
  GCancellable *cancellable;
  gint64        sends[4];
} AsyncOp;

static void async_issue (Async *a);

static void
async_op_done (AsyncOp *op)
{
  Async *a = op->async;

  cancellable_forget (op->cancellable);
  g_free (op);
  ADD (stats.asyncs, 1);
  round_count_op (a->round, a->w.id);
  a->in_flight--;
  if (!g_atomic_int_get (&a->round->closed))
    async_issue (a);
  else if (a->in_flight == 0)
    g_main_loop_quit (a->loop);
}

static void
async_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncOp *op = data;
  GError *error = NULL;

  if (gopod_channel_send_finish (GOPOD_CHANNEL (source), result, &error))
    tally_sent (&op->async->w.tally, op->sends[0]);
  else
    check_error (error, FALSE);
  async_op_done (op);
}

static void
async_received (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncOp *op = data;
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  if (gopod_channel_receive_finish (GOPOD_CHANNEL (source), result, &value, &error))
    {
      tally_received (&op->async->w.tally, &value);
      g_value_unset (&value);
    }
  else
    check_error (error, FALSE);
  async_op_done (op);
}

static void
async_selected (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncOp *op = data;
  GError *error = NULL;
  gint chosen = gopod_select_wait_finish (GOPOD_SELECT (source), result, &error);

  if (chosen < 0)
    check_error (error, FALSE);
  select_account (&op->async->w, GOPOD_SELECT (source), chosen, op->sends);
  async_op_done (op);
}

static void
async_issue (Async *a)
{
  AsyncOp *op = g_new0 (AsyncOp, 1);
  Worker *w = &a->w;
  GValue value = G_VALUE_INIT;

  op->async = a;
  op->cancellable = cancellable_new_watched ();
  a->in_flight++;
  switch (g_rand_int_range (w->rand, 0, 3))
    {
    case 0:
      next_value (w, w->id, &value);
      op->sends[0] = g_value_get_int64 (&value);
      gopod_channel_send_async (pick_channel (w), &value, op->cancellable, async_sent, op);
      g_value_unset (&value);
      break;
    case 1:
      gopod_channel_receive_async (pick_channel (w), op->cancellable, async_received, op);
      break;
    default:
      {
        g_autoptr(GopodSelect) select = gopod_select_new ();

        gopod_select_add_receive (select, pick_channel (w));
        gopod_select_add_receive (select, pick_channel (w));
        next_value (w, w->id, &value);
        op->sends[gopod_select_add_send (select, pick_channel (w), &value)] = g_value_get_int64 (&value);
        g_value_unset (&value);
        gopod_select_wait_async (select, op->cancellable, async_selected, op);
      }
    }
}

static gpointer
async_main (gpointer data)
{
  Async *a = data;
  GMainContext *context = g_main_context_new ();

  g_atomic_int_set (&parties[a->w.id].active, TRUE);
  g_main_context_push_thread_default (context);
  a->loop = g_main_loop_new (context, FALSE);
  for (guint i = 0; i < ASYNC_IN_FLIGHT; i++)
    async_issue (a);
  g_main_loop_run (a->loop);
  g_main_loop_unref (a->loop);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_atomic_int_set (&parties[a->w.id].active, FALSE);
  return NULL;
}

/* ------------------------------------------------------------------ */

static void
drain (Round *round, Tally *tally)
{
  for (guint i = 0; i < N_CHANNELS; i++)
    {
      GValue value = G_VALUE_INIT;
      GError *error = NULL;

      while (gopod_channel_try_receive (round->channels[i], &value, &error))
        {
          tally_received (tally, &value);
          g_value_unset (&value);
        }
      if (!g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED))
        fail ("a closed channel did not drain to GOPOD_ERROR_CLOSED: %s", error->message);
      g_error_free (error);
    }
}

static void
audit (const Tally *t, guint round_index)
{
  for (guint i = 0; i < MAX_SENDERS; i++)
    if (t->sent_count[i] != t->received_count[i] || t->sent_sum[i] != t->received_sum[i])
      fail ("round %u, sender %u: sent %" G_GUINT64_FORMAT " values (sum %" G_GINT64_FORMAT
            "), received %" G_GUINT64_FORMAT " (sum %" G_GINT64_FORMAT ")",
            round_index, i, t->sent_count[i], t->sent_sum[i],
            t->received_count[i], t->received_sum[i]);
}

static void
run_round (guint index, GRand *rand)
{
  static const guint capacities[N_CHANNELS] = { 0, 1, 8, GOPOD_CHANNEL_UNBOUNDED };
  Round round = { { NULL, }, };
  Worker *workers = g_new0 (Worker, opt_threads);
  GThread **threads = g_new0 (GThread *, opt_threads);
  Async async = { &round, };
  GThread *async_thread;
  Tally total = { { 0, }, };

  for (guint i = 0; i < N_CHANNELS; i++)
    round.channels[i] = gopod_channel_new (G_TYPE_INT64, capacities[i]);
  for (guint i = 0; i < opt_threads; i++)
    {
      workers[i].round = &round;
      workers[i].id = i;
      workers[i].rand = g_rand_new_with_seed (g_rand_int (rand));
      threads[i] = g_thread_new ("worker", worker_main, &workers[i]);
    }
  async.w.round = &round;
  async.w.id = opt_threads;
  async.w.rand = g_rand_new_with_seed (g_rand_int (rand));
  async_thread = g_thread_new ("async", async_main, &async);

  for (guint i = 0; i < opt_threads; i++)
    {
      g_thread_join (threads[i]);
      tally_merge (&total, &workers[i].tally);
      g_rand_free (workers[i].rand);
    }
  g_thread_join (async_thread);
  tally_merge (&total, &async.w.tally);
  g_rand_free (async.w.rand);

  drain (&round, &total);
  audit (&total, index);
  for (guint i = 0; i < N_CHANNELS; i++)
    g_object_unref (round.channels[i]);
  g_free (workers);
  g_free (threads);
}

int
main (int argc, char *argv[])
{
  gint64 seed = -1, ops = -1;
  gint threads = -1, round_ops = -1, watchdog_s = -1;
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed", "N" },
    { "ops", 0, 0, G_OPTION_ARG_INT64, &ops, "Channel operations in all (default 1000000)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Worker threads, besides the async one (default 4)", "N" },
    { "round-ops", 0, 0, G_OPTION_ARG_INT, &round_ops, "Operations before a round closes its channels (default 50000)", "N" },
    { "watchdog-s", 0, 0, G_OPTION_ARG_INT, &watchdog_s, "Abort after this long without progress (default 60)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- stress channels and selects");
  g_autoptr(GError) error = NULL;
  GThread *watchdog, *canceller;
  gint64 start;
  GRand *rand;
  guint rounds = 0;

  argv0 = argv[0];
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      fprintf (stderr, "stress-channel: %s\n", error->message);
      return 2;
    }
  opt_seed = seed >= 0 ? (guint64) seed : (guint64) g_random_int ();
  if (ops > 0)
    opt_ops = (guint64) ops;
  if (threads > 0)
    opt_threads = MIN ((guint) threads, MAX_SENDERS - 1);
  if (round_ops > 0)
    opt_round_ops = (guint) round_ops;
  if (watchdog_s > 0)
    opt_watchdog_s = (guint) watchdog_s;
  printf ("stress-channel: seed %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT " operations, %u threads + 1 async, %u per round\n",
          opt_seed, opt_ops, opt_threads, opt_round_ops);
  fflush (stdout);

  rand = g_rand_new_with_seed ((guint32) opt_seed);
  cancel_live = g_ptr_array_new_with_free_func (g_object_unref);
  watchdog_prepare ();
  watchdog = g_thread_new ("watchdog", watchdog_main, NULL);
  canceller = g_thread_new ("canceller", canceller_main, NULL);
  start = g_get_monotonic_time ();

  while (ADD (stats.ops, 0) < opt_ops)
    run_round (rounds++, rand);

  g_atomic_int_set (&cancel_stop, TRUE);
  g_thread_join (canceller);
  g_mutex_lock (&watchdog_lock);
  watchdog_stop = TRUE;
  g_cond_signal (&watchdog_cond);
  g_mutex_unlock (&watchdog_lock);
  g_thread_join (watchdog);
  g_free (watchdog_gdb);
  g_assert (cancel_live->len == 0);
  g_ptr_array_unref (cancel_live);
  g_rand_free (rand);

  printf ("stress-channel: %" G_GUINT64_FORMAT " operations in %u rounds, %.1f s: "
          "%" G_GUINT64_FORMAT " sends, %" G_GUINT64_FORMAT " receives, %" G_GUINT64_FORMAT " try_*, "
          "%" G_GUINT64_FORMAT " selects, %" G_GUINT64_FORMAT " async, %" G_GUINT64_FORMAT " cancelled, "
          "%" G_GUINT64_FORMAT " refused (closed), %" G_GUINT64_FORMAT " closes; every value received once\n",
          ADD (stats.ops, 0), rounds, (g_get_monotonic_time () - start) / 1e6,
          stats.sends, stats.receives, stats.try_ops, stats.selects, stats.asyncs,
          stats.cancelled, stats.refused, stats.closes);
  return 0;
}
