// SPDX-License-Identifier: LGPL-2.1-or-later

// Run by test-errors.js in a child process, because an invalid response
// logs a critical, which G_DEBUG=fatal-criticals would turn into an abort.
// Prints one line with the error code and one with the message per case.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';
import System from 'system';

import {NumberMessage, PingMessage, PlainService} from './fixtures.js';

Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');

const service = new PlainService();
service.add_handler(NumberMessage.$gtype, (_service, _message, _context, reply) => {
    reply.return_value('not a number');
});
service.add_handler(PingMessage.$gtype, (_service, _message, _context, reply) => {
    reply.return_value(1);
});
const link = service.start_on_context(null);

async function printError(label, message) {
    try {
        const answer = await link.send_async(message, null);
        print(`${label}: answered ${answer}`);
    } catch (error) {
        const codeName = Object.keys(Interlink.LinkError).find(
            name => error.matches(Interlink.LinkError, Interlink.LinkError[name]));
        print(`${label}: ${codeName ?? `${error.domain} ${error.code}`}`);
        print(error.message);
    }
}

const loop = new GLib.MainLoop(null, false);
let status = 1;

GLib.timeout_add(GLib.PRIORITY_DEFAULT, 5000, () => {
    print('timed out after 5000 ms');
    loop.quit();
    return GLib.SOURCE_REMOVE;
});

(async () => {
    await printError('int message answered with a string', new NumberMessage());
    await printError('none message answered with a value', new PingMessage());
    status = 0;
})().catch(logError).finally(() => loop.quit());

loop.run();
System.exit(status);
