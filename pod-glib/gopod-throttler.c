/* gopod-throttler.c: bound the number of jobs in flight (nozzle/throttler)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-throttler.h"

#include "gopod-notify-private.h"
#include "gopod-outbox-private.h"
#include "gopod-throttler-private.h"
#include "gopod-wait-private.h"

/**
 * GopodThrottler:
 *
 * Bounds how many jobs a loop keeps in flight, the way nozzle/throttler's
 * `Throttler` does, without its races.
 *
 * The loop launches a job (a thread, an async GIO call, a
 * [class@Gopod.Pod] job...), then calls [method@Gopod.Throttler.throttle];
 * the job calls [method@Gopod.Throttler.done] when it ends, with its error
 * or %NULL. `throttle` counts the job just launched and returns once fewer
 * than [property@Gopod.Throttler:max-workers] jobs are in flight, so the
 * next launch stays within the bound. After the last of `total_jobs` jobs it
 * returns only when every job is done. It returns the number of errors so
 * far, so the loop can stop early:
 *
 * ```c
 * g_autoptr(GopodThrottler) t = gopod_throttler_new (2, G_N_ELEMENTS (urls));
 *
 * for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
 *   {
 *     fetch_in_a_thread (urls[i], t);   // calls gopod_throttler_done (t, error)
 *     if (gopod_throttler_throttle (t) > 0)
 *       break;
 *   }
 * ```
 *
 * A `total_jobs` of 0 means the total is not known in advance: `throttle`
 * only bounds concurrency, and [method@Gopod.Throttler.wait] waits for the
 * jobs in flight. Only counters are kept, so memory does not grow with the
 * number of jobs; errors are kept as they arrive.
 *
 * A main-loop program (GJS, a GTK application) whose `done` calls come from
 * the loop uses [method@Gopod.Throttler.throttle_async] instead, which waits
 * without blocking the loop.
 *
 * All methods may be called from any thread.
 *
 * Since: 1.0
 */

struct _GopodThrottler
{
  GObject         parent_instance;

  GopodNotify     notify;

  /* Everything below is guarded by @lock. */
  GMutex          lock;
  GopodWaitList   tickets;         /* throttle() and throttle_async(), in ticket order */
  GopodWaitList   idle;            /* wait() and wait_async() */
  guint64         n_examined;      /* tickets looked at, for a test (internals rule T2) */

  guint           max_workers;
  guint           total_jobs;      /* 0 with @open_ended */
  gboolean        open_ended;
  guint           total_items;     /* batch indexes are clamped to it */
  guint           batch_size;
  guint64         started;         /* throttle calls that took a ticket */
  guint64         completed;       /* accepted done calls */
  GPtrArray      *errors;          /* of GError, in the order done saw them */
};

G_DEFINE_FINAL_TYPE (GopodThrottler, gopod_throttler, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MAX_WORKERS,
  PROP_TOTAL_JOBS,
  PROP_ERROR_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The ticket of a wait for idleness; throttle tickets start at 1. */
#define IDLE_TICKET 0

/* Called with the lock held. Throttle ticket n is the n-th job counted: it
 * may go once fewer than max_workers of the first n jobs are still in
 * flight, so the job launched next keeps the total within the bound. The
 * last ticket of a known total waits for every job, as throttler does. */
static gboolean
throttler_ticket_is_free (GopodThrottler *self,
                          guint64         ticket)
{
  if (ticket == IDLE_TICKET)
    return self->completed >= self->started;

  if (!self->open_ended && ticket == self->total_jobs)
    return self->completed >= self->total_jobs;

  return self->completed + self->max_workers > ticket;
}

/* A waiter's ticket. Once free it stays granted (internals rule T2): a
 * waiter woken for it never waits again because max-workers shrank before
 * it relocked; the new bound holds from the next throttle. */
typedef struct
{
  GopodThrottler *self;
  guint64         ticket;
  gboolean        granted;
} ThrottlerTicket;

/* GopodWaitReady, with the lock held. */
static gboolean
throttler_ticket_ready (gpointer data)
{
  ThrottlerTicket *ticket = data;

  ticket->self->n_examined++;
  ticket->granted = ticket->granted ||
                    throttler_ticket_is_free (ticket->self, ticket->ticket);
  return ticket->granted;
}

/* Called with the lock held, after a change that may free tickets. Tickets
 * wait in ticket order and free in that order, so firing stops at the first
 * one still taken: a wake-up costs O(1) whatever the number of waiters
 * (internals rule T2). */
static void
throttler_fire_free_locked (GopodThrottler *self,
                            GopodOutbox    *out)
{
  gopod_wait_list_fire_ready (&self->tickets, TRUE, out);
  gopod_wait_list_fire_ready (&self->idle, TRUE, out);
}

guint64
gopod_throttler_get_n_examined (GopodThrottler *self)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = self->n_examined;
  g_mutex_unlock (&self->lock);

  return n;
}

