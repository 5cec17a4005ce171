// SPDX-License-Identifier: LGPL-2.1-or-later

// Run by test-threads.js in a child process without the override, because
// it breaks the rule that JavaScript never runs on a service thread: a
// JavaScript handler on a service started with start(). GJS skips the
// handler on that thread, and the library must then fail the request with
// NO_REPLY instead of reporting success. Exits with status 77 when the
// override is loaded anyway, for example from an installed copy.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';
import InterlinkTest from 'gi://InterlinkTest';
import System from 'system';

import {PlainService} from './fixtures.js';

Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');

const service = new PlainService();
let handledByJavaScript = 0;
service.add_handler(InterlinkTest.TextMessage.$gtype, (_service, message, _context, reply) => {
    handledByJavaScript++;
    reply.return_value(message.value);
});

let link;
try {
    link = service.start();
} catch (error) {
    print(`the override rejected start(): ${error.message}`);
    System.exit(77);
}

const loop = new GLib.MainLoop(null, false);
let status = 1;

GLib.timeout_add(GLib.PRIORITY_DEFAULT, 5000, () => {
    print('timed out after 5000 ms');
    loop.quit();
    return GLib.SOURCE_REMOVE;
});

(async () => {
    try {
        const answer = await link.send_async(
            new InterlinkTest.TextMessage({value: 'x'}), null);
        print(`instance handler: answered ${answer}`);
    } catch (error) {
        const codeName = Object.keys(Interlink.LinkError).find(
            name => error.matches(Interlink.LinkError, Interlink.LinkError[name]));
        print(`instance handler: ${codeName ?? `${error.domain} ${error.code}`}`);
        print(error.message);
    }
    print(`handled by JavaScript: ${handledByJavaScript}`);
    await new Promise(resolve => {
        link.stop_async(null, (source, result) => resolve(source.stop_finish(result)));
    });
    status = 0;
})().catch(logError).finally(() => loop.quit());

loop.run();
System.exit(status);
