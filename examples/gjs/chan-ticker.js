// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The ticker of "Go Concurrency in practice", stopped after 1600 ms, in
// JavaScript: the ticks arrive through receive_async on the main loop.
//
//   Go                                  here
//   ticker := time.NewTicker(500ms)     Gopod.Channel.new_ticker(intervalMs)
//   go func() {                         printTicks(): awaits receive_async
//     for t := range ticker.C {...}     until Gopod.Error.CLOSED
//   }()
//   time.Sleep(1600ms)                  await a timer channel
//   ticker.Stop()                       ticker.close()
//
// Each line shows the wall-clock time the tick was read and, like Go's
// `m=+0.5`, the tick's monotonic offset from the start. Closing ends the
// range, so the program awaits the reader before saying the ticker stopped.
//
//   gjs chan-ticker.js [--interval-ms 500] [--stop-ms 1600]

imports.gi.versions.Gopod = '1.0';
const {GLib, Gopod} = imports.gi;
imports.searchPath.unshift(GLib.path_get_dirname(imports.system.programPath));
const {isClosed, option, runMain} = imports.chanExample;

async function printTicks(ticker, startUs) {
    for (;;) {
        let t;
        try {
            // eslint-disable-next-line no-await-in-loop
            [t] = await ticker.receive_async(null);
        } catch (e) {
            if (isClosed(e))
                return;
            throw e;
        }
        const now = GLib.DateTime.new_now_local().format('%Y-%m-%d %H:%M:%S.%f');
        print(`Tick at ${now} m=+${((t - startUs) / 1e6).toFixed(3)}`);
    }
}

async function main() {
    const startUs = GLib.get_monotonic_time();
    // A ticker needs an interval of at least 1 ms (as in the C port).
    const ticker = Gopod.Channel.new_ticker(Math.max(option('interval-ms', 500), 1));
    const reader = printTicks(ticker, startUs);

    await Gopod.Channel.new_timer(Math.max(option('stop-ms', 1600), 0)).receive_async(null);
    ticker.close();
    await reader;
    print('Ticker stopped');
    return 0;
}

runMain(main);
