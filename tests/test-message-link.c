/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <interlink-glib/interlink.h>

#define WAIT_TIMEOUT_SECONDS 10

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

/* Iterates the global default main context until @condition holds, and
 * aborts the test after WAIT_TIMEOUT_SECONDS. A 10 ms tick wakes the
 * context, so conditions set by other threads are seen as well.
 */
static void
iterate_until (TestCondition  condition,
               gpointer       data,
               const char    *what)
{
  GMainContext *context = g_main_context_default ();
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

static void
stop_and_wait (IlLink *link)
{
  GAsyncResult *result = NULL;
  GError *error = NULL;
  gboolean stopped;

  il_link_stop_async (link, NULL, store_result_cb, &result);
  iterate_until (result_is_set, &result, "the service to stop");

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

/* MlQueryMessage: answered with its "text" property in upper case */

#define ML_TYPE_QUERY_MESSAGE (ml_query_message_get_type ())
G_DECLARE_FINAL_TYPE (MlQueryMessage, ml_query_message, ML, QUERY_MESSAGE, IlMessage)

struct _MlQueryMessage
{
  IlMessage  parent_instance;

  char      *text;
};

enum
{
  QUERY_PROP_0,
  QUERY_PROP_TEXT,
};

G_DEFINE_TYPE (MlQueryMessage, ml_query_message, IL_TYPE_MESSAGE)

static void
ml_query_message_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MlQueryMessage *self = ML_QUERY_MESSAGE (object);

  switch (prop_id)
    {
    case QUERY_PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ml_query_message_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  MlQueryMessage *self = ML_QUERY_MESSAGE (object);

  switch (prop_id)
    {
    case QUERY_PROP_TEXT:
      g_free (self->text);
      self->text = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ml_query_message_finalize (GObject *object)
{
  MlQueryMessage *self = ML_QUERY_MESSAGE (object);

  g_free (self->text);

  G_OBJECT_CLASS (ml_query_message_parent_class)->finalize (object);
}

static void
ml_query_message_class_init (MlQueryMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ml_query_message_get_property;
  object_class->set_property = ml_query_message_set_property;
  object_class->finalize = ml_query_message_finalize;

  g_object_class_install_property (object_class, QUERY_PROP_TEXT,
    g_param_spec_string ("text", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_STRING);
}

static void
ml_query_message_init (MlQueryMessage *self)
{
}

static IlMessage *
query_message_new (const char *text)
{
  return g_object_new (ML_TYPE_QUERY_MESSAGE, "text", text, NULL);
}

/* MlOtherMessage: handled by the service, but of another type than the
 * message links in the tests are for.
 */

#define ML_TYPE_OTHER_MESSAGE (ml_other_message_get_type ())
G_DECLARE_FINAL_TYPE (MlOtherMessage, ml_other_message, ML, OTHER_MESSAGE, IlMessage)

struct _MlOtherMessage
{
  IlMessage parent_instance;
};

G_DEFINE_TYPE (MlOtherMessage, ml_other_message, IL_TYPE_MESSAGE)

static void
ml_other_message_class_init (MlOtherMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_STRING);
}

static void
ml_other_message_init (MlOtherMessage *self)
{
}

/* MlUnhandledMessage: MlTestService has no handler for it. */

#define ML_TYPE_UNHANDLED_MESSAGE (ml_unhandled_message_get_type ())
G_DECLARE_FINAL_TYPE (MlUnhandledMessage, ml_unhandled_message, ML, UNHANDLED_MESSAGE, IlMessage)

struct _MlUnhandledMessage
{
  IlMessage parent_instance;
};

G_DEFINE_TYPE (MlUnhandledMessage, ml_unhandled_message, IL_TYPE_MESSAGE)

static void
ml_unhandled_message_class_init (MlUnhandledMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_STRING);
}

static void
ml_unhandled_message_init (MlUnhandledMessage *self)
{
}

/* MlBaseMessage and MlChildMessage: the child is handled by the handler of
 * its parent type.
 */

#define ML_TYPE_BASE_MESSAGE (ml_base_message_get_type ())
G_DECLARE_DERIVABLE_TYPE (MlBaseMessage, ml_base_message, ML, BASE_MESSAGE, IlMessage)

struct _MlBaseMessageClass
{
  IlMessageClass parent_class;
};

G_DEFINE_TYPE (MlBaseMessage, ml_base_message, IL_TYPE_MESSAGE)

static void
ml_base_message_class_init (MlBaseMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_STRING);
}

static void
ml_base_message_init (MlBaseMessage *self)
{
}

#define ML_TYPE_CHILD_MESSAGE (ml_child_message_get_type ())
G_DECLARE_FINAL_TYPE (MlChildMessage, ml_child_message, ML, CHILD_MESSAGE, MlBaseMessage)

struct _MlChildMessage
{
  MlBaseMessage parent_instance;
};

G_DEFINE_TYPE (MlChildMessage, ml_child_message, ML_TYPE_BASE_MESSAGE)

static void
ml_child_message_class_init (MlChildMessageClass *klass)
{
}

static void
ml_child_message_init (MlChildMessage *self)
{
}

/* MlTestService */

#define ML_TYPE_TEST_SERVICE (ml_test_service_get_type ())
G_DECLARE_FINAL_TYPE (MlTestService, ml_test_service, ML, TEST_SERVICE, IlService)

struct _MlTestService
{
  IlService  parent_instance;

  /* Written only by handlers. The test reads them after a reply arrived. */
  GPtrArray *query_texts;
  guint      other_handled;
};

G_DEFINE_TYPE (MlTestService, ml_test_service, IL_TYPE_SERVICE)

static void
handle_query (IlService        *service,
              IlMessage        *message,
              IlServiceContext *context,
              IlReply          *reply)
{
  MlTestService *self = ML_TEST_SERVICE (service);
  const char *text = ML_QUERY_MESSAGE (message)->text;
  char *upper;

  g_ptr_array_add (self->query_texts, g_strdup (text));

  upper = g_ascii_strup (text, -1);
  il_reply_return_string (reply, upper);
  g_free (upper);
}

static void
handle_other (IlService        *service,
              IlMessage        *message,
              IlServiceContext *context,
              IlReply          *reply)
{
  ML_TEST_SERVICE (service)->other_handled++;
  il_reply_return_string (reply, "other");
}

static void
handle_base (IlService        *service,
             IlMessage        *message,
             IlServiceContext *context,
             IlReply          *reply)
{
  il_reply_return_string (reply, G_OBJECT_TYPE_NAME (message));
}

static void
ml_test_service_finalize (GObject *object)
{
  MlTestService *self = ML_TEST_SERVICE (object);

  g_ptr_array_unref (self->query_texts);

  G_OBJECT_CLASS (ml_test_service_parent_class)->finalize (object);
}

static void
ml_test_service_class_init (MlTestServiceClass *klass)
{
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ml_test_service_finalize;

  il_service_class_add_handler (service_class, ML_TYPE_QUERY_MESSAGE, handle_query);
  il_service_class_add_handler (service_class, ML_TYPE_OTHER_MESSAGE, handle_other);
  il_service_class_add_handler (service_class, ML_TYPE_BASE_MESSAGE, handle_base);
}

static void
ml_test_service_init (MlTestService *self)
{
  self->query_texts = g_ptr_array_new_with_free_func (g_free);
}

/* MlCustomService: overrides the handle vfunc and registers no handlers */

#define ML_TYPE_CUSTOM_SERVICE (ml_custom_service_get_type ())
G_DECLARE_FINAL_TYPE (MlCustomService, ml_custom_service, ML, CUSTOM_SERVICE, IlService)

struct _MlCustomService
{
  IlService parent_instance;
};

G_DEFINE_TYPE (MlCustomService, ml_custom_service, IL_TYPE_SERVICE)

static void
ml_custom_service_handle (IlService        *service,
                          IlMessage        *message,
                          IlServiceContext *context,
                          IlReply          *reply)
{
  char *text;

  text = g_strdup_printf ("custom: %s", G_OBJECT_TYPE_NAME (message));
  il_reply_return_string (reply, text);
  g_free (text);
}

static void
ml_custom_service_class_init (MlCustomServiceClass *klass)
{
  IL_SERVICE_CLASS (klass)->handle = ml_custom_service_handle;
}

static void
ml_custom_service_init (MlCustomService *self)
{
}

/* Starts an MlTestService. @service_out, if not NULL, gets a reference to
 * the service.
 */
static IlLink *
start_test_service (MlTestService **service_out)
{
  MlTestService *service;
  IlLink *link;

  service = g_object_new (ML_TYPE_TEST_SERVICE, NULL);
  link = il_service_start (IL_SERVICE (service));

  if (service_out != NULL)
    *service_out = service;
  else
    g_object_unref (service);

  return link;
}

static GValue *
message_link_send_and_wait (IlMessageLink  *message_link,
                            IlMessage      *message,
                            GError        **error)
{
  GAsyncResult *result = NULL;
  GValue *value;

  il_message_link_send_async (message_link, message, NULL, store_result_cb, &result);
  iterate_until (result_is_set, &result, "the send result");

  value = il_message_link_send_finish (message_link, result, error);
  g_object_unref (result);

  return value;
}

/* Sends a query through @message_link and checks the upper-case answer. */
static void
check_query (IlMessageLink *message_link,
             const char    *text,
             const char    *expected)
{
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  message = query_message_new (text);
  value = message_link_send_and_wait (message_link, message, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_STRING));
  g_assert_cmpstr (g_value_get_string (value), ==, expected);

  value_free (value);
  g_object_unref (message);
}

/* Tests */

static void
test_message_link_new (void)
{
  IlLink *link;
  IlMessageLink *message_link;

  g_test_summary ("il_message_link_new() for a handled type returns a message "
                  "link for that type and service");

  link = start_test_service (NULL);

  message_link = il_message_link_new (link, ML_TYPE_QUERY_MESSAGE);
  g_assert_nonnull (message_link);
  g_assert_true (IL_IS_MESSAGE_LINK (message_link));
  g_assert_cmpstr (g_type_name (il_message_link_get_message_type (message_link)),
                   ==, "MlQueryMessage");
  g_assert_nonnull (il_message_link_get_link (message_link));
  g_assert_true (il_link_same_service (il_message_link_get_link (message_link), link));
  g_assert_false (il_message_link_is_closed (message_link));

  stop_and_wait (link);
  g_object_unref (message_link);
  g_object_unref (link);
}

static void
test_message_link_send_async (void)
{
  IlLink *link;
  IlMessageLink *message_link;

  g_test_summary ("il_message_link_send_async() delivers the handler's answer "
                  "to il_message_link_send_finish()");

  link = start_test_service (NULL);
  message_link = il_message_link_new (link, ML_TYPE_QUERY_MESSAGE);
  g_assert_nonnull (message_link);

  check_query (message_link, "hello", "HELLO");
  check_query (message_link, "Message Link", "MESSAGE LINK");

  stop_and_wait (link);
  g_object_unref (message_link);
  g_object_unref (link);
}

static void
test_message_link_send_sync (void)
{
  IlLink *link;
  IlMessageLink *message_link;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_message_link_send_sync() returns the handler's answer");

  link = start_test_service (NULL);
  message_link = il_message_link_new (link, ML_TYPE_QUERY_MESSAGE);
  g_assert_nonnull (message_link);

  message = query_message_new ("sync");
  value = il_message_link_send_sync (message_link, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_STRING));
  g_assert_cmpstr (g_value_get_string (value), ==, "SYNC");

  stop_and_wait (link);
  value_free (value);
  g_object_unref (message);
  g_object_unref (message_link);
  g_object_unref (link);
}

