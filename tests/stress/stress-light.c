/* stress-light.c: plain light jobs (gopod_pod_submit() without a destroy
 * notify) at volume, where chunks fill and are handed on to their holder,
 * with pauses, resizes and object jobs mixed in; every job accepted runs
 * exactly once (or, discarded, at most once)
 *
 * Each round makes a pod of 1..8 max-workers (started or left paused, its
 * idle timeout sometimes a few ms so that workers leave and come back).
 * 1..4 producer threads (--threads) submit jobs with no destroy notify, one slot a job,
 * in bursts of 1..2000 back to back (a chunk holds 512: bursts fill chunks
 * while a worker holds the one before, which is then handed on to it, rules
 * P7, P7a, P7b in doc/internals.md), sometimes pausing a moment between
 * bursts so that a holder catches up and lets its chunk go. Every job is
 * numbered: its data is its own counter in the round's array, which it
 * increments (and checks it was 0), and the producer marks which submits
 * were accepted. Meanwhile the round's control thread pauses and starts
 * the pod, sets max-workers (1..8), adds object jobs of random priority (a
 * GopodJob subclass and gopod_job_new_func() ones) and, once the producers
 * are done, sometimes waits for the pod to be idle and checks that every
 * job accepted so far ran once. At a random point (often with the producers
 * still submitting) it shuts the pod down, DRAIN or DISCARD; a submit
 * refused from then on (GOPOD_ERROR_CLOSED) is not accepted, must never
 * run, and no later submit may be accepted. The audit: with DRAIN every
 * accepted job ran exactly once; with DISCARD at most once, and the light
 * jobs that ran plus those the pod counts cancelled (its cancelled counter
 * minus the object jobs that ended cancelled) are the light jobs accepted;
 * a refused one never ran; submitted, succeeded, failed and cancelled agree
 * with what was accepted and ran, nothing is queued or running, and no
 * worker is left.
 *
 * Among the plain jobs a burst sometimes has a *pair* (rule P7c): a light
 * job that receives on an unbuffered GopodChannel made for the pair, then,
 * back to back or a few jobs later in the same burst, one that sends it a
 * value. The receive often runs first and blocks while the send lies
 * behind it in its worker's batch or held chunk, or is yet to be submitted
 * into it: only the worker letting go of the jobs behind a blocked one
 * lets the send run. A pair must not hang for a reason of this program's
 * own. Each round (but every fifth, which has none) picks a pair-min of
 * 2..4: at most pair-min - 1 pairs are outstanding at once (a pair takes
 * one of the round's pair slots, and its last half to end gives it back),
 * and while any may be, max-workers stays >= pair-min, so that a worker is
 * always free for a send. The control thread sets fewer only once it took
 * every slot (no pair outstanding, none can start), and gives them back
 * when it sets pair-min or more again. A pause only delays a pair: the
 * control thread starts the pod again. Both halves wait with the round's
 * cancellable, which the control thread cancels right after a DISCARD
 * shutdown began (one half may be discarded while the other waits for
 * it); a send refused (CLOSED) is made by its producer instead, so that an
 * accepted receive still gets its value. Before a DRAIN shutdown, and
 * before one DISCARD shutdown in two, the control thread waits, the pod
 * running, for every pair half that runs to end: it would wait for
 * microseconds, but a deadlocked pair fails the run after PAIR_CHECK_S
 * seconds with every thread's backtrace (it would otherwise show only as
 * the watchdog's hang in a DRAIN round, and not at all in a DISCARD one,
 * whose cancel ends it). The audit: with DRAIN every pair's receive got its
 * send's value; with DISCARD each half got its value across, was cancelled
 * or never ran, and a receive got the value exactly when its send (the
 * job, or the producer) sent it; every pair half is also a numbered job,
 * audited as the others. The pod has no max-queued, which could refuse a
 * pair's send while its receive blocks.
 *
 * Usage: stress-light [--seed N | --run-id N] [--ops N] [--round-jobs N]
 *                     [--threads N] [--watchdog-s N]
 * --ops counts light submits in all, --round-jobs (or --round-ops) the most
 * a round numbers, --threads the most producers a round has (default 4,
 * at most 16): the other stress programs' options, so that one
 * `--test-args` serves the suite.
 * The seed is printed first; a failure prints the command that replays it
 * (the interleaving of threads is the OS's, so a seed makes a failure
 * likely, not certain). A round that lasts longer than --watchdog-s aborts
 * with every thread's backtrace (gdb).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pod-glib.h>

#include "stress-backtrace.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The jobs a chunk holds (GOPOD_CHUNK_SLOTS): a burst this long fills one. */
#define CHUNK_JOBS 512

static guint64 opt_seed;
static guint64 opt_ops = 250000000;
static guint opt_round_jobs = 600000;
static guint opt_watchdog_s = 60;
static guint opt_threads = 4;  /* the most producers a round has */
static char *argv0;

#define MAX_PRODUCERS 16
#define MAX_WORKERS 8
#define MAX_BURST 2000
#define MAX_PAIR_MIN 4  /* the most a round's pair-min is */
#define MAX_PAIR_GAP 8  /* the most jobs between a pair's receive and send */
/* A half of a pair that runs when the control thread checks has ended
 * within this long, the pod running (it takes microseconds, or the time
 * the pod takes to run what was queued before the send). */
#define PAIR_CHECK_S 5

#define ADD(var, n) __atomic_add_fetch (&(var), (n), __ATOMIC_RELAXED)
#define GET(var) __atomic_load_n (&(var), __ATOMIC_ACQUIRE)
#define SET(var, v) __atomic_store_n (&(var), (v), __ATOMIC_RELEASE)

/* Totals over the run, printed at the end. */
static struct
{
  guint64 rounds, attempts, accepted, refused, ran, discarded;
  guint64 obj_accepted, obj_succeeded, obj_cancelled;
  guint64 pauses, starts, resizes, waits, drains, discards;
  guint64 bursts, full_bursts;
  guint64 pair_rounds, pairs, pairs_completed, pair_sends_refused;
  guint64 pair_receives_cancelled, pair_sends_cancelled, pair_halves_discarded;
  guint64 pair_checks_waited;
} stats;

