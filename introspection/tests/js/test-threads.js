// SPDX-License-Identifier: LGPL-2.1-or-later

// JavaScript and service threads.
//
// JavaScript never runs on a service thread. GJS runs JavaScript only on
// the main thread: it skips a JavaScript callback that C invokes on another
// thread, with a critical, and a property of a JavaScript-defined object
// that C reads on another thread returns garbage. So services written in
// JavaScript run on the main context (start_on_context(null)), and
// JavaScript talks to services on their own threads only with messages
// defined in C. The override (overrides/Interlink.js) rejects what breaks
// this rule with an Error. These tests check each rejection and the C
// service of the InterlinkTest typelib on its own thread. A child process
// without the override checks that a handler GJS skipped fails with
// NO_REPLY.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';
import InterlinkTest from 'gi://InterlinkTest';

import {EchoService, PlainService, TextMessage} from './fixtures.js';
import {
    SkipTest, assertEqual, assertFalse, assertGError, assertLinkError,
    assertRejects, assertThrows, assertTrue, delay, nextSignal, run,
    runChildScript, test
} from './harness.js';

Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
Gio._promisify(Interlink.Link.prototype, 'exec_async', 'exec_finish');
Gio._promisify(Interlink.Link.prototype, 'stop_async', 'stop_finish');
Gio._promisify(Interlink.MessageLink.prototype, 'send_async', 'send_finish');

function cText(value) {
    return new InterlinkTest.TextMessage({value});
}

// The thread name that Linux gives the main thread: the program name.
function mainThreadName() {
    const [, contents] = GLib.file_get_contents('/proc/self/comm');
    return new TextDecoder().decode(contents).trim();
}

function sendRejectionMessage(messageType, serviceType) {
    return `Cannot send ${messageType} to service ${serviceType}: the message ` +
        'class is defined in JavaScript, and the service has not started or ' +
        'runs outside the main thread, where GJS cannot read JavaScript ' +
        'objects. Start the service with start_on_context(null) before ' +
        'sending, or send a message class defined in C.';
}

function execRejectionMessage(serviceType) {
    return `Cannot run a JavaScript function on service ${serviceType}: the ` +
        'service has not started or runs outside the main thread, where GJS ' +
        'cannot run JavaScript. Start the service with start_on_context(null) ' +
        'first, or send it a message instead.';
}

function startRejectionMessage(serviceType, reason, place = 'a thread of its own') {
    return `Cannot start service ${serviceType} on ${place}: ${reason}, and ` +
        'GJS runs JavaScript only on the main thread. Start it with ' +
        'start_on_context(null) instead.';
}

function assertRejection(error, expectedMessage, label) {
    assertTrue(error instanceof Error, `${label}: error is an Error`);
    assertFalse(error instanceof GLib.Error, `${label}: error is a GLib.Error`);
    assertEqual(error.message, expectedMessage, `${label}: error message`);
}

