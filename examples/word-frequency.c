/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * word-frequency: counts words in text files with a pipeline of services.
 *
 * A reader service reads the files with asynchronous GIO calls on its own
 * thread and cuts the text into chunks at word boundaries. It sends the
 * chunks round-robin to several counter services, each on its own thread.
 * Each counter counts the words of a chunk and forwards the partial counts
 * to an aggregator service, which merges them. The main thread then
 * requests the merged counts from the aggregator and prints the most
 * frequent words.
 *
 * A word is a maximal run of Unicode letters (g_unichar_isalpha()), and
 * words are compared after g_utf8_casefold(). Bytes that are not valid
 * UTF-8 count as characters that are not letters.
 *
 * The example shows fire-and-forget messages (il_link_do_send()),
 * requests answered later from an asynchronous callback, a service that
 * pauses itself while it serves a request, flush barriers that rely on
 * the per-sender order of messages, and a clean shutdown of all services.
 */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <interlink-glib/interlink.h>

#define DEFAULT_INPUT_DIRECTORY "/usr/share/common-licenses"
#define DEFAULT_CHUNK_SIZE (64 * 1024)
#define MAX_CHUNK_SIZE (64 * 1024 * 1024)
/* Each counter runs on its own thread. */
#define MAX_COUNTERS 256
#define DEFAULT_TOP 20

/* Messages sent through links by any thread, for the statistics. */
static gsize messages_sent;

static gboolean
wf_do_send (IlLink     *link,
            IlMessage  *message,
            GError    **error)
{
  if (!il_link_do_send (link, message, error))
    return FALSE;

  g_atomic_pointer_add (&messages_sent, 1);
  return TRUE;
}

static void
wf_send_async (IlLink              *link,
               IlMessage           *message,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_atomic_pointer_add (&messages_sent, 1);
  il_link_send_async (link, message, cancellable, callback, user_data);
}

/*
 * Messages. Their properties are construct-only, so a message cannot
 * change once it has been sent to another thread.
 */

/* WfReadFilesMessage: a request to read the files in "paths" and send
 * their text to the counters. The reply is a GVariant of type
 * "(ttt)": the number of files, bytes and chunks. It arrives once every
 * counter has forwarded the counts of its chunks to the aggregator. */

#define WF_TYPE_READ_FILES_MESSAGE (wf_read_files_message_get_type ())
G_DECLARE_FINAL_TYPE (WfReadFilesMessage, wf_read_files_message, WF, READ_FILES_MESSAGE, IlMessage)

struct _WfReadFilesMessage
{
  IlMessage parent_instance;

  char **paths;
};

G_DEFINE_FINAL_TYPE (WfReadFilesMessage, wf_read_files_message, IL_TYPE_MESSAGE)

enum
{
  READ_FILES_PROP_PATHS = 1,
  READ_FILES_N_PROPS
};

static GParamSpec *read_files_props[READ_FILES_N_PROPS];

static void
wf_read_files_message_finalize (GObject *object)
{
  WfReadFilesMessage *self = WF_READ_FILES_MESSAGE (object);

  g_strfreev (self->paths);

  G_OBJECT_CLASS (wf_read_files_message_parent_class)->finalize (object);
}

