/* pod-glib.h: the one header to include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define GOPOD_INSIDE

#include <glib.h>
#include <glib-object.h>
#include <gio/gio.h>

#include "gopod-version-macros.h"
#include "gopod-version.h"
#include "gopod-enum-types.h"
#include "gopod-channel.h"
#include "gopod-error.h"
#include "gopod-job.h"
#include "gopod-pod.h"
#include "gopod-resource-pool.h"
#include "gopod-runner.h"
#include "gopod-select.h"
#include "gopod-throttler.h"

#undef GOPOD_INSIDE
