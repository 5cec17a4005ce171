#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later

"""pipeline: three services that count the words of a text.

A Splitter, a Normalizer and a Counter run on their own threads, and each
keeps the link to the next stage. The main thread sends the lines to the
Splitter with do_send. Each stage forwards what it made of a message to
the next stage, so the messages of one stage arrive at the next in order.

A ReportMessage travels the same way and therefore reaches the Counter
after every word of the lines sent before it. Each stage forwards it with
send_async and answers its own reply when the next stage answered, from
the callback that runs on the stage's own thread. The main thread awaits
the report with asyncio and prints the most frequent words.

Usage: pipeline.py [FILE...]; without files it counts a built-in text.
Run it from the build tree with GI_TYPELIB_PATH and LD_LIBRARY_PATH
pointing at the built typelib and library. Exits with status 1 when the
Counter did not count every word or a step took longer than 10 seconds.
"""

import asyncio
import collections
import os
import string
import sys

# Run from the source tree, the example uses the override that lives
# there. An installed override is found without this line.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, os.pardir, 'python'))

import gi  # noqa: E402

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Interlink', '1')
from gi.repository import GLib, GObject, Interlink  # noqa: E402

TIMEOUT_S = 10
TOP_COUNT = 5

SAMPLE_TEXT = """\
A service owns its state and handles one message at a time.
Other code holds a link to the service and sends it messages.
The service answers each message through its reply, and the reply
comes back to the sender on the sender's own main context.
"""


class LineMessage(Interlink.Message):
    """One line of text for the Splitter."""
    text = GObject.Property(type=str)


class WordsMessage(Interlink.Message):
    """The words of one line, for the Normalizer and the Counter."""
    words = GObject.Property(type=GObject.TYPE_STRV)


class ReportMessage(Interlink.Message):
    """Asks for the counts so far, as a dictionary of type a{su}."""
    response_type = GLib.Variant


def forward_report(next_link, message, reply):
    """Forward the report request and answer ``reply`` with the result."""
    def on_answer(link, result):
        try:
            reply.return_value(link.send_finish(result))
        except GLib.Error as error:
            reply.return_error(error)

    next_link.send_async(message, None, on_answer)
    return Interlink.DEFERRED


class Stage(Interlink.Service):
    """A service that sends what it makes to the next stage's link."""

    def __init__(self, next_link):
        super().__init__()
        self.next_link = next_link

    @Interlink.handler(ReportMessage)
    def on_report(self, message, context, reply):
        return forward_report(self.next_link, message, reply)


class Splitter(Stage):
    """Splits lines into words at white space."""

    @Interlink.handler(LineMessage)
    def on_line(self, message, context, reply):
        words = message.props.text.split()
        if words:
            self.next_link.do_send(WordsMessage(words=words))


class Normalizer(Stage):
    """Lowercases words and strips punctuation around them."""

    @Interlink.handler(WordsMessage)
    def on_words(self, message, context, reply):
        words = [normalize(word) for word in message.props.words]
        words = [word for word in words if word]
        if words:
            self.next_link.do_send(WordsMessage(words=words))


class Counter(Interlink.Service):
    """Counts words. Only the Counter's thread touches the counts."""

    def __init__(self):
        super().__init__()
        self.counts = collections.Counter()

    @Interlink.handler(WordsMessage)
    def on_words(self, message, context, reply):
        self.counts.update(message.props.words)

    @Interlink.handler(ReportMessage)
    def on_report(self, message, context, reply):
        return GLib.Variant('a{su}', dict(self.counts))


def normalize(word):
    return word.strip(string.punctuation).lower()


def read_lines(paths):
    if not paths:
        return SAMPLE_TEXT.splitlines()
    lines = []
    for path in paths:
        with open(path, encoding='utf-8', errors='replace') as file:
            lines.extend(file.read().splitlines())
    return lines


async def count_words(splitter_link, lines):
    for line in lines:
        splitter_link.do_send(LineMessage(text=line))
    report = await asyncio.wait_for(
        splitter_link.send_future(ReportMessage()), TIMEOUT_S)
    return report.unpack()


def main(paths):
    lines = read_lines(paths)

    counter_link = Counter().start()
    normalizer_link = Normalizer(counter_link).start()
    splitter_link = Splitter(normalizer_link).start()

    try:
        counts = asyncio.run(count_words(splitter_link, lines))
    except (GLib.Error, asyncio.TimeoutError) as error:
        print('pipeline: Failed to get the report: %s' % error,
              file=sys.stderr)
        return 1
    finally:
        # Each stop waits in line behind the messages sent before it.
        for link in (splitter_link, normalizer_link, counter_link):
            link.stop()

    ranking = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    for word, count in ranking[:TOP_COUNT]:
        print('%6d %s' % (count, word))
    total = sum(counts.values())
    print('%6d words in total' % total)

    expected = sum(1 for line in lines for word in line.split()
                   if normalize(word))
    if total != expected:
        print('pipeline: Counted %d words, expected %d' % (total, expected),
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
