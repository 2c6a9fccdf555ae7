/* gopod-pod-core-light.c: what a pod's worker does with a chunk of light
 * jobs: takes a batch of them, or holds the chunk and runs them straight
 * from its slots (the worker's loop and the queue are in gopod-pod-core.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-pod-core-private.h"

/* A worker takes several light jobs from a chunk at once when they are short,
 * aiming at about BATCH_TARGET_NS of work per trip to the queue; long jobs are
 * taken one by one so that every worker gets its share. */
#define BATCH_TARGET_NS 50000
#define BATCH_MAX 128  /* two slots a job at most: a batch given back fits a chunk */

/* What light jobs that ended change: the pod's progress counts them too
 * (rule G8). */
#define LIGHT_ENDED_PROPS ((1u << PROP_SUCCEEDED) | (1u << PROP_PROGRESS))

typedef struct
{
  GopodLightJob jobs[BATCH_MAX];
  guint    n;
  guint    next;  /* the first job not started yet */
  gint64   seq;   /* of jobs[0], to give the rest back in order */
} Batch;

/* What a worker runs with no lock held, for its sleep hook (rule P7c): a
 * chunk it holds, or a batch it copied. */
typedef struct
{
  GopodPodCore *core;
  GopodChunk   *held;
  Batch        *batch;
  /* What the hook counted, so that the batch's end counts the rest: the
   * jobs taken out of a held chunk and the queue, and those that ended. */
  guint         taken;
  guint         succeeded;
} LightRun;

/* How many jobs a worker takes at once: @max for copied batches
 * (BATCH_MAX), a chunk's worth for a held chunk, which needs no copy. */
static guint
pod_core_light_batch_limit (gint64  avg_job_ns,
                            guint   dispatch_interval_ms,
                            guint   max)
{
  if (dispatch_interval_ms > 0 || avg_job_ns < 0)
    return 1;
  return CLAMP (BATCH_TARGET_NS / MAX (avg_job_ns, 1), 1, max);
}

/* Folds the time of @ran jobs since @started into a worker's average (a
 * negative one is not known yet). The clock counts microseconds, so a batch
 * of short jobs often measures 0: that means short, not unknown, or a
 * worker would go back to one job a batch. */
static void
pod_core_light_learn_job_time (gint64 *avg_job_ns,
                               gint64  started,
                               guint   ran)
{
  gint64 sample;

  if (ran == 0)
    return;
  sample = (g_get_monotonic_time () - started) * 1000 / ran;
  *avg_job_ns = *avg_job_ns < 0 ? sample : (*avg_job_ns + sample) / 2;
}

/* Frees a chunk a worker emptied; when it was the filling chunk, the next
 * submit starts a new one. */
static void
pod_core_light_retire_locked (GopodPodCore *core,
                              GopodChunk   *chunk)
{
  if (chunk == core->filling)
    core->filling = NULL;
  gopod_pod_core_chunk_free_locked (core, chunk);
}

/* Takes up to @limit light jobs from a chunk the worker popped, and puts
 * the chunk back in front if anything is left in it. */
static void
pod_core_light_take_from_chunk_locked (GopodPodCore *core,
                                       GopodChunk   *chunk,
                                       guint         limit,
                                       Batch        *batch)
{
  batch->seq = chunk->seq;
  batch->n = gopod_chunk_take_batch (chunk, limit, batch->jobs);
  core->n_queued -= batch->n;

  if (chunk->n_jobs > 0)
    gopod_pod_core_queue_push_front_locked (core, gopod_chunk_to_item (chunk));
  else
    pod_core_light_retire_locked (core, chunk);
}

/* Puts light jobs a worker took but may no longer run back at the front. */
static void
pod_core_light_give_back_locked (GopodPodCore *core,
                                 Batch        *batch,
                                 guint         from)
{
  GopodChunk *chunk = gopod_pod_core_chunk_new_locked (core);
  guint n = batch->n - from;

  /* At most BATCH_MAX jobs of two slots: they fit. */
  for (guint i = from; i < batch->n; i++)
    gopod_chunk_append (chunk, batch->jobs[i].func, batch->jobs[i].data, batch->jobs[i].destroy);
  chunk->seq = batch->seq + from;
  core->n_queued += n;
  gopod_pod_core_put_back_locked (core, gopod_chunk_to_item (chunk));
}

