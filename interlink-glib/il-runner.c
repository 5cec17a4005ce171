/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "il-error.h"
#include "il-reply-private.h"
#include "il-runner-private.h"
#include "il-service-context-private.h"

/*
 * The runner drains a service's mailbox on the service's main context and
 * owns the service while it runs. It does not decide when it runs: a
 * GSource of its own does that for services with their own thread or a
 * shared context, and an executor thread's ready queue does it for
 * services on an executor. Either way il_runner_run() is only ever called
 * on the service's main context.
 */

/* How many envelopes one run handles before it yields to the other sources
 * of the context, so that a flood cannot starve a GTK main loop.
 */
#define IL_RUNNER_BATCH_SIZE 64

struct _IlRunner
{
  gint              ref_count;      /* atomic */

  /* Service context only. */
  IlService        *service;        /* owned until stop */
  IlServiceContext *context;        /* owned */
  IlMailbox        *mailbox;        /* owned */
  GArray           *pending;        /* IlEnvelope, taken from the mailbox */
  guint             pending_pos;
  gboolean          started_ran;
  char             *where;          /* owned; thread or context, for logs */
  IlReply          *spare_reply;    /* owned; for fire-and-forget sends */
  gboolean          defer_close;    /* a thread of its own ends the stop */
  GTask            *stop_task;      /* owned; kept when @defer_close */

  /* Executor thread lock. */
  gpointer          slot;
  gboolean          queued;
};

IlRunner *
il_runner_new (IlService    *service,
               IlMailbox    *mailbox,
               GMainContext *context,
               char         *where)
{
  IlRunner *self;

  self = g_new0 (IlRunner, 1);
  self->ref_count = 1;
  self->service = g_object_ref (service);
  self->mailbox = il_mailbox_ref (mailbox);
  self->context = il_service_context_new (service, mailbox, context);
  self->pending = g_array_sized_new (FALSE, FALSE, sizeof (IlEnvelope), 1);
  self->where = where;

  return self;
}

IlRunner *
il_runner_ref (IlRunner *self)
{
  g_atomic_int_inc (&self->ref_count);

  return self;
}

void
il_runner_unref (IlRunner *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  /* A runner that never stopped still owns its service: that only happens
   * when the context it was attached to went away first.
   */
  g_clear_object (&self->service);
  g_clear_object (&self->context);
  g_clear_object (&self->spare_reply);
  g_clear_object (&self->stop_task);
  g_clear_pointer (&self->pending, g_array_unref);
  g_clear_pointer (&self->mailbox, il_mailbox_unref);
  g_clear_pointer (&self->where, g_free);
  g_free (self);
}

const char *
il_runner_get_where (IlRunner *self)
{
  return self->where;
}

gboolean
il_runner_is_stopped (IlRunner *self)
{
  return self->service == NULL;
}

gpointer *
il_runner_get_slot (IlRunner *self)
{
  return &self->slot;
}

gboolean *
il_runner_get_queued (IlRunner *self)
{
  return &self->queued;
}

static void
il_runner_handle_envelope (IlRunner   *self,
                           IlEnvelope *envelope)
{
  IlService *service = self->service;
  g_autoptr(IlReply) reply = NULL;
  GType service_type = G_OBJECT_TYPE (service);

  if (envelope->task != NULL && !il_request_begin (envelope->task))
    return;

  if (envelope->kind == IL_ENVELOPE_MESSAGE && envelope->task == NULL)
    {
      IlMessage *message = envelope->payload;

      reply = il_reply_reuse (g_steal_pointer (&self->spare_reply), message,
                              service_type);
      IL_SERVICE_GET_CLASS (service)->handle (service, message,
                                              self->context, reply);

      /* A handler that kept the reply answers later: leave it alone. */
      if (il_reply_recycle (reply))
        self->spare_reply = g_steal_pointer (&reply);
    }
  else if (envelope->kind == IL_ENVELOPE_MESSAGE)
    {
      IlMessage *message = envelope->payload;

      reply = il_reply_new (envelope->task, message, service_type);
      IL_SERVICE_GET_CLASS (service)->handle (service, message,
                                              self->context, reply);
    }
  else
    {
      IlExecCall *call = envelope->payload;

      reply = il_reply_new (envelope->task, NULL, service_type);
      call->func (service, self->context, reply, call->data);
    }
}

