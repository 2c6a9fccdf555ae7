/* gopod-job-list.c: the live list of a pod's jobs, as a GListModel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-job-list-private.h"
#include "gopod-job-private.h"

/*
 * Two halves, one lock between them.
 *
 * Workers record changes: an append or an end, each with a reference to its
 * job, in `pending`, under `lock`. The first change after the list looked
 * arms its source (a ready time of 0), so a burst of a hundred thousand
 * changes wakes the context once.
 *
 * The source, on the list's context, takes every pending change at once and
 * applies it to `items` (a GSequence: positions in O(log n)), which only
 * that context touches, then tells the model's readers in few
 * `items-changed` batches: the new jobs at the end in one, removed jobs as
 * runs of neighbours (highest first, so the positions of the others hold),
 * the last run merged with the appends when it reaches the old end. More
 * than JOB_LIST_MAX_RUNS runs in one go become one batch from the first
 * removed position to the end: a few rows rebuilt rather than many
 * emissions. A job that came and went between two looks is never shown.
 */

/* Beyond this many separate runs of removed jobs, one batch replaces them. */
#define JOB_LIST_MAX_RUNS 4

typedef struct
{
  GopodJob *job;       /* a reference */
  gint64    ended_at;  /* monotonic µs of the end; -1 for an append */
} JobListChange;

/* A listed job, on the context only. */
typedef struct
{
  GopodJob      *job;       /* the list's reference */
  GSequenceIter *iter;
  gint64         ended_at;  /* -1 while it runs or waits */
} JobListEntry;

typedef struct
{
  GSource  source;
  GWeakRef list;
} JobListSource;

struct _GopodJobList
{
  GObject       parent_instance;

  GMainContext *context;        /* owned */
  GSource      *source;         /* on @context; reaches the list weakly */

  GMutex        lock;           /* guards what follows, up to the context's part */
  GArray       *pending;        /* of JobListChange, in the order recorded */
  guint         keep_ended_ms;
  gint64        cleared_to;     /* jobs that ended at or before it go (a lowered keep time) */

  /* The context's own: */
  GSequence    *items;          /* of GopodJob, not owned (the entries own them) */
  GHashTable   *entries;        /* GopodJob * → JobListEntry * */
  GQueue        kept;           /* ended entries still listed, oldest end first */
};

static void gopod_job_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GopodJobList, gopod_job_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, gopod_job_list_model_init))

static void
job_list_entry_free (gpointer data)
{
  JobListEntry *entry = data;

  gopod_job_release (entry->job);
  g_free (entry);
}

static void
job_list_changes_clear (GArray *changes)
{
  for (guint i = 0; i < changes->len; i++)
    gopod_job_release (g_array_index (changes, JobListChange, i).job);
  g_array_unref (changes);
}

static void
job_list_take_change (GopodJobList  *self,
                      JobListChange *change)
{
  g_mutex_lock (&self->lock);
  /* Later than any clear made before it, even in the same microsecond. */
  if (change->ended_at != -1)
    change->ended_at = MAX (g_get_monotonic_time (), self->cleared_to + 1);
  g_array_append_val (self->pending, *change);
  /* The first change since the list last looked wakes its context; the
   * rest of a burst only append. */
  if (self->pending->len == 1)
    g_source_set_ready_time (self->source, 0);
  g_mutex_unlock (&self->lock);
}

static void
job_list_apply_change (GopodJobList  *self,
                       JobListChange *change)
{
  JobListEntry *entry;

  if (change->ended_at == -1)
    {
      /* Listed already: a pod that may not know whether its list saw a
       * job tells it again (gopod-pod-core.c), and a job is accepted once. */
      if (g_hash_table_contains (self->entries, change->job))
        {
          gopod_job_release (change->job);
          return;
        }
      entry = g_new (JobListEntry, 1);
      entry->job = change->job;
      entry->iter = g_sequence_append (self->items, change->job);
      entry->ended_at = -1;
      g_hash_table_insert (self->entries, change->job, entry);
      return;
    }

  /* An end of a job the list never had, or ended already: nothing to show. */
  entry = g_hash_table_lookup (self->entries, change->job);
  if (entry != NULL && entry->ended_at == -1)
    {
      entry->ended_at = change->ended_at;
      g_queue_push_tail (&self->kept, entry);
    }
  gopod_job_release (change->job);
}

static int
job_list_compare_uint (gconstpointer a,
                       gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return (x > y) - (x < y);
}

/* Removes @n items from @position and tells the readers, with @added new
 * ones counted at the same place. */