/* Runs a batch of light jobs with no lock held. Between jobs it only reads
 * the epoch; when that moved from @epoch, read under the lock when the
 * batch was taken (pause, shrink, discard), it asks under the lock whether
 * to go on. Returns how many ran; the rest were given back or discarded,
 * as counted in *discarded. */
static guint
pod_core_light_run_batch (GopodPodCore *core,
                          Batch        *batch,
                          int           epoch,
                          guint        *discarded)
{
  guint i;

  *discarded = 0;
  /* batch->n is read again after each job: a wait in it may have given the
   * rest away (pod_core_light_sleeps()). */
  for (i = 0; i < batch->n; i++)
    {
      GopodLightJob *job = &batch->jobs[i];

      if (G_UNLIKELY (i > 0 && g_atomic_int_get (&core->epoch) != epoch))
        {
          gboolean go_on, discard;

          gopod_pod_core_lock (core);
          epoch = g_atomic_int_get (&core->epoch);
          /* This batch counts as one running job: allow it to continue if,
           * without it, the bound still leaves room for it. */
          core->n_running--;
          /* Nor with a dispatch interval set meanwhile: its starts are one
           * job at a time (rule P6). */
          go_on = gopod_pod_core_may_dispatch_locked (core) && core->dispatch_interval_ms == 0;
          core->n_running++;
          /* Decided once, under the lock: a discarding shutdown that begins
           * after the rest was given back discards it from the queue, and
           * must not find it destroyed here too. */
          discard = !go_on && g_atomic_int_get (&core->discarding);
          if (!go_on && !discard)
            pod_core_light_give_back_locked (core, batch, i);
          g_mutex_unlock (&core->lock);

          if (!go_on)
            {
              guint n = batch->n;

              /* Out of the batch before their destroy notifies run: one
               * that waits would let them go again (rule P7c). */
              batch->n = i;
              if (discard)
                {
                  gopod_light_jobs_destroy (&batch->jobs[i], n - i);
                  *discarded = n - i;
                }
              break;
            }
        }

      batch->next = i + 1;
      job->func (job->data);
      if (job->destroy != NULL)
        job->destroy (job->data);
    }

  return i;
}

/* Counts out of a chunk it holds @taken jobs a worker ran or runs, of
 * which @succeeded ended. */
static void
pod_core_light_count_held_locked (GopodPodCore *core,
                                  GopodChunk   *chunk,
                                  guint         taken,
                                  guint         succeeded)
{
  chunk->n_jobs -= taken;
  chunk->seq += taken;
  core->n_queued -= taken;
  core->succeeded += succeeded;
  gopod_notify_queue_deferred_mask (&core->notify, (1u << PROP_QUEUED) | LIGHT_ENDED_PROPS);
}

/* Whether the producer may still append to a held chunk. */
static gboolean
pod_core_light_chunk_may_grow_locked (GopodPodCore *core,
                                      GopodChunk   *chunk)
{
  return chunk == core->filling && !core->closing && !core->orphaned &&
         gopod_chunk_has_room (chunk, 1);
}

/* How far a holder that caught up lets the producer get ahead before it
 * runs again, and for how long at most. Taking each job as soon as it is
 * published makes the two trade the chunk's cache lines at every job, which
 * held the producer to a fifth of its pace on 2 cores; with a lead they
 * trade a line now and then. The wait is short against a job's start
 * latency, and only jobs that find a holder waiting for them pay it. */
#define HOLDER_LEAD_SLOTS 128
#define HOLDER_LEAD_US 2

typedef struct
{
  GopodPodCore *core;
  GopodChunk   *chunk;
  guint         head;
  guint         lead;  /* the slot that shows the producer far enough ahead */
  int           epoch;
} LightTailWatch;

/* The watch is over whatever the producer does: the epoch moved, or the
 * producer went on to a new chunk and handed it on (the held one will not
 * grow). */
static gboolean
pod_core_light_watch_ended (LightTailWatch *watch)
{
  return g_atomic_int_get (&watch->core->epoch) != watch->epoch ||
         __atomic_load_n (&watch->chunk->next, __ATOMIC_RELAXED) != NULL;
}

/* The producer wrote the lead slot, or the epoch moved. */
static gboolean
pod_core_light_lead_written (gpointer data)
{
  LightTailWatch *watch = data;

  return gopod_chunk_slot_is_written (watch->chunk, watch->lead) || pod_core_light_watch_ended (watch);
}

