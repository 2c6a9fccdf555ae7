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

/*
 * The same for what only @thread may free (a JavaScript closure given by
 * the main thread: JavaScript cannot run on another thread, nor while it
 * runs its own code): @destroy (@data) runs on @context in @thread only
 * (internals rule R2): here if this is @thread and it can own @context,
 * else from an idle source there, or when @thread calls
 * gopod_release_pending_here(). With @thread NULL, gopod_release_on().
 */
void  gopod_release_on_thread    (GMainContext   *context,
                                  GThread        *thread,
                                  GDestroyNotify  destroy,
                                  gpointer        data);
/* Called by a thread before anything is bound to it (by
 * gopod_wait_home_init(): the thread of a pod, runner or pool, where
 * JavaScript makes them): once that thread ends, what waits bound to it,
 * or is bound to it later, runs as gopod_release_on() does, instead of
 * waiting for ever. */
void  gopod_release_bind_here    (void);
/* Runs what waits for the caller's thread-default context and may run in
 * this thread, and what waits bound to this thread on any other context,
 * where this thread can own that context: called where a program without
 * a main loop waits for its work (a pod's blocking wait). */
void  gopod_release_pending_here (void);

G_END_DECLS
