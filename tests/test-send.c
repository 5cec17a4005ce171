/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <interlink-glib/interlink.h>

#define WAIT_TIMEOUT_SECONDS 10

/* A blocking call that the library fails to detect as a deadlock is
 * cancelled after this long, so that the test fails instead of hanging.
 */
#define WATCHDOG_SECONDS 5

/* A call that has to fail at once must return within this time. */
#define IMMEDIATE_LIMIT_US (250 * G_TIME_SPAN_MILLISECOND)

/* How long SendSleepMessage keeps the service busy. */
#define SLEEP_MS 500

#define QUEUED_COUNT 5
#define CALLBACK_COUNT 3

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

/* Iterates the calling thread's thread-default context. */
static void
iterate_default_until (TestCondition  condition,
                       gpointer       data,
                       const char    *what)
{
  GMainContext *context;

  context = g_main_context_ref_thread_default ();
  iterate_until (context, condition, data, what);
  g_main_context_unref (context);
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

static gboolean
atomic_flag_is_set (gpointer data)
{
  return g_atomic_int_get ((gint *) data) != 0;
}

static GValue *
send_and_wait (IlLink     *link,
               IlMessage  *message,
               GError    **error)
{
  GAsyncResult *result = NULL;
  GValue *value;

  il_link_send_async (link, message, NULL, store_result_cb, &result);
  iterate_default_until (result_is_set, &result, "the send result");

  value = il_link_send_finish (link, result, error);
  g_object_unref (result);

  return value;
}

static void
stop_and_wait (IlLink *link)
{
  GAsyncResult *result = NULL;
  GError *error = NULL;
  gboolean stopped;

  il_link_stop_async (link, NULL, store_result_cb, &result);
  iterate_default_until (result_is_set, &result, "the service to stop");

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

/* Watchdog: cancels a cancellable unless disarmed within WATCHDOG_SECONDS */

typedef struct
{
  GMutex        lock;
  GCond         cond;
  gboolean      disarmed;
  GCancellable *cancellable;
  GThread      *thread;
} Watchdog;

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *watchdog = data;
  gint64 deadline;
  gboolean fire;

  deadline = g_get_monotonic_time () + WATCHDOG_SECONDS * G_TIME_SPAN_SECOND;

  g_mutex_lock (&watchdog->lock);
  while (!watchdog->disarmed)
    {
      if (!g_cond_wait_until (&watchdog->cond, &watchdog->lock, deadline))
        break;
    }
  fire = !watchdog->disarmed;
  g_mutex_unlock (&watchdog->lock);

  if (fire)
    g_cancellable_cancel (watchdog->cancellable);

  return NULL;
}

static Watchdog *
watchdog_start (void)
{
  Watchdog *watchdog;

  watchdog = g_new0 (Watchdog, 1);
  g_mutex_init (&watchdog->lock);
  g_cond_init (&watchdog->cond);
  watchdog->cancellable = g_cancellable_new ();
  watchdog->thread = g_thread_new ("send-watchdog", watchdog_thread, watchdog);

  return watchdog;
}

static void
watchdog_stop (Watchdog *watchdog)
{
  g_mutex_lock (&watchdog->lock);
  watchdog->disarmed = TRUE;
  g_cond_signal (&watchdog->cond);
  g_mutex_unlock (&watchdog->lock);

  g_thread_join (watchdog->thread);
  g_object_unref (watchdog->cancellable);
  g_cond_clear (&watchdog->cond);
  g_mutex_clear (&watchdog->lock);
  g_free (watchdog);
}

/* SendEchoMessage: answered with twice its "number" property */

#define SEND_TYPE_ECHO_MESSAGE (send_echo_message_get_type ())
G_DECLARE_FINAL_TYPE (SendEchoMessage, send_echo_message, SEND, ECHO_MESSAGE, IlMessage)

struct _SendEchoMessage
{
  IlMessage parent_instance;

  gint      number;
};

enum
{
  ECHO_PROP_0,
  ECHO_PROP_NUMBER,
};

G_DEFINE_TYPE (SendEchoMessage, send_echo_message, IL_TYPE_MESSAGE)

static void
send_echo_message_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SendEchoMessage *self = SEND_ECHO_MESSAGE (object);

  switch (prop_id)
    {
    case ECHO_PROP_NUMBER:
      g_value_set_int (value, self->number);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
send_echo_message_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SendEchoMessage *self = SEND_ECHO_MESSAGE (object);

  switch (prop_id)
    {
    case ECHO_PROP_NUMBER:
      self->number = g_value_get_int (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
send_echo_message_class_init (SendEchoMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = send_echo_message_get_property;
  object_class->set_property = send_echo_message_set_property;

  g_object_class_install_property (object_class, ECHO_PROP_NUMBER,
    g_param_spec_int ("number", NULL, NULL,
                      G_MININT / 2, G_MAXINT / 2, 0,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_STATIC_STRINGS));

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_INT);
}

static void
send_echo_message_init (SendEchoMessage *self)
{
}

static IlMessage *
echo_message_new (gint number)
{
  return g_object_new (SEND_TYPE_ECHO_MESSAGE, "number", number, NULL);
}

/* SendCountMessage: counts how often the service handled it */

#define SEND_TYPE_COUNT_MESSAGE (send_count_message_get_type ())
G_DECLARE_FINAL_TYPE (SendCountMessage, send_count_message, SEND, COUNT_MESSAGE, IlMessage)

struct _SendCountMessage
{
  IlMessage parent_instance;
};

G_DEFINE_TYPE (SendCountMessage, send_count_message, IL_TYPE_MESSAGE)

static void
send_count_message_class_init (SendCountMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_INT);
}

static void
send_count_message_init (SendCountMessage *self)
{
}

/* SendSleepMessage: keeps the service busy for SLEEP_MS */

#define SEND_TYPE_SLEEP_MESSAGE (send_sleep_message_get_type ())
G_DECLARE_FINAL_TYPE (SendSleepMessage, send_sleep_message, SEND, SLEEP_MESSAGE, IlMessage)

struct _SendSleepMessage
{
  IlMessage parent_instance;
};

G_DEFINE_TYPE (SendSleepMessage, send_sleep_message, IL_TYPE_MESSAGE)

static void
send_sleep_message_class_init (SendSleepMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_BOOLEAN);
}

static void
send_sleep_message_init (SendSleepMessage *self)
{
}

/* SendSelfSyncMessage: its handler calls il_link_send_sync() on its own
 * service and stores the outcome in the message.
 */

#define SEND_TYPE_SELF_SYNC_MESSAGE (send_self_sync_message_get_type ())
G_DECLARE_FINAL_TYPE (SendSelfSyncMessage, send_self_sync_message, SEND, SELF_SYNC_MESSAGE, IlMessage)

struct _SendSelfSyncMessage
{
  IlMessage  parent_instance;

  /* Through the link of the service context. */
  GError    *context_link_error;
  gint64     context_link_us;

  /* Through a new link from il_service_get_link(). */
  GError    *service_link_error;
  gint64     service_link_us;
};

G_DEFINE_TYPE (SendSelfSyncMessage, send_self_sync_message, IL_TYPE_MESSAGE)

static void
send_self_sync_message_finalize (GObject *object)
{
  SendSelfSyncMessage *self = SEND_SELF_SYNC_MESSAGE (object);

  g_clear_error (&self->context_link_error);
  g_clear_error (&self->service_link_error);

  G_OBJECT_CLASS (send_self_sync_message_parent_class)->finalize (object);
}

static void
send_self_sync_message_class_init (SendSelfSyncMessageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = send_self_sync_message_finalize;
}

static void
send_self_sync_message_init (SendSelfSyncMessage *self)
{
}

/* SendSelfAsyncMessage: its handler sends a request to its own service
 * with il_link_send_async() and answers the reply from the callback.
 */

#define SEND_TYPE_SELF_ASYNC_MESSAGE (send_self_async_message_get_type ())
G_DECLARE_FINAL_TYPE (SendSelfAsyncMessage, send_self_async_message, SEND, SELF_ASYNC_MESSAGE, IlMessage)

struct _SendSelfAsyncMessage
{
  IlMessage  parent_instance;

  GThread   *handler_thread;
  GThread   *callback_thread;
};

G_DEFINE_TYPE (SendSelfAsyncMessage, send_self_async_message, IL_TYPE_MESSAGE)

static void
send_self_async_message_class_init (SendSelfAsyncMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_INT);
}

