/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * round-trip and round-trip-same-context: a client with its own main loop
 * sends a BenchIncrement request with il_link_send_async(), waits for the
 * reply and sends the next request from the callback, 200,000 times.
 *
 * round-trip runs the service on its own thread (il_service_start()). Its
 * floor is the same hand-off in plain GLib. The client creates a GTask
 * that carries the same message and posts it as an idle source to a worker
 * thread that iterates its own GMainContext, which is what
 * g_main_context_invoke() does for a context owned by another thread. The
 * worker returns the task with g_task_return_int(), so the callback runs
 * on the client's context. A second floor hands the task to a worker
 * thread blocked in g_async_queue_pop() instead. That worker has no main
 * context, so it could not run timers or GIO callbacks as a service does.
 *
 * round-trip-same-context runs the service on the client's context
 * (il_service_start_on_context()). Its floor is the same GTask returned
 * from an idle source on that context, all on one thread.
 *
 * Every request, in the figures and the floors, allocates and frees one
 * BenchIncrement.
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define ROUND_TRIP_COUNT 200000

typedef enum
{
  CLIENT_INTERLINK,         /* il_link_send_async() */
  CLIENT_FLOOR_IDLE,        /* GTask posted as an idle source */
  CLIENT_FLOOR_QUEUE,       /* GTask pushed onto a GAsyncQueue */
} ClientKind;

typedef struct
{
  ClientKind     kind;
  GMainContext  *context;          /* the client's context */
  GMainLoop     *loop;
  guint          count;
  guint          done;             /* replies received so far */

  IlLink        *link;             /* CLIENT_INTERLINK */
  gboolean       stop_service;     /* stop @link on @context at the end */
  GMainContext  *worker_context;   /* CLIENT_FLOOR_IDLE */
  GAsyncQueue   *queue;            /* CLIENT_FLOOR_QUEUE */

  gint64        *latencies_ns;     /* nullable, @count entries */
  gint64         sent_at_ns;
  gint64         start_ns;
  gint64         end_ns;
} Client;

static void client_send_next (Client *client);

/* Checks the reply to request number @client->done, then sends the next
 * request or quits the loop.
 */
static void
client_request_done (Client *client,
                     gint    reply_value)
{
  if (reply_value != (gint) client->done + 1)
    g_error ("Round trip %u returned %d, expected %u",
             client->done, reply_value, client->done + 1);

  if (client->latencies_ns != NULL)
    client->latencies_ns[client->done] = bench_now_ns () - client->sent_at_ns;

  client->done++;

  if (client->done == client->count)
    {
      client->end_ns = bench_now_ns ();
      g_main_loop_quit (client->loop);
      return;
    }

  client_send_next (client);
}

static void
interlink_reply_cb (GObject      *source_object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  GValue *value;

  value = il_link_send_finish (IL_LINK (source_object), result, &error);
  if (value == NULL)
    g_error ("Round trip %u failed: %s", client->done,
             error != NULL ? error->message : "no value");

  client_request_done (client, g_value_get_int (value));
  g_boxed_free (G_TYPE_VALUE, value);
}

static void
floor_reply_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  gssize reply_value;

  reply_value = g_task_propagate_int (G_TASK (result), &error);
  if (error != NULL)
    g_error ("Floor round trip %u failed: %s", client->done, error->message);

  client_request_done (client, (gint) reply_value);
}

/* The floor's handler: returns the task with its message's value plus
 * one, as BenchEchoService does, on whichever thread calls it.
 */
static void
floor_handle_task (GTask *task)
{
  BenchValueMessage *message = g_task_get_task_data (task);

  g_task_return_int (task, bench_value_message_get_value (message) + 1);
}

static gboolean
floor_idle_cb (gpointer user_data)
{
  floor_handle_task (G_TASK (user_data));

  return G_SOURCE_REMOVE;
}

