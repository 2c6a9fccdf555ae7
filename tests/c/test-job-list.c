/* test-job-list.c: the job registry's list model, tested on its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-job-list-private.h"
#include "test-reader.h"

#define LIST(reader) GOPOD_JOB_LIST ((reader)->model)

static void
list_reader_init (Reader *reader)
{
  reader_init (reader);
  reader_watch (reader, G_LIST_MODEL (gopod_job_list_new (reader->context)));
}

static gboolean
nothing (GopodJob      *job,
         GCancellable  *cancellable,
         gpointer       user_data,
         GError       **error)
{
  return TRUE;
}

static GPtrArray *
make_jobs (guint n)
{
  GPtrArray *jobs = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (jobs, gopod_job_new_func (nothing, NULL, NULL));
  return jobs;
}

static void
append_all (Reader    *reader,
            GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    gopod_job_list_append (LIST (reader), g_ptr_array_index (jobs, i));
}

static void
assert_lists (Reader    *reader,
              GPtrArray *jobs)
{
  g_assert_cmpuint (reader->shadow->len, ==, jobs->len);
  for (guint i = 0; i < jobs->len; i++)
    g_assert_true (g_ptr_array_index (reader->shadow, i) == g_ptr_array_index (jobs, i));
  reader_check (reader);
}

/* --- a burst of appends from a worker: at most one emission per look --- */

typedef struct
{
  GopodJobList *list;
  GPtrArray    *jobs;
} Feeder;

static gpointer
feed_all (gpointer data)
{
  Feeder *feeder = data;

  for (guint i = 0; i < feeder->jobs->len; i++)
    gopod_job_list_append (feeder->list, g_ptr_array_index (feeder->jobs, i));
  return NULL;
}

static void
test_burst (void)
{
  Reader reader;
  g_autoptr(GPtrArray) jobs = make_jobs (100000);
  Feeder feeder;
  GThread *thread;

  g_test_summary ("100,000 jobs appended from a worker make at most one items-changed "
                  "per main-loop iteration, and the model ends holding all, in order");
  list_reader_init (&reader);
  feeder = (Feeder) { LIST (&reader), jobs };
  thread = g_thread_new ("feeder", feed_all, &feeder);
  while (reader.shadow->len < jobs->len)
    {
      guint before = reader.emissions->len;

      g_main_context_iteration (reader.context, TRUE);
      g_assert_cmpuint (reader.emissions->len - before, <=, 1);
    }
  g_thread_join (thread);
  g_assert_cmpuint (reader_look (&reader), ==, 0);
  assert_lists (&reader, jobs);
  reader_clear (&reader);
}

/* --- removals come as runs of neighbours, highest first --- */

static void
end_at (Reader    *reader,
        GPtrArray *jobs,
        guint      index)
{
  gopod_job_list_ended (LIST (reader), g_ptr_array_index (jobs, index));
}

static void
test_runs (void)
{
  Reader reader;
  g_autoptr(GPtrArray) jobs = make_jobs (20);
  g_autoptr(GPtrArray) more = make_jobs (2);

  g_test_summary ("Ends of a few separate runs of jobs make one emission per run, highest "
                  "first; the run reaching the end shares its emission with the appends");
  list_reader_init (&reader);
  append_all (&reader, jobs);
  g_assert_cmpuint (reader_look (&reader), ==, 1);
  assert_emission (&reader, 0, 0, 0, 20);

  end_at (&reader, jobs, 2);
  end_at (&reader, jobs, 19);
  end_at (&reader, jobs, 7);
  end_at (&reader, jobs, 3);
  append_all (&reader, more);
  g_assert_cmpuint (reader_look (&reader), ==, 3);
  assert_emission (&reader, 1, 19, 1, 2);
  assert_emission (&reader, 2, 7, 1, 0);
  assert_emission (&reader, 3, 2, 2, 0);

  /* Appends alone, after a run that does not reach the end. */
  end_at (&reader, jobs, 0);
  gopod_job_list_append (LIST (&reader), g_ptr_array_index (jobs, 19));
  g_assert_cmpuint (reader_look (&reader), ==, 2);
  assert_emission (&reader, 4, 18, 0, 1);
  assert_emission (&reader, 5, 0, 1, 0);
  reader_check (&reader);
  reader_clear (&reader);
}

