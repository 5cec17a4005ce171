/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(INTERLINK_INSIDE) && !defined(INTERLINK_COMPILATION)
# error "Only <interlink-glib/interlink.h> can be included directly."
#endif

#include <glib.h>

#include "il-version.h"

G_BEGIN_DECLS

/**
 * IL_LINK_ERROR:
 *
 * The error domain of requests sent through an [class@Interlink.Link].
 *
 * Errors in this domain use codes from [enum@Interlink.LinkError].
 */
#define IL_LINK_ERROR (il_link_error_quark ())

/**
 * IlLinkError:
 * @IL_LINK_ERROR_CLOSED: the service stopped, or stopped before the
 *   message was handled
 * @IL_LINK_ERROR_NO_REPLY: the handler released its [class@Interlink.Reply]
 *   without answering
 * @IL_LINK_ERROR_UNHANDLED: the service has no handler for the message type
 * @IL_LINK_ERROR_WOULD_DEADLOCK: a blocking call was made from the context
 *   that has to handle it
 * @IL_LINK_ERROR_INVALID_RESPONSE: the reply does not match the response
 *   type the message declares
 *
 * Error codes of the [error@Interlink.LinkError] domain.
 *
 * Cancelling a request through its [class@Gio.Cancellable] fails it with
 * `G_IO_ERROR_CANCELLED` instead.
 *
 * Since: 0.1
 */
typedef enum
{
  IL_LINK_ERROR_CLOSED,
  IL_LINK_ERROR_NO_REPLY,
  IL_LINK_ERROR_UNHANDLED,
  IL_LINK_ERROR_WOULD_DEADLOCK,
  IL_LINK_ERROR_INVALID_RESPONSE,
} IlLinkError;

IL_AVAILABLE_IN_0_1
GQuark il_link_error_quark (void);

G_END_DECLS
