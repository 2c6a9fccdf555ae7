/* gopod-wait-private.h: the one way pod-glib waits
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Every wait in pod-glib (a pod going idle, a job ending, a runner's run, a
 * resource released, a throttler ticket, a channel send or receive, a select
 * over several channels) is a GopodWaiter: a one-shot record that either a
 * blocked thread or a GTask waits on. See doc/internals.md, "The waiting
 * primitive", for the rules the code below keeps.
 *
 * A waiter is *linked* into one or more GopodWaitLists (one per channel of a
 * select, one for everything else), each guarded by its owner's mutex. It is
 * *fired* exactly once: by an owner that found it in a list (which sets a
 * result code, and any value, under the owner's lock), by its own deadline, or
 * by a cancellable. Firing is a compare-and-swap on the waiter's state, so an
 * owner that finds a waiter someone else already fired leaves it alone: this
 * is what makes "exactly one case happens" hold for a select without taking
 * all its channels' locks at once.
 *
 * Whoever fires a waiter wakes it, after releasing the owner's lock (through a
 * GopodOutbox). Waking a blocking waiter that still spins is one
 * compare-and-swap of its wake word; a parked one is woken under its mutex
 * (its condition signalled, or its main context woken); waking an async
 * waiter unlinks it from its other lists and calls its completion function,
 * which returns its GTask.
 */

/* Result codes: a case number (>= 0), or one of these. */
enum
{
  GOPOD_WAIT_FIRED     = 0,   /* the only case of a plain wait */
  GOPOD_WAIT_CANCELLED = -1,  /* the wait's own cancellable */
  GOPOD_WAIT_TIMEOUT   = -2,  /* the wait's own deadline */
};

typedef struct _GopodWaiter GopodWaiter;
typedef struct _GopodWaitLink GopodWaitLink;

/* A further cancellable that fires a waiter with its own code (a select's
 * cancelled cases); watched like the waiter's own. */
typedef struct
{
  GCancellable *cancellable;
  gint          code;
  gulong        handler;  /* blocking waiters: while blocked */
  GSource      *source;   /* async waiters: once armed, under mutex */
} GopodWaitCancel;

typedef struct
{
  GMutex *lock;     /* the owner's */
  GQueue  links;    /* of GopodWaitLink, oldest first */
  gint    n_links;  /* atomic, written under lock: how many links there are */
} GopodWaitList;

struct _GopodWaitLink
{
  GList          node;    /* node.data is this link while it is in the list */
  GopodWaitList *list;    /* the list it was pushed to; never changes after */
  GopodWaiter   *waiter;
  gint           code;    /* the result code when this link fires the waiter */
  gpointer       data;    /* the owner's: a value to send, a slot to fill */
};

/* Called with the owner's lock held: whether the condition waited for holds. */
typedef gboolean (*GopodWaitReady) (gpointer data);

/* Completes an async waiter after it fired and left every list; runs in the
 * thread that woke it, with no lock held. */
typedef void (*GopodWaiterComplete) (GopodWaiter *waiter,
                                     gpointer     user_data);

/*
 * Where a blocking wait may run a main context while it waits. Waits that
 * something on a main context must happen for (a main-context job's `begin`,
 * an async factory) work without any running main loop by running that
 * context themselves, but only on the thread the context belongs to (the one
 * its object was created on) and only while nobody else runs it. A context
 * that is not the caller's is never run: that would run someone else's idle
 * callbacks on a worker thread.
 */
typedef struct
{
  GMainContext *context;  /* NULL: the global default */
  /* The thread @context belongs to, referenced: GLib hands a freed
   * GThread to a later thread, which would then pass for this one (rule R2). */
  GThread      *thread;
} GopodWaitHome;

void          gopod_wait_home_init        (GopodWaitHome  *home);
/* Makes @dest the same home as @src (a reference to its context). */
void          gopod_wait_home_copy        (GopodWaitHome       *dest,
                                           const GopodWaitHome *src);
void          gopod_wait_home_clear       (GopodWaitHome  *home);
gboolean      gopod_wait_home_is_caller   (const GopodWaitHome *home);

