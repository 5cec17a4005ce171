/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include <interlink-glib/interlink.h>

/* Every wait for something asynchronous fails the test after this time. */
#define WAIT_TIMEOUT_SECONDS 10
#define WAIT_POLL_USEC 200

/* Far above any timer id that the tests create. */
#define UNKNOWN_TIMER_ID 0x7fff0000u

/* Long enough to be pending whenever a test looks. */
#define NEVER_DUE_MS (60 * 1000)

#define MSEC(ms) ((gint64) (ms) * G_TIME_SPAN_MILLISECOND)

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

/* Iterates the global default context for @msec ms. */
static void
iterate_for (guint msec)
{
  gint64 end = g_get_monotonic_time () + MSEC (msec);

  while (g_get_monotonic_time () < end)
    iterate_briefly ();
}

typedef struct _TimersState TimersState;

/* One timer of a test and what happened to it. The fields before "Set on
 * the service thread" are set before the timer is created. */
typedef struct
{
  TimersState *state;
  gboolean is_interval;
  guint delay_ms;
  guint tick_sleep_ms;
  /* Fire count at which an interval cancels itself, or 0. */
  gint cancel_self_at;
  /* Fire count at which a tick sends a blocking message to the service, or 0. */
  gint block_at;
  guint block_ms;

  /* Set on the service thread, guarded by TimersState.lock. */
  guint id;
  gint64 schedule_time;

  /* Atomic. */
  gint fire_count;
  gint notify_count;
  gint fire_count_at_notify;
  gint cancel_self_result;
} TimerSlot;

/* Everything one test observes. It outlives the service, so every test
 * waits until the service is finalized before it frees the state. */
struct _TimersState
{
  GMutex lock;

  /* Guarded by lock. */
  GThread *service_thread;
  GArray *fire_times;
  gint64 block_start;
  gint64 block_end;

  /* Atomic. */
  gint stopping;
  gint fired_after_stopping;
  gint fired_off_context;
  gint finalize_count;

  guint n_slots;
  TimerSlot *slots;
};

static TimersState *
timers_state_new (guint n_slots)
{
  TimersState *state = g_new0 (TimersState, 1);

  g_mutex_init (&state->lock);
  state->fire_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  state->n_slots = n_slots;
  state->slots = g_new0 (TimerSlot, n_slots);
  for (guint i = 0; i < n_slots; i++)
    state->slots[i].state = state;

  return state;
}

static void
timers_state_free (TimersState *state)
{
  g_array_unref (state->fire_times);
  g_mutex_clear (&state->lock);
  g_free (state->slots);
  g_free (state);
}

static gint
timers_state_count_fires (TimersState *state)
{
  gint total = 0;

  for (guint i = 0; i < state->n_slots; i++)
    total += g_atomic_int_get (&state->slots[i].fire_count);

  return total;
}

static gboolean
timers_state_all_notified (TimersState *state)
{
  for (guint i = 0; i < state->n_slots; i++)
    {
      if (g_atomic_int_get (&state->slots[i].notify_count) == 0)
        return FALSE;
    }

  return TRUE;
}

/* Returns the fire times relative to @slot's schedule time, in µs. */
static GArray *
timers_state_dup_fire_offsets (TimersState *state,
                               TimerSlot   *slot)
{
  GArray *offsets = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_mutex_lock (&state->lock);
  for (guint i = 0; i < state->fire_times->len; i++)
    {
      gint64 offset = g_array_index (state->fire_times, gint64, i) - slot->schedule_time;

      g_array_append_val (offsets, offset);
    }
  g_mutex_unlock (&state->lock);

  return offsets;
}

static void
log_fire_offsets (GArray *offsets)
{
  GString *text = g_string_new ("Ticks at");

  for (guint i = 0; i < offsets->len; i++)
    g_string_append_printf (text, " %.1f", g_array_index (offsets, gint64, i) / 1000.0);
  g_string_append (text, " ms");
  g_test_message ("%s", text->str);
  g_string_free (text, TRUE);
}

/* Asks the service to block for a time, so that it misses interval ticks. */
#define TIMERS_TYPE_BLOCK_MESSAGE (timers_block_message_get_type ())
G_DECLARE_FINAL_TYPE (TimersBlockMessage, timers_block_message,
                      TIMERS, BLOCK_MESSAGE, IlMessage)

struct _TimersBlockMessage
{
  IlMessage parent_instance;

  guint duration_ms;
};

G_DEFINE_TYPE (TimersBlockMessage, timers_block_message, IL_TYPE_MESSAGE)

enum
{
  PROP_BLOCK_DURATION_MS = 1,
  N_BLOCK_PROPS
};

static GParamSpec *block_message_props[N_BLOCK_PROPS];

