/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <interlink-glib/interlink.h>

#define WAIT_TIMEOUT_SECONDS 10

#define TEST_INT     (-123456789)
#define TEST_UINT    (G_MAXUINT)
#define TEST_INT64   (G_MININT64)
#define TEST_UINT64  (G_MAXUINT64)
#define TEST_DOUBLE  (-2.5e-3)
#define TEST_STRING  "reply from the service"

/* Delay before the deferred reply is answered from another thread. */
#define DEFER_DELAY_MS 50

/* Wait helpers */

typedef gboolean (*TestCondition) (gpointer data);

static gboolean
deadline_reached_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

static gboolean
keep_polling_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates @context until @condition holds, and aborts the test after
 * WAIT_TIMEOUT_SECONDS. A 10 ms tick wakes the context, so conditions set
 * by other threads are seen as well.
 */
static void
iterate_until (GMainContext  *context,
               TestCondition  condition,
               gpointer       data,
               const char    *what)
{
  GSource *deadline;
  GSource *tick;
  gboolean timed_out = FALSE;

  deadline = g_timeout_source_new_seconds (WAIT_TIMEOUT_SECONDS);
  g_source_set_callback (deadline, deadline_reached_cb, &timed_out, NULL);
  g_source_attach (deadline, context);

  tick = g_timeout_source_new (10);
  g_source_set_callback (tick, keep_polling_cb, NULL, NULL);
  g_source_attach (tick, context);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (deadline);
  g_source_unref (deadline);
  g_source_destroy (tick);
  g_source_unref (tick);

  if (!condition (data))
    g_error ("Timed out after %d s waiting for %s", WAIT_TIMEOUT_SECONDS, what);
}

static void
store_result_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **result_out = user_data;

  g_assert_null (*result_out);
  *result_out = g_object_ref (result);
}

static gboolean
result_is_set (gpointer data)
{
  GAsyncResult **result = data;

  return *result != NULL;
}

/* Sends @message with il_link_send_async() and waits for the result on
 * the main thread's context.
 */
static GValue *
send_and_wait (IlLink     *link,
               IlMessage  *message,
               GError    **error)
{
  GAsyncResult *result = NULL;
  GValue *value;

  il_link_send_async (link, message, NULL, store_result_cb, &result);
  iterate_until (g_main_context_default (), result_is_set, &result,
                 "the send result");

  value = il_link_send_finish (link, result, error);
  g_object_unref (result);

  return value;
}

static GValue *
send_new_and_wait (IlLink   *link,
                   GType     message_type,
                   GError  **error)
{
  IlMessage *message;
  GValue *value;

  message = g_object_new (message_type, NULL);
  value = send_and_wait (link, message, error);
  g_object_unref (message);

  return value;
}

static void
stop_and_wait (IlLink *link)
{
  GAsyncResult *result = NULL;
  GError *error = NULL;
  gboolean stopped;

  il_link_stop_async (link, NULL, store_result_cb, &result);
  iterate_until (g_main_context_default (), result_is_set, &result,
                 "the service to stop");

  stopped = il_link_stop_finish (link, result, &error);
  g_assert_no_error (error);
  g_assert_true (stopped);
  g_object_unref (result);
}

static void
value_free (GValue *value)
{
  g_boxed_free (G_TYPE_VALUE, value);
}

/* Messages without properties, one per response type */

/* Defines a final message type without properties whose class declares
 * @response_type.
 */
#define REPLY_DEFINE_TYPED_MESSAGE(TypeName, type_name, TYPE_NAME, response_type) \
  G_DECLARE_FINAL_TYPE (TypeName, type_name, REPLY, TYPE_NAME, IlMessage)         \
  struct _##TypeName                                                              \
  {                                                                               \
    IlMessage parent_instance;                                                    \
  };                                                                              \
  G_DEFINE_TYPE (TypeName, type_name, IL_TYPE_MESSAGE)                            \
  static void                                                                     \
  type_name##_class_init (TypeName##Class *klass)                                 \
  {                                                                               \
    il_message_class_set_response_type (IL_MESSAGE_CLASS (klass),                 \
                                        (response_type));                         \
  }                                                                               \
  static void                                                                     \
  type_name##_init (TypeName *self)                                               \
  {                                                                               \
  }

#define REPLY_TYPE_BOOLEAN_MESSAGE (reply_boolean_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyBooleanMessage, reply_boolean_message,
                            BOOLEAN_MESSAGE, G_TYPE_BOOLEAN)

#define REPLY_TYPE_INT_MESSAGE (reply_int_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyIntMessage, reply_int_message,
                            INT_MESSAGE, G_TYPE_INT)

#define REPLY_TYPE_UINT_MESSAGE (reply_uint_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyUintMessage, reply_uint_message,
                            UINT_MESSAGE, G_TYPE_UINT)

#define REPLY_TYPE_INT64_MESSAGE (reply_int64_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyInt64Message, reply_int64_message,
                            INT64_MESSAGE, G_TYPE_INT64)

#define REPLY_TYPE_UINT64_MESSAGE (reply_uint64_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyUint64Message, reply_uint64_message,
                            UINT64_MESSAGE, G_TYPE_UINT64)

#define REPLY_TYPE_DOUBLE_MESSAGE (reply_double_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyDoubleMessage, reply_double_message,
                            DOUBLE_MESSAGE, G_TYPE_DOUBLE)

#define REPLY_TYPE_STRING_MESSAGE (reply_string_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyStringMessage, reply_string_message,
                            STRING_MESSAGE, G_TYPE_STRING)

