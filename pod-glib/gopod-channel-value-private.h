/* gopod-channel-value-private.h: a channel's values, as GValues
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Values of plain fundamental types (numbers, booleans, enums, flags, plain
 * pointers) own nothing: they are cleared and copied without GLib's type
 * system, whose checks take a process-wide lock that every thread sending or
 * receiving would contend on (a fifth of a select's time in
 * bench/bench-channel.c). Others go through g_value_*(). */
gboolean  gopod_channel_value_is_plain (GType         type);
/* Unsets @value if it holds one (G_VALUE_INIT is left alone). */
void      gopod_channel_value_clear    (GValue       *value);
/* Copies @src into @dest, which is uninitialised. */
void      gopod_channel_value_copy     (const GValue *src,
                                        GValue       *dest);
/* Moves @from into @to (uninitialised); @from is left uninitialised. */
void      gopod_channel_value_move     (GValue       *to,
                                        GValue       *from);
/* Converts @in to @type in @out (uninitialised); FALSE if GLib cannot. */
gboolean  gopod_channel_value_convert  (GType         type,
                                        const GValue *in,
                                        GValue       *out);
/* Gives a received value (@from, or NULL for none) to a caller's GValue,
 * uninitialised or holding a value, which is dropped; returns whether there
 * was one. */
gboolean  gopod_channel_value_give     (GType         element_type,
                                        GValue       *to,
                                        GValue       *from);

G_END_DECLS
