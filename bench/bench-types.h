/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Message and service types shared by the benchmarks. They measure
 * nothing themselves.
 *
 * BenchIncrement carries one int, and the reply is that int plus one.
 * BenchAdd carries one int and gets an empty reply. BenchEchoService
 * handles BenchIncrement, and BenchCounterService adds the value of every
 * BenchAdd to a sum. The floors use the same message types, so that every figure
 * and its floor pay for the same g_object_new() and g_object_unref().
 */

#pragma once

#include <interlink-glib/interlink.h>

G_BEGIN_DECLS

/* BenchValueMessage: abstract parent with the construct-only int property
 * "value".
 */
#define BENCH_TYPE_VALUE_MESSAGE (bench_value_message_get_type ())
G_DECLARE_DERIVABLE_TYPE (BenchValueMessage, bench_value_message,
                          BENCH, VALUE_MESSAGE, IlMessage)

struct _BenchValueMessageClass
{
  IlMessageClass parent_class;
};

#define BENCH_TYPE_INCREMENT (bench_increment_get_type ())
G_DECLARE_FINAL_TYPE (BenchIncrement, bench_increment,
                      BENCH, INCREMENT, BenchValueMessage)

#define BENCH_TYPE_ADD (bench_add_get_type ())
G_DECLARE_FINAL_TYPE (BenchAdd, bench_add, BENCH, ADD, BenchValueMessage)

gint               bench_value_message_get_value (BenchValueMessage *self);

BenchValueMessage *bench_increment_new           (gint               value);
BenchValueMessage *bench_add_new                 (gint               value);

#define BENCH_TYPE_ECHO_SERVICE (bench_echo_service_get_type ())
G_DECLARE_FINAL_TYPE (BenchEchoService, bench_echo_service,
                      BENCH, ECHO_SERVICE, IlService)

#define BENCH_TYPE_COUNTER_SERVICE (bench_counter_service_get_type ())
G_DECLARE_FINAL_TYPE (BenchCounterService, bench_counter_service,
                      BENCH, COUNTER_SERVICE, IlService)

/* Read these only after the service stopped, or with
 * bench_counter_service_get_handled() while it runs.
 */
gint64 bench_counter_service_get_sum     (BenchCounterService *self);
guint  bench_counter_service_get_handled (BenchCounterService *self);

G_END_DECLS
