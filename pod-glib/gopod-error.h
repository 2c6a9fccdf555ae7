/* gopod-error.h: the GOPOD_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (GOPOD_INSIDE) && !defined (GOPOD_COMPILATION)
# error "Only <pod-glib.h> can be included directly."
#endif

#include <glib.h>

#include "gopod-version-macros.h"

G_BEGIN_DECLS

/**
 * GOPOD_ERROR:
 *
 * The error domain of pod-glib's runtime failures. Errors in it have codes
 * from [enum@Gopod.Error]. Cancellation through a [class@Gio.Cancellable] is
 * reported as %G_IO_ERROR_CANCELLED instead.
 *
 * Since: 1.0
 */
#define GOPOD_ERROR (gopod_error_quark ())

/**
 * GopodError:
 * @GOPOD_ERROR_FAILED: a job, task or factory failed without saying why
 * @GOPOD_ERROR_CLOSED: the pod, pool or runner no longer accepts work
 * @GOPOD_ERROR_QUEUE_FULL: the queue is at `max-queued` and the call may not wait
 * @GOPOD_ERROR_TIMEOUT: a deadline passed
 * @GOPOD_ERROR_INTERRUPTED: an interrupt (SIGINT, SIGTERM or
 *   [method@Gopod.Runner.interrupt]) arrived
 *
 * Error codes in the %GOPOD_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum
{
  GOPOD_ERROR_FAILED,
  GOPOD_ERROR_CLOSED,
  GOPOD_ERROR_QUEUE_FULL,
  GOPOD_ERROR_TIMEOUT,
  GOPOD_ERROR_INTERRUPTED,
} GopodError;

GOPOD_AVAILABLE_IN_ALL
GQuark gopod_error_quark (void);

G_END_DECLS