struct _GopodWaiter
{
  gint                 state;       /* atomic: WAITING, FIRED */
  gint                 code;        /* valid once fired */
  gboolean             async;
  GopodWaitReady       ready;       /* condition waits: what the owner checks */
  gpointer             ready_data;
  GopodWaitLink        link;        /* the first link: plain waits need one */
  GopodWaitLink       *more_links;  /* a select's further links */
  guint                n_more_links;
  gboolean             borrowed_links; /* more_links is the caller's */
  GopodWaitCancel     *more_cancels; /* a select's cancelled cases */
  guint                n_more_cancels;

  GMutex               mutex;       /* a leaf: guards what follows */
  gboolean             armed;       /* async: sources attached */

  /* Blocking waiters only: */
  GCond                cond;
  gint                 wake;        /* atomic: SPINNING, PARKED (set under mutex), WOKEN */
  gboolean             sleeping;    /* under mutex: in g_cond_wait(), so worth a signal */
  const GopodWaitHome *home;        /* the context this wait may run, or NULL */
  gboolean           (*needs_home) (gpointer data);
  gpointer             needs_home_data;
  GMainContext        *running;     /* the context being run, under mutex */
  GCancellable        *cancellable;
  gint                 cancel_code;
  gint64               deadline;    /* monotonic µs, or -1 */
  gint                 deadline_code;
  gboolean             fired_at_deadline; /* under mutex: the deadline passed once
                                           * someone else fired it; until rearmed */

  /* Async waiters only (the waiter is then on the heap, refcounted): */
  GTask               *task;
  GSource             *cancel_source;
  GSource             *timeout_source;
  GopodWaiterComplete  complete;
  gpointer             complete_data;
};

/* Blocking waiters live on the waiting thread's stack. */
void          gopod_waiter_init_blocking  (GopodWaiter    *waiter);
void          gopod_waiter_clear_blocking (GopodWaiter    *waiter);

/* Async waiters: @task's context runs the cancel and timeout sources;
 * @complete answers the task once the waiter fired. */
GopodWaiter  *gopod_waiter_new_async      (GTask               *task,
                                           GopodWaiterComplete  complete,
                                           gpointer             complete_data);
GopodWaiter  *gopod_waiter_ref            (GopodWaiter    *waiter);
void          gopod_waiter_unref          (GopodWaiter    *waiter);

/* What fires a waiter besides its owners. Set before linking it.
 * A cancellable or deadline given to an async waiter is watched on its
 * task's context; to a blocking one, by the waiting thread. */
void          gopod_waiter_set_cancellable (GopodWaiter   *waiter,
                                            GCancellable  *cancellable,
                                            gint           code);
void          gopod_waiter_set_deadline    (GopodWaiter   *waiter,
                                            gint64         deadline,
                                            gint           code);
/* Further cancellables, each with its own code; set before linking. */
void          gopod_waiter_add_cancellable (GopodWaiter   *waiter,
                                            GCancellable  *cancellable,
                                            gint           code);
/* An async waiter starts watching its cancellables and deadline when it is
 * first linked; one that may be linked nowhere (a select of timeouts and
 * cancellables only) is armed by its creator first, while it holds a
 * reference. */
void          gopod_waiter_arm             (GopodWaiter   *waiter);
/* A blocking waiter may run @home's context while @needs_home says so
 * (checked whenever the waiter is kicked, without the owner's lock: it
 * should read an atomic). */
void          gopod_waiter_set_home        (GopodWaiter         *waiter,
                                            const GopodWaitHome *home,
                                            gboolean           (*needs_home) (gpointer data),
                                            gpointer             data);
/* Room for a select's @n links (the first is waiter->link). */
void          gopod_waiter_set_n_links     (GopodWaiter   *waiter,
                                            guint          n);
/* The same in @more, room for @n - 1 links that the caller owns and that
 * outlives the waiter (a reusable select's): a blocking wait allocates
 * nothing. */
void          gopod_waiter_set_links       (GopodWaiter   *waiter,
                                            GopodWaitLink *more,
                                            guint          n);
