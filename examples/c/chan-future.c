/* chan-future.c: the future (query and result) of "Go Concurrency in
 * practice"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   type query struct {                 Query: two string channels of one
 *       sql, result chan string }
 *   execQuery(q)                        exec_query (): a thread that waits
 *                                       for the SQL, then answers
 *   q.sql <- "select * from table"      gopod_channel_send_string (q.sql):
 *                                       the argument arrives after the call
 *   fmt.Println(<-q.result)             gopod_channel_receive_string ()
 */

#include "chan-example.h"

typedef struct
{
  GopodChannel *sql;
  GopodChannel *result;
} Query;

static gpointer
exec_query_run (gpointer data)
{
  Query *q = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *answer = NULL;

  chan_example_check (gopod_channel_receive_string (q->sql, &sql, NULL, &error), error, "query");
  answer = g_strconcat ("get ", sql, NULL);
  chan_example_check (gopod_channel_send_string (q->result, answer, NULL, &error), error, "query");
  return NULL;
}

static GThread *
exec_query (Query *q)
{
  return g_thread_new ("query", exec_query_run, q);
}

int
main (void)
{
  g_autoptr(GopodChannel) sql = gopod_channel_new (G_TYPE_STRING, 1);
  g_autoptr(GopodChannel) result = gopod_channel_new (G_TYPE_STRING, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  Query q = { sql, result };
  GThread *thread = exec_query (&q);

  /* the parameter, ready after the call */
  chan_example_check (gopod_channel_send_string (q.sql, "select * from table", NULL, &error),
                      error, "send");
  chan_example_check (gopod_channel_receive_string (q.result, &answer, NULL, &error),
                      error, "receive");
  g_print ("%s\n", answer);
  g_thread_join (thread);
  return 0;
}
