/* gopod-channel-private.h: what a select needs of a channel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-channel.h"
#include "gopod-channel-value-private.h"
#include "gopod-notify-private.h"
#include "gopod-wait-private.h"

G_BEGIN_DECLS

typedef struct _GopodChannelTimer GopodChannelTimer;

/* The notification bit of GopodChannel:length (1 << its property id). */
#define GOPOD_CHANNEL_NOTIFY_LENGTH (1u << 3)
typedef struct _GopodChannelRing GopodChannelRing;

/* Shared by gopod-channel.c and gopod-channel-bounded.c (the operations of
 * a channel whose buffer is a lock-free ring). */
struct _GopodChannel
{
  GObject            parent_instance;

  GType              element_type;
  guint              capacity;
  GopodNotify        notify;
  GopodChannelTimer *timer;      /* timers and tickers; set before sharing */
  GopodChannelRing  *fast;       /* a bound of 1 to GOPOD_CHANNEL_RING_MAX_CAPACITY:
                                  * the buffer, used without the lock (rule C10); else NULL */

  /* Guarded by @lock: */
  GMutex             lock;
  GValue            *ring;       /* without @fast: buffered values, @head first */
  guint              ring_size;  /* 0 or a power of two */
  guint              head;
  guint              length;
  gboolean           closed;
  GopodWaitList      receivers;  /* links whose data is a GopodChannelSlot to fill */
  GopodWaitList      senders;    /* links whose data is a GopodChannelSlot to take */
  GSource           *timer_source;  /* until closed */
};

/*
 * A slot is one side of a transfer: a sender's value waiting to be taken, or
 * the place a receiver's value goes. Whoever fires a waiter linked with a
 * slot fills or empties it under the channel's lock, before waking it.
 */
typedef struct
{
  GValue   value;   /* send: the value to give (moved out when taken); receive: the value taken */
  gboolean closed;  /* the operation ended because the channel is closed */
} GopodChannelSlot;

typedef enum
{
  GOPOD_CHANNEL_OP_SEND,
  GOPOD_CHANNEL_OP_RECEIVE,
} GopodChannelOp;

typedef enum
{
  GOPOD_CHANNEL_LINKED,   /* the link waits in the channel */
  GOPOD_CHANNEL_READY,    /* not linked: the operation could happen now */
  GOPOD_CHANNEL_FIRED,    /* not linked: the waiter fired meanwhile */
} GopodChannelLinkResult;

/* Fills @slot with a copy of @value in the channel's element type; FALSE
 * (a critical, and %G_IO_ERROR_INVALID_ARGUMENT in @error) when the value
 * cannot be converted: a binding converts whatever it was given, so the
 * caller hears of it besides the log. */
gboolean                gopod_channel_slot_fill  (GopodChannel     *self,
                                                  GopodChannelSlot *slot,
                                                  const GValue     *value,
                                                  GError          **error);
/* Does @op now if it can (a closed channel counts: @slot->closed is set). */
gboolean                gopod_channel_op_now     (GopodChannel     *self,
                                                  GopodChannelOp    op,
                                                  GopodChannelSlot *slot);
/* Links @link of @waiter for @op, unless the operation could happen now
 * with someone other than @waiter, or @waiter fired already. */
GopodChannelLinkResult  gopod_channel_op_link    (GopodChannel     *self,
                                                  GopodChannelOp    op,
                                                  GopodWaitLink    *link,
                                                  gint              code,
                                                  GopodChannelSlot *slot);

/* In gopod-channel-bounded.c, with the rest of a ring's operations.
 *
 * A channel whose buffer is a lock-free ring (internals rule C10) fires a
 * waiter only to make it look again: the operation is the waiter's to do
 * then, and its slot is left alone. A waiter told to look again that will
 * not do the operation (it was cancelled, or a select chose another case),
 * or did it (the wake may have been for a later cell), passes the wake on
 * with gopod_channel_pass_on(). */
gboolean                gopod_channel_fires_to_look_again (GopodChannel   *self);
/* For a spin (rule C10.5): whether @op on a channel with a ring might
 * happen now; FALSE without a ring. Lock-free, blind to a close. */
gboolean                gopod_channel_peek       (GopodChannel     *self,
                                                  GopodChannelOp    op);
void                    gopod_channel_pass_on    (GopodChannel     *self,
                                                  GopodChannelOp    op);

/* Stops a timer's or ticker's ticks reaching @self (dispose; a tick running
 * now finishes first), in gopod-channel-timer.c. */
void                    gopod_channel_timer_detach (GopodChannel   *self);

/* For the typed shorthands (gopod-channel-shorthands.c). */
gboolean                gopod_channel_op_blocking    (GopodChannel     *self,
                                                      GopodChannelOp    op,
                                                      GopodChannelSlot *slot,
                                                      GCancellable     *cancellable,
                                                      GError          **error);

G_END_DECLS
