/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include <interlink-glib/interlink.h>

#define WAIT_TIMEOUT_SECONDS 60

#define SENDER_COUNT 4
#define MESSAGES_PER_SENDER 100000
#define FLOOD_COUNT 100000

/* How long the test's MbPauseMessage keeps the mailbox paused. */
#define PAUSE_MS 200

/* Steps sent before the service starts and while it is paused. */
#define STEPS_BEFORE_START 50
#define STEPS_WHILE_PAUSED 50

/* Event log entries that are not step numbers. */
#define EVENT_PAUSED  (-1)
#define EVENT_RESUMED (-2)

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

static gboolean
atomic_flag_is_set (gpointer data)
{
  return g_atomic_int_get ((gint *) data) != 0;
}

/* Sends @message and waits on the calling thread's thread-default
 * context.
 */
static GValue *
send_and_wait (IlLink     *link,
               IlMessage  *message,
               GError    **error)
{
  GMainContext *context;
  GAsyncResult *result = NULL;
  GValue *value;

  context = g_main_context_ref_thread_default ();
  il_link_send_async (link, message, NULL, store_result_cb, &result);
  iterate_until (context, result_is_set, &result, "the send result");
  g_main_context_unref (context);

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

/* Defines a final message type whose class declares @response_type and
 * that has one construct-only gint property named after the struct
 * member @field.
 */
#define MB_DEFINE_INT_MESSAGE(TypeName, type_name, TYPE_NAME, field, response_type) \
  G_DECLARE_FINAL_TYPE (TypeName, type_name, MB, TYPE_NAME, IlMessage)             \
  struct _##TypeName                                                               \
  {                                                                                \
    IlMessage parent_instance;                                                     \
    gint      field;                                                               \
  };                                                                               \
  G_DEFINE_TYPE (TypeName, type_name, IL_TYPE_MESSAGE)                             \
  static void                                                                      \
  type_name##_get_property (GObject    *object,                                    \
                            guint       prop_id,                                   \
                            GValue     *value,                                     \
                            GParamSpec *pspec)                                     \
  {                                                                                \
    if (prop_id == 1)                                                              \
      g_value_set_int (value, ((TypeName *) object)->field);                      \
    else                                                                           \
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);                  \
  }                                                                                \
  static void                                                                      \
  type_name##_set_property (GObject      *object,                                  \
                            guint         prop_id,                                 \
                            const GValue *value,                                   \
                            GParamSpec   *pspec)                                   \
  {                                                                                \
    if (prop_id == 1)                                                              \
      ((TypeName *) object)->field = g_value_get_int (value);                     \
    else                                                                           \
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);                  \
  }                                                                                \
  static void                                                                      \
  type_name##_class_init (TypeName##Class *klass)                                  \
  {                                                                                \
    GObjectClass *object_class = G_OBJECT_CLASS (klass);                           \
                                                                                   \
    object_class->get_property = type_name##_get_property;                         \
    object_class->set_property = type_name##_set_property;                         \
    g_object_class_install_property (object_class, 1,                              \
      g_param_spec_int (#field, NULL, NULL, 0, G_MAXINT, 0,                        \
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |               \
                        G_PARAM_STATIC_STRINGS));                                  \
    il_message_class_set_response_type (IL_MESSAGE_CLASS (klass),                  \
                                        (response_type));                          \
  }                                                                                \
  static void                                                                      \
  type_name##_init (TypeName *self)                                                \
  {                                                                                \
  }

/* Per-sender FIFO */

/* MbSeqMessage: one message of a sender's numbered series. */

#define MB_TYPE_SEQ_MESSAGE (mb_seq_message_get_type ())
G_DECLARE_FINAL_TYPE (MbSeqMessage, mb_seq_message, MB, SEQ_MESSAGE, IlMessage)

struct _MbSeqMessage
{
  IlMessage parent_instance;

  guint     sender;
  guint     sequence;
};

enum
{
  SEQ_PROP_0,
  SEQ_PROP_SENDER,
  SEQ_PROP_SEQUENCE,
};

G_DEFINE_TYPE (MbSeqMessage, mb_seq_message, IL_TYPE_MESSAGE)

