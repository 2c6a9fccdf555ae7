/* test-utils.c: helpers shared by the C test suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-utils.h"

static gboolean
deadline_passed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_iterate_until_holds (GMainContext  *context,
                          gboolean     (*holds) (gpointer data),
                          gpointer       data,
                          guint          timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *deadline = g_timeout_source_new (timeout_ms);

  g_source_set_callback (deadline, deadline_passed, &timed_out, NULL);
  g_source_attach (deadline, context);

  while (!holds (data) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (deadline);
  g_source_unref (deadline);

  if (!holds (data))
    g_error ("Timed out after %u ms waiting for a condition", timeout_ms);
}

gboolean
test_flag_is_set (gpointer flag)
{
  /* Atomic: threads set some of these flags. */
  return g_atomic_int_get ((gint *) flag);
}

void
test_iterate_until (GMainContext *context,
                    gboolean     *flag,
                    guint         timeout_ms)
{
  test_iterate_until_holds (context, test_flag_is_set, flag, timeout_ms);
}

void
test_store_result (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

void
test_wait_for_result (GMainContext  *context,
                      GAsyncResult **result,
                      guint          timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *deadline = g_timeout_source_new (timeout_ms);

  g_source_set_callback (deadline, deadline_passed, &timed_out, NULL);
  g_source_attach (deadline, context);

  while (*result == NULL && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (deadline);
  g_source_unref (deadline);

  if (*result == NULL)
    g_error ("Timed out after %u ms waiting for an async result", timeout_ms);
}

void
test_gate_init (TestGate *gate)
{
  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  gate->open = FALSE;
  gate->waiting = 0;
}

void
test_gate_clear (TestGate *gate)
{
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
}

void
test_gate_pass (TestGate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->waiting++;
  g_cond_broadcast (&gate->cond);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  gate->waiting--;
  g_mutex_unlock (&gate->lock);
}

void
test_gate_open (TestGate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

void
test_gate_wait_for_waiters (TestGate *gate,
                            guint     n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&gate->lock);
  while (gate->waiting < n)
    if (!g_cond_wait_until (&gate->cond, &gate->lock, deadline))
      g_error ("Timed out waiting for %u threads at a gate (%u there)", n, gate->waiting);
  g_mutex_unlock (&gate->lock);
}

typedef struct
{
  GMutex lock;
  GCond  cond;
} CancelWait;

static void
cancel_wait_wake (GCancellable *cancellable,
                  CancelWait   *wait)
{
  g_mutex_lock (&wait->lock);
  g_cond_broadcast (&wait->cond);
  g_mutex_unlock (&wait->lock);
}

void
test_block_until_cancelled (GCancellable *cancellable)
{
  CancelWait wait;
  gulong id;

  g_mutex_init (&wait.lock);
  g_cond_init (&wait.cond);
  id = g_cancellable_connect (cancellable, G_CALLBACK (cancel_wait_wake), &wait, NULL);
  g_mutex_lock (&wait.lock);
  while (!g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&wait.cond, &wait.lock);
  g_mutex_unlock (&wait.lock);
  g_cancellable_disconnect (cancellable, id);
  g_mutex_clear (&wait.lock);
  g_cond_clear (&wait.cond);
}

void
test_gauge_enter (TestGauge *gauge)
{
  int now = g_atomic_int_add (&gauge->now, 1) + 1;
  int peak = g_atomic_int_get (&gauge->peak);

  while (now > peak && !g_atomic_int_compare_and_exchange_full (&gauge->peak, peak, now, &peak))
    ;
}

void
test_gauge_leave (TestGauge *gauge)
{
  g_atomic_int_add (&gauge->now, -1);
}

gboolean
test_poll_until (gboolean (*holds) (gpointer data),
                 gpointer   data,
                 guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!holds (data))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (100);
    }
  return TRUE;
}

void
test_wait_until_watched (GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  guint signal_id = g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE);

  /* GCancellable tells no one when a handler is connected: look until one is. */
  while (!g_signal_has_handler_pending (cancellable, signal_id, 0, FALSE))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for a wait on cancellable %p", cancellable);
      g_thread_yield ();
    }
}

void
test_caller_push (TestCaller *caller)
{
  caller->context = g_main_context_new ();
  caller->thread = g_thread_self ();
  g_main_context_push_thread_default (caller->context);
}

void
test_caller_pop (TestCaller *caller)
{
  g_main_context_pop_thread_default (caller->context);
  g_clear_pointer (&caller->context, g_main_context_unref);
}

void
test_caller_assert_current (const TestCaller *caller)
{
  g_assert_true (g_main_context_get_thread_default () == caller->context);
  g_assert_true (g_thread_self () == caller->thread);
}

void
test_assert_counters_add_up (GopodPod *pod)
{
  g_assert_cmpuint (gopod_pod_get_submitted (pod), ==,
                    gopod_pod_get_succeeded (pod) + gopod_pod_get_failed (pod) +
                    gopod_pod_get_cancelled (pod) + gopod_pod_get_queued (pod) +
                    gopod_pod_get_running (pod));
}

gboolean
test_job_succeed (GopodJob      *job,
                  GCancellable  *cancellable,
                  gpointer       user_data,
                  GError       **error)
{
  return TRUE;
}
