/* chan-ping.c: ping, the unbuffered channel of "Go Concurrency in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   messages := make(chan string)       gopod_channel_new (G_TYPE_STRING, 0)
 *   go func() { messages <- "ping" }()  a thread calling
 *                                       gopod_channel_send_string ()
 *   msg := <-messages                   gopod_channel_receive_string ()
 *
 * Capacity 0 is Go's hand-off: the thread's send returns only once main has
 * taken the value, so joining the thread after the receive never waits long.
 */

#include "chan-example.h"

static gpointer
send_ping (gpointer data)
{
  GopodChannel *messages = data;
  g_autoptr(GError) error = NULL;

  chan_example_check (gopod_channel_send_string (messages, "ping", NULL, &error), error, "send");
  return NULL;
}

int
main (void)
{
  g_autoptr(GopodChannel) messages = gopod_channel_new (G_TYPE_STRING, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;
  GThread *sender = g_thread_new ("ping", send_ping, messages);

  chan_example_check (gopod_channel_receive_string (messages, &msg, NULL, &error), error, "receive");
  g_print ("%s\n", msg);
  g_thread_join (sender);
  return 0;
}
