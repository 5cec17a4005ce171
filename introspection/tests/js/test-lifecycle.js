// SPDX-License-Identifier: LGPL-2.1-or-later

// Starting and stopping services written in JavaScript: hooks, stop,
// stop_async, wait_closed_async, the closed signal, pause and resume.
//
// JavaScript never runs on a service thread: every service here runs on
// the global default main context, started with start_on_context(null).

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';
import InterlinkTest from 'gi://InterlinkTest';

import {EchoService, PlainService, TextMessage} from './fixtures.js';
import {
    assertDeepEqual, assertEqual, assertFalse, assertLinkError, assertRejects,
    assertTrue, delay, nextSignal, run, test
} from './harness.js';

Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
Gio._promisify(Interlink.Link.prototype, 'stop_async', 'stop_finish');
Gio._promisify(Interlink.Link.prototype, 'wait_closed_async',
    'wait_closed_finish');

// A service that logs its hooks and the texts it handles into `events`.
const HookService = GObject.registerClass({
    GTypeName: 'JsTestHookService',
}, class HookService extends Interlink.Service {
    _init(params) {
        super._init(params);
        this.events = [];
    }

    vfunc_started(context) {
        this.events.push(`started ${context instanceof Interlink.ServiceContext}`);
    }

    vfunc_stopping(context) {
        this.events.push(`stopping ${context.is_stopping()}`);
    }

    vfunc_handle(message, context, reply) {
        this.events.push(`handle ${message.text}`);
        if (message.text === 'stop')
            context.stop();
        reply.return_value(message.text);
    }
});

test('start_on_context runs started first', async () => {
    const service = new HookService();
    assertFalse(service.is_started(), 'is_started() before start');

    const link = service.start_on_context(null);
    assertTrue(service.is_started(), 'is_started() after start');
    assertDeepEqual(service.events, [], 'events before the context ran');
    await link.send_async(new TextMessage({text: 'a'}), null);

    assertDeepEqual(service.events, ['started true', 'handle a'], 'events');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('link reports service', async () => {
    const service = new EchoService();
    const earlyLink = service.get_link();
    const link = service.start_on_context(null);

    assertEqual(link.get_service_type(), EchoService.$gtype, 'service type');
    assertEqual(earlyLink.get_service_type(), EchoService.$gtype,
        'service type of the link from before start');
    assertTrue(link.same_service(earlyLink), 'same_service()');
    assertFalse(link.same_service(new EchoService().get_link()),
        'same_service() of another service');
    assertTrue(link.is_on_context(null), 'is_on_context(null)');
    assertTrue(link.is_on_context(GLib.MainContext.default()),
        'is_on_context() of the default context');
    assertFalse(earlyLink.is_on_context(new GLib.MainContext()),
        'is_on_context() of another context');
    assertTrue(link.is_current(), 'is_current() while the main loop runs');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('sends before start wait', async () => {
    // A message class defined in C may be sent before the service starts;
    // the override rejects that for classes defined in JavaScript.
    const service = new PlainService();
    service.add_handler(InterlinkTest.TextMessage.$gtype,
        (_service, message, _context, reply) => {
            reply.return_value(`handled ${message.value}`);
        });
    const link = service.get_link();

    const first = link.send_async(new InterlinkTest.TextMessage({value: 'one'}), null);
    const second = link.send_async(new InterlinkTest.TextMessage({value: 'two'}), null);
    await delay(20);
    service.start_on_context(null);

    assertDeepEqual(await Promise.all([first, second]),
        ['handled one', 'handled two'], 'answers');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('stop handles earlier messages', async () => {
    const service = new HookService();
    const link = service.start_on_context(null);

    const answers = [
        link.send_async(new TextMessage({text: 'a'}), null),
        link.send_async(new TextMessage({text: 'b'}), null),
    ];
    link.stop();
    const closed = nextSignal(link, 'closed');
    const late = link.send_async(new TextMessage({text: 'late'}), null);

    assertDeepEqual(await Promise.all(answers), ['a', 'b'], 'answers');
    assertLinkError(await assertRejects(late, 'send after stop()'),
        Interlink.LinkError.CLOSED, 'error after stop()');
    await closed;
    assertDeepEqual(service.events,
        ['started true', 'handle a', 'handle b', 'stopping true'], 'events');
    assertTrue(link.is_closed(), 'is_closed()');
});

test('closed follows stopping hook', async () => {
    const service = new HookService();
    const link = service.start_on_context(null);
    const earlyLink = service.get_link();
    const order = [];

    link.connect('closed', () => order.push(`closed after ${service.events.at(-1)}`));
    earlyLink.connect('closed', () => order.push('closed on second link'));
    assertTrue(await link.stop_async(null), 'stop_async() result');
    // "closed" is emitted from the context where each link was created.
    await delay(10);

    assertDeepEqual(order.sort(),
        ['closed after stopping true', 'closed on second link'], 'emissions');
});

test('stop_async when stopped', async () => {
    const link = new EchoService().start_on_context(null);

    assertFalse(link.is_closed(), 'is_closed() while running');
    assertTrue(await link.stop_async(null), 'first stop_async() result');
    assertTrue(link.is_closed(), 'is_closed() after stop');
    assertTrue(await link.stop_async(null), 'second stop_async() result');
    link.stop();
    assertTrue(link.is_closed(), 'is_closed() after another stop()');
});

test('wait_closed_async waits for stop', async () => {
    const link = new EchoService().start_on_context(null);
    let closed = false;

    const waiting = link.wait_closed_async(null).then(result => {
        closed = true;
        return result;
    });
    await delay(20);
    assertFalse(closed, 'wait_closed_async() finished before the stop');

    link.stop();
    assertTrue(await waiting, 'wait_closed_async() result');
});

test('context stop fails queued requests', async () => {
    const service = new HookService();
    const link = service.start_on_context(null);

    const stopper = link.send_async(new TextMessage({text: 'stop'}), null);
    const queued = link.send_async(new TextMessage({text: 'queued'}), null);

    assertEqual(await stopper, 'stop', 'answer of the stopping handler');
    assertLinkError(await assertRejects(queued, 'queued send_async()'),
        Interlink.LinkError.CLOSED, 'error of the queued request');
    assertDeepEqual(service.events, ['started true', 'handle stop', 'stopping true'],
        'events');
    assertTrue(await link.wait_closed_async(null), 'wait_closed_async() result');
});

test('pause holds next message', async () => {
    const service = new PlainService();
    const events = [];
    service.add_handler(TextMessage.$gtype, (_service, message, context, reply) => {
        events.push(`handle ${message.text}`);
        if (message.text === 'pause') {
            context.pause();
            GLib.timeout_add(GLib.PRIORITY_DEFAULT, 40, () => {
                events.push('resume');
                context.resume();
                return GLib.SOURCE_REMOVE;
            });
        }
        reply.return_value(message.text);
    });
    const link = service.start_on_context(null);

    const paused = link.send_async(new TextMessage({text: 'pause'}), null);
    const next = link.send_async(new TextMessage({text: 'next'}), null);

    assertEqual(await paused, 'pause', 'answer of the pausing handler');
    assertEqual(await next, 'next', 'answer of the next message');
    assertDeepEqual(events, ['handle pause', 'resume', 'handle next'], 'events');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

run();