static G_NORETURN void
fail (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static void
print_replay (void)
{
  fprintf (stderr, "stress-light: replay with: %s --seed %" G_GUINT64_FORMAT
           " --ops %" G_GUINT64_FORMAT " --round-jobs %u --threads %u\n",
           argv0, opt_seed, opt_ops, opt_round_jobs, opt_threads);
}

static void
fail (const char *fmt, ...)
{
  va_list args;

  fflush (stdout);
  va_start (args, fmt);
  fprintf (stderr, "stress-light: FAILED: ");
  vfprintf (stderr, fmt, args);
  fprintf (stderr, "\n");
  va_end (args);
  print_replay ();
  abort ();
}

#define CHECK(cond, ...) \
  G_STMT_START { if (G_UNLIKELY (!(cond))) fail (G_STRLOC ": (" #cond ") " __VA_ARGS__); } G_STMT_END

static gboolean
chance (GRand *rand, int percent)
{
  return g_rand_int_range (rand, 0, 100) < percent;
}

/* ------------------------------------------------------------------ */
/* The round                                                           */

typedef enum
{
  PHASE_PRODUCING,
  PHASE_CHECKING_PAIRS,
  PHASE_WAITING,
  PHASE_SHUTTING_DOWN,
  PHASE_JOINING,
  PHASE_AUDIT,
} Phase;

static const char *const phase_names[] = {
  "producing", "checking the pairs", "in gopod_pod_wait()", "in gopod_pod_shutdown()",
  "joining the producers", "auditing",
};

typedef struct _Round Round;
typedef struct _Pair Pair;

typedef struct
{
  Round   *round;
  guint    id;
  GRand   *rand;
  guint    first, end;   /* its job numbers */
  guint    next;         /* atomic: the next one it submits */
  guint64  accepted, refused, bursts, full_bursts;
  Pair    *pairs;        /* atomic: the newest pair it made */
  Pair    *pending;      /* a pair whose send it has yet to submit */
  guint    pair_at;      /* the job that is a pair's half, or may start one */
} Producer;

struct _Round
{
  guint             index;
  GopodPod         *pod;
  guint             n_jobs;
  gint             *runs;      /* per job: how many times it ran (atomic) */
  guint8           *accepted;  /* per job: the pod took it */
  guint             n_producers;
  Producer          producers[MAX_PRODUCERS];
  gint              producers_done;  /* atomic */
  gint              phase;           /* atomic */
  GopodShutdownMode mode;
  guint             max_workers;
  GPtrArray        *objects;         /* of ObjectRecord */

  /* Pairs (see the top of the file); pair_spacing 0: none this round. */
  guint             pair_spacing;    /* a producer's mean jobs from one to the next */
  guint             pair_min;        /* max-workers while a pair may be outstanding */
  guint             n_pair_slots;    /* pair_min - 1 */
  /* Atomic: the outstanding pairs, NULL for a free slot. */
  Pair             *pair_slots[MAX_PAIR_MIN - 1];
  gboolean          control_holds_slots;  /* the control thread took them all */
  gint              pairs_made;      /* atomic */
  GCancellable     *pair_cancel;     /* cancelled once a DISCARD shutdown began */
};

typedef enum
{
  PAIR_HALF_NOT_ENDED,  /* not run yet, or waiting */
  PAIR_HALF_DONE,       /* the value went across */
  PAIR_HALF_CANCELLED,  /* the round's pair_cancel ended its wait (DISCARD) */
} PairHalfEnd;

typedef enum
{
  PAIR_SEND_NOT_SUBMITTED,
  PAIR_SEND_ACCEPTED,
  PAIR_SEND_REFUSED,    /* the producer sent the value itself */
} PairSendState;

/* A receive and the send that answers it, on a channel of their own. Made
 * by a producer; only its atomic fields change once it is in a pair slot. */
struct _Pair
{
  Round        *round;
  Pair         *older;          /* the producer's pair made before it */
  GopodChannel *channel;        /* unbuffered */
  guint         receive_job, send_job;  /* their numbers in the round */
  gint          got;            /* atomic: what the receive got */
  gint          receive_end;    /* atomic: PairHalfEnd */
  gint          send_end;       /* atomic: PairHalfEnd, of the job or the producer */
  gint          send_state;     /* atomic: PairSendState */
  gint          halves_left;    /* atomic: the last to end gives the pair slot back */
  guint         slot;           /* in round->pair_slots */
};

/* What the control thread puts in the pair slots it takes. */
static Pair pair_slot_held;

/* The watchdog's view of the current round. */
static Round *volatile current_round;
static guint watched_round;  /* atomic: index + 1, 0 between rounds */

/* The light job: @data is its own counter. */
static void
light_job (gpointer data)
{
  gint *runs = data;
  gint before = __atomic_fetch_add (runs, 1, __ATOMIC_RELAXED);

  if (G_UNLIKELY (before != 0))
    {
      Round *round = current_round;

      fail ("round %u: light job %td ran %d times", round->index,
            runs - round->runs, before + 1);
    }
}

/* ------------------------------------------------------------------ */
/* Object jobs: a subclass, and gopod_job_new_func() ones              */

typedef struct
{
  GopodJob *job;
  gint      runs;  /* atomic */
} ObjectRecord;

static void
object_record_free (gpointer data)
{
  ObjectRecord *record = data;

  g_object_unref (record->job);
  g_free (record);
}

typedef struct
{
  GopodJob parent;
  ObjectRecord *record;
} StressLightJob;

typedef struct
{
  GopodJobClass parent_class;
} StressLightJobClass;

static GType stress_light_job_get_type (void);
G_DEFINE_TYPE (StressLightJob, stress_light_job, GOPOD_TYPE_JOB)

static gboolean
stress_light_job_run (GopodJob      *job,
                      GCancellable  *cancellable,
                      GError       **error)
{
  ObjectRecord *record = ((StressLightJob *) job)->record;

  CHECK (g_atomic_int_add (&record->runs, 1) == 0, "an object job ran twice");
  return TRUE;
}

static void
stress_light_job_class_init (StressLightJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->run = stress_light_job_run;
}

static void
stress_light_job_init (StressLightJob *self)
{
}

static gboolean
object_func (GopodJob      *job,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  ObjectRecord *record = user_data;

  CHECK (g_atomic_int_add (&record->runs, 1) == 0, "a func job ran twice");
  return TRUE;
}

static void
add_object_job (Round *round, GRand *rand)
{
  ObjectRecord *record = g_new0 (ObjectRecord, 1);
  g_autoptr(GError) error = NULL;
  gboolean added;

  if (chance (rand, 50))
    {
      StressLightJob *job = g_object_new (stress_light_job_get_type (), NULL);

      job->record = record;
      record->job = GOPOD_JOB (job);
    }
  else
    record->job = gopod_job_new_func (object_func, record, NULL);
  gopod_job_set_priority (record->job, g_rand_int_range (rand, -3, 4));
  g_ptr_array_add (round->objects, record);

  added = chance (rand, 50) ? gopod_pod_add_job (round->pod, record->job, NULL, &error)
                            : gopod_pod_try_add_job (round->pod, record->job, &error);
  /* Only this thread shuts the pod down, and it has not yet. */
  CHECK (added, "round %u: an object job was refused before the shutdown: %s",
         round->index, error->message);
}

/* ------------------------------------------------------------------ */
/* Pairs: a receive on an unbuffered channel and the send that answers */

/* What the send sends: nonzero, and another pair's would differ. */
static gint
pair_value (Pair *pair)
{
  return (gint) pair->receive_job + 1;
}

/* A half counts its runs as a plain job does, in the round's array. */
static void
pair_count_run (Pair  *pair,
                guint  job)
{
  gint before = __atomic_fetch_add (&pair->round->runs[job], 1, __ATOMIC_RELAXED);

  if (G_UNLIKELY (before != 0))
    fail ("round %u: pair job %u ran %d times", pair->round->index, job, before + 1);
}

/* A half's wait failed: only the round's cancel may end it, and only in a
 * DISCARD round. */
static PairHalfEnd
pair_half_failed (Pair       *pair,
                  const char *half,
                  GError     *error)
{
  Round *round = pair->round;

  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED),
         "round %u: the %s of the pair of jobs %u and %u failed: %s", round->index,
         half, pair->receive_job, pair->send_job, error->message);
  CHECK (round->mode == GOPOD_SHUTDOWN_DISCARD,
         "round %u: the %s of the pair of jobs %u and %u was cancelled in a DRAIN round",
         round->index, half, pair->receive_job, pair->send_job);
  g_error_free (error);
  return PAIR_HALF_CANCELLED;
}

/* The last half to end gives the pair's slot back: neither can block a
 * worker any more. */
static void
pair_half_ended (Pair *pair)
{
  Round *round = pair->round;

  if (g_atomic_int_dec_and_test (&pair->halves_left))
    SET (round->pair_slots[pair->slot], NULL);
}

static void
pair_receive (gpointer data)
{
  Pair *pair = data;
  GError *error = NULL;
  gint value = 0;
  PairHalfEnd end = PAIR_HALF_DONE;

  pair_count_run (pair, pair->receive_job);
  if (gopod_channel_receive_int (pair->channel, &value, pair->round->pair_cancel, &error))
    {
      CHECK (value == pair_value (pair), "round %u: the receive of the pair of jobs %u and %u "
             "got %d, not %d", pair->round->index, pair->receive_job, pair->send_job,
             value, pair_value (pair));
      SET (pair->got, value);
    }
  else
    end = pair_half_failed (pair, "receive", error);
  SET (pair->receive_end, end);
  pair_half_ended (pair);
}

/* The send, from its job or from the producer whose submit was refused. */
static void
pair_send_value (Pair *pair)
{
  GError *error = NULL;
  PairHalfEnd end = PAIR_HALF_DONE;

  if (!gopod_channel_send_int (pair->channel, pair_value (pair), pair->round->pair_cancel, &error))
    end = pair_half_failed (pair, "send", error);
  SET (pair->send_end, end);
  pair_half_ended (pair);
}

static void
pair_send (gpointer data)
{
  Pair *pair = data;

  pair_count_run (pair, pair->send_job);
  pair_send_value (pair);
}

/* A slot for @pair (or the control thread), if @i is free. */
static gboolean
pair_take_slot (Round *round,
                guint  i,
                Pair  *pair)
{
  Pair *expected = NULL;

  return __atomic_compare_exchange_n (&round->pair_slots[i], &expected, pair, FALSE,
                                      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static gboolean
pair_take_any_slot (Round *round,
                    Pair  *pair)
{
  for (guint i = 0; i < round->n_pair_slots; i++)
    if (pair_take_slot (round, i, pair))
      {
        pair->slot = i;
        return TRUE;
      }
  return FALSE;
}

static void
pair_free (Pair *pair)
{
  g_object_unref (pair->channel);
  g_free (pair);
}

/* Started and not ended: a half that may be waiting for the other. */
static gboolean
pair_half_running (Pair *pair)
{
  Round *round = pair->round;

  return (GET (round->runs[pair->receive_job]) != 0 &&
          GET (pair->receive_end) == PAIR_HALF_NOT_ENDED) ||
         (GET (round->runs[pair->send_job]) != 0 && GET (pair->send_end) == PAIR_HALF_NOT_ENDED);
}

static guint
pair_count_outstanding (Round *round)
{
  guint n = 0;

  for (guint i = 0; i < round->n_pair_slots; i++)
    {
      Pair *pair = GET (round->pair_slots[i]);

      n += pair != NULL && pair != &pair_slot_held;
    }
  return n;
}

static const char *
pair_half_end_name (gint end)
{
  switch (end)
    {
    case PAIR_HALF_NOT_ENDED: return "not ended";
    case PAIR_HALF_DONE: return "done";
    case PAIR_HALF_CANCELLED: return "cancelled";
    default: return "?";
    }
}

/* For a failure message: what became of each half. */
static char *
pair_describe (Pair *pair)
{
  Round *round = pair->round;
  gint state = GET (pair->send_state);

  return g_strdup_printf ("the pair of jobs %u (receive: %d runs, %s) and %u (send: %s, "
                          "%d runs, %s)", pair->receive_job,
                          GET (round->runs[pair->receive_job]),
                          pair_half_end_name (GET (pair->receive_end)), pair->send_job,
                          state == PAIR_SEND_NOT_SUBMITTED ? "not submitted yet"
                          : state == PAIR_SEND_ACCEPTED ? "accepted" : "refused, the producer sends",
                          GET (round->runs[pair->send_job]),
                          pair_half_end_name (GET (pair->send_end)));
}

/* The pod idle and the producers done: every pair completed. */
static void
pair_check_completed (Round      *round,
                      const char *when)
{
  for (guint i = 0; i < round->n_producers; i++)
    for (Pair *pair = GET (round->producers[i].pairs); pair != NULL; pair = pair->older)
      if (GET (pair->receive_end) != PAIR_HALF_DONE || GET (pair->send_end) != PAIR_HALF_DONE ||
          GET (pair->got) != pair_value (pair))
        {
          g_autofree char *what = pair_describe (pair);

          fail ("round %u: %s, %s, got %d", round->index, when, what, GET (pair->got));
        }
}

/* ------------------------------------------------------------------ */
/* Producers                                                           */

/* A burst: mostly whole chunks' worth, sometimes a few jobs. */
static guint
burst_size (GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 4))
    {
    case 0: return g_rand_int_range (rand, 1, 17);
    case 1: return g_rand_int_range (rand, 1, 257);
    default: return g_rand_int_range (rand, 1, MAX_BURST + 1);
    }
}

/* Where, after job @i, the next pair may start. */
static guint
producer_next_pair_at (Producer *p,
                       guint     i)
{
  return i + 1 + g_rand_int_range (p->rand, 0, 2 * (gint32) p->round->pair_spacing);
}

/* Job @i is p->pair_at, with @rest jobs after it in its burst: the send of
 * the pending pair, or the receive of a new one when a slot is free and
 * the burst has room for its send. Returns the pair, with @func and @data
 * set for the half, or NULL for a plain job. */
static Pair *
producer_pair_half (Producer   *p,
                    guint       i,
                    guint       rest,
                    GopodFunc  *func,
                    gpointer   *data)
{
  Round *round = p->round;
  Pair *pair = p->pending;
  guint gap;

  if (pair != NULL)
    {
      *func = pair_send;
      *data = pair;
      return pair;
    }
  if (rest == 0)
    {
      /* No room for the send: try again in the next burst. */
      p->pair_at = i + 1;
      return NULL;
    }
  /* Often back to back: the send then lies right behind the receive. */
  gap = chance (p->rand, 50) ? 0 : (guint) g_rand_int_range (p->rand, 1, MAX_PAIR_GAP + 1);
  pair = g_new0 (Pair, 1);
  pair->round = round;
  pair->receive_job = i;
  pair->send_job = i + 1 + MIN (gap, rest - 1);
  pair->halves_left = 2;
  pair->older = p->pairs;
  /* Set up for the control thread, which may read it from the slot. */
  if (!pair_take_any_slot (round, pair))
    {
      g_free (pair);
      p->pair_at = producer_next_pair_at (p, i);
      return NULL;
    }
  pair->channel = gopod_channel_new (G_TYPE_INT, 0);
  *func = pair_receive;
  *data = pair;
  return pair;
}

/* After the submit of @pair's half @i. */
static void
producer_pair_submitted (Producer *p,
                         Pair     *pair,
                         guint     i,
                         gboolean  accepted)
{
  Round *round = p->round;

  if (i == pair->receive_job)
    {
      if (!accepted)
        {
          /* Nothing ran: the slot goes back, and no pair was made. */
          SET (round->pair_slots[pair->slot], NULL);
          pair_free (pair);
          p->pair_at = producer_next_pair_at (p, i);
          return;
        }
      SET (p->pairs, pair);
      g_atomic_int_inc (&round->pairs_made);
      p->pending = pair;
      p->pair_at = pair->send_job;
      return;
    }

  p->pending = NULL;
  p->pair_at = producer_next_pair_at (p, i);
  if (accepted)
    {
      SET (pair->send_state, PAIR_SEND_ACCEPTED);
      return;
    }
  /* The pod is closing. An accepted receive still runs in a DRAIN round
   * and waits for its value: send it from here. In a DISCARD round it may
   * have been discarded, and the cancel, which follows the refusal, ends
   * this wait. */
  SET (pair->send_state, PAIR_SEND_REFUSED);
  pair_send_value (pair);
}

static gpointer
producer_main (gpointer data)
{
  Producer *p = data;
  Round *round = p->round;
  gboolean closed = FALSE;
  guint after_close = 0;

  while (p->next < p->end)
    {
      guint n = burst_size (p->rand);

      n = MIN (n, p->end - p->next);

      p->bursts++;
      if (n >= CHUNK_JOBS)
        p->full_bursts++;
      for (guint k = 0; k < n; k++)
        {
          guint i = p->next;
          GError *error = NULL;
          GopodFunc func = light_job;
          gpointer job_data = &round->runs[i];
          Pair *pair = NULL;
          gboolean accepted;

          if (G_UNLIKELY (i == p->pair_at))
            pair = producer_pair_half (p, i, n - 1 - k, &func, &job_data);
          accepted = gopod_pod_submit (round->pod, func, job_data, NULL, &error);
          if (accepted)
            {
              CHECK (!closed, "round %u: job %u was accepted after a submit was refused (CLOSED)",
                     round->index, i);
              round->accepted[i] = 1;
              p->accepted++;
            }
          else
            {
              CHECK (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED),
                     "round %u: a submit failed with %s", round->index, error->message);
              g_error_free (error);
              closed = TRUE;
              p->refused++;
            }
          if (G_UNLIKELY (pair != NULL))
            producer_pair_submitted (p, pair, i, accepted);
          SET (p->next, i + 1);
        }
      /* Refused from now on: a few more, then stop. */
      if (closed && ++after_close > 2)
        break;
      /* Pacing, not ordering: sometimes let a holder catch up. */
      switch (g_rand_int_range (p->rand, 0, 16))
        {
        case 0: g_usleep (g_rand_int_range (p->rand, 1, 200)); break;
        case 1: case 2: case 3: g_thread_yield (); break;
        default: break;
        }
    }
  g_atomic_int_inc (&round->producers_done);
  return NULL;
}