#define REPLY_TYPE_VARIANT_MESSAGE (reply_variant_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyVariantMessage, reply_variant_message,
                            VARIANT_MESSAGE, G_TYPE_VARIANT)

/* Answered with il_reply_return_value() and a string array. */
#define REPLY_TYPE_STRV_MESSAGE (reply_strv_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyStrvMessage, reply_strv_message,
                            STRV_MESSAGE, G_TYPE_STRV)

/* Declares gint64 and is answered with il_reply_return_int(). */
#define REPLY_TYPE_INT_TO_INT64_MESSAGE (reply_int_to_int64_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyIntToInt64Message, reply_int_to_int64_message,
                            INT_TO_INT64_MESSAGE, G_TYPE_INT64)

/* Declares gdouble and is answered with il_reply_return_int(). */
#define REPLY_TYPE_INT_TO_DOUBLE_MESSAGE (reply_int_to_double_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyIntToDoubleMessage, reply_int_to_double_message,
                            INT_TO_DOUBLE_MESSAGE, G_TYPE_DOUBLE)

/* Declares gint and is answered with a string. */
#define REPLY_TYPE_WRONG_TYPE_MESSAGE (reply_wrong_type_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyWrongTypeMessage, reply_wrong_type_message,
                            WRONG_TYPE_MESSAGE, G_TYPE_INT)

/* No service in this file has a handler for it. */
#define REPLY_TYPE_ORPHAN_MESSAGE (reply_orphan_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyOrphanMessage, reply_orphan_message,
                            ORPHAN_MESSAGE, G_TYPE_INT)

/* Answered by a class handler and, in some tests, an instance handler. */
#define REPLY_TYPE_PING_MESSAGE (reply_ping_message_get_type ())
REPLY_DEFINE_TYPED_MESSAGE (ReplyPingMessage, reply_ping_message,
                            PING_MESSAGE, G_TYPE_STRING)

/* ReplyLateMessage: the test declares its response type at run time. */

#define REPLY_TYPE_LATE_MESSAGE (reply_late_message_get_type ())
G_DECLARE_FINAL_TYPE (ReplyLateMessage, reply_late_message, REPLY, LATE_MESSAGE, IlMessage)

struct _ReplyLateMessage
{
  IlMessage parent_instance;
};

G_DEFINE_TYPE (ReplyLateMessage, reply_late_message, IL_TYPE_MESSAGE)

static void
reply_late_message_class_init (ReplyLateMessageClass *klass)
{
}

static void
reply_late_message_init (ReplyLateMessage *self)
{
}

/* ReplyObjectMessage: answered with the object in its "payload" property. */

#define REPLY_TYPE_OBJECT_MESSAGE (reply_object_message_get_type ())
G_DECLARE_FINAL_TYPE (ReplyObjectMessage, reply_object_message, REPLY, OBJECT_MESSAGE, IlMessage)

struct _ReplyObjectMessage
{
  IlMessage  parent_instance;

  GObject   *payload;
};

enum
{
  OBJECT_PROP_0,
  OBJECT_PROP_PAYLOAD,
};

G_DEFINE_TYPE (ReplyObjectMessage, reply_object_message, IL_TYPE_MESSAGE)

