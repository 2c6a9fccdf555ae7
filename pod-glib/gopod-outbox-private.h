/* gopod-outbox-private.h: decide under the lock, act after it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "gopod-wait-private.h"

G_BEGIN_DECLS

/*
 * Code holding an owner's lock only decides: whom to wake, what to unref,
 * which task to answer, which notification to queue. It records each action
 * in a GopodOutbox on its stack, unlocks, and flushes the outbox, which runs
 * the actions in the order they were added (rule 3 of doc/internals.md: no
 * lock is held while user code runs, and destroy notifies, finalizers and
 * GTask callbacks are user code).
 */
typedef void (*GopodOutboxFunc) (gpointer data);

typedef struct
{
  GopodOutboxFunc func;
  gpointer        data;
} GopodOutboxItem;

#define GOPOD_OUTBOX_INLINE 8

typedef struct _GopodOutbox
{
  guint            n;
  GopodOutboxItem  items[GOPOD_OUTBOX_INLINE];
  GArray          *more;  /* of GopodOutboxItem, once the inline items are full */
} GopodOutbox;

#define GOPOD_OUTBOX_INIT { 0, { { NULL, NULL } }, NULL }

void  gopod_outbox_init   (GopodOutbox     *out);
void  gopod_outbox_add    (GopodOutbox     *out,
                           GopodOutboxFunc  func,
                           gpointer         data);
/* Runs and forgets every action; the outbox can be used again. */
void  gopod_outbox_flush  (GopodOutbox     *out);

/* Common actions. */
static inline void
gopod_outbox_wake (GopodOutbox *out,
                   GopodWaiter *waiter)
{
  gopod_outbox_add (out, (GopodOutboxFunc) gopod_waiter_wake, waiter);
}

static inline void
gopod_outbox_unref (GopodOutbox *out,
                    gpointer     object)
{
  gopod_outbox_add (out, g_object_unref, object);
}

G_END_DECLS