static void
wf_read_files_message_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  WfReadFilesMessage *self = WF_READ_FILES_MESSAGE (object);

  switch (prop_id)
    {
    case READ_FILES_PROP_PATHS:
      g_value_set_boxed (value, self->paths);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
wf_read_files_message_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  WfReadFilesMessage *self = WF_READ_FILES_MESSAGE (object);

  switch (prop_id)
    {
    case READ_FILES_PROP_PATHS:
      g_strfreev (self->paths);
      self->paths = g_value_dup_boxed (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
wf_read_files_message_class_init (WfReadFilesMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wf_read_files_message_finalize;
  object_class->get_property = wf_read_files_message_get_property;
  object_class->set_property = wf_read_files_message_set_property;

  read_files_props[READ_FILES_PROP_PATHS] =
    g_param_spec_boxed ("paths", NULL, NULL,
                        G_TYPE_STRV,
                        G_PARAM_READWRITE |
                        G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class,
                                     READ_FILES_N_PROPS,
                                     read_files_props);

  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_VARIANT);
}

static void
wf_read_files_message_init (WfReadFilesMessage *self)
{
}

/* WfChunkMessage: a piece of text that starts and ends at word
 * boundaries, in valid UTF-8. It gets no reply. */

#define WF_TYPE_CHUNK_MESSAGE (wf_chunk_message_get_type ())
G_DECLARE_FINAL_TYPE (WfChunkMessage, wf_chunk_message, WF, CHUNK_MESSAGE, IlMessage)

struct _WfChunkMessage
{
  IlMessage parent_instance;

  char *text;
};

G_DEFINE_FINAL_TYPE (WfChunkMessage, wf_chunk_message, IL_TYPE_MESSAGE)

enum
{
  CHUNK_PROP_TEXT = 1,
  CHUNK_N_PROPS
};

static GParamSpec *chunk_props[CHUNK_N_PROPS];

static void
wf_chunk_message_finalize (GObject *object)
{
  WfChunkMessage *self = WF_CHUNK_MESSAGE (object);

  g_free (self->text);

  G_OBJECT_CLASS (wf_chunk_message_parent_class)->finalize (object);
}

static void
wf_chunk_message_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  WfChunkMessage *self = WF_CHUNK_MESSAGE (object);

  switch (prop_id)
    {
    case CHUNK_PROP_TEXT:
      g_value_set_string (value, self->text);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
wf_chunk_message_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  WfChunkMessage *self = WF_CHUNK_MESSAGE (object);

  switch (prop_id)
    {
    case CHUNK_PROP_TEXT:
      g_free (self->text);
      self->text = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
wf_chunk_message_class_init (WfChunkMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wf_chunk_message_finalize;
  object_class->get_property = wf_chunk_message_get_property;
  object_class->set_property = wf_chunk_message_set_property;

  chunk_props[CHUNK_PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class,
                                     CHUNK_N_PROPS,
                                     chunk_props);
}

static void
wf_chunk_message_init (WfChunkMessage *self)
{
}

/* WfPartialCountsMessage: the word counts of one chunk, in "counts", a
 * GHashTable that maps case-folded words (char *) to counts (gsize *).
 * The table is not changed after it has been put in the message. It gets
 * no reply. */

#define WF_TYPE_PARTIAL_COUNTS_MESSAGE (wf_partial_counts_message_get_type ())
G_DECLARE_FINAL_TYPE (WfPartialCountsMessage, wf_partial_counts_message, WF, PARTIAL_COUNTS_MESSAGE, IlMessage)

struct _WfPartialCountsMessage
{
  IlMessage parent_instance;

  GHashTable *counts;
};

G_DEFINE_FINAL_TYPE (WfPartialCountsMessage, wf_partial_counts_message, IL_TYPE_MESSAGE)

enum
{
  PARTIAL_COUNTS_PROP_COUNTS = 1,
  PARTIAL_COUNTS_N_PROPS
};

static GParamSpec *partial_counts_props[PARTIAL_COUNTS_N_PROPS];

static void
wf_partial_counts_message_finalize (GObject *object)
{
  WfPartialCountsMessage *self = WF_PARTIAL_COUNTS_MESSAGE (object);

  g_clear_pointer (&self->counts, g_hash_table_unref);

  G_OBJECT_CLASS (wf_partial_counts_message_parent_class)->finalize (object);
}

static void
wf_partial_counts_message_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  WfPartialCountsMessage *self = WF_PARTIAL_COUNTS_MESSAGE (object);

  switch (prop_id)
    {
    case PARTIAL_COUNTS_PROP_COUNTS:
      g_value_set_boxed (value, self->counts);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
wf_partial_counts_message_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  WfPartialCountsMessage *self = WF_PARTIAL_COUNTS_MESSAGE (object);

  switch (prop_id)
    {
    case PARTIAL_COUNTS_PROP_COUNTS:
      g_clear_pointer (&self->counts, g_hash_table_unref);
      self->counts = g_value_dup_boxed (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
wf_partial_counts_message_class_init (WfPartialCountsMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wf_partial_counts_message_finalize;
  object_class->get_property = wf_partial_counts_message_get_property;
  object_class->set_property = wf_partial_counts_message_set_property;

  partial_counts_props[PARTIAL_COUNTS_PROP_COUNTS] =
    g_param_spec_boxed ("counts", NULL, NULL,
                        G_TYPE_HASH_TABLE,
                        G_PARAM_READWRITE |
                        G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class,
                                     PARTIAL_COUNTS_N_PROPS,
                                     partial_counts_props);
}

static void
wf_partial_counts_message_init (WfPartialCountsMessage *self)
{
}

/* WfFlushMessage: a barrier. Sent to a counter, its reply arrives once the
 * aggregator has merged the counts of every chunk that the counter
 * handled before the flush. Sent to the aggregator, its reply arrives once
 * the aggregator has merged every partial count that the same sender sent
 * before it. The reply carries no value. */

#define WF_TYPE_FLUSH_MESSAGE (wf_flush_message_get_type ())
G_DECLARE_FINAL_TYPE (WfFlushMessage, wf_flush_message, WF, FLUSH_MESSAGE, IlMessage)

struct _WfFlushMessage
{
  IlMessage parent_instance;
};

G_DEFINE_FINAL_TYPE (WfFlushMessage, wf_flush_message, IL_TYPE_MESSAGE)

static void
wf_flush_message_class_init (WfFlushMessageClass *klass)
{
}

static void
wf_flush_message_init (WfFlushMessage *self)
{
}

/* WfGetCountsMessage: a request for the aggregator's merged counts. The
 * reply is a GVariant of type "a(st)", sorted by count (largest first) and
 * then by word in byte order. */

#define WF_TYPE_GET_COUNTS_MESSAGE (wf_get_counts_message_get_type ())
G_DECLARE_FINAL_TYPE (WfGetCountsMessage, wf_get_counts_message, WF, GET_COUNTS_MESSAGE, IlMessage)

struct _WfGetCountsMessage
{
  IlMessage parent_instance;
};

G_DEFINE_FINAL_TYPE (WfGetCountsMessage, wf_get_counts_message, IL_TYPE_MESSAGE)

static void
wf_get_counts_message_class_init (WfGetCountsMessageClass *klass)
{
  il_message_class_set_response_type (IL_MESSAGE_CLASS (klass), G_TYPE_VARIANT);
}

static void
wf_get_counts_message_init (WfGetCountsMessage *self)
{
}

/*
 * Word counting, shared by the counter and the aggregator.
 */

/* Returns a table that maps words (char *) to counts (gsize *). */
static GHashTable *
word_counts_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
word_counts_add (GHashTable *counts,
                 const char *word,
                 gsize       count)
{
  gsize *stored_count = g_hash_table_lookup (counts, word);

  if (stored_count != NULL)
    {
      *stored_count += count;
    }
  else
    {
      stored_count = g_new (gsize, 1);
      *stored_count = count;
      g_hash_table_insert (counts, g_strdup (word), stored_count);
    }
}

static void
word_counts_add_folded (GHashTable *counts,
                        const char *word,
                        gssize      length)
{
  g_autofree char *folded = g_utf8_casefold (word, length);

  word_counts_add (counts, folded, 1);
}

/* Counts the words of @text, which must be valid UTF-8. */
static GHashTable *
count_words (const char *text)
{
  GHashTable *counts = word_counts_new ();
  const char *word_start = NULL;
  const char *p;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_isalpha (g_utf8_get_char (p)))
        {
          if (word_start == NULL)
            word_start = p;
        }
      else if (word_start != NULL)
        {
          word_counts_add_folded (counts, word_start, p - word_start);
          word_start = NULL;
        }
    }

  if (word_start != NULL)
    word_counts_add_folded (counts, word_start, p - word_start);

  return counts;
}

/*
 * The aggregator service: merges partial counts and returns the result.
 */

#define WF_TYPE_AGGREGATOR_SERVICE (wf_aggregator_service_get_type ())
G_DECLARE_FINAL_TYPE (WfAggregatorService, wf_aggregator_service, WF, AGGREGATOR_SERVICE, IlService)

struct _WfAggregatorService
{
  IlService parent_instance;

  /* Only used on the service's thread. */
  GHashTable *counts;
};

G_DEFINE_FINAL_TYPE (WfAggregatorService, wf_aggregator_service, IL_TYPE_SERVICE)

typedef struct
{
  const char *word;
  gsize count;
} WordCount;

static int
compare_word_counts (gconstpointer a,
                     gconstpointer b)
{
  const WordCount *word_count_a = a;
  const WordCount *word_count_b = b;

  if (word_count_a->count != word_count_b->count)
    return word_count_a->count > word_count_b->count ? -1 : 1;

  return strcmp (word_count_a->word, word_count_b->word);
}

static void
wf_aggregator_service_handle_partial_counts (IlService        *service,
                                             IlMessage        *message,
                                             IlServiceContext *context,
                                             IlReply          *reply)
{
  WfAggregatorService *self = WF_AGGREGATOR_SERVICE (service);
  WfPartialCountsMessage *partial = WF_PARTIAL_COUNTS_MESSAGE (message);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_hash_table_iter_init (&iter, partial->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    word_counts_add (self->counts, key, *(gsize *) value);
}

/* Messages from one sender are handled in the order they were sent, so
 * when this runs, every partial count sent before the flush by the same
 * sender has been merged. */
static void
wf_aggregator_service_handle_flush (IlService        *service,
                                    IlMessage        *message,
                                    IlServiceContext *context,
                                    IlReply          *reply)
{
  il_reply_return_value (reply, NULL);
}

static void
wf_aggregator_service_handle_get_counts (IlService        *service,
                                         IlMessage        *message,
                                         IlServiceContext *context,
                                         IlReply          *reply)
{
  WfAggregatorService *self = WF_AGGREGATOR_SERVICE (service);
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GVariant) result = NULL;
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  guint i;

  entries = g_array_sized_new (FALSE, FALSE, sizeof (WordCount),
                               g_hash_table_size (self->counts));
  g_hash_table_iter_init (&iter, self->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      WordCount entry = { key, *(gsize *) value };

      g_array_append_val (entries, entry);
    }
  g_array_sort (entries, compare_word_counts);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(st)"));
  for (i = 0; i < entries->len; i++)
    {
      const WordCount *entry = &g_array_index (entries, WordCount, i);

      g_variant_builder_add (&builder, "(st)", entry->word, (guint64) entry->count);
    }
  result = g_variant_ref_sink (g_variant_builder_end (&builder));

  il_reply_return_variant (reply, result);
}

static void
wf_aggregator_service_finalize (GObject *object)
{
  WfAggregatorService *self = WF_AGGREGATOR_SERVICE (object);

  g_clear_pointer (&self->counts, g_hash_table_unref);

  G_OBJECT_CLASS (wf_aggregator_service_parent_class)->finalize (object);
}

static void
wf_aggregator_service_class_init (WfAggregatorServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  object_class->finalize = wf_aggregator_service_finalize;

  il_service_class_add_handler (service_class,
                                WF_TYPE_PARTIAL_COUNTS_MESSAGE,
                                wf_aggregator_service_handle_partial_counts);
  il_service_class_add_handler (service_class,
                                WF_TYPE_FLUSH_MESSAGE,
                                wf_aggregator_service_handle_flush);
  il_service_class_add_handler (service_class,
                                WF_TYPE_GET_COUNTS_MESSAGE,
                                wf_aggregator_service_handle_get_counts);
}

static void
wf_aggregator_service_init (WfAggregatorService *self)
{
  self->counts = word_counts_new ();
}

/*
 * The counter service: counts the words of each chunk and forwards the
 * counts to the aggregator.
 */

#define WF_TYPE_COUNTER_SERVICE (wf_counter_service_get_type ())
G_DECLARE_FINAL_TYPE (WfCounterService, wf_counter_service, WF, COUNTER_SERVICE, IlService)

struct _WfCounterService
{
  IlService parent_instance;

  /* Set by wf_counter_service_new() and not changed afterwards. */
  IlLink *aggregator_link;

  /* The first error from forwarding counts, returned to the next flush.
   * Only used on the service's thread. */
  GError *forward_error;
};

G_DEFINE_FINAL_TYPE (WfCounterService, wf_counter_service, IL_TYPE_SERVICE)

static void
wf_counter_service_handle_chunk (IlService        *service,
                                 IlMessage        *message,
                                 IlServiceContext *context,
                                 IlReply          *reply)
{
  WfCounterService *self = WF_COUNTER_SERVICE (service);
  WfChunkMessage *chunk = WF_CHUNK_MESSAGE (message);
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(WfPartialCountsMessage) partial = NULL;
  g_autoptr(GError) error = NULL;

  counts = count_words (chunk->text);
  if (g_hash_table_size (counts) == 0)
    return;

  partial = g_object_new (WF_TYPE_PARTIAL_COUNTS_MESSAGE, "counts", counts, NULL);
  if (!wf_do_send (self->aggregator_link, IL_MESSAGE (partial), &error) &&
      self->forward_error == NULL)
    {
      g_prefix_error (&error, "Failed to forward word counts to the aggregator: ");
      self->forward_error = g_steal_pointer (&error);
    }
}

/* Completes a flush request once the aggregator has handled the flush
 * that the counter sent it. Runs on the counter's thread, because that
 * was the thread-default main context when the flush was sent. */
static void
on_aggregator_flushed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(IlReply) reply = user_data;
  g_autoptr(GError) error = NULL;
  GValue *value;

  value = il_link_send_finish (IL_LINK (source), result, &error);
  if (error != NULL)
    {
      g_prefix_error (&error, "Failed to flush the aggregator: ");
      il_reply_take_error (reply, g_steal_pointer (&error));
      return;
    }

  /* A flush has no response value, so value is NULL. */
  if (value != NULL)
    g_boxed_free (G_TYPE_VALUE, value);

  il_reply_return_value (reply, NULL);
}

/* Every chunk sent to this counter before the flush has been handled,
 * and its counts were sent to the aggregator from this thread. A flush
 * sent to the aggregator from this thread is handled after all of them,
 * so its reply means that they have all been merged. */
static void
wf_counter_service_handle_flush (IlService        *service,
                                 IlMessage        *message,
                                 IlServiceContext *context,
                                 IlReply          *reply)
{
  WfCounterService *self = WF_COUNTER_SERVICE (service);
  g_autoptr(WfFlushMessage) flush = NULL;

  if (self->forward_error != NULL)
    {
      il_reply_return_error (reply, self->forward_error);
      return;
    }

  flush = g_object_new (WF_TYPE_FLUSH_MESSAGE, NULL);
  wf_send_async (self->aggregator_link, IL_MESSAGE (flush), NULL,
                 on_aggregator_flushed, g_object_ref (reply));
}

static void
wf_counter_service_finalize (GObject *object)
{
  WfCounterService *self = WF_COUNTER_SERVICE (object);

  g_clear_object (&self->aggregator_link);
  g_clear_error (&self->forward_error);

  G_OBJECT_CLASS (wf_counter_service_parent_class)->finalize (object);
}

static void
wf_counter_service_class_init (WfCounterServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  object_class->finalize = wf_counter_service_finalize;

  il_service_class_add_handler (service_class,
                                WF_TYPE_CHUNK_MESSAGE,
                                wf_counter_service_handle_chunk);
  il_service_class_add_handler (service_class,
                                WF_TYPE_FLUSH_MESSAGE,
                                wf_counter_service_handle_flush);
}

static void
wf_counter_service_init (WfCounterService *self)
{
}

static WfCounterService *
wf_counter_service_new (IlLink *aggregator_link)
{
  WfCounterService *self = g_object_new (WF_TYPE_COUNTER_SERVICE, NULL);

  self->aggregator_link = g_object_ref (aggregator_link);

  return self;
}

/*
 * The reader service: reads files and sends their text to the counters
 * in chunks that start and end at word boundaries.
 */

#define WF_TYPE_READER_SERVICE (wf_reader_service_get_type ())
G_DECLARE_FINAL_TYPE (WfReaderService, wf_reader_service, WF, READER_SERVICE, IlService)

struct _WfReaderService
{
  IlService parent_instance;

  /* Set by wf_reader_service_new() and not changed afterwards. */
  GPtrArray *counter_links;
  gsize chunk_size;

  /* State of the WfReadFilesMessage being served. The reply is NULL when
   * no request is being served. Only used on the service's thread. */
  IlReply *reply;
  IlServiceContext *context;
  GCancellable *cancellable;
  char **paths;
  guint path_index;
  GInputStream *stream;
  guint next_counter;
  guint64 n_bytes;
  guint64 n_chunks;
  guint pending_flushes;
  GError *flush_error;

  /* Bytes read from the current file and not sent yet. The first
   * scan_offset bytes have been classified, and the first cut_offset of
   * those end just after a character that is not a letter, so a chunk may
   * end there. */
  GByteArray *pending;
  gsize scan_offset;
  gsize cut_offset;
};

G_DEFINE_FINAL_TYPE (WfReaderService, wf_reader_service, IL_TYPE_SERVICE)

static void wf_reader_service_open_next_file (WfReaderService *self);

/* Completes the request being served with @error (transfer full), or with
 * the statistics when @error is NULL, and resumes message dispatch. */
static void
wf_reader_service_finish_request (WfReaderService *self,
                                  GError          *error)
{
  g_autoptr(IlReply) reply = g_steal_pointer (&self->reply);
  g_autoptr(IlServiceContext) context = g_steal_pointer (&self->context);

  if (error != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      il_reply_take_error (reply, error);
    }
  else
    {
      g_autoptr(GVariant) stats = NULL;

      stats = g_variant_ref_sink (g_variant_new ("(ttt)",
                                                 (guint64) g_strv_length (self->paths),
                                                 self->n_bytes,
                                                 self->n_chunks));
      il_reply_return_variant (reply, stats);
    }

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->paths, g_strfreev);
  g_clear_object (&self->stream);
  g_clear_pointer (&self->pending, g_byte_array_unref);
  g_clear_error (&self->flush_error);

  il_service_context_resume (context);
}

static void
wf_reader_service_fail (WfReaderService *self,
                        GError          *error,
                        const char      *action)
{
  g_autofree char *display_name = NULL;

  display_name = g_filename_display_name (self->paths[self->path_index]);
  g_prefix_error (&error, "Failed to %s “%s”: ", action, display_name);
  wf_reader_service_finish_request (self, error);
}

/* Sends the first @length bytes of the pending text to the next counter. */
static gboolean
wf_reader_service_send_chunk (WfReaderService  *self,
                              gsize             length,
                              GError          **error)
{
  g_autofree char *text = NULL;
  g_autoptr(WfChunkMessage) chunk = NULL;
  IlLink *counter_link;

  /* Invalid bytes become U+FFFD, which is not a letter. */
  text = g_utf8_make_valid ((const char *) self->pending->data, length);
  chunk = g_object_new (WF_TYPE_CHUNK_MESSAGE, "text", text, NULL);

  counter_link = g_ptr_array_index (self->counter_links, self->next_counter);
  self->next_counter = (self->next_counter + 1) % self->counter_links->len;

  if (!wf_do_send (counter_link, IL_MESSAGE (chunk), error))
    {
      g_prefix_error (error, "Failed to send a chunk to a counter: ");
      return FALSE;
    }

  self->n_chunks++;
  g_byte_array_remove_range (self->pending, 0, length);
  self->scan_offset -= length;
  self->cut_offset = 0;

  return TRUE;
}

/* Classifies the pending bytes that have not been scanned yet and moves
 * cut_offset to the end of the last character that is not a letter.
 * Invalid bytes count as single characters that are not letters. The scan
 * stops before a character whose bytes have not all been read yet. */
static void
wf_reader_service_scan_pending (WfReaderService *self)
{
  const char *data = (const char *) self->pending->data;
  gsize length = self->pending->len;

  while (self->scan_offset < length)
    {
      const char *p = data + self->scan_offset;
      gsize remaining = length - self->scan_offset;
      gunichar c = g_utf8_get_char_validated (p, remaining);
      gsize char_length;
      gboolean is_letter;

      if (c == (gunichar) -2 && remaining < (gsize) g_utf8_skip[*(const guchar *) p])
        break;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* -2 with all bytes present: a NUL byte, which GLib's UTF-8
           * functions do not accept inside a string. */
          char_length = 1;
          is_letter = FALSE;
        }
      else
        {
          char_length = g_utf8_skip[*(const guchar *) p];
          is_letter = g_unichar_isalpha (c);
        }

      self->scan_offset += char_length;
      if (!is_letter)
        self->cut_offset = self->scan_offset;
    }
}

static void
on_counter_flushed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(WfReaderService) self = user_data;
  g_autoptr(GError) error = NULL;
  GValue *value;

  value = il_link_send_finish (IL_LINK (source), result, &error);
  if (value != NULL)
    g_boxed_free (G_TYPE_VALUE, value);

  if (self->reply == NULL)
    return;

  if (error != NULL && self->flush_error == NULL)
    self->flush_error = g_steal_pointer (&error);

  self->pending_flushes--;
  if (self->pending_flushes == 0)
    wf_reader_service_finish_request (self, g_steal_pointer (&self->flush_error));
}

/* Flushes every counter after the last chunk. The chunks and the flush
 * go to each counter from this thread, so the counter handles the flush
 * after all of its chunks. */
static void
wf_reader_service_flush_counters (WfReaderService *self)
{
  guint i;

  self->pending_flushes = self->counter_links->len;
  for (i = 0; i < self->counter_links->len; i++)
    {
      g_autoptr(WfFlushMessage) flush = g_object_new (WF_TYPE_FLUSH_MESSAGE, NULL);

      wf_send_async (g_ptr_array_index (self->counter_links, i),
                     IL_MESSAGE (flush), self->cancellable,
                     on_counter_flushed, g_object_ref (self));
    }
}

static void
on_file_closed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WfReaderService) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean closed;

  closed = g_input_stream_close_finish (G_INPUT_STREAM (source), result, &error);
  if (self->reply == NULL)
    return;

  if (!closed)
    {
      wf_reader_service_fail (self, g_steal_pointer (&error), "close");
      return;
    }

  g_clear_object (&self->stream);
  self->path_index++;
  wf_reader_service_open_next_file (self);
}

