/* pod.vala: go-pod's "simple" example (examples/simple/example.go), in Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A pod of 10 workers runs 100 jobs. Each job prints "[START] idx = msg" and
 * sleeps in a worker thread (Vala code may run there, unlike JavaScript);
 * its finish clears the message and prints "[FINISH] idx = ".
 *
 * The Go program sleeps 500 s in main so that the pool can run; this port
 * waits for the pod with `yield pod.wait_async ()`, which returns as soon as
 * every job has finished, then prints the most jobs it saw running at once.
 *
 *   pod [--workers 10] [--jobs 100] [--sleep-ms 1000]
 */

static int workers = 10;
static int n_jobs = 100;
static int sleep_ms = 1000;

/* Jobs running now, and the most seen at once; touched from workers. */
static int active = 0;
static int peak = 0;

const OptionEntry[] options = {
  { "workers", 0, 0, OptionArg.INT, ref workers, "Pod size (10)", "N" },
  { "jobs", 0, 0, OptionArg.INT, ref n_jobs, "Jobs to add (100)", "N" },
  { "sleep-ms", 0, 0, OptionArg.INT, ref sleep_ms, "How long each job sleeps (1000)", "MS" },
  { null }
};

class SimpleJob : Gopod.Job {
  public int idx;
  public string msg;

  public SimpleJob (int idx, string msg) {
    this.idx = idx;
    this.msg = msg;
  }

  /* go-pod's Start(): the work, in a worker thread. */
  public override bool run (Cancellable? cancellable) throws Error {
    note_start ();
    print ("[START] %d = %s \n", idx, msg);
    Thread.usleep ((ulong) sleep_ms * 1000);
    AtomicInt.add (ref active, -1);
    return true;
  }

  /* go-pod's Finish(): release what the job holds. */
  public override void finish () {
    msg = "";
    print ("[FINISH] %d = %s \n", idx, msg);
  }

  static void note_start () {
    int now = AtomicInt.add (ref active, 1) + 1;
    int seen = AtomicInt.get (ref peak);

    while (now > seen && !AtomicInt.compare_and_exchange (ref peak, seen, now))
      seen = AtomicInt.get (ref peak);
  }
}

async int main (string[] args) {
  try {
    var context = new OptionContext ("- go-pod's simple example");
    context.add_main_entries (options, null);
    context.parse (ref args);
  } catch (OptionError e) {
    printerr ("%s\n", e.message);
    return 2;
  }
  if (workers < 1 || n_jobs < 0 || sleep_ms < 0) {
    printerr ("invalid option value\n");
    return 2;
  }

  var pod = new Gopod.Pod ((uint) workers);  /* NewPod(10) */
  pod.start ();                              /* Start() */

  try {
    for (int i = 0; i < n_jobs; i++)
      pod.add_job (new SimpleJob (i + 1, "msg-%d-hello".printf (i)));  /* AddJob(jb) */

    /* Where Go sleeps 500 s, wait until every job has finished. */
    yield pod.wait_async (null);
  } catch (Error e) {
    printerr ("%s\n", e.message);
    return 1;
  }

  print ("jobs: %s submitted, %s succeeded\n",
         pod.submitted.to_string (), pod.succeeded.to_string ());
  print ("peak concurrency: %d (pod size %d)\n", AtomicInt.get (ref peak), workers);

  return AtomicInt.get (ref peak) <= workers ? 0 : 1;
}
