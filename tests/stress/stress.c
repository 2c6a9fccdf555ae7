/* stress.c: mixed operations on every pod-glib class from many threads,
 * with fault injection and a watchdog
 *
 * Each round makes one pod, one resource pool and one throttler, and lets
 * --threads producer threads throw a reproducible random mix of operations at
 * them: submit, add (blocking and not), run_async, main-context jobs,
 * cancel, per-job timeouts, resize up and down, pause and start, wait,
 * shutdown in both modes while the others still add, acquire, release,
 * destroy and close, throttle and done, and whole runners. Faults are
 * injected all along: factories and jobs that fail, jobs that time out or
 * ignore their cancellable, and callbacks that re-enter the library
 * (submitting from `finish`, releasing from `close`, shutting down from a
 * completion callback). At the end of each round every accepted job,
 * resource and throttled call is accounted for; then a pool its user
 * dropped is given back its resources from every thread at once (it must
 * outlive every release still inside its close), runners are started from
 * a thread whose context another thread runs, jobs only a pod held are
 * ended by several workers at once without a main loop (each freed by the
 * end of the shutdown), and a dispatch-interval window is paused or shrunk
 * while workers wait for their start times.
 * Half the rounds run no main loop: the main thread blocks in gopod_pod_wait() while producers add
 * main-context jobs (which that wait must begin), and every job that only
 * the pod held must have been freed by the end of the blocking shutdown.
 * Jobs with a timeout that ran past it must end FAILED with
 * GOPOD_ERROR_TIMEOUT; dispatch-interval windows (a long interval set, then
 * lowered) must not hold workers to the old interval.
 *
 * Usage: stress [--run-id N] [--ops N] [--threads N] [--round-ops N]
 *               [--watchdog-s N] [--classes pod,pool,throttler,runner]
 * The run id (the random generator's start value) is printed first; a
 * failure prints the command that replays it. A run id fixes each thread's
 * sequence of operations; the interleaving of the threads is the OS's, so a
 * failing run id makes the failure likely, not certain: run it a few times (see doc/reliability.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pod-glib.h>

#include "stress-backtrace.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Options, statistics and failure reporting                           */

static guint64 opt_run_id;
static guint64 opt_ops = 1000000;
static guint opt_threads = 4;
static guint opt_round_ops = 20000;
static guint opt_watchdog_s = 60;
static gboolean use_pod = TRUE, use_pool = TRUE, use_throttler = TRUE, use_runner = TRUE;
static char *argv0;

#define ADD(var, n) __atomic_add_fetch (&(var), (n), __ATOMIC_SEQ_CST)
#define INC(var) ADD (var, 1)
#define GET(var) __atomic_load_n (&(var), __ATOMIC_SEQ_CST)

/* Global tallies, printed at the end; "faults" are the injected ones. */
static struct
{
  guint64 ops;
  guint64 rounds;
  guint64 jobs_accepted, jobs_rejected, light_accepted, light_rejected;
  guint64 run_async_calls, main_jobs;
  guint64 cancels, resizes, pauses, waits, shutdowns_drain, shutdowns_discard;
  guint64 dispatch_windows, func_jobs, loopless_rounds;
  guint64 acquires, acquire_errors, releases, destroys, pool_closes;
  guint64 throttles, throttle_resizes;
  guint64 runners, runner_tasks;
  guint64 dropped_pool_releases, runners_elsewhere, loopless_releases, interval_windows;
  guint64 shrink_windows, reported_checks, counted_windows, pool_bound_windows;
  /* injected faults */
  guint64 f_job_fail, f_job_false, f_job_timeout, f_job_ignore_cancel;
  guint64 f_factory_error, f_factory_null;
  guint64 f_done_error, f_task_fail;
  guint64 f_submit_from_finish, f_release_from_close, f_shutdown_from_callback;
  guint64 f_interrupts;
} stats;

static G_NORETURN void
die (const char *where, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
print_replay (void)
{
  fprintf (stderr, "stress: replay with: %s --run-id %" G_GUINT64_FORMAT
           " --ops %" G_GUINT64_FORMAT " --threads %u --round-ops %u\n",
           argv0, opt_run_id, opt_ops, opt_threads, opt_round_ops);
}

static void
die (const char *where, const char *fmt, ...)
{
  va_list args;

  fprintf (stderr, "stress: FAILED at %s: ", where);
  va_start (args, fmt);
  vfprintf (stderr, fmt, args);
  va_end (args);
  fprintf (stderr, "\n");
  print_replay ();
  abort ();
}

#define CHECK(cond, ...) \
  G_STMT_START { if (G_UNLIKELY (!(cond))) die (G_STRLOC, "(" #cond ") " __VA_ARGS__); } G_STMT_END

/* Bounded concurrency gauge: how many now, and the most ever. */
typedef struct
{
  int now;
  int peak;
} Gauge;

static int
gauge_enter (Gauge *g)
{
  int now = INC (g->now);
  int peak = GET (g->peak);

  while (now > peak &&
         !__atomic_compare_exchange_n (&g->peak, &peak, now, FALSE,
                                       __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
    ;
  return now;
}

static void
gauge_leave (Gauge *g)
{
  ADD (g->now, -1);
}

/* ------------------------------------------------------------------ */
/* Watchdog: aborts with every thread's backtrace when progress stops  */

static GMutex watchdog_lock;
static GCond watchdog_cond;
static gboolean watchdog_stop;

static gpointer
watchdog_main (gpointer data)
{
  guint64 last = GET (stats.ops);
  gint64 last_change = g_get_monotonic_time ();

  g_mutex_lock (&watchdog_lock);
  while (!watchdog_stop)
    {
      gint64 now = g_get_monotonic_time ();
      guint64 ops = GET (stats.ops);

      if (ops != last)
        {
          last = ops;
          last_change = now;
        }
      else if (now - last_change > (gint64) opt_watchdog_s * G_USEC_PER_SEC)
        {
          fprintf (stderr, "stress: WATCHDOG: no progress for %u s at %" G_GUINT64_FORMAT
                   " operations, round %" G_GUINT64_FORMAT "; backtraces follow\n",
                   opt_watchdog_s, ops, GET (stats.rounds));
          stress_dump_threads ("stress");
          print_replay ();
          abort ();
        }
      /* A timed wait for the stop signal, not a poll of the work. */
      g_cond_wait_until (&watchdog_cond, &watchdog_lock, now + G_USEC_PER_SEC);
    }
  g_mutex_unlock (&watchdog_lock);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* The round: the shared objects and what was done to them             */

#define MAX_WORKERS_CAP 6
#define POOL_MAX_SIZE 4
#define THROTTLE_CAP 5

typedef struct _Round Round;

/* Jobs made with gopod_job_new_func() that only the pod holds. */
typedef struct
{
  guint64 made, accepted, ran, freed;
} FuncJobs;

struct _Round
{
  guint index;
  GMainContext *context;        /* the main thread's; the pod's context */

  GopodPod *pod;
  GopodResourcePool *pool;
  GopodThrottler *throttler;

  /* shutdown / close in the middle of the round, by one thread */
  guint closer_thread;
  guint close_at;
  int pod_closed;               /* someone asked for a shutdown */

  /* pod accounting */
  guint64 light_accepted, light_refused, light_ran, light_discarded, light_destroyed;
                                /* light_discarded: destroyed unrun, refused ones too */
  guint64 jobs_accepted;
  FuncJobs func;                /* fire-and-forget jobs, freed by the pod */
  gboolean no_main_loop;        /* the main thread blocks in the pod's waits */
  GMutex jobs_lock;
  GPtrArray *jobs;              /* every job handed to the pod, accepted or not */
  Gauge running;
  guint64 async_calls, async_callbacks;
  /* object jobs whose end a wait or a run_async callback reported, by
   * outcome: the pod counted each before (rule P12) */
  guint64 reported_succeeded, reported_failed, reported_cancelled;

  /* resource pool accounting */
  GMutex res_lock;
  GPtrArray *resources;         /* every resource the factory made */
  guint64 created, acquired;
  Gauge held;

  /* throttler accounting: jobs are "launched" to the done thread before
   * throttle(), as in throttler's own examples, and the done thread ends
   * them in order; in_flight counts those throttle() let through. */
  Gauge in_flight;
  guint64 throttled, done, done_errors;
  GAsyncQueue *done_queue;
  GThread *done_thread;

  /* producers still running */
  int producers;
};

static GQuark
stress_error_quark (void)
{
  return g_quark_from_static_string ("stress-fault");
}
#define STRESS_ERROR (stress_error_quark ())

/* Per-thread state of a producer. */
typedef struct
{
  Round *round;
  guint id;
  GRand *rand;
  GMainContext *context;        /* run_async callbacks come here */
  int pending;                  /* async calls not called back yet */
  GPtrArray *recent;            /* jobs this thread may cancel */
} Producer;

static GPrivate current_producer;

static gboolean
chance (GRand *rand, int percent)
{
  return g_rand_int_range (rand, 0, 1000) < percent * 10;
}

static void
tick (void)
{
  INC (stats.ops);
}

/* ------------------------------------------------------------------ */
/* Light jobs                                                          */

typedef struct
{
  Round *round;
  int runs;
  GopodRunner *runner;          /* non-NULL: interrupt it when run */
} Light;

static void
light_run (gpointer data)
{
  Light *l = data;
  int n = INC (l->runs);

  CHECK (n == 1, "light job ran %d times", n);
  CHECK (gauge_enter (&l->round->running) <= MAX_WORKERS_CAP, "pod ran more than its bound");
  INC (l->round->light_ran);
  gauge_leave (&l->round->running);
  if (l->runner != NULL)
    {
      INC (stats.f_interrupts);
      gopod_runner_interrupt (l->runner);
    }
}

static void
light_destroy (gpointer data)
{
  Light *l = data;

  INC (l->round->light_destroyed);
  if (GET (l->runs) == 0)
    INC (l->round->light_discarded);
  g_clear_object (&l->runner);
  /* Poisoned before the free, so a second destroy is caught by ASan/valgrind
   * as a use after free and by this check otherwise. */
  CHECK (l->runs != -1000, "light job destroyed twice");
  l->runs = -1000;
  g_free (l);
}

/* TRUE when the pod took the job. */
static gboolean
submit_light_full (Round *round, GopodRunner *runner)
{
  Light *l = g_new0 (Light, 1);
  g_autoptr(GError) error = NULL;

  l->round = round;
  l->runner = runner != NULL ? g_object_ref (runner) : NULL;
  if (gopod_pod_submit (round->pod, light_run, l, light_destroy, &error))
    {
      INC (round->light_accepted);
      INC (stats.light_accepted);
      return TRUE;
    }
  CHECK (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED) ||
         g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL),
         "submit failed with %s", error->message);
  INC (round->light_refused);
  INC (stats.light_rejected);
  return FALSE;
}

static gboolean
submit_light (Round *round)
{
  return submit_light_full (round, NULL);
}

/* ------------------------------------------------------------------ */
/* Object jobs                                                         */

typedef enum
{
  BEHAVE_SUCCEED,
  BEHAVE_FAIL,          /* returns FALSE with an error */
  BEHAVE_FALSE,         /* returns FALSE without an error */
  BEHAVE_BLOCK,         /* blocks until cancelled (always has a timeout) */
  BEHAVE_IGNORE,        /* ignores its cancellable for a while, then succeeds */
} Behaviour;

typedef struct
{
  GopodJob parent_instance;
  Round *round;
  Behaviour behaviour;
  gboolean submit_from_finish;
  int runs;
  int begins;
  int finishes;
  gint64 run_us;                /* how long run took */
  gboolean cancelled_in_run;    /* its cancellable was cancelled when run returned */
} StressJob;

typedef struct
{
  GopodJobClass parent_class;
} StressJobClass;

static GType stress_job_get_type (void);
G_DEFINE_TYPE (StressJob, stress_job, GOPOD_TYPE_JOB)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StressJob, g_object_unref)
#define STRESS_JOB(o) ((StressJob *) (o))

static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  GMutex *lock = ((gpointer *) data)[0];
  GCond *cond = ((gpointer *) data)[1];

  g_mutex_lock (lock);
  g_cond_broadcast (cond);
  g_mutex_unlock (lock);
}

static void
block_until_cancelled (GCancellable *cancellable)
{
  GMutex lock;
  GCond cond;
  gpointer data[2] = { &lock, &cond };
  gulong id;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  /* Connect before locking: on an already cancelled cancellable the handler
   * runs at once, in here, and takes the lock. */
  id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), data, NULL);
  g_mutex_lock (&lock);
  while (!g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&cond, &lock);
  g_mutex_unlock (&lock);
  g_cancellable_disconnect (cancellable, id);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
}

