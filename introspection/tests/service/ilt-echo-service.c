/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sys/prctl.h>

#include "ilt-echo-service.h"

/**
 * IltTextMessage:
 *
 * A message with a string property "value", answered with a string.
 */
struct _IltTextMessage
{
  IlMessage  parent_instance;
  char      *value;
};

G_DEFINE_FINAL_TYPE (IltTextMessage, ilt_text_message, IL_TYPE_MESSAGE)

enum
{
  TEXT_PROP_0,
  TEXT_PROP_VALUE,
  TEXT_N_PROPS
};

static GParamSpec *text_properties[TEXT_N_PROPS];

static void
ilt_text_message_finalize (GObject *object)
{
  IltTextMessage *self = ILT_TEXT_MESSAGE (object);

  g_clear_pointer (&self->value, g_free);

  G_OBJECT_CLASS (ilt_text_message_parent_class)->finalize (object);
}

static void
ilt_text_message_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  IltTextMessage *self = ILT_TEXT_MESSAGE (object);

  switch (prop_id)
    {
    case TEXT_PROP_VALUE:
      g_value_set_string (value, self->value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ilt_text_message_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  IltTextMessage *self = ILT_TEXT_MESSAGE (object);

  switch (prop_id)
    {
    case TEXT_PROP_VALUE:
      g_free (self->value);
      self->value = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ilt_text_message_class_init (IltTextMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ilt_text_message_finalize;
  object_class->get_property = ilt_text_message_get_property;
  object_class->set_property = ilt_text_message_set_property;

  text_properties[TEXT_PROP_VALUE] =
    g_param_spec_string ("value", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, TEXT_N_PROPS,
                                     text_properties);

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_STRING);
}

static void
ilt_text_message_init (IltTextMessage *self)
{
}

/**
 * IltSleepMessage:
 *
 * A message with a "milliseconds" property: the service sleeps that long
 * and answers with the number of messages it handled so far.
 */
struct _IltSleepMessage
{
  IlMessage  parent_instance;
  guint      milliseconds;
};

G_DEFINE_FINAL_TYPE (IltSleepMessage, ilt_sleep_message, IL_TYPE_MESSAGE)

enum
{
  SLEEP_PROP_0,
  SLEEP_PROP_MILLISECONDS,
  SLEEP_N_PROPS
};

static GParamSpec *sleep_properties[SLEEP_N_PROPS];

static void
ilt_sleep_message_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  IltSleepMessage *self = ILT_SLEEP_MESSAGE (object);

  switch (prop_id)
    {
    case SLEEP_PROP_MILLISECONDS:
      g_value_set_uint (value, self->milliseconds);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ilt_sleep_message_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  IltSleepMessage *self = ILT_SLEEP_MESSAGE (object);

  switch (prop_id)
    {
    case SLEEP_PROP_MILLISECONDS:
      self->milliseconds = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ilt_sleep_message_class_init (IltSleepMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ilt_sleep_message_get_property;
  object_class->set_property = ilt_sleep_message_set_property;

  sleep_properties[SLEEP_PROP_MILLISECONDS] =
    g_param_spec_uint ("milliseconds", NULL, NULL, 0, 60000, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, SLEEP_N_PROPS,
                                     sleep_properties);

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_UINT);
}

static void
ilt_sleep_message_init (IltSleepMessage *self)
{
}

/**
 * IltEchoService:
 *
 * A service written in C for the binding tests: it answers
 * [class@InterlinkTest.TextMessage] with the text and
 * [class@InterlinkTest.SleepMessage] after sleeping.
 */
struct _IltEchoService
{
  IlService  parent_instance;

  guint      handled;       /* atomic */
  char      *thread_name;   /* service context only, read after stop */
};

G_DEFINE_FINAL_TYPE (IltEchoService, ilt_echo_service, IL_TYPE_SERVICE)

static void
ilt_echo_service_note_thread (IltEchoService *self)
{
  char name[17] = { 0 };

  prctl (PR_GET_NAME, name, 0, 0, 0);
  g_free (self->thread_name);
  self->thread_name = g_strdup (name);
}

static void
ilt_echo_service_handle_text (IlService        *service,
                              IlMessage        *message,
                              IlServiceContext *context,
                              IlReply          *reply)
{
  IltEchoService *self = ILT_ECHO_SERVICE (service);

  ilt_echo_service_note_thread (self);
  g_atomic_int_inc (&self->handled);
  il_reply_return_string (reply, ILT_TEXT_MESSAGE (message)->value);
}

static void
ilt_echo_service_handle_sleep (IlService        *service,
                               IlMessage        *message,
                               IlServiceContext *context,
                               IlReply          *reply)
{
  IltEchoService *self = ILT_ECHO_SERVICE (service);

  ilt_echo_service_note_thread (self);
  g_usleep (ILT_SLEEP_MESSAGE (message)->milliseconds * G_TIME_SPAN_MILLISECOND);
  il_reply_return_uint (reply, g_atomic_int_add (&self->handled, 1) + 1);
}

static void
ilt_echo_service_finalize (GObject *object)
{
  IltEchoService *self = ILT_ECHO_SERVICE (object);

  g_clear_pointer (&self->thread_name, g_free);

  G_OBJECT_CLASS (ilt_echo_service_parent_class)->finalize (object);
}

static void
ilt_echo_service_class_init (IltEchoServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  object_class->finalize = ilt_echo_service_finalize;

  il_service_class_add_handler (service_class, ILT_TYPE_TEXT_MESSAGE,
                                ilt_echo_service_handle_text);
  il_service_class_add_handler (service_class, ILT_TYPE_SLEEP_MESSAGE,
                                ilt_echo_service_handle_sleep);
}

static void
ilt_echo_service_init (IltEchoService *self)
{
}

/**
 * ilt_echo_service_new:
 *
 * Creates an echo service that has not started yet.
 *
 * Returns: (transfer full): a new echo service
 */
IltEchoService *
ilt_echo_service_new (void)
{
  return g_object_new (ILT_TYPE_ECHO_SERVICE, NULL);
}

/**
 * ilt_echo_service_get_handled:
 * @self: an echo service
 *
 * Gets the number of messages handled so far. May be called from any
 * thread.
 *
 * Returns: the number of handled messages
 */
guint
ilt_echo_service_get_handled (IltEchoService *self)
{
  g_return_val_if_fail (ILT_IS_ECHO_SERVICE (self), 0);

  return g_atomic_int_get (&self->handled);
}

/**
 * ilt_echo_service_dup_thread_name:
 * @self: an echo service
 *
 * Gets the name of the thread that handled the last message. Read it only
 * after the answer to that message arrived.
 *
 * Returns: (transfer full) (nullable): the thread name
 */
char *
ilt_echo_service_dup_thread_name (IltEchoService *self)
{
  g_return_val_if_fail (ILT_IS_ECHO_SERVICE (self), NULL);

  return g_strdup (self->thread_name);
}