static void
reply_object_message_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ReplyObjectMessage *self = REPLY_OBJECT_MESSAGE (object);

  switch (prop_id)
    {
    case OBJECT_PROP_PAYLOAD:
      g_value_set_object (value, self->payload);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reply_object_message_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ReplyObjectMessage *self = REPLY_OBJECT_MESSAGE (object);

  switch (prop_id)
    {
    case OBJECT_PROP_PAYLOAD:
      g_set_object (&self->payload, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reply_object_message_dispose (GObject *object)
{
  ReplyObjectMessage *self = REPLY_OBJECT_MESSAGE (object);

  g_clear_object (&self->payload);

  G_OBJECT_CLASS (reply_object_message_parent_class)->dispose (object);
}

static void
reply_object_message_class_init (ReplyObjectMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = reply_object_message_get_property;
  object_class->set_property = reply_object_message_set_property;
  object_class->dispose = reply_object_message_dispose;

  g_object_class_install_property (object_class, OBJECT_PROP_PAYLOAD,
    g_param_spec_object ("payload", NULL, NULL,
                         G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  /* The test sends a GCancellable payload, so the answer must arrive in
   * the declared type GObject rather than in the payload's type.
   */
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_OBJECT);
}

static void
reply_object_message_init (ReplyObjectMessage *self)
{
}

/* ReplyActionMessage and ReplyNoneMessage: the "action" property selects
 * how the handler answers.
 */

typedef enum
{
  ACTION_NONE,
  ACTION_RETURN_ERROR,
  ACTION_TAKE_ERROR,
  ACTION_RETURN_NEW_ERROR,
  ACTION_DEFER_TO_THREAD,
  ACTION_ANSWER_TWICE,
  ACTION_RETURN_EMPTY,
  ACTION_RETURN_INT,
} ReplyAction;

enum
{
  ACTION_PROP_0,
  ACTION_PROP_ACTION,
};

static void
install_action_property (GObjectClass *object_class)
{
  g_object_class_install_property (object_class, ACTION_PROP_ACTION,
    g_param_spec_int ("action", NULL, NULL,
                      ACTION_NONE, ACTION_RETURN_INT, ACTION_NONE,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_STATIC_STRINGS));
}

#define REPLY_TYPE_ACTION_MESSAGE (reply_action_message_get_type ())
G_DECLARE_FINAL_TYPE (ReplyActionMessage, reply_action_message, REPLY, ACTION_MESSAGE, IlMessage)

struct _ReplyActionMessage
{
  IlMessage    parent_instance;

  ReplyAction  action;

  /* The answering thread of ACTION_DEFER_TO_THREAD, joined by the test. */
  GThread     *answer_thread;
};

G_DEFINE_TYPE (ReplyActionMessage, reply_action_message, IL_TYPE_MESSAGE)

static void
reply_action_message_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ReplyActionMessage *self = REPLY_ACTION_MESSAGE (object);

  switch (prop_id)
    {
    case ACTION_PROP_ACTION:
      g_value_set_int (value, self->action);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reply_action_message_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ReplyActionMessage *self = REPLY_ACTION_MESSAGE (object);

  switch (prop_id)
    {
    case ACTION_PROP_ACTION:
      self->action = g_value_get_int (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reply_action_message_class_init (ReplyActionMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = reply_action_message_get_property;
  object_class->set_property = reply_action_message_set_property;

  install_action_property (object_class);
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_INT);
}

static void
reply_action_message_init (ReplyActionMessage *self)
{
}

#define REPLY_TYPE_NONE_MESSAGE (reply_none_message_get_type ())
G_DECLARE_FINAL_TYPE (ReplyNoneMessage, reply_none_message, REPLY, NONE_MESSAGE, IlMessage)

struct _ReplyNoneMessage
{
  IlMessage    parent_instance;

  ReplyAction  action;
};

G_DEFINE_TYPE (ReplyNoneMessage, reply_none_message, IL_TYPE_MESSAGE)

static void
reply_none_message_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ReplyNoneMessage *self = REPLY_NONE_MESSAGE (object);

  switch (prop_id)
    {
    case ACTION_PROP_ACTION:
      g_value_set_int (value, self->action);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reply_none_message_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ReplyNoneMessage *self = REPLY_NONE_MESSAGE (object);

  switch (prop_id)
    {
    case ACTION_PROP_ACTION:
      self->action = g_value_get_int (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reply_none_message_class_init (ReplyNoneMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = reply_none_message_get_property;
  object_class->set_property = reply_none_message_set_property;

  /* The response type stays at the default, G_TYPE_NONE. */
  install_action_property (object_class);
}

static void
reply_none_message_init (ReplyNoneMessage *self)
{
}

/* ReplyBaseMessage and its subclasses, for handler lookup by parent type */

#define REPLY_TYPE_BASE_MESSAGE (reply_base_message_get_type ())
G_DECLARE_DERIVABLE_TYPE (ReplyBaseMessage, reply_base_message, REPLY, BASE_MESSAGE, IlMessage)

struct _ReplyBaseMessageClass
{
  IlMessageClass parent_class;
};

G_DEFINE_TYPE (ReplyBaseMessage, reply_base_message, IL_TYPE_MESSAGE)

static void
reply_base_message_class_init (ReplyBaseMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_STRING);
}

static void
reply_base_message_init (ReplyBaseMessage *self)
{
}

/* Has no handler of its own and inherits the response type. */
#define REPLY_TYPE_DERIVED_MESSAGE (reply_derived_message_get_type ())
G_DECLARE_FINAL_TYPE (ReplyDerivedMessage, reply_derived_message, REPLY, DERIVED_MESSAGE, ReplyBaseMessage)

struct _ReplyDerivedMessage
{
  ReplyBaseMessage parent_instance;
};

G_DEFINE_TYPE (ReplyDerivedMessage, reply_derived_message, REPLY_TYPE_BASE_MESSAGE)

static void
reply_derived_message_class_init (ReplyDerivedMessageClass *klass)
{
}

static void
reply_derived_message_init (ReplyDerivedMessage *self)
{
}

/* Has a handler of its own besides the one of its parent type. */
#define REPLY_TYPE_OWN_HANDLER_MESSAGE (reply_own_handler_message_get_type ())
G_DECLARE_FINAL_TYPE (ReplyOwnHandlerMessage, reply_own_handler_message, REPLY, OWN_HANDLER_MESSAGE, ReplyBaseMessage)

struct _ReplyOwnHandlerMessage
{
  ReplyBaseMessage parent_instance;
};

G_DEFINE_TYPE (ReplyOwnHandlerMessage, reply_own_handler_message, REPLY_TYPE_BASE_MESSAGE)

static void
reply_own_handler_message_class_init (ReplyOwnHandlerMessageClass *klass)
{
}

static void
reply_own_handler_message_init (ReplyOwnHandlerMessage *self)
{
}

/* Handlers */

static void
handle_typed_message (IlService        *service,
                      IlMessage        *message,
                      IlServiceContext *context,
                      IlReply          *reply)
{
  GType type = G_OBJECT_TYPE (message);

  if (type == REPLY_TYPE_BOOLEAN_MESSAGE)
    il_reply_return_boolean (reply, TRUE);
  else if (type == REPLY_TYPE_INT_MESSAGE)
    il_reply_return_int (reply, TEST_INT);
  else if (type == REPLY_TYPE_UINT_MESSAGE)
    il_reply_return_uint (reply, TEST_UINT);
  else if (type == REPLY_TYPE_INT64_MESSAGE)
    il_reply_return_int64 (reply, TEST_INT64);
  else if (type == REPLY_TYPE_UINT64_MESSAGE)
    il_reply_return_uint64 (reply, TEST_UINT64);
  else if (type == REPLY_TYPE_DOUBLE_MESSAGE)
    il_reply_return_double (reply, TEST_DOUBLE);
  else if (type == REPLY_TYPE_STRING_MESSAGE)
    il_reply_return_string (reply, TEST_STRING);
  else if (type == REPLY_TYPE_VARIANT_MESSAGE)
    il_reply_return_variant (reply, g_variant_new ("(sx)", TEST_STRING, TEST_INT64));
  else if (type == REPLY_TYPE_INT_TO_INT64_MESSAGE)
    il_reply_return_int (reply, -7);
  else if (type == REPLY_TYPE_INT_TO_DOUBLE_MESSAGE)
    il_reply_return_int (reply, 3);
  else if (type == REPLY_TYPE_WRONG_TYPE_MESSAGE)
    il_reply_return_string (reply, "not a number");
  else if (type == REPLY_TYPE_LATE_MESSAGE)
    il_reply_return_uint64 (reply, TEST_UINT64);
  else
    g_assert_not_reached ();
}

static void
handle_strv_message (IlService        *service,
                     IlMessage        *message,
                     IlServiceContext *context,
                     IlReply          *reply)
{
  const char * const strv[] = { "first", "second", NULL };
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRV);
  g_value_set_boxed (&value, strv);
  il_reply_return_value (reply, &value);
  g_value_unset (&value);
}

static void
handle_object_message (IlService        *service,
                       IlMessage        *message,
                       IlServiceContext *context,
                       IlReply          *reply)
{
  il_reply_return_object (reply, REPLY_OBJECT_MESSAGE (message)->payload);
}

static gpointer
answer_later_thread (gpointer data)
{
  IlReply *reply = data;

  g_usleep (DEFER_DELAY_MS * 1000);
  il_reply_return_int (reply, TEST_INT);
  g_object_unref (reply);

  return NULL;
}

static void
handle_action_message (IlService        *service,
                       IlMessage        *message,
                       IlServiceContext *context,
                       IlReply          *reply)
{
  ReplyActionMessage *self = REPLY_ACTION_MESSAGE (message);
  GError *error;

  switch (self->action)
    {
    case ACTION_NONE:
      break;

    case ACTION_RETURN_ERROR:
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                   "Copied error");
      il_reply_return_error (reply, error);
      g_error_free (error);
      break;

    case ACTION_TAKE_ERROR:
      il_reply_take_error (reply, g_error_new_literal (G_IO_ERROR,
                                                       G_IO_ERROR_PERMISSION_DENIED,
                                                       "Taken error"));
      break;

    case ACTION_RETURN_NEW_ERROR:
      il_reply_return_new_error (reply, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 "Formatted error %d of %s", 42, "reply");
      break;

    case ACTION_DEFER_TO_THREAD:
      self->answer_thread = g_thread_new ("reply-answer", answer_later_thread,
                                          g_object_ref (reply));
      break;

    case ACTION_ANSWER_TWICE:
      il_reply_return_int (reply, 1);
      g_assert_true (il_reply_is_answered (reply));
      il_reply_return_int (reply, 2);
      break;

    case ACTION_RETURN_EMPTY:
    case ACTION_RETURN_INT:
    default:
      g_assert_not_reached ();
    }
}

static void
handle_none_message (IlService        *service,
                     IlMessage        *message,
                     IlServiceContext *context,
                     IlReply          *reply)
{
  switch (REPLY_NONE_MESSAGE (message)->action)
    {
    case ACTION_NONE:
      break;

    case ACTION_RETURN_EMPTY:
      il_reply_return_value (reply, NULL);
      break;

    case ACTION_RETURN_INT:
      il_reply_return_int (reply, 1);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
reply_with_handler_and_type (IlReply    *reply,
                             const char *handler,
                             IlMessage  *message)
{
  char *text;

  text = g_strdup_printf ("%s handler: %s", handler, G_OBJECT_TYPE_NAME (message));
  il_reply_return_string (reply, text);
  g_free (text);
}

static void
handle_base_message (IlService        *service,
                     IlMessage        *message,
                     IlServiceContext *context,
                     IlReply          *reply)
{
  reply_with_handler_and_type (reply, "base", message);
}

static void
handle_own_handler_message (IlService        *service,
                            IlMessage        *message,
                            IlServiceContext *context,
                            IlReply          *reply)
{
  reply_with_handler_and_type (reply, "own", message);
}

static void
handle_ping_in_class (IlService        *service,
                      IlMessage        *message,
                      IlServiceContext *context,
                      IlReply          *reply)
{
  il_reply_return_string (reply, "class handler");
}

/* ReplyTestService: class handlers for every message type except
 * ReplyOrphanMessage.
 */

#define REPLY_TYPE_TEST_SERVICE (reply_test_service_get_type ())
G_DECLARE_FINAL_TYPE (ReplyTestService, reply_test_service, REPLY, TEST_SERVICE, IlService)

struct _ReplyTestService
{
  IlService parent_instance;
};

G_DEFINE_TYPE (ReplyTestService, reply_test_service, IL_TYPE_SERVICE)

static void
reply_test_service_class_init (ReplyTestServiceClass *klass)
{
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);
  const GType typed_messages[] = {
    REPLY_TYPE_BOOLEAN_MESSAGE,
    REPLY_TYPE_INT_MESSAGE,
    REPLY_TYPE_UINT_MESSAGE,
    REPLY_TYPE_INT64_MESSAGE,
    REPLY_TYPE_UINT64_MESSAGE,
    REPLY_TYPE_DOUBLE_MESSAGE,
    REPLY_TYPE_STRING_MESSAGE,
    REPLY_TYPE_VARIANT_MESSAGE,
    REPLY_TYPE_INT_TO_INT64_MESSAGE,
    REPLY_TYPE_INT_TO_DOUBLE_MESSAGE,
    REPLY_TYPE_WRONG_TYPE_MESSAGE,
    REPLY_TYPE_LATE_MESSAGE,
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (typed_messages); i++)
    il_service_class_add_handler (service_class, typed_messages[i],
                                  handle_typed_message);

  il_service_class_add_handler (service_class, REPLY_TYPE_STRV_MESSAGE,
                                handle_strv_message);
  il_service_class_add_handler (service_class, REPLY_TYPE_OBJECT_MESSAGE,
                                handle_object_message);
  il_service_class_add_handler (service_class, REPLY_TYPE_ACTION_MESSAGE,
                                handle_action_message);
  il_service_class_add_handler (service_class, REPLY_TYPE_NONE_MESSAGE,
                                handle_none_message);
  il_service_class_add_handler (service_class, REPLY_TYPE_BASE_MESSAGE,
                                handle_base_message);
  il_service_class_add_handler (service_class, REPLY_TYPE_OWN_HANDLER_MESSAGE,
                                handle_own_handler_message);
  il_service_class_add_handler (service_class, REPLY_TYPE_PING_MESSAGE,
                                handle_ping_in_class);
}

static void
reply_test_service_init (ReplyTestService *self)
{
}

/* ReplyCustomService: overrides the handle vfunc for ReplyPingMessage and
 * chains up for everything else.
 */

#define REPLY_TYPE_CUSTOM_SERVICE (reply_custom_service_get_type ())
G_DECLARE_FINAL_TYPE (ReplyCustomService, reply_custom_service, REPLY, CUSTOM_SERVICE, IlService)

struct _ReplyCustomService
{
  IlService parent_instance;
};

G_DEFINE_TYPE (ReplyCustomService, reply_custom_service, IL_TYPE_SERVICE)

static void
reply_custom_service_handle (IlService        *service,
                             IlMessage        *message,
                             IlServiceContext *context,
                             IlReply          *reply)
{
  if (REPLY_IS_PING_MESSAGE (message))
    {
      il_reply_return_string (reply, "handle override");
      return;
    }

  IL_SERVICE_CLASS (reply_custom_service_parent_class)->handle (service, message,
                                                               context, reply);
}

static void
reply_custom_service_class_init (ReplyCustomServiceClass *klass)
{
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  service_class->handle = reply_custom_service_handle;

  /* The overridden handle vfunc answers pings, so this handler never runs. */
  il_service_class_add_handler (service_class, REPLY_TYPE_PING_MESSAGE,
                                handle_ping_in_class);
  il_service_class_add_handler (service_class, REPLY_TYPE_INT_MESSAGE,
                                handle_typed_message);
}

static void
reply_custom_service_init (ReplyCustomService *self)
{
}

static IlLink *
start_service (GType service_type)
{
  IlService *service;
  IlLink *link;

  service = g_object_new (service_type, NULL);
  link = il_service_start (service);
  g_object_unref (service);

  return link;
}

/* Sends a new message of @message_type to a fresh ReplyTestService and
 * returns the value, failing the test on an error.
 */
static GValue *
send_to_test_service (GType message_type)
{
  IlLink *link;
  GValue *value;
  GError *error = NULL;

  link = start_service (REPLY_TYPE_TEST_SERVICE);
  value = send_new_and_wait (link, message_type, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);

  stop_and_wait (link);
  g_object_unref (link);

  return value;
}

/* Sends a ReplyActionMessage or ReplyNoneMessage with @action and returns
 * the value and error.
 */
static GValue *
send_action (GType         message_type,
             ReplyAction   action,
             GError      **error)
{
  IlLink *link;
  IlMessage *message;
  GValue *value;

  link = start_service (REPLY_TYPE_TEST_SERVICE);
  message = g_object_new (message_type, "action", action, NULL);
  value = send_and_wait (link, message, error);

  stop_and_wait (link);
  g_object_unref (message);
  g_object_unref (link);

  return value;
}

/* Typed helpers */

static void
test_reply_boolean (void)
{
  GValue *value;

  g_test_summary ("il_reply_return_boolean() arrives as a gboolean");

  value = send_to_test_service (REPLY_TYPE_BOOLEAN_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_BOOLEAN));
  g_assert_true (g_value_get_boolean (value));
  value_free (value);
}

static void
test_reply_int (void)
{
  GValue *value;

  g_test_summary ("il_reply_return_int() arrives as a gint");

  value = send_to_test_service (REPLY_TYPE_INT_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT));
  g_assert_cmpint (g_value_get_int (value), ==, TEST_INT);
  value_free (value);
}

static void
test_reply_uint (void)
{
  GValue *value;

  g_test_summary ("il_reply_return_uint() arrives as a guint");

  value = send_to_test_service (REPLY_TYPE_UINT_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_UINT));
  g_assert_cmpuint (g_value_get_uint (value), ==, TEST_UINT);
  value_free (value);
}

static void
test_reply_int64 (void)
{
  GValue *value;

  g_test_summary ("il_reply_return_int64() arrives as a gint64");

  value = send_to_test_service (REPLY_TYPE_INT64_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT64));
  g_assert_cmpint (g_value_get_int64 (value), ==, TEST_INT64);
  value_free (value);
}

static void
test_reply_uint64 (void)
{
  GValue *value;

  g_test_summary ("il_reply_return_uint64() arrives as a guint64");

  value = send_to_test_service (REPLY_TYPE_UINT64_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_UINT64));
  g_assert_cmpuint (g_value_get_uint64 (value), ==, TEST_UINT64);
  value_free (value);
}

static void
test_reply_double (void)
{
  GValue *value;

  g_test_summary ("il_reply_return_double() arrives as a gdouble");

  value = send_to_test_service (REPLY_TYPE_DOUBLE_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_DOUBLE));
  g_assert_cmpfloat (g_value_get_double (value), ==, TEST_DOUBLE);
  value_free (value);
}

static void
test_reply_string (void)
{
  GValue *value;

  g_test_summary ("il_reply_return_string() arrives as a copy of the string");

  value = send_to_test_service (REPLY_TYPE_STRING_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_STRING));
  g_assert_cmpstr (g_value_get_string (value), ==, TEST_STRING);
  value_free (value);
}

