/* gopod-channel.c: Go's channels, across threads and main loops
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-channel.h"

#include <string.h>

#include "gopod-channel-bounded-private.h"
#include "gopod-error.h"
#include "gopod-notify-private.h"
#include "gopod-outbox-private.h"
#include "gopod-timer-private.h"
#include "gopod-wait-private.h"

/**
 * GopodChannel:
 *
 * A typed queue between threads and main loops with Go's `chan` semantics.
 *
 * A channel of capacity 0 is Go's unbuffered channel: a send completes only
 * when a receiver has taken the value, so sender and receiver meet. A
 * capacity of N buffers N values; %GOPOD_CHANNEL_UNBOUNDED never makes a
 * sender wait. Values travel as [struct@GObject.Value]s of the channel's
 * [property@Gopod.Channel:element-type], in the order they were sent.
 *
 * ```c
 * g_autoptr(GopodChannel) messages = gopod_channel_new (G_TYPE_STRING, 0);
 *
 * // in a worker thread
 * gopod_channel_send_string (messages, "ping", NULL, NULL);
 *
 * // in the main thread: blocks until the worker sent
 * g_autofree char *msg = NULL;
 * gopod_channel_receive_string (messages, &msg, NULL, NULL);
 * ```
 *
 * [method@Gopod.Channel.close] is Go's `close`: later sends fail with
 * %GOPOD_ERROR_CLOSED, senders blocked in a send wake with it (their values
 * not sent), and receivers get what is still buffered, then
 * %GOPOD_ERROR_CLOSED (Go's `v, ok := <-ch` with `ok == false`), so
 * `while (gopod_channel_receive (...))` is Go's `for v := range ch`.
 *
 * The `try_` variants never wait (Go's `select` with a `default:` case);
 * the `_async` variants wait without blocking a main loop and complete on
 * the thread-default main context of their caller. A cancelled operation
 * sent or took nothing. [class@Gopod.Select] waits on several channels at
 * once.
 *
 * [ctor@Gopod.Channel.new_timer] and [ctor@Gopod.Channel.new_ticker] are
 * Go's `time.NewTimer` and `time.NewTicker`.
 *
 * All methods may be called from any thread.
 *
 * Since: 1.2
 */

G_DEFINE_FINAL_TYPE (GopodChannel, gopod_channel, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ELEMENT_TYPE,
  PROP_CAPACITY,
  PROP_LENGTH,
  PROP_CLOSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- the buffer: a ring of GValues, moved in and out by struct copy --- */

static void
channel_ring_grow (GopodChannel *self)
{
  guint size = self->ring_size == 0 ? 8 : self->ring_size * 2;
  GValue *ring = g_new0 (GValue, size);
  guint i;

  for (i = 0; i < self->length; i++)
    ring[i] = self->ring[(self->head + i) & (self->ring_size - 1)];
  g_free (self->ring);
  self->ring = ring;
  self->ring_size = size;
  self->head = 0;
}

/* Moves @value (of the element type) to the tail; @value is left empty. */
static void
channel_ring_push_locked (GopodChannel *self,
                          GValue       *value)
{
  if (self->length == self->ring_size)
    channel_ring_grow (self);
  self->ring[(self->head + self->length) & (self->ring_size - 1)] = *value;
  memset (value, 0, sizeof *value);
  self->length++;
}

static void
channel_ring_pop_locked (GopodChannel *self,
                         GValue       *value)
{
  GValue *slot = &self->ring[self->head];

  *value = *slot;
  memset (slot, 0, sizeof *slot);
  self->head = (self->head + 1) & (self->ring_size - 1);
  self->length--;
}

gboolean
gopod_channel_slot_fill (GopodChannel     *self,
                         GopodChannelSlot *slot,
                         const GValue     *value,
                         GError          **error)
{
  memset (slot, 0, sizeof *slot);
  if (gopod_channel_value_convert (self->element_type, value, &slot->value))
    return TRUE;
  g_critical ("%s: a %s cannot go into a channel of %s", G_STRFUNC,
              G_VALUE_TYPE_NAME (value), g_type_name (self->element_type));
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "A %s cannot go into a channel of %s",
               G_VALUE_TYPE_NAME (value), g_type_name (self->element_type));
  return FALSE;
}

