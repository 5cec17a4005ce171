/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "il-service.h"
#include "il-mailbox-private.h"

G_BEGIN_DECLS

IlMailbox *il_service_get_mailbox (IlService *self);

G_END_DECLS
