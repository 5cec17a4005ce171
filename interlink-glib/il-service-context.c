/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "il-link-private.h"
#include "il-service.h"
#include "il-service-context-private.h"

/**
 * IlServiceContext:
 *
 * What a handler gets besides its message: the service's own link, a way
 * to stop, timers and pausing the mailbox.
 *
 * Each started service has one context. Its methods are meant for the
 * service itself and, except for [method@Interlink.ServiceContext.resume],
 * must be called on the service's main context: from handlers, hooks,
 * timer callbacks and the callbacks of GIO work started there.
 *
 * Timers run on the service's main context and never fire after the
 * service stopped. [method@Interlink.ServiceContext.run_interval] is
 * fixed-rate: tick *n* is due at the start time plus *n* intervals. When
 * the service is busy past one or more due times, the late tick runs once
 * and the missed ones are skipped, so ticks never come in a burst.
 *
 * Since: 0.1
 */
struct _IlServiceContext
{
  GObject       parent_instance;

  /* All fields except @pause_count belong to the service's main context. */
  IlService    *service;         /* unowned; %NULL once the service stopped */
  IlMailbox    *mailbox;         /* owned */
  GMainContext *main_context;    /* owned */
  IlLink       *link;            /* owned, created on first use */
  GHashTable   *timers;          /* timer id -> owned IlTimerSource; made
                                 * on first use */
  gint          pause_count;     /* atomic */
  gboolean      stop_requested;
  gboolean      stopping;
};

G_DEFINE_FINAL_TYPE (IlServiceContext, il_service_context, G_TYPE_OBJECT)

typedef struct
{
  GSource           source;
  IlServiceContext *context;     /* unowned; timers go before the context */
  guint             id;
  gboolean          repeat;
  gint64            start_time;
  gint64            interval;    /* microseconds */
  IlTimerFunc       func;
  gpointer          user_data;
  GDestroyNotify    notify;      /* cleared once it ran */
  gboolean          dispatching;
} IlTimerSource;

/* Runs the destroy notify as soon as the timer is done with, not when the
 * GSource is finalized. A source due in the same iteration as the stop is
 * finalized only after the service was released, and a language binding
 * must free its callback while the service's thread still runs.
 */
static void
il_timer_source_release (IlTimerSource *timer)
{
  GDestroyNotify notify = g_steal_pointer (&timer->notify);

  if (notify != NULL)
    notify (timer->user_data);
}

static gboolean
il_timer_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  IlTimerSource *timer = (IlTimerSource *) source;
  IlServiceContext *context = timer->context;

  if (timer->repeat)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 ticks = (now - timer->start_time) / timer->interval + 1;

      g_source_set_ready_time (source, timer->start_time +
                                       ticks * timer->interval);
    }
  else
    {
      /* Forget a one-shot timer before it runs, so that cancelling it from
       * its own callback reports that it already fired.
       */
      g_source_set_ready_time (source, -1);
      g_hash_table_steal (context->timers, GUINT_TO_POINTER (timer->id));
      g_source_destroy (source);
    }

  timer->dispatching = TRUE;
  if (context->service != NULL)
    timer->func (context->service, context, timer->user_data);
  timer->dispatching = FALSE;

  if (!timer->repeat || g_source_is_destroyed (source))
    il_timer_source_release (timer);

  if (!timer->repeat)
    g_source_unref (source);

  return G_SOURCE_CONTINUE;
}

static void
il_timer_source_finalize (GSource *source)
{
  il_timer_source_release ((IlTimerSource *) source);
}

static GSourceFuncs il_timer_source_funcs = {
  .dispatch = il_timer_source_dispatch,
  .finalize = il_timer_source_finalize,
};

static void
il_timer_source_cancel (gpointer data)
{
  GSource *source = data;
  IlTimerSource *timer = data;

  g_source_destroy (source);

  /* A timer cancelled from its own callback releases after it returns. */
  if (!timer->dispatching)
    il_timer_source_release (timer);

  g_source_unref (source);
}

static void
il_service_context_dispose (GObject *object)
{
  IlServiceContext *self = IL_SERVICE_CONTEXT (object);

  g_clear_object (&self->link);

  G_OBJECT_CLASS (il_service_context_parent_class)->dispose (object);
}

static void
il_service_context_finalize (GObject *object)
{
  IlServiceContext *self = IL_SERVICE_CONTEXT (object);

  /* Timers are cleared at stop, on the service's context; a context that is
   * dropped without stopping (never started) has none.
   */
  g_clear_pointer (&self->timers, g_hash_table_unref);
  g_clear_pointer (&self->mailbox, il_mailbox_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);

  G_OBJECT_CLASS (il_service_context_parent_class)->finalize (object);
}

static void
il_service_context_class_init (IlServiceContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = il_service_context_dispose;
  object_class->finalize = il_service_context_finalize;
}

static void
il_service_context_init (IlServiceContext *self)
{
}

