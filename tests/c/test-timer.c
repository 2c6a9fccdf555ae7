/* test-timer.c: the private timer thread (gopod-timer.c)
 *
 * None of these tests runs a main loop: the timers must fire without one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-timer-private.h"
#include "test-utils.h"

/* What one timer did, and a condition to wait for it on. */
typedef struct
{
  GMutex    lock;
  GCond     cond;
  guint     fired;
  guint     fire_limit;  /* returns G_SOURCE_REMOVE at this count */
  guint     destroyed;
  gboolean  on_timer_context;
  GThread  *thread;
  GSource  *self;  /* for a callback that cancels its own timer */
} Shot;

static void
shot_init (Shot  *shot,
           guint  fire_limit)
{
  *shot = (Shot) { .fire_limit = fire_limit };
  g_mutex_init (&shot->lock);
  g_cond_init (&shot->cond);
}

static void
shot_clear (Shot *shot)
{
  g_mutex_clear (&shot->lock);
  g_cond_clear (&shot->cond);
}

static gboolean
shot_fire (gpointer data)
{
  Shot *shot = data;
  gboolean again;

  g_mutex_lock (&shot->lock);
  shot->fired++;
  shot->thread = g_thread_self ();
  shot->on_timer_context = g_main_context_is_owner (gopod_timer_get_context ());
  again = shot->fired < shot->fire_limit;
  g_cond_broadcast (&shot->cond);
  g_mutex_unlock (&shot->lock);

  return again ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
shot_destroyed (gpointer data)
{
  Shot *shot = data;

  g_mutex_lock (&shot->lock);
  shot->destroyed++;
  g_cond_broadcast (&shot->cond);
  g_mutex_unlock (&shot->lock);
}

/* Blocks until the timer's destroy notify ran; fails after 10 s rather than
 * hang when a timer never fires. */
static void
shot_wait_destroyed (Shot *shot)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&shot->lock);
  while (shot->destroyed == 0)
    if (!g_cond_wait_until (&shot->cond, &shot->lock, deadline))
      g_error ("Timed out waiting for a timer to end");
  g_mutex_unlock (&shot->lock);
}

/* Adds a due timer and waits until it ended by itself: by then GLib has
 * destroyed its source, and cancelling it only drops the reference. */
static void
shot_run_to_end (Shot  *shot,
                 guint  fire_limit)
{
  GSource *source;

  shot_init (shot, fire_limit);
  source = gopod_timer_add (0, shot_fire, shot, shot_destroyed);
  shot_wait_destroyed (shot);
  g_assert_true (g_source_is_destroyed (source));
  gopod_timer_cancel (&source);
  g_assert_null (source);
}

/* A due timer fires once on the timer thread, its own context, then is
 * destroyed: no main loop of the caller is involved. */
static void
test_timer_fires (void)
{
  Shot shot;

  shot_run_to_end (&shot, 1);
  g_assert_cmpuint (shot.fired, ==, 1);
  g_assert_true (shot.on_timer_context);
  g_assert_true (shot.thread != g_thread_self ());
  shot_clear (&shot);
}

/* A timer that asks to continue fires again, until it asks to stop. */
static void
test_timer_repeats (void)
{
  Shot shot;

  shot_run_to_end (&shot, 3);
  g_assert_cmpuint (shot.fired, ==, 3);
  g_assert_cmpuint (shot.destroyed, ==, 1);
  shot_clear (&shot);
}

/* A cancelled timer never fires; its data is released at once, and the
 * caller's pointer is cleared. A second cancel is a no-op. */
static void
test_timer_cancel (void)
{
  Shot shot;
  GSource *source;

  shot_init (&shot, 1);
  source = gopod_timer_add (G_MAXUINT, shot_fire, &shot, shot_destroyed);
  gopod_timer_cancel (&source);

  g_assert_null (source);
  g_assert_cmpuint (shot.destroyed, ==, 1);
  g_assert_cmpuint (shot.fired, ==, 0);
  gopod_timer_cancel (&source);
  g_assert_cmpuint (shot.destroyed, ==, 1);
  shot_clear (&shot);
}

static gboolean
cancel_self (gpointer data)
{
  Shot *shot = data;

  shot_fire (shot);
  /* From inside the dispatch: the destroy notify waits for it to return. */
  gopod_timer_cancel (&shot->self);
  g_assert_cmpuint (shot->destroyed, ==, 0);
  return G_SOURCE_CONTINUE;
}

/* A timer's callback may cancel its own timer (a runner's deadline does);
 * it then never fires again. */
static void
test_timer_cancel_from_callback (void)
{
  Shot shot;

  shot_init (&shot, G_MAXUINT);
  g_mutex_lock (&shot.lock);
  /* Held, so that the callback sees shot.self set. */
  shot.self = gopod_timer_add (0, cancel_self, &shot, shot_destroyed);
  g_mutex_unlock (&shot.lock);
  shot_wait_destroyed (&shot);

  g_assert_cmpuint (shot.fired, ==, 1);
  g_assert_null (shot.self);
  shot_clear (&shot);
}

/* One thread serves every timer: its context is made once. */
static void
test_timer_one_context (void)
{
  GMainContext *context = gopod_timer_get_context ();

  g_assert_nonnull (context);
  g_assert_true (context == gopod_timer_get_context ());
  g_assert_false (context == g_main_context_default ());
  g_assert_false (g_main_context_is_owner (context));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Timer/fires", test_timer_fires);
  g_test_add_func ("/Gopod/Timer/repeats", test_timer_repeats);
  g_test_add_func ("/Gopod/Timer/cancel", test_timer_cancel);
  g_test_add_func ("/Gopod/Timer/cancel-from-callback", test_timer_cancel_from_callback);
  g_test_add_func ("/Gopod/Timer/one-context", test_timer_one_context);

  return g_test_run ();
}