static void
timers_block_message_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_BLOCK_DURATION_MS:
      g_value_set_uint (value, TIMERS_BLOCK_MESSAGE (object)->duration_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
timers_block_message_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_BLOCK_DURATION_MS:
      TIMERS_BLOCK_MESSAGE (object)->duration_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
timers_block_message_class_init (TimersBlockMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = timers_block_message_get_property;
  object_class->set_property = timers_block_message_set_property;

  block_message_props[PROP_BLOCK_DURATION_MS] =
    g_param_spec_uint ("duration-ms", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_BLOCK_PROPS, block_message_props);
}

static void
timers_block_message_init (TimersBlockMessage *self)
{
}

/* Asks the service to create run_later timers for the first "count" slots
 * of its state, each with "delay-ms". */
#define TIMERS_TYPE_SCHEDULE_MESSAGE (timers_schedule_message_get_type ())
G_DECLARE_FINAL_TYPE (TimersScheduleMessage, timers_schedule_message,
                      TIMERS, SCHEDULE_MESSAGE, IlMessage)

struct _TimersScheduleMessage
{
  IlMessage parent_instance;

  guint count;
  guint delay_ms;
};

G_DEFINE_TYPE (TimersScheduleMessage, timers_schedule_message, IL_TYPE_MESSAGE)

enum
{
  PROP_SCHEDULE_COUNT = 1,
  PROP_SCHEDULE_DELAY_MS,
  N_SCHEDULE_PROPS
};

static GParamSpec *schedule_message_props[N_SCHEDULE_PROPS];

static void
timers_schedule_message_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  TimersScheduleMessage *self = TIMERS_SCHEDULE_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_SCHEDULE_COUNT:
      g_value_set_uint (value, self->count);
      break;
    case PROP_SCHEDULE_DELAY_MS:
      g_value_set_uint (value, self->delay_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
timers_schedule_message_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  TimersScheduleMessage *self = TIMERS_SCHEDULE_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_SCHEDULE_COUNT:
      self->count = g_value_get_uint (value);
      break;
    case PROP_SCHEDULE_DELAY_MS:
      self->delay_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
timers_schedule_message_class_init (TimersScheduleMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = timers_schedule_message_get_property;
  object_class->set_property = timers_schedule_message_set_property;

  schedule_message_props[PROP_SCHEDULE_COUNT] =
    g_param_spec_uint ("count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  schedule_message_props[PROP_SCHEDULE_DELAY_MS] =
    g_param_spec_uint ("delay-ms", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_SCHEDULE_PROPS, schedule_message_props);

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_UINT);
}

static void
timers_schedule_message_init (TimersScheduleMessage *self)
{
}

/* Asks the service to cancel the timer of slot "index". The reply is what
 * il_service_context_cancel_timer() returned. */
#define TIMERS_TYPE_CANCEL_MESSAGE (timers_cancel_message_get_type ())
G_DECLARE_FINAL_TYPE (TimersCancelMessage, timers_cancel_message,
                      TIMERS, CANCEL_MESSAGE, IlMessage)

struct _TimersCancelMessage
{
  IlMessage parent_instance;

  guint index;
};

G_DEFINE_TYPE (TimersCancelMessage, timers_cancel_message, IL_TYPE_MESSAGE)

enum
{
  PROP_CANCEL_INDEX = 1,
  N_CANCEL_PROPS
};

static GParamSpec *cancel_message_props[N_CANCEL_PROPS];

static void
timers_cancel_message_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CANCEL_INDEX:
      g_value_set_uint (value, TIMERS_CANCEL_MESSAGE (object)->index);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
timers_cancel_message_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CANCEL_INDEX:
      TIMERS_CANCEL_MESSAGE (object)->index = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
timers_cancel_message_class_init (TimersCancelMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = timers_cancel_message_get_property;
  object_class->set_property = timers_cancel_message_set_property;

  cancel_message_props[PROP_CANCEL_INDEX] =
    g_param_spec_uint ("index", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_CANCEL_PROPS, cancel_message_props);

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_BOOLEAN);
}

static void
timers_cancel_message_init (TimersCancelMessage *self)
{
}

/* Counts a fire of the slot's timer and checks where it runs. */
static void
slot_fire (IlService        *service,
           IlServiceContext *context,
           gpointer          user_data)
{
  TimerSlot *slot = user_data;
  TimersState *state = slot->state;
  GMainContext *main_context = il_service_context_get_main_context (context);
  gint64 now = g_get_monotonic_time ();
  gint fire_count;

  if (g_atomic_int_get (&state->stopping))
    g_atomic_int_inc (&state->fired_after_stopping);

  g_mutex_lock (&state->lock);
  if (g_thread_self () != state->service_thread || !g_main_context_is_owner (main_context))
    g_atomic_int_inc (&state->fired_off_context);
  g_array_append_val (state->fire_times, now);
  g_mutex_unlock (&state->lock);

  fire_count = g_atomic_int_add (&slot->fire_count, 1) + 1;

  if (slot->block_at == fire_count)
    {
      IlMessage *message = g_object_new (TIMERS_TYPE_BLOCK_MESSAGE,
                                         "duration-ms", slot->block_ms,
                                         NULL);
      GError *error = NULL;

      il_link_do_send (il_service_context_get_link (context), message, &error);
      g_assert_no_error (error);
      g_object_unref (message);
    }

  if (slot->cancel_self_at == fire_count)
    g_atomic_int_set (&slot->cancel_self_result,
                      il_service_context_cancel_timer (context, slot->id));

  if (slot->tick_sleep_ms > 0)
    g_usleep (MSEC (slot->tick_sleep_ms));
}

static void
slot_notify (gpointer user_data)
{
  TimerSlot *slot = user_data;

  g_atomic_int_set (&slot->fire_count_at_notify, g_atomic_int_get (&slot->fire_count));
  g_atomic_int_inc (&slot->notify_count);
}

/* Creates the timer described by @slot. Call it on the service's context. */
static guint
slot_schedule (TimerSlot        *slot,
               IlServiceContext *context)
{
  gint64 schedule_time = g_get_monotonic_time ();
  guint id;

  if (slot->is_interval)
    id = il_service_context_run_interval (context, slot->delay_ms,
                                          slot_fire, slot, slot_notify);
  else
    id = il_service_context_run_later (context, slot->delay_ms,
                                       slot_fire, slot, slot_notify);

  /* The main thread reads these fields. The timer itself fires on this
   * thread, so only after this function returned. */
  g_mutex_lock (&slot->state->lock);
  slot->schedule_time = schedule_time;
  slot->id = id;
  g_mutex_unlock (&slot->state->lock);

  return id;
}

/* A service that records its thread and its stop, and runs timers for
 * TimersScheduleMessage and TimersCancelMessage. */
#define TIMERS_TYPE_TEST_SERVICE (timers_test_service_get_type ())
G_DECLARE_FINAL_TYPE (TimersTestService, timers_test_service,
                      TIMERS, TEST_SERVICE, IlService)

struct _TimersTestService
{
  IlService parent_instance;

  TimersState *state;
};

G_DEFINE_TYPE (TimersTestService, timers_test_service, IL_TYPE_SERVICE)

static void
timers_test_service_started (IlService        *service,
                             IlServiceContext *context)
{
  TimersState *state = TIMERS_TEST_SERVICE (service)->state;

  g_mutex_lock (&state->lock);
  state->service_thread = g_thread_self ();
  g_mutex_unlock (&state->lock);
}

static void
timers_test_service_stopping (IlService        *service,
                              IlServiceContext *context)
{
  g_atomic_int_set (&TIMERS_TEST_SERVICE (service)->state->stopping, 1);
}

static void
timers_test_service_handle_block (IlService        *service,
                                  IlMessage        *message,
                                  IlServiceContext *context,
                                  IlReply          *reply)
{
  TimersState *state = TIMERS_TEST_SERVICE (service)->state;
  gint64 start = g_get_monotonic_time ();

  g_usleep (MSEC (TIMERS_BLOCK_MESSAGE (message)->duration_ms));

  g_mutex_lock (&state->lock);
  state->block_start = start;
  state->block_end = g_get_monotonic_time ();
  g_mutex_unlock (&state->lock);
}

static void
timers_test_service_handle_schedule (IlService        *service,
                                     IlMessage        *message,
                                     IlServiceContext *context,
                                     IlReply          *reply)
{
  TimersState *state = TIMERS_TEST_SERVICE (service)->state;
  TimersScheduleMessage *schedule = TIMERS_SCHEDULE_MESSAGE (message);

  g_assert_cmpuint (schedule->count, <=, state->n_slots);

  for (guint i = 0; i < schedule->count; i++)
    {
      state->slots[i].delay_ms = schedule->delay_ms;
      slot_schedule (&state->slots[i], context);
    }

  il_reply_return_uint (reply, schedule->count);
}

static void
timers_test_service_handle_cancel (IlService        *service,
                                   IlMessage        *message,
                                   IlServiceContext *context,
                                   IlReply          *reply)
{
  TimersState *state = TIMERS_TEST_SERVICE (service)->state;
  guint index = TIMERS_CANCEL_MESSAGE (message)->index;

  g_assert_cmpuint (index, <, state->n_slots);
  il_reply_return_boolean (reply, il_service_context_cancel_timer (context, state->slots[index].id));
}

static void
timers_test_service_finalize (GObject *object)
{
  g_atomic_int_inc (&TIMERS_TEST_SERVICE (object)->state->finalize_count);

  G_OBJECT_CLASS (timers_test_service_parent_class)->finalize (object);
}

static void
timers_test_service_class_init (TimersTestServiceClass *klass)
{
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = timers_test_service_finalize;
  service_class->started = timers_test_service_started;
  service_class->stopping = timers_test_service_stopping;

  il_service_class_add_handler (service_class, TIMERS_TYPE_BLOCK_MESSAGE,
                                timers_test_service_handle_block);
  il_service_class_add_handler (service_class, TIMERS_TYPE_SCHEDULE_MESSAGE,
                                timers_test_service_handle_schedule);
  il_service_class_add_handler (service_class, TIMERS_TYPE_CANCEL_MESSAGE,
                                timers_test_service_handle_cancel);
}

static void
timers_test_service_init (TimersTestService *self)
{
}

static IlLink *
start_service (TimersState *state)
{
  TimersTestService *service = g_object_new (TIMERS_TYPE_TEST_SERVICE, NULL);
  IlLink *link;

  service->state = state;
  link = il_service_start (IL_SERVICE (service));
  g_object_unref (service);

  return link;
}

/* The outcome of one asynchronous request. */
typedef struct
{
  IlLink *link;
  guint completed;
  GValue *value;
  GError *error;
} TimersCall;

static void
exec_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TimersCall *call = user_data;

  g_assert_cmpuint (call->completed, ==, 0);
  call->value = il_link_exec_finish (call->link, result, &call->error);
  call->completed++;
}

