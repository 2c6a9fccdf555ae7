/* gopod-pod-core.c: a pod's workers, queue and counters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-pod-core-private.h"

#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-outbox-private.h"
#include "gopod-release-private.h"

/* A worker thread's own state, on its stack; found through
 * `current_worker` to refuse waits on its own pod, and by
 * pod_core_job_ended() to tell the end of the job this very worker runs. */
typedef struct
{
  GopodPodCore *core;
  GopodJob     *executing;  /* the thread job in gopod_job_execute() here */
  GopodJob     *next;       /* taken from the queue by pod_core_job_ended() to run next */
} Worker;

static GPrivate current_worker;

static gboolean pod_core_should_leave_locked (GopodPodCore *core);

/* How often a thread that finds core->lock taken tries again before GMutex
 * sleeps in the kernel. The light path holds the lock for a few dozen
 * instructions (a submit, a holder's count between batches): waiting that
 * out costs less than the futex wait, and the unlock then needs no futex
 * wake either. Only worth it with another CPU to release the lock. */
#define LOCK_SPINS 100

G_GNUC_NO_INLINE void
gopod_pod_core_lock_contended (GopodPodCore *core)
{
  gopod_wait_lock_spinning (&core->lock, LOCK_SPINS);
}

/* Core life */

GopodPodCore *
gopod_pod_core_ref (GopodPodCore *core)
{
  g_atomic_ref_count_inc (&core->ref_count);
  return core;
}

void
gopod_pod_core_unref (GopodPodCore *core)
{
  if (!g_atomic_ref_count_dec (&core->ref_count))
    return;

  g_assert (core->n_workers == 0 && core->n_queued == 0 && core->n_running_main == 0 &&
            core->n_discarding == 0 && core->discarded_jobs == NULL);

  /* The last reference may be dropped by a worker of this very pool; freeing
   * without waiting is allowed there, and the pool goes with its last thread. */
  g_thread_pool_free (core->threads, FALSE, FALSE);
  g_async_queue_unref (core->queue);
  g_free (core->filling);
  g_free (core->spare);
  g_ptr_array_unref (core->running_jobs);
  gopod_notify_clear (&core->notify);
  gopod_pod_registry_clear (&core->registry);
  g_main_context_unref (core->context);
  gopod_wait_home_clear (&core->home);
  g_mutex_clear (&core->lock);
  g_aligned_free (core);
}

/* Called with the lock held after anything that can end a wait: fires the
 * waiters whose condition now holds, to be woken once @out is flushed
 * unlocked (internals rule P9). Only those: a blocked gopod_pod_wait() is not
 * woken by each of a million job ends. */
void
gopod_pod_core_wake_waiters_locked (GopodPodCore *core,
                                    GopodOutbox  *out)
{
  if (gopod_pod_core_is_idle_locked (core))
    gopod_pod_registry_idle_locked (core);
  if (!gopod_wait_list_is_empty (&core->waiters))
    gopod_wait_list_fire_ready (&core->waiters, FALSE, out);
}

/* Every push goes through these, called with the lock held, so that a
 * spinning worker sees it (pod_core_spin_for_item). */
void
gopod_pod_core_queue_push_sorted_locked (GopodPodCore *core,
                                         gpointer      item)
{
  g_async_queue_push_sorted (core->queue, item, gopod_chunk_queue_order, NULL);
  g_atomic_int_inc (&core->pushes);
}

void
gopod_pod_core_queue_push_front_locked (GopodPodCore *core,
                                        gpointer      item)
{
  g_async_queue_push_front (core->queue, item);
  g_atomic_int_inc (&core->pushes);
}

/* Notifications */

/* Called with the lock held; only flags the properties, delivery happens on
 * the pod's main context. */
void
gopod_pod_core_notify (GopodPodCore *core,
                       guint         prop_id)
{
  gopod_notify_queue_deferred (&core->notify, prop_id);
}

/* Workers */

gboolean
gopod_pod_core_may_dispatch_locked (GopodPodCore *core)
{
  if (g_atomic_int_get (&core->discarding))
    return FALSE;
  if (core->paused && !core->closing)
    return FALSE;
  return core->n_running + core->n_running_main < core->max_workers;
}

