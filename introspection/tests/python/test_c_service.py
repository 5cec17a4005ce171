# SPDX-License-Identifier: LGPL-2.1-or-later

"""Python code talking to a service written in C (InterlinkTest-1) that
runs on its own thread.
"""

import threading

import gi

import helpers
from helpers import Gio, GLib, Interlink, IO_ERROR

gi.require_version('InterlinkTest', '1')
from gi.repository import InterlinkTest  # noqa: E402


class CServiceTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.service = InterlinkTest.EchoService.new()
        self.link = self.start(self.service)

    def exec(self, func):
        return self.finish(
            lambda callback: self.link.exec_async(func, None, callback),
            self.link.exec_finish)

    def test_send_sync(self):
        answer = self.link.send_sync(InterlinkTest.TextMessage(value='c'),
                                     None)

        self.assertEqual(answer, 'c')

    def test_send_async(self):
        answer = self.send(self.link, InterlinkTest.TextMessage(value='async'))

        self.assertEqual(answer, 'async')

    def test_do_send(self):
        for value in ('one', 'two'):
            self.assertTrue(
                self.link.do_send(InterlinkTest.TextMessage(value=value)))

        handled = self.send(self.link,
                            InterlinkTest.SleepMessage(milliseconds=0))

        self.assertEqual(handled, 3)

    def test_handler_thread_name(self):
        self.send(self.link, InterlinkTest.TextMessage(value='where'))

        self.assertEqual(self.service.dup_thread_name(), 'IltEchoService')

    def test_exec_python_on_c_service(self):
        self.send(self.link, InterlinkTest.TextMessage(value='counted'))

        def inspect(service, context):
            own_context = (GLib.MainContext.get_thread_default() ==
                           context.get_main_context())
            return (type(service).__name__, service.get_handled(),
                    own_context, threading.get_ident())

        name, handled, own_context, thread = self.exec(inspect)

        self.assertEqual(name, 'EchoService')
        self.assertEqual(handled, 1)
        self.assertTrue(own_context)
        self.assertNotEqual(thread, threading.get_ident())

    def test_exec_exception(self):
        def fail(service, context):
            raise ValueError('in C service')

        with self.assertRaises(GLib.Error) as caught:
            self.exec(fail)

        self.assertEqual(caught.exception.domain, Interlink.PYTHON_ERROR)
        self.assertEqual(caught.exception.message, 'ValueError: in C service')

    def test_unhandled_python_message(self):
        with self.assertRaises(GLib.Error) as caught:
            self.send(self.link, helpers.TextMessage(value='python'))

        self.assertLinkError(caught.exception, Interlink.LinkError.UNHANDLED)
        self.assertEqual(caught.exception.message,
                         'Service IltEchoService has no handler for '
                         'helpers+TextMessage')

    def test_would_deadlock(self):
        def send_to_self(service, context):
            return context.get_link().send_sync(
                InterlinkTest.TextMessage(value='self'), None)

        with self.assertRaises(GLib.Error) as caught:
            self.exec(send_to_self)

        self.assertLinkError(caught.exception,
                             Interlink.LinkError.WOULD_DEADLOCK)

    def test_cancelled_while_queued(self):
        entered = threading.Event()
        release = threading.Event()

        def block(service, context):
            entered.set()
            return release.wait(helpers.TIMEOUT_S)

        blocked = []
        self.link.exec_async(block, None,
                             lambda source, result: blocked.append(result))
        self.assertTrue(entered.wait(helpers.TIMEOUT_S))
        cancellable = Gio.Cancellable()
        texts = []
        self.link.send_async(InterlinkTest.TextMessage(value='never'),
                             cancellable,
                             lambda source, result: texts.append(result))
        cancellable.cancel()
        self.wait_for(lambda: texts, 'the cancelled request')

        with self.assertRaises(GLib.Error) as caught:
            self.link.send_finish(texts[0])
        self.assertEqual(caught.exception.domain, IO_ERROR)
        self.assertEqual(caught.exception.code, Gio.IOErrorEnum.CANCELLED)
        release.set()
        self.wait_for(lambda: blocked, 'the blocking exec')
        self.assertTrue(self.link.exec_finish(blocked[0]))
        self.assertEqual(self.service.get_handled(), 0)

    def test_message_link(self):
        echo = Interlink.MessageLink.new(self.link,
                                         InterlinkTest.TextMessage)

        answer = self.send(echo, InterlinkTest.TextMessage(value='typed'))

        self.assertEqual(answer, 'typed')
        self.assertTrue(self.service.handles(InterlinkTest.TextMessage))
        self.assertFalse(self.service.handles(helpers.TextMessage))

    def test_stop_and_closed_signal(self):
        emissions = []
        self.link.connect('closed', lambda source: emissions.append(source))

        self.stop(self.link)
        self.wait_for(lambda: emissions, 'the closed signal')

        self.assertEqual(emissions, [self.link])
        with self.assertRaises(GLib.Error) as caught:
            self.link.do_send(InterlinkTest.TextMessage(value='late'))
        self.assertLinkError(caught.exception, Interlink.LinkError.CLOSED)


class CServiceBeforeStartTests(helpers.TestCase):

    def test_send_before_start(self):
        service = InterlinkTest.EchoService.new()
        link = service.get_link()
        results = []
        link.send_async(InterlinkTest.TextMessage(value='early'), None,
                        lambda source, result: results.append(result))

        self.start(service)
        self.wait_for(lambda: results, 'the answer')

        self.assertEqual(link.send_finish(results[0]), 'early')


if __name__ == '__main__':
    helpers.main()