/* The producer published a job past @head, or the epoch moved. */
static gboolean
pod_core_light_tail_moved (gpointer data)
{
  LightTailWatch *watch = data;

  return gopod_chunk_published_tail (watch->chunk) != watch->head || pod_core_light_watch_ended (watch);
}

/* Waits, unlocked, for the producer to publish jobs in the filling chunk
 * a worker holds and has caught up with, as the one spinner of the pod:
 * up to HOLDER_LEAD_US for a lead of HOLDER_LEAD_SLOTS, then up to
 * GOPOD_POD_CORE_SPIN_US in all for any job. Stops early when the epoch
 * moves. Returns whether jobs came. */
static gboolean
pod_core_light_spin_for_tail (GopodPodCore *core,
                              GopodChunk   *chunk,
                              int           epoch)
{
  LightTailWatch watch = { core, chunk, chunk->head, MIN (chunk->head + HOLDER_LEAD_SLOTS, GOPOD_CHUNK_SLOTS) - 1, epoch };
  gint64 now;
  gboolean moved;

  if (!g_atomic_int_compare_and_exchange (&core->n_spinning, 0, 1))
    return FALSE;
  now = g_get_monotonic_time ();
  gopod_wait_spin_until (pod_core_light_lead_written, &watch, now + HOLDER_LEAD_US);
  moved = gopod_wait_spin_until (pod_core_light_tail_moved, &watch, now + GOPOD_POD_CORE_SPIN_US);
  g_atomic_int_set (&core->n_spinning, 0);
  return moved && !pod_core_light_watch_ended (&watch);
}

/* One batch of a holder, with no lock held: up to @limit jobs straight
 * from @chunk, and, with @may_spin, a spin on its tail each time it caught
 * up with the producer, so that a producer a few jobs ahead costs no trip
 * to the lock (rule P7a). The clock learns only the running. */
static guint
pod_core_light_run_held (GopodPodCore *core,
                         GopodChunk   *chunk,
                         guint         limit,
                         int           epoch,
                         gboolean      may_spin,
                         gint64       *avg_job_ns)
{
  guint ran = 0;

  for (;;)
    {
      gint64 started = g_get_monotonic_time ();
      guint n = gopod_chunk_run_published (chunk, limit - ran, &core->epoch, epoch);

      pod_core_light_learn_job_time (avg_job_ns, started, n);
      ran += n;
      if (!may_spin || ran == limit || chunk->head == GOPOD_CHUNK_SLOTS ||
          chunk->hold_limit == 0 || !pod_core_light_spin_for_tail (core, chunk, epoch))
        return ran;
    }
}

/* Whether a worker runs a chunk it popped straight from it: for short
 * jobs (several to a batch; no dispatch interval) when it would take all
 * that is in it, or when no other worker could share it. */
static gboolean
pod_core_light_should_hold_locked (GopodPodCore *core,
                                   GopodChunk   *chunk,
                                   gint64        avg_job_ns)
{
  guint limit = pod_core_light_batch_limit (avg_job_ns, core->dispatch_interval_ms, GOPOD_CHUNK_SLOTS);

  return limit > 1 && (chunk->n_jobs <= limit || core->max_workers == 1);
}

gboolean
gopod_pod_core_hand_on_locked (GopodPodCore *core,
                               GopodChunk   *full,
                               GopodChunk   *next)
{
  GopodChunk *from = g_steal_pointer (&core->handed_on_from);

  /* A chunk handed on before, still not taken (@full itself): its holder
   * is stuck in a long job, and the others may share the work. */
  if (from != NULL)
    {
      /* Atomic: that holder may be spinning, watching it. */
      GopodChunk *stuck = __atomic_exchange_n (&from->next, NULL, __ATOMIC_RELAXED);

      gopod_pod_core_requeue_locked (core, gopod_chunk_to_item (stuck));
      return FALSE;
    }
  if (full == NULL || full->hold_limit == 0)
    return FALSE;
  /* With one worker nobody else could run it: always its holder's. */
  if (core->max_workers > 1 &&
      GOPOD_CHUNK_SLOTS - __atomic_load_n (&full->head, __ATOMIC_RELAXED) > full->hold_limit)
    return FALSE;
  __atomic_store_n (&full->next, next, __ATOMIC_RELAXED);
  core->handed_on_from = full;
  return TRUE;
}

