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
const {Gio, GLib, GObject, Gopod} = imports.gi;
const System = imports.system;

Gio._promisify(Gopod.Channel.prototype, 'send_async', 'send_finish');
Gio._promisify(Gopod.Channel.prototype, 'receive_async', 'receive_finish');
Gio._promisify(Gopod.Select.prototype, 'wait_async', 'wait_finish');

const i = ARGV.indexOf('--unit-ms');
const unitMs = i >= 0 ? parseInt(ARGV[i + 1], 10) : 1000;

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

let status = 1;
const loop = new GLib.MainLoop(null, false);
main().then(code => (status = code)).catch(logError).finally(() => loop.quit());
loop.run();
System.exit(status);
