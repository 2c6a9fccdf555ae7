/* gopod-pod-core-entry.c: the pod core's entry points for its GObject face:
 * waits, shutdown, settings (the workers and the queue are in gopod-pod-core.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-pod-core-private.h"
#include "gopod-error.h"
#include "gopod-job-private.h"
#include "gopod-outbox-private.h"
#include "gopod-release-private.h"

/* Waits and shutdown */

void
gopod_pod_core_wait_async (GopodPodCore   *core,
                           GTask          *task,
                           GopodWaitReady  done)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  gopod_pod_core_lock (core);
  gopod_wait_until_async (&core->waiters, done, core, task, &out);
  g_mutex_unlock (&core->lock);
  gopod_outbox_flush (&out);
}

/* Takes the registry's held jobs for a discarding shutdown, to be discarded
 * when @out is flushed; returns how many. */
static guint
pod_core_entry_discard_held_locked (GopodPodCore *core,
                                    GopodOutbox  *out)
{
  GQueue held = G_QUEUE_INIT;
  GopodJob *job;
  guint n = 0;

  gopod_pod_registry_steal_held_locked (core, &held);
  while ((job = g_queue_pop_head (&held)) != NULL)
    {
      n += gopod_pod_core_take_for_discard_locked (core, job, FALSE);
      gopod_outbox_add (out, gopod_pod_core_discard_item, job);
    }
  return n;
}

/* Takes everything out of the queue for a discarding shutdown, to be
 * discarded when @out is flushed; returns how many jobs. */
static guint
pod_core_entry_steal_queue_locked (GopodPodCore *core,
                                   GopodOutbox  *out)
{
  gpointer item;
  guint n = 0;

  while ((item = g_async_queue_try_pop (core->queue)) != NULL)
    if (item != GOPOD_WAKE_MARKER)
      {
        n += gopod_pod_core_take_for_discard_locked (core, item, FALSE);
        gopod_outbox_add (out, gopod_pod_core_discard_item, item);
      }
  return n;
}

gboolean
gopod_pod_core_begin_shutdown (GopodPodCore       *core,
                               GopodShutdownMode   mode,
                               GError            **error)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gboolean first;
  guint spawn, discarded = 0;

  gopod_pod_core_lock (core);
  first = !core->closing;
  core->closing = TRUE;
  gopod_pod_core_update_accept_below_locked (core);
  /* The pod no longer holds its queue: a drain runs it (a paused pod is
   * resumed for it), a discard empties it. `paused` says so. */
  if (core->paused)
    {
      core->paused = FALSE;
      gopod_pod_core_notify (core, PROP_PAUSED);
    }
  if (mode == GOPOD_SHUTDOWN_DISCARD && !g_atomic_int_get (&core->discarding))
    {
      g_atomic_int_set (&core->discarding, TRUE);
      discarded = pod_core_entry_steal_queue_locked (core, &out);
      discarded += pod_core_entry_discard_held_locked (core, &out);
      for (guint i = 0; i < core->running_jobs->len; i++)
        gopod_outbox_add (&out, gopod_pod_core_cancel_running_job,
                          g_object_ref (g_ptr_array_index (core->running_jobs, i)));
      gopod_pod_core_notify (core, PROP_QUEUED);
      gopod_pod_core_notify (core, PROP_CANCELLED);
    }
  g_atomic_int_inc (&core->epoch);
  gopod_pod_core_wake_idle_workers_locked (core);
  spawn = gopod_pod_core_reserve_workers_locked (core);
  gopod_pod_core_wake_waiters_locked (core, &out);
  g_mutex_unlock (&core->lock);

  gopod_pod_core_spawn_workers (core, spawn);
  gopod_outbox_flush (&out);
  if (discarded > 0)
    {
      gopod_pod_core_lock (core);
      gopod_pod_core_discarded_locked (core, discarded, &out);
      gopod_pod_core_unlock_and_flush (core, &out);
    }

  if (!first)
    g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED,
                         "The pod was already shut down");
  return first;
}

/* For the GObject face (gopod-pod.c) */

gboolean
gopod_pod_core_wait (GopodPodCore   *core,
                     GopodWaitReady  done,
                     GCancellable   *cancellable,
                     GError        **error)
{
  gboolean ok;

  gopod_pod_core_lock (core);
  ok = gopod_pod_core_wait_locked (core, done, cancellable, error);
  g_mutex_unlock (&core->lock);
  /* What the work left for this thread to free: light jobs' destroy
   * notifies given from here (rule P11). */
  gopod_release_pending_here ();

  return ok;
}

