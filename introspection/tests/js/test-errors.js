// SPDX-License-Identifier: LGPL-2.1-or-later

// Every Interlink.LinkError code that JavaScript can meet, and errors that
// handlers return or throw. Each arrives as a GLib.Error.
//
// JavaScript never runs on a service thread: every service here runs on
// the global default main context, started with start_on_context(null).
// NO_REPLY from a handler that GJS skipped on a service thread is in
// test-threads.js.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';
import System from 'system';

import {
    EchoService, NumberMessage, PlainService, TextMessage
} from './fixtures.js';
import {
    assertEqual, assertGError, assertLinkError, assertRejects, assertThrows,
    assertTrue, rejectAfter, run, runChildScript, test, waitUntil
} from './harness.js';

Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
Gio._promisify(Interlink.Link.prototype, 'exec_async', 'exec_finish');
Gio._promisify(Interlink.Link.prototype, 'stop_async', 'stop_finish');

test('CLOSED after stop', async () => {
    const link = new EchoService().start_on_context(null);
    const textLink = Interlink.MessageLink.new(link, TextMessage.$gtype);
    assertTrue(await link.stop_async(null), 'stop_async() result');

    const sendError = await assertRejects(
        link.send_async(new TextMessage({text: 'x'}), null), 'send_async()');
    assertLinkError(sendError, Interlink.LinkError.CLOSED, 'send_async() error');
    assertEqual(sendError.message, 'Service JsTestEchoService has stopped',
        'send_async() error message');

    assertLinkError(assertThrows(() => link.do_send(new TextMessage({text: 'x'})),
        'do_send()'), Interlink.LinkError.CLOSED, 'do_send() error');
    assertLinkError(await assertRejects(
        link.exec_async((_service, _context, reply) => reply.return_value(1), null),
        'exec_async()'), Interlink.LinkError.CLOSED, 'exec_async() error');
    assertLinkError(assertThrows(() => link.do_exec(() => {}), 'do_exec()'),
        Interlink.LinkError.CLOSED, 'do_exec() error');
    assertLinkError(assertThrows(
        () => textLink.do_send(new TextMessage({text: 'x'})), 'MessageLink.do_send()'),
    Interlink.LinkError.CLOSED, 'MessageLink.do_send() error');
    assertLinkError(await assertRejects(
        textLink.send_async(new TextMessage({text: 'x'}), null),
        'MessageLink.send_async()'),
    Interlink.LinkError.CLOSED, 'MessageLink.send_async() error');
});

test('CLOSED for queued requests', async () => {
    const service = new PlainService();
    const handled = [];
    service.add_handler(TextMessage.$gtype, (_service, message, context, reply) => {
        handled.push(message.text);
        context.stop();
        reply.return_value(message.text);
    });
    const link = service.start_on_context(null);

    const first = link.send_async(new TextMessage({text: 'first'}), null);
    const queued = link.send_async(new TextMessage({text: 'queued'}), null);

    assertEqual(await first, 'first', 'answer of the first request');
    assertLinkError(await assertRejects(queued, 'queued send_async()'),
        Interlink.LinkError.CLOSED, 'error of the queued request');
    assertEqual(handled.join(), 'first', 'handled texts');
});