static void
test_reply_object (void)
{
  IlLink *link;
  IlMessage *message;
  GCancellable *payload;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_reply_return_object() arrives as the same object, in the "
                  "declared response type when the object is of a subtype");

  payload = g_cancellable_new ();
  link = start_service (REPLY_TYPE_TEST_SERVICE);
  message = g_object_new (REPLY_TYPE_OBJECT_MESSAGE, "payload", payload, NULL);

  value = send_and_wait (link, message, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_OBJECT));
  g_assert_true (g_value_get_object (value) == (gpointer) payload);

  stop_and_wait (link);
  value_free (value);
  g_object_unref (message);
  g_object_unref (link);
  g_object_unref (payload);
}

static void
test_reply_variant (void)
{
  GValue *value;
  GVariant *expected;

  g_test_summary ("il_reply_return_variant() arrives as an equal GVariant");

  value = send_to_test_service (REPLY_TYPE_VARIANT_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_VARIANT));

  expected = g_variant_ref_sink (g_variant_new ("(sx)", TEST_STRING, TEST_INT64));
  g_assert_nonnull (g_value_get_variant (value));
  g_assert_false (g_variant_is_floating (g_value_get_variant (value)));
  g_assert_true (g_variant_equal (g_value_get_variant (value), expected));

  g_variant_unref (expected);
  value_free (value);
}