/* A submit that found no room: the error, and the job's data freed, with
 * the lock let go. Out of line: the submit's own path stays short. */
static G_GNUC_NO_INLINE gboolean
pod_core_entry_refuse_submit_locked (GopodPodCore    *core,
                                     gpointer         user_data,
                                     GDestroyNotify   destroy,
                                     GError         **error)
{
  gopod_pod_core_check_room_locked (core, error);
  g_mutex_unlock (&core->lock);
  if (destroy != NULL)
    destroy (user_data);
  return FALSE;
}

/* A new chunk for the next light job, queued at once or handed on to the
 * worker that holds the old one, which is full. */
static G_GNUC_NO_INLINE GopodChunk *
pod_core_entry_start_chunk_locked (GopodPodCore *core)
{
  GopodChunk *full = core->filling;
  GopodChunk *chunk = core->filling = gopod_pod_core_chunk_new_locked (core);

  gopod_chunk_clear (chunk);
  chunk->seq = core->submitted;
  if (!gopod_pod_core_hand_on_locked (core, full, chunk))
    gopod_pod_core_queue_push_sorted_locked (core, gopod_chunk_to_item (chunk));
  /* A light job makes the pod busy too (rule G9). Asked here, once a
   * chunk rather than at every submit: an idle pod has no filling chunk
   * (an emptied chunk is retired, rule P3), so the first light job after
   * idle always starts one. */
  gopod_pod_registry_busy_locked (core);
  return chunk;
}

/* Reserves workers for what was just queued, unlocks and starts them. Out
 * of line: a submit needs it only while the pod has fewer workers than it
 * may. */
static G_GNUC_NO_INLINE gboolean
pod_core_entry_unlock_and_spawn (GopodPodCore *core)
{
  guint spawn = gopod_pod_core_reserve_workers_locked (core);

  g_mutex_unlock (&core->lock);
  gopod_pod_core_spawn_workers (core, spawn);
  return TRUE;
}

/* Appends an accepted light job to the filling chunk and unlocks. Called
 * with the lock held and room checked. */
static inline gboolean
pod_core_entry_append_and_unlock (GopodPodCore   *core,
                                  GopodFunc       func,
                                  gpointer        user_data,
                                  GDestroyNotify  destroy)
{
  GopodChunk *chunk = core->filling;

  if (G_UNLIKELY (!gopod_chunk_has_room (chunk, gopod_chunk_job_slots (destroy))))
    chunk = pod_core_entry_start_chunk_locked (core);
  gopod_chunk_append (chunk, func, user_data, destroy);
  core->n_queued++;
  core->submitted++;
  gopod_notify_queue_deferred_mask (&core->notify, (1u << PROP_QUEUED) | (1u << PROP_SUBMITTED) | (1u << PROP_PROGRESS));
  if (G_UNLIKELY (core->n_workers < core->max_workers))
    return pod_core_entry_unlock_and_spawn (core);
  g_mutex_unlock (&core->lock);
  return TRUE;
}

static inline gboolean
pod_core_entry_refuses_locked (GopodPodCore *core)
{
  return core->n_queued >= core->accept_below;
}

/* A light job with a destroy notify: wrapped, so that the notify runs on
 * the submitter's context (rule P11). Out of line, so that the plain
 * submit keeps few registers to save. */
static G_GNUC_NO_INLINE gboolean
pod_core_entry_submit_homed (GopodPodCore    *core,
                             GopodFunc        func,
                             gpointer         user_data,
                             GDestroyNotify   destroy,
                             GError         **error)
{
  /* The pod's own thread (where JavaScript made it) gets its destroy
   * notifies back in that thread (rules P11, R2). */
  GopodLightHomed *homed = gopod_light_homed_new (func, user_data, destroy,
                                                  gopod_wait_home_is_caller (&core->home));

  gopod_pod_core_lock (core);
  if (G_UNLIKELY (pod_core_entry_refuses_locked (core)))
    {
      /* Refused: freed at once, by the caller's thread, on its context. */
      gopod_light_homed_drop (homed);
      return pod_core_entry_refuse_submit_locked (core, user_data, destroy, error);
    }
  return pod_core_entry_append_and_unlock (core, gopod_light_homed_run, homed, gopod_light_homed_free);
}

