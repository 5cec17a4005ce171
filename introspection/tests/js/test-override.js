// SPDX-License-Identifier: LGPL-2.1-or-later

// What overrides/Interlink.js adds besides the thread rules, which
// test-threads.js covers: Promise-returning async methods without
// Gio._promisify(), type checks of MessageLink, and requests that fail when
// a JavaScript handler or exec function throws.
//
// JavaScript never runs on a service thread: every service here runs on
// the global default main context, started with start_on_context(null).
// This file deliberately does not call Gio._promisify().

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';

import {
    EchoService, NumberMessage, PlainService, TextMessage
} from './fixtures.js';
import {
    assertEqual, assertGError, assertRejects, assertThrows, assertTrue, run, test
} from './harness.js';

test('async methods return promises', async () => {
    const link = new EchoService().start_on_context(null);
    const textLink = Interlink.MessageLink.new(link, TextMessage.$gtype);

    const sent = link.send_async(new TextMessage({text: 'a'}), null);
    const executed = link.exec_async((_service, _context, reply) => {
        reply.return_value('exec');
    }, null);
    const sentThroughMessageLink = textLink.send_async(new TextMessage({text: 'b'}), null);
    assertTrue(sent instanceof Promise, 'send_async() returns a Promise');
    assertTrue(executed instanceof Promise, 'exec_async() returns a Promise');
    assertTrue(sentThroughMessageLink instanceof Promise,
        'MessageLink.send_async() returns a Promise');
    assertEqual(await sent, 'a', 'send_async() answer');
    assertEqual(await executed, 'exec', 'exec_async() answer');
    assertEqual(await sentThroughMessageLink, 'b', 'MessageLink.send_async() answer');

    const closed = link.wait_closed_async(null);
    const stopped = link.stop_async(null);
    assertTrue(closed instanceof Promise, 'wait_closed_async() returns a Promise');
    assertTrue(stopped instanceof Promise, 'stop_async() returns a Promise');
    assertTrue(await stopped, 'stop_async() result');
    assertTrue(await closed, 'wait_closed_async() result');
});

test('callbacks still work', async () => {
    // Gio._promisify() on an already converted method changes nothing.
    Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
    const link = new EchoService().start_on_context(null);

    let returned;
    const answer = await new Promise((resolve, reject) => {
        returned = link.send_async(new TextMessage({text: 'cb'}), null, (source, result) => {
            try {
                resolve(source.send_finish(result));
            } catch (error) {
                reject(error);
            }
        });
    });

    assertEqual(returned, undefined, 'send_async() with a callback returns');
    assertEqual(answer, 'cb', 'answer');
    assertEqual(await link.send_async(new TextMessage({text: 'promise'}), null),
        'promise', 'answer through the Promise');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('MessageLink rejects other types', async () => {
    const link = new EchoService().start_on_context(null);
    const textLink = Interlink.MessageLink.new(link, TextMessage.$gtype);
    const expected =
        'This MessageLink only sends JsTestTextMessage messages, not JsTestNumberMessage';

    for (const [what, send] of [
        ['do_send()', () => textLink.do_send(new NumberMessage())],
        ['send_sync()', () => textLink.send_sync(new NumberMessage(), null)],
        ['send_async()', () => textLink.send_async(new NumberMessage(), null, () => {})],
    ]) {
        const error = assertThrows(send, what);
        assertTrue(error instanceof TypeError, `${what}: error is a TypeError`);
        assertEqual(error.message, expected, `${what}: error message`);
    }
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('thrown GLib.Error fails request', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, message) => {
        throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND,
            `no ${message.text}`);
    });
    const link = service.start_on_context(null);

    const error = await assertRejects(
        link.send_async(new TextMessage({text: 'entry'}), null), 'send_async()');

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND, 'error');
    assertEqual(error.message, 'no entry', 'error message');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('thrown Error fails with FAILED', async () => {
    // The override throws the exception on after failing the request, so
    // GJS logs it as a critical "JS ERROR" on stderr.
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, () => {
        throw new RangeError('the handler failed');
    });
    const link = service.start_on_context(null);

    const error = await assertRejects(
        link.send_async(new TextMessage({text: 'x'}), null), 'send_async()');

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.FAILED, 'error');
    assertEqual(error.message, 'RangeError: the handler failed', 'error message');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('answer before throw counts', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_value('answered');
        throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED, 'too late');
    });
    const link = service.start_on_context(null);

    assertEqual(await link.send_async(new TextMessage({text: 'x'}), null),
        'answered', 'answer');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('thrown error fails exec', async () => {
    const link = new EchoService().start_on_context(null);

    const error = await assertRejects(link.exec_async(() => {
        throw new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.BUSY, 'busy');
    }, null), 'exec_async()');

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.BUSY, 'error');
    assertEqual(error.message, 'busy', 'error message');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

run();