/* Reserves workers under the lock for queued work: as many as there are
 * queued jobs no idle worker will take, within the bound. The reserved
 * workers count as busy at once; gopod_pod_core_spawn_workers() starts them after the
 * lock is released. */
guint
gopod_pod_core_reserve_workers_locked (GopodPodCore *core)
{
  guint n = 0;

  while (core->n_queued - core->registry.held.length > core->n_idle + n &&
         core->n_workers + core->n_running_main < core->max_workers &&
         gopod_pod_core_may_dispatch_locked (core))
    {
      core->n_workers++;
      n++;
    }
  if (n > 0)
    gopod_pod_core_notify (core, PROP_WORKERS);

  return n;
}

void
gopod_pod_core_spawn_workers (GopodPodCore *core,
                              guint         n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!g_thread_pool_push (core->threads, gopod_pod_core_ref (core), &error))
        {
          /* GLib could not make a thread; the work stays queued for the
           * workers we have, or the next submit. */
          GopodOutbox out = GOPOD_OUTBOX_INIT;

          g_warning ("pod-glib: could not start a worker: %s", error->message);
          gopod_pod_core_lock (core);
          core->n_workers--;
          gopod_pod_core_wake_waiters_locked (core, &out);
          g_mutex_unlock (&core->lock);
          gopod_outbox_flush (&out);
          gopod_pod_core_unref (core);
        }
    }
}

/* Wakes every idle worker so it looks at the pod's state again. */
void
gopod_pod_core_wake_idle_workers_locked (GopodPodCore *core)
{
  for (guint i = 0; i < core->n_idle; i++)
    gopod_pod_core_queue_push_front_locked (core, GOPOD_WAKE_MARKER);
}

gboolean
gopod_pod_core_is_idle_locked (gpointer data)
{
  GopodPodCore *core = data;

  return core->n_queued == 0 && core->n_running == 0 && core->n_running_main == 0 &&
         core->n_discarding == 0;
}

gboolean
gopod_pod_core_is_shut_down_locked (gpointer data)
{
  GopodPodCore *core = data;

  return core->closing && core->n_workers == 0 && core->n_running_main == 0 &&
         core->n_queued == 0 && core->n_discarding == 0;
}

GopodChunk *
gopod_pod_core_chunk_new_locked (GopodPodCore *core)
{
  GopodChunk *chunk = g_steal_pointer (&core->spare);

  if (chunk == NULL)
    chunk = g_new (GopodChunk, 1);
  chunk->head = chunk->tail = chunk->n_jobs = chunk->hold_limit = 0;
  chunk->next = NULL;

  return chunk;
}

void
gopod_pod_core_chunk_free_locked (GopodPodCore *core,
                                  GopodChunk   *chunk)
{
  if (core->spare == NULL)
    core->spare = chunk;
  else
    g_free (chunk);
}

/* What a discarded job ends with: one error for all, made once. */
static const GError *
pod_core_shut_down_error (void)
{
  static GError *error;

  if (g_once_init_enter (&error))
    g_once_init_leave (&error, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       "Pod was shut down"));
  return error;
}

/* Takes a queued item out of the count for a discarding shutdown: it is
 * no longer queued, but the pod is not idle until its discard has run
 * (rule P16). @popped: a worker took it out of the queue without the lock,
 * so that an object job may have ended meanwhile, its end func having
 * counted it already. Returns its jobs. Called with the lock held. */
guint
gopod_pod_core_take_for_discard_locked (GopodPodCore *core,
                                        gpointer      item,
                                        gboolean      popped)
{
  guint n = 1;

  if (gopod_item_is_chunk (item))
    {
      GopodChunk *chunk = gopod_item_get_chunk (item);

      n = chunk->n_jobs;
      if (chunk == core->filling)
        core->filling = NULL;
      core->cancelled += n;
    }
  else if (!popped)
    {
      /* Taken from the queue or the held jobs under this lock: its end func
       * has not counted it, and counts nothing when it runs (the discard,
       * or a cancel before it), rule P12. */
      if (core->discarded_jobs == NULL)
        core->discarded_jobs = g_hash_table_new (NULL, NULL);
      g_hash_table_add (core->discarded_jobs, item);
      core->cancelled++;
    }
  core->n_queued -= n;
  core->n_discarding += n;
  return n;
}

