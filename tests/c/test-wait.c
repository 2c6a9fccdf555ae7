/* test-wait.c: the waiting primitive, tested on its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* RTLD_NEXT, for the hook below. */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "gopod-outbox-private.h"
#include "gopod-wait-private.h"
#include "test-utils.h"

typedef struct
{
  GMutex         lock;
  GopodWaitList  list;
  gboolean       flag;    /* what condition waits wait for */
  gint           needs_home;  /* atomic */
  GMutex         look_lock;   /* a leaf, as a needs_home check must be */
  GCond          look_cond;
  guint          looks;       /* how often a waiter looked at needs_home */
} Owner;

static void
owner_init (Owner *owner)
{
  g_mutex_init (&owner->lock);
  gopod_wait_list_init (&owner->list, &owner->lock);
  owner->flag = FALSE;
  owner->needs_home = FALSE;
  g_mutex_init (&owner->look_lock);
  g_cond_init (&owner->look_cond);
  owner->looks = 0;
}

static void
owner_clear (Owner *owner)
{
  g_assert_true (gopod_wait_list_is_empty (&owner->list));
  g_mutex_clear (&owner->look_lock);
  g_cond_clear (&owner->look_cond);
  g_mutex_clear (&owner->lock);
}

static gboolean
owner_flag_is_set (gpointer data)
{
  Owner *owner = data;

  return owner->flag;
}

/* Sets the flag and fires the waiters for which it now holds, acting after
 * the lock as owners do. */
static void
owner_set_flag (Owner *owner)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  g_mutex_lock (&owner->lock);
  owner->flag = TRUE;
  gopod_wait_list_fire_ready (&owner->list, FALSE, &out);
  g_mutex_unlock (&owner->lock);
  gopod_outbox_flush (&out);
}

static void
owner_wait_linked (Owner *owner)
{
  gboolean linked = FALSE;

  while (!linked)
    {
      g_mutex_lock (&owner->lock);
      linked = !gopod_wait_list_is_empty (&owner->list);
      g_mutex_unlock (&owner->lock);
      if (!linked)
        g_thread_yield ();
    }
}

typedef struct
{
  Owner        *owner;
  GCancellable *cancellable;
  gint64        deadline;
  gboolean      result;
  GError       *error;
} Waiting;

static gpointer
waiting_thread (gpointer data)
{
  Waiting *w = data;
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;

  options.cancellable = w->cancellable;
  options.deadline = w->deadline;
  g_mutex_lock (&w->owner->lock);
  w->result = gopod_wait_until (&w->owner->list, owner_flag_is_set, w->owner,
                                &options, &w->error);
  g_mutex_unlock (&w->owner->lock);

  return NULL;
}

static GThread *
waiting_start (Waiting      *w,
               Owner        *owner,
               GCancellable *cancellable,
               gint64        deadline)
{
  w->owner = owner;
  w->cancellable = cancellable;
  w->deadline = deadline;
  w->error = NULL;
  return g_thread_new ("waiting", waiting_thread, w);
}

static void
test_wait_until_fired (void)
{
  Owner owner;
  Waiting w;
  GThread *thread;

  g_test_summary ("A blocking condition wait returns once its owner makes it true");
  owner_init (&owner);
  thread = waiting_start (&w, &owner, NULL, -1);
  owner_wait_linked (&owner);
  owner_set_flag (&owner);
  g_thread_join (thread);
  g_assert_no_error (w.error);
  g_assert_true (w.result);
  owner_clear (&owner);
}

static void
test_wait_until_ready_now (void)
{
  Owner owner;

  g_test_summary ("A condition that holds already does not link a waiter");
  owner_init (&owner);
  owner.flag = TRUE;
  g_mutex_lock (&owner.lock);
  g_assert_true (gopod_wait_until (&owner.list, owner_flag_is_set, &owner, NULL, NULL));
  g_assert_true (gopod_wait_list_is_empty (&owner.list));
  g_mutex_unlock (&owner.lock);
  owner_clear (&owner);
}

static void
test_wait_until_cancelled (void)
{
  GCancellable *cancellable = g_cancellable_new ();
  Owner owner;
  Waiting w;
  GThread *thread;

  g_test_summary ("Cancelling a blocking wait ends it with G_IO_ERROR_CANCELLED and unlinks it");
  owner_init (&owner);
  thread = waiting_start (&w, &owner, cancellable, -1);
  owner_wait_linked (&owner);
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (w.result);
  g_clear_error (&w.error);
  owner_clear (&owner);
  g_object_unref (cancellable);
}

