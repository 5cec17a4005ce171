/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * spawn: starts 10,000 BenchEchoService instances with il_service_start(),
 * one thread each, sends each one request and waits for every reply,
 * then stops them all and waits until every one was released. It reports
 * the time of each phase and the peak resident memory per service: VmHWM
 * from /proc/self/status at the end minus VmHWM just before the first
 * service started, divided by the number of services.
 *
 * Each run is a separate process, this program started again with
 * --spawn-child, so every run starts with a fresh VmHWM. A failure to
 * create a thread aborts the process inside g_thread_new(), and this way
 * it cannot take the other benchmarks down. If 10,000 threads cannot be
 * had, the count is halved until a run succeeds and then bisected up to
 * within 2% of the smallest count that failed. The output reports the
 * count used.
 *
 * spawn-executor does the same with 100,000 and 1,000,000 services
 * started with il_service_start_on_executor() on an executor with one
 * thread per processor. Those runs do not search for a count that works.
 *
 * There is no floor.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SPAWN_COUNT 10000

/* The 1,000,000-service runs take tens of seconds each, so they get fewer
 * runs than the other figures.
 */
#define SPAWN_EXECUTOR_MAX_RUNS_LARGE 3

/* Below this many services the figures mean little, so halving stops
 * there.
 */
#define SPAWN_MIN_COUNT 100

typedef struct
{
  guint  replied;
  guint  stopped;
} SpawnState;

static void
spawn_reply_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SpawnState *state = user_data;
  g_autoptr(GError) error = NULL;
  GValue *value;

  value = il_link_send_finish (IL_LINK (source_object), result, &error);
  if (value == NULL)
    g_error ("A request to a spawned service failed: %s",
             error != NULL ? error->message : "no value");

  g_boxed_free (G_TYPE_VALUE, value);
  state->replied++;
}

static void
spawn_stopped_cb (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SpawnState *state = user_data;
  g_autoptr(GError) error = NULL;

  if (!il_link_stop_finish (IL_LINK (source_object), result, &error))
    g_error ("Stopping a spawned service failed: %s", error->message);

  state->stopped++;
}

int
bench_spawn_child (guint    n_services,
                   gboolean on_executor)
{
  g_autoptr(IlExecutor) executor = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autofree IlLink **links = g_new0 (IlLink *, n_services);
  SpawnState state = { 0, 0 };
  gint64 baseline_kb, peak_kb, threads;
  gint64 start_ns, started_ns, replied_ns, stopped_ns;
  guint i;

  g_main_context_push_thread_default (context);

  /* Initialise the types before the baseline is read. */
  g_type_ensure (BENCH_TYPE_ECHO_SERVICE);
  g_type_ensure (BENCH_TYPE_INCREMENT);

  /* The executor's threads exist before the baseline, like the process's
   * own thread does for il_service_start().
   */
  if (on_executor)
    executor = il_executor_new (0);

  baseline_kb = bench_read_status_kb ("VmHWM");

  start_ns = bench_now_ns ();
  for (i = 0; i < n_services; i++)
    {
      IlService *service = g_object_new (BENCH_TYPE_ECHO_SERVICE, NULL);

      /* The runner keeps the service alive until it stops. */
      if (on_executor)
        links[i] = il_service_start_on_executor (service, executor);
      else
        links[i] = il_service_start (service);
      g_object_unref (service);
    }
  started_ns = bench_now_ns ();
  threads = bench_read_status_kb ("Threads");

  for (i = 0; i < n_services; i++)
    {
      BenchValueMessage *message = bench_increment_new ((gint) i);

      il_link_send_async (links[i], IL_MESSAGE (message), NULL,
                          spawn_reply_cb, &state);
      g_object_unref (message);
    }
  while (state.replied < n_services)
    g_main_context_iteration (context, TRUE);
  replied_ns = bench_now_ns ();

  for (i = 0; i < n_services; i++)
    il_link_stop_async (links[i], NULL, spawn_stopped_cb, &state);
  while (state.stopped < n_services)
    g_main_context_iteration (context, TRUE);
  stopped_ns = bench_now_ns ();

  peak_kb = bench_read_status_kb ("VmHWM");

  printf ("spawn-result services=%u start_s=%.6f request_s=%.6f "
          "stop_s=%.6f baseline_kb=%" G_GINT64_FORMAT
          " peak_kb=%" G_GINT64_FORMAT " threads=%" G_GINT64_FORMAT "\n",
          n_services,
          (started_ns - start_ns) / 1e9,
          (replied_ns - started_ns) / 1e9,
          (stopped_ns - replied_ns) / 1e9,
          baseline_kb, peak_kb, threads);
  fflush (stdout);

  for (i = 0; i < n_services; i++)
    g_object_unref (links[i]);
  while (g_main_context_iteration (context, FALSE))
    ;

  g_main_context_pop_thread_default (context);

  return 0;
}

