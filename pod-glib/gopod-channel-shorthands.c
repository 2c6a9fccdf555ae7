/* gopod-channel-shorthands.c: GopodChannel's typed shorthands for C
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-channel-private.h"

/* Sends @value (consumed), converted if the channel's type differs. */
static gboolean
channel_shorthands_send_taken (GopodChannel  *self,
                               GValue        *value,
                               GCancellable  *cancellable,
                               GError       **error)
{
  GopodChannelSlot slot = { G_VALUE_INIT, FALSE };
  gboolean sent = FALSE;

  if (G_VALUE_TYPE (value) == gopod_channel_get_element_type (self))
    gopod_channel_value_move (&slot.value, value);
  else if (!gopod_channel_slot_fill (self, &slot, value, error))
    {
      g_value_unset (value);
      return FALSE;
    }
  gopod_channel_value_clear (value);
  sent = gopod_channel_op_blocking (self, GOPOD_CHANNEL_OP_SEND, &slot, cancellable, error);
  gopod_channel_value_clear (&slot.value);

  return sent;
}

/* Receives into @value, initialised to @type: converted if the channel's
 * type differs; FALSE (and a critical) if it cannot be. */
static gboolean
channel_shorthands_receive_as (GopodChannel  *self,
                               GType          type,
                               GValue        *value,
                               GCancellable  *cancellable,
                               GError       **error)
{
  GopodChannelSlot slot = { G_VALUE_INIT, FALSE };
  GType element_type = gopod_channel_get_element_type (self);
  gboolean converted;

  /* Refused before anything is taken: a value that cannot come out as
   * @type stays in the channel for a receiver that can take it. */
  if (element_type != type && !g_value_type_transformable (element_type, type))
    {
      g_critical ("%s: a %s from the channel is not a %s", G_STRFUNC,
                  g_type_name (element_type), g_type_name (type));
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "A %s from the channel is not a %s",
                   g_type_name (element_type), g_type_name (type));
      return FALSE;
    }
  if (!gopod_channel_op_blocking (self, GOPOD_CHANNEL_OP_RECEIVE, &slot, cancellable, error))
    return FALSE;
  if (G_VALUE_TYPE (&slot.value) == type)
    {
      gopod_channel_value_move (value, &slot.value);
      return TRUE;
    }
  converted = gopod_channel_value_convert (type, &slot.value, value);
  if (!converted)
    {
      g_critical ("%s: a %s from the channel is not a %s", G_STRFUNC,
                  G_VALUE_TYPE_NAME (&slot.value), g_type_name (type));
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "A %s from the channel is not a %s",
                   G_VALUE_TYPE_NAME (&slot.value), g_type_name (type));
    }
  g_value_unset (&slot.value);
  return converted;
}

#define CHANNEL_CHECK_ARGS(self, cancellable, error, val) G_STMT_START {          \
  g_return_val_if_fail (GOPOD_IS_CHANNEL (self), FALSE);                         \
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE); \
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);                \
  g_return_val_if_fail (val, FALSE);                                             \
} G_STMT_END

/**
 * gopod_channel_send_int: (skip)
 * @self: a channel (of %G_TYPE_INT, or a type an int converts to)
 * @value: the value
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * [method@Gopod.Channel.send] for an int.
 *
 * Returns: as [method@Gopod.Channel.send]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_send_int (GopodChannel  *self,
                        gint           value,
                        GCancellable  *cancellable,
                        GError       **error)
{
  GValue v = G_VALUE_INIT;

  CHANNEL_CHECK_ARGS (self, cancellable, error, TRUE);
  /* A plain value: what g_value_init() and g_value_set_int() would write. */
  v.g_type = G_TYPE_INT;
  v.data[0].v_int = value;
  return channel_shorthands_send_taken (self, &v, cancellable, error);
}