static void
test_reply_value (void)
{
  GValue *value;
  const char * const *strv;

  g_test_summary ("il_reply_return_value() arrives as a copy of a boxed value");

  value = send_to_test_service (REPLY_TYPE_STRV_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_STRV));

  strv = g_value_get_boxed (value);
  g_assert_nonnull (strv);
  g_assert_cmpuint (g_strv_length ((char **) strv), ==, 2);
  g_assert_cmpstr (strv[0], ==, "first");
  g_assert_cmpstr (strv[1], ==, "second");

  value_free (value);
}

/* Conversion and type checks */

static void
test_reply_convert_int_to_int64 (void)
{
  GValue *value;

  g_test_summary ("An int answer to a message that declares gint64 arrives "
                  "converted to gint64");

  value = send_to_test_service (REPLY_TYPE_INT_TO_INT64_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT64));
  g_assert_cmpint (g_value_get_int64 (value), ==, -7);
  value_free (value);
}

static void
test_reply_convert_int_to_double (void)
{
  GValue *value;

  g_test_summary ("An int answer to a message that declares gdouble arrives "
                  "converted to gdouble");

  value = send_to_test_service (REPLY_TYPE_INT_TO_DOUBLE_MESSAGE);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_DOUBLE));
  g_assert_cmpfloat (g_value_get_double (value), ==, 3.0);
  value_free (value);
}

