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

/* Versions, encoded as GLib encodes its own: the headers compare them against
 * what a program asks for (GOPOD_VERSION_MIN_REQUIRED, GOPOD_VERSION_MAX_ALLOWED)
 * to warn about deprecated and too new symbols. */

/**
 * GOPOD_VERSION_1_0:
 *
 * The version number of pod-glib 1.0, for GOPOD_VERSION_MIN_REQUIRED and
 * GOPOD_VERSION_MAX_ALLOWED.
 *
 * Since: 1.2
 */
#define GOPOD_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

/**
 * GOPOD_VERSION_1_2:
 *
 * The version number of pod-glib 1.2, for GOPOD_VERSION_MIN_REQUIRED and
 * GOPOD_VERSION_MAX_ALLOWED.
 *
 * Since: 1.2
 */
#define GOPOD_VERSION_1_2 (G_ENCODE_VERSION (1, 2))

/**
 * GOPOD_VERSION_CUR_STABLE:
 *
 * The newest version of the pod-glib API these headers describe.
 *
 * Since: 1.2
 */
#define GOPOD_VERSION_CUR_STABLE GOPOD_VERSION_1_2

/**
 * GOPOD_VERSION_MIN_REQUIRED:
 *
 * Define it before including `pod-glib.h` to the oldest pod-glib version
 * the program supports (one of the GOPOD_VERSION_* macros): symbols
 * deprecated after it then raise no deprecation warning. Defaults to
 * GOPOD_VERSION_CUR_STABLE.
 *
 * Since: 1.2
 */
#ifndef GOPOD_VERSION_MIN_REQUIRED
# define GOPOD_VERSION_MIN_REQUIRED GOPOD_VERSION_CUR_STABLE
#endif

/**
 * GOPOD_VERSION_MAX_ALLOWED:
 *
 * Define it before including `pod-glib.h` to the newest pod-glib version
 * the program may use: symbols added after it raise a warning. Defaults to
 * GOPOD_VERSION_CUR_STABLE.
 *
 * Since: 1.2
 */
#ifndef GOPOD_VERSION_MAX_ALLOWED
# define GOPOD_VERSION_MAX_ALLOWED GOPOD_VERSION_CUR_STABLE
#endif

#if GOPOD_VERSION_MAX_ALLOWED < GOPOD_VERSION_MIN_REQUIRED
# error "GOPOD_VERSION_MAX_ALLOWED must be >= GOPOD_VERSION_MIN_REQUIRED"
#endif

/* The library itself is built against every symbol it defines. */
#ifdef GOPOD_COMPILATION
# define _GOPOD_DEPRECATED _GOPOD_EXTERN
# define _GOPOD_DEPRECATED_FOR(f) _GOPOD_EXTERN
# define _GOPOD_UNAVAILABLE(maj,min) _GOPOD_EXTERN
#else
# define _GOPOD_DEPRECATED G_DEPRECATED _GOPOD_EXTERN
# define _GOPOD_DEPRECATED_FOR(f) G_DEPRECATED_FOR (f) _GOPOD_EXTERN
# define _GOPOD_UNAVAILABLE(maj,min) G_UNAVAILABLE (maj, min) _GOPOD_EXTERN
#endif

/**
 * GOPOD_DEPRECATED:
 *
 * Marks a symbol as deprecated, with no replacement.
 *
 * Since: 1.2
 */
#define GOPOD_DEPRECATED _GOPOD_DEPRECATED

/**
 * GOPOD_DEPRECATED_FOR:
 * @f: the symbol to use instead
 *
 * Marks a symbol as deprecated in favour of @f.
 *
 * Since: 1.2
 */
#define GOPOD_DEPRECATED_FOR(f) _GOPOD_DEPRECATED_FOR (f)

/**
 * GOPOD_AVAILABLE_IN_1_2:
 *
 * Marks a symbol as exported and available since pod-glib 1.2; a program
 * whose GOPOD_VERSION_MAX_ALLOWED is older gets a warning for using it.
 *
 * Since: 1.2
 */
#if GOPOD_VERSION_MAX_ALLOWED < GOPOD_VERSION_1_2
# define GOPOD_AVAILABLE_IN_1_2 _GOPOD_UNAVAILABLE (1, 2)
#else
# define GOPOD_AVAILABLE_IN_1_2 _GOPOD_EXTERN
#endif