static guint64
round_attempts (Round *round)
{
  guint64 n = 0;

  for (guint i = 0; i < round->n_producers; i++)
    n += GET (round->producers[i].next) - round->producers[i].first;
  return n;
}

/* ------------------------------------------------------------------ */
/* The control thread's moves, and the audit                           */

/* After gopod_pod_wait(): every job accepted so far ran, once. */
static void
check_idle (Round *round)
{
  for (guint i = 0; i < round->n_jobs; i++)
    CHECK (GET (round->runs[i]) == round->accepted[i],
           "round %u: after gopod_pod_wait() job %u (accepted %d) ran %d times",
           round->index, i, round->accepted[i], GET (round->runs[i]));
  for (guint i = 0; i < round->objects->len; i++)
    {
      ObjectRecord *record = g_ptr_array_index (round->objects, i);

      CHECK (gopod_job_get_state (record->job) == GOPOD_JOB_STATE_SUCCEEDED,
             "round %u: after gopod_pod_wait() an object job is in state %d",
             round->index, gopod_job_get_state (record->job));
    }
  CHECK (gopod_pod_get_queued (round->pod) == 0 && gopod_pod_get_running (round->pod) == 0,
         "round %u: after gopod_pod_wait() %u queued, %u running", round->index,
         gopod_pod_get_queued (round->pod), gopod_pod_get_running (round->pod));
  /* The producers are done, so every pair's send was submitted. */
  pair_check_completed (round, "after gopod_pod_wait()");
}