static void
client_send_next (Client *client)
{
  BenchValueMessage *message = bench_increment_new ((gint) client->done);
  GTask *task;
  GSource *idle;

  if (client->latencies_ns != NULL)
    client->sent_at_ns = bench_now_ns ();

  switch (client->kind)
    {
    case CLIENT_INTERLINK:
      il_link_send_async (client->link, IL_MESSAGE (message), NULL,
                          interlink_reply_cb, client);
      g_object_unref (message);
      break;

    case CLIENT_FLOOR_IDLE:
      task = g_task_new (NULL, NULL, floor_reply_cb, client);
      g_task_set_task_data (task, message, g_object_unref);

      idle = g_idle_source_new ();
      g_source_set_priority (idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (idle, floor_idle_cb, task, g_object_unref);
      g_source_attach (idle, client->worker_context);
      g_source_unref (idle);
      break;

    case CLIENT_FLOOR_QUEUE:
      task = g_task_new (NULL, NULL, floor_reply_cb, client);
      g_task_set_task_data (task, message, g_object_unref);
      g_async_queue_push (client->queue, task);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
client_stop_done_cb (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  if (!il_link_stop_finish (IL_LINK (source_object), result, &error))
    g_error ("Stopping the service failed: %s", error->message);

  g_main_loop_quit (client->loop);
}

static gpointer
client_thread_main (gpointer user_data)
{
  Client *client = user_data;

  g_main_context_push_thread_default (client->context);

  client->start_ns = bench_now_ns ();
  client_send_next (client);
  g_main_loop_run (client->loop);

  /* A service on this context only runs while this thread iterates it,
   * so it is stopped from here, outside the timed part.
   */
  if (client->stop_service)
    {
      il_link_stop_async (client->link, NULL, client_stop_done_cb, client);
      g_main_loop_run (client->loop);
    }

  g_main_context_pop_thread_default (client->context);

  return NULL;
}

static void
client_init (Client       *client,
             ClientKind    kind,
             GMainContext *context,
             guint         count)
{
  memset (client, 0, sizeof *client);
  client->kind = kind;
  client->context = g_main_context_ref (context);
  client->loop = g_main_loop_new (context, FALSE);
  client->count = count;
}

/* Runs the client on a new thread and returns its time in seconds. */
static gdouble
client_run (Client *client)
{
  GThread *thread;

  thread = g_thread_new ("bench-client", client_thread_main, client);
  g_thread_join (thread);

  g_main_loop_unref (client->loop);
  g_main_context_unref (client->context);

  return (client->end_ns - client->start_ns) / 1e9;
}

/* How long the service thread polls before sleeping in the opt-in
 * variant (IlService:spin-time), in microseconds: a few round trips.
 */
#define ROUND_TRIP_SPIN_TIME_US 50

static gdouble
run_interlink (guint    count,
               gboolean same_context,
               guint    spin_time_us)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IlService) service = NULL;
  g_autoptr(IlLink) link = NULL;
  Client client;
  gdouble seconds;

  if (bench_side == BENCH_SIDE_FLOORS)
    return NAN;

  service = g_object_new (BENCH_TYPE_ECHO_SERVICE,
                          "spin-time", spin_time_us,
                          NULL);
  if (same_context)
    link = il_service_start_on_context (service, context);
  else
    link = il_service_start (service);

  client_init (&client, CLIENT_INTERLINK, context, count);
  client.link = link;
  client.stop_service = same_context;
  seconds = client_run (&client);

  if (same_context)
    bench_drain_default_context ();
  else
    bench_stop_and_wait (link);

  return seconds;
}

static gdouble
run_floor_idle (guint    count,
                gboolean same_context)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainContext) worker_context = NULL;
  GThread *worker = NULL;
  gint worker_quit = FALSE;
  Client client;
  gdouble seconds;

  if (bench_side == BENCH_SIDE_INTERLINK)
    return NAN;

  if (same_context)
    {
      worker_context = g_main_context_ref (context);
    }
  else
    {
      worker_context = g_main_context_new ();
      worker = bench_context_thread_new ("bench-worker", worker_context,
                                         &worker_quit);
    }

  client_init (&client, CLIENT_FLOOR_IDLE, context, count);
  client.worker_context = worker_context;
  seconds = client_run (&client);

  if (worker != NULL)
    bench_context_thread_join (worker, worker_context, &worker_quit);

  return seconds;
}

