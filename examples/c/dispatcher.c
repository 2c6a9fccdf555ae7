/* dispatcher.c: the design of the dispatcher/worker walk-through, ported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * "Handling 1 million requests per minute": requests carry payloads, each
 * payload becomes a job in a bounded queue (MAX_QUEUE) in front of a fixed
 * number of workers (MAX_WORKERS), and each worker uploads its payload. The
 * upload goes to a local file sink instead of S3: a temporary directory
 * with one file per payload, verified at the end.
 *
 *   Go                                      here
 *   MAX_WORKERS, MAX_QUEUE (os.Getenv)      the same environment variables
 *   JobQueue = make(chan Job, MaxQueue)     the pod's max-queued
 *   NewDispatcher(MaxWorker).Run(): the     gopod_pod_new (MAX_WORKERS) +
 *   WorkerPool chan chan Job, a goroutine   gopod_pod_start (): the pod
 *   per worker and the dispatch loop        hands each job to a free worker
 *   JobQueue <- work  (blocks when full)    gopod_pod_add_job (), which
 *                                           blocks while the queue is full
 *   Payload.UploadToS3()                    upload (), in a worker thread
 *   log.Errorf("Error uploading to S3")     the same line; the job FAILS
 *   Worker.Stop()                           gopod_pod_shutdown (): DRAIN
 *                                           uploads what is queued, DISCARD
 *                                           (--discard) drops it, and every
 *                                           payload is still accounted for
 *
 *   MAX_WORKERS=4 MAX_QUEUE=16 dispatcher [--requests 10] [--payloads 10]
 *       [--upload-ms 50] [--fail ID] [--discard] [--keep]
 */

#include <pod-glib.h>

static guint upload_ms = 50;

static int active;
static int peak;

static void
note_start (void)
{
  int now = g_atomic_int_add (&active, 1) + 1;
  int seen = g_atomic_int_get (&peak);

  while (now > seen && !g_atomic_int_compare_and_exchange (&peak, seen, now))
    seen = g_atomic_int_get (&peak);
}

/* --- the payload: what one job uploads ------------------------------------ */

static char *
payload_contents (guint id)
{
  return g_strdup_printf ("{\"id\": %u, \"data\": \"payload number %u\"}\n", id, id);
}

static GFile *
payload_file (GFile *sink,
              guint  id)
{
  g_autofree char *name = g_strdup_printf ("payload-%04u.json", id);

  return g_file_get_child (sink, name);
}

typedef struct
{
  guint  id;
  GFile *sink;
} Payload;

static void
payload_free (gpointer data)
{
  Payload *payload = data;

  g_object_unref (payload->sink);
  g_free (payload);
}

/* Payload.UploadToS3(), in a worker thread: some latency, then the write.
 * Like an S3 PUT without a context, the latency is not cancellable; the
 * write is. */
static gboolean
upload (GopodJob      *job,
        GCancellable  *cancellable,
        gpointer       user_data,
        GError       **error)
{
  Payload *payload = user_data;
  g_autoptr(GFile) file = payload_file (payload->sink, payload->id);
  g_autofree char *contents = payload_contents (payload->id);
  gboolean ok;

  note_start ();
  g_usleep ((gulong) upload_ms * 1000);
  ok = g_file_replace_contents (file, contents, strlen (contents), NULL, FALSE,
                                G_FILE_CREATE_NONE, NULL, cancellable, error);
  g_atomic_int_add (&active, -1);

  if (!ok && g_cancellable_is_cancelled (cancellable))
    /* A cancelled PUT leaves no object behind: drop what was written. */
    g_file_delete (file, NULL, NULL);
  else if (!ok)
    g_printerr ("Error uploading to S3: %s\n", (*error)->message);
  return ok;
}

/* --- the sink: counts and checks what was uploaded ----------------------- */

/* Every file in @sink must be a payload, byte for byte. Returns how many
 * are; *bad counts the others. */
static guint
verify_sink (GFile *sink,
             guint  n_payloads,
             guint *bad)
{
  guint good = 0;

  *bad = 0;
  for (guint id = 1; id <= n_payloads; id++)
    {
      g_autoptr(GFile) file = payload_file (sink, id);
      g_autofree char *expected = payload_contents (id);
      g_autofree char *contents = NULL;

      if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_REGULAR)
        continue;
      if (g_file_load_contents (file, NULL, &contents, NULL, NULL, NULL) &&
          g_str_equal (contents, expected))
        good++;
      else
        (*bad)++;
    }

  return good;
}

static void
remove_sink (GFile *sink)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;
  GFile *child;

  children = g_file_enumerate_children (sink, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL &&
         g_file_enumerator_iterate (children, &info, &child, NULL, NULL) && info != NULL)
    g_file_delete (child, NULL, NULL);
  g_file_delete (sink, NULL, NULL);
}

/* --- the dispatcher ------------------------------------------------------ */