static void
send_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TimersCall *call = user_data;

  g_assert_cmpuint (call->completed, ==, 0);
  call->value = il_link_send_finish (call->link, result, &call->error);
  call->completed++;
}

static void
stop_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TimersCall *call = user_data;
  gboolean stopped;

  g_assert_cmpuint (call->completed, ==, 0);
  stopped = il_link_stop_finish (call->link, result, &call->error);
  g_assert_true (stopped);
  call->completed++;
}

static void
timers_call_clear (TimersCall *call)
{
  if (call->value != NULL)
    g_boxed_free (G_TYPE_VALUE, call->value);
  g_clear_error (&call->error);
}

/* Runs @func on the service's context and returns the value it replied. */
static GValue *
exec_and_wait (IlLink     *link,
               IlExecFunc  func,
               gpointer    data)
{
  TimersCall call = { link, 0, NULL, NULL };

  il_link_exec_async (link, func, data, NULL, NULL, exec_done_cb, &call);
  wait_until (call.completed == 1);
  g_assert_no_error (call.error);
  g_assert_nonnull (call.value);

  return call.value;
}

static guint
exec_and_wait_uint (IlLink     *link,
                    IlExecFunc  func,
                    gpointer    data)
{
  GValue *value = exec_and_wait (link, func, data);
  guint result;

  g_assert_true (G_VALUE_HOLDS_UINT (value));
  result = g_value_get_uint (value);
  g_boxed_free (G_TYPE_VALUE, value);

  return result;
}

