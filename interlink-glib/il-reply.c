/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "il-error.h"
#include "il-reply-private.h"

/**
 * IlReply:
 *
 * The handle a handler answers a request with.
 *
 * Every handler gets an `IlReply` with its message. Answer at once with
 * [method@Interlink.Reply.return_value], one of the typed helpers such as
 * [method@Interlink.Reply.return_string], or an error with
 * [method@Interlink.Reply.return_error]. To answer later, keep a reference
 * and answer from any thread once the result is known; the handler may
 * return in the meantime.
 *
 * Exactly one answer counts: a second one is a programmer error, reported
 * with a critical and ignored. A reply whose last reference is dropped
 * unanswered completes the request for the sender: with an empty result
 * when the message's response type is `G_TYPE_NONE` (and for functions run
 * with [method@Interlink.Link.exec_async]), with
 * %IL_LINK_ERROR_NO_REPLY otherwise. So no sender waits forever on a
 * handler that forgot to answer. Handlers added to one instance with
 * [method@Interlink.Service.add_handler] must answer every request, also
 * with `il_reply_return_value (reply, NULL)` for `G_TYPE_NONE`, because a
 * language binding may skip such a handler without running it.
 *
 * Values are checked against the message's response type. A value of that
 * type or a subtype is passed on as it is; a value GLib can transform
 * (`g_value_type_transformable()`) is converted, so an `int` answer to a
 * message that declares `gint64` arrives as `gint64`. Anything else fails
 * the request with %IL_LINK_ERROR_INVALID_RESPONSE and logs a critical
 * naming the message and service types.
 *
 * Answers for senders that used [method@Interlink.Link.do_send] are checked
 * the same way and then dropped. Answers after the sender cancelled the
 * request are dropped without a message.
 *
 * Since: 0.1
 */
struct _IlReply
{
  GObject       parent_instance;

  GTask        *task;           /* owned, %NULL for fire-and-forget */
  IlMessage    *message;        /* owned, %NULL for exec requests */
  GType         response_type;  /* G_TYPE_INVALID when any value is fine */
  GType         service_type;
  gint          answered;       /* atomic */
  gboolean      require_answer; /* set before the handler runs */
};

G_DEFINE_FINAL_TYPE (IlReply, il_reply, G_TYPE_OBJECT)

enum
{
  REQUEST_QUEUED,
  REQUEST_HANDLING,
  REQUEST_DONE,
};

typedef struct
{
  gint     state;           /* atomic */
  GSource *cancel_source;   /* owned, set once before the task is queued */
} IlRequest;

static void
il_request_free (gpointer data)
{
  IlRequest *request = data;

  if (request->cancel_source != NULL)
    {
      g_source_destroy (request->cancel_source);
      g_source_unref (request->cancel_source);
    }
  g_free (request);
}

void
il_value_free (gpointer value)
{
  if (value == NULL)
    return;

  g_value_unset (value);
  g_free (value);
}

GTask *
il_request_new (gpointer             source_object,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  GTask *task;

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (IlRequest, 1), il_request_free);

  return task;
}

/* Moves the request to done unless something else did it first. The
 * caller that gets %TRUE must return the task.
 */
gboolean
il_request_try_complete (GTask *task)
{
  IlRequest *request = g_task_get_task_data (task);

  for (;;)
    {
      gint state = g_atomic_int_get (&request->state);

      if (state == REQUEST_DONE)
        return FALSE;

      if (g_atomic_int_compare_and_exchange (&request->state, state,
                                             REQUEST_DONE))
        break;
    }

  /* The cancel source holds a reference to the task: destroying it breaks
   * that cycle once the request is done.
   */
  if (request->cancel_source != NULL)
    g_source_destroy (request->cancel_source);

  return TRUE;
}

/* Called by the runner before it hands the request to a handler. Returns
 * %FALSE if the request was cancelled while queued.
 */
gboolean
il_request_begin (GTask *task)
{
  IlRequest *request = g_task_get_task_data (task);

  /* The cancel source runs on the sender's context, maybe later than this:
   * a request cancelled before its turn must not be handled either way.
   */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      if (il_request_try_complete (task))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 "The request was cancelled");
      return FALSE;
    }

  return g_atomic_int_compare_and_exchange (&request->state, REQUEST_QUEUED,
                                            REQUEST_HANDLING);
}