static void
on_block_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WfReaderService) self = user_data;
  g_autoptr(GBytes) block = NULL;
  g_autoptr(GError) error = NULL;
  gsize block_size;

  block = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (self->reply == NULL)
    return;

  if (block == NULL)
    {
      wf_reader_service_fail (self, g_steal_pointer (&error), "read");
      return;
    }

  block_size = g_bytes_get_size (block);

  if (block_size == 0)
    {
      /* End of file, which also ends the last word. */
      if (self->pending->len > 0 &&
          !wf_reader_service_send_chunk (self, self->pending->len, &error))
        {
          wf_reader_service_finish_request (self, g_steal_pointer (&error));
          return;
        }

      g_input_stream_close_async (self->stream, G_PRIORITY_DEFAULT,
                                  self->cancellable, on_file_closed,
                                  g_object_ref (self));
      return;
    }

  self->n_bytes += block_size;
  g_byte_array_append (self->pending, g_bytes_get_data (block, NULL), block_size);
  wf_reader_service_scan_pending (self);

  /* A chunk ends after the last character that is not a letter, so no
   * word is split. The rest waits for the next block. */
  if (self->pending->len >= self->chunk_size &&
      self->cut_offset > 0 &&
      !wf_reader_service_send_chunk (self, self->cut_offset, &error))
    {
      wf_reader_service_finish_request (self, g_steal_pointer (&error));
      return;
    }

  g_input_stream_read_bytes_async (self->stream, self->chunk_size,
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   on_block_read, g_object_ref (self));
}

