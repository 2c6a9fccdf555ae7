/* gopod-pod-private.h: what the pod's GObject face shares between its files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-pod.h"
#include "gopod-pod-core-private.h"

G_BEGIN_DECLS

/* A thin handle on the core (internals rule P1). */
struct _GopodPod
{
  GObject       parent_instance;
  GopodPodCore *core;
};

G_END_DECLS