void
il_request_fail (GTask      *task,
                 GQuark      domain,
                 gint        code,
                 const char *format,
                 ...)
{
  va_list args;
  GError *error;

  if (!il_request_try_complete (task))
    return;

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);

  g_task_return_error (task, error);
}

static gboolean
request_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  IlRequest *request = g_task_get_task_data (task);

  /* Only a request still in the queue completes here. One that a handler
   * already took completes with its answer, which GTask turns into
   * G_IO_ERROR_CANCELLED because the cancellable is cancelled.
   */
  if (g_atomic_int_compare_and_exchange (&request->state, REQUEST_QUEUED,
                                         REQUEST_DONE))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The request was cancelled");
    }

  return G_SOURCE_REMOVE;
}

/* Completes the request as soon as its cancellable is cancelled while it is
 * queued, in the caller's context, without waiting for the service. Call it
 * before the task is queued, so that completion always finds the source.
 */
void
il_request_watch_cancel (GTask *task)
{
  IlRequest *request = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GSource *source;

  if (cancellable == NULL)
    return;

  source = g_cancellable_source_new (cancellable);
  g_source_set_callback (source, G_SOURCE_FUNC (request_cancelled_cb),
                         g_object_ref (task), g_object_unref);
  g_source_set_static_name (source, "[interlink] request cancelled");
  request->cancel_source = source;
  g_source_attach (source, g_task_get_context (task));
}

IlReply *
il_reply_new (GTask     *task,
              IlMessage *message,
              GType      service_type)
{
  IlReply *self;

  self = g_object_new (IL_TYPE_REPLY, NULL);
  self->task = task != NULL ? g_object_ref (task) : NULL;
  self->service_type = service_type;

  if (message != NULL)
    {
      self->message = g_object_ref (message);
      self->response_type = il_message_get_response_type (message);
    }
  else
    {
      self->response_type = G_TYPE_INVALID;
    }

  return self;
}

/* Fire-and-forget sends need a reply object only for the handler's sake,
 * and allocating one per message costs more than the hand-off itself. The
 * runner keeps one spare: il_reply_recycle() clears a reply nobody else
 * kept after its handler, and il_reply_reuse() fills it for the next
 * message, or returns a new reply when there is no spare.
 */
IlReply *
il_reply_reuse (IlReply   *spare,
                IlMessage *message,
                GType      service_type)
{
  if (spare == NULL)
    return il_reply_new (NULL, message, service_type);

  spare->message = g_object_ref (message);
  spare->response_type = il_message_get_response_type (message);
  spare->service_type = service_type;

  return spare;
}

/* Returns %TRUE if @self can serve as the spare of il_reply_reuse(): a
 * fire-and-forget reply that only the caller references.
 */
gboolean
il_reply_recycle (IlReply *self)
{
  if (self->task != NULL ||
      g_atomic_int_get ((gint *) &G_OBJECT (self)->ref_count) != 1)
    return FALSE;

  g_clear_object (&self->message);
  g_atomic_int_set (&self->answered, 0);
  self->require_answer = FALSE;

  return TRUE;
}

/* Handlers added to an instance come from language bindings, which may
 * skip a callback without running it (GJS does on a foreign thread). Such a
 * handler must answer even for G_TYPE_NONE, so that a skipped call fails
 * the request with IL_LINK_ERROR_NO_REPLY instead of looking like success.
 */
void
il_reply_require_answer (IlReply *self)
{
  self->require_answer = TRUE;
}

static const char *
il_reply_describe (IlReply *self)
{
  return self->message != NULL ? G_OBJECT_TYPE_NAME (self->message) : "exec";
}

static void
il_reply_complete (IlReply *self,
                   GValue  *value,
                   GError  *error)
{
  if (self->task == NULL || !il_request_try_complete (self->task))
    {
      il_value_free (value);
      g_clear_error (&error);
      return;
    }

  if (error != NULL)
    g_task_return_error (self->task, error);
  else
    g_task_return_pointer (self->task, value, il_value_free);
}

static void
il_reply_fail_invalid (IlReply    *self,
                       const char *found)
{
  GError *error;

  g_critical ("Handler of %s in service %s answered with %s, "
              "but the message declares the response type %s",
              il_reply_describe (self), g_type_name (self->service_type),
              found, g_type_name (self->response_type));

  error = g_error_new (IL_LINK_ERROR, IL_LINK_ERROR_INVALID_RESPONSE,
                       "Invalid response for %s from service %s: "
                       "expected %s, got %s",
                       il_reply_describe (self),
                       g_type_name (self->service_type),
                       g_type_name (self->response_type), found);
  il_reply_complete (self, NULL, error);
}

