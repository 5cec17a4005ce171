/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * latency-under-load: the p50 and p99 of single round trips (the
 * round-trip workload, 100,000 requests, each timed on its own) to a
 * BenchEchoService on its own thread, while a producer thread floods a
 * BenchCounterService on a third thread with il_link_do_send(). Unloaded
 * runs without the flood are measured beside it in the same process.
 *
 * The flood sends as fast as it can but keeps at most 100,000 messages
 * queued, calling g_thread_yield() while it is that far ahead. Its memory
 * stays bounded, and the counter service is still busy the whole time.
 *
 * There is no raw-GLib floor; the unloaded figures are the reference.
 */

#include <stdio.h>

#include "bench.h"

#define LATENCY_COUNT 100000
#define FLOOD_BACKLOG_MAX 100000

typedef struct
{
  IlLink              *link;
  BenchCounterService *service;
  gint                 quit;      /* atomic */
  guint                sent;      /* producer thread only */
} Flood;

static gpointer
flood_main (gpointer user_data)
{
  Flood *flood = user_data;

  while (!g_atomic_int_get (&flood->quit))
    {
      BenchValueMessage *message;
      g_autoptr(GError) error = NULL;
      guint handled = bench_counter_service_get_handled (flood->service);

      if (flood->sent - handled >= FLOOD_BACKLOG_MAX)
        {
          g_thread_yield ();
          continue;
        }

      message = bench_add_new (1);
      if (!il_link_do_send (flood->link, IL_MESSAGE (message), &error))
        g_error ("Flood il_link_do_send() failed: %s", error->message);
      g_object_unref (message);
      flood->sent++;
    }

  return NULL;
}

typedef struct
{
  gdouble p50_us;
  gdouble p99_us;
  gdouble flood_rate;   /* messages handled per second meanwhile, or 0 */
} LatencyResult;

static LatencyResult
run_latency (guint    count,
             gboolean loaded)
{
  g_autoptr(IlService) echo = g_object_new (BENCH_TYPE_ECHO_SERVICE, NULL);
  g_autoptr(IlLink) echo_link = il_service_start (echo);
  g_autofree gint64 *latencies_ns = g_new (gint64, count);
  g_autoptr(BenchCounterService) counter = NULL;
  g_autoptr(IlLink) counter_link = NULL;
  GThread *flood_thread = NULL;
  Flood flood = { NULL, NULL, FALSE, 0 };
  LatencyResult result = { 0.0, 0.0, 0.0 };
  guint handled_before = 0;
  gint64 start_ns = 0;

  if (loaded)
    {
      counter = g_object_new (BENCH_TYPE_COUNTER_SERVICE, NULL);
      counter_link = il_service_start (IL_SERVICE (counter));
      flood.link = counter_link;
      flood.service = counter;
      flood_thread = g_thread_new ("bench-flood", flood_main, &flood);

      /* Measure only once the counter service is busy. */
      while (bench_counter_service_get_handled (counter) == 0)
        g_thread_yield ();
      handled_before = bench_counter_service_get_handled (counter);
      start_ns = bench_now_ns ();
    }

  bench_round_trip_measure_latencies (echo_link, count, latencies_ns);

  if (loaded)
    {
      guint handled = bench_counter_service_get_handled (counter);

      result.flood_rate = (handled - handled_before) /
                          ((bench_now_ns () - start_ns) / 1e9);

      g_atomic_int_set (&flood.quit, TRUE);
      g_thread_join (flood_thread);
      bench_stop_and_wait (counter_link);
    }

  bench_stop_and_wait (echo_link);

  result.p50_us = bench_percentile (latencies_ns, count, 50.0) / 1e3;
  result.p99_us = bench_percentile (latencies_ns, count, 99.0) / 1e3;

  return result;
}

static void
print_percentiles (const char          *label,
                   const LatencyResult *results,
                   guint                runs,
                   gdouble             *p50_us,
                   gdouble             *p99_us)
{
  g_autofree gdouble *p50 = g_new (gdouble, runs);
  g_autofree gdouble *p99 = g_new (gdouble, runs);
  g_autofree char *p50_runs = NULL;
  g_autofree char *p99_runs = NULL;
  guint i;

  for (i = 0; i < runs; i++)
    {
      p50[i] = results[i].p50_us;
      p99[i] = results[i].p99_us;
    }

  *p50_us = bench_median (p50, runs);
  *p99_us = bench_median (p99, runs);
  p50_runs = bench_format_runs (p50, runs, 1);
  p99_runs = bench_format_runs (p99, runs, 1);

  printf ("  %-10s p50 %8.1f us  (runs: %s)\n", label, *p50_us, p50_runs);
  printf ("  %-10s p99 %8.1f us  (runs: %s)\n", "", *p99_us, p99_runs);
}

void
bench_latency_under_load (const BenchConfig *config)
{
  guint count = LATENCY_COUNT / config->divisor;
  g_autofree LatencyResult *unloaded = g_new (LatencyResult, config->runs);
  g_autofree LatencyResult *loaded = g_new (LatencyResult, config->runs);
  g_autofree gdouble *flood_rates = g_new (gdouble, config->runs);
  g_autofree char *flood_rate = NULL;
  g_autofree char *figure = NULL;
  g_autofree char *reference = NULL;
  g_autofree char *ratio = NULL;
  gdouble unloaded_p50, unloaded_p99, loaded_p50, loaded_p99;
  guint i;

  printf ("\nlatency-under-load: %u round trips to a service on its own "
          "thread, each timed, while another thread floods a second "
          "service with il_link_do_send()\n", count);

  run_latency (count / 10, TRUE);

  for (i = 0; i < config->runs; i++)
    {
      unloaded[i] = run_latency (count, FALSE);
      loaded[i] = run_latency (count, TRUE);
      flood_rates[i] = loaded[i].flood_rate;
    }

  print_percentiles ("unloaded", unloaded, config->runs,
                     &unloaded_p50, &unloaded_p99);
  print_percentiles ("loaded", loaded, config->runs,
                     &loaded_p50, &loaded_p99);
  flood_rate = bench_format_count (bench_median (flood_rates, config->runs));
  printf ("  the flooded service handled %s messages/s meanwhile\n",
          flood_rate);

  figure = g_strdup_printf ("p50 %.1f us, p99 %.1f us (while another "
                            "service handles %s messages/s)",
                            loaded_p50, loaded_p99, flood_rate);
  reference = g_strdup_printf ("no floor; unloaded p50 %.1f us, p99 %.1f us",
                               unloaded_p50, unloaded_p99);
  ratio = g_strdup_printf ("p50 %.2fx, p99 %.2fx unloaded",
                           loaded_p50 / unloaded_p50,
                           loaded_p99 / unloaded_p99);
  bench_add_summary_row ("latency-under-load", figure, reference, ratio);
}
