/* chan-buffering.c: the buffered pair of "Go Concurrency in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   messages := make(chan string, 2)    gopod_channel_new (G_TYPE_STRING, 2)
 *   messages <- "buffered"              gopod_channel_send_string ()
 *   fmt.Println(<-messages)             gopod_channel_receive_string ()
 *
 * A buffer of 2 holds both values with no receiver waiting, so one thread
 * sends and then receives; a third send would block (see chan-deadlock.c).
 */

#include "chan-example.h"

int
main (void)
{
  g_autoptr(GopodChannel) messages = gopod_channel_new (G_TYPE_STRING, 2);
  g_autoptr(GError) error = NULL;

  chan_example_check (gopod_channel_send_string (messages, "buffered", NULL, &error), error, "send");
  chan_example_check (gopod_channel_send_string (messages, "channel", NULL, &error), error, "send");

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *msg = NULL;

      chan_example_check (gopod_channel_receive_string (messages, &msg, NULL, &error),
                          error, "receive");
      g_print ("%s\n", msg);
    }
  return 0;
}
