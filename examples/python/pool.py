#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The `pool` program of Go in Action with Gopod.ResourcePool.

25 concurrent queries share pooled database connections; the pool keeps 2
idle (Go in Action's pooledResources). --max-size N also bounds how many exist.

    pool.py [--query-ms MS] [--max-size N]
"""

import argparse
import itertools
import random
import sys
import threading
import time

import gi
gi.require_version('Gopod', '1.0')
from gi.repository import GLib, GObject, Gopod  # noqa: E402

MAX_GOROUTINES = 25   # the number of queries run at once
POOLED_RESOURCES = 2  # idle connections kept


def log(message):
    """Go's log.Println: a timestamp, then the message."""
    # One write per line: print() from several threads can interleave.
    sys.stdout.write(time.strftime('%Y/%m/%d %H:%M:%S ') + message + '\n')
    sys.stdout.flush()


class DbConnection(GObject.Object):
    """Simulates a resource to share."""

    def __init__(self, conn_id):
        super().__init__()
        self.id = conn_id


class DbPool(Gopod.ResourcePool):
    """createConnection and Close, as vfuncs. The pool calls them inside
    acquire and release, in the calling thread: a thread-local says which."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.ids = itertools.count(1)
        self.local = threading.local()

    def do_create(self, cancellable):
        conn = DbConnection(next(self.ids))
        self.local.created = True
        log('Acquire: New Resource')
        log(f'Create: New Connection {conn.id}')
        return conn

    def do_close(self, resource):
        if getattr(self.local, 'releasing', False):
            self.local.closed = True
            log('Release: Closing')
        log(f'Close: Connection {resource.id}')


def perform_query(query, pool, query_ms):
    pool.local.created = False
    try:
        conn = pool.acquire(None)
    except GLib.Error as e:
        log(e.message)
        return
    if not pool.local.created:
        log('Acquire: Shared Resource')

    # Wait to simulate a query response.
    time.sleep(random.randint(0, query_ms) / 1000)
    log(f'Query: QID[{query}] CID[{conn.id}]')

    # Release the connection back to the pool.
    pool.local.releasing, pool.local.closed = True, False
    pool.release(conn)
    pool.local.releasing = False
    if not pool.local.closed:
        log('Release: In Queue')


def main():
    parser = argparse.ArgumentParser(description="Go in Action's resource pool")
    parser.add_argument('--query-ms', type=int, default=1000)
    parser.add_argument('--max-size', type=int, default=0)
    args = parser.parse_args()

    # Create the pool to manage our connections.
    pool = DbPool(size=POOLED_RESOURCES, max_size=args.max_size)

    # Perform queries using connections from the pool.
    threads = [threading.Thread(target=perform_query, args=(q, pool, args.query_ms))
               for q in range(MAX_GOROUTINES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Close the pool.
    log('Shutdown Program.')
    pool.close()
    print(f'created {pool.props.created} connections for {pool.props.acquired} queries; '
          f'{pool.props.waited} queries waited')


if __name__ == '__main__':
    main()
