/* test-waiters.c: GopodWaitQueue, the private FIFO of waiting GTasks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-waiters-private.h"
#include "test-utils.h"

/* An owner as the classes have one: a lock, a queue, an object the tasks
 * keep alive as their source object. */
typedef struct
{
  GMutex          lock;
  GopodWaitQueue  queue;
  GObject        *object;
} Owner;

/* How one waiting task ended. */
typedef struct
{
  gboolean  done;
  gboolean  value;
  GError   *error;
  GThread  *thread;
} Outcome;

static void
owner_init (Owner *owner)
{
  g_mutex_init (&owner->lock);
  gopod_wait_queue_init (&owner->queue, &owner->lock);
  owner->object = g_object_new (G_TYPE_OBJECT, NULL);
}

static void
owner_clear (Owner *owner)
{
  g_mutex_lock (&owner->lock);
  g_assert_true (gopod_wait_queue_is_empty (&owner->queue));
  g_mutex_unlock (&owner->lock);
  g_clear_object (&owner->object);
  g_mutex_clear (&owner->lock);
}

static void
outcome_store (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Outcome *outcome = data;

  g_assert_false (outcome->done);
  outcome->value = g_task_propagate_boolean (G_TASK (result), &outcome->error);
  outcome->thread = g_thread_self ();
  outcome->done = TRUE;
}

/* Queues a new task on the calling thread's thread-default context. */
static void
owner_push (Owner        *owner,
            GCancellable *cancellable,
            Outcome      *outcome)
{
  g_autoptr(GTask) task = g_task_new (owner->object, cancellable, outcome_store, outcome);

  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, outcome, NULL);  /* to tell the tasks apart */
  g_mutex_lock (&owner->lock);
  gopod_wait_queue_push (&owner->queue, task);
  g_mutex_unlock (&owner->lock);
}

static GTask *
owner_pop (Owner *owner)
{
  GTask *task;

  g_mutex_lock (&owner->lock);
  task = gopod_wait_queue_pop (&owner->queue);
  g_mutex_unlock (&owner->lock);
  return task;
}

static guint
owner_length (Owner *owner)
{
  guint n;

  g_mutex_lock (&owner->lock);
  n = gopod_wait_queue_length (&owner->queue);
  g_mutex_unlock (&owner->lock);
  return n;
}

/* The owner's answer: outside its lock, as the classes do. */
static void
answer (GTask *task)
{
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
drain (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

/* Waiters leave in the order they came. */
static void
test_wait_queue_fifo (void)
{
  Owner owner;
  Outcome outcomes[3] = { { 0 } };
  GTask *task;

  owner_init (&owner);
  g_assert_null (owner_pop (&owner));
  for (guint i = 0; i < 3; i++)
    owner_push (&owner, NULL, &outcomes[i]);
  g_assert_cmpuint (owner_length (&owner), ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      task = owner_pop (&owner);
      g_assert_true (g_task_get_task_data (task) == &outcomes[i]);
      g_assert_true (g_task_get_source_object (task) == owner.object);
      answer (task);
      drain (NULL);
      for (guint j = 0; j < 3; j++)
        g_assert_cmpint (outcomes[j].done, ==, j <= i);
    }
  g_assert_null (owner_pop (&owner));
  owner_clear (&owner);
}

/* Cancelling a waiter takes it out of the queue and answers it with
 * G_IO_ERROR_CANCELLED; the others keep their places. */
static void
test_wait_queue_cancel (void)
{
  Owner owner;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome first = { 0 }, second = { 0 };

  owner_init (&owner);
  owner_push (&owner, cancellable, &first);
  owner_push (&owner, NULL, &second);

  g_cancellable_cancel (cancellable);
  drain (NULL);
  g_assert_true (first.done);
  g_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (second.done);
  g_assert_cmpuint (owner_length (&owner), ==, 1);

  answer (owner_pop (&owner));
  drain (NULL);
  g_assert_true (second.done);
  g_assert_true (second.value);
  g_clear_error (&first.error);
  owner_clear (&owner);
}

/* A waiter the owner already popped belongs to the owner: a cancel that
 * comes afterwards does not answer it a second time. (Popping destroys the
 * waiter's cancel source; the check in waiter_cancelled() covers a cancel
 * already dispatching on another thread, which this test cannot order.) */
static void
test_wait_queue_cancel_after_pop (void)
{
  Owner owner;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome outcome = { 0 };
  GTask *task;

  owner_init (&owner);
  owner_push (&owner, cancellable, &outcome);
  task = owner_pop (&owner);
  g_cancellable_cancel (cancellable);
  drain (NULL);
  g_assert_false (outcome.done);

  answer (task);
  drain (NULL);
  g_assert_true (outcome.done);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.value);
  owner_clear (&owner);
}

/* steal_all empties the queue in order; the stolen waiters no longer
 * listen to their cancellables. */
static void
test_wait_queue_steal_all (void)
{
  Owner owner;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome outcomes[3] = { { 0 } };
  GQueue stolen = G_QUEUE_INIT;
  GTask *task;

  owner_init (&owner);
  for (guint i = 0; i < 3; i++)
    owner_push (&owner, cancellable, &outcomes[i]);

  g_mutex_lock (&owner.lock);
  gopod_wait_queue_steal_all (&owner.queue, &stolen);
  g_assert_true (gopod_wait_queue_is_empty (&owner.queue));
  g_mutex_unlock (&owner.lock);
  g_assert_cmpuint (stolen.length, ==, 3);

  g_cancellable_cancel (cancellable);
  drain (NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_false (outcomes[i].done);

  for (guint i = 0; (task = g_queue_pop_head (&stolen)) != NULL; i++)
    {
      g_assert_true (g_task_get_task_data (task) == &outcomes[i]);
      answer (task);
    }
  drain (NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (outcomes[i].done && outcomes[i].value);
  owner_clear (&owner);
}

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

/* A cancel from another thread is answered on the waiter's own context,
 * by the thread that runs it; the global default context is not used. */
static void
test_wait_queue_cancel_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Owner owner;
  Outcome outcome = { 0 };

  owner_init (&owner);
  g_main_context_push_thread_default (context);
  owner_push (&owner, cancellable, &outcome);
  g_main_context_pop_thread_default (context);

  g_thread_join (g_thread_new ("cancel", cancel_thread, cancellable));
  drain (NULL);
  g_assert_false (outcome.done);
  /* Not even taken out of the queue yet: that too happens on its context. */
  g_assert_cmpuint (owner_length (&owner), ==, 1);

  test_iterate_until (context, &outcome.done, 10000);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (outcome.thread == g_thread_self ());
  g_assert_cmpuint (owner_length (&owner), ==, 0);
  g_clear_error (&outcome.error);
  owner_clear (&owner);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Gopod/WaitQueue/fifo", test_wait_queue_fifo);
  g_test_add_func ("/Gopod/WaitQueue/cancel", test_wait_queue_cancel);
  g_test_add_func ("/Gopod/WaitQueue/cancel-after-pop", test_wait_queue_cancel_after_pop);
  g_test_add_func ("/Gopod/WaitQueue/steal-all", test_wait_queue_steal_all);
  g_test_add_func ("/Gopod/WaitQueue/cancel-context", test_wait_queue_cancel_context);

  return g_test_run ();
}