static gboolean
behave (Behaviour behaviour, GCancellable *cancellable, GError **error)
{
  switch (behaviour)
    {
    case BEHAVE_SUCCEED:
      return TRUE;
    case BEHAVE_FAIL:
      g_set_error_literal (error, STRESS_ERROR, 2, "fault: job failed");
      return FALSE;
    case BEHAVE_FALSE:
      return FALSE;
    case BEHAVE_BLOCK:
      block_until_cancelled (cancellable);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return FALSE;
    case BEHAVE_IGNORE:
      g_usleep (g_random_int_range (0, 10) == 0 ? 4000 : 200);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
stress_job_run (GopodJob *job, GCancellable *cancellable, GError **error)
{
  StressJob *self = STRESS_JOB (job);
  int n = INC (self->runs);
  gint64 started = g_get_monotonic_time ();
  gboolean ok;

  CHECK (n == 1, "job ran %d times", n);
  CHECK (gauge_enter (&self->round->running) <= MAX_WORKERS_CAP, "pod ran more than its bound");
  ok = behave (self->behaviour, cancellable, error);
  gauge_leave (&self->round->running);
  self->run_us = g_get_monotonic_time () - started;
  self->cancelled_in_run = g_cancellable_is_cancelled (cancellable);
  return ok;
}

static void
stress_job_finish (GopodJob *job)
{
  StressJob *self = STRESS_JOB (job);
  int n = INC (self->finishes);

  CHECK (n == 1, "finish ran %d times", n);
  /* Re-entry: submit to the pod from finish, whatever thread this is. */
  if (self->submit_from_finish && self->round->pod != NULL)
    {
      INC (stats.f_submit_from_finish);
      submit_light (self->round);
    }
}

static void
stress_job_class_init (StressJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->run = stress_job_run;
  GOPOD_JOB_CLASS (klass)->finish = stress_job_finish;
}

static void
stress_job_init (StressJob *self)
{
}

/* A main-context job: begin on the pod's context, complete from an idle. */
typedef struct
{
  StressJob parent_instance;
} StressMainJob;

typedef struct
{
  StressJobClass parent_class;
} StressMainJobClass;

static GType stress_main_job_get_type (void);
G_DEFINE_TYPE (StressMainJob, stress_main_job, stress_job_get_type ())

static gboolean
complete_main_job (gpointer data)
{
  StressJob *self = data;
  g_autoptr(GError) error = NULL;

  if (self->behaviour == BEHAVE_FAIL)
    error = g_error_new_literal (STRESS_ERROR, 3, "fault: main-context job failed");
  gopod_job_complete (GOPOD_JOB (self), error);
  return G_SOURCE_REMOVE;
}

static gboolean
stress_main_job_begin (GopodJob *job, GCancellable *cancellable, GError **error)
{
  StressJob *self = STRESS_JOB (job);
  int n = INC (self->begins);
  GSource *source;

  CHECK (n == 1, "begin ran %d times", n);
  source = g_idle_source_new ();
  g_source_set_callback (source, complete_main_job, g_object_ref (job), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return TRUE;
}

static void
stress_main_job_class_init (StressMainJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->begin = stress_main_job_begin;
}

static void
stress_main_job_init (StressMainJob *self)
{
}

static StressJob *
new_job (Producer *p, gboolean main_context)
{
  GRand *r = p->rand;
  StressJob *job = g_object_new (main_context ? stress_main_job_get_type ()
                                              : stress_job_get_type (), NULL);
  int pick = g_rand_int_range (r, 0, 100);

  job->round = p->round;
  if (main_context)
    job->behaviour = pick < 20 ? BEHAVE_FAIL : BEHAVE_SUCCEED;
  else if (pick < 60)
    job->behaviour = BEHAVE_SUCCEED;
  else if (pick < 70)
    job->behaviour = BEHAVE_FAIL;
  else if (pick < 75)
    job->behaviour = BEHAVE_FALSE;
  else if (pick < 85)
    job->behaviour = BEHAVE_BLOCK;
  else
    job->behaviour = BEHAVE_IGNORE;

  switch (job->behaviour)
    {
    case BEHAVE_FAIL: INC (stats.f_job_fail); break;
    case BEHAVE_FALSE: INC (stats.f_job_false); break;
    case BEHAVE_IGNORE: INC (stats.f_job_ignore_cancel); break;
    default: break;
    }
  /* A blocking job always has a deadline; others sometimes. */
  if (job->behaviour == BEHAVE_BLOCK || (!main_context && chance (r, 5)))
    {
      gopod_job_set_timeout_ms (GOPOD_JOB (job), 1 + g_rand_int_range (r, 0, 3));
      INC (stats.f_job_timeout);
    }
  gopod_job_set_priority (GOPOD_JOB (job), g_rand_int_range (r, -2, 3));
  job->submit_from_finish = chance (r, 5);

  g_mutex_lock (&p->round->jobs_lock);
  g_ptr_array_add (p->round->jobs, g_object_ref (job));
  g_mutex_unlock (&p->round->jobs_lock);
  return job;
}

static void
job_accepted (Producer *p, StressJob *job)
{
  INC (p->round->jobs_accepted);
  INC (stats.jobs_accepted);
  g_ptr_array_add (p->recent, g_object_ref (job));
  if (p->recent->len > 32)
    g_ptr_array_remove_index_fast (p->recent, g_rand_int_range (p->rand, 0, p->recent->len));
}

static void
job_rejected (StressJob *job, const GError *error)
{
  CHECK (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED) ||
         g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL),
         "add failed with %s", error->message);
  INC (stats.jobs_rejected);
}

/* A job's end was just reported (its wait returned, its run_async
 * callback runs): the pod's counters include it already (internals rule
 * P12). Counters only grow and light jobs only add to them, so each must
 * be at least the number of object jobs reported with that outcome. */
static void
check_reported (Round *round, GopodJobState state)
{
  guint64 *reported;
  guint64 (*counted) (GopodPod *pod);
  const char *what;
  guint64 n;

  switch (state)
    {
    case GOPOD_JOB_STATE_SUCCEEDED:
      reported = &round->reported_succeeded, counted = gopod_pod_get_succeeded, what = "successes";
      break;
    case GOPOD_JOB_STATE_FAILED:
      reported = &round->reported_failed, counted = gopod_pod_get_failed, what = "failures";
      break;
    case GOPOD_JOB_STATE_CANCELLED:
      reported = &round->reported_cancelled, counted = gopod_pod_get_cancelled, what = "cancels";
      break;
    default:
      die (G_STRLOC, "a reported end in state %d", state);
    }
  n = INC (*reported);
  CHECK (counted (round->pod) >= n, "%" G_GUINT64_FORMAT " %s reported, the pod counted %"
         G_GUINT64_FORMAT, n, what, counted (round->pod));
  INC (stats.reported_checks);
}

/* ------------------------------------------------------------------ */
/* Pod operations                                                      */

static void
op_add_job (Producer *p, gboolean blocking, gboolean main_context)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StressJob) job = new_job (p, main_context);
  gboolean ok;

  if (main_context)
    INC (stats.main_jobs);
  if (blocking)
    ok = gopod_pod_add_job (p->round->pod, GOPOD_JOB (job), NULL, &error);
  else
    ok = gopod_pod_try_add_job (p->round->pod, GOPOD_JOB (job), &error);
  if (ok)
    job_accepted (p, job);
  else
    job_rejected (job, error);
}

/* Adds a thread job and waits for it: when the wait returns, the pod has
 * counted it (rule P12). */
static void
op_add_and_wait (Producer *p)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StressJob) job = new_job (p, FALSE);

  if (!gopod_pod_try_add_job (p->round->pod, GOPOD_JOB (job), &error))
    {
      job_rejected (job, error);
      return;
    }
  job_accepted (p, job);
  gopod_job_wait (GOPOD_JOB (job), NULL, NULL);
  check_reported (p->round, gopod_job_get_state (GOPOD_JOB (job)));
}

typedef struct
{
  Producer *producer;
  StressJob *job;
  gboolean shutdown_from_callback;
} AsyncCall;

static void
shutdown_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Producer *p = data;
  g_autoptr(GError) error = NULL;

  /* A second shutdown is refused with CLOSED (the first one waits). */
  if (!gopod_pod_shutdown_finish (GOPOD_POD (source), result, &error))
    CHECK (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED),
           "shutdown_async failed: %s", error->message);
  p->pending--;
}

