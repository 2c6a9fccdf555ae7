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

/* --- Versions and what a caller may use (GLib's and json-glib's scheme) --- */

/**
 * GOPOD_VERSION_1_0:
 *
 * The encoded version of pod-glib 1.0, for %GOPOD_VERSION_MIN_REQUIRED and
 * %GOPOD_VERSION_MAX_ALLOWED.
 *
 * Since: 1.2
 */
#define GOPOD_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

/**
 * GOPOD_VERSION_1_2:
 *
 * The encoded version of pod-glib 1.2, for %GOPOD_VERSION_MIN_REQUIRED and
 * %GOPOD_VERSION_MAX_ALLOWED.
 *
 * Since: 1.2
 */
#define GOPOD_VERSION_1_2 (G_ENCODE_VERSION (1, 2))

/* The newest version these headers describe. */
#define GOPOD_VERSION_CUR_STABLE GOPOD_VERSION_1_2

/**
 * GOPOD_VERSION_MIN_REQUIRED:
 *
 * Define it before including `pod-glib.h` to the oldest pod-glib version the
 * code must still build against (for instance %GOPOD_VERSION_1_0): symbols
 * deprecated after that version then cause no deprecation warnings.
 * Default: the version of these headers.
 *
 * Since: 1.2
 */
#ifndef GOPOD_VERSION_MIN_REQUIRED
# define GOPOD_VERSION_MIN_REQUIRED (GOPOD_VERSION_CUR_STABLE)
#endif

/**
 * GOPOD_VERSION_MAX_ALLOWED:
 *
 * Define it before including `pod-glib.h` to the newest pod-glib version the
 * code may use: symbols added after that version then cause warnings, so a
 * program meant for an older pod-glib does not start using newer API by
 * accident. Default: the version of these headers.
 *
 * Since: 1.2
 */
#ifndef GOPOD_VERSION_MAX_ALLOWED
# define GOPOD_VERSION_MAX_ALLOWED (GOPOD_VERSION_CUR_STABLE)
#endif

#if GOPOD_VERSION_MAX_ALLOWED < GOPOD_VERSION_MIN_REQUIRED
# error "GOPOD_VERSION_MAX_ALLOWED must be >= GOPOD_VERSION_MIN_REQUIRED"
#endif

/* The library itself uses everything it has and warns about none of it. */
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
 * Marks a symbol as deprecated: using it warns, unless
 * %GOPOD_VERSION_MIN_REQUIRED says the code must build with a version where
 * it was not deprecated yet.
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
 * Marks a symbol as available since pod-glib 1.2: using it warns when
 * %GOPOD_VERSION_MAX_ALLOWED is older.
 *
 * Since: 1.2
 */
#if GOPOD_VERSION_MAX_ALLOWED < GOPOD_VERSION_1_2
# define GOPOD_AVAILABLE_IN_1_2 _GOPOD_UNAVAILABLE (1, 2)
#else
# define GOPOD_AVAILABLE_IN_1_2 _GOPOD_EXTERN
#endif

