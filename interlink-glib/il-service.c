/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "il-error.h"
#include "il-link-private.h"
#include "il-mailbox-private.h"
#include "il-reply-private.h"
#include "il-service-context-private.h"
#include "il-executor-private.h"
#include "il-runner-private.h"

/**
 * IlService:
 *
 * The base class of services: objects that own their state and handle
 * messages one at a time on their own main context.
 *
 * Nothing outside a service touches its state. Other code holds an
 * [class@Interlink.Link] and sends messages; the service handles them in
 * order on its main context and answers through an [class@Interlink.Reply].
 * No locks are needed in the service, because only its main context ever
 * runs its code.
 *
 * A subclass registers one handler per message type in `class_init`:
 *
 * ```c
 * static void
 * echo_service_handle_text (IlService        *service,
 *                           IlMessage        *message,
 *                           IlServiceContext *context,
 *                           IlReply          *reply)
 * {
 *   TextMessage *text = TEXT_MESSAGE (message);
 *
 *   il_reply_return_string (reply, text->value);
 * }
 *
 * static void
 * echo_service_class_init (EchoServiceClass *klass)
 * {
 *   il_service_class_add_handler (IL_SERVICE_CLASS (klass),
 *                                 TEXT_TYPE_MESSAGE,
 *                                 echo_service_handle_text);
 * }
 * ```
 *
 * [method@Interlink.Service.start] runs the service on a new thread with a
 * main context of its own; [method@Interlink.Service.start_on_context]
 * runs it on a context the caller iterates, such as the one of a GTK
 * application. Either way the service handles messages until it is
 * stopped, with [method@Interlink.Link.stop] or
 * [method@Interlink.ServiceContext.stop]. Dropping links does not stop it.
 *
 * While it runs, the service is kept alive by its runner. Once stopped,
 * the `stopping` hook runs, timers are destroyed, queued requests fail with
 * %IL_LINK_ERROR_CLOSED, the runner drops its reference and the links emit
 * [signal@Interlink.Link::closed].
 *
 * Since: 0.1
 */

typedef struct
{
  GType         message_type;
  IlHandlerFunc func;
} IlClassHandler;

/* The class handlers live in the class structure, which GObject copies
 * into every subclass. @owner is the class that made the table, and any
 * other class copies it before adding a handler.
 */
typedef struct
{
  GType   owner;
  GArray *handlers;   /* IlClassHandler */
} IlHandlerTable;

typedef struct
{
  GType          message_type;
  IlHandler      func;
  gpointer       user_data;
  GDestroyNotify notify;
} IlInstanceHandler;

typedef struct
{
  IlMailbox *mailbox;            /* owned, immutable */
  GArray    *instance_handlers;  /* IlInstanceHandler; fixed once started */
  gint       started;            /* atomic */
  guint      spin_time;          /* microseconds; fixed once started */
} IlServicePrivate;