static gboolean
exec_and_wait_boolean (IlLink     *link,
                       IlExecFunc  func,
                       gpointer    data)
{
  GValue *value = exec_and_wait (link, func, data);
  gboolean result;

  g_assert_true (G_VALUE_HOLDS_BOOLEAN (value));
  result = g_value_get_boolean (value);
  g_boxed_free (G_TYPE_VALUE, value);

  return result;
}

/* Creates the timer of the TimerSlot given as data and replies with its id. */
static void
schedule_slot_exec (IlService        *service,
                    IlServiceContext *context,
                    IlReply          *reply,
                    gpointer          user_data)
{
  il_reply_return_uint (reply, slot_schedule (user_data, context));
}

/* Creates the timers of every slot of the TimersState given as data and
 * replies with how many it created. */
static void
schedule_all_exec (IlService        *service,
                   IlServiceContext *context,
                   IlReply          *reply,
                   gpointer          user_data)
{
  TimersState *state = user_data;

  for (guint i = 0; i < state->n_slots; i++)
    g_assert_cmpuint (slot_schedule (&state->slots[i], context), >, 0);

  il_reply_return_uint (reply, state->n_slots);
}

/* Cancels the timer of the TimerSlot given as data and replies with the result. */
static void
cancel_slot_exec (IlService        *service,
                  IlServiceContext *context,
                  IlReply          *reply,
                  gpointer          user_data)
{
  TimerSlot *slot = user_data;

  il_reply_return_boolean (reply, il_service_context_cancel_timer (context, slot->id));
}

/* Cancels the timer whose id is given as data and replies with the result. */
static void
cancel_id_exec (IlService        *service,
                IlServiceContext *context,
                IlReply          *reply,
                gpointer          user_data)
{
  il_reply_return_boolean (reply, il_service_context_cancel_timer (context, GPOINTER_TO_UINT (user_data)));
}

/* Stops the service and checks that it is finalized once the stop
 * completes. */
