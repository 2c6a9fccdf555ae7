/* gopod-chunk-queue.c: light jobs packed in chunks on a pod's queue
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-chunk-queue-private.h"
#include "gopod-job-private.h"
#include "gopod-notify-private.h"
#include "gopod-release-private.h"

#include <string.h>

/* Marks a two-slot job. No caller can pass this function: it is static. */
static void
chunk_queue_with_destroy (gpointer data)
{
}

#define CHUNK_QUEUE_WITH_DESTROY ((gpointer) chunk_queue_with_destroy)

void
gopod_chunk_clear (GopodChunk *chunk)
{
  memset (chunk->slots, 0, sizeof chunk->slots);
}

void
gopod_chunk_append_with_destroy (GopodChunk     *chunk,
                                 GopodFunc       func,
                                 gpointer        data,
                                 GDestroyNotify  destroy)
{
  GopodChunkSlot *slot = &chunk->slots[chunk->tail];

  gopod_chunk_write_slot (&slot[1], data, (gpointer) destroy);
  gopod_chunk_write_slot (&slot[0], CHUNK_QUEUE_WITH_DESTROY, (gpointer) func);
  gopod_chunk_publish (chunk, chunk->tail + 2);
  chunk->n_jobs++;
}

/* Reads the job at @slot; returns how many slots it takes. */
static inline guint
chunk_queue_read (const GopodChunkSlot *slot,
                  GopodLightJob        *job)
{
  if (slot->a == CHUNK_QUEUE_WITH_DESTROY)
    {
      *job = (GopodLightJob) { (GopodFunc) slot[0].b, slot[1].a, (GDestroyNotify) slot[1].b };
      return 2;
    }
  *job = (GopodLightJob) { (GopodFunc) slot->a, slot->b, NULL };
  return 1;
}

guint
gopod_chunk_take_batch (GopodChunk    *chunk,
                        guint          limit,
                        GopodLightJob *jobs)
{
  guint n = MIN (limit, chunk->n_jobs);
  guint head = chunk->head;

  /* The chunk's counters are written once, not once a job. */
  for (guint i = 0; i < n; i++)
    head += chunk_queue_read (&chunk->slots[head], &jobs[i]);
  chunk->head = head;
  chunk->seq += n;
  chunk->n_jobs -= n;

  return n;
}

/* Out of line: the plain job's loop keeps no register for a destroy
 * notify across its call. */
static G_GNUC_NO_INLINE void
chunk_queue_run_with_destroy (GopodFunc      func,
                              gpointer       data,
                              GDestroyNotify destroy)
{
  func (data);
  destroy (data);
}

guint
gopod_chunk_run_published (GopodChunk *chunk,
                           guint       limit,
                           const int  *epoch,
                           int         seen)
{
  guint head = chunk->head, left = limit;
  guint tail = gopod_chunk_published_tail (chunk);

  /* One count for the limit and the jobs run, the epoch looked at after
   * each job rather than before the next, and a job with a destroy notify
   * run out of line: fewer registers to keep across the job's call. */
  while (left > 0 && head < tail)
    {
      GopodLightJob job;

      head += chunk_queue_read (&chunk->slots[head], &job);
      /* Before the job runs: a wait in it moves what lies past the head
       * (rule P7c). The producer reads it, under the lock, to see how far
       * the holder is. */
      __atomic_store_n (&chunk->head, head, __ATOMIC_RELAXED);
      if (G_LIKELY (job.destroy == NULL))
        job.func (job.data);
      else
        chunk_queue_run_with_destroy (job.func, job.data, job.destroy);
      left--;
      /* Also when a job that blocked let the rest of the chunk go (the
       * sleep hook of gopod-pod-core-light.c, on this thread, which moves
       * the epoch): @tail is stale then. */
      if (G_UNLIKELY (g_atomic_int_get (epoch) != seen))
        break;
      if (head == tail)
        tail = gopod_chunk_published_tail (chunk);
    }

  return limit - left;
}

