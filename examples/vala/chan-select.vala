/* chan-select.vala: select over two sleepers, from "Go Concurrency in
 * practice", in Vala: the sleepers are async methods on the main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   go func() { time.Sleep(1s);         sleeper.begin (): yield a timer
 *               c1 <- "one" }()         channel's receive_async, then send
 *   select {                            var sel = new Gopod.Select ()
 *   case msg1 := <-c1:                  sel.add_receive (c1)   -> case 0
 *   case msg2 := <-c2:                  sel.add_receive (c2)   -> case 1
 *   }                                   yield sel.wait_async (null), then
 *                                       sel.get_value ()
 *
 *   chan-select [--unit-ms 1000]
 */

int unit_ms = 1000;

const OptionEntry[] ENTRIES = {
    { "unit-ms", 0, 0, OptionArg.INT, ref unit_ms, "How long one Go second lasts (1000)", "MS" },
    { null }
};

/* time.Sleep (ms), then channel <- msg. */
async void sleeper (Gopod.Channel channel, uint ms, string msg) throws Error {
    Value tick;
    yield new Gopod.Channel.timer (ms).receive_async (null, out tick);
    yield channel.send_async (msg, null);
}

async int main (string[] args) {
    try {
        var options = new OptionContext ("- select over two sleepers");
        options.add_main_entries (ENTRIES, null);
        options.parse (ref args);
        /* A negative unit is taken as 0, as in the C port: as a uint it
         * would be a wait of 49 days. */
        unit_ms = int.max (unit_ms, 0);

        var c1 = new Gopod.Channel (typeof (string), 0);
        var c2 = new Gopod.Channel (typeof (string), 0);
        sleeper.begin (c1, unit_ms, "one");
        sleeper.begin (c2, 2 * unit_ms, "two");

        var sel = new Gopod.Select ();
        sel.add_receive (c1);
        sel.add_receive (c2);
        for (int i = 0; i < 2; i++) {
            yield sel.wait_async (null);
            Value msg;
            sel.get_value (out msg);
            print ("received %s\n", msg.get_string ());
        }
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
        return 1;
    }
    return 0;
}
