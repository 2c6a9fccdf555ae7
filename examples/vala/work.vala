/* work.vala: the `work` pool of Go in Action, in Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two workers print names, rounds over 5 names, each name logged and
 * followed by a one-second sleep in a worker thread.
 *
 *   Go                                 here
 *   work.New(2)                        new Gopod.Pod (2), max_queued 1
 *   p.Run(&np)  (unbuffered send)      pod.add_job (), which blocks while
 *                                      the one queue slot is taken
 *   goroutines + sync.WaitGroup        one loop: add_job already blocks
 *   p.Shutdown()                       pod.shutdown (DRAIN)
 *
 *   work [--rounds 100] [--sleep-ms 1000]
 */

const string[] NAMES = { "steve", "bob", "mary", "therese", "jason" };

int active = 0;
int peak = 0;

/* namePrinter: run () is its Task (), called in a worker thread. */
class NamePrinter : Gopod.Job {
    string who;
    uint sleep_ms;

    public NamePrinter (string who, uint sleep_ms) {
        this.who = who;
        this.sleep_ms = sleep_ms;
    }

    public override bool run (Cancellable? cancellable) throws Error {
        int now = AtomicInt.add (ref active, 1) + 1;
        int seen = AtomicInt.get (ref peak);
        while (now > seen && !AtomicInt.compare_and_exchange (ref peak, seen, now))
            seen = AtomicInt.get (ref peak);

        /* log.Println: "2009/11/10 23:00:00 name" on stderr. */
        stderr.printf ("%s %s\n", new DateTime.now_local ().format ("%Y/%m/%d %H:%M:%S"), who);
        Thread.usleep ((ulong) sleep_ms * 1000);
        AtomicInt.add (ref active, -1);
        return true;
    }
}

int rounds = 100;
int sleep_ms = 1000;

const OptionEntry[] ENTRIES = {
    { "rounds", 0, 0, OptionArg.INT, ref rounds, "Rounds over the 5 names (100)", "N" },
    { "sleep-ms", 0, 0, OptionArg.INT, ref sleep_ms, "How long each task sleeps (1000)", "MS" },
    { null }
};

int main (string[] args) {
    try {
        var options = new OptionContext ("- the work pool of Go in Action");
        options.add_main_entries (ENTRIES, null);
        options.parse (ref args);
        if (rounds < 0 || sleep_ms < 0)
            throw new OptionError.BAD_VALUE ("invalid option value");
    } catch (OptionError e) {
        stderr.printf ("%s\n", e.message);
        return 2;
    }

    /* work.New(2): two workers behind a queue of one. */
    var pod = new Gopod.Pod (2);
    pod.max_queued = 1;
    pod.start ();

    uint peak_queued = 0;
    try {
        for (int i = 0; i < rounds; i++) {
            foreach (unowned string name in NAMES) {
                /* p.Run(&np): blocks until the previous job has been taken. */
                pod.add_job (new NamePrinter (name, sleep_ms));
                peak_queued = uint.max (peak_queued, pod.queued);
            }
        }
        /* p.Shutdown(): stop accepting, run what is queued, wait. */
        pod.shutdown (Gopod.ShutdownMode.DRAIN);
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
        return 1;
    }

    print ("tasks: %llu submitted, %llu succeeded\n", pod.submitted, pod.succeeded);
    print ("peak in flight: %d (workers 2)\n", AtomicInt.get (ref peak));
    print ("peak queued: %u (max-queued 1)\n", peak_queued);
    return AtomicInt.get (ref peak) <= 2 && peak_queued <= 1 ? 0 : 1;
}
