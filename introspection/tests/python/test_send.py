# SPDX-License-Identifier: LGPL-2.1-or-later

"""Sending to Python services on their own thread, and how answers are
converted to the declared response type.
"""

import threading

import helpers
from helpers import (AddMessage, BoolMessage, DoubleMessage, EnumMessage,
                     Gio, GLib, GObject, Int64Message, Interlink, IntMessage,
                     NoneMessage, ObjectMessage, Payload, PayloadMessage,
                     StringMessage, TextMessage, TotalMessage, UInt64Message,
                     VariantMessage)


class SendTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.link = self.start(helpers.EchoService())

    def test_send_sync(self):
        answer = self.link.send_sync(TextMessage(value='hello'), None)

        self.assertEqual(answer, 'hello')

    def test_send_async(self):
        answer = self.send(self.link, TextMessage(value='hello'))

        self.assertEqual(answer, 'hello')

    def test_send_async_user_data(self):
        results = []
        self.link.send_async(
            TextMessage(value='hello'), None,
            lambda link, result, data: results.append(
                (link.send_finish(result), data)),
            'data')
        self.wait_for(lambda: results, 'the answer')

        self.assertEqual(results, [('hello', 'data')])

    def test_send_async_source_is_link(self):
        sources = []
        self.link.send_async(TextMessage(value='x'), None,
                             lambda link, result: sources.append(link))
        self.wait_for(lambda: sources, 'the answer')

        self.assertIs(sources[0], self.link)

    def test_send_async_runs_no_callback_inline(self):
        results = []
        self.link.send_async(TextMessage(value='x'), None,
                             lambda link, result: results.append(result))

        self.assertEqual(results, [])
        self.wait_for(lambda: results, 'the answer')

    def test_handler_runs_on_service_thread(self):
        class Where(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                own = (GLib.MainContext.get_thread_default() ==
                       context.get_main_context())
                return '%s %s' % (threading.get_ident(), own)

        link = self.start(Where())

        thread, own = self.send(link, TextMessage()).split()
        self.assertNotEqual(int(thread), threading.get_ident())
        self.assertEqual(own, 'True')


class DoSendTests(helpers.TestCase):

    def test_do_send_in_order(self):
        link = self.start(helpers.CounterService())

        for amount in (3, 4, 5):
            self.assertTrue(link.do_send(AddMessage(amount=amount)))
        total = self.send(link, TotalMessage())

        self.assertEqual(total.unpack(), (12, [3, 4, 5]))

    def test_do_send_reuses_message(self):
        link = self.start(helpers.CounterService())
        message = AddMessage(amount=2)

        link.do_send(message)
        link.do_send(message)
        total = self.send(link, TotalMessage())

        self.assertEqual(total.unpack(), (4, [2, 2]))

    def test_send_before_start(self):
        service = helpers.CounterService()
        link = service.get_link()

        link.do_send(AddMessage(amount=1))
        results = []
        link.send_async(TotalMessage(), None,
                        lambda source, result: results.append(result))
        self.start(service)
        self.wait_for(lambda: results, 'the answer')

        self.assertEqual(link.send_finish(results[0]).unpack(), (1, [1]))


class ConversionTests(helpers.TestCase):
    """A handler answers with a Python value, and the sender gets it in
    the message's response type.
    """

    def setUp(self):
        super().setUp()
        self.link = self.start(helpers.ValueService())

    def answer(self, message_class, payload):
        return self.send(self.link, message_class(payload=payload))

    def test_int_for_int64(self):
        self.assertEqual(self.answer(Int64Message, 2 ** 40), 2 ** 40)

    def test_int_for_double(self):
        answer = self.answer(DoubleMessage, 5)

        self.assertIsInstance(answer, float)
        self.assertEqual(answer, 5.0)

    def test_int_for_int(self):
        self.assertEqual(self.answer(IntMessage, -7), -7)

    def test_int_for_uint64(self):
        self.assertEqual(self.answer(UInt64Message, 2 ** 64 - 1), 2 ** 64 - 1)

    def test_int_out_of_range(self):
        with self.assertRaises(GLib.Error) as caught:
            self.answer(IntMessage, 2 ** 40)

        self.assertEqual(caught.exception.domain, Interlink.PYTHON_ERROR)
        self.assertEqual(caught.exception.code,
                         Interlink.PYTHON_ERROR_EXCEPTION)
        self.assertTrue(caught.exception.message.startswith('OverflowError: '),
                        caught.exception.message)

    def test_float_for_double(self):
        self.assertEqual(self.answer(DoubleMessage, 2.5), 2.5)

    def test_float_for_int64_truncates(self):
        self.assertEqual(self.answer(Int64Message, 2.75), 2)

    def test_int_for_string(self):
        self.assertEqual(self.answer(StringMessage, 42), '42')

    def test_str(self):
        self.assertEqual(self.answer(StringMessage, 'text'), 'text')

    def test_bool(self):
        self.assertIs(self.answer(BoolMessage, True), True)
        self.assertIs(self.answer(BoolMessage, False), False)

    def test_bool_for_int(self):
        self.assertEqual(self.answer(IntMessage, True), 1)

    def test_gobject(self):
        payload = Payload(label='box')

        answer = self.answer(ObjectMessage, payload)

        self.assertIs(answer, payload)
        self.assertEqual(answer.props.label, 'box')

    def test_null_gobject(self):
        class NullObject(ObjectMessage):
            pass

        class Null(Interlink.Service):
            @Interlink.handler(NullObject)
            def on_null(self, message, context, reply):
                reply.return_value(GObject.Value(Payload, None))

        link = self.start(Null())

        self.assertIsNone(self.send(link, NullObject()))

    def test_variant(self):
        variant = GLib.Variant('(sai)', ('numbers', [1, 2]))

        answer = self.answer(VariantMessage, variant)

        self.assertEqual(answer.get_type_string(), '(sai)')
        self.assertEqual(answer.unpack(), ('numbers', [1, 2]))

    def test_enum(self):
        answer = self.answer(EnumMessage, Gio.FileType.DIRECTORY)

        self.assertEqual(answer, Gio.FileType.DIRECTORY)

    def test_gvalue(self):
        answer = self.answer(DoubleMessage, GObject.Value(GObject.TYPE_INT, 7))

        self.assertEqual(answer, 7.0)

    def test_none_for_none_type(self):
        self.assertIsNone(self.answer(NoneMessage, None))

    def test_return_value_in_handler(self):
        class Explicit(Interlink.Service):
            @Interlink.handler(Int64Message)
            def on_int(self, message, context, reply):
                reply.return_value(11)
                return 22

        link = self.start(Explicit())

        self.assertEqual(self.send(link, Int64Message()), 11)


class ReplyTests(helpers.TestCase):
    """The reply that a handler gets, and its typed answer methods."""

    def test_reply_properties(self):
        class Inspector(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                self.seen.append((reply.get_message() is message,
                                  reply.get_response_type(),
                                  reply.get_expects_answer(),
                                  reply.get_cancellable(),
                                  reply.is_answered()))
                reply.return_value('done')
                self.seen.append(reply.is_answered())

        service = Inspector()
        service.seen = []
        link = self.start(service)
        cancellable = Gio.Cancellable()

        self.assertEqual(self.send(link, TextMessage(), cancellable), 'done')
        link.do_send(TextMessage())
        self.sync(link)

        sent, answered, fired, fired_answered = service.seen
        self.assertEqual(sent, (True, GObject.TYPE_STRING, True,
                                cancellable, False))
        self.assertTrue(answered)
        self.assertEqual(fired, (True, GObject.TYPE_STRING, False, None,
                                 False))
        self.assertTrue(fired_answered)

    def test_typed_answers(self):
        class Typed(Interlink.Service):
            @Interlink.handler(PayloadMessage)
            def on_payload(self, message, context, reply):
                method, value = message.props.payload
                getattr(reply, method)(value)

        link = self.start(Typed())
        payload = Payload(label='typed')
        cases = [
            (BoolMessage, 'return_boolean', True, True),
            (IntMessage, 'return_int', -3, -3),
            (Int64Message, 'return_int', -3, -3),
            (Int64Message, 'return_uint', 3, 3),
            (Int64Message, 'return_int64', -2 ** 40, -2 ** 40),
            (UInt64Message, 'return_uint64', 2 ** 63, 2 ** 63),
            (DoubleMessage, 'return_double', 0.5, 0.5),
            (StringMessage, 'return_string', 'text', 'text'),
            (ObjectMessage, 'return_object', payload, payload),
            (VariantMessage, 'return_variant', GLib.Variant('u', 7),
             GLib.Variant('u', 7)),
        ]

        for message_class, method, value, expected in cases:
            with self.subTest(method=method, message=message_class.__name__):
                answer = self.send(link, message_class(
                    payload=(method, value)))
                self.assertEqual(answer, expected)

    def test_take_error(self):
        class Failing(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                reply.take_error(GLib.Error.new_literal(
                    Gio.io_error_quark(), 'taken', Gio.IOErrorEnum.FAILED))

        link = self.start(Failing())

        with self.assertRaises(GLib.Error) as caught:
            self.send(link, TextMessage())

        self.assertEqual(caught.exception.message, 'taken')
        self.assertEqual(caught.exception.code, Gio.IOErrorEnum.FAILED)


class AddHandlerTests(helpers.TestCase):

    def test_add_handler_user_data(self):
        def join(service, message, context, reply, separator, suffix):
            return separator.join([message.props.value, suffix])

        service = helpers.ValueService()
        service.add_handler(TextMessage, join, '-', 'end')
        link = self.start(service)

        self.assertEqual(self.send(link, TextMessage(value='start')),
                         'start-end')

    def test_add_handler_function(self):
        class Plain(Interlink.Service):
            pass

        service = Plain()
        service.add_handler(TextMessage, lambda *args: 'plain')
        link = self.start(service)

        self.assertTrue(service.handles(TextMessage))
        self.assertEqual(self.send(link, TextMessage()), 'plain')


class DoHandleTests(helpers.TestCase):

    def test_do_handle_return_value(self):
        class Custom(Interlink.Service):
            def do_handle(self, message, context, reply):
                return 'custom %s' % message.props.value

        link = self.start(Custom())

        self.assertEqual(self.send(link, TextMessage(value='x')),
                         'custom x')

    def test_do_handle_falls_back_to_handlers(self):
        class Filter(helpers.EchoService):
            def do_handle(self, message, context, reply):
                if message.props.value == 'secret':
                    return 'hidden'
                return Interlink.Service.do_handle(self, message, context,
                                                   reply)

        link = self.start(Filter())

        self.assertEqual(self.send(link, TextMessage(value='secret')),
                         'hidden')
        self.assertEqual(self.send(link, TextMessage(value='open')),
                         'open')

    def test_do_handle_handles_every_type(self):
        class Custom(Interlink.Service):
            def do_handle(self, message, context, reply):
                return None

        self.assertTrue(Custom().handles(TextMessage))


class OnContextTests(helpers.TestCase):

    def test_start_on_context(self):
        service = helpers.EchoService()
        link = service.start_on_context(self.context)
        self.addCleanup(self.stop, link)

        answer = self.send(link, TextMessage(value='here'))

        self.assertEqual(answer, 'here')
        self.assertTrue(link.is_on_context(self.context))
        self.assertTrue(link.is_current())

    def test_start_on_default_context(self):
        default = GLib.MainContext.default()
        default.push_thread_default()
        self.addCleanup(default.pop_thread_default)
        link = helpers.EchoService().start_on_context(None)
        results = []

        link.send_async(TextMessage(value='default'), None,
                        lambda source, result: results.append(result))
        self.wait_for(lambda: results, 'the answer', context=default)
        link.stop_async(None, lambda source, result: results.append(result))
        self.wait_for(lambda: len(results) == 2, 'the stop', context=default)

        self.assertEqual(link.send_finish(results[0]), 'default')
        self.assertTrue(link.stop_finish(results[1]))
        self.assertTrue(link.is_on_context(default))


if __name__ == '__main__':
    helpers.main()