static void
test_wait_until_cancelled_before (void)
{
  GCancellable *cancellable = g_cancellable_new ();
  Owner owner;
  Waiting w;

  g_test_summary ("A wait whose cancellable is cancelled already ends at once");
  owner_init (&owner);
  g_cancellable_cancel (cancellable);
  w.owner = &owner;
  w.cancellable = cancellable;
  w.deadline = -1;
  w.error = NULL;
  waiting_thread (&w);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (w.result);
  g_clear_error (&w.error);
  owner_clear (&owner);
  g_object_unref (cancellable);
}

static void
test_wait_until_deadline (void)
{
  Owner owner;
  Waiting w;
  GThread *thread;

  g_test_summary ("A wait whose deadline passes ends with GOPOD_ERROR_TIMEOUT and unlinks it");
  owner_init (&owner);
  thread = waiting_start (&w, &owner, NULL, g_get_monotonic_time () + 2000);
  g_thread_join (thread);
  g_assert_error (w.error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_assert_false (w.result);
  g_clear_error (&w.error);
  owner_clear (&owner);
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GError **error = user_data;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), error);

  g_assert_true (ok == (*error == NULL));
  g_object_set_data (G_OBJECT (result), "seen", GINT_TO_POINTER (1));
}

static gpointer
set_flag_thread (gpointer data)
{
  owner_set_flag (data);
  return NULL;
}

static void
test_wait_until_async (void)
{
  Owner owner;
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GError *error = (GError *) 1;
  GTask *task;
  GThread *thread;

  g_test_summary ("An async condition wait completes on its caller's context when another thread makes it true");
  owner_init (&owner);
  error = NULL;
  task = g_task_new (NULL, NULL, async_done, &error);
  g_mutex_lock (&owner.lock);
  gopod_wait_until_async (&owner.list, owner_flag_is_set, &owner, task, &out);
  g_mutex_unlock (&owner.lock);
  gopod_outbox_flush (&out);
  g_assert_false (g_task_get_completed (task));

  thread = g_thread_new ("set-flag", set_flag_thread, &owner);
  g_thread_join (thread);
  while (!g_task_get_completed (task))
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (error);
  g_object_unref (task);
  owner_clear (&owner);
}

static void
test_wait_until_async_cancelled (void)
{
  GCancellable *cancellable = g_cancellable_new ();
  Owner owner;
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GError *error = NULL;
  GTask *task;

  g_test_summary ("Cancelling an async wait returns G_IO_ERROR_CANCELLED and leaves the list empty");
  owner_init (&owner);
  task = g_task_new (NULL, cancellable, async_done, &error);
  g_mutex_lock (&owner.lock);
  gopod_wait_until_async (&owner.list, owner_flag_is_set, &owner, task, &out);
  g_mutex_unlock (&owner.lock);
  gopod_outbox_flush (&out);
  g_cancellable_cancel (cancellable);
  while (!g_task_get_completed (task))
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (task);
  owner_clear (&owner);
  g_object_unref (cancellable);
}

/* Two owners race to fire one waiter linked into both of their lists, as two
 * channels of a select do. */
typedef struct
{
  Owner    *owner;
  TestGate *start;
  gboolean  fired;
  gint      code;
} Firer;

static gpointer
firer_thread (gpointer data)
{
  Firer *f = data;
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GopodWaitLink *link;

  test_gate_pass (f->start);
  g_mutex_lock (&f->owner->lock);
  link = gopod_wait_list_fire_first (&f->owner->list, &out);
  f->fired = link != NULL;
  f->code = link != NULL ? link->code : -100;
  g_mutex_unlock (&f->owner->lock);
  gopod_outbox_flush (&out);

  return NULL;
}

