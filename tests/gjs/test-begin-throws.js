// SPDX-License-Identifier: LGPL-2.1-or-later
// Plain imports.gi, no helper module: an exception thrown in vfunc_begin
// reaches the library as the begin's GError (GJS converts what a vfunc that
// can fail throws), so the job ends FAILED with its message, and a draining
// shutdown returns instead of waiting for a job left running.
// Exits non-zero on a failure.

imports.gi.versions.Gopod = '1.0';
const {GLib, GObject, Gopod} = imports.gi;
const System = imports.system;

const {check, failures} = imports.testing;

const Throwing = GObject.registerClass(
class Throwing extends Gopod.Job {
    vfunc_begin(cancellable) {
        throw new Error('begin threw');
    }
});

const Started = GObject.registerClass(
class Started extends Gopod.Job {
    vfunc_begin(cancellable) {
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            this.complete(null);
            return GLib.SOURCE_REMOVE;
        });
        return true;  // without imports.gopod, a begin says it started
    }
});

const pod = Gopod.Pod.new(1);
const throwing = new Throwing();
const started = new Started();
pod.add_job(throwing, null);
pod.add_job(started, null);
pod.start();
// No main loop: the blocking shutdown runs the pod's context itself.
check(pod.shutdown(Gopod.ShutdownMode.DRAIN, null), 'the drain returns');
check(throwing.state === Gopod.JobState.FAILED, `the throwing job is FAILED (${throwing.state})`);
check(throwing.error?.message === 'begin threw', `with the exception's message: ${throwing.error?.message}`);
check(started.state === Gopod.JobState.SUCCEEDED, 'the next job had its slot');
if (failures() > 0)
    System.exit(1);
print('all GJS begin checks passed');
