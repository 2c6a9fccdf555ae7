/* job-manager.c: a GTK 4 job manager on pod-glib's job registry
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Checksums files (SHA-256, read through GIO with each job's cancellable,
 * one job per file) on a GopodPod, and shows the pod's live model of jobs
 * in a GtkListView: each row a title, a status, a progress bar, and pause
 * and cancel buttons. The header shows the pod's overall progress, a
 * pause-all toggle and a max-workers spin button bound to the pod.
 *
 *   job-manager [FOLDER]         checksum the files of FOLDER, or of a
 *                                generated set of files of varied sizes
 *   job-manager --self-test DIR  drive a batch to its end through the
 *                                application's actions, check the counters
 *                                and write DIR/job-manager.png
 *
 * Everything a user does goes through GActions (app.add-folder,
 * app.pause-job, app.resume-job, app.cancel-job, app.pause-all,
 * app.set-workers, app.screenshot), which is also how the self-test drives
 * it.
 */

#include <gtk/gtk.h>
#include <pod-glib.h>

#define CHUNK_SIZE (64 * 1024)

/* --- the job: the SHA-256 of one file --- */

#define JM_TYPE_CHECKSUM_JOB (jm_checksum_job_get_type ())
G_DECLARE_FINAL_TYPE (JmChecksumJob, jm_checksum_job, JM, CHECKSUM_JOB, GopodJob)

struct _JmChecksumJob
{
  GopodJob  parent_instance;
  GFile    *file;
};

G_DEFINE_FINAL_TYPE (JmChecksumJob, jm_checksum_job, GOPOD_TYPE_JOB)

static gboolean
jm_checksum_job_run (GopodJob      *job,
                     GCancellable  *cancellable,
                     GError       **error)
{
  JmChecksumJob *self = JM_CHECKSUM_JOB (job);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (CHUNK_SIZE);
  g_autofree char *size_text = NULL;
  goffset size, done = 0;
  gssize n;

  stream = g_file_read (self->file, cancellable, error);
  if (stream == NULL)
    return FALSE;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, error);
  if (info == NULL)
    return FALSE;
  size = g_file_info_get_size (info);
  size_text = g_format_size (size);

  gopod_job_set_status (job, "Reading");
  /* Each chunk is a pause point: a paused job waits here, a cancelled one
   * stops here. */
  while (gopod_job_check_pause (job, cancellable, error) &&
         (n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, CHUNK_SIZE,
                                   cancellable, error)) > 0)
    {
      g_autofree char *done_text = NULL;
      g_autofree char *status = NULL;

      g_checksum_update (checksum, buffer, n);
      done += n;
      /* g_format_size() returns a new string each time. */
      done_text = g_format_size (done);
      status = g_strdup_printf ("Hashing: %s of %s", done_text, size_text);
      gopod_job_set_status (job, status);
      gopod_job_set_progress (job, size > 0 ? MIN (1.0, (double) done / size) : 1.0);
    }
  if (error != NULL && *error != NULL)
    return FALSE;

  {
    g_autofree char *status = g_strdup_printf ("SHA-256 %.16s…", g_checksum_get_string (checksum));

    gopod_job_set_progress (job, 1.0);
    gopod_job_set_status (job, status);
  }
  return TRUE;
}

static void
jm_checksum_job_finalize (GObject *object)
{
  g_clear_object (&JM_CHECKSUM_JOB (object)->file);
  G_OBJECT_CLASS (jm_checksum_job_parent_class)->finalize (object);
}

static void
jm_checksum_job_class_init (JmChecksumJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jm_checksum_job_finalize;
  GOPOD_JOB_CLASS (klass)->run = jm_checksum_job_run;
}

static void
jm_checksum_job_init (JmChecksumJob *self)
{
}

static GopodJob *
jm_checksum_job_new (GFile *file)
{
  JmChecksumJob *job = g_object_new (JM_TYPE_CHECKSUM_JOB, NULL);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *path = g_file_get_path (file);

  job->file = g_object_ref (file);
  gopod_job_set_title (GOPOD_JOB (job), name);
  /* One job per file at a time, should the same file be added twice. */
  gopod_job_set_key (GOPOD_JOB (job), path);
  gopod_job_set_status (GOPOD_JOB (job), "Waiting");
  return GOPOD_JOB (job);
}