static void
test_many_runs (void)
{
  Reader reader;
  g_autoptr(GPtrArray) jobs = make_jobs (20);
  g_autoptr(GPtrArray) left = g_ptr_array_new ();

  g_test_summary ("Ends scattered over many runs make one emission from the first removed "
                  "position to the end");
  list_reader_init (&reader);
  append_all (&reader, jobs);
  reader_look (&reader);
  for (guint i = 0; i < jobs->len; i++)
    if (i % 2 == 1)
      end_at (&reader, jobs, i);
    else
      g_ptr_array_add (left, g_ptr_array_index (jobs, i));
  g_assert_cmpuint (reader_look (&reader), ==, 1);
  assert_emission (&reader, 1, 1, 19, 9);
  assert_lists (&reader, left);
  reader_clear (&reader);
}

static void
test_transient (void)
{
  Reader reader;
  g_autoptr(GPtrArray) jobs = make_jobs (3);

  g_test_summary ("A job appended and ended between two looks is never shown; an end "
                  "of a job the list never had changes nothing");
  list_reader_init (&reader);
  append_all (&reader, jobs);
  end_at (&reader, jobs, 1);
  g_assert_cmpuint (reader_look (&reader), ==, 1);
  assert_emission (&reader, 0, 0, 0, 2);

  end_at (&reader, jobs, 1);
  end_at (&reader, jobs, 1);
  g_assert_cmpuint (reader_look (&reader), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (LIST (&reader))), ==, 2);
  reader_clear (&reader);
}

static void
test_keep_ended (void)
{
  Reader reader;
  g_autoptr(GPtrArray) jobs = make_jobs (3);

  g_test_summary ("Under keep-ended-ms an ended job stays listed; lowering it clears kept "
                  "jobs, and a short one expires by the list's own timer");
  list_reader_init (&reader);
  gopod_job_list_set_keep_ended_ms (LIST (&reader), 3600 * 1000);
  g_assert_cmpuint (gopod_job_list_get_keep_ended_ms (LIST (&reader)), ==, 3600 * 1000);
  append_all (&reader, jobs);
  end_at (&reader, jobs, 0);
  end_at (&reader, jobs, 1);
  reader_look (&reader);
  assert_lists (&reader, jobs);

  gopod_job_list_set_keep_ended_ms (LIST (&reader), 0);
  g_assert_cmpuint (reader_look (&reader), ==, 1);
  g_assert_cmpuint (reader.shadow->len, ==, 1);
  g_assert_true (g_ptr_array_index (reader.shadow, 0) == g_ptr_array_index (jobs, 2));

  /* Only the timer can take it away now: a blocking iteration waits for it. */
  gopod_job_list_set_keep_ended_ms (LIST (&reader), 1);
  end_at (&reader, jobs, 2);
  while (reader.shadow->len > 0)
    g_main_context_iteration (reader.context, TRUE);
  reader_check (&reader);
  reader_clear (&reader);
}

static void
test_clear_then_keep (void)
{
  Reader reader;
  g_autoptr(GPtrArray) jobs = make_jobs (3);

  g_test_summary ("A Clear button that lowers keep-ended-ms to 0 and sets it back at once "
                  "still clears the jobs kept so far, and keeps those that end later");
  list_reader_init (&reader);
  gopod_job_list_set_keep_ended_ms (LIST (&reader), 3600 * 1000);
  append_all (&reader, jobs);
  end_at (&reader, jobs, 0);
  reader_look (&reader);
  assert_lists (&reader, jobs);

  /* Both in one handler, before the list looks again. */
  gopod_job_list_set_keep_ended_ms (LIST (&reader), 0);
  gopod_job_list_set_keep_ended_ms (LIST (&reader), 3600 * 1000);
  end_at (&reader, jobs, 1);
  reader_look (&reader);
  g_assert_cmpuint (reader.shadow->len, ==, 2);
  g_assert_true (g_ptr_array_index (reader.shadow, 0) == g_ptr_array_index (jobs, 1));
  g_assert_true (g_ptr_array_index (reader.shadow, 1) == g_ptr_array_index (jobs, 2));
  reader_check (&reader);
  reader_clear (&reader);
}

/* --- workers appending and ending at once, a reader checking each step --- */

#define N_FEEDERS 4
#define N_PER_FEEDER 5000

