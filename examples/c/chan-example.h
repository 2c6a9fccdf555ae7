/* chan-example.h: what the channel examples share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Their option parsing, and the one way they stop on an unexpected runtime
 * error: print it and exit 1, as Go's log.Fatal does. Expected errors
 * (GOPOD_ERROR_CLOSED ending a range, G_IO_ERROR_WOULD_BLOCK) are handled
 * where they happen. Not part of the library.
 */

#pragma once

#include <stdlib.h>

#include <pod-glib.h>

/* Parses argv against entries; exits 2 with a message on a bad option. */
static inline void
chan_example_parse (int                *argc,
                    char             ***argv,
                    const char         *summary,
                    const GOptionEntry *entries)
{
  g_autoptr(GOptionContext) options = g_option_context_new (summary);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      exit (2);
    }
}

/* log.Fatal: exits 1 saying what failed, unless ok. */
static inline void
chan_example_check (gboolean    ok,
                    GError     *error,
                    const char *what)
{
  if (!ok)
    {
      g_printerr ("%s: %s\n", what, error != NULL ? error->message : "failed");
      exit (1);
    }
}

/* TRUE when error is GOPOD_ERROR_CLOSED (and clears it): Go's `ok == false`
 * that ends a range, or a send on a channel its receiver closed. */
static inline gboolean
chan_example_closed (GError **error)
{
  if (!g_error_matches (*error, GOPOD_ERROR, GOPOD_ERROR_CLOSED))
    return FALSE;
  g_clear_error (error);
  return TRUE;
}