static void
job_list_emit_run (GopodJobList *self,
                   guint         position,
                   guint         removed,
                   guint         added)
{
  if (removed > 0)
    g_sequence_remove_range (g_sequence_get_iter_at_pos (self->items, position),
                             g_sequence_get_iter_at_pos (self->items, position + removed));
  if (removed > 0 || added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

/* The runs of neighbours in sorted @positions, as (start, length) pairs. */
static GArray *
job_list_runs (GArray *positions)
{
  GArray *runs = g_array_new (FALSE, FALSE, sizeof (guint) * 2);

  for (guint i = 0; i < positions->len; i++)
    {
      guint pos = g_array_index (positions, guint, i);
      guint *last = runs->len > 0 ? &g_array_index (runs, guint, (runs->len - 1) * 2) : NULL;

      if (last != NULL && last[0] + last[1] == pos)
        last[1]++;
      else
        g_array_append_vals (runs, (guint[2]) { pos, 1 }, 1);
    }
  return runs;
}

/* @positions (sorted) of jobs that were listed before this look, all below
 * @n_before; @added new jobs follow them at the end. */
static void
job_list_emit (GopodJobList *self,
               GArray       *positions,
               guint         n_before,
               guint         added)
{
  g_autoptr(GArray) runs = job_list_runs (positions);
  guint i = runs->len;

  if (runs->len > JOB_LIST_MAX_RUNS)
    {
      guint first = g_array_index (positions, guint, 0);

      for (guint k = positions->len; k-- > 0;)
        g_sequence_remove (g_sequence_get_iter_at_pos (self->items,
                                                       g_array_index (positions, guint, k)));
      g_list_model_items_changed (G_LIST_MODEL (self), first, n_before - first,
                                  n_before - positions->len + added - first);
      return;
    }

  if (i > 0 && g_array_index (runs, guint, (i - 1) * 2) + g_array_index (runs, guint, (i - 1) * 2 + 1) == n_before)
    {
      /* The last run reaches the old end: one batch with the appends. */
      i--;
      job_list_emit_run (self, g_array_index (runs, guint, i * 2),
                         g_array_index (runs, guint, i * 2 + 1), added);
    }
  else
    job_list_emit_run (self, n_before, 0, added);

  while (i-- > 0)
    job_list_emit_run (self, g_array_index (runs, guint, i * 2),
                       g_array_index (runs, guint, i * 2 + 1), 0);
}

/* Drops @doomed entries from the list and emits what changed since
 * @n_before items were shown. */
static void
job_list_remove (GopodJobList *self,
                 GPtrArray    *doomed,
                 guint         n_before)
{
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < doomed->len; i++)
    {
      JobListEntry *entry = g_ptr_array_index (doomed, i);
      guint pos = (guint) g_sequence_iter_get_position (entry->iter);

      /* New since the last look and gone already: never shown. Removing
       * it keeps later new ones at or past @n_before. */
      if (pos >= n_before)
        g_sequence_remove (entry->iter);
      else
        g_array_append_val (positions, pos);
    }
  g_array_sort (positions, job_list_compare_uint);

  job_list_emit (self, positions, n_before,
                 (guint) g_sequence_get_length (self->items) - n_before);

  /* After the emissions: a handler may still have looked at them. */
  for (guint i = 0; i < doomed->len; i++)
    g_hash_table_remove (self->entries, ((JobListEntry *) g_ptr_array_index (doomed, i))->job);
}

static void
job_list_schedule_locked (GopodJobList *self)
{
  JobListEntry *oldest = g_queue_peek_head (&self->kept);
  gint64 ready_time = -1;

  if (self->pending->len > 0)
    ready_time = 0;
  else if (oldest != NULL)
    ready_time = oldest->ended_at + (gint64) self->keep_ended_ms * 1000;
  g_source_set_ready_time (self->source, ready_time);
}

static void
job_list_look (GopodJobList *self)
{
  g_autoptr(GPtrArray) doomed = g_ptr_array_new ();
  guint n_before = (guint) g_sequence_get_length (self->items);
  GArray *changes;
  JobListEntry *entry;
  gint64 keep_us, cleared_to, now;

  g_mutex_lock (&self->lock);
  changes = self->pending;
  self->pending = g_array_new (FALSE, FALSE, sizeof (JobListChange));
  keep_us = (gint64) self->keep_ended_ms * 1000;
  cleared_to = self->cleared_to;
  g_mutex_unlock (&self->lock);

  now = g_get_monotonic_time ();
  for (guint i = 0; i < changes->len; i++)
    job_list_apply_change (self, &g_array_index (changes, JobListChange, i));
  g_array_unref (changes);

  while ((entry = g_queue_peek_head (&self->kept)) != NULL &&
         (entry->ended_at + keep_us <= now || entry->ended_at <= cleared_to))
    g_ptr_array_add (doomed, g_queue_pop_head (&self->kept));

  job_list_remove (self, doomed, n_before);

  g_mutex_lock (&self->lock);
  job_list_schedule_locked (self);
  g_mutex_unlock (&self->lock);
}

static gboolean
job_list_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  g_autoptr(GopodJobList) self = g_weak_ref_get (&((JobListSource *) source)->list);

  if (self != NULL)
    job_list_look (self);
  return G_SOURCE_CONTINUE;
}