/* --- the application --- */

typedef struct
{
  GtkApplication *app;
  GopodPod       *pod;
  GListModel     *jobs;
  GtkWidget      *window;
  char           *self_test_dir;  /* NULL unless --self-test */
  gboolean        failed;
} JobManager;

static GopodJob *
jm_job_at (JobManager *jm,
           guint       position)
{
  return g_list_model_get_item (jm->jobs, position);
}

static int
jm_compare_names (gconstpointer a,
                  gconstpointer b)
{
  return g_strcmp0 (*(char **) a, *(char **) b);
}

static void
jm_add_folder (JobManager *jm,
               const char *path)
{
  g_autoptr(GFile) folder = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GFileInfo *info;

  children = g_file_enumerate_children (folder, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NONE, NULL, &error);
  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, &error)) != NULL)
    {
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR)
        g_ptr_array_add (names, g_strdup (g_file_info_get_name (info)));
      g_object_unref (info);
    }
  if (error != NULL)
    g_warning ("%s: %s", path, error->message);

  /* In name order, so that a batch reads the same each time. */
  g_ptr_array_sort (names, jm_compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GFile) file = g_file_get_child (folder, g_ptr_array_index (names, i));
      g_autoptr(GopodJob) job = jm_checksum_job_new (file);

      if (!gopod_pod_add_job (jm->pod, job, NULL, &error))
        {
          g_warning ("%s", error->message);
          g_clear_error (&error);
        }
    }
}

/* A default set of files of varied sizes, made once. */
static char *
jm_default_folder (const char *parent)
{
  g_autofree char *dir = g_build_filename (parent, "pod-glib-job-manager", NULL);
  static const guint sizes_kb[] = { 96, 2048, 512, 4096, 1024, 8192, 256, 3072, 640, 6144, 128, 1536 };

  g_mkdir_with_parents (dir, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (sizes_kb); i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%02u-%ukB.bin", i, sizes_kb[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      data = g_malloc ((gsize) sizes_kb[i] * 1024);
      for (gsize b = 0; b < (gsize) sizes_kb[i] * 1024; b++)
        data[b] = (char) (b * 31 + i);
      g_file_set_contents (path, data, (gssize) sizes_kb[i] * 1024, NULL);
    }
  return g_steal_pointer (&dir);
}

/* The screenshot, with GTK's own snapshot API: the window's paintable
 * snapshotted into a render node, rendered by the window's renderer. */
static gboolean
jm_save_screenshot (JobManager *jm,
                    const char *path)
{
  GtkWidget *widget = jm->window;
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  return gdk_texture_save_to_png (texture, path);
}

/* --- actions --- */

static void
on_add_folder (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       data)
{
  jm_add_folder (data, g_variant_get_string (parameter, NULL));
}

static void
on_job_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       data)
{
  g_autoptr(GopodJob) job = jm_job_at (data, g_variant_get_uint32 (parameter));
  const char *name = g_action_get_name (G_ACTION (action));

  if (job == NULL)
    return;
  if (g_str_equal (name, "pause-job"))
    gopod_job_pause (job);
  else if (g_str_equal (name, "resume-job"))
    gopod_job_resume (job);
  else
    gopod_job_cancel (job);
}

static void
on_pause_all (GSimpleAction *action,
              GVariant      *state,
              gpointer       data)
{
  JobManager *jm = data;

  if (g_variant_get_boolean (state))
    gopod_pod_pause (jm->pod);
  else
    gopod_pod_start (jm->pod);
  g_simple_action_set_state (action, state);
}

static void
on_set_workers (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  gopod_pod_set_max_workers (((JobManager *) data)->pod, MAX (1, g_variant_get_uint32 (parameter)));
}

static void
on_screenshot (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       data)
{
  if (!jm_save_screenshot (data, g_variant_get_string (parameter, NULL)))
    g_warning ("Could not write %s", g_variant_get_string (parameter, NULL));
}