static void
send_self_async_message_init (SendSelfAsyncMessage *self)
{
}

/* SendTestService */

#define SEND_TYPE_TEST_SERVICE (send_test_service_get_type ())
G_DECLARE_FINAL_TYPE (SendTestService, send_test_service, SEND, TEST_SERVICE, IlService)

struct _SendTestService
{
  IlService  parent_instance;

  /* Atomic: set by handlers, read by the test thread. */
  gint       count_handled;
  gint       echo_handled;
  gint       sleep_started;
  GThread   *handler_thread;
};

G_DEFINE_TYPE (SendTestService, send_test_service, IL_TYPE_SERVICE)

static void
handle_echo (IlService        *service,
             IlMessage        *message,
             IlServiceContext *context,
             IlReply          *reply)
{
  SendTestService *self = SEND_TEST_SERVICE (service);

  g_atomic_pointer_set (&self->handler_thread, g_thread_self ());
  il_reply_return_int (reply, SEND_ECHO_MESSAGE (message)->number * 2);
  g_atomic_int_inc (&self->echo_handled);
}

static void
handle_count (IlService        *service,
              IlMessage        *message,
              IlServiceContext *context,
              IlReply          *reply)
{
  SendTestService *self = SEND_TEST_SERVICE (service);

  il_reply_return_int (reply, g_atomic_int_add (&self->count_handled, 1) + 1);
}

