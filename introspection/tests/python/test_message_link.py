# SPDX-License-Identifier: LGPL-2.1-or-later

"""Interlink.MessageLink: a link restricted to one message type."""

import helpers
from helpers import GLib, Interlink, LoudTextMessage, TextMessage


class MessageLinkTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.link = self.start(helpers.EchoService())
        self.message_link = Interlink.MessageLink.new(self.link, TextMessage)

    def test_message_type(self):
        self.assertEqual(self.message_link.get_message_type(),
                         TextMessage.__gtype__)
        self.assertIs(self.message_link.get_link(), self.link)

    def test_send_sync(self):
        answer = self.message_link.send_sync(TextMessage(value='sync'), None)

        self.assertEqual(answer, 'sync')

    def test_send_async(self):
        answer = self.send(self.message_link, TextMessage(value='async'))

        self.assertEqual(answer, 'async')

    def test_subtype_message(self):
        answer = self.send(self.message_link, LoudTextMessage(value='sub'))

        self.assertEqual(answer, 'sub')

    def test_do_send(self):
        link = self.start(helpers.CounterService())
        adder = Interlink.MessageLink.new(link, helpers.AddMessage)

        self.assertTrue(adder.do_send(helpers.AddMessage(amount=9)))
        total = self.send(link, helpers.TotalMessage())

        self.assertEqual(total.unpack(), (9, [9]))

    def test_closed(self):
        self.assertFalse(self.message_link.is_closed())

        self.stop(self.link)

        self.assertTrue(self.message_link.is_closed())
        with self.assertRaises(GLib.Error) as caught:
            self.message_link.do_send(TextMessage())
        self.assertLinkError(caught.exception, Interlink.LinkError.CLOSED)

    def test_unhandled_type(self):
        process = helpers.run_script('critical_cases.py',
                                     'message-link-unhandled')

        self.assertEqual(process.returncode, 0, process.stderr)
        self.assertEqual(process.stdout, 'TypeError constructor returned NULL\n')
        self.assertIn('Service helpers+EchoService has no handler for '
                      'helpers+PayloadMessage; cannot create a message link '
                      'for it', process.stderr)

    def test_wrong_message_type(self):
        process = helpers.run_script('critical_cases.py',
                                     'message-link-wrong-type')

        self.assertEqual(process.returncode, 0, process.stderr)
        self.assertEqual(process.stdout, 'do_send False\n')
        self.assertIn('il_message_link_do_send: message link for '
                      'helpers+TextMessage cannot send a '
                      'helpers+PayloadMessage', process.stderr)


if __name__ == '__main__':
    helpers.main()
