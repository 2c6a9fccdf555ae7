/* bench-job.h: the object job the benchmarks measure
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <pod-glib.h>

G_BEGIN_DECLS

/* A C GopodJob subclass whose run does nothing. */
#define BENCH_TYPE_JOB (bench_job_get_type ())
G_DECLARE_FINAL_TYPE (BenchJob, bench_job, BENCH, JOB, GopodJob)

G_END_DECLS