static void
run_async_done (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncCall *call = data;
  Producer *p = call->producer;
  g_autoptr(GError) error = NULL;
  gboolean ok = gopod_pod_run_finish (GOPOD_POD (source), result, &error);
  GopodJobState state = gopod_job_get_state (GOPOD_JOB (call->job));

  INC (p->round->async_callbacks);
  CHECK (g_main_context_is_owner (p->context), "run_async callback on the wrong context");
  if (ok)
    CHECK (state == GOPOD_JOB_STATE_SUCCEEDED, "run_async TRUE for a job in state %d", state);
  else if (state == GOPOD_JOB_STATE_NEW)
    job_rejected (call->job, error);
  else
    CHECK (state == GOPOD_JOB_STATE_FAILED || state == GOPOD_JOB_STATE_CANCELLED,
           "run_async FALSE for a job in state %d", state);
  if (state != GOPOD_JOB_STATE_NEW)
    check_reported (p->round, state);
  if (state != GOPOD_JOB_STATE_NEW)
    {
      INC (p->round->jobs_accepted);
      INC (stats.jobs_accepted);
    }

  /* Re-entry: shut the pod down from a job's completion callback. */
  if (call->shutdown_from_callback)
    {
      INC (stats.f_shutdown_from_callback);
      INC (p->round->pod_closed);
      p->pending++;
      gopod_pod_shutdown_async (GOPOD_POD (source), GOPOD_SHUTDOWN_DISCARD, NULL,
                                shutdown_done, p);
    }
  g_object_unref (call->job);
  g_free (call);
  p->pending--;
}

static void
op_run_async (Producer *p)
{
  AsyncCall *call = g_new0 (AsyncCall, 1);

  call->producer = p;
  call->job = new_job (p, FALSE);
  call->shutdown_from_callback = chance (p->rand, 1) && chance (p->rand, 10);
  p->pending++;
  INC (p->round->async_calls);
  INC (stats.run_async_calls);
  gopod_pod_run_async (p->round->pod, GOPOD_JOB (call->job), NULL, run_async_done, call);
}

static void
op_cancel (Producer *p)
{
  GopodJob *job;

  if (p->recent->len == 0)
    return;
  job = g_ptr_array_index (p->recent, g_rand_int_range (p->rand, 0, p->recent->len));
  gopod_job_cancel (job);
  INC (stats.cancels);
}

static void
op_resize (Producer *p)
{
  GopodPod *pod = p->round->pod;

  if (chance (p->rand, 80))
    gopod_pod_set_max_workers (pod, 1 + g_rand_int_range (p->rand, 0, MAX_WORKERS_CAP));
  else
    gopod_pod_set_max_queued (pod, chance (p->rand, 50) ? 0 : 64 + g_rand_int_range (p->rand, 0, 512));
  INC (stats.resizes);
}

static gboolean
func_job_run (GopodJob *job, GCancellable *cancellable, gpointer counts, GError **error)
{
  INC (((FuncJobs *) counts)->ran);
  return TRUE;
}

static void
func_job_freed (gpointer counts)
{
  INC (((FuncJobs *) counts)->freed);
}

/* A job nobody but the pod holds, made on the calling thread's
 * thread-default context: the pod frees it, and its destroy notify runs,
 * main loop or not. */
static void
add_func_job (GopodPod *pod, FuncJobs *counts)
{
  GopodJob *job = gopod_job_new_func (func_job_run, counts, func_job_freed);

  INC (counts->made);
  INC (stats.func_jobs);
  /* Refused or not, the pod is the last to hold it. */
  if (gopod_pod_add_job (pod, job, NULL, NULL))
    INC (counts->accepted);
  g_object_unref (job);
}

typedef struct
{
  GopodPod *pod;
  FuncJobs *counts;
  guint     n;
} LooplessAdder;

/* A thread with no thread-default context: its jobs are made on the
 * global default one, which pushing could not do while a worker owns it. */
static gpointer
loopless_adder (gpointer data)
{
  LooplessAdder *a = data;

  for (guint i = 0; i < a->n; i++)
    add_func_job (a->pod, a->counts);
  return NULL;
}

/* One made on the global default context. */
static void
op_add_func_job (Producer *p)
{
  LooplessAdder adder = { p->round->pod, &p->round->func, 1 };

  g_thread_join (g_thread_new ("stress-func-job", loopless_adder, &adder));
}

/* A long dispatch interval, a few jobs, then none: workers waiting for a
 * start time under the old interval must look again. */
static void
op_dispatch_window (Producer *p)
{
  gopod_pod_set_dispatch_interval_ms (p->round->pod, 10000);
  for (int i = g_rand_int_range (p->rand, 1, 4); i > 0; i--)
    {
      tick ();
      op_add_job (p, FALSE, FALSE);
    }
  gopod_pod_set_dispatch_interval_ms (p->round->pod, 0);
  INC (stats.dispatch_windows);
}

static void
op_pause_window (Producer *p)
{
  /* Only non-blocking adds while paused: a blocking add into a full,
   * paused pod would wait for this very thread to start it again. */
  gopod_pod_pause (p->round->pod);
  for (int i = g_rand_int_range (p->rand, 0, 4); i > 0; i--)
    {
      tick ();
      if (chance (p->rand, 50))
        submit_light (p->round);
      else
        op_add_job (p, FALSE, FALSE);
    }
  gopod_pod_start (p->round->pod);
  INC (stats.pauses);
}

static void
op_wait (Producer *p)
{
  g_autoptr(GError) error = NULL;

  CHECK (gopod_pod_wait (p->round->pod, NULL, &error), "pod wait failed: %s", error->message);
  INC (stats.waits);
}

static void
op_shutdown (Producer *p, gboolean blocking)
{
  GopodShutdownMode mode = chance (p->rand, 50) ? GOPOD_SHUTDOWN_DRAIN : GOPOD_SHUTDOWN_DISCARD;
  g_autoptr(GError) error = NULL;

  INC (p->round->pod_closed);
  if (mode == GOPOD_SHUTDOWN_DRAIN)
    INC (stats.shutdowns_drain);
  else
    INC (stats.shutdowns_discard);
  if (blocking)
    CHECK (gopod_pod_shutdown (p->round->pod, mode, NULL, &error) ||
           g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED),
           "shutdown failed: %s", error->message);
  else
    {
      p->pending++;
      gopod_pod_shutdown_async (p->round->pod, mode, NULL, shutdown_done, p);
    }
}

static void
check_pod_bounds (Round *round)
{
  CHECK (gopod_pod_get_running (round->pod) <= MAX_WORKERS_CAP, "running above the bound");
  CHECK (gopod_pod_get_workers (round->pod) <= MAX_WORKERS_CAP, "workers above the bound");
}

/* ------------------------------------------------------------------ */
/* Resource pool                                                       */

typedef struct
{
  GObject parent_instance;
  int closes;
  int held;
} StressResource;

typedef struct
{
  GObjectClass parent_class;
} StressResourceClass;

static GType stress_resource_get_type (void);
G_DEFINE_TYPE (StressResource, stress_resource, G_TYPE_OBJECT)

static void stress_resource_class_init (StressResourceClass *k) { }
static void stress_resource_init (StressResource *self) { }

typedef struct
{
  GopodResourcePool parent_instance;
  Round *round;
} StressPool;

typedef struct
{
  GopodResourcePoolClass parent_class;
} StressPoolClass;

static GType stress_pool_get_type (void);
G_DEFINE_TYPE (StressPool, stress_pool, GOPOD_TYPE_RESOURCE_POOL)

/* The resource this thread holds and wants released from inside close. */
static GPrivate release_from_close;

static GObject *
stress_pool_create (GopodResourcePool *pool, GCancellable *cancellable, GError **error)
{
  StressPool *self = (StressPool *) pool;
  Producer *p = g_private_get (&current_producer);
  int pick = p != NULL ? g_rand_int_range (p->rand, 0, 100) : 50;
  StressResource *res;

  if (pick < 10)
    {
      INC (stats.f_factory_error);
      g_set_error_literal (error, STRESS_ERROR, 4, "fault: factory failed");
      return NULL;
    }
  if (pick < 12)
    {
      INC (stats.f_factory_null);
      return NULL;              /* no error set: the pool must make one */
    }
  res = g_object_new (stress_resource_get_type (), NULL);
  g_mutex_lock (&self->round->res_lock);
  g_ptr_array_add (self->round->resources, g_object_ref (res));
  g_mutex_unlock (&self->round->res_lock);
  INC (self->round->created);
  return G_OBJECT (res);
}

static void
stress_pool_close (GopodResourcePool *pool, GObject *resource)
{
  StressResource *res = (StressResource *) resource;
  GObject *other;
  int n = INC (res->closes);

  CHECK (n == 1, "resource closed %d times", n);
  CHECK (GET (res->held) == 0, "a held resource was closed");
  /* Re-entry: release another resource from inside close. */
  other = g_private_get (&release_from_close);
  if (other != NULL)
    {
      g_private_set (&release_from_close, NULL);
      INC (stats.f_release_from_close);
      CHECK (__atomic_exchange_n (&((StressResource *) other)->held, 0, __ATOMIC_SEQ_CST) == 1,
             "released a resource not held");
      gauge_leave (&((StressPool *) pool)->round->held);
      gopod_resource_pool_release (pool, other);
      g_object_unref (other);   /* acquire's reference; release takes none */
    }
  GOPOD_RESOURCE_POOL_CLASS (stress_pool_parent_class)->close (pool, resource);
}

static void
stress_pool_class_init (StressPoolClass *klass)
{
  GOPOD_RESOURCE_POOL_CLASS (klass)->create = stress_pool_create;
  GOPOD_RESOURCE_POOL_CLASS (klass)->close = stress_pool_close;
}

static void stress_pool_init (StressPool *self) { }

static StressResource *
acquire (Producer *p)
{
  g_autoptr(GError) error = NULL;
  StressResource *res;

  INC (stats.acquires);
  res = (StressResource *) gopod_resource_pool_acquire (p->round->pool, NULL, &error);
  if (res == NULL)
    {
      CHECK (error != NULL, "acquire returned NULL without an error");
      CHECK (error->domain == STRESS_ERROR || error->domain == GOPOD_ERROR,
             "unexpected acquire error %s", error->message);
      INC (stats.acquire_errors);
      return NULL;
    }
  INC (p->round->acquired);
  CHECK (__atomic_exchange_n (&res->held, 1, __ATOMIC_SEQ_CST) == 0,
         "a resource was handed to two holders");
  CHECK (GET (res->closes) == 0, "a closed resource was handed out");
  CHECK (gauge_enter (&p->round->held) <= POOL_MAX_SIZE, "pool exceeded max-size");
  return res;
}

static void
give_back (Producer *p, StressResource *res, gboolean destroy)
{
  CHECK (__atomic_exchange_n (&res->held, 0, __ATOMIC_SEQ_CST) == 1, "released a resource not held");
  gauge_leave (&p->round->held);
  if (destroy)
    {
      INC (stats.destroys);
      gopod_resource_pool_destroy (p->round->pool, G_OBJECT (res));
    }
  else
    {
      INC (stats.releases);
      gopod_resource_pool_release (p->round->pool, G_OBJECT (res));
    }
  g_object_unref (res);         /* acquire's reference; release takes none */
}

