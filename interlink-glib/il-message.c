/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "il-message.h"

/**
 * IlMessage:
 *
 * The base class of every message sent to a [class@Interlink.Service].
 *
 * A message's fields are GObject properties, so a message can be built the
 * same way in C, Python and JavaScript. The class declares the type of the
 * value a handler answers with; the library checks every reply against it
 * and fails the request with %IL_LINK_ERROR_INVALID_RESPONSE on a mismatch.
 *
 * ```c
 * struct _TextMessage
 * {
 *   IlMessage parent_instance;
 *   char *value;
 * };
 *
 * G_DEFINE_FINAL_TYPE (TextMessage, text_message, IL_TYPE_MESSAGE)
 *
 * static void
 * text_message_class_init (TextMessageClass *klass)
 * {
 *   // properties installed here, then:
 *   il_message_class_set_response_type (IL_MESSAGE_CLASS (klass),
 *                                       G_TYPE_STRING);
 * }
 * ```
 *
 * A message is handed to the service as it is, not copied: once sent, the
 * sender must not change it, and the handler must treat it as read-only.
 *
 * Since: 0.1
 */

G_DEFINE_ABSTRACT_TYPE (IlMessage, il_message, G_TYPE_OBJECT)

static void
il_message_class_init (IlMessageClass *klass)
{
  klass->response_type = G_TYPE_NONE;
}

static void
il_message_init (IlMessage *self)
{
}

/**
 * il_message_class_set_response_type:
 * @message_class: a message class
 * @response_type: the type of the value handlers answer with, or
 *   `G_TYPE_NONE` for messages that get no value back
 *
 * Declares the type of the value that handlers of this message answer with.
 *
 * Call it from `class_init`. Subclasses initialised later inherit it.
 *
 * Since: 0.1
 */
void
il_message_class_set_response_type (IlMessageClass *message_class,
                                    GType           response_type)
{
  g_return_if_fail (IL_IS_MESSAGE_CLASS (message_class));
  g_return_if_fail (response_type == G_TYPE_NONE ||
                    G_TYPE_IS_VALUE_TYPE (response_type));

  message_class->response_type = response_type;
}

/**
 * il_message_type_set_response_type:
 * @message_type: a subtype of [class@Interlink.Message]
 * @response_type: the type of the value handlers answer with, or
 *   `G_TYPE_NONE`
 *
 * Declares the response type of a message class from outside its
 * `class_init`.
 *
 * Language bindings use this because they cannot run code in `class_init`.
 * Call it before any message of @message_type is sent, and before
 * subclasses of @message_type are first used, since they copy the value
 * when they are initialised.
 *
 * Since: 0.1
 */
void
il_message_type_set_response_type (GType message_type,
                                   GType response_type)
{
  IlMessageClass *klass;

  g_return_if_fail (g_type_is_a (message_type, IL_TYPE_MESSAGE));
  g_return_if_fail (response_type == G_TYPE_NONE ||
                    G_TYPE_IS_VALUE_TYPE (response_type));

  klass = g_type_class_ref (message_type);
  klass->response_type = response_type;
  g_type_class_unref (klass);
}

/**
 * il_message_type_get_response_type:
 * @message_type: a subtype of [class@Interlink.Message]
 *
 * Gets the response type declared for @message_type.
 *
 * Returns: the response type, `G_TYPE_NONE` when none was declared
 *
 * Since: 0.1
 */
GType
il_message_type_get_response_type (GType message_type)
{
  IlMessageClass *klass;
  GType response_type;

  g_return_val_if_fail (g_type_is_a (message_type, IL_TYPE_MESSAGE),
                        G_TYPE_INVALID);

  klass = g_type_class_ref (message_type);
  response_type = klass->response_type;
  g_type_class_unref (klass);

  return response_type;
}

/**
 * il_message_get_response_type:
 * @self: a message
 *
 * Gets the response type declared by the class of @self.
 *
 * Returns: the response type, `G_TYPE_NONE` when none was declared
 *
 * Since: 0.1
 */
GType
il_message_get_response_type (IlMessage *self)
{
  g_return_val_if_fail (IL_IS_MESSAGE (self), G_TYPE_INVALID);

  return IL_MESSAGE_GET_CLASS (self)->response_type;
}
