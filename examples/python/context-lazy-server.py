#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The context/leak walk-through's lazy server and its cancelled request.

The walk-through has two programs: a "lazy and very random" HTTP server that
answers "Go! quick 1" at once or "Go! slow 0" after 6 seconds, and a client
whose GET runs under a 2-second context.WithTimeout. When the deadline passes, the
request is cancelled: the connection is closed and nothing keeps waiting for
the slow answer.

This program is both. The server runs on 127.0.0.1, on a port the system
picks, in its own thread and main context (a Gio.SocketService: the 6 s wait
is a timeout source, not a sleep). It alternates quick and slow answers,
quick first, so that the output is the same every run. The client makes
--requests GETs one after another, each a job with a 2 s timeout-ms in a pod
of one worker:

  Go                                       here
  context.WithTimeout(ctx, 2*time.Second)  the job's timeout-ms
  go work(ctx); wg.Wait()                  pod.add_job(); job.wait()
  client.Do(req) in its own goroutine,     http_get() with blocking GIO calls
  select on ctx.Done() and the result,     on the job's cancellable: the
  tr.CancelRequest(req); <-c               deadline cancels the read in
                                           flight, and the job closes the
                                           connection
  runtime.NumGoroutine()                   the Threads: line of
                                           /proc/self/status

The server prints when a client hangs up before the slow answer: that is the
connection being closed at the deadline. At the end the program compares the
process's thread count after the first request with the count after the
last: a GET stuck in a read would hold a thread.
"""

import argparse
import sys
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, Gio, Gopod  # noqa: E402

# Looked up here, on the main thread: PyGObject 3.42 builds an enum or flags
# type on its first use and fills in its values afterwards, so two worker
# threads using it first at once can find a value missing.
INVALID_DATA = Gio.IOErrorEnum.INVALID_DATA


def say(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def count_threads():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    return -1


class LazyServer:
    """http.ListenAndServe with LazyServer as its handler, on its own thread.

    headOrTails alternates 1 (quick), 0 (slow), 1, 0...
    """

    def __init__(self, slow_ms):
        self.slow_ms = slow_ms
        self.n_requests = 0
        self.context = GLib.MainContext()
        self.loop = GLib.MainLoop(self.context)
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name='lazy-server')
        self.thread.start()
        self.ready.wait()

    def _run(self):
        # The service's callbacks run on the context that is thread-default
        # when it starts listening.
        self.context.push_thread_default()
        service = Gio.SocketService()
        address = Gio.InetSocketAddress.new_from_string('127.0.0.1', 0)
        _, bound = service.add_address(address, Gio.SocketType.STREAM,
                                       Gio.SocketProtocol.TCP, None)
        self.port = bound.get_port()
        service.connect('incoming', self._incoming)
        service.start()
        self.ready.set()
        self.loop.run()
        service.stop()
        service.close()
        self.context.pop_thread_default()

    def stop(self):
        self.loop.quit()
        self.thread.join()

    def _incoming(self, service, connection, source):
        Exchange(self, connection)
        return True


class Exchange:
    """One connection, from its request to its answer or hang-up."""

    def __init__(self, server, connection):
        self.server = server
        self.connection = connection
        self.request = b''
        self.since = time.monotonic()
        self.slow_reply = None
        self.stop_watch = Gio.Cancellable()
        self._read(None, self._request_read)

    def _read(self, cancellable, callback):
        self.connection.get_input_stream().read_bytes_async(
            1024, GLib.PRIORITY_DEFAULT, cancellable, callback)

    def _request_read(self, stream, result):
        # Reads until the blank line that ends the request's headers.
        try:
            data = stream.read_bytes_finish(result).get_data()
        except GLib.Error:
            return
        if not data:
            return
        self.request += data
        if b'\r\n\r\n' not in self.request:
            self._read(None, self._request_read)
            return

        head_or_tails = 1 if self.server.n_requests % 2 == 0 else 0
        self.server.n_requests += 1
        if head_or_tails == 1:
            self._answer('quick', head_or_tails)
            return
        # time.Sleep(6 * time.Second), as a timer on the server's context,
        # while a read tells when the client closes the connection.
        self.slow_reply = GLib.timeout_source_new(self.server.slow_ms)
        self.slow_reply.set_callback(self._slow_reply_due)
        self.slow_reply.attach(self.server.context)
        self._read(self.stop_watch, self._client_hung_up)

    def _slow_reply_due(self, *args):
        self.slow_reply = None
        self.stop_watch.cancel()
        self._answer('slow', 0)
        return GLib.SOURCE_REMOVE

    def _client_hung_up(self, stream, result):
        try:
            stream.read_bytes_finish(result)
        except GLib.Error:
            pass  # a reset is a hang-up too; a cancel means we answered
        if self.stop_watch.is_cancelled() or self.slow_reply is None:
            return
        self.slow_reply.destroy()
        self.slow_reply = None
        self.connection.close(None)
        say('server: the client closed the connection after %d ms, before the slow answer'
            % ((time.monotonic() - self.since) * 1000))

    def _answer(self, speed, head_or_tails):
        # fmt.Fprintf(w, "Go! slow %v", headOrTails), as an HTTP/1.0 answer.
        body = 'Go! %s %d' % (speed, head_or_tails)
        response = ('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n'
                    'Content-Length: %d\r\n\r\n%s' % (len(body), body)).encode()
        try:
            self.connection.get_output_stream().write_all(response, None)
        except GLib.Error:
            pass  # the client is gone
        self.connection.close(None)
        say('server: ' + body)


def http_get(port, cancellable):
    """client.Do(req) and ioutil.ReadAll(resp.Body), with every blocking call
    on the cancellable: when the job's deadline cancels it, the call in
    flight raises G_IO_ERROR_CANCELLED at once."""
    client = Gio.SocketClient()
    address = Gio.InetSocketAddress.new_from_string('127.0.0.1', port)
    connection = client.connect(address, cancellable)
    try:
        request = 'GET / HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n' % port
        connection.get_output_stream().write_all(request.encode(), cancellable)
        # HTTP/1.0: the answer ends when the server closes the connection.
        response = b''
        while True:
            data = connection.get_input_stream().read_bytes(1024, cancellable).get_data()
            if not data:
                break
            response += data
    finally:
        # resp.Body.Close(), or tr.CancelRequest(req): either way the socket
        # is closed now, not when the server finally answers.
        connection.close(None)
    head, _, body = response.partition(b'\r\n\r\n')
    if not head.startswith(b'HTTP/1.0 200 '):
        raise GLib.Error.new_literal(Gio.io_error_quark(), 'not an HTTP 200 answer',
                                     INVALID_DATA)
    return body.decode()


class Work(Gopod.Job):
    """work(ctx): do_run runs in the pod's worker thread."""

    def __init__(self, port, timeout_ms):
        super().__init__()
        self.port = port
        self.body = None
        self.props.timeout_ms = timeout_ms  # context.WithTimeout

    def do_run(self, cancellable):
        try:
            self.body = http_get(self.port, cancellable)
        finally:
            say('Doing http request is a hard job')
        return True


