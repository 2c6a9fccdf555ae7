/* gopod-timer.c: deadlines that fire without the caller's main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-timer-private.h"

static GMainContext *timer_context;

static gpointer
timer_thread (gpointer data)
{
  GMainLoop *loop = g_main_loop_new (timer_context, FALSE);

  /* Runs for the life of the process, like GLib's own worker thread; while no
   * timer is due it sleeps in poll() and costs nothing. */
  g_main_loop_run (loop);
  g_main_loop_unref (loop);

  return NULL;
}

GMainContext *
gopod_timer_get_context (void)
{
  static gsize started;

  if (g_once_init_enter (&started))
    {
      timer_context = g_main_context_new ();
      g_thread_unref (g_thread_new ("gopod-timer", timer_thread, NULL));
      g_once_init_leave (&started, 1);
    }

  return timer_context;
}

GSource *
gopod_timer_add (guint           ms,
                 GSourceFunc     func,
                 gpointer        data,
                 GDestroyNotify  destroy)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_static_name (source, "[pod-glib] timer");
  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, gopod_timer_get_context ());

  return source;
}

void
gopod_timer_cancel (GSource **source)
{
  GSource *s = g_steal_pointer (source);

  if (s != NULL)
    {
      g_source_destroy (s);
      g_source_unref (s);
    }
}
