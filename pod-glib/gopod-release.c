/* gopod-release.c: freeing things on the context they came from
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-release-private.h"

#include "gopod-source-private.h"

/* What waits for a context that another thread owned when it was released:
 * one per context, made on first need, freed when empty and no idle source
 * is on its way. */
typedef struct
{
  GMainContext *context;  /* referenced */
  GArray       *items;    /* of ReleaseItem */
  gboolean      idle;     /* an idle source will drain it */
} ReleasePending;

typedef struct
{
  GDestroyNotify destroy;
  gpointer       data;
  /* The only thread that may run it, or NULL; referenced, so that GLib
   * cannot hand its GThread to a later thread while it waits (rule R2). */
  GThread       *thread;
} ReleaseItem;

/* A leaf lock: nothing is taken while it is held, and no destroy runs. */
static GMutex release_lock;
static GHashTable *release_pending;  /* GMainContext -> ReleasePending */
static int release_n_pending;        /* atomic: items in every ReleasePending */
/* Threads that bound releases to themselves and ended (rule R2): what is
 * bound to one of them runs as R1 says. GLib may give a later thread the
 * same GThread once nothing references it (homes and items do, so no
 * release can name an ended thread by then): a thread that binds takes
 * itself out first. */
static GHashTable *release_ended;    /* set of GThread, under release_lock */

static void release_thread_ended (gpointer thread);
/* Set, to the GThread itself, by a thread that binds releases to itself:
 * its destructor runs when that thread ends. */
static GPrivate release_bound = G_PRIVATE_INIT (release_thread_ended);

/* Called with release_lock held. */
static ReleasePending *
release_pending_get_locked (GMainContext *context)
{
  ReleasePending *pending;

  if (release_pending == NULL)
    release_pending = g_hash_table_new (NULL, NULL);
  pending = g_hash_table_lookup (release_pending, context);
  if (pending == NULL)
    {
      pending = g_new0 (ReleasePending, 1);
      pending->context = g_main_context_ref (context);
      pending->items = g_array_new (FALSE, FALSE, sizeof (ReleaseItem));
      g_hash_table_insert (release_pending, context, pending);
    }
  return pending;
}

/* Frees the entry of @context once nothing is left in it and no idle
 * source can still come for it. Called with release_lock held. */
static void
release_forget_if_done_locked (ReleasePending *pending)
{
  if (pending->idle || pending->items->len > 0)
    return;
  g_hash_table_remove (release_pending, pending->context);
  g_main_context_unref (pending->context);
  g_array_unref (pending->items);
  g_free (pending);
}

/* Steals what waits for @context that this thread may run (with
 * @any_thread, also what is bound to other threads), or NULL when
 * nothing does. A drain runs after every release of a job the pod held last,
 * so the common cases cost no allocation: nothing pending (most of the
 * time), or every item for any thread (the array changes hands). Called
 * with release_lock held. */
static GArray *
release_steal_locked (GMainContext *context,
                      gboolean      any_thread)
{
  GThread *self = g_thread_self ();
  ReleasePending *pending;
  GArray *items, *left;
  guint i;

  pending = release_pending != NULL ? g_hash_table_lookup (release_pending, context) : NULL;
  if (pending == NULL)
    return NULL;
  items = left = NULL;
  for (i = 0; i < pending->items->len && left == NULL && !any_thread; i++)
    if (g_array_index (pending->items, ReleaseItem, i).thread != NULL)
      left = g_array_new (FALSE, FALSE, sizeof (ReleaseItem));
  if (left == NULL && pending->items->len > 0)
    {
      items = pending->items;
      pending->items = g_array_new (FALSE, FALSE, sizeof (ReleaseItem));
    }
  else if (left != NULL)
    {
      items = g_array_new (FALSE, FALSE, sizeof (ReleaseItem));
      for (i = 0; i < pending->items->len; i++)
        {
          ReleaseItem *item = &g_array_index (pending->items, ReleaseItem, i);

          g_array_append_val (item->thread == NULL || item->thread == self ? items : left, *item);
        }
      g_array_unref (pending->items);
      pending->items = left;
    }
  if (items != NULL)
    g_atomic_int_add (&release_n_pending, -(int) items->len);
  release_forget_if_done_locked (pending);
  return items;
}

