/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(INTERLINK_INSIDE) && !defined(INTERLINK_COMPILATION)
# error "Only <interlink-glib/interlink.h> can be included directly."
#endif

#include <glib-object.h>

#include "il-version.h"
#include "il-types.h"

G_BEGIN_DECLS

#define IL_TYPE_SERVICE_CONTEXT (il_service_context_get_type ())

IL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (IlServiceContext, il_service_context, IL, SERVICE_CONTEXT, GObject)

/**
 * IlTimerFunc:
 * @service: the service that owns the timer
 * @context: the context of @service
 * @user_data: the data given when the timer was created
 *
 * A function run by a timer of [class@Interlink.ServiceContext], on the
 * service's main context.
 *
 * Since: 0.1
 */
typedef void (*IlTimerFunc) (IlService        *service,
                             IlServiceContext *context,
                             gpointer          user_data);

IL_AVAILABLE_IN_0_1
IlService    *il_service_context_get_service      (IlServiceContext *self);
IL_AVAILABLE_IN_0_1
IlLink       *il_service_context_get_link         (IlServiceContext *self);
IL_AVAILABLE_IN_0_1
GMainContext *il_service_context_get_main_context (IlServiceContext *self);
IL_AVAILABLE_IN_0_1
void          il_service_context_stop             (IlServiceContext *self);
IL_AVAILABLE_IN_0_1
gboolean      il_service_context_is_stopping      (IlServiceContext *self);
IL_AVAILABLE_IN_0_1
void          il_service_context_pause            (IlServiceContext *self);
IL_AVAILABLE_IN_0_1
void          il_service_context_resume           (IlServiceContext *self);
IL_AVAILABLE_IN_0_1
guint         il_service_context_run_later        (IlServiceContext *self,
                                                   guint             delay_ms,
                                                   IlTimerFunc       func,
                                                   gpointer          user_data,
                                                   GDestroyNotify    notify);
IL_AVAILABLE_IN_0_1
guint         il_service_context_run_interval     (IlServiceContext *self,
                                                   guint             interval_ms,
                                                   IlTimerFunc       func,
                                                   gpointer          user_data,
                                                   GDestroyNotify    notify);
IL_AVAILABLE_IN_0_1
gboolean      il_service_context_cancel_timer     (IlServiceContext *self,
                                                   guint             timer_id);

G_END_DECLS
