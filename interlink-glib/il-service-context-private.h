/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "il-service-context.h"
#include "il-mailbox-private.h"

G_BEGIN_DECLS

IlServiceContext *il_service_context_new            (IlService        *service,
                                                     IlMailbox        *mailbox,
                                                     GMainContext     *main_context);
gboolean          il_service_context_is_paused      (IlServiceContext *self);
gboolean          il_service_context_stop_requested (IlServiceContext *self);
void              il_service_context_begin_stop     (IlServiceContext *self);
void              il_service_context_clear_timers   (IlServiceContext *self);
void              il_service_context_detach         (IlServiceContext *self);

G_END_DECLS