/* Takes every pair slot, or none: then no pair is outstanding, and none
 * can start. */
static gboolean
control_take_pair_slots (Round *round)
{
  for (guint i = 0; i < round->n_pair_slots; i++)
    if (!pair_take_slot (round, i, &pair_slot_held))
      {
        while (i-- > 0)
          SET (round->pair_slots[i], NULL);
        return FALSE;
      }
  return TRUE;
}

/* Sets max-workers, never below the round's pair-min while a pair may be
 * outstanding: each may keep a worker waiting, and the send it waits for
 * needs another. */
static void
control_resize (Round *round,
                guint  max_workers)
{
  if (max_workers < round->pair_min && !round->control_holds_slots)
    {
      if (control_take_pair_slots (round))
        round->control_holds_slots = TRUE;
      else
        max_workers = round->pair_min;
    }
  gopod_pod_set_max_workers (round->pod, max_workers);
  if (max_workers >= round->pair_min && round->control_holds_slots)
    {
      round->control_holds_slots = FALSE;
      for (guint i = 0; i < round->n_pair_slots; i++)
        SET (round->pair_slots[i], NULL);
    }
}

/* Before the shutdown: a pair half that runs waits for the other, which
 * the pod runs soon after (P7c: what lay behind a blocked job goes to
 * another worker), so it ends within PAIR_CHECK_S; a pair deadlocked in
 * one worker's batch or held chunk never does. Without this a deadlock
 * would show only as the watchdog's hang in a DRAIN round, and in a
 * DISCARD round not at all (the cancel ends it). Pairs not started yet
 * are left to the shutdown, with what was queued before them. The pod
 * runs meanwhile; a pause is put back after. */
