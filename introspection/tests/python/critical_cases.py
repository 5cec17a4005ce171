# SPDX-License-Identifier: LGPL-2.1-or-later

"""Cases that make the library log a critical, run in a child process by
the tests so that the critical cannot affect other tests.

Usage: critical_cases.py CASE. Prints one result line on stdout and exits
with status 0; the library's critical goes to stderr.
"""

import sys

import helpers
from helpers import GLib, Interlink


def send_sync_error(link, message):
    try:
        answer = link.send_sync(message, None)
    except GLib.Error as error:
        return '%s %d %s' % (error.domain, error.code, error.message)
    return 'answer %r' % (answer,)


def invalid_response():
    """A bool message answered with a string."""
    link = helpers.ValueService().start()
    print(send_sync_error(link, helpers.BoolMessage(payload='yes')))
    link.stop()


def value_for_none_type():
    """A message without a response type answered with a value."""
    link = helpers.ValueService().start()
    print(send_sync_error(link, helpers.NoneMessage(payload=5)))
    link.stop()


def message_link_unhandled():
    """A message link for a type the service has no handler for.

    PyGObject raises TypeError when a constructor returns NULL.
    """
    link = helpers.EchoService().start()
    try:
        message_link = Interlink.MessageLink.new(link, helpers.PayloadMessage)
    except TypeError as error:
        print('TypeError %s' % error)
    else:
        print('message link %r' % (message_link,))
    link.stop()


def message_link_wrong_type():
    """A message link sending a message of another type."""
    link = helpers.EchoService().start()
    message_link = Interlink.MessageLink.new(link, helpers.TextMessage)
    print('do_send %r' % (
        message_link.do_send(helpers.PayloadMessage(payload=1)),))
    link.stop()


CASES = {
    'invalid-response': invalid_response,
    'value-for-none-type': value_for_none_type,
    'message-link-unhandled': message_link_unhandled,
    'message-link-wrong-type': message_link_wrong_type,
}

if __name__ == '__main__':
    CASES[sys.argv[1]]()