/* Ends an item taken for discarding: an outbox action, so that user code
 * (finish, destroy notifies, cancel handlers) runs after the lock. */
void
gopod_pod_core_discard_item (gpointer item)
{
  if (gopod_item_is_chunk (item))
    {
      GopodChunk *chunk = gopod_item_get_chunk (item);

      gopod_chunk_destroy_rest (chunk);
      g_free (chunk);
    }
  else
    {
      gopod_job_discard (item, pod_core_shut_down_error ());
      gopod_job_release (item);
    }
}

/* @n discarded jobs have ended: a wait may return now. Called with the
 * lock held. */
void
gopod_pod_core_discarded_locked (GopodPodCore *core,
                                 guint         n,
                                 GopodOutbox  *out)
{
  core->n_discarding -= n;
  gopod_pod_core_notify (core, PROP_QUEUED);
  gopod_pod_core_notify (core, PROP_CANCELLED);
  gopod_pod_core_wake_waiters_locked (core, out);
}

void
gopod_pod_core_cancel_running_job (gpointer job)
{
  gopod_job_cancel (job);
  gopod_job_release (job);
}

/* Ends an item a worker popped after a discarding shutdown began, instead of
 * putting it back where nobody would take it. Same locking as the
 * dispatchers below. */
static void
pod_core_discard_item_locked (GopodPodCore *core,
                              gpointer      item)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  guint n = gopod_pod_core_take_for_discard_locked (core, item, TRUE);

  g_mutex_unlock (&core->lock);
  gopod_pod_core_discard_item (item);
  gopod_pod_core_lock (core);
  gopod_pod_core_discarded_locked (core, n, &out);
  gopod_pod_core_unlock_and_flush (core, &out);
  gopod_pod_core_lock (core);
}

/* Queues @item with @push, or discards it once a discarding shutdown began
 * (it was out of the queue when that shutdown took everything). */
static void
pod_core_return_item_locked (GopodPodCore *core,
                             gpointer      item,
                             void        (*push) (GopodPodCore *core,
                                                  gpointer      item))
{
  if (g_atomic_int_get (&core->discarding))
    pod_core_discard_item_locked (core, item);
  else
    push (core, item);
}

void
gopod_pod_core_put_back_locked (GopodPodCore *core,
                                gpointer      item)
{
  pod_core_return_item_locked (core, item, gopod_pod_core_queue_push_front_locked);
}

void
gopod_pod_core_requeue_locked (GopodPodCore *core,
                               gpointer      item)
{
  pod_core_return_item_locked (core, item, gopod_pod_core_queue_push_sorted_locked);
}

/* The dispatch interval (internals rule P6): when the next start is
 * allowed. Called with the lock held. */
static gint64
pod_core_next_start_time_locked (GopodPodCore *core)
{
  if (core->last_start_time == 0)
    return 0;
  return core->last_start_time + (gint64) core->dispatch_interval_ms * 1000;
}

/* Takes the next start if the dispatch interval allows it now. */
static gboolean
pod_core_take_start_locked (GopodPodCore *core)
{
  gint64 now;

  if (core->dispatch_interval_ms == 0)
    return TRUE;
  now = g_get_monotonic_time ();
  if (now < pod_core_next_start_time_locked (core))
    return FALSE;
  core->last_start_time = now;
  return TRUE;
}

typedef struct
{
  GopodPodCore *core;
  int           epoch;
  gint64        time;
} StartSlot;

static gboolean
pod_core_start_slot_ready (gpointer data)
{
  StartSlot *slot = data;

  return g_atomic_int_get (&slot->core->epoch) != slot->epoch ||
         g_get_monotonic_time () >= slot->time;
}

/* A worker that popped @item before its start time gives it back to the
 * front (FIFO) and waits with nothing in hand until that time comes or a
 * setting changes (pause, resize, interval, shutdown bump the epoch and wake
 * the pod's waiters); its loop then looks at everything again. Called with
 * the lock held; returns with it held. */
