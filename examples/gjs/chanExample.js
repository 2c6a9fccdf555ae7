// SPDX-License-Identifier: LGPL-2.1-or-later
//
// What the channel examples (chan-*.js) share: the promisified channel and
// select operations, the check for a closed channel, option parsing, and
// the main loop that runs an async main() and exits with its status.
// Imported as `imports.chanExample` once the script's folder is on the
// search path.

imports.gi.versions.Gopod = '1.0';
const {Gio, GLib, Gopod} = imports.gi;
const System = imports.system;

// `await ch.send_async(v, null)`, `const [v] = await ch.receive_async(null)`
// and `const chosen = await sel.wait_async(null)`: _promisify drops the
// leading `true` of receive_finish's [ok, value].
Gio._promisify(Gopod.Channel.prototype, 'send_async', 'send_finish');
Gio._promisify(Gopod.Channel.prototype, 'receive_async', 'receive_finish');
Gio._promisify(Gopod.Select.prototype, 'wait_async', 'wait_finish');

// TRUE when e is GOPOD_ERROR_CLOSED: Go's `ok == false` ending a range, or
// a send on a channel its receiver closed.
function isClosed(e) {
    return e instanceof GLib.Error && e.matches(Gopod.Error, Gopod.Error.CLOSED);
}

// The integer after `--name` on the command line, or fallback.
function option(name, fallback) {
    const i = ARGV.indexOf(`--${name}`);
    return i >= 0 && i + 1 < ARGV.length ? parseInt(ARGV[i + 1], 10) : fallback;
}

// Runs the async main() on a main loop and exits with what it returns (1
// if it throws).
function runMain(main) {
    let status = 1;
    const loop = new GLib.MainLoop(null, false);
    main().then(code => (status = code)).catch(logError).finally(() => loop.quit());
    loop.run();
    System.exit(status);
}