static void
test_reply_wrong_type (void)
{
  IlLink *link;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("A string answer to a message that declares gint fails with "
                  "IL_LINK_ERROR_INVALID_RESPONSE and logs a critical");

  link = start_service (REPLY_TYPE_TEST_SERVICE);

  g_test_expect_message ("Interlink", G_LOG_LEVEL_CRITICAL, "*");
  value = send_new_and_wait (link, REPLY_TYPE_WRONG_TYPE_MESSAGE, &error);
  g_test_assert_expected_messages ();

  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_INVALID_RESPONSE);
  g_assert_null (value);

  stop_and_wait (link);
  g_clear_error (&error);
  g_object_unref (link);
}

static void
test_reply_value_for_none (void)
{
  IlLink *link;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("A value answer to a message that declares G_TYPE_NONE fails "
                  "with IL_LINK_ERROR_INVALID_RESPONSE and logs a critical");

  link = start_service (REPLY_TYPE_TEST_SERVICE);
  message = g_object_new (REPLY_TYPE_NONE_MESSAGE, "action", ACTION_RETURN_INT, NULL);

  g_test_expect_message ("Interlink", G_LOG_LEVEL_CRITICAL, "*");
  value = send_and_wait (link, message, &error);
  g_test_assert_expected_messages ();

  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_INVALID_RESPONSE);
  g_assert_null (value);

  stop_and_wait (link);
  g_clear_error (&error);
  g_object_unref (message);
  g_object_unref (link);
}

/* Errors */

static void
test_reply_return_error (void)
{
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_reply_return_error() fails the request with a copy of "
                  "the error");

  value = send_action (REPLY_TYPE_ACTION_MESSAGE, ACTION_RETURN_ERROR, &error);
  g_assert_null (value);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "Copied error");
  g_clear_error (&error);
}

static void
test_reply_take_error (void)
{
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_reply_take_error() fails the request with the error");

  value = send_action (REPLY_TYPE_ACTION_MESSAGE, ACTION_TAKE_ERROR, &error);
  g_assert_null (value);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "Taken error");
  g_clear_error (&error);
}

