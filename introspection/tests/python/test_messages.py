# SPDX-License-Identifier: LGPL-2.1-or-later

"""Message classes, response types and the handler decorator."""

import helpers
from helpers import (GObject, Interlink, LoudTextMessage, Payload,
                     PayloadMessage, TextMessage)


def response_type_of(message_class):
    return Interlink.Message.type_get_response_type(message_class)


class MessageTests(helpers.TestCase):

    def test_response_type_from_class_attribute(self):
        self.assertEqual(response_type_of(TextMessage), GObject.TYPE_STRING)

    def test_response_type_inherited(self):
        self.assertEqual(response_type_of(LoudTextMessage),
                         GObject.TYPE_STRING)

    def test_response_type_default_none(self):
        self.assertEqual(response_type_of(PayloadMessage), GObject.TYPE_NONE)

    def test_response_type_none_attribute(self):
        class Reset(TextMessage):
            response_type = None

        self.assertEqual(response_type_of(Reset), GObject.TYPE_NONE)
        self.assertEqual(response_type_of(TextMessage), GObject.TYPE_STRING)

    def test_response_type_overridden(self):
        class Length(TextMessage):
            response_type = int

        self.assertEqual(response_type_of(Length), GObject.TYPE_INT)
        self.assertEqual(response_type_of(TextMessage), GObject.TYPE_STRING)

    def test_response_type_gobject_class(self):
        class Lookup(Interlink.Message):
            response_type = Payload

        self.assertEqual(response_type_of(Lookup), Payload.__gtype__)

    def test_response_type_of_instance(self):
        message = TextMessage(value='hello')

        self.assertEqual(message.get_response_type(), GObject.TYPE_STRING)

    def test_properties_from_keywords(self):
        message = TextMessage(value='hello')

        self.assertEqual(message.props.value, 'hello')
        self.assertIsInstance(message, Interlink.Message)


class HandlerDecoratorTests(helpers.TestCase):

    def test_handler_needs_message_type(self):
        with self.assertRaises(TypeError):
            Interlink.handler()

    def test_handles_decorated_types(self):
        service = helpers.EchoService()

        self.assertTrue(service.handles(TextMessage))
        self.assertTrue(service.handles(LoudTextMessage))
        self.assertFalse(service.handles(PayloadMessage))

    def test_handlers_per_instance(self):
        first = self.start(helpers.EchoService())
        second = self.start(helpers.EchoService())

        self.assertEqual(self.send(first, TextMessage(value='a')), 'a')
        self.assertEqual(self.send(second, TextMessage(value='b')), 'b')

    def test_handler_several_types(self):
        class Both(Interlink.Service):
            @Interlink.handler(TextMessage, helpers.StringMessage)
            def on_any(self, message, context, reply):
                return type(message).__name__

        link = self.start(Both())

        self.assertEqual(self.send(link, TextMessage()), 'TextMessage')
        self.assertEqual(self.send(link, helpers.StringMessage()),
                         'StringMessage')

    def test_subclass_handler_precedence(self):
        class Base(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                return 'base'

        class Derived(Base):
            @Interlink.handler(TextMessage)
            def on_text_again(self, message, context, reply):
                return 'derived'

        base = self.start(Base())
        derived = self.start(Derived())

        self.assertEqual(self.send(base, TextMessage()), 'base')
        self.assertEqual(self.send(derived, TextMessage()), 'derived')

    def test_subclass_inherits_handlers(self):
        class Derived(helpers.EchoService):
            @Interlink.handler(PayloadMessage)
            def on_payload(self, message, context, reply):
                return None

        service = Derived()

        self.assertTrue(service.handles(TextMessage))
        self.assertTrue(service.handles(PayloadMessage))

    def test_undecorated_override_removes_handler(self):
        class Derived(helpers.EchoService):
            def on_text(self, message, context, reply):
                return 'not a handler'

        self.assertFalse(Derived().handles(TextMessage))

    def test_subtype_uses_parent_handler(self):
        link = self.start(helpers.EchoService())

        answer = self.send(link, LoudTextMessage(value='hi'))

        self.assertEqual(answer, 'hi')

    def test_exact_type_before_parent(self):
        class Loud(helpers.EchoService):
            @Interlink.handler(LoudTextMessage)
            def on_loud(self, message, context, reply):
                return message.props.value.upper()

        link = self.start(Loud())

        self.assertEqual(self.send(link, LoudTextMessage(value='hi')),
                         'HI')
        self.assertEqual(self.send(link, TextMessage(value='hi')), 'hi')


if __name__ == '__main__':
    helpers.main()
