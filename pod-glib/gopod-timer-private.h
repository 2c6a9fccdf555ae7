/* gopod-timer-private.h: deadlines that fire without the caller's main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Timeouts that must fire whether or not any application main loop runs (job
 * timeouts, runner deadlines, idle expiry) are attached to one private
 * GMainContext run by a single library thread. The thread starts on the first
 * timer, never when the library is loaded, and sleeps in poll() without
 * waking while no timer is due.
 *
 * gopod_timer_add() returns a new reference to the source; cancel it with
 * gopod_timer_cancel(), which is safe from any thread and also drops the
 * reference. @func runs in the timer thread and must not block.
 */
GSource  *gopod_timer_add     (guint           ms,
                               GSourceFunc     func,
                               gpointer        data,
                               GDestroyNotify  destroy);
void      gopod_timer_cancel  (GSource       **source);

/* The timer thread's context, for a source that must be dispatched whether
 * or not any application main loop runs (the signal watch of
 * gopod-signal.c). The thread starts on the first call. Sources attached to
 * it run in the timer thread and must not block. */
GMainContext *gopod_timer_get_context (void);

G_END_DECLS