static void
test_reply_return_new_error (void)
{
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_reply_return_new_error() fails the request with a "
                  "formatted error");

  value = send_action (REPLY_TYPE_ACTION_MESSAGE, ACTION_RETURN_NEW_ERROR, &error);
  g_assert_null (value);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpstr (error->message, ==, "Formatted error 42 of reply");
  g_clear_error (&error);
}

/* Unanswered and late replies */

static void
test_reply_none_without_answer (void)
{
  GValue *value;
  GError *error = NULL;

  g_test_summary ("A G_TYPE_NONE message whose handler does not answer "
                  "completes with no value and no error");

  value = send_action (REPLY_TYPE_NONE_MESSAGE, ACTION_NONE, &error);
  g_assert_no_error (error);
  g_assert_null (value);
}

static void
test_reply_none_empty_answer (void)
{
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_reply_return_value() with NULL answers a G_TYPE_NONE "
                  "message with no value and no error");

  value = send_action (REPLY_TYPE_NONE_MESSAGE, ACTION_RETURN_EMPTY, &error);
  g_assert_no_error (error);
  g_assert_null (value);
}

static void
test_reply_dropped (void)
{
  GValue *value;
  GError *error = NULL;

  g_test_summary ("A reply the handler drops without answering fails with "
                  "IL_LINK_ERROR_NO_REPLY");

  value = send_action (REPLY_TYPE_ACTION_MESSAGE, ACTION_NONE, &error);
  g_assert_null (value);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_NO_REPLY);
  g_clear_error (&error);
}

static void
test_reply_deferred_from_thread (void)
{
  IlLink *link;
  ReplyActionMessage *message;
  GValue *value;
  GError *error = NULL;
  gint64 start_time;
  gint64 elapsed;

  g_test_summary ("A handler keeps a reference to the reply and another thread "
                  "answers it after the handler returned");

  link = start_service (REPLY_TYPE_TEST_SERVICE);
  message = g_object_new (REPLY_TYPE_ACTION_MESSAGE,
                          "action", ACTION_DEFER_TO_THREAD,
                          NULL);

  start_time = g_get_monotonic_time ();
  value = send_and_wait (link, IL_MESSAGE (message), &error);
  elapsed = g_get_monotonic_time () - start_time;

  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT));
  g_assert_cmpint (g_value_get_int (value), ==, TEST_INT);
  g_assert_cmpint (elapsed, >=, DEFER_DELAY_MS * 1000);

  g_assert_nonnull (message->answer_thread);
  g_thread_join (message->answer_thread);

  stop_and_wait (link);
  value_free (value);
  g_object_unref (message);
  g_object_unref (link);
}

static void
test_reply_second_answer_ignored (void)
{
  IlLink *link;
  IlMessage *message;
  GValue *value;
  GValue *barrier_value;
  GError *error = NULL;

  g_test_summary ("A second answer logs a critical and is ignored; the first "
                  "answer reaches the sender");

  link = start_service (REPLY_TYPE_TEST_SERVICE);
  message = g_object_new (REPLY_TYPE_ACTION_MESSAGE,
                          "action", ACTION_ANSWER_TWICE,
                          NULL);

  g_test_expect_message ("Interlink", G_LOG_LEVEL_CRITICAL, "*");
  value = send_and_wait (link, message, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT));
  g_assert_cmpint (g_value_get_int (value), ==, 1);

  /* The first answer can arrive before the handler gave the second one.
   * The service handles the next message only after the handler returned.
   */
  barrier_value = send_new_and_wait (link, REPLY_TYPE_INT_MESSAGE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (barrier_value);
  g_test_assert_expected_messages ();

  stop_and_wait (link);
  value_free (barrier_value);
  value_free (value);
  g_object_unref (message);
  g_object_unref (link);
}

/* Handler lookup */

static void
test_reply_unhandled (void)
{
  IlLink *link;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("A message without a handler fails with "
                  "IL_LINK_ERROR_UNHANDLED");

  link = start_service (REPLY_TYPE_TEST_SERVICE);
  value = send_new_and_wait (link, REPLY_TYPE_ORPHAN_MESSAGE, &error);
  g_assert_null (value);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_UNHANDLED);

  stop_and_wait (link);
  g_clear_error (&error);
  g_object_unref (link);
}

