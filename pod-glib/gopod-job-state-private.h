/* gopod-job-state-private.h: a job's insides, shared by gopod-job.c and gopod-job-owner.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-job-private.h"
#include "gopod-notify-private.h"
#include "gopod-outbox-private.h"
#include "gopod-wait-private.h"

G_BEGIN_DECLS

/* Why a running job was stopped early; the first reason wins. */
typedef enum
{
  STOP_NONE,
  STOP_CANCELLED,
  STOP_TIMED_OUT,
} StopReason;

/* The work of a job made by gopod_job_new_func(). */
typedef struct
{
  GopodJobFunc     func;
  gpointer         data;
  GDestroyNotify   destroy;
} JobFunc;

/* What most jobs never use: made on first need, under the job's lock, and
 * kept until finalize. Keeping it out of the instance keeps a queued job
 * small (a pod may hold a million of them): the instance fits an 80-byte
 * slice. */
typedef struct
{
  int              priority;  /* written under lock, read atomically */
  int              queued_priority;  /* `priority` when the job was claimed: its queue order */
  char            *title;
  GError          *error;
  GSource         *timeout_source;
  gint64           deadline;  /* monotonic µs when a started job times out, or 0 */
  double           progress;
  guint            timeout_ms;
  GopodWaitList    waiters;   /* gopod_job_wait() and _async(), under the job's lock */
  GopodWaitHome    home;      /* the owner's: where a wait may run `begin` (rule J6) */
  gboolean         has_home;
  GMainContext    *context;  /* thread-default at creation if not the global one; owned */
  GMainContext    *begin_context;  /* where a main-context job's `begin` ran; owned */
  GopodNotify      notify;  /* set up once a notify handler is seen */
  gboolean         notify_ready;
  JobFunc          func;  /* set by gopod_job_new_func() */
  /* The job registry's (gopod-job-registry.c): */
  char            *status;
  char            *key;  /* set before the job is added, constant after */
  gboolean         paused;  /* written under lock, read atomically */
  gint64           paused_at;  /* while paused and started: since when */
  gint64           paused_for;  /* paused time of the run before paused_at */
  GopodWaitList    pause_waiters;  /* gopod_job_check_pause() callers */
  GopodJobResumeFunc resume_func;  /* the owner's hook, set once */
  gpointer         resume_data;
  gpointer       (*resume_ref) (gpointer);
  GDestroyNotify   resume_destroy;
} JobExtra;

/* 56 bytes: with the 24 of the GObject header, a queued job is one 80-byte
 * slice, the size GLib 2.74's slice allocator gave 72 bytes already: the
 * running time came for free. */
typedef struct
{
  GMutex           lock;  /* guards every field below but atomic reads */
  guint32          seq;  /* the owner's queue order; compared wrapping */
  /* Bytes, each its own memory location: `state`, `ended` and `flags` are
   * read atomically (gopod_job_priv_state_get(), gopod_job_priv_ended_get(),
   * gopod_job_priv_stop_reason()) while others are written under the lock,
   * and the owner reads `started` on its own thread. */
  guint8           state;  /* GopodJobState, written under lock, read atomically */
  guint8           ended;  /* set once finish and the owner's end func have run */
  guint8           started;
  guint8           flags;  /* JOB_FLAG_*: written whole under lock, read atomically */
  GCancellable    *cancellable;  /* made on first need: queued jobs do not pay for one */
  const GopodJobOwner *owner;
  gpointer         owner_data;
  JobExtra        *extra;  /* NULL until needed; written once, under lock, atomically */
  /* Monotonic µs of the start while the job runs; once it ended, its running
   * time, paused time excluded (gopod-job-registry.c). Here rather than in
   * the JobExtra, so that timing a job costs no allocation. */
  gint64           run_time;
} GopodJobPrivate;

G_STATIC_ASSERT (sizeof (GopodJobPrivate) <= 56 || GLIB_SIZEOF_VOID_P != 8);

/* GLib has no 8-bit atomics; the compiler's builtins are what its own
 * g_atomic_int_* use underneath. */
static inline GopodJobState
gopod_job_priv_state_get (GopodJobPrivate *priv)
{
  return __atomic_load_n (&priv->state, __ATOMIC_SEQ_CST);
}

static inline void
gopod_job_priv_state_set (GopodJobPrivate *priv,
                          GopodJobState    state)
{
  __atomic_store_n (&priv->state, (guint8) state, __ATOMIC_SEQ_CST);
}

static inline gboolean
gopod_job_priv_ended_get (GopodJobPrivate *priv)
{
  return __atomic_load_n (&priv->ended, __ATOMIC_SEQ_CST);
}

/* `flags`: why the job was stopped (a StopReason, read without the lock by
 * a pause point's fast path), and whether its cancellable was handed out
 * (then never recycled). */
#define JOB_FLAG_STOP_MASK           0x3
#define JOB_FLAG_CANCELLABLE_SHARED  0x4