typedef struct
{
  guint   services;
  gdouble start_s;
  gdouble request_s;
  gdouble stop_s;
  gint64  baseline_kb;
  gint64  peak_kb;
  gint64  threads;
} SpawnResult;

/* Runs one child process. Returns FALSE, with the reason printed, if it
 * failed or printed no result.
 */
static gboolean
spawn_run_child_full (const BenchConfig *config,
                      guint              n_services,
                      gboolean           on_executor,
                      SpawnResult       *result)
{
  g_autofree char *count = g_strdup_printf ("%u", n_services);
  g_autofree char *child_out = NULL;
  g_autofree char *child_err = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;
  const char *argv[] = {
    config->executable,
    on_executor ? "--spawn-executor-child" : "--spawn-child", count, NULL
  };
  gint wait_status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &child_out, &child_err, &wait_status, &error))
    {
      printf ("  could not start %s: %s\n", config->executable,
              error->message);
      return FALSE;
    }

  if (!g_spawn_check_wait_status (wait_status, &error))
    {
      printf ("  run with %u services failed (%s); its error output:\n%s",
              n_services, error->message, child_err);
      return FALSE;
    }

  line = strstr (child_out, "spawn-result ");
  if (line == NULL ||
      sscanf (line, "spawn-result services=%u start_s=%lf request_s=%lf "
              "stop_s=%lf baseline_kb=%" G_GINT64_FORMAT
              " peak_kb=%" G_GINT64_FORMAT " threads=%" G_GINT64_FORMAT,
              &result->services, &result->start_s, &result->request_s,
              &result->stop_s, &result->baseline_kb, &result->peak_kb,
              &result->threads) != 7)
    {
      printf ("  run with %u services printed no result; its output:\n%s%s",
              n_services, child_out, child_err);
      return FALSE;
    }

  return TRUE;
}

static gboolean
spawn_run_child (const BenchConfig *config,
                 guint              n_services,
                 SpawnResult       *result)
{
  return spawn_run_child_full (config, n_services, FALSE, result);
}

/* Returns the largest count of services, up to @requested, with which a
 * run works, to within 2%, and stores that run in @result. Returns 0 if
 * not even SPAWN_MIN_COUNT services work.
 */
static guint
spawn_find_count (const BenchConfig *config,
                  guint              requested,
                  SpawnResult       *result)
{
  guint failed = requested;
  guint works = 0;

  if (spawn_run_child (config, requested, result))
    return requested;

  while (works == 0)
    {
      guint n_services = failed / 2;

      if (n_services < SPAWN_MIN_COUNT)
        return 0;

      printf ("  retrying with %u services\n", n_services);
      if (spawn_run_child (config, n_services, result))
        works = n_services;
      else
        failed = n_services;
    }

  while (failed - works > MAX (failed / 50, 1))
    {
      guint n_services = works + (failed - works) / 2;
      SpawnResult probe;

      printf ("  trying %u services\n", n_services);
      if (spawn_run_child (config, n_services, &probe))
        {
          works = n_services;
          *result = probe;
        }
      else
        {
          failed = n_services;
        }
    }

  return works;
}

static gdouble
print_seconds_line (const char *label,
                    gdouble    *seconds,
                    guint       runs)
{
  g_autofree char *run_list = bench_format_runs (seconds, runs, 3);
  gdouble median = bench_median (seconds, runs);

  printf ("  %-22s %8.3f s  (runs: %s)\n", label, median, run_list);

  return median;
}

