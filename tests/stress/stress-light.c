/* stress-light.c: plain light jobs (gopod_pod_submit() without a destroy
 * notify) at volume, where chunks fill and are handed on to their holder,
 * with pauses, resizes and object jobs mixed in; every job accepted runs
 * exactly once (or, discarded, at most once)
 *
 * Each round makes a pod of 1..8 max-workers (started or left paused, its
 * idle timeout sometimes a few ms so that workers leave and come back).
 * 1..4 producer threads (--threads) submit jobs with no destroy notify, one slot a job,
 * in bursts of 1..2000 back to back (a chunk holds 256: bursts fill chunks
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

static guint64 opt_seed;
static guint64 opt_ops = 250000000;
static guint opt_round_jobs = 600000;
static guint opt_watchdog_s = 60;
static guint opt_threads = 4;  /* the most producers a round has */
static char *argv0;

#define MAX_PRODUCERS 16
#define MAX_WORKERS 8
#define MAX_BURST 2000

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
  PHASE_WAITING,
  PHASE_SHUTTING_DOWN,
  PHASE_JOINING,
  PHASE_AUDIT,
} Phase;

static const char *const phase_names[] = {
  "producing", "in gopod_pod_wait()", "in gopod_pod_shutdown()",
  "joining the producers", "auditing",
};

typedef struct _Round Round;

typedef struct
{
  Round   *round;
  guint    id;
  GRand   *rand;
  guint    first, end;   /* its job numbers */
  guint    next;         /* atomic: the next one it submits */
  guint64  accepted, refused, bursts, full_bursts;
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
};

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
      if (n >= 256)
        p->full_bursts++;
      for (guint k = 0; k < n; k++)
        {
          guint i = p->next;
          GError *error = NULL;

          if (gopod_pod_submit (round->pod, light_job, &round->runs[i], NULL, &error))
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
      gopod_pod_set_max_workers (round->pod, g_rand_int_range (rand, 1, MAX_WORKERS + 1));
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

  stats.attempts += attempts;
  stats.accepted += accepted;
  stats.refused += refused;
  stats.ran += ran;
  stats.discarded += accepted - ran;
  stats.obj_accepted += round->objects->len;
  stats.obj_succeeded += obj_succeeded;
  stats.obj_cancelled += obj_cancelled;
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
  /* Half the rounds shut down with the producers still at it. */
  shutdown_at = chance (rand, 50) ? n_jobs : (guint64) g_rand_int_range (rand, 0, (gint32) n_jobs + 1);

  round.pod = gopod_pod_new (round.max_workers);
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
    }
  for (guint i = 0; i < round.n_producers; i++)
    threads[i] = g_thread_new ("producer", producer_main, &round.producers[i]);

  while (round_attempts (&round) < shutdown_at &&
         (guint) g_atomic_int_get (&round.producers_done) < round.n_producers)
    control_move (&round, rand, &paused);

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
  CHECK (gopod_pod_shutdown (round.pod, round.mode, NULL, &error),
         "round %u: shutdown failed: %s", index, error->message);
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
    g_rand_free (round.producers[i].rand);
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
                   "%" G_GUINT64_FORMAT " of %u jobs submitted; backtraces follow\n",
                   round->index, opt_watchdog_s, phase_names[GET (round->phase)],
                   round->mode == GOPOD_SHUTDOWN_DRAIN ? "DRAIN" : "DISCARD",
                   round->max_workers, round->n_producers, GET (round->producers_done),
                   round_attempts (round), round->n_jobs);
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
  printf ("stress-light: OK: every accepted light job ran exactly once (DRAIN) or at most once "
          "(DISCARD), no refused one ran, and the pod's counters add up\n");
  return 0;
}
