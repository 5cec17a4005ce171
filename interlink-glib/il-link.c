/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "il-error.h"
#include "il-link-private.h"
#include "il-reply-private.h"

/**
 * IlLink:
 *
 * A handle for sending messages to a [class@Interlink.Service].
 *
 * A link refers to the service's mailbox, never to the service itself: it
 * does not keep the service alive, and a service that stores its own link
 * creates no reference cycle. In that sense every link is weak. Once the
 * service stopped, sends fail with %IL_LINK_ERROR_CLOSED, and
 * [signal@Interlink.Link::closed] notifies observers that it is gone.
 *
 * Links are cheap to reference and safe to use from any thread. Messages
 * sent by one thread are handled in the order they were sent.
 *
 * ```c
 * g_autoptr(IlLink) link = il_service_start (IL_SERVICE (service));
 * g_autoptr(TextMessage) message = text_message_new ("hello");
 *
 * il_link_send_async (link, IL_MESSAGE (message), NULL, on_reply, NULL);
 * ```
 *
 * Replies come back as a `GValue *` in the thread-default main context of
 * the caller at the time of the call, like every [class@Gio.Task]. No
 * request waits forever: a request the service cannot answer fails with
 * one of the [error@Interlink.LinkError] codes, and a cancelled one with
 * `G_IO_ERROR_CANCELLED`.
 *
 * Since: 0.1
 */
struct _IlLink
{
  GObject       parent_instance;

  IlMailbox    *mailbox;          /* owned, immutable */
  GMainContext *creation_context; /* owned, immutable; where "closed" runs */
  GList         watcher_node;     /* mailbox lock; data is self until
                                   * dispose */
};

