// SPDX-License-Identifier: LGPL-2.1-or-later
//
// GopodChannel and GopodSelect from GJS: Go's semantics with the async
// operations on the main loop (Gio._promisify and await, no threads), select,
// cancellation, and bad input. Exits non-zero on the first failure.

imports.gi.versions.Gopod = '1.0';
const {GLib, Gio, GObject, Gopod} = imports.gi;
const System = imports.system;

Gio._promisify(Gopod.Channel.prototype, 'send_async', 'send_finish');
Gio._promisify(Gopod.Channel.prototype, 'receive_async', 'receive_finish');
Gio._promisify(Gopod.Select.prototype, 'wait_async', 'wait_finish');

let failures = 0;

function check(condition, what) {
    if (!condition) {
        printerr(`FAIL: ${what}`);
        failures++;
    }
}

// The GLib.Error fn throws (or rejects with), or null.
async function errorOf(fn) {
    try {
        await fn();
    } catch (e) {
        if (e instanceof GLib.Error)
            return e;
        throw e;
    }
    return null;
}

async function checkError(fn, domain, code, what) {
    const e = await errorOf(fn);
    check(e !== null && e.matches(domain, code), `${what} (${e})`);
}

const wouldBlock = [Gio.IOErrorEnum, Gio.IOErrorEnum.WOULD_BLOCK];
const closed = [Gopod.Error, Gopod.Error.CLOSED];
const cancelled = [Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED];

