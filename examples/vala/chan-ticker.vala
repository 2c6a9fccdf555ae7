/* chan-ticker.vala: the ticker of "Go Concurrency in practice", stopped
 * after 1600 ms, in Vala: the ticks arrive through receive_async
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   ticker := time.NewTicker(500ms)     new Gopod.Channel.ticker (interval_ms)
 *   go func() {                         main's loop: yield receive_async
 *     for t := range ticker.C {...}     until Gopod.Error.CLOSED
 *   }()
 *   time.Sleep(1600ms)                  stop_after.begin (): yields a timer
 *   ticker.Stop()                       channel's receive_async, then
 *                                       ticker.close ()
 *
 * The roles are swapped (main reads, the async method stops) so that
 * "Ticker stopped" comes once the range has ended. Each line shows the
 * wall-clock time the tick was read and, like Go's `m=+0.5`, the tick's
 * monotonic offset from the start.
 *
 *   chan-ticker [--interval-ms 500] [--stop-ms 1600]
 */

int interval_ms = 500;
int stop_ms = 1600;

const OptionEntry[] ENTRIES = {
    { "interval-ms", 0, 0, OptionArg.INT, ref interval_ms, "Ticker interval (500)", "MS" },
    { "stop-ms", 0, 0, OptionArg.INT, ref stop_ms, "When to stop the ticker (1600)", "MS" },
    { null }
};

/* time.Sleep (ms); ticker.Stop () */
async void stop_after (Gopod.Channel ticker, uint ms) {
    try {
        Value now;
        yield new Gopod.Channel.timer (ms).receive_async (null, out now);
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
    }
    ticker.close ();
}

async int main (string[] args) {
    try {
        var options = new OptionContext ("- a ticker stopped after three ticks");
        options.add_main_entries (ENTRIES, null);
        options.parse (ref args);

        var start_us = get_monotonic_time ();
        /* A ticker needs an interval of at least 1 ms (as in the C port);
         * a NULL one would leave the loop waiting for ever. */
        var ticker = new Gopod.Channel.ticker (int.max (interval_ms, 1));
        stop_after.begin (ticker, int.max (stop_ms, 0));
        for (;;) {
            Value t;
            yield ticker.receive_async (null, out t);
            print ("Tick at %s m=+%.3f\n", new DateTime.now_local ().format ("%Y-%m-%d %H:%M:%S.%f"),
                   (t.get_int64 () - start_us) / 1e6);
        }
    } catch (Gopod.Error.CLOSED e) {
        print ("Ticker stopped\n");
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
        return 1;
    }
    return 0;
}
