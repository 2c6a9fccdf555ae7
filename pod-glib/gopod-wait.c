/* gopod-wait.c: the one way pod-glib waits
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-wait-private.h"

#include "gopod-error.h"
#include "gopod-outbox-private.h"
#include "gopod-release-private.h"

enum
{
  WAIT_WAITING,
  WAIT_FIRED,
};

/* A blocking waiter's wake word: how a waker reaches it. */
enum
{
  WAIT_WAKE_SPINNING,  /* watching the word without its mutex */
  WAIT_WAKE_PARKED,    /* asleep in its condition or running its home context */
  WAIT_WAKE_WOKEN,
};

/* --- homes --- */

void
gopod_wait_home_init (GopodWaitHome *home)
{
  GMainContext *context = g_main_context_get_thread_default ();

  /* The global default context is never freed; not referencing it keeps
   * every object made on the main thread off one contended count. */
  home->context = context != NULL ? g_main_context_ref (context) : NULL;
  home->thread = g_thread_ref (g_thread_self ());
  /* What only this thread may free may be bound to it from now on (a
   * JavaScript closure, internals rule R2): until it ends. */
  gopod_release_bind_here ();
}

void
gopod_wait_home_copy (GopodWaitHome       *dest,
                      const GopodWaitHome *src)
{
  dest->context = src->context != NULL ? g_main_context_ref (src->context) : NULL;
  dest->thread = src->thread != NULL ? g_thread_ref (src->thread) : NULL;
}

void
gopod_wait_home_clear (GopodWaitHome *home)
{
  g_clear_pointer (&home->context, g_main_context_unref);
  g_clear_pointer (&home->thread, g_thread_unref);
}

gboolean
gopod_wait_home_is_caller (const GopodWaitHome *home)
{
  return home->thread == g_thread_self ();
}

static GMainContext *
wait_home_context (const GopodWaitHome *home)
{
  return home->context != NULL ? home->context : g_main_context_default ();
}

/* --- waiters --- */

static void
wait_waiter_init (GopodWaiter *waiter)
{
  memset (waiter, 0, sizeof *waiter);
  g_mutex_init (&waiter->mutex);
  g_cond_init (&waiter->cond);
  waiter->link.waiter = waiter;
  waiter->deadline = -1;
}

void
gopod_waiter_init_blocking (GopodWaiter *waiter)
{
  wait_waiter_init (waiter);
}

void
gopod_waiter_clear_blocking (GopodWaiter *waiter)
{
  g_assert (!waiter->async);
  if (!waiter->borrowed_links)
    g_free (waiter->more_links);
  g_clear_pointer (&waiter->more_cancels, g_free);
  g_mutex_clear (&waiter->mutex);
  g_cond_clear (&waiter->cond);
}

static void
wait_waiter_free_async (gpointer data)
{
  GopodWaiter *waiter = data;

  g_assert (waiter->cancel_source == NULL && waiter->timeout_source == NULL);
  g_clear_object (&waiter->task);
  g_clear_object (&waiter->cancellable);
  for (guint i = 0; i < waiter->n_more_cancels; i++)
    g_object_unref (waiter->more_cancels[i].cancellable);
  g_clear_pointer (&waiter->more_cancels, g_free);
  g_clear_pointer (&waiter->more_links, g_free);
  g_mutex_clear (&waiter->mutex);
  g_cond_clear (&waiter->cond);
}

GopodWaiter *
gopod_waiter_new_async (GTask               *task,
                        GopodWaiterComplete  complete,
                        gpointer             complete_data)
{
  GopodWaiter *waiter = g_atomic_rc_box_alloc (sizeof (GopodWaiter));

  wait_waiter_init (waiter);
  waiter->async = TRUE;
  waiter->task = g_object_ref (task);
  waiter->complete = complete;
  waiter->complete_data = complete_data;

  return waiter;
}

GopodWaiter *
gopod_waiter_ref (GopodWaiter *waiter)
{
  g_assert (waiter->async);
  return g_atomic_rc_box_acquire (waiter);
}

void
gopod_waiter_unref (GopodWaiter *waiter)
{
  g_assert (waiter->async);
  g_atomic_rc_box_release_full (waiter, wait_waiter_free_async);
}

void
gopod_waiter_set_cancellable (GopodWaiter  *waiter,
                              GCancellable *cancellable,
                              gint          code)
{
  g_assert (waiter->cancellable == NULL);

  if (cancellable == NULL)
    return;
  /* A blocking waiter's cancellable belongs to its caller, who outlives the
   * wait; an async one must outlive the caller's stack frame. */
  waiter->cancellable = waiter->async ? g_object_ref (cancellable) : cancellable;
  waiter->cancel_code = code;
}

void
gopod_waiter_set_deadline (GopodWaiter *waiter,
                           gint64       deadline,
                           gint         code)
{
  waiter->deadline = deadline;
  waiter->deadline_code = code;
}

