/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#ifdef __linux__
# include <sys/prctl.h>
#endif

#include <interlink-glib/interlink.h>

/* Every wait for something asynchronous fails the test after this time. */
#define WAIT_TIMEOUT_SECONDS 10
#define WAIT_POLL_USEC 200

/* Linux keeps at most 15 bytes of a thread name, plus the terminating NUL. */
#define THREAD_NAME_SIZE 16

/* Markers stored among the message numbers in LifecycleState.events. */
#define EVENT_STARTED (-1)
#define EVENT_STOPPING (-2)

/* Iterates the global default context and @extra_context (if not NULL)
 * without blocking, and sleeps briefly when neither had anything to
 * dispatch, so that conditions changed by other threads are seen too. */
static void
iterate_briefly (GMainContext *extra_context)
{
  gboolean dispatched;

  dispatched = g_main_context_iteration (NULL, FALSE);
  if (extra_context != NULL)
    dispatched |= g_main_context_iteration (extra_context, FALSE);

  if (!dispatched)
    g_usleep (WAIT_POLL_USEC);
}

/* Iterates the global default context and @extra_context until @condition
 * holds, and fails the test if it does not within WAIT_TIMEOUT_SECONDS. */
#define wait_until(extra_context, condition) \
  G_STMT_START { \
    gint64 wait_deadline = g_get_monotonic_time () + WAIT_TIMEOUT_SECONDS * G_USEC_PER_SEC; \
    while (!(condition) && g_get_monotonic_time () < wait_deadline) \
      iterate_briefly (extra_context); \
    if (!(condition)) \
      g_test_message ("Timed out after %d s", WAIT_TIMEOUT_SECONDS); \
    g_assert_true (condition); \
  } G_STMT_END

/* Iterates the global default context and @extra_context for @msec ms. */
static void
iterate_for (GMainContext *extra_context,
             guint         msec)
{
  gint64 end = g_get_monotonic_time () + msec * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    iterate_briefly (extra_context);
}

static void
read_thread_name (char name[THREAD_NAME_SIZE])
{
  memset (name, 0, THREAD_NAME_SIZE);
#ifdef __linux__
  prctl (PR_GET_NAME, name, 0, 0, 0);
#endif
}

/* What the hooks and handlers of one test service observed. It lives on
 * the test's stack and outlives the service, so every test waits until
 * the service is finalized before it returns. */
typedef struct
{
  GMutex lock;
  GCond cond;

  /* Guarded by lock. */
  GArray *events;
  GThread *started_thread;
  GMainContext *started_context;
  gboolean started_on_owner;
  gboolean started_in_thread_default;
  guint events_before_started;
  char started_thread_name[THREAD_NAME_SIZE];
  GThread *handler_thread;
  GMainContext *handler_context;
  gboolean handler_on_owner;
  gboolean handler_in_thread_default;
  gboolean stopping_after_context_stop;
  gboolean stopping_saw_closed;
  gboolean block_stopping;
  gboolean stopping_released;

  /* Atomic. */
  gint started_count;
  gint stopping_count;
  gint handlers_entered;
  gint stopping_entered;
  gint finalize_count;
  gint ticks;
  gint ticks_after_stopping;
  gint tick_notify_count;
} LifecycleState;

static void
lifecycle_state_init (LifecycleState *state)
{
  memset (state, 0, sizeof *state);
  g_mutex_init (&state->lock);
  g_cond_init (&state->cond);
  state->events = g_array_new (FALSE, FALSE, sizeof (gint));
}

static void
lifecycle_state_clear (LifecycleState *state)
{
  g_array_unref (state->events);
  g_cond_clear (&state->cond);
  g_mutex_clear (&state->lock);
}

static void
lifecycle_state_add_event (LifecycleState *state,
                           gint            event)
{
  g_mutex_lock (&state->lock);
  g_array_append_val (state->events, event);
  g_mutex_unlock (&state->lock);
}

static void
assert_events (LifecycleState *state,
               const gint     *expected,
               guint           n_expected)
{
  g_mutex_lock (&state->lock);
  g_assert_cmpmem (state->events->data, state->events->len * sizeof (gint),
                   expected, n_expected * sizeof (gint));
  g_mutex_unlock (&state->lock);
}

/* Lets a stopping hook blocked by LifecycleState.block_stopping return. */
static void
lifecycle_state_release_stopping (LifecycleState *state)
{
  g_mutex_lock (&state->lock);
  state->stopping_released = TRUE;
  g_cond_broadcast (&state->cond);
  g_mutex_unlock (&state->lock);
}

/* Records what the started hook of every test service checks. */
static void
lifecycle_state_record_started (LifecycleState   *state,
                                IlServiceContext *context)
{
  GMainContext *main_context = il_service_context_get_main_context (context);
  GMainContext *thread_default = g_main_context_ref_thread_default ();

  g_mutex_lock (&state->lock);
  state->started_thread = g_thread_self ();
  state->started_context = main_context;
  state->started_on_owner = g_main_context_is_owner (main_context);
  state->started_in_thread_default = (thread_default == main_context);
  state->events_before_started = state->events->len;
  read_thread_name (state->started_thread_name);
  g_mutex_unlock (&state->lock);

  g_main_context_unref (thread_default);
  lifecycle_state_add_event (state, EVENT_STARTED);
  g_atomic_int_inc (&state->started_count);
}

/* A message that carries a number. The handler replies with the number. */
#define LIFECYCLE_TYPE_NUMBER_MESSAGE (lifecycle_number_message_get_type ())
G_DECLARE_FINAL_TYPE (LifecycleNumberMessage, lifecycle_number_message,
                      LIFECYCLE, NUMBER_MESSAGE, IlMessage)

struct _LifecycleNumberMessage
{
  IlMessage parent_instance;

  gint number;
  guint delay_ms;
  gboolean stop_service;
};

G_DEFINE_TYPE (LifecycleNumberMessage, lifecycle_number_message, IL_TYPE_MESSAGE)

enum
{
  PROP_NUMBER = 1,
  PROP_DELAY_MS,
  PROP_STOP_SERVICE,
  N_PROPS
};

static GParamSpec *number_message_props[N_PROPS];

