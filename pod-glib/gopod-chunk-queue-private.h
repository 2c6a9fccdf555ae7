/* gopod-chunk-queue-private.h: light jobs packed in chunks on a pod's queue
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-pod.h"

G_BEGIN_DECLS

/* Light jobs travel through the pod's GAsyncQueue in chunks: a producer
 * appends to the newest chunk under the pod's lock and only a new chunk is
 * pushed. A chunk is 512 slots of 16 bytes: a job without a destroy notify
 * takes one slot ({func, data}), a job with one takes two ({marker, func},
 * {data, destroy}). 8 KiB is small enough to recycle cheaply, and a new
 * chunk is where a sleeping worker is woken (the queue signals under the
 * pod's lock) and a holder hands on: with 512 slots rather than 256 that
 * happens half as often, which many workers or producers feel most
 * (doc/performance.md, "Chunks of 512 slots"). */
#define GOPOD_CHUNK_SLOTS 512

typedef struct
{
  GopodFunc      func;
  gpointer       data;
  GDestroyNotify destroy;
} GopodLightJob;

typedef struct
{
  gpointer a;
  gpointer b;
} GopodChunkSlot;

typedef struct _GopodChunk GopodChunk;

struct _GopodChunk
{
  /* What the producer writes at every job, with the slots. */
  gint64          seq;     /* sequence number of the job at head */
  guint           tail;    /* next free slot */
  guint           n_jobs;  /* jobs between head and tail */
  GopodChunkSlot  slots[GOPOD_CHUNK_SLOTS];
  /* What a worker that holds the chunk (gopod-pod-core-light.c) writes or
   * watches, after the slots: a holder reading the line the producer
   * writes at every job would slow it down. */
  guint           head;    /* next slot to take; atomic while held */
  /* How many jobs the holder runs in a batch, and the filling chunk that
   * came after this one, handed on to it rather than queued; 0 and NULL
   * when nobody holds it. Written under the pod's lock. */
  guint           hold_limit;
  GopodChunk     *next;
};

/* How many slots a job takes: whether it fits is the caller's check. */
static inline guint
gopod_chunk_job_slots (GDestroyNotify destroy)
{
  return destroy != NULL ? 2 : 1;
}

/* Whether a job of @slots slots fits in @chunk (NULL: no chunk). */
static inline gboolean
gopod_chunk_has_room (const GopodChunk *chunk,
                      guint             slots)
{
  return chunk != NULL && chunk->tail + slots <= GOPOD_CHUNK_SLOTS;
}

/* A worker may run jobs straight from a chunk it holds while the producer
 * appends to it (see gopod_chunk_run_published()): the producer stores the
 * tail after the slots, with release order, the worker reads it with
 * acquire order. Both change it only under the pod's lock, so reads under
 * that lock need no order. */
static inline void
gopod_chunk_publish (GopodChunk *chunk,
                     guint       tail)
{
  __atomic_store_n (&chunk->tail, tail, __ATOMIC_RELEASE);
}

static inline guint
gopod_chunk_published_tail (GopodChunk *chunk)
{
  return __atomic_load_n (&chunk->tail, __ATOMIC_ACQUIRE);
}

/* A holder that caught up with the producer waits for it to get a few
 * cache lines ahead before it runs again (gopod-pod-core-light.c): it
 * watches one slot rather than the tail, which the producer writes at
 * every job. A filling chunk's slots start empty (gopod_chunk_clear()), and
 * the producer writes the first word of a slot atomically, so that the
 * watch is not a data race; the tail alone still says what may run. */
static inline void
gopod_chunk_write_slot (GopodChunkSlot *slot,
                        gpointer        a,
                        gpointer        b)
{
  slot->b = b;
  __atomic_store_n (&slot->a, a, __ATOMIC_RELAXED);
}

static inline gboolean
gopod_chunk_slot_is_written (GopodChunk *chunk,
                             guint       index)
{
  return __atomic_load_n (&chunk->slots[index].a, __ATOMIC_RELAXED) != NULL;
}

void      gopod_chunk_clear               (GopodChunk     *chunk);
void      gopod_chunk_append_with_destroy (GopodChunk     *chunk,
                                           GopodFunc       func,
                                           gpointer        data,
                                           GDestroyNotify  destroy);

