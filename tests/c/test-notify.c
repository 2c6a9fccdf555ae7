/* test-notify.c: GopodNotify, the private property-notification primitive
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-notify-private.h"
#include "test-utils.h"

/* A minimal object with two properties, notified through a GopodNotify the
 * way the classes do it. */

enum { PROP_0, PROP_A, PROP_B, N_PROPS };

static GParamSpec *thing_props[N_PROPS];

#define TEST_TYPE_THING (test_thing_get_type ())
G_DECLARE_FINAL_TYPE (TestThing, test_thing, TEST, THING, GObject)

struct _TestThing
{
  GObject     parent_instance;
  GopodNotify notify;
};

G_DEFINE_FINAL_TYPE (TestThing, test_thing, G_TYPE_OBJECT)

static void
test_thing_dispose (GObject *object)
{
  gopod_notify_clear (&TEST_THING (object)->notify);
  G_OBJECT_CLASS (test_thing_parent_class)->dispose (object);
}

static void
test_thing_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  g_value_set_int (value, 0);
}

static void
test_thing_class_init (TestThingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = test_thing_dispose;
  object_class->get_property = test_thing_get_property;
  thing_props[PROP_A] = g_param_spec_int ("a", NULL, NULL, 0, 1, 0,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  thing_props[PROP_B] = g_param_spec_int ("b", NULL, NULL, 0, 1, 0,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, thing_props);
}

static void
test_thing_init (TestThing *self)
{
  gopod_notify_init (&self->notify, G_OBJECT (self), thing_props, N_PROPS);
}

/* What the "notify" handler saw. */
typedef struct
{
  guint    n_a;
  guint    n_b;
  guint    total;
  GThread *thread;  /* where the last notification ran */
} Seen;

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    data)
{
  Seen *seen = data;

  if (pspec == thing_props[PROP_A])
    seen->n_a++;
  else if (pspec == thing_props[PROP_B])
    seen->n_b++;
  seen->total++;
  seen->thread = g_thread_self ();
}

static TestThing *
watched_thing_new (Seen *seen)
{
  TestThing *thing = g_object_new (TEST_TYPE_THING, NULL);

  g_signal_connect (thing, "notify", G_CALLBACK (on_notify), seen);
  return thing;
}

