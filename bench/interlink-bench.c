/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * interlink-bench: runs the Interlink benchmarks and, in the same process
 * and alternating with them, their raw-GLib floors, then prints each
 * figure beside its floor with the ratio, and a Markdown table of all of
 * them at the end. What each benchmark measures and what its floor is
 * are described at the top of its own file:
 *
 *   round-trip, round-trip-same-context   bench-round-trip.c
 *   do-send, do-send-contended            bench-do-send.c
 *   spawn, spawn-executor                 bench-spawn.c
 *   latency-under-load                    bench-latency.c
 *
 * Every figure is the median of --runs timed runs (5 by default), each
 * preceded by one untimed warm-up run at a tenth of the size.
 */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct
{
  const char *id;
  void      (*run) (const BenchConfig *config);
} Benchmark;

static const Benchmark benchmarks[] = {
  { "round-trip", bench_round_trip },
  { "round-trip-same-context", bench_round_trip_same_context },
  { "do-send", bench_do_send },
  { "do-send-contended", bench_do_send_contended },
  { "spawn", bench_spawn },
  { "spawn-executor", bench_spawn_executor },
  { "latency-under-load", bench_latency_under_load },
};

static char *
read_cpu_model (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents ("/proc/cpuinfo", &contents, NULL, NULL))
    return g_strdup ("unknown");

  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      const char *colon;

      if (!g_str_has_prefix (lines[i], "model name"))
        continue;

      colon = strchr (lines[i], ':');
      if (colon != NULL)
        return g_strstrip (g_strdup (colon + 1));
    }

  return g_strdup ("unknown");
}

/* The first three fields of /proc/loadavg: other work on the machine
 * during a run makes its figures noisier, so the output states it.
 */
static char *
read_load_average (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    return g_strdup ("unknown");

  fields = g_strsplit (g_strstrip (contents), " ", -1);
  if (g_strv_length (fields) < 3)
    return g_strdup ("unknown");

  return g_strdup_printf ("%s %s %s", fields[0], fields[1], fields[2]);
}

static gboolean
is_selected (const char         *id,
             const char * const *only)
{
  return only == NULL || g_strv_contains (only, id);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) only = NULL;
  g_autofree char *only_text = NULL;
  g_autofree char *cpu_model = NULL;
  g_autofree char *load_start = NULL;
  g_autofree char *load_end = NULL;
  BenchConfig config = { 5, 1, NULL };
  gint runs = 5;
  gint spawn_child = 0;
  gint spawn_executor_child = 0;
  g_autofree char *side = NULL;
  gboolean quick = FALSE;
  gboolean list = FALSE;
  gint64 start_ns;
  guint i;
  const GOptionEntry entries[] = {
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs,
      "Timed runs per figure; the median is reported (default: 5)", "N" },
    { "only", 'o', 0, G_OPTION_ARG_STRING, &only_text,
      "Run only these benchmarks, separated by commas", "ID,..." },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      "Divide every workload size by 10, to check that the program works; "
      "the figures are then not comparable", NULL },
    { "side", 0, 0, G_OPTION_ARG_STRING, &side,
      "Run only the Interlink half or only the floors of round-trip, "
      "round-trip-same-context, do-send and do-send-contended, for a "
      "profiler; the other half and the ratios print as nan",
      "interlink|floors" },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list,
      "List the benchmark ids and exit", NULL },
    { "spawn-child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &spawn_child,
      "Run one spawn measurement with N services (used by spawn itself)",
      "N" },
    { "spawn-executor-child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT,
      &spawn_executor_child,
      "Run one spawn measurement with N services on an executor (used by "
      "spawn-executor itself)", "N" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");

  option_context = g_option_context_new ("- Interlink benchmarks and their "
                                         "raw-GLib floors");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\nRun %s --help for the options.\n",
               error->message, argv[0]);
      return 2;
    }

  if (spawn_child > 0)
    return bench_spawn_child ((guint) spawn_child, FALSE);
  if (spawn_executor_child > 0)
    return bench_spawn_child ((guint) spawn_executor_child, TRUE);

  if (list)
    {
      for (i = 0; i < G_N_ELEMENTS (benchmarks); i++)
        printf ("%s\n", benchmarks[i].id);
      return 0;
    }

  if (runs < 1)
    {
      fprintf (stderr, "Invalid --runs %d: give 1 or more.\n", runs);
      return 2;
    }

  if (side == NULL || g_str_equal (side, "both"))
    {
      bench_side = BENCH_SIDE_BOTH;
    }
  else if (g_str_equal (side, "interlink"))
    {
      bench_side = BENCH_SIDE_INTERLINK;
    }
  else if (g_str_equal (side, "floors"))
    {
      bench_side = BENCH_SIDE_FLOORS;
    }
  else
    {
      fprintf (stderr, "Invalid --side '%s': use interlink, floors or both.\n",
               side);
      return 2;
    }

  if (only_text != NULL)
    {
      only = g_strsplit (only_text, ",", -1);
      for (i = 0; only[i] != NULL; i++)
        {
          guint j;
          gboolean known = FALSE;

          for (j = 0; j < G_N_ELEMENTS (benchmarks); j++)
            known = known || g_str_equal (only[i], benchmarks[j].id);

          if (!known)
            {
              fprintf (stderr, "Unknown benchmark id '%s' in --only; "
                       "run %s --list for the ids.\n", only[i], argv[0]);
              return 2;
            }
        }
    }

  config.runs = (guint) runs;
  config.divisor = quick ? 10 : 1;
  config.executable = "/proc/self/exe";

  cpu_model = read_cpu_model ();
  printf ("interlink-bench: %u cores (g_get_num_processors), CPU %s, "
          "GLib %u.%u.%u, %s build\n",
          g_get_num_processors (), cpu_model, glib_major_version,
          glib_minor_version, glib_micro_version, BENCH_BUILDTYPE);
  printf ("Each figure is the median of %u runs, alternating with its "
          "floor%s.\n", config.runs,
          quick ? "; --quick: workloads are 10 times smaller" : "");
  load_start = read_load_average ();
  printf ("Load average (1, 5, 15 min) at the start: %s\n", load_start);
  if (g_str_equal (BENCH_BUILDTYPE, "debug") ||
      g_str_equal (BENCH_BUILDTYPE, "plain"))
    printf ("Warning: this build is not optimised; use a release build "
            "for figures worth comparing.\n");
  fflush (stdout);

  start_ns = bench_now_ns ();

  for (i = 0; i < G_N_ELEMENTS (benchmarks); i++)
    {
      if (!is_selected (benchmarks[i].id, (const char * const *) only))
        continue;

      benchmarks[i].run (&config);
      fflush (stdout);
    }

  bench_print_summary ();
  load_end = read_load_average ();
  printf ("\nTotal time: %.0f s; load average at the end: %s\n",
          (bench_now_ns () - start_ns) / 1e9, load_end);

  return 0;
}
