/* gopod-channel-value.c: how a channel's values are moved, copied,
 * converted and given to callers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-channel-value-private.h"

#include <string.h>

void
gopod_channel_value_move (GValue *to,
                          GValue *from)
{
  *to = *from;
  memset (from, 0, sizeof *from);
}

gboolean
gopod_channel_value_is_plain (GType type)
{
  /* Fundamental types are their own fundamental: no lookup for them. */
  switch (type <= G_TYPE_FUNDAMENTAL_MAX ? type : G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_CHAR: case G_TYPE_UCHAR: case G_TYPE_BOOLEAN:
    case G_TYPE_INT: case G_TYPE_UINT: case G_TYPE_LONG: case G_TYPE_ULONG:
    case G_TYPE_INT64: case G_TYPE_UINT64: case G_TYPE_FLOAT: case G_TYPE_DOUBLE:
    case G_TYPE_ENUM: case G_TYPE_FLAGS: case G_TYPE_POINTER:
      return TRUE;
    default:
      return FALSE;
    }
}

void
gopod_channel_value_clear (GValue *value)
{
  if (G_VALUE_TYPE (value) == G_TYPE_INVALID)
    return;
  if (gopod_channel_value_is_plain (G_VALUE_TYPE (value)))
    memset (value, 0, sizeof *value);
  else
    g_value_unset (value);
}

void
gopod_channel_value_copy (const GValue *src,
                          GValue       *dest)
{
  if (gopod_channel_value_is_plain (G_VALUE_TYPE (src)))
    {
      *dest = *src;
      return;
    }
  g_value_init (dest, G_VALUE_TYPE (src));
  g_value_copy (src, dest);
}

/* Whether @type's values include NULL (which its zeroed GValue holds). */
static gboolean
channel_value_type_is_nullable (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_STRING: case G_TYPE_OBJECT: case G_TYPE_INTERFACE: case G_TYPE_BOXED:
    case G_TYPE_VARIANT: case G_TYPE_PARAM: case G_TYPE_POINTER:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
gopod_channel_value_convert (GType         type,
                             const GValue *in,
                             GValue       *out)
{
  if (G_VALUE_TYPE (in) == type)
    {
      gopod_channel_value_copy (in, out);
      return TRUE;
    }
  /* GJS makes a JavaScript null a NULL G_TYPE_POINTER: it is the NULL of
   * a string, object or boxed channel, as Go's nil is of its pointer
   * types, and a JavaScript user writes send(null) for it. */
  if (G_VALUE_HOLDS_POINTER (in) && g_value_get_pointer (in) == NULL &&
      channel_value_type_is_nullable (type))
    {
      g_value_init (out, type);
      return TRUE;
    }
  /* GObject's own object-to-object transform turns an instance that is
   * not a @type into NULL: the value would be lost, and the call succeed.
   * An object goes in as itself or not at all. */
  if (G_VALUE_HOLDS_OBJECT (in) && g_type_is_a (type, G_TYPE_OBJECT))
    {
      GObject *object = g_value_get_object (in);

      if (object != NULL && !g_type_is_a (G_OBJECT_TYPE (object), type))
        return FALSE;
      g_value_init (out, type);
      g_value_set_object (out, object);
      return TRUE;
    }
  g_value_init (out, type);
  if (g_value_type_compatible (G_VALUE_TYPE (in), type))
    {
      g_value_copy (in, out);
      return TRUE;
    }
  if (g_value_type_transformable (G_VALUE_TYPE (in), type) && g_value_transform (in, out))
    return TRUE;
  g_value_unset (out);
  return FALSE;
}

/* Without a value, an uninitialised @to gets the element type's default: a
 * binding that reads out-values even from a call that failed (GJS does)
 * finds a valid value, and since defaults own nothing, a C caller that does
 * not unset it after a failure leaks nothing. */
gboolean
gopod_channel_value_give (GType   element_type,
                          GValue *to,
                          GValue *from)
{
  if (from == NULL)
    {
      if (G_VALUE_TYPE (to) == G_TYPE_INVALID)
        g_value_init (to, element_type);
      return FALSE;
    }
  gopod_channel_value_clear (to);
  gopod_channel_value_move (to, from);
  return TRUE;
}