static void
lifecycle_number_message_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  LifecycleNumberMessage *self = LIFECYCLE_NUMBER_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_NUMBER:
      g_value_set_int (value, self->number);
      break;
    case PROP_DELAY_MS:
      g_value_set_uint (value, self->delay_ms);
      break;
    case PROP_STOP_SERVICE:
      g_value_set_boolean (value, self->stop_service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lifecycle_number_message_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  LifecycleNumberMessage *self = LIFECYCLE_NUMBER_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_NUMBER:
      self->number = g_value_get_int (value);
      break;
    case PROP_DELAY_MS:
      self->delay_ms = g_value_get_uint (value);
      break;
    case PROP_STOP_SERVICE:
      self->stop_service = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lifecycle_number_message_class_init (LifecycleNumberMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = lifecycle_number_message_get_property;
  object_class->set_property = lifecycle_number_message_set_property;

  number_message_props[PROP_NUMBER] =
    g_param_spec_int ("number", NULL, NULL,
                      G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  number_message_props[PROP_DELAY_MS] =
    g_param_spec_uint ("delay-ms", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  number_message_props[PROP_STOP_SERVICE] =
    g_param_spec_boolean ("stop-service", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, number_message_props);

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_INT);
}

static void
lifecycle_number_message_init (LifecycleNumberMessage *self)
{
}

static IlMessage *
number_message_new (gint number)
{
  return g_object_new (LIFECYCLE_TYPE_NUMBER_MESSAGE, "number", number, NULL);
}

/* A service whose type name is longer than a Linux thread name. */
#define LIFECYCLE_TYPE_TEST_SERVICE (lifecycle_test_service_get_type ())
G_DECLARE_FINAL_TYPE (LifecycleTestService, lifecycle_test_service,
                      LIFECYCLE, TEST_SERVICE, IlService)

struct _LifecycleTestService
{
  IlService parent_instance;

  /* Set before the service starts. */
  LifecycleState *state;
  guint tick_interval_ms;
  gboolean keep_own_link;
  IlLink *peer_link;

  IlLink *own_link;
};

G_DEFINE_TYPE (LifecycleTestService, lifecycle_test_service, IL_TYPE_SERVICE)

static void
lifecycle_tick (IlService        *service,
                IlServiceContext *context,
                gpointer          user_data)
{
  LifecycleTestService *self = LIFECYCLE_TEST_SERVICE (service);
  LifecycleState *state = user_data;

  if (g_atomic_int_get (&state->stopping_count) > 0)
    g_atomic_int_inc (&state->ticks_after_stopping);
  g_atomic_int_inc (&state->ticks);

  /* Keep the peer busy, so that its link is in use while both stop.
   * The send fails with IL_LINK_ERROR_CLOSED once the peer stopped. */
  if (self->peer_link != NULL)
    {
      IlMessage *message = number_message_new (100 + g_atomic_int_get (&state->ticks));

      il_link_do_send (self->peer_link, message, NULL);
      g_object_unref (message);
    }
}

static void
lifecycle_tick_notify (gpointer user_data)
{
  LifecycleState *state = user_data;

  g_atomic_int_inc (&state->tick_notify_count);
}

static void
lifecycle_test_service_started (IlService        *service,
                                IlServiceContext *context)
{
  LifecycleTestService *self = LIFECYCLE_TEST_SERVICE (service);

  if (IL_SERVICE_CLASS (lifecycle_test_service_parent_class)->started != NULL)
    IL_SERVICE_CLASS (lifecycle_test_service_parent_class)->started (service, context);

  lifecycle_state_record_started (self->state, context);

  if (self->keep_own_link)
    self->own_link = g_object_ref (il_service_context_get_link (context));

  if (self->tick_interval_ms > 0)
    il_service_context_run_interval (context, self->tick_interval_ms,
                                     lifecycle_tick, self->state,
                                     lifecycle_tick_notify);
}

static void
lifecycle_test_service_stopping (IlService        *service,
                                 IlServiceContext *context)
{
  LifecycleTestService *self = LIFECYCLE_TEST_SERVICE (service);
  LifecycleState *state = self->state;
  gint64 deadline;

  lifecycle_state_add_event (state, EVENT_STOPPING);

  g_mutex_lock (&state->lock);
  state->stopping_saw_closed = il_link_is_closed (il_service_context_get_link (context));

  if (state->block_stopping)
    {
      deadline = g_get_monotonic_time () + WAIT_TIMEOUT_SECONDS * G_USEC_PER_SEC;
      g_atomic_int_set (&state->stopping_entered, 1);
      while (!state->stopping_released)
        {
          if (!g_cond_wait_until (&state->cond, &state->lock, deadline))
            break;
        }
    }
  g_mutex_unlock (&state->lock);

  g_atomic_int_inc (&state->stopping_count);

  if (IL_SERVICE_CLASS (lifecycle_test_service_parent_class)->stopping != NULL)
    IL_SERVICE_CLASS (lifecycle_test_service_parent_class)->stopping (service, context);
}

static void
lifecycle_test_service_handle_number (IlService        *service,
                                      IlMessage        *message,
                                      IlServiceContext *context,
                                      IlReply          *reply)
{
  LifecycleTestService *self = LIFECYCLE_TEST_SERVICE (service);
  LifecycleNumberMessage *number_message = LIFECYCLE_NUMBER_MESSAGE (message);
  LifecycleState *state = self->state;
  GMainContext *main_context = il_service_context_get_main_context (context);
  GMainContext *thread_default = g_main_context_ref_thread_default ();

  g_mutex_lock (&state->lock);
  g_array_append_val (state->events, number_message->number);
  state->handler_thread = g_thread_self ();
  state->handler_context = main_context;
  state->handler_on_owner = g_main_context_is_owner (main_context);
  state->handler_in_thread_default = (thread_default == main_context);
  g_mutex_unlock (&state->lock);
  g_main_context_unref (thread_default);

  g_atomic_int_inc (&state->handlers_entered);

  if (number_message->delay_ms > 0)
    g_usleep (number_message->delay_ms * G_TIME_SPAN_MILLISECOND);

  if (number_message->stop_service)
    {
      il_service_context_stop (context);

      g_mutex_lock (&state->lock);
      state->stopping_after_context_stop = il_service_context_is_stopping (context);
      g_mutex_unlock (&state->lock);
    }

  il_reply_return_int (reply, number_message->number);
}

static void
lifecycle_test_service_finalize (GObject *object)
{
  LifecycleTestService *self = LIFECYCLE_TEST_SERVICE (object);

  g_clear_object (&self->own_link);
  g_clear_object (&self->peer_link);
  g_atomic_int_inc (&self->state->finalize_count);

  G_OBJECT_CLASS (lifecycle_test_service_parent_class)->finalize (object);
}

static void
lifecycle_test_service_class_init (LifecycleTestServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  object_class->finalize = lifecycle_test_service_finalize;
  service_class->started = lifecycle_test_service_started;
  service_class->stopping = lifecycle_test_service_stopping;

  il_service_class_add_handler (service_class, LIFECYCLE_TYPE_NUMBER_MESSAGE,
                                lifecycle_test_service_handle_number);
}

static void
lifecycle_test_service_init (LifecycleTestService *self)
{
}

static IlService *
test_service_new (LifecycleState *state)
{
  LifecycleTestService *service = g_object_new (LIFECYCLE_TYPE_TEST_SERVICE, NULL);

  service->state = state;

  return IL_SERVICE (service);
}

/* A service whose type name fits a Linux thread name unchanged. */
#define LIFECYCLE_TYPE_TINY (lifecycle_tiny_get_type ())
G_DECLARE_FINAL_TYPE (LifecycleTiny, lifecycle_tiny, LIFECYCLE, TINY, IlService)

struct _LifecycleTiny
{
  IlService parent_instance;

  LifecycleState *state;
};

G_DEFINE_TYPE (LifecycleTiny, lifecycle_tiny, IL_TYPE_SERVICE)

static void
lifecycle_tiny_started (IlService        *service,
                        IlServiceContext *context)
{
  lifecycle_state_record_started (LIFECYCLE_TINY (service)->state, context);
}

static void
lifecycle_tiny_finalize (GObject *object)
{
  g_atomic_int_inc (&LIFECYCLE_TINY (object)->state->finalize_count);

  G_OBJECT_CLASS (lifecycle_tiny_parent_class)->finalize (object);
}

static void
lifecycle_tiny_class_init (LifecycleTinyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lifecycle_tiny_finalize;
  IL_SERVICE_CLASS (klass)->started = lifecycle_tiny_started;
}

static void
lifecycle_tiny_init (LifecycleTiny *self)
{
}

/* The outcome of one asynchronous request. */
typedef struct
{
  IlLink *link;
  guint completed;
  GThread *callback_thread;
  GValue *value;
  GError *error;
} LifecycleCall;

static void
lifecycle_call_store (LifecycleCall *call,
                      GValue        *value,
                      GError        *error)
{
  call->completed++;
  call->callback_thread = g_thread_self ();

  /* Keep the first outcome. LifecycleCall.completed counts any further
   * callback, and the tests check it. */
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
  LifecycleCall *call = user_data;
  GError *error = NULL;
  GValue *value;

  value = il_link_send_finish (call->link, result, &error);
  lifecycle_call_store (call, value, error);
}

static void
exec_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LifecycleCall *call = user_data;
  GError *error = NULL;
  GValue *value;

  value = il_link_exec_finish (call->link, result, &error);
  lifecycle_call_store (call, value, error);
}

static void
send_number (IlLink        *link,
             IlMessage     *message,
             LifecycleCall *call)
{
  call->link = link;
  il_link_send_async (link, message, NULL, send_done_cb, call);
  g_object_unref (message);
}

static void
lifecycle_call_clear (LifecycleCall *call)
{
  if (call->value != NULL)
    g_boxed_free (G_TYPE_VALUE, call->value);
  g_clear_error (&call->error);
}

static void
assert_call_returned_int (LifecycleCall *call,
                          gint           expected)
{
  g_assert_cmpuint (call->completed, ==, 1);
  g_assert_no_error (call->error);
  g_assert_nonnull (call->value);
  g_assert_true (G_VALUE_HOLDS_INT (call->value));
  g_assert_cmpint (g_value_get_int (call->value), ==, expected);
}

static void
assert_call_closed (LifecycleCall *call)
{
  g_assert_cmpuint (call->completed, ==, 1);
  g_assert_error (call->error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_assert_null (call->value);
}

/* The outcome of il_link_stop_async() or il_link_wait_closed_async(). */
typedef struct
{
  IlLink *link;
  LifecycleState *state;
  IlService **weak_service;
  guint completed;
  gboolean result;
  GError *error;
  GThread *callback_thread;
  gint stopping_count_at_completion;
  gint finalize_count_at_completion;
  IlService *service_at_completion;
} LifecycleStop;

static void
lifecycle_stop_store (LifecycleStop *stop,
                      gboolean       result,
                      GError        *error)
{
  stop->completed++;
  stop->callback_thread = g_thread_self ();
  stop->stopping_count_at_completion = g_atomic_int_get (&stop->state->stopping_count);
  stop->finalize_count_at_completion = g_atomic_int_get (&stop->state->finalize_count);
  if (stop->weak_service != NULL)
    stop->service_at_completion = *stop->weak_service;

  if (stop->completed == 1)
    {
      stop->result = result;
      stop->error = error;
    }
  else
    {
      g_clear_error (&error);
    }
}

static void
stop_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LifecycleStop *stop = user_data;
  GError *error = NULL;
  gboolean stopped;

  stopped = il_link_stop_finish (stop->link, result, &error);
  lifecycle_stop_store (stop, stopped, error);
}

static void
wait_closed_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  LifecycleStop *stop = user_data;
  GError *error = NULL;
  gboolean closed;

  closed = il_link_wait_closed_finish (stop->link, result, &error);
  lifecycle_stop_store (stop, closed, error);
}

