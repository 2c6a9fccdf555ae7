// SPDX-License-Identifier: LGPL-2.1-or-later
// What every GJS test shares: checks that count their failures instead of
// stopping at the first one. `const {check, failures} = imports.testing;`
// (the tests run with gjs -I tests/gjs).

const {GLib} = imports.gi;

let failed = 0;

// Reports a failed check on stderr and counts it.
function check(condition, what) {
    if (!condition) {
        printerr(`FAIL: ${what}`);
        failed++;
    }
}

// How many checks failed so far.
function failures() {
    return failed;
}

// Checks that @actual is @expected, saying both when not.
function checkEqual(actual, expected, message) {
    check(actual === expected, `${message}: got ${actual}, expected ${expected}`);
}

// Only a guard against a hang: no check depends on how long anything took.
var SAFETY_MS = 20000;  // var: a module's const is not exported

// Iterates the default main context until predicate() holds.
function runLoopUntil(predicate, what) {
    const context = GLib.MainContext.default();
    let expired = false;
    const id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, SAFETY_MS, () => {
        expired = true;
        return GLib.SOURCE_REMOVE;
    });
    while (!predicate() && !expired)
        context.iteration(true);
    if (expired)
        check(false, `timed out waiting for ${what}`);
    else
        GLib.source_remove(id);
}
