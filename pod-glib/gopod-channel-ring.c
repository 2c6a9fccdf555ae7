/* gopod-channel-ring.c: a bounded channel's values, without a lock
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-channel-ring-private.h"

#include <string.h>

#define RING_CLOSED ((gsize) 1)

/* A cell's sequence number: 2p while it waits for the value of position
 * p, 2p + 1 once that value is in. Doubled, a ring of one cell tells a
 * full cell from an empty one. */
#define RING_FREE_FOR(pos) ((pos) * 2)
#define RING_FULL_WITH(pos) ((pos) * 2 + 1)

GopodChannelRing *
gopod_channel_ring_new (guint capacity)
{
  GopodChannelRing *ring = g_aligned_alloc0 (1, sizeof (GopodChannelRing), GOPOD_CHANNEL_RING_LINE);
  gsize i;

  g_assert (gopod_channel_ring_fits (capacity));
  ring->size = capacity;
  ring->mask = (capacity & (capacity - 1)) == 0 ? capacity - 1 : 0;
  ring->cells = g_aligned_alloc0 (capacity, sizeof (GopodChannelCell), GOPOD_CHANNEL_RING_LINE);
  for (i = 0; i < capacity; i++)
    ring->cells[i].seq = RING_FREE_FOR (i);

  return ring;
}

void
gopod_channel_ring_free (GopodChannelRing *ring)
{
  GValue value;

  while (gopod_channel_ring_pop (ring, &value) == GOPOD_CHANNEL_RING_DONE)
    g_value_unset (&value);
  g_aligned_free (ring->cells);
  g_aligned_free (ring);
}

gboolean
gopod_channel_ring_fits (guint capacity)
{
  gboolean power_of_two = (capacity & (capacity - 1)) == 0;

  /* Positions count in half a gsize: with 32 bits they wrap, and only a
   * size that divides the wrap keeps each position on its cell. */
  return capacity > 0 && capacity <= GOPOD_CHANNEL_RING_MAX_CAPACITY &&
         (power_of_two || sizeof (gsize) >= 8);
}

static void (*channel_ring_test_hook) (gpointer data);
static gpointer channel_ring_test_hook_data;

void
gopod_channel_ring_set_test_hook (void     (*hook) (gpointer data),
                                  gpointer   data)
{
  if (hook != NULL)
    g_atomic_pointer_set (&channel_ring_test_hook_data, data);
  g_atomic_pointer_set (&channel_ring_test_hook, hook);
}

static void
channel_ring_call_test_hook (void)
{
  void (*hook) (gpointer) = g_atomic_pointer_get (&channel_ring_test_hook);

  if (G_UNLIKELY (hook != NULL))
    hook (g_atomic_pointer_get (&channel_ring_test_hook_data));
}

/* A power of two (the usual bounds) saves a division per operation. */
static inline GopodChannelCell *
channel_ring_cell (GopodChannelRing *ring,
                   gsize             pos)
{
  return &ring->cells[ring->mask != 0 || ring->size == 1 ? pos & ring->mask : pos % ring->size];
}

GopodChannelRingResult
gopod_channel_ring_push (GopodChannelRing *ring,
                         GValue           *value)
{
  gsize tail = g_atomic_pointer_get (&ring->tail);

  for (;;)
    {
      gsize pos = tail >> 1;
      GopodChannelCell *cell;
      gsize seq, now;

      if (tail & RING_CLOSED)
        return GOPOD_CHANNEL_RING_CLOSED;
      cell = channel_ring_cell (ring, pos);
      seq = g_atomic_pointer_get (&cell->seq);
      if (seq == RING_FREE_FOR (pos))
        {
          if (g_atomic_pointer_compare_and_exchange_full (&ring->tail, tail, tail + 2, &tail))
            {
              channel_ring_call_test_hook ();
              cell->value = *value;
              memset (value, 0, sizeof *value);
              /* Sequentially consistent, as every atomic here: a receiver
               * that links itself and then looks again sees this value, or
               * the sender's look at the receivers that follows sees it
               * (rule C10). */
              g_atomic_pointer_set (&cell->seq, RING_FULL_WITH (pos));
              return GOPOD_CHANNEL_RING_DONE;
            }
          continue;
        }
      /* The cell still holds the value of a lap ago: full, unless the tail
       * moved on meanwhile. */
      now = g_atomic_pointer_get (&ring->tail);
      if ((gssize) (seq - RING_FREE_FOR (pos)) < 0 && now == tail)
        return GOPOD_CHANNEL_RING_WOULD_BLOCK;
      tail = now;
    }
}