static void
handle_sleep (IlService        *service,
              IlMessage        *message,
              IlServiceContext *context,
              IlReply          *reply)
{
  SendTestService *self = SEND_TEST_SERVICE (service);

  g_atomic_int_set (&self->sleep_started, 1);
  g_usleep (SLEEP_MS * G_TIME_SPAN_MILLISECOND);
  il_reply_return_boolean (reply, TRUE);
}

/* Calls il_link_send_sync() on @link from the handler and returns the
 * error it fails with. A watchdog cancels the call if it blocks.
 */
static GError *
send_sync_from_handler (IlLink *link,
                        gint64 *elapsed_us)
{
  Watchdog *watchdog;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;
  gint64 start_time;

  watchdog = watchdog_start ();
  message = echo_message_new (1);

  start_time = g_get_monotonic_time ();
  value = il_link_send_sync (link, message, watchdog->cancellable, &error);
  *elapsed_us = g_get_monotonic_time () - start_time;

  if (value != NULL)
    value_free (value);
  g_object_unref (message);
  watchdog_stop (watchdog);

  return error;
}

static void
handle_self_sync (IlService        *service,
                  IlMessage        *message,
                  IlServiceContext *context,
                  IlReply          *reply)
{
  SendSelfSyncMessage *self = SEND_SELF_SYNC_MESSAGE (message);
  IlLink *service_link;

  self->context_link_error =
    send_sync_from_handler (il_service_context_get_link (context),
                            &self->context_link_us);

  service_link = il_service_get_link (service);
  self->service_link_error =
    send_sync_from_handler (service_link, &self->service_link_us);
  g_object_unref (service_link);
}

static void
self_echo_done_cb (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  IlReply *reply = user_data;
  SendSelfAsyncMessage *message;
  GValue *value;
  GError *error = NULL;

  message = SEND_SELF_ASYNC_MESSAGE (il_reply_get_message (reply));
  message->callback_thread = g_thread_self ();

  value = il_link_send_finish (IL_LINK (source_object), result, &error);
  if (error != NULL)
    il_reply_take_error (reply, error);
  else
    il_reply_return_value (reply, value);

  if (value != NULL)
    value_free (value);
  g_object_unref (reply);
}

static void
handle_self_async (IlService        *service,
                   IlMessage        *message,
                   IlServiceContext *context,
                   IlReply          *reply)
{
  IlMessage *echo;

  SEND_SELF_ASYNC_MESSAGE (message)->handler_thread = g_thread_self ();

  echo = echo_message_new (21);
  il_link_send_async (il_service_context_get_link (context), echo, NULL,
                      self_echo_done_cb, g_object_ref (reply));
  g_object_unref (echo);
}

static void
send_test_service_class_init (SendTestServiceClass *klass)
{
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  il_service_class_add_handler (service_class, SEND_TYPE_ECHO_MESSAGE, handle_echo);
  il_service_class_add_handler (service_class, SEND_TYPE_COUNT_MESSAGE, handle_count);
  il_service_class_add_handler (service_class, SEND_TYPE_SLEEP_MESSAGE, handle_sleep);
  il_service_class_add_handler (service_class, SEND_TYPE_SELF_SYNC_MESSAGE,
                                handle_self_sync);
  il_service_class_add_handler (service_class, SEND_TYPE_SELF_ASYNC_MESSAGE,
                                handle_self_async);
}

