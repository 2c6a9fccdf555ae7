/* gopod-waiters.c: GTasks waiting on an object's condition
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-waiters-private.h"

typedef struct
{
  GopodWaitQueue *queue;
  GTask          *task;
  GSource        *cancel_source;
  GList           link;  /* in queue->tasks, so removal is O(1) */
} GopodWaiter;

/* A waiter is shared by the queue and its cancel source, whose callback may be
 * blocked on the owner's lock while the owner pops and drops the waiter. */
static void
waiters_clear (gpointer data)
{
  GopodWaiter *waiter = data;

  g_clear_object (&waiter->task);
}

static void
waiters_unref (gpointer waiter)
{
  g_atomic_rc_box_release_full (waiter, waiters_clear);
}

/* Called once the waiter has left the queue. */
static void
waiters_drop (GopodWaiter *waiter)
{
  GSource *cancel_source = g_steal_pointer (&waiter->cancel_source);

  if (cancel_source != NULL)
    {
      g_source_destroy (cancel_source);
      g_source_unref (cancel_source);
    }
  waiters_unref (waiter);
}

/* Runs on the task's context. The owner may have popped the waiter meanwhile,
 * in which case it is no longer linked and the owner answers it. */
static gboolean
waiters_on_cancelled (GCancellable *cancellable,
                      gpointer      data)
{
  GopodWaiter *waiter = data;
  GopodWaitQueue *queue = waiter->queue;
  gboolean still_waiting;
  GTask *task = NULL;

  g_mutex_lock (queue->lock);
  still_waiting = waiter->link.data != NULL;
  if (still_waiting)
    {
      g_queue_unlink (&queue->tasks, &waiter->link);
      waiter->link.data = NULL;
      task = g_steal_pointer (&waiter->task);
    }
  g_mutex_unlock (queue->lock);

  if (still_waiting)
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
      waiters_drop (waiter);
    }

  return G_SOURCE_REMOVE;
}

void
gopod_wait_queue_init (GopodWaitQueue *queue,
                       GMutex         *lock)
{
  queue->lock = lock;
  g_queue_init (&queue->tasks);
}

void
gopod_wait_queue_push (GopodWaitQueue *queue,
                       GTask          *task)
{
  GopodWaiter *waiter = g_atomic_rc_box_new0 (GopodWaiter);
  GCancellable *cancellable = g_task_get_cancellable (task);

  waiter->queue = queue;
  waiter->task = g_object_ref (task);
  waiter->link.data = waiter;
  g_queue_push_tail_link (&queue->tasks, &waiter->link);

  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (waiter->cancel_source, "[pod-glib] waiter cancelled");
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (waiters_on_cancelled),
                             g_atomic_rc_box_acquire (waiter), waiters_unref);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }
}

GTask *
gopod_wait_queue_pop (GopodWaitQueue *queue)
{
  GList *link = g_queue_pop_head_link (&queue->tasks);
  GopodWaiter *waiter;
  GTask *task;

  if (link == NULL)
    return NULL;

  waiter = link->data;
  waiter->link.data = NULL;
  task = g_steal_pointer (&waiter->task);
  waiters_drop (waiter);

  return task;
}

gboolean
gopod_wait_queue_is_empty (GopodWaitQueue *queue)
{
  return g_queue_is_empty (&queue->tasks);
}

guint
gopod_wait_queue_length (GopodWaitQueue *queue)
{
  return g_queue_get_length (&queue->tasks);
}

void
gopod_wait_queue_steal_all (GopodWaitQueue *queue,
                            GQueue         *out)
{
  GTask *task;

  while ((task = gopod_wait_queue_pop (queue)) != NULL)
    g_queue_push_tail (out, task);
}