guint
gopod_chunk_move_rest (GopodChunk *chunk,
                       GopodChunk *to)
{
  guint head = chunk->head, moved = 0;

  while (head < chunk->tail)
    {
      GopodLightJob job;

      head += chunk_queue_read (&chunk->slots[head], &job);
      gopod_chunk_append (to, job.func, job.data, job.destroy);
      moved++;
    }
  to->seq = chunk->seq + (chunk->n_jobs - moved);
  chunk->n_jobs -= moved;
  gopod_chunk_publish (chunk, chunk->head);

  return moved;
}

void
gopod_chunk_destroy_rest (GopodChunk *chunk)
{
  while (chunk->n_jobs > 0)
    {
      GopodLightJob job;

      gopod_chunk_take_batch (chunk, 1, &job);
      if (job.destroy != NULL)
        job.destroy (job.data);
    }
}

void
gopod_light_jobs_destroy (GopodLightJob *jobs,
                          guint          n)
{
  for (guint i = 0; i < n; i++)
    if (jobs[i].destroy != NULL)
      jobs[i].destroy (jobs[i].data);
}

/* Where an item sorts: its priority, and the sequence number of its first
 * job, of which only the low 32 bits count: compared wrapping, they order
 * correctly while fewer than 2^31 jobs lie between two queued items. */
static void
chunk_queue_item_position (gconstpointer  item,
                           int           *priority,
                           guint32       *seq)
{
  if (gopod_item_is_chunk ((gpointer) item))
    {
      const GopodChunk *chunk = gopod_item_get_chunk ((gpointer) item);

      *priority = 0;
      *seq = (guint32) chunk->seq;
    }
  else
    {
      *priority = gopod_job_peek_queued_priority ((GopodJob *) item);
      *seq = gopod_job_get_seq ((GopodJob *) item);
    }
}

gint
gopod_chunk_queue_order (gconstpointer a,
                         gconstpointer b,
                         gpointer      user_data)
{
  int pa, pb;
  guint32 sa, sb;

  /* A wake marker (a shutdown's or an orphaned pod's, pushed in front)
   * comes before every item: a sorted push behind it (a holder queueing the
   * chunk handed on to it, rule P7b; a resumed job) must not read it as a
   * job. */
  if (a == GOPOD_WAKE_MARKER || b == GOPOD_WAKE_MARKER)
    return (b == GOPOD_WAKE_MARKER) - (a == GOPOD_WAKE_MARKER);
  chunk_queue_item_position (a, &pa, &sa);
  chunk_queue_item_position (b, &pb, &sb);
  if (pa != pb)
    return pa < pb ? -1 : 1;
  return (gint32) (sa - sb) < 0 ? -1 : sa != sb;
}

struct _GopodLightHomed
{
  GopodFunc       func;
  gpointer        data;
  GDestroyNotify  destroy;
  GMainContext   *context;  /* the submitter's thread-default; NULL: the global default */
  GThread        *thread;   /* the submitter, with own_thread; referenced (rule R2) */
};

GopodLightHomed *
gopod_light_homed_new (GopodFunc       func,
                       gpointer        data,
                       GDestroyNotify  destroy,
                       gboolean        own_thread)
{
  GopodLightHomed *light = g_new (GopodLightHomed, 1);

  light->func = func;
  light->data = data;
  light->destroy = destroy;
  light->context = gopod_notify_capture_context ();
  light->thread = own_thread ? g_thread_ref (g_thread_self ()) : NULL;
  return light;
}

void
gopod_light_homed_run (gpointer data)
{
  GopodLightHomed *light = data;

  light->func (light->data);
}

void
gopod_light_homed_drop (GopodLightHomed *light)
{
  g_clear_pointer (&light->context, g_main_context_unref);
  g_clear_pointer (&light->thread, g_thread_unref);
  g_free (light);
}

void
gopod_light_homed_free (gpointer data)
{
  GopodLightHomed *light = data;

  gopod_release_on_thread (light->context, light->thread, light->destroy, light->data);
  gopod_light_homed_drop (light);
}
