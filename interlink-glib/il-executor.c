/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "il-executor-private.h"

/**
 * IlExecutor:
 *
 * A small pool of threads that runs many services.
 *
 * [method@Interlink.Service.start_on_executor] pins a service to one
 * thread of the pool for its whole life, so the service still runs on one
 * main context and needs no locks. A thread costs memory and a kernel
 * task; a service on an executor costs neither, so programs with
 * thousands of services put them on an executor.
 *
 * Each thread iterates a main context of its own, pushed as its
 * thread-default context. The services on a thread do not each add a
 * source to that context: a thread keeps one queue of the services that
 * have messages waiting, and one iteration costs time in proportion to
 * those services, not to all of them. Timers and GIO callbacks of the
 * services are ordinary sources on the thread's context.
 *
 * Services are spread over the threads in turn. A service that blocks in
 * a handler blocks the other services on its thread too.
 *
 * The threads end once the executor was finalized and the services
 * running on them stopped.
 *
 * Since: 0.1
 */
struct _IlExecutor
{
  GObject            parent_instance;

  guint              n_threads;     /* immutable after construction */
  IlExecutorThread **threads;       /* owned, immutable after construction */
  guint              next_thread;   /* atomic */
};

/* One thread of the pool, shared by the executor and the thread itself.
 * Its GSource is the only source the executor adds to the thread's
 * context, whatever the number of services.
 */
struct _IlExecutorThread
{
  gint          ref_count;    /* atomic */

  GMutex        lock;
  GPtrArray    *ready;        /* lock; owned IlRunner refs with work */
  gboolean      scheduled;    /* lock; a dispatch is due */
  gboolean      quit;         /* lock; the executor is gone */

  GPtrArray    *running;      /* the thread's; IlRunner refs from @ready */
  gint          n_services;   /* atomic; started and not yet stopped */

  GMainContext *context;      /* owned, immutable */
  GSource      *source;       /* owned, immutable */
  char         *name;         /* owned, immutable */
};

/* The source does not own the thread: a source must not hold what owns
 * the context it is attached to.
 */
typedef struct
{
  GSource           source;
  IlExecutorThread *thread;   /* unowned */
} IlExecutorSource;