static void
control_check_pairs (Round *round)
{
  gboolean paused = gopod_pod_get_paused (round->pod);
  gint64 deadline = g_get_monotonic_time () + PAIR_CHECK_S * G_USEC_PER_SEC;

  if (round->control_holds_slots)
    return;
  if (paused)
    gopod_pod_start (round->pod);
  for (guint i = 0; i < round->n_pair_slots; i++)
    {
      Pair *pair = GET (round->pair_slots[i]);

      if (pair == NULL || pair == &pair_slot_held || !pair_half_running (pair))
        continue;
      stats.pair_checks_waited++;
      while (pair_half_running (pair))
        {
          if (g_get_monotonic_time () > deadline)
            {
              fprintf (stderr, "stress-light: FAILED: round %u: a pair's half did not end in %d s "
                       "with the pod running (%u queued, %u running, %u workers, max-workers %u); "
                       "the pairs outstanding:\n", round->index, PAIR_CHECK_S,
                       gopod_pod_get_queued (round->pod), gopod_pod_get_running (round->pod),
                       gopod_pod_get_workers (round->pod), gopod_pod_get_max_workers (round->pod));
              for (guint j = 0; j < round->n_pair_slots; j++)
                {
                  Pair *outstanding = GET (round->pair_slots[j]);

                  if (outstanding != NULL && outstanding != &pair_slot_held)
                    {
                      g_autofree char *what = pair_describe (outstanding);

                      fprintf (stderr, "stress-light:   %s\n", what);
                    }
                }
              stress_dump_threads ("stress-light");
              fail ("round %u: a pair did not complete (rule P7c)", round->index);
            }
          /* Pacing, not ordering: a half ends in microseconds. */
          g_usleep (50);
        }
    }
  if (paused)
    gopod_pod_pause (round->pod);
}

static void
control_move (Round *round, GRand *rand, gboolean *paused)
{
  int pick = g_rand_int_range (rand, 0, 100);

  if (pick < 30)
    {
      if (*paused)
        {
          gopod_pod_start (round->pod);
          stats.starts++;
        }
      else
        {
          gopod_pod_pause (round->pod);
          stats.pauses++;
        }
      *paused = !*paused;
    }
  else if (pick < 60)
    {
      control_resize (round, g_rand_int_range (rand, 1, MAX_WORKERS + 1));
      stats.resizes++;
    }
  else if (pick < 75)
    {
      guint n = g_rand_int_range (rand, 1, 9);

      for (guint i = 0; i < n; i++)
        add_object_job (round, rand);
    }
  /* else nothing this time */

  /* Pacing, not ordering: let the producers and workers get on. */
  g_usleep (g_rand_int_range (rand, 20, 600));
}

/* After the shutdown: each half ran at most once (the job audit checks
 * that), ended, and a value went across exactly when both say so; with
 * DRAIN every pair completed. */