static void
stop_service (IlLink      *link,
              TimersState *state)
{
  TimersCall call = { link, 0, NULL, NULL };

  il_link_stop_async (link, NULL, stop_done_cb, &call);
  wait_until (call.completed == 1);
  g_assert_no_error (call.error);
  g_assert_cmpint (g_atomic_int_get (&state->stopping), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&state->finalize_count), ==, 1);
}

static void
test_run_later_fires_once (void)
{
  TimersState *state = timers_state_new (1);
  TimerSlot *slot = &state->slots[0];
  IlLink *link;
  GArray *offsets;
  guint id;

  g_test_summary ("A run_later timer fires once, on the service's context, no "
                  "earlier than its delay, and its notify runs after it fired");

  link = start_service (state);
  slot->delay_ms = 30;
  id = exec_and_wait_uint (link, schedule_slot_exec, slot);
  g_assert_cmpuint (id, >, 0);

  wait_until (g_atomic_int_get (&slot->notify_count) == 1);
  iterate_for (150);

  g_assert_cmpint (g_atomic_int_get (&slot->fire_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&slot->notify_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&slot->fire_count_at_notify), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&state->fired_off_context), ==, 0);

  offsets = timers_state_dup_fire_offsets (state, slot);
  g_assert_cmpuint (offsets->len, ==, 1);
  g_assert_cmpint (g_array_index (offsets, gint64, 0), >=, MSEC (30));
  g_array_unref (offsets);

  stop_service (link, state);
  g_object_unref (link);
  timers_state_free (state);
}

static void
test_interval_repeats (void)
{
  TimersState *state = timers_state_new (1);
  TimerSlot *slot = &state->slots[0];
  IlLink *link;
  gint fires_at_cancel;

  g_test_summary ("An interval timer fires repeatedly on the service's context "
                  "until il_service_context_cancel_timer() cancels it");

  link = start_service (state);
  slot->is_interval = TRUE;
  slot->delay_ms = 20;
  g_assert_cmpuint (exec_and_wait_uint (link, schedule_slot_exec, slot), >, 0);

  wait_until (g_atomic_int_get (&slot->fire_count) >= 5);
  g_assert_true (exec_and_wait_boolean (link, cancel_slot_exec, slot));
  fires_at_cancel = g_atomic_int_get (&slot->fire_count);

  wait_until (g_atomic_int_get (&slot->notify_count) == 1);
  iterate_for (150);

  g_assert_cmpint (g_atomic_int_get (&slot->fire_count), ==, fires_at_cancel);
  g_assert_cmpint (g_atomic_int_get (&slot->notify_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&slot->fire_count_at_notify), ==, fires_at_cancel);
  g_assert_cmpint (g_atomic_int_get (&state->fired_off_context), ==, 0);

  stop_service (link, state);
  g_object_unref (link);
  timers_state_free (state);
}

static void
test_interval_cancel_from_tick (void)
{
  TimersState *state = timers_state_new (1);
  TimerSlot *slot = &state->slots[0];
  IlLink *link;

  g_test_summary ("An interval timer that cancels itself from its tick gets TRUE "
                  "and never fires again");

  link = start_service (state);
  slot->is_interval = TRUE;
  slot->delay_ms = 10;
  slot->cancel_self_at = 3;
  g_assert_cmpuint (exec_and_wait_uint (link, schedule_slot_exec, slot), >, 0);

  wait_until (g_atomic_int_get (&slot->notify_count) == 1);
  iterate_for (100);

  g_assert_true (g_atomic_int_get (&slot->cancel_self_result));
  g_assert_cmpint (g_atomic_int_get (&slot->fire_count), ==, 3);
  g_assert_cmpint (g_atomic_int_get (&slot->notify_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&slot->fire_count_at_notify), ==, 3);

  stop_service (link, state);
  g_object_unref (link);
  timers_state_free (state);
}

static void
test_cancel_return_values (void)
{
  TimersState *state = timers_state_new (2);
  TimerSlot *pending = &state->slots[0];
  TimerSlot *fired = &state->slots[1];
  IlLink *link;

  g_test_summary ("cancel_timer() returns TRUE for a pending timer and FALSE, "
                  "without a critical, for a fired, a cancelled or an unknown one");

  link = start_service (state);
  pending->delay_ms = NEVER_DUE_MS;
  fired->delay_ms = 10;
  g_assert_cmpuint (exec_and_wait_uint (link, schedule_slot_exec, pending), >, 0);
  g_assert_cmpuint (exec_and_wait_uint (link, schedule_slot_exec, fired), >, 0);
  g_assert_cmpuint (pending->id, !=, fired->id);

  wait_until (g_atomic_int_get (&fired->notify_count) == 1);

  g_assert_true (exec_and_wait_boolean (link, cancel_slot_exec, pending));
  wait_until (g_atomic_int_get (&pending->notify_count) == 1);

  g_assert_false (exec_and_wait_boolean (link, cancel_slot_exec, pending));
  g_assert_false (exec_and_wait_boolean (link, cancel_slot_exec, fired));
  g_assert_false (exec_and_wait_boolean (link, cancel_id_exec, GUINT_TO_POINTER (UNKNOWN_TIMER_ID)));

  iterate_for (20);
  g_assert_cmpint (g_atomic_int_get (&pending->fire_count), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&pending->notify_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&fired->fire_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&fired->notify_count), ==, 1);

  stop_service (link, state);
  g_object_unref (link);
  timers_state_free (state);
}