static void
on_file_opened (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WfReaderService) self = user_data;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = g_file_read_finish (G_FILE (source), result, &error);
  if (self->reply == NULL)
    return;

  if (stream == NULL)
    {
      wf_reader_service_fail (self, g_steal_pointer (&error), "open");
      return;
    }

  self->stream = G_INPUT_STREAM (g_steal_pointer (&stream));
  g_byte_array_set_size (self->pending, 0);
  self->scan_offset = 0;
  self->cut_offset = 0;

  g_input_stream_read_bytes_async (self->stream, self->chunk_size,
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   on_block_read, g_object_ref (self));
}

/* The GIO callbacks run on this service's thread: g_file_read_async() and
 * the other calls deliver their results to the thread-default main
 * context of the calling thread, which is the service's context. */
static void
wf_reader_service_open_next_file (WfReaderService *self)
{
  g_autoptr(GFile) file = NULL;
  const char *path = self->paths[self->path_index];

  if (path == NULL)
    {
      wf_reader_service_flush_counters (self);
      return;
    }

  file = g_file_new_for_path (path);
  g_file_read_async (file, G_PRIORITY_DEFAULT, self->cancellable,
                     on_file_opened, g_object_ref (self));
}

static void
wf_reader_service_handle_read_files (IlService        *service,
                                     IlMessage        *message,
                                     IlServiceContext *context,
                                     IlReply          *reply)
{
  WfReaderService *self = WF_READER_SERVICE (service);
  WfReadFilesMessage *read_files = WF_READ_FILES_MESSAGE (message);

  /* The request completes in later callbacks. Pausing keeps further
   * messages queued until its reply has been sent, so only one request at a
   * time uses the state below. */
  il_service_context_pause (context);

  self->reply = g_object_ref (reply);
  self->context = g_object_ref (context);
  self->cancellable = g_cancellable_new ();
  if (read_files->paths != NULL)
    self->paths = g_strdupv (read_files->paths);
  else
    self->paths = g_new0 (char *, 1);
  self->path_index = 0;
  self->n_bytes = 0;
  self->n_chunks = 0;
  self->pending = g_byte_array_new ();

  wf_reader_service_open_next_file (self);
}