static void
test_waiter_fires_once (void)
{
  guint round;

  g_test_summary ("A waiter linked into two lists is fired by exactly one of two racing owners");
  for (round = 0; round < 2000; round++)
    {
      Owner a, b;
      TestGate start;
      Firer fa = { &a, &start }, fb = { &b, &start };
      GopodWaiter waiter;
      GThread *ta, *tb;
      gint code;

      owner_init (&a);
      owner_init (&b);
      test_gate_init (&start);
      gopod_waiter_init_blocking (&waiter);
      gopod_waiter_set_n_links (&waiter, 2);
      g_mutex_lock (&a.lock);
      gopod_wait_list_push (&a.list, gopod_waiter_get_link (&waiter, 0), 0, NULL);
      g_mutex_unlock (&a.lock);
      g_mutex_lock (&b.lock);
      gopod_wait_list_push (&b.list, gopod_waiter_get_link (&waiter, 1), 1, NULL);
      g_mutex_unlock (&b.lock);

      ta = g_thread_new ("a", firer_thread, &fa);
      tb = g_thread_new ("b", firer_thread, &fb);
      test_gate_wait_for_waiters (&start, 2);
      test_gate_open (&start);
      code = gopod_waiter_block (&waiter);
      g_thread_join (ta);
      g_thread_join (tb);
      gopod_waiter_unlink_all (&waiter, NULL);

      g_assert_true (fa.fired != fb.fired);
      g_assert_cmpint (code, ==, fa.fired ? 0 : 1);
      g_assert_cmpint (code, ==, fa.fired ? fa.code : fb.code);
      gopod_waiter_clear_blocking (&waiter);
      test_gate_clear (&start);
      owner_clear (&a);
      owner_clear (&b);
    }
}

static gboolean
bool_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static guint
owner_fire_ready (Owner    *owner,
                  gboolean  fifo)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  guint n;

  g_mutex_lock (&owner->lock);
  n = gopod_wait_list_fire_ready (&owner->list, fifo, &out);
  g_mutex_unlock (&owner->lock);
  gopod_outbox_flush (&out);

  return n;
}

static void
test_fire_ready (void)
{
  Owner owner;
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gboolean ready[3] = { FALSE, FALSE, FALSE };
  GTask *tasks[3];
  GError *errors[3] = { NULL, NULL, NULL };
  guint i;

  g_test_summary ("Only waiters whose condition holds are fired; in FIFO order, firing stops "
                  "at the first that is not ready");
  owner_init (&owner);
  g_mutex_lock (&owner.lock);
  for (i = 0; i < 3; i++)
    {
      tasks[i] = g_task_new (NULL, NULL, async_done, &errors[i]);
      gopod_wait_until_async (&owner.list, bool_is_set, &ready[i], tasks[i], &out);
    }
  g_mutex_unlock (&owner.lock);
  gopod_outbox_flush (&out);

  ready[1] = TRUE;
  g_assert_cmpuint (owner_fire_ready (&owner, TRUE), ==, 0);
  ready[0] = TRUE;
  g_assert_cmpuint (owner_fire_ready (&owner, TRUE), ==, 2);
  g_assert_cmpuint (owner_fire_ready (&owner, FALSE), ==, 0);
  ready[2] = TRUE;
  g_assert_cmpuint (owner_fire_ready (&owner, FALSE), ==, 1);

  for (i = 0; i < 3; i++)
    {
      while (!g_task_get_completed (tasks[i]))
        g_main_context_iteration (NULL, TRUE);
      g_assert_no_error (errors[i]);
      g_object_unref (tasks[i]);
    }
  owner_clear (&owner);
}

/* --- home contexts --- */

static gboolean
owner_needs_home (gpointer data)
{
  Owner *owner = data;

  g_mutex_lock (&owner->look_lock);
  owner->looks++;
  g_cond_broadcast (&owner->look_cond);
  g_mutex_unlock (&owner->look_lock);

  return g_atomic_int_get (&owner->needs_home);
}

static gboolean
set_flag_idle (gpointer data)
{
  owner_set_flag (data);
  return G_SOURCE_REMOVE;
}

static gpointer
kick_thread (gpointer data)
{
  Owner *owner = data;

  /* The waiter looked once and found nothing to run: now there is. */
  g_mutex_lock (&owner->look_lock);
  while (owner->looks == 0)
    g_cond_wait (&owner->look_cond, &owner->look_lock);
  g_mutex_unlock (&owner->look_lock);
  g_idle_add (set_flag_idle, owner);
  g_atomic_int_set (&owner->needs_home, TRUE);
  g_mutex_lock (&owner->lock);
  gopod_wait_list_kick (&owner->list);
  g_mutex_unlock (&owner->lock);

  return NULL;
}