static void
il_runner_fail_array (IlRunner *self,
                      GArray   *envelopes,
                      guint     from,
                      GTask    *stop_task)
{
  GType service_type = il_mailbox_get_service_type (self->mailbox);
  guint i;

  for (i = from; i < envelopes->len; i++)
    {
      IlEnvelope *envelope = &g_array_index (envelopes, IlEnvelope, i);

      /* Every stop request waits for the same end as the first one. */
      if (envelope->kind == IL_ENVELOPE_STOP && envelope->task != NULL &&
          envelope->task != stop_task)
        {
          il_mailbox_push_stop (self->mailbox, envelope->task);
          il_envelope_clear (envelope);
          continue;
        }

      il_envelope_fail_closed (envelope, service_type);
    }

  g_array_set_size (envelopes, 0);
}

static void
il_runner_stop (IlRunner *self,
                GTask    *stop_task)
{
  g_autoptr(GArray) rest = NULL;
  g_autofree char *type_name = NULL;
  IlService *service = self->service;

  type_name = g_strdup (G_OBJECT_TYPE_NAME (service));
  g_debug ("Stopping service %s (%p) on %s", type_name, (void *) service, self->where);

  /* From here on senders get IL_LINK_ERROR_CLOSED at once. */
  rest = il_mailbox_close (self->mailbox);
  il_service_context_begin_stop (self->context);

  IL_SERVICE_GET_CLASS (service)->stopping (service, self->context);

  il_service_context_clear_timers (self->context);

  /* A stop queued behind the one being handled, in @pending or @rest,
   * becomes a close waiter rather than a failure.
   */
  il_runner_fail_array (self, self->pending, self->pending_pos, stop_task);
  self->pending_pos = 0;
  il_runner_fail_array (self, rest, 0, stop_task);

  il_service_context_detach (self->context);
  g_clear_object (&self->service);

  g_debug ("Stopped service %s (%p) on %s", type_name, (void *) service, self->where);

  /* On a thread of its own, sources that became ready in the same
   * iteration still run on that thread after this dispatch; the thread
   * reports the stop once its loop is over, so that nothing of the
   * service runs after stop_async() and ::closed.
   */
  if (self->defer_close)
    {
      g_set_object (&self->stop_task, stop_task);
      return;
    }

  il_mailbox_finish_close (self->mailbox, stop_task);
}

static void
il_runner_finish_deferred_close (IlRunner *self)
{
  g_autoptr(GTask) stop_task = g_steal_pointer (&self->stop_task);

  il_mailbox_finish_close (self->mailbox, stop_task);
}

/* Handles up to one batch of envelopes. Runs on the service's context. */
IlRunnerStatus
il_runner_run (IlRunner *self)
{
  guint budget;

  if (self->service == NULL)
    return IL_RUNNER_STOPPED;

  if (!self->started_ran)
    {
      self->started_ran = TRUE;
      IL_SERVICE_GET_CLASS (self->service)->started (self->service,
                                                     self->context);
    }

  for (budget = IL_RUNNER_BATCH_SIZE; budget > 0; budget--)
    {
      IlEnvelope envelope;

      if (il_service_context_stop_requested (self->context))
        {
          il_runner_stop (self, NULL);
          return IL_RUNNER_STOPPED;
        }

      /* Stay scheduled: resume() wakes the runner again. */
      if (il_service_context_is_paused (self->context))
        return IL_RUNNER_IDLE;

      if (self->pending_pos == self->pending->len)
        {
          g_array_set_size (self->pending, 0);
          self->pending_pos = 0;

          if (!il_mailbox_take (self->mailbox, &self->pending))
            {
              if (il_mailbox_set_idle (self->mailbox))
                return IL_RUNNER_IDLE;
              continue;
            }
        }

      envelope = g_array_index (self->pending, IlEnvelope, self->pending_pos);
      memset (&g_array_index (self->pending, IlEnvelope, self->pending_pos),
              0, sizeof envelope);
      self->pending_pos++;

      if (envelope.kind == IL_ENVELOPE_STOP)
        {
          il_runner_stop (self, envelope.task);
          il_envelope_clear (&envelope);
          return IL_RUNNER_STOPPED;
        }

      il_runner_handle_envelope (self, &envelope);
      il_envelope_clear (&envelope);
    }

  return IL_RUNNER_MORE;
}

/* A GSource per runner, for services on their own thread or on a context
 * the caller iterates. The mailbox wakes it by setting @ready. The context
 * is woken only from threads that do not own it: a sender on the service's
 * own context is iterating it anyway, and waking it would cost an eventfd
 * write and read per request.
 */
typedef struct
{
  GSource   source;
  IlRunner *runner;      /* owned */
  gint      ready;       /* atomic */
  gboolean  done;        /* service context only */
  guint     spin_time;   /* microseconds, for a thread of its own */
} IlRunnerSource;

