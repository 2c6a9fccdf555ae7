#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The design of the dispatcher/worker walk-through, ported.

"Handling 1 million requests per minute": requests carry payloads, each
payload becomes a job in a bounded queue (MAX_QUEUE) in front of a fixed
number of workers (MAX_WORKERS), and each worker uploads its payload. The
upload goes to a local file sink instead of S3: a temporary directory with
one file per payload, verified at the end.

  Go                                    here
  MAX_WORKERS, MAX_QUEUE (os.Getenv)    the same environment variables
  JobQueue = make(chan Job, MaxQueue)   the pod's max-queued
  NewDispatcher(MaxWorker).Run()        Gopod.Pod.new(MAX_WORKERS), start():
                                        the pod hands each job to a free worker
  JobQueue <- work  (blocks when full)  pod.add_job(), which blocks while the
                                        queue is full
  Payload.UploadToS3()                  Upload.do_run(), in a worker thread
  log.Errorf("Error uploading to S3")   the same line; the job FAILS
  Worker.Stop()                         pod.shutdown(): DRAIN uploads what is
                                        queued, DISCARD (--discard) drops it,
                                        and every payload is accounted for

  MAX_WORKERS=4 MAX_QUEUE=16 dispatcher.py [--requests 10] [--payloads 10]
      [--upload-ms 50] [--fail ID] [--discard] [--keep]
"""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GLib, Gio, Gopod  # noqa: E402

# Looked up here, on the main thread: PyGObject 3.42 builds an enum or flags
# type on its first use and fills in its values afterwards, so two worker
# threads using it first at once can find a value missing.
REPLACE_FLAGS = Gio.FileCreateFlags.NONE

lock = threading.Lock()
active = 0
peak = 0


def payload_contents(payload_id):
    return '{"id": %d, "data": "payload number %d"}\n' % (payload_id, payload_id)


def payload_path(sink, payload_id):
    return os.path.join(sink, 'payload-%04d.json' % payload_id)


class Upload(Gopod.Job):
    """A Job carrying its Payload; do_run is Payload.UploadToS3()."""

    def __init__(self, sink, payload_id, latency_s):
        super().__init__()
        self.sink = sink
        self.payload_id = payload_id
        self.latency_s = latency_s

    def do_run(self, cancellable):
        global active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            # Like an S3 PUT without a context, the latency is not
            # cancellable; the write is.
            time.sleep(self.latency_s)
            contents = payload_contents(self.payload_id).encode()
            target = Gio.File.new_for_path(payload_path(self.sink, self.payload_id))
            target.replace_contents(contents, None, False, REPLACE_FLAGS,
                                    cancellable)
        except GLib.Error as e:
            if cancellable.is_cancelled():
                # A cancelled PUT leaves no object behind: drop what was written.
                try:
                    target.delete(None)
                except GLib.Error:
                    pass
            else:
                sys.stderr.write('Error uploading to S3: %s\n' % e.message)
            raise  # the job ends FAILED (or CANCELLED) with this error
        finally:
            with lock:
                active -= 1
        return True


def verify_sink(sink, n_payloads):
    """Every file in the sink must be a payload, byte for byte."""
    good = bad = 0
    for payload_id in range(1, n_payloads + 1):
        path = payload_path(sink, payload_id)
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            if f.read() == payload_contents(payload_id):
                good += 1
            else:
                bad += 1
    return good, bad


def read_env(name, fallback):
    """MAX_WORKERS and MAX_QUEUE: a positive number, or fallback when unset."""
    text = os.environ.get(name, '')
    if not text:
        return fallback
    if not text.isdigit() or not 1 <= int(text) <= 10000:
        sys.stderr.write('%s: %r is not a number in [1, 10000]\n' % (name, text))
        sys.exit(2)
    return int(text)


def main():
    parser = argparse.ArgumentParser(
        description='the dispatcher/worker design, uploading to a file sink')
    parser.add_argument('--requests', type=int, default=10)
    parser.add_argument('--payloads', type=int, default=10)
    parser.add_argument('--upload-ms', type=int, default=50)
    parser.add_argument('--fail', type=int, default=0, metavar='ID')
    parser.add_argument('--discard', action='store_true')
    parser.add_argument('--keep', action='store_true')
    args = parser.parse_args()
    if min(args.requests, args.payloads, args.upload_ms, args.fail) < 0:
        parser.error('invalid option value')
    # Go's unbuffered channel (MAX_QUEUE=0) has no pod equivalent: max-queued
    # 0 means unbounded. The `work` example shows the closest, a queue of 1.
    max_workers = read_env('MAX_WORKERS', 4)
    max_queue = read_env('MAX_QUEUE', 16)
    total = args.requests * args.payloads

    sink = tempfile.mkdtemp(prefix='dispatcher-')
    if args.fail:
        # A directory where the payload's file should go: a real write error.
        os.mkdir(payload_path(sink, args.fail))
    print('MAX_WORKERS=%d MAX_QUEUE=%d, uploading to %s' % (max_workers, max_queue, sink),
          flush=True)

    # dispatcher := NewDispatcher(MaxWorker); dispatcher.Run()
    pod = Gopod.Pod.new(max_workers)
    pod.props.max_queued = max_queue
    pod.start()

    # payloadHandler, once per POST request.
    peak_queued = 0
    payload_id = 0
    for _ in range(args.requests):
        for _ in range(args.payloads):
            payload_id += 1
            # JobQueue <- work: blocks while MAX_QUEUE jobs wait.
            pod.add_job(Upload(sink, payload_id, args.upload_ms / 1000))
            peak_queued = max(peak_queued, pod.props.queued)
        print('POST /payloads: %d payloads queued, 200 OK' % args.payloads, flush=True)

    # Worker.Stop() for every worker: with DRAIN, once the queue is empty.
    mode = Gopod.ShutdownMode.DISCARD if args.discard else Gopod.ShutdownMode.DRAIN
    pod.shutdown(mode)
    print('workers stopped (%s)' % ('queue discarded' if args.discard else 'queue drained'))

    uploaded, failed, dropped = pod.props.succeeded, pod.props.failed, pod.props.cancelled
    ended = uploaded + failed + dropped
    good, bad = verify_sink(sink, total)
    print('uploaded: %d, failed: %d, dropped: %d; accounted for: %d of %d payloads'
          % (uploaded, failed, dropped, ended, total))
    print('sink: %d files match their payloads, %d do not' % (good, bad))
    print('peak in flight: %d (MAX_WORKERS %d)' % (peak, max_workers))
    print('peak queued: %d (MAX_QUEUE %d)' % (peak_queued, max_queue))

    if not args.keep:
        shutil.rmtree(sink)

    ok = (ended == total and good == uploaded and bad == 0
          and peak <= max_workers and peak_queued <= max_queue)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