void
gopod_waiter_add_cancellable (GopodWaiter  *waiter,
                              GCancellable *cancellable,
                              gint          code)
{
  GopodWaitCancel *cancel;

  waiter->more_cancels = g_renew (GopodWaitCancel, waiter->more_cancels,
                                  waiter->n_more_cancels + 1);
  cancel = &waiter->more_cancels[waiter->n_more_cancels++];
  cancel->cancellable = waiter->async ? g_object_ref (cancellable) : cancellable;
  cancel->code = code;
  cancel->handler = 0;
  cancel->source = NULL;
}

/* The code a cancellable fires the waiter with: its own first. */
static gint
wait_cancel_code (GopodWaiter  *waiter,
                  GCancellable *cancellable)
{
  guint i;

  if (cancellable == waiter->cancellable)
    return waiter->cancel_code;
  for (i = 0; i < waiter->n_more_cancels; i++)
    if (waiter->more_cancels[i].cancellable == cancellable)
      return waiter->more_cancels[i].code;
  g_assert_not_reached ();
}

void
gopod_waiter_set_home (GopodWaiter         *waiter,
                       const GopodWaitHome *home,
                       gboolean           (*needs_home) (gpointer data),
                       gpointer             data)
{
  g_assert (!waiter->async);
  waiter->home = home;
  waiter->needs_home = needs_home;
  waiter->needs_home_data = data;
}

static void
wait_waiter_set_links (GopodWaiter   *waiter,
                       GopodWaitLink *more,
                       guint          n)
{
  guint i;

  g_assert (n >= 1 && waiter->more_links == NULL);
  waiter->n_more_links = n - 1;
  waiter->more_links = more;
  for (i = 0; i < n - 1; i++)
    {
      memset (&more[i], 0, sizeof more[i]);
      more[i].waiter = waiter;
    }
}

void
gopod_waiter_set_n_links (GopodWaiter *waiter,
                          guint        n)
{
  wait_waiter_set_links (waiter, n > 1 ? g_new (GopodWaitLink, n - 1) : NULL, n);
}

void
gopod_waiter_set_links (GopodWaiter   *waiter,
                        GopodWaitLink *more,
                        guint          n)
{
  g_assert (!waiter->async);
  wait_waiter_set_links (waiter, n > 1 ? more : NULL, n);
  waiter->borrowed_links = TRUE;
}

GopodWaitLink *
gopod_waiter_get_link (GopodWaiter *waiter,
                       guint        i)
{
  g_assert (i <= waiter->n_more_links);
  return i == 0 ? &waiter->link : &waiter->more_links[i - 1];
}

gboolean
gopod_waiter_try_fire (GopodWaiter *waiter,
                       gint         code)
{
  if (!g_atomic_int_compare_and_exchange (&waiter->state, WAIT_WAITING, WAIT_FIRED))
    return FALSE;
  /* Read only by whoever the wake-up reaches, which it orders after this. */
  waiter->code = code;
  return TRUE;
}

gboolean
gopod_waiter_has_fired (GopodWaiter *waiter)
{
  return g_atomic_int_get (&waiter->state) == WAIT_FIRED;
}

/* --- async waiters: sources on the task's context --- */

