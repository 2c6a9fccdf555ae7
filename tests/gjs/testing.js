// SPDX-License-Identifier: LGPL-2.1-or-later
// What every GJS test shares: checks that count their failures instead of
// stopping at the first one. `const {check, failures} = imports.testing;`
// (the tests run with gjs -I tests/gjs).

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