static void
pair_audit (Round *round)
{
  gboolean drain = round->mode == GOPOD_SHUTDOWN_DRAIN;

  for (guint i = 0; i < round->n_producers; i++)
    for (Pair *pair = round->producers[i].pairs; pair != NULL; pair = pair->older)
      {
        gint receive_runs = round->runs[pair->receive_job];
        gint send_runs = round->runs[pair->send_job];
        gint receive_end = GET (pair->receive_end), send_end = GET (pair->send_end);
        gint state = GET (pair->send_state);
        g_autofree char *what = pair_describe (pair);

        CHECK (round->accepted[pair->receive_job] && state != PAIR_SEND_NOT_SUBMITTED &&
               round->accepted[pair->send_job] == (state == PAIR_SEND_ACCEPTED),
               "round %u: %s: the producer's record is wrong", round->index, what);
        CHECK ((receive_runs == 0) == (receive_end == PAIR_HALF_NOT_ENDED),
               "round %u: after the shutdown %s", round->index, what);
        CHECK (state == PAIR_SEND_REFUSED ? send_end != PAIR_HALF_NOT_ENDED
               : (send_runs == 0) == (send_end == PAIR_HALF_NOT_ENDED),
               "round %u: after the shutdown %s", round->index, what);
        CHECK ((receive_end == PAIR_HALF_DONE) == (send_end == PAIR_HALF_DONE),
               "round %u: only one half of %s got the value across", round->index, what);
        CHECK (receive_end != PAIR_HALF_DONE || pair->got == pair_value (pair),
               "round %u: %s: the receive got %d", round->index, what, pair->got);
        CHECK (!drain || receive_end == PAIR_HALF_DONE,
               "round %u: after a DRAIN shutdown %s", round->index, what);

        stats.pairs++;
        stats.pairs_completed += receive_end == PAIR_HALF_DONE;
        stats.pair_sends_refused += state == PAIR_SEND_REFUSED;
        stats.pair_receives_cancelled += receive_end == PAIR_HALF_CANCELLED;
        stats.pair_sends_cancelled += send_end == PAIR_HALF_CANCELLED;
        stats.pair_halves_discarded += (receive_runs == 0) +
                                       (state == PAIR_SEND_ACCEPTED && send_runs == 0);
      }
  /* Every pair's last half gave its slot back. */
  for (guint i = 0; drain && i < round->n_pair_slots; i++)
    CHECK (GET (round->pair_slots[i]) == (round->control_holds_slots ? &pair_slot_held : NULL),
           "round %u: after a DRAIN shutdown pair slot %u is %s", round->index, i,
           round->control_holds_slots ? "not the control thread's" : "taken");
  if (round->pair_spacing > 0)
    stats.pair_rounds++;
}

static void
audit (Round *round)
{
  GopodPod *pod = round->pod;
  guint64 accepted = 0, refused = 0, ran = 0;
  guint64 obj_succeeded = 0, obj_cancelled = 0, light_cancelled;
  guint64 attempts = round_attempts (round);

  for (guint i = 0; i < round->n_producers; i++)
    {
      Producer *p = &round->producers[i];

      accepted += p->accepted;
      refused += p->refused;
    }
  CHECK (accepted + refused == attempts, "round %u: %" G_GUINT64_FORMAT " accepted + %"
         G_GUINT64_FORMAT " refused != %" G_GUINT64_FORMAT " submits",
         round->index, accepted, refused, attempts);

  for (guint i = 0; i < round->n_jobs; i++)
    {
      gint runs = GET (round->runs[i]);

      if (!round->accepted[i])
        {
          CHECK (runs == 0, "round %u: job %u was not accepted (refused, or never submitted) "
                 "but ran %d times", round->index, i, runs);
          continue;
        }
      CHECK (runs == 1 || (runs == 0 && round->mode == GOPOD_SHUTDOWN_DISCARD),
             "round %u: accepted job %u ran %d times after a %s shutdown", round->index, i,
             runs, round->mode == GOPOD_SHUTDOWN_DRAIN ? "DRAIN" : "DISCARD");
      ran += runs;
    }

  for (guint i = 0; i < round->objects->len; i++)
    {
      ObjectRecord *record = g_ptr_array_index (round->objects, i);
      GopodJobState state = gopod_job_get_state (record->job);
      gint runs = GET (record->runs);

      if (state == GOPOD_JOB_STATE_SUCCEEDED)
        {
          CHECK (runs == 1, "round %u: an object job succeeded having run %d times",
                 round->index, runs);
          obj_succeeded++;
        }
      else
        {
          CHECK (state == GOPOD_JOB_STATE_CANCELLED && round->mode == GOPOD_SHUTDOWN_DISCARD,
                 "round %u: an object job ended in state %d after a %s shutdown", round->index,
                 state, round->mode == GOPOD_SHUTDOWN_DRAIN ? "DRAIN" : "DISCARD");
          CHECK (runs <= 1, "round %u: a cancelled object job ran %d times", round->index, runs);
          obj_cancelled++;
        }
    }

  CHECK (gopod_pod_get_cancelled (pod) >= obj_cancelled,
         "round %u: cancelled counter %" G_GUINT64_FORMAT " < %" G_GUINT64_FORMAT
         " object jobs cancelled", round->index, gopod_pod_get_cancelled (pod), obj_cancelled);
  light_cancelled = gopod_pod_get_cancelled (pod) - obj_cancelled;
  CHECK (ran + light_cancelled == accepted,
         "round %u (%s, max-workers %u, %u producers): light jobs: %" G_GUINT64_FORMAT
         " accepted, %" G_GUINT64_FORMAT " ran, %" G_GUINT64_FORMAT " counted cancelled",
         round->index, round->mode == GOPOD_SHUTDOWN_DRAIN ? "DRAIN" : "DISCARD",
         round->max_workers, round->n_producers, accepted, ran, light_cancelled);
  CHECK (gopod_pod_get_submitted (pod) == accepted + round->objects->len,
         "round %u: submitted %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT " light + %u object jobs",
         round->index, gopod_pod_get_submitted (pod), accepted, round->objects->len);
  CHECK (gopod_pod_get_succeeded (pod) == ran + obj_succeeded,
         "round %u: succeeded %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT " light + %"
         G_GUINT64_FORMAT " object jobs", round->index, gopod_pod_get_succeeded (pod), ran, obj_succeeded);
  CHECK (gopod_pod_get_failed (pod) == 0, "round %u: failed %" G_GUINT64_FORMAT,
         round->index, gopod_pod_get_failed (pod));
  CHECK (gopod_pod_get_queued (pod) == 0 && gopod_pod_get_running (pod) == 0 &&
         gopod_pod_get_workers (pod) == 0,
         "round %u: after the shutdown %u queued, %u running, %u workers", round->index,
         gopod_pod_get_queued (pod), gopod_pod_get_running (pod), gopod_pod_get_workers (pod));

  pair_audit (round);

  stats.attempts += attempts;
  stats.accepted += accepted;
  stats.refused += refused;
  stats.ran += ran;
  stats.discarded += accepted - ran;
  stats.obj_accepted += round->objects->len;
  stats.obj_succeeded += obj_succeeded;
  stats.obj_cancelled += obj_cancelled;
}

typedef struct
{
  gboolean  done, ok;
  GError   *error;
} ControlShutdown;

static void
control_shutdown_done (GObject      *pod,
                       GAsyncResult *result,
                       gpointer      data)
{
  ControlShutdown *shutdown = data;

  shutdown->ok = gopod_pod_shutdown_finish (GOPOD_POD (pod), result, &shutdown->error);
  shutdown->done = TRUE;
}

