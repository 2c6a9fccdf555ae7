/* gopod-pod.c: a bounded pool of workers running jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "gopod-enum-types.h"
#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-notify-private.h"
#include "gopod-pod.h"
#include "gopod-waiters-private.h"

/**
 * GopodPod:
 *
 * A pool of at most [property@Gopod.Pod:max-workers] workers running
 * queued jobs: go-pod's `Pod`, the `work` pool and the dispatcher of
 * the dispatcher/worker walk-through, on GLib's own
 * [struct@GLib.ThreadPool] threads and [struct@GLib.AsyncQueue] queue, never on GTask's shared pool.
 *
 * A new pod queues work but runs none until [method@Gopod.Pod.start].
 * Work comes as [class@Gopod.Job]s ([method@Gopod.Pod.add_job],
 * [method@Gopod.Pod.try_add_job], [method@Gopod.Pod.run_async]) or as plain
 * functions ([method@Gopod.Pod.submit]), the light path, with no object per
 * job. Jobs run lowest [property@Gopod.Job:priority] first, and in the order
 * they were added within a priority (light jobs have priority 0).
 *
 * Main-context jobs (those implementing [vfunc@Gopod.Job.begin]) hold a
 * worker slot, not a thread, from `begin` until they complete, so a pod
 * bounds JavaScript's async work too. `begin` runs on the main context that
 * was thread-default when the pod was created, and so do property
 * notifications, coalesced: a counter that changes a million times between
 * two iterations is notified once.
 *
 * Workers are started when work arrives and return their threads after
 * [property@Gopod.Pod:idle-timeout-ms] without work: an idle pod owns no
 * thread and wakes nobody. Dropping the last reference to a pod does not drop
 * its work: what is queued still runs (a paused pod is restarted for it), and
 * the pod's internals go away with the last job.
 *
 * Since: 1.0
 */

/* Light jobs travel through the GAsyncQueue in chunks: a producer appends to
 * the newest chunk under the pod's lock and only a new chunk is pushed. A
 * chunk is 256 slots of 16 bytes: a job without a destroy notify takes one
 * slot ({func, data}), a job with one takes two ({WITH_DESTROY, func},
 * {data, destroy}). 4 KiB is small enough to recycle cheaply and large
 * enough that the queue's own lock and list node are paid once per 256
 * submits. */
#define CHUNK_SLOTS 256

/* A worker takes several light jobs from a chunk at once when they are short,
 * aiming at about BATCH_TARGET_NS of work per trip to the queue; long jobs are
 * taken one by one so that every worker gets its share. */
#define BATCH_TARGET_NS 50000
#define BATCH_MAX 128  /* two slots a job at most: a batch given back fits a chunk */

#define DEFAULT_IDLE_TIMEOUT_MS 10000

/* How long an idle worker spins before it sleeps: about the time a producer
 * takes to queue a few object jobs, far below anything a user would call
 * busy-waiting. */
#define SPIN_US 50

typedef struct
{
  GopodFunc      func;
  gpointer       data;
  GDestroyNotify destroy;
} LightJob;

typedef struct
{
  gpointer a;
  gpointer b;
} Slot;

typedef struct
{
  gint64   seq;     /* sequence number of the job at head */
  guint    head;    /* next slot to take */
  guint    tail;    /* next free slot */
  guint    n_jobs;  /* jobs between head and tail */
  Slot     slots[CHUNK_SLOTS];
} Chunk;

/* Marks a two-slot job. No caller can pass this function: it is static. */
static void
with_destroy (gpointer data)
{
}

#define WITH_DESTROY ((gpointer) with_destroy)

static inline guint
light_job_slots (GDestroyNotify destroy)
{
  return destroy != NULL ? 2 : 1;
}

static void
chunk_append (Chunk          *chunk,
              GopodFunc       func,
              gpointer        data,
              GDestroyNotify  destroy)
{
  Slot *slot = &chunk->slots[chunk->tail];

  if (destroy == NULL)
    *slot = (Slot) { (gpointer) func, data };
  else
    {
      slot[0] = (Slot) { WITH_DESTROY, (gpointer) func };
      slot[1] = (Slot) { data, (gpointer) destroy };
    }
  chunk->tail += light_job_slots (destroy);
  chunk->n_jobs++;
}

/* Takes the job at head. */
static LightJob
chunk_take (Chunk *chunk)
{
  Slot *slot = &chunk->slots[chunk->head];
  LightJob job;

  if (slot->a == WITH_DESTROY)
    {
      job = (LightJob) { (GopodFunc) slot[0].b, slot[1].a, (GDestroyNotify) slot[1].b };
      chunk->head += 2;
    }
  else
    {
      job = (LightJob) { (GopodFunc) slot->a, slot->b, NULL };
      chunk->head += 1;
    }
  chunk->seq++;
  chunk->n_jobs--;

  return job;
}

/* Frees the data of every job left in @chunk, for a discard. */
static void
chunk_destroy_rest (Chunk *chunk)
{
  while (chunk->n_jobs > 0)
    {
      LightJob job = chunk_take (chunk);

      if (job.destroy != NULL)
        job.destroy (job.data);
    }
}

/* Items in the GAsyncQueue are jobs, or chunks tagged with the low bit. The
 * wake marker makes an idle worker look at the pod's state again. */
#define CHUNK_TAG ((guintptr) 1)
#define WAKE_MARKER ((gpointer) (guintptr) 2)

static inline gboolean item_is_chunk (gpointer item) { return ((guintptr) item & CHUNK_TAG) != 0; }
static inline Chunk *item_get_chunk (gpointer item) { return (Chunk *) ((guintptr) item & ~CHUNK_TAG); }
static inline gpointer chunk_to_item (Chunk *chunk) { return (gpointer) ((guintptr) chunk | CHUNK_TAG); }

typedef struct _PodCore PodCore;

/* The pod's state lives in a reference-counted core that the GObject, every
 * worker and every queued job hold, so that work outlives the last user
 * reference while the GObject is still finalized where its user drops it. */
struct _PodCore
{
  gatomicrefcount  ref_count;

  /* `lock` guards every field below it; the GAsyncQueue has its own lock,
   * always taken after this one, never before. */
  GMutex           lock;
  GCond            cond;  /* broadcast when work ends, space frees, workers leave */
  guint            n_cond_waiters;  /* threads in g_cond_wait on `cond` */
  guint            n_context_waiters;  /* blocking waits iterating `context` */
  guint            n_main_jobs;  /* main-context jobs accepted, not yet ended */
  int              n_spinning;  /* atomic: idle workers spinning before they sleep, 0 or 1 */
  int              pushes;  /* atomic: bumped on every push, watched by a spinner */
  GAsyncQueue     *queue;
  GThreadPool     *threads;
  GMainContext    *context;

  Chunk           *filling;  /* the chunk producers append to, or NULL */
  Chunk           *spare;    /* one emptied chunk kept for reuse */
  gint64           next_seq;

  guint            max_workers;
  guint            max_queued;
  guint            idle_timeout_ms;
  guint            dispatch_interval_ms;
  gint64           next_start_time;  /* dispatch-interval rate limit */

  guint            paused : 1;
  guint            closing : 1;
  guint            orphaned : 1;  /* the GObject is gone */
  int              discarding;    /* atomic: read between light jobs */
  int              epoch;         /* atomic: bumped when workers must look again */

  guint            n_workers;   /* worker threads we hold */
  guint            n_idle;      /* of them, waiting for work */
  guint            n_running;   /* thread jobs (or light batches) being run */
  guint            n_running_main;  /* main-context jobs between begin and complete */
  guint            n_queued;

  guint64          submitted;
  guint64          succeeded;
  guint64          failed;
  guint64          cancelled;

  /* Jobs between start and end, to cancel on discard; not owned. Once a
   * job has left the queue its owner slot (gopod_job_get_seq()) is free:
   * it holds the job's index here, so removal is a swap with the last. */
  GPtrArray       *running_jobs;
  GopodWaitQueue   idle_waiters;
  GopodWaitQueue   shutdown_waiters;
  GopodNotify      notify;
};

struct _GopodPod
{
  GObject  parent_instance;
  PodCore *core;
};

G_DEFINE_FINAL_TYPE (GopodPod, gopod_pod, G_TYPE_OBJECT)

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
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A worker thread's own state, on its stack; found through
 * `current_worker` to refuse waits on its own pod, and by job_ended() to
 * tell the end of the job this very worker runs. */
typedef struct
{
  PodCore  *core;
  GopodJob *executing;  /* the thread job in gopod_job_execute() here */
  GopodJob *next;       /* taken from the queue by job_ended() to run next */
} Worker;

static GPrivate current_worker;