static void
gopod_throttler_finalize (GObject *object)
{
  GopodThrottler *self = GOPOD_THROTTLER (object);

  /* Every waiting task holds a reference, so none can be left. */
  g_assert (gopod_wait_list_is_empty (&self->tickets));
  g_assert (gopod_wait_list_is_empty (&self->idle));

  g_clear_pointer (&self->errors, g_ptr_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (gopod_throttler_parent_class)->finalize (object);
}

static void
gopod_throttler_dispose (GObject *object)
{
  GopodThrottler *self = GOPOD_THROTTLER (object);

  gopod_notify_clear (&self->notify);

  G_OBJECT_CLASS (gopod_throttler_parent_class)->dispose (object);
}

static void
gopod_throttler_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GopodThrottler *self = GOPOD_THROTTLER (object);

  switch (prop_id)
    {
    case PROP_MAX_WORKERS:
      g_value_set_uint (value, gopod_throttler_get_max_workers (self));
      break;

    case PROP_TOTAL_JOBS:
      g_value_set_uint (value, gopod_throttler_get_total_jobs (self));
      break;

    case PROP_ERROR_COUNT:
      g_value_set_uint (value, gopod_throttler_get_error_count (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_throttler_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GopodThrottler *self = GOPOD_THROTTLER (object);

  switch (prop_id)
    {
    case PROP_MAX_WORKERS:
      gopod_throttler_set_max_workers (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_throttler_class_init (GopodThrottlerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gopod_throttler_finalize;
  object_class->dispose = gopod_throttler_dispose;
  object_class->get_property = gopod_throttler_get_property;
  object_class->set_property = gopod_throttler_set_property;

  /**
   * GopodThrottler:max-workers:
   *
   * How many jobs may be in flight at once, at least 1. Changing it takes
   * effect at the next [method@Gopod.Throttler.throttle]: after a shrink,
   * `throttle` waits until the jobs in flight are below the new bound.
   *
   * Notified on the main context that was thread-default when the throttler
   * was created.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_WORKERS] =
    g_param_spec_uint ("max-workers", NULL, NULL,
                       1, G_MAXUINT, 1,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodThrottler:total-jobs:
   *
   * The number of jobs the loop runs (for a batched throttler, the number
   * of batches), or 0 when it is not known in advance.
   *
   * Since: 1.0
   */
  properties[PROP_TOTAL_JOBS] =
    g_param_spec_uint ("total-jobs", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodThrottler:error-count:
   *
   * The number of jobs that ended with an error so far.
   *
   * Notified on the main context that was thread-default when the throttler
   * was created, whichever thread called [method@Gopod.Throttler.done].
   *
   * Since: 1.0
   */
  properties[PROP_ERROR_COUNT] =
    g_param_spec_uint ("error-count", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gopod_throttler_init (GopodThrottler *self)
{
  g_mutex_init (&self->lock);
  gopod_wait_list_init (&self->tickets, &self->lock);
  gopod_wait_list_init (&self->idle, &self->lock);
  gopod_notify_init (&self->notify, G_OBJECT (self), properties, N_PROPS);

  self->max_workers = 1;
  self->open_ended = TRUE;
  self->batch_size = 1;
  self->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
}

static GopodThrottler *
throttler_new (guint    max_workers,
               guint    total_jobs,
               gboolean open_ended,
               guint    total_items,
               guint    batch_size)
{
  GopodThrottler *self;

  self = g_object_new (GOPOD_TYPE_THROTTLER, "max-workers", max_workers, NULL);
  /* Not shared with any other thread yet: no lock needed. */
  self->total_jobs = total_jobs;
  self->open_ended = open_ended;
  self->total_items = total_items;
  self->batch_size = batch_size;

  return self;
}

/**
 * gopod_throttler_new:
 * @max_workers: how many jobs may be in flight at once, at least 1
 * @total_jobs: how many jobs the loop runs, or 0 if that is not known
 *
 * Creates a throttler for a loop of @total_jobs jobs, like throttler's
 * `New(maxWorkers, totalJobs)`. Nothing is allocated per job.
 *
 * With a @total_jobs of 0, [method@Gopod.Throttler.throttle] only bounds
 * concurrency; call [method@Gopod.Throttler.wait] after the loop.
 *
 * Returns: (transfer full): a new throttler, or %NULL if @max_workers is 0
 *
 * Since: 1.0
 */
GopodThrottler *
gopod_throttler_new (guint max_workers,
                     guint total_jobs)
{
  g_return_val_if_fail (max_workers > 0, NULL);

  return throttler_new (max_workers, total_jobs, total_jobs == 0, total_jobs, 1);
}

/**
 * gopod_throttler_new_batched:
 * @max_workers: how many batches may be in flight at once, at least 1
 * @total_items: how many items the loop processes
 * @batch_size: how many items a job processes, at least 1
 *
 * Creates a throttler whose jobs each process a batch of @batch_size
 * items, like throttler's `NewBatchedThrottler`. Its
 * [property@Gopod.Throttler:total-jobs] is the number of batches, @total_items
 * divided by @batch_size rounded up; before each
 * [method@Gopod.Throttler.throttle],
 * [method@Gopod.Throttler.get_batch_start_index] and
 * [method@Gopod.Throttler.get_batch_end_index] give the items of the next
 * batch.
 *
 * Returns: (transfer full): a new throttler, or %NULL if @max_workers or
 *   @batch_size is 0
 *
 * Since: 1.0
 */
GopodThrottler *
gopod_throttler_new_batched (guint max_workers,
                             guint total_items,
                             guint batch_size)
{
  guint n_batches;

  g_return_val_if_fail (max_workers > 0, NULL);
  g_return_val_if_fail (batch_size > 0, NULL);

  n_batches = total_items / batch_size + (total_items % batch_size != 0);

  /* Even an empty batched loop has a known total: it is not open-ended. */
  return throttler_new (max_workers, n_batches, FALSE, total_items, batch_size);
}

/* Called with the lock held: counts the job just launched. Returns FALSE,
 * counting nothing, when the known total is already reached. */
static gboolean
throttler_take_ticket_locked (GopodThrottler *self,
                              guint64        *ticket)
{
  if (!self->open_ended && self->started >= self->total_jobs)
    return FALSE;

  *ticket = ++self->started;
  return TRUE;
}

static void
throttler_critical_past_total (GopodThrottler *self,
                               const char     *caller)
{
  g_critical ("%s: throttle called more often than total_jobs (%u); "
              "the extra call was not counted",
              caller, self->total_jobs);
}

/**
 * gopod_throttler_throttle:
 * @self: a throttler
 *
 * Counts the job the loop just launched, then blocks while
 * [property@Gopod.Throttler:max-workers] or more jobs are in flight. After
 * the last of [property@Gopod.Throttler:total-jobs] jobs, blocks until
 * every job is done. Works without any running main loop.
 *
 * Calling it after the last job is a programmer error: it logs a critical,
 * counts nothing and returns at once.
 *
 * Returns: the number of jobs that ended with an error so far
 *
 * Since: 1.0
 */
guint
gopod_throttler_throttle (GopodThrottler *self)
{
  ThrottlerTicket ticket = { self, 0, FALSE };
  gboolean counted;
  guint error_count;

  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);

  g_mutex_lock (&self->lock);
  counted = throttler_take_ticket_locked (self, &ticket.ticket);
  /* No cancellable, no deadline: it returns only once the ticket is free. */
  if (counted)
    gopod_wait_until (&self->tickets, throttler_ticket_ready, &ticket, NULL, NULL);
  error_count = self->errors->len;
  g_mutex_unlock (&self->lock);

  if (!counted)
    throttler_critical_past_total (self, G_STRFUNC);

  return error_count;
}

/**
 * gopod_throttler_wait:
 * @self: a throttler
 *
 * Blocks until every job counted so far is done. This is how a loop with
 * an open-ended total (`total_jobs` 0) ends, like a `sync.WaitGroup`'s
 * `Wait`. Works without any running main loop.
 *
 * Returns: the number of jobs that ended with an error so far
 *
 * Since: 1.0
 */
guint
gopod_throttler_wait (GopodThrottler *self)
{
  ThrottlerTicket ticket = { self, IDLE_TICKET, FALSE };
  guint error_count;

  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);

  g_mutex_lock (&self->lock);
  gopod_wait_until (&self->idle, throttler_ticket_ready, &ticket, NULL, NULL);
  error_count = self->errors->len;
  g_mutex_unlock (&self->lock);

  return error_count;
}

/* The async twins: the task waits in a list, not in a thread; the ticket
 * is its task data, so it lives as long as the waiter. */
static void
throttler_begin_async (GopodThrottler *self,
                       gboolean        take_ticket,
                       GTask          *task)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  ThrottlerTicket *ticket = g_new (ThrottlerTicket, 1);
  gboolean counted = TRUE;

  *ticket = (ThrottlerTicket) { self, IDLE_TICKET, FALSE };
  g_task_set_task_data (task, ticket, g_free);

  g_mutex_lock (&self->lock);
  if (take_ticket)
    counted = throttler_take_ticket_locked (self, &ticket->ticket);
  if (counted)
    gopod_wait_until_async (take_ticket ? &self->tickets : &self->idle,
                            throttler_ticket_ready, ticket, task, &out);
  g_mutex_unlock (&self->lock);

  gopod_outbox_flush (&out);
  if (!counted)
    {
      throttler_critical_past_total (self, "gopod_throttler_throttle_async");
      g_task_return_boolean (task, TRUE);
    }
}

/* The public *_finish functions check @result themselves, so that a
 * critical names the function the caller actually called. The error count
 * is the one when the caller collects the result. */
static guint
throttler_finish_async (GopodThrottler  *self,
                        GAsyncResult    *result,
                        GError         **error)
{
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return 0;

  return gopod_throttler_get_error_count (self);
}

/**
 * gopod_throttler_throttle_async:
 * @self: a throttler
 * @cancellable: (nullable): stops the wait
 * @callback: (scope async): called when the loop may launch the next job
 * @user_data: (closure): data for @callback
 *
 * Does what [method@Gopod.Throttler.throttle] does without blocking: the
 * job just launched is counted at once, and @callback runs on the
 * thread-default main context of the caller when the next job may be
 * launched (after the last job, when every job is done). This lets a
 * main-loop program whose [method@Gopod.Throttler.done] calls come from the
 * same loop throttle without a deadlock.
 *
 * Cancelling @cancellable only stops the wait: the job stays counted, as
 * it was already launched.
 *
 * Since: 1.0
 */
void
gopod_throttler_throttle_async (GopodThrottler      *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GOPOD_IS_THROTTLER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_throttler_throttle_async);
  g_task_set_name (task, "[pod-glib] throttle");
  throttler_begin_async (self, TRUE, task);
}

/**
 * gopod_throttler_throttle_finish:
 * @self: a throttler
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Gopod.Throttler.throttle_async].
 *
 * Returns: the number of jobs that ended with an error so far, or 0 with
 *   @error set to %G_IO_ERROR_CANCELLED if the wait was cancelled
 *
 * Since: 1.0
 */
guint
gopod_throttler_throttle_finish (GopodThrottler  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_async_result_is_tagged (result, gopod_throttler_throttle_async), 0);

  return throttler_finish_async (self, result, error);
}

/**
 * gopod_throttler_wait_async:
 * @self: a throttler
 * @cancellable: (nullable): stops the wait
 * @callback: (scope async): called once no job is in flight
 * @user_data: (closure): data for @callback
 *
 * Does what [method@Gopod.Throttler.wait] does without blocking; @callback
 * runs on the thread-default main context of the caller.
 *
 * Since: 1.0
 */
void
gopod_throttler_wait_async (GopodThrottler      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GOPOD_IS_THROTTLER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_throttler_wait_async);
  g_task_set_name (task, "[pod-glib] throttler wait");
  throttler_begin_async (self, FALSE, task);
}

/**
 * gopod_throttler_wait_finish:
 * @self: a throttler
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Gopod.Throttler.wait_async].
 *
 * Returns: the number of jobs that ended with an error so far, or 0 with
 *   @error set to %G_IO_ERROR_CANCELLED if the wait was cancelled
 *
 * Since: 1.0
 */
guint
gopod_throttler_wait_finish (GopodThrottler  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_async_result_is_tagged (result, gopod_throttler_wait_async), 0);

  return throttler_finish_async (self, result, error);
}

/**
 * gopod_throttler_done:
 * @self: a throttler
 * @error: (nullable): why the job failed, or %NULL if it succeeded
 *
 * Tells the throttler that a job ended, like throttler's `Done(err)`; a
 * copy of @error is kept. May be called from any thread, before or after
 * the [method@Gopod.Throttler.throttle] that counted the job.
 *
 * Calling it more often than [property@Gopod.Throttler:total-jobs] is a
 * programmer error: it logs a critical and the call is ignored.
 *
 * From Python, call [method@Gopod.Throttler.done_ok] for a success.
 *
 * Since: 1.0
 */
void
gopod_throttler_done (GopodThrottler *self,
                      const GError   *error)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gboolean surplus;

  g_return_if_fail (GOPOD_IS_THROTTLER (self));

  g_mutex_lock (&self->lock);
  surplus = !self->open_ended && self->completed >= self->total_jobs;
  if (!surplus)
    {
      self->completed++;
      if (error != NULL)
        g_ptr_array_add (self->errors, g_error_copy (error));
      throttler_fire_free_locked (self, &out);
    }
  g_mutex_unlock (&self->lock);

  if (surplus)
    {
      g_critical ("%s: done called more often than total_jobs (%u); "
                  "the extra call was ignored",
                  G_STRFUNC, self->total_jobs);
      return;
    }

  if (error != NULL)
    gopod_notify_queue (&self->notify, PROP_ERROR_COUNT);
  gopod_outbox_flush (&out);
}

/**
 * gopod_throttler_done_ok:
 * @self: a throttler
 *
 * Tells the throttler that a job succeeded: the same as
 * [method@Gopod.Throttler.done] with a %NULL error, for bindings that cannot
 * pass a null #GError (PyGObject 3.42 rejects `None` there).
 *
 * Since: 1.0
 */
void
gopod_throttler_done_ok (GopodThrottler *self)
{
  /* Checked here too, so that the critical names this function. */
  g_return_if_fail (GOPOD_IS_THROTTLER (self));

  gopod_throttler_done (self, NULL);
}

/**
 * gopod_throttler_get_max_workers:
 * @self: a throttler
 *
 * Gets [property@Gopod.Throttler:max-workers].
 *
 * Returns: how many jobs may be in flight at once
 *
 * Since: 1.0
 */
guint
gopod_throttler_get_max_workers (GopodThrottler *self)
{
  guint max_workers;

  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);

  g_mutex_lock (&self->lock);
  max_workers = self->max_workers;
  g_mutex_unlock (&self->lock);

  return max_workers;
}