/* Runs what waits for @context, which this thread owns; returns how many. */
static guint
release_drain (GMainContext *context,
               gboolean      any_thread)
{
  GArray *items;
  guint i, n;

  /* Nothing left for any context: the lock is not worth taking. An item
   * left meanwhile is looked for again by whoever left it (R1). */
  if (g_atomic_int_get (&release_n_pending) == 0)
    return 0;
  g_mutex_lock (&release_lock);
  items = release_steal_locked (context, any_thread);
  g_mutex_unlock (&release_lock);
  if (items == NULL)
    return 0;

  for (i = 0; i < items->len; i++)
    {
      ReleaseItem *item = &g_array_index (items, ReleaseItem, i);

      item->destroy (item->data);
      g_clear_pointer (&item->thread, g_thread_unref);
    }
  n = items->len;
  g_array_unref (items);
  return n;
}

static gboolean
release_idle (gpointer data)
{
  GMainContext *context = data;
  ReleasePending *pending;

  g_mutex_lock (&release_lock);
  pending = g_hash_table_lookup (release_pending, context);
  pending->idle = FALSE;
  release_forget_if_done_locked (pending);
  g_mutex_unlock (&release_lock);

  /* Dispatched: this thread runs @context's loop, where that context's
   * callbacks and notifications run (internals rule 5), so also what is
   * bound to another thread, which cannot own the context while this loop
   * runs (rule R2). */
  release_drain (context, TRUE);
  return G_SOURCE_REMOVE;
}

/* Runs @destroy (@data) here as the owner of @context; then, as long as
 * anything was left pending while this or another thread of ours owned it,
 * runs that too. */
static void
release_as_owner (GMainContext   *context,
                  GDestroyNotify  destroy,
                  gpointer        data)
{
  if (destroy != NULL)
    destroy (data);
  release_drain (context, FALSE);
  g_main_context_release (context);
  /* Someone who failed to acquire while this thread owned it left its item
   * pending before trying again: seeing the count after releasing, we take
   * it back, or they got it. */
  while (g_atomic_int_get (&release_n_pending) > 0 && g_main_context_acquire (context))
    {
      guint n = release_drain (context, FALSE);

      g_main_context_release (context);
      if (n == 0)
        break;
    }
}

static void
release_attach_idle (GMainContext *context)
{
  gopod_idle_add_on (context, "[pod-glib] release", release_idle,
                     g_main_context_ref (context), (GDestroyNotify) g_main_context_unref);
}

/* Called with release_lock held: TRUE if the caller attaches the idle. */
static gboolean
release_claim_idle_locked (ReleasePending *pending)
{
  gboolean attach = !pending->idle;

  pending->idle = TRUE;
  return attach;
}

/* Called with release_lock held. */
static gboolean
release_thread_has_ended_locked (GThread *thread)
{
  return release_ended != NULL && g_hash_table_contains (release_ended, thread);
}

/* Leaves the item pending; returns the thread it stays bound to (NULL:
 * any, also when @thread has ended meanwhile). */
static GThread *
release_leave_pending (GMainContext   *context,
                       GThread        *thread,
                       GDestroyNotify  destroy,
                       gpointer        data)
{
  ReleaseItem item = { destroy, data, thread };
  ReleasePending *pending;
  gboolean attach;

  g_mutex_lock (&release_lock);
  if (thread != NULL && release_thread_has_ended_locked (thread))
    item.thread = NULL;
  else if (thread != NULL)
    g_thread_ref (thread);
  pending = release_pending_get_locked (context);
  g_array_append_val (pending->items, item);
  g_atomic_int_inc (&release_n_pending);
  attach = release_claim_idle_locked (pending);
  g_mutex_unlock (&release_lock);

  if (attach)
    release_attach_idle (context);
  return item.thread;
}

/* A thread that bound releases to itself ended (its GPrivate destructor):
 * what waits bound to it may run on any thread from now on. */