static void
pod_core_wait_for_start_locked (GopodPodCore *core,
                                gpointer      item)
{
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;
  StartSlot slot;

  gopod_pod_core_put_back_locked (core, item);
  if (g_atomic_int_get (&core->discarding))
    return;
  slot.core = core;
  slot.epoch = g_atomic_int_get (&core->epoch);
  slot.time = pod_core_next_start_time_locked (core);
  options.deadline = slot.time;
  /* No home: a worker never runs a main context (internals rule P8). */
  gopod_wait_until (&core->waiters, pod_core_start_slot_ready, &slot, &options, NULL);
}

static void
pod_core_running_add_locked (GopodPodCore *core,
                             GopodJob     *job)
{
  gopod_job_set_seq (job, core->running_jobs->len);
  g_ptr_array_add (core->running_jobs, job);
}

static gboolean
pod_core_running_remove_locked (GopodPodCore *core,
                                GopodJob     *job)
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

/* Called by pod_core_job_ended() for the thread job that @worker runs, whose slot is
 * still counted in n_running: when the worker would go straight on to a
 * queued job anyway, takes it now and hands it the slot, so that the worker
 * need not take the lock again before starting it. Only the plain case
 * (no pause, resize, shutdown or rate limit about) is taken; anything else
 * goes through the worker's loop. Returns the job, or NULL. */
static GopodJob *
pod_core_take_next_job_locked (GopodPodCore *core)
{
  gpointer item;

  if (core->closing || core->orphaned || core->dispatch_interval_ms > 0 ||
      core->n_queued == 0 || pod_core_should_leave_locked (core))
    return NULL;
  core->n_running--;
  if (!gopod_pod_core_may_dispatch_locked (core))
    {
      core->n_running++;
      return NULL;
    }
  core->n_running++;

  item = g_async_queue_try_pop (core->queue);
  if (item == NULL)
    return NULL;
  if (gopod_item_is_chunk (item) || item == GOPOD_WAKE_MARKER)
    {
      gopod_pod_core_queue_push_front_locked (core, item);
      return NULL;
    }
  if (gopod_pod_registry_hold_locked (core, item))
    return NULL;

  core->n_queued--;
  if (gopod_job_peek_main_context (item))
    {
      core->n_running--;
      core->n_running_main++;
    }
  pod_core_running_add_locked (core, item);
  gopod_pod_core_notify (core, PROP_QUEUED);
  return item;
}