typedef struct
{
  GopodJobList *list;
  GMutex       *order_lock;
  GPtrArray    *order;    /* every job in the order appended */
  GHashTable   *ended;    /* jobs ended */
  guint         seed;
  GMainContext *context;
  int          *finished;  /* atomic */
} Mixer;

static gpointer
mix (gpointer data)
{
  Mixer *mixer = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (mixer->seed);
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();

  for (guint i = 0; i < N_PER_FEEDER; i++)
    {
      GopodJob *job = gopod_job_new_func (nothing, NULL, NULL);

      /* Appended under the order lock: the test then knows the order. */
      g_mutex_lock (mixer->order_lock);
      gopod_job_list_append (mixer->list, job);
      g_ptr_array_add (mixer->order, job);
      g_mutex_unlock (mixer->order_lock);
      g_ptr_array_add (mine, job);

      if (g_rand_int_range (rand, 0, 3) > 0)
        {
          GopodJob *victim = g_ptr_array_steal_index_fast (mine, g_rand_int_range (rand, 0, mine->len));

          g_mutex_lock (mixer->order_lock);
          g_hash_table_add (mixer->ended, victim);
          g_mutex_unlock (mixer->order_lock);
          gopod_job_list_ended (mixer->list, victim);
        }
    }
  g_atomic_int_inc (mixer->finished);
  g_main_context_wakeup (mixer->context);
  return NULL;
}

static void
test_concurrent (void)
{
  Reader reader;
  GMutex order_lock;
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) ended = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  Mixer mixers[N_FEEDERS];
  GThread *threads[N_FEEDERS];
  int finished = 0;

  g_test_summary ("Workers appending and ending jobs at once: every emission matches the "
                  "model, and the model ends with exactly the jobs not ended, in order");
  list_reader_init (&reader);
  g_mutex_init (&order_lock);
  for (guint i = 0; i < N_FEEDERS; i++)
    {
      mixers[i] = (Mixer) { LIST (&reader), &order_lock, order, ended, 17 + i,
                           reader.context, &finished };
      threads[i] = g_thread_new ("mixer", mix, &mixers[i]);
    }
  /* The reader runs meanwhile, as a UI would. */
  while (g_atomic_int_get (&finished) < N_FEEDERS)
    g_main_context_iteration (reader.context, TRUE);
  for (guint i = 0; i < N_FEEDERS; i++)
    g_thread_join (threads[i]);
  reader_look (&reader);

  for (guint i = 0; i < order->len; i++)
    if (!g_hash_table_contains (ended, g_ptr_array_index (order, i)))
      g_ptr_array_add (expected, g_ptr_array_index (order, i));
  g_assert_cmpuint (expected->len, >, 0);
  g_assert_cmpuint (expected->len, <, order->len);
  assert_lists (&reader, expected);
  g_mutex_clear (&order_lock);
  reader_clear (&reader);
}

static void
test_outlives_list (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GopodJobList *list = gopod_job_list_new (context);
  g_autoptr(GPtrArray) jobs = make_jobs (2);
  GWeakRef ref;

  g_test_summary ("A list dropped with changes pending releases its jobs, and its source "
                  "does nothing once the list is gone");
  g_weak_ref_init (&ref, list);
  for (guint i = 0; i < jobs->len; i++)
    gopod_job_list_append (list, g_ptr_array_index (jobs, i));
  g_object_unref (list);
  g_assert_null (g_weak_ref_get (&ref));
  while (g_main_context_iteration (context, FALSE))
    ;
  for (guint i = 0; i < jobs->len; i++)
    g_assert_cmpuint (G_OBJECT (g_ptr_array_index (jobs, i))->ref_count, ==, 1);
  g_weak_ref_clear (&ref);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/JobList/burst", test_burst);
  g_test_add_func ("/Gopod/JobList/runs", test_runs);
  g_test_add_func ("/Gopod/JobList/many-runs", test_many_runs);
  g_test_add_func ("/Gopod/JobList/transient", test_transient);
  g_test_add_func ("/Gopod/JobList/keep-ended", test_keep_ended);
  g_test_add_func ("/Gopod/JobList/clear-then-keep", test_clear_then_keep);
  g_test_add_func ("/Gopod/JobList/concurrent", test_concurrent);
  g_test_add_func ("/Gopod/JobList/outlives-list", test_outlives_list);

  return g_test_run ();
}
