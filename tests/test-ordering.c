/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include <interlink-glib/interlink.h>

/* Every wait for something asynchronous fails the test after this time. */
#define WAIT_TIMEOUT_SECONDS 10
#define WAIT_POLL_USEC 100

#define N_ROUNDS 1000

/* The marker stored among the numbers in OrderingState.events when the
 * stopping hook runs. */
#define EVENT_STOPPING (-1)

/* The numbers of the second sender start here, far above the first
 * sender's 1 to 6. */
#define SECOND_SENDER_BASE 1000000

/* The second sender waits while this many of its messages are not
 * handled yet, polling every SECOND_SENDER_PAUSE_USEC. */
#define SECOND_SENDER_MAX_QUEUED 16
#define FIRST_SENDER_PAUSE_USEC 20
#define SECOND_SENDER_PAUSE_USEC 10

static void
iterate_briefly (void)
{
  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (WAIT_POLL_USEC);
}

/* Iterates the global default context until @condition holds, and fails
 * the test if it does not within WAIT_TIMEOUT_SECONDS. */
#define wait_until(condition) \
  G_STMT_START { \
    gint64 wait_deadline = g_get_monotonic_time () + WAIT_TIMEOUT_SECONDS * G_USEC_PER_SEC; \
    while (!(condition) && g_get_monotonic_time () < wait_deadline) \
      iterate_briefly (); \
    if (!(condition)) \
      g_test_message ("Timed out after %d s", WAIT_TIMEOUT_SECONDS); \
    g_assert_true (condition); \
  } G_STMT_END

/* The numbers handled by one service, in handling order. */
typedef struct
{
  GMutex lock;
  GArray *events;
  gint second_sender_handled;
  gint finalize_count;
} OrderingState;

static void
ordering_state_add_event (OrderingState *state,
                          gint           event)
{
  g_mutex_lock (&state->lock);
  g_array_append_val (state->events, event);
  g_mutex_unlock (&state->lock);
}

/* A message that carries a number. The handler replies with the number. */
#define ORDERING_TYPE_NUMBER_MESSAGE (ordering_number_message_get_type ())
G_DECLARE_FINAL_TYPE (OrderingNumberMessage, ordering_number_message,
                      ORDERING, NUMBER_MESSAGE, IlMessage)

struct _OrderingNumberMessage
{
  IlMessage parent_instance;

  gint number;
};

G_DEFINE_TYPE (OrderingNumberMessage, ordering_number_message, IL_TYPE_MESSAGE)

enum
{
  PROP_NUMBER = 1,
  N_PROPS
};

static GParamSpec *number_message_props[N_PROPS];

static void
ordering_number_message_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  OrderingNumberMessage *self = ORDERING_NUMBER_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_NUMBER:
      g_value_set_int (value, self->number);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ordering_number_message_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  OrderingNumberMessage *self = ORDERING_NUMBER_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_NUMBER:
      self->number = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ordering_number_message_class_init (OrderingNumberMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ordering_number_message_get_property;
  object_class->set_property = ordering_number_message_set_property;

  number_message_props[PROP_NUMBER] =
    g_param_spec_int ("number", NULL, NULL,
                      G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, number_message_props);

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_INT);
}

static void
ordering_number_message_init (OrderingNumberMessage *self)
{
}

static IlMessage *
number_message_new (gint number)
{
  return g_object_new (ORDERING_TYPE_NUMBER_MESSAGE, "number", number, NULL);
}

/* A service that records every number it handles and its stop. */
#define ORDERING_TYPE_SERVICE (ordering_service_get_type ())
G_DECLARE_FINAL_TYPE (OrderingService, ordering_service, ORDERING, SERVICE, IlService)

struct _OrderingService
{
  IlService parent_instance;

  OrderingState *state;
};

G_DEFINE_TYPE (OrderingService, ordering_service, IL_TYPE_SERVICE)

