/* gopod-select.c: Go's select over channels, timeouts and cancellables
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-select.h"

#include "gopod-channel-private.h"
#include "gopod-error.h"
#include "gopod-wait-private.h"

/**
 * GopodSelect:
 *
 * Go's `select`: waits until one of several channel operations can happen,
 * does exactly that one, and says which.
 *
 * Cases are added in order and numbered from 0: a receive from a channel
 * ([method@Gopod.Select.add_receive]), a send of a value
 * ([method@Gopod.Select.add_send]), a timeout counted from the start of each
 * wait (Go's `case <-time.After(d):`, [method@Gopod.Select.add_timeout]) and
 * a cancellable (Go's `case <-ctx.Done():`,
 * [method@Gopod.Select.add_cancelled]).
 *
 * ```c
 * g_autoptr(GopodSelect) select = gopod_select_new ();
 * guint from_a = gopod_select_add_receive (select, a);
 * guint from_b = gopod_select_add_receive (select, b);
 * guint timeout = gopod_select_add_timeout (select, 1000);
 *
 * gint chosen = gopod_select_wait (select, NULL, NULL);
 * if (chosen == timeout)
 *   g_print ("timeout\n");
 * else if (gopod_select_get_value (select, &value))
 *   g_print ("%s: %d\n", chosen == from_a ? "a" : "b", g_value_get_int (&value));
 * ```
 *
 * Exactly one case happens per wait: a send case that was not chosen sent
 * nothing, a receive case that was not chosen took nothing. When several
 * are ready, each is equally likely to be chosen, as Go's specification
 * says, so none starves. [method@Gopod.Select.try] is Go's `select` with a
 * `default:` case; [method@Gopod.Select.wait_async] waits without blocking
 * a main loop.
 *
 * After a wait, [method@Gopod.Select.get_value] gives what a receive case
 * took and [method@Gopod.Select.get_closed] says whether the chosen case
 * found its channel closed. One select serves a loop:
 * [method@Gopod.Select.set_value] changes what a send case sends next.
 *
 * A select waits for one caller at a time; it may be used from any thread.
 *
 * Since: 1.2
 */

typedef enum
{
  SELECT_RECEIVE,
  SELECT_SEND,
  SELECT_TIMEOUT,
  SELECT_CANCELLED,
} SelectKind;

typedef struct
{
  SelectKind    kind;
  GopodChannel *channel;      /* receive and send */
  GValue        value;        /* send: in the channel's element type */
  guint         timeout_ms;   /* timeout */
  GCancellable *cancellable;  /* cancelled */
} SelectCase;

/* A waiter's code when the select found a case ready while linking: it
 * unlinks and tries every case again. Not a case number nor a wait code. */
#define SELECT_RETRY (-100)

/* A waiter's code when a channel with a ring told it to look again (rule
 * C10): the case number is in it, for the wake to be passed on if another
 * case is chosen. */
#define SELECT_LOOK_AGAIN_BASE (-1000)
#define SELECT_LOOK_AGAIN(i) (SELECT_LOOK_AGAIN_BASE - (gint) (i))

static gboolean
select_code_is_look_again (gint code)
{
  return code <= SELECT_LOOK_AGAIN_BASE;
}

struct _GopodSelect
{
  GObject           parent_instance;

  gint              busy;          /* atomic: a wait is in progress */
  GArray           *cases;         /* of SelectCase; not changed while busy */

  /* The wait in progress: */
  GopodChannelSlot *slots;         /* one per case */
  GopodWaitLink    *links;         /* a blocking wait's links but the first */
  guint             n_slots;       /* room in both */
  gint64            deadline;      /* of the earliest timeout case, or -1 */
  gint              deadline_case;
  gint              told_case;     /* the last case told to look again, or -1 */

  /* The last wait's outcome: */
  gint              chosen;
  gboolean          closed;
  gboolean          has_value;
  GValue            value;
};

G_DEFINE_FINAL_TYPE (GopodSelect, gopod_select, G_TYPE_OBJECT)

static SelectCase *
select_case (GopodSelect *self,
             guint        i)
{
  return &g_array_index (self->cases, SelectCase, i);
}

static gboolean
select_is_channel_case (const SelectCase *c)
{
  return c->kind == SELECT_RECEIVE || c->kind == SELECT_SEND;
}