enum
{
  PROP_0,
  PROP_SPIN_TIME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (IlService, il_service, G_TYPE_OBJECT)

static void
il_instance_handler_clear (gpointer data)
{
  IlInstanceHandler *handler = data;

  if (handler->notify != NULL)
    handler->notify (handler->user_data);
}

/* Finds the handler for @message_type: walking from that type up to
 * IlMessage, so that a handler for a parent type handles subclasses that
 * have none of their own, and preferring instance handlers at each level.
 * Sets one of @instance_handler and @class_handler, or neither.
 */
static void
il_service_find_handler (IlService          *self,
                         GType               message_type,
                         IlInstanceHandler **instance_handler,
                         IlClassHandler    **class_handler)
{
  IlServicePrivate *priv = il_service_get_instance_private (self);
  IlHandlerTable *table = IL_SERVICE_GET_CLASS (self)->handlers;
  GType type;

  *instance_handler = NULL;
  *class_handler = NULL;

  for (type = message_type;
       type != IL_TYPE_MESSAGE && type != G_TYPE_INVALID;
       type = g_type_parent (type))
    {
      guint i;

      for (i = 0; priv->instance_handlers != NULL &&
                  i < priv->instance_handlers->len; i++)
        {
          IlInstanceHandler *handler =
            &g_array_index (priv->instance_handlers, IlInstanceHandler, i);

          if (handler->message_type == type)
            {
              *instance_handler = handler;
              return;
            }
        }

      for (i = 0; table != NULL && i < table->handlers->len; i++)
        {
          IlClassHandler *handler =
            &g_array_index (table->handlers, IlClassHandler, i);

          if (handler->message_type == type)
            {
              *class_handler = handler;
              return;
            }
        }
    }
}

static void
il_service_real_handle (IlService        *self,
                        IlMessage        *message,
                        IlServiceContext *context,
                        IlReply          *reply)
{
  IlInstanceHandler *instance_handler;
  IlClassHandler *class_handler;

  il_service_find_handler (self, G_OBJECT_TYPE (message),
                           &instance_handler, &class_handler);

  if (instance_handler != NULL)
    {
      il_reply_require_answer (reply);
      instance_handler->func (self, message, context, reply,
                              instance_handler->user_data);
    }
  else if (class_handler != NULL)
    {
      class_handler->func (self, message, context, reply);
    }
  else
    {
      il_reply_return_new_error (reply, IL_LINK_ERROR, IL_LINK_ERROR_UNHANDLED,
                                 "Service %s has no handler for %s",
                                 G_OBJECT_TYPE_NAME (self),
                                 G_OBJECT_TYPE_NAME (message));
    }
}

static void
il_service_real_started (IlService        *self,
                         IlServiceContext *context)
{
}

static void
il_service_real_stopping (IlService        *self,
                          IlServiceContext *context)
{
}

static void
il_service_constructed (GObject *object)
{
  IlService *self = IL_SERVICE (object);
  IlServicePrivate *priv = il_service_get_instance_private (self);

  G_OBJECT_CLASS (il_service_parent_class)->constructed (object);

  /* Not in init: there G_OBJECT_TYPE() is still the type whose init runs,
   * and the mailbox names the most derived type in its errors.
   */
  priv->mailbox = il_mailbox_new (self);
}

static void
il_service_dispose (GObject *object)
{
  IlService *self = IL_SERVICE (object);
  IlServicePrivate *priv = il_service_get_instance_private (self);

  /* A service that never started goes away with its mailbox: fail what
   * was queued for it instead of leaving senders waiting.
   */
  if (priv->mailbox != NULL)
    il_mailbox_forget_service (priv->mailbox);

  if (priv->mailbox != NULL && !g_atomic_int_get (&priv->started) &&
      il_mailbox_get_state (priv->mailbox) != IL_MAILBOX_CLOSED)
    {
      g_autoptr(GArray) rest = il_mailbox_close (priv->mailbox);
      guint i;

      for (i = 0; i < rest->len; i++)
        il_envelope_fail_closed (&g_array_index (rest, IlEnvelope, i),
                                 G_OBJECT_TYPE (self));

      il_mailbox_finish_close (priv->mailbox, NULL);
    }

  G_OBJECT_CLASS (il_service_parent_class)->dispose (object);
}

static void
il_service_finalize (GObject *object)
{
  IlService *self = IL_SERVICE (object);
  IlServicePrivate *priv = il_service_get_instance_private (self);

  g_clear_pointer (&priv->instance_handlers, g_array_unref);
  g_clear_pointer (&priv->mailbox, il_mailbox_unref);

  G_OBJECT_CLASS (il_service_parent_class)->finalize (object);
}

static void
il_service_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  IlService *self = IL_SERVICE (object);
  IlServicePrivate *priv = il_service_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_SPIN_TIME:
      g_value_set_uint (value, priv->spin_time);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
il_service_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  IlService *self = IL_SERVICE (object);
  IlServicePrivate *priv = il_service_get_instance_private (self);
  guint spin_time;

