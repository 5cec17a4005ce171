/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(INTERLINK_INSIDE) && !defined(INTERLINK_COMPILATION)
# error "Only <interlink-glib/interlink.h> can be included directly."
#endif

#include <gio/gio.h>

#include "il-version.h"
#include "il-link.h"

G_BEGIN_DECLS

#define IL_TYPE_MESSAGE_LINK (il_message_link_get_type ())

IL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (IlMessageLink, il_message_link, IL, MESSAGE_LINK, GObject)

IL_AVAILABLE_IN_0_1
IlMessageLink *il_message_link_new              (IlLink              *link,
                                                 GType                message_type);
IL_AVAILABLE_IN_0_1
GType          il_message_link_get_message_type (IlMessageLink       *self);
IL_AVAILABLE_IN_0_1
IlLink        *il_message_link_get_link         (IlMessageLink       *self);
IL_AVAILABLE_IN_0_1
gboolean       il_message_link_do_send          (IlMessageLink       *self,
                                                 IlMessage           *message,
                                                 GError             **error);
IL_AVAILABLE_IN_0_1
void           il_message_link_send_async       (IlMessageLink       *self,
                                                 IlMessage           *message,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
IL_AVAILABLE_IN_0_1
GValue        *il_message_link_send_finish      (IlMessageLink       *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
IL_AVAILABLE_IN_0_1
GValue        *il_message_link_send_sync        (IlMessageLink       *self,
                                                 IlMessage           *message,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
IL_AVAILABLE_IN_0_1
gboolean       il_message_link_is_closed        (IlMessageLink       *self);

G_END_DECLS
