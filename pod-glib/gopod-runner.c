/* gopod-runner.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-runner.h"

struct _GopodRunner { GObject parent_instance; };
G_DEFINE_FINAL_TYPE (GopodRunner, gopod_runner, G_TYPE_OBJECT)

static void
gopod_runner_class_init (GopodRunnerClass *klass)
{
}

static void
gopod_runner_init (GopodRunner *self)
{
}
