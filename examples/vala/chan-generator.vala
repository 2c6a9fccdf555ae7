/* chan-generator.vala: the random-number generator service and the fan-in
 * multiplexer of "Go Concurrency in practice", in Vala: each goroutine is
 * an async method on the main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   func rand_generator_2() chan int    new Service (channel): an async loop
 *   for { out <- rand.Int() }           yielding send_async until CLOSED
 *   func rand_generator_3() chan int    two generators, one channel, and a
 *   for { out <- <-rand_generator_1 }   forwarder per generator:
 *                                       new Service (merged, generator)
 *
 * The receiver closes the channel when it has enough; the pending send
 * fails with Gopod.Error.CLOSED and the loop ends. `output` is unbuffered,
 * so a value counts as sent only once main has it: the forwarders' two
 * counts add up to what main printed.
 *
 *   chan-generator             one number from the service
 *   chan-generator --fan-in N  N numbers through the multiplexer
 */

int fan_in = -1;

const OptionEntry[] ENTRIES = {
    { "fan-in", 0, 0, OptionArg.INT, ref fan_in, "Print N numbers from two generators fanned in", "N" },
    { null }
};

/* A loop sending on `output` until a receiver closes it: random numbers
 * (rand_generator_2), or what it receives from `input` (a forwarder). */
class Service : Object {
    public Gopod.Channel output;
    public Gopod.Channel? input;
    public uint sent;
    Gopod.Channel ended = new Gopod.Channel (typeof (bool), 0);

    public Service (Gopod.Channel output, Gopod.Channel? input = null) {
        this.output = output;
        this.input = input;
        run.begin ();
    }

    async void run () {
        try {
            for (;;) {
                Value v = Random.int_range (0, int.MAX);
                if (input != null)
                    yield input.receive_async (null, out v);
                yield output.send_async (v, null);
                sent++;
            }
        } catch (Gopod.Error.CLOSED e) {
            /* the receiver has enough */
        } catch (Error e) {
            stderr.printf ("%s\n", e.message);
        }
        ended.close ();
    }

    /* Returns once run () has: Go's <-done on a closed channel. */
    public async void join () {
        try {
            Value unused;
            yield ended.receive_async (null, out unused);
        } catch (Error e) {
            /* CLOSED: run () has returned */
        }
    }
}

async int receive_int (Gopod.Channel channel) throws Error {
    Value v;
    yield channel.receive_async (null, out v);
    return v.get_int ();
}

async int main (string[] args) {
    try {
        var options = new OptionContext ("- a random-number service, alone or fanned in");
        options.add_main_entries (ENTRIES, null);
        options.parse (ref args);

        if (fan_in < 0) {
            var service = new Service (new Gopod.Channel (typeof (int), 0));
            print ("%d\n", yield receive_int (service.output));
            service.output.close ();
            yield service.join ();
            return 0;
        }

        var merged = new Gopod.Channel (typeof (int), 0);
        Service[] generators = {
            new Service (new Gopod.Channel (typeof (int), 0)),
            new Service (new Gopod.Channel (typeof (int), 0)),
        };
        Service[] forwarders = {
            new Service (merged, generators[0].output),
            new Service (merged, generators[1].output),
        };
        for (int i = 0; i < fan_in; i++)
            print ("%d\n", yield receive_int (merged));
        merged.close ();  /* the forwarders' sends fail: they end */
        foreach (var forwarder in forwarders)
            yield forwarder.join ();
        foreach (var generator in generators) {
            generator.output.close ();
            yield generator.join ();
        }
        var a = forwarders[0].sent;
        var b = forwarders[1].sent;
        print ("fan-in: %d values, %u from generator 1, %u from generator 2\n", fan_in, a, b);
        return a + b == fan_in ? 0 : 1;
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
        return 1;
    }
}
