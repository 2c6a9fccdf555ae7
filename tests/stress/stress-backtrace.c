/* stress-backtrace.c: every thread's backtrace, for a stress watchdog
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "stress-backtrace.h"

#include <glib.h>
#include <stdio.h>
#include <unistd.h>

void
stress_dump_threads (const char *program)
{
  char pid[32];
  char *argv[] = { "gdb", "-p", pid, "-batch", "-nx",
                   "-ex", "set pagination off",
                   "-ex", "thread apply all bt", NULL };

  g_snprintf (pid, sizeof pid, "%d", (int) getpid ());
  fflush (stdout);
  /* gdb stops this process while it reads the stacks; spawn it rather than
   * fork ourselves, which would copy locked mutexes. */
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, NULL, NULL))
    fprintf (stderr, "%s: gdb not available, no backtraces\n", program);
}
