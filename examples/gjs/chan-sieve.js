// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The prime sieve (a daisy chain of filters) of "Go Concurrency in
// practice", printing the first 10 primes, in JavaScript: the generator
// and the filters are async functions on the main loop, joined by
// unbuffered channels.
//
//   Go                                  here
//   ch := make(chan int)                Gopod.Channel.new(GObject.TYPE_INT, 0)
//   go Generate(ch)                     generate(ch): sends 2, 3, 4, ...
//   go Filter(ch, ch1, prime)           filter(ch, ch1, prime): passes on
//                                       what prime does not divide
//   prime := <-ch; ch = ch1             the same, in main
//
// Main closes the last channel at the end; a filter whose send fails with
// Gopod.Error.CLOSED closes its input, and so on up the chain, so every
// stage ends. Each channel is closed once, by its receiver.
//
//   gjs chan-sieve.js [--primes 10]

imports.gi.versions.Gopod = '1.0';
const {GLib, GObject, Gopod} = imports.gi;
imports.searchPath.unshift(GLib.path_get_dirname(imports.system.programPath));
const {isClosed, option, runMain} = imports.chanExample;

// Sends what nextValue() gives (skipping undefined) on out; once out is
// closed, closes upstream (where the values came from) and returns.
async function sendAll(out, nextValue, upstream) {
    try {
        for (;;) {
            // eslint-disable-next-line no-await-in-loop
            const value = await nextValue();
            if (value !== undefined)
                // eslint-disable-next-line no-await-in-loop
                await out.send_async(value, null);
        }
    } catch (e) {
        if (!isClosed(e))
            throw e;
        upstream?.close();
    }
}

function generate(ch) {
    let i = 2;
    return sendAll(ch, () => i++, null);
}

function filter(source, out, prime) {
    return sendAll(out, async () => {
        const [i] = await source.receive_async(null);
        return i % prime !== 0 ? i : undefined;
    }, source);
}

async function main() {
    const primes = option('primes', 10);

    let ch = Gopod.Channel.new(GObject.TYPE_INT, 0);
    const stages = [generate(ch)];
    for (let n = 0; n < primes; n++) {
        // eslint-disable-next-line no-await-in-loop
        const [prime] = await ch.receive_async(null);
        print(prime);
        const ch1 = Gopod.Channel.new(GObject.TYPE_INT, 0);
        stages.push(filter(ch, ch1, prime));
        ch = ch1;
    }
    ch.close(); // the chain unwinds from here
    await Promise.all(stages);
    return 0;
}

runMain(main);
