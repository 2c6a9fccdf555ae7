/* chan-timeout.vala: the timeout of "Go Concurrency in practice", in Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   c1 := make(chan string, 1)          new Gopod.Channel (typeof (string), 1)
 *   go func() { time.Sleep(2s);         answer.begin (): yield a timer, then
 *               c1 <- "result 1" }()    send
 *   select {                            var sel = new Gopod.Select ()
 *   case res := <-c1:                   sel.add_receive (c1)       -> case 0
 *   case <-time.After(time.Second):     sel.add_timeout (unit_ms)  -> case 1
 *   }                                   yield sel.wait_async (null)
 *
 * The answer would come after 2 units, the timeout after 1: the timeout
 * case wins and the result is never taken.
 *
 *   chan-timeout [--unit-ms 1000]
 */

int unit_ms = 1000;

const OptionEntry[] ENTRIES = {
    { "unit-ms", 0, 0, OptionArg.INT, ref unit_ms, "How long one Go second lasts (1000)", "MS" },
    { null }
};

async void answer (Gopod.Channel c1) throws Error {
    Value tick;
    yield new Gopod.Channel.timer (2 * unit_ms).receive_async (null, out tick);
    yield c1.send_async ("result 1", null);
}

async int main (string[] args) {
    try {
        var options = new OptionContext ("- a select with a timeout");
        options.add_main_entries (ENTRIES, null);
        options.parse (ref args);
        /* A negative unit is taken as 0, as in the C port: as a uint it
         * would be a wait of 49 days. */
        unit_ms = int.max (unit_ms, 0);

        var c1 = new Gopod.Channel (typeof (string), 1);
        answer.begin (c1);

        var sel = new Gopod.Select ();
        var result = sel.add_receive (c1);
        sel.add_timeout (unit_ms);
        if ((yield sel.wait_async (null)) == result) {
            Value res;
            sel.get_value (out res);
            print ("%s\n", res.get_string ());
        } else {
            print ("timeout 1\n");
        }
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
        return 1;
    }
    return 0;
}
