/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <gio/gio.h>

#include "il-types.h"
#include "il-link.h"

G_BEGIN_DECLS

typedef enum
{
  IL_ENVELOPE_MESSAGE,
  IL_ENVELOPE_EXEC,
  IL_ENVELOPE_STOP,
} IlEnvelopeKind;

/* One queued item. The envelope owns @payload (an IlMessage reference or an
 * IlExecCall) and @task, which is %NULL for fire-and-forget sends.
 */
typedef struct
{
  IlEnvelopeKind  kind;
  gpointer        payload;
  GTask          *task;
} IlEnvelope;

/* The function of an exec request with its data. */
typedef struct
{
  IlExecFunc     func;
  gpointer       data;
  GDestroyNotify destroy;
} IlExecCall;

void il_exec_call_free (IlExecCall *call);

typedef enum
{
  IL_MAILBOX_NEW,
  IL_MAILBOX_RUNNING,
  IL_MAILBOX_STOPPING,
  IL_MAILBOX_CLOSED,
} IlMailboxState;

typedef struct _IlMailbox IlMailbox;

typedef void (*IlMailboxWakeFunc) (gpointer wake_data);

IlMailbox      *il_mailbox_new              (IlService    *service);
IlService      *il_mailbox_dup_service      (IlMailbox    *self);
void            il_mailbox_forget_service   (IlMailbox    *self);
IlMailbox      *il_mailbox_ref              (IlMailbox    *self);
void            il_mailbox_unref            (IlMailbox    *self);

GType           il_mailbox_get_service_type (IlMailbox    *self);
IlMailboxState  il_mailbox_get_state        (IlMailbox    *self);
GMainContext   *il_mailbox_ref_context      (IlMailbox    *self,
                                             gboolean     *own_thread);

gboolean        il_mailbox_push             (IlMailbox    *self,
                                             IlEnvelope   *envelope,
                                             GError      **error);
void            il_mailbox_push_stop        (IlMailbox    *self,
                                             GTask        *task);
void            il_mailbox_add_close_waiter (IlMailbox    *self,
                                             GTask        *task);

void            il_mailbox_add_watcher      (IlMailbox    *self,
                                             GList        *node);
void            il_mailbox_remove_watcher   (IlMailbox    *self,
                                             GList        *node);

void            il_mailbox_attach           (IlMailbox         *self,
                                             IlMailboxWakeFunc  wake,
                                             gpointer           wake_data,
                                             GDestroyNotify     wake_data_free,
                                             GMainContext      *context,
                                             gboolean           own_thread);
gboolean        il_mailbox_take             (IlMailbox    *self,
                                             GArray      **pending);
gboolean        il_mailbox_set_idle         (IlMailbox    *self);
void            il_mailbox_wake             (IlMailbox    *self);
GArray         *il_mailbox_close            (IlMailbox    *self);
void            il_mailbox_finish_close     (IlMailbox    *self,
                                             GTask        *stop_task);

void            il_envelope_clear           (IlEnvelope   *envelope);
void            il_envelope_fail_closed     (IlEnvelope   *envelope,
                                             GType         service_type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IlMailbox, il_mailbox_unref)

G_END_DECLS
