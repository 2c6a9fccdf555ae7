/* gopod-channel-bounded.c: the operations of a channel whose buffer is a
 * lock-free ring (a bound of 1 to GOPOD_CHANNEL_RING_MAX_CAPACITY)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-channel-bounded-private.h"

#include "gopod-error.h"
#include "gopod-outbox-private.h"

/* How long a blocked operation spins before it links a waiter: about the
 * time the other side takes for a few operations, so that a sender at a
 * full buffer (or a receiver at an empty one) that the other side is
 * working on gets in without the lock. */
#define CHANNEL_BOUNDED_SPIN_US 4
/* An operation waits for a run of cells, not one: going through a run
 * while the other side works further on, the two sides stop taking one
 * cache line from each other at every value. A sender at a full ring (it
 * is not waited for) waits for a run of free cells all the spin long, a
 * receiver (whose value someone may wait for) for a run of values only in
 * the first µs. */
#define CHANNEL_BOUNDED_RUN_US  1
#define CHANNEL_BOUNDED_RUN     16

static GopodWaitList *
channel_bounded_list (GopodChannel   *self,
                      GopodChannelOp  op)
{
  return op == GOPOD_CHANNEL_OP_SEND ? &self->senders : &self->receivers;
}

static GopodChannelOp
channel_bounded_other (GopodChannelOp op)
{
  return op == GOPOD_CHANNEL_OP_SEND ? GOPOD_CHANNEL_OP_RECEIVE : GOPOD_CHANNEL_OP_SEND;
}

/* Tells the first waiter for @op to look again, if one may be linked. A
 * send into a closed ring (one that claimed its cell before the close)
 * tells every receiver: those that find nothing left learn of the close. */
static void
channel_bounded_kick (GopodChannel   *self,
                      GopodChannelOp  op)
{
  GopodWaitList *list = channel_bounded_list (self, op);
  GopodOutbox out;

  if (!gopod_wait_list_has_links (list))
    return;
  gopod_outbox_init (&out);
  gopod_wait_lock (&self->lock);
  if (op == GOPOD_CHANNEL_OP_RECEIVE && gopod_channel_ring_is_closed (self->fast))
    gopod_wait_list_fire_all (list, &out);
  else
    gopod_wait_list_fire_first (list, &out);
  g_mutex_unlock (&self->lock);
  gopod_outbox_flush (&out);
}

gboolean
gopod_channel_bounded_try (GopodChannel     *self,
                           GopodChannelOp    op,
                           GopodChannelSlot *slot)
{
  GopodChannelRingResult result;

  result = op == GOPOD_CHANNEL_OP_SEND ? gopod_channel_ring_push (self->fast, &slot->value)
                                       : gopod_channel_ring_pop (self->fast, &slot->value);
  switch (result)
    {
    case GOPOD_CHANNEL_RING_DONE:
      channel_bounded_kick (self, channel_bounded_other (op));
      gopod_notify_queue_deferred_mask (&self->notify, GOPOD_CHANNEL_NOTIFY_LENGTH);
      return TRUE;
    case GOPOD_CHANNEL_RING_CLOSED:
      slot->closed = TRUE;
      return TRUE;
    case GOPOD_CHANNEL_RING_WOULD_BLOCK:
    default:
      return FALSE;
    }
}

void
gopod_channel_pass_on (GopodChannel   *self,
                       GopodChannelOp  op)
{
  /* Nobody waiting is the common case: one load. The peek need not see a
   * close: the close wakes every waiter itself. */
  if (self->fast != NULL && gopod_wait_list_has_links (channel_bounded_list (self, op)) &&
      gopod_channel_ring_peek (self->fast, op, 1))
    channel_bounded_kick (self, op);
}

gboolean
gopod_channel_fires_to_look_again (GopodChannel *self)
{
  return self->fast != NULL;
}

gboolean
gopod_channel_peek (GopodChannel   *self,
                    GopodChannelOp  op)
{
  return self->fast != NULL && gopod_channel_ring_peek (self->fast, op, 1);
}

typedef struct
{
  GopodChannelRing *ring;
  GopodChannelOp    op;
  guint             n;
} ChannelBoundedPeek;

static gboolean
channel_bounded_peek (gpointer data)
{
  ChannelBoundedPeek *peek = data;

  return gopod_channel_ring_peek (peek->ring, peek->op, peek->n);
}