enum
{
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (IlLink, il_link, G_TYPE_OBJECT)

static void
il_link_dispose (GObject *object)
{
  IlLink *self = IL_LINK (object);

  if (self->mailbox != NULL)
    il_mailbox_remove_watcher (self->mailbox, &self->watcher_node);

  G_OBJECT_CLASS (il_link_parent_class)->dispose (object);
}

static void
il_link_finalize (GObject *object)
{
  IlLink *self = IL_LINK (object);

  g_clear_pointer (&self->mailbox, il_mailbox_unref);
  g_clear_pointer (&self->creation_context, g_main_context_unref);

  G_OBJECT_CLASS (il_link_parent_class)->finalize (object);
}

static void
il_link_class_init (IlLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = il_link_dispose;
  object_class->finalize = il_link_finalize;

  /**
   * IlLink::closed:
   * @self: the link
   *
   * Emitted once the service stopped and was released.
   *
   * The signal is emitted in the thread-default main context that was
   * current when this link object was created, when that context is next
   * iterated. A link created after the service stopped does not emit it;
   * check [method@Interlink.Link.is_closed] instead.
   *
   * Since: 0.1
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 0);
}

static void
il_link_init (IlLink *self)
{
}

IlLink *
il_link_new (IlMailbox *mailbox)
{
  IlLink *self;

  self = g_object_new (IL_TYPE_LINK, NULL);
  self->mailbox = il_mailbox_ref (mailbox);
  self->creation_context = g_main_context_ref_thread_default ();
  self->watcher_node.data = self;
  il_mailbox_add_watcher (mailbox, &self->watcher_node);

  return self;
}

GMainContext *
il_link_get_creation_context (IlLink *self)
{
  return self->creation_context;
}

IlMailbox *
il_link_get_mailbox (IlLink *self)
{
  return self->mailbox;
}

void
il_link_emit_closed (IlLink *self)
{
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

static void
il_link_queue_request (IlLink         *self,
                       IlEnvelopeKind  kind,
                       gpointer        payload,
                       GTask          *task)
{
  IlEnvelope envelope;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      il_request_try_complete (task);
      envelope.kind = kind;
      envelope.payload = payload;
      envelope.task = NULL;
      il_envelope_clear (&envelope);
      return;
    }

  il_request_watch_cancel (task);

  envelope.kind = kind;
  envelope.payload = payload;
  envelope.task = g_object_ref (task);

  if (!il_mailbox_push (self->mailbox, &envelope, &error))
    {
      il_envelope_clear (&envelope);
      if (il_request_try_complete (task))
        g_task_return_error (task, g_steal_pointer (&error));
      g_clear_error (&error);
    }
}

/**
 * il_link_do_send:
 * @self: a link
 * @message: the message; the link takes a reference
 * @error: return location for a #GError
 *
 * Sends @message without waiting for an answer.
 *
 * Whatever the handler answers is dropped. May be called from any thread.
 *
 * Returns: %TRUE if the message was queued; %FALSE with
 *   %IL_LINK_ERROR_CLOSED if the service is stopping or has stopped
 *
 * Since: 0.1
 */
gboolean
il_link_do_send (IlLink     *self,
                 IlMessage  *message,
                 GError    **error)
{
  IlEnvelope envelope;

  g_return_val_if_fail (IL_IS_LINK (self), FALSE);
  g_return_val_if_fail (IL_IS_MESSAGE (message), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  envelope.kind = IL_ENVELOPE_MESSAGE;
  envelope.payload = g_object_ref (message);
  envelope.task = NULL;

  if (!il_mailbox_push (self->mailbox, &envelope, error))
    {
      il_envelope_clear (&envelope);
      return FALSE;
    }

  return TRUE;
}

/**
 * il_link_send_async:
 * @self: a link
 * @message: the message; the link takes a reference
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (closure user_data): called with the answer
 * @user_data: data for @callback
 *
 * Sends @message and calls @callback with the handler's answer.
 *
 * @callback runs in the thread-default main context of the calling thread
 * at the time of this call, never from inside this function. Cancelling
 * @cancellable while the message is still queued completes the request at
 * once with `G_IO_ERROR_CANCELLED`, and the message is never handled.
 *
 * May be called from any thread.
 *
 * Since: 0.1
 */
void
il_link_send_async (IlLink              *self,
                    IlMessage           *message,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (IL_IS_LINK (self));
  g_return_if_fail (IL_IS_MESSAGE (message));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = il_request_new (self, cancellable, callback, user_data,
                         il_link_send_async);
  il_link_queue_request (self, IL_ENVELOPE_MESSAGE, g_object_ref (message),
                         task);
}

/**
 * il_link_send_finish:
 * @self: a link
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Interlink.Link.send_async].
 *
 * Returns: (transfer full) (nullable): the answer, of the message's
 *   response type; %NULL for messages with response type `G_TYPE_NONE`
 *   and on error. Free it with `g_boxed_free (G_TYPE_VALUE, value)`.
 *
 * Since: 0.1
 */
GValue *
il_link_send_finish (IlLink        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (IL_IS_LINK (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        il_link_send_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GMainContext *context;
  GAsyncResult *result;
} SyncData;

static void
sync_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncData *data = user_data;

  data->result = g_object_ref (result);
  g_main_context_wakeup (data->context);
}

/* Blocking on the context the service runs on would never return: either
 * this thread is the one that has to run the handler, or no thread runs
 * that context at all.
 */
static gboolean
il_link_check_deadlock (IlLink  *self,
                        GError **error)
{
  g_autoptr(GMainContext) context = NULL;
  gboolean own_thread = FALSE;
  gboolean deadlock = FALSE;

  context = il_mailbox_ref_context (self->mailbox, &own_thread);
  if (context == NULL)
    return TRUE;

  if (g_main_context_is_owner (context) ||
      context == g_main_context_get_thread_default ())
    {
      deadlock = TRUE;
    }
  else if (!own_thread && g_main_context_acquire (context))
    {
      g_main_context_release (context);
      deadlock = TRUE;
    }

  if (deadlock)
    {
      g_set_error (error, IL_LINK_ERROR, IL_LINK_ERROR_WOULD_DEADLOCK,
                   "Blocking send to service %s would never return: its main "
                   "context is owned by the calling thread or not iterated "
                   "by any thread; use il_link_send_async() instead",
                   g_type_name (il_mailbox_get_service_type (self->mailbox)));
      return FALSE;
    }

  return TRUE;
}

static GValue *
il_link_wait_sync (IlLink       *self,
                   IlEnvelopeKind kind,
                   gpointer      payload,
                   GCancellable *cancellable,
                   GError      **error)
{
  g_autoptr(GTask) task = NULL;
  SyncData data = { NULL, NULL };
  GValue *value;

  data.context = g_main_context_new ();
  g_main_context_push_thread_default (data.context);

  task = il_request_new (self, cancellable, sync_done_cb, &data,
                         kind == IL_ENVELOPE_MESSAGE ? (gpointer) il_link_send_async
                                                     : (gpointer) il_link_exec_async);
  il_link_queue_request (self, kind, payload, task);
  g_clear_object (&task);

  while (data.result == NULL)
    g_main_context_iteration (data.context, TRUE);

  g_main_context_pop_thread_default (data.context);

  value = g_task_propagate_pointer (G_TASK (data.result), error);
  g_object_unref (data.result);
  g_main_context_unref (data.context);

  return value;
}

/**
 * il_link_send_sync:
 * @self: a link
 * @message: the message; the link takes a reference
 * @cancellable: (nullable): a cancellable
 * @error: return location for a #GError
 *
 * Sends @message and blocks the calling thread until the answer arrives.
 *
 * Calling this from the service's own main context, or for a service on a
 * context that the calling thread owns or that no thread iterates, fails
 * at once with %IL_LINK_ERROR_WOULD_DEADLOCK instead of hanging. A service
 * that has not started yet is waited for.
 *
 * Returns: (transfer full) (nullable): the answer, as for
 *   [method@Interlink.Link.send_finish]
 *
 * Since: 0.1
 */
GValue *
il_link_send_sync (IlLink        *self,
                   IlMessage     *message,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (IL_IS_LINK (self), NULL);
  g_return_val_if_fail (IL_IS_MESSAGE (message), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!il_link_check_deadlock (self, error))
    return NULL;

  return il_link_wait_sync (self, IL_ENVELOPE_MESSAGE, g_object_ref (message),
                            cancellable, error);
}

static IlExecCall *
il_exec_call_new (IlExecFunc     func,
                  gpointer       data,
                  GDestroyNotify destroy)
{
  IlExecCall *call = g_new (IlExecCall, 1);

  call->func = func;
  call->data = data;
  call->destroy = destroy;

  return call;
}

/**
 * il_link_do_exec:
 * @self: a link
 * @func: (scope notified) (closure func_data) (destroy func_data_destroy):
 *   the function to run on the service
 * @func_data: data for @func
 * @func_data_destroy: (nullable): frees @func_data; runs exactly once
 * @error: return location for a #GError
 *
 * Runs @func on the service's main context, in order with messages, with
 * the service and its context, without waiting for a result.
 *
 * Returns: %TRUE if the function was queued; %FALSE with
 *   %IL_LINK_ERROR_CLOSED if the service is stopping or has stopped, in
 *   which case @func_data_destroy has already run
 *
 * Since: 0.1
 */
gboolean
il_link_do_exec (IlLink          *self,
                 IlExecFunc       func,
                 gpointer         func_data,
                 GDestroyNotify   func_data_destroy,
                 GError         **error)
{
  IlEnvelope envelope;

  g_return_val_if_fail (IL_IS_LINK (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  envelope.kind = IL_ENVELOPE_EXEC;
  envelope.payload = il_exec_call_new (func, func_data, func_data_destroy);
  envelope.task = NULL;

  if (!il_mailbox_push (self->mailbox, &envelope, error))
    {
      il_envelope_clear (&envelope);
      return FALSE;
    }

  return TRUE;
}

/**
 * il_link_exec_async:
 * @self: a link
 * @func: (scope notified) (closure func_data) (destroy func_data_destroy):
 *   the function to run on the service
 * @func_data: data for @func
 * @func_data_destroy: (nullable): frees @func_data; runs exactly once
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (closure user_data): called with the result
 * @user_data: data for @callback
 *
 * Runs @func on the service's main context, in order with messages, and
 * calls @callback with what @func answered through its reply.
 *
 * Any value type is accepted. If @func returns without answering and
 * without keeping the reply, the result is %NULL.
 *
 * Since: 0.1
 */
void
il_link_exec_async (IlLink              *self,
                    IlExecFunc           func,
                    gpointer             func_data,
                    GDestroyNotify       func_data_destroy,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (IL_IS_LINK (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = il_request_new (self, cancellable, callback, user_data,
                         il_link_exec_async);
  il_link_queue_request (self, IL_ENVELOPE_EXEC,
                         il_exec_call_new (func, func_data, func_data_destroy),
                         task);
}

/**
 * il_link_exec_finish:
 * @self: a link
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Interlink.Link.exec_async].
 *
 * Returns: (transfer full) (nullable): the value the function answered,
 *   or %NULL if it answered none. Free it with
 *   `g_boxed_free (G_TYPE_VALUE, value)`.
 *
 * Since: 0.1
 */
GValue *
il_link_exec_finish (IlLink        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (IL_IS_LINK (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        il_link_exec_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * il_link_stop:
 * @self: a link
 *
 * Asks the service to stop once the messages sent before this call were
 * handled.
 *
 * Nothing happens if the service is already stopping or stopped. May be
 * called from any thread.
 *
 * Since: 0.1
 */
void
il_link_stop (IlLink *self)
{
  g_return_if_fail (IL_IS_LINK (self));

  il_mailbox_push_stop (self->mailbox, NULL);
}

/**
 * il_link_stop_async:
 * @self: a link
 * @cancellable: (nullable): a cancellable; cancelling it does not undo the
 *   stop, only stops waiting for it
 * @callback: (scope async) (closure user_data): called once the service
 *   stopped
 * @user_data: data for @callback
 *
 * Stops the service like [method@Interlink.Link.stop] and calls @callback
 * once the `stopping` hook returned, every queued request failed and the
 * service was released.
 *
 * If the service already stopped, @callback reports success.
 *
 * Since: 0.1
 */
void
il_link_stop_async (IlLink              *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (IL_IS_LINK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = il_request_new (self, cancellable, callback, user_data,
                         il_link_stop_async);
  il_mailbox_push_stop (self->mailbox, task);
}

/**
 * il_link_stop_finish:
 * @self: a link
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Interlink.Link.stop_async].
 *
 * Returns: %TRUE once the service stopped; %FALSE only if waiting was
 *   cancelled
 *
 * Since: 0.1
 */
gboolean
il_link_stop_finish (IlLink        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (IL_IS_LINK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        il_link_stop_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * il_link_wait_closed_async:
 * @self: a link
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (closure user_data): called once the service
 *   stopped
 * @user_data: data for @callback
 *
 * Waits until the service stopped and was released, without asking it to
 * stop.
 *
 * Since: 0.1
 */
void
il_link_wait_closed_async (IlLink              *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (IL_IS_LINK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = il_request_new (self, cancellable, callback, user_data,
                         il_link_wait_closed_async);
  il_mailbox_add_close_waiter (self->mailbox, task);
}

/**
 * il_link_wait_closed_finish:
 * @self: a link
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Interlink.Link.wait_closed_async].
 *
 * Returns: %TRUE once the service stopped; %FALSE only if waiting was
 *   cancelled
 *
 * Since: 0.1
 */
gboolean
il_link_wait_closed_finish (IlLink        *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (IL_IS_LINK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        il_link_wait_closed_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * il_link_is_closed:
 * @self: a link
 *
 * Checks whether the service stopped accepting messages.
 *
 * This turns %TRUE as soon as the service begins to stop, before
 * [signal@Interlink.Link::closed] is emitted.
 *
 * Returns: %TRUE if sends fail with %IL_LINK_ERROR_CLOSED
 *
 * Since: 0.1
 */
gboolean
il_link_is_closed (IlLink *self)
{
  g_return_val_if_fail (IL_IS_LINK (self), TRUE);

  return il_mailbox_get_state (self->mailbox) >= IL_MAILBOX_STOPPING;
}

/**
 * il_link_is_current:
 * @self: a link
 *
 * Checks whether the calling thread is running the service's main context,
 * that is whether a blocking call through this link would deadlock.
 *
 * Returns: %TRUE when called from the service's own main context
 *
 * Since: 0.1
 */
gboolean
il_link_is_current (IlLink *self)
{
  g_autoptr(GMainContext) context = NULL;

  g_return_val_if_fail (IL_IS_LINK (self), FALSE);

  context = il_mailbox_ref_context (self->mailbox, NULL);

  return context != NULL && g_main_context_is_owner (context);
}

/**
 * il_link_is_on_context:
 * @self: a link
 * @context: (nullable): a main context, or %NULL for the global default
 *   context
 *
 * Checks whether the service runs on @context.
 *
 * Language bindings use this to keep objects that may only be touched on
 * one thread, such as messages defined in JavaScript, away from services
 * on other threads.
 *
 * Returns: %TRUE if the service was started on @context; %FALSE if it runs
 *   elsewhere or has not started yet
 *
 * Since: 0.1
 */
gboolean
il_link_is_on_context (IlLink       *self,
                       GMainContext *context)
{
  g_autoptr(GMainContext) service_context = NULL;

  g_return_val_if_fail (IL_IS_LINK (self), FALSE);

  if (context == NULL)
    context = g_main_context_default ();

  service_context = il_mailbox_ref_context (self->mailbox, NULL);

  return service_context == context;
}

/**
 * il_link_get_service_type:
 * @self: a link
 *
 * Gets the type of the service this link sends to.
 *
 * Returns: the service's type
 *
 * Since: 0.1
 */
GType
il_link_get_service_type (IlLink *self)
{
  g_return_val_if_fail (IL_IS_LINK (self), G_TYPE_INVALID);

  return il_mailbox_get_service_type (self->mailbox);
}

/**
 * il_link_same_service:
 * @self: a link
 * @other: another link
 *
 * Checks whether two links send to the same service.
 *
 * Returns: %TRUE if both links lead to the same mailbox
 *
 * Since: 0.1
 */
gboolean
il_link_same_service (IlLink *self,
                      IlLink *other)
{
  g_return_val_if_fail (IL_IS_LINK (self), FALSE);
  g_return_val_if_fail (IL_IS_LINK (other), FALSE);

  return self->mailbox == other->mailbox;
}