GopodChannelRingResult
gopod_channel_ring_pop (GopodChannelRing *ring,
                        GValue           *value)
{
  gsize head = g_atomic_pointer_get (&ring->head);

  for (;;)
    {
      gsize pos = head >> 1;
      GopodChannelCell *cell = channel_ring_cell (ring, pos);
      gsize seq = g_atomic_pointer_get (&cell->seq);
      gsize tail, now;

      if (seq == RING_FULL_WITH (pos))
        {
          if (g_atomic_pointer_compare_and_exchange_full (&ring->head, head, head + 2, &head))
            {
              *value = cell->value;
              memset (&cell->value, 0, sizeof cell->value);
              g_atomic_pointer_set (&cell->seq, RING_FREE_FOR (pos + ring->size));
              return GOPOD_CHANNEL_RING_DONE;
            }
          continue;
        }
      now = g_atomic_pointer_get (&ring->head);
      if ((gssize) (seq - RING_FULL_WITH (pos)) < 0 && now == head)
        {
          /* Empty; or a send claimed this position and is filling it: it
           * will wake a receiver that links meanwhile. Open, the tail need
           * not be read: a close that marked it and has not set
           * ring->closed yet holds the channel's lock, and wakes every
           * waiter after setting it. */
          if (!g_atomic_int_get (&ring->closed))
            return GOPOD_CHANNEL_RING_WOULD_BLOCK;
          tail = g_atomic_pointer_get (&ring->tail);
          if ((tail & RING_CLOSED) && (tail >> 1) == pos)
            return GOPOD_CHANNEL_RING_CLOSED;
          return GOPOD_CHANNEL_RING_WOULD_BLOCK;
        }
      head = now;
    }
}

gboolean
gopod_channel_ring_peek (GopodChannelRing *ring,
                         GopodChannelOp    op,
                         guint             n)
{
  gsize pos;

  g_assert (n >= 1 && n <= ring->size);
  if (op == GOPOD_CHANNEL_OP_SEND)
    {
      pos = (g_atomic_pointer_get (&ring->tail) >> 1) + n - 1;
      return g_atomic_pointer_get (&channel_ring_cell (ring, pos)->seq) == RING_FREE_FOR (pos);
    }
  pos = (g_atomic_pointer_get (&ring->head) >> 1) + n - 1;
  return g_atomic_pointer_get (&channel_ring_cell (ring, pos)->seq) == RING_FULL_WITH (pos);
}

gboolean
gopod_channel_ring_ready (GopodChannelRing *ring,
                          GopodChannelOp    op)
{
  gsize tail;

  if (gopod_channel_ring_peek (ring, op, 1))
    return TRUE;
  /* A closed ring lets a send through (to fail), a receive once drained. */
  tail = g_atomic_pointer_get (&ring->tail);
  return (tail & RING_CLOSED) &&
         (op == GOPOD_CHANNEL_OP_SEND || (tail >> 1) == g_atomic_pointer_get (&ring->head) >> 1);
}

guint
gopod_channel_ring_get_size (GopodChannelRing *ring)
{
  return (guint) ring->size;
}

void
gopod_channel_ring_close (GopodChannelRing *ring)
{
  g_atomic_pointer_or (&ring->tail, RING_CLOSED);
  g_atomic_int_set (&ring->closed, TRUE);
}

gboolean
gopod_channel_ring_is_closed (GopodChannelRing *ring)
{
  return (g_atomic_pointer_get (&ring->tail) & RING_CLOSED) != 0;
}

guint
gopod_channel_ring_length (GopodChannelRing *ring)
{
  gsize head = g_atomic_pointer_get (&ring->head) >> 1;
  gsize tail = g_atomic_pointer_get (&ring->tail) >> 1;

  /* Positions count modulo half a gsize (they wrap on 32 bits). Read
   * first, the head is never past the tail; both may have moved on in
   * between, by more than the size at worst. */
  gsize n = (tail - head) & (G_MAXSIZE >> 1);

  return (guint) MIN (n, ring->size);
}