/**
 * gopod_channel_receive_int: (skip)
 * @self: a channel (of %G_TYPE_INT, or a type that converts to an int)
 * @value: (out): the value; 0 on failure
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * [method@Gopod.Channel.receive] for an int.
 *
 * Returns: as [method@Gopod.Channel.receive]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_receive_int (GopodChannel  *self,
                           gint          *value,
                           GCancellable  *cancellable,
                           GError       **error)
{
  GValue v = G_VALUE_INIT;

  CHANNEL_CHECK_ARGS (self, cancellable, error, value != NULL);
  *value = 0;
  if (!channel_shorthands_receive_as (self, G_TYPE_INT, &v, cancellable, error))
    return FALSE;
  *value = v.data[0].v_int;
  return TRUE;
}

/**
 * gopod_channel_send_string: (skip)
 * @self: a channel (of %G_TYPE_STRING)
 * @value: (nullable): the string, copied
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * [method@Gopod.Channel.send] for a string.
 *
 * Returns: as [method@Gopod.Channel.send]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_send_string (GopodChannel  *self,
                           const char    *value,
                           GCancellable  *cancellable,
                           GError       **error)
{
  GValue v = G_VALUE_INIT;

  CHANNEL_CHECK_ARGS (self, cancellable, error, TRUE);
  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, value);
  return channel_shorthands_send_taken (self, &v, cancellable, error);
}

/**
 * gopod_channel_receive_string: (skip)
 * @self: a channel (of %G_TYPE_STRING)
 * @value: (out) (transfer full) (nullable): the string; %NULL on failure
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * [method@Gopod.Channel.receive] for a string.
 *
 * Returns: as [method@Gopod.Channel.receive]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_receive_string (GopodChannel  *self,
                              char         **value,
                              GCancellable  *cancellable,
                              GError       **error)
{
  GValue v = G_VALUE_INIT;

  CHANNEL_CHECK_ARGS (self, cancellable, error, value != NULL);
  *value = NULL;
  if (!channel_shorthands_receive_as (self, G_TYPE_STRING, &v, cancellable, error))
    return FALSE;
  *value = g_value_dup_string (&v);
  g_value_unset (&v);
  return TRUE;
}

/**
 * gopod_channel_send_object: (skip)
 * @self: a channel (of an object type @value is an instance of)
 * @value: (type GObject) (nullable): the object; the channel takes a
 *   reference of its own
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * [method@Gopod.Channel.send] for an object.
 *
 * Returns: as [method@Gopod.Channel.send]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_send_object (GopodChannel  *self,
                           gpointer       value,
                           GCancellable  *cancellable,
                           GError       **error)
{
  GValue v = G_VALUE_INIT;

  CHANNEL_CHECK_ARGS (self, cancellable, error, value == NULL || G_IS_OBJECT (value));
  g_value_init (&v, value != NULL ? G_OBJECT_TYPE (value) : gopod_channel_get_element_type (self));
  g_value_set_object (&v, value);
  return channel_shorthands_send_taken (self, &v, cancellable, error);
}

/**
 * gopod_channel_receive_object: (skip)
 * @self: a channel (of an object type)
 * @value: (out) (transfer full) (type GObject) (nullable): the object;
 *   %NULL on failure
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * [method@Gopod.Channel.receive] for an object.
 *
 * Returns: as [method@Gopod.Channel.receive]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_receive_object (GopodChannel  *self,
                              gpointer      *value,
                              GCancellable  *cancellable,
                              GError       **error)
{
  GValue v = G_VALUE_INIT;

  CHANNEL_CHECK_ARGS (self, cancellable, error, value != NULL);
  *value = NULL;
  if (!channel_shorthands_receive_as (self, G_TYPE_OBJECT, &v, cancellable, error))
    return FALSE;
  *value = g_value_dup_object (&v);
  g_value_unset (&v);
  return TRUE;
}

/**
 * gopod_channel_send_pointer: (skip)
 * @self: a channel (of %G_TYPE_POINTER)
 * @value: (nullable): the pointer; the channel does not own what it points to
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * [method@Gopod.Channel.send] for a plain pointer.
 *
 * Returns: as [method@Gopod.Channel.send]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_send_pointer (GopodChannel  *self,
                            gpointer       value,
                            GCancellable  *cancellable,
                            GError       **error)
{
  GValue v = G_VALUE_INIT;

  CHANNEL_CHECK_ARGS (self, cancellable, error, TRUE);
  v.g_type = G_TYPE_POINTER;
  v.data[0].v_pointer = value;
  return channel_shorthands_send_taken (self, &v, cancellable, error);
}

/**
 * gopod_channel_receive_pointer: (skip)
 * @self: a channel (of %G_TYPE_POINTER)
 * @value: (out) (nullable): the pointer; %NULL on failure
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * [method@Gopod.Channel.receive] for a plain pointer.
 *
 * Returns: as [method@Gopod.Channel.receive]
 *
 * Since: 1.2
 */
gboolean
gopod_channel_receive_pointer (GopodChannel  *self,
                               gpointer      *value,
                               GCancellable  *cancellable,
                               GError       **error)
{
  GValue v = G_VALUE_INIT;

  CHANNEL_CHECK_ARGS (self, cancellable, error, value != NULL);
  *value = NULL;
  if (!channel_shorthands_receive_as (self, G_TYPE_POINTER, &v, cancellable, error))
    return FALSE;
  *value = v.data[0].v_pointer;
  return TRUE;
}