static void
job_list_source_finalize (GSource *source)
{
  g_weak_ref_clear (&((JobListSource *) source)->list);
}

static GSourceFuncs job_list_source_funcs = {
  .dispatch = job_list_source_dispatch,
  .finalize = job_list_source_finalize,
};

static GType
gopod_job_list_get_item_type (GListModel *model)
{
  return GOPOD_TYPE_JOB;
}

static guint
gopod_job_list_get_n_items (GListModel *model)
{
  return (guint) g_sequence_get_length (GOPOD_JOB_LIST (model)->items);
}

static gpointer
gopod_job_list_get_item (GListModel *model,
                         guint       position)
{
  GSequenceIter *iter = g_sequence_get_iter_at_pos (GOPOD_JOB_LIST (model)->items, (gint) position);

  return g_sequence_iter_is_end (iter) ? NULL : g_object_ref (g_sequence_get (iter));
}

static void
gopod_job_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = gopod_job_list_get_item_type;
  iface->get_n_items = gopod_job_list_get_n_items;
  iface->get_item = gopod_job_list_get_item;
}

static void
gopod_job_list_finalize (GObject *object)
{
  GopodJobList *self = GOPOD_JOB_LIST (object);

  g_source_destroy (self->source);
  g_source_unref (self->source);
  job_list_changes_clear (self->pending);
  g_queue_clear (&self->kept);
  g_sequence_free (self->items);
  g_hash_table_unref (self->entries);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (gopod_job_list_parent_class)->finalize (object);
}

static void
gopod_job_list_class_init (GopodJobListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gopod_job_list_finalize;
}

static void
gopod_job_list_init (GopodJobList *self)
{
  g_mutex_init (&self->lock);
  self->pending = g_array_new (FALSE, FALSE, sizeof (JobListChange));
  self->cleared_to = G_MININT64;
  self->items = g_sequence_new (NULL);
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, job_list_entry_free);
  g_queue_init (&self->kept);
}

GopodJobList *
gopod_job_list_new (GMainContext *context)
{
  GopodJobList *self = g_object_new (GOPOD_TYPE_JOB_LIST, NULL);
  GSource *source = g_source_new (&job_list_source_funcs, sizeof (JobListSource));

  self->context = g_main_context_ref (context != NULL ? context : g_main_context_default ());
  g_weak_ref_init (&((JobListSource *) source)->list, self);
  g_source_set_static_name (source, "[pod-glib] job list");
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_ready_time (source, -1);
  g_source_attach (source, self->context);
  self->source = source;

  return self;
}

void
gopod_job_list_append (GopodJobList *self,
                       GopodJob     *job)
{
  JobListChange change = { g_object_ref (job), -1 };

  job_list_take_change (self, &change);
}

void
gopod_job_list_ended (GopodJobList *self,
                      GopodJob     *job)
{
  JobListChange change = { g_object_ref (job), 0 };

  job_list_take_change (self, &change);
}

void
gopod_job_list_set_keep_ended_ms (GopodJobList *self,
                                  guint         keep_ended_ms)
{
  g_mutex_lock (&self->lock);
  /* What a lower value lets go goes, even if a higher one is set before
   * the list looks again (a Clear button that then keeps on keeping). */
  if (keep_ended_ms < self->keep_ended_ms)
    self->cleared_to = MAX (self->cleared_to,
                            g_get_monotonic_time () - (gint64) keep_ended_ms * 1000);
  self->keep_ended_ms = keep_ended_ms;
  /* Kept jobs are measured against the new value at the next look. */
  g_source_set_ready_time (self->source, 0);
  g_mutex_unlock (&self->lock);
}

guint
gopod_job_list_get_keep_ended_ms (GopodJobList *self)
{
  guint keep_ended_ms;

  g_mutex_lock (&self->lock);
  keep_ended_ms = self->keep_ended_ms;
  g_mutex_unlock (&self->lock);

  return keep_ended_ms;
}
