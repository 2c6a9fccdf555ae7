/* gopod-release-private.h: freeing things on the context they came from
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What a user hands pod-glib from a main context (a job, a light job's
 * data) is freed on that context: a JavaScript function must not be
 * unreffed on a worker thread. Yet a program without a main loop must free
 * everything too. So (internals rule R1) @destroy (@data) runs:
 *
 *  - here, if this thread owns @context or can acquire it (nobody runs it:
 *    what g_main_context_invoke() would do too);
 *  - else in whichever thread next owns it: the thread running it (an idle
 *    source there), or one of ours that releases something on it later and
 *    acquires it (it runs everything left pending for that context).
 *
 * @context NULL is the global default context.
 */
void  gopod_release_on  (GMainContext   *context,
                         GDestroyNotify  destroy,
                         gpointer        data);

G_END_DECLS