static void
test_wait_runs_home_when_kicked (void)
{
  GopodWaitHome home;
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;
  Owner owner;
  GThread *thread;
  gboolean ok;

  g_test_summary ("A blocking wait on its home thread decides again, when kicked, to run its context, "
                  "so work queued there after the wait began still runs without a main loop");
  owner_init (&owner);
  gopod_wait_home_init (&home);
  options.home = &home;
  options.needs_home = owner_needs_home;
  options.needs_home_data = &owner;

  thread = g_thread_new ("kick", kick_thread, &owner);
  g_mutex_lock (&owner.lock);
  ok = gopod_wait_until (&owner.list, owner_flag_is_set, &owner, &options, NULL);
  g_mutex_unlock (&owner.lock);
  g_thread_join (thread);
  g_assert_true (ok);
  gopod_wait_home_clear (&home);
  owner_clear (&owner);
}

static gpointer
home_is_caller_thread (gpointer data)
{
  return GINT_TO_POINTER (gopod_wait_home_is_caller (data));
}

static void
test_home_belongs_to_its_thread (void)
{
  GopodWaitHome home;
  GMainContext *pushed = g_main_context_new ();
  GThread *thread;

  g_test_summary ("A home context is the caller's only on the thread it was recorded on");
  gopod_wait_home_init (&home);
  g_assert_true (gopod_wait_home_is_caller (&home));
  g_assert_null (home.context);
  thread = g_thread_new ("other", home_is_caller_thread, &home);
  g_assert_false (GPOINTER_TO_INT (g_thread_join (thread)));
  gopod_wait_home_clear (&home);

  g_main_context_push_thread_default (pushed);
  gopod_wait_home_init (&home);
  g_assert_true (home.context == pushed);
  g_main_context_pop_thread_default (pushed);
  gopod_wait_home_clear (&home);
  g_main_context_unref (pushed);
}

static void
test_home_copy (void)
{
  GopodWaitHome home, copy;
  GMainContext *pushed = g_main_context_new ();
  GThread *thread;

  g_test_summary ("A copied home is the same thread's and holds its own reference to the context");
  g_main_context_push_thread_default (pushed);
  gopod_wait_home_init (&home);
  g_main_context_pop_thread_default (pushed);
  gopod_wait_home_copy (&copy, &home);
  gopod_wait_home_clear (&home);
  g_main_context_unref (pushed);
  /* The copy's reference keeps the context alive. */
  g_assert_true (copy.context == pushed);
  g_assert_true (g_main_context_acquire (copy.context));
  g_main_context_release (copy.context);
  g_assert_true (gopod_wait_home_is_caller (&copy));
  thread = g_thread_new ("other", home_is_caller_thread, &copy);
  g_assert_false (GPOINTER_TO_INT (g_thread_join (thread)));
  gopod_wait_home_clear (&copy);

  gopod_wait_home_init (&home);
  gopod_wait_home_copy (&copy, &home);
  g_assert_null (copy.context);
  gopod_wait_home_clear (&copy);
  gopod_wait_home_clear (&home);
}

static void
test_serving (void)
{
  int a, b;

  g_test_summary ("A thread knows which owners it is serving, innermost last");
  g_assert_false (gopod_wait_is_serving (&a));
  gopod_wait_serving_push (&a);
  gopod_wait_serving_push (&b);
  g_assert_true (gopod_wait_is_serving (&a));
  g_assert_true (gopod_wait_is_serving (&b));
  gopod_wait_serving_pop (&b);
  g_assert_false (gopod_wait_is_serving (&b));
  gopod_wait_serving_pop (&a);
  g_assert_false (gopod_wait_is_serving (&a));
}

static void
outbox_count (gpointer data)
{
  (*(guint *) data)++;
}

static void
test_outbox_order_and_overflow (void)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  guint counts[3 * GOPOD_OUTBOX_INLINE] = { 0 };
  guint i;

  g_test_summary ("An outbox runs every action once, past its inline room too, and can be reused");
  for (i = 0; i < G_N_ELEMENTS (counts); i++)
    gopod_outbox_add (&out, outbox_count, &counts[i]);
  gopod_outbox_flush (&out);
  gopod_outbox_flush (&out);
  for (i = 0; i < G_N_ELEMENTS (counts); i++)
    g_assert_cmpuint (counts[i], ==, 1);
}

/* --- further cancellables, arming, has_other (what a select needs) --- */

