// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Select over two sleepers, from "Go Concurrency in practice", in
// JavaScript: no threads, the sleepers are async functions on the main loop.
//
//   Go                                  here
//   go func() { time.Sleep(1s);         sleeper(): await a timer channel's
//               c1 <- "one" }()         receive_async, then send_async
//   select {                            const sel = Gopod.Select.new()
//   case msg1 := <-c1:                  sel.add_receive(c1)   -> case 0
//   case msg2 := <-c2:                  sel.add_receive(c2)   -> case 1
//   }                                   await sel.wait_async(null), then
//                                       sel.get_value()
//
//   gjs chan-select.js [--unit-ms 1000]

imports.gi.versions.Gopod = '1.0';
const {GLib, GObject, Gopod} = imports.gi;
imports.searchPath.unshift(GLib.path_get_dirname(imports.system.programPath));
const {option, runMain} = imports.chanExample;

// A negative unit is taken as 0, as in the C port.
const unitMs = Math.max(option('unit-ms', 1000), 0);

// time.Sleep(ms), then channel <- msg.
async function sleeper(channel, ms, msg) {
    await Gopod.Channel.new_timer(ms).receive_async(null);
    await channel.send_async(msg, null);
}

async function main() {
    const c1 = Gopod.Channel.new(GObject.TYPE_STRING, 0);
    const c2 = Gopod.Channel.new(GObject.TYPE_STRING, 0);
    const sleepers = [sleeper(c1, unitMs, 'one'), sleeper(c2, 2 * unitMs, 'two')];

    const sel = Gopod.Select.new();
    sel.add_receive(c1);
    sel.add_receive(c2);
    for (let n = 0; n < 2; n++) {
        // eslint-disable-next-line no-await-in-loop
        await sel.wait_async(null);
        print(`received ${sel.get_value()[1]}`);
    }
    await Promise.all(sleepers);
    return 0;
}

runMain(main);