static void
pod_core_count_outcome_locked (GopodPodCore  *core,
                               GopodJobState  state)
{
  switch (state)
    {
    case GOPOD_JOB_STATE_SUCCEEDED:
      core->succeeded++;
      gopod_pod_core_notify (core, PROP_SUCCEEDED);
      break;
    case GOPOD_JOB_STATE_FAILED:
      core->failed++;
      gopod_pod_core_notify (core, PROP_FAILED);
      break;
    case GOPOD_JOB_STATE_CANCELLED:
      core->cancelled++;
      gopod_pod_core_notify (core, PROP_CANCELLED);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Queues again the held jobs in @requeue, which may start now, at their
 * place in the queue order; returns whether there were any. */
static gboolean
pod_core_push_requeued_locked (GopodPodCore *core,
                               GQueue       *requeue)
{
  GopodJob *job;

  if (g_queue_is_empty (requeue))
    return FALSE;
  while ((job = g_queue_pop_head (requeue)) != NULL)
    gopod_pod_core_queue_push_sorted_locked (core, job);
  return TRUE;
}

/* The same, and returns how many workers to start for them. */
static guint
pod_core_requeue_locked (GopodPodCore *core,
                         GQueue       *requeue)
{
  if (!pod_core_push_requeued_locked (core, requeue))
    return 0;
  return gopod_pod_core_reserve_workers_locked (core);
}

void
gopod_pod_core_requeue_resumed (GopodPodCore *core,
                                GopodJob     *job)
{
  GQueue requeue = G_QUEUE_INIT;
  guint spawn;

  gopod_pod_core_lock (core);
  if (gopod_pod_registry_release_locked (core, job))
    g_queue_push_tail (&requeue, job);
  spawn = pod_core_requeue_locked (core, &requeue);
  g_mutex_unlock (&core->lock);

  gopod_pod_core_spawn_workers (core, spawn);
}

/* Whether @job was taken for a discarding shutdown, which counted it out of
 * the queue and as cancelled already; forgets it. Called with the lock
 * held. */
static gboolean
pod_core_forget_discarded_locked (GopodPodCore *core,
                                  GopodJob     *job)
{
  if (G_LIKELY (core->discarded_jobs == NULL) || !g_hash_table_remove (core->discarded_jobs, job))
    return FALSE;
  if (g_hash_table_size (core->discarded_jobs) == 0)
    g_clear_pointer (&core->discarded_jobs, g_hash_table_unref);
  return TRUE;
}

/* A job's end, told by the job in the thread that ended it (see
 * gopod-job-private.h). It holds the core reference the job took when it was
 * added. */
static void
pod_core_job_ended (GopodJob *job,
                    gboolean  was_started,
                    gpointer  owner_data)
{
  GopodPodCore *core = owner_data;
  Worker *worker = g_private_get (&current_worker);
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GQueue requeue = G_QUEUE_INIT;
  gboolean was_held, requeued, discarded;
  guint spawn = 0;

  /* Counted here, before the job's waiters hear of its end, and together
   * with giving its slot back, so that the counters add up at any time and
   * already include a job whose completion was just reported. */
  gopod_pod_core_lock (core);
  discarded = pod_core_forget_discarded_locked (core, job);
  if (!discarded)
    pod_core_count_outcome_locked (core, gopod_job_peek_state (job));
  was_held = gopod_pod_registry_ended_locked (core, job, &requeue);
  /* Back in the queue at their place before this worker may take the next
   * job below (rule P13): a held job the end lets go must not be passed by
   * a later one just because it was still held when the next was chosen. */
  requeued = pod_core_push_requeued_locked (core, &requeue);
  if (gopod_job_peek_main_context (job))
    g_atomic_int_add (&core->n_main_jobs, -1);
  if (!was_started)
    {
      /* Cancelled while queued. Whoever takes it out of the queue counts it
       * out: here, or the worker that already popped it. A held job is
       * still queued. */
      if (!discarded && (was_held || g_async_queue_remove (core->queue, job)))
        {
          core->n_queued--;
          gopod_pod_core_notify (core, PROP_QUEUED);
          gopod_outbox_add (&out, (GopodOutboxFunc) gopod_job_release, job);
          /* Idle workers of a closing pod sleep while a job is queued (a
           * held one): the last one gone, they may leave (rule P16). */
          if (core->n_queued == 0 && (core->closing || core->orphaned))
            gopod_pod_core_wake_idle_workers_locked (core);
        }
    }
  else if (pod_core_running_remove_locked (core, job))
    {
      if (gopod_job_peek_main_context (job))
        {
          core->n_running_main--;
          spawn = gopod_pod_core_reserve_workers_locked (core);
        }
      else if (worker != NULL && worker->core == core && worker->executing == job &&
               (worker->next = pod_core_take_next_job_locked (core)) != NULL)
        ;  /* the slot goes to the next job */
      else
        core->n_running--;
      gopod_pod_core_notify (core, PROP_RUNNING);
    }
  if (requeued)
    spawn += gopod_pod_core_reserve_workers_locked (core);
  gopod_pod_core_wake_waiters_locked (core, &out);
  g_mutex_unlock (&core->lock);

  gopod_pod_core_spawn_workers (core, spawn);
  gopod_outbox_flush (&out);
  gopod_pod_core_unref (core);
}

/* The pod's `progress` counts its jobs' (rule G8): one atomic look when a
 * notification is already pending, whoever sets progress how often. */
static void
pod_core_job_progressed (gpointer owner_data)
{
  GopodPodCore *core = owner_data;

  gopod_notify_queue_deferred_mask (&core->notify, 1u << PROP_PROGRESS);
}

static const GopodJobOwner pod_core_job_owner = { pod_core_job_ended, pod_core_job_progressed, FALSE };

/* Starts a job a worker popped. A thread job runs here; a main-context job
 * is handed to the pod's context and the worker moves on. When pod_core_job_ended()
 * took a next job for this worker, that one starts at once, without the
 * lock. Called with the lock held; returns with it held. Takes the queue's
 * reference to @job. */
static void
pod_core_dispatch_job_locked (GopodPodCore *core,
                              Worker       *worker,
                              GopodJob     *job,
                              GopodOutbox  *out)
{
  gboolean main_context = gopod_job_peek_main_context (job);
  gboolean started;

  /* Hold the slot before letting go of the lock, then start the job
   * unlocked: starting it notifies, and a notify handler may call us. */
  core->n_queued--;
  if (main_context)
    core->n_running_main++;
  else
    core->n_running++;
  pod_core_running_add_locked (core, job);
  gopod_pod_core_notify (core, PROP_QUEUED);
  gopod_pod_core_notify (core, PROP_RUNNING);
  /* It left the queue: room for a blocked adder while it runs (rule P9). */
  gopod_pod_core_wake_waiters_locked (core, out);
  gopod_pod_core_unlock_and_flush (core, out);

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

  gopod_pod_core_lock (core);
  /* A job that started gives its slot back where it ends (pod_core_job_ended()); one
   * that had ended while queued gives it back here. Its removal reads the
   * job, which the unref after it may finalize, out of the lock. */
  if (!started)
    {
      if (main_context)
        core->n_running_main--;
      else
        core->n_running--;
      pod_core_running_remove_locked (core, job);
      gopod_pod_core_notify (core, PROP_RUNNING);
      g_mutex_unlock (&core->lock);
      gopod_job_release (job);
      gopod_pod_core_lock (core);
    }
  gopod_pod_core_wake_waiters_locked (core, out);
}

/* A job that ended while a worker had it out of the queue leaves the
 * queued count; the queue's reference goes once the lock is let go. */
static void
pod_core_count_out_ended_locked (GopodPodCore *core,
                                 GopodJob     *job,
                                 GopodOutbox  *out)
{
  core->n_queued--;
  gopod_pod_core_notify (core, PROP_QUEUED);
  gopod_pod_core_wake_waiters_locked (core, out);
  gopod_outbox_add (out, (GopodOutboxFunc) gopod_job_release, job);
}

/* Whether an idle worker should give its thread back rather than wait. */
static gboolean
pod_core_should_leave_locked (GopodPodCore *core)
{
  if (core->n_workers > core->max_workers)
    return TRUE;
  if (core->n_queued == 0 && (core->closing || core->orphaned))
    return TRUE;
  return (core->paused && !core->closing) || g_atomic_int_get (&core->discarding);
}

/* Waits up to GOPOD_POD_CORE_SPIN_US for an item without sleeping,
 * watching only the push counter, so that the producer's next push finds no
 * sleeper to wake: a futex wake-up per job is what makes GThreadPool slow.
 * Returns NULL when nothing came. */
static gpointer
pod_core_spin_for_item (GopodPodCore *core)
{
  gint64 deadline = g_get_monotonic_time () + GOPOD_POD_CORE_SPIN_US;
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
      gopod_wait_cpu_relax ();
    }

  return item;
}

/* Spinning pays only while a CPU is free for it: the producer needs one,
 * and so does every job running, and the spinner, unless it is @running
 * itself (a holder). Called with the lock held. */
gboolean
gopod_pod_core_may_spin_locked (GopodPodCore *core,
                                gboolean      running)
{
  return core->n_running + (running ? 1 : 2) <= gopod_wait_n_processors ();
}

static gpointer
pod_core_wait_for_item_locked (GopodPodCore *core)
{
  guint idle_timeout_ms = core->idle_timeout_ms;
  gboolean had_list = core->registry.jobs != NULL;
  gboolean spin;
  gpointer item;

  /* Work already queued is taken without letting go of the lock (the
   * queue's lock nests inside ours): one lock round trip a job, not two. */
  item = g_async_queue_try_pop (core->queue);
  if (item != NULL)
    return item;

  core->n_idle++;
  spin = gopod_pod_core_may_spin_locked (core, FALSE);
  g_mutex_unlock (&core->lock);

  /* One idle worker at most spins, and only where another CPU can run the
   * producer meanwhile. */
  if (spin && g_atomic_int_compare_and_exchange (&core->n_spinning, 0, 1))
    {
      item = pod_core_spin_for_item (core);
      g_atomic_int_set (&core->n_spinning, 0);
    }
  if (item == NULL && idle_timeout_ms == G_MAXUINT)
    item = g_async_queue_pop (core->queue);
  else if (item == NULL)
    item = g_async_queue_timeout_pop (core->queue, (guint64) idle_timeout_ms * 1000);
  gopod_pod_core_lock (core);
  core->n_idle--;
  /* Popped without our lock: a job list made meanwhile may have found it
   * neither queued nor running (rule G4), and is told of it now (a list
   * that had it already ignores a second append), unless it ended
   * meanwhile (its end was recorded, or will be, after this). */
  if (!had_list && item != NULL && core->registry.jobs != NULL &&
      item != GOPOD_WAKE_MARKER && !gopod_item_is_chunk (item) &&
      !gopod_job_is_ended (item))
    gopod_job_list_append (core->registry.jobs, item);

  return item;
}

/* How many workers wait for their start time now: a test hook (see
 * internals, "Test hooks"), so a test can act once they all do. */
guint
gopod_pod_core_get_n_slot_waiting (GopodPodCore *core)
{
  guint n;

  gopod_pod_core_lock (core);
  n = core->n_slot_waiting;
  g_mutex_unlock (&core->lock);
  return n;
}

void
gopod_pod_core_worker_main (gpointer  data,
                            gpointer  pool_data)
{
  GopodPodCore *core = data;
  Worker worker = { core, NULL, NULL };
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gint64 avg_job_ns = -1;  /* not known yet */

  g_private_set (&current_worker, &worker);
  /* What a worker waits for may need itself (internals rule P10). */
  gopod_wait_serving_push (core);
  gopod_pod_core_lock (core);

  while (!pod_core_should_leave_locked (core))
    {
      gpointer item = pod_core_wait_for_item_locked (core);

      if (item == NULL)
        {
          if (core->n_queued == core->registry.held.length)
            break;  /* idle for idle-timeout-ms, or only held jobs left */
          continue;
        }
      if (item == GOPOD_WAKE_MARKER)
        continue;
      /* Ended while this worker had it out of the queue (rule P15): its
       * end func found it gone and left it to be counted out here. Put
       * back or held, a discard would count it again, or it would stay
       * queued for ever. */
      if (!gopod_item_is_chunk (item) && gopod_job_is_ended (item))
        {
          pod_core_count_out_ended_locked (core, item, &out);
          gopod_pod_core_unlock_and_flush (core, &out);
          gopod_pod_core_lock (core);
          continue;
        }
      if (!gopod_pod_core_may_dispatch_locked (core))
        {
          gopod_pod_core_put_back_locked (core, item);
          break;
        }
      /* A job it may not start is held before the start is taken: holding
       * it starts nothing, and must not delay the next start (rule P6). */
      if (!gopod_item_is_chunk (item) && gopod_pod_registry_hold_locked (core, item))
        continue;
      if (!pod_core_take_start_locked (core))
        {
          core->n_slot_waiting++;
          pod_core_wait_for_start_locked (core, item);
          core->n_slot_waiting--;
          continue;
        }

      if (gopod_item_is_chunk (item))
        gopod_pod_core_dispatch_chunk_locked (core, gopod_item_get_chunk (item), &avg_job_ns, &out);
      else
        pod_core_dispatch_job_locked (core, &worker, item, &out);

      /* Busy workers may have taken the wake markers meant for idle ones;
       * whoever empties a closing pod's queue sends them again. */
      if (core->n_queued == 0 && (core->closing || core->orphaned))
        gopod_pod_core_wake_idle_workers_locked (core);

      if (out.n > 0)
        {
          g_mutex_unlock (&core->lock);
          gopod_outbox_flush (&out);
          gopod_pod_core_lock (core);
        }
    }

  core->n_workers--;
  gopod_pod_core_notify (core, PROP_WORKERS);
  gopod_pod_core_wake_waiters_locked (core, &out);
  g_mutex_unlock (&core->lock);
  gopod_outbox_flush (&out);

  gopod_wait_serving_pop (core);
  g_private_set (&current_worker, NULL);
  gopod_pod_core_unref (core);
}

/* Producers */

static gboolean
pod_core_check_accepting_locked (GopodPodCore  *core,
                                 GError       **error)
{
  if (core->closing)
    {
      g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                           "The pod has been shut down and accepts no more work");
      return FALSE;
    }
  return TRUE;
}