/**
 * gopod_throttler_set_max_workers:
 * @self: a throttler
 * @max_workers: how many jobs may be in flight at once, at least 1
 *
 * Changes the bound, like throttler's `SetMaxWorkers`. A larger bound wakes
 * a waiting [method@Gopod.Throttler.throttle] at once; a smaller one holds
 * from the next `throttle` on, even while more jobs than the new bound are
 * in flight.
 *
 * Since: 1.0
 */
void
gopod_throttler_set_max_workers (GopodThrottler *self,
                                 guint           max_workers)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  gboolean changed, grows;

  g_return_if_fail (GOPOD_IS_THROTTLER (self));
  g_return_if_fail (max_workers > 0);

  g_mutex_lock (&self->lock);
  grows = max_workers > self->max_workers;
  changed = self->max_workers != max_workers;
  self->max_workers = max_workers;
  if (grows)
    throttler_fire_free_locked (self, &out);
  g_mutex_unlock (&self->lock);

  if (changed)
    gopod_notify_queue (&self->notify, PROP_MAX_WORKERS);
  gopod_outbox_flush (&out);
}

/**
 * gopod_throttler_get_total_jobs:
 * @self: a throttler
 *
 * Gets [property@Gopod.Throttler:total-jobs], like throttler's `TotalJobs`.
 *
 * Returns: the number of jobs (of batches, for a batched throttler), or 0
 *   if the total is not known in advance
 *
 * Since: 1.0
 */