void
bench_spawn (const BenchConfig *config)
{
  g_autofree SpawnResult *results = g_new0 (SpawnResult, config->runs);
  g_autofree gdouble *start_s = g_new (gdouble, config->runs);
  g_autofree gdouble *request_s = g_new (gdouble, config->runs);
  g_autofree gdouble *stop_s = g_new (gdouble, config->runs);
  g_autofree gdouble *total_s = g_new (gdouble, config->runs);
  g_autofree gdouble *kib_per_service = g_new (gdouble, config->runs);
  g_autofree char *figure = NULL;
  g_autofree char *count_text = NULL;
  g_autofree char *run_list = NULL;
  guint requested = SPAWN_COUNT / config->divisor;
  guint n_services;
  guint n_runs;
  gdouble total, kib;
  guint i;

  printf ("\nspawn: start services with il_service_start() (one thread "
          "each), send each one request, await all, stop all\n");

  /* The run that finds the count is the first timed run. */
  n_services = spawn_find_count (config, requested, &results[0]);
  if (n_services == 0)
    {
      printf ("  no run succeeded, not even with %u services\n",
              (guint) SPAWN_MIN_COUNT);
      bench_add_summary_row ("spawn", "failed", "no floor", "-");
      return;
    }

  /* Near the limit a later run may fail where the first worked: the
   * figures then come from the runs before it.
   */
  for (n_runs = 1; n_runs < config->runs; n_runs++)
    {
      if (!spawn_run_child (config, n_services, &results[n_runs]))
        {
          printf ("  run %u of %u failed; the figures below use %u runs\n",
                  n_runs + 1, config->runs, n_runs);
          break;
        }
    }

  for (i = 0; i < n_runs; i++)
    {
      start_s[i] = results[i].start_s;
      request_s[i] = results[i].request_s;
      stop_s[i] = results[i].stop_s;
      total_s[i] = start_s[i] + request_s[i] + stop_s[i];
      kib_per_service[i] = (gdouble) (results[i].peak_kb -
                                      results[i].baseline_kb) / n_services;
    }

  count_text = bench_format_count (n_services);
  if (n_services == requested)
    printf ("  %s services, %" G_GINT64_FORMAT " threads in the process "
            "once all were started\n", count_text, results[0].threads);
  else
    printf ("  %s services: %u could not be had on this machine; "
            "%" G_GINT64_FORMAT " threads in the process once all were "
            "started\n", count_text, requested, results[0].threads);

  print_seconds_line ("start all", start_s, n_runs);
  print_seconds_line ("one request each", request_s, n_runs);
  print_seconds_line ("stop all", stop_s, n_runs);
  total = print_seconds_line ("total", total_s, n_runs);
  kib = bench_median (kib_per_service, n_runs);
  run_list = bench_format_runs (kib_per_service, n_runs, 1);
  printf ("  %-22s %8.1f KiB  (VmHWM minus the baseline before spawning, "
          "divided by %u; runs: %s)\n",
          "peak RSS per service", kib, n_services, run_list);

  figure = g_strdup_printf ("%.2f s for %s services (%.0f us each); "
                            "peak RSS %.1f KiB per service",
                            total, count_text, total * 1e6 / n_services, kib);
  bench_add_summary_row ("spawn", figure, "no floor", "-");
}

static void
bench_spawn_executor_count (const BenchConfig *config,
                            guint              n_services)
{
  guint n_runs = config->runs;
  g_autofree SpawnResult *results = NULL;
  g_autofree gdouble *total_s = NULL;
  g_autofree gdouble *kib_per_service = NULL;
  g_autofree gdouble *start_s = NULL;
  g_autofree gdouble *request_s = NULL;
  g_autofree gdouble *stop_s = NULL;
  g_autofree char *count_text = bench_format_count (n_services);
  g_autofree char *run_list = NULL;
  g_autofree char *id = NULL;
  g_autofree char *figure = NULL;
  gdouble total, kib;
  guint i;

  if (n_services >= 1000000)
    n_runs = MIN (n_runs, SPAWN_EXECUTOR_MAX_RUNS_LARGE);

  results = g_new0 (SpawnResult, n_runs);
  total_s = g_new (gdouble, n_runs);
  kib_per_service = g_new (gdouble, n_runs);
  start_s = g_new (gdouble, n_runs);
  request_s = g_new (gdouble, n_runs);
  stop_s = g_new (gdouble, n_runs);

  for (i = 0; i < n_runs; i++)
    {
      if (!spawn_run_child_full (config, n_services, TRUE, &results[i]))
        {
          printf ("  run %u of %u with %s services failed\n", i + 1, n_runs,
                  count_text);
          n_runs = i;
          break;
        }

      start_s[i] = results[i].start_s;
      request_s[i] = results[i].request_s;
      stop_s[i] = results[i].stop_s;
      total_s[i] = start_s[i] + request_s[i] + stop_s[i];
      kib_per_service[i] = (gdouble) (results[i].peak_kb -
                                      results[i].baseline_kb) / n_services;
    }

  id = g_strdup_printf ("spawn-executor %s", count_text);
  if (n_runs == 0)
    {
      bench_add_summary_row (id, "failed", "no floor", "-");
      return;
    }

  printf ("  %s services, %" G_GINT64_FORMAT " threads in the process once "
          "all were started\n", count_text, results[0].threads);
  print_seconds_line ("start all", start_s, n_runs);
  print_seconds_line ("one request each", request_s, n_runs);
  print_seconds_line ("stop all", stop_s, n_runs);
  total = print_seconds_line ("total", total_s, n_runs);
  kib = bench_median (kib_per_service, n_runs);
  run_list = bench_format_runs (kib_per_service, n_runs, 2);
  printf ("  %-22s %8.2f KiB  (VmHWM minus the baseline before spawning, "
          "divided by %u; runs: %s)\n",
          "peak RSS per service", kib, n_services, run_list);

  figure = g_strdup_printf ("%.2f s for %s services (%.1f us each); "
                            "peak RSS %.2f KiB per service, %.0f MiB in all",
                            total, count_text, total * 1e6 / n_services, kib,
                            kib * n_services / 1024);
  bench_add_summary_row (id, figure, "no floor", "-");
}

void
bench_spawn_executor (const BenchConfig *config)
{
  printf ("\nspawn-executor: start services with "
          "il_service_start_on_executor() (%u threads), send each one "
          "request, await all, stop all\n", g_get_num_processors ());

  bench_spawn_executor_count (config, 100000 / config->divisor);
  bench_spawn_executor_count (config, 1000000 / config->divisor);
}