static void
send_test_service_init (SendTestService *self)
{
}

/* Starts a SendTestService on its own thread. @service_out, if not NULL,
 * gets a reference to the service.
 */
static IlLink *
start_test_service (SendTestService **service_out)
{
  SendTestService *service;
  IlLink *link;

  service = g_object_new (SEND_TYPE_TEST_SERVICE, NULL);
  link = il_service_start (IL_SERVICE (service));

  if (service_out != NULL)
    *service_out = service;
  else
    g_object_unref (service);

  return link;
}

/* Sends an echo message and waits, so that everything queued before it
 * was taken out of the queue.
 */
static void
send_barrier (IlLink *link)
{
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  message = echo_message_new (0);
  value = send_and_wait (link, message, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpint (g_value_get_int (value), ==, 0);

  value_free (value);
  g_object_unref (message);
}

/* send_async and send_sync */

static void
test_send_async (void)
{
  IlLink *link;
  IlMessage *message;
  GAsyncResult *result = NULL;
  GObject *source_object;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_link_send_async() delivers the handler's answer to "
                  "il_link_send_finish()");

  link = start_test_service (NULL);
  message = echo_message_new (21);

  il_link_send_async (link, message, NULL, store_result_cb, &result);
  iterate_default_until (result_is_set, &result, "the send result");

  source_object = g_async_result_get_source_object (result);
  g_assert_true (source_object == (GObject *) link);
  g_object_unref (source_object);

  value = il_link_send_finish (link, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT));
  g_assert_cmpint (g_value_get_int (value), ==, 42);

  stop_and_wait (link);
  value_free (value);
  g_object_unref (result);
  g_object_unref (message);
  g_object_unref (link);
}

static void
test_send_sync_from_main_thread (void)
{
  IlLink *link;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_link_send_sync() from the main thread to a service on "
                  "its own thread returns the answer");

  link = start_test_service (NULL);
  message = echo_message_new (-8);

  value = il_link_send_sync (link, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT));
  g_assert_cmpint (g_value_get_int (value), ==, -16);

  stop_and_wait (link);
  value_free (value);
  g_object_unref (message);
  g_object_unref (link);
}

typedef struct
{
  IlLink  *link;
  GValue  *value;
  GError  *error;
  GThread *thread;
} SyncSender;

static gpointer
send_sync_thread (gpointer data)
{
  SyncSender *sender = data;
  IlMessage *message;

  sender->thread = g_thread_self ();
  message = echo_message_new (50);
  sender->value = il_link_send_sync (sender->link, message, NULL, &sender->error);
  g_object_unref (message);

  return NULL;
}

static void
test_send_sync_from_thread (void)
{
  SendTestService *service;
  SyncSender sender = { NULL, };
  GThread *thread;

  g_test_summary ("il_link_send_sync() from a worker thread returns the "
                  "answer of the service, which runs on another thread");

  sender.link = start_test_service (&service);

  thread = g_thread_new ("send-sync", send_sync_thread, &sender);
  g_thread_join (thread);

  g_assert_no_error (sender.error);
  g_assert_nonnull (sender.value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (sender.value), ==, g_type_name (G_TYPE_INT));
  g_assert_cmpint (g_value_get_int (sender.value), ==, 100);

  g_assert_nonnull (g_atomic_pointer_get (&service->handler_thread));
  g_assert_true (g_atomic_pointer_get (&service->handler_thread) != (gpointer) sender.thread);
  g_assert_true (g_atomic_pointer_get (&service->handler_thread) != (gpointer) g_thread_self ());

  stop_and_wait (sender.link);
  value_free (sender.value);
  g_object_unref (sender.link);
  g_object_unref (service);
}

/* Deadlock detection */

static void
test_send_sync_to_self (void)
{
  IlLink *link;
  SendSelfSyncMessage *message;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_link_send_sync() from a handler to its own service fails "
                  "at once with IL_LINK_ERROR_WOULD_DEADLOCK, through the "
                  "context's link and through a new link");

  link = start_test_service (NULL);
  message = g_object_new (SEND_TYPE_SELF_SYNC_MESSAGE, NULL);

  value = send_and_wait (link, IL_MESSAGE (message), &error);
  g_assert_no_error (error);
  g_assert_null (value);

  g_assert_error (message->context_link_error, IL_LINK_ERROR,
                  IL_LINK_ERROR_WOULD_DEADLOCK);
  g_assert_cmpint (message->context_link_us, <, IMMEDIATE_LIMIT_US);

  g_assert_error (message->service_link_error, IL_LINK_ERROR,
                  IL_LINK_ERROR_WOULD_DEADLOCK);
  g_assert_cmpint (message->service_link_us, <, IMMEDIATE_LIMIT_US);

  stop_and_wait (link);
  g_object_unref (message);
  g_object_unref (link);
}

