// SPDX-License-Identifier: LGPL-2.1-or-later

// Sending to services written in JavaScript: handlers, answer values,
// exec, do_send, deferred replies, cancellation and MessageLink.
//
// JavaScript never runs on a service thread: every service here runs on
// the global default main context, started with start_on_context(null),
// and the harness iterates that context.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';
import InterlinkTest from 'gi://InterlinkTest';

import {
    BooleanMessage, DoubleMessage, EchoService, LoudTextMessage,
    NumberMessage, ObjectMessage, PingMessage, PlainService, TextMessage,
    VariantMessage
} from './fixtures.js';
import {
    assertDeepEqual, assertEqual, assertFalse, assertGError, assertRejects,
    assertTrue, delay, run, test
} from './harness.js';

// The override already converts these methods; without it, these calls do.
Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
Gio._promisify(Interlink.Link.prototype, 'exec_async', 'exec_finish');
Gio._promisify(Interlink.Link.prototype, 'stop_async', 'stop_finish');
Gio._promisify(Interlink.MessageLink.prototype, 'send_async', 'send_finish');

// A service that records the texts of the TextMessages it handles and
// answers with the text.
const RecorderService = GObject.registerClass({
    GTypeName: 'JsTestRecorderService',
}, class RecorderService extends Interlink.Service {
    _init(params) {
        super._init(params);
        this.texts = [];
    }

    vfunc_handle(message, context, reply) {
        this.texts.push(message.text);
        reply.return_value(message.text);
    }
});

// A service that keeps the reply of every TextMessage until a
// NumberMessage arrives. Then it answers the kept replies in order, and the
// NumberMessage with their number.
const HoldingService = GObject.registerClass({
    GTypeName: 'JsTestHoldingService',
}, class HoldingService extends Interlink.Service {
    _init(params) {
        super._init(params);
        this.heldReplies = [];
    }

    vfunc_handle(message, context, reply) {
        if (message instanceof TextMessage) {
            this.heldReplies.push(reply);
            return;
        }

        for (const held of this.heldReplies)
            held.return_value(`released ${held.get_message().text}`);
        reply.return_value(this.heldReplies.length);
        this.heldReplies = [];
    }
});

async function stopService(link) {
    assertTrue(await link.stop_async(null), 'stop_async() result');
}

test('vfunc_handle answers', async () => {
    const link = new EchoService().start_on_context(null);

    const answer = await link.send_async(new TextMessage({text: 'hello'}), null);

    assertEqual(answer, 'hello', 'answer');
    await stopService(link);
});

test('send_async with callback', async () => {
    const link = new EchoService().start_on_context(null);

    const answer = await new Promise((resolve, reject) => {
        link.send_async(new TextMessage({text: 'callback'}), null, (source, result) => {
            try {
                assertEqual(source, link, 'source object');
                resolve(source.send_finish(result));
            } catch (error) {
                reject(error);
            }
        });
    });

    assertEqual(answer, 'callback', 'answer');
    await stopService(link);
});

test('send_async never calls back synchronously', async () => {
    const link = new EchoService().start_on_context(null);
    let calledBack = false;

    const done = new Promise(resolve => {
        link.send_async(new TextMessage({text: 'x'}), null, (source, result) => {
            calledBack = true;
            resolve(source.send_finish(result));
        });
    });
    assertFalse(calledBack, 'called back inside send_async()');

    assertEqual(await done, 'x', 'answer');
    await stopService(link);
});

test('instance handler answers', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (handlingService, message, context, reply) => {
        assertEqual(handlingService, service, 'service argument');
        assertEqual(context.get_service(), service, 'context.get_service()');
        reply.return_value(message.text.toUpperCase());
    });
    const link = service.start_on_context(null);

    const answer = await link.send_async(new TextMessage({text: 'shout'}), null);

    assertEqual(answer, 'SHOUT', 'answer');
    await stopService(link);
});

test('parent type handler handles subclass', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, message, _context, reply) => {
        reply.return_value(`${message.constructor.name}: ${message.text}`);
    });
    const link = service.start_on_context(null);

    const answer = await link.send_async(new LoudTextMessage({text: 'hi'}), null);

    assertEqual(answer, 'LoudTextMessage: hi', 'answer');
    await stopService(link);
});

