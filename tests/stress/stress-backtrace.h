/* stress-backtrace.h: every thread's backtrace, for a stress watchdog
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/* Prints every thread's backtrace to stderr with gdb, or says that gdb is
 * missing, the message starting with @program. */
void stress_dump_threads (const char *program);
