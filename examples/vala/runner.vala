/* runner.vala: the `runner` program of Go in Action, in Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Three tasks sleep for their id in seconds under a 3 second timeout, so the
 * third one is cut short: "Terminating due to timeout." and exit status 1.
 * Ctrl-C (or SIGTERM) while it runs: "Terminating due to interrupt." and
 * exit status 2; a second Ctrl-C ends the program the default way. When
 * every task finishes in time: "Process ended." and exit status 0.
 *
 * The tasks are Vala closures that run one after another on the runner's
 * worker thread; main waits for them with `yield runner.start_async ()`.
 *
 *   runner [--timeout-ms 3000] [--unit-ms 1000] [--send-sigint-ms N]
 *
 * --unit-ms is how long "one second" of sleep lasts, so that the test suite
 * runs the program quickly; --send-sigint-ms makes the program send itself
 * SIGINT, to test the interrupt path without a terminal.
 */

static int timeout_ms = 3000;
static int unit_ms = 1000;
static int send_sigint_ms = -1;

const OptionEntry[] options = {
  { "timeout-ms", 0, 0, OptionArg.INT, ref timeout_ms, "Timeout of the whole run", "MS" },
  { "unit-ms", 0, 0, OptionArg.INT, ref unit_ms, "Length of one second of task sleep", "MS" },
  { "send-sigint-ms", 0, 0, OptionArg.INT, ref send_sigint_ms, "Send SIGINT to self after MS", "MS" },
  { null }
};

/* log.Println: a timestamp, then the message. */
void log_println (string message) {
  print ("%s %s\n", new DateTime.now_local ().format ("%Y/%m/%d %H:%M:%S"), message);
}

/* Sleeps @ms, or less if @cancellable is cancelled first. */
void sleep_cancellably (int64 ms, Cancellable cancellable) {
  var mutex = Mutex ();
  var cond = Cond ();
  bool woken = false;
  int64 end = get_monotonic_time () + ms * TimeSpan.MILLISECOND;

  ulong handler = cancellable.connect (() => {
    mutex.lock ();
    woken = true;
    cond.signal ();
    mutex.unlock ();
  });
  mutex.lock ();
  while (!woken && cond.wait_until (mutex, end))
    ;
  mutex.unlock ();
  cancellable.disconnect (handler);
}

/* createTask: sleeps for id units, but wakes up as soon as the runner
 * cancels it (the Go task could not be stopped). */
bool task (Gopod.Runner runner, uint id, Cancellable? cancellable) throws Error {
  log_println ("Processor - Task #%u.".printf (id));
  sleep_cancellably ((int64) id * unit_ms, cancellable);
  cancellable.set_error_if_cancelled ();
  return true;
}

async int main (string[] args) {
  try {
    var context = new OptionContext ("- Go in Action's runner, with Gopod.Runner");
    context.add_main_entries (options, null);
    context.parse (ref args);
  } catch (OptionError e) {
    printerr ("%s\n", e.message);
    return 64;
  }

  log_println ("Starting work.");

  /* Unlike Go's New(), the deadline counts from start(), not from here. */
  var runner = new Gopod.Runner ((uint) timeout_ms);
  for (int i = 0; i < 3; i++)
    runner.add (task);

  if (send_sigint_ms >= 0) {
    Timeout.add ((uint) send_sigint_ms, () => {
      Process.raise (ProcessSignal.INT);
      return Source.REMOVE;
    });
  }

  try {
    yield runner.start_async (null);
  } catch (Gopod.Error.TIMEOUT e) {
    log_println ("Terminating due to timeout.");
    return 1;
  } catch (Gopod.Error.INTERRUPTED e) {
    log_println ("Terminating due to interrupt.");
    return 2;
  } catch (Error e) {
    log_println ("Terminating: " + e.message);
    return 3;
  }

  log_println ("Process ended.");
  return 0;
}
