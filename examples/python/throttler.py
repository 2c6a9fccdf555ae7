#!/usr/bin/python3
"""nozzle/throttler's ExampleThrottler, ported to Python.

Fetches a list of URLs with at most 2 fetches in flight, and stops launching
new ones after the first error. The URLs point at a small HTTP server on
127.0.0.1 that this program starts itself with Gio.ThreadedSocketService;
one URL answers 500. Each fetch runs on its own thread, like the goroutine.
"""

import sys
import threading
import time
import urllib.error
import urllib.request

import gi
gi.require_version('Gopod', '1.0')
from gi.repository import Gio, GLib, Gopod  # noqa: E402

# Looked up here, on the main thread: PyGObject 3.42 builds an enum or flags
# type on its first use and fills in its values afterwards, so two worker
# threads using it first at once can find a value missing.
FAILED = Gio.IOErrorEnum.FAILED

PATHS = ['/one', '/two', '/broken', '/four', '/five', '/six', '/seven']



def say(line):
    """One write per line: print() from several threads can interleave."""
    sys.stdout.write(line + '\n')
    sys.stdout.flush()

def serve(service, connection, source):
    stream = Gio.DataInputStream.new(connection.get_input_stream())
    stream.set_close_base_stream(False)
    request, _ = stream.read_line_utf8(None)
    while True:  # skip the headers
        line, _ = stream.read_line_utf8(None)
        if not line or not line.strip():
            break
    path = request.split(' ')[1] if request and ' ' in request else '/'
    time.sleep(0.02)  # a little latency, so that fetches overlap
    if path == '/broken':
        response = ('HTTP/1.0 500 Internal Server Error\r\n'
                    'Content-Length: 0\r\nConnection: close\r\n\r\n')
    else:
        response = ('HTTP/1.0 200 OK\r\nContent-Length: %d\r\n'
                    'Connection: close\r\n\r\n%s' % (len(path), path))
    connection.get_output_stream().write_all(response.encode(), None)
    return True


def start_server():
    """Runs the service on its own thread and main context; returns its port."""
    ready = threading.Event()
    state = {}

    def run():
        context = GLib.MainContext.new()
        context.push_thread_default()
        service = Gio.ThreadedSocketService.new(4)
        address = Gio.InetSocketAddress.new_from_string('127.0.0.1', 0)
        _, bound = service.add_address(address, Gio.SocketType.STREAM,
                                       Gio.SocketProtocol.TCP, None)
        service.connect('run', serve)
        service.start()
        state['port'] = bound.get_port()
        state['loop'] = GLib.MainLoop.new(context, False)
        ready.set()
        state['loop'].run()
        service.stop()
        service.close()
        context.pop_thread_default()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait()
    return state['port'], state['loop'], thread


# The server is local: no proxy from the environment applies.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
lock = threading.Lock()
in_flight = 0
peak_in_flight = 0


def fetch(throttler, url):
    global in_flight, peak_in_flight
    with lock:
        in_flight += 1
        peak_in_flight = max(peak_in_flight, in_flight)
    error = None
    try:
        with opener.open(url) as response:
            response.read()
        say('fetched ' + url[url.rindex('/'):])
    except urllib.error.HTTPError as e:
        error = GLib.Error.new_literal(Gio.io_error_quark(),
                                       'GET %s: %d %s' % (url, e.code, e.reason),
                                       FAILED)
    except OSError as e:
        error = GLib.Error.new_literal(Gio.io_error_quark(), 'GET %s: %s' % (url, e),
                                       FAILED)
    with lock:
        in_flight -= 1
    # Let the throttler know the fetch is over, so the loop may go on.
    if error is None:
        throttler.done(None)
    else:
        throttler.done(error)


def main():
    port, loop, server = start_server()
    base = 'http://127.0.0.1:%d' % port
    say('serving %d URLs on %s/' % (len(PATHS), base))

    # Get 2 URLs at a time.
    throttler = Gopod.Throttler.new(2, len(PATHS))
    threads = []
    for path in PATHS:
        say('fetching ' + path)
        thread = threading.Thread(target=fetch, args=(throttler, base + path))
        thread.start()
        threads.append(thread)
        # Pauses until a fetch may start, or all are done; with errors,
        # starts no more.
        if throttler.throttle() > 0:
            break
    # After a break, the fetches still in flight end first.
    throttler.wait()
    for thread in threads:
        thread.join()

    errors = throttler.get_errors()
    for i, error in enumerate(errors):
        print('error #%d: %s' % (i, error.message))
    print('fetched %d of %d URLs, peak in flight: %d'
          % (len(threads) - len(errors), len(PATHS), peak_in_flight))

    loop.quit()
    server.join()
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
