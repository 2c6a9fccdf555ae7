// SPDX-License-Identifier: LGPL-2.1-or-later
// A real SIGINT sent to a child GJS process after its runner ran: Ctrl-C
// does what it would without the runner (the default disposition ends the
// process; a GLib.unix_signal_add handler gets it), whether start_async came
// before the loop or from inside it. The child is this file with an order.

imports.gi.versions.Gopod = '1.0';
const {GLib, Gio, Gopod} = imports.gi;
const System = imports.system;

function child(order) {
    const loop = new GLib.MainLoop(null, false);
    const runner = Gopod.Runner.new(0);  // handle-signals on, the default
    const start = () => {
        runner.start_async(null, (r, result) => {
            r.start_finish(result);
            print('ready');
            return GLib.SOURCE_REMOVE;
        });
        return GLib.SOURCE_REMOVE;
    };
    if (order === 'unix-signal') {
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 2 /* SIGINT */, () => {
            print('handler');
            loop.quit();
            return GLib.SOURCE_REMOVE;
        });
    }
    if (order === 'inside')
        GLib.idle_add(GLib.PRIORITY_DEFAULT, start);
    else
        start();
    loop.run();
    print('loop returned');
}

function parent() {
    let failures = 0;
    const self = System.programPath;
    for (const [order, expected] of [['before', null], ['inside', null],
        ['unix-signal', 'handler\nloop returned']]) {
        const proc = Gio.Subprocess.new(['gjs', self, order],
            Gio.SubprocessFlags.STDOUT_PIPE);
        const out = new Gio.DataInputStream({base_stream: proc.get_stdout_pipe()});
        const [line] = out.read_line_utf8(null);
        if (line !== 'ready') {
            printerr(`FAIL: ${order}: child said ${line}`);
            failures++;
            proc.force_exit();
            continue;
        }
        proc.send_signal(2 /* SIGINT */);
        const [, rest] = proc.communicate_utf8(null, null);
        proc.wait(null);
        if (expected === null) {
            const killed = proc.get_if_signaled() && proc.get_term_sig() === 2;
            if (!killed) {
                printerr(`FAIL: ${order}: SIGINT did not end the child as it would without a runner`);
                failures++;
            }
        } else if ((rest ?? '').trim() !== expected) {
            printerr(`FAIL: ${order}: child said ${rest}`);
            failures++;
        }
    }
    if (failures > 0)
        System.exit(1);
    print('ok');
}

if (ARGV.length > 0)
    child(ARGV[0]);
else
    parent();
