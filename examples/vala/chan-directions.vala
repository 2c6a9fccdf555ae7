/* chan-directions.vala: channel directions (ping and pong) of "Go
 * Concurrency in practice", in Vala, with async methods and yield
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   pings := make(chan string, 1)       new Gopod.Channel (typeof (string), 1)
 *   func ping(pings chan<- string, ..)  ping (pings, msg): only sends on pings
 *   func pong(pings <-chan string,      pong (pings, pongs): only receives on
 *             pongs chan<- string)      pings and only sends on pongs
 *   pings <- msg                        yield pings.send_async (msg, null)
 *   msg := <-pings                      yield pings.receive_async (null, out msg)
 *
 * A GopodChannel has no send-only or receive-only view: the direction is
 * the method's contract, not checked by the compiler.
 */

/* Sends msg on pings (a send-only end in Go). */
async void ping (Gopod.Channel pings, string msg) throws Error {
    yield pings.send_async (msg, null);
}

/* Receives from pings, sends on pongs. */
async void pong (Gopod.Channel pings, Gopod.Channel pongs) throws Error {
    Value msg;
    yield pings.receive_async (null, out msg);
    yield pongs.send_async (msg, null);
}

async int main (string[] args) {
    var pings = new Gopod.Channel (typeof (string), 1);
    var pongs = new Gopod.Channel (typeof (string), 1);
    try {
        yield ping (pings, "passed message");
        yield pong (pings, pongs);
        Value msg;
        yield pongs.receive_async (null, out msg);
        print ("%s\n", msg.get_string ());
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
        return 1;
    }
    return 0;
}