static void worker_main (gpointer data, gpointer pool_data);
static gboolean should_leave_locked (PodCore *core);

/* Core life */

static PodCore *
core_ref (PodCore *core)
{
  g_atomic_ref_count_inc (&core->ref_count);
  return core;
}

static void
core_unref (PodCore *core)
{
  if (!g_atomic_ref_count_dec (&core->ref_count))
    return;

  g_assert (core->n_workers == 0 && core->n_queued == 0 && core->n_running_main == 0);

  /* The last reference may be dropped by a worker of this very pool; freeing
   * without waiting is allowed there, and the pool goes with its last thread. */
  g_thread_pool_free (core->threads, FALSE, FALSE);
  g_async_queue_unref (core->queue);
  g_free (core->filling);
  g_free (core->spare);
  g_ptr_array_unref (core->running_jobs);
  gopod_notify_clear (&core->notify);
  g_main_context_unref (core->context);
  g_cond_clear (&core->cond);
  g_mutex_clear (&core->lock);
  g_free (core);
}

/* Where an item sorts: its priority, and the sequence number of its first
 * job, of which only the low 32 bits count: compared wrapping, they order
 * correctly while fewer than 2^31 jobs lie between two queued items. */
static void
item_position (gconstpointer  item,
               int           *priority,
               guint32       *seq)
{
  if (item_is_chunk ((gpointer) item))
    {
      const Chunk *chunk = item_get_chunk ((gpointer) item);

      *priority = 0;
      *seq = (guint32) chunk->seq;
    }
  else
    {
      *priority = gopod_job_peek_priority ((GopodJob *) item);
      *seq = gopod_job_get_seq ((GopodJob *) item);
    }
}

static gint
queue_order (gconstpointer a,
             gconstpointer b,
             gpointer      user_data)
{
  int pa, pb;
  guint32 sa, sb;

  item_position (a, &pa, &sa);
  item_position (b, &pb, &sb);
  if (pa != pb)
    return pa < pb ? -1 : 1;
  return (gint32) (sa - sb) < 0 ? -1 : sa != sb;
}

/* GLib's futex-based GCond makes a system call on every broadcast, waiter or
 * not, and the end of every job would pay for one: only wake when someone
 * waits. Called with the lock held. */
static void
core_broadcast_locked (PodCore *core)
{
  if (core->n_cond_waiters > 0)
    g_cond_broadcast (&core->cond);
  if (core->n_context_waiters > 0)
    g_main_context_wakeup (core->context);
}

/* Every push goes through these, called with the lock held, so that a
 * spinning worker sees it (spin_for_item). */
static void
queue_push_sorted_locked (PodCore  *core,
                          gpointer  item)
{
  g_async_queue_push_sorted (core->queue, item, queue_order, NULL);
  g_atomic_int_inc (&core->pushes);
}

static void
queue_push_front_locked (PodCore  *core,
                         gpointer  item)
{
  g_async_queue_push_front (core->queue, item);
  g_atomic_int_inc (&core->pushes);
}

/* Notifications */

/* Called with the lock held; only flags the properties, delivery happens on
 * the pod's main context. */
static void
core_notify (PodCore *core,
             guint    prop_id)
{
  gopod_notify_queue_deferred (&core->notify, prop_id);
}

/* Workers */

static gboolean
may_dispatch_locked (PodCore *core)
{
  if (g_atomic_int_get (&core->discarding))
    return FALSE;
  if (core->paused && !core->closing)
    return FALSE;
  return core->n_running + core->n_running_main < core->max_workers;
}

/* Reserves workers under the lock for queued work: as many as there are
 * queued jobs no idle worker will take, within the bound. The reserved
 * workers count as busy at once; spawn_workers() starts them after the
 * lock is released. */
static guint
reserve_workers_locked (PodCore *core)
{
  guint n = 0;

  while (core->n_queued > core->n_idle + n &&
         core->n_workers + core->n_running_main < core->max_workers &&
         may_dispatch_locked (core))
    {
      core->n_workers++;
      n++;
    }
  if (n > 0)
    core_notify (core, PROP_WORKERS);

  return n;
}

static void
spawn_workers (PodCore *core,
               guint    n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!g_thread_pool_push (core->threads, core_ref (core), &error))
        {
          /* GLib could not make a thread; the work stays queued for the
           * workers we have, or the next submit. */
          g_warning ("pod-glib: could not start a worker: %s", error->message);
          g_mutex_lock (&core->lock);
          core->n_workers--;
          core_broadcast_locked (core);
          g_mutex_unlock (&core->lock);
          core_unref (core);
        }
    }
}

/* Wakes every idle worker so it looks at the pod's state again. */
static void
wake_idle_workers_locked (PodCore *core)
{
  for (guint i = 0; i < core->n_idle; i++)
    queue_push_front_locked (core, WAKE_MARKER);
}

static gboolean
is_full_locked (PodCore *core)
{
  return core->max_queued > 0 && core->n_queued >= core->max_queued;
}

static gboolean
is_idle_locked (PodCore *core)
{
  return core->n_queued == 0 && core->n_running == 0 && core->n_running_main == 0;
}

static gboolean
is_shut_down_locked (PodCore *core)
{
  return core->closing && core->n_workers == 0 && core->n_running_main == 0 &&
         core->n_queued == 0;
}

static void
return_waiters (GQueue *tasks)
{
  GTask *task;

  while ((task = g_queue_pop_head (tasks)) != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/* Called with the lock held after anything that can end a wait; moves the
 * async waiters whose condition holds to @ready, to be answered unlocked. */
static void
wake_waiters_locked (PodCore *core,
                     GQueue  *ready)
{
  gboolean idle = is_idle_locked (core);
  gboolean shut_down = is_shut_down_locked (core);

  /* Blocking waiters wait for one of these (see core_wait_locked()); waking
   * them for every job that ends would make each end a system call and a
   * context switch while a wait is pending. */
  if (idle || shut_down || (core->max_queued > 0 && !is_full_locked (core)))
    core_broadcast_locked (core);
  if (idle)
    gopod_wait_queue_steal_all (&core->idle_waiters, ready);
  if (shut_down)
    gopod_wait_queue_steal_all (&core->shutdown_waiters, ready);
}

static Chunk *
chunk_new_locked (PodCore *core)
{
  Chunk *chunk = g_steal_pointer (&core->spare);

  if (chunk == NULL)
    chunk = g_new (Chunk, 1);
  chunk->head = chunk->tail = chunk->n_jobs = 0;

  return chunk;
}

static void
chunk_free_locked (PodCore *core,
                   Chunk   *chunk)
{
  if (core->spare == NULL)
    core->spare = chunk;
  else
    g_free (chunk);
}

typedef struct
{
  LightJob jobs[BATCH_MAX];
  guint    n;
  gint64   seq;  /* of jobs[0], to give the rest back in order */
} Batch;

static guint
batch_limit (gint64 avg_job_ns,
             guint  dispatch_interval_ms)
{
  if (dispatch_interval_ms > 0 || avg_job_ns <= 0)
    return 1;
  return CLAMP (BATCH_TARGET_NS / MAX (avg_job_ns, 1), 1, BATCH_MAX);
}

/* Takes up to @limit light jobs from a chunk the worker popped, and puts
 * the chunk back in front if anything is left in it. */
static void
take_from_chunk_locked (PodCore *core,
                        Chunk   *chunk,
                        guint    limit,
                        Batch   *batch)
{
  guint n = MIN (limit, chunk->n_jobs);
  guint head = chunk->head;

  /* chunk_take() unrolled over the batch: the chunk's counters are written
   * once, not once a job. */
  for (guint i = 0; i < n; i++)
    {
      const Slot *slot = &chunk->slots[head];

      if (slot->a == WITH_DESTROY)
        {
          batch->jobs[i] = (LightJob) { (GopodFunc) slot[0].b, slot[1].a, (GDestroyNotify) slot[1].b };
          head += 2;
        }
      else
        {
          batch->jobs[i] = (LightJob) { (GopodFunc) slot->a, slot->b, NULL };
          head += 1;
        }
    }
  batch->n = n;
  batch->seq = chunk->seq;
  chunk->head = head;
  chunk->seq += n;
  chunk->n_jobs -= n;
  core->n_queued -= n;

  if (chunk->n_jobs > 0)
    queue_push_front_locked (core, chunk_to_item (chunk));
  else
    {
      if (chunk == core->filling)
        core->filling = NULL;
      chunk_free_locked (core, chunk);
    }
}

/* Puts light jobs a worker took but may no longer run back at the front. */
static void
give_back_locked (PodCore *core,
                  Batch   *batch,
                  guint    from)
{
  Chunk *chunk = chunk_new_locked (core);
  guint n = batch->n - from;

  /* At most BATCH_MAX jobs of two slots: they fit. */
  for (guint i = from; i < batch->n; i++)
    chunk_append (chunk, batch->jobs[i].func, batch->jobs[i].data, batch->jobs[i].destroy);
  chunk->seq = batch->seq + from;
  core->n_queued += n;
  queue_push_front_locked (core, chunk_to_item (chunk));
}

static void
destroy_light_jobs (LightJob *jobs,
                    guint     n)
{
  for (guint i = 0; i < n; i++)
    if (jobs[i].destroy != NULL)
      jobs[i].destroy (jobs[i].data);
}

/* Runs a batch of light jobs with no lock held. Between jobs it only reads
 * the epoch; when that moved (pause, shrink, discard) it asks under the lock
 * whether to go on. Returns how many ran; the rest were given back or
 * discarded, as counted in *discarded. */
static guint
run_batch (PodCore *core,
           Batch   *batch,
           guint   *discarded)
{
  int epoch = g_atomic_int_get (&core->epoch);
  guint i;

  *discarded = 0;
  for (i = 0; i < batch->n; i++)
    {
      LightJob *job = &batch->jobs[i];

      if (G_UNLIKELY (i > 0 && g_atomic_int_get (&core->epoch) != epoch))
        {
          gboolean go_on;

          g_mutex_lock (&core->lock);
          epoch = g_atomic_int_get (&core->epoch);
          /* This batch counts as one running job: allow it to continue if,
           * without it, the bound still leaves room for it. */
          core->n_running--;
          go_on = may_dispatch_locked (core);
          core->n_running++;
          if (!go_on && !g_atomic_int_get (&core->discarding))
            give_back_locked (core, batch, i);
          g_mutex_unlock (&core->lock);

          if (!go_on)
            {
              if (g_atomic_int_get (&core->discarding))
                {
                  destroy_light_jobs (&batch->jobs[i], batch->n - i);
                  *discarded = batch->n - i;
                }
              break;
            }
        }

      job->func (job->data);
      if (job->destroy != NULL)
        job->destroy (job->data);
    }

  return i;
}

/* Ends an item a worker popped after a discarding shutdown began, instead of
 * putting it back where nobody would take it. Same locking as the
 * dispatchers below. */
static void
discard_item_locked (PodCore *core,
                     gpointer item)
{
  if (item_is_chunk (item))
    {
      Chunk *chunk = item_get_chunk (item);
      guint n = chunk->n_jobs;

      core->n_queued -= n;
      core->cancelled += n;
      if (chunk == core->filling)
        core->filling = NULL;
      g_mutex_unlock (&core->lock);
      chunk_destroy_rest (chunk);
      g_free (chunk);
    }
  else
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      "Pod was shut down");

      core->n_queued--;
      g_mutex_unlock (&core->lock);
      gopod_job_discard (item, error);
      gopod_job_release (item);
    }

  g_mutex_lock (&core->lock);
  core_notify (core, PROP_QUEUED);
  core_notify (core, PROP_CANCELLED);
}

