// SPDX-License-Identifier: LGPL-2.1-or-later
// imports.gopod: an async vfunc_begin that throws once its job has already
// ended (it completed the job itself) keeps the job's outcome, but the
// exception must not vanish: it is logged. A cancelled await rejecting
// after the job ended is expected and stays quiet.
// The child runs the jobs; the parent reads its stderr.
// Exits non-zero on a failure.

const {Gio, GLib} = imports.gi;
const System = imports.system;

function child() {
    const {Gopod} = imports.gopod;
    const {GObject} = imports.gi;

    const later = ms => new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));

    const Late = GObject.registerClass(
    class Late extends Gopod.Job {
        async vfunc_begin(cancellable) {
            await later(1);
            if (this.title === 'complete-then-throw') {
                this.complete(null);
                throw new TypeError('bug after complete');
            }
            // 'complete-then-cancelled': an await that rejects as
            // cancelled once the job ended, as a cancellable-aware one does.
            this.complete(null);
            await later(1);
            throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED, 'quiet cancel');
        }
    });

    const pod = Gopod.Pod.new(2);
    pod.start();
    const self = new Late({title: 'complete-then-throw'});
    const timed = new Late({title: 'complete-then-cancelled'});
    const loop = new GLib.MainLoop(null, false);
    Promise.allSettled([pod.run_async(self, null), pod.run_async(timed, null)])
        .then(results => {
            print(`outcomes ${results.map(r => r.status).join(' ')}`);
            return later(50);  // the second begin throws meanwhile
        })
        .finally(() => loop.quit());
    loop.run();
}

function parent() {
    let failed = 0;
    const check = (ok, what) => {
        if (!ok) {
            printerr(`FAIL: ${what}`);
            failed++;
        }
    };
    const launcher = new Gio.SubprocessLauncher({
        flags: Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE,
    });
    const proc = launcher.spawnv(['gjs', System.programPath, 'child']);
    const [, out, err] = proc.communicate_utf8(null, null);
    proc.wait(null);
    check(proc.get_successful(), `the child exits cleanly: ${err}`);
    check((out ?? '').includes('outcomes fulfilled fulfilled'),
        `both jobs keep the success they completed with: ${out}`);
    check((err ?? '').includes('bug after complete'),
        `the exception thrown after complete() is logged: stderr was '${err}'`);
    check(!(err ?? '').includes('quiet cancel'),
        `a cancellation after the job ended is not logged: ${err}`);
    if (failed > 0)
        System.exit(1);
    print('ok');
}

if (ARGV[0] === 'child')
    child();
else
    parent();