gboolean
gopod_pod_core_is_handing_on (GopodPodCore *core)
{
  gboolean handing_on;

  gopod_pod_core_lock (core);
  handing_on = core->handed_on_from != NULL;
  g_mutex_unlock (&core->lock);
  return handing_on;
}

/* Takes back the chunk handed on to the holder of @chunk, if any. */
static GopodChunk *
pod_core_light_take_handed_on_locked (GopodPodCore *core,
                                      GopodChunk   *chunk)
{
  GopodChunk *next = chunk->next;

  if (next != NULL)
    {
      chunk->next = NULL;
      core->handed_on_from = NULL;
    }
  return next;
}

/* Whether a holder goes on with @chunk after a batch. */
static gboolean
pod_core_light_keeps_holding_locked (GopodPodCore *core,
                                     GopodChunk   *chunk,
                                     gint64        avg_job_ns)
{
  return gopod_pod_core_may_dispatch_locked (core) &&
         pod_core_light_should_hold_locked (core, chunk, avg_job_ns);
}

/* Whether a chunk handed on to a holder comes before everything queued:
 * the head of the queue, which a worker would take next, does not come
 * before it. The queue's length cannot tell whether anything is queued: it
 * counts the workers asleep in it negative, also one already woken for an
 * item. The head is taken out to be compared, then put back in front, in
 * one hold of the queue's lock: a worker popping without ours (P4) would
 * otherwise take the item behind it in between, ahead of its turn. */
static gboolean
pod_core_light_goes_first_locked (GopodPodCore *core,
                                  GopodChunk   *chunk)
{
  gpointer head;
  gboolean first = TRUE;

  g_async_queue_lock (core->queue);
  head = g_async_queue_try_pop_unlocked (core->queue);
  if (head != NULL)
    {
      /* A wake marker sorts first, but only wakes: whatever is behind it
       * may come first. */
      first = head != GOPOD_WAKE_MARKER &&
              gopod_chunk_queue_order (gopod_chunk_to_item (chunk), head, NULL) < 0;
      g_async_queue_push_front_unlocked (core->queue, head);
    }
  g_async_queue_unlock (core->queue);
  return first;
}

/* After a batch of a holder, with its slot given back: the chunk it goes
 * on with, or NULL when it lets go. A chunk with jobs left stays held, or
 * goes back to the front of the queue, the chunk handed on behind it; an
 * emptied one is freed, and the holder goes on with the chunk handed on to
 * it, unless a queued item comes first or it may not (rule P7b). */
static GopodChunk *
pod_core_light_next_held_locked (GopodPodCore *core,
                                 GopodChunk   *chunk,
                                 gint64        avg_job_ns)
{
  GopodChunk *next;

  if (chunk->n_jobs > 0 && pod_core_light_keeps_holding_locked (core, chunk, avg_job_ns))
    return chunk;
  next = pod_core_light_take_handed_on_locked (core, chunk);
  chunk->hold_limit = 0;
  if (chunk->n_jobs > 0)
    gopod_pod_core_put_back_locked (core, gopod_chunk_to_item (chunk));
  else
    {
      pod_core_light_retire_locked (core, chunk);
      if (next != NULL && pod_core_light_goes_first_locked (core, next) &&
          pod_core_light_keeps_holding_locked (core, next, avg_job_ns))
        return next;
    }
  if (next != NULL)
    gopod_pod_core_requeue_locked (core, gopod_chunk_to_item (next));
  return NULL;
}

/* A job of a held chunk blocks: the holder keeps the chunk only up to that
 * job. The jobs after it move to a new chunk at the front of the queue,
 * which also becomes the filling chunk if the held one was; a held filling
 * chunk that has nothing after the job stops being filling; the chunk
 * handed on is queued. Returns whether anything went. */
