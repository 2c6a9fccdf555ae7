/* gopod-error.c: the GOPOD_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-error.h"

/**
 * gopod_error_quark:
 *
 * The quark of the %GOPOD_ERROR domain.
 *
 * Returns: the quark
 *
 * Since: 1.0
 */
GQuark
gopod_error_quark (void)
{
  /* Not G_DEFINE_QUARK: in GLib 2.74 it caches the quark in a plain static
   * that two threads using the domain for the first time race on. */
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("gopod-error-quark"));

  return (GQuark) quark;
}