static gboolean
wait_async_trigger (GopodWaiter *waiter,
                    gint         code)
{
  if (gopod_waiter_try_fire (waiter, code))
    gopod_waiter_wake (waiter);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_async_timed_out (gpointer data)
{
  GopodWaiter *waiter = data;

  return wait_async_trigger (waiter, waiter->deadline_code);
}

static GSource *
wait_async_attach (GopodWaiter *waiter,
                   GSource     *source,
                   const char  *name,
                   GSourceFunc  func)
{
  g_source_set_static_name (source, name);
  g_source_set_callback (source, func, gopod_waiter_ref (waiter),
                         (GDestroyNotify) gopod_waiter_unref);
  g_source_attach (source, g_task_get_context (waiter->task));
  return source;
}

/*
 * An async waiter watches a cancellable with a source of its own on the
 * task's context, which the cancellable's "cancelled" handler makes ready,
 * not with GLib's GCancellableSource: that one's handler, run by the thread
 * that cancels, holds the source but not its context, and then locks that
 * context. If the waiter meanwhile fires another way, its task ends and
 * the task's context is freed (a thread's own context goes with its last
 * task), that thread locks freed memory: a corrupt heap, or a hang (the
 * channel stress run found both). This handler's data holds the context
 * too, and GSignal keeps a handler's data until a run of it in another
 * thread is over, even once the handler is disconnected.
 */
typedef struct
{
  GSource       source;
  GCancellable *cancellable;  /* a reference */
  gulong        handler;      /* 0 once disconnected, or if it ran at once */
  gint          code;         /* what the waiter fires with */
} WaitCancelSource;

typedef struct
{
  GSource      *source;   /* a reference */
  GMainContext *context;  /* a reference: the source's */
} WaitCancelWatch;

static gboolean
wait_cancel_source_dispatch (GSource     *source,
                             GSourceFunc  callback,
                             gpointer     user_data)
{
  gboolean (*trigger) (GopodWaiter *, gint) = (gpointer) callback;

  return trigger (user_data, ((WaitCancelSource *) source)->code);
}

static void
wait_cancel_source_finalize (GSource *source)
{
  g_clear_object (&((WaitCancelSource *) source)->cancellable);
}

static GSourceFuncs wait_cancel_source_funcs = {
  .dispatch = wait_cancel_source_dispatch,
  .finalize = wait_cancel_source_finalize,
};

/* In the thread that cancels. */
static void
wait_cancel_watch_cancelled (GCancellable *cancellable,
                             gpointer      data)
{
  WaitCancelWatch *watch = data;

  g_source_set_ready_time (watch->source, 0);
}

static void
wait_cancel_watch_free (gpointer data)
{
  WaitCancelWatch *watch = data;

  g_source_unref (watch->source);
  g_main_context_unref (watch->context);
  g_free (watch);
}

/* Called with the first owner's lock held, once the waiter is linked: a
 * trigger that fires from now on finds it in a list, and one attached after
 * it was fired and completed would hold it forever. */
static GSource *
wait_async_attach_cancel (GopodWaiter  *waiter,
                          GCancellable *cancellable)
{
  GSource *source = g_source_new (&wait_cancel_source_funcs, sizeof (WaitCancelSource));
  WaitCancelSource *cancel = (WaitCancelSource *) source;
  WaitCancelWatch *watch = g_new (WaitCancelWatch, 1);

  cancel->cancellable = g_object_ref (cancellable);
  cancel->code = wait_cancel_code (waiter, cancellable);
  wait_async_attach (waiter, source, "[pod-glib] wait cancelled",
                     G_SOURCE_FUNC (wait_async_trigger));
  watch->source = g_source_ref (source);
  watch->context = g_main_context_ref (g_source_get_context (source));
  /* Runs the handler at once if already cancelled. */
  cancel->handler = g_cancellable_connect (cancellable, G_CALLBACK (wait_cancel_watch_cancelled),
                                           watch, wait_cancel_watch_free);
  return source;
}

static void
wait_async_arm (GopodWaiter *waiter)
{
  gint64 delay_ms;
  guint i;

  g_mutex_lock (&waiter->mutex);
  if (!waiter->armed && !gopod_waiter_has_fired (waiter))
    {
      waiter->armed = TRUE;
      if (waiter->cancellable != NULL)
        waiter->cancel_source = wait_async_attach_cancel (waiter, waiter->cancellable);
      for (i = 0; i < waiter->n_more_cancels; i++)
        waiter->more_cancels[i].source =
          wait_async_attach_cancel (waiter, waiter->more_cancels[i].cancellable);
      if (waiter->deadline >= 0)
        {
          delay_ms = (waiter->deadline - g_get_monotonic_time () + 999) / 1000;
          waiter->timeout_source =
            wait_async_attach (waiter, g_timeout_source_new ((guint) CLAMP (delay_ms, 0, G_MAXUINT)),
                               "[pod-glib] wait deadline", wait_async_timed_out);
        }
    }
  g_mutex_unlock (&waiter->mutex);
}

void
gopod_waiter_arm (GopodWaiter *waiter)
{
  g_assert (waiter->async);
  wait_async_arm (waiter);
}

static void
wait_source_drop (GSource *source)
{
  if (source == NULL)
    return;
  g_source_destroy (source);
  g_source_unref (source);
}

static void
wait_cancel_source_drop (GSource *source)
{
  WaitCancelSource *cancel = (WaitCancelSource *) source;

  if (source == NULL)
    return;
  /* Not g_cancellable_disconnect(), which waits for a run of the handler in
   * another thread, and for ever if a "cancelled" handler of this very
   * cancellable completes the waiter: this one's data outlives the run. */
  g_clear_signal_handler (&cancel->handler, cancel->cancellable);
  wait_source_drop (source);
}

static void
wait_async_disarm (GopodWaiter *waiter)
{
  GSource *sources[2];
  GPtrArray *more = NULL;
  guint i;

  g_mutex_lock (&waiter->mutex);
  sources[0] = g_steal_pointer (&waiter->cancel_source);
  sources[1] = g_steal_pointer (&waiter->timeout_source);
  if (waiter->n_more_cancels > 0)
    {
      more = g_ptr_array_new_with_free_func ((GDestroyNotify) wait_cancel_source_drop);
      for (i = 0; i < waiter->n_more_cancels; i++)
        if (waiter->more_cancels[i].source != NULL)
          g_ptr_array_add (more, g_steal_pointer (&waiter->more_cancels[i].source));
    }
  waiter->armed = TRUE;  /* never again */
  g_mutex_unlock (&waiter->mutex);

  wait_cancel_source_drop (sources[0]);
  wait_source_drop (sources[1]);
  if (more != NULL)
    g_ptr_array_unref (more);
}

static void
wait_async_complete (GopodWaiter *waiter)
{
  wait_async_disarm (waiter);
  gopod_waiter_unlink_all (waiter, NULL);
  waiter->complete (waiter, waiter->complete_data);
  /* The reference the lists held. */
  gopod_waiter_unref (waiter);
}

/*
 * Completions woken from inside completions on the same thread (W10). A
 * completion may do its owner's operation again (a channel's or a select's
 * waiter told to look again), and that operation wakes the next waiter,
 * whose completion runs inside this one, and so on: down a ring's worth of
 * waiters told of one value each, or for as long as an attempt keeps losing
 * its race, until the stack overflows. Past a few levels a wake waits in a
 * thread-local queue instead, which each level runs once its own
 * completion is over: the stack stays a few levels deep, and a level that
 * does not come back soon (a callback GTask calls at once that runs a
 * nested main loop) still has what it woke done by the level below it.
 */
#define WAIT_NESTED_MAX 8

static _Thread_local guint wait_nested;
static _Thread_local GQueue wait_deferred = G_QUEUE_INIT;

static void
wait_async_run_deferred (void)
{
  GopodWaiter *waiter;

  while ((waiter = g_queue_pop_head (&wait_deferred)) != NULL)
    wait_async_complete (waiter);
}

static void
wait_async_wake (GopodWaiter *waiter)
{
  if (wait_nested >= WAIT_NESTED_MAX)
    {
      g_queue_push_tail (&wait_deferred, waiter);
      return;
    }
  wait_nested++;
  wait_async_complete (waiter);
  wait_async_run_deferred ();
  wait_nested--;
}

/* --- blocking waiters --- */

void
gopod_waiter_wake (GopodWaiter *waiter)
{
  if (waiter->async)
    {
      wait_async_wake (waiter);
      return;
    }

  /* A waiter still spinning watches the word alone and returns as soon as
   * it sees it: no mutex, no futex call, and nothing of the waiter may be
   * touched after this exchange, for it may be gone. */
  if (g_atomic_int_compare_and_exchange (&waiter->wake, WAIT_WAKE_SPINNING, WAIT_WAKE_WOKEN))
    return;

  /* Parked: it looks at the word only under its mutex, so it stays until
   * this unlocks. */
  g_mutex_lock (&waiter->mutex);
  g_atomic_int_set (&waiter->wake, WAIT_WAKE_WOKEN);
  if (waiter->sleeping)
    g_cond_signal (&waiter->cond);
  if (waiter->running != NULL)
    g_main_context_wakeup (waiter->running);
  /* The waiting thread may free the waiter as soon as this unlocks. */
  g_mutex_unlock (&waiter->mutex);
}

static void
wait_blocking_cancelled (GCancellable *cancellable,
                         gpointer      data)
{
  GopodWaiter *waiter = data;

  if (gopod_waiter_try_fire (waiter, wait_cancel_code (waiter, cancellable)))
    gopod_waiter_wake (waiter);
}

static gboolean
wait_blocking_timed_out (gpointer data)
{
  GopodWaiter *waiter = data;

  if (gopod_waiter_try_fire (waiter, waiter->deadline_code))
    gopod_waiter_wake (waiter);
  return G_SOURCE_REMOVE;
}

/* Called with waiter->mutex held: whether to run the waiter's home context
 * instead of sleeping, and if so, owns it. */
static gboolean
wait_blocking_take_home_locked (GopodWaiter *waiter)
{
  GMainContext *context;

  if (waiter->home == NULL || !gopod_wait_home_is_caller (waiter->home))
    return FALSE;
  if (waiter->needs_home != NULL && !waiter->needs_home (waiter->needs_home_data))
    return FALSE;
  context = wait_home_context (waiter->home);
  /* Someone else runs it: they will run what is waited for. */
  if (!g_main_context_acquire (context))
    return FALSE;
  waiter->running = context;
  return TRUE;
}

static GSource *
wait_blocking_home_deadline (GopodWaiter *waiter)
{
  GSource *source;
  gint64 delay_ms;

  if (waiter->deadline < 0)
    return NULL;
  delay_ms = (waiter->deadline - g_get_monotonic_time () + 999) / 1000;
  source = g_timeout_source_new ((guint) CLAMP (delay_ms, 0, G_MAXUINT));
  g_source_set_static_name (source, "[pod-glib] wait deadline");
  g_source_set_callback (source, wait_blocking_timed_out, waiter, NULL);
  g_source_attach (source, waiter->running);
  return source;
}

/* Called with waiter->mutex held; returns with it held, woken or not. */
static void
wait_blocking_sleep_locked (GopodWaiter *waiter)
{
  gboolean signalled;

  waiter->sleeping = TRUE;
  if (waiter->deadline < 0 || waiter->fired_at_deadline)
    {
      g_cond_wait (&waiter->cond, &waiter->mutex);
      waiter->sleeping = FALSE;
      return;
    }
  signalled = g_cond_wait_until (&waiter->cond, &waiter->mutex, waiter->deadline);
  waiter->sleeping = FALSE;
  if (signalled || g_get_monotonic_time () < waiter->deadline)
    return;
  if (gopod_waiter_try_fire (waiter, waiter->deadline_code))
    g_atomic_int_set (&waiter->wake, WAIT_WAKE_WOKEN);
  else
    /* Fired by someone else: their wake-up is coming. The deadline stays,
     * for a condition wait that finds its condition false again and waits
     * once more (gopod_wait_until()) must time out then. */
    waiter->fired_at_deadline = TRUE;
}

/*
 * What a blocking waiter does before it parks, as Go's runtime does before
 * it sleeps on a futex: it spins, watching its wake word. The thread that
 * will wake it (the other end of a channel, a worker ending a job) is often
 * running on the other processor right now: a handoff then takes well
 * under a microsecond plus the other side's own operation, and a waker
 * that finds the waiter spinning wakes it with one compare-and-swap. A
 * parked waiter costs a futex wait and a wake, a context switch each way,
 * and the waker taking the waiter's mutex.
 *
 * When the other side is runnable on this very processor (the scheduler
 * likes to put a woken thread next to its waker), spinning only delays it:
 * after the first WAIT_SPIN_PURE_US the waiter yields every
 * WAIT_SPIN_BATCH pauses, which hands it the processor without a futex. The
 * bound is time, not a count (a pause's length differs tenfold between
 * processors): after WAIT_SPIN_US, about a dozen yields on an idle machine,
 * the waiter sleeps, so a long wait costs no more than that. Measured with
 * bench/bench-channel.c on 2 shared cores: see doc/performance.md.
 */
#define WAIT_SPIN_PURE_US 2
#define WAIT_SPIN_US      20
#define WAIT_SPIN_BATCH   16

guint
gopod_wait_n_processors (void)
{
  static gsize n_processors;

  if (g_once_init_enter (&n_processors))
    g_once_init_leave (&n_processors, g_get_num_processors ());
  return n_processors;
}

static gboolean
wait_blocking_woken (GopodWaiter *waiter)
{
  return g_atomic_int_get (&waiter->wake) == WAIT_WAKE_WOKEN;
}

/* GLib's mutex sleeps in the kernel at the first contention; two threads
 * that take a channel's lock for every value (a few dozen nanoseconds
 * each) collide often, and a futex wait and wake costs a hundred times the
 * critical section. A short spin on trylock first, bounded by a count of
 * pauses (about 2 µs on a processor whose pause is 40 ns), then the plain
 * lock. The pauses between two tries double up to WAIT_LOCK_BACKOFF_MAX:
 * each try writes the lock's line, which the holder then waits for to
 * unlock, so that four submitting threads trying at every pause held the
 * lock's owner up more than they waited for it (4 producers on 8 workers:
 * 15.7 M light jobs a second, 20.5 M with the back-off). */
#define WAIT_LOCK_SPINS 48
#define WAIT_LOCK_BACKOFF_MAX 16

/* When the spin did not outlast the holder, it was most likely preempted:
 * more threads want the processors than there are (four producers and
 * eight workers on two), and no spin outlasts a holder that does not run.
 * Sleeping in g_mutex_lock() then costs a futex wait and, since GMutex
 * stays contended until it is taken without a wait, a futex wake at every
 * unlock after it (about 3 µs each on a virtual machine). A few yields
 * first give the processor to whatever is runnable, the holder among them,
 * and leave the mutex uncontended; a holder that runs on and on (a long
 * hold is a bug of its own) still finds the waiter asleep in the end
 * (internals rule P2). */
#define WAIT_LOCK_YIELDS 16

void
gopod_wait_lock_spinning (GMutex *lock,
                          guint   spins)
{
  guint paused = 0, delay = 1;

  if (gopod_wait_n_processors () > 1)
    while (paused < spins)
      {
        if (g_mutex_trylock (lock))
          return;
        for (guint i = 0; i < delay; i++)
          gopod_wait_cpu_relax ();
        paused += delay;
        delay = MIN (delay * 2, WAIT_LOCK_BACKOFF_MAX);
      }
  for (guint i = 0; i < WAIT_LOCK_YIELDS; i++)
    {
      g_thread_yield ();
      if (g_mutex_trylock (lock))
        return;
    }
  g_mutex_lock (lock);
}

gboolean
gopod_wait_spin_until (gboolean (*ready) (gpointer data),
                       gpointer   data,
                       gint64     deadline)
{
  guint i;

  if (gopod_wait_n_processors () < 2)
    return FALSE;
  for (i = 1; !ready (data); i++)
    {
      gopod_wait_cpu_relax ();
      if (i % WAIT_SPIN_BATCH == 0 && g_get_monotonic_time () >= deadline)
        return FALSE;
    }
  return TRUE;
}

void
gopod_wait_lock (GMutex *lock)
{
  gopod_wait_lock_spinning (lock, WAIT_LOCK_SPINS);
}

/* Whether this thread's last wait that ended while spinning ended only
 * after a yield: the thread that woke it ran on this processor. The next
 * wait then yields from its first batch, instead of delaying that thread
 * by WAIT_SPIN_PURE_US each time. A wake that comes before the first
 * yield (the other side runs elsewhere again) turns it off. */
static _Thread_local gboolean wait_spin_yield_early;

/* TRUE when woken while spinning. */
static gboolean
wait_blocking_spin (GopodWaiter *waiter)
{
  gint64 pure = wait_spin_yield_early ? 0 : WAIT_SPIN_PURE_US;
  gboolean yielded = FALSE;
  gint64 start = 0;
  gint64 now;
  guint i;

  /* On one processor, spinning only delays the waker; and a wait that may
   * run its home context must look at it instead. */
  if (gopod_wait_n_processors () < 2 || waiter->home != NULL)
    return FALSE;
  for (i = 1;; i++)
    {
      if (wait_blocking_woken (waiter))
        {
          wait_spin_yield_early = yielded;
          return TRUE;
        }
      gopod_wait_cpu_relax ();
      /* The clock (a vDSO call) once a batch. */
      if (i % WAIT_SPIN_BATCH != 0)
        continue;
      now = g_get_monotonic_time ();
      if (start == 0)
        start = now;
      if (now - start >= WAIT_SPIN_US)
        return FALSE;
      if (now - start >= pure)
        {
          g_thread_yield ();
          yielded = TRUE;
        }
    }
}

/* Per thread, so that no lock or atomic is needed: only the thread that
 * set it calls it. */
static _Thread_local GopodWaitSleepHook wait_sleep_hook;
static _Thread_local gpointer wait_sleep_hook_data;

void
gopod_wait_set_sleep_hook (GopodWaitSleepHook hook,
                           gpointer           data)
{
  wait_sleep_hook = hook;
  wait_sleep_hook_data = data;
}

static void
wait_call_sleep_hook (void)
{
  if (G_UNLIKELY (wait_sleep_hook != NULL))
    wait_sleep_hook (wait_sleep_hook_data);
}

static GopodWaitTestHook wait_test_hook;
static gpointer wait_test_hook_data;

/* Set by a test while waiters run: atomic, data first. */
void
gopod_wait_set_test_hook (GopodWaitTestHook hook,
                          gpointer          data)
{
  if (hook != NULL)
    g_atomic_pointer_set (&wait_test_hook_data, data);
  g_atomic_pointer_set (&wait_test_hook, hook);
}

static void
wait_call_test_hook (GopodWaiter *waiter)
{
  GopodWaitTestHook hook = g_atomic_pointer_get (&wait_test_hook);

  if (G_UNLIKELY (hook != NULL) && waiter->home != NULL)
    hook (waiter->running, g_atomic_pointer_get (&wait_test_hook_data));
}

/* Parks @waiter until woken: sleeps in its condition, or runs its home
 * context. A waker that came first while it spun leaves the word WOKEN,
 * and the exchange below fails. */
static void
wait_blocking_park (GopodWaiter  *waiter,
                    GSource     **home_deadline)
{
  g_mutex_lock (&waiter->mutex);
  if (g_atomic_int_compare_and_exchange (&waiter->wake, WAIT_WAKE_SPINNING, WAIT_WAKE_PARKED))
    while (!wait_blocking_woken (waiter))
      {
        if (waiter->running == NULL && wait_blocking_take_home_locked (waiter))
          *home_deadline = wait_blocking_home_deadline (waiter);
        wait_call_test_hook (waiter);

        if (waiter->running != NULL)
          {
            g_mutex_unlock (&waiter->mutex);
            g_main_context_iteration (waiter->running, TRUE);
            g_mutex_lock (&waiter->mutex);
          }
        else
          wait_blocking_sleep_locked (waiter);
      }
  g_mutex_unlock (&waiter->mutex);
}

gint
gopod_waiter_block (GopodWaiter *waiter)
{
  GSource *home_deadline = NULL;
  gulong handler = 0;
  guint i;

  g_assert (!waiter->async);

  /* A blocking call from code a completion runs (a GTask callback called
   * at once) may wait for what a completion deferred on this thread does
   * (W10): that one may not wait for this one's end. */
  wait_async_run_deferred ();

  if (waiter->cancellable != NULL)
    handler = g_cancellable_connect (waiter->cancellable,
                                     G_CALLBACK (wait_blocking_cancelled), waiter, NULL);
  for (i = 0; i < waiter->n_more_cancels; i++)
    waiter->more_cancels[i].handler =
      g_cancellable_connect (waiter->more_cancels[i].cancellable,
                             G_CALLBACK (wait_blocking_cancelled), waiter, NULL);

  /* Woken while spinning, the waker has let go of the waiter already. */
  if (!wait_blocking_spin (waiter))
    {
      /* What this thread would hold up while it sleeps goes elsewhere
       * first (W9): a wake-up that comes meanwhile is not lost, the park
       * sees it. */
      wait_call_sleep_hook ();
      wait_blocking_park (waiter, &home_deadline);
    }

  if (home_deadline != NULL)
    {
      g_source_destroy (home_deadline);
      g_source_unref (home_deadline);
    }
  if (waiter->running != NULL)
    {
      g_main_context_release (waiter->running);
      waiter->running = NULL;
    }
  /* Waits for a handler running in another thread, which may still be
   * waking this waiter. */
  if (handler != 0)
    g_cancellable_disconnect (waiter->cancellable, handler);
  for (i = 0; i < waiter->n_more_cancels; i++)
    g_cancellable_disconnect (waiter->more_cancels[i].cancellable,
                              waiter->more_cancels[i].handler);

  return waiter->code;
}

/* A blocking waiter that was fired, woken and unlinked waits again. */
static void
wait_blocking_rearm (GopodWaiter *waiter)
{
  g_atomic_int_set (&waiter->state, WAIT_WAITING);
  g_atomic_int_set (&waiter->wake, WAIT_WAKE_SPINNING);
  waiter->fired_at_deadline = FALSE;
}

/* --- lists --- */

void
gopod_wait_list_init (GopodWaitList *list,
                      GMutex        *lock)
{
  list->lock = lock;
  g_queue_init (&list->links);
  list->n_links = 0;
}

static gboolean
wait_link_is_linked (GopodWaitLink *link)
{
  return link->node.data != NULL;
}

void
gopod_wait_list_push (GopodWaitList *list,
                      GopodWaitLink *link,
                      gint           code,
                      gpointer       data)
{
  g_assert (!wait_link_is_linked (link));

  /* Read without this lock by a waker sweeping a select's links. */
  g_atomic_pointer_set (&link->list, list);
  link->code = code;
  link->data = data;
  link->node.data = link;
  g_queue_push_tail_link (&list->links, &link->node);
  g_atomic_int_inc (&list->n_links);

  if (link->waiter->async)
    wait_async_arm (link->waiter);
}

void
gopod_wait_list_unlink (GopodWaitList *list,
                        GopodWaitLink *link)
{
  if (!wait_link_is_linked (link))
    return;
  g_assert (link->list == list);
  g_queue_unlink (&list->links, &link->node);
  link->node.data = NULL;
  g_atomic_int_add (&list->n_links, -1);
}

gboolean
gopod_wait_list_is_empty (GopodWaitList *list)
{
  return g_queue_is_empty (&list->links);
}

gboolean
gopod_wait_list_has_other (GopodWaitList *list,
                           GopodWaiter   *except)
{
  GList *node = list->links.head;

  while (node != NULL)
    {
      GopodWaitLink *link = node->data;

      node = node->next;
      if (gopod_waiter_has_fired (link->waiter))
        gopod_wait_list_unlink (list, link);
      else if (link->waiter != except)
        return TRUE;
    }

  return FALSE;
}

GopodWaitLink *
gopod_wait_list_peek (GopodWaitList *list)
{
  GList *node;

  while ((node = list->links.head) != NULL)
    {
      GopodWaitLink *link = node->data;

      if (!gopod_waiter_has_fired (link->waiter))
        return link;
      gopod_wait_list_unlink (list, link);
    }

  return NULL;
}

static gboolean
wait_list_fire_link (GopodWaitList *list,
                     GopodWaitLink *link,
                     GopodOutbox   *out)
{
  gopod_wait_list_unlink (list, link);
  if (!gopod_waiter_try_fire (link->waiter, link->code))
    return FALSE;
  gopod_outbox_wake (out, link->waiter);
  return TRUE;
}

GopodWaitLink *
gopod_wait_list_fire_first (GopodWaitList *list,
                            GopodOutbox   *out)
{
  GopodWaitLink *link;

  while ((link = gopod_wait_list_peek (list)) != NULL)
    if (wait_list_fire_link (list, link, out))
      return link;

  return NULL;
}

guint
gopod_wait_list_fire_all (GopodWaitList *list,
                          GopodOutbox   *out)
{
  guint n = 0;

  while (gopod_wait_list_fire_first (list, out) != NULL)
    n++;

  return n;
}

guint
gopod_wait_list_fire_ready (GopodWaitList *list,
                            gboolean       fifo,
                            GopodOutbox   *out)
{
  GList *node = list->links.head;
  guint n = 0;

  while (node != NULL)
    {
      GopodWaitLink *link = node->data;
      GopodWaiter *waiter = link->waiter;

      node = node->next;
      if (gopod_waiter_has_fired (waiter))
        {
          gopod_wait_list_unlink (list, link);
          continue;
        }
      if (waiter->ready != NULL && !waiter->ready (waiter->ready_data))
        {
          if (fifo)
            break;
          continue;
        }
      if (wait_list_fire_link (list, link, out))
        n++;
    }

  return n;
}

void
gopod_wait_list_kick (GopodWaitList *list)
{
  GList *node;

  for (node = list->links.head; node != NULL; node = node->next)
    {
      GopodWaiter *waiter = ((GopodWaitLink *) node->data)->waiter;

      if (waiter->async)
        continue;
      /* Alive: it unlinks itself under the list's lock, which we hold. It
       * looks again at every wake-up, and holds its mutex from looking to
       * sleeping, so a kick is never lost. */
      g_mutex_lock (&waiter->mutex);
      g_cond_signal (&waiter->cond);
      g_mutex_unlock (&waiter->mutex);
    }
}

/* Removes every link still in a list but the one whose code is @skip (a
 * case number, >= 0; a negative @skip skips none). */
static void
wait_waiter_unlink (GopodWaiter *waiter,
                    GMutex      *held,
                    gint         skip)
{
  guint i;

  for (i = 0; i <= waiter->n_more_links; i++)
    {
      GopodWaitLink *link = gopod_waiter_get_link (waiter, i);
      GopodWaitList *list = g_atomic_pointer_get (&link->list);
      GMutex *lock;

      /* Never pushed: link->list is set once, before the link is shared.
       * @skip is read only by the thread that pushed the links. */
      if (list == NULL || (skip >= 0 && link->code == skip))
        continue;
      lock = list->lock;
      if (lock != held)
        gopod_wait_lock (lock);
      gopod_wait_list_unlink (list, link);
      if (lock != held)
        g_mutex_unlock (lock);
    }
}

void
gopod_waiter_unlink_all (GopodWaiter *waiter,
                         GMutex      *held)
{
  wait_waiter_unlink (waiter, held, -1);
}

void
gopod_waiter_unlink_rest (GopodWaiter *waiter,
                          gint         code)
{
  /* The owner that fired the waiter through the link with @code took it
   * out of its list first (wait_list_fire_link()): no lock to take for it. */
  wait_waiter_unlink (waiter, NULL, code);
}

/* --- condition waits --- */

void
gopod_wait_set_error (gint     code,
                      GError **error)
{
  if (code == GOPOD_WAIT_CANCELLED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                         "Operation was cancelled");
  else if (code == GOPOD_WAIT_TIMEOUT)
    g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT,
                         "The wait timed out");
  else
    g_assert_not_reached ();
}

