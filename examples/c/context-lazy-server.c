/* context-lazy-server.c: the context/leak walk-through's lazy server and
 * its cancelled request
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The walk-through has two programs: a "lazy and very random" HTTP server that
 * answers "Go! quick 1" at once or "Go! slow 0" after 6 seconds, and a
 * client whose GET runs under a 2-second context.WithTimeout. When the
 * deadline passes, the request is cancelled: the connection is closed and
 * nothing keeps waiting for the slow answer.
 *
 * This program is both. The server runs on 127.0.0.1, on a port the system
 * picks, in its own thread and main context (a GSocketService: one thread
 * serves every connection, the 6 s wait is a timeout source, not a sleep).
 * It alternates quick and slow answers, quick first, so that the output is
 * the same every run. The client makes --requests GETs one after another,
 * each a job with a 2 s timeout-ms in a pod of one worker:
 *
 *   Go                                        here
 *   context.WithTimeout(ctx, 2*time.Second)   the job's timeout-ms
 *   go work(ctx); wg.Wait()                   gopod_pod_add_job ();
 *                                             gopod_job_wait ()
 *   client.Do(req) in its own goroutine,      http_get () with blocking GIO
 *   select on ctx.Done() and the result       calls on the job's cancellable:
 *   tr.CancelRequest(req); <-c                the deadline cancels the read
 *                                             in flight, and the job closes
 *                                             the connection
 *   runtime.NumGoroutine()                    the Threads: line of
 *                                             /proc/self/status
 *
 * The server prints when a client hangs up before the slow answer: that is
 * the connection being closed at the deadline. At the end the program
 * compares the process's thread count after the first request with the
 * count after the last: a GET stuck in a read would hold a thread.
 *
 *   context-lazy-server [--requests 2] [--timeout-ms 2000] [--slow-ms 6000]
 */

#include <pod-glib.h>

/* --- the lazy server ----------------------------------------------------- */

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  guint         slow_ms;
  guint         n_requests;
  guint16       port;
  GMutex        lock;
  GCond         cond;
} Server;

/* One connection, from its request to its answer or hang-up. Lives on the
 * server thread only; each pending callback holds a reference. */
typedef struct
{
  Server            *server;
  GSocketConnection *connection;
  GString           *request;
  GSource           *slow_reply;  /* the 6 s timer, until it fires */
  GCancellable      *stop_watch;  /* ends the hang-up watch once answered */
  gint64             since;
  char               buffer[1024];
} Exchange;

static void
exchange_clear (gpointer data)
{
  Exchange *exchange = data;

  g_object_unref (exchange->connection);
  g_string_free (exchange->request, TRUE);
  g_object_unref (exchange->stop_watch);
}

static Exchange *
exchange_ref (Exchange *exchange)
{
  return g_rc_box_acquire (exchange);
}

static void
exchange_unref (gpointer exchange)
{
  g_rc_box_release_full (exchange, exchange_clear);
}

static GInputStream *
exchange_input (Exchange *exchange)
{
  return g_io_stream_get_input_stream (G_IO_STREAM (exchange->connection));
}

/* fmt.Fprintf(w, "Go! slow %v", headOrTails), as an HTTP/1.0 answer. */
static void
answer (Exchange   *exchange,
        const char *speed,
        guint       head_or_tails)
{
  g_autofree char *body = g_strdup_printf ("Go! %s %u", speed, head_or_tails);
  g_autofree char *response = g_strdup_printf ("HTTP/1.0 200 OK\r\n"
                                               "Content-Type: text/plain\r\n"
                                               "Content-Length: %zu\r\n\r\n%s",
                                               strlen (body), body);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (exchange->connection));

  /* A few bytes to a socket: this does not block the server. */
  g_output_stream_write_all (out, response, strlen (response), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (exchange->connection), NULL, NULL);
  g_print ("server: %s\n", body);
}

static gboolean
slow_reply_due (gpointer data)
{
  Exchange *exchange = data;

  g_clear_pointer (&exchange->slow_reply, g_source_unref);
  g_cancellable_cancel (exchange->stop_watch);
  answer (exchange, "slow", 0);

  return G_SOURCE_REMOVE;
}

/* While the slow answer waits, a read on the connection tells when the
 * client closes it: it returns 0 (end of stream) or a reset. */
