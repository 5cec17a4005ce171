// SPDX-License-Identifier: LGPL-2.1-or-later

// pipeline: three services written in JavaScript, chained by links.
//
//     LineSplitter --WordMessage--> WordNormalizer --WordMessage--> WordCounter
//
// The program sends lines of text to the splitter, which forwards every
// word to the normalizer, which lowercases it, strips punctuation and
// forwards it to the counter. Then it stops the stages in pipeline order
// and asks the counter for the most frequent words.
//
// Run it from a build folder at the top of the source tree, with the
// typelib and library of that build:
//
//     GI_TYPELIB_PATH=introspection LD_LIBRARY_PATH=interlink-glib \
//         gjs -m ../introspection/examples/js/pipeline.js
//
// JavaScript never runs on a service thread: GJS runs JavaScript only on
// the main thread, so all three services run on the main context, started
// with start_on_context(null), one message at a time each.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Interlink from 'gi://Interlink';
import System from 'system';

Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
Gio._promisify(Interlink.Link.prototype, 'stop_async', 'stop_finish');

const READ_WRITE_CONSTRUCT =
    GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT;

// A line of text. The splitter answers with the number of words in it.
const LineMessage = GObject.registerClass({
    Properties: {
        'text': GObject.ParamSpec.string('text', 'Text', 'One line of text',
            READ_WRITE_CONSTRUCT, null),
    },
}, class LineMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(LineMessage.$gtype, GObject.TYPE_UINT);

// One word. The normalizer answers with the number of words it has
// forwarded so far, the counter with the number it has counted so far.
const WordMessage = GObject.registerClass({
    Properties: {
        'word': GObject.ParamSpec.string('word', 'Word', 'One word',
            READ_WRITE_CONSTRUCT, null),
    },
}, class WordMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(WordMessage.$gtype, GObject.TYPE_UINT);

// Asks the counter for the most frequent words, one "word count" per line.
const ReportMessage = GObject.registerClass({
    Properties: {
        'limit': GObject.ParamSpec.uint('limit', 'Limit',
            'Maximum number of words in the report', READ_WRITE_CONSTRUCT,
            1, 1000, 5),
    },
}, class ReportMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(ReportMessage.$gtype, GObject.TYPE_STRING);

// Splits lines at white space and sends each word to the next stage.
const LineSplitter = GObject.registerClass(
class LineSplitter extends Interlink.Service {
    _init(nextStage) {
        super._init();
        this._nextStage = nextStage;
    }

    vfunc_handle(message, context, reply) {
        if (!(message instanceof LineMessage)) {
            super.vfunc_handle(message, context, reply);
            return;
        }

        const words = message.text.split(/\s+/).filter(word => word !== '');
        for (const word of words)
            this._nextStage.do_send(new WordMessage({word}));
        reply.return_value(words.length);
    }
});

// Lowercases words, strips everything but letters, digits and inner
// apostrophes, and drops words that end up empty.
const WordNormalizer = GObject.registerClass(
class WordNormalizer extends Interlink.Service {
    _init(nextStage) {
        super._init();
        this._nextStage = nextStage;
        this._forwarded = 0;
    }

    vfunc_handle(message, context, reply) {
        if (!(message instanceof WordMessage)) {
            super.vfunc_handle(message, context, reply);
            return;
        }

        const word = message.word.toLowerCase()
            .replace(/[^\p{L}\p{N}']/gu, '')
            .replace(/^'+|'+$/g, '');
        if (word !== '') {
            this._nextStage.do_send(new WordMessage({word}));
            this._forwarded++;
        }
        reply.return_value(this._forwarded);
    }
});

// Counts words and reports the most frequent ones.
const WordCounter = GObject.registerClass(
class WordCounter extends Interlink.Service {
    _init() {
        super._init();
        this._counts = new Map();
        this._total = 0;
    }

    vfunc_handle(message, context, reply) {
        if (message instanceof WordMessage) {
            this._counts.set(message.word, (this._counts.get(message.word) ?? 0) + 1);
            this._total++;
            reply.return_value(this._total);
        } else if (message instanceof ReportMessage) {
            reply.return_value(this._report(message.limit));
        } else {
            super.vfunc_handle(message, context, reply);
        }
    }

    // Most frequent first; words with the same count in alphabetical order.
    _report(limit) {
        return [...this._counts]
            .sort(([wordA, countA], [wordB, countB]) =>
                countB - countA || wordA.localeCompare(wordB))
            .slice(0, limit)
            .map(([word, count]) => `${word} ${count}`)
            .join('\n');
    }
}
);

const LINES = [
    'The mailbox takes one message at a time,',
    'and the service handles the message on its own context.',
    'A link sends; the service answers. The link never waits',
    "for a service that's gone: it gets an error instead.",
];

async function main() {
    // Start from the end of the pipeline, so that each stage has the link
    // to the next one when it starts.
    const counter = new WordCounter().start_on_context(null);
    const normalizer = new WordNormalizer(counter).start_on_context(null);
    const splitter = new LineSplitter(normalizer).start_on_context(null);

    const wordCounts = await Promise.all(
        LINES.map(text => splitter.send_async(new LineMessage({text}), null)));
    const words = wordCounts.reduce((sum, count) => sum + count, 0);
    print(`Sent ${LINES.length} lines with ${words} words.`);

    // A stop is queued behind the messages sent before it, so once the
    // splitter and then the normalizer have stopped, every word they sent
    // waits in the counter's mailbox ahead of the report request.
    await splitter.stop_async(null);
    await normalizer.stop_async(null);

    const report = await counter.send_async(new ReportMessage({limit: 5}), null);
    print('Most frequent words:');
    print(report);
    await counter.stop_async(null);

    if (!report.startsWith('the 5\n'))
        throw new Error(`Expected "the" 5 times at the top, got:\n${report}`);
}

const loop = new GLib.MainLoop(null, false);
let exitStatus = 0;

main().catch(error => {
    logError(error, 'pipeline failed');
    exitStatus = 1;
}).finally(() => loop.quit());

loop.run();
System.exit(exitStatus);
