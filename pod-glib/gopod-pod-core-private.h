/* gopod-pod-core-private.h: a pod's workers, queue and counters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-chunk-queue-private.h"
#include "gopod-notify-private.h"
#include "gopod-pod.h"
#include "gopod-pod-registry-private.h"
#include "gopod-outbox-private.h"
#include "gopod-wait-private.h"

G_BEGIN_DECLS

#define GOPOD_POD_DEFAULT_IDLE_TIMEOUT_MS 10000

/* The pod's properties: the core notifies them, gopod-pod.c installs them. */
enum {
  PROP_0,
  PROP_MAX_WORKERS,
  PROP_MAX_QUEUED,
  PROP_IDLE_TIMEOUT_MS,
  PROP_DISPATCH_INTERVAL_MS,
  PROP_PAUSED,
  PROP_RUNNING,
  PROP_QUEUED,
  PROP_WORKERS,
  PROP_SUBMITTED,
  PROP_SUCCEEDED,
  PROP_FAILED,
  PROP_CANCELLED,
  PROP_KEEP_ENDED_MS,
  PROP_PROGRESS,
  PROP_APPLICATION,
  N_PROPS
};

/* Starts a field on a cache line of its own (the core is allocated so
 * aligned). */
#define GOPOD_POD_CORE_LINE_SIZE 64
#define GOPOD_POD_CORE_OWN_LINE __attribute__ ((aligned (GOPOD_POD_CORE_LINE_SIZE)))

/* The pod's state lives in a reference-counted core that the GObject, every
 * worker and every queued job hold, so that work outlives the last user
 * reference while the GObject is still finalized where its user drops it. */
struct _GopodPodCore
{
  gatomicrefcount  ref_count;

  /* `lock` guards every field below it; the GAsyncQueue has its own lock,
   * always taken after this one, never before. */
  GMutex           lock;
  /* Every wait on the pod, blocking or async: idle, shut down, room in the
   * queue, a worker's start slot (internals rule P9). */
  GopodWaitList    waiters;
  GopodWaitHome    home;  /* where and by whom a blocking wait may run `context` */
  int              n_main_jobs;  /* atomic, written under the lock: main-context jobs accepted, not yet ended */
  GAsyncQueue     *queue;
  GThreadPool     *threads;
  GMainContext    *context;

  GopodChunk      *filling;  /* the chunk producers append to, or NULL */
  GopodChunk      *spare;    /* one emptied chunk kept for reuse */
  GopodChunk      *handed_on_from;  /* a held chunk whose `next` is set, or NULL (rule P7b) */

  guint            max_workers;
  guint            max_queued;
  guint            idle_timeout_ms;
  guint            dispatch_interval_ms;
  gint64           last_start_time;  /* dispatch-interval rate limit */

  guint            paused : 1;
  guint            closing : 1;
  guint            orphaned : 1;  /* the GObject is gone */

  guint            n_workers;   /* worker threads we hold */
  guint            n_idle;      /* of them, waiting for work */
  guint            n_running;   /* thread jobs (or light batches) being run */
  guint            n_running_main;  /* main-context jobs between begin and complete */
  guint            n_discarding;    /* jobs out of the queue whose discard has not run (P16) */
  GHashTable      *discarded_jobs;  /* of them, the object jobs, counted cancelled already; or NULL */
  guint            n_slot_waiting;  /* workers waiting for a start time (a test hook) */
  guint            n_let_go;        /* batches whose blocked job let the rest go (a test hook) */
  guint            n_given_away;    /* the jobs they let go */
  guint            n_queued;
  /* A submit is refused once n_queued reaches it: 0 when closing, else
   * max_queued, or G_MAXUINT with no bound. One comparison instead of two
   * tests at every submit; gopod_pod_core_update_accept_below_locked()
   * keeps it. */
  guint            accept_below;

  guint64          submitted;  /* also the sequence number of the next job (rule P3) */
  guint64          succeeded;
  guint64          failed;
  guint64          cancelled;

  /* Jobs between start and end, to cancel on discard; not owned. Once a
   * job has left the queue its owner slot (gopod_job_get_seq()) is free:
   * it holds the job's index here, so removal is a swap with the last. */
  GPtrArray       *running_jobs;
  GopodNotify      notify;
  GopodPodRegistry registry;  /* the job registry's (gopod-pod-registry.c) */

  /* Read without the lock by workers between light jobs, written rarely
   * (pause, resize, shutdown): on a cache line of their own, so that the
   * fields a submit writes above do not take it from a running worker at
   * every job. */
  int              epoch GOPOD_POD_CORE_OWN_LINE;  /* atomic: bumped when workers must look again */
  int              discarding;    /* atomic: read between light jobs */