static void
client_hung_up (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Exchange *exchange = data;

  g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  if (!g_cancellable_is_cancelled (exchange->stop_watch) && exchange->slow_reply != NULL)
    {
      g_source_destroy (exchange->slow_reply);
      g_clear_pointer (&exchange->slow_reply, g_source_unref);
      g_io_stream_close (G_IO_STREAM (exchange->connection), NULL, NULL);
      g_print ("server: the client closed the connection after %" G_GINT64_FORMAT
               " ms, before the slow answer\n",
               (g_get_monotonic_time () - exchange->since) / 1000);
    }
  exchange_unref (exchange);
}

/* LazyServer: headOrTails alternates 1 (quick), 0 (slow), 1, 0... */
static void
serve (Exchange *exchange)
{
  guint head_or_tails = exchange->server->n_requests++ % 2 == 0 ? 1 : 0;

  if (head_or_tails == 1)
    {
      answer (exchange, "quick", head_or_tails);
      return;
    }

  /* time.Sleep(6 * time.Second), as a timer on the server's context. */
  exchange->slow_reply = g_timeout_source_new (exchange->server->slow_ms);
  g_source_set_callback (exchange->slow_reply, slow_reply_due,
                         exchange_ref (exchange), exchange_unref);
  g_source_attach (exchange->slow_reply, exchange->server->context);

  g_input_stream_read_async (exchange_input (exchange), exchange->buffer,
                             sizeof exchange->buffer, G_PRIORITY_DEFAULT,
                             exchange->stop_watch, client_hung_up, exchange_ref (exchange));
}

/* Reads until the blank line that ends the request's headers. */
static void
request_read (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Exchange *exchange = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n > 0)
    {
      g_string_append_len (exchange->request, exchange->buffer, n);
      if (strstr (exchange->request->str, "\r\n\r\n") != NULL)
        serve (exchange);
      else
        g_input_stream_read_async (G_INPUT_STREAM (source), exchange->buffer,
                                   sizeof exchange->buffer, G_PRIORITY_DEFAULT, NULL,
                                   request_read, exchange_ref (exchange));
    }
  exchange_unref (exchange);
}

static gboolean
incoming (GSocketService    *service,
          GSocketConnection *connection,
          GObject           *source_object,
          gpointer           data)
{
  Exchange *exchange = g_rc_box_new0 (Exchange);

  exchange->server = data;
  exchange->connection = g_object_ref (connection);
  exchange->request = g_string_new (NULL);
  exchange->stop_watch = g_cancellable_new ();
  exchange->since = g_get_monotonic_time ();
  g_input_stream_read_async (exchange_input (exchange), exchange->buffer,
                             sizeof exchange->buffer, G_PRIORITY_DEFAULT, NULL,
                             request_read, exchange);

  return TRUE;
}

/* http.ListenAndServe, on 127.0.0.1 and a port the system picks. */
static gpointer
server_thread (gpointer data)
{
  Server *server = data;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  /* The service's callbacks run on the context that is thread-default when
   * it starts listening. */
  g_main_context_push_thread_default (server->context);
  service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &bound, &error))
    g_error ("cannot listen on 127.0.0.1: %s", error->message);
  g_signal_connect (service, "incoming", G_CALLBACK (incoming), server);
  g_socket_service_start (service);

  g_mutex_lock (&server->lock);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_cond_signal (&server->cond);
  g_mutex_unlock (&server->lock);

  g_main_loop_run (server->loop);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_main_context_pop_thread_default (server->context);

  return NULL;
}

/* --- the client ---------------------------------------------------------- */

typedef struct
{
  guint16  port;
  char    *body;  /* the answer's body, once it came */
} Request;

/* client.Do(req) and ioutil.ReadAll(resp.Body), with every blocking call
 * on @cancellable: when the job's deadline cancels it, the call in flight
 * returns G_IO_ERROR_CANCELLED at once. */
static char *
http_get (guint16        port,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GString) response = g_string_new (NULL);
  g_autofree char *request = NULL;
  GInputStream *in;
  char buffer[1024];
  gssize n;
  char *body;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address),
                                        cancellable, error);
  if (connection == NULL)
    return NULL;

  request = g_strdup_printf ("GET / HTTP/1.0\r\nHost: 127.0.0.1:%u\r\n\r\n", port);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  request, strlen (request), NULL, cancellable, error))
    return NULL;

  /* HTTP/1.0: the answer ends when the server closes the connection. */
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  while ((n = g_input_stream_read (in, buffer, sizeof buffer, cancellable, error)) > 0)
    g_string_append_len (response, buffer, n);

  /* resp.Body.Close(), or tr.CancelRequest(req): either way the socket is
   * closed now, not when the server finally answers. */
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  if (n < 0)
    return NULL;

  if (!g_str_has_prefix (response->str, "HTTP/1.0 200 ") ||
      (body = strstr (response->str, "\r\n\r\n")) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not an HTTP 200 answer");
      return NULL;
    }

  return g_strdup (body + 4);
}