enum
{
  PROP_0,
  PROP_N_THREADS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (IlExecutor, il_executor, G_TYPE_OBJECT)

/* Called with the mailbox lock held, from any thread. */
static void
il_executor_thread_wake (gpointer data)
{
  IlRunner *runner = data;
  IlExecutorThread *thread = *il_runner_get_slot (runner);
  gboolean *queued = il_runner_get_queued (runner);

  g_mutex_lock (&thread->lock);

  if (!*queued)
    {
      *queued = TRUE;
      g_ptr_array_add (thread->ready, il_runner_ref (runner));

      if (!thread->scheduled)
        {
          thread->scheduled = TRUE;
          g_source_set_ready_time (thread->source, 0);
        }
    }

  g_mutex_unlock (&thread->lock);
}

static gboolean
il_executor_thread_dispatch (GSource     *source,
                             GSourceFunc  callback,
                             gpointer     user_data)
{
  IlExecutorThread *thread = ((IlExecutorSource *) source)->thread;
  GPtrArray *taken;
  guint i;

  g_source_set_ready_time (source, -1);

  g_mutex_lock (&thread->lock);
  taken = thread->ready;
  thread->ready = thread->running;
  thread->running = taken;
  thread->scheduled = FALSE;
  for (i = 0; i < taken->len; i++)
    *il_runner_get_queued (g_ptr_array_index (taken, i)) = FALSE;
  g_mutex_unlock (&thread->lock);

  /* Every service with work gets one batch, then the others get a turn;
   * a service that still has work queues itself again.
   */
  for (i = 0; i < taken->len; i++)
    {
      IlRunner *runner = g_ptr_array_index (taken, i);

      if (il_runner_is_stopped (runner))
        continue;

      switch (il_runner_run (runner))
        {
        case IL_RUNNER_MORE:
          il_executor_thread_wake (runner);
          break;

        case IL_RUNNER_STOPPED:
          g_atomic_int_add (&thread->n_services, -1);
          break;

        case IL_RUNNER_IDLE:
        default:
          break;
        }
    }

  g_ptr_array_set_size (taken, 0);

  return G_SOURCE_CONTINUE;
}

static IlExecutorThread *
il_executor_thread_ref (IlExecutorThread *thread)
{
  g_atomic_int_inc (&thread->ref_count);

  return thread;
}

static void
il_executor_thread_unref (IlExecutorThread *thread)
{
  if (!g_atomic_int_dec_and_test (&thread->ref_count))
    return;

  /* The source first: unreferencing it locks its context. */
  g_source_destroy (thread->source);
  g_source_unref (thread->source);
  g_main_context_unref (thread->context);
  g_ptr_array_unref (thread->ready);
  g_ptr_array_unref (thread->running);
  g_free (thread->name);
  g_mutex_clear (&thread->lock);
  g_free (thread);
}

static GSourceFuncs il_executor_thread_funcs = {
  .dispatch = il_executor_thread_dispatch,
};

static gboolean
il_executor_thread_done (IlExecutorThread *thread)
{
  gboolean quit;

  g_mutex_lock (&thread->lock);
  quit = thread->quit;
  g_mutex_unlock (&thread->lock);

  return quit && g_atomic_int_get (&thread->n_services) == 0;
}

static gpointer
il_executor_thread_main (gpointer data)
{
  IlExecutorThread *thread = data;

  g_main_context_push_thread_default (thread->context);
  g_main_context_acquire (thread->context);

  g_debug ("Executor thread %s started", thread->name);

  while (!il_executor_thread_done (thread))
    g_main_context_iteration (thread->context, TRUE);

  g_debug ("Executor thread %s finished", thread->name);

  g_source_destroy (thread->source);
  g_main_context_release (thread->context);
  g_main_context_pop_thread_default (thread->context);
  il_executor_thread_unref (thread);

  return NULL;
}

static IlExecutorThread *
il_executor_thread_new (guint index)
{
  IlExecutorThread *thread;
  GThread *gthread;

  thread = g_new0 (IlExecutorThread, 1);
  thread->ref_count = 1;
  g_mutex_init (&thread->lock);
  thread->ready = g_ptr_array_new_with_free_func ((GDestroyNotify) il_runner_unref);
  thread->running = g_ptr_array_new_with_free_func ((GDestroyNotify) il_runner_unref);
  thread->context = g_main_context_new ();
  thread->name = g_strdup_printf ("il-executor-%u", index);

  thread->source = g_source_new (&il_executor_thread_funcs,
                                 sizeof (IlExecutorSource));
  ((IlExecutorSource *) thread->source)->thread = thread;
  g_source_set_static_name (thread->source, "[interlink] executor");
  g_source_attach (thread->source, thread->context);

  /* One reference for the executor, one for the thread. */
  gthread = g_thread_new (thread->name, il_executor_thread_main,
                          il_executor_thread_ref (thread));
  g_thread_unref (gthread);

  return thread;
}

static void
il_executor_thread_release (IlExecutorThread *thread)
{
  g_mutex_lock (&thread->lock);
  thread->quit = TRUE;
  g_mutex_unlock (&thread->lock);

  g_main_context_wakeup (thread->context);
  il_executor_thread_unref (thread);
}

IlExecutorThread *
il_executor_pick_thread (IlExecutor *self)
{
  guint index = (guint) g_atomic_int_add ((gint *) &self->next_thread, 1);

  return self->threads[index % self->n_threads];
}

GMainContext *
il_executor_thread_get_context (IlExecutorThread *thread)
{
  return thread->context;
}

const char *
il_executor_thread_get_name (IlExecutorThread *thread)
{
  return thread->name;
}

/* Connects a new runner: the mailbox wakes it through the thread's ready
 * queue.
 */
void
il_executor_thread_attach (IlExecutorThread *thread,
                           IlRunner         *runner,
                           IlMailbox        *mailbox)
{
  *il_runner_get_slot (runner) = thread;
  g_atomic_int_inc (&thread->n_services);

  il_mailbox_attach (mailbox, il_executor_thread_wake,
                     il_runner_ref (runner), (GDestroyNotify) il_runner_unref,
                     thread->context, TRUE);
}

static void
il_executor_constructed (GObject *object)
{
  IlExecutor *self = IL_EXECUTOR (object);
  guint i;

  G_OBJECT_CLASS (il_executor_parent_class)->constructed (object);

  if (self->n_threads == 0)
    self->n_threads = g_get_num_processors ();

  self->threads = g_new0 (IlExecutorThread *, self->n_threads);
  for (i = 0; i < self->n_threads; i++)
    self->threads[i] = il_executor_thread_new (i);

  g_debug ("Executor %p started with %u threads", (void *) self,
           self->n_threads);
}

static void
il_executor_finalize (GObject *object)
{
  IlExecutor *self = IL_EXECUTOR (object);
  guint i;

  /* Threads never get joined here: a thread may be running a handler
   * that waits for a lock the caller holds (Python's GIL, for one).
   */
  for (i = 0; i < self->n_threads; i++)
    il_executor_thread_release (self->threads[i]);
  g_free (self->threads);

  G_OBJECT_CLASS (il_executor_parent_class)->finalize (object);
}

static void
il_executor_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  IlExecutor *self = IL_EXECUTOR (object);

  switch (prop_id)
    {
    case PROP_N_THREADS:
      g_value_set_uint (value, self->n_threads);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
il_executor_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  IlExecutor *self = IL_EXECUTOR (object);

  switch (prop_id)
    {
    case PROP_N_THREADS:
      self->n_threads = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
il_executor_class_init (IlExecutorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = il_executor_constructed;
  object_class->finalize = il_executor_finalize;
  object_class->get_property = il_executor_get_property;
  object_class->set_property = il_executor_set_property;

  /**
   * IlExecutor:n-threads:
   *
   * The number of threads; 0 at construction means one per processor.
   *
   * Since: 0.1
   */
  properties[PROP_N_THREADS] =
    g_param_spec_uint ("n-threads", NULL, NULL,
                       0, 1024, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
il_executor_init (IlExecutor *self)
{
}

/**
 * il_executor_new:
 * @n_threads: the number of threads, or 0 for one per processor
 *
 * Creates an executor and starts its threads.
 *
 * Returns: (transfer full): a new executor
 *
 * Since: 0.1
 */
IlExecutor *
il_executor_new (guint n_threads)
{
  g_return_val_if_fail (n_threads <= 1024, NULL);

  return g_object_new (IL_TYPE_EXECUTOR, "n-threads", n_threads, NULL);
}

/**
 * il_executor_get_n_threads:
 * @self: an executor
 *
 * Gets the number of threads of the executor.
 *
 * Returns: the number of threads
 *
 * Since: 0.1
 */
guint
il_executor_get_n_threads (IlExecutor *self)
{
  g_return_val_if_fail (IL_IS_EXECUTOR (self), 0);

  return self->n_threads;
}
