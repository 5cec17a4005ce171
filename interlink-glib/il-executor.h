/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(INTERLINK_INSIDE) && !defined(INTERLINK_COMPILATION)
# error "Only <interlink-glib/interlink.h> can be included directly."
#endif

#include <glib-object.h>

#include "il-version.h"

G_BEGIN_DECLS

#define IL_TYPE_EXECUTOR (il_executor_get_type ())

IL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (IlExecutor, il_executor, IL, EXECUTOR, GObject)

IL_AVAILABLE_IN_0_1
IlExecutor *il_executor_new           (guint       n_threads);
IL_AVAILABLE_IN_0_1
guint       il_executor_get_n_threads (IlExecutor *self);

G_END_DECLS