static void
test_reply_parent_handler (void)
{
  IlLink *link;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("The handler of a parent message type handles a subclass "
                  "that has no handler of its own, and a subclass handler "
                  "takes precedence over the parent's");

  g_assert_cmpstr (g_type_name (il_message_type_get_response_type (REPLY_TYPE_DERIVED_MESSAGE)),
                   ==, g_type_name (G_TYPE_STRING));

  link = start_service (REPLY_TYPE_TEST_SERVICE);

  value = send_new_and_wait (link, REPLY_TYPE_DERIVED_MESSAGE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (g_value_get_string (value), ==, "base handler: ReplyDerivedMessage");
  value_free (value);

  value = send_new_and_wait (link, REPLY_TYPE_OWN_HANDLER_MESSAGE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (g_value_get_string (value), ==, "own handler: ReplyOwnHandlerMessage");
  value_free (value);

  value = send_new_and_wait (link, REPLY_TYPE_BASE_MESSAGE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (g_value_get_string (value), ==, "base handler: ReplyBaseMessage");
  value_free (value);

  stop_and_wait (link);
  g_object_unref (link);
}

static void
handle_ping_in_instance (IlService        *service,
                         IlMessage        *message,
                         IlServiceContext *context,
                         IlReply          *reply,
                         gpointer          user_data)
{
  il_reply_return_string (reply, user_data);
}

/* Counts the runs of the instance handler's destroy notify. */
static gint instance_notify_count;

static void
instance_data_free (gpointer data)
{
  g_assert_cmpstr (data, ==, "instance handler");
  g_atomic_int_inc (&instance_notify_count);
}

static void
test_reply_instance_handler (void)
{
  IlService *service;
  IlLink *link;
  GValue *value;
  GError *error = NULL;
  GWeakRef service_ref;
  GObject *alive;

  g_test_summary ("A handler added to the instance takes precedence over the "
                  "class handler, gets its user data, and its destroy notify "
                  "runs exactly once");

  g_atomic_int_set (&instance_notify_count, 0);

  service = g_object_new (REPLY_TYPE_TEST_SERVICE, NULL);
  il_service_add_handler (service, REPLY_TYPE_PING_MESSAGE,
                          handle_ping_in_instance,
                          (gpointer) "instance handler", instance_data_free);
  g_weak_ref_init (&service_ref, service);

  link = il_service_start (service);
  g_object_unref (service);

  value = send_new_and_wait (link, REPLY_TYPE_PING_MESSAGE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (g_value_get_string (value), ==, "instance handler");
  value_free (value);

  /* Other message types still go to the class handlers. */
  value = send_new_and_wait (link, REPLY_TYPE_INT_MESSAGE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpint (g_value_get_int (value), ==, TEST_INT);
  value_free (value);

  stop_and_wait (link);
  g_object_unref (link);

  /* Once stopped, the runner released the last reference. */
  alive = g_weak_ref_get (&service_ref);
  g_assert_null (alive);
  g_weak_ref_clear (&service_ref);

  g_assert_cmpint (g_atomic_int_get (&instance_notify_count), ==, 1);
}

static void
test_reply_late_response_type (void)
{
  IlLink *link;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_message_type_set_response_type() declares the response "
                  "type from outside class_init");

  il_message_type_set_response_type (REPLY_TYPE_LATE_MESSAGE, G_TYPE_UINT64);
  g_assert_cmpstr (g_type_name (il_message_type_get_response_type (REPLY_TYPE_LATE_MESSAGE)),
                   ==, g_type_name (G_TYPE_UINT64));

  message = g_object_new (REPLY_TYPE_LATE_MESSAGE, NULL);
  g_assert_cmpstr (g_type_name (il_message_get_response_type (message)),
                   ==, g_type_name (G_TYPE_UINT64));

  link = start_service (REPLY_TYPE_TEST_SERVICE);
  value = send_and_wait (link, message, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_UINT64));
  g_assert_cmpuint (g_value_get_uint64 (value), ==, TEST_UINT64);

  stop_and_wait (link);
  value_free (value);
  g_object_unref (message);
  g_object_unref (link);
}

static void
test_reply_handle_override (void)
{
  IlLink *link;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("A service that overrides the handle vfunc answers before the "
                  "class handlers, and chaining up dispatches to them");

  link = start_service (REPLY_TYPE_CUSTOM_SERVICE);

  value = send_new_and_wait (link, REPLY_TYPE_PING_MESSAGE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (g_value_get_string (value), ==, "handle override");
  value_free (value);

  value = send_new_and_wait (link, REPLY_TYPE_INT_MESSAGE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpint (g_value_get_int (value), ==, TEST_INT);
  value_free (value);

  value = send_new_and_wait (link, REPLY_TYPE_ORPHAN_MESSAGE, &error);
  g_assert_null (value);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_UNHANDLED);
  g_clear_error (&error);

  stop_and_wait (link);
  g_object_unref (link);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reply/boolean", test_reply_boolean);
  g_test_add_func ("/reply/int", test_reply_int);
  g_test_add_func ("/reply/uint", test_reply_uint);
  g_test_add_func ("/reply/int64", test_reply_int64);
  g_test_add_func ("/reply/uint64", test_reply_uint64);
  g_test_add_func ("/reply/double", test_reply_double);
  g_test_add_func ("/reply/string", test_reply_string);
  g_test_add_func ("/reply/object", test_reply_object);
  g_test_add_func ("/reply/variant", test_reply_variant);
  g_test_add_func ("/reply/value", test_reply_value);

  g_test_add_func ("/reply/convert-int-to-int64", test_reply_convert_int_to_int64);
  g_test_add_func ("/reply/convert-int-to-double", test_reply_convert_int_to_double);
  g_test_add_func ("/reply/wrong-type", test_reply_wrong_type);
  g_test_add_func ("/reply/value-for-none", test_reply_value_for_none);

  g_test_add_func ("/reply/return-error", test_reply_return_error);
  g_test_add_func ("/reply/take-error", test_reply_take_error);
  g_test_add_func ("/reply/return-new-error", test_reply_return_new_error);

  g_test_add_func ("/reply/none-without-answer", test_reply_none_without_answer);
  g_test_add_func ("/reply/none-empty-answer", test_reply_none_empty_answer);
  g_test_add_func ("/reply/dropped", test_reply_dropped);
  g_test_add_func ("/reply/deferred-from-thread", test_reply_deferred_from_thread);
  g_test_add_func ("/reply/second-answer-ignored", test_reply_second_answer_ignored);

  g_test_add_func ("/reply/unhandled", test_reply_unhandled);
  g_test_add_func ("/reply/parent-handler", test_reply_parent_handler);
  g_test_add_func ("/reply/instance-handler", test_reply_instance_handler);
  g_test_add_func ("/reply/late-response-type", test_reply_late_response_type);
  g_test_add_func ("/reply/handle-override", test_reply_handle_override);

  return g_test_run ();
}