  switch (prop_id)
    {
    case PROP_SPIN_TIME:
      spin_time = g_value_get_uint (value);
      if (g_atomic_int_get (&priv->started))
        {
          g_critical ("Service %s (%p): spin-time can only be set before "
                      "the service starts", G_OBJECT_TYPE_NAME (self),
                      (void *) self);
          break;
        }
      if (priv->spin_time != spin_time)
        {
          priv->spin_time = spin_time;
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
il_service_class_init (IlServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = il_service_constructed;
  object_class->dispose = il_service_dispose;
  object_class->finalize = il_service_finalize;
  object_class->get_property = il_service_get_property;
  object_class->set_property = il_service_set_property;

  klass->started = il_service_real_started;
  klass->stopping = il_service_real_stopping;
  klass->handle = il_service_real_handle;

  /**
   * IlService:spin-time:
   *
   * How long, in microseconds, the thread of a service started with
   * [method@Interlink.Service.start] keeps polling for work after it ran
   * out, before it sleeps.
   *
   * Spinning spares the wakeup of a sleeping thread when requests come in
   * quick succession, at the price of a busy core for up to this long
   * after each burst. The default, 0, never spins, so an idle service
   * costs no CPU. It has no effect on services that share a context or an
   * executor. Set it before the service starts.
   *
   * Since: 0.1
   */
  properties[PROP_SPIN_TIME] =
    g_param_spec_uint ("spin-time", NULL, NULL,
                       0, G_USEC_PER_SEC, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
il_service_init (IlService *self)
{
}

/**
 * il_service_class_add_handler:
 * @service_class: a service class
 * @message_type: a subtype of [class@Interlink.Message]
 * @func: (scope forever): the handler
 *
 * Registers @func to handle messages of @message_type and of its subtypes
 * that have no handler of their own.
 *
 * Call it from `class_init`. Subclasses inherit the handlers of their
 * parent and may replace them.
 *
 * Since: 0.1
 */
void
il_service_class_add_handler (IlServiceClass *service_class,
                              GType           message_type,
                              IlHandlerFunc   func)
{
  IlHandlerTable *table;
  IlClassHandler handler;
  GType owner;
  guint i;

  g_return_if_fail (IL_IS_SERVICE_CLASS (service_class));
  g_return_if_fail (g_type_is_a (message_type, IL_TYPE_MESSAGE));
  g_return_if_fail (message_type != IL_TYPE_MESSAGE);
  g_return_if_fail (func != NULL);

  owner = G_TYPE_FROM_CLASS (service_class);
  table = service_class->handlers;

  if (table == NULL || table->owner != owner)
    {
      IlHandlerTable *parent_table = table;

      /* Class data lives as long as the type, which is forever. */
      table = g_new0 (IlHandlerTable, 1);
      table->owner = owner;
      table->handlers = g_array_new (FALSE, FALSE, sizeof (IlClassHandler));
      if (parent_table != NULL)
        g_array_append_vals (table->handlers, parent_table->handlers->data,
                             parent_table->handlers->len);
      service_class->handlers = table;
    }

  for (i = 0; i < table->handlers->len; i++)
    {
      IlClassHandler *existing = &g_array_index (table->handlers,
                                                 IlClassHandler, i);

      if (existing->message_type == message_type)
        {
          existing->func = func;
          return;
        }
    }

  handler.message_type = message_type;
  handler.func = func;
  g_array_append_val (table->handlers, handler);
}

/**
 * il_service_add_handler:
 * @self: a service that has not started yet
 * @message_type: a subtype of [class@Interlink.Message]
 * @func: (scope notified) (closure user_data) (destroy notify): the handler
 * @user_data: data for @func
 * @notify: (nullable): frees @user_data when the service is finalized
 *
 * Registers @func to handle messages of @message_type on this service only.
 *
 * This is the way for language bindings, which cannot run code in
 * `class_init`. Instance handlers take precedence over class handlers for
 * the same type. Call this before the service starts.
 *
 * Unlike class handlers, @func must answer every request it gets: a reply
 * dropped unanswered fails with %IL_LINK_ERROR_NO_REPLY even when the
 * response type is `G_TYPE_NONE`, so that a binding that skips the call
 * (as GJS does for JavaScript on a foreign thread) cannot pass for
 * success.
 *
 * Since: 0.1
 */
void
il_service_add_handler (IlService      *self,
                        GType           message_type,
                        IlHandler       func,
                        gpointer        user_data,
                        GDestroyNotify  notify)
{
  IlServicePrivate *priv = il_service_get_instance_private (self);
  IlInstanceHandler handler;

  g_return_if_fail (IL_IS_SERVICE (self));
  g_return_if_fail (g_type_is_a (message_type, IL_TYPE_MESSAGE));
  g_return_if_fail (message_type != IL_TYPE_MESSAGE);
  g_return_if_fail (func != NULL);
  g_return_if_fail (!g_atomic_int_get (&priv->started));

  if (priv->instance_handlers == NULL)
    {
      priv->instance_handlers = g_array_new (FALSE, FALSE,
                                             sizeof (IlInstanceHandler));
      g_array_set_clear_func (priv->instance_handlers,
                              il_instance_handler_clear);
    }

  handler.message_type = message_type;
  handler.func = func;
  handler.user_data = user_data;
  handler.notify = notify;
  g_array_append_val (priv->instance_handlers, handler);
}

/**
 * il_service_handles:
 * @self: a service
 * @message_type: a subtype of [class@Interlink.Message]
 *
 * Checks whether the service can handle messages of @message_type.
 *
 * A service class that overrides `handle` is assumed to handle every
 * message type.
 *
 * Returns: %TRUE if a handler exists for @message_type or a parent type
 *
 * Since: 0.1
 */
gboolean
il_service_handles (IlService *self,
                    GType      message_type)
{
  IlInstanceHandler *instance_handler;
  IlClassHandler *class_handler;

  g_return_val_if_fail (IL_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_type_is_a (message_type, IL_TYPE_MESSAGE), FALSE);

  if (IL_SERVICE_GET_CLASS (self)->handle != il_service_real_handle)
    return TRUE;

  il_service_find_handler (self, message_type,
                           &instance_handler, &class_handler);

  return instance_handler != NULL || class_handler != NULL;
}

/**
 * il_service_get_link:
 * @self: a service
 *
 * Creates a link to the service, also before it starts.
 *
 * Messages sent before the service starts wait in its mailbox and are
 * handled in order once it does. The link does not keep the service alive.
 *
 * Returns: (transfer full): a new link to @self
 *
 * Since: 0.1
 */
IlLink *
il_service_get_link (IlService *self)
{
  IlServicePrivate *priv = il_service_get_instance_private (self);

  g_return_val_if_fail (IL_IS_SERVICE (self), NULL);

  return il_link_new (priv->mailbox);
}

/**
 * il_service_is_started:
 * @self: a service
 *
 * Checks whether the service was started. It stays %TRUE after a stop.
 *
 * Returns: %TRUE once [method@Interlink.Service.start] or
 *   [method@Interlink.Service.start_on_context] was called
 *
 * Since: 0.1
 */
gboolean
il_service_is_started (IlService *self)
{
  IlServicePrivate *priv = il_service_get_instance_private (self);

  g_return_val_if_fail (IL_IS_SERVICE (self), FALSE);

  return g_atomic_int_get (&priv->started);
}

static gboolean
il_service_mark_started (IlService *self)
{
  IlServicePrivate *priv = il_service_get_instance_private (self);

  if (!g_atomic_int_compare_and_exchange (&priv->started, FALSE, TRUE))
    {
      g_critical ("Service %s (%p) was already started",
                  G_OBJECT_TYPE_NAME (self), (void *) self);
      return FALSE;
    }

  if (il_mailbox_get_state (priv->mailbox) != IL_MAILBOX_NEW)
    {
      g_critical ("Service %s (%p) cannot start: its mailbox is closed",
                  G_OBJECT_TYPE_NAME (self), (void *) self);
      return FALSE;
    }

  return TRUE;
}

/**
 * il_service_start:
 * @self: a service that has not started yet
 *
 * Starts the service on a new thread with a main context of its own.
 *
 * The thread pushes that context as its thread-default context, so the
 * service's handlers, hooks, timers and the callbacks of GIO calls made
 * there all run on it. The thread is named after the service type (Linux
 * keeps the first 15 bytes). The runner keeps a reference to the service
 * until it stops.
 *
 * Services written in JavaScript must use
 * [method@Interlink.Service.start_on_context] instead, because GJS does
 * not run JavaScript on other threads.
 *
 * Returns: (transfer full): a new link to the service
 *
 * Since: 0.1
 */
IlLink *
il_service_start (IlService *self)
{
  IlServicePrivate *priv = il_service_get_instance_private (self);
  g_autoptr(GMainContext) main_context = NULL;
  g_autoptr(IlRunner) runner = NULL;
  char name[16];

  g_return_val_if_fail (IL_IS_SERVICE (self), NULL);

  if (!il_service_mark_started (self))
    return NULL;

  /* pthread names are limited to 15 bytes plus the terminator. */
  g_strlcpy (name, G_OBJECT_TYPE_NAME (self), sizeof name);

  g_debug ("Starting service %s (%p) on a new thread named %s",
           G_OBJECT_TYPE_NAME (self), (void *) self, name);

  main_context = g_main_context_new ();
  runner = il_runner_new (self, priv->mailbox, main_context,
                          g_strdup_printf ("thread %s", name));
  il_runner_start_on_thread (runner, name, priv->spin_time);

  return il_link_new (priv->mailbox);
}

/**
 * il_service_start_on_context:
 * @self: a service that has not started yet
 * @context: (nullable): the main context to run on, or %NULL for the
 *   global default context
 *
 * Starts the service on an existing main context that the caller
 * iterates, such as the one of a GTK application.
 *
 * Use this for services that touch widgets and for services written in
 * JavaScript. The service handles nothing until @context is iterated.
 *
 * Returns: (transfer full): a new link to the service
 *
 * Since: 0.1
 */
IlLink *
il_service_start_on_context (IlService    *self,
                             GMainContext *context)
{
  IlServicePrivate *priv = il_service_get_instance_private (self);
  g_autoptr(IlRunner) runner = NULL;

  g_return_val_if_fail (IL_IS_SERVICE (self), NULL);

  if (!il_service_mark_started (self))
    return NULL;

  if (context == NULL)
    context = g_main_context_default ();

  runner = il_runner_new (self, priv->mailbox, context,
                          g_strdup_printf ("main context %p%s", (void *) context,
                                           context == g_main_context_default ()
                                           ? " (global default)" : ""));

  g_debug ("Starting service %s (%p) on %s",
           G_OBJECT_TYPE_NAME (self), (void *) self, il_runner_get_where (runner));

  il_runner_start_on_context (runner);

  return il_link_new (priv->mailbox);
}

/**
 * il_service_start_on_executor:
 * @self: a service that has not started yet
 * @executor: the executor to run on
 *
 * Starts the service on one thread of @executor, for the whole life of
 * the service.
 *
 * Handlers, hooks, timers and GIO callbacks run on that thread's main
 * context, as with [method@Interlink.Service.start], but the thread is
 * shared with other services of the executor, so a handler that blocks
 * delays them. The service keeps the executor's threads running until it
 * stops. Services written in JavaScript cannot run on an executor.
 *
 * Returns: (transfer full): a new link to the service
 *
 * Since: 0.1
 */
IlLink *
il_service_start_on_executor (IlService  *self,
                              IlExecutor *executor)
{
  IlServicePrivate *priv = il_service_get_instance_private (self);
  g_autoptr(IlRunner) runner = NULL;
  IlExecutorThread *thread;

  g_return_val_if_fail (IL_IS_SERVICE (self), NULL);
  g_return_val_if_fail (IL_IS_EXECUTOR (executor), NULL);

  if (!il_service_mark_started (self))
    return NULL;

  thread = il_executor_pick_thread (executor);
  runner = il_runner_new (self, priv->mailbox,
                          il_executor_thread_get_context (thread),
                          g_strdup_printf ("executor thread %s",
                                           il_executor_thread_get_name (thread)));

  g_debug ("Starting service %s (%p) on %s",
           G_OBJECT_TYPE_NAME (self), (void *) self, il_runner_get_where (runner));

  il_executor_thread_attach (thread, runner, priv->mailbox);

  return il_link_new (priv->mailbox);
}
