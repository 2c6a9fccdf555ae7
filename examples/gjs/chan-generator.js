// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The random-number generator service and the fan-in multiplexer of
// "Go Concurrency in practice", in JavaScript: each goroutine is an async
// function on the main loop, each channel operation awaited.
//
//   Go                                  here
//   func rand_generator_2() chan int    randGenerator(): an unbuffered
//                                       G_TYPE_INT channel and the async
//                                       loop that fills it
//   for { out <- rand.Int() }           await send_async until CLOSED
//   func rand_generator_3() chan int    fanIn(): two generators, one channel,
//   for { out <- <-rand_generator_1 }   an async forwarder per generator
//
// The receiver closes the channel when it has enough; the pending send
// fails with Gopod.Error.CLOSED and the loop ends, and a forwarder then
// closes its own generator. `out` is unbuffered, so a value counts as
// forwarded only once main has it: the two counts add up to what was printed.
//
//   gjs chan-generator.js             one number from the service
//   gjs chan-generator.js --fan-in N  N numbers through the multiplexer

imports.gi.versions.Gopod = '1.0';
const {GLib, GObject, Gopod} = imports.gi;
imports.searchPath.unshift(GLib.path_get_dirname(imports.system.programPath));
const {isClosed, option, runMain} = imports.chanExample;

// An async loop sending await nextValue() on out until a receiver closes it.
class Service {
    constructor(out, nextValue) {
        this.out = out;
        this.sent = 0;
        this.done = this._run(nextValue);
    }

    async _run(nextValue) {
        try {
            for (;;) {
                // eslint-disable-next-line no-await-in-loop
                await this.out.send_async(await nextValue(), null);
                this.sent++;
            }
        } catch (e) {
            if (!isClosed(e))
                throw e;
        }
    }

    stop() {
        this.out.close();
        return this.done;
    }
}

function randGenerator() {
    return new Service(Gopod.Channel.new(GObject.TYPE_INT, 0),
        () => GLib.random_int_range(0, 0x7fffffff));
}

async function receiveInt(channel) {
    const [value] = await channel.receive_async(null);
    return value;
}

async function main() {
    const n = option('fan-in', -1);
    if (n < 0) {
        const service = randGenerator();
        print(`${await receiveInt(service.out)}`);
        await service.stop();
        return 0;
    }

    const merged = Gopod.Channel.new(GObject.TYPE_INT, 0);
    const generators = [randGenerator(), randGenerator()];
    const forwarders = generators.map(g => new Service(merged, () => receiveInt(g.out)));
    for (let k = 0; k < n; k++)
        // eslint-disable-next-line no-await-in-loop
        print(`${await receiveInt(merged)}`);
    merged.close(); // the forwarders' sends fail: they end
    await Promise.all(forwarders.map(f => f.done));
    await Promise.all(generators.map(g => g.stop()));
    const [a, b] = forwarders.map(f => f.sent);
    print(`fan-in: ${n} values, ${a} from generator 1, ${b} from generator 2`);
    return a + b === n ? 0 : 1;
}

runMain(main);
