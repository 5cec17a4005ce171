/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Message and service types shared by the benchmarks; see bench-types.h.
 * This file measures nothing and has no floor.
 */

#include "bench-types.h"

typedef struct
{
  gint value;
} BenchValueMessagePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (BenchValueMessage, bench_value_message,
                                     IL_TYPE_MESSAGE)

enum
{
  PROP_VALUE = 1,
  N_PROPS
};

static GParamSpec *value_message_props[N_PROPS];

static void
bench_value_message_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  BenchValueMessage *self = BENCH_VALUE_MESSAGE (object);
  BenchValueMessagePrivate *priv =
    bench_value_message_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_VALUE:
      g_value_set_int (value, priv->value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
bench_value_message_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  BenchValueMessage *self = BENCH_VALUE_MESSAGE (object);
  BenchValueMessagePrivate *priv =
    bench_value_message_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_VALUE:
      priv->value = g_value_get_int (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
bench_value_message_class_init (BenchValueMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = bench_value_message_get_property;
  object_class->set_property = bench_value_message_set_property;

  /* Construct-only, as messages should be: a sent message must not
   * change.
   */
  value_message_props[PROP_VALUE] =
    g_param_spec_int ("value", NULL, NULL,
                      G_MININT, G_MAXINT, 0,
                      G_PARAM_READWRITE |
                      G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS,
                                     value_message_props);
}

static void
bench_value_message_init (BenchValueMessage *self)
{
}

gint
bench_value_message_get_value (BenchValueMessage *self)
{
  BenchValueMessagePrivate *priv =
    bench_value_message_get_instance_private (self);

  return priv->value;
}

struct _BenchIncrement
{
  BenchValueMessage parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchIncrement, bench_increment, BENCH_TYPE_VALUE_MESSAGE)

static void
bench_increment_class_init (BenchIncrementClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_INT);
}

static void
bench_increment_init (BenchIncrement *self)
{
}

BenchValueMessage *
bench_increment_new (gint value)
{
  return g_object_new (BENCH_TYPE_INCREMENT, "value", value, NULL);
}

struct _BenchAdd
{
  BenchValueMessage parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchAdd, bench_add, BENCH_TYPE_VALUE_MESSAGE)

static void
bench_add_class_init (BenchAddClass *klass)
{
}

static void
bench_add_init (BenchAdd *self)
{
}

BenchValueMessage *
bench_add_new (gint value)
{
  return g_object_new (BENCH_TYPE_ADD, "value", value, NULL);
}

struct _BenchEchoService
{
  IlService parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchEchoService, bench_echo_service, IL_TYPE_SERVICE)

static void
bench_echo_service_handle_increment (IlService        *service,
                                     IlMessage        *message,
                                     IlServiceContext *context,
                                     IlReply          *reply)
{
  gint value = bench_value_message_get_value (BENCH_VALUE_MESSAGE (message));

  il_reply_return_int (reply, value + 1);
}

static void
bench_echo_service_class_init (BenchEchoServiceClass *klass)
{
  il_service_class_add_handler (IL_SERVICE_CLASS (klass),
                                BENCH_TYPE_INCREMENT,
                                bench_echo_service_handle_increment);
}

static void
bench_echo_service_init (BenchEchoService *self)
{
}

struct _BenchCounterService
{
  IlService parent_instance;

  gint64 sum;       /* only touched on the service's context */
  guint  handled;   /* atomic: written by the service, read by others */
};

G_DEFINE_FINAL_TYPE (BenchCounterService, bench_counter_service,
                     IL_TYPE_SERVICE)

/* BenchAdd has the response type G_TYPE_NONE, so the handler returns no
 * value. Dropping the reply completes an awaited send with an empty result.
 */
static void
bench_counter_service_handle_add (IlService        *service,
                                  IlMessage        *message,
                                  IlServiceContext *context,
                                  IlReply          *reply)
{
  BenchCounterService *self = BENCH_COUNTER_SERVICE (service);

  self->sum += bench_value_message_get_value (BENCH_VALUE_MESSAGE (message));
  g_atomic_int_inc ((gint *) &self->handled);
}

static void
bench_counter_service_class_init (BenchCounterServiceClass *klass)
{
  il_service_class_add_handler (IL_SERVICE_CLASS (klass),
                                BENCH_TYPE_ADD,
                                bench_counter_service_handle_add);
}

static void
bench_counter_service_init (BenchCounterService *self)
{
}

gint64
bench_counter_service_get_sum (BenchCounterService *self)
{
  return self->sum;
}

guint
bench_counter_service_get_handled (BenchCounterService *self)
{
  return (guint) g_atomic_int_get ((gint *) &self->handled);
}
