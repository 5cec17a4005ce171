/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(INTERLINK_INSIDE) && !defined(INTERLINK_COMPILATION)
# error "Only <interlink-glib/interlink.h> can be included directly."
#endif

#include <glib-object.h>

#include "il-version.h"

G_BEGIN_DECLS

#define IL_TYPE_MESSAGE (il_message_get_type ())

IL_AVAILABLE_IN_0_1
G_DECLARE_DERIVABLE_TYPE (IlMessage, il_message, IL, MESSAGE, GObject)

/**
 * IlMessageClass:
 * @parent_class: the parent class
 *
 * The class structure of [class@Interlink.Message].
 *
 * Since: 0.1
 */
struct _IlMessageClass
{
  GObjectClass parent_class;

  /*< private >*/
  GType response_type;
  gpointer padding[7];
};

IL_AVAILABLE_IN_0_1
void  il_message_class_set_response_type (IlMessageClass *message_class,
                                          GType           response_type);
IL_AVAILABLE_IN_0_1
void  il_message_type_set_response_type  (GType           message_type,
                                          GType           response_type);
IL_AVAILABLE_IN_0_1
GType il_message_type_get_response_type  (GType           message_type);
IL_AVAILABLE_IN_0_1
GType il_message_get_response_type       (IlMessage      *self);

G_END_DECLS