static gboolean
pod_core_light_let_go_held_locked (GopodPodCore *core,
                                   GopodChunk   *chunk)
{
  GopodChunk *next = pod_core_light_take_handed_on_locked (core, chunk);
  gboolean was_filling = chunk == core->filling;
  gboolean has_rest = chunk->head < chunk->tail;

  /* The holder stops after this job, and nothing is handed on to it. */
  chunk->hold_limit = 0;
  if (was_filling)
    core->filling = NULL;
  if (has_rest)
    {
      GopodChunk *rest = gopod_pod_core_chunk_new_locked (core);

      /* It may become the filling chunk, whose slots start empty (rule P7a). */
      gopod_chunk_clear (rest);
      core->n_given_away += gopod_chunk_move_rest (chunk, rest);
      if (was_filling)
        core->filling = rest;
      gopod_pod_core_put_back_locked (core, gopod_chunk_to_item (rest));
    }
  if (next != NULL)
    gopod_pod_core_requeue_locked (core, gopod_chunk_to_item (next));

  return has_rest || was_filling || next != NULL;
}

/* A job of a copied batch blocks: the jobs after it go back to the queue. */
static gboolean
pod_core_light_let_go_copied_locked (GopodPodCore *core,
                                     Batch        *batch)
{
  guint from = batch->next;

  if (from >= batch->n)
    return FALSE;
  core->n_given_away += batch->n - from;
  pod_core_light_give_back_locked (core, batch, from);
  batch->n = from;
  return TRUE;
}

/* While a job waits, the jobs before it in its batch count as succeeded,
 * and it as running: a held chunk's, counted only at a batch's end, also
 * leave `queued` (a copied batch's left it when taken). What lies past the
 * job went already, so a held chunk's jobs are those of the batch so far.
 * Called once a batch, by the sleep hook. */
static void
pod_core_light_count_waiting_locked (LightRun *run)
{
  if (run->held != NULL)
    {
      run->taken = run->held->n_jobs;
      run->succeeded = run->taken - 1;
      pod_core_light_count_held_locked (run->core, run->held, run->taken, run->succeeded);
      return;
    }
  run->succeeded = run->batch->next - 1;
  run->core->succeeded += run->succeeded;
  gopod_notify_queue_deferred_mask (&run->core->notify, LIGHT_ENDED_PROPS);
}

/* The worker's sleep hook while it runs light jobs unlocked (rule P7c):
 * one of them is about to sleep in a wait of pod-glib (a channel, a
 * select, a pod or job wait, a resource pool). What it waits for may be a
 * job behind it in its batch or chunk, or one submitted later, which would
 * otherwise wait for it: a deadlock. So the jobs behind it go back to the
 * queue, where another worker takes them (one is started if the bound
 * allows), and the filling chunk leaves the worker. Once a batch: the batch
 * ends after this job. */
static void
pod_core_light_sleeps (gpointer data)
{
  LightRun *run = data;
  GopodPodCore *core = run->core;
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gboolean let_go;
  guint spawn = 0;

  gopod_wait_set_sleep_hook (NULL, NULL);
  gopod_pod_core_lock (core);
  if (run->held != NULL)
    let_go = pod_core_light_let_go_held_locked (core, run->held);
  else
    let_go = pod_core_light_let_go_copied_locked (core, run->batch);
  pod_core_light_count_waiting_locked (run);
  if (let_go)
    {
      core->n_let_go++;
      /* A held chunk's run stops after the job (its tail, read before, is
       * stale): the epoch is what it looks at between jobs. Other workers
       * look again under the lock, and go on. A copied batch was cut
       * short already. */
      if (run->held != NULL)
        g_atomic_int_inc (&core->epoch);
      spawn = gopod_pod_core_reserve_workers_locked (core);
    }
  /* The jobs it counted left the queue: room for a blocked adder. */
  gopod_pod_core_wake_waiters_locked (core, &out);
  g_mutex_unlock (&core->lock);
  gopod_outbox_flush (&out);
  gopod_pod_core_spawn_workers (core, spawn);
}

guint
gopod_pod_core_get_n_let_go (GopodPodCore *core,
                             guint        *n_given_away)
{
  guint n;

  gopod_pod_core_lock (core);
  n = core->n_let_go;
  *n_given_away = core->n_given_away;
  g_mutex_unlock (&core->lock);
  return n;
}

/* Runs light jobs straight from @chunk, holding it out of the queue: a
 * batch at a time with no lock held, also the jobs the producer appends to
 * it meanwhile (they are published in the chunk, not pushed, so nobody is
 * woken for them), counted out under the lock between batches. A holder
 * that caught up with the filling chunk spins briefly for more within its
 * batch, then lets the chunk go (the next submit queues a new one); one
 * that ran a full chunk goes on with the next, which the producer handed
 * on to it. The chunk goes back to the front of the queue when the worker
 * may not go on (pause, resize, shutdown: the epoch moved) or a backlog
 * builds up that other workers could share. Called with the lock held;
 * returns with it held. */
