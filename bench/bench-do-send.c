/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * do-send and do-send-contended: producer threads send BenchAdd messages
 * with il_link_do_send() to a BenchCounterService on its own thread, each
 * message created with g_object_new() and released with g_object_unref()
 * right after the send. One il_link_send_sync() from the main thread,
 * queued after every producer finished, ends the run. do-send has one
 * producer sending 5,000,000 messages, do-send-contended has 4 producers
 * sending 1,000,000 each.
 *
 * The hand-off floor is the same queue written directly against GLib. A
 * GMutex-protected GPtrArray is swapped for an empty one on each wakeup of
 * the consumer. A producer makes the consumer's GSource ready only when it
 * finds the queue idle. The consumer thread iterates its own GMainContext,
 * drains everything in one dispatch and does the same work per message as
 * the service's handler. The second
 * floor only creates and releases the messages on the same number of
 * producer threads, with no hand-off at all.
 */

#include <math.h>
#include <stdio.h>

#include "bench.h"

#define SINGLE_PRODUCER_COUNT 5000000
#define CONTENDED_PRODUCERS 4
#define CONTENDED_PER_PRODUCER 1000000

typedef enum
{
  SEND_INTERLINK,     /* il_link_do_send() */
  SEND_FLOOR,         /* floor_mailbox_push() */
  SEND_ALLOC_ONLY,    /* g_object_new() and g_object_unref() only */
} SendKind;

/* The hand-off floor's queue, a GSource attached to the consumer's
 * context.
 */
typedef struct
{
  GSource    source;

  GMutex     lock;
  GPtrArray *incoming;    /* lock; owned BenchValueMessage references */
  gboolean   scheduled;   /* lock; TRUE from wakeup until found empty */
  GPtrArray *draining;    /* consumer only */

  gint64     sum;         /* consumer only */
  guint      handled;     /* atomic, as in BenchCounterService */

  GMutex     done_lock;
  GCond      done_cond;
  gboolean   done;        /* done_lock; set when the end marker arrives */
} FloorMailbox;

/* Adds @message, taking over the caller's reference. %NULL is the end
 * marker.
 */
static void
floor_mailbox_push (FloorMailbox      *mailbox,
                    BenchValueMessage *message)
{
  gboolean wake;

  g_mutex_lock (&mailbox->lock);
  g_ptr_array_add (mailbox->incoming, message);
  wake = !mailbox->scheduled;
  mailbox->scheduled = TRUE;
  g_mutex_unlock (&mailbox->lock);

  /* Outside the lock is safe: while @scheduled is TRUE no other producer
   * wakes the consumer, and the consumer only clears it under the lock
   * after it found the queue empty.
   */
  if (wake)
    g_source_set_ready_time (&mailbox->source, 0);
}

static gboolean
floor_mailbox_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  FloorMailbox *mailbox = (FloorMailbox *) source;

  g_source_set_ready_time (source, -1);

  for (;;)
    {
      GPtrArray *batch;
      guint i;

      g_mutex_lock (&mailbox->lock);
      if (mailbox->incoming->len == 0)
        {
          mailbox->scheduled = FALSE;
          g_mutex_unlock (&mailbox->lock);
          return G_SOURCE_CONTINUE;
        }
      batch = mailbox->incoming;
      mailbox->incoming = mailbox->draining;
      mailbox->draining = batch;
      g_mutex_unlock (&mailbox->lock);

      for (i = 0; i < batch->len; i++)
        {
          BenchValueMessage *message = g_ptr_array_index (batch, i);

          if (message == NULL)
            {
              g_mutex_lock (&mailbox->done_lock);
              mailbox->done = TRUE;
              g_cond_signal (&mailbox->done_cond);
              g_mutex_unlock (&mailbox->done_lock);
              continue;
            }

          mailbox->sum += bench_value_message_get_value (message);
          g_atomic_int_inc ((gint *) &mailbox->handled);
          g_object_unref (message);
        }

      g_ptr_array_set_size (batch, 0);
    }
}

static void
floor_mailbox_finalize (GSource *source)
{
  FloorMailbox *mailbox = (FloorMailbox *) source;

  g_ptr_array_unref (mailbox->incoming);
  g_ptr_array_unref (mailbox->draining);
  g_mutex_clear (&mailbox->lock);
  g_mutex_clear (&mailbox->done_lock);
  g_cond_clear (&mailbox->done_cond);
}

static GSourceFuncs floor_mailbox_funcs = {
  .dispatch = floor_mailbox_dispatch,
  .finalize = floor_mailbox_finalize,
};

