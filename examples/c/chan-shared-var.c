/* chan-shared-var.c: the shared-variable watchdog of "Go Concurrency in
 * practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   type sharded_var struct {           SharedVar: two unbuffered G_TYPE_INT
 *       reader, writer chan int }       channels
 *   for { select {                      one GopodSelect built once:
 *     case value = <-v.writer:          gopod_select_add_receive (writer)
 *     case v.reader <- value:           gopod_select_add_send (reader, value)
 *   } }                                 gopod_select_wait () in a loop; after
 *                                       a write, gopod_select_set_value ()
 *                                       changes what the send case offers
 *
 * Go's watchdog runs forever; closing `writer` makes its receive case
 * report closed (gopod_select_get_closed ()), and the watchdog returns.
 */

#include "chan-example.h"

typedef struct
{
  GopodChannel *reader;
  GopodChannel *writer;
} SharedVar;

static gpointer
watchdog (gpointer data)
{
  SharedVar *v = data;
  g_autoptr(GopodSelect) select = gopod_select_new ();
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  guint write, read;

  g_value_init (&value, G_TYPE_INT); /* var value int = 0 */
  write = gopod_select_add_receive (select, v->writer);
  read = gopod_select_add_send (select, v->reader, &value);

  for (;;)
    {
      gint chosen = gopod_select_wait (select, NULL, &error);

      chan_example_check (chosen >= 0, error, "select");
      if (chosen != (gint) write)
        continue;  /* v.reader <- value: nothing changes */
      if (gopod_select_get_closed (select))
        return NULL;
      g_value_unset (&value);
      gopod_select_get_value (select, &value);
      gopod_select_set_value (select, read, &value);
    }
}

static gint
read_var (SharedVar *v)
{
  g_autoptr(GError) error = NULL;
  gint value = -1;

  chan_example_check (gopod_channel_receive_int (v->reader, &value, NULL, &error), error, "read");
  return value;
}

int
main (void)
{
  g_autoptr(GopodChannel) reader = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GopodChannel) writer = gopod_channel_new (G_TYPE_INT, 0);
  g_autoptr(GError) error = NULL;
  SharedVar v = { reader, writer };
  GThread *thread = g_thread_new ("watchdog", watchdog, &v);

  g_print ("%d\n", read_var (&v));
  chan_example_check (gopod_channel_send_int (v.writer, 1, NULL, &error), error, "write");
  g_print ("%d\n", read_var (&v));

  gopod_channel_close (v.writer);
  g_thread_join (thread);
  return 0;
}
