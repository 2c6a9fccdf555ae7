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

typedef struct
{
  GopodLightJob jobs[BATCH_MAX];
  guint    n;
  gint64   seq;  /* of jobs[0], to give the rest back in order */
} Batch;

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
    {
      if (chunk == core->filling)
        core->filling = NULL;
      gopod_pod_core_chunk_free_locked (core, chunk);
    }
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
  gopod_pod_core_queue_push_front_locked (core, gopod_chunk_to_item (chunk));
}

/* Runs a batch of light jobs with no lock held. Between jobs it only reads
 * the epoch; when that moved (pause, shrink, discard) it asks under the lock
 * whether to go on. Returns how many ran; the rest were given back or
 * discarded, as counted in *discarded. */
static guint
pod_core_light_run_batch (GopodPodCore *core,
                          Batch        *batch,
                          guint        *discarded)
{
  int epoch = g_atomic_int_get (&core->epoch);
  guint i;

  *discarded = 0;
  for (i = 0; i < batch->n; i++)
    {
      GopodLightJob *job = &batch->jobs[i];

      if (G_UNLIKELY (i > 0 && g_atomic_int_get (&core->epoch) != epoch))
        {
          gboolean go_on, discard;

          g_mutex_lock (&core->lock);
          epoch = g_atomic_int_get (&core->epoch);
          /* This batch counts as one running job: allow it to continue if,
           * without it, the bound still leaves room for it. */
          core->n_running--;
          go_on = gopod_pod_core_may_dispatch_locked (core);
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
              if (discard)
                {
                  gopod_light_jobs_destroy (&batch->jobs[i], batch->n - i);
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

/* Counts out @ran jobs a worker ran straight from a chunk it holds. */
static void
pod_core_light_flush_held_locked (GopodPodCore *core,
                                  GopodChunk   *chunk,
                                  guint         ran)
{
  chunk->n_jobs -= ran;
  chunk->seq += ran;
  core->n_queued -= ran;
  core->succeeded += ran;
  gopod_notify_queue_deferred_mask (&core->notify, (1u << PROP_QUEUED) | (1u << PROP_SUCCEEDED));
}

/* Whether the producer may still append to a held chunk. */
static gboolean
pod_core_light_chunk_may_grow_locked (GopodPodCore *core,
                                      GopodChunk   *chunk)
{
  return chunk == core->filling && !core->closing && !core->orphaned &&
         gopod_chunk_has_room (chunk, 1);
}

typedef struct
{
  GopodPodCore *core;
  GopodChunk   *chunk;
  guint         head;
  int           epoch;
} LightTailWatch;

/* The producer published a job past @head, or the epoch moved. */
static gboolean
pod_core_light_tail_moved (gpointer data)
{
  LightTailWatch *watch = data;

  return gopod_chunk_published_tail (watch->chunk) != watch->head ||
         g_atomic_int_get (&watch->core->epoch) != watch->epoch;
}

/* Waits up to GOPOD_POD_CORE_SPIN_US, unlocked, for the producer to publish
 * a job in the filling chunk a worker holds and has caught up with; stops
 * early when the epoch moves. */
static void
pod_core_light_spin_for_tail (GopodPodCore *core,
                              GopodChunk   *chunk,
                              int           epoch)
{
  LightTailWatch watch = { core, chunk, chunk->head, epoch };

  gopod_wait_spin_until (pod_core_light_tail_moved, &watch,
                         g_get_monotonic_time () + GOPOD_POD_CORE_SPIN_US);
}

/* A holder that ran everything in its chunk, with its slot given back:
 * spins for more when the producer may still append and a CPU is free for
 * it. Returns with the lock held. */
static void
pod_core_light_wait_held_locked (GopodPodCore *core,
                                 GopodChunk   *chunk)
{
  int epoch = g_atomic_int_get (&core->epoch);

  if (!pod_core_light_chunk_may_grow_locked (core, chunk) || !gopod_pod_core_may_spin_locked (core) ||
      !g_atomic_int_compare_and_exchange (&core->n_spinning, 0, 1))
    return;
  g_mutex_unlock (&core->lock);
  pod_core_light_spin_for_tail (core, chunk, epoch);
  g_atomic_int_set (&core->n_spinning, 0);
  g_mutex_lock (&core->lock);
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

/* Runs light jobs straight from @chunk, holding it out of the queue: a
 * batch at a time with no lock held, also the jobs the producer appends to
 * it meanwhile (they are published in the chunk, not pushed, so nobody is
 * woken for them), counted out under the lock between batches. A holder
 * that caught up with the filling chunk spins briefly for more, then lets
 * the chunk go (the next submit queues a new one). The chunk goes back to
 * the front of the queue when the worker may not go on (pause, resize,
 * shutdown: the epoch moved) or a backlog builds up that other workers
 * could share. Called with the lock held; returns with it held. */
static void
pod_core_light_hold_chunk_locked (GopodPodCore *core,
                                  GopodChunk   *chunk,
                                  gint64       *avg_job_ns,
                                  GopodOutbox  *out)
{
  core->n_running++;
  gopod_pod_core_notify (core, PROP_RUNNING);
  for (;;)
    {
      guint limit = pod_core_light_batch_limit (*avg_job_ns, 0, GOPOD_CHUNK_SLOTS);
      int epoch = g_atomic_int_get (&core->epoch);
      gint64 started;
      guint ran;

      g_mutex_unlock (&core->lock);
      started = g_get_monotonic_time ();
      ran = gopod_chunk_run_published (chunk, limit, &core->epoch, epoch);
      pod_core_light_learn_job_time (avg_job_ns, started, ran);
      gopod_pod_core_lock (core);
      pod_core_light_flush_held_locked (core, chunk, ran);

      /* The batch's slot is given back; it is taken again to go on. */
      core->n_running--;
      if (chunk->n_jobs == 0)
        pod_core_light_wait_held_locked (core, chunk);
      if (chunk->n_jobs == 0)
        {
          if (chunk == core->filling)
            core->filling = NULL;
          gopod_pod_core_chunk_free_locked (core, chunk);
          break;
        }
      if (!gopod_pod_core_may_dispatch_locked (core) ||
          !pod_core_light_should_hold_locked (core, chunk, *avg_job_ns))
        {
          gopod_pod_core_put_back_locked (core, gopod_chunk_to_item (chunk));
          break;
        }
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
  guint ran, discarded;
  gint64 started;

  if (pod_core_light_should_hold_locked (core, chunk, *avg_job_ns))
    {
      pod_core_light_hold_chunk_locked (core, chunk, avg_job_ns, out);
      return;
    }

  pod_core_light_take_from_chunk_locked (core, chunk, limit, &batch);
  core->n_running++;
  gopod_pod_core_notify (core, PROP_QUEUED);
  gopod_pod_core_notify (core, PROP_RUNNING);
  g_mutex_unlock (&core->lock);

  started = g_get_monotonic_time ();
  ran = pod_core_light_run_batch (core, &batch, &discarded);
  pod_core_light_learn_job_time (avg_job_ns, started, ran);

  g_mutex_lock (&core->lock);
  core->n_running--;
  core->succeeded += ran;
  core->cancelled += discarded;
  gopod_pod_core_notify (core, PROP_RUNNING);
  gopod_pod_core_notify (core, PROP_SUCCEEDED);
  if (discarded > 0)
    gopod_pod_core_notify (core, PROP_CANCELLED);
  gopod_pod_core_wake_waiters_locked (core, out);
}
