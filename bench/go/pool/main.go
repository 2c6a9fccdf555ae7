// The plain Go channel pool that pod-glib's light path is measured against:
// GOMAXPROCS=2, W goroutines ranging over a `chan func()` of capacity 1024,
// P producers sending N no-op jobs between them, then a wait until every
// job has run. It prints one line per repetition in the format of
// pod-glib-bench:
//
//	FIGURE case=noop-light-2w impl=go-chan-pool rep=0 value=21800000 unit=jobs/s
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var ran int64

// The job does nothing, as the C side's light job; each worker counts the
// jobs it ran in a local and adds it once at the end, so the total is checked
// at no cost per job.
func noop() {}

func run(workers, producers, jobs int) time.Duration {
	ch := make(chan func(), 1024)
	var done sync.WaitGroup
	done.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			n := int64(0)
			for job := range ch {
				job()
				n++
			}
			atomic.AddInt64(&ran, n)
			done.Done()
		}()
	}

	start := time.Now()
	var sent sync.WaitGroup
	sent.Add(producers)
	for p := 0; p < producers; p++ {
		share := jobs / producers
		if p < jobs%producers {
			share++
		}
		go func(share int) {
			for i := 0; i < share; i++ {
				ch <- noop
			}
			sent.Done()
		}(share)
	}
	sent.Wait()
	close(ch)
	done.Wait()
	return time.Since(start)
}

// The case name pod-glib-bench gives the same configuration.
func caseName(workers, producers int) string {
	if producers == 1 {
		return fmt.Sprintf("noop-light-%dw", workers)
	}
	return fmt.Sprintf("noop-light-%dp-%dw", producers, workers)
}

func main() {
	workers := flag.Int("workers", 2, "worker goroutines")
	producers := flag.Int("producers", 1, "producer goroutines")
	jobs := flag.Int("jobs", 1000000, "jobs in all")
	reps := flag.Int("reps", 1, "repetitions")
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	flag.Parse()
	if *workers < 1 || *producers < 1 || *jobs < 1 || *reps < 1 {
		fmt.Fprintln(os.Stderr, "workers, producers, jobs and reps must be at least 1")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)

	for r := 0; r < *reps; r++ {
		ran = 0
		d := run(*workers, *producers, *jobs)
		if ran != int64(*jobs) {
			fmt.Fprintf(os.Stderr, "%d jobs ran, %d sent\n", ran, *jobs)
			os.Exit(1)
		}
		fmt.Printf("FIGURE case=%s impl=go-chan-pool rep=%d value=%.6g unit=jobs/s\n",
			caseName(*workers, *producers), r, float64(*jobs)/d.Seconds())
	}
}