// Resolves on a later main-loop iteration, so that work started before it
// has had its turn.
function idle() {
    return new Promise(resolve => GLib.idle_add(GLib.PRIORITY_LOW, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
}

async function testUnbufferedHandOff() {
    const ch = Gopod.Channel.new(GObject.TYPE_STRING, 0);
    await checkError(() => ch.try_send('ping'), ...wouldBlock, 'try_send with no receiver would block');
    await checkError(() => ch.try_receive(), ...wouldBlock, 'try_receive with no sender would block');

    let sent = false;
    const sending = ch.send_async('ping', null).then(() => (sent = true));
    await idle();
    check(!sent, 'an unbuffered send_async waits for a receiver');
    check(ch.length === 0, `nothing is buffered (${ch.length})`);
    const [msg] = await ch.receive_async(null);
    check(msg === 'ping', `receive_async gets the value (${msg})`);
    await sending;
    check(sent, 'the send completed once the value was taken');
}

async function testBufferedFifo() {
    const ch = Gopod.Channel.new(GObject.TYPE_INT, 3);
    for (let i = 0; i < 3; i++)
        ch.try_send(i);
    check(ch.length === 3 && ch.capacity === 3, `a buffer of 3 holds 3 (${ch.length})`);
    await checkError(() => ch.try_send(3), ...wouldBlock, 'the fourth try_send would block');

    // A send_async waiting on the full buffer goes in once there is room.
    const late = ch.send_async(3, null);
    const got = [];
    for (let i = 0; i < 4; i++)
        // eslint-disable-next-line no-await-in-loop
        got.push((await ch.receive_async(null))[0]);
    await late;
    check(got.join() === '0,1,2,3', `values come out in FIFO order (${got})`);
}

async function testClose() {
    const ch = Gopod.Channel.new(GObject.TYPE_STRING, 2);
    let notified = false;
    ch.connect('notify::closed', () => (notified = true));
    ch.try_send('one');
    ch.try_send('two');
    ch.close();
    check(ch.closed, 'closed is TRUE after close');
    await checkError(() => ch.send_async('three', null), ...closed, 'send_async on a closed channel');
    const got = [(await ch.receive_async(null))[0], (await ch.receive_async(null))[0]];
    check(got.join() === 'one,two', `a closed channel drains first (${got})`);
    await checkError(() => ch.receive_async(null), ...closed, 'then receive_async reports CLOSED');
    await checkError(() => ch.try_receive(), ...closed, 'and try_receive too');
    await idle();
    check(notified, 'notify::closed arrives on the main loop');

    // A pending receive and a pending send are woken by the close.
    const empty = Gopod.Channel.new(GObject.TYPE_INT, 0);
    const receiving = errorOf(() => empty.receive_async(null));
    const full = Gopod.Channel.new(GObject.TYPE_INT, 1);
    full.try_send(1);
    const sending = errorOf(() => full.send_async(2, null));
    await idle();
    empty.close();
    full.close();
    const [re, se] = [await receiving, await sending];
    check(re !== null && re.matches(...closed), `a waiting receive wakes CLOSED (${re})`);
    check(se !== null && se.matches(...closed), `a waiting send wakes CLOSED (${se})`);
    check(full.try_receive()[1] === 1 && full.length === 0, 'the woken send sent nothing');
}

async function testCancellationLosesNothing() {
    const ch = Gopod.Channel.new(GObject.TYPE_INT, 0);
    for (const op of [c => ch.receive_async(c), c => ch.send_async(7, c)]) {
        const cancellable = new Gio.Cancellable();
        const pending = errorOf(() => op(cancellable));
        // eslint-disable-next-line no-await-in-loop
        await idle();
        cancellable.cancel();
        // eslint-disable-next-line no-await-in-loop
        const e = await pending;
        check(e !== null && e.matches(...cancelled), `a cancelled operation fails CANCELLED (${e})`);
    }
    await checkError(() => ch.try_send(1), ...wouldBlock, 'the cancelled receive is not waiting any more');
    await checkError(() => ch.try_receive(), ...wouldBlock, 'the cancelled send sent nothing');
}

async function testSelect() {
    const c1 = Gopod.Channel.new(GObject.TYPE_INT, 100);
    const c2 = Gopod.Channel.new(GObject.TYPE_INT, 100);
    const out = Gopod.Channel.new(GObject.TYPE_INT, 100);
    for (let i = 0; i < 50; i++) {
        c1.try_send(i);
        c2.try_send(1000 + i);
    }
    const sel = Gopod.Select.new();
    const cases = [sel.add_receive(c1), sel.add_receive(c2), sel.add_send(out, -1)];
    check(cases.join() === '0,1,2', `cases are numbered from 0 (${cases})`);
    const counts = [0, 0, 0];
    const received = [[], []];
    for (let i = 0; i < 90; i++) {
        // eslint-disable-next-line no-await-in-loop
        const chosen = await sel.wait_async(null);
        counts[chosen]++;
        if (chosen < 2)
            received[chosen].push(sel.get_value()[1]);
    }
    check(counts.every(n => n > 0), `no case starves (${counts})`);
    check(c1.length === 50 - counts[0] && c2.length === 50 - counts[1] && out.length === counts[2],
        'exactly one case happened per wait; the losers took and sent nothing');
    check(received[0].every((v, i) => v === i), 'c1 values in order');

    // A wait_async that waits: the value comes later, from the loop.
    const empty = Gopod.Channel.new(GObject.TYPE_STRING, 0);
    const s2 = Gopod.Select.new();
    s2.add_timeout(60000);
    const rx = s2.add_receive(empty);
    const waiting = s2.wait_async(null);
    await empty.send_async('late', null);
    check(await waiting === rx && s2.get_value()[1] === 'late', 'wait_async takes a later value');
    check(s2.try() === -1, 'try with nothing ready returns -1');

    const done = new Gio.Cancellable();
    const s3 = Gopod.Select.new();
    s3.add_receive(empty);
    const dc = s3.add_cancelled(done);
    GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
        done.cancel();
        return GLib.SOURCE_REMOVE;
    });
    check(await s3.wait_async(null) === dc, 'a cancelled case is chosen when its cancellable fires');

    const s4 = Gopod.Select.new();
    s4.add_receive(empty);
    const c4 = new Gio.Cancellable();
    const p4 = errorOf(() => s4.wait_async(c4));
    await idle();
    c4.cancel();
    const e4 = await p4;
    check(e4 !== null && e4.matches(...cancelled), `a cancelled wait_async fails CANCELLED (${e4})`);

    const shut = Gopod.Channel.new(GObject.TYPE_INT, 1);
    shut.close();
    const s5 = Gopod.Select.new();
    s5.add_receive(shut);
    check(await s5.wait_async(null) === 0 && s5.get_closed(), 'a closed channel makes its case ready, closed');
    check(s5.get_value()[0] === false, 'a closed receive case received nothing');
    const s6 = Gopod.Select.new();
    s6.add_timeout(1);
    await s6.wait_async(null);
    check(s6.get_value()[0] === false, 'a timeout case received nothing');
}