static void
test_none_after_stop (void)
{
  const guint n_short = 40;
  const guint n_long = 20;
  const guint n_intervals = 4;
  TimersState *state = timers_state_new (n_short + n_long + n_intervals);
  TimerSlot *last_interval = &state->slots[state->n_slots - 1];
  IlLink *link;
  gint *fires_at_stop;

  g_test_summary ("No run_later timer or interval tick fires once stopping ran, and "
                  "every notify runs exactly once");

  for (guint i = 0; i < n_short; i++)
    state->slots[i].delay_ms = 20 + 5 * i;
  for (guint i = n_short; i < n_short + n_long; i++)
    state->slots[i].delay_ms = NEVER_DUE_MS;
  for (guint i = n_short + n_long; i < state->n_slots; i++)
    {
      state->slots[i].is_interval = TRUE;
      state->slots[i].delay_ms = 10 + 5 * (i - n_short - n_long);
    }

  link = start_service (state);
  g_assert_cmpuint (exec_and_wait_uint (link, schedule_all_exec, state), ==, state->n_slots);

  /* Stop while the short timers are still firing. */
  wait_until (g_atomic_int_get (&last_interval->fire_count) >= 1 &&
              g_atomic_int_get (&state->slots[0].fire_count) == 1);
  stop_service (link, state);

  fires_at_stop = g_new (gint, state->n_slots);
  for (guint i = 0; i < state->n_slots; i++)
    fires_at_stop[i] = g_atomic_int_get (&state->slots[i].fire_count);

  wait_until (timers_state_all_notified (state));
  iterate_for (300);

  g_assert_cmpint (g_atomic_int_get (&state->fired_after_stopping), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&state->fired_off_context), ==, 0);
  for (guint i = 0; i < state->n_slots; i++)
    {
      TimerSlot *slot = &state->slots[i];

      g_assert_cmpint (g_atomic_int_get (&slot->fire_count), ==, fires_at_stop[i]);
      g_assert_cmpint (g_atomic_int_get (&slot->notify_count), ==, 1);
      if (!slot->is_interval)
        g_assert_cmpint (g_atomic_int_get (&slot->fire_count), <=, 1);
    }
  for (guint i = n_short; i < n_short + n_long; i++)
    g_assert_cmpint (g_atomic_int_get (&state->slots[i].fire_count), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&state->slots[0].fire_count), ==, 1);

  g_free (fires_at_stop);
  g_object_unref (link);
  timers_state_free (state);
}

static void
test_cancel_one_of_many (void)
{
  const guint n_timers = 1000;
  const guint cancelled_index = 500;
  TimersState *state = timers_state_new (n_timers);
  IlLink *link;
  IlMessage *message;
  TimersCall schedule_call = { 0 };
  TimersCall cancel_call = { 0 };

  g_test_summary ("Cancelling one of 1000 pending run_later timers in the next "
                  "message leaves exactly the other 999 to fire");

  link = start_service (state);

  /* Send both before waiting, so the cancel is the very next message. */
  schedule_call.link = link;
  message = g_object_new (TIMERS_TYPE_SCHEDULE_MESSAGE,
                          "count", n_timers,
                          "delay-ms", 300,
                          NULL);
  il_link_send_async (link, message, NULL, send_done_cb, &schedule_call);
  g_object_unref (message);

  cancel_call.link = link;
  message = g_object_new (TIMERS_TYPE_CANCEL_MESSAGE, "index", cancelled_index, NULL);
  il_link_send_async (link, message, NULL, send_done_cb, &cancel_call);
  g_object_unref (message);

  wait_until (schedule_call.completed == 1 && cancel_call.completed == 1);
  g_assert_no_error (schedule_call.error);
  g_assert_nonnull (schedule_call.value);
  g_assert_cmpuint (g_value_get_uint (schedule_call.value), ==, n_timers);
  g_assert_no_error (cancel_call.error);
  g_assert_nonnull (cancel_call.value);
  g_assert_true (g_value_get_boolean (cancel_call.value));

  wait_until (timers_state_count_fires (state) == (gint) n_timers - 1);
  wait_until (timers_state_all_notified (state));
  iterate_for (100);

  g_assert_cmpint (timers_state_count_fires (state), ==, n_timers - 1);
  for (guint i = 0; i < n_timers; i++)
    {
      TimerSlot *slot = &state->slots[i];

      g_assert_cmpint (g_atomic_int_get (&slot->fire_count), ==, i == cancelled_index ? 0 : 1);
      g_assert_cmpint (g_atomic_int_get (&slot->notify_count), ==, 1);
    }
  g_assert_cmpint (g_atomic_int_get (&state->fired_off_context), ==, 0);

  stop_service (link, state);
  timers_call_clear (&schedule_call);
  timers_call_clear (&cancel_call);
  g_object_unref (link);
  timers_state_free (state);
}