static void
test_send_async_to_self (void)
{
  IlLink *link;
  SendSelfAsyncMessage *message;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("A handler that asks its own service with "
                  "il_link_send_async() and answers from the callback "
                  "completes, with the callback on the service thread");

  link = start_test_service (NULL);
  message = g_object_new (SEND_TYPE_SELF_ASYNC_MESSAGE, NULL);

  value = send_and_wait (link, IL_MESSAGE (message), &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT));
  g_assert_cmpint (g_value_get_int (value), ==, 42);

  g_assert_nonnull (message->handler_thread);
  g_assert_true (message->callback_thread == message->handler_thread);

  stop_and_wait (link);
  value_free (value);
  g_object_unref (message);
  g_object_unref (link);
}

/* Calls il_link_send_sync() with an echo message under a watchdog and
 * returns the error it fails with.
 */
static GError *
send_sync_guarded (IlLink *link,
                   gint64 *elapsed_us)
{
  Watchdog *watchdog;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;
  gint64 start_time;

  watchdog = watchdog_start ();
  message = echo_message_new (3);

  start_time = g_get_monotonic_time ();
  value = il_link_send_sync (link, message, watchdog->cancellable, &error);
  *elapsed_us = g_get_monotonic_time () - start_time;

  g_assert_null (value);
  g_object_unref (message);
  watchdog_stop (watchdog);

  return error;
}

static void
test_send_sync_on_own_context (void)
{
  SendTestService *service;
  IlLink *link;
  GError *error;
  gint64 elapsed_us;

  g_test_summary ("il_link_send_sync() from the main thread to a service that "
                  "runs on the global default main context fails at once with "
                  "IL_LINK_ERROR_WOULD_DEADLOCK");

  service = g_object_new (SEND_TYPE_TEST_SERVICE, NULL);
  link = il_service_start_on_context (IL_SERVICE (service), NULL);

  error = send_sync_guarded (link, &elapsed_us);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_WOULD_DEADLOCK);
  g_assert_cmpint (elapsed_us, <, IMMEDIATE_LIMIT_US);
  g_clear_error (&error);

  /* The service still works when the context is iterated. */
  g_assert_cmpint (g_atomic_int_get (&service->echo_handled), ==, 0);
  send_barrier (link);
  g_assert_cmpint (g_atomic_int_get (&service->echo_handled), ==, 1);
  g_assert_true (g_atomic_pointer_get (&service->handler_thread) == (gpointer) g_thread_self ());

  stop_and_wait (link);
  g_object_unref (link);
  g_object_unref (service);

  /* Dispatch what the stopped service left on the shared context, such as
   * the emission of the link's "closed" signal.
   */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_send_sync_on_pushed_context (void)
{
  GMainContext *context;
  IlService *service;
  IlLink *link;
  GError *error;
  gint64 elapsed_us;

  g_test_summary ("il_link_send_sync() from a thread to a service that runs on "
                  "that thread's pushed thread-default context fails at once "
                  "with IL_LINK_ERROR_WOULD_DEADLOCK");

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  service = g_object_new (SEND_TYPE_TEST_SERVICE, NULL);
  link = il_service_start_on_context (service, context);
  g_object_unref (service);

  error = send_sync_guarded (link, &elapsed_us);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_WOULD_DEADLOCK);
  g_assert_cmpint (elapsed_us, <, IMMEDIATE_LIMIT_US);
  g_clear_error (&error);

  send_barrier (link);
  stop_and_wait (link);
  g_object_unref (link);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* exec */

typedef struct
{
  gint      input;
  gboolean  answer;
  gint      ran;            /* atomic */
  gint      destroy_count;  /* atomic */
  GThread  *thread;
  GType     service_type;
  gboolean  context_matches;
} ExecData;

static void
exec_data_destroy (gpointer data)
{
  ExecData *exec_data = data;

  g_atomic_int_inc (&exec_data->destroy_count);
}