// The shared-variable watchdog on the main loop: one select, set_value in a loop.
async function testSetValueLoop() {
    const reader = Gopod.Channel.new(GObject.TYPE_INT, 0);
    const writer = Gopod.Channel.new(GObject.TYPE_INT, 0);
    const watchdog = (async () => {
        const sel = Gopod.Select.new();
        const write = sel.add_receive(writer);
        const read = sel.add_send(reader, 0);
        for (;;) {
            // eslint-disable-next-line no-await-in-loop
            if (await sel.wait_async(null) === write) {
                if (sel.get_closed())
                    return;
                sel.set_value(read, sel.get_value()[1]);
            }
        }
    })();
    const seen = [(await reader.receive_async(null))[0]];
    for (let i = 1; i < 10; i++) {
        // eslint-disable-next-line no-await-in-loop
        await writer.send_async(i, null);
        // eslint-disable-next-line no-await-in-loop
        seen.push((await reader.receive_async(null))[0]);
    }
    writer.close();
    await watchdog;
    check(seen.join() === '0,1,2,3,4,5,6,7,8,9', `the watchdog serves what was written (${seen})`);
}

async function testTimerAndTicker() {
    const start = GLib.get_monotonic_time();
    const [fired] = await Gopod.Channel.new_timer(1).receive_async(null);
    check(fired >= start, 'a timer receives the monotonic time');
    const ticker = Gopod.Channel.new_ticker(1);
    const ticks = [];
    for (let i = 0; i < 3; i++)
        // eslint-disable-next-line no-await-in-loop
        ticks.push((await ticker.receive_async(null))[0]);
    check(ticks[0] < ticks[1] && ticks[1] < ticks[2], `ticks increase (${ticks})`);
    ticker.close();
    let e = null;
    for (let i = 0; i < 2 && e === null; i++)
        // eslint-disable-next-line no-await-in-loop
        e = await errorOf(() => ticker.receive_async(null));
    check(e !== null && e.matches(...closed), 'a closed ticker stops, at most one tick left');
}

function testValues() {
    const num = Gopod.Channel.new(GObject.TYPE_INT, 1);
    num.try_send(42);
    check(num.try_receive()[1] === 42, 'a JS number goes into a G_TYPE_INT channel');
    const obj = new Gio.Cancellable();
    const objects = Gopod.Channel.new(Gio.Cancellable.$gtype, 1);
    objects.try_send(obj);
    check(objects.try_receive()[1] === obj, 'an object comes back as itself');
    const variants = Gopod.Channel.new(GObject.TYPE_VARIANT, 1);
    variants.try_send(new GLib.Variant('s', 'v'));
    check(variants.try_receive()[1].unpack() === 'v', 'a GVariant travels');
    // null is the nil of a string or object channel, as in Go.
    const strings = Gopod.Channel.new(GObject.TYPE_STRING, 1);
    strings.try_send(null);
    check(strings.try_receive()[1] === null, 'null goes into a string channel and comes back');
    objects.try_send(null);
    check(objects.try_receive()[1] === null, 'null goes into an object channel and comes back');
}