test('exact type handler wins over parent', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_value('parent handler');
    });
    service.add_handler(LoudTextMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_value('exact handler');
    });
    const link = service.start_on_context(null);

    assertEqual(await link.send_async(new LoudTextMessage({text: ''}), null),
        'exact handler', 'answer for LoudTextMessage');
    assertEqual(await link.send_async(new TextMessage({text: ''}), null),
        'parent handler', 'answer for TextMessage');
    await stopService(link);
});

test('vfunc_handle chains up to handlers', async () => {
    const service = new EchoService();
    service.add_handler(NumberMessage.$gtype, (_service, message, _context, reply) => {
        reply.return_value(message.number * 2);
    });
    const link = service.start_on_context(null);

    assertEqual(await link.send_async(new TextMessage({text: 'own'}), null),
        'own', 'answer of vfunc_handle');
    assertEqual(await link.send_async(new NumberMessage({number: 21}), null),
        42, 'answer of the instance handler');
    await stopService(link);
});

test('handles reports handlers', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_value('');
    });

    assertTrue(service.handles(TextMessage.$gtype), 'handles TextMessage');
    assertTrue(service.handles(LoudTextMessage.$gtype), 'handles LoudTextMessage');
    assertFalse(service.handles(NumberMessage.$gtype), 'handles NumberMessage');
    assertTrue(new EchoService().handles(NumberMessage.$gtype),
        'a class with vfunc_handle handles NumberMessage');
    await stopService(service.start_on_context(null));
});

test('answer values convert', async () => {
    const service = new PlainService();
    const object = new GObject.Object();
    service.add_handler(NumberMessage.$gtype, (_service, message, _context, reply) => {
        // GJS passes an integral JavaScript number as a gint and any other
        // number as a gdouble, which converts to gint by truncation.
        if (message.number === 1)
            reply.return_value(7.9);
        else
            reply.return_int(-8);
    });
    service.add_handler(DoubleMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_double(2.5);
    });
    service.add_handler(BooleanMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_value(true);
    });
    service.add_handler(VariantMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_variant(new GLib.Variant('(si)', ['pair', 2]));
    });
    service.add_handler(ObjectMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_object(object);
    });
    const link = service.start_on_context(null);

    assertEqual(await link.send_async(new NumberMessage({number: 1}), null),
        7, 'number from return_value()');
    assertEqual(await link.send_async(new NumberMessage({number: 2}), null),
        -8, 'number from return_int()');
    assertEqual(await link.send_async(new DoubleMessage(), null), 2.5, 'double');
    assertEqual(await link.send_async(new BooleanMessage(), null), true, 'boolean');
    const variant = await link.send_async(new VariantMessage(), null);
    assertTrue(variant instanceof GLib.Variant, 'variant is a GLib.Variant');
    assertDeepEqual(variant.deepUnpack(), ['pair', 2], 'variant contents');
    assertEqual(await link.send_async(new ObjectMessage(), null), object, 'object');
    await stopService(link);
});

test('typed GObject.Value answer', async () => {
    const service = new PlainService();
    service.add_handler(NumberMessage.$gtype, (_service, _message, _context, reply) => {
        const value = new GObject.Value();
        value.init(GObject.TYPE_INT);
        value.set_int(123);
        reply.return_value(value);
    });
    const link = service.start_on_context(null);

    assertEqual(await link.send_async(new NumberMessage(), null), 123, 'answer');
    await stopService(link);
});

// GJS 1.74 passes JavaScript null for a nullable GValue argument as a
// G_TYPE_POINTER value holding NULL; the library reads it as no value.
test('none response resolves null', async () => {
    const service = new PlainService();
    service.add_handler(PingMessage.$gtype, (_service, _message, _context, reply) => {
        reply.return_value(null);
    });
    const link = service.start_on_context(null);

    assertEqual(await link.send_async(new PingMessage(), null), null, 'answer');
    await stopService(link);
});

test('handler error reaches sender', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, message, _context, reply) => {
        reply.return_error(new GLib.Error(Gio.IOErrorEnum,
            Gio.IOErrorEnum.NOT_FOUND, `no entry for ${message.text}`));
    });
    const link = service.start_on_context(null);

    const error = await assertRejects(
        link.send_async(new TextMessage({text: 'key'}), null), 'send_async()');

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND, 'error');
    assertEqual(error.message, 'no entry for key', 'error message');
    await stopService(link);
});

