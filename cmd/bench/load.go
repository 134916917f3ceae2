package main

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// result is one cell of the table: a fixed-duration run at one concurrency.
type result struct {
	requests int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
	firstErr error
	skipped  bool // not measured (see -slow)
}

func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// run calls do from concurrency workers, each in a closed loop, for warmup
// (not counted, and at least until every worker has completed one request,
// so the pipeline is full) then for d, and longer until a counted request
// has completed. Every request started within that window is counted, also
// when it completes after it: the cell lasts until the last of them ends, so
// a level whose latency exceeds d still reports what it completed.
func run(ctx context.Context, concurrency int, warmup, d time.Duration, do func(context.Context) error) result {
	var (
		windowStart atomic.Int64 // unix nanoseconds; 0 while warming up
		completed   atomic.Int64 // counted requests that have ended
		stop        atomic.Bool
		wg          sync.WaitGroup
		mu          sync.Mutex
		all         []time.Duration
		lastEnd     time.Time
		res         result
		warmed      sync.WaitGroup
	)
	warmed.Add(concurrency)
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			defer func() {
				if first {
					warmed.Done()
				}
			}()
			lat := make([]time.Duration, 0, 4096)
			errs := 0
			var firstErr error
			var end time.Time
			for !stop.Load() && ctx.Err() == nil {
				counted := windowStart.Load() != 0
				t0 := time.Now()
				err := do(ctx)
				t1 := time.Now()
				if first {
					first = false
					warmed.Done()
				}
				if !counted {
					continue
				}
				end = t1
				completed.Add(1)
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				lat = append(lat, t1.Sub(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			res.errors += errs
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
			if end.After(lastEnd) {
				lastEnd = end
			}
			mu.Unlock()
		}()
	}
	sleep(ctx, warmup)
	allWarm := make(chan struct{})
	go func() { warmed.Wait(); close(allWarm) }()
	select {
	case <-allWarm:
	case <-ctx.Done():
	}
	start := time.Now()
	windowStart.Store(start.UnixNano())
	sleep(ctx, d)
	// A request slower than d may have started before the window on every
	// worker: wait for one that started in it.
	for completed.Load() == 0 && ctx.Err() == nil {
		sleep(ctx, 5*time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	res.elapsed = lastEnd.Sub(start)
	res.requests = len(all)
	slices.Sort(all)
	res.p50, res.p99 = percentile(all, 0.50), percentile(all, 0.99)
	return res
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}
