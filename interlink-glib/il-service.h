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
#include "il-executor.h"

G_BEGIN_DECLS

#define IL_TYPE_SERVICE (il_service_get_type ())

IL_AVAILABLE_IN_0_1
G_DECLARE_DERIVABLE_TYPE (IlService, il_service, IL, SERVICE, GObject)

/**
 * IlHandlerFunc:
 * @service: the service handling the message
 * @message: the message
 * @context: the context of @service
 * @reply: the reply to answer; keep a reference to answer later
 *
 * A message handler registered on a service class with
 * [method@Interlink.ServiceClass.add_handler]. It runs on the service's
 * main context.
 *
 * Since: 0.1
 */
typedef void (*IlHandlerFunc) (IlService        *service,
                               IlMessage        *message,
                               IlServiceContext *context,
                               IlReply          *reply);

/**
 * IlHandler:
 * @service: the service handling the message
 * @message: the message
 * @context: the context of @service
 * @reply: the reply to answer; keep a reference to answer later
 * @user_data: the data given to [method@Interlink.Service.add_handler]
 *
 * A message handler registered on one service instance with
 * [method@Interlink.Service.add_handler]. It runs on the service's main
 * context.
 *
 * Since: 0.1
 */
typedef void (*IlHandler) (IlService        *service,
                           IlMessage        *message,
                           IlServiceContext *context,
                           IlReply          *reply,
                           gpointer          user_data);

/**
 * IlServiceClass:
 * @parent_class: the parent class
 * @started: runs on the service's main context before the first message
 * @stopping: runs on the service's main context once the service stops
 *   accepting messages, before queued requests fail and the service is
 *   released
 * @handle: handles one message; the default implementation dispatches to
 *   the handlers registered for the message's type or one of its parent
 *   types, and fails the request with %IL_LINK_ERROR_UNHANDLED when there
 *   is none
 *
 * The class structure of [class@Interlink.Service].
 *
 * Since: 0.1
 */
struct _IlServiceClass
{
  GObjectClass parent_class;

  void (*started)  (IlService        *self,
                    IlServiceContext *context);
  void (*stopping) (IlService        *self,
                    IlServiceContext *context);
  void (*handle)   (IlService        *self,
                    IlMessage        *message,
                    IlServiceContext *context,
                    IlReply          *reply);

  /*< private >*/
  gpointer handlers;
  gpointer padding[11];
};

IL_AVAILABLE_IN_0_1
void          il_service_class_add_handler (IlServiceClass *service_class,
                                            GType           message_type,
                                            IlHandlerFunc   func);
IL_AVAILABLE_IN_0_1
void          il_service_add_handler       (IlService      *self,
                                            GType           message_type,
                                            IlHandler       func,
                                            gpointer        user_data,
                                            GDestroyNotify  notify);
IL_AVAILABLE_IN_0_1
gboolean      il_service_handles           (IlService      *self,
                                            GType           message_type);
IL_AVAILABLE_IN_0_1
IlLink       *il_service_get_link          (IlService      *self);
IL_AVAILABLE_IN_0_1
IlLink       *il_service_start             (IlService      *self);
IL_AVAILABLE_IN_0_1
IlLink       *il_service_start_on_context  (IlService      *self,
                                            GMainContext   *context);
IL_AVAILABLE_IN_0_1
IlLink       *il_service_start_on_executor (IlService      *self,
                                            IlExecutor     *executor);
IL_AVAILABLE_IN_0_1
gboolean      il_service_is_started        (IlService      *self);

G_END_DECLS