static void
op_resource (Producer *p)
{
  StressResource *a = acquire (p);
  StressResource *b;

  if (a == NULL)
    return;
  if (!chance (p->rand, 10))
    {
      give_back (p, a, chance (p->rand, 20));
      return;
    }
  /* Nested: hold a, take b, then destroy a so that its close releases b. */
  tick ();
  b = acquire (p);
  if (b != NULL)
    g_private_set (&release_from_close, b);
  give_back (p, a, TRUE);
  if (g_private_get (&release_from_close) != NULL)
    {
      /* close did not run in this thread (it must, for destroy). */
      die (G_STRLOC, "destroy did not close the resource in the calling thread");
    }
}

/* ------------------------------------------------------------------ */
/* Throttler                                                           */

/* A throttled job: the done thread reports it, with an error or not. */
#define THROTTLE_JOB_OK     GINT_TO_POINTER (1)
#define THROTTLE_JOB_FAILED GINT_TO_POINTER (2)
#define THROTTLE_JOB_STOP   GINT_TO_POINTER (3)

static gpointer
throttle_done_thread (gpointer data)
{
  Round *round = data;
  gpointer job;

  while ((job = g_async_queue_pop (round->done_queue)) != THROTTLE_JOB_STOP)
    {
      g_autoptr(GError) error = NULL;

      if (job == THROTTLE_JOB_FAILED)
        error = g_error_new_literal (STRESS_ERROR, 1, "fault: done with an error");
      gauge_leave (&round->in_flight);
      gopod_throttler_done (round->throttler, error);
    }
  return NULL;
}

static void
op_throttle (Producer *p)
{
  GopodThrottler *t = p->round->throttler;
  gboolean fail = chance (p->rand, 10);

  /* Launch, then throttle: throttle() counts the job just launched and
   * returns once fewer than max_workers are in flight. */
  if (fail)
    {
      INC (p->round->done_errors);
      INC (stats.f_done_error);
    }
  INC (p->round->done);
  INC (p->round->throttled);
  INC (stats.throttles);
  /* Entered before the push, so the done thread never leaves first. */
  CHECK (gauge_enter (&p->round->in_flight) <= THROTTLE_CAP + (int) opt_threads,
         "throttler exceeded its bound");
  g_async_queue_push (p->round->done_queue, fail ? THROTTLE_JOB_FAILED : THROTTLE_JOB_OK);
  gopod_throttler_throttle (t);
  if (chance (p->rand, 5))
    {
      gopod_throttler_set_max_workers (t, 1 + g_rand_int_range (p->rand, 0, THROTTLE_CAP));
      INC (stats.throttle_resizes);
    }
}

/* ------------------------------------------------------------------ */
/* Runner                                                              */

static guint64 task_datas_made, task_datas_freed;
static GMutex task_lock;
static GCond task_cond;

typedef struct
{
  Behaviour behaviour;
  guint expected_id;
  int runs;
  GArray *order;
} TaskData;

static void
task_data_free (gpointer data)
{
  TaskData *t = data;

  g_array_unref (t->order);
  g_free (t);
  g_mutex_lock (&task_lock);
  task_datas_freed++;
  g_cond_broadcast (&task_cond);
  g_mutex_unlock (&task_lock);
}

static gboolean
runner_task (GopodRunner *runner, guint id, GCancellable *cancellable,
             gpointer data, GError **error)
{
  TaskData *t = data;

  CHECK (INC (t->runs) == 1, "runner task ran twice");
  CHECK (id == t->expected_id, "runner task id %u, expected %u", id, t->expected_id);
  /* Locked: after a timeout, the caller reads the order while a task that
   * ignores its cancellable may still be starting. */
  g_mutex_lock (&task_lock);
  g_array_append_val (t->order, id);
  g_mutex_unlock (&task_lock);
  if (t->behaviour == BEHAVE_FAIL)
    INC (stats.f_task_fail);
  return behave (t->behaviour, cancellable, error);
}

static void
op_runner (Producer *p)
{
  GRand *r = p->rand;
  guint timeout = chance (r, 50) ? 0 : 1 + g_rand_int_range (r, 0, 3);
  g_autoptr(GopodRunner) runner = gopod_runner_new (timeout);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) error = NULL;
  guint n = 1 + g_rand_int_range (r, 0, 4);
  gboolean ok;

  gopod_runner_set_handle_signals (runner, FALSE);
  for (guint i = 0; i < n; i++)
    {
      TaskData *t = g_new0 (TaskData, 1);
      int pick = g_rand_int_range (r, 0, 100);

      t->expected_id = i;
      t->order = g_array_ref (order);
      t->behaviour = pick < 70 ? BEHAVE_SUCCEED : pick < 80 ? BEHAVE_FAIL
                   : pick < 90 || timeout == 0 ? BEHAVE_IGNORE : BEHAVE_BLOCK;
      g_mutex_lock (&task_lock);
      task_datas_made++;
      g_mutex_unlock (&task_lock);
      gopod_runner_add (runner, runner_task, t, task_data_free);
      INC (stats.runner_tasks);
    }
  /* An interrupt from another thread, through the pod. */
  if (use_pod && chance (r, 10))
    submit_light_full (p->round, runner);
  ok = gopod_runner_start (runner, NULL, &error);
  INC (stats.runners);
  g_mutex_lock (&task_lock);
  if (ok)
    {
      CHECK (gopod_runner_get_completed (runner) == n, "runner completed %u of %u",
             gopod_runner_get_completed (runner), n);
      CHECK (order->len == n, "runner ran %u of %u tasks", order->len, n);
    }
  else
    CHECK (error != NULL && (error->domain == GOPOD_ERROR || error->domain == STRESS_ERROR),
           "runner failed with an unexpected error");
  /* Ran in order, each once: a prefix 0, 1, 2... */
  for (guint i = 0; i < order->len; i++)
    CHECK (g_array_index (order, guint, i) == i, "runner order broken");
  g_mutex_unlock (&task_lock);
}

/* ------------------------------------------------------------------ */
/* Producers                                                           */

static void
producer_step (Producer *p, guint i)
{
  Round *round = p->round;
  int pick;

  if (p->id == round->closer_thread && i == round->close_at)
    {
      if (use_pod)
        op_shutdown (p, chance (p->rand, 70));
      if (use_pool)
        {
          gopod_resource_pool_close (round->pool);
          INC (stats.pool_closes);
        }
      return;
    }

  pick = g_rand_int_range (p->rand, 0, 1000);
  if (use_pod)
    {
      if (pick < 350) { submit_light (round); return; }
      if (pick < 365) { op_add_and_wait (p); return; }
      if (pick < 450) { op_add_job (p, chance (p->rand, 50), FALSE); return; }
      if (pick < 480) { op_run_async (p); return; }
      if (pick < 500) { op_add_job (p, FALSE, TRUE); return; }
      if (pick < 560) { op_cancel (p); return; }
      if (pick < 580) { op_resize (p); return; }
      if (pick < 595) { op_pause_window (p); return; }
      if (pick < 597) { op_dispatch_window (p); return; }
      if (pick < 598) { op_add_func_job (p); return; }
      if (pick < 600) { op_wait (p); return; }
      if (pick < 620) { check_pod_bounds (round); return; }
    }
  if (use_pool && pick >= 620 && pick < 780) { op_resource (p); return; }
  if (use_throttler && pick >= 780 && pick < 990) { op_throttle (p); return; }
  if (use_runner && pick >= 990 && chance (p->rand, 10)) { op_runner (p); return; }
  if (use_pod)
    submit_light (round);
}

static gpointer
producer_main (gpointer data)
{
  Producer *p = data;
  guint n = opt_round_ops / opt_threads;

  g_main_context_push_thread_default (p->context);
  g_private_set (&current_producer, p);
  for (guint i = 0; i < n; i++)
    {
      producer_step (p, i);
      tick ();
      while (g_main_context_iteration (p->context, FALSE))
        ;
    }
  /* Every async call is called back, exactly once: wait for the rest. */
  while (p->pending > 0)
    g_main_context_iteration (p->context, TRUE);
  g_private_set (&current_producer, NULL);
  /* Sometimes it lingers, owning its context without running it, while
   * workers end its light jobs: their destroy notifies wait there for the
   * next thread that runs it (the round's, after the join). */
  if (chance (p->rand, 25))
    g_usleep (2 * 1000);
  g_main_context_pop_thread_default (p->context);

  if (ADD (p->round->producers, -1) == 0)
    g_main_context_wakeup (p->round->context);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* A round and its audit                                               */

static void
round_shutdown_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  /* CLOSED: a producer shut it down already, and that shutdown returned
   * (the producers waited for their callbacks) before this one began. */
  CHECK (gopod_pod_shutdown_finish (GOPOD_POD (source), result, &error) ||
         g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED),
         "final shutdown failed: %s", error ? error->message : "");
  *(gboolean *) data = TRUE;
}