test('C service on own thread', async () => {
    const service = InterlinkTest.EchoService.new();
    const link = service.start();

    assertEqual(await link.send_async(cText('hello'), null), 'hello', 'answer');
    assertEqual(service.dup_thread_name(), 'IltEchoService', 'handler thread name');
    assertEqual(link.get_service_type(), InterlinkTest.EchoService.$gtype,
        'service type');
    assertFalse(link.is_on_context(null), 'is_on_context(null)');
    assertFalse(link.is_current(), 'is_current()');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('C service on main context', async () => {
    const service = InterlinkTest.EchoService.new();
    const link = service.start_on_context(null);

    assertEqual(await link.send_async(cText('here'), null), 'here', 'answer');
    assertEqual(service.dup_thread_name(), mainThreadName(), 'handler thread name');
    assertTrue(link.is_on_context(null), 'is_on_context(null)');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('send_sync to own thread', async () => {
    const service = InterlinkTest.EchoService.new();
    const link = service.start();

    assertEqual(link.send_sync(cText('blocking'), null), 'blocking', 'text answer');
    assertEqual(link.send_sync(new InterlinkTest.SleepMessage({milliseconds: 10}), null),
        2, 'sleep answer: messages handled so far');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('do_send and MessageLink to own thread', async () => {
    const service = InterlinkTest.EchoService.new();
    const link = service.start();
    const textLink = Interlink.MessageLink.new(link, InterlinkTest.TextMessage.$gtype);

    assertTrue(link.do_send(cText('one')), 'do_send() result');
    assertTrue(textLink.do_send(cText('two')), 'MessageLink.do_send() result');
    assertEqual(await textLink.send_async(cText('three'), null), 'three',
        'MessageLink answer');
    assertEqual(textLink.send_sync(cText('four'), null), 'four',
        'MessageLink.send_sync() answer');

    assertEqual(service.get_handled(), 4, 'handled messages');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('cancel queued behind sleep', async () => {
    const service = InterlinkTest.EchoService.new();
    const link = service.start();
    const cancellable = new Gio.Cancellable();

    const sleeping = link.send_async(
        new InterlinkTest.SleepMessage({milliseconds: 200}), null);
    const cancelled = link.send_async(cText('cancelled'), cancellable);
    await delay(20);
    const cancelledAt = GLib.get_monotonic_time();
    cancellable.cancel();
    const error = await assertRejects(cancelled, 'cancelled send_async()');
    const waitedUs = GLib.get_monotonic_time() - cancelledAt;

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, 'error');
    assertTrue(waitedUs < 150000,
        `the request completed ${waitedUs} us after cancel(), before the sleep ended`);
    assertEqual(await sleeping, 1, 'sleep answer: messages handled so far');
    assertEqual(await link.send_async(cText('after'), null), 'after', 'later answer');
    assertEqual(service.get_handled(), 2, 'handled messages');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('closed reaches main thread', async () => {
    const link = InterlinkTest.EchoService.new().start();
    const closed = nextSignal(link, 'closed');

    link.stop();
    await closed;

    assertTrue(link.is_closed(), 'is_closed()');
    assertLinkError(assertThrows(() => link.do_send(cText('late')), 'do_send()'),
        Interlink.LinkError.CLOSED, 'do_send() error');
});

test('JS message to own thread rejected', async () => {
    const service = InterlinkTest.EchoService.new();
    const link = service.start();
    const expected = sendRejectionMessage('JsTestTextMessage', 'IltEchoService');

    assertRejection(assertThrows(() => link.do_send(new TextMessage({text: 'x'})),
        'do_send()'), expected, 'do_send()');
    assertRejection(await assertRejects(
        link.send_async(new TextMessage({text: 'x'}), null), 'send_async()'),
    expected, 'send_async()');
    assertRejection(assertThrows(() => link.send_sync(new TextMessage({text: 'x'}), null),
        'send_sync()'), expected, 'send_sync()');
    assertRejection(assertThrows(
        () => link.send_async(new TextMessage({text: 'x'}), null, () => {}),
        'send_async() with a callback'), expected, 'send_async() with a callback');

    assertEqual(service.get_handled(), 0, 'handled messages');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('exec on own thread rejected', async () => {
    const link = InterlinkTest.EchoService.new().start();
    const expected = execRejectionMessage('IltEchoService');

    assertRejection(await assertRejects(
        link.exec_async((_service, _context, reply) => reply.return_value(1), null),
        'exec_async()'), expected, 'exec_async()');
    assertRejection(assertThrows(() => link.do_exec(() => {}), 'do_exec()'),
        expected, 'do_exec()');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('start of JS service rejected', async () => {
    const service = new EchoService();

    assertRejection(assertThrows(() => service.start(), 'start()'),
        startRejectionMessage('JsTestEchoService', 'its class is defined in JavaScript'),
        'start()');
    assertFalse(service.is_started(), 'is_started() after the rejection');

    const link = service.start_on_context(null);
    assertEqual(await link.send_async(new TextMessage({text: 'ok'}), null), 'ok',
        'answer after start_on_context(null)');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('start with JS handlers rejected', async () => {
    const service = InterlinkTest.EchoService.new();
    service.add_handler(InterlinkTest.SleepMessage.$gtype,
        (_service, message, _context, reply) => {
            reply.return_value(message.milliseconds + 1000);
        });

    assertRejection(assertThrows(() => service.start(), 'start()'),
        startRejectionMessage('IltEchoService', 'it has handlers added from JavaScript'),
        'start()');
    assertFalse(service.is_started(), 'is_started() after the rejection');

    const link = service.start_on_context(null);
    assertEqual(await link.send_async(
        new InterlinkTest.SleepMessage({milliseconds: 5}), null), 1005,
    'answer of the JavaScript handler');
    assertEqual(await link.send_async(cText('class handler'), null), 'class handler',
        'answer of the C class handler');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('executor start rejected', async () => {
    if (Interlink.Executor === undefined)
        throw new SkipTest('this build of the library has no Interlink.Executor');
    const executor = Interlink.Executor.new(1);
    const jsService = new EchoService();
    const cService = InterlinkTest.EchoService.new();
    cService.add_handler(InterlinkTest.SleepMessage.$gtype,
        (_service, _message, _context, reply) => reply.return_value(0));

    assertRejection(assertThrows(() => jsService.start_on_executor(executor),
        'start_on_executor() of a JavaScript class'),
    startRejectionMessage('JsTestEchoService', 'its class is defined in JavaScript',
        'an executor thread'), 'start_on_executor() of a JavaScript class');
    assertRejection(assertThrows(() => cService.start_on_executor(executor),
        'start_on_executor() with JavaScript handlers'),
    startRejectionMessage('IltEchoService', 'it has handlers added from JavaScript',
        'an executor thread'), 'start_on_executor() with JavaScript handlers');
    assertFalse(jsService.is_started(), 'is_started() of the JavaScript class');
    assertFalse(cService.is_started(), 'is_started() of the C service');

    const link = InterlinkTest.EchoService.new().start_on_executor(executor);
    assertEqual(await link.send_async(cText('pooled'), null), 'pooled',
        'answer from the executor thread');
    assertRejection(assertThrows(() => link.do_send(new TextMessage({text: 'x'})),
        'do_send() of a JavaScript message'),
    sendRejectionMessage('JsTestTextMessage', 'IltEchoService'),
    'do_send() of a JavaScript message');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('JS message before start rejected', async () => {
    const service = new EchoService();
    const link = service.get_link();

    assertRejection(assertThrows(() => link.do_send(new TextMessage({text: 'early'})),
        'do_send()'), sendRejectionMessage('JsTestTextMessage', 'JsTestEchoService'),
    'do_send()');

    service.start_on_context(null);
    assertEqual(await link.send_async(new TextMessage({text: 'started'}), null),
        'started', 'answer after start_on_context(null)');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('JS message to other context rejected', async () => {
    const link = new EchoService().start_on_context(new GLib.MainContext());
    const textLink = Interlink.MessageLink.new(link, TextMessage.$gtype);
    const expected = sendRejectionMessage('JsTestTextMessage', 'JsTestEchoService');

    assertRejection(assertThrows(() => link.do_send(new TextMessage({text: 'x'})),
        'do_send()'), expected, 'do_send()');
    assertRejection(await assertRejects(
        textLink.send_async(new TextMessage({text: 'x'}), null),
        'MessageLink.send_async()'), expected, 'MessageLink.send_async()');
    assertRejection(assertThrows(() => link.do_exec(() => {}), 'do_exec()'),
        execRejectionMessage('JsTestEchoService'), 'do_exec()');

    // Nothing iterates that context, so stopping cannot complete; the test
    // leaves the service there.
    assertFalse(link.is_closed(), 'is_closed()');
});

test('thread-default context accepted', () => {
    const context = new GLib.MainContext();
    const service = new EchoService();
    const link = service.start_on_context(context);
    const deadline = GLib.get_monotonic_time() + 5000000;
    let answer = null;
    let stopped = false;

    context.push_thread_default();
    try {
        link.send_async(new TextMessage({text: 'pushed'}), null, (source, result) => {
            answer = source.send_finish(result);
            source.stop_async(null, (stopSource, stopResult) => {
                stopped = stopSource.stop_finish(stopResult);
            });
        });
        while (!stopped && GLib.get_monotonic_time() < deadline) {
            if (!context.iteration(false))
                GLib.usleep(1000);
        }
    } finally {
        context.pop_thread_default();
    }

    assertEqual(answer, 'pushed', 'answer');
    assertTrue(stopped, 'the service stopped within 5 s');
});

test('blocked handler fails NO_REPLY', async () => {
    // The child runs without the override, so that start() does not reject
    // the JavaScript handler.
    const child = await runChildScript('child-blocked-handler.js');

    if (child.status === 77)
        throw new SkipTest(child.stdout.trim());
    assertEqual(child.status, 0, `child exit status (stderr: ${child.stderr})`);
    assertEqual(child.stdout,
        'instance handler: NO_REPLY\n' +
        'Service JsTestPlainService dropped the reply to IltTextMessage without answering\n' +
        'handled by JavaScript: 0\n', 'child output');
    assertTrue(child.stderr.includes('Attempting to run a JS callback on a ' +
        'different thread'), `GJS logged the blocked callback (stderr: ${child.stderr})`);
});

run();
