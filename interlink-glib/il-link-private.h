/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "il-link.h"
#include "il-mailbox-private.h"

G_BEGIN_DECLS

IlLink       *il_link_new                  (IlMailbox *mailbox);
GMainContext *il_link_get_creation_context (IlLink    *self);
void          il_link_emit_closed          (IlLink    *self);
IlMailbox    *il_link_get_mailbox          (IlLink    *self);

G_END_DECLS