function testBadInput() {
    const ch = Gopod.Channel.new(GObject.TYPE_INT, 1);
    GLib.test_expect_message('Gopod', GLib.LogLevelFlags.LEVEL_CRITICAL, '*');
    let raised = null;
    try {
        ch.try_send('not a number');
    } catch (e) {
        raised = e;
    }
    GLib.test_assert_expected_messages_internal('Gopod', 'test-channel.js', 0, 'bad value');
    check(raised !== null && raised.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.INVALID_ARGUMENT),
        'a bad value throws INVALID_ARGUMENT');
    check(ch.length === 0, 'a value that cannot convert is not buffered');
    ch.try_send(1);
    check(ch.try_receive()[1] === 1, 'the channel still works');

    ch.close();
    GLib.test_expect_message('Gopod', GLib.LogLevelFlags.LEVEL_CRITICAL, '*');
    ch.close();
    GLib.test_assert_expected_messages_internal('Gopod', 'test-channel.js', 0, 'close twice');
    check(ch.closed, 'closing twice leaves it closed');

    const sel = Gopod.Select.new();
    const send = sel.add_send(Gopod.Channel.new(GObject.TYPE_INT, 1), 5);
    GLib.test_expect_message('Gopod', GLib.LogLevelFlags.LEVEL_CRITICAL, '*');
    sel.set_value(send + 3, 6);
    GLib.test_assert_expected_messages_internal('Gopod', 'test-channel.js', 0, 'case out of range');
    check(sel.try() === send, 'the select still works after a bad case index');
}

// A promise made of a call given bad runtime input settles (rejects with a
// GLib.Error) instead of staying pending for ever: the C side reports it
// through the task besides its critical. Pending after SAFETY_MS fails.
const SAFETY_MS = 10000;
function settled(promise) {
    let id = 0;
    const pending = new Promise(resolve => {
        id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, SAFETY_MS, () => {
            id = 0;
            resolve('pending');
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise.then(v => ({value: v}), e => ({error: e})), pending])
        .finally(() => id !== 0 && GLib.source_remove(id));
}

async function checkRejects(start, domain, code, what) {
    GLib.test_expect_message('Gopod', GLib.LogLevelFlags.LEVEL_CRITICAL, '*');
    const promise = start();
    GLib.test_assert_expected_messages_internal('Gopod', 'test-channel.js', 0, what);
    const outcome = await settled(promise);
    check(outcome !== 'pending', `${what}: the promise settles`);
    if (outcome === 'pending')
        return;
    check(outcome.error instanceof GLib.Error && outcome.error.matches(domain, code),
        `${what}: rejected with a GLib.Error (${outcome.error ?? outcome.value})`);
}

async function testBadInputAsyncSettles() {
    const ch = Gopod.Channel.new(GObject.TYPE_INT, 1);
    await checkRejects(() => ch.send_async('not a number', null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.INVALID_ARGUMENT, 'send_async of a bad value');
    check(ch.length === 0, 'a bad send_async buffers nothing');
    await ch.send_async(1, null);
    check(ch.try_receive()[1] === 1, 'the channel still works');

    const empty = Gopod.Select.new();
    await checkRejects(() => empty.wait_async(null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.INVALID_ARGUMENT, 'wait_async on a select without cases');

    const sel = Gopod.Select.new();
    const rx = Gopod.Channel.new(GObject.TYPE_INT, 0);
    const recv = sel.add_receive(rx);
    const first = sel.wait_async(null);
    await checkRejects(() => sel.wait_async(null),
        Gio.IOErrorEnum, Gio.IOErrorEnum.BUSY, 'a second wait_async while waiting');
    rx.send_async(7, null);
    const chosen = await settled(first);
    check(chosen.value === recv, `the first wait still gets its case (${JSON.stringify(chosen)})`);
}

async function main() {
    await testUnbufferedHandOff();
    await testBufferedFifo();
    await testClose();
    await testCancellationLosesNothing();
    await testSelect();
    await testSetValueLoop();
    await testTimerAndTicker();
    testValues();
    testBadInput();
    await testBadInputAsyncSettles();
}

const loop = new GLib.MainLoop(null, false);
// A hang is a failure too, reported instead of waiting for meson's timeout.
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 60, () => {
    printerr('FAIL: the tests did not end');
    failures++;
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
main().catch(e => {
    logError(e);
    failures++;
}).finally(() => loop.quit());
loop.run();

if (failures > 0) {
    printerr(`${failures} failure(s)`);
    System.exit(1);
}
print('ok');