/* Puts back an item a worker popped but may not start now. */
static void
put_back_locked (PodCore *core,
                 gpointer item)
{
  if (g_atomic_int_get (&core->discarding))
    discard_item_locked (core, item);
  else
    queue_push_front_locked (core, item);
}

/* Waits until the dispatch-interval allows the next start. Returns FALSE if
 * the pod started discarding meanwhile. Called with the lock held. */
static gboolean
wait_for_start_slot_locked (PodCore *core)
{
  gint64 now = g_get_monotonic_time ();
  gint64 start;

  if (core->dispatch_interval_ms == 0)
    return TRUE;

  start = MAX (now, core->next_start_time);
  core->next_start_time = start + (gint64) core->dispatch_interval_ms * 1000;
  core->n_cond_waiters++;
  while (g_get_monotonic_time () < start && !g_atomic_int_get (&core->discarding))
    g_cond_wait_until (&core->cond, &core->lock, start);
  core->n_cond_waiters--;

  return !g_atomic_int_get (&core->discarding);
}

static void
running_add_locked (PodCore  *core,
                    GopodJob *job)
{
  gopod_job_set_seq (job, core->running_jobs->len);
  g_ptr_array_add (core->running_jobs, job);
}

static gboolean
running_remove_locked (PodCore  *core,
                       GopodJob *job)
{
  GPtrArray *running = core->running_jobs;
  guint i = gopod_job_get_seq (job);

  if (i >= running->len || g_ptr_array_index (running, i) != job)
    return FALSE;
  g_ptr_array_remove_index_fast (running, i);
  if (i < running->len)
    gopod_job_set_seq (g_ptr_array_index (running, i), i);
  return TRUE;
}

/* Called by job_ended() for the thread job that @worker runs, whose slot is
 * still counted in n_running: when the worker would go straight on to a
 * queued job anyway, takes it now and hands it the slot, so that the worker
 * need not take the lock again before starting it. Only the plain case
 * (no pause, resize, shutdown or rate limit about) is taken; anything else
 * goes through the worker's loop. Returns the job, or NULL. */
static GopodJob *
take_next_job_locked (PodCore *core)
{
  gpointer item;

  if (core->closing || core->orphaned || core->dispatch_interval_ms > 0 ||
      core->n_queued == 0 || should_leave_locked (core))
    return NULL;
  core->n_running--;
  if (!may_dispatch_locked (core))
    {
      core->n_running++;
      return NULL;
    }
  core->n_running++;

  item = g_async_queue_try_pop (core->queue);
  if (item == NULL)
    return NULL;
  if (item_is_chunk (item) || item == WAKE_MARKER)
    {
      queue_push_front_locked (core, item);
      return NULL;
    }

  core->n_queued--;
  if (gopod_job_peek_main_context (item))
    {
      core->n_running--;
      core->n_running_main++;
    }
  running_add_locked (core, item);
  core_notify (core, PROP_QUEUED);
  return item;
}

