// SPDX-License-Identifier: LGPL-2.1-or-later
//
// go-pod's pod, in JavaScript. GJS cannot run JavaScript on a worker thread,
// so these are main-context jobs: begin() starts async work (here a timer,
// standing for a download or a subprocess) and returns at once; complete()
// ends it. The pod still bounds how many are in flight, as go-pod bounds
// its goroutines.
//
//   gjs pod.js [--jobs 100] [--workers 10] [--sleep-ms 1000]
//
// (--delay-ms is the same as --sleep-ms, the option of the C and Python ports.)

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {GLib, GObject} = imports.gi;
const System = imports.system;

function option(name, fallback) {
    const i = ARGV.indexOf(`--${name}`);
    return i >= 0 && i + 1 < ARGV.length ? parseInt(ARGV[i + 1], 10) : fallback;
}

const nJobs = option('jobs', 100);
const workers = option('workers', 10);
const delayMs = option('sleep-ms', option('delay-ms', 1000));

let active = 0;
let peak = 0;

const TimerJob = GObject.registerClass(
class TimerJob extends Gopod.Job {
    _init(idx, msg) {
        super._init();
        this.idx = idx;
        this.msg = msg;
    }

    // go-pod's Start(), made asynchronous.
    vfunc_begin(cancellable) {
        active++;
        peak = Math.max(peak, active);
        print(`[START] ${this.idx} = ${this.msg} `);
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, delayMs, () => {
            active--;
            this.complete(null);
            return GLib.SOURCE_REMOVE;
        });
    }

    // go-pod's Finish().
    vfunc_finish() {
        this.msg = '';
        print(`[FINISH] ${this.idx} = ${this.msg} `);
    }
});

const loop = new GLib.MainLoop(null, false);
const pod = Gopod.Pod.new(workers);
pod.start();
for (let i = 0; i < nJobs; i++)
    pod.add_job(new TimerJob(i + 1, `msg-${i}-hello`), null);

// Unlike go-pod's example, which sleeps, wait for the pod to be idle.
pod.wait_async(null).then(() => loop.quit());
loop.run();

print(`jobs: ${pod.submitted} submitted, ${pod.succeeded} succeeded`);
print(`peak concurrency: ${peak} (pod size ${workers})`);
System.exit(peak <= workers ? 0 : 1);