static void
on_folder_chosen (GtkNativeDialog *dialog,
                  int              response,
                  JobManager      *jm)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (folder);

      g_action_group_activate_action (G_ACTION_GROUP (jm->app), "add-folder",
                                      g_variant_new_string (path));
    }
  g_object_unref (dialog);
}

static void
on_choose_folder (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  JobManager *jm = data;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new ("Checksum a Folder", GTK_WINDOW (jm->window),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Checksum", NULL);
  g_signal_connect (dialog, "response", G_CALLBACK (on_folder_chosen), jm);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static const GActionEntry jm_actions[] = {
  { "add-folder", on_add_folder, "s", NULL, NULL },
  { "choose-folder", on_choose_folder, NULL, NULL, NULL },
  { "pause-job", on_job_action, "u", NULL, NULL },
  { "resume-job", on_job_action, "u", NULL, NULL },
  { "cancel-job", on_job_action, "u", NULL, NULL },
  { "pause-all", NULL, NULL, "false", on_pause_all },
  { "set-workers", on_set_workers, "u", NULL, NULL },
  { "screenshot", on_screenshot, "s", NULL, NULL },
};

/* --- the list's rows --- */

static void
on_row_pause_toggled (GtkToggleButton *button,
                      GtkListItem     *item)
{
  GopodJob *job = gtk_list_item_get_item (item);

  if (job != NULL && gtk_toggle_button_get_active (button) != gopod_job_get_paused (job))
    {
      g_object_set (job, "paused", gtk_toggle_button_get_active (button), NULL);
      /* An ended job does not pause (and notifies nothing): show what the
       * job is, not what was clicked. */
      if (gtk_toggle_button_get_active (button) != gopod_job_get_paused (job))
        gtk_toggle_button_set_active (button, gopod_job_get_paused (job));
    }
}

static void
on_row_cancel (GtkButton   *button,
               GtkListItem *item)
{
  GopodJob *job = gtk_list_item_get_item (item);

  if (job != NULL)
    gopod_job_cancel (job);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  data)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL), *status = gtk_label_new (NULL);
  GtkWidget *progress = gtk_progress_bar_new ();
  GtkWidget *pause = gtk_toggle_button_new ();
  GtkWidget *cancel = gtk_button_new_from_icon_name ("process-stop-symbolic");

  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_widget_add_css_class (status, "dim-label");
  gtk_widget_set_size_request (labels, 260, -1);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), status);
  gtk_widget_set_hexpand (progress, TRUE);
  gtk_widget_set_valign (progress, GTK_ALIGN_CENTER);
  gtk_button_set_icon_name (GTK_BUTTON (pause), "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (pause, "Pause");
  gtk_widget_set_tooltip_text (cancel, "Cancel");
  g_signal_connect (pause, "toggled", G_CALLBACK (on_row_pause_toggled), item);
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_row_cancel), item);
  gtk_box_append (GTK_BOX (row), labels);
  gtk_box_append (GTK_BOX (row), progress);
  gtk_box_append (GTK_BOX (row), pause);
  gtk_box_append (GTK_BOX (row), cancel);
  gtk_list_item_set_child (item, row);
}

/* What a row says under the title: the job's own status, or what became
 * of it. */
static void
row_show_status (GopodJob   *job,
                 GParamSpec *pspec,
                 GtkLabel   *label)
{
  g_autofree char *status = gopod_job_dup_status (job);
  const GError *error = gopod_job_get_error (job);
  g_autofree char *text = NULL;

  if (gopod_job_get_state (job) == GOPOD_JOB_STATE_CANCELLED)
    text = g_strdup ("Cancelled");
  else if (error != NULL)
    text = g_strdup_printf ("Failed: %s", error->message);
  else if (gopod_job_get_paused (job))
    text = g_strdup_printf ("Paused (%s)", status != NULL ? status : "waiting");
  else
    text = g_steal_pointer (&status);
  gtk_label_set_label (label, text);
}

/* The row's widgets follow the job's properties, which the job notifies on
 * the main context however often its worker sets them. */