/* --- notifications, after unlocking --- */

#define CHANNEL_NOTIFY_LENGTH (1u << PROP_LENGTH)
#define CHANNEL_NOTIFY_CLOSED (1u << PROP_CLOSED)
G_STATIC_ASSERT (CHANNEL_NOTIFY_LENGTH == GOPOD_CHANNEL_NOTIFY_LENGTH);

static void
channel_notify (GopodChannel *self,
                guint         bits)
{
  if (bits != 0)
    gopod_notify_queue_deferred_mask (&self->notify, bits);
}

/* --- the operations, with the lock held --- */

static GopodWaitList *
channel_list (GopodChannel   *self,
              GopodChannelOp  op)
{
  return op == GOPOD_CHANNEL_OP_SEND ? &self->senders : &self->receivers;
}

/* The other side of @op: whom it would meet. */
static GopodWaitList *
channel_partners (GopodChannel   *self,
                  GopodChannelOp  op)
{
  return op == GOPOD_CHANNEL_OP_SEND ? &self->receivers : &self->senders;
}

static gboolean
channel_send_now_locked (GopodChannel     *self,
                         GopodChannelSlot *slot,
                         GopodOutbox      *out,
                         guint            *notify)
{
  GopodWaitLink *link;

  if (self->closed)
    {
      slot->closed = TRUE;
      return TRUE;
    }
  /* A receiver waits only while the buffer is empty: hand the value over. */
  link = gopod_wait_list_fire_first (&self->receivers, out);
  if (link != NULL)
    {
      gopod_channel_value_move (&((GopodChannelSlot *) link->data)->value, &slot->value);
      return TRUE;
    }
  if (self->length < self->capacity)
    {
      channel_ring_push_locked (self, &slot->value);
      *notify |= CHANNEL_NOTIFY_LENGTH;
      return TRUE;
    }
  return FALSE;
}

static gboolean
channel_receive_now_locked (GopodChannel     *self,
                            GopodChannelSlot *slot,
                            GopodOutbox      *out,
                            guint            *notify)
{
  GopodWaitLink *link;

  if (self->length > 0)
    {
      channel_ring_pop_locked (self, &slot->value);
      *notify |= CHANNEL_NOTIFY_LENGTH;
      /* A sender waits only while the buffer is full: its value takes the
       * place just freed, in order. */
      link = gopod_wait_list_fire_first (&self->senders, out);
      if (link != NULL)
        channel_ring_push_locked (self, &((GopodChannelSlot *) link->data)->value);
      return TRUE;
    }
  /* Unbuffered, or buffered and empty with a sender waiting (capacity 0). */
  link = gopod_wait_list_fire_first (&self->senders, out);
  if (link != NULL)
    {
      gopod_channel_value_move (&slot->value, &((GopodChannelSlot *) link->data)->value);
      return TRUE;
    }
  if (self->closed)
    {
      slot->closed = TRUE;
      return TRUE;
    }
  return FALSE;
}

static gboolean
channel_op_now_locked (GopodChannel     *self,
                       GopodChannelOp    op,
                       GopodChannelSlot *slot,
                       GopodOutbox      *out,
                       guint            *notify)
{
  if (op == GOPOD_CHANNEL_OP_SEND)
    return channel_send_now_locked (self, slot, out, notify);
  return channel_receive_now_locked (self, slot, out, notify);
}

/* Whether @op could happen now with someone other than @except. */
static gboolean
channel_op_ready_locked (GopodChannel   *self,
                         GopodChannelOp  op,
                         GopodWaiter    *except)
{
  if (self->closed || gopod_wait_list_has_other (channel_partners (self, op), except))
    return TRUE;
  if (op == GOPOD_CHANNEL_OP_SEND)
    return self->length < self->capacity;
  return self->length > 0;
}

/* The outbox is not set up on the ring's paths: its items are 144 bytes to
 * clear. */
static gboolean
channel_op_now_unbounded (GopodChannel     *self,
                          GopodChannelOp    op,
                          GopodChannelSlot *slot)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  guint notify = 0;
  gboolean done;

  gopod_wait_lock (&self->lock);
  done = channel_op_now_locked (self, op, slot, &out, &notify);
  g_mutex_unlock (&self->lock);
  gopod_outbox_flush (&out);
  channel_notify (self, notify);

  return done;
}

