/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Declarations shared by the benchmark program: run settings, clocks,
 * statistics, result reporting and the entry point of each benchmark.
 * Nothing here is measured.
 */

#pragma once

#include <interlink-glib/interlink.h>

#include "bench-types.h"

G_BEGIN_DECLS

/* Which half of each comparison runs; profilers use one at a time. */
typedef enum
{
  BENCH_SIDE_BOTH,
  BENCH_SIDE_INTERLINK,
  BENCH_SIDE_FLOORS,
} BenchSide;

typedef struct
{
  guint       runs;            /* timed runs per figure; medians are shown */
  guint       divisor;         /* workload counts are divided by this */
  const char *executable;      /* this program, re-run for spawn children */
} BenchConfig;

/* Set once by main() before any benchmark runs. */
extern BenchSide bench_side;

/* Clocks and statistics */

gint64   bench_now_ns          (void);
gdouble  bench_median          (const gdouble *values,
                                guint          n_values);
gint64   bench_percentile      (gint64        *samples,
                                guint          n_samples,
                                gdouble        percent);
gint64   bench_read_status_kb  (const char    *field);
char    *bench_format_count    (gdouble        value);
char    *bench_format_runs     (const gdouble *values,
                                guint          n_values,
                                gint           decimals);
gdouble  bench_paired_ratio    (const gdouble *figures,
                                const gdouble *floors,
                                guint          n_runs,
                                char         **run_list);

/* Helpers for Interlink runs */

void     bench_drain_default_context (void);
void     bench_stop_and_wait   (IlLink        *link);
GThread *bench_context_thread_new (const char    *name,
                                   GMainContext  *context,
                                   gint          *quit);
void     bench_context_thread_join (GThread       *thread,
                                    GMainContext  *context,
                                    gint          *quit);

/* Results: each benchmark prints its own block while it runs and adds one
 * or more rows to the summary table printed at the end.
 */

void     bench_add_summary_row (const char    *id,
                                const char    *figure,
                                const char    *floor,
                                const char    *ratio);
void     bench_print_summary   (void);

/* Benchmarks, in the order they run */

void bench_round_trip              (const BenchConfig *config);
void bench_round_trip_same_context (const BenchConfig *config);
void bench_do_send                 (const BenchConfig *config);
void bench_do_send_contended       (const BenchConfig *config);
void bench_spawn                   (const BenchConfig *config);
void bench_spawn_executor          (const BenchConfig *config);
void bench_latency_under_load      (const BenchConfig *config);

/* Runs one spawn measurement in this process and prints it on one line
 * for the parent; see bench-spawn.c.
 */
int  bench_spawn_child             (guint              n_services,
                                    gboolean           on_executor);

/* Used by the latency benchmark: sends @count requests one after the other
 * from a new client thread and stores each round-trip time, in
 * nanoseconds, in @latencies_ns.
 */
void bench_round_trip_measure_latencies (IlLink *link,
                                         guint   count,
                                         gint64 *latencies_ns);

G_END_DECLS
