/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "il-service.h"
#include "il-mailbox-private.h"

G_BEGIN_DECLS

typedef enum
{
  IL_RUNNER_IDLE,      /* nothing to do until the mailbox wakes it */
  IL_RUNNER_MORE,      /* the batch was used up: run again soon */
  IL_RUNNER_STOPPED,   /* the service stopped and was released */
} IlRunnerStatus;

typedef struct _IlRunner IlRunner;

IlRunner       *il_runner_new             (IlService    *service,
                                           IlMailbox    *mailbox,
                                           GMainContext *context,
                                           char         *where);
IlRunner       *il_runner_ref             (IlRunner     *self);
void            il_runner_unref           (IlRunner     *self);
IlRunnerStatus  il_runner_run             (IlRunner     *self);
const char     *il_runner_get_where       (IlRunner     *self);
gboolean        il_runner_is_stopped      (IlRunner     *self);

/* Scheduling slots for an executor thread, guarded by that thread's lock. */
gpointer       *il_runner_get_slot        (IlRunner     *self);
gboolean       *il_runner_get_queued      (IlRunner     *self);

void            il_runner_start_on_thread  (IlRunner    *self,
                                            const char  *thread_name,
                                            guint        spin_time);
void            il_runner_start_on_context (IlRunner    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IlRunner, il_runner_unref)

G_END_DECLS
