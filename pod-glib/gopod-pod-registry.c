/* gopod-pod-registry.c: a pod's job registry: its model, lanes, held jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-pod-registry-private.h"

#include "gopod-chunk-queue-private.h"
#include "gopod-job-private.h"
#include "gopod-pod-core-private.h"
#include "gopod-source-private.h"

void
gopod_pod_registry_init (GopodPodRegistry *registry)
{
  g_queue_init (&registry->held);
}

void
gopod_pod_registry_clear (GopodPodRegistry *registry)
{
  g_assert (g_queue_is_empty (&registry->held));
  g_clear_object (&registry->jobs);
  g_clear_pointer (&registry->lanes, g_hash_table_unref);
  g_assert (registry->app_held == NULL);
  g_clear_object (&registry->application);
}

/* The application hold. GApplication's use count belongs to the thread
 * that runs its context: `holding` says what should be, `app_held` what is,
 * and the two are brought together there: at once when the caller owns
 * that context (an `activate` handler adding work must hold before it
 * returns, or the application quits), else from an idle source there. Each
 * sync does what is missing, so syncs may come in any order. */

/* The application's context: g_application_run() runs the global default
 * one whatever the thread-default context of whoever made the pod, so a pod
 * made under a context of its own must not hold from there (nobody may run
 * it, and the use count would be touched off the application's thread). */
static GMainContext *
pod_registry_app_context (void)
{
  return g_main_context_default ();
}