/* MAX_WORKERS and MAX_QUEUE: a positive number, or @fallback when unset. */
static gboolean
read_env (const char  *name,
          guint        fallback,
          guint       *value,
          GError     **error)
{
  const char *text = g_getenv (name);
  guint64 number;

  if (text == NULL || *text == '\0')
    {
      *value = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 1, 10000, &number, error))
    {
      g_prefix_error (error, "%s: ", name);
      return FALSE;
    }
  *value = (guint) number;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GopodPod) pod = NULL;
  g_autoptr(GFile) sink = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sink_path = NULL;
  int n_requests = 10, per_request = 10, upload_arg = 50, fail_id = 0;
  gboolean discard = FALSE, keep = FALSE;
  guint max_workers, max_queue, peak_queued = 0, id = 0, total, good, bad;
  guint64 ended;
  GOptionEntry entries[] = {
    { "requests", 0, 0, G_OPTION_ARG_INT, &n_requests, "POST requests to handle (10)", "N" },
    { "payloads", 0, 0, G_OPTION_ARG_INT, &per_request, "Payloads per request (10)", "N" },
    { "upload-ms", 0, 0, G_OPTION_ARG_INT, &upload_arg, "Latency of one upload (50)", "MS" },
    { "fail", 0, 0, G_OPTION_ARG_INT, &fail_id, "Make the upload of this payload fail", "ID" },
    { "discard", 0, 0, G_OPTION_ARG_NONE, &discard, "Stop the workers without draining the queue", NULL },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the sink directory", NULL },
    { NULL }
  };

  options = g_option_context_new ("- the dispatcher/worker design, uploading to a file sink");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      n_requests < 0 || per_request < 0 || upload_arg < 0 || fail_id < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "invalid option value");
      return 2;
    }
  /* Go's unbuffered channel (MAX_QUEUE=0) has no pod equivalent: max-queued
   * 0 means unbounded. The `work` example shows the closest, a queue of 1. */
  if (!read_env ("MAX_WORKERS", 4, &max_workers, &error) ||
      !read_env ("MAX_QUEUE", 16, &max_queue, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  upload_ms = (guint) upload_arg;
  total = (guint) n_requests * (guint) per_request;

  sink_path = g_dir_make_tmp ("dispatcher-XXXXXX", &error);
  if (sink_path == NULL)
    {
      g_printerr ("no sink: %s\n", error->message);
      return 1;
    }
  sink = g_file_new_for_path (sink_path);
  if (fail_id > 0)
    {
      /* A directory where the payload's file should go: a real write error. */
      g_autoptr(GFile) blocker = payload_file (sink, (guint) fail_id);
      g_file_make_directory (blocker, NULL, NULL);
    }
  g_print ("MAX_WORKERS=%u MAX_QUEUE=%u, uploading to %s\n", max_workers, max_queue, sink_path);

  /* dispatcher := NewDispatcher(MaxWorker); dispatcher.Run() */
  pod = gopod_pod_new (max_workers);
  gopod_pod_set_max_queued (pod, max_queue);
  gopod_pod_start (pod);

  /* payloadHandler, once per POST request. */
  for (int r = 0; r < n_requests; r++)
    {
      for (int p = 0; p < per_request; p++)
        {
          Payload *payload = g_new0 (Payload, 1);
          g_autoptr(GopodJob) job = NULL;

          payload->id = ++id;
          payload->sink = g_object_ref (sink);
          job = gopod_job_new_func (upload, payload, payload_free);

          /* JobQueue <- work: blocks while MAX_QUEUE jobs wait. */
          if (!gopod_pod_add_job (pod, job, NULL, &error))
            {
              g_printerr ("queue: %s\n", error->message);
              return 1;
            }
          peak_queued = MAX (peak_queued, gopod_pod_get_queued (pod));
        }
      g_print ("POST /payloads: %d payloads queued, 200 OK\n", per_request);
    }

  /* Worker.Stop() for every worker: with DRAIN, once the queue is empty. */
  if (!gopod_pod_shutdown (pod, discard ? GOPOD_SHUTDOWN_DISCARD : GOPOD_SHUTDOWN_DRAIN,
                           NULL, &error))
    {
      g_printerr ("stop: %s\n", error->message);
      return 1;
    }
  g_print ("workers stopped (%s)\n", discard ? "queue discarded" : "queue drained");

  ended = gopod_pod_get_succeeded (pod) + gopod_pod_get_failed (pod) +
          gopod_pod_get_cancelled (pod);
  good = verify_sink (sink, total, &bad);
  g_print ("uploaded: %" G_GUINT64_FORMAT ", failed: %" G_GUINT64_FORMAT
           ", dropped: %" G_GUINT64_FORMAT "; accounted for: %" G_GUINT64_FORMAT
           " of %u payloads\n",
           gopod_pod_get_succeeded (pod), gopod_pod_get_failed (pod),
           gopod_pod_get_cancelled (pod), ended, total);
  g_print ("sink: %u files match their payloads, %u do not\n", good, bad);
  g_print ("peak in flight: %d (MAX_WORKERS %u)\n", g_atomic_int_get (&peak), max_workers);
  g_print ("peak queued: %u (MAX_QUEUE %u)\n", peak_queued, max_queue);

  if (!keep)
    remove_sink (sink);

  return ended == total && good == gopod_pod_get_succeeded (pod) && bad == 0 &&
         g_atomic_int_get (&peak) <= (int) max_workers && peak_queued <= max_queue ? 0 : 1;
}