/* Converts @value to the response type. Returns %NULL and fails the
 * request when it cannot.
 */
static GValue *
il_reply_convert (IlReply      *self,
                  const GValue *value)
{
  GValue *copy;

  if (self->response_type == G_TYPE_INVALID)
    {
      if (value == NULL)
        return NULL;

      copy = g_new0 (GValue, 1);
      g_value_init (copy, G_VALUE_TYPE (value));
      g_value_copy (value, copy);
      return copy;
    }

  if (self->response_type == G_TYPE_NONE || value == NULL)
    {
      il_reply_fail_invalid (self, value != NULL ? G_VALUE_TYPE_NAME (value)
                                                 : "no value");
      return NULL;
    }

  copy = g_new0 (GValue, 1);
  g_value_init (copy, self->response_type);

  if (g_value_type_compatible (G_VALUE_TYPE (value), self->response_type))
    {
      g_value_copy (value, copy);
      return copy;
    }

  if (g_value_type_transformable (G_VALUE_TYPE (value), self->response_type) &&
      g_value_transform (value, copy))
    return copy;

  il_value_free (copy);
  il_reply_fail_invalid (self, G_VALUE_TYPE_NAME (value));

  return NULL;
}

static gboolean
il_reply_claim (IlReply *self)
{
  if (G_UNLIKELY (!g_atomic_int_compare_and_exchange (&self->answered, 0, 1)))
    {
      g_critical ("The reply to %s in service %s was already answered; "
                  "only the first answer counts",
                  il_reply_describe (self), g_type_name (self->service_type));
      return FALSE;
    }

  return TRUE;
}

static gboolean
il_reply_return_dropped_cb (gpointer user_data)
{
  GTask *task = user_data;
  GError *error = g_object_steal_data (G_OBJECT (task), "il-reply-error");

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, NULL, NULL);

  return G_SOURCE_REMOVE;
}

/* A dropped reply may be finalized where calling back into the sender is
 * not allowed, such as inside the garbage collection of a language
 * binding. So the task returns from an idle in the sender's context.
 */
static void
il_reply_return_dropped (IlReply *self,
                         GError  *error)
{
  g_autoptr(GSource) idle = NULL;

  if (!il_request_try_complete (self->task))
    {
      g_clear_error (&error);
      return;
    }

  if (error != NULL)
    g_object_set_data_full (G_OBJECT (self->task), "il-reply-error", error,
                            (GDestroyNotify) g_error_free);

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, il_reply_return_dropped_cb,
                         g_object_ref (self->task), g_object_unref);
  g_source_set_static_name (idle, "[interlink] dropped reply");
  g_source_attach (idle, g_task_get_context (self->task));
}

static void
il_reply_finalize (GObject *object)
{
  IlReply *self = IL_REPLY (object);

  if (!g_atomic_int_get (&self->answered) && self->task != NULL)
    {
      if (!self->require_answer &&
          (self->response_type == G_TYPE_NONE ||
           self->response_type == G_TYPE_INVALID))
        {
          il_reply_return_dropped (self, NULL);
        }
      else
        {
          il_reply_return_dropped (self,
                                   g_error_new (IL_LINK_ERROR,
                                                IL_LINK_ERROR_NO_REPLY,
                                                "Service %s dropped the reply "
                                                "to %s without answering",
                                                g_type_name (self->service_type),
                                                il_reply_describe (self)));
        }
    }

  g_clear_object (&self->task);
  g_clear_object (&self->message);

  G_OBJECT_CLASS (il_reply_parent_class)->finalize (object);
}

static void
il_reply_class_init (IlReplyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = il_reply_finalize;
}

static void
il_reply_init (IlReply *self)
{
}

/**
 * il_reply_get_message:
 * @self: a reply
 *
 * Gets the message this reply answers.
 *
 * Returns: (transfer none) (nullable): the message, or %NULL for a function
 *   run with [method@Interlink.Link.exec_async]
 *
 * Since: 0.1
 */
IlMessage *
il_reply_get_message (IlReply *self)
{
  g_return_val_if_fail (IL_IS_REPLY (self), NULL);

  return self->message;
}

/**
 * il_reply_get_response_type:
 * @self: a reply
 *
 * Gets the type the answer must have.
 *
 * Returns: the message's response type, or `G_TYPE_INVALID` when any value
 *   is accepted (exec requests)
 *
 * Since: 0.1
 */
