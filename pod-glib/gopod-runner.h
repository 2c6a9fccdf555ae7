/* gopod-runner.h: tasks in order under a timeout, stopped by an interrupt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (GOPOD_INSIDE) && !defined (GOPOD_COMPILATION)
# error "Only <pod-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gopod-job.h"
#include "gopod-version-macros.h"

G_BEGIN_DECLS

#define GOPOD_TYPE_RUNNER (gopod_runner_get_type ())

GOPOD_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GopodRunner, gopod_runner, GOPOD, RUNNER, GObject)

/**
 * GopodTaskFunc:
 * @runner: the runner running the task
 * @id: the task's position in the runner, counted from 0
 * @cancellable: cancelled when the runner times out, is interrupted or
 *   is cancelled; the task should return soon after
 * @user_data: (closure): the data given to [method@Gopod.Runner.add]
 * @error: return location for the task's error
 *
 * A task of a [class@Gopod.Runner], called in the runner's worker thread.
 *
 * Returns: %TRUE on success, %FALSE with @error set to stop the runner
 *
 * Since: 1.0
 */
typedef gboolean (*GopodTaskFunc) (GopodRunner   *runner,
                                   guint          id,
                                   GCancellable  *cancellable,
                                   gpointer       user_data,
                                   GError       **error);

GOPOD_AVAILABLE_IN_ALL
GopodRunner *gopod_runner_new                (guint                 timeout_ms);
GOPOD_AVAILABLE_IN_ALL
void         gopod_runner_add                (GopodRunner          *runner,
                                              GopodTaskFunc         task,
                                              gpointer              user_data,
                                              GDestroyNotify        destroy);
GOPOD_AVAILABLE_IN_ALL
void         gopod_runner_add_job            (GopodRunner          *runner,
                                              GopodJob             *job);
GOPOD_AVAILABLE_IN_ALL
gboolean     gopod_runner_start              (GopodRunner          *runner,
                                              GCancellable         *cancellable,
                                              GError              **error);
GOPOD_AVAILABLE_IN_ALL
void         gopod_runner_start_async        (GopodRunner          *runner,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GOPOD_AVAILABLE_IN_ALL
gboolean     gopod_runner_start_finish       (GopodRunner          *runner,
                                              GAsyncResult         *result,
                                              GError              **error);
GOPOD_AVAILABLE_IN_ALL
void         gopod_runner_interrupt          (GopodRunner          *runner);
GOPOD_AVAILABLE_IN_ALL
guint        gopod_runner_get_timeout_ms     (GopodRunner          *runner);
GOPOD_AVAILABLE_IN_ALL
void         gopod_runner_set_timeout_ms     (GopodRunner          *runner,
                                              guint                 timeout_ms);
GOPOD_AVAILABLE_IN_ALL
gboolean     gopod_runner_get_handle_signals (GopodRunner          *runner);
GOPOD_AVAILABLE_IN_ALL
void         gopod_runner_set_handle_signals (GopodRunner          *runner,
                                              gboolean              handle_signals);
GOPOD_AVAILABLE_IN_ALL
guint        gopod_runner_get_completed      (GopodRunner          *runner);

G_END_DECLS