static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  data)
{
  GopodJob *job = gtk_list_item_get_item (item);
  GtkWidget *row = gtk_list_item_get_child (item);
  GtkWidget *labels = gtk_widget_get_first_child (row);
  GtkWidget *progress = gtk_widget_get_next_sibling (labels);
  GtkWidget *pause = gtk_widget_get_next_sibling (progress);
  GtkWidget *status = gtk_widget_get_last_child (labels);
  GPtrArray *bindings = g_ptr_array_new ();

  g_ptr_array_add (bindings, g_object_bind_property (job, "title", gtk_widget_get_first_child (labels),
                                                     "label", G_BINDING_SYNC_CREATE));
  g_signal_connect_object (job, "notify::status", G_CALLBACK (row_show_status), status, 0);
  g_signal_connect_object (job, "notify::state", G_CALLBACK (row_show_status), status, 0);
  g_signal_connect_object (job, "notify::paused", G_CALLBACK (row_show_status), status, 0);
  row_show_status (job, NULL, GTK_LABEL (status));
  g_ptr_array_add (bindings, g_object_bind_property (job, "progress", progress,
                                                     "fraction", G_BINDING_SYNC_CREATE));
  g_ptr_array_add (bindings, g_object_bind_property (job, "paused", pause,
                                                     "active", G_BINDING_SYNC_CREATE));
  g_object_set_data_full (G_OBJECT (item), "bindings", bindings, (GDestroyNotify) g_ptr_array_unref);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  data)
{
  GPtrArray *bindings = g_object_get_data (G_OBJECT (item), "bindings");
  GtkWidget *labels = gtk_widget_get_first_child (gtk_list_item_get_child (item));

  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), row_show_status,
                                        gtk_widget_get_last_child (labels));
  for (guint i = 0; bindings != NULL && i < bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (bindings, i));
  g_object_set_data (G_OBJECT (item), "bindings", NULL);
}

/* --- the window --- */

static GtkWidget *
jm_header (JobManager *jm)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *progress = gtk_progress_bar_new ();
  GtkWidget *pause_all = gtk_toggle_button_new ();
  GtkWidget *open = gtk_button_new_from_icon_name ("folder-open-symbolic");
  GtkAdjustment *adjustment = gtk_adjustment_new (1, 1, 16, 1, 4, 0);
  GtkWidget *workers = gtk_spin_button_new (adjustment, 1, 0);

  gtk_widget_set_size_request (progress, 240, -1);
  gtk_widget_set_valign (progress, GTK_ALIGN_CENTER);
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (progress), TRUE);
  g_object_bind_property (jm->pod, "progress", progress, "fraction", G_BINDING_SYNC_CREATE);
  gtk_header_bar_set_title_widget (GTK_HEADER_BAR (header), progress);

  gtk_button_set_icon_name (GTK_BUTTON (pause_all), "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (pause_all, "Pause all");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (pause_all), "app.pause-all");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (open), "app.choose-folder");
  gtk_widget_set_tooltip_text (open, "Checksum a folder");
  gtk_widget_set_tooltip_text (workers, "Workers");
  /* The spin button and the pod's max-workers are one value. */
  g_object_bind_property (jm->pod, "max-workers", adjustment, "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), open);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), pause_all);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), workers);
  return header;
}

static GtkWidget *
jm_window (JobManager *jm)
{
  GtkWidget *window = gtk_application_window_new (jm->app);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *list, *scrolled = gtk_scrolled_window_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), jm);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), jm);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), jm);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (jm->jobs))), factory);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);

  gtk_window_set_title (GTK_WINDOW (window), "Checksums");
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 560);
  gtk_window_set_titlebar (GTK_WINDOW (window), jm_header (jm));
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  return window;
}

/* --- the self-test: a batch driven through the actions --- */

static void
jm_act (JobManager *jm,
        const char *action,
        GVariant   *parameter)
{
  g_action_group_activate_action (G_ACTION_GROUP (jm->app), action, parameter);
}

static void
jm_set_state (JobManager *jm,
              const char *action,
              GVariant   *state)
{
  g_action_group_change_action_state (G_ACTION_GROUP (jm->app), action, state);
}

