/* gopod-outbox.c: decide under the lock, act after it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-outbox-private.h"

#include <string.h>

void
gopod_outbox_init (GopodOutbox *out)
{
  out->n = 0;
  out->more = NULL;
}

void
gopod_outbox_add (GopodOutbox     *out,
                  GopodOutboxFunc  func,
                  gpointer         data)
{
  GopodOutboxItem item = { func, data };

  if (out->n < GOPOD_OUTBOX_INLINE)
    {
      out->items[out->n++] = item;
      return;
    }
  if (out->more == NULL)
    out->more = g_array_new (FALSE, FALSE, sizeof (GopodOutboxItem));
  g_array_append_val (out->more, item);
}

void
gopod_outbox_flush (GopodOutbox *out)
{
  GopodOutboxItem items[GOPOD_OUTBOX_INLINE];
  GArray *more = g_steal_pointer (&out->more);
  guint n = out->n;
  guint i;

  /* Reset first: an action may queue more work on the same outbox, which
   * the caller then flushes again. */
  memcpy (items, out->items, n * sizeof items[0]);
  out->n = 0;
  for (i = 0; i < n; i++)
    items[i].func (items[i].data);
  if (more == NULL)
    return;
  for (i = 0; i < more->len; i++)
    {
      GopodOutboxItem *item = &g_array_index (more, GopodOutboxItem, i);

      item->func (item->data);
    }
  g_array_unref (more);
}