/* work(ctx): the job, in the pod's worker thread. */
static gboolean
work (GopodJob      *job,
      GCancellable  *cancellable,
      gpointer       user_data,
      GError       **error)
{
  Request *request = user_data;

  request->body = http_get (request->port, cancellable, error);
  g_print ("Doing http request is a hard job\n");

  return request->body != NULL;
}

static int
count_threads (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "\nThreads:")) == NULL)
    return -1;

  return atoi (line + strlen ("\nThreads:"));
}

/* One run of Go's client main(). */
static void
do_request (GopodPod *pod,
            guint16   port,
            guint     timeout_ms)
{
  Request request = { port, NULL };
  g_autoptr(GopodJob) job = gopod_job_new_func (work, &request, NULL);
  g_autoptr(GError) error = NULL;

  gopod_job_set_timeout_ms (job, timeout_ms);  /* context.WithTimeout */
  if (!gopod_pod_add_job (pod, job, NULL, &error))  /* go work(ctx) */
    g_error ("could not add the job: %s", error->message);

  if (gopod_job_wait (job, NULL, &error))  /* wg.Wait() */
    g_print ("Server Response: %s\n", request.body);
  else if (g_error_matches (error, GOPOD_ERROR, GOPOD_ERROR_TIMEOUT))
    g_print ("Cancel the context (timed out)\n");
  else
    g_print ("Error %s\n", error->message);

  /* The job has ended; wait until its worker has let go of it, too. */
  gopod_pod_wait (pod, NULL, NULL);
  g_free (request.body);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GError) error = NULL;
  Server server = { 0 };
  GThread *thread;
  int n_requests = 2, timeout_ms = 2000, slow_ms = 6000;
  int threads_first = -1, threads_last = -1;
  GOptionEntry entries[] = {
    { "requests", 0, 0, G_OPTION_ARG_INT, &n_requests, "GET requests to make (2)", "N" },
    { "timeout-ms", 0, 0, G_OPTION_ARG_INT, &timeout_ms, "Each request's deadline (2000)", "MS" },
    { "slow-ms", 0, 0, G_OPTION_ARG_INT, &slow_ms, "How long a slow answer takes (6000)", "MS" },
    { NULL }
  };

  options = g_option_context_new ("- a GET cancelled at its deadline");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      n_requests < 1 || timeout_ms < 1 || slow_ms < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "invalid option value");
      return 2;
    }

  server.context = g_main_context_new ();
  server.loop = g_main_loop_new (server.context, FALSE);
  server.slow_ms = (guint) slow_ms;
  g_mutex_init (&server.lock);
  g_cond_init (&server.cond);
  thread = g_thread_new ("lazy-server", server_thread, &server);
  g_mutex_lock (&server.lock);
  while (server.port == 0)
    g_cond_wait (&server.cond, &server.lock);
  g_mutex_unlock (&server.lock);
  g_print ("lazy server on http://127.0.0.1:%u/\n", server.port);

  g_print ("Hey, I'm going to do some work\n");
  pod = gopod_pod_new (1);
  gopod_pod_start (pod);
  for (int i = 0; i < n_requests; i++)
    {
      do_request (pod, server.port, (guint) timeout_ms);
      /* The first request starts what stays: the pod's worker and the
       * library's timer thread. Later ones must add nothing. */
      threads_last = count_threads ();
      if (i == 0)
        threads_first = threads_last;
    }

  g_print ("threads: %d after the first request, %d after the last; "
           "pod: %u running, %u workers\n",
           threads_first, threads_last,
           gopod_pod_get_running (pod), gopod_pod_get_workers (pod));
  if (threads_last == threads_first)
    g_print ("no thread left behind\n");
  else
    g_print ("LEAK: %d threads left behind\n", threads_last - threads_first);

  gopod_pod_shutdown (pod, GOPOD_SHUTDOWN_DRAIN, NULL, NULL);
  g_print ("pod shut down: %u workers\n", gopod_pod_get_workers (pod));

  g_main_loop_quit (server.loop);
  g_thread_join (thread);
  g_main_loop_unref (server.loop);
  g_main_context_unref (server.context);
  g_mutex_clear (&server.lock);
  g_cond_clear (&server.cond);

  g_print ("Finished. I'm going home\n");

  return threads_last == threads_first ? 0 : 1;
}