static void
audit_pod (Round *round)
{
  guint64 succeeded = 0, failed = 0, cancelled = 0, accepted = 0;

  for (guint i = 0; i < round->jobs->len; i++)
    {
      StressJob *job = g_ptr_array_index (round->jobs, i);
      GopodJobState state = gopod_job_get_state (GOPOD_JOB (job));
      const GError *error = gopod_job_get_error (GOPOD_JOB (job));

      if (state == GOPOD_JOB_STATE_NEW)
        {
          /* refused by the pod: never run, never finished */
          CHECK (job->runs == 0 && job->finishes == 0, "a refused job ran or finished");
          continue;
        }
      accepted++;
      CHECK (job->finishes == 1, "job in state %d finished %d times", state, job->finishes);
      CHECK (job->runs <= 1 && job->begins <= 1, "job ran twice");
      switch (state)
        {
        case GOPOD_JOB_STATE_SUCCEEDED:
          succeeded++;
          /* Past its deadline and not stopped by then (a cancel that came
           * first lets a success stand). */
          CHECK (gopod_job_get_timeout_ms (GOPOD_JOB (job)) == 0 || job->cancelled_in_run ||
                 job->run_us < (gint64) gopod_job_get_timeout_ms (GOPOD_JOB (job)) * 1000,
                 "a job that ran %" G_GINT64_FORMAT " us past its %u ms timeout succeeded",
                 job->run_us, gopod_job_get_timeout_ms (GOPOD_JOB (job)));
          CHECK (job->runs + job->begins == 1, "a job succeeded without running");
          CHECK (job->behaviour == BEHAVE_SUCCEED || job->behaviour == BEHAVE_IGNORE,
                 "a failing job (%d) succeeded", job->behaviour);
          break;
        case GOPOD_JOB_STATE_FAILED:
          failed++;
          CHECK (error != NULL, "failed job without an error");
          if (job->behaviour == BEHAVE_FALSE && job->runs == 1 &&
              !g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT))
            CHECK (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_FAILED),
                   "FALSE without an error gave %s", error->message);
          if (job->behaviour == BEHAVE_BLOCK)
            CHECK (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT),
                   "a blocked job failed with %s, not a timeout", error->message);
          break;
        case GOPOD_JOB_STATE_CANCELLED:
          cancelled++;
          CHECK (error != NULL, "cancelled job without an error");
          break;
        default:
          die (G_STRLOC, "job left in state %d after shutdown", state);
        }
    }

  CHECK (accepted == round->jobs_accepted, "%" G_GUINT64_FORMAT " jobs accepted, the audit found %"
         G_GUINT64_FORMAT, round->jobs_accepted, accepted);
  CHECK (round->async_callbacks == round->async_calls, "run_async: %" G_GUINT64_FORMAT
         " calls, %" G_GUINT64_FORMAT " callbacks", round->async_calls, round->async_callbacks);
  /* Every light job handed over was destroyed once: run, or dropped. */
  round->light_discarded -= round->light_refused;
  CHECK (round->light_destroyed == round->light_accepted + round->light_refused,
         "light jobs: %" G_GUINT64_FORMAT " handed over, %" G_GUINT64_FORMAT " destroyed",
         round->light_accepted + round->light_refused, round->light_destroyed);
  CHECK (round->light_ran + round->light_discarded == round->light_accepted,
         "light jobs: %" G_GUINT64_FORMAT " accepted, %" G_GUINT64_FORMAT " ran, %"
         G_GUINT64_FORMAT " discarded", round->light_accepted, round->light_ran, round->light_discarded);

  /* Jobs only the pod held: each ran and succeeded, or was discarded. */
  accepted += round->func.accepted;
  succeeded += round->func.ran;
  cancelled += round->func.accepted - round->func.ran;

  /* The pod's own counters add up, and agree with ours. */
  CHECK (gopod_pod_get_submitted (round->pod) == round->light_accepted + accepted,
         "submitted %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT,
         gopod_pod_get_submitted (round->pod), round->light_accepted + accepted);
  CHECK (gopod_pod_get_succeeded (round->pod) == round->light_ran + succeeded,
         "succeeded %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT,
         gopod_pod_get_succeeded (round->pod), round->light_ran + succeeded);
  CHECK (gopod_pod_get_failed (round->pod) == failed, "failed counter %" G_GUINT64_FORMAT
         " != %" G_GUINT64_FORMAT, gopod_pod_get_failed (round->pod), failed);
  CHECK (gopod_pod_get_cancelled (round->pod) == round->light_discarded + cancelled,
         "cancelled counter %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT,
         gopod_pod_get_cancelled (round->pod), round->light_discarded + cancelled);
  CHECK (gopod_pod_get_running (round->pod) == 0 && gopod_pod_get_queued (round->pod) == 0 &&
         gopod_pod_get_workers (round->pod) == 0, "pod not empty after shutdown");
  CHECK (round->running.peak <= MAX_WORKERS_CAP, "pod ran %d at once", round->running.peak);
}

static void
audit_pool (Round *round)
{
  CHECK (round->held.now == 0, "resources still held");
  gopod_resource_pool_close (round->pool);
  gopod_resource_pool_close (round->pool);     /* idempotent */
  CHECK (gopod_resource_pool_get_closed (round->pool), "pool not closed");
  CHECK (gopod_resource_pool_get_in_use (round->pool) == 0, "in-use after close");
  CHECK (gopod_resource_pool_get_idle (round->pool) == 0, "idle after close");
  CHECK (gopod_resource_pool_get_created (round->pool) == round->created,
         "created %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT,
         gopod_resource_pool_get_created (round->pool), round->created);
  CHECK (gopod_resource_pool_get_acquired (round->pool) == round->acquired,
         "acquired %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT,
         gopod_resource_pool_get_acquired (round->pool), round->acquired);
  for (guint i = 0; i < round->resources->len; i++)
    {
      StressResource *res = g_ptr_array_index (round->resources, i);

      CHECK (res->closes == 1, "resource closed %d times (leaked if 0)", res->closes);
      CHECK (G_OBJECT (res)->ref_count == 1, "resource still referenced %u times after close",
             G_OBJECT (res)->ref_count - 1);
    }
  CHECK (round->held.peak <= POOL_MAX_SIZE, "pool handed out %d at once", round->held.peak);
}

static void
audit_throttler (Round *round)
{
  g_autoptr(GPtrArray) all = NULL;
  guint errors;

  g_async_queue_push (round->done_queue, THROTTLE_JOB_STOP);
  g_thread_join (round->done_thread);
  g_async_queue_unref (round->done_queue);
  errors = gopod_throttler_wait (round->throttler);

  CHECK (errors == round->done_errors, "throttler counted %u errors, %" G_GUINT64_FORMAT " reported",
         errors, round->done_errors);
  CHECK (gopod_throttler_get_error_count (round->throttler) == round->done_errors, "error count");
  all = gopod_throttler_get_errors (round->throttler);
  CHECK (all->len == round->done_errors, "get_errors has %u", all->len);
  CHECK (round->in_flight.peak <= THROTTLE_CAP + (int) opt_threads, "throttler let %d in",
         round->in_flight.peak);
}

/* ------------------------------------------------------------------ */
/* End of round: a pool its user dropped, released from every thread at  */
/* once, and runners started from a context another thread runs          */

/* A thread's last release, when it closes its resource (the idle ones fill
 * `size`), stays in close until every thread began its last release, and
 * lingers a little: so the last release usually comes while another is
 * still inside its call. The pool must outlive every close a release runs
 * (internals rule RP1): finalized with one still running, the release that
 * is not last would touch it after unlocking (a use after free, which ASan
 * names, and which this check sees in every build). */
typedef struct
{
  GopodResourcePool parent_instance;
  guint             threads;     /* releasing threads */
  guint             last_begun;  /* atomic: threads that began their last release */
  guint             in_close;    /* atomic: closes running now */
} DroppedPool;
typedef GopodResourcePoolClass DroppedPoolClass;
static GType dropped_pool_get_type (void);
G_DEFINE_TYPE (DroppedPool, dropped_pool, GOPOD_TYPE_RESOURCE_POOL)

/* Set while this thread gives back its last resource. */
static GPrivate dropped_pool_last;

static GObject *
dropped_pool_create (GopodResourcePool *pool, GCancellable *cancellable, GError **error)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static void
dropped_pool_close (GopodResourcePool *pool, GObject *resource)
{
  DroppedPool *self = (DroppedPool *) pool;

  INC (self->in_close);
  /* Bounded: a release that never comes is the audit's to report. */
  for (guint i = 0; g_private_get (&dropped_pool_last) && i < 5000 &&
                    GET (self->last_begun) < self->threads; i++)
    g_thread_yield ();
  for (guint i = 0; i < 50; i++)
    g_thread_yield ();
  ADD (self->in_close, -1);
}

static void
dropped_pool_finalize (GObject *object)
{
  DroppedPool *self = (DroppedPool *) object;

  CHECK (GET (self->in_close) == 0,
         "a dropped pool was finalized while %u releases were still inside its close",
         GET (self->in_close));
  G_OBJECT_CLASS (dropped_pool_parent_class)->finalize (object);
}

static void
dropped_pool_class_init (DroppedPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dropped_pool_finalize;
  klass->create = dropped_pool_create;
  klass->close = dropped_pool_close;
}

static void dropped_pool_init (DroppedPool *self) { }

typedef struct
{
  GopodResourcePool *pool;
  GPtrArray         *resources;  /* this thread's share */
  GMutex            *lock;
  GCond             *cond;
  gboolean          *go;
} DroppedPoolReleaser;

static gpointer
dropped_pool_releaser (gpointer data)
{
  DroppedPoolReleaser *r = data;

  g_mutex_lock (r->lock);
  while (!*r->go)
    g_cond_wait (r->cond, r->lock);
  g_mutex_unlock (r->lock);

  for (guint i = 0; i < r->resources->len; i++)
    {
      if (i + 1 == r->resources->len)
        {
          g_private_set (&dropped_pool_last, GINT_TO_POINTER (TRUE));
          INC (((DroppedPool *) r->pool)->last_begun);
        }
      gopod_resource_pool_release (r->pool, r->resources->pdata[i]);
    }
  g_private_set (&dropped_pool_last, NULL);
  ADD (stats.dropped_pool_releases, r->resources->len);
  return NULL;
}

/* Every release but one finds the pool held by others only: none may touch
 * it after unlocking (ASan sees it if one does), and it goes exactly when
 * the last resource is back. */
static void
round_dropped_pool (GRand *rand)
{
  guint size = chance (rand, 50) ? 1 : 64;
  guint per_thread = 1 + g_rand_int_range (rand, 0, 4);
  DroppedPool *dropped = g_object_new (dropped_pool_get_type (), "size", size, NULL);
  GopodResourcePool *pool = GOPOD_RESOURCE_POOL (dropped);
  DroppedPoolReleaser *releasers = g_new0 (DroppedPoolReleaser, opt_threads);
  GThread **threads = g_new0 (GThread *, opt_threads);
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  GWeakRef weak;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  dropped->threads = opt_threads;
  for (guint t = 0; t < opt_threads; t++)
    {
      releasers[t] = (DroppedPoolReleaser) { pool, g_ptr_array_new_with_free_func (g_object_unref),
                                             &lock, &cond, &go };
      for (guint i = 0; i < per_thread; i++)
        g_ptr_array_add (releasers[t].resources, gopod_resource_pool_acquire (pool, NULL, NULL));
      threads[t] = g_thread_new ("stress-release", dropped_pool_releaser, &releasers[t]);
    }
  g_weak_ref_init (&weak, pool);
  g_object_unref (pool);

  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  for (guint t = 0; t < opt_threads; t++)
    {
      g_thread_join (threads[t]);
      g_ptr_array_unref (releasers[t].resources);
    }
  {
    GObject *left = g_weak_ref_get (&weak);

    CHECK (left == NULL, "a dropped pool outlived the release of its last resource");
  }
  g_weak_ref_clear (&weak);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
  g_free (releasers);
  g_free (threads);
}

typedef struct
{
  GMainContext *context;
  gint          done;  /* atomic */
} ElsewhereLoop;

static gpointer
elsewhere_loop (gpointer data)
{
  ElsewhereLoop *loop = data;

  while (!g_atomic_int_get (&loop->done))
    g_main_context_iteration (loop->context, TRUE);
  return NULL;
}

static void
elsewhere_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gint *pending = user_data;

  CHECK (gopod_runner_start_finish (GOPOD_RUNNER (source), result, NULL), "empty runner failed");
  g_atomic_int_dec_and_test (pending);
}

/* start_async() whose completion another thread's loop may run before the
 * call returns: the caller's cancellable must keep no handler on a runner
 * once it is gone (a later cancel would run it on freed memory). */