static FloorMailbox *
floor_mailbox_new (GMainContext *context)
{
  FloorMailbox *mailbox;

  mailbox = (FloorMailbox *) g_source_new (&floor_mailbox_funcs,
                                           sizeof (FloorMailbox));
  g_mutex_init (&mailbox->lock);
  g_mutex_init (&mailbox->done_lock);
  g_cond_init (&mailbox->done_cond);
  mailbox->incoming = g_ptr_array_sized_new (16);
  mailbox->draining = g_ptr_array_sized_new (16);
  g_source_set_static_name (&mailbox->source, "[bench] floor mailbox");
  g_source_attach (&mailbox->source, context);

  return mailbox;
}

typedef struct
{
  SendKind      kind;
  guint         count;
  IlLink       *link;       /* SEND_INTERLINK */
  FloorMailbox *mailbox;    /* SEND_FLOOR */
} Producer;

static gpointer
producer_main (gpointer user_data)
{
  Producer *producer = user_data;
  guint i;

  for (i = 0; i < producer->count; i++)
    {
      BenchValueMessage *message = bench_add_new (1);
      g_autoptr(GError) error = NULL;

      switch (producer->kind)
        {
        case SEND_INTERLINK:
          if (!il_link_do_send (producer->link, IL_MESSAGE (message), &error))
            g_error ("il_link_do_send() failed: %s", error->message);
          g_object_unref (message);
          break;

        case SEND_FLOOR:
          floor_mailbox_push (producer->mailbox, message);
          break;

        case SEND_ALLOC_ONLY:
          g_object_unref (message);
          break;

        default:
          g_assert_not_reached ();
        }
    }

  return NULL;
}

/* Runs @n_producers threads that each send @per_producer messages and
 * waits until all of them finished.
 */
static void
run_producers (Producer *template,
               guint     n_producers,
               guint     per_producer)
{
  g_autofree Producer *producers = g_new (Producer, n_producers);
  g_autofree GThread **threads = g_new (GThread *, n_producers);
  guint i;

  for (i = 0; i < n_producers; i++)
    {
      producers[i] = *template;
      producers[i].count = per_producer;
      threads[i] = g_thread_new ("bench-producer", producer_main,
                                 &producers[i]);
    }

  for (i = 0; i < n_producers; i++)
    g_thread_join (threads[i]);
}

/* Each run returns messages per second. */

static gdouble
run_interlink (guint n_producers,
               guint per_producer)
{
  g_autoptr(BenchCounterService) service = NULL;
  g_autoptr(IlLink) link = NULL;
  g_autoptr(BenchValueMessage) last = NULL;
  g_autoptr(GError) error = NULL;
  Producer template = { SEND_INTERLINK, 0, NULL, NULL };
  guint total = n_producers * per_producer;
  GValue *value;
  gint64 start_ns, end_ns;

  if (bench_side == BENCH_SIDE_FLOORS)
    return NAN;

  service = g_object_new (BENCH_TYPE_COUNTER_SERVICE, NULL);
  link = il_service_start (IL_SERVICE (service));
  template.link = link;
  last = bench_add_new (0);

  start_ns = bench_now_ns ();
  run_producers (&template, n_producers, per_producer);

  /* Queued after every message of every producer, so its reply means
   * that all of them were handled.
   */
  value = il_link_send_sync (link, IL_MESSAGE (last), NULL, &error);
  end_ns = bench_now_ns ();

  if (error != NULL)
    g_error ("The final il_link_send_sync() failed: %s", error->message);
  g_assert (value == NULL);

  if (bench_counter_service_get_sum (service) != total ||
      bench_counter_service_get_handled (service) != total + 1)
    g_error ("The service handled %u messages with sum %" G_GINT64_FORMAT
             ", expected %u with sum %u",
             bench_counter_service_get_handled (service),
             bench_counter_service_get_sum (service), total + 1, total);

  bench_stop_and_wait (link);

  return total / ((end_ns - start_ns) / 1e9);
}

static gdouble
run_floor (guint n_producers,
           guint per_producer)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Producer template = { SEND_FLOOR, 0, NULL, NULL };
  guint total = n_producers * per_producer;
  FloorMailbox *mailbox;
  GThread *consumer;
  gint consumer_quit = FALSE;
  gint64 start_ns, end_ns;

  if (bench_side == BENCH_SIDE_INTERLINK)
    return NAN;

  mailbox = floor_mailbox_new (context);
  consumer = bench_context_thread_new ("bench-consumer", context,
                                       &consumer_quit);
  template.mailbox = mailbox;

  start_ns = bench_now_ns ();
  run_producers (&template, n_producers, per_producer);

  floor_mailbox_push (mailbox, NULL);
  g_mutex_lock (&mailbox->done_lock);
  while (!mailbox->done)
    g_cond_wait (&mailbox->done_cond, &mailbox->done_lock);
  g_mutex_unlock (&mailbox->done_lock);
  end_ns = bench_now_ns ();

  bench_context_thread_join (consumer, context, &consumer_quit);

  if (mailbox->sum != total ||
      (guint) g_atomic_int_get ((gint *) &mailbox->handled) != total)
    g_error ("The floor consumer handled %u messages with sum %"
             G_GINT64_FORMAT ", expected %u",
             (guint) g_atomic_int_get ((gint *) &mailbox->handled),
             mailbox->sum, total);

  g_source_destroy (&mailbox->source);
  g_source_unref (&mailbox->source);

  return total / ((end_ns - start_ns) / 1e9);
}

