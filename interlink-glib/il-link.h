/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(INTERLINK_INSIDE) && !defined(INTERLINK_COMPILATION)
# error "Only <interlink-glib/interlink.h> can be included directly."
#endif

#include <gio/gio.h>

#include "il-version.h"
#include "il-types.h"
#include "il-message.h"
#include "il-reply.h"
#include "il-service-context.h"

G_BEGIN_DECLS

#define IL_TYPE_LINK (il_link_get_type ())

IL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (IlLink, il_link, IL, LINK, GObject)

/**
 * IlExecFunc:
 * @service: the service
 * @context: the context of @service
 * @reply: the reply to answer with the result; keep a reference to answer
 *   later
 * @user_data: the data given with the function
 *
 * A function run on a service's main context by
 * [method@Interlink.Link.exec_async] or [method@Interlink.Link.do_exec].
 *
 * Since: 0.1
 */
typedef void (*IlExecFunc) (IlService        *service,
                            IlServiceContext *context,
                            IlReply          *reply,
                            gpointer          user_data);

IL_AVAILABLE_IN_0_1
gboolean      il_link_do_send          (IlLink               *self,
                                        IlMessage            *message,
                                        GError              **error);
IL_AVAILABLE_IN_0_1
void          il_link_send_async       (IlLink               *self,
                                        IlMessage            *message,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
IL_AVAILABLE_IN_0_1
GValue       *il_link_send_finish      (IlLink               *self,
                                        GAsyncResult         *result,
                                        GError              **error);
IL_AVAILABLE_IN_0_1
GValue       *il_link_send_sync        (IlLink               *self,
                                        IlMessage            *message,
                                        GCancellable         *cancellable,
                                        GError              **error);
IL_AVAILABLE_IN_0_1
gboolean      il_link_do_exec          (IlLink               *self,
                                        IlExecFunc            func,
                                        gpointer              func_data,
                                        GDestroyNotify        func_data_destroy,
                                        GError              **error);
IL_AVAILABLE_IN_0_1
void          il_link_exec_async       (IlLink               *self,
                                        IlExecFunc            func,
                                        gpointer              func_data,
                                        GDestroyNotify        func_data_destroy,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
IL_AVAILABLE_IN_0_1
GValue       *il_link_exec_finish      (IlLink               *self,
                                        GAsyncResult         *result,
                                        GError              **error);
IL_AVAILABLE_IN_0_1
void          il_link_stop             (IlLink               *self);
IL_AVAILABLE_IN_0_1
void          il_link_stop_async       (IlLink               *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
IL_AVAILABLE_IN_0_1
gboolean      il_link_stop_finish      (IlLink               *self,
                                        GAsyncResult         *result,
                                        GError              **error);
IL_AVAILABLE_IN_0_1
void          il_link_wait_closed_async  (IlLink             *self,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
IL_AVAILABLE_IN_0_1
gboolean      il_link_wait_closed_finish (IlLink             *self,
                                          GAsyncResult       *result,
                                          GError            **error);
IL_AVAILABLE_IN_0_1
gboolean      il_link_is_closed        (IlLink               *self);
IL_AVAILABLE_IN_0_1
gboolean      il_link_is_current       (IlLink               *self);
IL_AVAILABLE_IN_0_1
gboolean      il_link_is_on_context    (IlLink               *self,
                                        GMainContext         *context);
IL_AVAILABLE_IN_0_1
GType         il_link_get_service_type (IlLink               *self);
IL_AVAILABLE_IN_0_1
gboolean      il_link_same_service     (IlLink               *self,
                                        IlLink               *other);

G_END_DECLS
