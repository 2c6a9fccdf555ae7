/* chan-deadlock.c: the deadlocks of "Go Concurrency in practice", shown
 * without hanging
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Go's runtime stops these programs with "fatal error: all goroutines are
 * asleep - deadlock!". A GopodChannel cannot know that no other thread will
 * come, so a blocking call would wait forever; gopod_channel_try_send () and
 * gopod_channel_try_receive () say instead that they would block
 * (G_IO_ERROR_WOULD_BLOCK), and the two fixes the text gives, a buffer and
 * a select with default, work.
 *
 *   Go                                  here
 *   messages <- "ping"  (no receiver)   gopod_channel_try_send (): WOULD_BLOCK
 *   make(chan string, 1)                a buffer of one: the send fits
 *   select { case messages <- "msg":    gopod_channel_try_send () again: the
 *   default: "no message sent" }        unbuffered channel has no receiver
 *   for elem := range queue (empty,     gopod_channel_try_receive ():
 *   never closed)                       WOULD_BLOCK
 */

#include "chan-example.h"

/* TRUE when the send of text would block; exits on any other failure. */
static gboolean
send_would_block (GopodChannel *channel,
                  const char   *text)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, text);
  if (gopod_channel_try_send (channel, &value, &error))
    return FALSE;
  chan_example_check (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK),
                      error, "try_send");
  return TRUE;
}

int
main (void)
{
  g_autoptr(GopodChannel) messages = gopod_channel_new (G_TYPE_STRING, 0);
  g_autoptr(GopodChannel) buffered = gopod_channel_new (G_TYPE_STRING, 1);
  g_autoptr(GopodChannel) queue = gopod_channel_new (G_TYPE_STRING, 2);
  g_auto(GValue) elem = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;

  if (send_would_block (messages, "ping"))
    g_print ("messages <- \"ping\": would block, no receiver "
             "(Go: fatal error: all goroutines are asleep - deadlock!)\n");

  chan_example_check (!send_would_block (buffered, "ping"), NULL, "a buffer of one");
  chan_example_check (gopod_channel_receive_string (buffered, &msg, NULL, &error), error, "receive");
  g_print ("with a buffer of one: %s\n", msg);

  g_print ("%s\n", send_would_block (messages, "msg") ? "no message sent" : "sent message");

  if (!gopod_channel_try_receive (queue, &elem, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    g_print ("range over an empty queue nobody closes: would block\n");
  return 0;
}