/* Runs every source that is ready on @context, without blocking. */
static void
drain (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

/* Nobody watches: nothing is queued and no source is made. */
static void
test_notify_unwatched (void)
{
  g_autoptr(TestThing) thing = g_object_new (TEST_TYPE_THING, NULL);

  g_assert_false (gopod_notify_is_watched (G_OBJECT (thing), thing_props[PROP_A]));
  gopod_notify_queue (&thing->notify, PROP_A);
  g_assert_null (thing->notify.source);
  g_assert_false (g_main_context_pending (NULL));
}

/* A handler of any property, or of all, counts as watching. */
static void
test_notify_is_watched (void)
{
  g_autoptr(TestThing) thing = g_object_new (TEST_TYPE_THING, NULL);
  Seen seen = { 0 };
  gulong id;

  id = g_signal_connect (thing, "notify::b", G_CALLBACK (on_notify), &seen);
  g_assert_true (gopod_notify_is_watched (G_OBJECT (thing), thing_props[PROP_A]));
  g_signal_handler_disconnect (thing, id);
  g_assert_false (gopod_notify_is_watched (G_OBJECT (thing), thing_props[PROP_A]));

  g_signal_connect (thing, "notify", G_CALLBACK (on_notify), &seen);
  g_assert_true (gopod_notify_is_watched (G_OBJECT (thing), thing_props[PROP_A]));
}

/* Changes made while the context does not run are coalesced: each property
 * is notified once, when the context runs, and not before. */
static void
test_notify_coalesced (void)
{
  Seen seen = { 0 };
  g_autoptr(TestThing) thing = watched_thing_new (&seen);

  for (guint i = 0; i < 5; i++)
    gopod_notify_queue (&thing->notify, PROP_A);
  gopod_notify_queue (&thing->notify, PROP_B);
  g_assert_cmpuint (seen.total, ==, 0);

  drain (NULL);
  g_assert_cmpuint (seen.n_a, ==, 1);
  g_assert_cmpuint (seen.n_b, ==, 1);
  g_assert_cmpuint (seen.total, ==, 2);

  /* The source re-arms: a later change is notified again. */
  gopod_notify_queue (&thing->notify, PROP_A);
  drain (NULL);
  g_assert_cmpuint (seen.n_a, ==, 2);
  g_assert_cmpuint (seen.total, ==, 3);
}

/* Also on the thread that owns the object's context, a change is notified
 * from the context, not inside the call that made it: a handler never runs
 * in the middle of a library call. */
static void
test_notify_owner_deferred (void)
{
  Seen seen = { 0 };
  g_autoptr(TestThing) thing = watched_thing_new (&seen);

  g_assert_true (g_main_context_acquire (NULL));
  gopod_notify_queue (&thing->notify, PROP_A);
  g_assert_cmpuint (seen.n_a, ==, 0);
  drain (NULL);
  g_assert_cmpuint (seen.n_a, ==, 1);
  g_main_context_release (NULL);
}

typedef struct
{
  TestThing *thing;
  guint      prop_id;
} QueueArgs;

static gpointer
queue_thread (gpointer data)
{
  QueueArgs *args = data;

  gopod_notify_queue (&args->thing->notify, args->prop_id);
  return NULL;
}

/* A change made on another thread is notified on the context that was
 * thread-default when the object was made, by whoever runs it; the global
 * default context is not woken. */
static void
test_notify_context_delivery (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Seen seen = { 0 };
  g_autoptr(TestThing) thing = NULL;
  QueueArgs args;

  g_main_context_push_thread_default (context);
  thing = watched_thing_new (&seen);
  g_main_context_pop_thread_default (context);

  args = (QueueArgs) { thing, PROP_B };
  g_thread_join (g_thread_new ("queue", queue_thread, &args));
  g_assert_cmpuint (seen.total, ==, 0);

  drain (NULL);
  g_assert_cmpuint (seen.total, ==, 0);

  drain (context);
  g_assert_cmpuint (seen.n_b, ==, 1);
  g_assert_cmpuint (seen.total, ==, 1);
  g_assert_true (seen.thread == g_thread_self ());
}

/* The deferred path always goes through the context, even from its owner,
 * and the mask form marks several properties in one go. */
static void
test_notify_deferred_mask (void)
{
  Seen seen = { 0 };
  g_autoptr(TestThing) thing = watched_thing_new (&seen);
  guint both = (1u << PROP_A) | (1u << PROP_B);

  gopod_notify_prepare (&thing->notify);
  g_assert_nonnull (thing->notify.pending);

  g_assert_true (g_main_context_acquire (NULL));
  gopod_notify_queue_deferred_mask (&thing->notify, both);
  gopod_notify_queue_deferred (&thing->notify, PROP_A);
  g_assert_cmpuint (seen.total, ==, 0);
  g_assert_cmpuint ((guint) g_atomic_int_get (thing->notify.pending), ==, both);
  g_main_context_release (NULL);

  drain (NULL);
  g_assert_cmpuint (seen.n_a, ==, 1);
  g_assert_cmpuint (seen.n_b, ==, 1);
  g_assert_cmpuint ((guint) g_atomic_int_get (thing->notify.pending), ==, 0);
}

/* State that outlives its object may still mark changes: once the object is
 * gone the source drops them instead of touching freed memory. */
static void
test_notify_object_gone (void)
{
  Seen seen = { 0 };
  TestThing *thing = watched_thing_new (&seen);
  GopodNotify *notify = g_new0 (GopodNotify, 1);

  gopod_notify_init (notify, G_OBJECT (thing), thing_props, N_PROPS);
  gopod_notify_prepare (notify);
  gopod_notify_queue_deferred (notify, PROP_A);
  g_object_unref (thing);

  drain (NULL);
  g_assert_cmpuint (seen.total, ==, 0);

  gopod_notify_clear (notify);
  g_assert_null (notify->source);
  g_free (notify);
}

/* Two threads that notify a watched object for the first time at once both
 * make its source; one is kept, attached before any thread could mark it
 * pending (ThreadSanitizer saw a mark read the source's context while the
 * other thread was still attaching it), the other destroyed: each
 * notification arrives once. */
typedef struct
{
  TestThing *thing;
  int       *ready;  /* threads at the start line */
  guint      prop_id;
} FirstUse;

static gpointer
first_use_notify (gpointer data)
{
  FirstUse *use = data;

  /* Both leave the start line together, as near as two threads can. */
  g_atomic_int_inc (use->ready);
  while (g_atomic_int_get (use->ready) < 2)
    ;
  gopod_notify_queue_watched (&use->thing->notify, use->prop_id);
  return NULL;
}

static void
test_notify_first_use_race (void)
{
  Seen warm = { 0 };
  g_autoptr(TestThing) first = watched_thing_new (&warm);

  /* GLib makes the lock of its weak references on first use, with a race
   * of its own that ThreadSanitizer reports: made here, before the threads. */
  gopod_notify_queue_watched (&first->notify, PROP_A);
  drain (NULL);
  for (int round = 0; round < 200; round++)
    {
      Seen seen = { 0 };
      g_autoptr(TestThing) thing = watched_thing_new (&seen);
      int ready = 0;
      FirstUse a = { thing, &ready, PROP_A }, b = { thing, &ready, PROP_B };
      GThread *ta, *tb;

      ta = g_thread_new ("first-use-a", first_use_notify, &a);
      tb = g_thread_new ("first-use-b", first_use_notify, &b);
      g_thread_join (ta);
      g_thread_join (tb);
      drain (NULL);
      g_assert_cmpuint (seen.n_a, ==, 1);
      g_assert_cmpuint (seen.n_b, ==, 1);
    }
}

/* After dispose (which GObject allows to run early, g_object_run_dispose(),
 * and more than once), an object must still answer its methods without a
 * memory violation: a channel's change marks a source that dispose freed. */
static void
test_notify_channel_after_dispose (void)
{
  if (g_test_subprocess ())
    {
      GopodChannel *channel = gopod_channel_new (G_TYPE_INT, 4);
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, 1);
      g_object_run_dispose (G_OBJECT (channel));
      /* Succeeds or fails, but does not crash. */
      (void) gopod_channel_try_send (channel, &value, NULL);
      g_object_unref (channel);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A job disposed early is watched again: its notifications still belong to
 * its own context (rule 5), never the global default one. */
static void
on_job_notify (GObject    *object,
               GParamSpec *pspec,
               gpointer    data)
{
  (*(guint *) data)++;
}

static void
test_notify_job_after_dispose_context (void)
{
  GMainContext *context = g_main_context_new ();
  GopodJob *job;
  guint seen = 0;

  g_main_context_push_thread_default (context);
  job = gopod_job_new_func (test_job_succeed, NULL, NULL);
  g_signal_connect (job, "notify::title", G_CALLBACK (on_job_notify), &seen);
  gopod_job_set_title (job, "one");
  drain (context);
  g_assert_cmpuint (seen, ==, 1);

  g_object_run_dispose (G_OBJECT (job));
  g_signal_connect (job, "notify::title", G_CALLBACK (on_job_notify), &seen);
  gopod_job_set_title (job, "two");
  /* Not from the global default context. */
  drain (NULL);
  g_assert_cmpuint (seen, ==, 1);
  drain (context);

  g_object_unref (job);
  drain (context);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Notify/unwatched", test_notify_unwatched);
  g_test_add_func ("/Gopod/Notify/is-watched", test_notify_is_watched);
  g_test_add_func ("/Gopod/Notify/coalesced", test_notify_coalesced);
  g_test_add_func ("/Gopod/Notify/owner-deferred", test_notify_owner_deferred);
  g_test_add_func ("/Gopod/Notify/context-delivery", test_notify_context_delivery);
  g_test_add_func ("/Gopod/Notify/deferred-mask", test_notify_deferred_mask);
  g_test_add_func ("/Gopod/Notify/object-gone", test_notify_object_gone);
  g_test_add_func ("/Gopod/Notify/first-use-race", test_notify_first_use_race);
  g_test_add_func ("/Gopod/Notify/channel-after-dispose", test_notify_channel_after_dispose);
  g_test_add_func ("/Gopod/Notify/job-after-dispose-context", test_notify_job_after_dispose_context);

  return g_test_run ();
}
