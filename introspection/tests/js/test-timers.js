// SPDX-License-Identifier: LGPL-2.1-or-later

// Timers of services written in JavaScript: run_later, run_interval and
// cancel_timer, called from handlers and hooks on the service's context.
//
// JavaScript never runs on a service thread: every service here runs on
// the global default main context, started with start_on_context(null).

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';

import {NumberMessage, PlainService, TextMessage} from './fixtures.js';
import {
    assertDeepEqual, assertEqual, assertFalse, assertTrue, delay, run, test
} from './harness.js';

Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
Gio._promisify(Interlink.Link.prototype, 'exec_async', 'exec_finish');
Gio._promisify(Interlink.Link.prototype, 'stop_async', 'stop_finish');

// Runs `func(service, context)` on the service and returns what it answers.
function execOnService(link, func) {
    return link.exec_async((service, context, reply) => {
        reply.return_value(func(service, context));
    }, null);
}

test('run_later fires once', async () => {
    const service = new PlainService();
    const link = service.start_on_context(null);
    const calls = [];
    const started = GLib.get_monotonic_time();

    const timerId = await execOnService(link, (_service, context) =>
        context.run_later(30, (timerService, timerContext) => {
            calls.push({
                sameService: timerService === service,
                sameLink: timerContext.get_link().same_service(link),
                elapsedUs: GLib.get_monotonic_time() - started,
            });
        }));
    assertTrue(timerId > 0, `timer id ${timerId} is positive`);
    await delay(100);

    assertEqual(calls.length, 1, 'number of calls');
    assertTrue(calls[0].sameService, 'service argument');
    assertTrue(calls[0].sameLink, 'context argument');
    assertTrue(calls[0].elapsedUs >= 30000,
        `the timer fired after ${calls[0].elapsedUs} us, not before 30 ms`);
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('run_interval ticks until cancelled', async () => {
    const service = new PlainService();
    const ticks = [];
    service.add_handler(NumberMessage.$gtype, (_service, message, context, reply) => {
        reply.return_value(context.run_interval(message.number, () => {
            ticks.push(ticks.length + 1);
        }));
    });
    service.add_handler(TextMessage.$gtype, (_service, message, context, reply) => {
        const cancelled = context.cancel_timer(Number(message.text));
        const cancelledAgain = context.cancel_timer(Number(message.text));
        reply.return_value(`${cancelled} ${cancelledAgain}`);
    });
    const link = service.start_on_context(null);

    const timerId = await link.send_async(new NumberMessage({number: 20}), null);
    while (ticks.length < 3)
        // eslint-disable-next-line no-await-in-loop
        await delay(5);
    const answer = await link.send_async(new TextMessage({text: String(timerId)}), null);
    const ticksAtCancel = ticks.length;
    await delay(70);

    assertEqual(answer, 'true false', 'cancel_timer() results');
    assertEqual(ticks.length, ticksAtCancel, 'ticks after cancel_timer()');
    assertDeepEqual(ticks.slice(0, 3), [1, 2, 3], 'first ticks');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('cancel_timer before it fires', async () => {
    const link = new PlainService().start_on_context(null);
    let fired = false;

    const results = await execOnService(link, (_service, context) => {
        const timerId = context.run_later(20, () => {
            fired = true;
        });
        return `${context.cancel_timer(timerId)} ${context.cancel_timer(timerId)}`;
    });
    await delay(60);

    assertEqual(results, 'true false', 'cancel_timer() results');
    assertFalse(fired, 'the cancelled timer fired');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('cancel_timer of fired or unknown id', async () => {
    const link = new PlainService().start_on_context(null);
    let fired = false;

    const timerId = await execOnService(link, (_service, context) =>
        context.run_later(0, () => {
            fired = true;
        }));
    await delay(20);
    const results = await execOnService(link, (_service, context) =>
        `${context.cancel_timer(timerId)} ${context.cancel_timer(987654)}`);

    assertTrue(fired, 'the timer fired');
    assertEqual(results, 'false false', 'cancel_timer() results');
    assertTrue(await link.stop_async(null), 'stop_async() result');
});

test('timers stop with service', async () => {
    const calls = [];
    const link = new PlainService().start_on_context(null);

    await execOnService(link, (_service, context) => {
        context.run_later(30, () => calls.push('later'));
        context.run_interval(10, () => calls.push('interval'));
        return null;
    });
    assertTrue(await link.stop_async(null), 'stop_async() result');
    const callsAtStop = calls.length;
    await delay(60);

    assertEqual(calls.length, callsAtStop, 'calls after stop');
    assertFalse(calls.includes('later'), 'the 30 ms timer fired');
});

test('no timer while stopping', async () => {
    const StoppingService = GObject.registerClass({
        GTypeName: 'JsTestStoppingTimerService',
    }, class StoppingService extends Interlink.Service {
        vfunc_stopping(context) {
            this.timerId = context.run_later(1, () => {
                this.fired = true;
            });
        }
    });
    const service = new StoppingService();
    service.fired = false;
    const link = service.start_on_context(null);

    assertTrue(await link.stop_async(null), 'stop_async() result');
    await delay(20);

    assertEqual(service.timerId, 0, 'run_later() result in stopping');
    assertFalse(service.fired, 'the timer fired');
});

run();
