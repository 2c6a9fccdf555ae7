// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The timeout of "Go Concurrency in practice", in JavaScript.
//
//   Go                                  here
//   c1 := make(chan string, 1)          Gopod.Channel.new(GObject.TYPE_STRING, 1)
//   go func() { time.Sleep(2s);         answer(): an async function awaiting
//               c1 <- "result 1" }()    a timer, then sending
//   select {                            const sel = Gopod.Select.new()
//   case res := <-c1:                   sel.add_receive(c1)        -> case 0
//   case <-time.After(time.Second):     sel.add_timeout(unitMs)    -> case 1
//   }                                   await sel.wait_async(null)
//
// The answer would come after 2 units, the timeout after 1: the timeout
// case wins and the result is never taken.
//
//   gjs chan-timeout.js [--unit-ms 1000]

imports.gi.versions.Gopod = '1.0';
const {GLib, GObject, Gopod} = imports.gi;
imports.searchPath.unshift(GLib.path_get_dirname(imports.system.programPath));
const {option, runMain} = imports.chanExample;

// A negative unit is taken as 0, as in the C port.
const unitMs = Math.max(option('unit-ms', 1000), 0);

async function answer(c1) {
    await Gopod.Channel.new_timer(2 * unitMs).receive_async(null);
    await c1.send_async('result 1', null);
}

async function main() {
    const c1 = Gopod.Channel.new(GObject.TYPE_STRING, 1);
    answer(c1).catch(logError);

    const sel = Gopod.Select.new();
    const result = sel.add_receive(c1);
    sel.add_timeout(unitMs);
    if (await sel.wait_async(null) === result)
        print(sel.get_value()[1]);
    else
        print('timeout 1');
    return 0;
}

runMain(main);
