// SPDX-License-Identifier: LGPL-2.1-or-later

// Message classes shared by the GJS tests. Each test file runs in its own
// process, so every class is registered once per process.

import GObject from 'gi://GObject';
import Interlink from 'gi://Interlink';

const READ_WRITE_CONSTRUCT =
    GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT;

// A text, answered with a string.
export const TextMessage = GObject.registerClass({
    GTypeName: 'JsTestTextMessage',
    Properties: {
        'text': GObject.ParamSpec.string('text', 'Text', 'The text',
            READ_WRITE_CONSTRUCT, null),
    },
}, class TextMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(TextMessage.$gtype,
    GObject.TYPE_STRING);

// A subclass that has no handler of its own in most tests, to check that
// the handler of TextMessage handles it.
export const LoudTextMessage = GObject.registerClass({
    GTypeName: 'JsTestLoudTextMessage',
}, class LoudTextMessage extends TextMessage {});

// A number, answered with a gint.
export const NumberMessage = GObject.registerClass({
    GTypeName: 'JsTestNumberMessage',
    Properties: {
        'number': GObject.ParamSpec.int('number', 'Number', 'The number',
            READ_WRITE_CONSTRUCT, -1000000, 1000000, 0),
    },
}, class NumberMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(NumberMessage.$gtype,
    GObject.TYPE_INT);

// A message answered without a value: its response type stays G_TYPE_NONE.
export const PingMessage = GObject.registerClass({
    GTypeName: 'JsTestPingMessage',
    Properties: {
        'label': GObject.ParamSpec.string('label', 'Label',
            'Tells the messages apart in logs', READ_WRITE_CONSTRUCT, null),
    },
}, class PingMessage extends Interlink.Message {});

// Messages answered with a GObject, a GVariant, a double and a boolean.
export const ObjectMessage = GObject.registerClass({
    GTypeName: 'JsTestObjectMessage',
}, class ObjectMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(ObjectMessage.$gtype,
    GObject.Object.$gtype);

export const VariantMessage = GObject.registerClass({
    GTypeName: 'JsTestVariantMessage',
}, class VariantMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(VariantMessage.$gtype,
    GObject.TYPE_VARIANT);

export const DoubleMessage = GObject.registerClass({
    GTypeName: 'JsTestDoubleMessage',
}, class DoubleMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(DoubleMessage.$gtype,
    GObject.TYPE_DOUBLE);

export const BooleanMessage = GObject.registerClass({
    GTypeName: 'JsTestBooleanMessage',
}, class BooleanMessage extends Interlink.Message {});
Interlink.Message.type_set_response_type(BooleanMessage.$gtype,
    GObject.TYPE_BOOLEAN);

// A service with no code of its own, for tests that add instance handlers.
export const PlainService = GObject.registerClass({
    GTypeName: 'JsTestPlainService',
}, class PlainService extends Interlink.Service {});

// A service that answers TextMessage with its text, from vfunc_handle, and
// passes other messages to the default implementation.
export const EchoService = GObject.registerClass({
    GTypeName: 'JsTestEchoService',
}, class EchoService extends Interlink.Service {
    vfunc_handle(message, context, reply) {
        if (message instanceof TextMessage)
            reply.return_value(message.text);
        else
            super.vfunc_handle(message, context, reply);
    }
});