gboolean
gopod_channel_op_now (GopodChannel     *self,
                      GopodChannelOp    op,
                      GopodChannelSlot *slot)
{
  if (self->fast != NULL)
    return gopod_channel_bounded_try (self, op, slot);
  return channel_op_now_unbounded (self, op, slot);
}

GopodChannelLinkResult
gopod_channel_op_link (GopodChannel     *self,
                       GopodChannelOp    op,
                       GopodWaitLink    *link,
                       gint              code,
                       GopodChannelSlot *slot)
{
  GopodChannelLinkResult result = GOPOD_CHANNEL_LINKED;

  if (self->fast != NULL)
    return gopod_channel_bounded_link (self, op, link, code, slot);
  gopod_wait_lock (&self->lock);
  if (gopod_waiter_has_fired (link->waiter))
    result = GOPOD_CHANNEL_FIRED;
  else if (channel_op_ready_locked (self, op, link->waiter))
    result = GOPOD_CHANNEL_READY;
  else
    gopod_wait_list_push (channel_list (self, op), link, code, slot);
  g_mutex_unlock (&self->lock);

  return result;
}

/* The outcome of an operation that happened: FALSE for a closed channel. */
static gboolean
channel_slot_result (GopodChannelSlot  *slot,
                     GError           **error)
{
  if (!slot->closed)
    return TRUE;
  g_set_error_literal (error, GOPOD_ERROR, GOPOD_ERROR_CLOSED, "The channel is closed");
  return FALSE;
}

/* --- blocking, trying, async --- */

static gboolean
channel_op_blocking_unbounded (GopodChannel      *self,
                               GopodChannelOp     op,
                               GopodChannelSlot  *slot,
                               GCancellable      *cancellable,
                               GError           **error)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GopodWaiter waiter;
  guint notify = 0;
  gint code;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  gopod_wait_lock (&self->lock);
  if (channel_op_now_locked (self, op, slot, &out, &notify))
    {
      g_mutex_unlock (&self->lock);
      gopod_outbox_flush (&out);
      channel_notify (self, notify);
      return channel_slot_result (slot, error);
    }
  gopod_waiter_init_blocking (&waiter);
  gopod_waiter_set_cancellable (&waiter, cancellable, GOPOD_WAIT_CANCELLED);
  gopod_wait_list_push (channel_list (self, op), &waiter.link, GOPOD_WAIT_FIRED, slot);
  g_mutex_unlock (&self->lock);

  code = gopod_waiter_block (&waiter);
  /* Fired by the other end, the link left the list on the way: only a
   * cancelled wait has one to remove (and the lock to take again). */
  if (code < 0)
    gopod_waiter_unlink_all (&waiter, NULL);
  gopod_waiter_clear_blocking (&waiter);

  if (code < 0)
    {
      gopod_wait_set_error (code, error);
      return FALSE;
    }
  return channel_slot_result (slot, error);
}

gboolean
gopod_channel_op_blocking (GopodChannel      *self,
                           GopodChannelOp     op,
                           GopodChannelSlot  *slot,
                           GCancellable      *cancellable,
                           GError           **error)
{
  if (self->fast != NULL)
    return gopod_channel_bounded_blocking (self, op, slot, cancellable, error);
  return channel_op_blocking_unbounded (self, op, slot, cancellable, error);
}

static gboolean
channel_op_try (GopodChannel      *self,
                GopodChannelOp     op,
                GopodChannelSlot  *slot,
                GError           **error)
{
  if (gopod_channel_op_now (self, op, slot))
    return channel_slot_result (slot, error);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                       op == GOPOD_CHANNEL_OP_SEND ? "The channel is full"
                                                   : "The channel is empty");
  return FALSE;
}

typedef struct
{
  GopodChannelSlot slot;
  GopodChannelOp   op;
} ChannelAsync;

static void
channel_async_free (gpointer data)
{
  ChannelAsync *async = data;

  gopod_channel_value_clear (&async->slot.value);
  g_free (async);
}