static void
ordering_service_handle_number (IlService        *service,
                                IlMessage        *message,
                                IlServiceContext *context,
                                IlReply          *reply)
{
  OrderingService *self = ORDERING_SERVICE (service);
  gint number = ORDERING_NUMBER_MESSAGE (message)->number;

  ordering_state_add_event (self->state, number);
  if (number >= SECOND_SENDER_BASE)
    g_atomic_int_inc (&self->state->second_sender_handled);
  il_reply_return_int (reply, number);
}

static void
ordering_service_stopping (IlService        *service,
                           IlServiceContext *context)
{
  ordering_state_add_event (ORDERING_SERVICE (service)->state, EVENT_STOPPING);
}

static void
ordering_service_finalize (GObject *object)
{
  g_atomic_int_inc (&ORDERING_SERVICE (object)->state->finalize_count);

  G_OBJECT_CLASS (ordering_service_parent_class)->finalize (object);
}

static void
ordering_service_class_init (OrderingServiceClass *klass)
{
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ordering_service_finalize;
  service_class->stopping = ordering_service_stopping;

  il_service_class_add_handler (service_class, ORDERING_TYPE_NUMBER_MESSAGE,
                                ordering_service_handle_number);
}

static void
ordering_service_init (OrderingService *self)
{
}

/* Records the number given as data, like the message handler, and
 * replies with it. */
static void
record_number_exec (IlService        *service,
                    IlServiceContext *context,
                    IlReply          *reply,
                    gpointer          user_data)
{
  gint number = GPOINTER_TO_INT (user_data);

  ordering_state_add_event (ORDERING_SERVICE (service)->state, number);
  il_reply_return_int (reply, number);
}

/* The outcome of one asynchronous request. */
typedef struct
{
  IlLink *link;
  guint completed;
  GValue *value;
  GError *error;
} OrderingCall;

static void
ordering_call_store (OrderingCall *call,
                     GValue       *value,
                     GError       *error)
{
  call->completed++;

  /* Keep the first outcome. The caller checks that there is only one. */
  if (call->completed == 1)
    {
      call->value = value;
      call->error = error;
    }
  else
    {
      if (value != NULL)
        g_boxed_free (G_TYPE_VALUE, value);
      g_clear_error (&error);
    }
}

static void
send_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OrderingCall *call = user_data;
  GError *error = NULL;
  GValue *value;

  value = il_link_send_finish (call->link, result, &error);
  ordering_call_store (call, value, error);
}

static void
exec_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OrderingCall *call = user_data;
  GError *error = NULL;
  GValue *value;

  value = il_link_exec_finish (call->link, result, &error);
  ordering_call_store (call, value, error);
}

static void
wait_closed_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  OrderingCall *call = user_data;
  GError *error = NULL;
  gboolean closed;

  closed = il_link_wait_closed_finish (call->link, result, &error);
  g_assert_no_error (error);
  g_assert_true (closed);
  ordering_call_store (call, NULL, NULL);
}

static void
ordering_call_clear (OrderingCall *call)
{
  if (call->value != NULL)
    g_boxed_free (G_TYPE_VALUE, call->value);
  g_clear_error (&call->error);
}

static void
assert_call_returned_int (OrderingCall *call,
                          gint          expected)
{
  g_assert_cmpuint (call->completed, ==, 1);
  g_assert_no_error (call->error);
  g_assert_nonnull (call->value);
  g_assert_true (G_VALUE_HOLDS_INT (call->value));
  g_assert_cmpint (g_value_get_int (call->value), ==, expected);
}

/* The second sender: sends do_send() messages with consecutive numbers
 * until the link closes. */
typedef struct
{
  IlLink *link;
  OrderingState *state;
  gint sent;
  gint stop_requested;

  /* Read after the thread was joined. */
  gboolean closed_error_seen;
  GError *unexpected_error;
} SecondSender;

static gboolean
second_sender_queue_full (SecondSender *sender)
{
  gint unhandled = g_atomic_int_get (&sender->sent) -
                   g_atomic_int_get (&sender->state->second_sender_handled);

  return unhandled >= SECOND_SENDER_MAX_QUEUED;
}