static void
test_message_link_do_send (void)
{
  MlTestService *service;
  IlLink *link;
  IlMessageLink *message_link;
  IlMessage *message;
  GError *error = NULL;
  gboolean sent;

  g_test_summary ("il_message_link_do_send() delivers the message without "
                  "waiting for the answer, in order with later sends");

  link = start_test_service (&service);
  message_link = il_message_link_new (link, ML_TYPE_QUERY_MESSAGE);
  g_assert_nonnull (message_link);

  message = query_message_new ("fire and forget");
  sent = il_message_link_do_send (message_link, message, &error);
  g_assert_no_error (error);
  g_assert_true (sent);
  g_object_unref (message);

  check_query (message_link, "barrier", "BARRIER");

  g_assert_cmpuint (service->query_texts->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (service->query_texts, 0), ==, "fire and forget");
  g_assert_cmpstr (g_ptr_array_index (service->query_texts, 1), ==, "barrier");

  stop_and_wait (link);
  g_object_unref (message_link);
  g_object_unref (link);
  g_object_unref (service);
}

static void
test_message_link_is_closed (void)
{
  IlLink *link;
  IlMessageLink *message_link;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;
  gboolean sent;

  g_test_summary ("il_message_link_is_closed() is TRUE once the service "
                  "stopped, and sends then fail with IL_LINK_ERROR_CLOSED");

  link = start_test_service (NULL);
  message_link = il_message_link_new (link, ML_TYPE_QUERY_MESSAGE);
  g_assert_nonnull (message_link);
  g_assert_false (il_message_link_is_closed (message_link));

  stop_and_wait (link);
  g_assert_true (il_message_link_is_closed (message_link));

  message = query_message_new ("too late");

  sent = il_message_link_do_send (message_link, message, &error);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_assert_false (sent);
  g_clear_error (&error);

  value = message_link_send_and_wait (message_link, message, &error);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_assert_null (value);
  g_clear_error (&error);

  g_object_unref (message);
  g_object_unref (message_link);
  g_object_unref (link);
}

