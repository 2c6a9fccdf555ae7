// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The `runner` program of Go in Action, with Gopod.Runner.
//
// Three tasks sleep for their id in seconds under a 3 second timeout, so the
// third one is cut short: "Terminating due to timeout." and exit status 1.
// Ctrl-C (or SIGTERM) while it runs: "Terminating due to interrupt." and
// exit status 2. When every task finishes in time: "Process ended." and
// exit status 0.
//
// GJS cannot run JavaScript on the runner's worker thread, so the tasks are
// main-context jobs: vfunc_begin() starts a timer on the main loop and
// returns; the timer, or the runner cancelling the task at the deadline or
// on an interrupt, calls complete(). The runner is started with
// start_async(), never the blocking start(), which would block the very
// loop the tasks need.
//
//   gjs runner.js [--timeout-ms 3000] [--unit-ms 1000] [--send-sigint-ms N]
//
// --unit-ms is how long "one second" of sleep lasts, so that the test suite
// runs the program quickly; --send-sigint-ms makes the program send itself
// SIGINT, to test the interrupt path without a terminal.

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {Gio, GLib, GObject} = imports.gi;
const System = imports.system;

function option(name, fallback) {
    const i = ARGV.indexOf(`--${name}`);
    return i >= 0 && i + 1 < ARGV.length ? parseInt(ARGV[i + 1], 10) : fallback;
}

const timeoutMs = option('timeout-ms', 3000);
const unitMs = option('unit-ms', 1000);
const sendSigintMs = option('send-sigint-ms', -1);

// log.Println: a timestamp, then the message.
function log(message) {
    print(`${GLib.DateTime.new_now_local().format('%Y/%m/%d %H:%M:%S')} ${message}`);
}

// createTask: sleeps for id units, but ends as soon as the runner cancels
// it (the Go task could not be stopped).
const Task = GObject.registerClass(
class Task extends Gopod.Job {
    _init(id) {
        super._init();
        this.id = id;
    }

    vfunc_begin(cancellable) {
        log(`Processor - Task #${this.id}.`);
        let timer = 0, handler = 0;
        // Whichever comes first, the timer or the cancel, completes the task.
        const end = error => {
            if (timer === 0)
                return;
            GLib.source_remove(timer);
            timer = 0;
            cancellable.disconnect(handler);
            this.complete(error);
        };
        timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, this.id * unitMs, () => {
            end(null);
            return GLib.SOURCE_CONTINUE;  // end() has removed it
        });
        // The runner cancels a main-context job on its main context, so this
        // handler is JavaScript on the main thread; it completes from an idle
        // rather than from inside the runner's cancel call.
        handler = cancellable.connect(() => {
            GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
                end(new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED,
                    'Operation was cancelled'));
                return GLib.SOURCE_REMOVE;
            });
        });
    }
});

log('Starting work.');

// Unlike Go's New(), the deadline counts from start(), not from here.
const runner = Gopod.Runner.new(timeoutMs);
for (let id = 0; id < 3; id++)
    runner.add_job(new Task(id));

if (sendSigintMs >= 0) {
    const pid = new Gio.Credentials().get_unix_pid();
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, sendSigintMs, () => {
        GLib.spawn_command_line_async(`kill -INT ${pid}`);
        return GLib.SOURCE_REMOVE;
    });
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
runner.start_async(null, (source, result) => {
    try {
        source.start_finish(result);
        log('Process ended.');
    } catch (e) {
        if (e.matches(Gopod.error_quark(), Gopod.Error.TIMEOUT)) {
            log('Terminating due to timeout.');
            status = 1;
        } else if (e.matches(Gopod.error_quark(), Gopod.Error.INTERRUPTED)) {
            log('Terminating due to interrupt.');
            status = 2;
        } else {
            log(`Terminating: ${e.message}`);
            status = 3;
        }
    }
    loop.quit();
});
loop.run();
System.exit(status);