static void
round_runners_elsewhere (GRand *rand)
{
  ElsewhereLoop loop = { g_main_context_new (), FALSE };
  guint n = 1 + g_rand_int_range (rand, 0, 16);
  GPtrArray *cancellables = g_ptr_array_new_with_free_func (g_object_unref);
  gint pending = n;
  GThread *thread;

  /* Pushing acquires the context; released, it stays this thread's
   * thread-default one while the loop thread runs it. */
  g_main_context_push_thread_default (loop.context);
  g_main_context_release (loop.context);
  thread = g_thread_new ("stress-elsewhere", elsewhere_loop, &loop);
  for (guint i = 0; i < n; i++)
    {
      GopodRunner *runner = gopod_runner_new (0);
      GCancellable *cancellable = g_cancellable_new ();

      gopod_runner_set_handle_signals (runner, FALSE);
      gopod_runner_start_async (runner, cancellable, elsewhere_started, &pending);
      g_object_unref (runner);
      g_ptr_array_add (cancellables, cancellable);
    }
  while (g_atomic_int_get (&pending) > 0)
    g_thread_yield ();
  g_atomic_int_set (&loop.done, TRUE);
  g_main_context_wakeup (loop.context);
  g_thread_join (thread);
  CHECK (g_main_context_acquire (loop.context), "context still owned");
  g_main_context_pop_thread_default (loop.context);
  g_main_context_unref (loop.context);

  for (guint i = 0; i < cancellables->len; i++)
    {
      GCancellable *cancellable = cancellables->pdata[i];

      CHECK (!g_signal_has_handler_pending (cancellable, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE),
                                            0, FALSE),
             "a finished runner left its handler on the caller's cancellable");
      g_cancellable_cancel (cancellable);
    }
  ADD (stats.runners_elsewhere, n);
  g_ptr_array_unref (cancellables);
}

/* A program without a main loop: several workers end, at once, jobs made
 * on the global default context, which nobody runs. A worker frees a job
 * there while it owns that context, so they contend for it; whatever one
 * leaves pending meanwhile must still be freed by the end of the blocking
 * shutdown (internals rule R1), not left to a main loop that never runs. */
static void
round_loopless_release (GRand *rand)
{
  GopodPod *pod = gopod_pod_new (2 + g_rand_int_range (rand, 0, MAX_WORKERS_CAP - 1));
  FuncJobs counts = { 0 };
  guint n = 100 + g_rand_int_range (rand, 0, 400);
  LooplessAdder adder = { pod, &counts, n };

  gopod_pod_start (pod);
  g_thread_join (g_thread_new ("stress-loopless", loopless_adder, &adder));
  CHECK (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL), "drain failed");
  CHECK (counts.accepted == n && GET (counts.ran) == n, "%" G_GUINT64_FORMAT " of %u jobs ran",
         GET (counts.ran), n);
  CHECK (GET (counts.freed) == n, "without a main loop, %" G_GUINT64_FORMAT " of %u jobs only "
         "the pod held were freed by the end of its shutdown", GET (counts.freed), n);
  g_object_unref (pod);
  ADD (stats.loopless_releases, n);
}

/* A dispatch-interval window on a pod of its own: with a long interval the
 * first job starts and no other may (internals rule P6); workers that took
 * the next jobs wait for their start time. The pod is then paused or shrunk
 * to one worker, and the interval lowered to 0: those workers must look at
 * everything again, so that nothing starts while paused, no more than one
 * runs at once once shrunk, and, restored, every job starts at once instead
 * of at the old interval. */
typedef struct
{
  int   started;   /* atomic */
  int   paused;    /* atomic: no job may start */
  int   bound;     /* atomic: how many may run at once */
  Gauge running;
} Window;

static gboolean
window_job_run (GopodJob *job, GCancellable *cancellable, gpointer data, GError **error)
{
  Window *w = data;
  int now;

  INC (w->started);
  CHECK (!GET (w->paused), "a job started while its pod was paused");
  now = gauge_enter (&w->running);
  CHECK (now <= GET (w->bound), "a pod bound to %d at once ran %d jobs",
         GET (w->bound), now);
  g_usleep (1000);
  gauge_leave (&w->running);
  return TRUE;
}

static void
window_set (int *flag, int value)
{
  __atomic_store_n (flag, value, __ATOMIC_SEQ_CST);
}

static void
round_dispatch_window (GRand *rand)
{
  guint workers = 2 + g_rand_int_range (rand, 0, MAX_WORKERS_CAP - 1);
  gboolean pause = chance (rand, 50);
  GopodPod *pod = gopod_pod_new (workers);
  Window w = { 0, FALSE, workers };
  guint n = workers + 2;
  gint64 deadline;

  gopod_pod_set_dispatch_interval_ms (pod, 60 * 1000);
  gopod_pod_start (pod);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GopodJob) job = gopod_job_new_func (window_job_run, &w, NULL);

      CHECK (gopod_pod_add_job (pod, job, NULL, NULL), "window job refused");
    }
  /* The first starts at once; the interval holds the others back. */
  while (GET (w.started) == 0)
    g_thread_yield ();
  if (pause)
    {
      gopod_pod_pause (pod);
      window_set (&w.paused, TRUE);
    }
  else
    {
      gopod_pod_set_max_workers (pod, 1);
      window_set (&w.bound, 1);
    }
  gopod_pod_set_dispatch_interval_ms (pod, 0);
  /* A window in which a worker that kept its old decision would start. */
  g_usleep (10 * 1000);
  window_set (&w.paused, FALSE);
  window_set (&w.bound, workers);
  if (pause)
    gopod_pod_start (pod);
  else
    gopod_pod_set_max_workers (pod, workers);

  /* A third of the old interval: far more than starting a few jobs takes. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (GET (w.started) < (int) n)
    {
      CHECK (g_get_monotonic_time () < deadline, "%d of %u jobs started 20 s after the "
             "dispatch interval went from 60 s to 0", GET (w.started), n);
      g_usleep (100);
    }
  CHECK (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL), "drain failed");
  g_object_unref (pod);
  INC (stats.interval_windows);
}

/* A pod shrunk below what runs: `workers` gated thread jobs and one
 * main-context job (begun, not completed: it keeps its slot without a
 * worker) run, jobs queued behind them, when max-workers goes from
 * workers + 1 to workers, so that no worker is surplus (none leaves) but
 * the slots are all taken. Each gated job is then let go alone; a worker
 * whose job ends must not start a queued job (in any path, including the
 * straight-on one of rule P13) unless a slot is free: every thread job
 * that starts after the shrink finds at most `workers` - 1 others in run.
 * The gauge is entered in run and left before the pod counts the job out,
 * so it never exceeds the pod's own running count. */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint gated_started;          /* under lock */
  guint released;               /* under lock: gated jobs let go so far */
  int   shrunk;                 /* atomic: max-workers is `bound` now */
  int   bound;
  Gauge running;                /* thread jobs in run */
  int   queued_ran;             /* atomic */
  int   main_done;              /* atomic: set before the main-context job completes */
  GopodPod *pod;
} Shrink;

typedef struct
{
  Shrink *s;
  guint index;                  /* 1..: gated, let go in this order; 0: queued */
} ShrinkJob;

typedef struct
{
  GopodJob parent_instance;
  int begun;                    /* atomic */
} ShrinkMainJob;
typedef GopodJobClass ShrinkMainJobClass;
static GType shrink_main_job_get_type (void);
G_DEFINE_TYPE (ShrinkMainJob, shrink_main_job, GOPOD_TYPE_JOB)

static gboolean
shrink_main_job_begin (GopodJob *job, GCancellable *cancellable, GError **error)
{
  __atomic_store_n (&((ShrinkMainJob *) job)->begun, TRUE, __ATOMIC_SEQ_CST);
  return TRUE;                  /* completed by round_shrink_window */
}

static void
shrink_main_job_class_init (ShrinkMainJobClass *klass)
{
  klass->begin = shrink_main_job_begin;
}

static void shrink_main_job_init (ShrinkMainJob *self) { }

static gboolean
shrink_job_run (GopodJob *job, GCancellable *cancellable, gpointer data, GError **error)
{
  ShrinkJob *j = data;
  Shrink *s = j->s;
  int now = gauge_enter (&s->running);

  if (j->index == 0)
    {
      CHECK (GET (s->shrunk), "a queued job started before the shrink (%d thread jobs in run, "
             "%u gated started; the pod: %u running, %u workers, %u queued, max %u)",
             now, s->gated_started, gopod_pod_get_running (s->pod), gopod_pod_get_workers (s->pod),
             gopod_pod_get_queued (s->pod), gopod_pod_get_max_workers (s->pod));
      /* + 1: the main-context job holds a slot until it completes */
      CHECK (now + !GET (s->main_done) <= s->bound, "a pod shrunk to %d workers started a "
             "job while %d thread jobs and a main-context job ran", s->bound, now - 1);
      INC (s->queued_ran);
      gauge_leave (&s->running);
      return TRUE;
    }
  g_mutex_lock (&s->lock);
  s->gated_started++;
  g_cond_broadcast (&s->cond);
  while (s->released < j->index)
    g_cond_wait (&s->cond, &s->lock);
  g_mutex_unlock (&s->lock);
  gauge_leave (&s->running);
  return TRUE;
}

static void
shrink_add (GopodPod *pod, Shrink *s, ShrinkJob *j, guint index)
{
  g_autoptr(GopodJob) job = NULL;

  j->s = s;
  j->index = index;
  job = gopod_job_new_func (shrink_job_run, j, NULL);
  CHECK (gopod_pod_add_job (pod, job, NULL, NULL), "shrink job refused");
}

static void
round_shrink_window (GRand *rand)
{
  guint workers = 1 + g_rand_int_range (rand, 0, MAX_WORKERS_CAP - 1);
  guint n_queued = 4 + g_rand_int_range (rand, 0, 8);
  GopodPod *pod = gopod_pod_new (workers + 1);
  GMainContext *context = g_main_context_ref_thread_default ();
  ShrinkMainJob *main_job = g_object_new (shrink_main_job_get_type (), NULL);
  Shrink s = { 0 };
  ShrinkJob *jobs = g_new0 (ShrinkJob, workers + n_queued);
  gboolean started;

  g_mutex_init (&s.lock);
  g_cond_init (&s.cond);
  s.bound = workers;
  s.pod = pod;
  gopod_pod_start (pod);
  CHECK (gopod_pod_add_job (pod, GOPOD_JOB (main_job), NULL, NULL), "shrink job refused");
  for (guint i = 0; i < workers; i++)
    shrink_add (pod, &s, &jobs[i], i + 1);
  /* The main-context job begins on this thread's context. */
  do
    {
      while (g_main_context_iteration (context, FALSE))
        ;
      g_mutex_lock (&s.lock);
      started = s.gated_started == workers;
      g_mutex_unlock (&s.lock);
      if (!started || !GET (main_job->begun))
        g_thread_yield ();
    }
  while (!started || !GET (main_job->begun));
  __atomic_store_n (&s.shrunk, TRUE, __ATOMIC_SEQ_CST);
  gopod_pod_set_max_workers (pod, workers);
  /* Queued only now: before the shrink, a worker that popped a gated job
   * may lose its slot to one that popped a queued job after it. */
  for (guint i = workers; i < workers + n_queued; i++)
    shrink_add (pod, &s, &jobs[i], 0);
  /* Let the gated jobs go one at a time, each once the one before it left
   * run, and give a worker that ignored the bound time to start one. */
  for (guint i = 1; i <= workers; i++)
    {
      g_mutex_lock (&s.lock);
      s.released = i;
      g_cond_broadcast (&s.cond);
      g_mutex_unlock (&s.lock);
      while (GET (s.running.now) > (int) (workers - i))
        g_thread_yield ();
      g_usleep (200);
    }
  __atomic_store_n (&s.main_done, TRUE, __ATOMIC_SEQ_CST);
  gopod_job_complete (GOPOD_JOB (main_job), NULL);
  CHECK (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL), "drain failed");
  CHECK (GET (s.queued_ran) == (int) n_queued, "%d of %u queued jobs ran after the shrink",
         GET (s.queued_ran), n_queued);
  CHECK (gopod_job_get_state (GOPOD_JOB (main_job)) == GOPOD_JOB_STATE_SUCCEEDED,
         "the main-context job did not succeed");
  g_object_unref (main_job);
  g_object_unref (pod);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_unref (context);
  g_free (jobs);
  g_mutex_clear (&s.lock);
  g_cond_clear (&s.cond);
  INC (stats.shrink_windows);
}

