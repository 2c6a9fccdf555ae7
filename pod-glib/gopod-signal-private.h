/* gopod-signal-private.h: SIGINT and SIGTERM, caught for the listeners that ask
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <signal.h>

#include <glib.h>

G_BEGIN_DECLS

/*
 * One process-wide handler serves every listener. It is installed when the
 * first listener is added and replaced by the previous dispositions either in
 * the handler itself, at the first signal, or when the last listener is
 * removed. A signal is told to every listener there was when it came, once:
 * each is removed (its @destroy called after every @func), so a second
 * signal finds the process's own disposition. @func runs on the library's
 * timer thread, so no application main loop is needed; it must not block.
 */
typedef void (*GopodSignalFunc) (int      signum,
                                 gpointer data);

/* Returns FALSE, with @destroy called on @data, if signals cannot be watched. */
gboolean  gopod_signal_add_listener     (GopodSignalFunc  func,
                                         gpointer         data,
                                         GDestroyNotify   destroy);
/* Removes the listener added with @func and @data, if it is still there. */
void      gopod_signal_remove_listener  (GopodSignalFunc  func,
                                         gpointer         data);
/* Sets @set to the signals handled, for a thread that must not take them. */
void      gopod_signal_fill_set         (sigset_t        *set);

G_END_DECLS
