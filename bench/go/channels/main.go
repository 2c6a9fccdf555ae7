// Go's own channels, the reference for GopodChannel and GopodSelect, under
// GOMAXPROCS=2 as on the C side:
//
//	buffered  a buffered channel between two goroutines: values per second
//	pingpong  an unbuffered round trip (send, then receive the reply): ns
//	select    one receiver selecting over two channels fed by one sender
//	          each: values received per second
//
// Every value sent is checked to arrive exactly once (a sum and a count).
// One line per repetition, in the format of pod-glib-bench:
//
//	FIGURE case=channel-buffered impl=go-chan rep=0 value=41000000 unit=values/s
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"
)

// Sums 1..n, what a receiver of the values 1..n must have added up.
func expected(n int) int64 {
	return int64(n) * int64(n+1) / 2
}

func send(ch chan<- int, n int) {
	for i := 1; i <= n; i++ {
		ch <- i
	}
	close(ch)
}

func buffered(n, capacity int) (float64, int64) {
	ch := make(chan int, capacity)
	start := time.Now()
	go send(ch, n)
	sum := int64(0)
	for v := range ch {
		sum += int64(v)
	}
	return float64(n) / time.Since(start).Seconds(), sum - expected(n)
}

func pingpong(n int) (float64, int64) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	start := time.Now()
	sum := int64(0)
	for i := 1; i <= n; i++ {
		ping <- i
		sum += int64(<-pong)
	}
	d := time.Since(start)
	close(ping)
	return float64(d.Nanoseconds()) / float64(n), sum - expected(n)
}

func selectTwo(n, capacity int) (float64, int64) {
	a, b := make(chan int, capacity), make(chan int, capacity)
	start := time.Now()
	go send(a, n/2)
	go send(b, n-n/2)
	sum := int64(0)
	for a != nil || b != nil {
		select {
		case v, ok := <-a:
			if !ok {
				a = nil
				continue
			}
			sum += int64(v)
		case v, ok := <-b:
			if !ok {
				b = nil
				continue
			}
			sum += int64(v)
		}
	}
	return float64(n) / time.Since(start).Seconds(), sum - expected(n/2) - expected(n-n/2)
}

type bench struct {
	name string
	unit string
	run  func(n, capacity int) (float64, int64)
}

var benches = []bench{
	{"buffered", "values/s", buffered},
	{"pingpong", "ns", func(n, _ int) (float64, int64) { return pingpong(n) }},
	{"select", "values/s", selectTwo},
}

func main() {
	which := flag.String("case", "buffered", "buffered, pingpong or select")
	n := flag.Int("n", 1000000, "values (round trips for pingpong)")
	capacity := flag.Int("capacity", 1024, "capacity of the buffered channels")
	reps := flag.Int("reps", 1, "repetitions")
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	flag.Parse()
	if *n < 2 || *capacity < 1 || *reps < 1 {
		fmt.Fprintln(os.Stderr, "n must be at least 2, capacity and reps at least 1")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)

	for _, b := range benches {
		if b.name != *which {
			continue
		}
		for r := 0; r < *reps; r++ {
			value, missing := b.run(*n, *capacity)
			if missing != 0 {
				fmt.Fprintf(os.Stderr, "%s: the values received sum to %d off what was sent\n", b.name, missing)
				os.Exit(1)
			}
			fmt.Printf("FIGURE case=channel-%s impl=go-chan rep=%d value=%.6g unit=%s\n", b.name, r, value, b.unit)
		}
		return
	}
	fmt.Fprintf(os.Stderr, "unknown case %s\n", *which)
	os.Exit(2)
}