guint
gopod_throttler_get_total_jobs (GopodThrottler *self)
{
  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);

  /* Set before the throttler is shared, never changed. */
  return self->total_jobs;
}

static guint
throttler_clamp_index (guint64 index)
{
  return (guint) MIN (index, (guint64) G_MAXUINT);
}

/**
 * gopod_throttler_get_batch_start_index:
 * @self: a throttler
 *
 * The index of the first item of the next batch, the one the next
 * [method@Gopod.Throttler.throttle] will count, like throttler's
 * `BatchStartIndex`. Meaningful when a single thread runs the loop.
 *
 * Returns: the number of jobs counted so far times the batch size
 *
 * Since: 1.0
 */
guint
gopod_throttler_get_batch_start_index (GopodThrottler *self)
{
  guint64 start;

  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);

  g_mutex_lock (&self->lock);
  start = self->started * self->batch_size;
  g_mutex_unlock (&self->lock);

  return throttler_clamp_index (start);
}

/**
 * gopod_throttler_get_batch_end_index:
 * @self: a throttler
 *
 * The index just past the last item of the next batch, like throttler's
 * `BatchEndIndex`: the next batch is the items from
 * [method@Gopod.Throttler.get_batch_start_index] up to, not including,
 * this one. The last batch may be shorter than the others.
 *
 * Returns: the end of the next batch, at most the total number of items
 *
 * Since: 1.0
 */