test('reply describes request', async () => {
    const service = new PlainService();
    const seen = [];
    service.add_handler(TextMessage.$gtype, (_service, message, _context, reply) => {
        seen.push({
            sameMessage: reply.get_message() === message,
            responseType: reply.get_response_type().name,
            expectsAnswer: reply.get_expects_answer(),
            answeredBefore: reply.is_answered(),
        });
        reply.return_value('');
        seen[seen.length - 1].answeredAfter = reply.is_answered();
    });
    const link = service.start_on_context(null);

    link.do_send(new TextMessage({text: 'no answer expected'}));
    await link.send_async(new TextMessage({text: 'answer expected'}), null);

    assertDeepEqual(seen, [
        {sameMessage: true, responseType: 'gchararray', expectsAnswer: false,
            answeredBefore: false, answeredAfter: true},
        {sameMessage: true, responseType: 'gchararray', expectsAnswer: true,
            answeredBefore: false, answeredAfter: true},
    ], 'what the replies reported');
    await stopService(link);
});

test('do_send keeps order', async () => {
    const service = new RecorderService();
    const link = service.start_on_context(null);

    assertTrue(link.do_send(new TextMessage({text: 'first'})), 'do_send() result');
    link.do_send(new TextMessage({text: 'second'}));
    link.do_send(new TextMessage({text: 'third'}));
    await link.send_async(new TextMessage({text: 'fourth'}), null);

    assertDeepEqual(service.texts, ['first', 'second', 'third', 'fourth'],
        'handled texts');
    await stopService(link);
});

test('context link sends to itself', async () => {
    const service = new PlainService();
    const handled = [];
    service.add_handler(TextMessage.$gtype, (_service, message, context, reply) => {
        handled.push(message.text);
        if (message.text === 'outer')
            context.get_link().do_send(new TextMessage({text: 'inner'}));
        reply.return_value(message.text);
    });
    const link = service.start_on_context(null);

    await link.send_async(new TextMessage({text: 'outer'}), null);
    await link.send_async(new TextMessage({text: 'last'}), null);

    assertDeepEqual(handled, ['outer', 'inner', 'last'], 'handled texts');
    await stopService(link);
});

test('exec_async runs on service', async () => {
    const service = new EchoService();
    const link = service.start_on_context(null);

    const answer = await link.exec_async((execService, context, reply) => {
        assertEqual(execService, service, 'service argument');
        assertTrue(context.get_link().same_service(link), 'context link');
        reply.return_value(`ran on ${execService.constructor.name}`);
    }, null);

    assertEqual(answer, 'ran on EchoService', 'answer');
    await stopService(link);
});

test('exec_async answers null', async () => {
    const link = new EchoService().start_on_context(null);

    const answer = await link.exec_async((_service, _context, reply) => {
        reply.return_value(null);
    }, null);

    assertEqual(answer, null, 'answer');
    await stopService(link);
});

test('do_exec runs in order', async () => {
    const service = new RecorderService();
    const link = service.start_on_context(null);

    link.do_send(new TextMessage({text: 'message'}));
    assertTrue(link.do_exec(execService => execService.texts.push('exec')),
        'do_exec() result');
    await link.send_async(new TextMessage({text: 'after'}), null);

    assertDeepEqual(service.texts, ['message', 'exec', 'after'], 'handled texts');
    await stopService(link);
});

test('deferred reply from other message', async () => {
    const service = new HoldingService();
    const link = service.start_on_context(null);
    const answers = [];

    const first = link.send_async(new TextMessage({text: 'a'}), null)
        .then(answer => answers.push(answer));
    const second = link.send_async(new TextMessage({text: 'b'}), null)
        .then(answer => answers.push(answer));
    await delay(20);
    assertDeepEqual(answers, [], 'answers before the release');
    assertEqual(service.heldReplies.length, 2, 'held replies');

    assertEqual(await link.send_async(new NumberMessage(), null), 2,
        'released replies');
    await Promise.all([first, second]);

    assertDeepEqual(answers, ['released a', 'released b'], 'answers');
    await stopService(link);
});