static void
channel_value_free (gpointer data)
{
  gopod_channel_value_clear (data);
  g_free (data);
}

/* Answers @task once its operation happened (or the channel was closed). */
static void
channel_async_return (GTask        *task,
                      ChannelAsync *async)
{
  GError *error = NULL;

  if (!channel_slot_result (&async->slot, &error))
    g_task_return_error (task, error);
  else if (async->op == GOPOD_CHANNEL_OP_SEND)
    g_task_return_boolean (task, TRUE);
  else
    {
      GValue *value = g_new0 (GValue, 1);

      gopod_channel_value_move (value, &async->slot.value);
      g_task_return_pointer (task, value, channel_value_free);
    }
}

static void channel_op_async_attempt (GopodChannel *self,
                                      GTask        *task,
                                      ChannelAsync *async,
                                      gboolean      told);

static void
channel_async_complete (GopodWaiter *waiter,
                        gpointer     user_data)
{
  GopodChannel *self = g_task_get_source_object (waiter->task);
  ChannelAsync *async = user_data;
  GError *error = NULL;

  if (waiter->code < 0)
    {
      gopod_wait_set_error (waiter->code, &error);
      g_task_return_error (waiter->task, error);
      return;
    }
  if (!gopod_channel_fires_to_look_again (self))
    {
      channel_async_return (waiter->task, async);
      return;
    }
  /* Told to look again (rule C10): a cancelled wait passes that on. */
  if (g_task_return_error_if_cancelled (waiter->task))
    gopod_channel_pass_on (self, async->op);
  else
    channel_op_async_attempt (self, waiter->task, async, TRUE);
}

static void
channel_async_return_now (gpointer data)
{
  GTask *task = data;

  channel_async_return (task, g_task_get_task_data (task));
  g_object_unref (task);
}

static GopodWaiter *
channel_async_waiter_new (GTask        *task,
                          ChannelAsync *async)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  GopodWaiter *waiter = gopod_waiter_new_async (task, channel_async_complete, async);

  if (cancellable != NULL)
    gopod_waiter_set_cancellable (waiter, cancellable, GOPOD_WAIT_CANCELLED);
  return waiter;
}

/* A channel with a ring: the operation now, else a waiter linked until told
 * to look again; one found ready as it links looks again at once. */
static void
channel_async_attempt_ring (GopodChannel *self,
                            GTask        *task,
                            ChannelAsync *async,
                            gboolean      told)
{
  GopodWaiter *waiter;

  if (gopod_channel_bounded_try (self, async->op, &async->slot))
    {
      /* As a blocking operation does (rule C10.4). */
      if (told)
        gopod_channel_pass_on (self, async->op);
      channel_async_return (task, async);
      return;
    }
  waiter = channel_async_waiter_new (task, async);
  /* Linked, it may fire and go at once (its cancellable is watched from
   * then on): ours until the look below. */
  gopod_waiter_ref (waiter);
  if (gopod_channel_bounded_link (self, async->op, &waiter->link, GOPOD_WAIT_FIRED,
                                  &async->slot) == GOPOD_CHANNEL_READY &&
      gopod_waiter_try_fire (waiter, GOPOD_WAIT_FIRED))
    gopod_waiter_wake (waiter);
  gopod_waiter_unref (waiter);
}

static void
channel_op_async_attempt (GopodChannel *self,
                          GTask        *task,
                          ChannelAsync *async,
                          gboolean      told)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  guint notify = 0;

  if (self->fast != NULL)
    {
      channel_async_attempt_ring (self, task, async, told);
      return;
    }
  gopod_wait_lock (&self->lock);
  if (channel_op_now_locked (self, async->op, &async->slot, &out, &notify))
    gopod_outbox_add (&out, channel_async_return_now, g_object_ref (task));
  else
    gopod_wait_list_push (channel_list (self, async->op),
                          &channel_async_waiter_new (task, async)->link,
                          GOPOD_WAIT_FIRED, &async->slot);
  g_mutex_unlock (&self->lock);
  gopod_outbox_flush (&out);
  channel_notify (self, notify);
}