static void
exec_func (IlService        *service,
           IlServiceContext *context,
           IlReply          *reply,
           gpointer          user_data)
{
  ExecData *data = user_data;

  data->thread = g_thread_self ();
  data->service_type = G_OBJECT_TYPE (service);
  data->context_matches = il_service_context_get_service (context) == service;

  if (data->answer)
    il_reply_return_int (reply, data->input + 1);

  g_atomic_int_set (&data->ran, 1);
}

static void
test_send_exec_result (void)
{
  IlLink *link;
  ExecData data = { 0, };
  GAsyncResult *result = NULL;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_link_exec_async() runs the function on the service and "
                  "il_link_exec_finish() returns its answer");

  data.input = 7;
  data.answer = TRUE;
  link = start_test_service (NULL);

  il_link_exec_async (link, exec_func, &data, exec_data_destroy, NULL,
                      store_result_cb, &result);
  iterate_default_until (result_is_set, &result, "the exec result");

  value = il_link_exec_finish (link, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_INT));
  g_assert_cmpint (g_value_get_int (value), ==, 8);

  g_assert_true (data.thread != g_thread_self ());
  g_assert_cmpstr (g_type_name (data.service_type), ==, "SendTestService");
  g_assert_true (data.context_matches);

  stop_and_wait (link);
  g_assert_cmpint (g_atomic_int_get (&data.destroy_count), ==, 1);

  value_free (value);
  g_object_unref (result);
  g_object_unref (link);
}

static void
test_send_exec_no_answer (void)
{
  IlLink *link;
  ExecData data = { 0, };
  GAsyncResult *result = NULL;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("il_link_exec_finish() returns NULL without an error when "
                  "the function does not answer");

  data.answer = FALSE;
  link = start_test_service (NULL);

  il_link_exec_async (link, exec_func, &data, exec_data_destroy, NULL,
                      store_result_cb, &result);
  iterate_default_until (result_is_set, &result, "the exec result");

  value = il_link_exec_finish (link, result, &error);
  g_assert_no_error (error);
  g_assert_null (value);
  g_assert_cmpint (g_atomic_int_get (&data.ran), ==, 1);

  stop_and_wait (link);
  g_assert_cmpint (g_atomic_int_get (&data.destroy_count), ==, 1);

  g_object_unref (result);
  g_object_unref (link);
}

static void
test_send_do_exec (void)
{
  IlLink *link;
  ExecData data = { 0, };
  GError *error = NULL;
  gboolean queued;

  g_test_summary ("il_link_do_exec() runs the function on the service thread "
                  "and frees its data once");

  data.answer = TRUE;
  link = start_test_service (NULL);

  queued = il_link_do_exec (link, exec_func, &data, exec_data_destroy, &error);
  g_assert_no_error (error);
  g_assert_true (queued);

  iterate_default_until (atomic_flag_is_set, &data.ran, "the exec function");
  stop_and_wait (link);

  g_assert_true (data.thread != g_thread_self ());
  g_assert_true (data.context_matches);
  g_assert_cmpint (g_atomic_int_get (&data.destroy_count), ==, 1);

  g_object_unref (link);
}

static void
test_send_do_exec_closed (void)
{
  IlLink *link;
  ExecData data = { 0, };
  GError *error = NULL;
  gboolean queued;

  g_test_summary ("il_link_do_exec() on a stopped service fails with "
                  "IL_LINK_ERROR_CLOSED, never runs the function and frees "
                  "its data once");

  link = start_test_service (NULL);
  stop_and_wait (link);

  queued = il_link_do_exec (link, exec_func, &data, exec_data_destroy, &error);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_assert_false (queued);
  g_assert_cmpint (g_atomic_int_get (&data.ran), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&data.destroy_count), ==, 1);

  g_clear_error (&error);
  g_object_unref (link);
}

/* Cancellation */

static gboolean
all_queued_results_set (gpointer data)
{
  GAsyncResult **results = data;
  guint i;

  for (i = 0; i < QUEUED_COUNT; i++)
    {
      if (results[i] == NULL)
        return FALSE;
    }

  return TRUE;
}