/* Jobs waited for one at a time on a pod of their own: when a job's wait
 * returns, the pod has counted its outcome and given its slot back (rule
 * P12), so its counters are exact. A worker that wakes the waiter first
 * and counts after leaves a window the waiter, woken while it spins (W7),
 * usually falls into. */
static gboolean
counted_job_run (GopodJob *job, GCancellable *cancellable, gpointer data, GError **error)
{
  if (GPOINTER_TO_INT (data))
    return TRUE;
  g_set_error_literal (error, STRESS_ERROR, 5, "fault: counted job failed");
  return FALSE;
}

typedef struct
{
  guint32 seed;
  guint n;
} Counted;

/* One thread, one pod of one worker, jobs one at a time. */
static gpointer
counted_thread (gpointer data)
{
  Counted *c = data;
  GRand *rand = g_rand_new_with_seed (c->seed);
  GopodPod *pod = gopod_pod_new (1);
  guint64 succeeded = 0, failed = 0;

  gopod_pod_start (pod);
  for (guint i = 0; i < c->n; i++)
    {
      gboolean ok = chance (rand, 70);
      g_autoptr(GopodJob) job = gopod_job_new_func (counted_job_run, GINT_TO_POINTER (ok), NULL);

      CHECK (gopod_pod_add_job (pod, job, NULL, NULL), "counted job refused");
      CHECK (gopod_job_wait (job, NULL, NULL) == ok, "counted job: wrong outcome");
      if (ok)
        succeeded++;
      else
        failed++;
      CHECK (gopod_pod_get_succeeded (pod) == succeeded && gopod_pod_get_failed (pod) == failed,
             "a job's wait returned before the pod counted it: succeeded %" G_GUINT64_FORMAT
             " (of %" G_GUINT64_FORMAT "), failed %" G_GUINT64_FORMAT " (of %" G_GUINT64_FORMAT ")",
             gopod_pod_get_succeeded (pod), succeeded, gopod_pod_get_failed (pod), failed);
      CHECK (gopod_pod_get_running (pod) == 0 && gopod_pod_get_queued (pod) == 0,
             "a job's wait returned before the pod gave its slot back (%u running, %u queued)",
             gopod_pod_get_running (pod), gopod_pod_get_queued (pod));
      tick ();
    }
  CHECK (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL), "drain failed");
  g_object_unref (pod);
  g_rand_free (rand);
  return NULL;
}

/* More threads than processors, each with a pod of its own: a waiter that
 * parked is woken by a futex call, which often lets it run before the
 * worker that woke it goes on, so a count made after the wake-up is seen
 * missing. */
static void
round_counted_window (GRand *rand)
{
  Counted c[4];
  GThread *threads[4];

  for (guint t = 0; t < 4; t++)
    {
      c[t].seed = g_rand_int (rand);
      c[t].n = 600;
      threads[t] = g_thread_new ("stress-counted", counted_thread, &c[t]);
    }
  for (guint t = 0; t < 4; t++)
    g_thread_join (threads[t]);
  INC (stats.counted_windows);
}

/* A pool's total bound (internals rule RP3) under contention: more
 * threads than max-size, each wanting two resources at once, a factory slow
 * enough for others to ask meanwhile and failing now and then. size ==
 * max-size, no destroy and no idle expiry, so nothing is closed before the
 * end: every resource the factory made (or is making) still exists, and
 * there may never be more than max-size of them. The round's own pool
 * cannot show this: its 4 producers mostly hold one resource each. */
#define BOUND_POOL_MAX 3

typedef struct
{
  Gauge made;                   /* made or being made, not closed */
  int calls;                    /* atomic: factory calls */
  GopodResourcePool *pool;
} PoolBound;

static GObject *
pool_bound_create (GCancellable *cancellable, gpointer data, GError **error)
{
  PoolBound *b = data;
  int now = gauge_enter (&b->made);

  CHECK (now <= BOUND_POOL_MAX, "a pool of max-size %d made its resource number %d",
         BOUND_POOL_MAX, now);
  g_usleep (50);
  if (INC (b->calls) % 10 == 0)
    {
      gauge_leave (&b->made);
      g_set_error_literal (error, STRESS_ERROR, 6, "fault: factory failed");
      return NULL;
    }
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static gpointer
pool_bound_thread (gpointer data)
{
  PoolBound *b = data;

  for (guint i = 0; i < 40; i++)
    {
      GObject *r1 = gopod_resource_pool_acquire (b->pool, NULL, NULL);
      GObject *r2 = r1 != NULL ? gopod_resource_pool_acquire (b->pool, NULL, NULL) : NULL;

      if (r2 != NULL)
        {
          gopod_resource_pool_release (b->pool, r2);
          g_object_unref (r2);
        }
      if (r1 != NULL)
        {
          gopod_resource_pool_release (b->pool, r1);
          g_object_unref (r1);
        }
      tick ();
    }
  return NULL;
}

static void
round_pool_bound (void)
{
  PoolBound b = { { 0, 0 }, 0, NULL };
  GThread *threads[6];

  b.pool = gopod_resource_pool_new (pool_bound_create, &b, NULL, BOUND_POOL_MAX);
  gopod_resource_pool_set_max_size (b.pool, BOUND_POOL_MAX);
  /* A thread holding one and waiting for a second gives up soon. */
  gopod_resource_pool_set_acquire_timeout_ms (b.pool, 2);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("stress-pool-bound", pool_bound_thread, &b);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  gopod_resource_pool_close (b.pool);
  g_object_unref (b.pool);
  INC (stats.pool_bound_windows);
}

/* One non-blocking pass over this thread's context, the producers' and the
 * global default one (nobody else runs it; what a worker's `finish`
 * submits is freed there); TRUE if any of them dispatched something. */
static gboolean
run_round_contexts (GMainContext *context, Producer *producers)
{
  gboolean any = g_main_context_iteration (context, FALSE);

  any |= g_main_context_iteration (NULL, FALSE);

  for (guint t = 0; t < opt_threads; t++)
    any |= g_main_context_iteration (producers[t].context, FALSE);
  return any;
}

static void
run_round (guint index, GRand *rand, GMainContext *context)
{
  Round round = { 0 };
  Producer *producers = g_new0 (Producer, opt_threads);
  GThread **threads = g_new0 (GThread *, opt_threads);
  gboolean shut = FALSE;

  round.index = index;
  round.context = context;
  round.jobs = g_ptr_array_new_with_free_func (g_object_unref);
  round.resources = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_init (&round.jobs_lock);
  g_mutex_init (&round.res_lock);
  round.closer_thread = g_rand_int_range (rand, 0, opt_threads);
  /* Late in the round, so that most operations meet an open pod. */
  round.close_at = (opt_round_ops / opt_threads) * 3 / 4 +
                   g_rand_int_range (rand, 0, opt_round_ops / opt_threads / 4);
  round.producers = opt_threads;

  /* Made on this thread, whose context is the pod's: main-context jobs
   * begin here while this thread waits for the round below. */
  round.pod = gopod_pod_new (1 + g_rand_int_range (rand, 0, MAX_WORKERS_CAP));
  gopod_pod_set_idle_timeout_ms (round.pod, g_rand_int_range (rand, 0, 3));
  if (chance (rand, 30))
    gopod_pod_set_max_queued (round.pod, 64);
  gopod_pod_start (round.pod);
  if (use_pool)
    {
      round.pool = g_object_new (stress_pool_get_type (), "size", 2, "max-size", POOL_MAX_SIZE,
                                 "acquire-timeout-ms", 20,
                                 "max-idle-time-ms", g_rand_int_range (rand, 0, 3), NULL);
      ((StressPool *) round.pool)->round = &round;
    }
  if (use_throttler)
    {
      round.throttler = gopod_throttler_new (1 + g_rand_int_range (rand, 0, THROTTLE_CAP), 0);
      round.done_queue = g_async_queue_new ();
      round.done_thread = g_thread_new ("throttle-done", throttle_done_thread, &round);
    }

  for (guint t = 0; t < opt_threads; t++)
    {
      Producer *p = &producers[t];

      p->round = &round;
      p->id = t;
      p->rand = g_rand_new_with_seed_array ((guint32[]) { (guint32) opt_run_id,
                                                          (guint32) (opt_run_id >> 32), index, t }, 4);
      p->context = g_main_context_new ();
      p->recent = g_ptr_array_new_with_free_func (g_object_unref);
      threads[t] = g_thread_new ("stress-producer", producer_main, p);
    }

  round.no_main_loop = chance (rand, 50);
  if (round.no_main_loop)
    {
      /* No main loop: this thread only waits for the pod, whose waits
       * begin the main-context jobs added meanwhile, then shuts it down. */
      INC (stats.loopless_rounds);
      while (GET (round.producers) > 0)
        {
          if (!gopod_pod_wait (round.pod, NULL, NULL) || gopod_pod_get_queued (round.pod) == 0)
            g_thread_yield ();
        }
      gopod_pod_shutdown (round.pod, chance (rand, 50) ? GOPOD_SHUTDOWN_DRAIN : GOPOD_SHUTDOWN_DISCARD,
                          NULL, NULL);
      CHECK (GET (round.func.freed) == GET (round.func.made),
             "without a main loop, %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
             " jobs only the pod held were freed", GET (round.func.freed), GET (round.func.made));
      shut = TRUE;
    }
  else
    {
      while (GET (round.producers) > 0)
        g_main_context_iteration (context, TRUE);
      /* Whatever the producers did, the pod is shut down now; in a random
       * mode, asynchronously so that main-context jobs go on beginning here. */
      gopod_pod_shutdown_async (round.pod, chance (rand, 50) ? GOPOD_SHUTDOWN_DRAIN : GOPOD_SHUTDOWN_DISCARD,
                                NULL, round_shutdown_done, &shut);
    }
  while (!shut)
    g_main_context_iteration (context, TRUE);
  /* Idles that complete main-context jobs (none should be left running). */
  while (g_main_context_iteration (context, FALSE))
    ;

  for (guint t = 0; t < opt_threads; t++)
    g_thread_join (threads[t]);

  /* A light job's destroy notify runs on the context it was submitted from
   * (internals rules R1, R2): one that came while a producer owned its
   * context, or while a worker held this thread's, waits there for the
   * next thread to run it. The producers are gone: this thread runs those
   * contexts and the default one until every notify came; a lost one
   * leaves this loop to the watchdog. */
  while (GET (round.light_destroyed) < GET (round.light_accepted) + GET (round.light_refused))
    if (!run_round_contexts (context, producers))
      g_thread_yield ();

  for (guint t = 0; t < opt_threads; t++)
    {
      g_rand_free (producers[t].rand);
      g_ptr_array_unref (producers[t].recent);
      g_main_context_unref (producers[t].context);
    }

  audit_pod (&round);
  CHECK (round.func.freed == round.func.made, "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
         " jobs only the pod held were freed", round.func.freed, round.func.made);
  if (use_throttler)
    audit_throttler (&round);
  if (use_pool)
    audit_pool (&round);

  g_clear_object (&round.pod);
  g_clear_object (&round.pool);
  g_clear_object (&round.throttler);

  /* Each a few times: the windows they aim at are narrow. */
  for (guint i = 0; i < 8; i++)
    {
      if (use_pool)
        round_dropped_pool (rand);
      if (use_runner)
        round_runners_elsewhere (rand);
      round_loopless_release (rand);
    }
  round_dispatch_window (rand);
  for (guint i = 0; i < 4; i++)
    round_shrink_window (rand);
  round_counted_window (rand);
  if (use_pool)
    round_pool_bound ();
  g_ptr_array_unref (round.jobs);
  g_ptr_array_unref (round.resources);
  g_mutex_clear (&round.jobs_lock);
  g_mutex_clear (&round.res_lock);
  g_free (producers);
  g_free (threads);
  INC (stats.rounds);
}

/* ------------------------------------------------------------------ */

static void
parse_classes (const char *list)
{
  g_auto(GStrv) names = g_strsplit (list, ",", -1);

  use_pod = use_pool = use_throttler = use_runner = FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], "pod")) use_pod = TRUE;
      else if (g_str_equal (names[i], "pool")) use_pool = TRUE;
      else if (g_str_equal (names[i], "throttler")) use_throttler = TRUE;
      else if (g_str_equal (names[i], "runner")) use_runner = TRUE;
      else
        {
          fprintf (stderr, "stress: unknown class %s\n", names[i]);
          exit (2);
        }
    }
  /* Every round needs a pod: it is the heart of the audit. */
  use_pod = TRUE;
}

