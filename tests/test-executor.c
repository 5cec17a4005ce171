/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sys/prctl.h>

#include <interlink-glib/interlink.h>

/* A message answered with the number it carries plus one. */
#define EXEC_TYPE_NUMBER_MESSAGE (exec_number_message_get_type ())
G_DECLARE_FINAL_TYPE (ExecNumberMessage, exec_number_message, EXEC, NUMBER_MESSAGE, IlMessage)

struct _ExecNumberMessage
{
  IlMessage parent_instance;
  gint      number;
};

G_DEFINE_FINAL_TYPE (ExecNumberMessage, exec_number_message, IL_TYPE_MESSAGE)

static void
exec_number_message_class_init (ExecNumberMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_INT);
}

static void
exec_number_message_init (ExecNumberMessage *self)
{
}

static IlMessage *
number_message_new (gint number)
{
  ExecNumberMessage *message = g_object_new (EXEC_TYPE_NUMBER_MESSAGE, NULL);

  message->number = number;

  return IL_MESSAGE (message);
}

#define EXEC_TYPE_TEST_SERVICE (exec_test_service_get_type ())
G_DECLARE_FINAL_TYPE (ExecTestService, exec_test_service, EXEC, TEST_SERVICE, IlService)

struct _ExecTestService
{
  IlService  parent_instance;
  gint       last_number;
  gboolean   in_order;
  char       thread_name[17];
  IlLink    *peer;
};

G_DEFINE_FINAL_TYPE (ExecTestService, exec_test_service, IL_TYPE_SERVICE)

static void
exec_test_service_handle_number (IlService        *service,
                                 IlMessage        *message,
                                 IlServiceContext *context,
                                 IlReply          *reply)
{
  ExecTestService *self = EXEC_TEST_SERVICE (service);
  gint number = EXEC_NUMBER_MESSAGE (message)->number;

  prctl (PR_GET_NAME, self->thread_name, 0, 0, 0);

  if (number != self->last_number + 1)
    self->in_order = FALSE;
  self->last_number = number;

  il_reply_return_int (reply, number + 1);
}

static void
exec_test_service_dispose (GObject *object)
{
  ExecTestService *self = EXEC_TEST_SERVICE (object);

  g_clear_object (&self->peer);

  G_OBJECT_CLASS (exec_test_service_parent_class)->dispose (object);
}

static void
exec_test_service_class_init (ExecTestServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = exec_test_service_dispose;
  il_service_class_add_handler (IL_SERVICE_CLASS (klass),
                                EXEC_TYPE_NUMBER_MESSAGE,
                                exec_test_service_handle_number);
}

static void
exec_test_service_init (ExecTestService *self)
{
  self->in_order = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

/* Iterates the default context until *counter reaches @target, failing
 * the test after 30 s.
 */
static void
wait_for_count (guint *counter,
                guint  target)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (30, timeout_cb, &timed_out);

  while (*counter < target && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout_id);
}

typedef struct
{
  guint  done;
  guint  failed;
  gint  *answers;
} Replies;

static void
number_reply_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Replies *replies = user_data;
  g_autoptr(GError) error = NULL;
  GValue *value;
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (source),
                                                     "index"));

  value = il_link_send_finish (IL_LINK (source), result, &error);
  if (value == NULL)
    replies->failed++;
  else
    replies->answers[index] = g_value_get_int (value);

  if (value != NULL)
    g_boxed_free (G_TYPE_VALUE, value);
  replies->done++;
}

static void
stop_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  guint *stopped = user_data;

  g_assert_true (il_link_stop_finish (IL_LINK (source), result, NULL));
  (*stopped)++;
}

static void
test_executor_many_services (void)
{
  const guint n_services = 10000;
  g_autoptr(IlExecutor) executor = il_executor_new (2);
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func (g_object_unref);
  gpointer *weak = g_new0 (gpointer, n_services);
  Replies replies = { 0, 0, g_new0 (gint, n_services) };
  guint stopped = 0;
  guint i;

  g_test_summary ("10,000 services on a two-thread executor each answer "
                  "one request, stop and are finalized");

  g_assert_cmpuint (il_executor_get_n_threads (executor), ==, 2);

  for (i = 0; i < n_services; i++)
    {
      g_autoptr(ExecTestService) service = g_object_new (EXEC_TYPE_TEST_SERVICE, NULL);
      IlLink *link = il_service_start_on_executor (IL_SERVICE (service),
                                                   executor);
      g_autoptr(IlMessage) message = number_message_new (1);

      weak[i] = service;
      g_object_add_weak_pointer (G_OBJECT (service), &weak[i]);
      g_object_set_data (G_OBJECT (link), "index", GUINT_TO_POINTER (i));
      il_link_send_async (link, message, NULL, number_reply_cb, &replies);
      g_ptr_array_add (links, link);
    }

  wait_for_count (&replies.done, n_services);
  g_assert_cmpuint (replies.failed, ==, 0);
  for (i = 0; i < n_services; i++)
    g_assert_cmpint (replies.answers[i], ==, 2);

  for (i = 0; i < n_services; i++)
    il_link_stop_async (g_ptr_array_index (links, i), NULL, stop_cb, &stopped);
  wait_for_count (&stopped, n_services);

  for (i = 0; i < n_services; i++)
    g_assert_null (weak[i]);

  g_free (replies.answers);
  g_free (weak);
}

