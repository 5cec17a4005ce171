/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "il-error.h"
#include "il-link-private.h"
#include "il-mailbox-private.h"
#include "il-reply-private.h"

/*
 * IlMailbox is the queue between the senders of a service and the
 * service's runner. Any thread may push; only the runner, on the
 * service's main context, takes envelopes out.
 *
 * Senders append to @incoming under @lock. The runner swaps the whole array
 * out in one step, so a busy service costs one lock round per batch, not
 * per message. @scheduled is TRUE from the moment a sender finds the
 * mailbox idle and wakes the runner until the runner finds it empty again,
 * so the main context is woken once per idle-to-busy change and never per
 * message. How the runner is woken depends on where it runs: a GSource of
 * its own, or the ready queue of an executor thread.
 */
struct _IlMailbox
{
  gint            ref_count;      /* atomic */
  GType           service_type;   /* immutable */
  IlService      *service;        /* lock; unowned, cleared by its dispose */

  GMutex          lock;
  IlMailboxState  state;          /* lock for writes, which are atomic so
                                   * that links may read it without */
  GArray         *incoming;       /* lock; IlEnvelope */
  gboolean        scheduled;      /* lock */
  IlMailboxWakeFunc wake;         /* lock; set while running */
  gpointer        wake_data;      /* lock; owned, freed with wake_data_free */
  GDestroyNotify  wake_data_free;
  GMainContext   *context;        /* lock; owned, set from start on */
  gboolean        own_thread;     /* lock */
  GQueue          watchers;       /* lock; links not yet disposed, linked
                                   * through their own GList node */
  GSList         *close_waiters;  /* lock; owned GTask, returned at close */
};

void
il_exec_call_free (IlExecCall *call)
{
  if (call->destroy != NULL)
    call->destroy (call->data);
  g_free (call);
}

void
il_envelope_clear (IlEnvelope *envelope)
{
  switch (envelope->kind)
    {
    case IL_ENVELOPE_MESSAGE:
      g_clear_object ((GObject **) &envelope->payload);
      break;

    case IL_ENVELOPE_EXEC:
      g_clear_pointer ((IlExecCall **) &envelope->payload, il_exec_call_free);
      break;

    case IL_ENVELOPE_STOP:
    default:
      break;
    }

  g_clear_object (&envelope->task);
}

void
il_envelope_fail_closed (IlEnvelope *envelope,
                         GType       service_type)
{
  if (envelope->task != NULL)
    {
      if (envelope->kind == IL_ENVELOPE_STOP)
        {
          if (il_request_try_complete (envelope->task))
            g_task_return_boolean (envelope->task, TRUE);
        }
      else
        {
          il_request_fail (envelope->task, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED,
                           "Service %s stopped before the request was handled",
                           g_type_name (service_type));
        }
    }

  il_envelope_clear (envelope);
}

IlMailbox *
il_mailbox_new (IlService *service)
{
  IlMailbox *self;

  self = g_new0 (IlMailbox, 1);
  self->ref_count = 1;
  self->service_type = G_OBJECT_TYPE (service);
  self->service = service;
  g_mutex_init (&self->lock);
  self->state = IL_MAILBOX_NEW;
  self->incoming = g_array_sized_new (FALSE, FALSE, sizeof (IlEnvelope), 1);

  return self;
}

IlMailbox *
il_mailbox_ref (IlMailbox *self)
{
  g_atomic_int_inc (&self->ref_count);

  return self;
}

