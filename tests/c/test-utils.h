/* test-utils.h: helpers shared by the C test suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <pod-glib.h>

G_BEGIN_DECLS

/* Each call must log exactly one critical matching @pattern; a missing one
 * fails g_test_assert_expected_messages(), so every use can fail. */
#define EXPECT_CRITICAL(pattern, call) \
  G_STMT_START { \
    g_test_expect_message ("Gopod", G_LOG_LEVEL_CRITICAL, pattern); \
    call; \
    g_test_assert_expected_messages (); \
  } G_STMT_END

/* Concurrency gauge: how many run now, and the most that ever did. */
typedef struct
{
  int now;
  int peak;
} TestGauge;

void      test_gauge_enter            (TestGauge     *gauge);
void      test_gauge_leave            (TestGauge     *gauge);

/* Polls @holds (@data), another thread's doing, until it returns TRUE;
 * returns FALSE after @timeout_ms, so that a condition that never comes
 * fails the test instead of hanging it. Orders nothing by time. */
gboolean  test_poll_until             (gboolean     (*holds) (gpointer data),
                                       gpointer       data,
                                       guint          timeout_ms);
/* A predicate for the above: whether the gint (or gboolean) at @flag,
 * set atomically, is set. */
gboolean  test_flag_is_set            (gpointer       flag);

/* Iterates @context (NULL: the default one) until *@flag is TRUE, failing the
 * test after @timeout_ms, so a missing callback fails instead of hanging. */
void      test_iterate_until          (GMainContext  *context,
                                       gboolean      *flag,
                                       guint          timeout_ms);
/* The same until @holds (@data) returns TRUE; @holds is looked at after
 * each iteration, so whatever makes it hold must wake @context. */
void      test_iterate_until_holds    (GMainContext  *context,
                                       gboolean     (*holds) (gpointer data),
                                       gpointer       data,
                                       guint          timeout_ms);

/* A GAsyncReadyCallback that stores a new reference to the result in
 * *(GAsyncResult **) user_data. */
void      test_store_result           (GObject       *source,
                                       GAsyncResult  *result,
                                       gpointer       user_data);

/* Iterates @context until *@result is set (see test_store_result()). */
void      test_wait_for_result        (GMainContext  *context,
                                       GAsyncResult **result,
                                       guint          timeout_ms);

/* Blocks until @cancellable is cancelled, without polling: a cooperative
 * job's way of waiting for its end. */
void      test_block_until_cancelled  (GCancellable  *cancellable);

/* Returns once some thread waits watching @cancellable (a blocking wait
 * connects to its "cancelled" signal while it sleeps): how a test knows a
 * send or receive in another thread is really blocked. Fails after 10 s. */
void      test_wait_until_watched     (GCancellable  *cancellable);

/* A fresh GMainContext pushed as the calling thread's default, for tests
 * of where async callbacks run. */
typedef struct
{
  GMainContext *context;
  GThread      *thread;
} TestCaller;

void      test_caller_push            (TestCaller    *caller);
void      test_caller_pop             (TestCaller    *caller);
/* Fails unless the current thread and thread-default context are @caller's. */
void      test_caller_assert_current  (const TestCaller *caller);

/* A gate that threads block on until it is opened. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;
  guint    waiting;
} TestGate;

void      test_gate_init              (TestGate      *gate);
void      test_gate_clear             (TestGate      *gate);
void      test_gate_pass              (TestGate      *gate);
void      test_gate_open              (TestGate      *gate);
/* Blocks until @n threads wait at the gate; fails the test after 10 s. */
void      test_gate_wait_for_waiters  (TestGate      *gate,
                                       guint          n);

/* Every job a pod accepted is counted once: queued, running or ended. */
void      test_assert_counters_add_up (GopodPod      *pod);

/* A GopodJobFunc that succeeds at once. */
gboolean  test_job_succeed            (GopodJob      *job,
                                       GCancellable  *cancellable,
                                       gpointer       user_data,
                                       GError       **error);

G_END_DECLS