/* A stop request waits behind the pause, so a request is normally
 * finished before the service stops. This covers il_service_context_stop()
 * or any other stop that does not wait.
 *
 * NOTE: the service's context is not iterated after the stop, so the
 * callback of a GIO call still running here never runs, and the reference
 * it holds on the service is never released. */
static void
wf_reader_service_stopping (IlService        *service,
                            IlServiceContext *context)
{
  WfReaderService *self = WF_READER_SERVICE (service);
  GError *error;

  if (self->reply == NULL)
    return;

  error = g_error_new_literal (IL_LINK_ERROR, IL_LINK_ERROR_CLOSED,
                               "The reader stopped before reading all files");
  wf_reader_service_finish_request (self, error);
}

static void
wf_reader_service_finalize (GObject *object)
{
  WfReaderService *self = WF_READER_SERVICE (object);

  g_clear_pointer (&self->counter_links, g_ptr_array_unref);

  G_OBJECT_CLASS (wf_reader_service_parent_class)->finalize (object);
}

static void
wf_reader_service_class_init (WfReaderServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  IlServiceClass *service_class = IL_SERVICE_CLASS (klass);

  object_class->finalize = wf_reader_service_finalize;
  service_class->stopping = wf_reader_service_stopping;

  il_service_class_add_handler (service_class,
                                WF_TYPE_READ_FILES_MESSAGE,
                                wf_reader_service_handle_read_files);
}

