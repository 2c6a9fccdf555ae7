/* gopod-version-macros.h: symbol visibility and availability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (GOPOD_INSIDE) && !defined (GOPOD_COMPILATION)
# error "Only <pod-glib.h> can be included directly."
#endif

#include <glib.h>

/* The library is built with hidden visibility; only symbols marked with one of
 * these macros are exported. */
#if defined (_WIN32) && !defined (__CYGWIN__)
# define _GOPOD_EXTERN __declspec(dllexport) extern
#else
# define _GOPOD_EXTERN __attribute__((visibility ("default"))) extern
#endif

/**
 * GOPOD_AVAILABLE_IN_ALL:
 *
 * Marks a symbol as exported and available since the first release.
 *
 * Since: 1.0
 */
#define GOPOD_AVAILABLE_IN_ALL _GOPOD_EXTERN

/**
 * GOPOD_AVAILABLE_IN_1_0:
 *
 * Marks a symbol as available since pod-glib 1.0.
 *
 * Since: 1.0
 */
#define GOPOD_AVAILABLE_IN_1_0 _GOPOD_EXTERN