static void
print_stats (double seconds)
{
  guint64 faults = stats.f_job_fail + stats.f_job_false + stats.f_job_timeout +
                   stats.f_job_ignore_cancel + stats.f_factory_error + stats.f_factory_null +
                   stats.f_done_error + stats.f_task_fail + stats.f_submit_from_finish +
                   stats.f_release_from_close + stats.f_shutdown_from_callback + stats.f_interrupts;

  printf ("stress: %" G_GUINT64_FORMAT " operations in %" G_GUINT64_FORMAT " rounds from %u threads, %.1f s\n",
          stats.ops, stats.rounds, opt_threads, seconds);
  printf ("stress: pod: %" G_GUINT64_FORMAT " light jobs and %" G_GUINT64_FORMAT " object jobs accepted "
          "(%" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " refused), %" G_GUINT64_FORMAT " run_async, %"
          G_GUINT64_FORMAT " main-context jobs, %" G_GUINT64_FORMAT " cancels, %" G_GUINT64_FORMAT " resizes, %"
          G_GUINT64_FORMAT " pause windows, %" G_GUINT64_FORMAT " waits, %" G_GUINT64_FORMAT " drain and %"
          G_GUINT64_FORMAT " discard shutdowns mid-round\n",
          stats.light_accepted, stats.jobs_accepted, stats.light_rejected, stats.jobs_rejected,
          stats.run_async_calls, stats.main_jobs, stats.cancels, stats.resizes, stats.pauses,
          stats.waits, stats.shutdowns_drain, stats.shutdowns_discard);
  printf ("stress: pod: %" G_GUINT64_FORMAT " dispatch-interval windows, %" G_GUINT64_FORMAT
          " jobs only the pod held, %" G_GUINT64_FORMAT " rounds without a main loop\n",
          stats.dispatch_windows, stats.func_jobs, stats.loopless_rounds);
  printf ("stress: resource pool: %" G_GUINT64_FORMAT " acquires (%" G_GUINT64_FORMAT " errors), %"
          G_GUINT64_FORMAT " releases, %" G_GUINT64_FORMAT " destroys, %" G_GUINT64_FORMAT " closes mid-round\n",
          stats.acquires, stats.acquire_errors, stats.releases, stats.destroys, stats.pool_closes);
  printf ("stress: throttler: %" G_GUINT64_FORMAT " throttle/done, %" G_GUINT64_FORMAT " resizes; runner: %"
          G_GUINT64_FORMAT " runners, %" G_GUINT64_FORMAT " tasks\n",
          stats.throttles, stats.throttle_resizes, stats.runners, stats.runner_tasks);
  printf ("stress: end of rounds: %" G_GUINT64_FORMAT " releases to pools their user dropped, %"
          G_GUINT64_FORMAT " runners started from a context another thread runs, %" G_GUINT64_FORMAT
          " jobs only a pod held ended by several workers at once without a main loop, %"
          G_GUINT64_FORMAT " dispatch-interval windows paused or shrunk, %" G_GUINT64_FORMAT
          " pods shrunk below what ran\n",
          stats.dropped_pool_releases, stats.runners_elsewhere, stats.loopless_releases,
          stats.interval_windows, stats.shrink_windows);
  printf ("stress: %" G_GUINT64_FORMAT " reported job ends checked against the pod's counters, "
          "%" G_GUINT64_FORMAT " pods whose jobs were waited for one by one, %" G_GUINT64_FORMAT
          " pools of 6 threads wanting two resources each\n",
          stats.reported_checks, stats.counted_windows, stats.pool_bound_windows);
  printf ("stress: faults injected: %" G_GUINT64_FORMAT " (jobs failing %" G_GUINT64_FORMAT
          ", returning FALSE without error %" G_GUINT64_FORMAT ", with a timeout %" G_GUINT64_FORMAT
          ", ignoring their cancellable %" G_GUINT64_FORMAT "; factory errors %" G_GUINT64_FORMAT
          ", factory NULL %" G_GUINT64_FORMAT "; done with error %" G_GUINT64_FORMAT "; failing tasks %"
          G_GUINT64_FORMAT "; re-entry: submit from finish %" G_GUINT64_FORMAT ", release from close %"
          G_GUINT64_FORMAT ", shutdown from a completion callback %" G_GUINT64_FORMAT
          ", interrupts from a pod job %" G_GUINT64_FORMAT ")\n",
          faults, stats.f_job_fail, stats.f_job_false, stats.f_job_timeout, stats.f_job_ignore_cancel,
          stats.f_factory_error, stats.f_factory_null, stats.f_done_error, stats.f_task_fail,
          stats.f_submit_from_finish, stats.f_release_from_close, stats.f_shutdown_from_callback,
          stats.f_interrupts);
}

int
main (int argc, char *argv[])
{
  g_autofree char *run_id_str = NULL, *ops_str = NULL, *classes = NULL;
  int threads = 4, round_ops = 20000, watchdog = 60;
  GOptionEntry entries[] = {
    { "run-id", 0, 0, G_OPTION_ARG_STRING, &run_id_str, "The random generator's start value (default: random)", "N" },
    { "ops", 0, 0, G_OPTION_ARG_STRING, &ops_str, "Operations in all (default 1000000)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Producer threads (default 4)", "N" },
    { "round-ops", 0, 0, G_OPTION_ARG_INT, &round_ops, "Operations per round (default 20000)", "N" },
    { "watchdog-s", 0, 0, G_OPTION_ARG_INT, &watchdog, "Abort after N s without progress (default 60)", "N" },
    { "classes", 0, 0, G_OPTION_ARG_STRING, &classes, "pod,pool,throttler,runner (default: all)", "LIST" },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = g_option_context_new ("- pod-glib stress test");
  g_autoptr(GError) error = NULL;
  GMainContext *context;
  GThread *watchdog_thread;
  GRand *rand;
  gint64 start;
  guint index = 0;

  argv0 = argv[0];
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    {
      fprintf (stderr, "stress: %s\n", error->message);
      return 2;
    }
  opt_run_id = run_id_str != NULL ? g_ascii_strtoull (run_id_str, NULL, 10)
                              : ((guint64) g_random_int () << 32) | g_random_int ();
  if (ops_str != NULL)
    opt_ops = g_ascii_strtoull (ops_str, NULL, 10);
  if (threads < 1 || round_ops < threads || watchdog < 1)
    {
      fprintf (stderr, "stress: bad --threads, --round-ops or --watchdog-s\n");
      return 2;
    }
  opt_threads = threads;
  opt_round_ops = round_ops;
  opt_watchdog_s = watchdog;
  if (classes != NULL)
    parse_classes (classes);

  printf ("stress: run id %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT " operations, %u threads"
          " (replay: --run-id %" G_GUINT64_FORMAT ")\n", opt_run_id, opt_ops, opt_threads, opt_run_id);
  fflush (stdout);

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  rand = g_rand_new_with_seed_array ((guint32[]) { (guint32) opt_run_id, (guint32) (opt_run_id >> 32) }, 2);
  watchdog_thread = g_thread_new ("stress-watchdog", watchdog_main, NULL);
  start = g_get_monotonic_time ();

  while (GET (stats.ops) < opt_ops)
    run_round (index++, rand, context);

  /* Runner tasks still in flight (ignoring their cancellable) are freed
   * when they return: every one is freed, none twice. */
  g_mutex_lock (&task_lock);
  while (task_datas_freed < task_datas_made)
    g_cond_wait (&task_cond, &task_lock);
  CHECK (task_datas_freed == task_datas_made, "runner task data freed %" G_GUINT64_FORMAT
         " times for %" G_GUINT64_FORMAT, task_datas_freed, task_datas_made);
  g_mutex_unlock (&task_lock);

  print_stats ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  g_mutex_lock (&watchdog_lock);
  watchdog_stop = TRUE;
  g_cond_signal (&watchdog_cond);
  g_mutex_unlock (&watchdog_lock);
  g_thread_join (watchdog_thread);
  g_rand_free (rand);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  printf ("stress: OK\n");
  return 0;
}
