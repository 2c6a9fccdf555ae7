/* chan-sieve.vala: the prime sieve (a daisy chain of filters) of "Go
 * Concurrency in practice", printing the first 10 primes, in Vala: the
 * generator and the filters are async methods joined by unbuffered channels
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   Go                                  here
 *   ch := make(chan int)                new Gopod.Channel (typeof (int), 0)
 *   go Generate(ch)                     generate.begin (ch): 2, 3, 4, ...
 *   go Filter(ch, ch1, prime)           filter.begin (ch, ch1, prime)
 *   prime := <-ch; ch = ch1             the same, in main
 *
 * A filter whose send fails with Gopod.Error.CLOSED closes its input, and
 * so on up the chain; main closes the last channel before it returns. Like
 * Go's, the program ends without waiting for the chain to unwind.
 *
 *   chan-sieve [--primes 10]
 */

int primes = 10;

const OptionEntry[] ENTRIES = {
    { "primes", 0, 0, OptionArg.INT, ref primes, "How many primes to print (10)", "N" },
    { null }
};

async void generate (Gopod.Channel ch) {
    try {
        for (int i = 2; ; i++)
            yield ch.send_async (i, null);
    } catch (Error e) {
        /* CLOSED: the sieve has its primes */
    }
}

async void filter (Gopod.Channel input, Gopod.Channel output, int prime) {
    try {
        for (;;) {
            Value i;
            yield input.receive_async (null, out i);  /* Receive value from 'in'. */
            if (i.get_int () % prime != 0)
                yield output.send_async (i, null);   /* Send 'i' to 'out'. */
        }
    } catch (Error e) {
        input.close ();  /* CLOSED downstream: tell upstream */
    }
}

async int main (string[] args) {
    try {
        var options = new OptionContext ("- the prime sieve");
        options.add_main_entries (ENTRIES, null);
        options.parse (ref args);

        var ch = new Gopod.Channel (typeof (int), 0);
        generate.begin (ch);
        for (int i = 0; i < primes; i++) {
            Value prime;
            yield ch.receive_async (null, out prime);
            print ("%d\n", prime.get_int ());
            var ch1 = new Gopod.Channel (typeof (int), 0);
            filter.begin (ch, ch1, prime.get_int ());
            ch = ch1;
        }
        ch.close ();
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
        return 1;
    }
    return 0;
}
