/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "il-executor.h"
#include "il-runner-private.h"

G_BEGIN_DECLS

typedef struct _IlExecutorThread IlExecutorThread;

IlExecutorThread *il_executor_pick_thread        (IlExecutor       *self);
GMainContext     *il_executor_thread_get_context (IlExecutorThread *thread);
const char       *il_executor_thread_get_name    (IlExecutorThread *thread);
void              il_executor_thread_attach      (IlExecutorThread *thread,
                                                  IlRunner         *runner,
                                                  IlMailbox        *mailbox);

G_END_DECLS
