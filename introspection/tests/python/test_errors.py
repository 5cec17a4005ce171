# SPDX-License-Identifier: LGPL-2.1-or-later

"""Every Interlink.LinkError code, exceptions raised by Python handlers and
cancellation, each seen by the sender as a GLib.Error.
"""

import threading
import unittest

import helpers
from helpers import (Gio, GLib, Interlink, IO_ERROR, LINK_ERROR,
                     TextMessage, TotalMessage)


class SleepyMessage(Interlink.Message):
    """Blocks BlockingService until the test sets its event."""
    response_type = str


class BlockingService(Interlink.Service):
    """Counts the texts it handled; SleepyMessage blocks it."""

    def __init__(self):
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.texts = []

    @Interlink.handler(SleepyMessage)
    def on_sleepy(self, message, context, reply):
        self.entered.set()
        if not self.release.wait(helpers.TIMEOUT_S):
            raise TimeoutError('the test did not release the service')
        return 'awake'

    @Interlink.handler(TextMessage)
    def on_text(self, message, context, reply):
        self.texts.append(message.props.value)
        return ','.join(self.texts)


class LinkErrorTests(helpers.TestCase):

    def test_closed_do_send(self):
        link = helpers.EchoService().start()
        self.stop(link)

        with self.assertRaises(GLib.Error) as caught:
            link.do_send(TextMessage())

        self.assertLinkError(caught.exception, Interlink.LinkError.CLOSED)
        self.assertTrue(link.is_closed())

    def test_closed_send_async(self):
        link = helpers.EchoService().start()
        self.stop(link)

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage())

        self.assertLinkError(caught.exception, Interlink.LinkError.CLOSED)

    def test_closed_queued_requests(self):
        class StopFirst(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                context.stop()
                return 'first'

        service = StopFirst()
        link = service.get_link()
        results = []
        for value in ('a', 'b', 'c'):
            link.send_async(TextMessage(value=value), None,
                            lambda source, result: results.append(result))
        service.start()
        self.wait_for(lambda: len(results) == 3, 'three answers')

        self.assertEqual(link.send_finish(results[0]), 'first')
        for result in results[1:]:
            with self.assertRaises(GLib.Error) as caught:
                link.send_finish(result)
            self.assertLinkError(caught.exception, Interlink.LinkError.CLOSED)

    def test_no_reply(self):
        class Silent(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                return None

        link = self.start(Silent())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage())

        self.assertLinkError(caught.exception, Interlink.LinkError.NO_REPLY)

    def test_no_reply_deferred_none_type(self):
        class Forgetful(Interlink.Service):
            @Interlink.handler(helpers.NoneMessage)
            def on_none(self, message, context, reply):
                return Interlink.DEFERRED

        link = self.start(Forgetful())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, helpers.NoneMessage())

        self.assertLinkError(caught.exception, Interlink.LinkError.NO_REPLY)

    def test_unhandled(self):
        link = self.start(helpers.EchoService())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, helpers.Int64Message())

        self.assertLinkError(caught.exception, Interlink.LinkError.UNHANDLED)
        self.assertEqual(caught.exception.message,
                         'Service helpers+EchoService has no handler for '
                         'helpers+Int64Message')

    def test_would_deadlock_from_handler(self):
        class Selfish(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                if message.props.value == 'inner':
                    return 'inner'
                return context.get_link().send_sync(
                    TextMessage(value='inner'), None)

        link = self.start(Selfish())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage(value='outer'))

        self.assertLinkError(caught.exception,
                             Interlink.LinkError.WOULD_DEADLOCK)

    def test_would_deadlock_on_own_context(self):
        link = helpers.EchoService().start_on_context(self.context)
        self.addCleanup(self.stop, link)

        with self.assertRaises(GLib.Error) as caught:
            link.send_sync(TextMessage(), None)

        self.assertLinkError(caught.exception,
                             Interlink.LinkError.WOULD_DEADLOCK)

    def test_invalid_response(self):
        process = helpers.run_script('critical_cases.py', 'invalid-response')

        self.assertEqual(process.returncode, 0, process.stderr)
        self.assertEqual(
            process.stdout,
            '%s %d Invalid response for helpers+BoolMessage from service '
            'helpers+ValueService: expected gboolean, got gchararray\n'
            % (LINK_ERROR, Interlink.LinkError.INVALID_RESPONSE))
        self.assertIn('Interlink-CRITICAL **', process.stderr)
        self.assertIn('Handler of helpers+BoolMessage in service '
                      'helpers+ValueService answered with gchararray, but '
                      'the message declares the response type gboolean',
                      process.stderr)

    def test_invalid_response_none_type(self):
        process = helpers.run_script('critical_cases.py',
                                     'value-for-none-type')

        self.assertEqual(process.returncode, 0, process.stderr)
        self.assertEqual(
            process.stdout,
            '%s %d Invalid response for helpers+NoneMessage from service '
            'helpers+ValueService: expected void, got gint64\n'
            % (LINK_ERROR, Interlink.LinkError.INVALID_RESPONSE))
        self.assertIn('Interlink-CRITICAL **', process.stderr)