static gpointer
second_sender_thread (gpointer user_data)
{
  SecondSender *sender = user_data;
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_SECONDS * G_USEC_PER_SEC;

  while (!g_atomic_int_get (&sender->stop_requested) && g_get_monotonic_time () < deadline)
    {
      IlMessage *message = number_message_new (SECOND_SENDER_BASE + g_atomic_int_get (&sender->sent));
      GError *error = NULL;
      gboolean sent;

      sent = il_link_do_send (sender->link, message, &error);
      g_object_unref (message);

      if (!sent)
        {
          if (g_error_matches (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED))
            {
              sender->closed_error_seen = TRUE;
              g_error_free (error);
            }
          else
            {
              sender->unexpected_error = error;
            }
          break;
        }

      g_atomic_int_inc (&sender->sent);

      /* Unbounded, the sender fills the mailbox faster than the service
       * empties it, and each round waits for thousands of its messages. */
      while (second_sender_queue_full (sender) &&
             !g_atomic_int_get (&sender->stop_requested) &&
             g_get_monotonic_time () < deadline)
        g_usleep (SECOND_SENDER_PAUSE_USEC);
    }

  return NULL;
}

/* Counts of how the race between il_link_stop() and the do_send() right
 * after it went, reported at the end of the test. */
typedef struct
{
  guint do_send_after_stop_accepted;
  guint do_send_after_stop_rejected;
  guint second_sender_handled;
  guint rounds_interleaved;
} OrderingStats;

/* Checks the handled events of one round: the first sender's 1 to 4 in
 * order, the second sender's numbers as a gapless prefix of what it sent,
 * and the stop last. */
static void
check_round_events (OrderingState *state,
                    gint           second_sender_sent,
                    OrderingStats *stats)
{
  const gint expected_first[] = { 1, 2, 3, 4 };
  GArray *first = g_array_new (FALSE, FALSE, sizeof (gint));
  gint next_second = SECOND_SENDER_BASE;
  guint n_stopping = 0;
  gboolean interleaved = FALSE;

  g_mutex_lock (&state->lock);

  g_assert_cmpuint (state->events->len, >, 0);
  g_assert_cmpint (g_array_index (state->events, gint, state->events->len - 1), ==, EVENT_STOPPING);

  for (guint i = 0; i < state->events->len; i++)
    {
      gint event = g_array_index (state->events, gint, i);

      if (event == EVENT_STOPPING)
        {
          n_stopping++;
        }
      else if (event >= SECOND_SENDER_BASE)
        {
          g_assert_cmpint (event, ==, next_second);
          next_second++;
          if (first->len > 0 && first->len < G_N_ELEMENTS (expected_first))
            interleaved = TRUE;
        }
      else
        {
          g_array_append_val (first, event);
        }
    }

  g_mutex_unlock (&state->lock);

  g_assert_cmpuint (n_stopping, ==, 1);
  g_assert_cmpmem (first->data, first->len * sizeof (gint),
                   expected_first, sizeof expected_first);
  g_assert_cmpint (next_second - SECOND_SENDER_BASE, <=, second_sender_sent);
  stats->second_sender_handled += next_second - SECOND_SENDER_BASE;
  if (interleaved)
    stats->rounds_interleaved++;

  g_array_unref (first);
}

/* In paced rounds the first sender pauses between its requests, so that
 * messages of the second sender often fall between them. */
static void
pause_if_paced (gboolean paced)
{
  if (paced)
    g_usleep (FIRST_SENDER_PAUSE_USEC);
}