static void
channel_op_async (GopodChannel *self,
                  GTask        *task,
                  ChannelAsync *async)
{
  g_task_set_task_data (task, async, channel_async_free);
  /* A value taken just before the cancellable fired is the caller's: GTask
   * would otherwise turn it into G_IO_ERROR_CANCELLED and drop it. */
  g_task_set_check_cancellable (task, FALSE);
  if (g_task_return_error_if_cancelled (task))
    return;
  channel_op_async_attempt (self, task, async, FALSE);
}

/* --- public API --- */

/**
 * gopod_channel_new:
 * @element_type: the type of the values, any type a [struct@GObject.Value]
 *   holds (%G_TYPE_INT, %G_TYPE_STRING, %G_TYPE_VARIANT, an object or boxed
 *   type, %G_TYPE_POINTER)
 * @capacity: 0 for an unbuffered channel, N for a buffer of N values, or
 *   %GOPOD_CHANNEL_UNBOUNDED
 *
 * Makes a channel, Go's `make(chan T, capacity)`. Its notifications are
 * emitted on the thread-default main context of the caller.
 *
 * A value sent is converted to @element_type where GLib can
 * (`g_value_type_transformable()`); an object must be an instance
 * of it, and a %NULL %G_TYPE_POINTER (what GJS passes for `null`) is the
 * %NULL of a string, object, boxed or variant channel, Go's `nil`.
 *
 * Returns: (transfer full): the new channel
 *
 * Since: 1.2
 */
GopodChannel *
gopod_channel_new (GType element_type,
                   guint capacity)
{
  g_return_val_if_fail (G_TYPE_IS_VALUE_TYPE (element_type), NULL);

  return g_object_new (GOPOD_TYPE_CHANNEL,
                       "element-type", element_type,
                       "capacity", capacity,
                       NULL);
}

/**
 * gopod_channel_send:
 * @self: a channel
 * @value: the value to send: of the channel's element type, or one that
 *   g_value_transform() converts to it
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Sends a copy of @value, Go's `ch <- v`: blocks until a receiver took it
 * (unbuffered channel) or it is buffered. No main loop is needed.
 *
 * Returns: %TRUE once sent; %FALSE with %GOPOD_ERROR_CLOSED when the
 *   channel is or gets closed (the value is not kept),
 *   %G_IO_ERROR_CANCELLED (nothing was sent), or
 *   %G_IO_ERROR_INVALID_ARGUMENT when @value cannot be converted to the
 *   channel's type (a critical says so too)
 *
 * Since: 1.2
 */
gboolean
gopod_channel_send (GopodChannel  *self,
                    const GValue  *value,
                    GCancellable  *cancellable,
                    GError       **error)
{
  GopodChannelSlot slot;
  gboolean sent;

  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!gopod_channel_slot_fill (self, &slot, value, error))
    return FALSE;
  sent = gopod_channel_op_blocking (self, GOPOD_CHANNEL_OP_SEND, &slot, cancellable, error);
  gopod_channel_value_clear (&slot.value);

  return sent;
}

/**
 * gopod_channel_receive:
 * @self: a channel
 * @value: (out caller-allocates): where the value goes: an uninitialised
 *   [struct@GObject.Value] (`G_VALUE_INIT`), or one holding a value, which is
 *   unset first. When nothing is received, an uninitialised one gets the
 *   element type's default value (which owns nothing).
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Receives the oldest value, Go's `v := <-ch`: blocks until one comes. No
 * main loop is needed.
 *
 * Returns: %TRUE with @value set; %FALSE with %GOPOD_ERROR_CLOSED once the
 *   channel is closed and drained (Go's `ok == false`), or
 *   %G_IO_ERROR_CANCELLED (nothing was taken)
 *
 * Since: 1.2
 */
gboolean
gopod_channel_receive (GopodChannel  *self,
                       GValue        *value,
                       GCancellable  *cancellable,
                       GError       **error)
{
  GopodChannelSlot slot = { G_VALUE_INIT, FALSE };

  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return gopod_channel_value_give (self->element_type, value,
                             gopod_channel_op_blocking (self, GOPOD_CHANNEL_OP_RECEIVE, &slot,
                                                  cancellable, error) ? &slot.value : NULL);
}