test('deferred reply from timer', async () => {
    const service = new PlainService();
    service.add_handler(TextMessage.$gtype, (_service, message, context, reply) => {
        context.run_later(30, () => reply.return_value(`later ${message.text}`));
    });
    const link = service.start_on_context(null);
    const started = GLib.get_monotonic_time();

    const answer = await link.send_async(new TextMessage({text: 'x'}), null);

    assertEqual(answer, 'later x', 'answer');
    assertTrue(GLib.get_monotonic_time() - started >= 30000,
        'the answer came after the 30 ms delay');
    await stopService(link);
});

test('cancel before start', async () => {
    // A message class defined in C may be sent before the service starts;
    // the override rejects that for classes defined in JavaScript.
    const service = new PlainService();
    const handled = [];
    service.add_handler(InterlinkTest.TextMessage.$gtype,
        (_service, message, _context, reply) => {
            handled.push(message.value);
            reply.return_value(message.value);
        });
    const link = service.get_link();
    const cancellable = new Gio.Cancellable();

    const request = link.send_async(
        new InterlinkTest.TextMessage({value: 'cancelled'}), cancellable);
    cancellable.cancel();
    const error = await assertRejects(request, 'send_async()');
    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, 'error');

    service.start_on_context(null);
    assertEqual(await link.send_async(
        new InterlinkTest.TextMessage({value: 'after start'}), null),
    'after start', 'answer after start');

    assertDeepEqual(handled, ['after start'], 'handled texts');
    await stopService(link);
});

test('cancel behind paused mailbox', async () => {
    const service = new RecorderService();
    const link = service.start_on_context(null);
    const cancellable = new Gio.Cancellable();

    // The exec function pauses the mailbox for 200 ms, so the next message
    // stays queued while it is cancelled.
    const pauser = link.exec_async((_service, context, reply) => {
        context.pause();
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 200, () => {
            context.resume();
            return GLib.SOURCE_REMOVE;
        });
        reply.return_value('paused');
    }, null);
    const cancelled = link.send_async(new TextMessage({text: 'cancelled'}),
        cancellable);
    const started = GLib.get_monotonic_time();

    assertEqual(await pauser, 'paused', 'exec answer');
    cancellable.cancel();
    const error = await assertRejects(cancelled, 'cancelled send_async()');
    const waitedUs = GLib.get_monotonic_time() - started;

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, 'error');
    assertTrue(waitedUs < 150000,
        `the request completed before the mailbox resumed (after ${waitedUs} us)`);
    await link.send_async(new TextMessage({text: 'after resume'}), null);
    assertDeepEqual(service.texts, ['after resume'], 'handled texts');
    await stopService(link);
});

test('cancel after handler took it', async () => {
    const service = new PlainService();
    let heldReply = null;
    service.add_handler(TextMessage.$gtype, (_service, _message, _context, reply) => {
        heldReply = reply;
    });
    const link = service.start_on_context(null);
    const cancellable = new Gio.Cancellable();

    const request = link.send_async(new TextMessage({text: 'x'}), cancellable);
    await delay(20);
    assertTrue(heldReply !== null, 'the handler took the request');
    cancellable.cancel();
    assertTrue(heldReply.get_cancellable().is_cancelled(),
        'the handler sees the cancellation');
    heldReply.return_value('too late');
    const error = await assertRejects(request, 'send_async()');

    assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, 'error');
    await stopService(link);
});

test('MessageLink sends its type', async () => {
    const service = new PlainService();
    const handled = [];
    service.add_handler(TextMessage.$gtype, (_service, message, _context, reply) => {
        handled.push(message.text);
        reply.return_value(`echo ${message.text}`);
    });
    const link = service.start_on_context(null);
    const textLink = Interlink.MessageLink.new(link, TextMessage.$gtype);

    assertEqual(textLink.get_message_type(), TextMessage.$gtype, 'message type');
    assertTrue(textLink.get_link().same_service(link), 'same service');
    assertFalse(textLink.is_closed(), 'is_closed() while running');
    assertEqual(await textLink.send_async(new TextMessage({text: 'a'}), null),
        'echo a', 'answer');
    assertEqual(await textLink.send_async(new LoudTextMessage({text: 'b'}), null),
        'echo b', 'answer for a subclass');
    assertTrue(textLink.do_send(new TextMessage({text: 'c'})), 'do_send() result');
    await link.send_async(new TextMessage({text: 'd'}), null);
    assertDeepEqual(handled, ['a', 'b', 'c', 'd'], 'handled texts');

    await stopService(link);
    assertTrue(textLink.is_closed(), 'is_closed() after stop');
});

run();
