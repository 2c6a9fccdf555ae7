/* gopod-job-private.h: how owners (pods, runners) drive a job
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-job.h"
#include "gopod-outbox-private.h"
#include "gopod-wait-private.h"

G_BEGIN_DECLS

/*
 * An owner drives a job through its life:
 *
 *   gopod_job_claim ()      NEW -> QUEUED; the owner is told of the end
 *   gopod_job_start ()      QUEUED -> RUNNING, arms the job's timeout
 *   gopod_job_execute ()    thread jobs: runs `run` here, then ends the job
 *   gopod_job_begin_on ()   main-context jobs: `begin` on a context; the job
 *                           ends when gopod_job_complete() is called
 *   gopod_job_discard ()    QUEUED -> CANCELLED without running
 *
 * Every end (success, failure, timeout, cancel, discard) goes through one
 * place, which runs `finish` once, then calls the owner's GopodJobEndFunc
 * once, then wakes the job's waiters. No job lock is held while any of those
 * run, so each may call back into the library.
 */

/**
 * GopodJobEndFunc:
 * @job: the job that ended
 * @was_started: whether gopod_job_start() had succeeded on it
 * @owner_data: the data given to gopod_job_claim()
 *
 * Called once, in the thread that ended the job, after `finish`.
 */
typedef void (*GopodJobEndFunc) (GopodJob *job,
                                 gboolean  was_started,
                                 gpointer  owner_data);

/* What an owner hears of its jobs: one static table per kind of owner. */
typedef struct
{
  GopodJobEndFunc  end;
  /* Optional: the job's progress changed before it ended. Called with the
   * job's lock held, so @owner_data is still alive (the end has not come):
   * it may only mark a deferred notification, taking no lock of ours. */
  void           (*progressed) (gpointer owner_data);
  /* The owner runs its jobs one after another, each only once the thread
   * that serves it (a runner's worker, a main-context job's `begin`) is
   * done with the one before: a blocking wait there for one of its jobs
   * that has not ended could only end after that service, and is refused
   * (internals rules W6, J7). */
  gboolean         serial;
} GopodJobOwner;

/* The QUEUED notification goes to @out, to be flushed by the caller once
 * it holds no lock, while the caller still holds @job (rule 3). */
gboolean      gopod_job_claim      (GopodJob            *job,
                                    const GopodJobOwner *owner,
                                    gpointer             owner_data,
                                    GopodOutbox         *out);
/* For a main-context job: the home a blocking gopod_job_wait() may run
 * (the owner's context, on the owner's thread), copied. Called once, after
 * gopod_job_claim(). */
void          gopod_job_set_home   (GopodJob        *job,
                                    const GopodWaitHome *home);
gboolean      gopod_job_start      (GopodJob        *job);
void          gopod_job_execute    (GopodJob        *job);
void          gopod_job_begin_on   (GopodJob        *job,
                                    GMainContext    *context);
gboolean      gopod_job_discard    (GopodJob        *job,
                                    const GError    *error);
gboolean      gopod_job_is_ended   (GopodJob        *job);
/* Drops an owner's reference to @job. If it is the last one, the job is
 * finalized on the main context it was created on (internals rule 5): here,
 * if this thread can own that context because nobody iterates it, else from
 * an idle source there. */
void          gopod_job_release    (GopodJob        *job);
/* A word the owner keeps in the job: a pod's queue order (compared
 * wrapping, (gint32) (a - b)) while queued, its running index after. */
guint32       gopod_job_get_seq    (GopodJob        *job);
void          gopod_job_set_seq    (GopodJob        *job,
                                    guint32          seq);
/* Unchecked, lock-free reads for an owner's hot path. */
int           gopod_job_peek_priority     (GopodJob *job);
/* The priority the job had when it was claimed: what orders its queue. */
int           gopod_job_peek_queued_priority (GopodJob *job);
GopodJobState gopod_job_peek_state        (GopodJob *job);
gboolean      gopod_job_peek_main_context (GopodJob *job);

/* The job registry's. Lock-free reads for the owner: whether the job is
 * paused (a pod passes a paused queued job over), and its key (constant
 * once the job is added). */
gboolean      gopod_job_peek_paused       (GopodJob *job);
const char   *gopod_job_peek_key          (GopodJob *job);
/**
 * GopodJobResumeFunc:
 * @job: the job that was resumed
 * @data: the data given to gopod_job_set_resume_func()
 *
 * Called, with no lock held, after a paused job was resumed: an owner that
 * passed it over gives it its turn again.
 */
typedef void (*GopodJobResumeFunc) (GopodJob *job,
                                    gpointer  data);
/* Sets the hook once: @data stays valid for any resume, even one racing the
 * job's end (a resume takes its own reference with @ref, dropped with
 * @destroy after the call). The job drops its reference when it ended,
 * after the owner's end func: a job kept for its outcome (a pod's list
 * under keep-ended-ms) must not keep its owner alive, which keeps it. A
 * second call, or one on an ended job, frees its @data at once. */
void          gopod_job_set_resume_func   (GopodJob           *job,
                                           GopodJobResumeFunc  resume_func,
                                           gpointer            data,
                                           gpointer          (*ref) (gpointer),
                                           GDestroyNotify      destroy);
/* Whether a thread is blocked in gopod_job_check_pause() on @job: lets a
 * test know that a paused job's work is held, without sleeping. */
gboolean      gopod_job_has_pause_waiters (GopodJob           *job);

/* Sets @error from a callback that returned FALSE: the callback's own error,
 * or GOPOD_ERROR_FAILED naming @what when it set none. */
void          gopod_propagate_failure (GError      **error,
                                       GError       *callback_error,
                                       const char   *what);

G_END_DECLS