/**
 * gopod_channel_try_send:
 * @self: a channel
 * @value: the value to send (see [method@Gopod.Channel.send])
 * @error: return location for an error
 *
 * Sends a copy of @value if that can happen without waiting: a receiver is
 * waiting or the buffer has room (Go's `select` with a `default:` case).
 *
 * Returns: %TRUE if sent; %FALSE with %G_IO_ERROR_WOULD_BLOCK when it would
 *   have to wait, %GOPOD_ERROR_CLOSED, or %G_IO_ERROR_INVALID_ARGUMENT as
 *   [method@Gopod.Channel.send]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_try_send (GopodChannel  *self,
                        const GValue  *value,
                        GError       **error)
{
  GopodChannelSlot slot;
  gboolean sent;

  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!gopod_channel_slot_fill (self, &slot, value, error))
    return FALSE;
  sent = channel_op_try (self, GOPOD_CHANNEL_OP_SEND, &slot, error);
  gopod_channel_value_clear (&slot.value);

  return sent;
}

/**
 * gopod_channel_try_receive:
 * @self: a channel
 * @value: (out caller-allocates): where the value goes (see
 *   [method@Gopod.Channel.receive])
 * @error: return location for an error
 *
 * Receives a value if one is there now: buffered, or offered by a waiting
 * sender.
 *
 * Returns: %TRUE with @value set; %FALSE with %G_IO_ERROR_WOULD_BLOCK when
 *   none is there, or %GOPOD_ERROR_CLOSED once closed and drained
 *
 * Since: 1.2
 */
gboolean
gopod_channel_try_receive (GopodChannel  *self,
                           GValue        *value,
                           GError       **error)
{
  GopodChannelSlot slot = { G_VALUE_INIT, FALSE };

  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return gopod_channel_value_give (self->element_type, value,
                             channel_op_try (self, GOPOD_CHANNEL_OP_RECEIVE, &slot, error)
                             ? &slot.value : NULL);
}

/**
 * gopod_channel_send_async:
 * @self: a channel
 * @value: the value to send (see [method@Gopod.Channel.send]); copied now
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called once sent, closed or cancelled
 * @user_data: data for @callback
 *
 * Sends a copy of @value without blocking the caller: @callback runs on the
 * caller's thread-default main context once the value was taken or
 * buffered. Cancelling sends nothing.
 *
 * Since: 1.2
 */
void
gopod_channel_send_async (GopodChannel        *self,
                          const GValue        *value,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  ChannelAsync *async;

  g_return_if_fail (GOPOD_IS_CHANNEL (self));
  g_return_if_fail (G_IS_VALUE (value));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_channel_send_async);
  async = g_new0 (ChannelAsync, 1);
  async->op = GOPOD_CHANNEL_OP_SEND;
  if (!gopod_channel_slot_fill (self, &async->slot, value, &error))
    {
      /* So that a promise made of this call settles instead of waiting for
       * ever. */
      g_free (async);
      g_task_return_error (task, error);
      return;
    }
  channel_op_async (self, task, async);
}

/**
 * gopod_channel_send_finish:
 * @self: a channel
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gopod.Channel.send_async].
 *
 * Returns: %TRUE if sent; %FALSE with %GOPOD_ERROR_CLOSED,
 *   %G_IO_ERROR_CANCELLED, or %G_IO_ERROR_INVALID_ARGUMENT when the value
 *   could not be converted to the channel's type (a critical said so too)
 *
 * Since: 1.2
 */
gboolean
gopod_channel_send_finish (GopodChannel  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gopod_channel_send_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gopod_channel_receive_async:
 * @self: a channel
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async): called once a value came, or the channel is
 *   closed and drained, or on cancellation
 * @user_data: data for @callback
 *
 * Receives the oldest value without blocking the caller: @callback runs on
 * the caller's thread-default main context; it calls
 * [method@Gopod.Channel.receive_finish] to get the value. Cancelling takes
 * nothing.
 *
 * Since: 1.2
 */
void
gopod_channel_receive_async (GopodChannel        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ChannelAsync *async;

  g_return_if_fail (GOPOD_IS_CHANNEL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  async = g_new0 (ChannelAsync, 1);
  async->op = GOPOD_CHANNEL_OP_RECEIVE;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_channel_receive_async);
  channel_op_async (self, task, async);
}

