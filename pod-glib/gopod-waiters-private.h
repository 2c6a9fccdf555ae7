/* gopod-waiters-private.h: GTasks waiting on an object's condition
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A FIFO of GTasks waiting for something guarded by an owner's mutex (a job to
 * end, a pod to go idle, a resource to be released...). Cancelling a waiting
 * task's cancellable removes it and returns G_IO_ERROR_CANCELLED on the task's
 * own main context; otherwise the owner pops it, under its lock, and returns
 * a result outside the lock. Each task must hold a reference to the owner
 * (its source object), which keeps the queue alive while tasks wait.
 */
typedef struct
{
  GMutex *lock;
  GQueue  tasks;  /* of GopodWaiter, private to gopod-waiters.c */
} GopodWaitQueue;

void      gopod_wait_queue_init    (GopodWaitQueue *queue,
                                    GMutex         *lock);
/* Called with queue->lock held. Takes a reference to @task. */
void      gopod_wait_queue_push    (GopodWaitQueue *queue,
                                    GTask          *task);
/* Called with queue->lock held: the oldest waiter (transfer full), or NULL. */
GTask    *gopod_wait_queue_pop     (GopodWaitQueue *queue);
/* Called with queue->lock held. */
gboolean  gopod_wait_queue_is_empty (GopodWaitQueue *queue);
guint     gopod_wait_queue_length  (GopodWaitQueue *queue);
/* Called with queue->lock held: moves every waiter to @out, oldest first. */
void      gopod_wait_queue_steal_all (GopodWaitQueue *queue,
                                      GQueue         *out);

G_END_DECLS