  /* What a spinning worker watches in a loop, on a line of its own too: a
   * spinner's reads would otherwise pull the line the producer writes at
   * every submit. */
  int              pushes GOPOD_POD_CORE_OWN_LINE;  /* atomic: bumped on every push, watched by a spinner */
  int              n_spinning;  /* atomic: idle workers spinning before they sleep, 0 or 1 */
};

/* Whether max-queued is reached. Inline: every submit asks. */
static inline gboolean
gopod_pod_core_is_full_locked (GopodPodCore *core)
{
  return core->max_queued > 0 && core->n_queued >= core->max_queued;
}

static inline void
gopod_pod_core_update_accept_below_locked (GopodPodCore *core)
{
  if (core->closing)
    core->accept_below = 0;
  else
    core->accept_below = core->max_queued > 0 ? core->max_queued : G_MAXUINT;
}

/* Makes the core of @pod, whose notifications go out through @pspecs on
 * the thread-default main context of the caller. */
GopodPodCore *gopod_pod_core_new                  (GopodPod           *pod,
                                                   GParamSpec        **pspecs,
                                                   guint               n_pspecs);
GopodPodCore *gopod_pod_core_ref                  (GopodPodCore       *core);
void          gopod_pod_core_unref                (GopodPodCore       *core);

/* The GObject is gone: what is queued still runs, then the workers leave. */
void          gopod_pod_core_orphan               (GopodPodCore       *core);
/* Returns whether it changed. */
gboolean      gopod_pod_core_set_paused           (GopodPodCore       *core,
                                                   gboolean            paused);
/* Stores a setting (a field of @core); returns whether it changed. */
gboolean      gopod_pod_core_write_setting        (GopodPodCore       *core,
                                                   guint              *field,
                                                   guint               value);

gboolean      gopod_pod_core_add_job              (GopodPodCore       *core,
                                                   GopodJob           *job,
                                                   gboolean            may_block,
                                                   GCancellable       *cancellable,
                                                   GError            **error);
gboolean      gopod_pod_core_submit               (GopodPodCore       *core,
                                                   GopodFunc           func,
                                                   gpointer            user_data,
                                                   GDestroyNotify      destroy,
                                                   GError            **error);

/* A held job was resumed: queues it again if it may start now. */
void          gopod_pod_core_requeue_resumed      (GopodPodCore       *core,
                                                   GopodJob           *job);

/* Whether the caller serves @core: one of its workers, or a `begin`,
 * `run` or `finish` of one of its jobs (internals rule P10). */
gboolean      gopod_pod_core_is_serving           (GopodPodCore       *core);
/* Conditions to wait for (GopodWaitReady); called with the lock held. */
gboolean      gopod_pod_core_is_idle_locked       (gpointer            core);
gboolean      gopod_pod_core_is_shut_down_locked  (gpointer            core);
/* Blocks until @done or @cancellable, running the pod's context when this
 * is its thread and nobody else runs it (internals rule P8). Returns FALSE
 * with the cancellation error if @cancellable came first. */
gboolean      gopod_pod_core_wait                 (GopodPodCore       *core,
                                                   GopodWaitReady      done,
                                                   GCancellable       *cancellable,
                                                   GError            **error);
/* Answers @task at once if @done holds, else when it does. */
void          gopod_pod_core_wait_async           (GopodPodCore       *core,
                                                   GTask              *task,
                                                   GopodWaitReady      done);
/* Starts a shutdown; returns FALSE with %GOPOD_ERROR_CLOSED if one had
 * already started (a DISCARD still upgrades a DRAIN in progress). */
gboolean      gopod_pod_core_begin_shutdown       (GopodPodCore       *core,
                                                   GopodShutdownMode   mode,
                                                   GError            **error);

/* Shared by gopod-pod-core.c and gopod-pod-core-entry.c: the workers and
 * the queue on one side, the face's entry points on the other. */
void          gopod_pod_core_cancel_running_job      (gpointer job);
gboolean      gopod_pod_core_check_room_locked       (GopodPodCore  *core,
                                                      GError       **error);
GopodChunk   *gopod_pod_core_chunk_new_locked        (GopodPodCore *core);
guint         gopod_pod_core_take_for_discard_locked (GopodPodCore *core,
                                                      gpointer      item,
                                                      gboolean      popped);
void          gopod_pod_core_discard_item            (gpointer      item);
void          gopod_pod_core_discarded_locked        (GopodPodCore *core,
                                                      guint         n,
                                                      GopodOutbox  *out);
