/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Clocks, statistics, result reporting and thread helpers shared by the
 * benchmarks. This file measures nothing and has no floor.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

BenchSide bench_side = BENCH_SIDE_BOTH;

gint64
bench_now_ns (void)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);

  return (gint64) now.tv_sec * G_GINT64_CONSTANT (1000000000) + now.tv_nsec;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  gdouble x = *(const gdouble *) a;
  gdouble y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static int
compare_int64s (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* The middle value, or the mean of the two middle values for an even
 * count. @values is left as it is.
 */
gdouble
bench_median (const gdouble *values,
              guint          n_values)
{
  g_autofree gdouble *sorted = NULL;

  g_return_val_if_fail (n_values > 0, 0.0);

  sorted = g_memdup2 (values, n_values * sizeof (gdouble));
  qsort (sorted, n_values, sizeof (gdouble), compare_doubles);

  if (n_values % 2 == 1)
    return sorted[n_values / 2];

  return (sorted[n_values / 2 - 1] + sorted[n_values / 2]) / 2.0;
}

/* Nearest-rank percentile: the smallest sample that is at least @percent
 * of all samples. Sorts @samples in place.
 */
gint64
bench_percentile (gint64  *samples,
                  guint    n_samples,
                  gdouble  percent)
{
  guint rank;

  g_return_val_if_fail (n_samples > 0, 0);

  qsort (samples, n_samples, sizeof (gint64), compare_int64s);

  rank = (guint) (percent / 100.0 * n_samples + 0.999999);
  rank = CLAMP (rank, 1, n_samples);

  return samples[rank - 1];
}

/* Reads a "Name:  123 kB" line of /proc/self/status. Returns -1 if the
 * field is missing, for example on a kernel without it.
 */
gint64
bench_read_status_kb (const char *field)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize field_length = strlen (field);
  guint i;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return -1;

  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      if (strncmp (lines[i], field, field_length) == 0 &&
          lines[i][field_length] == ':')
        return g_ascii_strtoll (lines[i] + field_length + 1, NULL, 10);
    }

  return -1;
}

/* Formats a count or rate as a whole number with thousands separators,
 * such as "4,210,000".
 */
char *
bench_format_count (gdouble value)
{
  char digits[32];
  GString *out = g_string_new (NULL);
  gsize length;
  gsize i;

  g_snprintf (digits, sizeof digits, "%.0f", value);
  length = strlen (digits);

  for (i = 0; i < length; i++)
    {
      if (i > 0 && (length - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }

  return g_string_free (out, FALSE);
}

/* Lists the figure of every run with @decimals digits after the point, so
 * that the spread next to a median is visible.
 */
char *
bench_format_runs (const gdouble *values,
                   guint          n_values,
                   gint           decimals)
{
  GString *out = g_string_new (NULL);
  guint i;

  for (i = 0; i < n_values; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%.*f", decimals, values[i]);
    }

  return g_string_free (out, FALSE);
}

/* Divides each run's figure by the floor's figure of the same pair of runs
 * and returns the median of those ratios, which drift of the machine's
 * speed between pairs does not move. Stores the list of ratios in
 * @run_list.
 */
gdouble
bench_paired_ratio (const gdouble  *figures,
                    const gdouble  *floors,
                    guint           n_runs,
                    char          **run_list)
{
  g_autofree gdouble *ratios = g_new (gdouble, n_runs);
  guint i;

  for (i = 0; i < n_runs; i++)
    ratios[i] = figures[i] / floors[i];

  *run_list = bench_format_runs (ratios, n_runs, 2);

  return bench_median (ratios, n_runs);
}

static void
stop_done_cb (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!il_link_stop_finish (IL_LINK (source_object), result, &error))
    g_error ("Stopping a benchmark service failed: %s", error->message);

  *done = TRUE;
}

/* Dispatches what is pending on the global default context. Links made
 * on the main thread emit "closed" there, and each pending emission holds
 * a reference to its link until it runs. Call it from the main thread.
 */
void
bench_drain_default_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Stops the service behind @link and returns once it was released. Call
 * it from the main thread.
 */
void
bench_stop_and_wait (IlLink *link)
{
  GMainContext *context = g_main_context_new ();
  gboolean done = FALSE;

  g_main_context_push_thread_default (context);

  il_link_stop_async (link, NULL, stop_done_cb, &done);
  while (!done)
    g_main_context_iteration (context, TRUE);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  bench_drain_default_context ();
}

typedef struct
{
  GMainContext *context;
  gint         *quit;
} ContextThreadData;

static gpointer
context_thread_main (gpointer user_data)
{
  ContextThreadData *data = user_data;
  GMainContext *context = data->context;
  gint *quit = data->quit;

  g_free (data);

  /* Owning the context for the whole life of the thread, as the library
   * does for its service threads, keeps g_main_context_invoke() from
   * running callbacks on the calling thread instead.
   */
  g_main_context_acquire (context);
  g_main_context_push_thread_default (context);

  while (!g_atomic_int_get (quit))
    g_main_context_iteration (context, TRUE);

  g_main_context_pop_thread_default (context);
  g_main_context_release (context);

  return NULL;
}

/* Starts a thread that iterates @context until *@quit is set by
 * bench_context_thread_join(). This is the raw-GLib counterpart of a
 * service thread.
 */
GThread *
bench_context_thread_new (const char   *name,
                          GMainContext *context,
                          gint         *quit)
{
  ContextThreadData *data = g_new (ContextThreadData, 1);

  data->context = context;
  data->quit = quit;
  g_atomic_int_set (quit, FALSE);

  return g_thread_new (name, context_thread_main, data);
}

void
bench_context_thread_join (GThread      *thread,
                           GMainContext *context,
                           gint         *quit)
{
  g_atomic_int_set (quit, TRUE);
  g_main_context_wakeup (context);
  g_thread_join (thread);
}

static GPtrArray *summary_rows;

void
bench_add_summary_row (const char *id,
                       const char *figure,
                       const char *floor,
                       const char *ratio)
{
  char **row = g_new0 (char *, 5);

  row[0] = g_strdup (id);
  row[1] = g_strdup (figure);
  row[2] = g_strdup (floor);
  row[3] = g_strdup (ratio);

  if (summary_rows == NULL)
    summary_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (summary_rows, row);
}

/* Prints the rows as a Markdown table, ready for bench/README.md. */
void
bench_print_summary (void)
{
  guint i;

  if (summary_rows == NULL)
    return;

  printf ("\n| id | figure (median) | floor (median) | ratio |\n");
  printf ("| --- | --- | --- | --- |\n");

  for (i = 0; i < summary_rows->len; i++)
    {
      char **row = g_ptr_array_index (summary_rows, i);

      printf ("| %s | %s | %s | %s |\n", row[0], row[1], row[2], row[3]);
    }

  g_clear_pointer (&summary_rows, g_ptr_array_unref);
  fflush (stdout);
}