class ExceptionTests(helpers.TestCase):

    def test_exception_becomes_error(self):
        class Failing(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                raise ValueError('bad value %s' % message.props.value)

        link = self.start(Failing())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage(value='x'))

        self.assertEqual(caught.exception.domain, Interlink.PYTHON_ERROR)
        self.assertEqual(caught.exception.code,
                         Interlink.PYTHON_ERROR_EXCEPTION)
        self.assertEqual(caught.exception.message, 'ValueError: bad value x')

    def test_glib_error_keeps_domain_and_code(self):
        class Missing(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                raise GLib.Error.new_literal(Gio.io_error_quark(),
                                             'no such file',
                                             Gio.IOErrorEnum.NOT_FOUND)

        link = self.start(Missing())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage())

        self.assertEqual(caught.exception.domain, IO_ERROR)
        self.assertEqual(caught.exception.code, Gio.IOErrorEnum.NOT_FOUND)
        self.assertEqual(caught.exception.message, 'no such file')

    def test_do_handle_exception(self):
        class Failing(Interlink.Service):
            def do_handle(self, message, context, reply):
                raise KeyError('missing')

        link = self.start(Failing())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage())

        self.assertEqual(caught.exception.domain, Interlink.PYTHON_ERROR)
        self.assertEqual(caught.exception.message, "KeyError: 'missing'")

    def test_add_handler_exception(self):
        def fail(service, message, context, reply):
            raise RuntimeError('handler failed')

        service = helpers.ValueService()
        service.add_handler(TextMessage, fail)
        link = self.start(service)

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage())

        self.assertEqual(caught.exception.message,
                         'RuntimeError: handler failed')

    def test_exception_after_answer_logged(self):
        class Late(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                reply.return_value('answered')
                raise ValueError('too late')

        link = self.start(Late())

        with self.assertLogs('Interlink', 'WARNING') as logs:
            answer = self.send(link, TextMessage())
            self.sync(link)

        self.assertEqual(answer, 'answered')
        self.assertEqual(len(logs.records), 1)
        self.assertEqual(logs.records[0].getMessage(),
                         'Handler of helpers+TextMessage raised an exception '
                         'that no sender receives')
        self.assertIsInstance(logs.records[0].exc_info[1], ValueError)

    def test_exception_in_do_send_logged(self):
        class Failing(helpers.CounterService):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                raise ValueError('nobody listens')

        link = self.start(Failing())

        with self.assertLogs('Interlink', 'WARNING') as logs:
            link.do_send(TextMessage())
            self.send(link, TotalMessage())

        self.assertEqual(len(logs.records), 1)
        self.assertEqual(str(logs.records[0].exc_info[1]), 'nobody listens')

    def test_return_error_with_exception(self):
        class Deferred(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                reply.return_error(LookupError('not here'))

        link = self.start(Deferred())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage())

        self.assertEqual(caught.exception.domain, Interlink.PYTHON_ERROR)
        self.assertEqual(caught.exception.message, 'LookupError: not here')


class CancelTests(helpers.TestCase):

    def assertCancelled(self, error):
        self.assertEqual(error.domain, IO_ERROR)
        self.assertEqual(error.code, Gio.IOErrorEnum.CANCELLED)

    def test_cancelled_before_send(self):
        service = BlockingService()
        link = self.start(service)
        cancellable = Gio.Cancellable()
        cancellable.cancel()

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage(value='never'), cancellable)

        self.assertCancelled(caught.exception)
        self.assertEqual(self.send(link, TextMessage(value='later')), 'later')

    def test_cancelled_while_queued(self):
        service = BlockingService()
        link = self.start(service)
        cancellable = Gio.Cancellable()
        results = []

        link.send_async(SleepyMessage(), None,
                        lambda source, result: results.append(result))
        self.assertTrue(service.entered.wait(helpers.TIMEOUT_S))
        texts = []
        link.send_async(TextMessage(value='never'), cancellable,
                        lambda source, result: texts.append(result))
        cancellable.cancel()
        self.wait_for(lambda: texts, 'the cancelled request')

        with self.assertRaises(GLib.Error) as caught:
            link.send_finish(texts[0])
        self.assertCancelled(caught.exception)
        self.assertEqual(results, [])
        service.release.set()
        self.wait_for(lambda: results, 'the sleepy answer')
        self.assertEqual(link.send_finish(results[0]), 'awake')
        self.assertEqual(self.send(link, TextMessage(value='later')), 'later')

    # A request cancelled while queued is never handled, even before the
    # cancellable's source has run on the sender's main context.
    def test_cancelled_not_handled_before_iteration(self):
        service = BlockingService()
        link = self.start(service)
        cancellable = Gio.Cancellable()
        results = []

        link.send_async(SleepyMessage(), None,
                        lambda source, result: results.append(result))
        self.assertTrue(service.entered.wait(helpers.TIMEOUT_S))
        link.send_async(TextMessage(value='never'), cancellable,
                        lambda source, result: results.append(result))
        cancellable.cancel()
        service.release.set()
        answer = link.send_sync(TextMessage(value='later'), None)

        self.assertEqual(answer, 'later')

    def test_cancel_after_handler_took_request(self):
        class Keeper(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                self.kept = reply
                return Interlink.DEFERRED

        service = Keeper()
        link = self.start(service)
        cancellable = Gio.Cancellable()
        results = []
        link.send_async(TextMessage(), cancellable,
                        lambda source, result: results.append(result))
        self.finish(
            lambda callback: link.exec_async(lambda s, c: None, None,
                                             callback),
            link.exec_finish)

        cancellable.cancel()

        def answer(service, context):
            seen = service.kept.get_cancellable().is_cancelled()
            service.kept.return_value('late')
            del service.kept
            return seen

        seen_cancelled = self.finish(
            lambda callback: link.exec_async(answer, None, callback),
            link.exec_finish)
        self.wait_for(lambda: results, 'the answer')
        self.assertTrue(seen_cancelled)
        with self.assertRaises(GLib.Error) as caught:
            link.send_finish(results[0])
        self.assertCancelled(caught.exception)


if __name__ == '__main__':
    helpers.main()