static void
run_round (OrderingStats *stats,
           gboolean       paced)
{
  OrderingState state = { 0 };
  OrderingService *service;
  IlLink *link;
  IlMessage *message;
  GError *error = NULL;
  GThread *thread;
  SecondSender sender = { 0 };
  OrderingCall call_2 = { 0 };
  OrderingCall call_4 = { 0 };
  OrderingCall call_6 = { 0 };
  OrderingCall closed_call = { 0 };
  gboolean accepted;

  g_mutex_init (&state.lock);
  state.events = g_array_new (FALSE, FALSE, sizeof (gint));

  service = g_object_new (ORDERING_TYPE_SERVICE, NULL);
  service->state = &state;
  link = il_service_start (IL_SERVICE (service));
  g_object_unref (service);

  sender.link = link;
  sender.state = &state;
  thread = g_thread_new ("second-sender", second_sender_thread, &sender);
  wait_until (g_atomic_int_get (&sender.sent) > 0);

  message = number_message_new (1);
  g_assert_true (il_link_do_send (link, message, &error));
  g_assert_no_error (error);
  g_object_unref (message);

  pause_if_paced (paced);
  call_2.link = link;
  message = number_message_new (2);
  il_link_send_async (link, message, NULL, send_done_cb, &call_2);
  g_object_unref (message);

  pause_if_paced (paced);
  g_assert_true (il_link_do_exec (link, record_number_exec, GINT_TO_POINTER (3), NULL, &error));
  g_assert_no_error (error);

  pause_if_paced (paced);
  call_4.link = link;
  il_link_exec_async (link, record_number_exec, GINT_TO_POINTER (4), NULL,
                      NULL, exec_done_cb, &call_4);

  pause_if_paced (paced);
  il_link_stop (link);

  /* The service may not have reached the stop yet, so do_send() may
   * still accept 5, but then 5 must never be handled. */
  pause_if_paced (paced);
  message = number_message_new (5);
  accepted = il_link_do_send (link, message, &error);
  if (accepted)
    {
      g_assert_no_error (error);
      stats->do_send_after_stop_accepted++;
    }
  else
    {
      g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
      g_clear_error (&error);
      stats->do_send_after_stop_rejected++;
    }
  g_object_unref (message);

  pause_if_paced (paced);
  call_6.link = link;
  message = number_message_new (6);
  il_link_send_async (link, message, NULL, send_done_cb, &call_6);
  g_object_unref (message);

  closed_call.link = link;
  il_link_wait_closed_async (link, NULL, wait_closed_done_cb, &closed_call);
  wait_until (call_2.completed > 0 && call_4.completed > 0 && call_6.completed > 0 &&
              closed_call.completed > 0);

  g_atomic_int_set (&sender.stop_requested, 1);
  g_thread_join (thread);

  g_assert_cmpint (g_atomic_int_get (&state.finalize_count), ==, 1);
  g_assert_null (sender.unexpected_error);
  assert_call_returned_int (&call_2, 2);
  assert_call_returned_int (&call_4, 4);
  g_assert_cmpuint (call_6.completed, ==, 1);
  g_assert_error (call_6.error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_assert_null (call_6.value);
  g_assert_cmpuint (closed_call.completed, ==, 1);
  g_assert_no_error (closed_call.error);

  check_round_events (&state, g_atomic_int_get (&sender.sent), stats);

  ordering_call_clear (&call_2);
  ordering_call_clear (&call_4);
  ordering_call_clear (&call_6);
  ordering_call_clear (&closed_call);
  g_object_unref (link);
  g_array_unref (state.events);
  g_mutex_clear (&state.lock);
}

static void
test_stop_sequence (void)
{
  OrderingStats stats = { 0 };
  gint64 start = g_get_monotonic_time ();

  g_test_summary ("Requests of one sender are handled in the order sent, up to an "
                  "il_link_stop() queued among them, while a second thread sends "
                  "to the same service; requests after the stop fail with CLOSED");

  for (guint round = 0; round < N_ROUNDS; round++)
    run_round (&stats, round % 2 == 1);

  g_test_message ("%u rounds in %.2f s: do_send() after il_link_stop() accepted %u "
                  "times and rejected %u times, %u messages of the second sender handled, "
                  "%u rounds with one of them between 1 and 4",
                  N_ROUNDS, (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC,
                  stats.do_send_after_stop_accepted, stats.do_send_after_stop_rejected,
                  stats.second_sender_handled, stats.rounds_interleaved);
}

int
main (int   argc,
      char *argv[])
{
  /* g_test_init() makes warnings and criticals fatal, in every thread, so
   * any unexpected one fails the test. */
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ordering/stop-sequence", test_stop_sequence);

  return g_test_run ();
}