gboolean
gopod_pod_core_submit (GopodPodCore    *core,
                       GopodFunc        func,
                       gpointer         user_data,
                       GDestroyNotify   destroy,
                       GError         **error)
{
  if (destroy != NULL)
    return pod_core_entry_submit_homed (core, func, user_data, destroy, error);

  gopod_pod_core_lock (core);
  if (G_UNLIKELY (pod_core_entry_refuses_locked (core)))
    return pod_core_entry_refuse_submit_locked (core, user_data, NULL, error);
  return pod_core_entry_append_and_unlock (core, func, user_data, NULL);
}

gboolean
gopod_pod_core_set_paused (GopodPodCore *core,
                           gboolean      paused)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gboolean changed;
  guint spawn = 0;

  gopod_pod_core_lock (core);
  /* A pod shutting down holds nothing back any more (its drain goes on
   * whatever a pause says): pausing it changes nothing. */
  if (paused && core->closing)
    {
      g_mutex_unlock (&core->lock);
      return FALSE;
    }
  changed = core->paused != paused;
  core->paused = paused;
  g_atomic_int_inc (&core->epoch);
  gopod_pod_core_wake_waiters_locked (core, &out);
  if (!paused)
    spawn = gopod_pod_core_reserve_workers_locked (core);
  g_mutex_unlock (&core->lock);

  gopod_outbox_flush (&out);
  gopod_pod_core_spawn_workers (core, spawn);
  return changed;
}

/* Workers look again after any setting changed. */
gboolean
gopod_pod_core_write_setting (GopodPodCore *core,
                              guint        *field,
                              guint         value)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gboolean changed;
  guint spawn;

  gopod_pod_core_lock (core);
  changed = *field != value;
  *field = value;
  gopod_pod_core_update_accept_below_locked (core);
  g_atomic_int_inc (&core->epoch);
  /* Room under a new max-queued, a new start time (rule P6). */
  gopod_pod_core_wake_waiters_locked (core, &out);
  spawn = gopod_pod_core_reserve_workers_locked (core);
  g_mutex_unlock (&core->lock);

  gopod_outbox_flush (&out);
  gopod_pod_core_spawn_workers (core, spawn);
  return changed;
}

void
gopod_pod_core_orphan (GopodPodCore *core)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  guint spawn;

  /* The user is gone, the work is not: run what is queued, then let the
   * workers leave at once rather than after the idle timeout. */
  gopod_pod_core_lock (core);
  core->orphaned = TRUE;
  core->paused = FALSE;
  g_atomic_int_inc (&core->epoch);
  gopod_pod_core_wake_idle_workers_locked (core);
  gopod_pod_core_wake_waiters_locked (core, &out);
  spawn = gopod_pod_core_reserve_workers_locked (core);
  g_mutex_unlock (&core->lock);
  gopod_outbox_flush (&out);
  gopod_pod_core_spawn_workers (core, spawn);
}

GopodPodCore *
gopod_pod_core_new (GopodPod    *pod,
                    GParamSpec **pspecs,
                    guint        n_pspecs)
{
  GopodPodCore *core = g_aligned_alloc0 (1, sizeof (GopodPodCore), GOPOD_POD_CORE_LINE_SIZE);

  g_atomic_ref_count_init (&core->ref_count);
  g_mutex_init (&core->lock);
  gopod_wait_list_init (&core->waiters, &core->lock);
  gopod_wait_home_init (&core->home);
  core->queue = g_async_queue_new ();
  /* Not exclusive, unbounded: the pod bounds its own workers, and GLib
   * starts no thread before the first push. */
  core->threads = g_thread_pool_new (gopod_pod_core_worker_main, NULL, -1, FALSE, NULL);
  core->context = g_main_context_ref_thread_default ();
  core->paused = TRUE;
  core->max_workers = 1;
  gopod_pod_core_update_accept_below_locked (core);
  core->idle_timeout_ms = GOPOD_POD_DEFAULT_IDLE_TIMEOUT_MS;
  core->running_jobs = g_ptr_array_new ();
  gopod_notify_init (&core->notify, G_OBJECT (pod), pspecs, n_pspecs);
  gopod_notify_prepare (&core->notify);
  gopod_pod_registry_init (&core->registry);

  return core;
}