/**
 * gopod_channel_receive_finish:
 * @self: a channel
 * @result: the result given to the callback
 * @value: (out caller-allocates): where the value goes (see
 *   [method@Gopod.Channel.receive])
 * @error: return location for an error
 *
 * Finishes [method@Gopod.Channel.receive_async].
 *
 * Returns: %TRUE with @value set; %FALSE with %GOPOD_ERROR_CLOSED or
 *   %G_IO_ERROR_CANCELLED
 *
 * Since: 1.2
 */
gboolean
gopod_channel_receive_finish (GopodChannel  *self,
                              GAsyncResult  *result,
                              GValue        *value,
                              GError       **error)
{
  GValue *received;

  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gopod_channel_receive_async, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  received = g_task_propagate_pointer (G_TASK (result), error);
  if (!gopod_channel_value_give (self->element_type, value, received))
    return FALSE;
  g_free (received);
  return TRUE;
}

/**
 * gopod_channel_close:
 * @self: a channel
 *
 * Closes the channel, Go's `close(ch)`: later sends fail with
 * %GOPOD_ERROR_CLOSED and so do the sends waiting now (their values not
 * sent); receivers get what is buffered, then %GOPOD_ERROR_CLOSED. A timer
 * or ticker stops. Closing a channel twice is a programmer error (Go
 * panics): a critical, and nothing changes.
 *
 * Since: 1.2
 */
void
gopod_channel_close (GopodChannel *self)
{
  GopodOutbox out = GOPOD_OUTBOX_INIT;
  GopodWaitList *lists[2];
  GopodWaitLink *link;
  GSource *timer_source;
  guint i;

  g_return_if_fail (GOPOD_IS_CHANNEL (self));

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      g_critical ("%s: channel %p is already closed", G_STRFUNC, self);
      return;
    }
  self->closed = TRUE;
  if (self->fast != NULL)
    gopod_channel_ring_close (self->fast);
  lists[0] = &self->receivers;
  lists[1] = &self->senders;
  /* Those of a ring are told to look again: they find the close there,
   * receivers after what is left (rule C10). */
  for (i = 0; i < G_N_ELEMENTS (lists); i++)
    while ((link = gopod_wait_list_fire_first (lists[i], &out)) != NULL)
      if (self->fast == NULL)
        ((GopodChannelSlot *) link->data)->closed = TRUE;
  timer_source = g_steal_pointer (&self->timer_source);
  g_mutex_unlock (&self->lock);

  gopod_outbox_flush (&out);
  gopod_timer_cancel (&timer_source);
  channel_notify (self, CHANNEL_NOTIFY_CLOSED);
}

/**
 * gopod_channel_get_element_type:
 * @self: a channel
 *
 * Returns: the type of the values the channel carries
 *
 * Since: 1.2
 */
GType
gopod_channel_get_element_type (GopodChannel *self)
{
  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), G_TYPE_INVALID);

  return self->element_type;
}

/**
 * gopod_channel_get_capacity:
 * @self: a channel
 *
 * Returns: how many values the channel buffers: 0 for an unbuffered
 *   channel, %GOPOD_CHANNEL_UNBOUNDED for no bound
 *
 * Since: 1.2
 */
guint
gopod_channel_get_capacity (GopodChannel *self)
{
  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), 0);

  return self->capacity;
}

/**
 * gopod_channel_get_length:
 * @self: a channel
 *
 * Returns: how many values are buffered now (Go's `len(ch)`)
 *
 * Since: 1.2
 */
guint
gopod_channel_get_length (GopodChannel *self)
{
  guint length;

  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), 0);

  if (self->fast != NULL)
    return gopod_channel_ring_length (self->fast);
  g_mutex_lock (&self->lock);
  length = self->length;
  g_mutex_unlock (&self->lock);

  return length;
}

/**
 * gopod_channel_get_closed:
 * @self: a channel
 *
 * Returns: whether [method@Gopod.Channel.close] was called
 *
 * Since: 1.2
 */
gboolean
gopod_channel_get_closed (GopodChannel *self)
{
  gboolean closed;

  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), FALSE);

  g_mutex_lock (&self->lock);
  closed = self->closed;
  g_mutex_unlock (&self->lock);

  return closed;
}

