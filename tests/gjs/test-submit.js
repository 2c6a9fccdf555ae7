// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Gopod.Pod.submit() given JavaScript functions, which is documented as
// wrong (a light job runs on a worker thread, where JavaScript cannot run):
// GJS refuses to call them there with a critical of its own, and the
// process must not crash. Their closures are freed on the main context
// they came from, never on a worker. Exits non-zero on any failure.

const {Gopod} = imports.gi;
const {GLib} = imports.gi;
const System = imports.system;

const {check, failures} = imports.testing;

const N = 200;

// Only a guard against a hang: no check depends on how long anything took.
const SAFETY_MS = 20000;

function submitAndDrain(pod) {
    for (let i = 0; i < N; i++)
        pod.submit(() => {});
    const loop = new GLib.MainLoop(null, false);
    let idle = false;
    pod.wait_async(null, (source, result) => {
        idle = source.wait_finish(result);
        loop.quit();
    });
    const guard = GLib.timeout_add(GLib.PRIORITY_DEFAULT, SAFETY_MS, () => {
        loop.quit();
        return GLib.SOURCE_REMOVE;
    });
    loop.run();
    check(idle, 'the pod went idle');
    if (idle)
        GLib.source_remove(guard);
}

const pod = new Gopod.Pod({max_workers: 4});
pod.start();
// Submitted before any loop runs, and again from inside one.
submitAndDrain(pod);
GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
    submitAndDrain(pod);
    return GLib.SOURCE_REMOVE;
});
GLib.MainContext.default().iteration(true);
check(pod.submitted === 2 * N, `submitted ${pod.submitted}, expected ${2 * N}`);
check(pod.succeeded === 2 * N, `succeeded ${pod.succeeded}, expected ${2 * N}`);
// Let any closure release queued on this context run.
while (GLib.MainContext.default().iteration(false))
    ;
System.gc();

if (failures() > 0)
    System.exit(1);
print('ok');
