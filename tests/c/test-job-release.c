/* test-job-release.c: where a job the pod lets go of is finalized
 * (gopod_job_release(), internals rule J10)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* RTLD_NEXT, for the stand-in below. */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "gopod-pod.h"
#include "test-utils.h"

/* The job under watch, and the creator's reference to it, which this
 * stand-in for GLib's g_object_unref() (the test's definition is the one
 * the library's calls find) drops itself when a worker unrefs the job while
 * exactly two references are left: the moment a creator letting go races
 * the pod's check of whether it holds the last reference. */
static GObject *watched;
static gboolean creator_ref_dropped;  /* atomic */
static gboolean released_here;        /* atomic: the pod's unref ran in test_thread */
static GThread *test_thread;

void
g_object_unref (gpointer object)
{
  static gsize real;

  if (g_once_init_enter (&real))
    g_once_init_leave (&real, (gsize) dlsym (RTLD_NEXT, "g_object_unref"));
  if (object != NULL && object == g_atomic_pointer_get (&watched) &&
      g_atomic_int_get ((int *) &((GObject *) object)->ref_count) == 2)
    {
      if (g_thread_self () == test_thread)
        g_atomic_int_set (&released_here, TRUE);
      else if (g_atomic_int_compare_and_exchange (&creator_ref_dropped, FALSE, TRUE))
        ((void (*) (gpointer)) real) (object);
    }
  ((void (*) (gpointer)) real) (object);
}

typedef struct
{
  gboolean  finalized;  /* atomic */
  GThread  *thread;     /* where */
} Finalized;

static void
record_finalized (gpointer  data,
                  GObject  *where_the_object_was)
{
  Finalized *f = data;

  f->thread = g_thread_self ();
  g_atomic_int_set (&f->finalized, TRUE);
}

static gboolean
no_op (GopodJob      *job,
       GCancellable  *cancellable,
       gpointer       user_data,
       GError       **error)
{
  return TRUE;
}

static gboolean
job_released (gpointer data)
{
  return g_atomic_int_get (&released_here) || g_atomic_int_get (&creator_ref_dropped);
}

static void
test_job_release_creator_lets_go_meanwhile (void)
{
  g_autoptr(GopodPod) pod = gopod_pod_new (1);
  GopodJob *job = gopod_job_new_func (no_op, NULL, NULL);
  Finalized f = { 0 };

  g_test_summary ("A job whose creator lets go while the pod drops its reference is "
                  "finalized on its creation context, not on the worker (rule J10)");
  test_thread = g_thread_self ();
  g_object_weak_ref (G_OBJECT (job), record_finalized, &f);
  /* This thread runs the job's context throughout: a release that comes
   * here waits for an iteration instead of running on the worker. */
  g_assert_true (g_main_context_acquire (NULL));
  g_atomic_pointer_set (&watched, G_OBJECT (job));
  gopod_pod_start (pod);
  g_assert_true (gopod_pod_add_job (pod, job, NULL, NULL));
  /* The pod's release reaches this context as an idle (which unrefs here,
   * leaving the creator's reference, and lets this thread go on), or the
   * stand-in drops the creator's reference on the worker. */
  test_iterate_until_holds (NULL, job_released, NULL, 10000);
  if (!g_atomic_int_get (&creator_ref_dropped))
    {
      g_atomic_pointer_set (&watched, NULL);
      g_object_unref (job);
    }
  test_iterate_until (NULL, &f.finalized, 10000);
  g_assert_true (f.thread == g_thread_self ());
  g_main_context_release (NULL);
  g_assert_true (gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/JobRelease/creator-lets-go-meanwhile",
                   test_job_release_creator_lets_go_meanwhile);
  return g_test_run ();
}