GopodWaitLink *gopod_waiter_get_link       (GopodWaiter   *waiter,
                                            guint          i);

/* With @list's lock held. */
void          gopod_wait_list_init        (GopodWaitList  *list,
                                           GMutex         *lock);
void          gopod_wait_list_push        (GopodWaitList  *list,
                                           GopodWaitLink  *link,
                                           gint            code,
                                           gpointer        data);
void          gopod_wait_list_unlink      (GopodWaitList  *list,
                                           GopodWaitLink  *link);
gboolean      gopod_wait_list_is_empty    (GopodWaitList  *list);
/* The same without the lock, for an owner whose fast path runs without it:
 * a link pushed before this read (in the order of sequentially consistent
 * atomics) is seen (internals rule C10). */
static inline gboolean
gopod_wait_list_has_links (GopodWaitList *list)
{
  return g_atomic_int_get (&list->n_links) > 0;
}
/* Whether a waiter other than @except, not fired yet, is linked (a select
 * never matches itself); links of fired waiters are dropped on the way. */
gboolean      gopod_wait_list_has_other   (GopodWaitList  *list,
                                           GopodWaiter    *except);
/* The oldest link whose waiter has not fired yet, left in the list; links
 * of waiters fired elsewhere are dropped on the way. */
GopodWaitLink *gopod_wait_list_peek       (GopodWaitList  *list);
/* Fires the oldest waiter not fired yet with its link's code, unlinks it and
 * adds its wake-up to @out: the link it fired by (its data still valid until
 * @out is flushed), or NULL when there is none. */
struct _GopodOutbox;
GopodWaitLink *gopod_wait_list_fire_first (GopodWaitList        *list,
                                           struct _GopodOutbox  *out);
/* Fires every waiter in the list. */
guint         gopod_wait_list_fire_all    (GopodWaitList        *list,
                                           struct _GopodOutbox  *out);
/* Wakes blocking waiters without firing them, so that each looks again at
 * whether it should run its home context (a main-context job was queued). */
void          gopod_wait_list_kick        (GopodWaitList  *list);

/* Fires @waiter with @code unless it fired already; TRUE if this call did.
 * Whoever succeeds must wake it (gopod_outbox_wake()). */
gboolean      gopod_waiter_try_fire       (GopodWaiter    *waiter,
                                           gint            code);
gboolean      gopod_waiter_has_fired      (GopodWaiter    *waiter);
/* Wakes a fired waiter; no lock held. The waiter may be gone on return. */
void          gopod_waiter_wake           (GopodWaiter    *waiter);

/* Blocks until @waiter fired (waking it first if its cancellable or deadline
 * fired it) and returns its code. No lock held. Links are left for the
 * caller to remove (gopod_waiter_unlink_all()). */
gint          gopod_waiter_block          (GopodWaiter    *waiter);
/* Removes every link still in a list. @held is a lock the caller holds
 * (its list is not locked again), or NULL. A select that linked a waiter
 * fired while it was still linking calls it again once done: links pushed
 * after the waker's sweep are removed then. */
void          gopod_waiter_unlink_all     (GopodWaiter    *waiter,
                                           GMutex         *held);
/* After gopod_waiter_block() returned @code: removes the links still in a
 * list, knowing that the one an owner fired the waiter by (its code is
 * @code) left its list then. */
void          gopod_waiter_unlink_rest    (GopodWaiter    *waiter,
                                           gint            code);

/*
 * Condition waits, on top of the above: "until @ready holds", with the
 * owner's @lock held on entry and on return.
 *
 * The blocking form links a waiter, unlocks, blocks, relocks and checks again
 * until @ready holds (TRUE), or the cancellable or deadline fires (FALSE and
 * G_IO_ERROR_CANCELLED or GOPOD_ERROR_TIMEOUT). Owners fire the list when the
 * condition may have become true (gopod_wait_list_fire_all()).
 *
 * The async form returns @task's result when @ready holds: at once (through
 * @out) if it does now; else it links a waiter that the owner fires only when
 * the condition holds (gopod_wait_list_fire_ready()).
 */
