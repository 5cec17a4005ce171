/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <interlink-glib/interlink.h>

G_BEGIN_DECLS

#define ILT_TYPE_TEXT_MESSAGE (ilt_text_message_get_type ())
G_DECLARE_FINAL_TYPE (IltTextMessage, ilt_text_message, ILT, TEXT_MESSAGE, IlMessage)

#define ILT_TYPE_SLEEP_MESSAGE (ilt_sleep_message_get_type ())
G_DECLARE_FINAL_TYPE (IltSleepMessage, ilt_sleep_message, ILT, SLEEP_MESSAGE, IlMessage)

#define ILT_TYPE_ECHO_SERVICE (ilt_echo_service_get_type ())
G_DECLARE_FINAL_TYPE (IltEchoService, ilt_echo_service, ILT, ECHO_SERVICE, IlService)

IltEchoService *ilt_echo_service_new             (void);
guint           ilt_echo_service_get_handled     (IltEchoService *self);
char           *ilt_echo_service_dup_thread_name (IltEchoService *self);

G_END_DECLS