static void
test_executor_thread_and_order (void)
{
  g_autoptr(IlExecutor) executor = il_executor_new (2);
  g_autoptr(ExecTestService) service = g_object_new (EXEC_TYPE_TEST_SERVICE, NULL);
  g_autoptr(IlLink) link = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(IlMessage) last = NULL;
  GValue *value;
  gint i;

  g_test_summary ("A service on an executor handles messages in order on "
                  "an executor thread");

  link = il_service_start_on_executor (IL_SERVICE (service), executor);

  for (i = 1; i < 10000; i++)
    {
      g_autoptr(IlMessage) message = number_message_new (i);

      g_assert_true (il_link_do_send (link, message, &error));
      g_assert_no_error (error);
    }

  last = number_message_new (10000);
  value = il_link_send_sync (link, last, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (value), ==, 10001);
  g_boxed_free (G_TYPE_VALUE, value);

  g_assert_true (service->in_order);
  g_assert_cmpint (service->last_number, ==, 10000);
  g_assert_true (g_str_has_prefix (service->thread_name, "il-executor-"));

  il_link_stop (link);
}

static void
send_to_peer_sync (IlService        *service,
                   IlServiceContext *context,
                   IlReply          *reply,
                   gpointer          user_data)
{
  ExecTestService *self = EXEC_TEST_SERVICE (service);
  g_autoptr(IlMessage) message = number_message_new (1);
  g_autoptr(GError) error = NULL;
  GValue *value;

  value = il_link_send_sync (self->peer, message, NULL, &error);
  if (value != NULL)
    {
      il_reply_return_value (reply, value);
      g_boxed_free (G_TYPE_VALUE, value);
    }
  else
    {
      il_reply_return_error (reply, error);
    }
}

static void
exec_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;
  GValue *value;

  value = il_link_exec_finish (IL_LINK (source), result, error);
  if (value != NULL)
    g_boxed_free (G_TYPE_VALUE, value);
  if (*error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "no error");
}

static void
test_executor_sync_same_thread (void)
{
  g_autoptr(IlExecutor) executor = il_executor_new (1);
  g_autoptr(ExecTestService) first = g_object_new (EXEC_TYPE_TEST_SERVICE, NULL);
  g_autoptr(ExecTestService) second = g_object_new (EXEC_TYPE_TEST_SERVICE, NULL);
  g_autoptr(IlLink) first_link = NULL;
  g_autoptr(IlLink) second_link = NULL;
  GError *error = NULL;
  guint done = 0;

  g_test_summary ("A blocking send between two services on the same "
                  "executor thread fails with IL_LINK_ERROR_WOULD_DEADLOCK");

  first_link = il_service_start_on_executor (IL_SERVICE (first), executor);
  second_link = il_service_start_on_executor (IL_SERVICE (second), executor);
  first->peer = g_object_ref (second_link);

  il_link_exec_async (first_link, send_to_peer_sync, NULL, NULL, NULL,
                      exec_done_cb, &error);
  while (error == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpuint (done, ==, 0);
    }

  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_WOULD_DEADLOCK);
  g_clear_error (&error);

  il_link_stop (first_link);
  il_link_stop (second_link);
}

static void
test_service_spin_time (void)
{
  g_autoptr(ExecTestService) service = NULL;
  g_autoptr(IlLink) link = NULL;
  g_autoptr(GError) error = NULL;
  guint spin_time = 0;
  guint stopped = 0;
  gint i;

  g_test_summary ("A service with a spin time answers requests from a thread "
                  "of its own and stops; the spin time cannot change once "
                  "it started");

  service = g_object_new (EXEC_TYPE_TEST_SERVICE, "spin-time", 200, NULL);
  g_object_get (service, "spin-time", &spin_time, NULL);
  g_assert_cmpuint (spin_time, ==, 200);

  link = il_service_start (IL_SERVICE (service));

  for (i = 1; i <= 100; i++)
    {
      g_autoptr(IlMessage) message = number_message_new (i);
      GValue *value = il_link_send_sync (link, message, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (g_value_get_int (value), ==, i + 1);
      g_boxed_free (G_TYPE_VALUE, value);
    }

  g_assert_true (service->in_order);
  g_assert_cmpstr (service->thread_name, ==, "ExecTestService");

  g_test_expect_message ("Interlink", G_LOG_LEVEL_CRITICAL,
                         "*spin-time can only be set before*");
  g_object_set (service, "spin-time", 10, NULL);
  g_test_assert_expected_messages ();

  g_object_get (service, "spin-time", &spin_time, NULL);
  g_assert_cmpuint (spin_time, ==, 200);

  il_link_stop_async (link, NULL, stop_cb, &stopped);
  wait_for_count (&stopped, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/executor/thread-and-order", test_executor_thread_and_order);
  g_test_add_func ("/executor/sync-same-thread", test_executor_sync_same_thread);
  g_test_add_func ("/executor/many-services", test_executor_many_services);
  g_test_add_func ("/service/spin-time", test_service_spin_time);

  return g_test_run ();
}