static void
test_message_link_wrong_message_type (void)
{
  MlTestService *service;
  IlLink *link;
  IlMessageLink *message_link;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;
  gboolean sent;

  g_test_summary ("Sending a message of another type through a message link is "
                  "a precondition failure: a critical, FALSE or NULL, and the "
                  "message is not delivered");

  link = start_test_service (&service);
  message_link = il_message_link_new (link, ML_TYPE_QUERY_MESSAGE);
  g_assert_nonnull (message_link);
  message = g_object_new (ML_TYPE_OTHER_MESSAGE, NULL);

  g_test_expect_message ("Interlink", G_LOG_LEVEL_CRITICAL, "*");
  sent = il_message_link_do_send (message_link, message, &error);
  g_test_assert_expected_messages ();
  g_assert_false (sent);
  g_assert_no_error (error);

  g_test_expect_message ("Interlink", G_LOG_LEVEL_CRITICAL, "*");
  value = il_message_link_send_sync (message_link, message, NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_null (value);
  g_assert_no_error (error);

  /* The barrier answer proves that nothing sent before it is pending. */
  check_query (message_link, "barrier", "BARRIER");
  g_assert_cmpuint (service->other_handled, ==, 0);
  g_assert_cmpuint (service->query_texts->len, ==, 1);

  stop_and_wait (link);
  g_object_unref (message);
  g_object_unref (message_link);
  g_object_unref (link);
  g_object_unref (service);
}

static void
test_message_link_unhandled_type (void)
{
  IlLink *link;
  IlMessageLink *message_link;

  g_test_summary ("il_message_link_new() for a type the service does not "
                  "handle logs a critical and returns NULL");

  link = start_test_service (NULL);

  g_test_expect_message ("Interlink", G_LOG_LEVEL_CRITICAL, "*");
  message_link = il_message_link_new (link, ML_TYPE_UNHANDLED_MESSAGE);
  g_test_assert_expected_messages ();
  g_assert_null (message_link);

  stop_and_wait (link);
  g_object_unref (link);
}

static void
test_message_link_parent_handled_type (void)
{
  IlLink *link;
  IlMessageLink *message_link;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_message_link_new() accepts a type that the service "
                  "handles through the handler of a parent type");

  link = start_test_service (NULL);

  message_link = il_message_link_new (link, ML_TYPE_CHILD_MESSAGE);
  g_assert_nonnull (message_link);

  message = g_object_new (ML_TYPE_CHILD_MESSAGE, NULL);
  value = message_link_send_and_wait (message_link, message, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (g_value_get_string (value), ==, "MlChildMessage");

  stop_and_wait (link);
  value_free (value);
  g_object_unref (message);
  g_object_unref (message_link);
  g_object_unref (link);
}

static void
test_message_link_custom_handle (void)
{
  IlService *service;
  IlLink *link;
  IlMessageLink *message_link;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_message_link_new() accepts any message type for a "
                  "service that overrides the handle vfunc");

  service = g_object_new (ML_TYPE_CUSTOM_SERVICE, NULL);
  link = il_service_start (service);
  g_object_unref (service);

  message_link = il_message_link_new (link, ML_TYPE_UNHANDLED_MESSAGE);
  g_assert_nonnull (message_link);

  message = g_object_new (ML_TYPE_UNHANDLED_MESSAGE, NULL);
  value = message_link_send_and_wait (message_link, message, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (g_value_get_string (value), ==, "custom: MlUnhandledMessage");

  stop_and_wait (link);
  value_free (value);
  g_object_unref (message);
  g_object_unref (message_link);
  g_object_unref (link);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/message-link/new", test_message_link_new);
  g_test_add_func ("/message-link/send-async", test_message_link_send_async);
  g_test_add_func ("/message-link/send-sync", test_message_link_send_sync);
  g_test_add_func ("/message-link/do-send", test_message_link_do_send);
  g_test_add_func ("/message-link/is-closed", test_message_link_is_closed);
  g_test_add_func ("/message-link/wrong-message-type", test_message_link_wrong_message_type);
  g_test_add_func ("/message-link/unhandled-type", test_message_link_unhandled_type);
  g_test_add_func ("/message-link/parent-handled-type", test_message_link_parent_handled_type);
  g_test_add_func ("/message-link/custom-handle", test_message_link_custom_handle);

  return g_test_run ();
}