enum
{
  SLOT_FIRED,
  SLOT_CANCELLED,
  SLOT_INTERVAL_CANCELLED,
  SLOT_INTERVAL_CANCELLED_FROM_TICK,
  SLOT_PENDING_AT_STOP,
  SLOT_INTERVAL_AT_STOP,
  N_NOTIFY_SLOTS
};

static void
test_destroy_notify_once (void)
{
  TimersState *state = timers_state_new (N_NOTIFY_SLOTS);
  TimerSlot *slots = state->slots;
  IlLink *link;

  g_test_summary ("Every timer's notify runs exactly once, whether the timer fired, "
                  "was cancelled or was destroyed at stop");

  slots[SLOT_FIRED].delay_ms = 10;
  slots[SLOT_CANCELLED].delay_ms = NEVER_DUE_MS;
  slots[SLOT_INTERVAL_CANCELLED].is_interval = TRUE;
  slots[SLOT_INTERVAL_CANCELLED].delay_ms = 10;
  slots[SLOT_INTERVAL_CANCELLED_FROM_TICK].is_interval = TRUE;
  slots[SLOT_INTERVAL_CANCELLED_FROM_TICK].delay_ms = 10;
  slots[SLOT_INTERVAL_CANCELLED_FROM_TICK].cancel_self_at = 2;
  slots[SLOT_PENDING_AT_STOP].delay_ms = NEVER_DUE_MS;
  slots[SLOT_INTERVAL_AT_STOP].is_interval = TRUE;
  slots[SLOT_INTERVAL_AT_STOP].delay_ms = 20;

  link = start_service (state);
  g_assert_cmpuint (exec_and_wait_uint (link, schedule_all_exec, state), ==, N_NOTIFY_SLOTS);

  wait_until (g_atomic_int_get (&slots[SLOT_FIRED].notify_count) == 1);
  g_assert_cmpint (g_atomic_int_get (&slots[SLOT_FIRED].fire_count_at_notify), ==, 1);

  g_assert_true (exec_and_wait_boolean (link, cancel_slot_exec, &slots[SLOT_CANCELLED]));
  wait_until (g_atomic_int_get (&slots[SLOT_CANCELLED].notify_count) == 1);

  wait_until (g_atomic_int_get (&slots[SLOT_INTERVAL_CANCELLED].fire_count) >= 2);
  g_assert_true (exec_and_wait_boolean (link, cancel_slot_exec, &slots[SLOT_INTERVAL_CANCELLED]));
  wait_until (g_atomic_int_get (&slots[SLOT_INTERVAL_CANCELLED].notify_count) == 1);

  wait_until (g_atomic_int_get (&slots[SLOT_INTERVAL_CANCELLED_FROM_TICK].notify_count) == 1);
  g_assert_true (g_atomic_int_get (&slots[SLOT_INTERVAL_CANCELLED_FROM_TICK].cancel_self_result));

  wait_until (g_atomic_int_get (&slots[SLOT_INTERVAL_AT_STOP].fire_count) >= 1);
  g_assert_cmpint (g_atomic_int_get (&slots[SLOT_PENDING_AT_STOP].notify_count), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&slots[SLOT_INTERVAL_AT_STOP].notify_count), ==, 0);

  stop_service (link, state);
  wait_until (timers_state_all_notified (state));
  iterate_for (100);

  for (guint i = 0; i < N_NOTIFY_SLOTS; i++)
    g_assert_cmpint (g_atomic_int_get (&slots[i].notify_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&slots[SLOT_FIRED].fire_count), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&slots[SLOT_CANCELLED].fire_count), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&slots[SLOT_INTERVAL_CANCELLED_FROM_TICK].fire_count), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&slots[SLOT_PENDING_AT_STOP].fire_count), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&state->fired_after_stopping), ==, 0);

  g_object_unref (link);
  timers_state_free (state);
}

