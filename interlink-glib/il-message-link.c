/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "il-link-private.h"
#include "il-message-link.h"
#include "il-service.h"

/**
 * IlMessageLink:
 *
 * A link restricted to one message type.
 *
 * A component that only needs "something that handles X" can hold an
 * `IlMessageLink` without knowing the type of the service behind it.
 * Sending a message of another type is a programmer error.
 *
 * ```c
 * g_autoptr(IlMessageLink) printer =
 *   il_message_link_new (link, TEXT_TYPE_MESSAGE);
 *
 * il_message_link_do_send (printer, IL_MESSAGE (message), NULL);
 * ```
 *
 * Since: 0.1
 */
struct _IlMessageLink
{
  GObject  parent_instance;

  IlLink  *link;           /* owned, immutable */
  GType    message_type;   /* immutable */
};

G_DEFINE_FINAL_TYPE (IlMessageLink, il_message_link, G_TYPE_OBJECT)

static void
il_message_link_finalize (GObject *object)
{
  IlMessageLink *self = IL_MESSAGE_LINK (object);

  g_clear_object (&self->link);

  G_OBJECT_CLASS (il_message_link_parent_class)->finalize (object);
}

static void
il_message_link_class_init (IlMessageLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = il_message_link_finalize;
}

static void
il_message_link_init (IlMessageLink *self)
{
}

/**
 * il_message_link_new:
 * @link: a link to a service
 * @message_type: a message type that the service handles
 *
 * Creates a link that sends only messages of @message_type to the service
 * behind @link.
 *
 * It is a programmer error if the service has no handler for
 * @message_type or one of its parent types, as reported by
 * [method@Interlink.Service.handles].
 *
 * Returns: (transfer full) (nullable): a new message link, or %NULL if the
 *   service does not handle @message_type
 *
 * Since: 0.1
 */
IlMessageLink *
il_message_link_new (IlLink *link,
                     GType   message_type)
{
  IlMessageLink *self;
  g_autoptr(IlService) service = NULL;

  g_return_val_if_fail (IL_IS_LINK (link), NULL);
  g_return_val_if_fail (g_type_is_a (message_type, IL_TYPE_MESSAGE), NULL);
  g_return_val_if_fail (message_type != IL_TYPE_MESSAGE, NULL);

  /* A service that is already gone cannot be asked; its link only
   * reports IL_LINK_ERROR_CLOSED anyway.
   */
  service = il_mailbox_dup_service (il_link_get_mailbox (link));
  if (service != NULL && !il_service_handles (service, message_type))
    {
      g_critical ("Service %s has no handler for %s; cannot create a "
                  "message link for it",
                  G_OBJECT_TYPE_NAME (service), g_type_name (message_type));
      return NULL;
    }

  self = g_object_new (IL_TYPE_MESSAGE_LINK, NULL);
  self->link = g_object_ref (link);
  self->message_type = message_type;

  return self;
}

/**
 * il_message_link_get_message_type:
 * @self: a message link
 *
 * Gets the message type this link sends.
 *
 * Returns: the message type
 *
 * Since: 0.1
 */
GType
il_message_link_get_message_type (IlMessageLink *self)
{
  g_return_val_if_fail (IL_IS_MESSAGE_LINK (self), G_TYPE_INVALID);

  return self->message_type;
}

/**
 * il_message_link_get_link:
 * @self: a message link
 *
 * Gets the unrestricted link this message link sends through.
 *
 * Returns: (transfer none): the link
 *
 * Since: 0.1
 */
IlLink *
il_message_link_get_link (IlMessageLink *self)
{
  g_return_val_if_fail (IL_IS_MESSAGE_LINK (self), NULL);

  return self->link;
}

#define IL_MESSAGE_LINK_CHECK_MESSAGE(self, message, val)                    \
  G_STMT_START {                                                            \
    if (G_UNLIKELY (!G_TYPE_CHECK_INSTANCE_TYPE ((message),                  \
                                                 (self)->message_type)))     \
      {                                                                     \
        g_critical ("%s: message link for %s cannot send a %s",              \
                    G_STRFUNC, g_type_name ((self)->message_type),           \
                    G_OBJECT_TYPE_NAME (message));                          \
        return val;                                                         \
      }                                                                     \
  } G_STMT_END

/**
 * il_message_link_do_send:
 * @self: a message link
 * @message: a message of the link's message type
 * @error: return location for a #GError
 *
 * Sends @message without waiting for an answer, like
 * [method@Interlink.Link.do_send].
 *
 * Returns: %TRUE if the message was queued
 *
 * Since: 0.1
 */
gboolean
il_message_link_do_send (IlMessageLink  *self,
                         IlMessage      *message,
                         GError        **error)
{
  g_return_val_if_fail (IL_IS_MESSAGE_LINK (self), FALSE);
  g_return_val_if_fail (IL_IS_MESSAGE (message), FALSE);
  IL_MESSAGE_LINK_CHECK_MESSAGE (self, message, FALSE);

  return il_link_do_send (self->link, message, error);
}

/**
 * il_message_link_send_async:
 * @self: a message link
 * @message: a message of the link's message type
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (closure user_data): called with the answer
 * @user_data: data for @callback
 *
 * Sends @message like [method@Interlink.Link.send_async].
 *
 * Since: 0.1
 */
void
il_message_link_send_async (IlMessageLink       *self,
                            IlMessage           *message,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (IL_IS_MESSAGE_LINK (self));
  g_return_if_fail (IL_IS_MESSAGE (message));
  IL_MESSAGE_LINK_CHECK_MESSAGE (self, message, );

  il_link_send_async (self->link, message, cancellable, callback, user_data);
}

/**
 * il_message_link_send_finish:
 * @self: a message link
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Interlink.MessageLink.send_async].
 *
 * Returns: (transfer full) (nullable): the answer, as for
 *   [method@Interlink.Link.send_finish]
 *
 * Since: 0.1
 */
GValue *
il_message_link_send_finish (IlMessageLink  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (IL_IS_MESSAGE_LINK (self), NULL);

  return il_link_send_finish (self->link, result, error);
}

/**
 * il_message_link_send_sync:
 * @self: a message link
 * @message: a message of the link's message type
 * @cancellable: (nullable): a cancellable
 * @error: return location for a #GError
 *
 * Sends @message and blocks like [method@Interlink.Link.send_sync].
 *
 * Returns: (transfer full) (nullable): the answer
 *
 * Since: 0.1
 */
GValue *
il_message_link_send_sync (IlMessageLink  *self,
                           IlMessage      *message,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_return_val_if_fail (IL_IS_MESSAGE_LINK (self), NULL);
  g_return_val_if_fail (IL_IS_MESSAGE (message), NULL);
  IL_MESSAGE_LINK_CHECK_MESSAGE (self, message, NULL);

  return il_link_send_sync (self->link, message, cancellable, error);
}

/**
 * il_message_link_is_closed:
 * @self: a message link
 *
 * Checks whether the service stopped accepting messages, like
 * [method@Interlink.Link.is_closed].
 *
 * Returns: %TRUE if sends fail with %IL_LINK_ERROR_CLOSED
 *
 * Since: 0.1
 */
gboolean
il_message_link_is_closed (IlMessageLink *self)
{
  g_return_val_if_fail (IL_IS_MESSAGE_LINK (self), TRUE);

  return il_link_is_closed (self->link);
}