static gdouble
run_alloc_only (guint n_producers,
                guint per_producer)
{
  Producer template = { SEND_ALLOC_ONLY, 0, NULL, NULL };
  guint total = n_producers * per_producer;
  gint64 start_ns, end_ns;

  if (bench_side == BENCH_SIDE_INTERLINK)
    return NAN;

  start_ns = bench_now_ns ();
  run_producers (&template, n_producers, per_producer);
  end_ns = bench_now_ns ();

  return total / ((end_ns - start_ns) / 1e9);
}

static gdouble
print_rate_line (const char    *label,
                 const gdouble *rates,
                 guint          runs)
{
  g_autofree char *run_list = bench_format_runs (rates, runs, 0);
  g_autofree char *rate = NULL;
  gdouble median = bench_median (rates, runs);

  rate = bench_format_count (median);
  printf ("  %-38s %12s messages/s  (runs: %s)\n", label, rate, run_list);

  return median;
}

static void
run_do_send (const char        *id,
             const BenchConfig *config,
             guint              n_producers,
             guint              per_producer)
{
  g_autofree gdouble *interlink = g_new (gdouble, config->runs);
  g_autofree gdouble *floor = g_new (gdouble, config->runs);
  g_autofree gdouble *alloc_only = g_new (gdouble, config->runs);
  g_autofree char *figure = NULL;
  g_autofree char *floor_text = NULL;
  g_autofree char *ratio = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *run_list = NULL;
  gdouble interlink_rate, floor_rate, alloc_rate, paired;
  guint i;

  per_producer /= config->divisor;

  printf ("\n%s: %u producer thread%s x %u il_link_do_send(), then one "
          "il_link_send_sync()\n", id, n_producers,
          n_producers == 1 ? "" : "s", per_producer);

  run_interlink (n_producers, per_producer / 10);
  run_floor (n_producers, per_producer / 10);
  run_alloc_only (n_producers, per_producer / 10);

  for (i = 0; i < config->runs; i++)
    {
      interlink[i] = run_interlink (n_producers, per_producer);
      floor[i] = run_floor (n_producers, per_producer);
      alloc_only[i] = run_alloc_only (n_producers, per_producer);
    }

  interlink_rate = print_rate_line ("interlink (il_link_do_send)",
                                    interlink, config->runs);
  floor_rate = print_rate_line ("floor: mutex array + GSource",
                                floor, config->runs);
  alloc_rate = print_rate_line ("floor: g_object_new + unref only",
                                alloc_only, config->runs);
  printf ("  ratio: %.2fx the hand-off floor, %.2fx the allocation-only "
          "floor (higher is better)\n",
          interlink_rate / floor_rate, interlink_rate / alloc_rate);
  paired = bench_paired_ratio (interlink, floor, config->runs, &run_list);
  printf ("  paired runs against the hand-off floor: median %.2fx "
          "(runs: %s)\n", paired, run_list);

  rate = bench_format_count (interlink_rate);
  figure = g_strdup_printf ("%s messages/s", rate);
  g_free (rate);
  rate = bench_format_count (floor_rate);
  floor_text = g_strdup_printf ("%s messages/s (mutex array + GSource, "
                                "with message allocation)", rate);
  ratio = g_strdup_printf ("%.2fx throughput", interlink_rate / floor_rate);
  bench_add_summary_row (id, figure, floor_text, ratio);

  g_free (rate);
  g_free (floor_text);
  g_free (ratio);
  rate = bench_format_count (alloc_rate);
  floor_text = g_strdup_printf ("%s messages/s (g_object_new + unref only, "
                                "no hand-off)", rate);
  ratio = g_strdup_printf ("%.2fx throughput", interlink_rate / alloc_rate);
  bench_add_summary_row (id, "same figure", floor_text, ratio);
}

void
bench_do_send (const BenchConfig *config)
{
  run_do_send ("do-send", config, 1, SINGLE_PRODUCER_COUNT);
}

void
bench_do_send_contended (const BenchConfig *config)
{
  run_do_send ("do-send-contended", config, CONTENDED_PRODUCERS,
               CONTENDED_PER_PRODUCER);
}