static inline StopReason
gopod_job_priv_stop_reason (GopodJobPrivate *priv)
{
  return __atomic_load_n (&priv->flags, __ATOMIC_SEQ_CST) & JOB_FLAG_STOP_MASK;
}

static inline gboolean
gopod_job_priv_cancellable_shared (GopodJobPrivate *priv)
{
  return (__atomic_load_n (&priv->flags, __ATOMIC_SEQ_CST) & JOB_FLAG_CANCELLABLE_SHARED) != 0;
}

/* Called with the lock held: the only writer. */
static inline void
gopod_job_priv_set_flags_locked (GopodJobPrivate *priv,
                                 guint8           clear,
                                 guint8           set)
{
  __atomic_store_n (&priv->flags, (guint8) ((priv->flags & ~clear) | set), __ATOMIC_SEQ_CST);
}

/* The job's properties, notified from both files. */
enum {
  PROP_0,
  PROP_STATE,
  PROP_TITLE,
  PROP_PROGRESS,
  PROP_PRIORITY,
  PROP_TIMEOUT_MS,
  PROP_ERROR,
  PROP_STATUS,
  PROP_PAUSED,
  PROP_KEY,
  N_PROPS
};

extern gint gopod_job_private_offset;

static inline GopodJobPrivate *
gopod_job_get_private (GopodJob *job)
{
  return G_STRUCT_MEMBER_P (job, gopod_job_private_offset);
}

#define JOB_PRIV(job) gopod_job_get_private (job)

static inline JobExtra *
gopod_job_priv_peek_extra (GopodJobPrivate *priv)
{
  return g_atomic_pointer_get (&priv->extra);
}

static inline gboolean
gopod_job_priv_state_is_final (GopodJobState state)
{
  return state >= GOPOD_JOB_STATE_SUCCEEDED;
}

/* Defined in gopod-job.c */

JobExtra     *gopod_job_priv_ensure_extra_locked       (GopodJobPrivate  *priv);
GCancellable *gopod_job_priv_ensure_cancellable_locked (GopodJobPrivate  *priv);
void          gopod_job_priv_recycle_cancellable       (GCancellable     *cancellable);
/* Queues a notification of @prop_id if anybody listens. */
void          gopod_job_priv_notify                    (GopodJob         *job,
                                                        guint             prop_id);
/* How gopod_job_priv_end_full() ends a job. */
typedef enum
{
  JOB_END_ANY = 0,
  JOB_END_UNSTARTED_ONLY = 1 << 0,  /* leaves a started job alone */
  JOB_END_SERVING = 1 << 1,  /* the caller marked the job served around its work (rule J7): `finish` runs inside that mark, which ends before the owner's end func */
  JOB_END_SERVING_OWNER = 1 << 2,  /* that mark includes the owner's (the caller did not serve it already) */
} JobEndFlags;

/* The one place where a job ends (see its definition). Takes @error. */
gboolean      gopod_job_priv_end_full                  (GopodJob         *job,
                                                        GopodJobState     outcome,
                                                        GError           *error,
                                                        JobEndFlags       flags,
                                                        GCancellable    **recycle);
/* Around user code that serves @job (`begin`, `run`, `finish`): waits on
 * the job, and on its owner, are refused there (internals rule J7). The
 * push returns the marks it made (JOB_END_SERVING, and
 * JOB_END_SERVING_OWNER unless this thread served the owner already), for
 * the pop. */
JobEndFlags   gopod_job_priv_serving_push              (GopodJob         *job);
void          gopod_job_priv_serving_pop               (GopodJob         *job,
                                                        JobEndFlags       marks);
/* Sets the string at @offset in the JobExtra, notifying @prop_id if it
 * changed; the old string is freed after the lock. With @only_new, only
 * while the job is NEW (checked under the same lock): FALSE otherwise. */
gboolean      gopod_job_priv_set_string                (GopodJob         *job,
                                                        gsize             offset,
                                                        const char       *value,
                                                        guint             prop_id,
                                                        gboolean          only_new);
/* The error a job stopped for @reason ends with. */
GError       *gopod_job_priv_stop_error                (StopReason        reason);
/* Records why a job stops early; wakes its check_pause() callers. */
void          gopod_job_priv_stop_locked               (GopodJobPrivate  *priv,
                                                        StopReason        reason,
                                                        GopodOutbox      *out);

/* Defined in gopod-job-registry.c */

/* The clock of elapsed time starts. */
void          gopod_job_priv_mark_started_locked       (GopodJobPrivate  *priv);
void          gopod_job_priv_mark_ended_locked         (GopodJobPrivate  *priv);
void          gopod_job_priv_clear_registry            (JobExtra         *extra);
/* The job ended: its owner's resume hook goes, its data let go in @out. */
void          gopod_job_priv_steal_resume_func_locked  (JobExtra         *extra,
                                                        GopodOutbox      *out);

/* Cancels a running job's cancellable where its work listens. */
void          gopod_job_priv_cancel_work               (GopodJob         *job,
                                                        GCancellable     *cancellable);

G_END_DECLS
