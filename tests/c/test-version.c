/* test-version.c: compile-time and run-time version checks, the error domain
 * and the enum types
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "test-utils.h"

static void
test_version_runtime_matches_headers (void)
{
  g_assert_cmpuint (gopod_get_major_version (), ==, GOPOD_MAJOR_VERSION);
  g_assert_cmpuint (gopod_get_minor_version (), ==, GOPOD_MINOR_VERSION);
  g_assert_cmpuint (gopod_get_micro_version (), ==, GOPOD_MICRO_VERSION);
  g_assert_true (GOPOD_CHECK_VERSION (GOPOD_MAJOR_VERSION, GOPOD_MINOR_VERSION, GOPOD_MICRO_VERSION));
  g_assert_false (GOPOD_CHECK_VERSION (GOPOD_MAJOR_VERSION + 1, 0, 0));
}

static void
test_version_check (void)
{
  g_assert_null (gopod_check_version (GOPOD_MAJOR_VERSION, GOPOD_MINOR_VERSION, GOPOD_MICRO_VERSION));
  g_assert_null (gopod_check_version (GOPOD_MAJOR_VERSION, 0, 0));
  g_assert_nonnull (gopod_check_version (GOPOD_MAJOR_VERSION + 1, 0, 0));
  g_assert_nonnull (gopod_check_version (GOPOD_MAJOR_VERSION, GOPOD_MINOR_VERSION + 1, 0));
  g_assert_nonnull (gopod_check_version (GOPOD_MAJOR_VERSION, GOPOD_MINOR_VERSION,
                                         GOPOD_MICRO_VERSION + 1));
  if (GOPOD_MAJOR_VERSION > 0)
    g_assert_nonnull (gopod_check_version (GOPOD_MAJOR_VERSION - 1, 0, 0));
}

/* The library says it is as new as the newest API it has: an application
 * that uses what GOPOD_AVAILABLE_IN_1_2 marks and checks for 1.2 at run
 * time must pass the check (the project's version said 1.0.0). */
static void
test_version_covers_api (void)
{
  g_assert_cmpint (GOPOD_VERSION_CUR_STABLE, ==, GOPOD_VERSION_1_2);
  g_assert_true (GOPOD_CHECK_VERSION (1, 2, 0));
  g_assert_null (gopod_check_version (1, 2, 0));
}

static void
test_error_domain (void)
{
  g_autoptr(GError) error = g_error_new_literal (GOPOD_ERROR, GOPOD_ERROR_CLOSED, "closed");

  g_assert_cmpstr (g_quark_to_string (GOPOD_ERROR), ==, "gopod-error-quark");
  g_assert_error (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED);
}

static void
assert_enum_value (GType       type,
                   int         value,
                   const char *nick)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);

  g_assert_nonnull (enum_value);
  g_assert_cmpstr (enum_value->value_nick, ==, nick);
}

static void
test_enum_types (void)
{
  assert_enum_value (GOPOD_TYPE_ERROR, GOPOD_ERROR_QUEUE_FULL, "queue-full");
  assert_enum_value (GOPOD_TYPE_ERROR, GOPOD_ERROR_INTERRUPTED, "interrupted");
  assert_enum_value (GOPOD_TYPE_JOB_STATE, GOPOD_JOB_STATE_CANCELLED, "cancelled");
  assert_enum_value (GOPOD_TYPE_SHUTDOWN_MODE, GOPOD_SHUTDOWN_DISCARD, "discard");
}

static gpointer
error_quark_thread (gpointer data)
{
  TestGate *gate = data;

  test_gate_pass (gate);
  return GUINT_TO_POINTER (gopod_error_quark ());
}

static void
test_error_quark_threads (void)
{
  TestGate gate;
  GThread *threads[2];
  guint i;

  g_test_summary ("Two threads using the error domain for the first time get the same quark "
                  "without a data race (this test runs first, and under ThreadSanitizer)");
  test_gate_init (&gate);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("quark", error_quark_thread, &gate);
  test_gate_wait_for_waiters (&gate, G_N_ELEMENTS (threads));
  test_gate_open (&gate);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (threads[i])), ==,
                      g_quark_from_static_string ("gopod-error-quark"));
  test_gate_clear (&gate);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/Error/quark-threads", test_error_quark_threads);
  g_test_add_func ("/Gopod/Version/runtime-matches-headers", test_version_runtime_matches_headers);
  g_test_add_func ("/Gopod/Version/check", test_version_check);
  g_test_add_func ("/Gopod/Version/covers-api", test_version_covers_api);
  g_test_add_func ("/Gopod/Error/domain", test_error_domain);
  g_test_add_func ("/Gopod/Enums/types", test_enum_types);

  return g_test_run ();
}
