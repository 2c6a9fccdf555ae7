/* gopod-source.c: running a function on a given main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-source-private.h"

GSource *
gopod_idle_source_new (const char     *name,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, name);
  g_source_set_callback (source, func, data, destroy);
  return source;
}

void
gopod_idle_add_on (GMainContext   *context,
                   const char     *name,
                   GSourceFunc     func,
                   gpointer        data,
                   GDestroyNotify  destroy)
{
  GSource *source = gopod_idle_source_new (name, func, data, destroy);

  g_source_attach (source, context);
  g_source_unref (source);
}

gboolean
gopod_context_is_run_elsewhere (GMainContext *context)
{
  if (context == NULL)
    context = g_main_context_default ();
  if (!g_main_context_acquire (context))
    return TRUE;
  g_main_context_release (context);
  return FALSE;
}
