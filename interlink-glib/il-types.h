/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(INTERLINK_INSIDE) && !defined(INTERLINK_COMPILATION)
# error "Only <interlink-glib/interlink.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/* Forward declarations for the types that refer to each other. */
typedef struct _IlLink           IlLink;
typedef struct _IlMessage        IlMessage;
typedef struct _IlReply          IlReply;
typedef struct _IlService        IlService;
typedef struct _IlServiceContext IlServiceContext;

G_END_DECLS