static void
release_thread_ended (gpointer thread)
{
  GPtrArray *unbound = g_ptr_array_new_with_free_func ((GDestroyNotify) g_main_context_unref);
  GPtrArray *to_attach = g_ptr_array_new ();
  guint n_unbound = 0;
  GHashTableIter iter;
  ReleasePending *pending;
  guint i;

  g_mutex_lock (&release_lock);
  if (release_ended == NULL)
    release_ended = g_hash_table_new (NULL, NULL);
  g_hash_table_add (release_ended, thread);
  if (release_pending != NULL)
    {
      g_hash_table_iter_init (&iter, release_pending);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
        {
          gboolean found = FALSE;

          for (i = 0; i < pending->items->len; i++)
            {
              ReleaseItem *item = &g_array_index (pending->items, ReleaseItem, i);

              if (item->thread == thread)
                {
                  item->thread = NULL;
                  n_unbound++;
                  found = TRUE;
                }
            }
          if (!found)
            continue;
          g_ptr_array_add (unbound, g_main_context_ref (pending->context));
          /* The idle that ran may have left them for that thread. */
          if (release_claim_idle_locked (pending))
            g_ptr_array_add (to_attach, pending->context);
        }
    }
  g_mutex_unlock (&release_lock);

  /* The items' references, dropped outside the leaf lock. */
  for (; n_unbound > 0; n_unbound--)
    g_thread_unref (thread);
  /* Each in to_attach is also in unbound, which holds a reference. */
  for (i = 0; i < to_attach->len; i++)
    release_attach_idle (to_attach->pdata[i]);
  for (i = 0; i < unbound->len; i++)
    if (g_main_context_acquire (unbound->pdata[i]))
      release_as_owner (unbound->pdata[i], NULL, NULL);
  g_ptr_array_unref (to_attach);
  g_ptr_array_unref (unbound);
}

void
gopod_release_bind_here (void)
{
  GThread *self;

  if (g_private_get (&release_bound) != NULL)
    return;
  self = g_thread_self ();
  g_mutex_lock (&release_lock);
  if (release_ended != NULL)
    g_hash_table_remove (release_ended, self);
  g_mutex_unlock (&release_lock);
  g_private_set (&release_bound, self);
}

void
gopod_release_on (GMainContext   *context,
                  GDestroyNotify  destroy,
                  gpointer        data)
{
  /* @destroy may drop the last other reference to @context (a job's own);
   * the global default context is never freed, and not referencing it keeps
   * every release off one contended count. */
  GMainContext *held = context != NULL ? g_main_context_ref (context) : NULL;

  if (context == NULL)
    context = g_main_context_default ();

  if (g_main_context_acquire (context))
    release_as_owner (context, destroy, data);
  else
    {
      (void) release_leave_pending (context, NULL, destroy, data);
      /* The owner may have let go meanwhile, having looked at the count
       * before our item was in: try once more. */
      if (g_main_context_acquire (context))
        release_as_owner (context, NULL, NULL);
    }

  g_clear_pointer (&held, g_main_context_unref);
}

void
gopod_release_on_thread (GMainContext   *context,
                         GThread        *thread,
                         GDestroyNotify  destroy,
                         gpointer        data)
{
  GMainContext *held;

  if (thread == NULL)
    {
      gopod_release_on (context, destroy, data);
      return;
    }

  held = context != NULL ? g_main_context_ref (context) : NULL;
  if (context == NULL)
    context = g_main_context_default ();

  if (thread == g_thread_self () && g_main_context_acquire (context))
    release_as_owner (context, destroy, data);
  /* Bound to a thread that ended: R1's second try, as for any release. */
  else if (release_leave_pending (context, thread, destroy, data) == NULL &&
           g_main_context_acquire (context))
    release_as_owner (context, NULL, NULL);

  g_clear_pointer (&held, g_main_context_unref);
}

/* The contexts (referenced) where something waits bound to this thread. */
static GPtrArray *
release_contexts_bound_here (void)
{
  GPtrArray *contexts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_main_context_unref);
  GThread *self = g_thread_self ();
  GHashTableIter iter;
  ReleasePending *pending;
  guint i;

  g_mutex_lock (&release_lock);
  if (release_pending != NULL)
    {
      g_hash_table_iter_init (&iter, release_pending);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
        for (i = 0; i < pending->items->len; i++)
          if (g_array_index (pending->items, ReleaseItem, i).thread == self)
            {
              g_ptr_array_add (contexts, g_main_context_ref (pending->context));
              break;
            }
    }
  g_mutex_unlock (&release_lock);
  return contexts;
}

void
gopod_release_pending_here (void)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GPtrArray *bound;
  guint i;

  if (g_atomic_int_get (&release_n_pending) == 0)
    return;
  if (context == NULL)
    context = g_main_context_default ();
  if (g_main_context_acquire (context))
    release_as_owner (context, NULL, NULL);
  /* What was bound here on a context this thread pushed and popped before
   * waiting would otherwise wait for ever: nobody else may run it. */
  if (g_atomic_int_get (&release_n_pending) == 0)
    return;
  bound = release_contexts_bound_here ();
  for (i = 0; i < bound->len; i++)
    if (g_main_context_acquire (bound->pdata[i]))
      release_as_owner (bound->pdata[i], NULL, NULL);
  g_ptr_array_unref (bound);
}