static void
count_outcome_locked (PodCore       *core,
                      GopodJobState  state)
{
  switch (state)
    {
    case GOPOD_JOB_STATE_SUCCEEDED:
      core->succeeded++;
      core_notify (core, PROP_SUCCEEDED);
      break;
    case GOPOD_JOB_STATE_FAILED:
      core->failed++;
      core_notify (core, PROP_FAILED);
      break;
    case GOPOD_JOB_STATE_CANCELLED:
      core->cancelled++;
      core_notify (core, PROP_CANCELLED);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* A job's end, told by the job in the thread that ended it (see
 * gopod-job-private.h). It holds the core reference the job took when it was
 * added. */
static void
job_ended (GopodJob *job,
           gboolean  was_started,
           gpointer  owner_data)
{
  PodCore *core = owner_data;
  Worker *worker = g_private_get (&current_worker);
  GQueue ready = G_QUEUE_INIT;
  gboolean drop_queue_ref = FALSE;
  guint spawn = 0;

  /* Counted here, before the job's waiters hear of its end, and together
   * with giving its slot back, so that the counters add up at any time and
   * already include a job whose completion was just reported. */
  g_mutex_lock (&core->lock);
  count_outcome_locked (core, gopod_job_get_state (job));
  if (gopod_job_peek_main_context (job))
    core->n_main_jobs--;
  if (!was_started)
    {
      /* Cancelled while queued. Whoever takes it out of the queue counts it
       * out: here, or the worker that already popped it. */
      drop_queue_ref = g_async_queue_remove (core->queue, job);
      if (drop_queue_ref)
        {
          core->n_queued--;
          core_notify (core, PROP_QUEUED);
        }
    }
  else if (running_remove_locked (core, job))
    {
      if (gopod_job_peek_main_context (job))
        {
          core->n_running_main--;
          spawn = reserve_workers_locked (core);
        }
      else if (worker != NULL && worker->core == core && worker->executing == job &&
               (worker->next = take_next_job_locked (core)) != NULL)
        ;  /* the slot goes to the next job */
      else
        core->n_running--;
      core_notify (core, PROP_RUNNING);
    }
  wake_waiters_locked (core, &ready);
  g_mutex_unlock (&core->lock);

  if (drop_queue_ref)
    gopod_job_release (job);
  spawn_workers (core, spawn);
  return_waiters (&ready);
  core_unref (core);
}

/* Starts a job a worker popped. A thread job runs here; a main-context job
 * is handed to the pod's context and the worker moves on. When job_ended()
 * took a next job for this worker, that one starts at once, without the
 * lock. Called with the lock held; returns with it held. Takes the queue's
 * reference to @job. */
static void
dispatch_job_locked (PodCore   *core,
                     Worker    *worker,
                     GopodJob  *job,
                     GQueue    *ready)
{
  gboolean main_context = gopod_job_peek_main_context (job);
  gboolean started;

  if (!wait_for_start_slot_locked (core))
    {
      discard_item_locked (core, job);
      return;
    }

  /* Hold the slot before letting go of the lock, then start the job
   * unlocked: starting it notifies, and a notify handler may call us. */
  core->n_queued--;
  if (main_context)
    core->n_running_main++;
  else
    core->n_running++;
  running_add_locked (core, job);
  core_notify (core, PROP_QUEUED);
  core_notify (core, PROP_RUNNING);
  g_mutex_unlock (&core->lock);

  for (;;)
    {
      started = gopod_job_start (job);
      if (!started)
        break;
      if (main_context)
        gopod_job_begin_on (job, core->context);
      else
        {
          worker->executing = job;
          gopod_job_execute (job);
          worker->executing = NULL;
        }
      gopod_job_release (job);
      job = g_steal_pointer (&worker->next);
      if (job == NULL)
        break;
      main_context = gopod_job_peek_main_context (job);
    }

  g_mutex_lock (&core->lock);
  /* A job that started gives its slot back where it ends (job_ended()); one
   * that had ended while queued gives it back here. Its removal reads the
   * job, which the unref after it may finalize, out of the lock. */
  if (!started)
    {
      if (main_context)
        core->n_running_main--;
      else
        core->n_running--;
      running_remove_locked (core, job);
      core_notify (core, PROP_RUNNING);
      g_mutex_unlock (&core->lock);
      gopod_job_release (job);
      g_mutex_lock (&core->lock);
    }
  wake_waiters_locked (core, ready);
}

/* Runs light jobs from a chunk the worker popped. Same locking as
 * dispatch_job_locked(). */
static void
dispatch_chunk_locked (PodCore *core,
                       Chunk   *chunk,
                       gint64  *avg_job_ns,
                       GQueue  *ready)
{
  Batch batch;
  guint ran, discarded;
  gint64 started;

  if (!wait_for_start_slot_locked (core))
    {
      discard_item_locked (core, chunk_to_item (chunk));
      return;
    }

  take_from_chunk_locked (core, chunk, batch_limit (*avg_job_ns, core->dispatch_interval_ms), &batch);
  core->n_running++;
  core_notify (core, PROP_QUEUED);
  core_notify (core, PROP_RUNNING);
  g_mutex_unlock (&core->lock);

  started = g_get_monotonic_time ();
  ran = run_batch (core, &batch, &discarded);
  if (ran > 0)
    *avg_job_ns = (*avg_job_ns + (g_get_monotonic_time () - started) * 1000 / ran) / 2;

  g_mutex_lock (&core->lock);
  core->n_running--;
  core->succeeded += ran;
  core->cancelled += discarded;
  core_notify (core, PROP_RUNNING);
  core_notify (core, PROP_SUCCEEDED);
  if (discarded > 0)
    core_notify (core, PROP_CANCELLED);
  wake_waiters_locked (core, ready);
}

/* Whether an idle worker should give its thread back rather than wait. */
static gboolean
should_leave_locked (PodCore *core)
{
  if (core->n_workers > core->max_workers)
    return TRUE;
  if (core->n_queued == 0 && (core->closing || core->orphaned))
    return TRUE;
  return (core->paused && !core->closing) || g_atomic_int_get (&core->discarding);
}

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield");
#endif
}

/* Waits up to SPIN_US for an item without sleeping, watching only the push
 * counter, so that the producer's next push finds no sleeper to wake: a
 * futex wake-up per job is what makes GThreadPool slow. Returns NULL when
 * nothing came. */
static gpointer
spin_for_item (PodCore *core)
{
  gint64 deadline = g_get_monotonic_time () + SPIN_US;
  int seen = g_atomic_int_get (&core->pushes);
  gpointer item = g_async_queue_try_pop (core->queue);
  guint i = 0;

  while (item == NULL)
    {
      int now = g_atomic_int_get (&core->pushes);

      if (now != seen)
        {
          seen = now;
          item = g_async_queue_try_pop (core->queue);
          continue;
        }
      if ((++i & 63) == 0 && g_get_monotonic_time () >= deadline)
        break;
      cpu_relax ();
    }

  return item;
}

/* Spinning pays only while a CPU is free for it: the producer needs one,
 * and so does every job running. Called with the lock held. */
static gboolean
may_spin_locked (PodCore *core)
{
  static gsize n_processors;

  if (g_once_init_enter (&n_processors))
    g_once_init_leave (&n_processors, g_get_num_processors ());
  return core->n_running + 2 <= n_processors;
}

static gpointer
wait_for_item_locked (PodCore *core)
{
  guint idle_timeout_ms = core->idle_timeout_ms;
  gboolean spin;
  gpointer item;

  /* Work already queued is taken without letting go of the lock (the
   * queue's lock nests inside ours): one lock round trip a job, not two. */
  item = g_async_queue_try_pop (core->queue);
  if (item != NULL)
    return item;

  core->n_idle++;
  spin = may_spin_locked (core);
  g_mutex_unlock (&core->lock);

  /* One idle worker at most spins, and only where another CPU can run the
   * producer meanwhile. */
  if (spin && g_atomic_int_compare_and_exchange (&core->n_spinning, 0, 1))
    {
      item = spin_for_item (core);
      g_atomic_int_set (&core->n_spinning, 0);
    }
  if (item == NULL && idle_timeout_ms == G_MAXUINT)
    item = g_async_queue_pop (core->queue);
  else if (item == NULL)
    item = g_async_queue_timeout_pop (core->queue, (guint64) idle_timeout_ms * 1000);
  g_mutex_lock (&core->lock);
  core->n_idle--;

  return item;
}

static void
worker_main (gpointer data,
             gpointer pool_data)
{
  PodCore *core = data;
  Worker worker = { core, NULL, NULL };
  GQueue ready = G_QUEUE_INIT;
  gint64 avg_job_ns = 0;

  g_private_set (&current_worker, &worker);
  g_mutex_lock (&core->lock);

  while (!should_leave_locked (core))
    {
      gpointer item = wait_for_item_locked (core);

      if (item == NULL)
        {
          if (core->n_queued == 0)
            break;  /* idle for idle-timeout-ms */
          continue;
        }
      if (item == WAKE_MARKER)
        continue;
      if (!may_dispatch_locked (core))
        {
          put_back_locked (core, item);
          break;
        }

      if (item_is_chunk (item))
        dispatch_chunk_locked (core, item_get_chunk (item), &avg_job_ns, &ready);
      else
        dispatch_job_locked (core, &worker, item, &ready);

      /* Busy workers may have taken the wake markers meant for idle ones;
       * whoever empties a closing pod's queue sends them again. */
      if (core->n_queued == 0 && (core->closing || core->orphaned))
        wake_idle_workers_locked (core);

      if (!g_queue_is_empty (&ready))
        {
          g_mutex_unlock (&core->lock);
          return_waiters (&ready);
          g_mutex_lock (&core->lock);
        }
    }

  core->n_workers--;
  core_notify (core, PROP_WORKERS);
  wake_waiters_locked (core, &ready);
  g_mutex_unlock (&core->lock);
  return_waiters (&ready);

  g_private_set (&current_worker, NULL);
  core_unref (core);
}

/* Producers */