static void
jm_check (JobManager *jm,
          gboolean    ok,
          const char *what)
{
  g_print ("%s %s\n", ok ? "ok" : "FAILED", what);
  if (!ok)
    {
      /* The rest would wait for what did not happen. */
      jm->failed = TRUE;
      g_application_quit (G_APPLICATION (jm->app));
    }
}

static void
jm_finish_check (JobManager *jm)
{
  guint64 submitted = gopod_pod_get_submitted (jm->pod);

  jm_check (jm, g_list_model_get_n_items (jm->jobs) == 0, "the model emptied");
  jm_check (jm, gopod_pod_get_cancelled (jm->pod) == 1, "one job cancelled");
  jm_check (jm, gopod_pod_get_failed (jm->pod) == 0, "no job failed");
  jm_check (jm, gopod_pod_get_succeeded (jm->pod) + 1 == submitted, "the others succeeded");
  jm_check (jm, gopod_pod_get_max_workers (jm->pod) == 3, "the pod was resized to 3 workers");
  g_print ("%" G_GUINT64_FORMAT " jobs: %" G_GUINT64_FORMAT " succeeded, %" G_GUINT64_FORMAT " cancelled\n",
           submitted, gopod_pod_get_succeeded (jm->pod), gopod_pod_get_cancelled (jm->pod));
  g_application_quit (G_APPLICATION (jm->app));
}

static void
on_model_emptied (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  JobManager *jm)
{
  if (g_list_model_get_n_items (model) == 0)
    {
      g_signal_handlers_disconnect_by_func (model, on_model_emptied, jm);
      jm_finish_check (jm);
    }
}

static void
on_batch_done (GObject      *pod,
               GAsyncResult *result,
               gpointer      data)
{
  JobManager *jm = data;

  jm_check (jm, gopod_pod_wait_finish (GOPOD_POD (pod), result, NULL), "the batch ended");
  /* Ended jobs were kept for the screenshot; now let them go. */
  g_signal_connect (jm->jobs, "items-changed", G_CALLBACK (on_model_emptied), jm);
  gopod_pod_set_keep_ended_ms (jm->pod, 0);
}

/* Two frames after everything but the paused job ended, the rows are drawn:
 * the screenshot, then the paused job is resumed. */
static gboolean
on_frame (GtkWidget     *widget,
          GdkFrameClock *clock,
          gpointer       data)
{
  JobManager *jm = data;
  guint frames = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), "frames")) + 1;
  g_autofree char *png = NULL;

  g_object_set_data (G_OBJECT (widget), "frames", GUINT_TO_POINTER (frames));
  if (frames < 3)
    return G_SOURCE_CONTINUE;

  png = g_build_filename (jm->self_test_dir, "job-manager.png", NULL);
  jm_act (jm, "screenshot", g_variant_new_string (png));
  jm_check (jm, g_file_test (png, G_FILE_TEST_EXISTS), "the screenshot was written");
  jm_act (jm, "resume-job", g_variant_new_uint32 (0));
  gopod_pod_wait_async (jm->pod, NULL, on_batch_done, jm);
  return G_SOURCE_REMOVE;
}

/* Only the paused job is left, held in the queue. */
static void
on_counters (GopodPod   *pod,
             GParamSpec *pspec,
             JobManager *jm)
{
  if (gopod_pod_get_running (pod) != 0 || gopod_pod_get_queued (pod) != 1 ||
      gopod_pod_get_succeeded (pod) + 2 != gopod_pod_get_submitted (pod))
    return;
  g_signal_handlers_disconnect_by_func (pod, on_counters, jm);
  jm_check (jm, g_list_model_get_n_items (jm->jobs) == gopod_pod_get_submitted (pod),
            "ended jobs are kept under keep-ended-ms");
  gtk_widget_add_tick_callback (jm->window, on_frame, jm, NULL);
}

/* The model lists jobs once the main loop ran: the first actions that
 * name jobs by position wait for it. */
