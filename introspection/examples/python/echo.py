#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later

"""echo: the smallest complete Interlink program in Python.

An EchoService runs on its own thread and answers every TextMessage with
the text it contains. The main thread sends one message and waits for the
answer on a GLib.MainLoop, sends a second one without waiting for an
answer, then stops the service and waits until it has stopped.

Run it from the build tree with GI_TYPELIB_PATH and LD_LIBRARY_PATH
pointing at the built typelib and library. Exits with status 1 when a step
fails or takes longer than 10 seconds.
"""

import os
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


class TextMessage(Interlink.Message):
    """A message with one string property, answered with a string."""
    response_type = str
    value = GObject.Property(type=str, flags=GObject.ParamFlags.READWRITE |
                             GObject.ParamFlags.CONSTRUCT_ONLY)


class EchoService(Interlink.Service):
    """Prints each TextMessage and answers with its value."""

    @Interlink.handler(TextMessage)
    def on_text(self, message, context, reply):
        # Runs on the service's thread, one message at a time.
        print('Got message: %s' % message.props.value, flush=True)
        return message.props.value


def main():
    loop = GLib.MainLoop()
    failures = []
    first_text = 'Hello, world!'
    second_text = 'Hello again, without waiting for a reply.'

    link = EchoService().start()

    def on_stopped(link, result):
        link.stop_finish(result)
        loop.quit()

    def on_reply(link, result):
        try:
            answer = link.send_finish(result)
        except GLib.Error as error:
            failures.append('Request "%s" failed: %s'
                            % (first_text, error.message))
        else:
            if answer == first_text:
                print('Reply: %s' % answer, flush=True)
            else:
                failures.append('Expected the reply "%s", got "%s"'
                                % (first_text, answer))

        # The stop is queued after the second message, so the service
        # handles that message before it stops.
        link.do_send(TextMessage(value=second_text))
        link.stop_async(None, on_stopped)

    def on_timeout():
        failures.append('Timed out after %d s' % TIMEOUT_S)
        loop.quit()

    link.send_async(TextMessage(value=first_text), None, on_reply)
    GLib.timeout_add_seconds(TIMEOUT_S, on_timeout)
    loop.run()

    for failure in failures:
        print('echo: %s' % failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