/* The queue worker exits when it pops this GTask, which is never
 * returned.
 */
static GTask *queue_worker_exit;

static gpointer
queue_worker_main (gpointer user_data)
{
  GAsyncQueue *queue = user_data;

  for (;;)
    {
      GTask *task = g_async_queue_pop (queue);

      if (task == queue_worker_exit)
        break;

      floor_handle_task (task);
      g_object_unref (task);
    }

  return NULL;
}

static gdouble
run_floor_queue (guint count)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GAsyncQueue *queue;
  GThread *worker;
  Client client;
  gdouble seconds;

  if (bench_side == BENCH_SIDE_INTERLINK)
    return NAN;

  queue = g_async_queue_new ();
  if (queue_worker_exit == NULL)
    queue_worker_exit = g_task_new (NULL, NULL, NULL, NULL);

  worker = g_thread_new ("bench-worker", queue_worker_main, queue);

  client_init (&client, CLIENT_FLOOR_QUEUE, context, count);
  client.queue = queue;
  seconds = client_run (&client);

  g_async_queue_push (queue, queue_worker_exit);
  g_thread_join (worker);
  g_async_queue_unref (queue);

  return seconds;
}

static void
print_round_trip_line (const char    *label,
                       const gdouble *seconds,
                       guint          runs,
                       guint          count,
                       gdouble       *median_us)
{
  g_autofree gdouble *per_trip_us = g_new (gdouble, runs);
  g_autofree char *run_list = NULL;
  g_autofree char *rate = NULL;
  guint i;

  for (i = 0; i < runs; i++)
    per_trip_us[i] = seconds[i] * 1e6 / count;

  *median_us = bench_median (per_trip_us, runs);
  rate = bench_format_count (1e6 / *median_us);
  run_list = bench_format_runs (per_trip_us, runs, 3);

  printf ("  %-34s %8.3f us per round trip  %12s round trips/s  (runs: %s)\n",
          label, *median_us, rate, run_list);
}

static void
print_paired_ratios (const char    *floor_name,
                     const gdouble *interlink,
                     const gdouble *floor,
                     guint          runs)
{
  g_autofree char *run_list = NULL;
  gdouble ratio;

  ratio = bench_paired_ratio (interlink, floor, runs, &run_list);
  printf ("  paired runs against the %s: median %.2fx (runs: %s)\n",
          floor_name, ratio, run_list);
}