void
il_mailbox_unref (IlMailbox *self)
{
  guint i;

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  /* A service closes its mailbox before it goes away, so nothing should be
   * left; fail anything that is, rather than leave a caller waiting.
   */
  for (i = 0; i < self->incoming->len; i++)
    il_envelope_fail_closed (&g_array_index (self->incoming, IlEnvelope, i),
                             self->service_type);

  g_assert (self->watchers.length == 0);
  g_assert (self->close_waiters == NULL);
  g_assert (self->wake == NULL);

  g_array_unref (self->incoming);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* Returns a new reference to the service, or %NULL once it was disposed.
 * The service forgets itself under the lock in its dispose, so a reference
 * taken here either comes first, and GObject lets it survive dispose, or
 * finds %NULL.
 */
IlService *
il_mailbox_dup_service (IlMailbox *self)
{
  IlService *service = NULL;

  g_mutex_lock (&self->lock);
  if (self->service != NULL)
    service = g_object_ref (self->service);
  g_mutex_unlock (&self->lock);

  return service;
}

void
il_mailbox_forget_service (IlMailbox *self)
{
  g_mutex_lock (&self->lock);
  self->service = NULL;
  g_mutex_unlock (&self->lock);
}

GType
il_mailbox_get_service_type (IlMailbox *self)
{
  return self->service_type;
}

IlMailboxState
il_mailbox_get_state (IlMailbox *self)
{
  return (IlMailboxState) g_atomic_int_get ((gint *) &self->state);
}

/* Returns the context the service runs on, or %NULL before it started. */
GMainContext *
il_mailbox_ref_context (IlMailbox *self,
                        gboolean  *own_thread)
{
  GMainContext *context = NULL;

  g_mutex_lock (&self->lock);
  if (self->context != NULL)
    context = g_main_context_ref (self->context);
  if (own_thread != NULL)
    *own_thread = self->own_thread;
  g_mutex_unlock (&self->lock);

  return context;
}

static void
il_mailbox_set_state_locked (IlMailbox      *self,
                             IlMailboxState  state)
{
  g_atomic_int_set ((gint *) &self->state, state);
}

static void
il_mailbox_schedule_locked (IlMailbox *self)
{
  if (!self->scheduled && self->wake != NULL)
    {
      self->scheduled = TRUE;
      self->wake (self->wake_data);
    }
}

/* Appends @envelope, taking over what it owns, or fails with
 * %IL_LINK_ERROR_CLOSED and leaves it to the caller.
 */
gboolean
il_mailbox_push (IlMailbox   *self,
                 IlEnvelope  *envelope,
                 GError     **error)
{
  g_mutex_lock (&self->lock);

  if (G_UNLIKELY (self->state >= IL_MAILBOX_STOPPING))
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, IL_LINK_ERROR, IL_LINK_ERROR_CLOSED,
                   "Service %s has stopped", g_type_name (self->service_type));
      return FALSE;
    }

  g_array_append_vals (self->incoming, envelope, 1);
  il_mailbox_schedule_locked (self);

  g_mutex_unlock (&self->lock);

  return TRUE;
}

/* Queues a stop in order with earlier messages. @task, if not %NULL,
 * returns once the service has been released, at once if it already was.
 */
void
il_mailbox_push_stop (IlMailbox *self,
                      GTask     *task)
{
  IlEnvelope envelope = { IL_ENVELOPE_STOP, NULL, NULL };

  g_mutex_lock (&self->lock);

  switch (self->state)
    {
    case IL_MAILBOX_NEW:
    case IL_MAILBOX_RUNNING:
      envelope.task = task != NULL ? g_object_ref (task) : NULL;
      g_array_append_vals (self->incoming, &envelope, 1);
      il_mailbox_schedule_locked (self);
      g_mutex_unlock (&self->lock);
      return;

    case IL_MAILBOX_STOPPING:
      if (task != NULL)
        self->close_waiters = g_slist_prepend (self->close_waiters,
                                               g_object_ref (task));
      g_mutex_unlock (&self->lock);
      return;

    case IL_MAILBOX_CLOSED:
    default:
      g_mutex_unlock (&self->lock);
      if (task != NULL && il_request_try_complete (task))
        g_task_return_boolean (task, TRUE);
      return;
    }
}

/* Returns @task once the service has been released, without stopping it. */
void
il_mailbox_add_close_waiter (IlMailbox *self,
                             GTask     *task)
{
  g_mutex_lock (&self->lock);

  if (self->state != IL_MAILBOX_CLOSED)
    {
      self->close_waiters = g_slist_prepend (self->close_waiters,
                                             g_object_ref (task));
      g_mutex_unlock (&self->lock);
      return;
    }

  g_mutex_unlock (&self->lock);

  if (il_request_try_complete (task))
    g_task_return_boolean (task, TRUE);
}

/* Links register themselves so that the mailbox can emit their "closed"
 * signal, with a list node of their own so that this allocates nothing.
 * A link leaves in its dispose, under the lock, so a reference the mailbox
 * takes under the lock is always to a live link (GObject lets an object
 * that gains a reference during dispose survive).
 */
void
il_mailbox_add_watcher (IlMailbox *self,
                        GList     *node)
{
  g_mutex_lock (&self->lock);
  g_queue_push_tail_link (&self->watchers, node);
  g_mutex_unlock (&self->lock);
}

void
il_mailbox_remove_watcher (IlMailbox *self,
                           GList     *node)
{
  g_mutex_lock (&self->lock);
  if (node->data != NULL)
    {
      g_queue_unlink (&self->watchers, node);
      node->data = NULL;
    }
  g_mutex_unlock (&self->lock);
}

/* Connects the runner. @wake runs under the mailbox lock, from any thread,
 * and must only schedule the runner. The first run executes the `started`
 * hook, so the runner is woken at once.
 */