IlServiceContext *
il_service_context_new (IlService    *service,
                        IlMailbox    *mailbox,
                        GMainContext *main_context)
{
  IlServiceContext *self;

  self = g_object_new (IL_TYPE_SERVICE_CONTEXT, NULL);
  self->service = service;
  self->mailbox = il_mailbox_ref (mailbox);
  self->main_context = g_main_context_ref (main_context);

  return self;
}

gboolean
il_service_context_is_paused (IlServiceContext *self)
{
  return g_atomic_int_get (&self->pause_count) > 0;
}

gboolean
il_service_context_stop_requested (IlServiceContext *self)
{
  return self->stop_requested;
}

void
il_service_context_begin_stop (IlServiceContext *self)
{
  self->stopping = TRUE;
}

void
il_service_context_clear_timers (IlServiceContext *self)
{
  if (self->timers != NULL)
    g_hash_table_remove_all (self->timers);
}

void
il_service_context_detach (IlServiceContext *self)
{
  self->service = NULL;
}

static gboolean
il_service_context_is_owner (IlServiceContext *self)
{
  return g_main_context_is_owner (self->main_context);
}

/**
 * il_service_context_get_service:
 * @self: a service context
 *
 * Gets the service this context belongs to.
 *
 * Returns: (transfer none) (nullable): the service, or %NULL once it
 *   stopped and was released
 *
 * Since: 0.1
 */
IlService *
il_service_context_get_service (IlServiceContext *self)
{
  g_return_val_if_fail (IL_IS_SERVICE_CONTEXT (self), NULL);

  return self->service;
}

/**
 * il_service_context_get_link:
 * @self: a service context
 *
 * Gets a link to the service itself, for example to send itself a message
 * from a GIO callback or to hand to other services.
 *
 * The link does not keep the service alive, so storing it in the service
 * creates no reference cycle. Call this on the service's main context.
 *
 * Returns: (transfer none): the service's own link
 *
 * Since: 0.1
 */
IlLink *
il_service_context_get_link (IlServiceContext *self)
{
  g_return_val_if_fail (IL_IS_SERVICE_CONTEXT (self), NULL);

  if (self->link == NULL)
    self->link = il_link_new (self->mailbox);

  return self->link;
}

/**
 * il_service_context_get_main_context:
 * @self: a service context
 *
 * Gets the main context the service runs on.
 *
 * Returns: (transfer none): the service's main context
 *
 * Since: 0.1
 */
GMainContext *
il_service_context_get_main_context (IlServiceContext *self)
{
  g_return_val_if_fail (IL_IS_SERVICE_CONTEXT (self), NULL);

  return self->main_context;
}

/**
 * il_service_context_stop:
 * @self: a service context
 *
 * Stops the service once the current handler returns.
 *
 * Messages still queued are not handled: their requests fail with
 * %IL_LINK_ERROR_CLOSED after the `stopping` hook ran. Call this on the
 * service's main context; calling it again has no further effect.
 *
 * Since: 0.1
 */
void
il_service_context_stop (IlServiceContext *self)
{
  g_return_if_fail (IL_IS_SERVICE_CONTEXT (self));
  g_return_if_fail (il_service_context_is_owner (self));

  if (self->stop_requested || self->stopping)
    return;

  self->stop_requested = TRUE;
  il_mailbox_wake (self->mailbox);
}

/**
 * il_service_context_is_stopping:
 * @self: a service context
 *
 * Checks whether the service is stopping or has stopped.
 *
 * Returns: %TRUE from the moment a stop was requested
 *
 * Since: 0.1
 */
gboolean
il_service_context_is_stopping (IlServiceContext *self)
{
  g_return_val_if_fail (IL_IS_SERVICE_CONTEXT (self), FALSE);

  return self->stop_requested || self->stopping;
}

/**
 * il_service_context_pause:
 * @self: a service context
 *
 * Pauses the mailbox: no further message is handled until
 * [method@Interlink.ServiceContext.resume] was called as many times.
 *
 * A handler that pauses before it returns keeps the next message waiting
 * until async work it started on the service's main context finishes. The
 * message and that work then form one step: no other message of the
 * service runs in between. Timers and other sources on the context keep
 * running. Messages keep queueing, and a stop requested through a link
 * waits in line too; [method@Interlink.ServiceContext.stop] takes effect
 * at once.
 *
 * Call this on the service's main context.
 *
 * Since: 0.1
 */
void
il_service_context_pause (IlServiceContext *self)
{
  g_return_if_fail (IL_IS_SERVICE_CONTEXT (self));
  g_return_if_fail (il_service_context_is_owner (self));

  g_atomic_int_inc (&self->pause_count);
}

/**
 * il_service_context_resume:
 * @self: a service context
 *
 * Undoes one [method@Interlink.ServiceContext.pause]. The mailbox runs
 * again once every pause was undone.
 *
 * May be called from any thread.
 *
 * Since: 0.1
 */
void
il_service_context_resume (IlServiceContext *self)
{
  gint old_count;

  g_return_if_fail (IL_IS_SERVICE_CONTEXT (self));

  do
    {
      old_count = g_atomic_int_get (&self->pause_count);
      if (old_count == 0)
        {
          g_critical ("il_service_context_resume() called on a mailbox "
                      "that is not paused");
          return;
        }
    }
  while (!g_atomic_int_compare_and_exchange (&self->pause_count,
                                             old_count, old_count - 1));

  if (old_count == 1)
    il_mailbox_wake (self->mailbox);
}