gboolean
gopod_wait_until (GopodWaitList          *list,
                  GopodWaitReady          ready,
                  gpointer                data,
                  const GopodWaitOptions *options,
                  GError                **error)
{
  GopodWaiter waiter;
  gint code;

  if (ready (data))
    return TRUE;

  gopod_waiter_init_blocking (&waiter);
  waiter.ready = ready;
  waiter.ready_data = data;
  if (options != NULL)
    {
      gopod_waiter_set_cancellable (&waiter, options->cancellable, GOPOD_WAIT_CANCELLED);
      gopod_waiter_set_deadline (&waiter, options->deadline, GOPOD_WAIT_TIMEOUT);
      gopod_waiter_set_home (&waiter, options->home, options->needs_home,
                             options->needs_home_data);
    }

  for (;;)
    {
      gopod_wait_list_push (list, &waiter.link, GOPOD_WAIT_FIRED, NULL);
      g_mutex_unlock (list->lock);
      code = gopod_waiter_block (&waiter);
      gopod_wait_lock (list->lock);
      gopod_wait_list_unlink (list, &waiter.link);
      /* Fired because it held, but another thread may have changed it since. */
      if (code < 0 || ready (data))
        break;
      wait_blocking_rearm (&waiter);
    }
  gopod_waiter_clear_blocking (&waiter);

  if (code < 0)
    {
      gopod_wait_set_error (code, error);
      return FALSE;
    }
  return TRUE;
}