static gboolean
check_accepting_locked (PodCore  *core,
                        GError  **error)
{
  if (core->closing)
    {
      g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                           "The pod has been shut down and accepts no more work");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_room_locked (PodCore  *core,
                   GError  **error)
{
  if (!check_accepting_locked (core, error))
    return FALSE;
  if (is_full_locked (core))
    {
      g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL,
                   "The pod's queue is full (max-queued is %u)", core->max_queued);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_own_worker (PodCore *core)
{
  Worker *worker = g_private_get (&current_worker);

  return worker != NULL && worker->core == core;
}

static void
core_cond_wake (GCancellable *cancellable,
                PodCore      *core)
{
  g_mutex_lock (&core->lock);
  core_broadcast_locked (core);
  g_mutex_unlock (&core->lock);
}

/* Blocks, with the lock held, until @done or @cancellable. Returns FALSE
 * with the cancellation error if @cancellable came first. */
static gboolean
core_wait_locked (PodCore        *core,
                  gboolean      (*done) (PodCore *core),
                  GCancellable   *cancellable,
                  GError        **error)
{
  gulong handler = 0;

  if (cancellable != NULL)
    {
      /* The handler takes the lock, and runs at once if already cancelled. */
      g_mutex_unlock (&core->lock);
      handler = g_cancellable_connect (cancellable, G_CALLBACK (core_cond_wake), core, NULL);
      g_mutex_lock (&core->lock);
    }

  /* Main-context jobs begin, and usually complete, on the pod's context. A
   * blocking wait where nobody runs that context would wait for ever, so it
   * runs the context itself, as long as it waits (as the runner does). */
  if (core->n_main_jobs > 0 && g_main_context_acquire (core->context))
    {
      core->n_context_waiters++;
      while (!done (core) && !g_cancellable_is_cancelled (cancellable))
        {
          g_mutex_unlock (&core->lock);
          g_main_context_iteration (core->context, TRUE);
          g_mutex_lock (&core->lock);
        }
      core->n_context_waiters--;
      g_main_context_release (core->context);
    }
  else
    {
      core->n_cond_waiters++;
      while (!done (core) && !g_cancellable_is_cancelled (cancellable))
        g_cond_wait (&core->cond, &core->lock);
      core->n_cond_waiters--;
    }

  if (handler != 0)
    {
      g_mutex_unlock (&core->lock);
      g_cancellable_disconnect (cancellable, handler);
      g_mutex_lock (&core->lock);
    }

  if (done (core))
    return TRUE;
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static gboolean
has_room_or_closed (PodCore *core)
{
  return core->closing || !is_full_locked (core);
}

/* Queues an accepted job; called with the lock held, room checked. */
static guint
enqueue_job_locked (PodCore  *core,
                    GopodJob *job)
{
  /* Light jobs after this one must queue behind it. */
  core->filling = NULL;
  gopod_job_set_seq (job, core->next_seq++);
  queue_push_sorted_locked (core, g_object_ref (job));
  if (gopod_job_peek_main_context (job))
    core->n_main_jobs++;
  core->n_queued++;
  core->submitted++;
  core_notify (core, PROP_QUEUED);
  core_notify (core, PROP_SUBMITTED);

  return reserve_workers_locked (core);
}

static gboolean
add_job (GopodPod      *pod,
         GopodJob      *job,
         gboolean       may_block,
         GCancellable  *cancellable,
         GError       **error)
{
  PodCore *core = pod->core;
  gboolean ok;
  guint spawn = 0;

  g_mutex_lock (&core->lock);
  ok = check_accepting_locked (core, error);
  if (ok && is_full_locked (core) && may_block && !is_own_worker (core))
    ok = core_wait_locked (core, has_room_or_closed, cancellable, error);
  ok = ok && check_room_locked (core, error);
  if (ok)
    {
      ok = gopod_job_claim (job, job_ended, core);
      if (ok)
        {
          core_ref (core);
          spawn = enqueue_job_locked (core, job);
        }
      else
        g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                     "The job was already added, or has ended");
    }
  g_mutex_unlock (&core->lock);

  spawn_workers (core, spawn);
  return ok;
}

/* Public API */

static void
gopod_pod_dispose (GObject *object)
{
  GopodPod *pod = GOPOD_POD (object);
  PodCore *core = pod->core;
  guint spawn;

  /* The user is gone, the work is not: run what is queued, then let the
   * workers leave at once rather than after the idle timeout. */
  g_mutex_lock (&core->lock);
  core->orphaned = TRUE;
  core->paused = FALSE;
  g_atomic_int_inc (&core->epoch);
  wake_idle_workers_locked (core);
  spawn = reserve_workers_locked (core);
  g_mutex_unlock (&core->lock);
  spawn_workers (core, spawn);

  G_OBJECT_CLASS (gopod_pod_parent_class)->dispose (object);
}

static void
gopod_pod_finalize (GObject *object)
{
  core_unref (GOPOD_POD (object)->core);

  G_OBJECT_CLASS (gopod_pod_parent_class)->finalize (object);
}

static void
gopod_pod_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  GopodPod *pod = GOPOD_POD (object);

  switch (prop_id)
    {
    case PROP_MAX_WORKERS:
      g_value_set_uint (value, gopod_pod_get_max_workers (pod));
      break;
    case PROP_MAX_QUEUED:
      g_value_set_uint (value, gopod_pod_get_max_queued (pod));
      break;
    case PROP_IDLE_TIMEOUT_MS:
      g_value_set_uint (value, gopod_pod_get_idle_timeout_ms (pod));
      break;
    case PROP_DISPATCH_INTERVAL_MS:
      g_value_set_uint (value, gopod_pod_get_dispatch_interval_ms (pod));
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, gopod_pod_get_paused (pod));
      break;
    case PROP_RUNNING:
      g_value_set_uint (value, gopod_pod_get_running (pod));
      break;
    case PROP_QUEUED:
      g_value_set_uint (value, gopod_pod_get_queued (pod));
      break;
    case PROP_WORKERS:
      g_value_set_uint (value, gopod_pod_get_workers (pod));
      break;
    case PROP_SUBMITTED:
      g_value_set_uint64 (value, gopod_pod_get_submitted (pod));
      break;
    case PROP_SUCCEEDED:
      g_value_set_uint64 (value, gopod_pod_get_succeeded (pod));
      break;
    case PROP_FAILED:
      g_value_set_uint64 (value, gopod_pod_get_failed (pod));
      break;
    case PROP_CANCELLED:
      g_value_set_uint64 (value, gopod_pod_get_cancelled (pod));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_pod_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  GopodPod *pod = GOPOD_POD (object);

  switch (prop_id)
    {
    case PROP_MAX_WORKERS:
      gopod_pod_set_max_workers (pod, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED:
      gopod_pod_set_max_queued (pod, g_value_get_uint (value));
      break;
    case PROP_IDLE_TIMEOUT_MS:
      gopod_pod_set_idle_timeout_ms (pod, g_value_get_uint (value));
      break;
    case PROP_DISPATCH_INTERVAL_MS:
      gopod_pod_set_dispatch_interval_ms (pod, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
counter_pspec (const char *name)
{
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
gauge_pspec (const char *name)
{
  return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT, 0,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
setting_pspec (const char *name,
               guint       minimum,
               guint       default_value)
{
  return g_param_spec_uint (name, NULL, NULL, minimum, G_MAXUINT, default_value,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                            G_PARAM_STATIC_STRINGS);
}

static void
gopod_pod_class_init (GopodPodClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gopod_pod_dispose;
  object_class->finalize = gopod_pod_finalize;
  object_class->get_property = gopod_pod_get_property;
  object_class->set_property = gopod_pod_set_property;

  /**
   * GopodPod:max-workers:
   *
   * How many jobs run at once, thread jobs and main-context jobs together.
   * It may change at any time: growing starts queued jobs at once, shrinking
   * never interrupts a running job but bounds new starts at once.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_WORKERS] = setting_pspec ("max-workers", 1, 1);

  /**
   * GopodPod:max-queued:
   *
   * How many jobs may wait in the queue; 0 means no bound. At the bound,
   * [method@Gopod.Pod.add_job] blocks and the non-blocking calls fail with
   * %GOPOD_ERROR_QUEUE_FULL.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_QUEUED] = setting_pspec ("max-queued", 0, 0);

  /**
   * GopodPod:idle-timeout-ms:
   *
   * How long a worker waits for work before giving its thread back. An idle
   * pod holds no thread after this long. %G_MAXUINT keeps workers forever.
   *
   * Since: 1.0
   */
  properties[PROP_IDLE_TIMEOUT_MS] = setting_pspec ("idle-timeout-ms", 0, DEFAULT_IDLE_TIMEOUT_MS);

  /**
   * GopodPod:dispatch-interval-ms:
   *
   * The least time between two job starts, go-pod's dispatch interval; 0
   * means none. It is a rate limit kept with a timed wait, not a poll.
   *
   * Since: 1.0
   */
  properties[PROP_DISPATCH_INTERVAL_MS] = setting_pspec ("dispatch-interval-ms", 0, 0);

  /**
   * GopodPod:paused:
   *
   * Whether the pod holds its queue without starting jobs: a new pod is
   * paused until [method@Gopod.Pod.start].
   *
   * Since: 1.0
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodPod:running:
   *
   * How many jobs are running. Light jobs are handed to workers in small
   * batches when they are short; a batch counts as one running job.
   *
   * Since: 1.0
   */
  properties[PROP_RUNNING] = gauge_pspec ("running");

  /**
   * GopodPod:queued:
   *
   * How many accepted jobs wait to start.
   *
   * Since: 1.0
   */
  properties[PROP_QUEUED] = gauge_pspec ("queued");

  /**
   * GopodPod:workers:
   *
   * How many worker threads the pod holds now: 0 once it has been idle for
   * [property@Gopod.Pod:idle-timeout-ms].
   *
   * Since: 1.0
   */
  properties[PROP_WORKERS] = gauge_pspec ("workers");

  /**
   * GopodPod:submitted:
   *
   * How many jobs the pod has accepted.
   *
   * Since: 1.0
   */
  properties[PROP_SUBMITTED] = counter_pspec ("submitted");

  /**
   * GopodPod:succeeded:
   *
   * How many jobs ended %GOPOD_JOB_STATE_SUCCEEDED (every light job that ran).
   *
   * Since: 1.0
   */
  properties[PROP_SUCCEEDED] = counter_pspec ("succeeded");

  /**
   * GopodPod:failed:
   *
   * How many jobs ended %GOPOD_JOB_STATE_FAILED.
   *
   * Since: 1.0
   */
  properties[PROP_FAILED] = counter_pspec ("failed");

  /**
   * GopodPod:cancelled:
   *
   * How many jobs ended %GOPOD_JOB_STATE_CANCELLED, or, for light jobs, were
   * discarded by a shutdown.
   *
   * Since: 1.0
   */
  properties[PROP_CANCELLED] = counter_pspec ("cancelled");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gopod_pod_init (GopodPod *pod)
{
  PodCore *core = g_new0 (PodCore, 1);

  g_atomic_ref_count_init (&core->ref_count);
  g_mutex_init (&core->lock);
  g_cond_init (&core->cond);
  core->queue = g_async_queue_new ();
  /* Not exclusive, unbounded: the pod bounds its own workers, and GLib
   * starts no thread before the first push. */
  core->threads = g_thread_pool_new (worker_main, NULL, -1, FALSE, NULL);
  core->context = g_main_context_ref_thread_default ();
  core->paused = TRUE;
  core->max_workers = 1;
  core->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
  core->running_jobs = g_ptr_array_new ();
  gopod_wait_queue_init (&core->idle_waiters, &core->lock);
  gopod_wait_queue_init (&core->shutdown_waiters, &core->lock);
  gopod_notify_init (&core->notify, G_OBJECT (pod), properties, N_PROPS);
  gopod_notify_prepare (&core->notify);

  pod->core = core;
}

/**
 * gopod_pod_new:
 * @max_workers: how many jobs may run at once; at least 1
 *
 * Makes a pod. It queues jobs but starts none until [method@Gopod.Pod.start].
 *
 * Returns: (transfer full): a new pod
 *
 * Since: 1.0
 */
GopodPod *
gopod_pod_new (guint max_workers)
{
  g_return_val_if_fail (max_workers > 0, NULL);

  return g_object_new (GOPOD_TYPE_POD, "max-workers", max_workers, NULL);
}

static void
set_paused (GopodPod *pod,
            gboolean  paused)
{
  PodCore *core = pod->core;
  gboolean changed;
  guint spawn = 0;

  g_mutex_lock (&core->lock);
  changed = core->paused != paused;
  core->paused = paused;
  g_atomic_int_inc (&core->epoch);
  if (!paused)
    spawn = reserve_workers_locked (core);
  g_mutex_unlock (&core->lock);

  spawn_workers (core, spawn);
  if (changed)
    gopod_notify_queue (&core->notify, PROP_PAUSED);
}

/**
 * gopod_pod_start:
 * @pod: a pod
 *
 * Starts dispatching queued jobs, or resumes after [method@Gopod.Pod.pause].
 *
 * Since: 1.0
 */
void
gopod_pod_start (GopodPod *pod)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  set_paused (pod, FALSE);
}

/**
 * gopod_pod_pause:
 * @pod: a pod
 *
 * Stops starting jobs until [method@Gopod.Pod.start]. Running jobs go on;
 * light jobs a worker had taken but not started go back to the queue.
 *
 * Since: 1.0
 */
void
gopod_pod_pause (GopodPod *pod)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  set_paused (pod, TRUE);
}

/**
 * gopod_pod_get_paused:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:paused].
 *
 * Returns: whether @pod is paused (or not started yet)
 *
 * Since: 1.0
 */
gboolean
gopod_pod_get_paused (GopodPod *pod)
{
  gboolean paused;

  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);

  g_mutex_lock (&pod->core->lock);
  paused = pod->core->paused;
  g_mutex_unlock (&pod->core->lock);

  return paused;
}

/**
 * gopod_pod_add_job:
 * @pod: a pod
 * @job: a new job; the pod takes a reference
 * @cancellable: (nullable): stops waiting for room
 * @error: return location for an error
 *
 * Queues @job, blocking while the queue holds
 * [property@Gopod.Pod:max-queued] jobs, as a send on a full Go channel
 * does. Called from one of the pod's own workers, it does not block (that
 * could wait forever) and fails with %GOPOD_ERROR_QUEUE_FULL instead.
 *
 * A job can be added once: adding it again, or adding a job that ended, is
 * a programmer error.
 *
 * Returns: %TRUE if the job was queued; %FALSE with %GOPOD_ERROR_CLOSED after
 *   a shutdown, %GOPOD_ERROR_QUEUE_FULL from a worker, or
 *   %G_IO_ERROR_CANCELLED
 *
 * Since: 1.0
 */
gboolean
gopod_pod_add_job (GopodPod      *pod,
                   GopodJob      *job,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return add_job (pod, job, TRUE, cancellable, error);
}

/**
 * gopod_pod_try_add_job:
 * @pod: a pod
 * @job: a new job; the pod takes a reference
 * @error: return location for an error
 *
 * Queues @job if there is room, without ever blocking.
 *
 * Returns: %TRUE if the job was queued; %FALSE with %GOPOD_ERROR_QUEUE_FULL
 *   or %GOPOD_ERROR_CLOSED
 *
 * Since: 1.0
 */
gboolean
gopod_pod_try_add_job (GopodPod  *pod,
                       GopodJob  *job,
                       GError   **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (GOPOD_IS_JOB (job), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return add_job (pod, job, FALSE, NULL, error);
}

typedef struct
{
  GopodJob     *job;
  GCancellable *cancellable;
  gulong        cancel_handler;
} RunData;

static void
run_data_free (RunData *data)
{
  g_clear_object (&data->job);
  g_clear_object (&data->cancellable);
  g_free (data);
}

static void
run_cancelled (GCancellable *cancellable,
               GopodJob     *job)
{
  gopod_job_cancel (job);
}

static void
run_job_ended (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  GError *error = NULL;

  /* This may run inside the cancel handler itself (cancelling a queued job
   * ends it at once), where g_cancellable_disconnect() would wait for ever;
   * the handler holds its own reference to the job, so a plain disconnect
   * is safe here and from any thread. */
  if (data->cancel_handler != 0)
    g_signal_handler_disconnect (data->cancellable, data->cancel_handler);

  if (gopod_job_wait_finish (GOPOD_JOB (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * gopod_pod_run_async:
 * @pod: a pod
 * @job: a new job; the pod takes a reference
 * @cancellable: (nullable): cancels the job
 * @callback: (scope async) (closure user_data): called on the caller's
 *   thread-default main context when the job has ended
 * @user_data: data for @callback
 *
 * Queues @job without blocking and reports its own result when it ends.
 * Cancelling @cancellable cancels the job (see [method@Gopod.Job.cancel]).
 * A full queue or a closed pod is reported to @callback.
 *
 * Since: 1.0
 */
void
gopod_pod_run_async (GopodPod            *pod,
                     GopodJob            *job,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;
  RunData *data;
  GError *error = NULL;

  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (GOPOD_IS_JOB (job));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (pod, NULL, callback, user_data);
  g_task_set_source_tag (task, gopod_pod_run_async);

  if (!add_job (pod, job, FALSE, NULL, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  data = g_new0 (RunData, 1);
  data->job = g_object_ref (job);
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  if (cancellable != NULL)
    {
      data->cancellable = g_object_ref (cancellable);
      data->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (run_cancelled),
                                                    g_object_ref (job), g_object_unref);
    }

  gopod_job_wait_async (job, NULL, run_job_ended, task);
}

/**
 * gopod_pod_run_finish:
 * @pod: a pod
 * @result: the result given to the callback
 * @error: return location for the job's error
 *
 * Finishes [method@Gopod.Pod.run_async].
 *
 * Returns: %TRUE if the job succeeded; otherwise %FALSE with the job's error,
 *   or why it could not be queued
 *
 * Since: 1.0
 */
gboolean
gopod_pod_run_finish (GopodPod      *pod,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, pod), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gopod_pod_submit:
 * @pod: a pod
 * @func: (scope notified) (closure user_data) (destroy destroy): the work, run
 *   once in a worker thread
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data after @func ran, or instead of it
 *   when a shutdown discards the job
 * @error: return location for an error
 *
 * Queues a light job: no object is made for it, which makes this the fast
 * path for many small jobs. It never blocks.
 *
 * Returns: %TRUE if the job was queued; %FALSE with %GOPOD_ERROR_QUEUE_FULL
 *   or %GOPOD_ERROR_CLOSED, in which case @destroy has been called
 *
 * Since: 1.0
 */
gboolean
gopod_pod_submit (GopodPod        *pod,
                  GopodFunc        func,
                  gpointer         user_data,
                  GDestroyNotify   destroy,
                  GError         **error)
{
  PodCore *core;
  Chunk *chunk;
  guint spawn;

  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  core = pod->core;
  g_mutex_lock (&core->lock);
  if (G_UNLIKELY (!check_room_locked (core, error)))
    {
      g_mutex_unlock (&core->lock);
      if (destroy != NULL)
        destroy (user_data);
      return FALSE;
    }

  chunk = core->filling;
  if (chunk != NULL && chunk->tail + light_job_slots (destroy) > CHUNK_SLOTS)
    chunk = core->filling = NULL;  /* stays queued, only full */
  if (chunk == NULL)
    {
      chunk = core->filling = chunk_new_locked (core);
      chunk->seq = core->next_seq;
      queue_push_sorted_locked (core, chunk_to_item (chunk));
    }
  chunk_append (chunk, func, user_data, destroy);
  if (chunk->tail == CHUNK_SLOTS)
    core->filling = NULL;
  core->next_seq++;
  core->n_queued++;
  core->submitted++;
  gopod_notify_queue_deferred_mask (&core->notify, (1u << PROP_QUEUED) | (1u << PROP_SUBMITTED));
  spawn = core->n_workers < core->max_workers ? reserve_workers_locked (core) : 0;
  g_mutex_unlock (&core->lock);

  if (G_UNLIKELY (spawn > 0))
    spawn_workers (core, spawn);
  return TRUE;
}

static gboolean
refuse_own_wait (PodCore     *core,
                 const char  *what,
                 GError     **error)
{
  if (!is_own_worker (core))
    return FALSE;

  g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
               "Cannot %s a pod from one of its own jobs: it would wait for itself", what);
  return TRUE;
}

/**
 * gopod_pod_wait:
 * @pod: a pod
 * @cancellable: (nullable): stops the wait
 * @error: return location for an error
 *
 * Blocks until nothing is queued or running, as a Go `sync.WaitGroup` does.
 * A paused pod with queued jobs is not idle. Needs no main loop. From one of
 * the pod's own jobs it would wait for itself, so it fails at once.
 *
 * Returns: %TRUE once idle; %FALSE with %G_IO_ERROR_CANCELLED, or
 *   %GOPOD_ERROR_FAILED from one of the pod's own workers
 *
 * Since: 1.0
 */
gboolean
gopod_pod_wait (GopodPod      *pod,
                GCancellable  *cancellable,
                GError       **error)
{
  PodCore *core;
  gboolean ok;

  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  core = pod->core;
  if (refuse_own_wait (core, "wait for", error))
    return FALSE;

  g_mutex_lock (&core->lock);
  ok = core_wait_locked (core, is_idle_locked, cancellable, error);
  g_mutex_unlock (&core->lock);

  return ok;
}

/* Answers @task at once if @done holds, else queues it in @waiters. */
static void
wait_async (PodCore        *core,
            GTask          *task,
            GopodWaitQueue *waiters,
            gboolean      (*done) (PodCore *core))
{
  gboolean now;

  g_mutex_lock (&core->lock);
  now = done (core);
  if (!now)
    gopod_wait_queue_push (waiters, task);
  g_mutex_unlock (&core->lock);

  if (now)
    g_task_return_boolean (task, TRUE);
}

/**
 * gopod_pod_wait_async:
 * @pod: a pod
 * @cancellable: (nullable): stops the wait
 * @callback: (scope async) (closure user_data): called on the caller's
 *   thread-default main context once nothing is queued or running
 * @user_data: data for @callback
 *
 * Waits for the pod to be idle without blocking.
 *
 * Since: 1.0
 */
void
gopod_pod_wait_async (GopodPod            *pod,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (pod, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_pod_wait_async);
  wait_async (pod->core, task, &pod->core->idle_waiters, is_idle_locked);
}

/**
 * gopod_pod_wait_finish:
 * @pod: a pod
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gopod.Pod.wait_async].
 *
 * Returns: %TRUE once idle, %FALSE with %G_IO_ERROR_CANCELLED
 *
 * Since: 1.0
 */
gboolean
gopod_pod_wait_finish (GopodPod      *pod,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, pod), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Takes everything out of the queue for a discarding shutdown. */
static void
steal_queue_locked (PodCore *core,
                    GQueue  *jobs,
                    GQueue  *chunks)
{
  gpointer item;

  while ((item = g_async_queue_try_pop (core->queue)) != NULL)
    {
      if (item == WAKE_MARKER)
        continue;
      if (item_is_chunk (item))
        {
          Chunk *chunk = item_get_chunk (item);

          core->n_queued -= chunk->n_jobs;
          core->cancelled += chunk->n_jobs;
          if (chunk == core->filling)
            core->filling = NULL;
          g_queue_push_tail (chunks, chunk);
        }
      else
        {
          core->n_queued--;
          g_queue_push_tail (jobs, item);
        }
    }
}

/* Starts a shutdown; returns FALSE with %GOPOD_ERROR_CLOSED if one had
 * already started (a DISCARD still upgrades a DRAIN in progress). */
static gboolean
begin_shutdown (PodCore            *core,
                GopodShutdownMode   mode,
                GError            **error)
{
  GQueue jobs = G_QUEUE_INIT, chunks = G_QUEUE_INIT, running = G_QUEUE_INIT;
  g_autoptr(GError) discard_error = NULL;
  gboolean first;
  GopodJob *job;
  Chunk *chunk;
  guint spawn;

  g_mutex_lock (&core->lock);
  first = !core->closing;
  core->closing = TRUE;
  if (mode == GOPOD_SHUTDOWN_DISCARD && !g_atomic_int_get (&core->discarding))
    {
      g_atomic_int_set (&core->discarding, TRUE);
      steal_queue_locked (core, &jobs, &chunks);
      for (guint i = 0; i < core->running_jobs->len; i++)
        g_queue_push_tail (&running, g_object_ref (g_ptr_array_index (core->running_jobs, i)));
      core_notify (core, PROP_QUEUED);
      core_notify (core, PROP_CANCELLED);
    }
  g_atomic_int_inc (&core->epoch);
  wake_idle_workers_locked (core);
  spawn = reserve_workers_locked (core);
  core_broadcast_locked (core);
  g_mutex_unlock (&core->lock);

  spawn_workers (core, spawn);

  /* User code (finish, destroy notifies, cancel handlers) runs unlocked. */
  discard_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Pod was shut down");
  while ((job = g_queue_pop_head (&jobs)) != NULL)
    {
      gopod_job_discard (job, discard_error);
      gopod_job_release (job);
    }
  while ((chunk = g_queue_pop_head (&chunks)) != NULL)
    {
      chunk_destroy_rest (chunk);
      g_free (chunk);
    }
  while ((job = g_queue_pop_head (&running)) != NULL)
    {
      gopod_job_cancel (job);
      gopod_job_release (job);
    }

  if (!first)
    g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                         "The pod was already shut down");
  return first;
}

/**
 * gopod_pod_shutdown:
 * @pod: a pod
 * @mode: what to do with queued and running jobs
 * @cancellable: (nullable): stops waiting (the shutdown itself goes on)
 * @error: return location for an error
 *
 * Stops accepting work (later additions fail with %GOPOD_ERROR_CLOSED),
 * then, with %GOPOD_SHUTDOWN_DRAIN, runs every queued job (a paused pod is
 * resumed for it), or with %GOPOD_SHUTDOWN_DISCARD ends queued jobs
 * %GOPOD_JOB_STATE_CANCELLED without running them and cancels running ones.
 * Returns when every worker has returned and every job has ended.
 *
 * A pod shuts down once. A second call still waits, and a DISCARD upgrades a
 * DRAIN in progress, but it returns %GOPOD_ERROR_CLOSED. From one of the
 * pod's own jobs the shutdown starts, but cannot be waited for there.
 *
 * Returns: %TRUE when this call shut the pod down; %FALSE with
 *   %GOPOD_ERROR_CLOSED, %G_IO_ERROR_CANCELLED, or %GOPOD_ERROR_FAILED from
 *   one of the pod's own workers
 *
 * Since: 1.0
 */
gboolean
gopod_pod_shutdown (GopodPod           *pod,
                    GopodShutdownMode   mode,
                    GCancellable       *cancellable,
                    GError            **error)
{
  g_autoptr(GError) closed_error = NULL;
  PodCore *core;
  gboolean first, ok;

  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (mode == GOPOD_SHUTDOWN_DRAIN || mode == GOPOD_SHUTDOWN_DISCARD, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  core = pod->core;
  first = begin_shutdown (core, mode, &closed_error);
  if (refuse_own_wait (core, "wait for the shutdown of", error))
    return FALSE;

  g_mutex_lock (&core->lock);
  ok = core_wait_locked (core, is_shut_down_locked, cancellable, error);
  g_mutex_unlock (&core->lock);

  if (ok && !first)
    {
      g_propagate_error (error, g_steal_pointer (&closed_error));
      return FALSE;
    }
  return ok;
}

/**
 * gopod_pod_shutdown_async:
 * @pod: a pod
 * @mode: what to do with queued and running jobs
 * @cancellable: (nullable): stops waiting (the shutdown itself goes on)
 * @callback: (scope async) (closure user_data): called on the caller's
 *   thread-default main context when the shutdown is complete
 * @user_data: data for @callback
 *
 * Shuts the pod down as [method@Gopod.Pod.shutdown] does, without blocking.
 *
 * Since: 1.0
 */
void
gopod_pod_shutdown_async (GopodPod            *pod,
                          GopodShutdownMode    mode,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (mode == GOPOD_SHUTDOWN_DRAIN || mode == GOPOD_SHUTDOWN_DISCARD);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (pod, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_pod_shutdown_async);
  if (!begin_shutdown (pod->core, mode, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  wait_async (pod->core, task, &pod->core->shutdown_waiters, is_shut_down_locked);
}

/**
 * gopod_pod_shutdown_finish:
 * @pod: a pod
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gopod.Pod.shutdown_async].
 *
 * Returns: %TRUE when the pod is shut down; %FALSE with
 *   %GOPOD_ERROR_CLOSED if it had been already, or %G_IO_ERROR_CANCELLED
 *
 * Since: 1.0
 */
gboolean
gopod_pod_shutdown_finish (GopodPod      *pod,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, pod), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Settings */

static guint
read_uint (GopodPod    *pod,
           const guint *field)
{
  guint value;

  g_mutex_lock (&pod->core->lock);
  value = *field;
  g_mutex_unlock (&pod->core->lock);

  return value;
}

static guint64
read_uint64 (GopodPod      *pod,
             const guint64 *field)
{
  guint64 value;

  g_mutex_lock (&pod->core->lock);
  value = *field;
  g_mutex_unlock (&pod->core->lock);

  return value;
}

/* Stores a setting; returns whether it changed. Workers look again. */
static gboolean
write_setting (GopodPod *pod,
               guint    *field,
               guint     value,
               guint     prop_id)
{
  PodCore *core = pod->core;
  gboolean changed;
  guint spawn;

  g_mutex_lock (&core->lock);
  changed = *field != value;
  *field = value;
  g_atomic_int_inc (&core->epoch);
  core_broadcast_locked (core);
  spawn = reserve_workers_locked (core);
  g_mutex_unlock (&core->lock);

  spawn_workers (core, spawn);
  if (changed)
    gopod_notify_queue (&core->notify, prop_id);
  return changed;
}

/**
 * gopod_pod_get_max_workers:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:max-workers].
 *
 * Returns: how many jobs may run at once
 *
 * Since: 1.0
 */
guint
gopod_pod_get_max_workers (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint (pod, &pod->core->max_workers);
}

/**
 * gopod_pod_set_max_workers:
 * @pod: a pod
 * @max_workers: how many jobs may run at once; at least 1
 *
 * Sets [property@Gopod.Pod:max-workers], at any time.
 *
 * Since: 1.0
 */
void
gopod_pod_set_max_workers (GopodPod *pod,
                           guint     max_workers)
{
  g_return_if_fail (GOPOD_IS_POD (pod));
  g_return_if_fail (max_workers > 0);

  write_setting (pod, &pod->core->max_workers, max_workers, PROP_MAX_WORKERS);
}

/**
 * gopod_pod_get_max_queued:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:max-queued].
 *
 * Returns: how many jobs may wait in the queue, 0 for no bound
 *
 * Since: 1.0
 */
guint
gopod_pod_get_max_queued (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint (pod, &pod->core->max_queued);
}

/**
 * gopod_pod_set_max_queued:
 * @pod: a pod
 * @max_queued: how many jobs may wait in the queue, 0 for no bound
 *
 * Sets [property@Gopod.Pod:max-queued]. Lowering it below the number queued
 * drops nothing; it only refuses or holds back new jobs.
 *
 * Since: 1.0
 */
void
gopod_pod_set_max_queued (GopodPod *pod,
                          guint     max_queued)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  write_setting (pod, &pod->core->max_queued, max_queued, PROP_MAX_QUEUED);
}

/**
 * gopod_pod_get_idle_timeout_ms:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:idle-timeout-ms].
 *
 * Returns: how long a worker waits for work before leaving, in milliseconds
 *
 * Since: 1.0
 */
guint
gopod_pod_get_idle_timeout_ms (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint (pod, &pod->core->idle_timeout_ms);
}

/**
 * gopod_pod_set_idle_timeout_ms:
 * @pod: a pod
 * @idle_timeout_ms: how long a worker waits for work before leaving, in
 *   milliseconds; %G_MAXUINT for ever
 *
 * Sets [property@Gopod.Pod:idle-timeout-ms]. Workers already waiting finish
 * their current wait first.
 *
 * Since: 1.0
 */
void
gopod_pod_set_idle_timeout_ms (GopodPod *pod,
                               guint     idle_timeout_ms)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  write_setting (pod, &pod->core->idle_timeout_ms, idle_timeout_ms, PROP_IDLE_TIMEOUT_MS);
}

/**
 * gopod_pod_get_dispatch_interval_ms:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:dispatch-interval-ms].
 *
 * Returns: the least time between two job starts, in milliseconds
 *
 * Since: 1.0
 */
guint
gopod_pod_get_dispatch_interval_ms (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint (pod, &pod->core->dispatch_interval_ms);
}

/**
 * gopod_pod_set_dispatch_interval_ms:
 * @pod: a pod
 * @dispatch_interval_ms: the least time between two job starts, in
 *   milliseconds; 0 for none
 *
 * Sets [property@Gopod.Pod:dispatch-interval-ms].
 *
 * Since: 1.0
 */
void
gopod_pod_set_dispatch_interval_ms (GopodPod *pod,
                                    guint     dispatch_interval_ms)
{
  g_return_if_fail (GOPOD_IS_POD (pod));

  write_setting (pod, &pod->core->dispatch_interval_ms, dispatch_interval_ms,
                 PROP_DISPATCH_INTERVAL_MS);
}

/**
 * gopod_pod_get_running:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:running].
 *
 * Returns: how many jobs are running
 *
 * Since: 1.0
 */
guint
gopod_pod_get_running (GopodPod *pod)
{
  guint running;

  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);

  g_mutex_lock (&pod->core->lock);
  running = pod->core->n_running + pod->core->n_running_main;
  g_mutex_unlock (&pod->core->lock);

  return running;
}

/**
 * gopod_pod_get_queued:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:queued].
 *
 * Returns: how many accepted jobs wait to start
 *
 * Since: 1.0
 */
guint
gopod_pod_get_queued (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint (pod, &pod->core->n_queued);
}

/**
 * gopod_pod_get_workers:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:workers].
 *
 * Returns: how many worker threads the pod holds
 *
 * Since: 1.0
 */
guint
gopod_pod_get_workers (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint (pod, &pod->core->n_workers);
}

/**
 * gopod_pod_get_submitted:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:submitted].
 *
 * Returns: how many jobs the pod has accepted
 *
 * Since: 1.0
 */
guint64
gopod_pod_get_submitted (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint64 (pod, &pod->core->submitted);
}

/**
 * gopod_pod_get_succeeded:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:succeeded].
 *
 * Returns: how many jobs succeeded
 *
 * Since: 1.0
 */
guint64
gopod_pod_get_succeeded (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint64 (pod, &pod->core->succeeded);
}

/**
 * gopod_pod_get_failed:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:failed].
 *
 * Returns: how many jobs failed
 *
 * Since: 1.0
 */
guint64
gopod_pod_get_failed (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint64 (pod, &pod->core->failed);
}

/**
 * gopod_pod_get_cancelled:
 * @pod: a pod
 *
 * Gets [property@Gopod.Pod:cancelled].
 *
 * Returns: how many jobs were cancelled or discarded
 *
 * Since: 1.0
 */
guint64
gopod_pod_get_cancelled (GopodPod *pod)
{
  g_return_val_if_fail (GOPOD_IS_POD (pod), 0);
  return read_uint64 (pod, &pod->core->cancelled);
}