def do_request(pod, port, timeout_ms):
    """One run of Go's client main()."""
    job = Work(port, timeout_ms)
    pod.add_job(job)  # go work(ctx)
    try:
        job.wait(None)  # wg.Wait()
        say('Server Response: %s' % job.body)
    except GLib.Error as e:
        if e.matches(Gopod.error_quark(), Gopod.Error.TIMEOUT):
            say('Cancel the context (timed out)')
        else:
            say('Error %s' % e.message)
    # The job has ended; wait until its worker has let go of it, too.
    pod.wait(None)


def main():
    parser = argparse.ArgumentParser(description='a GET cancelled at its deadline')
    parser.add_argument('--requests', type=int, default=2)
    parser.add_argument('--timeout-ms', type=int, default=2000)
    parser.add_argument('--slow-ms', type=int, default=6000)
    args = parser.parse_args()
    if args.requests < 1 or args.timeout_ms < 1 or args.slow_ms < 0:
        parser.error('invalid option value')

    server = LazyServer(args.slow_ms)
    say('lazy server on http://127.0.0.1:%d/' % server.port)

    say("Hey, I'm going to do some work")
    pod = Gopod.Pod.new(1)
    pod.start()
    threads_first = threads_last = -1
    for i in range(args.requests):
        do_request(pod, server.port, args.timeout_ms)
        # The first request starts what stays: the pod's worker and the
        # library's timer thread. Later ones must add nothing.
        threads_last = count_threads()
        if i == 0:
            threads_first = threads_last

    say('threads: %d after the first request, %d after the last; pod: %d running, %d workers'
        % (threads_first, threads_last, pod.props.running, pod.props.workers))
    if threads_last == threads_first:
        say('no thread left behind')
    else:
        say('LEAK: %d threads left behind' % (threads_last - threads_first))

    pod.shutdown(Gopod.ShutdownMode.DRAIN)
    say('pod shut down: %d workers' % pod.props.workers)
    server.stop()
    say("Finished. I'm going home")
    return 0 if threads_last == threads_first else 1


if __name__ == '__main__':
    sys.exit(main())
