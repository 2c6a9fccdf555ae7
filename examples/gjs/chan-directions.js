// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Channel directions (ping and pong) of "Go Concurrency in practice", in
// JavaScript: the channel operations are async and awaited on the main loop.
//
//   Go                                  here
//   pings := make(chan string, 1)       Gopod.Channel.new(GObject.TYPE_STRING, 1)
//   func ping(pings chan<- string, ..)  ping(pings, msg): only sends on pings
//   func pong(pings <-chan string,      pong(pings, pongs): only receives on
//             pongs chan<- string)      pings and only sends on pongs
//   pings <- msg                        await pings.send_async(msg, null)
//   msg := <-pings                      const [msg] = await pings.receive_async(null)
//
// A GopodChannel has no send-only or receive-only view: the direction is
// the function's contract, not checked by a compiler.
//
//   gjs chan-directions.js

imports.gi.versions.Gopod = '1.0';
const {GLib, GObject, Gopod} = imports.gi;
imports.searchPath.unshift(GLib.path_get_dirname(imports.system.programPath));
const {runMain} = imports.chanExample;

// Sends msg on pings (a send-only end in Go).
async function ping(pings, msg) {
    await pings.send_async(msg, null);
}

// Receives from pings, sends on pongs.
async function pong(pings, pongs) {
    const [msg] = await pings.receive_async(null);
    await pongs.send_async(msg, null);
}

async function main() {
    const pings = Gopod.Channel.new(GObject.TYPE_STRING, 1);
    const pongs = Gopod.Channel.new(GObject.TYPE_STRING, 1);
    await ping(pings, 'passed message');
    await pong(pings, pongs);
    const [msg] = await pongs.receive_async(null);
    print(msg);
    return 0;
}

runMain(main);
