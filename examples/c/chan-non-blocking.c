/* chan-non-blocking.c: non-blocking operations and the full-channel check,
 * from "Go Concurrency in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   select {                            gopod_channel_try_receive (): FALSE
 *   case msg := <-messages: ...         with G_IO_ERROR_WOULD_BLOCK where Go
 *   default: ... }                      runs the default case
 *   ch := make(chan int, 1); ch <- 1    gopod_channel_new (G_TYPE_INT, 1)
 *   select { case ch <- 2:              gopod_channel_try_send (): WOULD_BLOCK,
 *   default: "channel is full !" }      the buffer of one is taken
 */

#include "chan-example.h"

/* TRUE when error says the call would have blocked (and clears it). */
static gboolean
would_block (GError **error)
{
  if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return FALSE;
  g_clear_error (error);
  return TRUE;
}

int
main (void)
{
  g_autoptr(GopodChannel) messages = gopod_channel_new (G_TYPE_STRING, 0);
  g_autoptr(GopodChannel) ch = gopod_channel_new (G_TYPE_INT, 1);
  g_auto(GValue) msg = G_VALUE_INIT;
  g_auto(GValue) two = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (gopod_channel_try_receive (messages, &msg, &error))
    g_print ("received message %s\n", g_value_get_string (&msg));
  else if (would_block (&error))
    g_print ("no message received\n");
  chan_example_check (error == NULL, error, "try_receive");

  chan_example_check (gopod_channel_send_int (ch, 1, NULL, &error), error, "send");
  g_value_init (&two, G_TYPE_INT);
  g_value_set_int (&two, 2);
  if (!gopod_channel_try_send (ch, &two, &error) && would_block (&error))
    g_print ("channel is full !\n");
  chan_example_check (error == NULL, error, "try_send");
  return 0;
}