GType
il_reply_get_response_type (IlReply *self)
{
  g_return_val_if_fail (IL_IS_REPLY (self), G_TYPE_INVALID);

  return self->response_type;
}

/**
 * il_reply_get_cancellable:
 * @self: a reply
 *
 * Gets the cancellable the sender passed, so that long work can stop early
 * when the sender gives up.
 *
 * Returns: (transfer none) (nullable): the sender's cancellable
 *
 * Since: 0.1
 */
GCancellable *
il_reply_get_cancellable (IlReply *self)
{
  g_return_val_if_fail (IL_IS_REPLY (self), NULL);

  return self->task != NULL ? g_task_get_cancellable (self->task) : NULL;
}

/**
 * il_reply_get_expects_answer:
 * @self: a reply
 *
 * Checks whether a sender waits for the answer. It does not for messages
 * sent with [method@Interlink.Link.do_send].
 *
 * Returns: %TRUE if a sender waits for the answer
 *
 * Since: 0.1
 */
gboolean
il_reply_get_expects_answer (IlReply *self)
{
  g_return_val_if_fail (IL_IS_REPLY (self), FALSE);

  return self->task != NULL;
}

/**
 * il_reply_is_answered:
 * @self: a reply
 *
 * Checks whether the reply was answered.
 *
 * Returns: %TRUE after the first answer
 *
 * Since: 0.1
 */
gboolean
il_reply_is_answered (IlReply *self)
{
  g_return_val_if_fail (IL_IS_REPLY (self), FALSE);

  return g_atomic_int_get (&self->answered);
}

/**
 * il_reply_return_value:
 * @self: a reply
 * @value: (nullable): the answer, or %NULL for an empty answer
 *
 * Answers with a copy of @value.
 *
 * %NULL answers messages whose response type is `G_TYPE_NONE`. May be
 * called from any thread.
 *
 * Since: 0.1
 */
void
il_reply_return_value (IlReply      *self,
                       const GValue *value)
{
  GValue *converted;

  g_return_if_fail (IL_IS_REPLY (self));
  g_return_if_fail (value == NULL || G_IS_VALUE (value));

  if (!il_reply_claim (self))
    return;

  /* GJS 1.74 passes a JavaScript null as a G_TYPE_POINTER value holding
   * NULL, not as a NULL GValue.
   */
  if (value != NULL && G_VALUE_HOLDS_POINTER (value) &&
      g_value_get_pointer (value) == NULL)
    value = NULL;

  if (value == NULL && (self->response_type == G_TYPE_NONE ||
                        self->response_type == G_TYPE_INVALID))
    {
      il_reply_complete (self, NULL, NULL);
      return;
    }

  converted = il_reply_convert (self, value);
  if (converted != NULL)
    il_reply_complete (self, converted, NULL);
}

/* Typed helpers: set up a GValue of the natural type and go through the
 * same conversion as il_reply_return_value().
 */
#define IL_REPLY_RETURN_TYPED(name, ctype, gtype, setter)                  \
  void                                                                      \
  il_reply_return_##name (IlReply *self,                                    \
                          ctype    value)                                   \
  {                                                                         \
    GValue gvalue = G_VALUE_INIT;                                           \
                                                                            \
    g_return_if_fail (IL_IS_REPLY (self));                                  \
                                                                            \
    g_value_init (&gvalue, gtype);                                          \
    setter (&gvalue, value);                                                \
    il_reply_return_value (self, &gvalue);                                  \
    g_value_unset (&gvalue);                                                \
  }

/**
 * il_reply_return_boolean:
 * @self: a reply
 * @value: the answer
 *
 * Answers with a boolean.
 *
 * Since: 0.1
 */
IL_REPLY_RETURN_TYPED (boolean, gboolean, G_TYPE_BOOLEAN, g_value_set_boolean)

/**
 * il_reply_return_int:
 * @self: a reply
 * @value: the answer
 *
 * Answers with an integer; it is converted when the message declares
 * another numeric type.
 *
 * Since: 0.1
 */
IL_REPLY_RETURN_TYPED (int, gint, G_TYPE_INT, g_value_set_int)

/**
 * il_reply_return_uint:
 * @self: a reply
 * @value: the answer
 *
 * Answers with an unsigned integer.
 *
 * Since: 0.1
 */
IL_REPLY_RETURN_TYPED (uint, guint, G_TYPE_UINT, g_value_set_uint)