/* Tries, and while the ring says no, spins a little and tries again
 * (rule C10.5). */
static gboolean
channel_bounded_try_spinning (GopodChannel     *self,
                              GopodChannelOp    op,
                              GopodChannelSlot  *slot)
{
  guint run = MAX (1, MIN (gopod_channel_ring_get_size (self->fast) / 4, CHANNEL_BOUNDED_RUN));
  ChannelBoundedPeek peek = { self->fast, op, run };
  gint64 now, run_until, spin_until;

  if (gopod_channel_bounded_try (self, op, slot))
    return TRUE;
  now = g_get_monotonic_time ();
  run_until = now + (op == GOPOD_CHANNEL_OP_SEND ? CHANNEL_BOUNDED_SPIN_US : CHANNEL_BOUNDED_RUN_US);
  /* Past its spin, a sender still takes the one free cell there may be. */
  spin_until = now + CHANNEL_BOUNDED_SPIN_US;
  for (;;)
    {
      if (peek.n > 1 && now >= run_until)
        peek.n = 1;
      if (!gopod_wait_spin_until (channel_bounded_peek, &peek, peek.n > 1 ? run_until : spin_until) &&
          peek.n == 1)
        return FALSE;
      if (gopod_channel_bounded_try (self, op, slot))
        return TRUE;
      /* Taken by someone else first. */
      now = g_get_monotonic_time ();
      if (now >= spin_until)
        return FALSE;
    }
}

GopodChannelLinkResult
gopod_channel_bounded_link (GopodChannel     *self,
                            GopodChannelOp    op,
                            GopodWaitLink    *link,
                            gint              code,
                            GopodChannelSlot *slot)
{
  GopodWaitList *list = channel_bounded_list (self, op);
  GopodChannelLinkResult result = GOPOD_CHANNEL_LINKED;

  gopod_wait_lock (&self->lock);
  if (gopod_waiter_has_fired (link->waiter))
    result = GOPOD_CHANNEL_FIRED;
  else
    {
      /* Linked first, then the look: a value that came before the link is
       * seen here, one that comes after it sees the link (rule C10). */
      gopod_wait_list_push (list, link, code, slot);
      if (gopod_channel_ring_ready (self->fast, op))
        {
          gopod_wait_list_unlink (list, link);
          result = GOPOD_CHANNEL_READY;
        }
    }
  g_mutex_unlock (&self->lock);

  return result;
}

/* Links a waiter and blocks until told to look again (GOPOD_WAIT_FIRED), or
 * cancelled. */
static gint
channel_bounded_wait (GopodChannel     *self,
                      GopodChannelOp    op,
                      GopodChannelSlot *slot,
                      GCancellable     *cancellable)
{
  GopodWaiter waiter;
  gint code;

  gopod_waiter_init_blocking (&waiter);
  gopod_waiter_set_cancellable (&waiter, cancellable, GOPOD_WAIT_CANCELLED);
  if (gopod_channel_bounded_link (self, op, &waiter.link, GOPOD_WAIT_FIRED, slot) == GOPOD_CHANNEL_READY)
    code = GOPOD_WAIT_FIRED;
  else
    {
      code = gopod_waiter_block (&waiter);
      /* A look-again took the link out on the way; a cancel did not. */
      if (code < 0)
        gopod_waiter_unlink_all (&waiter, NULL);
    }
  gopod_waiter_clear_blocking (&waiter);

  return code;
}

gboolean
gopod_channel_bounded_blocking (GopodChannel      *self,
                                GopodChannelOp     op,
                                GopodChannelSlot  *slot,
                                GCancellable      *cancellable,
                                GError           **error)
{
  gboolean told = FALSE;
  gint code;

  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          /* What this wait was told of is someone else's now. */
          if (told)
            gopod_channel_pass_on (self, op);
          return FALSE;
        }
      if (channel_bounded_try_spinning (self, op, slot))
        {
          /* The wake may have been for a later cell than the one taken
           * (values published out of order): pass it on (rule C10.4). */
          if (told)
            gopod_channel_pass_on (self, op);
          break;
        }
      code = channel_bounded_wait (self, op, slot, cancellable);
      if (code < 0)
        {
          gopod_wait_set_error (code, error);
          return FALSE;
        }
      told = TRUE;
    }

  if (!slot->closed)
    return TRUE;
  g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED, "The channel is closed");
  return FALSE;
}
