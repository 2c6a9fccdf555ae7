// SPDX-License-Identifier: LGPL-2.1-or-later
//
// nozzle/throttler's ExampleThrottler, in JavaScript.
//
// Fetches a list of URLs with at most 2 fetches in flight, and stops
// launching new ones after the first error, as throttler's example does.
// The URLs point at a small HTTP server on 127.0.0.1 that this program
// starts itself (a Gio.SocketService on a free port); one URL answers 500.
//
// GJS cannot run JavaScript on another thread, so where the Go program
// starts a goroutine per URL, this one starts an asynchronous GIO request
// on the main loop; throttle_async() waits without blocking the loop, and
// each request calls done() from its main-loop callback when it ends. The
// server runs on the same loop.
//
//   gjs throttler.js

const {Gopod} = imports.gopod;  // Gopod 1.0, with promises
const {Gio, GLib} = imports.gi;
const System = imports.system;

const PATHS = ['/one', '/two', '/broken', '/four', '/five', '/six', '/seven'];
const HOST = '127.0.0.1';

// async/await over the GIO calls used below.
Gio._promisify(Gio.SocketClient.prototype, 'connect_to_host_async', 'connect_to_host_finish');
Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async', 'read_line_finish_utf8');
Gio._promisify(Gio.InputStream.prototype, 'read_bytes_async', 'read_bytes_finish');
Gio._promisify(Gio.OutputStream.prototype, 'write_bytes_async', 'write_bytes_finish');
Gio._promisify(Gio.IOStream.prototype, 'close_async', 'close_finish');
Gio._promisify(Gopod.Throttler.prototype, 'throttle_async', 'throttle_finish');
Gio._promisify(Gopod.Throttler.prototype, 'wait_async', 'wait_finish');

function sleep(ms) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

async function writeAll(stream, text) {
    let bytes = new GLib.Bytes(new TextEncoder().encode(text));
    while (bytes.get_size() > 0) {
        const written = await stream.write_bytes_async(bytes, GLib.PRIORITY_DEFAULT, null);
        bytes = bytes.new_from_bytes(written, bytes.get_size() - written);
    }
}

// Reads and drops what is left of the stream.
async function drain(stream) {
    while ((await stream.read_bytes_async(4096, GLib.PRIORITY_DEFAULT, null)).get_size() > 0)
        ;
}

// --- the server ------------------------------------------------------------

async function serve(connection) {
    const input = Gio.DataInputStream.new(connection.get_input_stream());
    input.set_close_base_stream(false);
    const [request] = await input.read_line_async(GLib.PRIORITY_DEFAULT, null);
    if (request === null)
        return;
    // Skip the headers.
    for (;;) {
        const [line] = await input.read_line_async(GLib.PRIORITY_DEFAULT, null);
        if (line === null || line.trim() === '')
            break;
    }
    // "GET /path HTTP/1.x"
    const path = request.split(' ')[1] ?? '/';

    // A little latency, so that fetches overlap as real ones do.
    await sleep(20);

    const response = path === '/broken'
        ? 'HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
        : `HTTP/1.0 200 OK\r\nContent-Length: ${path.length}\r\nConnection: close\r\n\r\n${path}`;
    await writeAll(connection.get_output_stream(), response);
    await connection.close_async(GLib.PRIORITY_DEFAULT, null);
}

function startServer() {
    const service = Gio.SocketService.new();
    const address = Gio.InetSocketAddress.new_from_string(HOST, 0);
    const [, bound] = service.add_address(address, Gio.SocketType.STREAM,
        Gio.SocketProtocol.TCP, null);
    service.connect('incoming', (_service, connection) => {
        serve(connection).catch(e => printerr(`server: ${e.message}`));
        return true;
    });
    service.start();
    return [service, bound.get_port()];
}

// --- the client ------------------------------------------------------------

let inFlight = 0;
let peakInFlight = 0;

// http.Get: the status line decides, the body is read and dropped.
async function httpGet(port, path) {
    const client = new Gio.SocketClient();
    const connection = await client.connect_to_host_async(HOST, port, null);
    try {
        await writeAll(connection.get_output_stream(),
            `GET ${path} HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`);
        const input = Gio.DataInputStream.new(connection.get_input_stream());
        input.set_close_base_stream(false);
        const [line] = await input.read_line_async(GLib.PRIORITY_DEFAULT, null);
        if (line === null) {
            throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.CONNECTION_CLOSED,
                'connection closed before the status line');
        }
        await drain(input);
        const status = line.trim();
        if (!/^HTTP\/1\.[01] 200/.test(status)) {
            const reason = status.includes(' ') ? status.slice(status.indexOf(' ') + 1) : status;
            throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED,
                `GET http://${HOST}:${port}${path}: ${reason}`);
        }
    } finally {
        await connection.close_async(GLib.PRIORITY_DEFAULT, null);
    }
}

// The goroutine: fetch, then tell the throttler, from this main-loop callback.
async function fetch(throttler, port, path) {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let error = null;
    try {
        await httpGet(port, path);
        print(`fetched ${path}`);
    } catch (e) {
        error = e instanceof GLib.Error ? e
            : new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, `GET ${path}: ${e}`);
    }
    inFlight--;
    // Let the throttler know the fetch is over, so the loop may go on.
    throttler.done(error);
}

async function main() {
    const [service, port] = startServer();
    print(`serving ${PATHS.length} URLs on http://${HOST}:${port}/`);

    // Get 2 URLs at a time.
    const throttler = Gopod.Throttler.new(2, PATHS.length);
    let started = 0;
    for (const path of PATHS) {
        print(`fetching ${path}`);
        fetch(throttler, port, path);
        started++;
        // Pauses until a fetch may start, or all are done; with errors,
        // starts no more.
        if (await throttler.throttle_async(null) > 0)
            break;
    }
    // After a break, the fetches still in flight end first.
    await throttler.wait_async(null);

    const errors = throttler.get_errors();
    errors.forEach((error, i) => print(`error #${i}: ${error.message}`));
    print(`fetched ${started - errors.length} of ${PATHS.length} URLs, peak in flight: ${peakInFlight}`);

    service.stop();
    service.close();
    return errors.length > 0 ? 1 : 0;
}

const loop = new GLib.MainLoop(null, false);
let status = 3;
main().then(code => {
    status = code;
}).catch(e => {
    printerr(`throttler: ${e.message ?? e}`);
}).finally(() => loop.quit());
loop.run();
System.exit(status);