static void
wf_reader_service_init (WfReaderService *self)
{
}

/* @counter_links contains the IlLink of each counter. */
static WfReaderService *
wf_reader_service_new (GPtrArray *counter_links,
                       gsize      chunk_size)
{
  WfReaderService *self = g_object_new (WF_TYPE_READER_SERVICE, NULL);

  self->counter_links = g_ptr_array_ref (counter_links);
  self->chunk_size = chunk_size;

  return self;
}

/*
 * The main thread: starts the services, sends the requests, stops the
 * services and prints the result.
 */

typedef struct
{
  GMainLoop *loop;

  IlLink *reader_link;
  GPtrArray *counter_links;
  IlLink *aggregator_link;
  guint pending_stops;

  /* The first error, and the replies of the two requests. */
  GError *error;
  GVariant *read_stats;
  GVariant *counts;

  /* Monotonic times in microseconds: the start of the services and the
   * arrival of the counts. */
  gint64 start_time;
  gint64 end_time;
} WfApp;

static void
wf_app_set_error (WfApp  *app,
                  GError *error)
{
  if (app->error == NULL)
    app->error = error;
  else
    g_error_free (error);
}

/* Takes the GVariant out of a reply of a request whose response type is
 * G_TYPE_VARIANT, and checks its type. */
static GVariant *
take_variant_reply (GValue              *value,
                    const GVariantType  *expected_type,
                    GError             **error)
{
  GVariant *variant = NULL;

  if (value != NULL)
    {
      variant = g_value_dup_variant (value);
      g_boxed_free (G_TYPE_VALUE, value);
    }

  if (variant == NULL || !g_variant_is_of_type (variant, expected_type))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Expected a reply of type “%.*s”",
                   (int) g_variant_type_get_string_length (expected_type),
                   g_variant_type_peek_string (expected_type));
      g_clear_pointer (&variant, g_variant_unref);
      return NULL;
    }

  return variant;
}