static gpointer
cancel_later (gpointer data)
{
  GCancellable *cancellable = data;

  test_wait_until_watched (cancellable);
  g_cancellable_cancel (cancellable);
  return NULL;
}

static void
test_further_cancellables_blocking (void)
{
  g_autoptr(GCancellable) own = g_cancellable_new ();
  g_autoptr(GCancellable) first = g_cancellable_new ();
  g_autoptr(GCancellable) second = g_cancellable_new ();
  GopodWaiter waiter;
  GThread *thread;

  g_test_summary ("Each further cancellable fires a blocking waiter with its own code");

  gopod_waiter_init_blocking (&waiter);
  gopod_waiter_set_cancellable (&waiter, own, GOPOD_WAIT_CANCELLED);
  gopod_waiter_add_cancellable (&waiter, first, 3);
  gopod_waiter_add_cancellable (&waiter, second, 5);
  thread = g_thread_new ("cancel", cancel_later, second);
  g_assert_cmpint (gopod_waiter_block (&waiter), ==, 5);
  g_thread_join (thread);
  /* Unwatched once the wait is over. */
  g_assert_false (g_signal_has_handler_pending (first, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE), 0, FALSE));
  gopod_waiter_clear_blocking (&waiter);
}

static void
store_code (GopodWaiter *waiter,
            gpointer     user_data)
{
  *(gint *) user_data = waiter->code;
}

static void
test_further_cancellables_async (void)
{
  g_autoptr(GCancellable) first = g_cancellable_new ();
  g_autoptr(GCancellable) second = g_cancellable_new ();
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);
  GopodWaiter *waiter;
  gint code = 100;

  g_test_summary ("An async waiter linked nowhere, once armed, fires by a further cancellable");

  waiter = gopod_waiter_new_async (task, store_code, &code);
  gopod_waiter_add_cancellable (waiter, first, 3);
  gopod_waiter_add_cancellable (waiter, second, 5);
  gopod_waiter_arm (waiter);
  g_cancellable_cancel (first);
  while (code == 100)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (code, ==, 3);
  /* Its sources are gone with it: cancelling the other one does nothing. */
  g_cancellable_cancel (second);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (code, ==, 3);
  g_task_return_boolean (task, TRUE);
}

/*
 * The thread that cancels a wait runs a "cancelled" handler that makes a
 * source ready on the task's context. This definition comes before GLib's
 * in the lookup order (the program's own symbols first), so once armed it
 * stops that thread in there, as a preempted thread would be stopped, while
 * the test ends the wait another way, its task and its context.
 */
static struct
{
  void     (*glib) (GSource *source,
                    gint64   ready_time);
  gint       armed;  /* atomic */
  TestGate   gate;
} ready_hook;

void
g_source_set_ready_time (GSource *source,
                         gint64   ready_time)
{
  if (ready_time == 0 &&
      g_strcmp0 (g_source_get_name (source), "[pod-glib] wait cancelled") == 0 &&
      g_atomic_int_compare_and_exchange (&ready_hook.armed, TRUE, FALSE))
    test_gate_pass (&ready_hook.gate);
  ready_hook.glib (source, ready_time);
}

/* A source that says when its context is freed (which drops its sources). */
typedef struct
{
  GSource   source;
  gboolean *freed;
} ContextEnd;

static void
context_end_finalize (GSource *source)
{
  *((ContextEnd *) source)->freed = TRUE;
}

static GSourceFuncs context_end_funcs = { .finalize = context_end_finalize };

static void
context_end_watch (GMainContext *context,
                   gboolean     *freed)
{
  GSource *source = g_source_new (&context_end_funcs, sizeof (ContextEnd));

  ((ContextEnd *) source)->freed = freed;
  g_source_attach (source, context);
  g_source_unref (source);
}

