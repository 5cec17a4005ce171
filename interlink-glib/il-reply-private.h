/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "il-reply.h"

G_BEGIN_DECLS

/* Request tasks carry a small state machine as task data, so that exactly
 * one of the reply, the cancellation and the shutdown returns the task.
 */
GTask    *il_request_new           (gpointer             source_object,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data,
                                    gpointer             source_tag);
void      il_request_watch_cancel  (GTask               *task);
gboolean  il_request_begin         (GTask               *task);
gboolean  il_request_try_complete  (GTask               *task);
void      il_request_fail          (GTask               *task,
                                    GQuark               domain,
                                    gint                 code,
                                    const char          *format,
                                    ...) G_GNUC_PRINTF (4, 5);
void      il_value_free            (gpointer             value);

IlReply  *il_reply_new             (GTask               *task,
                                    IlMessage           *message,
                                    GType                service_type);

void      il_reply_require_answer  (IlReply             *self);
IlReply  *il_reply_reuse           (IlReply             *spare,
                                    IlMessage           *message,
                                    GType                service_type);
gboolean  il_reply_recycle         (IlReply             *self);

G_END_DECLS
