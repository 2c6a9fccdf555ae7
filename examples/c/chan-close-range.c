/* chan-close-range.c: closing a channel and ranging over it, from "Go
 * Concurrency in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   queue := make(chan string, 2)       gopod_channel_new (G_TYPE_STRING, 2)
 *   close(queue)                        gopod_channel_close ()
 *   for elem := range queue {           receive until GOPOD_ERROR_CLOSED: the
 *                                       buffered values come first, as in Go
 *
 * A closed channel still gives what it holds; only then does a receive
 * report GOPOD_ERROR_CLOSED (Go's `v, ok := <-queue` with ok false, which
 * ends range).
 */

#include "chan-example.h"

int
main (void)
{
  g_autoptr(GopodChannel) queue = gopod_channel_new (G_TYPE_STRING, 2);
  g_autoptr(GError) error = NULL;
  char *elem;

  chan_example_check (gopod_channel_send_string (queue, "one", NULL, &error), error, "send");
  chan_example_check (gopod_channel_send_string (queue, "two", NULL, &error), error, "send");
  gopod_channel_close (queue);

  while (gopod_channel_receive_string (queue, &elem, NULL, &error))
    {
      g_print ("%s\n", elem);
      g_free (elem);
    }
  chan_example_check (chan_example_closed (&error), error, "receive");
  return 0;
}