test('UNHANDLED without handler', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_value('');
    });
    const link = service.start_on_context(null);

    const error = await assertRejects(
        link.send_async(new NumberMessage(), null), 'send_async()');

    assertLinkError(error, Interlink.LinkError.UNHANDLED, 'error');
    assertEqual(error.message,
        'Service JsTestPlainService has no handler for JsTestNumberMessage',
        'error message');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('UNHANDLED from chained vfunc', async () => {
    const link = new EchoService().start_on_context(null);

    const error = await assertRejects(
        link.send_async(new NumberMessage(), null), 'send_async()');

    assertLinkError(error, Interlink.LinkError.UNHANDLED, 'error');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('WOULD_DEADLOCK from main thread', async () => {
    const link = new EchoService().start_on_context(null);
    const textLink = Interlink.MessageLink.new(link, TextMessage.$gtype);

    const error = assertThrows(
        () => link.send_sync(new TextMessage({text: 'x'}), null), 'send_sync()');
    assertLinkError(error, Interlink.LinkError.WOULD_DEADLOCK, 'send_sync() error');
    assertEqual(error.message,
        'Blocking send to service JsTestEchoService would never return: its main ' +
        'context is owned by the calling thread or not iterated by any thread; ' +
        'use il_link_send_async() instead', 'send_sync() error message');
    assertLinkError(assertThrows(
        () => textLink.send_sync(new TextMessage({text: 'x'}), null),
        'MessageLink.send_sync()'),
    Interlink.LinkError.WOULD_DEADLOCK, 'MessageLink.send_sync() error');

    // The failed calls left the service running.
    assertEqual(await link.send_async(new TextMessage({text: 'still'}), null),
        'still', 'answer after the failed calls');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('WOULD_DEADLOCK from own handler', async () => {
    const service = new PlainService();
    service.add_handler(NumberMessage.$gtype, (_service, _message, context, reply) => {
        try {
            context.get_link().send_sync(new TextMessage({text: 'x'}), null);
            reply.return_value(-1);
        } catch (error) {
            reply.return_value(error.matches(Interlink.LinkError,
                Interlink.LinkError.WOULD_DEADLOCK) ? error.code : -2);
        }
    });
    const link = service.start_on_context(null);

    assertEqual(await link.send_async(new NumberMessage(), null),
        Interlink.LinkError.WOULD_DEADLOCK, 'code caught by the handler');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('INVALID_RESPONSE in child', async () => {
    const child = await runChildScript('child-invalid-response.js');

    assertEqual(child.status, 0, `child exit status (stderr: ${child.stderr})`);
    assertEqual(child.stdout,
        'int message answered with a string: INVALID_RESPONSE\n' +
        'Invalid response for JsTestNumberMessage from service JsTestPlainService: ' +
        'expected gint, got gchararray\n' +
        'none message answered with a value: INVALID_RESPONSE\n' +
        'Invalid response for JsTestPingMessage from service JsTestPlainService: ' +
        'expected void, got gint\n', 'child output');
    assertTrue(child.stderr.includes('Interlink-CRITICAL') &&
        child.stderr.includes('Handler of JsTestNumberMessage in service ' +
            'JsTestPlainService answered with gchararray, but the message ' +
            'declares the response type gint'),
    `the child logged the critical (stderr: ${child.stderr})`);
});

test('returned GLib.Error passes through', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_error(new GLib.Error(Gio.IOErrorEnum,
            Gio.IOErrorEnum.PERMISSION_DENIED, 'not yours'));
    });
    const link = service.start_on_context(null);

    const error = await assertRejects(
        link.send_async(new TextMessage({text: 'x'}), null), 'send_async()');

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.PERMISSION_DENIED,
        'error');
    assertEqual(error.message, 'not yours', 'error message');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('cancelled arrives as IOErrorEnum', async () => {
    const link = new EchoService().start_on_context(null);
    const cancellable = new Gio.Cancellable();
    cancellable.cancel();

    const error = await assertRejects(
        link.send_async(new TextMessage({text: 'x'}), cancellable), 'send_async()');

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, 'error');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

// GJS keeps a reply that JavaScript has seen until the garbage collector
// finalizes it. The library then fails the request from an idle source of
// the sender's context, because GJS refuses callbacks inside a collection.
test('NO_REPLY after collection', async () => {
    const service = new PlainService();
    let handled = false;
    service.add_handler(TextMessage.$gtype, () => {
        handled = true;
    });
    const link = service.start_on_context(null);

    const request = link.send_async(new TextMessage({text: 'x'}), null);
    await waitUntil(() => handled);
    System.gc();
    const error = await Promise.race([
        assertRejects(request, 'send_async()'),
        rejectAfter(1000, 'the request did not complete within 1 s of the collection'),
    ]);

    assertLinkError(error, Interlink.LinkError.NO_REPLY, 'error');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

run();
