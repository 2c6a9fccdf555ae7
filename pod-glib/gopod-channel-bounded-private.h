/* gopod-channel-bounded-private.h: the operations of a channel whose buffer
 * is a lock-free ring
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gopod-channel-private.h"
#include "gopod-channel-ring-private.h"

G_BEGIN_DECLS

/*
 * What gopod-channel.c does for a channel with a ring (self->fast), rule C10:
 * sends and receives go through the ring without the channel's lock; the
 * lock and the waiter lists are only for those that must wait. A waiter is
 * fired only to look again (the slot is not filled by the waker), after
 * each operation that may let it through: a value in, or room made.
 */

/* Does @op now if the ring lets it (a closed channel counts: @slot->closed
 * is set), then wakes one waiter of the other side. */
gboolean                gopod_channel_bounded_try      (GopodChannel      *self,
                                                        GopodChannelOp     op,
                                                        GopodChannelSlot  *slot);
gboolean                gopod_channel_bounded_blocking (GopodChannel      *self,
                                                        GopodChannelOp     op,
                                                        GopodChannelSlot  *slot,
                                                        GCancellable      *cancellable,
                                                        GError           **error);
/* gopod_channel_op_link() for a channel with a ring. */
GopodChannelLinkResult  gopod_channel_bounded_link     (GopodChannel      *self,
                                                        GopodChannelOp     op,
                                                        GopodWaitLink     *link,
                                                        gint               code,
                                                        GopodChannelSlot  *slot);

G_END_DECLS