static void
pod_core_light_hold_chunk_locked (GopodPodCore *core,
                                  GopodChunk   *chunk,
                                  gint64       *avg_job_ns,
                                  GopodOutbox  *out)
{
  LightRun run = { core, NULL, NULL, 0, 0 };

  core->n_running++;
  gopod_pod_core_notify (core, PROP_RUNNING);
  for (;;)
    {
      guint limit = pod_core_light_batch_limit (*avg_job_ns, 0, GOPOD_CHUNK_SLOTS);
      int epoch = g_atomic_int_get (&core->epoch);
      gboolean may_spin = pod_core_light_chunk_may_grow_locked (core, chunk) &&
                          gopod_pod_core_may_spin_locked (core, TRUE);
      guint ran;

      chunk->hold_limit = limit;
      run.held = chunk;
      run.taken = run.succeeded = 0;
      /* The waiters the last batch's count made ready are woken now, not
       * when the holder lets go of the chunk. */
      gopod_pod_core_unlock_and_flush (core, out);
      gopod_wait_set_sleep_hook (pod_core_light_sleeps, &run);
      ran = pod_core_light_run_held (core, chunk, limit, epoch, may_spin, avg_job_ns);
      gopod_wait_set_sleep_hook (NULL, NULL);
      gopod_pod_core_lock (core);
      pod_core_light_count_held_locked (core, chunk, ran - run.taken, ran - run.succeeded);

      /* The batch's slot is given back; it is taken again to go on. */
      core->n_running--;
      chunk = pod_core_light_next_held_locked (core, chunk, *avg_job_ns);
      if (chunk == NULL)
        break;
      core->n_running++;
      gopod_pod_core_wake_waiters_locked (core, out);
    }
  gopod_pod_core_notify (core, PROP_RUNNING);
  gopod_pod_core_wake_waiters_locked (core, out);
}

/* Runs light jobs from a chunk the worker popped. Same locking as
 * the dispatch of an object job in gopod-pod-core.c. */
void
gopod_pod_core_dispatch_chunk_locked (GopodPodCore *core,
                                      GopodChunk   *chunk,
                                      gint64       *avg_job_ns,
                                      GopodOutbox  *out)
{
  guint limit = pod_core_light_batch_limit (*avg_job_ns, core->dispatch_interval_ms, BATCH_MAX);
  Batch batch;
  LightRun run = { core, NULL, &batch, 0, 0 };
  guint ran, discarded;
  gint64 started;
  int epoch;

  if (pod_core_light_should_hold_locked (core, chunk, *avg_job_ns))
    {
      pod_core_light_hold_chunk_locked (core, chunk, avg_job_ns, out);
      return;
    }

  pod_core_light_take_from_chunk_locked (core, chunk, limit, &batch);
  core->n_running++;
  gopod_pod_core_notify (core, PROP_QUEUED);
  gopod_pod_core_notify (core, PROP_RUNNING);
  /* The batch left the queue: room for a blocked adder while it runs
   * (rule P9). */
  gopod_pod_core_wake_waiters_locked (core, out);
  /* Read with the batch: a pause or shrink after the lock is let go is
   * seen before the batch's second job (rule P7). */
  epoch = g_atomic_int_get (&core->epoch);
  gopod_pod_core_unlock_and_flush (core, out);

  started = g_get_monotonic_time ();
  gopod_wait_set_sleep_hook (pod_core_light_sleeps, &run);
  ran = pod_core_light_run_batch (core, &batch, epoch, &discarded);
  gopod_wait_set_sleep_hook (NULL, NULL);
  pod_core_light_learn_job_time (avg_job_ns, started, ran);

  gopod_pod_core_lock (core);
  core->n_running--;
  core->succeeded += ran - run.succeeded;
  core->cancelled += discarded;
  gopod_pod_core_notify (core, PROP_RUNNING);
  gopod_notify_queue_deferred_mask (&core->notify, LIGHT_ENDED_PROPS);
  if (discarded > 0)
    gopod_pod_core_notify (core, PROP_CANCELLED);
  gopod_pod_core_wake_waiters_locked (core, out);
}
