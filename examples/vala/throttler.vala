/* throttler.vala: nozzle/throttler's ExampleThrottler, in Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fetches a list of URLs with at most 2 fetches in flight, and stops
 * launching new ones after the first error, as throttler's example does.
 * The URLs point at a small HTTP server on 127.0.0.1 that this program
 * starts itself (a GLib.SocketService on a free port); one URL answers 500.
 *
 * Where the Go program starts a goroutine per URL, this one starts an async
 * method on the main loop: `yield throttler.throttle_async ()` waits without
 * blocking the loop, and each fetch calls done() when it ends. The server
 * runs on the same loop. (examples/c/throttler.c shows the thread flavour,
 * with the blocking throttle().)
 *
 *   throttler
 */

const string[] PATHS = { "/one", "/two", "/broken", "/four", "/five", "/six", "/seven" };
const string HOST = "127.0.0.1";

async void sleep_ms (uint ms) {
  Timeout.add (ms, sleep_ms.callback);
  yield;
}

/* --- the server ---------------------------------------------------------- */

async void serve (SocketConnection connection) {
  try {
    var input = new DataInputStream (connection.input_stream);
    input.close_base_stream = false;
    string? request = yield input.read_line_utf8_async ();
    if (request == null)
      return;
    /* Skip the headers. */
    string? line;
    while ((line = yield input.read_line_utf8_async ()) != null && line.strip () != "")
      ;

    /* "GET /path HTTP/1.x" */
    string[] words = request.split (" ");
    string path = words.length > 1 ? words[1] : "/";

    /* A little latency, so that fetches overlap as real ones do. */
    yield sleep_ms (20);

    string response;
    if (path == "/broken")
      response = "HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    else
      response = "HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s".printf (path.length, path);
    yield connection.output_stream.write_all_async (response.data, Priority.DEFAULT, null, null);
    yield connection.close_async ();
  } catch (Error e) {
    printerr ("server: %s\n", e.message);
  }
}

SocketService start_server (out uint16 port) throws Error {
  var service = new SocketService ();
  SocketAddress bound;
  service.add_address (new InetSocketAddress.from_string (HOST, 0), SocketType.STREAM,
                       SocketProtocol.TCP, null, out bound);
  service.incoming.connect ((connection) => {
    serve.begin (connection);
    return true;
  });
  service.start ();
  port = ((InetSocketAddress) bound).get_port ();
  return service;
}

/* --- the client ---------------------------------------------------------- */

int in_flight = 0;
int peak_in_flight = 0;

/* http.Get: the status line decides, the body is read and dropped. */
async void http_get (uint16 port, string path) throws Error {
  var client = new SocketClient ();
  var connection = yield client.connect_to_host_async (HOST, port);
  Error? failure = null;
  try {
    yield request (connection, port, path);
  } catch (Error e) {
    failure = e;
  }
  yield connection.close_async ();
  if (failure != null)
    throw failure;
}

async void request (SocketConnection connection, uint16 port, string path) throws Error {
  yield connection.output_stream.write_all_async (
    "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n".printf (path, HOST).data, Priority.DEFAULT, null, null);
  var input = new DataInputStream (connection.input_stream);
  input.close_base_stream = false;
  string? line = yield input.read_line_utf8_async ();
  if (line == null)
    throw new IOError.CONNECTION_CLOSED ("connection closed before the status line");
  while ((yield input.read_bytes_async (4096)).length > 0)
    ;
  string status = line.strip ();
  if (!status.has_prefix ("HTTP/1.0 200") && !status.has_prefix ("HTTP/1.1 200")) {
    int space = status.index_of_char (' ');
    throw new IOError.FAILED ("GET http://%s:%u%s: %s", HOST, port, path,
                              space >= 0 ? status.substring (space + 1) : status);
  }
}

/* The goroutine: fetch, then tell the throttler. */
async void fetch (Gopod.Throttler throttler, uint16 port, string path) {
  in_flight++;
  peak_in_flight = int.max (peak_in_flight, in_flight);
  Error? error = null;
  try {
    yield http_get (port, path);
    print ("fetched %s\n", path);
  } catch (Error e) {
    error = e;
  }
  in_flight--;
  /* Let the throttler know the fetch is over, so the loop may go on. */
  throttler.done (error);
}

async int main (string[] args) {
  uint16 port;
  SocketService service;
  try {
    service = start_server (out port);
  } catch (Error e) {
    printerr ("cannot listen on %s: %s\n", HOST, e.message);
    return 3;
  }
  print ("serving %d URLs on http://%s:%u/\n", PATHS.length, HOST, port);

  /* Get 2 URLs at a time. */
  var throttler = new Gopod.Throttler (2, PATHS.length);
  int started = 0;
  try {
    foreach (unowned string path in PATHS) {
      print ("fetching %s\n", path);
      fetch.begin (throttler, port, path);
      started++;
      /* Pauses until a fetch may start, or all are done; with errors,
       * starts no more. */
      if ((yield throttler.throttle_async (null)) > 0)
        break;
    }
    /* After a break, the fetches still in flight end first. */
    yield throttler.wait_async (null);
  } catch (Error e) {
    printerr ("throttler: %s\n", e.message);
    return 3;
  }

  var errors = throttler.get_errors ();
  for (uint i = 0; i < errors.length; i++)
    print ("error #%u: %s\n", i, errors[i].message);
  print ("fetched %u of %d URLs, peak in flight: %d\n",
         started - errors.length, PATHS.length, peak_in_flight);

  service.stop ();
  service.close ();
  return errors.length > 0 ? 1 : 0;
}