static void
lifecycle_stop_init (LifecycleStop   *stop,
                     IlLink          *link,
                     LifecycleState  *state,
                     IlService      **weak_service)
{
  memset (stop, 0, sizeof *stop);
  stop->link = link;
  stop->state = state;
  stop->weak_service = weak_service;
}

/* Stops the service behind @link, iterating @extra_context as well, and
 * checks that the service is stopped and finalized. The caller must not
 * hold a reference to the service. */
static void
stop_and_wait (IlLink         *link,
               LifecycleState *state,
               GMainContext   *extra_context)
{
  LifecycleStop stop;

  lifecycle_stop_init (&stop, link, state, NULL);
  il_link_stop_async (link, NULL, stop_done_cb, &stop);
  wait_until (extra_context, stop.completed == 1);

  g_assert_no_error (stop.error);
  g_assert_true (stop.result);
  g_assert_cmpint (stop.stopping_count_at_completion, ==, 1);
  g_assert_cmpint (stop.finalize_count_at_completion, ==, 1);
}

static void
test_start_own_thread (void)
{
  LifecycleState state;
  IlService *service;
  IlLink *link;
  LifecycleCall call = { 0 };
  char *expected_name;
  const gint expected_events[] = { EVENT_STARTED, 7, EVENT_STOPPING };

  g_test_summary ("il_service_start() runs the service on a new thread named "
                  "after its type, and started runs there before the first message");

#ifndef __linux__
  g_test_skip ("Reading the thread name needs Linux");
  return;
#endif

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  g_assert_false (il_service_is_started (service));

  link = il_service_start (service);
  g_assert_nonnull (link);
  g_assert_true (il_service_is_started (service));
  g_object_unref (service);

  send_number (link, number_message_new (7), &call);
  wait_until (NULL, call.completed == 1);
  assert_call_returned_int (&call, 7);
  g_assert_true (call.callback_thread == g_thread_self ());

  /* The kernel keeps the first 15 bytes of a thread name. */
  expected_name = g_strndup (g_type_name (LIFECYCLE_TYPE_TEST_SERVICE), THREAD_NAME_SIZE - 1);
  g_assert_cmpuint (strlen (g_type_name (LIFECYCLE_TYPE_TEST_SERVICE)), >, THREAD_NAME_SIZE - 1);

  g_mutex_lock (&state.lock);
  g_assert_cmpstr (state.started_thread_name, ==, expected_name);
  g_assert_true (state.started_thread != g_thread_self ());
  g_assert_true (state.started_context != g_main_context_default ());
  g_assert_true (state.started_on_owner);
  g_assert_true (state.started_in_thread_default);
  g_assert_cmpuint (state.events_before_started, ==, 0);
  g_assert_true (state.handler_thread == state.started_thread);
  g_assert_true (state.handler_context == state.started_context);
  g_assert_true (state.handler_on_owner);
  g_assert_true (state.handler_in_thread_default);
  g_mutex_unlock (&state.lock);
  g_assert_cmpint (g_atomic_int_get (&state.started_count), ==, 1);

  stop_and_wait (link, &state, NULL);
  assert_events (&state, expected_events, G_N_ELEMENTS (expected_events));

  g_free (expected_name);
  lifecycle_call_clear (&call);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_start_short_thread_name (void)
{
  LifecycleState state;
  LifecycleTiny *service;
  IlLink *link;

  g_test_summary ("A service type name of less than 16 bytes is the whole thread name");

#ifndef __linux__
  g_test_skip ("Reading the thread name needs Linux");
  return;
#endif

  lifecycle_state_init (&state);
  service = g_object_new (LIFECYCLE_TYPE_TINY, NULL);
  service->state = &state;

  link = il_service_start (IL_SERVICE (service));
  g_object_unref (service);
  wait_until (NULL, g_atomic_int_get (&state.started_count) == 1);

  g_mutex_lock (&state.lock);
  g_assert_cmpstr (state.started_thread_name, ==, "LifecycleTiny");
  g_assert_true (state.started_thread != g_thread_self ());
  g_mutex_unlock (&state.lock);

  il_link_stop (link);
  wait_until (NULL, g_atomic_int_get (&state.finalize_count) == 1);

  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_start_on_default_context (void)
{
  LifecycleState state;
  IlService *service;
  IlLink *link;
  LifecycleCall call = { 0 };
  const gint expected_events[] = { EVENT_STARTED, 3, EVENT_STOPPING };

  g_test_summary ("il_service_start_on_context() with NULL runs the service on "
                  "the global default context, iterated by the caller");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  link = il_service_start_on_context (service, NULL);
  g_assert_true (il_service_is_started (service));
  g_object_unref (service);

  send_number (link, number_message_new (3), &call);
  wait_until (NULL, call.completed == 1);
  assert_call_returned_int (&call, 3);

  g_mutex_lock (&state.lock);
  g_assert_true (state.started_thread == g_thread_self ());
  g_assert_true (state.started_context == g_main_context_default ());
  g_assert_true (state.started_on_owner);
  g_assert_cmpuint (state.events_before_started, ==, 0);
  g_assert_true (state.handler_thread == g_thread_self ());
  g_assert_true (state.handler_context == g_main_context_default ());
  g_assert_true (state.handler_on_owner);
  g_mutex_unlock (&state.lock);

  stop_and_wait (link, &state, NULL);
  assert_events (&state, expected_events, G_N_ELEMENTS (expected_events));

  lifecycle_call_clear (&call);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_start_on_custom_context (void)
{
  LifecycleState state;
  IlService *service;
  IlLink *link;
  GMainContext *context;
  LifecycleCall call = { 0 };
  const gint expected_events[] = { EVENT_STARTED, 5, EVENT_STOPPING };

  g_test_summary ("il_service_start_on_context() runs the service only while the "
                  "caller iterates the given context");

  lifecycle_state_init (&state);
  context = g_main_context_new ();
  service = test_service_new (&state);
  link = il_service_start_on_context (service, context);
  g_object_unref (service);

  send_number (link, number_message_new (5), &call);

  /* The test has not iterated the service's context yet. */
  iterate_for (NULL, 50);
  g_assert_cmpint (g_atomic_int_get (&state.handlers_entered), ==, 0);
  g_assert_cmpuint (call.completed, ==, 0);

  wait_until (context, call.completed == 1);
  assert_call_returned_int (&call, 5);
  g_assert_true (call.callback_thread == g_thread_self ());

  g_mutex_lock (&state.lock);
  g_assert_true (state.started_thread == g_thread_self ());
  g_assert_true (state.started_context == context);
  g_assert_true (state.started_on_owner);
  g_assert_cmpuint (state.events_before_started, ==, 0);
  g_assert_true (state.handler_context == context);
  g_assert_true (state.handler_on_owner);
  g_mutex_unlock (&state.lock);

  stop_and_wait (link, &state, context);
  assert_events (&state, expected_events, G_N_ELEMENTS (expected_events));

  lifecycle_call_clear (&call);
  g_object_unref (link);
  g_main_context_unref (context);
  lifecycle_state_clear (&state);
}

static void
test_messages_before_start (void)
{
  LifecycleState state;
  IlService *service;
  IlLink *early_link;
  IlLink *link;
  IlMessage *message;
  GError *error = NULL;
  LifecycleCall calls[2] = { { 0 } };
  const gint expected_events[] = { EVENT_STARTED, 1, 2, 3, 4, EVENT_STOPPING };

  g_test_summary ("Messages sent through il_service_get_link() before start are "
                  "handled after started, in the order they were sent");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  early_link = il_service_get_link (service);
  g_assert_nonnull (early_link);
  g_assert_false (il_link_is_closed (early_link));

  message = number_message_new (1);
  g_assert_true (il_link_do_send (early_link, message, &error));
  g_assert_no_error (error);
  g_object_unref (message);

  send_number (early_link, number_message_new (2), &calls[0]);

  message = number_message_new (3);
  g_assert_true (il_link_do_send (early_link, message, &error));
  g_assert_no_error (error);
  g_object_unref (message);

  send_number (early_link, number_message_new (4), &calls[1]);

  /* Nothing runs before the service starts. */
  iterate_for (NULL, 50);
  g_assert_cmpint (g_atomic_int_get (&state.started_count), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&state.handlers_entered), ==, 0);
  g_assert_cmpuint (calls[0].completed, ==, 0);
  g_assert_cmpuint (calls[1].completed, ==, 0);

  link = il_service_start (service);
  g_object_unref (service);
  wait_until (NULL, calls[0].completed == 1 && calls[1].completed == 1);

  assert_call_returned_int (&calls[0], 2);
  assert_call_returned_int (&calls[1], 4);
  g_mutex_lock (&state.lock);
  g_assert_cmpuint (state.events_before_started, ==, 0);
  g_mutex_unlock (&state.lock);

  stop_and_wait (link, &state, NULL);
  assert_events (&state, expected_events, G_N_ELEMENTS (expected_events));

  lifecycle_call_clear (&calls[0]);
  lifecycle_call_clear (&calls[1]);
  g_object_unref (link);
  g_object_unref (early_link);
  lifecycle_state_clear (&state);
}

static void
test_link_stop (void)
{
  LifecycleState state;
  IlService *service;
  IlService *weak_service;
  IlLink *link;
  LifecycleStop wait;
  LifecycleCall call = { 0 };
  const gint expected_events[] = { EVENT_STARTED, 1, EVENT_STOPPING };

  g_test_summary ("il_link_stop() runs stopping once, closes the link and releases "
                  "the service");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  weak_service = service;
  g_object_add_weak_pointer (G_OBJECT (service), (gpointer *) &weak_service);

  link = il_service_start (service);
  g_object_unref (service);

  send_number (link, number_message_new (1), &call);
  wait_until (NULL, call.completed == 1);
  assert_call_returned_int (&call, 1);
  g_assert_false (il_link_is_closed (link));

  lifecycle_stop_init (&wait, link, &state, &weak_service);
  il_link_wait_closed_async (link, NULL, wait_closed_done_cb, &wait);
  il_link_stop (link);
  wait_until (NULL, wait.completed == 1);

  g_assert_no_error (wait.error);
  g_assert_true (wait.result);
  g_assert_cmpint (wait.stopping_count_at_completion, ==, 1);
  g_assert_cmpint (wait.finalize_count_at_completion, ==, 1);
  g_assert_null (wait.service_at_completion);
  g_assert_true (il_link_is_closed (link));

  /* A second stop does nothing. */
  il_link_stop (link);
  iterate_for (NULL, 20);
  g_assert_cmpint (g_atomic_int_get (&state.stopping_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&state.finalize_count), ==, 1);
  assert_events (&state, expected_events, G_N_ELEMENTS (expected_events));

  lifecycle_call_clear (&call);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_link_stop_async (void)
{
  LifecycleState state;
  IlService *service;
  IlService *weak_service;
  IlLink *link;
  LifecycleStop stop;
  LifecycleStop second_stop;
  LifecycleCall call = { 0 };
  const gint expected_events[] = { EVENT_STARTED, 1, EVENT_STOPPING };

  g_test_summary ("il_link_stop_async() completes after stopping ran and the "
                  "service was finalized");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  weak_service = service;
  g_object_add_weak_pointer (G_OBJECT (service), (gpointer *) &weak_service);

  link = il_service_start (service);
  g_object_unref (service);

  send_number (link, number_message_new (1), &call);
  wait_until (NULL, call.completed == 1);
  assert_call_returned_int (&call, 1);

  lifecycle_stop_init (&stop, link, &state, &weak_service);
  il_link_stop_async (link, NULL, stop_done_cb, &stop);
  g_assert_cmpuint (stop.completed, ==, 0);
  wait_until (NULL, stop.completed == 1);

  g_assert_no_error (stop.error);
  g_assert_true (stop.result);
  g_assert_true (stop.callback_thread == g_thread_self ());
  g_assert_cmpint (stop.stopping_count_at_completion, ==, 1);
  g_assert_cmpint (stop.finalize_count_at_completion, ==, 1);
  g_assert_null (stop.service_at_completion);
  g_assert_true (il_link_is_closed (link));

  /* Stopping a stopped service succeeds at once. */
  lifecycle_stop_init (&second_stop, link, &state, NULL);
  il_link_stop_async (link, NULL, stop_done_cb, &second_stop);
  wait_until (NULL, second_stop.completed == 1);
  g_assert_no_error (second_stop.error);
  g_assert_true (second_stop.result);

  iterate_for (NULL, 20);
  g_assert_cmpuint (stop.completed, ==, 1);
  g_assert_cmpuint (second_stop.completed, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&state.stopping_count), ==, 1);
  assert_events (&state, expected_events, G_N_ELEMENTS (expected_events));

  lifecycle_call_clear (&call);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_context_stop_from_handler (void)
{
  LifecycleState state;
  IlService *service;
  IlLink *early_link;
  IlLink *link;
  IlMessage *message;
  GError *error = NULL;
  LifecycleCall calls[3] = { { 0 } };
  const gint expected_events[] = { EVENT_STARTED, 1, EVENT_STOPPING };

  g_test_summary ("il_service_context_stop() from a handler stops the service once "
                  "the handler returns, and the queued requests fail with CLOSED");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  early_link = il_service_get_link (service);

  /* Queue everything before start, so that 2 to 4 are certainly queued
   * when the handler of 1 stops the service. */
  message = g_object_new (LIFECYCLE_TYPE_NUMBER_MESSAGE,
                          "number", 1,
                          "stop-service", TRUE,
                          NULL);
  send_number (early_link, message, &calls[0]);
  send_number (early_link, number_message_new (2), &calls[1]);
  send_number (early_link, number_message_new (3), &calls[2]);
  message = number_message_new (4);
  g_assert_true (il_link_do_send (early_link, message, &error));
  g_assert_no_error (error);
  g_object_unref (message);

  link = il_service_start (service);
  g_object_unref (service);
  wait_until (NULL, calls[0].completed == 1 && calls[1].completed == 1 && calls[2].completed == 1);
  wait_until (NULL, g_atomic_int_get (&state.finalize_count) == 1);

  /* The handler that stopped the service still returns its reply. */
  assert_call_returned_int (&calls[0], 1);
  assert_call_closed (&calls[1]);
  assert_call_closed (&calls[2]);

  g_mutex_lock (&state.lock);
  g_assert_true (state.stopping_after_context_stop);
  g_mutex_unlock (&state.lock);
  g_assert_cmpint (g_atomic_int_get (&state.stopping_count), ==, 1);
  g_assert_true (il_link_is_closed (link));
  g_assert_true (il_link_is_closed (early_link));

  iterate_for (NULL, 20);
  assert_events (&state, expected_events, G_N_ELEMENTS (expected_events));
  g_assert_cmpuint (calls[0].completed, ==, 1);
  g_assert_cmpuint (calls[1].completed, ==, 1);
  g_assert_cmpuint (calls[2].completed, ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    lifecycle_call_clear (&calls[i]);
  g_object_unref (link);
  g_object_unref (early_link);
  lifecycle_state_clear (&state);
}

/* Starts a service, sends it a 200 ms request, waits until the request
 * runs and returns the link. If @stop_from_handler is TRUE, the request
 * itself stops the service with il_service_context_stop() when its sleep
 * is over. */
static IlLink *
start_busy_service (LifecycleState *state,
                    LifecycleCall  *busy_call,
                    gboolean        stop_from_handler)
{
  IlService *service;
  IlLink *link;
  IlMessage *message;

  service = test_service_new (state);
  link = il_service_start (service);
  g_object_unref (service);

  message = g_object_new (LIFECYCLE_TYPE_NUMBER_MESSAGE,
                          "number", 1,
                          "delay-ms", 200,
                          "stop-service", stop_from_handler,
                          NULL);
  send_number (link, message, busy_call);
  wait_until (NULL, g_atomic_int_get (&state->handlers_entered) == 1);

  return link;
}

static gboolean
calls_completed (LifecycleCall *calls,
                 guint          n_calls)
{
  for (guint i = 0; i < n_calls; i++)
    {
      if (calls[i].completed == 0)
        return FALSE;
    }

  return TRUE;
}

static void
check_stop_while_busy (LifecycleState *state,
                       LifecycleCall  *calls,
                       guint           n_calls)
{
  const gint expected_events[] = { EVENT_STARTED, 1, EVENT_STOPPING };

  wait_until (NULL, calls_completed (calls, n_calls));
  wait_until (NULL, g_atomic_int_get (&state->finalize_count) == 1);

  /* Give a second callback of any request time to show up. */
  iterate_for (NULL, 100);

  assert_call_returned_int (&calls[0], 1);
  for (guint i = 1; i < n_calls; i++)
    assert_call_closed (&calls[i]);

  g_assert_cmpint (g_atomic_int_get (&state->stopping_count), ==, 1);
  assert_events (state, expected_events, G_N_ELEMENTS (expected_events));
}

static void
test_stop_while_busy (void)
{
  LifecycleState state;
  IlLink *link;
  LifecycleCall calls[5] = { { 0 } };

  g_test_summary ("A stop requested while a 200 ms request runs lets it finish and "
                  "fails the 4 requests queued after the stop with CLOSED, and "
                  "every callback runs exactly once");

  lifecycle_state_init (&state);
  link = start_busy_service (&state, &calls[0], FALSE);

  il_link_stop (link);
  for (guint i = 1; i < G_N_ELEMENTS (calls); i++)
    send_number (link, number_message_new (i + 1), &calls[i]);

  check_stop_while_busy (&state, calls, G_N_ELEMENTS (calls));

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    lifecycle_call_clear (&calls[i]);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_context_stop_while_busy (void)
{
  LifecycleState state;
  IlLink *link;
  LifecycleCall calls[5] = { { 0 } };

  g_test_summary ("A 200 ms request that calls il_service_context_stop() finishes, "
                  "and the 4 requests queued behind it fail with CLOSED, each "
                  "callback running exactly once");

  lifecycle_state_init (&state);
  link = start_busy_service (&state, &calls[0], TRUE);

  for (guint i = 1; i < G_N_ELEMENTS (calls); i++)
    send_number (link, number_message_new (i + 1), &calls[i]);

  check_stop_while_busy (&state, calls, G_N_ELEMENTS (calls));

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    lifecycle_call_clear (&calls[i]);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_is_closed_during_stopping (void)
{
  LifecycleState state;
  IlService *service;
  IlLink *link;
  IlMessage *message;
  GError *error = NULL;
  LifecycleCall call = { 0 };

  g_test_summary ("The link is closed and do_send() fails with CLOSED from the "
                  "moment stopping begins");

  lifecycle_state_init (&state);
  state.block_stopping = TRUE;
  service = test_service_new (&state);
  link = il_service_start (service);
  g_object_unref (service);

  il_link_stop (link);
  wait_until (NULL, g_atomic_int_get (&state.stopping_entered) == 1);

  g_assert_true (il_link_is_closed (link));

  message = number_message_new (1);
  g_assert_false (il_link_do_send (link, message, &error));
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_clear_error (&error);
  g_object_unref (message);

  send_number (link, number_message_new (2), &call);

  lifecycle_state_release_stopping (&state);
  wait_until (NULL, call.completed == 1 && g_atomic_int_get (&state.finalize_count) == 1);

  assert_call_closed (&call);
  g_mutex_lock (&state.lock);
  g_assert_true (state.stopping_saw_closed);
  g_mutex_unlock (&state.lock);
  g_assert_cmpint (g_atomic_int_get (&state.handlers_entered), ==, 0);

  lifecycle_call_clear (&call);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
count_destroy (gpointer data)
{
  gint *count = data;

  g_atomic_int_inc (count);
}

static void
never_run_exec (IlService        *service,
                IlServiceContext *context,
                IlReply          *reply,
                gpointer          user_data)
{
  g_assert_not_reached ();
}

static void
test_send_after_stop (void)
{
  LifecycleState state;
  IlService *service;
  IlLink *link;
  IlMessage *message;
  GError *error = NULL;
  GValue *value;
  LifecycleCall send_call = { 0 };
  LifecycleCall exec_call = { 0 };
  gint destroy_count = 0;

  g_test_summary ("Every kind of request through a stopped link fails with CLOSED, "
                  "do_send() and do_exec() at once");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  link = il_service_start (service);
  g_object_unref (service);
  stop_and_wait (link, &state, NULL);
  g_assert_true (il_link_is_closed (link));

  message = number_message_new (1);
  g_assert_false (il_link_do_send (link, message, &error));
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_clear_error (&error);

  value = il_link_send_sync (link, message, NULL, &error);
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_assert_null (value);
  g_clear_error (&error);
  g_object_unref (message);

  g_assert_false (il_link_do_exec (link, never_run_exec, &destroy_count, count_destroy, &error));
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_clear_error (&error);

  /* The callbacks never run inside the *_async() call. */
  send_number (link, number_message_new (2), &send_call);
  g_assert_cmpuint (send_call.completed, ==, 0);

  exec_call.link = link;
  il_link_exec_async (link, never_run_exec, &destroy_count, count_destroy,
                      NULL, exec_done_cb, &exec_call);
  g_assert_cmpuint (exec_call.completed, ==, 0);

  wait_until (NULL, send_call.completed == 1 && exec_call.completed == 1);
  wait_until (NULL, g_atomic_int_get (&destroy_count) == 2);
  iterate_for (NULL, 20);

  assert_call_closed (&send_call);
  assert_call_closed (&exec_call);
  g_assert_cmpint (g_atomic_int_get (&destroy_count), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&state.handlers_entered), ==, 0);

  /* Stopping again changes nothing. */
  il_link_stop (link);
  g_assert_true (il_link_is_closed (link));
  g_assert_cmpint (g_atomic_int_get (&state.stopping_count), ==, 1);

  lifecycle_call_clear (&send_call);
  lifecycle_call_clear (&exec_call);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

/* Queues requests on a service that never starts, optionally stops it,
 * drops the last reference and checks that every request fails with
 * CLOSED. */
static void
check_never_started (gboolean stop_first)
{
  LifecycleState state;
  IlService *service;
  IlService *weak_service;
  IlLink *link;
  IlMessage *message;
  GError *error = NULL;
  LifecycleCall calls[2] = { { 0 } };
  LifecycleCall exec_call = { 0 };
  gint destroy_count = 0;

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  weak_service = service;
  g_object_add_weak_pointer (G_OBJECT (service), (gpointer *) &weak_service);
  link = il_service_get_link (service);

  send_number (link, number_message_new (1), &calls[0]);
  message = number_message_new (2);
  g_assert_true (il_link_do_send (link, message, &error));
  g_assert_no_error (error);
  g_object_unref (message);
  send_number (link, number_message_new (3), &calls[1]);
  exec_call.link = link;
  il_link_exec_async (link, never_run_exec, &destroy_count, count_destroy,
                      NULL, exec_done_cb, &exec_call);

  if (stop_first)
    il_link_stop (link);
  g_object_unref (service);
  g_assert_null (weak_service);

  wait_until (NULL, calls[0].completed == 1 && calls[1].completed == 1 && exec_call.completed == 1);
  wait_until (NULL, g_atomic_int_get (&destroy_count) == 1);
  iterate_for (NULL, 20);

  assert_call_closed (&calls[0]);
  assert_call_closed (&calls[1]);
  assert_call_closed (&exec_call);
  g_assert_cmpint (g_atomic_int_get (&destroy_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&state.started_count), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&state.handlers_entered), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&state.finalize_count), ==, 1);

  /* The service is gone, so new requests fail at once. */
  g_assert_true (il_link_is_closed (link));
  message = number_message_new (4);
  g_assert_false (il_link_do_send (link, message, &error));
  g_assert_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED);
  g_clear_error (&error);
  g_object_unref (message);

  lifecycle_call_clear (&calls[0]);
  lifecycle_call_clear (&calls[1]);
  lifecycle_call_clear (&exec_call);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_stop_never_started (void)
{
  g_test_summary ("Stopping a service that never started and dropping it fails its "
                  "queued requests with CLOSED");

  check_never_started (TRUE);
}

static void
test_unref_never_started (void)
{
  g_test_summary ("Dropping a service that never started fails its queued requests "
                  "with CLOSED");

  check_never_started (FALSE);
}

static void
test_wait_closed (void)
{
  LifecycleState state;
  IlService *service;
  IlService *weak_service;
  IlLink *link;
  IlMessage *message;
  LifecycleStop wait;
  LifecycleStop late_wait;
  LifecycleCall calls[2] = { { 0 } };
  const gint expected_events[] = { EVENT_STARTED, 1, 2, EVENT_STOPPING };

  g_test_summary ("il_link_wait_closed_async() does not stop the service and "
                  "completes once it stopped and was released");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  weak_service = service;
  g_object_add_weak_pointer (G_OBJECT (service), (gpointer *) &weak_service);
  link = il_service_start (service);
  g_object_unref (service);

  lifecycle_stop_init (&wait, link, &state, &weak_service);
  il_link_wait_closed_async (link, NULL, wait_closed_done_cb, &wait);

  iterate_for (NULL, 100);
  g_assert_cmpuint (wait.completed, ==, 0);
  g_assert_false (il_link_is_closed (link));

  send_number (link, number_message_new (1), &calls[0]);
  wait_until (NULL, calls[0].completed == 1);
  assert_call_returned_int (&calls[0], 1);
  g_assert_cmpuint (wait.completed, ==, 0);

  message = g_object_new (LIFECYCLE_TYPE_NUMBER_MESSAGE,
                          "number", 2,
                          "stop-service", TRUE,
                          NULL);
  send_number (link, message, &calls[1]);
  wait_until (NULL, wait.completed == 1);

  g_assert_no_error (wait.error);
  g_assert_true (wait.result);
  g_assert_true (wait.callback_thread == g_thread_self ());
  g_assert_cmpint (wait.stopping_count_at_completion, ==, 1);
  g_assert_cmpint (wait.finalize_count_at_completion, ==, 1);
  g_assert_null (wait.service_at_completion);

  wait_until (NULL, calls[1].completed == 1);
  assert_call_returned_int (&calls[1], 2);

  /* Waiting on a closed link completes too, but not inside the call. */
  lifecycle_stop_init (&late_wait, link, &state, NULL);
  il_link_wait_closed_async (link, NULL, wait_closed_done_cb, &late_wait);
  g_assert_cmpuint (late_wait.completed, ==, 0);
  wait_until (NULL, late_wait.completed == 1);
  g_assert_no_error (late_wait.error);
  g_assert_true (late_wait.result);

  iterate_for (NULL, 20);
  g_assert_cmpuint (wait.completed, ==, 1);
  assert_events (&state, expected_events, G_N_ELEMENTS (expected_events));

  lifecycle_call_clear (&calls[0]);
  lifecycle_call_clear (&calls[1]);
  g_object_unref (link);
  lifecycle_state_clear (&state);
}

/* Shared between test_closed_signal() and the thread that owns a second
 * link, created while that thread's own context is its thread-default. */
typedef struct
{
  LifecycleState *state;
  IlService *service;
  gint link_ready;
  gint service_stopped;

  /* Read by the main thread after joining the thread. */
  guint closed_before_iterating;
  guint closed_count;
  GThread *closed_thread;
  gboolean closed_on_link_thread;
  gint finalize_count_at_emission;
  gboolean link_closed;
  gboolean timed_out;
} ClosedSignalData;

static void
count_closed_cb (IlLink   *link,
                 gpointer  user_data)
{
  ClosedSignalData *data = user_data;

  data->closed_count++;
  data->closed_thread = g_thread_self ();
  data->finalize_count_at_emission = g_atomic_int_get (&data->state->finalize_count);
}

static gpointer
closed_signal_thread (gpointer user_data)
{
  ClosedSignalData *data = user_data;
  GMainContext *context = g_main_context_new ();
  IlLink *link;
  gint64 deadline;

  g_main_context_push_thread_default (context);
  link = il_service_get_link (data->service);
  g_signal_connect (link, "closed", G_CALLBACK (count_closed_cb), data);
  g_atomic_int_set (&data->link_ready, 1);

  /* Wait without iterating, so that "closed" cannot be emitted yet. */
  deadline = g_get_monotonic_time () + WAIT_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&data->service_stopped) && g_get_monotonic_time () < deadline)
    g_usleep (WAIT_POLL_USEC);
  g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  data->closed_before_iterating = data->closed_count;
  data->link_closed = il_link_is_closed (link);

  while (data->closed_count == 0 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (WAIT_POLL_USEC);
    }
  data->timed_out = (data->closed_count == 0);
  data->closed_on_link_thread = (data->closed_thread == g_thread_self ());

  /* Catch a second emission. */
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (WAIT_POLL_USEC);
    }

  g_object_unref (link);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_closed_signal (void)
{
  LifecycleState state;
  ClosedSignalData thread_data = { 0 };
  ClosedSignalData main_data = { 0 };
  IlService *service;
  IlLink *link;
  GThread *link_thread;

  g_test_summary ("\"closed\" is emitted once, after the service was released, in "
                  "the thread-default context where the link was created");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  link = il_service_start (service);
  main_data.state = &state;
  g_signal_connect (link, "closed", G_CALLBACK (count_closed_cb), &main_data);

  thread_data.state = &state;
  thread_data.service = service;
  link_thread = g_thread_new ("closed-link", closed_signal_thread, &thread_data);
  wait_until (NULL, g_atomic_int_get (&thread_data.link_ready) == 1);
  g_object_unref (service);

  stop_and_wait (link, &state, NULL);
  g_atomic_int_set (&thread_data.service_stopped, 1);

  wait_until (NULL, main_data.closed_count == 1);
  g_thread_join (link_thread);
  iterate_for (NULL, 20);

  g_assert_cmpuint (main_data.closed_count, ==, 1);
  g_assert_true (main_data.closed_thread == g_thread_self ());
  g_assert_cmpint (main_data.finalize_count_at_emission, ==, 1);

  g_assert_false (thread_data.timed_out);
  g_assert_true (thread_data.link_closed);
  g_assert_cmpuint (thread_data.closed_before_iterating, ==, 0);
  g_assert_cmpuint (thread_data.closed_count, ==, 1);
  g_assert_true (thread_data.closed_on_link_thread);
  g_assert_cmpint (thread_data.finalize_count_at_emission, ==, 1);

  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_own_link_and_timer (void)
{
  LifecycleState state;
  LifecycleTestService *service;
  IlService *weak_service;
  IlLink *link;

  g_test_summary ("A service that keeps its own link and runs an interval timer is "
                  "finalized after it stops");

  lifecycle_state_init (&state);
  service = LIFECYCLE_TEST_SERVICE (test_service_new (&state));
  service->keep_own_link = TRUE;
  service->tick_interval_ms = 10;
  weak_service = IL_SERVICE (service);
  g_object_add_weak_pointer (G_OBJECT (service), (gpointer *) &weak_service);

  link = il_service_start (IL_SERVICE (service));
  g_object_unref (service);
  wait_until (NULL, g_atomic_int_get (&state.ticks) >= 3);

  stop_and_wait (link, &state, NULL);
  g_assert_null (weak_service);
  g_assert_cmpint (g_atomic_int_get (&state.tick_notify_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&state.ticks_after_stopping), ==, 0);

  g_object_unref (link);
  lifecycle_state_clear (&state);
}

static void
test_mutual_links (void)
{
  LifecycleState states[2];
  LifecycleTestService *services[2];
  IlService *weak_services[2];
  IlLink *links[2];
  LifecycleStop stops[2];

  g_test_summary ("Two services that keep each other's links and send to each "
                  "other are both finalized after both stop");

  for (guint i = 0; i < 2; i++)
    {
      lifecycle_state_init (&states[i]);
      services[i] = LIFECYCLE_TEST_SERVICE (test_service_new (&states[i]));
      services[i]->keep_own_link = TRUE;
      services[i]->tick_interval_ms = 10;
      weak_services[i] = IL_SERVICE (services[i]);
      g_object_add_weak_pointer (G_OBJECT (services[i]), (gpointer *) &weak_services[i]);
    }
  services[0]->peer_link = il_service_get_link (IL_SERVICE (services[1]));
  services[1]->peer_link = il_service_get_link (IL_SERVICE (services[0]));

  for (guint i = 0; i < 2; i++)
    {
      links[i] = il_service_start (IL_SERVICE (services[i]));
      g_object_unref (services[i]);
    }

  /* Each service handles the numbers its peer's ticks send. */
  wait_until (NULL, g_atomic_int_get (&states[0].handlers_entered) >= 3 &&
                    g_atomic_int_get (&states[1].handlers_entered) >= 3);

  for (guint i = 0; i < 2; i++)
    {
      lifecycle_stop_init (&stops[i], links[i], &states[i], &weak_services[i]);
      il_link_stop_async (links[i], NULL, stop_done_cb, &stops[i]);
    }
  wait_until (NULL, stops[0].completed == 1 && stops[1].completed == 1);

  for (guint i = 0; i < 2; i++)
    {
      g_assert_no_error (stops[i].error);
      g_assert_true (stops[i].result);
      g_assert_null (stops[i].service_at_completion);
      g_assert_null (weak_services[i]);
      g_assert_cmpint (g_atomic_int_get (&states[i].stopping_count), ==, 1);
      g_assert_cmpint (g_atomic_int_get (&states[i].finalize_count), ==, 1);
      g_assert_cmpint (g_atomic_int_get (&states[i].tick_notify_count), ==, 1);
      g_assert_cmpint (g_atomic_int_get (&states[i].ticks_after_stopping), ==, 0);
    }

  for (guint i = 0; i < 2; i++)
    {
      g_object_unref (links[i]);
      lifecycle_state_clear (&states[i]);
    }
}

static void
test_link_service_type (void)
{
  LifecycleState state;
  IlService *service;
  IlLink *early_link;
  IlLink *link;

  g_test_summary ("Links from il_service_get_link() and il_service_start() report "
                  "the concrete type of the service");

  lifecycle_state_init (&state);
  service = test_service_new (&state);
  early_link = il_service_get_link (service);
  g_assert_cmpstr (g_type_name (il_link_get_service_type (early_link)), ==,
                   g_type_name (LIFECYCLE_TYPE_TEST_SERVICE));

  link = il_service_start (service);
  g_object_unref (service);
  g_assert_cmpstr (g_type_name (il_link_get_service_type (link)), ==,
                   g_type_name (LIFECYCLE_TYPE_TEST_SERVICE));
  g_assert_true (il_link_same_service (link, early_link));

  stop_and_wait (link, &state, NULL);

  g_object_unref (link);
  g_object_unref (early_link);
  lifecycle_state_clear (&state);
}

int
main (int   argc,
      char *argv[])
{
  /* g_test_init() makes warnings and criticals fatal, in every thread, so
   * any unexpected one fails the test that caused it. */
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lifecycle/start-own-thread", test_start_own_thread);
  g_test_add_func ("/lifecycle/start-short-thread-name", test_start_short_thread_name);
  g_test_add_func ("/lifecycle/start-on-default-context", test_start_on_default_context);
  g_test_add_func ("/lifecycle/start-on-custom-context", test_start_on_custom_context);
  g_test_add_func ("/lifecycle/messages-before-start", test_messages_before_start);
  g_test_add_func ("/lifecycle/link-stop", test_link_stop);
  g_test_add_func ("/lifecycle/link-stop-async", test_link_stop_async);
  g_test_add_func ("/lifecycle/context-stop-from-handler", test_context_stop_from_handler);
  g_test_add_func ("/lifecycle/stop-while-busy", test_stop_while_busy);
  g_test_add_func ("/lifecycle/context-stop-while-busy", test_context_stop_while_busy);
  g_test_add_func ("/lifecycle/is-closed-during-stopping", test_is_closed_during_stopping);
  g_test_add_func ("/lifecycle/send-after-stop", test_send_after_stop);
  g_test_add_func ("/lifecycle/stop-never-started", test_stop_never_started);
  g_test_add_func ("/lifecycle/unref-never-started", test_unref_never_started);
  g_test_add_func ("/lifecycle/wait-closed", test_wait_closed);
  g_test_add_func ("/lifecycle/closed-signal", test_closed_signal);
  g_test_add_func ("/lifecycle/own-link-and-timer", test_own_link_and_timer);
  g_test_add_func ("/lifecycle/mutual-links", test_mutual_links);
  /* NOTE: this fails while the library takes the service type in
   * IlService's instance init, where G_OBJECT_TYPE() is still
   * IL_TYPE_SERVICE. It runs last, so that its failed assertion, which
   * ends the program, does not hide the other results. */
  g_test_add_func ("/lifecycle/link-service-type", test_link_service_type);

  return g_test_run ();
}