void
il_mailbox_attach (IlMailbox         *self,
                   IlMailboxWakeFunc  wake,
                   gpointer           wake_data,
                   GDestroyNotify     wake_data_free,
                   GMainContext      *context,
                   gboolean           own_thread)
{
  g_mutex_lock (&self->lock);

  g_assert (self->wake == NULL);

  self->wake = wake;
  self->wake_data = wake_data;
  self->wake_data_free = wake_data_free;
  self->context = g_main_context_ref (context);
  self->own_thread = own_thread;
  if (self->state == IL_MAILBOX_NEW)
    il_mailbox_set_state_locked (self, IL_MAILBOX_RUNNING);
  self->scheduled = TRUE;
  wake (wake_data);

  g_mutex_unlock (&self->lock);
}

/* Swaps the runner's empty array @pending with the queue, so that neither
 * side allocates in steady state. Returns %FALSE if nothing was queued.
 */
gboolean
il_mailbox_take (IlMailbox  *self,
                 GArray    **pending)
{
  GArray *taken;

  g_assert ((*pending)->len == 0);

  g_mutex_lock (&self->lock);

  if (self->incoming->len == 0)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }

  taken = self->incoming;
  self->incoming = *pending;
  *pending = taken;

  g_mutex_unlock (&self->lock);

  return TRUE;
}

/* Marks the mailbox idle when nothing is queued, so that the next sender
 * wakes the context. Returns %FALSE if envelopes arrived meanwhile.
 */
gboolean
il_mailbox_set_idle (IlMailbox *self)
{
  gboolean idle;

  g_mutex_lock (&self->lock);
  idle = self->incoming->len == 0;
  if (idle)
    self->scheduled = FALSE;
  g_mutex_unlock (&self->lock);

  return idle;
}

/* Makes the runner dispatch again: used after resume and internal stop. */
void
il_mailbox_wake (IlMailbox *self)
{
  g_mutex_lock (&self->lock);
  if (self->wake != NULL)
    {
      self->scheduled = TRUE;
      self->wake (self->wake_data);
    }
  g_mutex_unlock (&self->lock);
}

/* Stops accepting envelopes and returns those still queued. */
GArray *
il_mailbox_close (IlMailbox *self)
{
  GArray *rest;

  g_mutex_lock (&self->lock);

  rest = self->incoming;
  self->incoming = g_array_new (FALSE, FALSE, sizeof (IlEnvelope));
  if (self->state < IL_MAILBOX_STOPPING)
    il_mailbox_set_state_locked (self, IL_MAILBOX_STOPPING);

  g_mutex_unlock (&self->lock);

  return rest;
}

static gboolean
emit_link_closed_cb (gpointer user_data)
{
  il_link_emit_closed (IL_LINK (user_data));

  return G_SOURCE_REMOVE;
}

/* Marks the service released: returns the stop and close waiters, with
 * @stop_task among them, and has every live link emit "closed" in the
 * context it was created in.
 */
void
il_mailbox_finish_close (IlMailbox *self,
                         GTask     *stop_task)
{
  GSList *waiters;
  g_autoptr(GPtrArray) links = NULL;
  GList *node;
  gpointer wake_data;
  GDestroyNotify wake_data_free;
  guint i;

  links = g_ptr_array_new_with_free_func (g_object_unref);

  g_mutex_lock (&self->lock);

  il_mailbox_set_state_locked (self, IL_MAILBOX_CLOSED);
  self->scheduled = FALSE;
  self->wake = NULL;
  wake_data = g_steal_pointer (&self->wake_data);
  wake_data_free = g_steal_pointer (&self->wake_data_free);
  waiters = g_slist_reverse (g_steal_pointer (&self->close_waiters));

  for (node = self->watchers.head; node != NULL; node = node->next)
    g_ptr_array_add (links, g_object_ref (node->data));

  g_mutex_unlock (&self->lock);

  if (wake_data_free != NULL)
    wake_data_free (wake_data);

  for (i = 0; i < links->len; i++)
    {
      IlLink *link = g_ptr_array_index (links, i);
      g_autoptr(GSource) idle = g_idle_source_new ();

      g_source_set_priority (idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (idle, emit_link_closed_cb,
                             g_object_ref (link), g_object_unref);
      g_source_set_static_name (idle, "[interlink] link closed");
      g_source_attach (idle, il_link_get_creation_context (link));
    }

  if (stop_task != NULL && il_request_try_complete (stop_task))
    g_task_return_boolean (stop_task, TRUE);

  while (waiters != NULL)
    {
      GTask *task = waiters->data;

      if (il_request_try_complete (task))
        g_task_return_boolean (task, TRUE);

      g_object_unref (task);
      waiters = g_slist_delete_link (waiters, waiters);
    }
}