static void
on_aggregator_stopped (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  WfApp *app = user_data;
  GError *error = NULL;

  if (!il_link_stop_finish (IL_LINK (source), result, &error))
    wf_app_set_error (app, error);

  g_main_loop_quit (app->loop);
}

static void
on_counter_stopped (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  WfApp *app = user_data;
  GError *error = NULL;

  if (!il_link_stop_finish (IL_LINK (source), result, &error))
    wf_app_set_error (app, error);

  app->pending_stops--;
  if (app->pending_stops > 0)
    return;

  il_link_stop_async (app->aggregator_link, NULL, on_aggregator_stopped, app);
}

static void
on_reader_stopped (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  WfApp *app = user_data;
  GError *error = NULL;
  guint i;

  if (!il_link_stop_finish (IL_LINK (source), result, &error))
    wf_app_set_error (app, error);

  app->pending_stops = app->counter_links->len;
  for (i = 0; i < app->counter_links->len; i++)
    il_link_stop_async (g_ptr_array_index (app->counter_links, i), NULL,
                        on_counter_stopped, app);
}

/* Starts the aggregator, the counters and the reader, in this order, so
 * each stage gets the links of the next one. Each service's runner keeps
 * the service alive until it stops, so only the links are kept here. */
static void
wf_app_start_services (WfApp *app,
                       guint  n_counters,
                       gsize  chunk_size)
{
  g_autoptr(WfAggregatorService) aggregator = NULL;
  g_autoptr(WfReaderService) reader = NULL;
  guint i;

  aggregator = g_object_new (WF_TYPE_AGGREGATOR_SERVICE, NULL);
  app->aggregator_link = il_service_start (IL_SERVICE (aggregator));

  app->counter_links = g_ptr_array_new_with_free_func (g_object_unref);
  for (i = 0; i < n_counters; i++)
    {
      g_autoptr(WfCounterService) counter = NULL;

      counter = wf_counter_service_new (app->aggregator_link);
      g_ptr_array_add (app->counter_links, il_service_start (IL_SERVICE (counter)));
    }

  reader = wf_reader_service_new (app->counter_links, chunk_size);
  app->reader_link = il_service_start (IL_SERVICE (reader));
}

/* Stops the services in pipeline order: the reader, then the counters,
 * then the aggregator. A stop request is queued after the messages sent
 * before it, so each service still handles what it was sent, and its
 * messages to the next stage find that stage running. */
static void
wf_app_stop_services (WfApp *app)
{
  il_link_stop_async (app->reader_link, NULL, on_reader_stopped, app);
}

static void
on_counts_received (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  WfApp *app = user_data;
  GError *error = NULL;
  GValue *value;

  app->end_time = g_get_monotonic_time ();

  value = il_link_send_finish (IL_LINK (source), result, &error);
  if (error == NULL)
    app->counts = take_variant_reply (value, G_VARIANT_TYPE ("a(st)"), &error);

  if (error != NULL)
    {
      g_prefix_error (&error, "Failed to get the word counts: ");
      wf_app_set_error (app, error);
    }

  wf_app_stop_services (app);
}

/* The reader replies only after every counter has flushed its counts to
 * the aggregator, so the aggregator has merged all counts by now. */
static void
on_files_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  WfApp *app = user_data;
  g_autoptr(WfGetCountsMessage) get_counts = NULL;
  GError *error = NULL;
  GValue *value;

  value = il_link_send_finish (IL_LINK (source), result, &error);
  if (error == NULL)
    app->read_stats = take_variant_reply (value, G_VARIANT_TYPE ("(ttt)"), &error);

  if (error != NULL)
    {
      wf_app_set_error (app, error);
      wf_app_stop_services (app);
      return;
    }

  get_counts = g_object_new (WF_TYPE_GET_COUNTS_MESSAGE, NULL);
  wf_send_async (app->aggregator_link, IL_MESSAGE (get_counts), NULL,
                 on_counts_received, app);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  const char * const *path_a = a;
  const char * const *path_b = b;

  return strcmp (*path_a, *path_b);
}

/* Lists the regular files in @directory_path, following symbolic links,
 * sorted by name. Directories and other file types are skipped. */
static char **
list_regular_files (const char  *directory_path,
                    GError     **error)
{
  g_autoptr(GFile) directory = g_file_new_for_path (directory_path);
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  enumerator = g_file_enumerate_children (directory,
                                          G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                          G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                          G_FILE_QUERY_INFO_NONE,
                                          NULL, error);
  if (enumerator == NULL)
    return NULL;

  while (TRUE)
    {
      GFileInfo *info;

      if (!g_file_enumerator_iterate (enumerator, &info, NULL, NULL, error))
        return NULL;
      if (info == NULL)
        break;

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR)
        g_ptr_array_add (paths, g_build_filename (directory_path,
                                                  g_file_info_get_name (info),
                                                  NULL));
    }

  g_ptr_array_sort (paths, compare_paths);
  g_ptr_array_add (paths, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&paths), FALSE);
}

static void
print_tsv (GVariant *counts)
{
  GVariantIter iter;
  const char *word;
  guint64 count;
  guint64 total = 0;

  g_variant_iter_init (&iter, counts);
  while (g_variant_iter_next (&iter, "(&st)", &word, &count))
    {
      printf ("%s\t%" G_GUINT64_FORMAT "\n", word, count);
      total += count;
    }

  /* Words contain only letters, so this line cannot be a word's line. */
  printf ("#total\t%" G_GUINT64_FORMAT "\n", total);
}

