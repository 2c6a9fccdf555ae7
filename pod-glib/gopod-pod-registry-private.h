/* gopod-pod-registry-private.h: a pod's job registry: its model, lanes, held jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gopod-job-list-private.h"

G_BEGIN_DECLS

/*
 * What a pod adds for the job registry (see doc/internals.md, "The job
 * registry"), kept in the pod core and guarded by the core's lock. Every
 * function here is called with that lock held; none runs user code.
 *
 * - The model (a GopodJobList) exists only once gopod_pod_get_jobs() was
 *   called: until then the pod pays one NULL check per accept and end.
 * - Lanes: for each key, the accepted, not-ended jobs of that key, oldest
 *   first. Only a lane's head may start.
 * - Held jobs: queued jobs a worker popped but may not start (paused, or
 *   not at the head of their lane). They still count as queued and keep the
 *   queue's reference; a resume or a lane moving on puts them back.
 * - Progress since the pod was last idle, from its counters.
 * - The application hold, taken and dropped on the application's context
 *   (the global default one), not the pod's.
 */

typedef struct _GopodPodCore GopodPodCore;

typedef struct
{
  GopodJobList *jobs;             /* NULL until asked for */
  guint         keep_ended_ms;
  GHashTable   *lanes;            /* key (owned) → GQueue of GopodJob; made on first key */
  GQueue        held;             /* of GopodJob */
  guint64       base_submitted;   /* counters when the pod was last idle */
  guint64       base_ended;
  GApplication *application;      /* owned */
  gboolean      holding;          /* whether @application should be held now */
  GApplication *app_held;         /* the one held now, owned; on the application's context */
} GopodPodRegistry;

void          gopod_pod_registry_init              (GopodPodRegistry *registry);
void          gopod_pod_registry_clear             (GopodPodRegistry *registry);

/* A job was accepted (queued). */
void          gopod_pod_registry_accepted_locked   (GopodPodCore     *core,
                                                    GopodJob         *job);
/* The pod accepted work (a job, or a light job): holds the application,
 * if one is set and not held yet (rule G9). */
void          gopod_pod_registry_busy_locked       (GopodPodCore     *core);
/* A worker popped @job: TRUE if it must not start now, and was held. */
gboolean      gopod_pod_registry_hold_locked       (GopodPodCore     *core,
                                                    GopodJob         *job);
/* @job ended. Held jobs that may start now are moved to @requeue (they
 * keep their queue reference). Returns TRUE if @job itself was held: it
 * then left the queue here, and its queue reference is the caller's. */
gboolean      gopod_pod_registry_ended_locked      (GopodPodCore     *core,
                                                    GopodJob         *job,
                                                    GQueue           *requeue);
/* @job was resumed: TRUE if it was held and may start now (it leaves the
 * held jobs; the caller queues it again). */
gboolean      gopod_pod_registry_release_locked    (GopodPodCore     *core,
                                                    GopodJob         *job);
/* For a discarding shutdown: every held job, into @jobs. */
guint         gopod_pod_registry_steal_held_locked (GopodPodCore     *core,
                                                    GQueue           *jobs);
/* The pod went idle. */
void          gopod_pod_registry_idle_locked       (GopodPodCore     *core);

GListModel   *gopod_pod_registry_get_jobs_locked   (GopodPodCore     *core);
GopodJob     *gopod_pod_registry_lookup_locked     (GopodPodCore     *core,
                                                    const char       *key);
double        gopod_pod_registry_progress_locked   (GopodPodCore     *core);
void          gopod_pod_registry_set_keep_ended_ms_locked (GopodPodCore *core,
                                                           guint         keep_ended_ms);
/* Returns whether it changed; if so, @old is the previous application
 * (owned, maybe NULL), to unref once the lock is dropped (rule 1). */
gboolean      gopod_pod_registry_set_application_locked   (GopodPodCore  *core,
                                                           GApplication  *application,
                                                           GApplication **old);

G_END_DECLS