static guint
il_service_context_add_timer (IlServiceContext *self,
                              gboolean          repeat,
                              guint             period_ms,
                              IlTimerFunc       func,
                              gpointer          user_data,
                              GDestroyNotify    notify)
{
  IlTimerSource *timer;
  GSource *source;

  /* A stopped service gets no timer, but the data is still freed. */
  if (self->service == NULL || self->stopping)
    {
      if (notify != NULL)
        notify (user_data);
      return 0;
    }

  source = g_source_new (&il_timer_source_funcs, sizeof (IlTimerSource));
  timer = (IlTimerSource *) source;
  timer->context = self;
  timer->repeat = repeat;
  timer->start_time = g_get_monotonic_time ();
  timer->interval = MAX (period_ms, 1) * G_GINT64_CONSTANT (1000);
  timer->func = func;
  timer->user_data = user_data;
  timer->notify = notify;

  g_source_set_static_name (source, repeat ? "[interlink] interval"
                                           : "[interlink] run later");
  g_source_set_ready_time (source, timer->start_time +
                                   (gint64) period_ms * 1000);
  timer->id = g_source_attach (source, self->main_context);
  if (self->timers == NULL)
    self->timers = g_hash_table_new_full (NULL, NULL, NULL,
                                          il_timer_source_cancel);
  g_hash_table_insert (self->timers, GUINT_TO_POINTER (timer->id), source);

  return timer->id;
}

/**
 * il_service_context_run_later:
 * @self: a service context
 * @delay_ms: the delay in milliseconds
 * @func: (scope notified) (closure user_data) (destroy notify): the
 *   function to run
 * @user_data: data for @func
 * @notify: (nullable): frees @user_data; runs exactly once, after the timer
 *   fired, was cancelled or was dropped at stop
 *
 * Runs @func once on the service's main context after @delay_ms.
 *
 * Call this on the service's main context. After the service stopped no
 * timer is created and 0 is returned; @notify still runs.
 *
 * Returns: the timer id, for [method@Interlink.ServiceContext.cancel_timer]
 *
 * Since: 0.1
 */
guint
il_service_context_run_later (IlServiceContext *self,
                              guint             delay_ms,
                              IlTimerFunc       func,
                              gpointer          user_data,
                              GDestroyNotify    notify)
{
  g_return_val_if_fail (IL_IS_SERVICE_CONTEXT (self), 0);
  g_return_val_if_fail (func != NULL, 0);
  g_return_val_if_fail (il_service_context_is_owner (self), 0);

  return il_service_context_add_timer (self, FALSE, delay_ms,
                                       func, user_data, notify);
}

/**
 * il_service_context_run_interval:
 * @self: a service context
 * @interval_ms: the period in milliseconds
 * @func: (scope notified) (closure user_data) (destroy notify): the
 *   function to run
 * @user_data: data for @func
 * @notify: (nullable): frees @user_data; runs exactly once, after the timer
 *   was cancelled or dropped at stop
 *
 * Runs @func on the service's main context every @interval_ms, first after
 * one interval, until the timer is cancelled or the service stops.
 *
 * The timer is fixed-rate: ticks are due at multiples of @interval_ms after
 * this call. A tick that comes late because the service was busy runs once
 * and the ticks missed in the meantime are skipped.
 *
 * Call this on the service's main context.
 *
 * Returns: the timer id, for [method@Interlink.ServiceContext.cancel_timer]
 *
 * Since: 0.1
 */
guint
il_service_context_run_interval (IlServiceContext *self,
                                 guint             interval_ms,
                                 IlTimerFunc       func,
                                 gpointer          user_data,
                                 GDestroyNotify    notify)
{
  g_return_val_if_fail (IL_IS_SERVICE_CONTEXT (self), 0);
  g_return_val_if_fail (func != NULL, 0);
  g_return_val_if_fail (il_service_context_is_owner (self), 0);

  return il_service_context_add_timer (self, TRUE, interval_ms,
                                       func, user_data, notify);
}

/**
 * il_service_context_cancel_timer:
 * @self: a service context
 * @timer_id: an id from [method@Interlink.ServiceContext.run_later] or
 *   [method@Interlink.ServiceContext.run_interval]
 *
 * Cancels a timer so that its function does not run again.
 *
 * Call this on the service's main context.
 *
 * Returns: %TRUE if the timer was pending; %FALSE if it already fired (for
 *   [method@Interlink.ServiceContext.run_later]), was cancelled before or
 *   is unknown
 *
 * Since: 0.1
 */
gboolean
il_service_context_cancel_timer (IlServiceContext *self,
                                 guint             timer_id)
{
  g_return_val_if_fail (IL_IS_SERVICE_CONTEXT (self), FALSE);
  g_return_val_if_fail (il_service_context_is_owner (self), FALSE);

  if (self->timers == NULL)
    return FALSE;

  return g_hash_table_remove (self->timers, GUINT_TO_POINTER (timer_id));
}
