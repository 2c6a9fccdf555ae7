/* bench-job.c: the object job the benchmarks measure
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-job.h"

struct _BenchJob
{
  GopodJob parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchJob, bench_job, GOPOD_TYPE_JOB)

static gboolean
bench_job_run (GopodJob      *job,
               GCancellable  *cancellable,
               GError       **error)
{
  return TRUE;
}

static void
bench_job_class_init (BenchJobClass *klass)
{
  GOPOD_JOB_CLASS (klass)->run = bench_job_run;
}

static void
bench_job_init (BenchJob *job)
{
}