static void
control_shutdown (Round *round)
{
  ControlShutdown shutdown = { FALSE, FALSE, NULL };

  if (round->mode == GOPOD_SHUTDOWN_DRAIN || round->pair_spacing == 0)
    {
      CHECK (gopod_pod_shutdown (round->pod, round->mode, NULL, &shutdown.error),
             "round %u: shutdown failed: %s", round->index, shutdown.error->message);
      return;
    }
  /* The discard may drop the send a running receive waits for, or the
   * receive a running send waits for: the cancel ends those waits. Only
   * once the shutdown began, so that pairs that ran before it are left
   * alone; a send refused from then on, which its producer makes itself,
   * may wait for it too. */
  gopod_pod_shutdown_async (round->pod, round->mode, NULL, control_shutdown_done, &shutdown);
  g_cancellable_cancel (round->pair_cancel);
  while (!shutdown.done)
    g_main_context_iteration (NULL, TRUE);
  CHECK (shutdown.ok, "round %u: shutdown failed: %s", round->index, shutdown.error->message);
}

static void
run_round (guint index, guint n_jobs, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  Round round = { 0, };
  GThread *threads[MAX_PRODUCERS];
  gboolean paused;
  guint64 shutdown_at;
  g_autoptr(GError) error = NULL;

  round.index = index;
  round.n_jobs = n_jobs;
  round.runs = g_new0 (gint, n_jobs);
  round.accepted = g_new0 (guint8, n_jobs);
  round.objects = g_ptr_array_new_with_free_func (object_record_free);
  round.max_workers = g_rand_int_range (rand, 1, MAX_WORKERS + 1);
  round.n_producers = g_rand_int_range (rand, 1, (gint32) opt_threads + 1);
  round.mode = chance (rand, 50) ? GOPOD_SHUTDOWN_DRAIN : GOPOD_SHUTDOWN_DISCARD;
  /* Pairs in every round but each fifth (so that the shortest run has
   * some), a producer trying one every 256 to 32768 jobs: fewer are made,
   * since a pair waits for a slot. */
  if (index % 5 != 4)
    {
      round.pair_spacing = 1u << g_rand_int_range (rand, 8, 16);
      round.pair_min = g_rand_int_range (rand, 2, MAX_PAIR_MIN + 1);
      round.n_pair_slots = round.pair_min - 1;
    }
  round.pair_cancel = g_cancellable_new ();
  /* Half the rounds shut down with the producers still at it. */
  shutdown_at = chance (rand, 50) ? n_jobs : (guint64) g_rand_int_range (rand, 0, (gint32) n_jobs + 1);

  round.pod = gopod_pod_new (round.max_workers);
  /* Too few workers for a pair: no pair until the control thread sets more. */
  if (round.max_workers < round.pair_min)
    {
      round.control_holds_slots = TRUE;
      for (guint i = 0; i < round.n_pair_slots; i++)
        round.pair_slots[i] = &pair_slot_held;
    }
  if (chance (rand, 30))
    gopod_pod_set_idle_timeout_ms (round.pod, g_rand_int_range (rand, 1, 5));
  paused = chance (rand, 20);
  if (!paused)
    gopod_pod_start (round.pod);

  current_round = &round;
  SET (watched_round, index + 1);

  for (guint i = 0; i < round.n_producers; i++)
    {
      Producer *p = &round.producers[i];

      p->round = &round;
      p->id = i;
      p->rand = g_rand_new_with_seed (g_rand_int (rand));
      p->first = p->next = (guint) ((guint64) n_jobs * i / round.n_producers);
      p->end = (guint) ((guint64) n_jobs * (i + 1) / round.n_producers);
      p->pair_at = round.pair_spacing > 0
                   ? p->first + g_rand_int_range (p->rand, 0, 2 * (gint32) round.pair_spacing)
                   : G_MAXUINT;
    }
  for (guint i = 0; i < round.n_producers; i++)
    threads[i] = g_thread_new ("producer", producer_main, &round.producers[i]);

  while (round_attempts (&round) < shutdown_at &&
         (guint) g_atomic_int_get (&round.producers_done) < round.n_producers)
    control_move (&round, rand, &paused);

  /* The check may let the pod run what was queued before the send it waits
   * for, which a DISCARD would have dropped: before a DISCARD it is made one
   * time in two, and in the first round always, so that the shortest run
   * checks. */
  if (round.pair_spacing > 0 &&
      (round.mode == GOPOD_SHUTDOWN_DRAIN || index == 0 || chance (rand, 50)))
    {
      SET (round.phase, PHASE_CHECKING_PAIRS);
      control_check_pairs (&round);
    }

  /* The producers are done: sometimes wait for the pod to be idle first. */
  if ((guint) g_atomic_int_get (&round.producers_done) == round.n_producers && chance (rand, 30))
    {
      if (paused)
        {
          gopod_pod_start (round.pod);
          paused = FALSE;
        }
      SET (round.phase, PHASE_WAITING);
      CHECK (gopod_pod_wait (round.pod, NULL, &error), "wait failed: %s", error->message);
      check_idle (&round);
      stats.waits++;
    }

  SET (round.phase, PHASE_SHUTTING_DOWN);
  control_shutdown (&round);
  if (round.mode == GOPOD_SHUTDOWN_DRAIN)
    stats.drains++;
  else
    stats.discards++;

  SET (round.phase, PHASE_JOINING);
  for (guint i = 0; i < round.n_producers; i++)
    {
      g_thread_join (threads[i]);
      stats.bursts += round.producers[i].bursts;
      stats.full_bursts += round.producers[i].full_bursts;
    }

  SET (round.phase, PHASE_AUDIT);
  audit (&round);
  SET (watched_round, 0);

  for (guint i = 0; i < round.n_producers; i++)
    {
      Pair *older;

      for (Pair *pair = round.producers[i].pairs; pair != NULL; pair = older)
        {
          older = pair->older;
          pair_free (pair);
        }
      g_rand_free (round.producers[i].rand);
    }
  g_object_unref (round.pair_cancel);
  g_object_unref (round.pod);
  g_ptr_array_unref (round.objects);
  g_free (round.runs);
  g_free (round.accepted);
  g_rand_free (rand);
  stats.rounds++;
}

/* ------------------------------------------------------------------ */
/* Watchdog: a round that lasts too long is a hang                     */

static GMutex watchdog_lock;
static GCond watchdog_cond;
static gboolean watchdog_stop;

