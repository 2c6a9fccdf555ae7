/* test-release.c: freeing things on the context they came from
 * (gopod-release.c, internals rules R1 and R2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-release-private.h"
#include "test-utils.h"

/* Where and how often a release ran. */
typedef struct
{
  int       runs;   /* atomic */
  GThread  *thread; /* atomic */
  TestGate *gate;   /* passed first, when set */
} Released;

static void
released (gpointer data)
{
  Released *r = data;

  if (r->gate != NULL)
    test_gate_pass (r->gate);
  g_atomic_pointer_set (&r->thread, g_thread_self ());
  g_atomic_int_inc (&r->runs);
}

static gboolean
has_run (gpointer data)
{
  return g_atomic_int_get (&((Released *) data)->runs) > 0;
}

static void
test_release_here_when_nobody_runs_it (void)
{
  Released r = { 0 };
  GMainContext *context = g_main_context_new ();

  g_test_summary ("Released on a context nobody runs, a destroy runs at once, here");
  gopod_release_on (context, released, &r);
  g_assert_cmpint (r.runs, ==, 1);
  g_assert_true (r.thread == g_thread_self ());
  gopod_release_on (NULL, released, &r);
  g_assert_cmpint (r.runs, ==, 2);
  g_main_context_unref (context);
}

/* A thread that owns a context until told to iterate it. */
typedef struct
{
  GMainContext *context;
  TestGate      owned;   /* passed once it owns the context */
  TestGate      go;      /* then it iterates until `until` ran */
  Released     *until;
} Owner;

static gpointer
owner_main (gpointer data)
{
  Owner *o = data;

  g_assert_true (g_main_context_acquire (o->context));
  test_gate_pass (&o->owned);
  test_gate_pass (&o->go);
  while (!has_run (o->until))
    g_main_context_iteration (o->context, TRUE);
  g_main_context_release (o->context);
  return NULL;
}

static void
test_release_on_the_thread_running_it (void)
{
  Released r = { 0 };
  Owner o;
  GThread *thread;

  g_test_summary ("Released while another thread owns the context, a destroy runs there");
  o.context = g_main_context_new ();
  o.until = &r;
  test_gate_init (&o.owned);
  test_gate_init (&o.go);
  test_gate_open (&o.owned);
  thread = g_thread_new ("owner", owner_main, &o);
  test_gate_wait_for_waiters (&o.go, 1);
  gopod_release_on (o.context, released, &r);
  g_assert_cmpint (r.runs, ==, 0);
  test_gate_open (&o.go);
  g_thread_join (thread);
  g_assert_cmpint (r.runs, ==, 1);
  g_assert_true (r.thread == thread);
  test_gate_clear (&o.owned);
  test_gate_clear (&o.go);
  g_main_context_unref (o.context);
}

/* A release left while one of ours owned the context (running a destroy)
 * is run by that thread once it lets go, without a main loop. */
static gpointer
release_with_gate (gpointer data)
{
  gopod_release_on (NULL, released, data);
  return NULL;
}

static void
test_release_left_while_ours_owned_it (void)
{
  TestGate gate;
  Released first = { 0, NULL, &gate }, second = { 0 };
  GThread *holder;

  g_test_summary ("A release left while another releaser owned the context is not stranded");
  test_gate_init (&gate);
  holder = g_thread_new ("holder", release_with_gate, &first);
  /* It owns the default context, inside its destroy. */
  test_gate_wait_for_waiters (&gate, 1);
  gopod_release_on (NULL, released, &second);
  g_assert_cmpint (second.runs, ==, 0);
  test_gate_open (&gate);
  g_thread_join (holder);
  g_assert_cmpint (first.runs, ==, 1);
  g_assert_cmpint (second.runs, ==, 1);
  g_assert_true (second.thread == holder);
  test_gate_clear (&gate);
}

/* R2: what only one thread may free waits for that thread. */
static gpointer
release_for_main (gpointer data)
{
  gpointer *args = data;

  gopod_release_on_thread (NULL, args[0], released, args[1]);
  return NULL;
}