guint
gopod_throttler_get_batch_end_index (GopodThrottler *self)
{
  guint64 end;

  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);

  g_mutex_lock (&self->lock);
  end = (self->started + 1) * self->batch_size;
  if (!self->open_ended)
    end = MIN (end, self->total_items);
  g_mutex_unlock (&self->lock);

  return throttler_clamp_index (end);
}

/**
 * gopod_throttler_get_error_count:
 * @self: a throttler
 *
 * Gets [property@Gopod.Throttler:error-count].
 *
 * Returns: the number of jobs that ended with an error so far
 *
 * Since: 1.0
 */
guint
gopod_throttler_get_error_count (GopodThrottler *self)
{
  guint error_count;

  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), 0);

  g_mutex_lock (&self->lock);
  error_count = self->errors->len;
  g_mutex_unlock (&self->lock);

  return error_count;
}

/**
 * gopod_throttler_get_error:
 * @self: a throttler
 *
 * One error that stands for all the jobs' errors, like throttler's `Err`:
 * the first error, its message followed by " (and N more errors)" when
 * there are others.
 *
 * Returns: (transfer full) (nullable): the summary, or %NULL if no job
 *   failed
 *
 * Since: 1.0
 */
GError *
gopod_throttler_get_error (GopodThrottler *self)
{
  GError *summary = NULL;

  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), NULL);

  g_mutex_lock (&self->lock);
  if (self->errors->len == 1)
    {
      summary = g_error_copy (g_ptr_array_index (self->errors, 0));
    }
  else if (self->errors->len > 1)
    {
      const GError *first = g_ptr_array_index (self->errors, 0);

      summary = g_error_new (first->domain, first->code,
                             "%s (and %u more errors)",
                             first->message, self->errors->len - 1);
    }
  g_mutex_unlock (&self->lock);

  return summary;
}

static gpointer
throttler_copy_error (gconstpointer  src,
                      gpointer       user_data)
{
  return g_error_copy (src);
}

/**
 * gopod_throttler_get_errors:
 * @self: a throttler
 *
 * Every job's error, in the order [method@Gopod.Throttler.done] received
 * them, like throttler's `Errs`. The array owns copies of the errors:
 * free it with g_ptr_array_unref().
 *
 * Returns: (transfer container) (element-type GLib.Error): the errors, an
 *   empty array if no job failed
 *
 * Since: 1.0
 */
GPtrArray *
gopod_throttler_get_errors (GopodThrottler *self)
{
  GPtrArray *errors;

  g_return_val_if_fail (GOPOD_IS_THROTTLER (self), NULL);

  g_mutex_lock (&self->lock);
  errors = g_ptr_array_copy (self->errors, throttler_copy_error, NULL);
  g_mutex_unlock (&self->lock);
  g_ptr_array_set_free_func (errors, (GDestroyNotify) g_error_free);

  return errors;
}