static void
wait_condition_complete (GopodWaiter *waiter,
                         gpointer     user_data)
{
  GError *error = NULL;

  if (waiter->code < 0)
    {
      gopod_wait_set_error (waiter->code, &error);
      g_task_return_error (waiter->task, error);
    }
  else
    g_task_return_boolean (waiter->task, TRUE);
}

static void
wait_return_true (gpointer data)
{
  GTask *task = data;

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
gopod_wait_until_async (GopodWaitList *list,
                        GopodWaitReady ready,
                        gpointer       data,
                        GTask         *task,
                        GopodOutbox   *out)
{
  GopodWaiter *waiter;

  if (ready (data))
    {
      gopod_outbox_add (out, wait_return_true, g_object_ref (task));
      return;
    }

  waiter = gopod_waiter_new_async (task, wait_condition_complete, NULL);
  waiter->ready = ready;
  waiter->ready_data = data;
  gopod_waiter_set_cancellable (waiter, g_task_get_cancellable (task), GOPOD_WAIT_CANCELLED);
  gopod_wait_list_push (list, &waiter->link, GOPOD_WAIT_FIRED, NULL);
}

/* --- waits on oneself --- */

static GPrivate wait_serving = G_PRIVATE_INIT ((GDestroyNotify) g_ptr_array_unref);

void
gopod_wait_serving_push (gconstpointer owner)
{
  GPtrArray *serving = g_private_get (&wait_serving);

  if (serving == NULL)
    {
      serving = g_ptr_array_new ();
      g_private_set (&wait_serving, serving);
    }
  g_ptr_array_add (serving, (gpointer) owner);
}

void
gopod_wait_serving_pop (gconstpointer owner)
{
  GPtrArray *serving = g_private_get (&wait_serving);

  g_assert (serving != NULL && serving->len > 0);
  g_assert (g_ptr_array_index (serving, serving->len - 1) == owner);
  g_ptr_array_set_size (serving, serving->len - 1);
}

gboolean
gopod_wait_is_serving (gconstpointer owner)
{
  GPtrArray *serving = g_private_get (&wait_serving);

  return serving != NULL && g_ptr_array_find (serving, owner, NULL);
}
