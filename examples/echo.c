/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * echo: the smallest complete Interlink program.
 *
 * An EchoService runs on its own thread and replies to every TextMessage
 * with the text it contains. The main thread sends one message and waits for the
 * reply on a GMainLoop, sends a second one without waiting for a reply, and
 * then stops the service and waits until it has stopped.
 */

#include <locale.h>
#include <stdlib.h>

#include <interlink-glib/interlink.h>

/* TextMessage: a message with one string property, "value". Its response
 * type is G_TYPE_STRING. */

#define TEXT_TYPE_MESSAGE (text_message_get_type ())
G_DECLARE_FINAL_TYPE (TextMessage, text_message, TEXT, MESSAGE, IlMessage)

struct _TextMessage
{
  IlMessage parent_instance;

  char *value;
};

G_DEFINE_FINAL_TYPE (TextMessage, text_message, IL_TYPE_MESSAGE)

enum
{
  TEXT_MESSAGE_PROP_VALUE = 1,
  TEXT_MESSAGE_N_PROPS
};

static GParamSpec *text_message_props[TEXT_MESSAGE_N_PROPS];

static void
text_message_finalize (GObject *object)
{
  TextMessage *self = TEXT_MESSAGE (object);

  g_free (self->value);

  G_OBJECT_CLASS (text_message_parent_class)->finalize (object);
}

static void
text_message_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TextMessage *self = TEXT_MESSAGE (object);

  switch (prop_id)
    {
    case TEXT_MESSAGE_PROP_VALUE:
      g_value_set_string (value, self->value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
text_message_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TextMessage *self = TEXT_MESSAGE (object);

  switch (prop_id)
    {
    case TEXT_MESSAGE_PROP_VALUE:
      g_free (self->value);
      self->value = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
text_message_class_init (TextMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = text_message_finalize;
  object_class->get_property = text_message_get_property;
  object_class->set_property = text_message_set_property;

  /* Construct-only, so a message cannot change once it has been sent. */
  text_message_props[TEXT_MESSAGE_PROP_VALUE] =
    g_param_spec_string ("value", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class,
                                     TEXT_MESSAGE_N_PROPS,
                                     text_message_props);

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_STRING);
}

static void
text_message_init (TextMessage *self)
{
}

static TextMessage *
text_message_new (const char *value)
{
  return g_object_new (TEXT_TYPE_MESSAGE, "value", value, NULL);
}

/* EchoService: prints each TextMessage and replies with its value. */

#define ECHO_TYPE_SERVICE (echo_service_get_type ())
G_DECLARE_FINAL_TYPE (EchoService, echo_service, ECHO, SERVICE, IlService)

struct _EchoService
{
  IlService parent_instance;
};

G_DEFINE_FINAL_TYPE (EchoService, echo_service, IL_TYPE_SERVICE)

/* Runs on the service's thread, one message at a time. */
static void
echo_service_handle_text (IlService        *service,
                          IlMessage        *message,
                          IlServiceContext *context,
                          IlReply          *reply)
{
  TextMessage *text = TEXT_MESSAGE (message);

  g_print ("Got message: %s\n", text->value);
  il_reply_return_string (reply, text->value);
}

static void
echo_service_class_init (EchoServiceClass *klass)
{
  il_service_class_add_handler (IL_SERVICE_CLASS (klass),
                                TEXT_TYPE_MESSAGE,
                                echo_service_handle_text);
}

static void
echo_service_init (EchoService *self)
{
}

/* The main thread's side: the requests, their callbacks and the result. */

typedef struct
{
  GMainLoop *loop;
  IlLink *link;
  const char *first_text;
  const char *second_text;
  gboolean failed;
} EchoApp;

static void
on_service_stopped (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  EchoApp *app = user_data;
  g_autoptr(GError) error = NULL;

  if (!il_link_stop_finish (IL_LINK (source), result, &error))
    {
      g_printerr ("echo: Failed to stop the service: %s\n", error->message);
      app->failed = TRUE;
    }

  g_main_loop_quit (app->loop);
}

/* Sends the second message without waiting for a reply, then requests the
 * stop. The stop request is queued after that message, so the service
 * handles the message before it stops. */
static void
send_and_stop (EchoApp *app)
{
  g_autoptr(TextMessage) message = text_message_new (app->second_text);
  g_autoptr(GError) error = NULL;

  if (!il_link_do_send (app->link, IL_MESSAGE (message), &error))
    {
      g_printerr ("echo: Failed to send “%s”: %s\n",
                  app->second_text, error->message);
      app->failed = TRUE;
    }

  il_link_stop_async (app->link, NULL, on_service_stopped, app);
}

static void
on_echo_reply (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  EchoApp *app = user_data;
  g_autoptr(GError) error = NULL;
  GValue *reply;
  const char *reply_text;

  reply = il_link_send_finish (IL_LINK (source), result, &error);
  if (reply == NULL)
    {
      g_printerr ("echo: Request “%s” failed: %s\n",
                  app->first_text,
                  error != NULL ? error->message : "no reply value");
      app->failed = TRUE;
      send_and_stop (app);
      return;
    }

  reply_text = g_value_get_string (reply);
  if (g_strcmp0 (reply_text, app->first_text) != 0)
    {
      g_printerr ("echo: Expected the reply “%s”, got “%s”\n",
                  app->first_text,
                  reply_text != NULL ? reply_text : "(null)");
      app->failed = TRUE;
    }
  else
    {
      g_print ("Reply: %s\n", reply_text);
    }

  g_boxed_free (G_TYPE_VALUE, reply);
  send_and_stop (app);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(EchoService) service = NULL;
  g_autoptr(TextMessage) message = NULL;
  EchoApp app = { 0 };

  setlocale (LC_ALL, "");

  app.loop = g_main_loop_new (NULL, FALSE);
  app.first_text = "Hello, world!";
  app.second_text = "Hello again, without waiting for a reply.";

  /* The service runs on a new thread with its own GMainContext. The link is
   * how any thread sends it messages. */
  service = g_object_new (ECHO_TYPE_SERVICE, NULL);
  app.link = il_service_start (IL_SERVICE (service));

  /* The reply callback runs on this thread's default main context, so it
   * runs inside g_main_loop_run() below. */
  message = text_message_new (app.first_text);
  il_link_send_async (app.link, IL_MESSAGE (message), NULL,
                      on_echo_reply, &app);

  g_main_loop_run (app.loop);

  g_clear_object (&app.link);
  g_main_loop_unref (app.loop);

  if (app.failed)
    {
      g_printerr ("echo: Failed\n");
      return EXIT_FAILURE;
    }

  return EXIT_SUCCESS;
}