static void
test_release_bound_to_its_thread (void)
{
  Released r = { 0 }, other = { 0 };
  gpointer args[2] = { g_thread_self (), &r };

  g_test_summary ("A release bound to a thread runs only there: at its wait, not in the releaser");
  g_thread_join (g_thread_new ("releaser", release_for_main, args));
  g_assert_cmpint (r.runs, ==, 0);
  /* Another release on the same context, by anyone, leaves it alone. */
  g_thread_join (g_thread_new ("other", release_with_gate, &other));
  g_assert_cmpint (other.runs, ==, 1);
  g_assert_cmpint (r.runs, ==, 0);
  gopod_release_pending_here ();
  g_assert_cmpint (r.runs, ==, 1);
  g_assert_true (r.thread == g_thread_self ());
  /* Bound to this thread and released here: at once. */
  gopod_release_on_thread (NULL, g_thread_self (), released, &r);
  g_assert_cmpint (r.runs, ==, 2);
}

static void
test_release_bound_runs_from_the_idle (void)
{
  Released r = { 0 };
  gpointer args[2] = { g_thread_self (), &r };

  g_test_summary ("A release bound to a thread that runs its context comes from an idle there");
  g_thread_join (g_thread_new ("releaser", release_for_main, args));
  g_assert_cmpint (r.runs, ==, 0);
  while (!has_run (&r))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (r.thread == g_thread_self ());
}

/* R2: what is bound to this thread on a context it no longer has as its
 * thread-default (it pushed one, a light job was submitted, it popped it
 * before waiting) still runs at its wait. */
static gpointer
release_for_main_on (gpointer data)
{
  gpointer *args = data;

  gopod_release_on_thread (args[2], args[0], released, args[1]);
  return NULL;
}

static void
test_release_bound_on_another_context (void)
{
  Released r = { 0 };
  GMainContext *context = g_main_context_new ();
  gpointer args[3] = { g_thread_self (), &r, context };

  g_test_summary ("A release bound to a thread on a context other than its thread-default runs at its wait");
  g_thread_join (g_thread_new ("releaser", release_for_main_on, args));
  g_assert_cmpint (r.runs, ==, 0);
  gopod_release_pending_here ();
  g_assert_cmpint (r.runs, ==, 1);
  g_assert_true (r.thread == g_thread_self ());
  g_main_context_unref (context);
}

/* A thread that binds releases to itself, then ends: what was left bound to
 * it, and what is bound to it later, runs as R1 says (any thread that owns
 * the context), instead of waiting for ever. */
static gpointer
bind_and_end (gpointer gate)
{
  gopod_release_bind_here ();
  test_gate_pass (gate);
  return g_thread_self ();
}

static void
test_release_bound_thread_ended (void)
{
  Released left = { 0 }, later = { 0 };
  GMainContext *context = g_main_context_new ();
  TestGate gate;
  GThread *ended;

  g_test_summary ("Releases bound to a thread that ended run on any thread that owns the context");
  test_gate_init (&gate);
  ended = g_thread_ref (g_thread_new ("binder", bind_and_end, &gate));
  g_main_context_push_thread_default (context);
  /* Left while this thread owns the context, bound to the other, which
   * waits at the gate: alive. */
  test_gate_wait_for_waiters (&gate, 1);
  gopod_release_on_thread (context, ended, released, &left);
  g_assert_cmpint (left.runs, ==, 0);
  test_gate_open (&gate);
  g_assert_true (g_thread_join (ended) == ended);
  /* It ended: its item was handed to whoever runs the context. */
  while (!has_run (&left))
    g_main_context_iteration (context, TRUE);
  g_assert_true (left.thread == g_thread_self ());
  g_main_context_pop_thread_default (context);

  /* Bound to it after it ended, with nobody running the context: at once. */
  gopod_release_on_thread (context, ended, released, &later);
  g_assert_cmpint (later.runs, ==, 1);
  g_assert_true (later.thread == g_thread_self ());
  g_thread_unref (ended);
  g_main_context_unref (context);
  test_gate_clear (&gate);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Release/here-when-nobody-runs-it", test_release_here_when_nobody_runs_it);
  g_test_add_func ("/Gopod/Release/on-the-thread-running-it", test_release_on_the_thread_running_it);
  g_test_add_func ("/Gopod/Release/left-while-ours-owned-it", test_release_left_while_ours_owned_it);
  g_test_add_func ("/Gopod/Release/bound-to-its-thread", test_release_bound_to_its_thread);
  g_test_add_func ("/Gopod/Release/bound-runs-from-the-idle", test_release_bound_runs_from_the_idle);
  g_test_add_func ("/Gopod/Release/bound-on-another-context", test_release_bound_on_another_context);
  g_test_add_func ("/Gopod/Release/bound-thread-ended", test_release_bound_thread_ended);

  return g_test_run ();
}