static void
test_async_cancelled_as_context_goes (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gboolean context_freed = FALSE;
  GError *error = NULL;
  TestCaller caller;
  GThread *thread;
  Owner owner;
  GTask *task;

  g_test_summary ("While the thread that cancels an async wait makes its source ready, the wait "
                  "ending another way, its task ending and its caller dropping its context leave "
                  "that context alive for that thread");
  owner_init (&owner);
  test_caller_push (&caller);
  context_end_watch (caller.context, &context_freed);
  task = g_task_new (NULL, cancellable, async_done, &error);
  /* It ends by its owner: GTask would report the cancel that came too late. */
  g_task_set_check_cancellable (task, FALSE);
  g_mutex_lock (&owner.lock);
  gopod_wait_until_async (&owner.list, owner_flag_is_set, &owner, task, &out);
  g_mutex_unlock (&owner.lock);
  gopod_outbox_flush (&out);

  test_gate_init (&ready_hook.gate);
  g_atomic_int_set (&ready_hook.armed, TRUE);
  thread = g_thread_new ("cancel", cancel_later, cancellable);
  test_gate_wait_for_waiters (&ready_hook.gate, 1);

  owner_set_flag (&owner);
  while (!g_task_get_completed (task))
    g_main_context_iteration (caller.context, TRUE);
  g_assert_no_error (error);
  g_object_unref (task);
  test_caller_pop (&caller);
  g_assert_false (context_freed);

  test_gate_open (&ready_hook.gate);
  g_thread_join (thread);
  /* Freed once that thread let go of it. */
  g_assert_true (context_freed);
  test_gate_clear (&ready_hook.gate);
  owner_clear (&owner);
}

static void
test_has_other (void)
{
  Owner owner;
  GopodWaiter mine, other;
  GopodOutbox out = GOPOD_OUTBOX_INIT;

  g_test_summary ("has_other sees waiters other than the given one, and not fired ones");

  owner_init (&owner);
  gopod_waiter_init_blocking (&mine);
  gopod_waiter_init_blocking (&other);
  g_mutex_lock (&owner.lock);
  g_assert_false (gopod_wait_list_has_other (&owner.list, &mine));
  gopod_wait_list_push (&owner.list, &mine.link, 0, NULL);
  g_assert_false (gopod_wait_list_has_other (&owner.list, &mine));
  g_assert_true (gopod_wait_list_has_other (&owner.list, &other));
  gopod_wait_list_push (&owner.list, &other.link, 0, NULL);
  g_assert_true (gopod_wait_list_has_other (&owner.list, &mine));
  g_assert_true (gopod_waiter_try_fire (&other, 0));
  g_assert_false (gopod_wait_list_has_other (&owner.list, &mine));
  gopod_wait_list_unlink (&owner.list, &mine.link);
  g_mutex_unlock (&owner.lock);
  gopod_outbox_wake (&out, &other);
  gopod_outbox_flush (&out);
  g_assert_cmpint (gopod_waiter_block (&other), ==, 0);
  gopod_waiter_clear_blocking (&mine);
  gopod_waiter_clear_blocking (&other);
  owner_clear (&owner);
}

/* --- a deadline that passed while the waiter was being fired --- */

typedef struct
{
  Owner        *owner;
  GopodWaitHome home;        /* another thread's: only makes the hook run */
  gint64        deadline;
  gint          late_looks;  /* atomic: looks after the deadline */
  gint          fired;       /* atomic: the owner fired the waiter */
  gint          done;        /* atomic */
  gboolean      result;
  GError       *error;
} LateWait;

/* Under the waiter's mutex, at each turn of its park loop. The first turn
 * waits for the owner's fire: the deadline may pass while this thread is
 * held there (a loaded machine may stall the test's thread for longer than
 * it), but the wait cannot time out and unlink before it was fired, which
 * left the test looking for its link for ever. */
static void
late_wait_hook (GMainContext *running,
                gpointer      data)
{
  LateWait *lw = data;

  if (!test_poll_until (test_flag_is_set, &lw->fired, 10000))
    g_error ("the owner never fired the waiter");
  if (g_get_monotonic_time () >= lw->deadline)
    g_atomic_int_inc (&lw->late_looks);
}

static gpointer
late_wait_thread (gpointer data)
{
  LateWait *lw = data;
  GopodWaitOptions options = GOPOD_WAIT_OPTIONS_INIT;

  options.deadline = lw->deadline;
  options.home = &lw->home;
  g_mutex_lock (&lw->owner->lock);
  lw->result = gopod_wait_until (&lw->owner->list, owner_flag_is_set, lw->owner,
                                 &options, &lw->error);
  g_mutex_unlock (&lw->owner->lock);
  g_atomic_int_set (&lw->done, TRUE);

  return NULL;
}