void          gopod_pod_core_notify                  (GopodPodCore *core,
                                                      guint         prop_id);
void          gopod_pod_core_queue_push_sorted_locked (GopodPodCore *core,
                                                       gpointer      item);
guint         gopod_pod_core_reserve_workers_locked  (GopodPodCore *core);
void          gopod_pod_core_spawn_workers           (GopodPodCore *core,
                                                      guint         n);
gboolean      gopod_pod_core_wait_locked             (GopodPodCore   *core,
                                                      GopodWaitReady  done,
                                                      GCancellable   *cancellable,
                                                      GError        **error);
void          gopod_pod_core_wake_idle_workers_locked (GopodPodCore *core);
void          gopod_pod_core_wake_waiters_locked     (GopodPodCore *core,
                                                      GopodOutbox  *out);
guint         gopod_pod_core_get_n_slot_waiting      (GopodPodCore *core);
/* How many times a light job that blocked let the jobs behind it go
 * (rule P7c), and in *@n_given_away how many jobs went: a test hook. */
guint         gopod_pod_core_get_n_let_go            (GopodPodCore *core,
                                                      guint        *n_given_away);
/* Whether a chunk is handed on to a holder now (rule P7b): a test hook. */
gboolean      gopod_pod_core_is_handing_on           (GopodPodCore *core);
void          gopod_pod_core_worker_main             (gpointer  data,
                                                      gpointer  pool_data);

/* Shared by gopod-pod-core.c and gopod-pod-core-light.c: the worker's loop
 * on one side, what it does with a chunk of light jobs on the other. */

/* How long an idle worker spins before it sleeps: about the time a producer
 * takes to queue a few object jobs, far below anything a user would call
 * busy-waiting. */
#define GOPOD_POD_CORE_SPIN_US 50

void          gopod_pod_core_lock_contended          (GopodPodCore *core);

/* Takes core->lock: every thread that does, on every path, through this
 * (internals rule P2). Object jobs take it twice a job from the producer
 * and the worker, and once they went through g_mutex_lock() two workers
 * and a producer kept GMutex contended, with futex calls at most of them. */
static inline void
gopod_pod_core_lock (GopodPodCore *core)
{
  if (G_UNLIKELY (!g_mutex_trylock (&core->lock)))
    gopod_pod_core_lock_contended (core);
}

/* Lets go of the lock and wakes, frees or answers what @out holds (rule 3):
 * before a worker runs more jobs, so that nobody waits for it to finish
 * them (rule P9). */
static inline void
gopod_pod_core_unlock_and_flush (GopodPodCore *core,
                                 GopodOutbox  *out)
{
  g_mutex_unlock (&core->lock);
  if (out->n > 0)
    gopod_outbox_flush (out);
}

void          gopod_pod_core_chunk_free_locked       (GopodPodCore *core,
                                                      GopodChunk   *chunk);
/* Runs light jobs from a chunk the worker popped, in batches or straight
 * from the chunk it then holds (internals rules P7, P7a). Called with the
 * lock held; returns with it held. */
void          gopod_pod_core_dispatch_chunk_locked   (GopodPodCore *core,
                                                      GopodChunk   *chunk,
                                                      gint64       *avg_job_ns,
                                                      GopodOutbox  *out);
gboolean      gopod_pod_core_may_dispatch_locked     (GopodPodCore *core);
/* Spinning pays only while a CPU is free for it; @running: the spinner is
 * counted in `n_running` (a holder waiting for more). */
gboolean      gopod_pod_core_may_spin_locked         (GopodPodCore *core,
                                                      gboolean      running);
/* Puts back an item a worker popped but may not start now. */
void          gopod_pod_core_put_back_locked         (GopodPodCore *core,
                                                      gpointer      item);
/* Queues in order an item that was never in the queue (a chunk handed on
 * to a holder), or discards it when a discarding shutdown began. */
void          gopod_pod_core_requeue_locked          (GopodPodCore *core,
                                                      gpointer      item);
/* A new filling chunk @next follows @full (the filling chunk until now, or
 * NULL): hands it on to the worker that holds @full when that one will be
 * done with @full within its batch (internals rule P7b) and returns TRUE;
 * FALSE when the caller must queue it. */
gboolean      gopod_pod_core_hand_on_locked          (GopodPodCore *core,
                                                      GopodChunk   *full,
                                                      GopodChunk   *next);
void          gopod_pod_core_queue_push_front_locked (GopodPodCore *core,
                                                      gpointer      item);

G_END_DECLS
