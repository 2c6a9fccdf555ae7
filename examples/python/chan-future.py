#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The future (query and result) of "Go Concurrency in practice", ported.

  Go                                  here
  type query struct {                 Query: two string channels of one
      sql, result chan string }
  execQuery(q)                        exec_query(q): a thread that waits for
                                      the SQL, then answers
  q.sql <- "select * from table"      q.sql.send(...): the argument arrives
                                      after the call
  fmt.Println(<-q.result)             q.result.receive(None)
"""

import sys
import threading

import gi

gi.require_version('Gopod', '1.0')
from gi.repository import GObject, Gopod  # noqa: E402


class Query:
    def __init__(self):
        self.sql = Gopod.Channel.new(GObject.TYPE_STRING, 1)
        self.result = Gopod.Channel.new(GObject.TYPE_STRING, 1)


def exec_query(q):
    def run():
        _, sql = q.sql.receive(None)
        q.result.send('get ' + sql, None)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def main():
    q = Query()
    thread = exec_query(q)

    q.sql.send('select * from table', None)  # the parameter, ready later
    print(q.result.receive(None)[1])
    thread.join()
    return 0


if __name__ == '__main__':
    sys.exit(main())