static void
print_summary (WfApp *app,
               guint  n_counters,
               gsize  chunk_size,
               int    top)
{
  GVariantIter iter;
  const char *word;
  guint64 count;
  guint64 total = 0;
  guint64 n_files;
  guint64 n_bytes;
  guint64 n_chunks;
  gsize n_distinct;
  gsize n_messages;
  double elapsed_seconds;
  gsize i = 0;

  g_variant_get (app->read_stats, "(ttt)", &n_files, &n_bytes, &n_chunks);
  n_distinct = g_variant_n_children (app->counts);
  n_messages = g_atomic_pointer_get (&messages_sent);
  elapsed_seconds = (app->end_time - app->start_time) / (double) G_USEC_PER_SEC;

  printf ("Top %" G_GSIZE_FORMAT " words:\n", MIN ((gsize) top, n_distinct));
  g_variant_iter_init (&iter, app->counts);
  while (g_variant_iter_next (&iter, "(&st)", &word, &count))
    {
      if (i < (gsize) top)
        printf ("%12" G_GUINT64_FORMAT "  %s\n", count, word);
      total += count;
      i++;
    }

  printf ("\n");
  printf ("Files:            %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " bytes)\n",
          n_files, n_bytes);
  printf ("Words:            %" G_GUINT64_FORMAT "\n", total);
  printf ("Distinct words:   %" G_GSIZE_FORMAT "\n", n_distinct);
  printf ("Counters:         %u\n", n_counters);
  printf ("Chunks:           %" G_GUINT64_FORMAT " (chunk size %" G_GSIZE_FORMAT " bytes)\n",
          n_chunks, chunk_size);
  printf ("Messages sent:    %" G_GSIZE_FORMAT "\n", n_messages);
  printf ("Elapsed:          %.3f s\n", elapsed_seconds);
  if (elapsed_seconds > 0)
    printf ("Messages/second:  %.0f\n", n_messages / elapsed_seconds);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WfReadFilesMessage) read_files = NULL;
  g_auto(GStrv) input_paths = NULL;
  g_auto(GStrv) paths = NULL;
  int n_counters = MAX (2, (int) g_get_num_processors ());
  int top = DEFAULT_TOP;
  int chunk_size = DEFAULT_CHUNK_SIZE;
  gboolean tsv = FALSE;
  WfApp app = { 0 };
  const GOptionEntry entries[] = {
    { "counters", 'c', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &n_counters,
      "Number of counter services (default: number of CPUs, at least 2)", "N" },
    { "top", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &top,
      "Number of most frequent words to print (default: 20)", "N" },
    { "chunk-size", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &chunk_size,
      "Approximate size of a chunk and size of each read, in bytes "
      "(default: 65536). Chunks end between words, so their sizes vary", "BYTES" },
    { "tsv", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &tsv,
      "Print every word and its count, tab-separated, sorted by count and "
      "then by word, followed by a “#total” line", NULL },
    { G_OPTION_REMAINING, 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME_ARRAY, &input_paths,
      NULL, "[FILE…]" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");

  option_context = g_option_context_new ("— count the words in text files");
  g_option_context_set_summary (option_context,
                                "Counts words with a reader service, several counter "
                                "services and an aggregator service. A word is a run of Unicode letters, "
                                "compared case-folded.\n"
                                "Without FILE, reads every regular file in "
                                DEFAULT_INPUT_DIRECTORY ".");
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, &argc, &argv, &error))
    {
      g_printerr ("word-frequency: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (n_counters < 1 || n_counters > MAX_COUNTERS)
    {
      g_printerr ("word-frequency: Invalid value %d for --counters: expected 1 to %d\n",
                  n_counters, MAX_COUNTERS);
      return EXIT_FAILURE;
    }
  if (chunk_size < 1 || chunk_size > MAX_CHUNK_SIZE)
    {
      g_printerr ("word-frequency: Invalid value %d for --chunk-size: expected 1 to %d bytes\n",
                  chunk_size, MAX_CHUNK_SIZE);
      return EXIT_FAILURE;
    }
  if (top < 0)
    {
      g_printerr ("word-frequency: Invalid value %d for --top: expected 0 or more\n", top);
      return EXIT_FAILURE;
    }

  if (input_paths != NULL && input_paths[0] != NULL)
    {
      paths = g_steal_pointer (&input_paths);
    }
  else
    {
      paths = list_regular_files (DEFAULT_INPUT_DIRECTORY, &error);
      if (paths == NULL)
        {
          g_printerr ("word-frequency: Failed to list the files in %s: %s\n",
                      DEFAULT_INPUT_DIRECTORY, error->message);
          return EXIT_FAILURE;
        }
    }

  app.loop = g_main_loop_new (NULL, FALSE);
  app.start_time = g_get_monotonic_time ();
  wf_app_start_services (&app, n_counters, chunk_size);

  read_files = g_object_new (WF_TYPE_READ_FILES_MESSAGE, "paths", paths, NULL);
  wf_send_async (app.reader_link, IL_MESSAGE (read_files), NULL, on_files_read, &app);

  g_main_loop_run (app.loop);

  if (app.error == NULL)
    {
      if (tsv)
        print_tsv (app.counts);
      else
        print_summary (&app, n_counters, chunk_size, top);
    }

  g_clear_object (&app.reader_link);
  g_clear_pointer (&app.counter_links, g_ptr_array_unref);
  g_clear_object (&app.aggregator_link);
  g_clear_pointer (&app.read_stats, g_variant_unref);
  g_clear_pointer (&app.counts, g_variant_unref);
  g_main_loop_unref (app.loop);

  if (app.error != NULL)
    {
      g_printerr ("word-frequency: %s\n", app.error->message);
      g_error_free (app.error);
      return EXIT_FAILURE;
    }

  if (fflush (stdout) != 0)
    {
      g_printerr ("word-frequency: Failed to write the output\n");
      return EXIT_FAILURE;
    }

  return EXIT_SUCCESS;
}
