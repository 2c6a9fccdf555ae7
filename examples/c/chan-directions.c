/* chan-directions.c: channel directions (ping and pong) of "Go Concurrency
 * in practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   pings := make(chan string, 1)       gopod_channel_new (G_TYPE_STRING, 1)
 *   func ping(pings chan<- string, ..)  ping (pings, msg): only sends on pings
 *   func pong(pings <-chan string,      pong (pings, pongs): only receives on
 *             pongs chan<- string)      pings and only sends on pongs
 *
 * A GopodChannel has no send-only or receive-only view: the direction is
 * the function's contract, written in its comment, not checked by the
 * compiler.
 */

#include "chan-example.h"

/* Sends msg on pings (a send-only end in Go). */
static void
ping (GopodChannel *pings,
      const char   *msg)
{
  g_autoptr(GError) error = NULL;

  chan_example_check (gopod_channel_send_string (pings, msg, NULL, &error), error, "ping");
}

/* Receives from pings, sends on pongs. */
static void
pong (GopodChannel *pings,
      GopodChannel *pongs)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;

  chan_example_check (gopod_channel_receive_string (pings, &msg, NULL, &error), error, "pong");
  chan_example_check (gopod_channel_send_string (pongs, msg, NULL, &error), error, "pong");
}

int
main (void)
{
  g_autoptr(GopodChannel) pings = gopod_channel_new (G_TYPE_STRING, 1);
  g_autoptr(GopodChannel) pongs = gopod_channel_new (G_TYPE_STRING, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;

  ping (pings, "passed message");
  pong (pings, pongs);
  chan_example_check (gopod_channel_receive_string (pongs, &msg, NULL, &error), error, "receive");
  g_print ("%s\n", msg);
  return 0;
}