static void
test_send_cancel_queued (void)
{
  SendTestService *service;
  IlLink *link;
  IlMessage *sleep_message;
  IlMessage *count_message;
  GCancellable *cancellable;
  GAsyncResult *sleep_result = NULL;
  GAsyncResult *results[QUEUED_COUNT] = { NULL, };
  GValue *value;
  GError *error = NULL;
  gint64 cancel_time;
  gint64 elapsed_us;
  guint i;

  g_test_summary ("Requests cancelled while queued behind a busy handler finish "
                  "with G_IO_ERROR_CANCELLED before the handler returns and "
                  "are never handled");

  link = start_test_service (&service);

  sleep_message = g_object_new (SEND_TYPE_SLEEP_MESSAGE, NULL);
  il_link_send_async (link, sleep_message, NULL, store_result_cb, &sleep_result);
  iterate_default_until (atomic_flag_is_set, &service->sleep_started,
                         "the sleeping handler to start");

  cancellable = g_cancellable_new ();
  count_message = g_object_new (SEND_TYPE_COUNT_MESSAGE, NULL);
  for (i = 0; i < QUEUED_COUNT; i++)
    il_link_send_async (link, count_message, cancellable, store_result_cb, &results[i]);

  cancel_time = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  iterate_default_until (all_queued_results_set, results, "the cancelled requests");
  elapsed_us = g_get_monotonic_time () - cancel_time;

  /* The sleeping handler still runs, so completion did not wait for it. */
  g_assert_null (sleep_result);
  g_assert_cmpint (elapsed_us, <, IMMEDIATE_LIMIT_US);

  for (i = 0; i < QUEUED_COUNT; i++)
    {
      value = il_link_send_finish (link, results[i], &error);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (value);
      g_clear_error (&error);
      g_object_unref (results[i]);
    }

  iterate_default_until (result_is_set, &sleep_result, "the sleeping handler");
  value = il_link_send_finish (link, sleep_result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_true (g_value_get_boolean (value));
  value_free (value);

  send_barrier (link);
  g_assert_cmpint (g_atomic_int_get (&service->count_handled), ==, 0);

  stop_and_wait (link);
  g_object_unref (sleep_result);
  g_object_unref (count_message);
  g_object_unref (sleep_message);
  g_object_unref (cancellable);
  g_object_unref (link);
  g_object_unref (service);
}

static void
test_send_cancel_before_send (void)
{
  SendTestService *service;
  IlLink *link;
  IlMessage *message;
  GCancellable *cancellable;
  GAsyncResult *result = NULL;
  GValue *value;
  GError *error = NULL;

  g_test_summary ("A request whose cancellable is already cancelled fails with "
                  "G_IO_ERROR_CANCELLED and is never handled");

  link = start_test_service (&service);
  message = g_object_new (SEND_TYPE_COUNT_MESSAGE, NULL);
  cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);

  il_link_send_async (link, message, cancellable, store_result_cb, &result);
  g_assert_null (result);
  iterate_default_until (result_is_set, &result, "the cancelled request");

  value = il_link_send_finish (link, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (value);
  g_clear_error (&error);

  value = il_link_send_sync (link, message, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (value);
  g_clear_error (&error);

  send_barrier (link);
  g_assert_cmpint (g_atomic_int_get (&service->count_handled), ==, 0);

  stop_and_wait (link);
  g_object_unref (result);
  g_object_unref (cancellable);
  g_object_unref (message);
  g_object_unref (link);
  g_object_unref (service);
}

/* Callback context */

typedef struct
{
  IlLink          *link;
  SendTestService *service;

  GThread         *worker_thread;
  gint             inside_send_async;         /* atomic */
  gint             callbacks_inside_send;     /* atomic */
  gint             callbacks_run;             /* atomic */
  gint             callbacks_before_iterate;
  gboolean         handled_in_time;

  GThread         *callback_threads[CALLBACK_COUNT];
  gint             values[CALLBACK_COUNT];
  GError          *errors[CALLBACK_COUNT];
} CallbackWorker;

typedef struct
{
  CallbackWorker *worker;
  guint           index;
} CallbackSlot;

static void
worker_send_done_cb (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  CallbackSlot *slot = user_data;
  CallbackWorker *worker = slot->worker;
  GValue *value;

  if (g_atomic_int_get (&worker->inside_send_async))
    g_atomic_int_inc (&worker->callbacks_inside_send);

  worker->callback_threads[slot->index] = g_thread_self ();
  value = il_link_send_finish (IL_LINK (source_object), result,
                               &worker->errors[slot->index]);
  if (value != NULL)
    {
      worker->values[slot->index] = g_value_get_int (value);
      value_free (value);
    }

  g_atomic_int_inc (&worker->callbacks_run);
}

static gboolean
all_callbacks_run (gpointer data)
{
  CallbackWorker *worker = data;

  return g_atomic_int_get (&worker->callbacks_run) == CALLBACK_COUNT;
}

static gpointer
callback_worker_thread (gpointer data)
{
  CallbackWorker *worker = data;
  CallbackSlot slots[CALLBACK_COUNT];
  GMainContext *context;
  gint64 deadline;
  guint i;

  worker->worker_thread = g_thread_self ();
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  for (i = 0; i < CALLBACK_COUNT; i++)
    {
      IlMessage *message = echo_message_new (i + 1);

      slots[i].worker = worker;
      slots[i].index = i;

      g_atomic_int_set (&worker->inside_send_async, 1);
      il_link_send_async (worker->link, message, NULL, worker_send_done_cb, &slots[i]);
      g_atomic_int_set (&worker->inside_send_async, 0);

      g_object_unref (message);
    }

  /* Wait, without iterating this context, until the service answered all
   * messages, and a little longer for a callback that runs elsewhere.
   */
  deadline = g_get_monotonic_time () + WAIT_TIMEOUT_SECONDS * G_TIME_SPAN_SECOND;
  while (g_atomic_int_get (&worker->service->echo_handled) < CALLBACK_COUNT &&
         g_get_monotonic_time () < deadline)
    g_usleep (G_TIME_SPAN_MILLISECOND);
  worker->handled_in_time =
    g_atomic_int_get (&worker->service->echo_handled) == CALLBACK_COUNT;
  g_usleep (50 * G_TIME_SPAN_MILLISECOND);

  worker->callbacks_before_iterate = g_atomic_int_get (&worker->callbacks_run);

  iterate_until (context, all_callbacks_run, worker, "the send callbacks");

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_send_callback_thread (void)
{
  CallbackWorker worker = { NULL, };
  GThread *thread;
  GThread *handler_thread;
  guint i;

  g_test_summary ("The callback of il_link_send_async() runs on the sending "
                  "thread's thread-default context, only when that thread "
                  "iterates it, never inside il_link_send_async() and never "
                  "on the service thread");

  worker.link = start_test_service (&worker.service);

  thread = g_thread_new ("send-callbacks", callback_worker_thread, &worker);
  g_thread_join (thread);

  handler_thread = g_atomic_pointer_get (&worker.service->handler_thread);
  g_assert_true (worker.handled_in_time);
  g_assert_cmpint (worker.callbacks_before_iterate, ==, 0);
  g_assert_cmpint (worker.callbacks_inside_send, ==, 0);
  g_assert_cmpint (worker.callbacks_run, ==, CALLBACK_COUNT);
  g_assert_nonnull (handler_thread);
  g_assert_true (handler_thread != worker.worker_thread);

  for (i = 0; i < CALLBACK_COUNT; i++)
    {
      g_assert_no_error (worker.errors[i]);
      g_assert_cmpint (worker.values[i], ==, (gint) (i + 1) * 2);
      g_assert_true (worker.callback_threads[i] == worker.worker_thread);
      g_assert_true (worker.callback_threads[i] != handler_thread);
    }

  stop_and_wait (worker.link);
  g_object_unref (worker.link);
  g_object_unref (worker.service);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/send/async", test_send_async);
  g_test_add_func ("/send/sync-from-main-thread", test_send_sync_from_main_thread);
  g_test_add_func ("/send/sync-from-thread", test_send_sync_from_thread);

  g_test_add_func ("/send/sync-to-self", test_send_sync_to_self);
  g_test_add_func ("/send/async-to-self", test_send_async_to_self);
  g_test_add_func ("/send/sync-on-own-context", test_send_sync_on_own_context);
  g_test_add_func ("/send/sync-on-pushed-context", test_send_sync_on_pushed_context);

  g_test_add_func ("/send/exec-result", test_send_exec_result);
  g_test_add_func ("/send/exec-no-answer", test_send_exec_no_answer);
  g_test_add_func ("/send/do-exec", test_send_do_exec);
  g_test_add_func ("/send/do-exec-closed", test_send_do_exec_closed);

  g_test_add_func ("/send/cancel-queued", test_send_cancel_queued);
  g_test_add_func ("/send/cancel-before-send", test_send_cancel_before_send);

  g_test_add_func ("/send/callback-thread", test_send_callback_thread);

  return g_test_run ();
}
