// SPDX-License-Identifier: LGPL-2.1-or-later

// A small test runner for the GJS tests. It prints TAP, runs every test
// inside one GLib main loop with a timeout, and exits with status 1 when a
// test failed or timed out.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';

import Interlink from 'gi://Interlink';

const TEST_TIMEOUT_MS = 10000;

// meson passes the gjs it found as --gjs=PATH, so that child processes use
// the same interpreter. Without that option the first gjs in PATH is used.
const GJS_OPTION = '--gjs=';
const gjsPath = System.programArgs
    .find(arg => arg.startsWith(GJS_OPTION))?.slice(GJS_OPTION.length) ??
    GLib.find_program_in_path('gjs');

const tests = [];

export class SkipTest extends Error {}

// Registers a test. `body` may return a Promise.
export function test(name, body) {
    tests.push({name, body, todo: null});
}

// Registers a test that is known to fail for `reason`. While it fails it is
// reported as "not ok ... # TODO", which meson counts as an expected
// failure. Once it passes it is reported as "ok ... # TODO", which meson
// counts as an unexpected pass and a failed test, so that the mark is
// removed when the bug is fixed.
export function todo(name, reason, body) {
    tests.push({name, body, todo: reason});
}

function formatValue(value) {
    if (typeof value === 'string')
        return JSON.stringify(value);
    return String(value);
}

export function assertEqual(actual, expected, label) {
    if (actual !== expected) {
        throw new Error(
            `${label}: expected ${formatValue(expected)}, got ${formatValue(actual)}`);
    }
}

export function assertTrue(value, label) {
    assertEqual(value, true, label);
}

export function assertFalse(value, label) {
    assertEqual(value, false, label);
}

export function assertDeepEqual(actual, expected, label) {
    const actualJson = JSON.stringify(actual);
    const expectedJson = JSON.stringify(expected);

    if (actualJson !== expectedJson)
        throw new Error(`${label}: expected ${expectedJson}, got ${actualJson}`);
}

// Checks that `error` is a GLib.Error of the given domain and code.
export function assertGError(error, domain, code, label) {
    if (!(error instanceof GLib.Error))
        throw new Error(`${label}: expected a GLib.Error, got ${error}`);
    assertEqual(error.domain, domain, `${label}: error domain`);
    assertEqual(error.code, code, `${label}: error code`);
}

export function assertLinkError(error, code, label) {
    assertGError(error, Interlink.link_error_quark(), code, label);
    assertTrue(error.matches(Interlink.LinkError, code), `${label}: matches()`);
}

// Calls `body` and returns the exception it threw. Fails when it did not
// throw.
export function assertThrows(body, label) {
    try {
        body();
    } catch (error) {
        return error;
    }
    throw new Error(`${label}: expected an exception, none was thrown`);
}

// Awaits `promise` and returns its rejection reason. Fails when it
// resolves.
export async function assertRejects(promise, label) {
    let value;

    try {
        value = await promise;
    } catch (error) {
        return error;
    }
    throw new Error(`${label}: expected a rejection, got ${formatValue(value)}`);
}

// Resolves after `ms` milliseconds of main loop time.
export function delay(ms) {
    return new Promise(resolve => {
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

// Resolves once `predicate()` returns true, checking every 5 ms.
export async function waitUntil(predicate) {
    while (!predicate())
        // eslint-disable-next-line no-await-in-loop
        await delay(5);
}

// Rejects with `message` after `ms` milliseconds, for a wait shorter than
// the test timeout.
export function rejectAfter(ms, message) {
    return delay(ms).then(() => {
        throw new Error(message);
    });
}

// Resolves with the arguments of the next emission of `signal`.
export function nextSignal(object, signal) {
    return new Promise(resolve => {
        const id = object.connect(signal, (...args) => {
            object.disconnect(id);
            resolve(args);
        });
    });
}

Gio._promisify(Gio.Subprocess.prototype, 'communicate_utf8_async',
    'communicate_utf8_finish');

// Runs a GJS script from this folder in a child process, without the
// override folder that meson passes to the tests, and returns its exit
// status, stdout and stderr. The child inherits the environment minus
// GJS_PATH and G_DEBUG, so that neither an override folder nor fatal
// criticals reach it.
export async function runChildScript(scriptName) {
    const scriptFile = Gio.File.new_for_uri(import.meta.url)
        .get_parent().get_child(scriptName);
    const launcher = new Gio.SubprocessLauncher({
        flags: Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE,
    });

    launcher.unsetenv('GJS_PATH');
    launcher.unsetenv('G_DEBUG');

    const child = launcher.spawnv(
        [gjsPath, '-m', scriptFile.get_path()]);
    const cancellable = new Gio.Cancellable();
    const timeoutId = GLib.timeout_add(GLib.PRIORITY_DEFAULT,
        TEST_TIMEOUT_MS / 2, () => {
            child.force_exit();
            cancellable.cancel();
            return GLib.SOURCE_REMOVE;
        });

    try {
        const [stdout, stderr] = await child.communicate_utf8_async(null, cancellable);
        return {status: child.get_exit_status(), stdout, stderr};
    } finally {
        if (!cancellable.is_cancelled())
            GLib.source_remove(timeoutId);
    }
}

function runWithTimeout(body) {
    let timeoutId = 0;
    const timeout = new Promise((resolve, reject) => {
        timeoutId = GLib.timeout_add(GLib.PRIORITY_DEFAULT, TEST_TIMEOUT_MS, () => {
            timeoutId = 0;
            reject(new Error(`timed out after ${TEST_TIMEOUT_MS} ms`));
            return GLib.SOURCE_REMOVE;
        });
    });

    return Promise.race([Promise.resolve().then(body), timeout]).finally(() => {
        if (timeoutId !== 0)
            GLib.source_remove(timeoutId);
    });
}

function printDiagnostics(text) {
    for (const line of text.split('\n'))
        print(`# ${line}`);
}

async function runAll() {
    let failures = 0;

    print('TAP version 13');
    print(`1..${tests.length}`);

    for (const [index, {name, body, todo: todoReason}] of tests.entries()) {
        const number = index + 1;
        const directive = todoReason === null ? '' : ` # TODO ${todoReason}`;

        try {
            // eslint-disable-next-line no-await-in-loop
            await runWithTimeout(body);
            print(`ok ${number} ${name}${directive}`);
            if (todoReason !== null)
                failures++;
        } catch (error) {
            if (error instanceof SkipTest) {
                print(`ok ${number} ${name} # SKIP ${error.message}`);
                continue;
            }
            print(`not ok ${number} ${name}${directive}`);
            printDiagnostics(`${error}\n${error.stack ?? ''}`.trim());
            if (todoReason === null)
                failures++;
        }
    }

    return failures;
}

// Runs the registered tests and exits the process with their result.
export function run() {
    const loop = new GLib.MainLoop(null, false);
    let failures = 0;

    runAll().then(count => {
        failures = count;
    }, error => {
        failures = 1;
        printDiagnostics(`test runner failed: ${error}\n${error.stack}`);
    }).finally(() => loop.quit());

    loop.run();
    System.exit(failures === 0 ? 0 : 1);
}