static void
test_interval_fixed_rate (void)
{
  const guint interval_ms = 50;
  const guint tick_sleep_ms = 35;
  const guint n_ticks = 8;
  TimersState *state = timers_state_new (1);
  TimerSlot *slot = &state->slots[0];
  IlLink *link;
  GArray *offsets;
  gint64 last_tick;

  g_test_summary ("Interval ticks are due at fixed times from the start, so a tick "
                  "that takes 35 of 50 ms does not delay the following ones");

  link = start_service (state);
  slot->is_interval = TRUE;
  slot->delay_ms = interval_ms;
  slot->tick_sleep_ms = tick_sleep_ms;
  g_assert_cmpuint (exec_and_wait_uint (link, schedule_slot_exec, slot), >, 0);

  wait_until (g_atomic_int_get (&slot->fire_count) >= (gint) n_ticks);
  stop_service (link, state);

  offsets = timers_state_dup_fire_offsets (state, slot);
  log_fire_offsets (offsets);
  g_assert_cmpuint (offsets->len, >=, n_ticks);
  last_tick = g_array_index (offsets, gint64, n_ticks - 1);

  /* Fixed-rate puts tick 8 at 8 × 50 = 400 ms. Fixed-delay would put it
   * at 50 + 7 × (50 + 35) = 645 ms. The upper bound leaves room for
   * three ticks skipped on a loaded machine. */
  g_assert_cmpint (last_tick, >=, MSEC (n_ticks * interval_ms));
  g_assert_cmpint (last_tick, <, MSEC (560));

  g_array_unref (offsets);
  g_object_unref (link);
  timers_state_free (state);
}

static void
test_interval_skips_missed_ticks (void)
{
  const guint interval_ms = 40;
  const guint block_ms = 140;
  TimersState *state = timers_state_new (1);
  TimerSlot *slot = &state->slots[0];
  IlLink *link;
  GArray *offsets;
  gint64 block_start;
  gint64 block_end;
  guint ticks_during_block = 0;
  guint ticks_right_after_block = 0;
  guint ticks_after_block = 0;

  g_test_summary ("Ticks that fall due while a handler blocks the service for 3.5 "
                  "intervals are skipped, not run in a burst afterwards");

  link = start_service (state);
  slot->is_interval = TRUE;
  slot->delay_ms = interval_ms;
  slot->block_at = 3;
  slot->block_ms = block_ms;
  g_assert_cmpuint (exec_and_wait_uint (link, schedule_slot_exec, slot), >, 0);

  /* Ticks 1 to 3, the block, then at least 3 ticks after it. */
  wait_until (g_atomic_int_get (&slot->fire_count) >= 6);
  stop_service (link, state);

  g_mutex_lock (&state->lock);
  block_start = state->block_start - slot->schedule_time;
  block_end = state->block_end - slot->schedule_time;
  g_mutex_unlock (&state->lock);

  offsets = timers_state_dup_fire_offsets (state, slot);
  log_fire_offsets (offsets);
  g_test_message ("Blocked from %.1f to %.1f ms", block_start / 1000.0, block_end / 1000.0);
  g_assert_cmpint (block_start, >, 0);
  g_assert_cmpint (block_end - block_start, >=, MSEC (block_ms));

  for (guint i = 0; i < offsets->len; i++)
    {
      gint64 offset = g_array_index (offsets, gint64, i);

      if (offset > block_start && offset < block_end)
        ticks_during_block++;
      if (offset >= block_end)
        ticks_after_block++;
      if (offset >= block_end && offset < block_end + MSEC (5))
        ticks_right_after_block++;
    }

  /* Three or four ticks fell due during the block. A burst would run
   * them all at once when it ends. At most one late tick is allowed. */
  g_assert_cmpuint (ticks_during_block, ==, 0);
  g_assert_cmpuint (ticks_right_after_block, <=, 1);
  g_assert_cmpuint (ticks_after_block, >=, 3);

  g_array_unref (offsets);
  g_object_unref (link);
  timers_state_free (state);
}

int
main (int   argc,
      char *argv[])
{
  /* g_test_init() makes warnings and criticals fatal, in every thread, so
   * any unexpected one fails the test that caused it. */
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/timers/run-later-fires-once", test_run_later_fires_once);
  g_test_add_func ("/timers/interval-repeats", test_interval_repeats);
  g_test_add_func ("/timers/interval-cancel-from-tick", test_interval_cancel_from_tick);
  g_test_add_func ("/timers/cancel-return-values", test_cancel_return_values);
  g_test_add_func ("/timers/none-after-stop", test_none_after_stop);
  g_test_add_func ("/timers/cancel-one-of-many", test_cancel_one_of_many);
  g_test_add_func ("/timers/destroy-notify-once", test_destroy_notify_once);
  g_test_add_func ("/timers/interval-fixed-rate", test_interval_fixed_rate);
  g_test_add_func ("/timers/interval-skips-missed-ticks", test_interval_skips_missed_ticks);

  return g_test_run ();
}
