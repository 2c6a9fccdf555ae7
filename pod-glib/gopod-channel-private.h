/* gopod-channel-private.h: what a select needs of a channel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-channel.h"
#include "gopod-channel-value-private.h"
#include "gopod-wait-private.h"

G_BEGIN_DECLS

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
 * (and a critical) when the value cannot be converted. */
gboolean                gopod_channel_slot_fill  (GopodChannel     *self,
                                                  GopodChannelSlot *slot,
                                                  const GValue     *value);
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

/* For the typed shorthands (gopod-channel-shorthands.c). */
gboolean                gopod_channel_op_blocking    (GopodChannel     *self,
                                                      GopodChannelOp    op,
                                                      GopodChannelSlot *slot,
                                                      GCancellable     *cancellable,
                                                      GError          **error);

G_END_DECLS
