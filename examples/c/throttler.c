/* throttler.c: nozzle/throttler's ExampleThrottler, ported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fetches a list of URLs with at most 2 fetches in flight, and stops
 * launching new ones after the first error, as throttler's example does.
 * The URLs point at a small HTTP server on 127.0.0.1 that this program
 * starts itself (a GThreadedSocketService on a free port); one URL answers
 * 500. Each fetch runs on its own thread, like the Go goroutine, with
 * blocking GIO calls.
 */

#include <pod-glib.h>

static const char *paths[] = { "/one", "/two", "/broken", "/four", "/five", "/six", "/seven" };

/* --- the server ---------------------------------------------------------- */

static gboolean
serve (GThreadedSocketService *service,
       GSocketConnection      *connection,
       GObject                *source,
       gpointer                user_data)
{
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *request = NULL;
  g_autofree char *response = NULL;
  g_autofree char *path = NULL;
  char *line;
  GOutputStream *out;

  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  request = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  if (request == NULL)
    return TRUE;
  /* Skip the headers. */
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) != NULL &&
         g_strstrip (line)[0] != '\0')
    g_free (line);
  g_free (line);

  /* "GET /path HTTP/1.x" */
  path = g_strdup (strchr (request, ' ') ? strchr (request, ' ') + 1 : "/");
  if (strchr (path, ' '))
    *strchr (path, ' ') = '\0';

  /* A little latency, so that fetches overlap as real ones do. */
  g_usleep (20 * 1000);

  if (g_str_equal (path, "/broken"))
    response = g_strdup ("HTTP/1.0 500 Internal Server Error\r\n"
                         "Content-Length: 0\r\nConnection: close\r\n\r\n");
  else
    response = g_strdup_printf ("HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n"
                                "Connection: close\r\n\r\n%s",
                                strlen (path), path);

  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, response, strlen (response), NULL, NULL, NULL);

  return TRUE;
}

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  guint16       port;
  GMutex        lock;
  GCond         cond;
} Server;

static gpointer
server_thread (gpointer data)
{
  Server *server = data;
  g_autoptr(GSocketService) service = g_threaded_socket_service_new (4);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (server->context);

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &bound, &error))
    g_error ("cannot listen on 127.0.0.1: %s", error->message);
  g_signal_connect (service, "run", G_CALLBACK (serve), NULL);
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

static gint in_flight;
static gint peak_in_flight;

static void
note_start (void)
{
  int now = g_atomic_int_add (&in_flight, 1) + 1;
  int peak = g_atomic_int_get (&peak_in_flight);

  while (now > peak && !g_atomic_int_compare_and_exchange (&peak_in_flight, peak, now))
    peak = g_atomic_int_get (&peak_in_flight);
}

/* http.Get: the status line decides, the body is read and dropped. */
static gboolean
http_get (const char  *host,
          guint16      port,
          const char  *path,
          GError     **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *request = NULL;
  g_autofree char *status = NULL;
  char buffer[1024];

  connection = g_socket_client_connect_to_host (client, host, port, NULL, error);
  if (connection == NULL)
    return FALSE;

  request = g_strdup_printf ("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  request, strlen (request), NULL, NULL, error))
    return FALSE;

  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  status = g_data_input_stream_read_line (in, NULL, NULL, error);
  if (status == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             "connection closed before the status line");
      return FALSE;
    }
  g_strstrip (status);
  while (g_input_stream_read (G_INPUT_STREAM (in), buffer, sizeof buffer, NULL, NULL) > 0)
    ;

  if (!g_str_has_prefix (status, "HTTP/1.0 200") && !g_str_has_prefix (status, "HTTP/1.1 200"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GET http://%s:%u%s: %s",
                   host, port, path, strchr (status, ' ') ? strchr (status, ' ') + 1 : status);
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  GopodThrottler *throttler;
  guint16         port;
  const char     *path;
} Fetch;

static gpointer
fetch_thread (gpointer data)
{
  Fetch *fetch = data;
  g_autoptr(GError) error = NULL;

  note_start ();
  if (http_get ("127.0.0.1", fetch->port, fetch->path, &error))
    g_print ("fetched %s\n", fetch->path);
  g_atomic_int_add (&in_flight, -1);

  /* Let the throttler know the fetch is over, so the loop may go on. */
  gopod_throttler_done (fetch->throttler, error);
  g_free (fetch);

  return NULL;
}

int
main (void)
{
  Server server = { 0 };
  g_autoptr(GopodThrottler) throttler = NULL;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autoptr(GPtrArray) errors = NULL;
  GThread *thread;

  server.context = g_main_context_new ();
  server.loop = g_main_loop_new (server.context, FALSE);
  g_mutex_init (&server.lock);
  g_cond_init (&server.cond);
  thread = g_thread_new ("server", server_thread, &server);
  g_mutex_lock (&server.lock);
  while (server.port == 0)
    g_cond_wait (&server.cond, &server.lock);
  g_mutex_unlock (&server.lock);
  g_print ("serving %u URLs on http://127.0.0.1:%u/\n",
           (guint) G_N_ELEMENTS (paths), server.port);

  /* Get 2 URLs at a time. */
  throttler = gopod_throttler_new (2, G_N_ELEMENTS (paths));
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      Fetch *fetch = g_new0 (Fetch, 1);

      fetch->throttler = throttler;
      fetch->port = server.port;
      fetch->path = paths[i];
      g_print ("fetching %s\n", paths[i]);
      g_ptr_array_add (threads, g_thread_new ("fetch", fetch_thread, fetch));

      /* Pauses until a fetch may start, or all are done; with errors,
       * starts no more. */
      if (gopod_throttler_throttle (throttler) > 0)
        break;
    }
  /* After a break, the fetches still in flight end first. */
  gopod_throttler_wait (throttler);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));

  errors = gopod_throttler_get_errors (throttler);
  for (guint i = 0; i < errors->len; i++)
    g_print ("error #%u: %s\n", i, ((GError *) g_ptr_array_index (errors, i))->message);
  g_print ("fetched %u of %u URLs, peak in flight: %d\n",
           threads->len - errors->len, (guint) G_N_ELEMENTS (paths),
           g_atomic_int_get (&peak_in_flight));

  g_main_loop_quit (server.loop);
  g_thread_join (thread);
  g_main_loop_unref (server.loop);
  g_main_context_unref (server.context);
  g_mutex_clear (&server.lock);
  g_cond_clear (&server.cond);

  return errors->len > 0 ? 1 : 0;
}