static gboolean
il_runner_source_prepare (GSource *source,
                          gint    *timeout)
{
  *timeout = -1;

  return g_atomic_int_get (&((IlRunnerSource *) source)->ready);
}

static gboolean
il_runner_source_check (GSource *source)
{
  return g_atomic_int_get (&((IlRunnerSource *) source)->ready);
}

static gboolean
il_runner_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  IlRunnerSource *runner_source = (IlRunnerSource *) source;

  g_atomic_int_set (&runner_source->ready, FALSE);

  switch (il_runner_run (runner_source->runner))
    {
    case IL_RUNNER_MORE:
      g_atomic_int_set (&runner_source->ready, TRUE);
      return G_SOURCE_CONTINUE;

    case IL_RUNNER_STOPPED:
      runner_source->done = TRUE;
      return G_SOURCE_REMOVE;

    case IL_RUNNER_IDLE:
    default:
      return G_SOURCE_CONTINUE;
    }
}

static void
il_runner_source_finalize (GSource *source)
{
  IlRunnerSource *runner_source = (IlRunnerSource *) source;

  g_clear_pointer (&runner_source->runner, il_runner_unref);
}

static GSourceFuncs il_runner_source_funcs = {
  .prepare = il_runner_source_prepare,
  .check = il_runner_source_check,
  .dispatch = il_runner_source_dispatch,
  .finalize = il_runner_source_finalize,
};

/* Called with the mailbox lock held, from any thread. */
static void
il_runner_source_wake (gpointer data)
{
  IlRunnerSource *runner_source = data;
  GMainContext *context = g_source_get_context (data);

  g_atomic_int_set (&runner_source->ready, TRUE);

  if (context != NULL && !g_main_context_is_owner (context))
    g_main_context_wakeup (context);
}

static GSource *
il_runner_source_new (IlRunner     *runner,
                      GMainContext *context,
                      gboolean      own_thread)
{
  GSource *source;
  g_autofree char *name = NULL;

  source = g_source_new (&il_runner_source_funcs, sizeof (IlRunnerSource));
  ((IlRunnerSource *) source)->runner = il_runner_ref (runner);

  name = g_strdup_printf ("[interlink] %s",
                          G_OBJECT_TYPE_NAME (runner->service));
  g_source_set_name (source, name);
  g_source_attach (source, context);

  il_mailbox_attach (runner->mailbox, il_runner_source_wake,
                     g_source_ref (source), (GDestroyNotify) g_source_unref,
                     context, own_thread);

  return source;
}

static gpointer
il_runner_thread_main (gpointer data)
{
  IlRunnerSource *runner_source = data;
  GMainContext *main_context = g_source_get_context (data);

  g_main_context_ref (main_context);
  g_main_context_push_thread_default (main_context);

  /* Owning the context for the whole life of the thread lets the service
   * context check that its methods are called on the service's context.
   */
  g_main_context_acquire (main_context);

  runner_source->runner->defer_close = TRUE;

  while (!runner_source->done)
    {
      /* Opt-in busy polling before sleeping; see IlService:spin-time. */
      if (runner_source->spin_time > 0)
        {
          gint64 deadline = g_get_monotonic_time () + runner_source->spin_time;

          while (!runner_source->done && g_get_monotonic_time () < deadline)
            {
              if (g_main_context_iteration (main_context, FALSE))
                deadline = g_get_monotonic_time () + runner_source->spin_time;
            }

          if (runner_source->done)
            break;
        }

      g_main_context_iteration (main_context, TRUE);
    }

  il_runner_finish_deferred_close (runner_source->runner);

  g_main_context_release (main_context);
  g_main_context_pop_thread_default (main_context);
  g_source_unref (data);
  g_main_context_unref (main_context);

  return NULL;
}

/* Runs the service on a new thread with its own main context. */
void
il_runner_start_on_thread (IlRunner   *self,
                           const char *thread_name,
                           guint       spin_time)
{
  GSource *source;
  GThread *thread;

  source = il_runner_source_new (self,
                                 il_service_context_get_main_context (self->context),
                                 TRUE);

  ((IlRunnerSource *) source)->spin_time = spin_time;

  /* The thread owns the source reference from il_runner_source_new(). */
  thread = g_thread_new (thread_name, il_runner_thread_main, source);
  g_thread_unref (thread);
}

/* Runs the service on its context, which the caller iterates. */
void
il_runner_start_on_context (IlRunner *self)
{
  GSource *source;

  source = il_runner_source_new (self,
                                 il_service_context_get_main_context (self->context),
                                 FALSE);

  /* The context keeps the source while it is attached. */
  g_source_unref (source);
}