static gboolean
late_wait_timed_out (gpointer data)
{
  LateWait *lw = data;

  /* A turn after the deadline: the timed sleep that began before it
   * returned and tried to fire the waiter, which the owner had fired. */
  return g_atomic_int_get (&lw->late_looks) >= 1;
}

static void
test_wait_until_deadline_after_lost_fire (void)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  LateWait lw = { 0, };
  Owner owner;
  GThread *thread;
  gboolean done;

  g_test_summary ("A condition wait fired just as its deadline passed, that finds the condition "
                  "false again when it relocks, still times out instead of waiting for ever");
  owner_init (&owner);
  lw.owner = &owner;
  gopod_wait_home_init (&lw.home);
  lw.deadline = g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND;
  gopod_wait_set_test_hook (late_wait_hook, &lw);
  thread = g_thread_new ("late-wait", late_wait_thread, &lw);
  owner_wait_linked (&owner);

  /* The owner fires the waiter but has not woken it yet (its outbox is
   * not flushed), and someone takes the condition back meanwhile. */
  g_mutex_lock (&owner.lock);
  owner.flag = TRUE;
  g_assert_cmpuint (gopod_wait_list_fire_ready (&owner.list, FALSE, &out), ==, 1);
  owner.flag = FALSE;
  g_mutex_unlock (&owner.lock);
  g_atomic_int_set (&lw.fired, TRUE);

  /* The waiter's deadline passes while it waits for that wake-up. */
  g_assert_true (test_poll_until (late_wait_timed_out, &lw, 5000));
  gopod_outbox_flush (&out);

  /* Woken, it relocks, finds the condition false and waits again: its
   * deadline is long past, so that wait must time out at once. */
  done = test_poll_until (test_flag_is_set, &lw.done, 3000);
  gopod_wait_set_test_hook (NULL, NULL);
  if (!done)
    {
      /* Let it go, so the failure does not hang the run. */
      g_mutex_lock (&owner.lock);
      owner.flag = TRUE;
      g_mutex_unlock (&owner.lock);
      owner_set_flag (&owner);
      g_thread_join (thread);
      g_error ("the wait did not time out: its deadline was lost");
    }
  g_thread_join (thread);
  g_assert_false (lw.result);
  g_assert_error (lw.error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT);
  g_clear_error (&lw.error);
  gopod_wait_home_clear (&lw.home);
  owner_clear (&owner);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ready_hook.glib = dlsym (RTLD_NEXT, "g_source_set_ready_time");

  g_test_add_func ("/Gopod/Wait/until/fired", test_wait_until_fired);
  g_test_add_func ("/Gopod/Wait/until/ready-now", test_wait_until_ready_now);
  g_test_add_func ("/Gopod/Wait/until/cancelled", test_wait_until_cancelled);
  g_test_add_func ("/Gopod/Wait/until/cancelled-before", test_wait_until_cancelled_before);
  g_test_add_func ("/Gopod/Wait/until/deadline", test_wait_until_deadline);
  g_test_add_func ("/Gopod/Wait/until/async", test_wait_until_async);
  g_test_add_func ("/Gopod/Wait/until/async-cancelled", test_wait_until_async_cancelled);
  g_test_add_func ("/Gopod/Wait/waiter/fires-once", test_waiter_fires_once);
  g_test_add_func ("/Gopod/Wait/list/fire-ready", test_fire_ready);
  g_test_add_func ("/Gopod/Wait/home/runs-when-kicked", test_wait_runs_home_when_kicked);
  g_test_add_func ("/Gopod/Wait/home/belongs-to-its-thread", test_home_belongs_to_its_thread);
  g_test_add_func ("/Gopod/Wait/home/copy", test_home_copy);
  g_test_add_func ("/Gopod/Wait/serving", test_serving);
  g_test_add_func ("/Gopod/Wait/outbox", test_outbox_order_and_overflow);
  g_test_add_func ("/Gopod/Wait/cancellables/blocking", test_further_cancellables_blocking);
  g_test_add_func ("/Gopod/Wait/cancellables/async", test_further_cancellables_async);
  g_test_add_func ("/Gopod/Wait/cancellables/async-context-goes", test_async_cancelled_as_context_goes);
  g_test_add_func ("/Gopod/Wait/list/has-other", test_has_other);
  g_test_add_func ("/Gopod/Wait/until/deadline-after-lost-fire", test_wait_until_deadline_after_lost_fire);

  return g_test_run ();
}