static gpointer
watchdog_main (gpointer data)
{
  guint seen = 0;
  gint64 since = g_get_monotonic_time ();

  g_mutex_lock (&watchdog_lock);
  while (!watchdog_stop)
    {
      gint64 now = g_get_monotonic_time ();
      guint watched = GET (watched_round);

      if (watched != seen)
        {
          seen = watched;
          since = now;
        }
      else if (watched != 0 && now - since > (gint64) opt_watchdog_s * G_USEC_PER_SEC)
        {
          Round *round = current_round;

          fprintf (stderr, "stress-light: FAILED: WATCHDOG: round %u did not end in %u s: "
                   "%s, %s shutdown, max-workers %u at the start, %u producers (%d done), "
                   "%" G_GUINT64_FORMAT " of %u jobs submitted, %d pairs made, %u outstanding; "
                   "backtraces follow\n",
                   round->index, opt_watchdog_s, phase_names[GET (round->phase)],
                   round->mode == GOPOD_SHUTDOWN_DRAIN ? "DRAIN" : "DISCARD",
                   round->max_workers, round->n_producers, GET (round->producers_done),
                   round_attempts (round), round->n_jobs, GET (round->pairs_made),
                   pair_count_outstanding (round));
          stress_dump_threads ("stress-light");
          print_replay ();
          abort ();
        }
      /* A timed wait for the stop signal, not a poll of the work. */
      g_cond_wait_until (&watchdog_cond, &watchdog_lock, now + G_USEC_PER_SEC);
    }
  g_mutex_unlock (&watchdog_lock);
  return NULL;
}

int
main (int argc, char *argv[])
{
  gint64 seed = -1, ops = -1;
  gint round_jobs = -1, watchdog_s = -1, threads = -1;
  GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed", "N" },
    { "run-id", 0, 0, G_OPTION_ARG_INT64, &seed, "Same as --seed", "N" },
    { "ops", 0, 0, G_OPTION_ARG_INT64, &ops, "Light submits in all (default 250000000)", "N" },
    { "round-jobs", 0, 0, G_OPTION_ARG_INT, &round_jobs, "Most light jobs a round makes (default 600000)", "N" },
    { "round-ops", 0, 0, G_OPTION_ARG_INT, &round_jobs, "Same as --round-jobs", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Most producer threads a round has (default 4)", "N" },
    { "watchdog-s", 0, 0, G_OPTION_ARG_INT, &watchdog_s, "Abort when a round lasts this long (default 60)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- stress plain light jobs");
  g_autoptr(GError) error = NULL;
  GThread *watchdog;
  GRand *rand;
  gint64 start;
  guint rounds = 0;

  argv0 = argv[0];
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      fprintf (stderr, "stress-light: %s\n", error->message);
      return 2;
    }
  opt_seed = seed >= 0 ? (guint64) seed : (guint64) g_random_int ();
  if (ops > 0)
    opt_ops = (guint64) ops;
  if (round_jobs > 0)
    opt_round_jobs = (guint) round_jobs;
  if (watchdog_s > 0)
    opt_watchdog_s = (guint) watchdog_s;
  if (threads > 0)
    opt_threads = MIN ((guint) threads, MAX_PRODUCERS);
  printf ("stress-light: seed %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
          " light submits, at most %u a round\n", opt_seed, opt_ops, opt_round_jobs);
  fflush (stdout);

  rand = g_rand_new_with_seed ((guint32) opt_seed);
  watchdog = g_thread_new ("watchdog", watchdog_main, NULL);
  start = g_get_monotonic_time ();

  /* A round shut down early submits fewer than it numbered: count submits. */
  while (stats.attempts < opt_ops)
    {
      guint64 n = (guint64) g_rand_int_range (rand, 1, (gint32) opt_round_jobs + 1);

      n = MIN (n, opt_ops - stats.attempts);
      run_round (rounds++, (guint) n, g_rand_int (rand));
    }

  g_mutex_lock (&watchdog_lock);
  watchdog_stop = TRUE;
  g_cond_signal (&watchdog_cond);
  g_mutex_unlock (&watchdog_lock);
  g_thread_join (watchdog);
  g_rand_free (rand);

  printf ("stress-light: %" G_GUINT64_FORMAT " light submits in %u rounds, %.1f s: %"
          G_GUINT64_FORMAT " accepted, %" G_GUINT64_FORMAT " refused (closed), %" G_GUINT64_FORMAT
          " ran, %" G_GUINT64_FORMAT " discarded; %" G_GUINT64_FORMAT " bursts (%" G_GUINT64_FORMAT
          " of a chunk or more); %" G_GUINT64_FORMAT " object jobs (%" G_GUINT64_FORMAT " succeeded, %"
          G_GUINT64_FORMAT " cancelled); %" G_GUINT64_FORMAT " pauses, %" G_GUINT64_FORMAT " starts, %"
          G_GUINT64_FORMAT " resizes, %" G_GUINT64_FORMAT " waits; %" G_GUINT64_FORMAT " DRAIN, %"
          G_GUINT64_FORMAT " DISCARD\n",
          stats.attempts, rounds, (g_get_monotonic_time () - start) / 1e6,
          stats.accepted, stats.refused, stats.ran, stats.discarded, stats.bursts, stats.full_bursts,
          stats.obj_accepted, stats.obj_succeeded, stats.obj_cancelled,
          stats.pauses, stats.starts, stats.resizes, stats.waits, stats.drains, stats.discards);
  printf ("stress-light: %" G_GUINT64_FORMAT " pairs (a receive on an unbuffered channel and the "
          "send that answers it) in %" G_GUINT64_FORMAT " rounds: %" G_GUINT64_FORMAT " completed, %"
          G_GUINT64_FORMAT " sends refused (closed) and made by the producer; %" G_GUINT64_FORMAT
          " receives and %" G_GUINT64_FORMAT " sends cancelled, %" G_GUINT64_FORMAT
          " halves discarded (DISCARD); %" G_GUINT64_FORMAT " found with a half running before "
          "the shutdown and waited for\n",
          stats.pairs, stats.pair_rounds, stats.pairs_completed, stats.pair_sends_refused,
          stats.pair_receives_cancelled, stats.pair_sends_cancelled, stats.pair_halves_discarded,
          stats.pair_checks_waited);
  printf ("stress-light: OK: every accepted light job ran exactly once (DRAIN) or at most once "
          "(DISCARD), no refused one ran, every pair completed (DRAIN) or its halves agree "
          "(DISCARD), and the pod's counters add up\n");
  return 0;
}