static void
mb_seq_message_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MbSeqMessage *self = MB_SEQ_MESSAGE (object);

  switch (prop_id)
    {
    case SEQ_PROP_SENDER:
      g_value_set_uint (value, self->sender);
      break;

    case SEQ_PROP_SEQUENCE:
      g_value_set_uint (value, self->sequence);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mb_seq_message_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  MbSeqMessage *self = MB_SEQ_MESSAGE (object);

  switch (prop_id)
    {
    case SEQ_PROP_SENDER:
      self->sender = g_value_get_uint (value);
      break;

    case SEQ_PROP_SEQUENCE:
      self->sequence = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mb_seq_message_class_init (MbSeqMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = mb_seq_message_get_property;
  object_class->set_property = mb_seq_message_set_property;

  g_object_class_install_property (object_class, SEQ_PROP_SENDER,
    g_param_spec_uint ("sender", NULL, NULL,
                       0, SENDER_COUNT - 1, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, SEQ_PROP_SEQUENCE,
    g_param_spec_uint ("sequence", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_STATIC_STRINGS));
}

static void
mb_seq_message_init (MbSeqMessage *self)
{
}

/* MbBarrierMessage: answered with the number of messages received from its
 * "sender".
 */
#define MB_TYPE_BARRIER_MESSAGE (mb_barrier_message_get_type ())
MB_DEFINE_INT_MESSAGE (MbBarrierMessage, mb_barrier_message, BARRIER_MESSAGE,
                       sender, G_TYPE_UINT)

#define MB_TYPE_FIFO_SERVICE (mb_fifo_service_get_type ())
G_DECLARE_FINAL_TYPE (MbFifoService, mb_fifo_service, MB, FIFO_SERVICE, IlService)

struct _MbFifoService
{
  IlService parent_instance;

  /* Written only by handlers. The test reads them after the barriers. */
  guint     last_sequence[SENDER_COUNT];
  guint     received[SENDER_COUNT];
  guint     violations;
  char     *first_violation;
};

G_DEFINE_TYPE (MbFifoService, mb_fifo_service, IL_TYPE_SERVICE)

static void
handle_seq (IlService        *service,
            IlMessage        *message,
            IlServiceContext *context,
            IlReply          *reply)
{
  MbFifoService *self = MB_FIFO_SERVICE (service);
  MbSeqMessage *seq = MB_SEQ_MESSAGE (message);

  if (seq->sequence != self->last_sequence[seq->sender] + 1)
    {
      if (self->violations == 0)
        self->first_violation =
          g_strdup_printf ("sender %u: sequence %u followed %u",
                           seq->sender, seq->sequence,
                           self->last_sequence[seq->sender]);
      self->violations++;
    }

  self->last_sequence[seq->sender] = seq->sequence;
  self->received[seq->sender]++;
}

static void
handle_barrier (IlService        *service,
                IlMessage        *message,
                IlServiceContext *context,
                IlReply          *reply)
{
  MbFifoService *self = MB_FIFO_SERVICE (service);
  gint sender = MB_BARRIER_MESSAGE (message)->sender;

  g_assert_cmpint (sender, <, SENDER_COUNT);
  il_reply_return_uint (reply, self->received[sender]);
}

static void
mb_fifo_service_finalize (GObject *object)
{
  MbFifoService *self = MB_FIFO_SERVICE (object);

  g_free (self->first_violation);

  G_OBJECT_CLASS (mb_fifo_service_parent_class)->finalize (object);
}

static void
mb_fifo_service_class_init (MbFifoServiceClass *klass)
{
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = mb_fifo_service_finalize;

  il_service_class_add_handler (service_class, MB_TYPE_SEQ_MESSAGE, handle_seq);
  il_service_class_add_handler (service_class, MB_TYPE_BARRIER_MESSAGE, handle_barrier);
}

static void
mb_fifo_service_init (MbFifoService *self)
{
}

typedef struct
{
  IlLink  *link;
  guint    sender;
  guint    send_failures;
  GError  *barrier_error;
  guint    barrier_received;
} FifoSender;

static gpointer
fifo_sender_thread (gpointer data)
{
  FifoSender *sender = data;
  GMainContext *context;
  IlMessage *barrier;
  GValue *value;
  guint sequence;

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  for (sequence = 1; sequence <= MESSAGES_PER_SENDER; sequence++)
    {
      IlMessage *message;

      message = g_object_new (MB_TYPE_SEQ_MESSAGE,
                              "sender", sender->sender,
                              "sequence", sequence,
                              NULL);
      if (!il_link_do_send (sender->link, message, NULL))
        sender->send_failures++;
      g_object_unref (message);
    }

  barrier = g_object_new (MB_TYPE_BARRIER_MESSAGE, "sender", sender->sender, NULL);
  value = send_and_wait (sender->link, barrier, &sender->barrier_error);
  if (value != NULL)
    {
      sender->barrier_received = g_value_get_uint (value);
      value_free (value);
    }
  g_object_unref (barrier);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_mailbox_per_sender_fifo (void)
{
  MbFifoService *service;
  IlLink *link;
  FifoSender senders[SENDER_COUNT];
  GThread *threads[SENDER_COUNT];
  guint i;

  g_test_summary ("Messages from each of several concurrent senders are "
                  "handled in the order that sender sent them");

  service = g_object_new (MB_TYPE_FIFO_SERVICE, NULL);
  link = il_service_start (IL_SERVICE (service));

  for (i = 0; i < SENDER_COUNT; i++)
    {
      char *name;

      senders[i] = (FifoSender) { link, i, 0, NULL, 0 };
      name = g_strdup_printf ("fifo-sender-%u", i);
      threads[i] = g_thread_new (name, fifo_sender_thread, &senders[i]);
      g_free (name);
    }

  for (i = 0; i < SENDER_COUNT; i++)
    g_thread_join (threads[i]);

  for (i = 0; i < SENDER_COUNT; i++)
    {
      g_assert_cmpuint (senders[i].send_failures, ==, 0);
      g_assert_no_error (senders[i].barrier_error);
      g_assert_cmpuint (senders[i].barrier_received, ==, MESSAGES_PER_SENDER);
      g_assert_cmpuint (service->received[i], ==, MESSAGES_PER_SENDER);
      g_assert_cmpuint (service->last_sequence[i], ==, MESSAGES_PER_SENDER);
    }

  g_assert_cmpstr (service->first_violation, ==, NULL);
  g_assert_cmpuint (service->violations, ==, 0);

  stop_and_wait (link);
  g_object_unref (link);
  g_object_unref (service);
}

/* Shared main context */

#define MB_TYPE_TICK_MESSAGE (mb_tick_message_get_type ())
G_DECLARE_FINAL_TYPE (MbTickMessage, mb_tick_message, MB, TICK_MESSAGE, IlMessage)

struct _MbTickMessage
{
  IlMessage parent_instance;
};

G_DEFINE_TYPE (MbTickMessage, mb_tick_message, IL_TYPE_MESSAGE)

static void
mb_tick_message_class_init (MbTickMessageClass *klass)
{
}

static void
mb_tick_message_init (MbTickMessage *self)
{
}

#define MB_TYPE_TICK_SERVICE (mb_tick_service_get_type ())
G_DECLARE_FINAL_TYPE (MbTickService, mb_tick_service, MB, TICK_SERVICE, IlService)

struct _MbTickService
{
  IlService parent_instance;

  /* The service runs on the test's thread, so no atomics are needed. */
  guint     handled;
};

G_DEFINE_TYPE (MbTickService, mb_tick_service, IL_TYPE_SERVICE)

static void
handle_tick (IlService        *service,
             IlMessage        *message,
             IlServiceContext *context,
             IlReply          *reply)
{
  MB_TICK_SERVICE (service)->handled++;
}

static void
mb_tick_service_class_init (MbTickServiceClass *klass)
{
  il_service_class_add_handler (IL_SERVICE_CLASS (klass), MB_TYPE_TICK_MESSAGE,
                                handle_tick);
}

static void
mb_tick_service_init (MbTickService *self)
{
}

typedef struct
{
  MbTickService *service;
  guint          dispatches_during_flood;
  guint          handled_at_first_dispatch;
} FloodObserver;

static gboolean
observe_flood_cb (gpointer user_data)
{
  FloodObserver *observer = user_data;
  guint handled = observer->service->handled;

  /* Count only dispatches between two handled messages. */
  if (handled > 0 && handled < FLOOD_COUNT)
    {
      if (observer->dispatches_during_flood == 0)
        observer->handled_at_first_dispatch = handled;
      observer->dispatches_during_flood++;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
flood_is_drained (gpointer data)
{
  MbTickService *service = data;

  return service->handled == FLOOD_COUNT;
}

static void
test_mailbox_shared_context_yields (void)
{
  MbTickService *service;
  IlLink *link;
  IlMessage *message;
  FloodObserver observer = { NULL, };
  GSource *idle;
  GError *error = NULL;
  guint i;

  g_test_summary ("A service on the global default main context that is "
                  "flooded with messages lets other sources of that context "
                  "run before the flood is drained");

  service = g_object_new (MB_TYPE_TICK_SERVICE, NULL);
  link = il_service_start_on_context (IL_SERVICE (service), NULL);
  observer.service = service;

  /* A message is not copied and the handler only reads it, so one
   * instance can be sent many times.
   */
  message = g_object_new (MB_TYPE_TICK_MESSAGE, NULL);
  for (i = 0; i < FLOOD_COUNT; i++)
    {
      il_link_do_send (link, message, &error);
      g_assert_no_error (error);
    }
  g_object_unref (message);

  /* The same priority as default sources, so that only the service's
   * own yielding lets it run while messages are queued.
   */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, observe_flood_cb, &observer, NULL);
  g_source_attach (idle, NULL);

  iterate_until (g_main_context_default (), flood_is_drained, service,
                 "the flood of messages to be handled");

  g_source_destroy (idle);
  g_source_unref (idle);

  g_test_message ("Idle source ran %u times during the flood; the first time "
                  "after %u messages",
                  observer.dispatches_during_flood,
                  observer.handled_at_first_dispatch);
  g_assert_cmpuint (observer.dispatches_during_flood, >=, 3);
  g_assert_cmpuint (observer.handled_at_first_dispatch, <, FLOOD_COUNT);
  g_assert_cmpuint (service->handled, ==, FLOOD_COUNT);

  stop_and_wait (link);
  g_object_unref (link);
  g_object_unref (service);
}

/* Pausing the mailbox */

/* MbStepMessage: appends its "step" to the service's event log. */
#define MB_TYPE_STEP_MESSAGE (mb_step_message_get_type ())
MB_DEFINE_INT_MESSAGE (MbStepMessage, mb_step_message, STEP_MESSAGE,
                       step, G_TYPE_NONE)

/* MbPauseMessage: pauses the mailbox while a timeout of "milliseconds"
 * runs on the service context, then answers with TRUE and resumes.
 */
#define MB_TYPE_PAUSE_MESSAGE (mb_pause_message_get_type ())
MB_DEFINE_INT_MESSAGE (MbPauseMessage, mb_pause_message, PAUSE_MESSAGE,
                       milliseconds, G_TYPE_BOOLEAN)

/* MbHoldMessage: pauses the mailbox "pauses" times, keeps the service
 * context for the test to resume from another thread, and answers TRUE.
 */
#define MB_TYPE_HOLD_MESSAGE (mb_hold_message_get_type ())
MB_DEFINE_INT_MESSAGE (MbHoldMessage, mb_hold_message, HOLD_MESSAGE,
                       pauses, G_TYPE_BOOLEAN)

/* MbLoadMessage: pauses the mailbox while it loads a file asynchronously,
 * then answers with its contents and resumes.
 */

#define MB_TYPE_LOAD_MESSAGE (mb_load_message_get_type ())
G_DECLARE_FINAL_TYPE (MbLoadMessage, mb_load_message, MB, LOAD_MESSAGE, IlMessage)

struct _MbLoadMessage
{
  IlMessage  parent_instance;

  GFile     *file;
};

enum
{
  LOAD_PROP_0,
  LOAD_PROP_FILE,
};

G_DEFINE_TYPE (MbLoadMessage, mb_load_message, IL_TYPE_MESSAGE)

static void
mb_load_message_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  MbLoadMessage *self = MB_LOAD_MESSAGE (object);

  switch (prop_id)
    {
    case LOAD_PROP_FILE:
      g_value_set_object (value, self->file);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mb_load_message_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  MbLoadMessage *self = MB_LOAD_MESSAGE (object);

  switch (prop_id)
    {
    case LOAD_PROP_FILE:
      g_set_object (&self->file, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mb_load_message_dispose (GObject *object)
{
  MbLoadMessage *self = MB_LOAD_MESSAGE (object);

  g_clear_object (&self->file);

  G_OBJECT_CLASS (mb_load_message_parent_class)->dispose (object);
}

static void
mb_load_message_class_init (MbLoadMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = mb_load_message_get_property;
  object_class->set_property = mb_load_message_set_property;
  object_class->dispose = mb_load_message_dispose;

  g_object_class_install_property (object_class, LOAD_PROP_FILE,
    g_param_spec_object ("file", NULL, NULL,
                         G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_STRING);
}

static void
mb_load_message_init (MbLoadMessage *self)
{
}

#define MB_TYPE_PAUSE_SERVICE (mb_pause_service_get_type ())
G_DECLARE_FINAL_TYPE (MbPauseService, mb_pause_service, MB, PAUSE_SERVICE, IlService)

struct _MbPauseService
{
  IlService         parent_instance;

  /* Written only on the service thread. The test reads them after a
   * reply arrived.
   */
  GArray           *events;
  GThread          *handler_thread;
  GThread          *completion_thread;
  gint              steps_sent_at_resume;

  /* Atomic: set on the service thread, read by the test. */
  gint              paused;
  gint              steps_handled;

  /* Atomic: set by the test, read on the service thread. */
  gint              steps_sent;

  /* Set by the handler of MbHoldMessage and taken over by the test. */
  IlServiceContext *held_context;
};

G_DEFINE_TYPE (MbPauseService, mb_pause_service, IL_TYPE_SERVICE)

static void
log_event (MbPauseService *self,
           gint            event)
{
  g_array_append_val (self->events, event);
}

static void
handle_step (IlService        *service,
             IlMessage        *message,
             IlServiceContext *context,
             IlReply          *reply)
{
  MbPauseService *self = MB_PAUSE_SERVICE (service);

  log_event (self, MB_STEP_MESSAGE (message)->step);
  g_atomic_int_inc (&self->steps_handled);
}

/* What the completion of a paused handler's asynchronous work needs. */
typedef struct
{
  MbPauseService   *service;
  IlServiceContext *context;
  IlReply          *reply;
} PausedWork;

static PausedWork *
paused_work_new (IlService        *service,
                 IlServiceContext *context,
                 IlReply          *reply)
{
  PausedWork *work;

  work = g_new0 (PausedWork, 1);
  work->service = MB_PAUSE_SERVICE (g_object_ref (service));
  work->context = g_object_ref (context);
  work->reply = g_object_ref (reply);

  return work;
}

/* Logs the end of the pause, answers and resumes the mailbox. */
static void
paused_work_finish (PausedWork *work,
                    const char *contents,
                    GError     *error)
{
  MbPauseService *self = work->service;

  self->completion_thread = g_thread_self ();
  self->steps_sent_at_resume = g_atomic_int_get (&self->steps_sent);
  log_event (self, EVENT_RESUMED);

  if (error != NULL)
    il_reply_take_error (work->reply, error);
  else if (contents != NULL)
    il_reply_return_string (work->reply, contents);
  else
    il_reply_return_boolean (work->reply, TRUE);

  il_service_context_resume (work->context);

  g_object_unref (work->reply);
  g_object_unref (work->context);
  g_object_unref (work->service);
  g_free (work);
}

static gboolean
pause_timeout_cb (gpointer user_data)
{
  paused_work_finish (user_data, NULL, NULL);

  return G_SOURCE_REMOVE;
}

static void
handle_pause (IlService        *service,
              IlMessage        *message,
              IlServiceContext *context,
              IlReply          *reply)
{
  MbPauseService *self = MB_PAUSE_SERVICE (service);
  GSource *timeout;

  self->handler_thread = g_thread_self ();
  log_event (self, EVENT_PAUSED);
  il_service_context_pause (context);

  timeout = g_timeout_source_new (MB_PAUSE_MESSAGE (message)->milliseconds);
  g_source_set_callback (timeout, pause_timeout_cb,
                         paused_work_new (service, context, reply), NULL);
  g_source_attach (timeout, il_service_context_get_main_context (context));
  g_source_unref (timeout);

  g_atomic_int_set (&self->paused, 1);
}

static void
file_loaded_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  char *contents = NULL;
  GError *error = NULL;

  g_file_load_contents_finish (G_FILE (source_object), result, &contents,
                               NULL, NULL, &error);
  paused_work_finish (user_data, contents, error);
  g_free (contents);
}

static void
handle_load (IlService        *service,
             IlMessage        *message,
             IlServiceContext *context,
             IlReply          *reply)
{
  MbPauseService *self = MB_PAUSE_SERVICE (service);

  self->handler_thread = g_thread_self ();
  log_event (self, EVENT_PAUSED);
  il_service_context_pause (context);

  /* GIO returns to the thread-default context of the handler, which is
   * the service context.
   */
  g_file_load_contents_async (MB_LOAD_MESSAGE (message)->file, NULL,
                              file_loaded_cb,
                              paused_work_new (service, context, reply));

  g_atomic_int_set (&self->paused, 1);
}

static void
handle_hold (IlService        *service,
             IlMessage        *message,
             IlServiceContext *context,
             IlReply          *reply)
{
  MbPauseService *self = MB_PAUSE_SERVICE (service);
  gint i;

  for (i = 0; i < MB_HOLD_MESSAGE (message)->pauses; i++)
    il_service_context_pause (context);

  log_event (self, EVENT_PAUSED);
  g_set_object (&self->held_context, context);
  il_reply_return_boolean (reply, TRUE);
}

static void
mb_pause_service_dispose (GObject *object)
{
  MbPauseService *self = MB_PAUSE_SERVICE (object);

  g_clear_object (&self->held_context);

  G_OBJECT_CLASS (mb_pause_service_parent_class)->dispose (object);
}

static void
mb_pause_service_finalize (GObject *object)
{
  MbPauseService *self = MB_PAUSE_SERVICE (object);

  g_array_unref (self->events);

  G_OBJECT_CLASS (mb_pause_service_parent_class)->finalize (object);
}

static void
mb_pause_service_class_init (MbPauseServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  object_class->dispose = mb_pause_service_dispose;
  object_class->finalize = mb_pause_service_finalize;

  il_service_class_add_handler (service_class, MB_TYPE_STEP_MESSAGE, handle_step);
  il_service_class_add_handler (service_class, MB_TYPE_PAUSE_MESSAGE, handle_pause);
  il_service_class_add_handler (service_class, MB_TYPE_LOAD_MESSAGE, handle_load);
  il_service_class_add_handler (service_class, MB_TYPE_HOLD_MESSAGE, handle_hold);
}

static void
mb_pause_service_init (MbPauseService *self)
{
  self->events = g_array_new (FALSE, FALSE, sizeof (gint));
}

static void
do_send_step (IlLink *link,
              gint    step)
{
  IlMessage *message;
  GError *error = NULL;
  gboolean sent;

  message = g_object_new (MB_TYPE_STEP_MESSAGE, "step", step, NULL);
  sent = il_link_do_send (link, message, &error);
  g_assert_no_error (error);
  g_assert_true (sent);
  g_object_unref (message);
}

/* Sends step @step and waits for the answer, so that everything queued
 * before it has been handled.
 */
static void
send_step_barrier (IlLink *link,
                   gint    step)
{
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  message = g_object_new (MB_TYPE_STEP_MESSAGE, "step", step, NULL);
  value = send_and_wait (link, message, &error);
  g_assert_no_error (error);
  g_assert_null (value);
  g_object_unref (message);
}

/* Checks that @events is @first_events followed by the steps 1 to
 * @last_step in order.
 */
static void
assert_events (GArray     *events,
               const gint *first_events,
               guint       n_first_events,
               gint        last_step)
{
  guint i;

  g_assert_cmpuint (events->len, ==, n_first_events + last_step);

  for (i = 0; i < n_first_events; i++)
    g_assert_cmpint (g_array_index (events, gint, i), ==, first_events[i]);

  for (i = 0; i < (guint) last_step; i++)
    g_assert_cmpint (g_array_index (events, gint, n_first_events + i), ==, i + 1);
}

/* Sends @message to a new MbPauseService before it starts, queues steps
 * before the start and after the handler paused the mailbox, and checks
 * that no step ran during the pause. With @pause_outlasts_sends, the pause
 * must also have lasted until the test queued all steps. Returns the
 * answer to @message.
 */
static GValue *
run_paused_handler (IlMessage *message,
                    gboolean   pause_outlasts_sends)
{
  const gint pause_events[] = { EVENT_PAUSED, EVENT_RESUMED };
  MbPauseService *service;
  IlLink *link;
  IlLink *started_link;
  GAsyncResult *result = NULL;
  GValue *value;
  GError *error = NULL;
  gint step;

  service = g_object_new (MB_TYPE_PAUSE_SERVICE, NULL);
  link = il_service_get_link (IL_SERVICE (service));

  /* Queued before the start, so the pausing handler finds them waiting in
   * the mailbox.
   */
  il_link_send_async (link, message, NULL, store_result_cb, &result);
  for (step = 1; step <= STEPS_BEFORE_START; step++)
    do_send_step (link, step);

  started_link = il_service_start (IL_SERVICE (service));
  g_assert_true (il_link_same_service (link, started_link));
  g_object_unref (started_link);

  iterate_until (g_main_context_default (), atomic_flag_is_set, &service->paused,
                 "the handler to pause the mailbox");

  for (; step <= STEPS_BEFORE_START + STEPS_WHILE_PAUSED; step++)
    {
      do_send_step (link, step);
      g_atomic_int_inc (&service->steps_sent);
    }

  iterate_until (g_main_context_default (), result_is_set, &result,
                 "the answer of the pausing handler");
  value = il_link_send_finish (link, result, &error);
  g_assert_no_error (error);
  g_object_unref (result);

  send_step_barrier (link, step);

  assert_events (service->events, pause_events, G_N_ELEMENTS (pause_events), step);
  if (pause_outlasts_sends)
    g_assert_cmpint (service->steps_sent_at_resume, ==, STEPS_WHILE_PAUSED);
  g_assert_nonnull (service->handler_thread);
  g_assert_true (service->handler_thread != g_thread_self ());
  g_assert_true (service->completion_thread == service->handler_thread);

  stop_and_wait (link);
  g_object_unref (link);
  g_object_unref (service);

  return value;
}

static void
test_mailbox_pause_in_handler (void)
{
  IlMessage *message;
  GValue *value;

  g_test_summary ("A handler that pauses the mailbox while a timeout runs on "
                  "the service context sees no other message of the service "
                  "run before it resumes, while messages keep being queued");

  message = g_object_new (MB_TYPE_PAUSE_MESSAGE, "milliseconds", PAUSE_MS, NULL);
  value = run_paused_handler (message, TRUE);

  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_BOOLEAN));
  g_assert_true (g_value_get_boolean (value));

  value_free (value);
  g_object_unref (message);
}

static void
test_mailbox_pause_during_file_load (void)
{
  const char contents[] = "contents loaded while the mailbox is paused\n";
  GFile *file;
  GFileIOStream *stream;
  IlMessage *message;
  GValue *value;
  GError *error = NULL;
  gboolean written;

  g_test_summary ("A handler that pauses the mailbox during an asynchronous "
                  "GIO operation gets the callback on the service context and "
                  "no other message runs before it resumes");

  file = g_file_new_tmp ("test-mailbox-XXXXXX.txt", &stream, &error);
  g_assert_no_error (error);
  written = g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (stream)),
                                       contents, strlen (contents), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (written);
  g_io_stream_close (G_IO_STREAM (stream), NULL, &error);
  g_assert_no_error (error);
  g_object_unref (stream);

  /* Loading a small file may finish before the test queued the steps of
   * the pause, so only the steps queued before the start are sure to wait
   * in the paused mailbox.
   */
  message = g_object_new (MB_TYPE_LOAD_MESSAGE, "file", file, NULL);
  value = run_paused_handler (message, FALSE);

  g_assert_nonnull (value);
  g_assert_cmpstr (G_VALUE_TYPE_NAME (value), ==, g_type_name (G_TYPE_STRING));
  g_assert_cmpstr (g_value_get_string (value), ==, contents);

  g_file_delete (file, NULL, &error);
  g_assert_no_error (error);

  value_free (value);
  g_object_unref (message);
  g_object_unref (file);
}

/* Sends an MbHoldMessage that pauses @pauses times and returns the service
 * context that the handler kept.
 */
static IlServiceContext *
send_hold (IlLink         *link,
           MbPauseService *service,
           gint            pauses)
{
  IlMessage *message;
  GValue *value;
  GError *error = NULL;

  message = g_object_new (MB_TYPE_HOLD_MESSAGE, "pauses", pauses, NULL);
  value = send_and_wait (link, message, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_true (g_value_get_boolean (value));
  value_free (value);
  g_object_unref (message);

  g_assert_nonnull (service->held_context);

  return g_steal_pointer (&service->held_context);
}

/* Sends steps 1 to @count and checks that none of them runs within
 * 100 ms.
 */
static void
send_steps_while_paused (IlLink         *link,
                         MbPauseService *service,
                         gint            count)
{
  gint step;

  for (step = 1; step <= count; step++)
    do_send_step (link, step);

  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (g_atomic_int_get (&service->steps_handled), ==, 0);
}

static gpointer
resume_thread (gpointer data)
{
  il_service_context_resume (data);

  return NULL;
}

static void
test_mailbox_resume_from_thread (void)
{
  const gint hold_events[] = { EVENT_PAUSED };
  MbPauseService *service;
  IlLink *link;
  IlServiceContext *context;
  GThread *thread;

  g_test_summary ("il_service_context_resume() called from a thread other "
                  "than the service's lets the queued messages run in order");

  service = g_object_new (MB_TYPE_PAUSE_SERVICE, NULL);
  link = il_service_start (IL_SERVICE (service));

  context = send_hold (link, service, 1);
  send_steps_while_paused (link, service, 10);

  thread = g_thread_new ("mailbox-resume", resume_thread, context);
  g_thread_join (thread);

  send_step_barrier (link, 11);
  assert_events (service->events, hold_events, G_N_ELEMENTS (hold_events), 11);

  stop_and_wait (link);
  g_object_unref (context);
  g_object_unref (link);
  g_object_unref (service);
}

static void
test_mailbox_pause_counted (void)
{
  const gint hold_events[] = { EVENT_PAUSED };
  MbPauseService *service;
  IlLink *link;
  IlServiceContext *context;

  g_test_summary ("Pauses are counted: the mailbox stays paused until every "
                  "pause was matched by a resume");

  service = g_object_new (MB_TYPE_PAUSE_SERVICE, NULL);
  link = il_service_start (IL_SERVICE (service));

  context = send_hold (link, service, 2);
  send_steps_while_paused (link, service, 5);

  il_service_context_resume (context);
  g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (g_atomic_int_get (&service->steps_handled), ==, 0);

  il_service_context_resume (context);
  send_step_barrier (link, 6);
  assert_events (service->events, hold_events, G_N_ELEMENTS (hold_events), 6);

  stop_and_wait (link);
  g_object_unref (context);
  g_object_unref (link);
  g_object_unref (service);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mailbox/per-sender-fifo", test_mailbox_per_sender_fifo);
  g_test_add_func ("/mailbox/shared-context-yields", test_mailbox_shared_context_yields);
  g_test_add_func ("/mailbox/pause-in-handler", test_mailbox_pause_in_handler);
  g_test_add_func ("/mailbox/pause-during-file-load", test_mailbox_pause_during_file_load);
  g_test_add_func ("/mailbox/resume-from-thread", test_mailbox_resume_from_thread);
  g_test_add_func ("/mailbox/pause-counted", test_mailbox_pause_counted);

  return g_test_run ();
}
