/* gopod-version.c: run-time version information
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "gopod-version.h"

/**
 * gopod_get_major_version:
 *
 * The major version of the library loaded at run time, which may differ from
 * %GOPOD_MAJOR_VERSION, the one the code was compiled against.
 *
 * Returns: the major version of the pod-glib library loaded at run time
 *
 * Since: 1.0
 */
guint
gopod_get_major_version (void)
{
  return GOPOD_MAJOR_VERSION;
}

/**
 * gopod_get_minor_version:
 *
 * The minor version of the library loaded at run time.
 *
 * Returns: the minor version of the pod-glib library loaded at run time
 *
 * Since: 1.0
 */
guint
gopod_get_minor_version (void)
{
  return GOPOD_MINOR_VERSION;
}

/**
 * gopod_get_micro_version:
 *
 * The micro version of the library loaded at run time.
 *
 * Returns: the micro version of the pod-glib library loaded at run time
 *
 * Since: 1.0
 */
guint
gopod_get_micro_version (void)
{
  return GOPOD_MICRO_VERSION;
}

/**
 * gopod_check_version:
 * @required_major: the required major version
 * @required_minor: the required minor version
 * @required_micro: the required micro version
 *
 * Checks that the pod-glib library loaded at run time is compatible with the
 * given version: the same major version, and at least the given minor and
 * micro versions.
 *
 * Returns: (nullable): %NULL if it is compatible, or a string describing the
 *   mismatch, owned by the library
 *
 * Since: 1.0
 */
const char *
gopod_check_version (guint required_major,
                     guint required_minor,
                     guint required_micro)
{
  if (required_major > GOPOD_MAJOR_VERSION)
    return "pod-glib version too old (major mismatch)";
  if (required_major < GOPOD_MAJOR_VERSION)
    return "pod-glib version too new (major mismatch)";
  if (required_minor > GOPOD_MINOR_VERSION)
    return "pod-glib version too old (minor mismatch)";
  if (required_minor == GOPOD_MINOR_VERSION && required_micro > GOPOD_MICRO_VERSION)
    return "pod-glib version too old (micro mismatch)";
  return NULL;
}
