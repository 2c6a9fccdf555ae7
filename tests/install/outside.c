/* outside.c: a program built outside the source tree against pod-glib: the
 * installed one, through pkg-config only (tests/install), and a copy vendored
 * as a meson subproject (tests/subproject).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <pod-glib.h>

static gboolean
work (GopodJob      *job,
      GCancellable  *cancellable,
      gpointer       user_data,
      GError       **error)
{
  g_atomic_int_inc ((int *) user_data);
  return TRUE;
}

static void
light (gpointer user_data)
{
  g_atomic_int_inc ((int *) user_data);
}

int
main (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (4);
  g_autoptr(GError) error = NULL;
  int count = 0;

  gopod_pod_start (pod);
  for (int i = 0; i < 10; i++)
    {
      g_autoptr(GopodJob) job = gopod_job_new_func (work, &count, NULL);

      if (!gopod_pod_add_job (pod, job, NULL, &error))
        g_error ("add_job: %s", error->message);
      if (!gopod_pod_submit (pod, light, &count, NULL, &error))
        g_error ("submit: %s", error->message);
    }
  if (!gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, &error))
    g_error ("shutdown: %s", error->message);

  g_print ("outside: %d jobs ran, %" G_GUINT64_FORMAT " succeeded\n",
           count, gopod_pod_get_succeeded (pod));
  return count == 20 && gopod_pod_get_succeeded (pod) == 20 ? 0 : 1;
}
