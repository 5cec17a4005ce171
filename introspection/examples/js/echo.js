// SPDX-License-Identifier: LGPL-2.1-or-later

// echo: the smallest Interlink program in JavaScript.
//
// An EchoService answers every TextMessage with the text it contains. The
// program sends one message and waits for the answer, sends a second one
// without waiting, then stops the service and waits until it has stopped.
//
// Run it from a build folder at the top of the source tree, with the
// typelib and library of that build:
//
//     GI_TYPELIB_PATH=introspection LD_LIBRARY_PATH=interlink-glib \
//         gjs -m ../introspection/examples/js/echo.js
//
// JavaScript never runs on a service thread: GJS runs JavaScript only on
// the main thread, so a service written in JavaScript runs on the main
// context, started with start_on_context(null), and its handlers run while
// the main loop below runs.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';
import System from 'system';

// The Interlink override converts these methods already. Without it, these
// lines make them return a Promise when called without a callback.
Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
Gio._promisify(Interlink.Link.prototype, 'stop_async', 'stop_finish');

// A message with one string property, "value". Handlers answer it with a
// string.
const TextMessage = GObject.registerClass({
    Properties: {
        'value': GObject.ParamSpec.string('value', 'Value', 'The text',
            GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT, null),
    },
}, class TextMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(TextMessage.$gtype, GObject.TYPE_STRING);

const EchoService = GObject.registerClass(
class EchoService extends Interlink.Service {
    vfunc_handle(message, context, reply) {
        if (message instanceof TextMessage)
            reply.return_value(message.value);
        else
            super.vfunc_handle(message, context, reply);
    }
});

async function main() {
    const firstText = 'Hello, world!';
    const secondText = 'Hello again, without waiting for a reply.';
    const link = new EchoService().start_on_context(null);

    const reply = await link.send_async(new TextMessage({value: firstText}), null);
    if (reply !== firstText)
        throw new Error(`Expected the reply "${firstText}", got "${reply}"`);
    print(`Reply: ${reply}`);

    link.do_send(new TextMessage({value: secondText}));

    // The stop waits for the second message, which was sent before it.
    await link.stop_async(null);
    print('The service has stopped.');
}

const loop = new GLib.MainLoop(null, false);
let exitStatus = 0;

main().catch(error => {
    logError(error, 'echo failed');
    exitStatus = 1;
}).finally(() => loop.quit());

loop.run();
System.exit(exitStatus);