gboolean
gopod_pod_core_check_room_locked (GopodPodCore  *core,
                                  GError       **error)
{
  if (!pod_core_check_accepting_locked (core, error))
    return FALSE;
  if (gopod_pod_core_is_full_locked (core))
    {
      g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_QUEUE_FULL,
                   "The pod's queue is full (max-queued is %u)", core->max_queued);
      return FALSE;
    }
  return TRUE;
}

gboolean
gopod_pod_core_is_serving (GopodPodCore *core)
{
  return gopod_wait_is_serving (core);
}

/* Whether a blocking wait has a reason to run the pod's context: read
 * without the lock, whenever the waiter is kicked. */
static gboolean
pod_core_needs_home (gpointer data)
{
  GopodPodCore *core = data;

  return g_atomic_int_get (&core->n_main_jobs) > 0;
}

/* Blocks, with the lock held, until @done or @cancellable. A main-context
 * job begins, and usually completes, on the pod's context: a wait on the
 * thread the pod was made on, where nobody runs that context, runs it
 * itself while such jobs are pending, also those added after the wait began
 * (internals rule P8). */
gboolean
gopod_pod_core_wait_locked (GopodPodCore   *core,
                            GopodWaitReady  done,
                            GCancellable   *cancellable,
                            GError        **error)
{
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;

  options.cancellable = cancellable;
  options.home = &core->home;
  options.needs_home = pod_core_needs_home;
  options.needs_home_data = core;

  return gopod_wait_until (&core->waiters, done, core, &options, error);
}