void
bench_round_trip (const BenchConfig *config)
{
  guint count = ROUND_TRIP_COUNT / config->divisor;
  g_autofree gdouble *interlink = g_new (gdouble, config->runs);
  g_autofree gdouble *interlink_spin = g_new (gdouble, config->runs);
  g_autofree gdouble *floor_idle = g_new (gdouble, config->runs);
  g_autofree gdouble *floor_queue = g_new (gdouble, config->runs);
  g_autofree char *spin_label = NULL;
  g_autofree char *spin_figure = NULL;
  g_autofree char *spin_ratio = NULL;
  gdouble spin_us;
  g_autofree char *figure = NULL;
  g_autofree char *floor = NULL;
  g_autofree char *ratio = NULL;
  gdouble interlink_us, idle_us, queue_us;
  guint i;

  printf ("\nround-trip: %u requests, each sent from the callback of the "
          "previous one; client and service on separate threads\n", count);

  /* Warm-up: thread stacks, type classes and allocator caches. */
  run_interlink (count / 10, FALSE, 0);
  run_floor_idle (count / 10, FALSE);
  run_floor_queue (count / 10);

  for (i = 0; i < config->runs; i++)
    {
      interlink[i] = run_interlink (count, FALSE, 0);
      interlink_spin[i] = run_interlink (count, FALSE, ROUND_TRIP_SPIN_TIME_US);
      floor_idle[i] = run_floor_idle (count, FALSE);
      floor_queue[i] = run_floor_queue (count);
    }

  print_round_trip_line ("interlink (il_service_start)", interlink,
                         config->runs, count, &interlink_us);
  spin_label = g_strdup_printf ("interlink, spin-time %u us",
                                (guint) ROUND_TRIP_SPIN_TIME_US);
  print_round_trip_line (spin_label, interlink_spin, config->runs, count,
                         &spin_us);
  print_round_trip_line ("floor: GTask via worker context", floor_idle,
                         config->runs, count, &idle_us);
  print_round_trip_line ("floor: GTask via GAsyncQueue", floor_queue,
                         config->runs, count, &queue_us);
  printf ("  ratio: %.2fx the time of the worker-context floor, "
          "%.2fx the GAsyncQueue floor (lower is better)\n",
          interlink_us / idle_us, interlink_us / queue_us);
  printf ("  ratio with spin-time %u us (opt-in): %.2fx the worker-context "
          "floor, %.2fx the GAsyncQueue floor\n",
          (guint) ROUND_TRIP_SPIN_TIME_US, spin_us / idle_us,
          spin_us / queue_us);
  print_paired_ratios ("worker-context floor", interlink, floor_idle,
                       config->runs);
  print_paired_ratios ("GAsyncQueue floor", interlink, floor_queue,
                       config->runs);

  figure = g_strdup_printf ("%.2f us per round trip", interlink_us);
  floor = g_strdup_printf ("%.2f us (GTask via worker context)", idle_us);
  ratio = g_strdup_printf ("%.2fx time", interlink_us / idle_us);
  bench_add_summary_row ("round-trip", figure, floor, ratio);

  g_free (floor);
  g_free (ratio);
  floor = g_strdup_printf ("%.2f us (GTask via GAsyncQueue, no main "
                           "context on the worker)", queue_us);
  ratio = g_strdup_printf ("%.2fx time", interlink_us / queue_us);
  bench_add_summary_row ("round-trip", "same figure", floor, ratio);

  spin_figure = g_strdup_printf ("%.2f us per round trip with spin-time "
                                 "%u us (opt-in)", spin_us,
                                 (guint) ROUND_TRIP_SPIN_TIME_US);
  spin_ratio = g_strdup_printf ("%.2fx time", spin_us / idle_us);
  bench_add_summary_row ("round-trip", spin_figure,
                         "the worker-context floor above", spin_ratio);
}

void
bench_round_trip_same_context (const BenchConfig *config)
{
  guint count = ROUND_TRIP_COUNT / config->divisor;
  g_autofree gdouble *interlink = g_new (gdouble, config->runs);
  g_autofree gdouble *floor_idle = g_new (gdouble, config->runs);
  g_autofree char *figure = NULL;
  g_autofree char *floor = NULL;
  g_autofree char *ratio = NULL;
  gdouble interlink_us, idle_us;
  guint i;

  printf ("\nround-trip-same-context: %u requests, client and service on "
          "one context and one thread\n", count);

  run_interlink (count / 10, TRUE, 0);
  run_floor_idle (count / 10, TRUE);

  for (i = 0; i < config->runs; i++)
    {
      interlink[i] = run_interlink (count, TRUE, 0);
      floor_idle[i] = run_floor_idle (count, TRUE);
    }

  print_round_trip_line ("interlink (start_on_context)", interlink,
                         config->runs, count, &interlink_us);
  print_round_trip_line ("floor: GTask via idle source", floor_idle,
                         config->runs, count, &idle_us);
  printf ("  ratio: %.2fx the time of the floor (lower is better)\n",
          interlink_us / idle_us);
  print_paired_ratios ("floor", interlink, floor_idle, config->runs);

  figure = g_strdup_printf ("%.2f us per round trip", interlink_us);
  floor = g_strdup_printf ("%.2f us (GTask via idle source)", idle_us);
  ratio = g_strdup_printf ("%.2fx time", interlink_us / idle_us);
  bench_add_summary_row ("round-trip-same-context", figure, floor, ratio);
}

void
bench_round_trip_measure_latencies (IlLink *link,
                                    guint   count,
                                    gint64 *latencies_ns)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Client client;

  client_init (&client, CLIENT_INTERLINK, context, count);
  client.link = link;
  client.latencies_ns = latencies_ns;
  client_run (&client);
}
