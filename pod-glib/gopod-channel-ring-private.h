/* gopod-channel-ring-private.h: a bounded channel's values, without a lock
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

#include "gopod-channel-private.h"

G_BEGIN_DECLS

/*
 * The buffer of a channel of a small bound (1 to
 * GOPOD_CHANNEL_RING_MAX_CAPACITY): a ring of cells that a sender and a
 * receiver fill and empty without the channel's lock (internals rule C10).
 * Each cell carries a sequence number that says whose turn it is: the
 * sender of position p finds 2p in it, the receiver of p finds 2p + 1. A
 * sender claims a position by a compare-and-swap of the tail, a receiver by
 * one of the head, so two operations meet only on the cell they share.
 *
 * The tail's lowest bit is the closed mark: closing sets it, and a send
 * claims a position only from a tail without it, so a send and the close
 * are ordered on one word and no value gets in after the close.
 */

/* Larger bounds would preallocate that many cells: they keep the growing
 * ring under the channel's lock. */
#define GOPOD_CHANNEL_RING_MAX_CAPACITY 4096

#define GOPOD_CHANNEL_RING_LINE 64

/* A cache line each: a receiver reading one cell does not take from the
 * sender the line of the next one it fills (the buffered case measured
 * half as fast with two cells to a line). */
typedef struct
{
  gsize   seq;    /* atomic: see above */
  GValue  value;  /* owned by whoever the sequence number says */
} __attribute__ ((aligned (GOPOD_CHANNEL_RING_LINE))) GopodChannelCell;

struct _GopodChannelRing
{
  /* Each on a line of its own: senders write the tail, receivers the head. */
  gsize             tail __attribute__ ((aligned (GOPOD_CHANNEL_RING_LINE)));  /* atomic: position << 1 | closed */
  gsize             head __attribute__ ((aligned (GOPOD_CHANNEL_RING_LINE)));  /* atomic: position << 1 */
  /* Set once by the close, after the tail's mark, on the receivers' line:
   * a receive at an empty ring learns that it is open without reading the
   * tail, which the senders write at every value. */
  gint              closed;  /* atomic */
  GopodChannelCell *cells __attribute__ ((aligned (GOPOD_CHANNEL_RING_LINE)));
  gsize             size;
  gsize             mask;  /* size - 1 when size is a power of two, else 0 */
};

typedef enum
{
  GOPOD_CHANNEL_RING_DONE,         /* the value went in, or came out */
  GOPOD_CHANNEL_RING_CLOSED,       /* send: closed; receive: closed and drained */
  GOPOD_CHANNEL_RING_WOULD_BLOCK,  /* full, or empty (or a send still filling the oldest cell) */
} GopodChannelRingResult;

/* Whether a channel of @capacity gets a ring. */
gboolean                gopod_channel_ring_fits   (guint             capacity);
GopodChannelRing       *gopod_channel_ring_new    (guint             capacity);
/* Frees the ring and the values left in it; nobody else may use it. */
void                    gopod_channel_ring_free   (GopodChannelRing *ring);
/* Moves @value (of the element type) in on DONE; otherwise leaves it. */
GopodChannelRingResult  gopod_channel_ring_push   (GopodChannelRing *ring,
                                                   GValue           *value);
/* Moves the oldest value into @value (uninitialised) on DONE. */
GopodChannelRingResult  gopod_channel_ring_pop    (GopodChannelRing *ring,
                                                   GValue           *value);
/* Whether @op would not return WOULD_BLOCK now. */
gboolean                gopod_channel_ring_ready  (GopodChannelRing *ring,
                                                   GopodChannelOp    op);
/* For a spin: whether @n operations @op could happen now (@n cells are
 * free, or full), reading only the side's own position and the @n-th cell,
 * never the other side's position (a spinner reading the line the other
 * side writes at every operation would slow it down); blind to a close. */
gboolean                gopod_channel_ring_peek   (GopodChannelRing *ring,
                                                   GopodChannelOp    op,
                                                   guint             n);
guint                   gopod_channel_ring_get_size (GopodChannelRing *ring);
void                    gopod_channel_ring_close  (GopodChannelRing *ring);
gboolean                gopod_channel_ring_is_closed (GopodChannelRing *ring);
/* A test hook (see internals, "Test hooks"): called by a send between
 * claiming its cell and filling it, so that a test can hold a send there. */
void                    gopod_channel_ring_set_test_hook (void     (*hook) (gpointer data),
                                                          gpointer   data);
/* Values in the ring, counting sends still filling their cell. */
guint                   gopod_channel_ring_length (GopodChannelRing *ring);

G_END_DECLS