/* Appends a job that fits. Inline for the common job, one without a
 * destroy notify: a submit pays for two stores, not a call. */
static inline void
gopod_chunk_append (GopodChunk     *chunk,
                    GopodFunc       func,
                    gpointer        data,
                    GDestroyNotify  destroy)
{
  guint tail;

  if (destroy != NULL)
    {
      gopod_chunk_append_with_destroy (chunk, func, data, destroy);
      return;
    }
  /* Read once, before the slot is written: after the slot's atomic store
   * the compiler would read it again. */
  tail = chunk->tail;

  gopod_chunk_write_slot (&chunk->slots[tail], (gpointer) func, data);
  gopod_chunk_publish (chunk, tail + 1);
  chunk->n_jobs++;
}
/* Takes up to @limit jobs from the head of @chunk into @jobs; returns how many. */
guint     gopod_chunk_take_batch      (GopodChunk     *chunk,
                                       guint           limit,
                                       GopodLightJob  *jobs);
/* Runs jobs from the head of @chunk, which the caller holds (no one else
 * takes from it), up to @limit, also those the producer publishes
 * meanwhile, with no lock held. Looks at *@epoch after each job and stops
 * when it no longer reads @seen (a job that let the chunk go moves it too,
 * rule P7c). Moves the head, and only the head, past each job before it
 * runs: the caller counts the jobs out of `n_jobs` and `seq` under the
 * lock. Returns how many ran. */
guint     gopod_chunk_run_published   (GopodChunk     *chunk,
                                       guint           limit,
                                       const int      *epoch,
                                       int             seen);
/* Moves the jobs of @chunk past its head (the job running now is before
 * it) to the end of @to, which takes the sequence number of the first;
 * @chunk then ends at its head. Called under the pod's lock by the thread
 * that holds @chunk. Returns how many jobs moved. */
guint     gopod_chunk_move_rest       (GopodChunk     *chunk,
                                       GopodChunk     *to);
/* Frees the data of every job left in @chunk, for a discard. */
void      gopod_chunk_destroy_rest    (GopodChunk     *chunk);
/* Frees the data of @n jobs that will not run. */
void      gopod_light_jobs_destroy    (GopodLightJob  *jobs,
                                       guint           n);

/* Items in the GAsyncQueue are jobs, or chunks tagged with the low bit. The
 * wake marker makes an idle worker look at the pod's state again. */
#define GOPOD_CHUNK_TAG ((guintptr) 1)
#define GOPOD_WAKE_MARKER ((gpointer) (guintptr) 2)

static inline gboolean gopod_item_is_chunk (gpointer item) { return ((guintptr) item & GOPOD_CHUNK_TAG) != 0; }
static inline GopodChunk *gopod_item_get_chunk (gpointer item) { return (GopodChunk *) ((guintptr) item & ~GOPOD_CHUNK_TAG); }
static inline gpointer gopod_chunk_to_item (GopodChunk *chunk) { return (gpointer) ((guintptr) chunk | GOPOD_CHUNK_TAG); }

/* The queue's order (a GCompareDataFunc over items): lowest priority first,
 * then in the order the jobs were added. */
gint      gopod_chunk_queue_order     (gconstpointer   a,
                                       gconstpointer   b,
                                       gpointer        user_data);

/* A light job given with a destroy notify is queued wrapped, as
 * {gopod_light_homed_run, wrapper, gopod_light_homed_free}, so that the
 * notify runs on the context it was submitted from, and with @own_thread
 * in the submitting thread (internals rules P11, R1, R2). Only such jobs pay
 * for it: the plain light job stays two words in a chunk. */
typedef struct _GopodLightHomed GopodLightHomed;

GopodLightHomed *gopod_light_homed_new          (GopodFunc         func,
                                                 gpointer          data,
                                                 GDestroyNotify    destroy,
                                                 gboolean          own_thread);
void             gopod_light_homed_run          (gpointer          light);
void             gopod_light_homed_free         (gpointer          light);
/* Frees the wrapper alone (a refused job: its destroy notify is the
 * caller's to run). */
void             gopod_light_homed_drop (GopodLightHomed  *light);

G_END_DECLS
