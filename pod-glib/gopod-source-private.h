/* gopod-source-private.h: running a function on a given main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs @func (@data) from an idle source at %G_PRIORITY_DEFAULT on
 * @context, never right here, even when this thread owns @context: the
 * caller may hold state that @func must not see half-made, and it is how
 * finish callbacks, discards and unrefs reach the context their user is
 * on. @name (a static string) names the source in a profiler. */
void  gopod_idle_add_on  (GMainContext   *context,
                          const char     *name,
                          GSourceFunc     func,
                          gpointer        data,
                          GDestroyNotify  destroy);

/* The idle source gopod_idle_add_on() attaches, for a caller that keeps it
 * (to destroy it later); not attached. */
GSource  *gopod_idle_source_new  (const char     *name,
                                  GSourceFunc     func,
                                  gpointer        data,
                                  GDestroyNotify  destroy);

/* Whether a thread other than this one runs @context (NULL: the global
 * default) right now, as a GJS or GTK program's loop does. User code that
 * may be JavaScript goes to such a context instead of running on a library
 * thread; with nobody running it, running it here is the only way it runs. */
gboolean  gopod_context_is_run_elsewhere  (GMainContext *context);

G_END_DECLS