/* --- GObject --- */

static void
gopod_channel_constructed (GObject *object)
{
  GopodChannel *self = GOPOD_CHANNEL (object);

  G_OBJECT_CLASS (gopod_channel_parent_class)->constructed (object);

  if (!G_TYPE_IS_VALUE_TYPE (self->element_type))
    {
      g_critical ("%s: %s is not a type a GValue holds; the channel carries pointers",
                  G_STRFUNC, g_type_name (self->element_type));
      self->element_type = G_TYPE_POINTER;
    }
  if (gopod_channel_ring_fits (self->capacity))
    self->fast = gopod_channel_ring_new (self->capacity);
}

static void
gopod_channel_dispose (GObject *object)
{
  GopodChannel *self = GOPOD_CHANNEL (object);
  GSource *timer_source;

  gopod_channel_timer_detach (self);
  g_mutex_lock (&self->lock);
  timer_source = g_steal_pointer (&self->timer_source);
  g_mutex_unlock (&self->lock);
  gopod_timer_cancel (&timer_source);
  gopod_notify_clear (&self->notify);

  G_OBJECT_CLASS (gopod_channel_parent_class)->dispose (object);
}

static void
gopod_channel_finalize (GObject *object)
{
  GopodChannel *self = GOPOD_CHANNEL (object);
  GValue value;

  /* Every waiter holds a reference (GTask) or a caller's: none is left. */
  g_assert (gopod_wait_list_is_empty (&self->receivers));
  g_assert (gopod_wait_list_is_empty (&self->senders));
  while (self->length > 0)
    {
      channel_ring_pop_locked (self, &value);
      g_value_unset (&value);
    }
  g_free (self->ring);
  g_clear_pointer (&self->fast, gopod_channel_ring_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (gopod_channel_parent_class)->finalize (object);
}

static void
gopod_channel_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GopodChannel *self = GOPOD_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_ELEMENT_TYPE:
      g_value_set_gtype (value, self->element_type);
      break;
    case PROP_CAPACITY:
      g_value_set_uint (value, self->capacity);
      break;
    case PROP_LENGTH:
      g_value_set_uint (value, gopod_channel_get_length (self));
      break;
    case PROP_CLOSED:
      g_value_set_boolean (value, gopod_channel_get_closed (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_channel_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GopodChannel *self = GOPOD_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_ELEMENT_TYPE:
      self->element_type = g_value_get_gtype (value);
      break;
    case PROP_CAPACITY:
      self->capacity = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gopod_channel_class_init (GopodChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gopod_channel_constructed;
  object_class->dispose = gopod_channel_dispose;
  object_class->finalize = gopod_channel_finalize;
  object_class->get_property = gopod_channel_get_property;
  object_class->set_property = gopod_channel_set_property;

  /**
   * GopodChannel:element-type:
   *
   * The type of the values the channel carries.
   *
   * Since: 1.2
   */
  properties[PROP_ELEMENT_TYPE] =
    g_param_spec_gtype ("element-type", NULL, NULL,
                        G_TYPE_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodChannel:capacity:
   *
   * How many values the channel buffers: 0 for Go's unbuffered channel,
   * %GOPOD_CHANNEL_UNBOUNDED for no bound.
   *
   * Since: 1.2
   */
  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GopodChannel:length:
   *
   * How many values are buffered now. Notified on the channel's creation
   * context, coalesced: a burst of changes makes one notification.
   *
   * Since: 1.2
   */
  properties[PROP_LENGTH] =
    g_param_spec_uint ("length", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GopodChannel:closed:
   *
   * Whether the channel was closed. Notified on the channel's creation
   * context.
   *
   * Since: 1.2
   */
  properties[PROP_CLOSED] =
    g_param_spec_boolean ("closed", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gopod_channel_init (GopodChannel *self)
{
  g_mutex_init (&self->lock);
  gopod_wait_list_init (&self->receivers, &self->lock);
  gopod_wait_list_init (&self->senders, &self->lock);
  gopod_notify_init (&self->notify, G_OBJECT (self), properties, N_PROPS);
  gopod_notify_prepare (&self->notify);
}
