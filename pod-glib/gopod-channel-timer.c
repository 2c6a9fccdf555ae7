/* gopod-channel-timer.c: GopodChannel's timers and tickers, Go's
 * time.NewTimer and time.NewTicker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-channel-private.h"
#include "gopod-timer-private.h"

/* What a timer or ticker source reaches its channel through (refcounted:
 * the source and the channel hold one each). The source may fire on the
 * timer thread while the channel is being disposed elsewhere: a tick takes
 * a strong reference for its send (NULL once the channel is disposing), and
 * no lock is held across the send. The send may complete an async receive,
 * whose task may then drop the channel's last reference on the timer
 * thread: with a mutex held here, that dispose locked it again. */
struct _GopodChannelTimer
{
  GWeakRef      channel;
  gboolean      repeat;
};

static void
channel_timer_clear (gpointer data)
{
  GopodChannelTimer *timer = data;

  g_weak_ref_clear (&timer->channel);
}

static void
channel_timer_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, channel_timer_clear);
}

/* On the timer thread: the monotonic time goes in if there is room; a
 * ticker's tick that a slow reader has not taken yet makes the next one
 * dropped, as Go's tickers do. */
static gboolean
channel_timer_fire (gpointer data)
{
  GopodChannelTimer *timer = data;
  GopodChannelSlot slot = { G_VALUE_INIT, FALSE };
  GopodChannel *channel;

  g_value_init (&slot.value, G_TYPE_INT64);
  g_value_set_int64 (&slot.value, g_get_monotonic_time ());

  channel = g_weak_ref_get (&timer->channel);
  if (channel != NULL)
    {
      gopod_channel_op_now (channel, GOPOD_CHANNEL_OP_SEND, &slot);
      /* May be the last reference: no lock is held. */
      g_object_unref (channel);
    }
  gopod_channel_value_clear (&slot.value);

  return timer->repeat ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static GopodChannel *
channel_timer_new_timed (guint    ms,
                   gboolean repeat)
{
  GopodChannel *self = gopod_channel_new (G_TYPE_INT64, 1);
  GopodChannelTimer *timer = g_atomic_rc_box_new0 (GopodChannelTimer);

  g_weak_ref_init (&timer->channel, self);
  timer->repeat = repeat;
  self->timer = timer;
  self->timer_source = gopod_timer_add (ms, channel_timer_fire,
                                        g_atomic_rc_box_acquire (timer), channel_timer_unref);

  return self;
}

/**
 * gopod_channel_new_timer:
 * @timeout_ms: when the time is sent, in milliseconds from now
 *
 * Go's `time.NewTimer` (and `time.After`): a channel of %G_TYPE_INT64 with
 * room for one value, which receives the monotonic time
 * (g_get_monotonic_time(), in microseconds) once, after @timeout_ms. Closing
 * it stops the timer, like Go's `Stop`; receivers then get
 * %GOPOD_ERROR_CLOSED.
 *
 * The timer is a source on pod-glib's timer thread: no thread per timer,
 * no wake-up before it is due, and no main loop needed.
 *
 * Returns: (transfer full): the timer's channel
 *
 * Since: 1.2
 */
GopodChannel *
gopod_channel_new_timer (guint timeout_ms)
{
  return channel_timer_new_timed (timeout_ms, FALSE);
}

/**
 * gopod_channel_new_ticker:
 * @interval_ms: the interval between ticks, in milliseconds, more than 0
 *
 * Go's `time.NewTicker`: a channel of %G_TYPE_INT64 with room for one value,
 * which receives the monotonic time (g_get_monotonic_time(), in
 * microseconds) every @interval_ms. A tick that finds the previous one not
 * received yet is dropped, as Go does for a slow reader. Closing the channel
 * stops the ticker.
 *
 * Returns: (transfer full): the ticker's channel
 *
 * Since: 1.2
 */
GopodChannel *
gopod_channel_new_ticker (guint interval_ms)
{
  g_return_val_if_fail (interval_ms > 0, NULL);

  return channel_timer_new_timed (interval_ms, TRUE);
}

void
gopod_channel_timer_detach (GopodChannel *self)
{
  /* A tick running now finishes before the channel goes. */
  if (self->timer == NULL)
    return;
  g_weak_ref_set (&self->timer->channel, NULL);
  g_clear_pointer (&self->timer, channel_timer_unref);
}
