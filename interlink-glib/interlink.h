/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#define INTERLINK_INSIDE

#include <interlink-glib/il-version.h>
#include <interlink-glib/il-types.h>
#include <interlink-glib/il-error.h>
#include <interlink-glib/il-message.h>
#include <interlink-glib/il-reply.h>
#include <interlink-glib/il-service-context.h>
#include <interlink-glib/il-executor.h>
#include <interlink-glib/il-service.h>
#include <interlink-glib/il-link.h>
#include <interlink-glib/il-message-link.h>

#undef INTERLINK_INSIDE