static gboolean
pod_core_has_room_or_closed (gpointer data)
{
  GopodPodCore *core = data;

  return core->closing || !gopod_pod_core_is_full_locked (core);
}

/* Queues an accepted job; called with the lock held, room checked. */
static guint
pod_core_enqueue_job_locked (GopodPodCore *core,
                             GopodJob     *job)
{
  /* Light jobs after this one must queue behind it. */
  core->filling = NULL;
  gopod_job_set_seq (job, core->submitted);
  gopod_pod_core_queue_push_sorted_locked (core, g_object_ref (job));
  if (gopod_job_peek_main_context (job))
    {
      g_atomic_int_inc (&core->n_main_jobs);
      gopod_job_set_home (job, &core->home);
      /* A wait that began before this job may have to run it (rule P8). */
      gopod_wait_list_kick (&core->waiters);
    }
  core->n_queued++;
  core->submitted++;
  gopod_pod_registry_accepted_locked (core, job);
  gopod_pod_core_notify (core, PROP_QUEUED);
  gopod_pod_core_notify (core, PROP_SUBMITTED);

  return gopod_pod_core_reserve_workers_locked (core);
}

gboolean
gopod_pod_core_add_job (GopodPodCore  *core,
                        GopodJob      *job,
                        gboolean       may_block,
                        GCancellable  *cancellable,
                        GError       **error)
{
  GopodOutbox out;
  gboolean ok;
  guint spawn = 0;

  /* Not GOPOD_OUTBOX_INIT: every add would zero all its inline items. */
  gopod_outbox_init (&out);
  gopod_pod_core_lock (core);
  ok = pod_core_check_accepting_locked (core, error);
  if (ok && gopod_pod_core_is_full_locked (core) && may_block && !gopod_pod_core_is_serving (core))
    ok = gopod_pod_core_wait_locked (core, pod_core_has_room_or_closed, cancellable, error);
  ok = ok && gopod_pod_core_check_room_locked (core, error);
  if (ok)
    {
      ok = gopod_job_claim (job, &pod_core_job_owner, core, &out);
      if (ok)
        {
          gopod_pod_core_ref (core);
          spawn = pod_core_enqueue_job_locked (core, job);
        }
      else
        g_set_error (error, GOPOD_ERROR, GOPOD_ERROR_FAILED,
                     "The job was already added, or has ended");
    }
  g_mutex_unlock (&core->lock);

  gopod_pod_core_spawn_workers (core, spawn);
  /* The caller's reference keeps the job alive for its notification. */
  gopod_outbox_flush (&out);
  return ok;
}