/**
 * il_reply_return_int64:
 * @self: a reply
 * @value: the answer
 *
 * Answers with a 64-bit integer.
 *
 * Since: 0.1
 */
IL_REPLY_RETURN_TYPED (int64, gint64, G_TYPE_INT64, g_value_set_int64)

/**
 * il_reply_return_uint64:
 * @self: a reply
 * @value: the answer
 *
 * Answers with an unsigned 64-bit integer.
 *
 * Since: 0.1
 */
IL_REPLY_RETURN_TYPED (uint64, guint64, G_TYPE_UINT64, g_value_set_uint64)

/**
 * il_reply_return_double:
 * @self: a reply
 * @value: the answer
 *
 * Answers with a double.
 *
 * Since: 0.1
 */
IL_REPLY_RETURN_TYPED (double, gdouble, G_TYPE_DOUBLE, g_value_set_double)

/**
 * il_reply_return_string:
 * @self: a reply
 * @value: (nullable): the answer, copied
 *
 * Answers with a string.
 *
 * Since: 0.1
 */
IL_REPLY_RETURN_TYPED (string, const char *, G_TYPE_STRING, g_value_set_string)

/**
 * il_reply_return_object:
 * @self: a reply
 * @value: (type GObject) (nullable): the answer; the reply takes a
 *   reference
 *
 * Answers with an object. Its type must be the response type or a subtype.
 *
 * Since: 0.1
 */
void
il_reply_return_object (IlReply  *self,
                        gpointer  value)
{
  GValue gvalue = G_VALUE_INIT;

  g_return_if_fail (IL_IS_REPLY (self));
  g_return_if_fail (value == NULL || G_IS_OBJECT (value));

  g_value_init (&gvalue, value != NULL ? G_OBJECT_TYPE (value) : G_TYPE_OBJECT);
  g_value_set_object (&gvalue, value);

  /* A NULL object of the declared class is fine: answer it in that type. */
  if (value == NULL && g_type_is_a (self->response_type, G_TYPE_OBJECT))
    {
      g_value_unset (&gvalue);
      g_value_init (&gvalue, self->response_type);
    }

  il_reply_return_value (self, &gvalue);
  g_value_unset (&gvalue);
}

/**
 * il_reply_return_variant:
 * @self: a reply
 * @value: (nullable): the answer; a floating reference is sunk
 *
 * Answers with a [struct@GLib.Variant].
 *
 * Since: 0.1
 */
void
il_reply_return_variant (IlReply  *self,
                         GVariant *value)
{
  GValue gvalue = G_VALUE_INIT;

  g_return_if_fail (IL_IS_REPLY (self));

  g_value_init (&gvalue, G_TYPE_VARIANT);
  if (value != NULL)
    g_value_take_variant (&gvalue, g_variant_ref_sink (value));
  il_reply_return_value (self, &gvalue);
  g_value_unset (&gvalue);
}

/**
 * il_reply_take_error:
 * @self: a reply
 * @error: (transfer full): the error to fail the request with
 *
 * Fails the request with @error, taking ownership of it.
 *
 * Since: 0.1
 */
void
il_reply_take_error (IlReply *self,
                     GError  *error)
{
  g_return_if_fail (IL_IS_REPLY (self));
  g_return_if_fail (error != NULL);

  if (!il_reply_claim (self))
    {
      g_error_free (error);
      return;
    }

  il_reply_complete (self, NULL, error);
}

/**
 * il_reply_return_error:
 * @self: a reply
 * @error: the error to fail the request with; it is copied
 *
 * Fails the request with a copy of @error.
 *
 * Since: 0.1
 */
void
il_reply_return_error (IlReply      *self,
                       const GError *error)
{
  g_return_if_fail (IL_IS_REPLY (self));
  g_return_if_fail (error != NULL);

  il_reply_take_error (self, g_error_copy (error));
}

/**
 * il_reply_return_new_error:
 * @self: a reply
 * @domain: the error domain
 * @code: the error code
 * @format: a printf() format for the message
 * @...: the format's arguments
 *
 * Fails the request with a new error.
 *
 * Since: 0.1
 */
void
il_reply_return_new_error (IlReply    *self,
                           GQuark      domain,
                           gint        code,
                           const char *format,
                           ...)
{
  va_list args;
  GError *error;

  g_return_if_fail (IL_IS_REPLY (self));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);

  il_reply_take_error (self, error);
}
