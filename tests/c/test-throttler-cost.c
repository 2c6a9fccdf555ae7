/* test-throttler-cost.c: what waking a throttler's waiters costs, counted
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-throttler-private.h"
#include "test-utils.h"

#define N_WAITERS 8000

typedef struct
{
  guint  n_done;
} Completions;

static void
cost_throttled (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Completions *completions = user_data;
  g_autoptr(GError) error = NULL;

  gopod_throttler_throttle_finish (GOPOD_THROTTLER (source), result, &error);
  g_assert_no_error (error);
  completions->n_done++;
}

/* 8,000 throttle_async waiters on one slot: each done wakes the oldest, and
 * looks at a bounded number of tickets to do so, not at every waiter. */
static void
test_done_is_constant (void)
{
  g_autoptr(GopodThrottler) throttler = gopod_throttler_new (1, 0);
  Completions completions = { 0 };
  guint64 before, most = 0;
  guint i;

  for (i = 0; i < N_WAITERS; i++)
    gopod_throttler_throttle_async (throttler, NULL, cost_throttled, &completions);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (completions.n_done, ==, 0);

  for (i = 0; i < N_WAITERS; i++)
    {
      guint64 examined;

      before = gopod_throttler_get_n_examined (throttler);
      gopod_throttler_done (throttler, NULL);
      examined = gopod_throttler_get_n_examined (throttler) - before;
      most = MAX (most, examined);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      /* The done freed exactly the oldest ticket. */
      g_assert_cmpuint (completions.n_done, ==, i + 1);
    }

  /* The freed ticket, and the next one found still taken. */
  g_assert_cmpuint (most, <=, 2);
}

/* Cancelled waiters leave their place at once: they are not looked at again
 * by every later done. */
static void
test_cancelled_waiters_cost_nothing (void)
{
  g_autoptr(GopodThrottler) throttler = gopod_throttler_new (1, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Completions completions = { 0 };
  guint64 before;
  guint i;

  /* Ticket 1 waits, then N_WAITERS cancelled ones, then the last one. */
  gopod_throttler_throttle_async (throttler, NULL, cost_throttled, &completions);
  for (i = 0; i < N_WAITERS; i++)
    gopod_throttler_throttle_async (throttler, cancellable, NULL, NULL);
  gopod_throttler_throttle_async (throttler, NULL, cost_throttled, &completions);
  g_cancellable_cancel (cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  before = gopod_throttler_get_n_examined (throttler);
  gopod_throttler_done (throttler, NULL);
  g_assert_cmpuint (gopod_throttler_get_n_examined (throttler) - before, <=, 2);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (completions.n_done, ==, 1);

  /* The last ticket is free once every ticket before it is done. */
  for (i = 0; i < N_WAITERS + 1; i++)
    gopod_throttler_done (throttler, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (completions.n_done, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Throttler/cost/done-is-constant", test_done_is_constant);
  g_test_add_func ("/Gopod/Throttler/cost/cancelled-waiters", test_cancelled_waiters_cost_nothing);

  return g_test_run ();
}