static void
on_first_rows (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               JobManager *jm)
{
  g_autoptr(GopodJob) first = NULL;

  g_signal_handlers_disconnect_by_func (model, on_first_rows, jm);
  jm_check (jm, g_list_model_get_n_items (model) >= 3, "the batch is listed");
  jm_act (jm, "pause-job", g_variant_new_uint32 (0));
  jm_act (jm, "cancel-job", g_variant_new_uint32 (1));
  first = jm_job_at (jm, 0);
  jm_check (jm, gopod_job_get_paused (first), "the first job is paused");
  /* A row that is gone (a stale click) names no job: nothing happens. */
  jm_act (jm, "cancel-job", g_variant_new_uint32 (g_list_model_get_n_items (model)));
  g_signal_connect (jm->pod, "notify::succeeded", G_CALLBACK (on_counters), jm);
  g_signal_connect (jm->pod, "notify::cancelled", G_CALLBACK (on_counters), jm);
  jm_act (jm, "set-workers", g_variant_new_uint32 (3));
  jm_set_state (jm, "pause-all", g_variant_new_boolean (FALSE));
}

static void
jm_self_test (JobManager *jm)
{
  g_autofree char *folder = jm_default_folder (jm->self_test_dir);

  /* All paused while the batch is added, until the first job is paused
   * and the second cancelled (on_first_rows()). Ended jobs stay listed
   * until the screenshot. */
  gopod_pod_set_keep_ended_ms (jm->pod, 3600 * 1000);
  jm_set_state (jm, "pause-all", g_variant_new_boolean (TRUE));
  g_signal_connect (jm->jobs, "items-changed", G_CALLBACK (on_first_rows), jm);
  jm_act (jm, "add-folder", g_variant_new_string (folder));
  jm_check (jm, g_list_model_get_n_items (jm->jobs) == 0, "the model changes on the main loop only");
}

static void
on_activate (GApplication *app,
             JobManager   *jm)
{
  jm->window = jm_window (jm);
  gtk_window_present (GTK_WINDOW (jm->window));
  if (jm->self_test_dir != NULL)
    jm_self_test (jm);
}

static int
on_command_line (GApplication            *app,
                 GApplicationCommandLine *command_line,
                 JobManager              *jm)
{
  g_auto(GStrv) argv = g_application_command_line_get_arguments (command_line, NULL);
  g_autofree char *folder = NULL;

  g_application_activate (app);
  if (jm->self_test_dir == NULL)
    {
      folder = argv[1] != NULL ? g_strdup (argv[1]) : jm_default_folder (g_get_user_cache_dir ());
      g_action_group_activate_action (G_ACTION_GROUP (app), "add-folder", g_variant_new_string (folder));
    }
  return 0;
}

int
main (int    argc,
      char **argv)
{
  JobManager jm = { NULL };
  GOptionEntry options[] = {
    { "self-test", 0, 0, G_OPTION_ARG_FILENAME, &jm.self_test_dir,
      "Drive a batch through the actions, check it and write a screenshot into DIR", "DIR" },
    { NULL }
  };
  int status;

  jm.app = gtk_application_new ("org.gnome.PodGlib.JobManager",
                                G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (jm.app), options);
  jm.pod = gopod_pod_new (2);
  /* The work in flight keeps the application running, window or not. */
  gopod_pod_set_application (jm.pod, G_APPLICATION (jm.app));
  jm.jobs = gopod_pod_get_jobs (jm.pod);
  gopod_pod_start (jm.pod);
  g_action_map_add_action_entries (G_ACTION_MAP (jm.app), jm_actions, G_N_ELEMENTS (jm_actions), &jm);
  g_signal_connect (jm.app, "activate", G_CALLBACK (on_activate), &jm);
  g_signal_connect (jm.app, "command-line", G_CALLBACK (on_command_line), &jm);

  status = g_application_run (G_APPLICATION (jm.app), argc, argv);

  gopod_pod_shutdown (jm.pod, GOPOD_SHUTDOWN_DISCARD, NULL, NULL);
  gopod_pod_set_application (jm.pod, NULL);
  g_object_unref (jm.jobs);
  g_object_unref (jm.pod);
  g_object_unref (jm.app);
  g_free (jm.self_test_dir);
  return status != 0 ? status : jm.failed;
}