static GopodChannelOp
select_case_op (const SelectCase *c)
{
  return c->kind == SELECT_SEND ? GOPOD_CHANNEL_OP_SEND : GOPOD_CHANNEL_OP_RECEIVE;
}

/* --- random poll order --- */

/* A xorshift per thread: GLib's g_random_*() share one locked generator,
 * which every select of every thread would contend on. */
static guint32
select_random (void)
{
  static _Thread_local guint32 state;

  if (state == 0)
    state = g_random_int () | 1;
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

/* Go's runtime polls the cases in a random order, so the first ready one
 * met is any ready one with equal chance. */
static void
select_shuffle (guint *order,
                guint  n)
{
  guint i;

  for (i = 0; i < n; i++)
    order[i] = i;
  for (i = n; i > 1; i--)
    {
      guint j = select_random () % i;
      guint t = order[i - 1];

      order[i - 1] = order[j];
      order[j] = t;
    }
}

/* --- one wait: begin, attempts, end --- */

static gboolean
select_begin (GopodSelect *self)
{
  guint n = self->cases->len;
  gint64 now = -1;
  guint i;

  if (!g_atomic_int_compare_and_exchange (&self->busy, FALSE, TRUE))
    {
      g_critical ("gopod_select: select %p is already waiting", self);
      return FALSE;
    }

  self->chosen = -1;
  self->closed = FALSE;
  self->has_value = FALSE;
  gopod_channel_value_clear (&self->value);

  if (self->n_slots < n)
    {
      self->slots = g_renew (GopodChannelSlot, self->slots, n);
      self->links = g_renew (GopodWaitLink, self->links, n);
      self->n_slots = n;
    }
  self->deadline = -1;
  self->deadline_case = -1;
  self->told_case = -1;
  for (i = 0; i < n; i++)
    {
      SelectCase *c = select_case (self, i);
      GopodChannelSlot *slot = &self->slots[i];

      memset (slot, 0, sizeof *slot);
      if (c->kind == SELECT_SEND)
        {
          /* A copy per wait: the case keeps its value for the next one. */
          gopod_channel_value_copy (&c->value, &slot->value);
        }
      else if (c->kind == SELECT_TIMEOUT)
        {
          gint64 deadline;

          if (now < 0)
            now = g_get_monotonic_time ();
          deadline = now + (gint64) c->timeout_ms * 1000;

          if (self->deadline < 0 || deadline < self->deadline)
            {
              self->deadline = deadline;
              self->deadline_case = (gint) i;
            }
        }
    }

  return TRUE;
}

static void
select_end (GopodSelect *self,
            gint         chosen)
{
  guint i;

  /* What a channel told this wait of is someone else's now, or was for a
   * later cell than the one taken (rule C10.4). */
  if (self->told_case >= 0)
    {
      SelectCase *told = select_case (self, self->told_case);

      gopod_channel_pass_on (told->channel, select_case_op (told));
    }
  self->chosen = chosen;
  if (chosen >= 0)
    {
      GopodChannelSlot *slot = &self->slots[chosen];

      self->closed = slot->closed;
      if (select_case (self, chosen)->kind == SELECT_RECEIVE && !slot->closed)
        {
          self->value = slot->value;
          memset (&slot->value, 0, sizeof slot->value);
          self->has_value = TRUE;
        }
    }
  /* Values of send cases that did not happen. */
  for (i = 0; i < self->cases->len; i++)
    gopod_channel_value_clear (&self->slots[i].value);
  g_atomic_int_set (&self->busy, FALSE);
}

/* The first pass: does the first case in @order that can happen now. */
static gint
select_try_pass (GopodSelect *self,
                 const guint *order)
{
  guint k;

  for (k = 0; k < self->cases->len; k++)
    {
      guint i = order[k];
      SelectCase *c = select_case (self, i);

      switch (c->kind)
        {
        case SELECT_RECEIVE:
        case SELECT_SEND:
          if (gopod_channel_op_now (c->channel, select_case_op (c), &self->slots[i]))
            return (gint) i;
          break;
        case SELECT_TIMEOUT:
          if ((gint) i == self->deadline_case && g_get_monotonic_time () >= self->deadline)
            return (gint) i;
          break;
        case SELECT_CANCELLED:
          if (g_cancellable_is_cancelled (c->cancellable))
            return (gint) i;
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return -1;
}

/* What fires @waiter besides the channels: the wait's own cancellable, the
 * cancelled cases, the earliest timeout. */
static void
select_prepare_waiter (GopodSelect  *self,
                       GopodWaiter  *waiter,
                       GCancellable *cancellable)
{
  guint i;

  /* A blocking wait links from the select's own room: nothing allocated. */
  if (waiter->async)
    gopod_waiter_set_n_links (waiter, MAX (self->cases->len, 1));
  else
    gopod_waiter_set_links (waiter, self->links, MAX (self->cases->len, 1));
  if (cancellable != NULL)
    gopod_waiter_set_cancellable (waiter, cancellable, GOPOD_WAIT_CANCELLED);
  for (i = 0; i < self->cases->len; i++)
    if (select_case (self, i)->kind == SELECT_CANCELLED)
      gopod_waiter_add_cancellable (waiter, select_case (self, i)->cancellable, (gint) i);
  if (self->deadline_case >= 0)
    gopod_waiter_set_deadline (waiter, self->deadline, self->deadline_case);
}

/*
 * The second pass: links @waiter into every channel case's list, in @order,
 * so that whichever channel becomes ready first fires it. A case found ready
 * meanwhile (by someone other than this select) makes the waiter fire itself
 * with SELECT_RETRY, and the caller starts over with the first pass: the
 * operation is then done there, where it cannot race with another case.
 */
static void
select_link_pass (GopodSelect *self,
                  GopodWaiter *waiter,
                  const guint *order)
{
  guint k;

  for (k = 0; k < self->cases->len; k++)
    {
      guint i = order[k];
      SelectCase *c = select_case (self, i);
      GopodChannelLinkResult result;

      if (!select_is_channel_case (c))
        continue;
      result = gopod_channel_op_link (c->channel, select_case_op (c),
                                      gopod_waiter_get_link (waiter, i),
                                      gopod_channel_fires_to_look_again (c->channel)
                                        ? SELECT_LOOK_AGAIN (i) : (gint) i,
                                      &self->slots[i]);
      if (result == GOPOD_CHANNEL_FIRED)
        break;
      if (result == GOPOD_CHANNEL_READY)
        {
          if (gopod_waiter_try_fire (waiter, SELECT_RETRY))
            gopod_waiter_wake (waiter);
          break;
        }
    }
  /* Fired while linking: a waker's sweep may have missed the last links. */
  if (gopod_waiter_has_fired (waiter))
    gopod_waiter_unlink_all (waiter, NULL);
}

/* --- blocking --- */

/* How long a blocking select spins before it links, when every channel
 * case has a ring: as a plain operation does (rule C10.5). A select with
 * an unbuffered or unbounded case does not: their readiness cannot be read
 * without their lock. */
#define SELECT_SPIN_US 4

static gboolean
select_may_spin (GopodSelect *self)
{
  gboolean any = FALSE;
  guint i;

  for (i = 0; i < self->cases->len; i++)
    {
      SelectCase *c = select_case (self, i);

      if (!select_is_channel_case (c))
        continue;
      if (!gopod_channel_fires_to_look_again (c->channel))
        return FALSE;
      any = TRUE;
    }
  return any;
}

static gboolean
select_peek (gpointer data)
{
  GopodSelect *self = data;
  guint i;

  for (i = 0; i < self->cases->len; i++)
    {
      SelectCase *c = select_case (self, i);

      if (select_is_channel_case (c) && gopod_channel_peek (c->channel, select_case_op (c)))
        return TRUE;
    }
  return FALSE;
}

static gint
select_wait_blocking (GopodSelect   *self,
                      guint         *order,
                      GCancellable  *cancellable,
                      GError       **error)
{
  gint64 spin_until = select_may_spin (self) ? -1 : 0;

  for (;;)
    {
      GopodWaiter waiter;
      gint code;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      select_shuffle (order, self->cases->len);
      code = select_try_pass (self, order);
      if (code >= 0)
        return code;
      if (spin_until < 0)
        spin_until = g_get_monotonic_time () + SELECT_SPIN_US;
      if (spin_until > 0 && gopod_wait_spin_until (select_peek, self, spin_until))
        continue;
      spin_until = 0;

      gopod_waiter_init_blocking (&waiter);
      select_prepare_waiter (self, &waiter, cancellable);
      select_link_pass (self, &waiter, order);
      code = gopod_waiter_block (&waiter);
      gopod_waiter_unlink_rest (&waiter, code);
      gopod_waiter_clear_blocking (&waiter);

      if (select_code_is_look_again (code))
        self->told_case = SELECT_LOOK_AGAIN_BASE - code;
      if (code == SELECT_RETRY || select_code_is_look_again (code))
        continue;
      if (code < 0)
        gopod_wait_set_error (code, error);
      return code < 0 ? -1 : code;
    }
}

/* --- async --- */

/*
 * One async attempt. Its waiter may be fired and completed on another
 * thread while this one still links it: the attempt ends (the select's
 * state is touched again, the task answered or a new attempt made) only
 * when both the linking and the completion are done.
 */
typedef struct
{
  gint          refs;    /* atomic: the linker and the completion */
  GTask        *task;
  gint          code;
  guint         order[];
} SelectAttempt;

static void select_attempt_start (GTask *task);

/* Drops one of the attempt's two holds. The last one ends the attempt: it
 * answers the task, or returns it (referenced) to be tried again. */
static GTask *
select_attempt_release (SelectAttempt *attempt)
{
  GopodSelect *self;
  GTask *task;
  gint code;

  if (!g_atomic_int_dec_and_test (&attempt->refs))
    return NULL;
  task = attempt->task;
  code = attempt->code;
  g_free (attempt);

  self = g_task_get_source_object (task);
  if (select_code_is_look_again (code))
    self->told_case = SELECT_LOOK_AGAIN_BASE - code;
  if (code == SELECT_RETRY || select_code_is_look_again (code))
    return task;
  select_end (self, code < 0 ? -1 : code);
  if (code < 0)
    {
      GError *error = NULL;

      gopod_wait_set_error (code, &error);
      g_task_return_error (task, error);
    }
  else
    g_task_return_int (task, code);
  g_object_unref (task);
  return NULL;
}

static void
select_attempt_complete (GopodWaiter *waiter,
                         gpointer     user_data)
{
  SelectAttempt *attempt = user_data;
  GTask *again;

  attempt->code = waiter->code;
  again = select_attempt_release (attempt);
  if (again != NULL)
    {
      select_attempt_start (again);
      g_object_unref (again);
    }
}

/* One attempt; returns the task (referenced) when it ended to be made again. */
static GTask *
select_attempt_once (GTask *task)
{
  GopodSelect *self = g_task_get_source_object (task);
  guint n = self->cases->len;
  SelectAttempt *attempt;
  GopodWaiter *waiter;
  gint code;

  /* The select is idle again before the callback can run. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      select_end (self, -1);
      g_task_return_error_if_cancelled (task);
      return NULL;
    }

  attempt = g_malloc0 (sizeof (SelectAttempt) + MAX (n, 1) * sizeof (guint));
  select_shuffle (attempt->order, n);
  code = select_try_pass (self, attempt->order);
  if (code >= 0)
    {
      g_free (attempt);
      select_end (self, code);
      g_task_return_int (task, code);
      return NULL;
    }

  attempt->refs = 2;
  attempt->task = g_object_ref (task);
  waiter = gopod_waiter_new_async (task, select_attempt_complete, attempt);
  select_prepare_waiter (self, waiter, g_task_get_cancellable (task));
  gopod_waiter_ref (waiter);
  /* A select of timeouts and cancellables only is linked nowhere. */
  gopod_waiter_arm (waiter);
  select_link_pass (self, waiter, attempt->order);
  gopod_waiter_unref (waiter);
  return select_attempt_release (attempt);
}

/* A loop rather than a recursion: attempts that lost a race to a wake-up
 * may follow one another any number of times. */
static void
select_attempt_start (GTask *task)
{
  GTask *again;

  while ((again = select_attempt_once (task)) != NULL)
    g_object_unref (again);
}

/* --- public API --- */

/**
 * gopod_select_new:
 *
 * Makes a select with no cases.
 *
 * Returns: (transfer full): the new select
 *
 * Since: 1.2
 */
GopodSelect *
gopod_select_new (void)
{
  return g_object_new (GOPOD_TYPE_SELECT, NULL);
}

static gboolean
select_check_idle (GopodSelect *self,
                   const char  *func)
{
  if (!g_atomic_int_get (&self->busy))
    return TRUE;
  g_critical ("%s: select %p is waiting; cases cannot change now", func, self);
  return FALSE;
}

static guint
select_add (GopodSelect *self,
            SelectCase  *c)
{
  g_array_append_vals (self->cases, c, 1);
  return self->cases->len - 1;
}

/**
 * gopod_select_add_receive:
 * @self: a select
 * @channel: the channel to receive from
 *
 * Adds Go's `case v, ok := <-channel:`. When chosen,
 * [method@Gopod.Select.get_value] gives the value, or
 * [method@Gopod.Select.get_closed] is %TRUE once the channel is closed and
 * drained.
 *
 * Returns: the case's number, or %G_MAXUINT on bad input
 *
 * Since: 1.2
 */
guint
gopod_select_add_receive (GopodSelect  *self,
                          GopodChannel *channel)
{
  SelectCase c = { SELECT_RECEIVE, };

  g_return_val_if_fail (GOPOD_IS_SELECT (self), G_MAXUINT);
  g_return_val_if_fail (GOPOD_IS_CHANNEL (channel), G_MAXUINT);
  if (!select_check_idle (self, G_STRFUNC))
    return G_MAXUINT;

  c.channel = g_object_ref (channel);
  return select_add (self, &c);
}

/**
 * gopod_select_add_send:
 * @self: a select
 * @channel: the channel to send to
 * @value: what to send: of the channel's element type, or one that
 *   g_value_transform() converts to it; copied
 *
 * Adds Go's `case channel <- value:`. A wait that chooses another case sends
 * nothing. When chosen on a closed channel, nothing is sent and
 * [method@Gopod.Select.get_closed] is %TRUE.
 *
 * Returns: the case's number, or %G_MAXUINT on bad input
 *
 * Since: 1.2
 */
guint
gopod_select_add_send (GopodSelect  *self,
                       GopodChannel *channel,
                       const GValue *value)
{
  SelectCase c = { SELECT_SEND, };
  GopodChannelSlot slot;

  g_return_val_if_fail (GOPOD_IS_SELECT (self), G_MAXUINT);
  g_return_val_if_fail (GOPOD_IS_CHANNEL (channel), G_MAXUINT);
  g_return_val_if_fail (G_IS_VALUE (value), G_MAXUINT);
  if (!select_check_idle (self, G_STRFUNC) ||
      !gopod_channel_slot_fill (channel, &slot, value, NULL))
    return G_MAXUINT;

  c.channel = g_object_ref (channel);
  c.value = slot.value;
  return select_add (self, &c);
}

/**
 * gopod_select_add_timeout:
 * @self: a select
 * @timeout_ms: milliseconds from the start of each wait
 *
 * Adds Go's `case <-time.After(timeout):`: chosen when nothing else
 * happened for @timeout_ms since the wait began. No main loop is needed.
 *
 * Returns: the case's number, or %G_MAXUINT on bad input
 *
 * Since: 1.2
 */
guint
gopod_select_add_timeout (GopodSelect *self,
                          guint        timeout_ms)
{
  SelectCase c = { SELECT_TIMEOUT, };

  g_return_val_if_fail (GOPOD_IS_SELECT (self), G_MAXUINT);
  if (!select_check_idle (self, G_STRFUNC))
    return G_MAXUINT;

  c.timeout_ms = timeout_ms;
  return select_add (self, &c);
}

/**
 * gopod_select_add_cancelled:
 * @self: a select
 * @cancellable: the cancellable to watch
 *
 * Adds Go's `case <-ctx.Done():`: chosen once @cancellable is cancelled.
 * Unlike the cancellable given to [method@Gopod.Select.wait], which makes
 * the wait fail, this is a case like the others.
 *
 * Returns: the case's number, or %G_MAXUINT on bad input
 *
 * Since: 1.2
 */
guint
gopod_select_add_cancelled (GopodSelect  *self,
                            GCancellable *cancellable)
{
  SelectCase c = { SELECT_CANCELLED, };

  g_return_val_if_fail (GOPOD_IS_SELECT (self), G_MAXUINT);
  g_return_val_if_fail (G_IS_CANCELLABLE (cancellable), G_MAXUINT);
  if (!select_check_idle (self, G_STRFUNC))
    return G_MAXUINT;

  c.cancellable = g_object_ref (cancellable);
  return select_add (self, &c);
}

/**
 * gopod_select_set_value:
 * @self: a select
 * @case_index: a send case's number
 * @value: what the case sends from the next wait on (see
 *   [method@Gopod.Select.add_send]); copied
 *
 * Changes what a send case sends, so that one select serves a loop.
 *
 * Since: 1.2
 */
void
gopod_select_set_value (GopodSelect  *self,
                        guint         case_index,
                        const GValue *value)
{
  GopodChannelSlot slot;
  SelectCase *c;

  g_return_if_fail (GOPOD_IS_SELECT (self));
  g_return_if_fail (case_index < self->cases->len);
  g_return_if_fail (select_case (self, case_index)->kind == SELECT_SEND);
  g_return_if_fail (G_IS_VALUE (value));
  if (!select_check_idle (self, G_STRFUNC))
    return;

  c = select_case (self, case_index);
  if (!gopod_channel_slot_fill (c->channel, &slot, value, NULL))
    return;
  g_value_unset (&c->value);
  c->value = slot.value;
}

/**
 * gopod_select_get_n_cases:
 * @self: a select
 *
 * Returns: how many cases were added
 *
 * Since: 1.2
 */
guint
gopod_select_get_n_cases (GopodSelect *self)
{
  g_return_val_if_fail (GOPOD_IS_SELECT (self), 0);

  return self->cases->len;
}

/**
 * gopod_select_wait:
 * @self: a select
 * @cancellable: (nullable): cancels the wait itself
 * @error: return location for an error
 *
 * Blocks until one case happens, does it, and returns its number. No main
 * loop is needed. A select without cases waits for @cancellable, as Go's
 * `select {}` waits forever; without cases and without @cancellable it
 * would wait for ever, a programmer error: a critical, and -1 with @error
 * left unset.
 *
 * Returns: the chosen case's number, or -1 with %G_IO_ERROR_CANCELLED
 *   when @cancellable fired first (no case happened), or with
 *   %G_IO_ERROR_BUSY when the select was already waiting (a critical says
 *   so too)
 *
 * Since: 1.2
 */
gint
gopod_select_wait (GopodSelect   *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  guint order_inline[16];
  guint *order;
  gint chosen;

  g_return_val_if_fail (GOPOD_IS_SELECT (self), -1);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);
  g_return_val_if_fail (self->cases->len > 0 || cancellable != NULL, -1);
  /* Runtime state, as for the async twin: the caller hears of it too. */
  if (!select_begin (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The select is already waiting");
      return -1;
    }

  order = self->cases->len <= G_N_ELEMENTS (order_inline)
    ? order_inline : g_new (guint, self->cases->len);
  chosen = select_wait_blocking (self, order, cancellable, error);
  if (order != order_inline)
    g_free (order);
  select_end (self, chosen);

  return chosen;
}

/**
 * gopod_select_try:
 * @self: a select
 *
 * Does one case that can happen now, Go's `select` with a `default:` case.
 * A timeout case of 0 ms and a cancelled case whose cancellable was
 * cancelled count as ready.
 *
 * Returns: the chosen case's number, or -1 when none is ready
 *
 * Since: 1.2
 */
gint
gopod_select_try (GopodSelect *self)
{
  guint order_inline[16];
  guint *order;
  gint chosen;

  g_return_val_if_fail (GOPOD_IS_SELECT (self), -1);
  if (!select_begin (self))
    return -1;

  order = self->cases->len <= G_N_ELEMENTS (order_inline)
    ? order_inline : g_new (guint, self->cases->len);
  select_shuffle (order, self->cases->len);
  chosen = select_try_pass (self, order);
  if (order != order_inline)
    g_free (order);
  select_end (self, chosen);

  return chosen;
}

/**
 * gopod_select_wait_async:
 * @self: a select
 * @cancellable: (nullable): cancels the wait itself
 * @callback: (scope async): called once a case happened, or on cancellation
 * @user_data: data for @callback
 *
 * Waits like [method@Gopod.Select.wait] without blocking the caller;
 * @callback runs on the caller's thread-default main context and calls
 * [method@Gopod.Select.wait_finish].
 *
 * Since: 1.2
 */
void
gopod_select_wait_async (GopodSelect         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GOPOD_IS_SELECT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gopod_select_wait_async);
  /* What the select holds is runtime state, not a bad pointer: besides the
   * critical, the caller hears of it, so that a promise made of this call
   * settles instead of waiting for ever. */
  if (self->cases->len == 0 && cancellable == NULL)
    {
      g_critical ("%s: a select without cases waits for a cancellable, and none was given",
                  G_STRFUNC);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "a select without cases and without a cancellable would wait for ever");
      return;
    }
  if (!select_begin (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "the select is already waiting");
      return;
    }

  /* A case that happened just before the cancellable fired stays chosen:
   * GTask would otherwise report G_IO_ERROR_CANCELLED for it. */
  g_task_set_check_cancellable (task, FALSE);
  select_attempt_start (task);
}

/**
 * gopod_select_wait_finish:
 * @self: a select
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes [method@Gopod.Select.wait_async].
 *
 * Returns: the chosen case's number, or -1 with %G_IO_ERROR_CANCELLED;
 *   -1 with %G_IO_ERROR_INVALID_ARGUMENT for a select without cases waited
 *   for without a cancellable, or %G_IO_ERROR_BUSY when it was already
 *   waiting (a critical said so too)
 *
 * Since: 1.2
 */
gint
gopod_select_wait_finish (GopodSelect   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  GError *local = NULL;
  gssize chosen;

  g_return_val_if_fail (GOPOD_IS_SELECT (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gopod_select_wait_async, -1);

  chosen = g_task_propagate_int (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return -1;
    }
  return (gint) chosen;
}

/* Without a value to give, an uninitialised @value still gets a valid one
 * (GJS reads out-values even when a call returns FALSE): the default of the
 * chosen case's channel's type, else a NULL pointer. Neither owns anything. */
static void
select_value_default (GopodSelect *self,
                      GValue      *value)
{
  SelectCase *c = NULL;

  if (G_VALUE_TYPE (value) != G_TYPE_INVALID)
    return;
  if (!g_atomic_int_get (&self->busy) && self->chosen >= 0)
    c = select_case (self, self->chosen);
  g_value_init (value, c != NULL && select_is_channel_case (c)
                       ? gopod_channel_get_element_type (c->channel) : G_TYPE_POINTER);
}

/**
 * gopod_select_get_value:
 * @self: a select
 * @value: (out caller-allocates): where the value goes: an uninitialised
 *   [struct@GObject.Value] (`G_VALUE_INIT`), or one holding a value, which is
 *   unset first
 *
 * Gives a copy of the value the last wait's chosen case received.
 *
 * Returns: %TRUE if the chosen case was a receive that got a value; else
 *   %FALSE, and @value is left as it was, or, if uninitialised, given the
 *   default value of the chosen case's channel's type (a %NULL pointer when
 *   no channel case was chosen), which owns nothing
 *
 * Since: 1.2
 */
gboolean
gopod_select_get_value (GopodSelect *self,
                        GValue      *value)
{
  g_return_val_if_fail (GOPOD_IS_SELECT (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (g_atomic_int_get (&self->busy) || !self->has_value)
    {
      select_value_default (self, value);
      return FALSE;
    }
  gopod_channel_value_clear (value);
  gopod_channel_value_copy (&self->value, value);
  return TRUE;
}

/**
 * gopod_select_get_closed:
 * @self: a select
 *
 * Returns: whether the last wait's chosen case found its channel closed: a
 *   receive that got no value, or a send that sent nothing
 *
 * Since: 1.2
 */
gboolean
gopod_select_get_closed (GopodSelect *self)
{
  g_return_val_if_fail (GOPOD_IS_SELECT (self), FALSE);

  return !g_atomic_int_get (&self->busy) && self->closed;
}

/* --- GObject --- */

static void
select_case_clear (gpointer data)
{
  SelectCase *c = data;

  g_clear_object (&c->channel);
  g_clear_object (&c->cancellable);
  gopod_channel_value_clear (&c->value);
}

static void
gopod_select_finalize (GObject *object)
{
  GopodSelect *self = GOPOD_SELECT (object);

  g_array_unref (self->cases);
  g_free (self->slots);
  g_free (self->links);
  gopod_channel_value_clear (&self->value);

  G_OBJECT_CLASS (gopod_select_parent_class)->finalize (object);
}

static void
gopod_select_class_init (GopodSelectClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gopod_select_finalize;
}

static void
gopod_select_init (GopodSelect *self)
{
  self->cases = g_array_new (FALSE, TRUE, sizeof (SelectCase));
  g_array_set_clear_func (self->cases, select_case_clear);
  self->chosen = -1;
}
