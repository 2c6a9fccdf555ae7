// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The `work` pool of Go in Action, in JavaScript: two workers
// print names, rounds over 5 names, each name logged and followed by a
// one-second wait.
//
// GJS cannot run JavaScript on a worker thread, so the task is a
// main-context job: begin() logs the name and starts a timer, and the timer
// completes the job. The pod still lets only 2 run at once.
//
//   Go                                  here
//   work.New(2)                         new Gopod.Pod(2), max-queued 1
//   p.Run(&np)  (unbuffered send:       await run(pod, job): resolves once
//   returns once a worker has it)       the job's state leaves QUEUED,
//                                       i.e. once a worker has taken it
//   goroutines + sync.WaitGroup         one async loop
//   p.Shutdown()                        pod.shutdown_async(DRAIN)
//
// A blocking add_job() would wait on the main thread for a begin() that
// needs that same thread, so the JavaScript port awaits instead of blocking.
//
//   gjs work.js [--rounds 100] [--sleep-ms 1000]

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {GLib, GObject} = imports.gi;
const System = imports.system;

const NAMES = ['steve', 'bob', 'mary', 'therese', 'jason'];

let active = 0;
let peak = 0;

// log.Println: the same "2009/11/10 23:00:00 name" shape, on stderr.
function logPrintln(text) {
    printerr(`${GLib.DateTime.new_now_local().format('%Y/%m/%d %H:%M:%S')} ${text}`);
}

// namePrinter: its Task() is begin() plus the timer that completes it.
const NamePrinter = GObject.registerClass(
class NamePrinter extends Gopod.Job {
    _init(name, sleepMs) {
        super._init();
        this._name = name;
        this._sleepMs = sleepMs;
    }

    vfunc_begin(_cancellable) {
        active++;
        peak = Math.max(peak, active);
        logPrintln(this._name);
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, this._sleepMs, () => {
            active--;
            this.complete(null);
            return GLib.SOURCE_REMOVE;
        });
    }
});

// p.Run(&np): resolves once a worker has taken the job.
function run(pod, job) {
    return new Promise((resolve, reject) => {
        const id = job.connect('notify::state', () => {
            if (job.state !== Gopod.JobState.QUEUED) {
                job.disconnect(id);
                resolve();
            }
        });
        try {
            pod.try_add_job(job);
        } catch (e) {
            job.disconnect(id);
            reject(e);
        }
    });
}

function parseArgs(argv) {
    const opts = {rounds: 100, sleepMs: 1000};
    for (let i = 0; i < argv.length; i += 2) {
        const value = parseInt(argv[i + 1]);
        if (argv[i] === '--rounds' && value >= 0)
            opts.rounds = value;
        else if (argv[i] === '--sleep-ms' && value >= 0)
            opts.sleepMs = value;
        else
            throw new Error(`unknown option or bad value: ${argv[i]}`);
    }
    return opts;
}

async function main(opts) {
    // work.New(2): two workers behind a queue of one.
    const pod = new Gopod.Pod({max_workers: 2, max_queued: 1});
    pod.start();

    let peakQueued = 0;
    for (let i = 0; i < opts.rounds; i++) {
        for (const name of NAMES) {
            // eslint-disable-next-line no-await-in-loop
            await run(pod, new NamePrinter(name, opts.sleepMs));
            peakQueued = Math.max(peakQueued, pod.queued);
        }
    }

    // p.Shutdown(): stop accepting, run what is queued, wait for the workers.
    await pod.shutdown_async(Gopod.ShutdownMode.DRAIN, null);

    print(`tasks: ${pod.submitted} submitted, ${pod.succeeded} succeeded`);
    print(`peak in flight: ${peak} (workers 2)`);
    print(`peak queued: ${peakQueued} (max-queued 1)`);
    return peak <= 2 && peakQueued <= 1 ? 0 : 1;
}

let opts;
try {
    opts = parseArgs(ARGV);
} catch (e) {
    printerr(e.message);
    System.exit(2);
}

let status = 1;
const loop = new GLib.MainLoop(null, false);
main(opts).then(code => {
    status = code;
}).catch(e => {
    logError(e);
}).finally(() => loop.quit());
loop.run();
System.exit(status);