static gboolean
pod_registry_unref_in_context (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* Drops a reference to an application that may be the last one: its
 * finalization (a subclass's dispose, weak and toggle notifies) is user
 * code, so it never runs under the core lock (internals rule 1), but from
 * an idle on the application's context. Only for `app_held`, let go of by
 * a sync under the lock. */
static void
pod_registry_unref_later (GopodPodCore *core,
                          GApplication *application)
{
  if (application != NULL)
    gopod_idle_add_on (pod_registry_app_context (), "[pod-glib] application unref",
                       pod_registry_unref_in_context, application, g_object_unref);
}

static void
pod_registry_sync_locked (GopodPodCore *core)
{
  GopodPodRegistry *registry = &core->registry;
  GApplication *want = registry->holding ? registry->application : NULL;

  if (registry->app_held == want)
    return;
  if (registry->app_held != NULL)
    g_application_release (registry->app_held);
  pod_registry_unref_later (core, g_steal_pointer (&registry->app_held));
  if (want != NULL)
    g_application_hold (want);
  registry->app_held = want != NULL ? g_object_ref (want) : NULL;
}

static gboolean
pod_registry_sync_in_context (gpointer data)
{
  GopodPodCore *core = data;

  gopod_pod_core_lock (core);
  pod_registry_sync_locked (core);
  g_mutex_unlock (&core->lock);
  return G_SOURCE_REMOVE;
}

static void
pod_registry_send_hold (GopodPodCore *core,
                        gboolean      hold)
{
  core->registry.holding = hold;
  if (g_main_context_is_owner (pod_registry_app_context ()))
    pod_registry_sync_locked (core);
  else
    gopod_idle_add_on (pod_registry_app_context (), "[pod-glib] application hold",
                       pod_registry_sync_in_context, gopod_pod_core_ref (core),
                       (GDestroyNotify) gopod_pod_core_unref);
}

gboolean
gopod_pod_registry_set_application_locked (GopodPodCore  *core,
                                           GApplication  *application,
                                           GApplication **old)
{
  GopodPodRegistry *registry = &core->registry;

  if (registry->application == application)
    return FALSE;
  /* The caller drops it once unlocked, not an idle: after
   * g_application_run() returned nobody runs the application's context,
   * and the idle would keep the application until exit. */
  *old = g_steal_pointer (&registry->application);
  registry->application = application != NULL ? g_object_ref (application) : NULL;
  pod_registry_send_hold (core, application != NULL && !gopod_pod_core_is_idle_locked (core));
  return TRUE;
}

/* Lanes */

static GQueue *
pod_registry_lane (GopodPodRegistry *registry,
                   const char       *key)
{
  return registry->lanes != NULL ? g_hash_table_lookup (registry->lanes, key) : NULL;
}

static void
pod_registry_lane_push (GopodPodRegistry *registry,
                        GopodJob         *job,
                        const char       *key)
{
  GQueue *lane;

  if (registry->lanes == NULL)
    registry->lanes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_queue_free);
  lane = g_hash_table_lookup (registry->lanes, key);
  if (lane == NULL)
    {
      lane = g_queue_new ();
      g_hash_table_insert (registry->lanes, g_strdup (key), lane);
    }
  g_queue_push_tail (lane, job);
}

/* Whether @job may start as far as its lane goes. */
static gboolean
pod_registry_lane_allows (GopodPodRegistry *registry,
                          GopodJob         *job)
{
  const char *key = gopod_job_peek_key (job);
  GQueue *lane;

  if (key == NULL)
    return TRUE;
  /* No lane: @job ended (its end took it out, and the lane with it). */
  lane = pod_registry_lane (registry, key);
  return lane != NULL && g_queue_peek_head (lane) == job;
}

/* Takes @job out of its lane; a held job that became its lane's head and
 * is not paused goes to @requeue. */
static void
pod_registry_lane_remove (GopodPodRegistry *registry,
                          GopodJob         *job,
                          GQueue           *requeue)
{
  const char *key = gopod_job_peek_key (job);
  GQueue *lane;
  GopodJob *head;

  if (key == NULL || (lane = pod_registry_lane (registry, key)) == NULL)
    return;
  g_queue_remove (lane, job);
  head = g_queue_peek_head (lane);
  if (head == NULL)
    g_hash_table_remove (registry->lanes, key);
  else if (!gopod_job_peek_paused (head) && g_queue_remove (&registry->held, head))
    g_queue_push_tail (requeue, head);
}

/* Accepting, holding, ending */

void
gopod_pod_registry_accepted_locked (GopodPodCore *core,
                                    GopodJob     *job)
{
  GopodPodRegistry *registry = &core->registry;
  const char *key = gopod_job_peek_key (job);

  if (registry->jobs != NULL)
    gopod_job_list_append (registry->jobs, job);
  if (key != NULL)
    pod_registry_lane_push (registry, job, key);
  gopod_pod_registry_busy_locked (core);
  gopod_notify_queue_deferred_mask (&core->notify, 1u << PROP_PROGRESS);
}

void
gopod_pod_registry_busy_locked (GopodPodCore *core)
{
  GopodPodRegistry *registry = &core->registry;

  if (registry->application != NULL && !registry->holding)
    pod_registry_send_hold (core, TRUE);
}

static void
pod_registry_job_resumed (GopodJob *job,
                          gpointer  core)
{
  gopod_pod_core_requeue_resumed (core, job);
}

gboolean
gopod_pod_registry_hold_locked (GopodPodCore *core,
                                GopodJob     *job)
{
  GopodPodRegistry *registry = &core->registry;

  /* Most jobs: neither paused nor keyed, two lock-free reads. */
  if (!gopod_job_peek_paused (job) && gopod_job_peek_key (job) == NULL)
    return FALSE;
  /* The hook first, then the look: a resume between the two either sees
   * the hook (and waits for this lock to find the job held) or is seen. */
  gopod_job_set_resume_func (job, pod_registry_job_resumed, gopod_pod_core_ref (core),
                             (gpointer (*) (gpointer)) gopod_pod_core_ref,
                             (GDestroyNotify) gopod_pod_core_unref);
  if (!gopod_job_peek_paused (job) && pod_registry_lane_allows (registry, job))
    return FALSE;
  g_queue_push_tail (&registry->held, job);
  return TRUE;
}

gboolean
gopod_pod_registry_release_locked (GopodPodCore *core,
                                   GopodJob     *job)
{
  GopodPodRegistry *registry = &core->registry;

  if (gopod_job_peek_paused (job) || !pod_registry_lane_allows (registry, job))
    return FALSE;
  return g_queue_remove (&registry->held, job);
}

gboolean
gopod_pod_registry_ended_locked (GopodPodCore *core,
                                 GopodJob     *job,
                                 GQueue       *requeue)
{
  GopodPodRegistry *registry = &core->registry;
  gboolean was_held = !g_queue_is_empty (&registry->held) && g_queue_remove (&registry->held, job);

  if (registry->jobs != NULL)
    gopod_job_list_ended (registry->jobs, job);
  if (registry->lanes != NULL)
    pod_registry_lane_remove (registry, job, requeue);
  gopod_notify_queue_deferred_mask (&core->notify, 1u << PROP_PROGRESS);
  return was_held;
}

guint
gopod_pod_registry_steal_held_locked (GopodPodCore *core,
                                      GQueue       *jobs)
{
  guint n = core->registry.held.length;
  GopodJob *job;

  while ((job = g_queue_pop_head (&core->registry.held)) != NULL)
    g_queue_push_tail (jobs, job);
  return n;
}

void
gopod_pod_registry_idle_locked (GopodPodCore *core)
{
  GopodPodRegistry *registry = &core->registry;

  registry->base_submitted = core->submitted;
  registry->base_ended = core->succeeded + core->failed + core->cancelled;
  if (registry->holding)
    pod_registry_send_hold (core, FALSE);
  gopod_notify_queue_deferred_mask (&core->notify, 1u << PROP_PROGRESS);
}

/* What the pod shows */

static int
pod_registry_compare_seq (gconstpointer a,
                          gconstpointer b)
{
  guint32 sa = gopod_job_get_seq (*(GopodJob **) a);
  guint32 sb = gopod_job_get_seq (*(GopodJob **) b);

  return (gint32) (sa - sb) < 0 ? -1 : sa != sb;
}

/* The queued jobs, in the order they were accepted. The queue has no
 * iterator: everything is taken out and put back as it was, under the
 * queue's own lock, so that a worker asleep in it, which pops without our
 * lock, finds it only as it was (its head first), never half put back. */
static GPtrArray *
pod_registry_queued_jobs_locked (GopodPodCore *core)
{
  GPtrArray *items = g_ptr_array_new ();
  GPtrArray *jobs = g_ptr_array_new ();
  gpointer item;

  g_async_queue_lock (core->queue);
  while ((item = g_async_queue_try_pop_unlocked (core->queue)) != NULL)
    g_ptr_array_add (items, item);
  for (guint i = items->len; i-- > 0;)
    {
      item = g_ptr_array_index (items, i);
      g_async_queue_push_front_unlocked (core->queue, item);
      if (item != GOPOD_WAKE_MARKER && !gopod_item_is_chunk (item))
        g_ptr_array_add (jobs, item);
    }
  g_async_queue_unlock (core->queue);
  g_ptr_array_unref (items);
  for (GList *l = core->registry.held.head; l != NULL; l = l->next)
    g_ptr_array_add (jobs, l->data);
  g_ptr_array_sort (jobs, pod_registry_compare_seq);
  return jobs;
}

static void
pod_registry_seed (GopodJobList *jobs,
                   GopodJob     *job)
{
  if (!gopod_job_is_ended (job))
    gopod_job_list_append (jobs, job);
}

GListModel *
gopod_pod_registry_get_jobs_locked (GopodPodCore *core)
{
  GopodPodRegistry *registry = &core->registry;

  if (registry->jobs == NULL)
    {
      g_autoptr(GPtrArray) queued = pod_registry_queued_jobs_locked (core);

      /* Jobs accepted before anyone asked: the running ones first, then
       * the queued ones in the order they were accepted. A job there may
       * have ended already (one a worker counts running until it finds it
       * will not start, rule P13): its end was told to no list, and no end
       * would take it out again. */
      registry->jobs = gopod_job_list_new (core->context);
      gopod_job_list_set_keep_ended_ms (registry->jobs, registry->keep_ended_ms);
      for (guint i = 0; i < core->running_jobs->len; i++)
        pod_registry_seed (registry->jobs, g_ptr_array_index (core->running_jobs, i));
      for (guint i = 0; i < queued->len; i++)
        pod_registry_seed (registry->jobs, g_ptr_array_index (queued, i));
    }
  return g_object_ref (G_LIST_MODEL (registry->jobs));
}

GopodJob *
gopod_pod_registry_lookup_locked (GopodPodCore *core,
                                  const char   *key)
{
  GQueue *lane = pod_registry_lane (&core->registry, key);

  /* A job leaves its lane in its end func, after its state turned final and
   * its `finish` ran: until then it is in the lane but ended (and a newer
   * one cancelled while queued may sit behind a running one). */
  for (GList *l = lane != NULL ? lane->tail : NULL; l != NULL; l = l->prev)
    if (!gopod_job_is_ended (l->data))
      return g_object_ref (l->data);
  return NULL;
}

double
gopod_pod_registry_progress_locked (GopodPodCore *core)
{
  GopodPodRegistry *registry = &core->registry;
  guint64 accepted = core->submitted - registry->base_submitted;
  double done;

  if (accepted == 0 || gopod_pod_core_is_idle_locked (core))
    return 0.0;
  done = (double) (core->succeeded + core->failed + core->cancelled - registry->base_ended);
  for (guint i = 0; i < core->running_jobs->len; i++)
    done += gopod_job_get_progress (g_ptr_array_index (core->running_jobs, i));
  return CLAMP (done / (double) accepted, 0.0, 1.0);
}

void
gopod_pod_registry_set_keep_ended_ms_locked (GopodPodCore *core,
                                             guint         keep_ended_ms)
{
  core->registry.keep_ended_ms = keep_ended_ms;
  if (core->registry.jobs != NULL)
    gopod_job_list_set_keep_ended_ms (core->registry.jobs, keep_ended_ms);
}
