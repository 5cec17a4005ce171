/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(INTERLINK_INSIDE) && !defined(INTERLINK_COMPILATION)
# error "Only <interlink-glib/interlink.h> can be included directly."
#endif

#include <gio/gio.h>

#include "il-version.h"
#include "il-message.h"

G_BEGIN_DECLS

#define IL_TYPE_REPLY (il_reply_get_type ())

IL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (IlReply, il_reply, IL, REPLY, GObject)

IL_AVAILABLE_IN_0_1
IlMessage    *il_reply_get_message        (IlReply      *self);
IL_AVAILABLE_IN_0_1
GType         il_reply_get_response_type  (IlReply      *self);
IL_AVAILABLE_IN_0_1
GCancellable *il_reply_get_cancellable    (IlReply      *self);
IL_AVAILABLE_IN_0_1
gboolean      il_reply_get_expects_answer (IlReply      *self);
IL_AVAILABLE_IN_0_1
gboolean      il_reply_is_answered        (IlReply      *self);

IL_AVAILABLE_IN_0_1
void          il_reply_return_value       (IlReply      *self,
                                           const GValue *value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_boolean     (IlReply      *self,
                                           gboolean      value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_int         (IlReply      *self,
                                           gint          value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_uint        (IlReply      *self,
                                           guint         value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_int64       (IlReply      *self,
                                           gint64        value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_uint64      (IlReply      *self,
                                           guint64       value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_double      (IlReply      *self,
                                           gdouble       value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_string      (IlReply      *self,
                                           const char   *value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_object      (IlReply      *self,
                                           gpointer      value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_variant     (IlReply      *self,
                                           GVariant     *value);
IL_AVAILABLE_IN_0_1
void          il_reply_return_error       (IlReply      *self,
                                           const GError *error);
IL_AVAILABLE_IN_0_1
void          il_reply_take_error         (IlReply      *self,
                                           GError       *error);
IL_AVAILABLE_IN_0_1
void          il_reply_return_new_error   (IlReply      *self,
                                           GQuark        domain,
                                           gint          code,
                                           const char   *format,
                                           ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