typedef struct
{
  GCancellable        *cancellable;
  gint64               deadline;     /* monotonic µs, or -1 */
  const GopodWaitHome *home;         /* a context the wait may run, or NULL */
  gboolean           (*needs_home) (gpointer data);
  gpointer             needs_home_data;
} GopodWaitOptions;

#define GOPOD_WAIT_OPTIONS_INIT { NULL, -1, NULL, NULL, NULL }

gboolean      gopod_wait_until            (GopodWaitList          *list,
                                           GopodWaitReady          ready,
                                           gpointer                data,
                                           const GopodWaitOptions *options,
                                           GError                **error);
void          gopod_wait_until_async      (GopodWaitList          *list,
                                           GopodWaitReady          ready,
                                           gpointer                data,
                                           GTask                  *task,
                                           struct _GopodOutbox    *out);
/* Fires the waiters whose @ready holds, in order; with @fifo, stops at the
 * first that does not (tickets: O(1) per wake). */
guint         gopod_wait_list_fire_ready  (GopodWaitList          *list,
                                           gboolean                fifo,
                                           struct _GopodOutbox    *out);

/* How many processors there are, looked up once: spinning only pays with
 * another one to run the thread that is waited for. */
guint         gopod_wait_n_processors     (void);

/* Spins until @ready (@data) holds (TRUE) or the monotonic clock passes
 * @deadline (FALSE), looking at the clock every few pauses: a pause lasts
 * 1 to 40 ns depending on the processor. With one processor, FALSE at once:
 * spinning would only keep the awaited thread from running. */
gboolean      gopod_wait_spin_until       (gboolean              (*ready) (gpointer data),
                                           gpointer                data,
                                           gint64                  deadline);

/* One pause of a spin loop: tells the processor this is a busy-wait. */
static inline void
gopod_wait_cpu_relax (void)
{
#if defined (__x86_64__) || defined (__i386__)
  __builtin_ia32_pause ();
#elif defined (__aarch64__)
  __asm__ __volatile__ ("yield");
#endif
}

/* Locks a hot owner's mutex (a channel's, a pod core's): with another
 * processor, tries it for up to @spins pauses, with 1, 2, 4 and up to 16
 * pauses between tries, then after each of a few yields, before sleeping
 * in g_mutex_lock() (internals rule P2). */
void          gopod_wait_lock_spinning    (GMutex                 *lock,
                                           guint                   spins);
/* The same with the channel's count. */
void          gopod_wait_lock             (GMutex                 *lock);

/* Sets @error for a code that ended a wait without its condition. */
void          gopod_wait_set_error        (gint                    code,
                                           GError                **error);

/*
 * Waits on oneself. A thread serving an owner (a worker running a pod's job,
 * a job's `begin`, `run` or `finish`) marks it, and a wait that could only end
 * after that service is refused instead of entered.
 */
void          gopod_wait_serving_push     (gconstpointer           owner);
void          gopod_wait_serving_pop      (gconstpointer           owner);
gboolean      gopod_wait_is_serving       (gconstpointer           owner);

/* This thread's sleep hook (internals rule W9): called once by each blocking
 * wait of this thread that is about to sleep, after its spin, with no lock
 * of pod-glib held (every caller of gopod_waiter_block() has let go of its
 * owner's). A pod's worker sets it while it runs a batch of light jobs, so
 * that a job that blocks lets the jobs behind it go to other workers (rule
 * P7c). NULL clears it. */
typedef void (*GopodWaitSleepHook) (gpointer data);
void          gopod_wait_set_sleep_hook   (GopodWaitSleepHook  hook,
                                           gpointer            data);

/* A test hook (see internals, "Test hooks"): called by a blocking waiter
 * that has a home, each time it decided whether to run it: @running is the
 * context it runs, or NULL when it sleeps instead. Called with the waiter's
 * own mutex held: the hook may only record and signal. */
typedef void (*GopodWaitTestHook) (GMainContext *running,
                                   gpointer      data);
void          gopod_wait_set_test_hook    (GopodWaitTestHook  hook,
                                           gpointer           data);

G_END_DECLS
