/* gopod-job-list-private.h: the live list of a pod's jobs, as a GListModel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-job.h"

G_BEGIN_DECLS

/*
 * GopodJobList is what gopod_pod_get_jobs() returns: a GListModel of
 * GopodJob that workers feed from any thread and a UI reads on one main
 * context. See doc/internals.md, "The job registry".
 *
 * Feeding (any thread, no lock of the caller's needed, but calls made in an
 * order are applied in that order): gopod_job_list_append() when a job is
 * accepted, gopod_job_list_ended() when it ended. They only record the
 * change; the list's source applies every change recorded since its last
 * run on @context, in one go, and emits `items-changed` there as few
 * batches (see gopod-job-list.c). So the model a handler or a GtkListView
 * reads always matches the emissions it was told of, whatever the workers
 * do meanwhile. Read the model on @context only.
 *
 * An ended job stays listed for `keep-ended-ms` after its end, counted with
 * the value current when the list looks (so lowering it clears kept jobs,
 * also when it is raised again before the list looks).
 */

#define GOPOD_TYPE_JOB_LIST (gopod_job_list_get_type ())

G_DECLARE_FINAL_TYPE (GopodJobList, gopod_job_list, GOPOD, JOB_LIST, GObject)

/* @context: where items-changed is emitted (NULL: the global default). */
GopodJobList *gopod_job_list_new               (GMainContext *context);
void          gopod_job_list_append            (GopodJobList *self,
                                                GopodJob     *job);
void          gopod_job_list_ended             (GopodJobList *self,
                                                GopodJob     *job);
void          gopod_job_list_set_keep_ended_ms (GopodJobList *self,
                                                guint         keep_ended_ms);
guint         gopod_job_list_get_keep_ended_ms (GopodJobList *self);

G_END_DECLS
