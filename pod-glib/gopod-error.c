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
G_DEFINE_QUARK (gopod-error-quark, gopod_error)
