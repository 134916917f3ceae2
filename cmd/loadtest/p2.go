package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
)

// runP2: touches through presence.Redis's pipelined path (the heartbeat's),
// with -p2-conns connections registered, -p2-workers pipelines at once.
func runP2(ctx context.Context, e *env) error {
	prefix := e.prefix + "p2:presence:"
	r := presence.NewRedis(e.rdb, presence.Options{Prefix: prefix, Node: "loadtest-p2", TTL: time.Minute})
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = r.Shutdown(sctx)
	}()
	n := e.cfg.p2Conns
	ids := make([]string, n)
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				ids[i] = "p2c" + strconv.Itoa(i)
				if err := r.Connect(ctx, models.PresenceConn{ConnID: ids[i], UserID: int64(i + 1), SessionID: int64(i + 1)}); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		return fmt.Errorf("%d connects failed", failed.Load())
	}
	e.logf("P2: %d connections registered in %s", n, time.Since(start).Round(10*time.Millisecond))
	for _, bs := range strings.Split(e.cfg.p2Batches, ",") {
		batch, err := strconv.Atoi(strings.TrimSpace(bs))
		if err != nil || batch <= 0 {
			return fmt.Errorf("-p2-batch: %q", bs)
		}
		if err := p2Run(ctx, e, r, ids, batch); err != nil {
			return err
		}
	}
	return nil
}

func p2Run(ctx context.Context, e *env, r *presence.Redis, ids []string, batch int) error {
	workers := max(e.cfg.p2Workers, 1)
	var lat latencies
	var touches atomic.Int64
	var firstErr atomic.Pointer[error]
	_, cpu0, _ := procStat(selfPID())
	redisCPU0 := redisCPU(ctx, e)
	calls0, usec0 := evalStats(ctx, e)
	deadline := time.Now().Add(e.cfg.p2Duration)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker owns a slice of the connections.
			lo, hi := w*len(ids)/workers, (w+1)*len(ids)/workers
			mine := ids[lo:hi]
			off := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if off+batch > len(mine) {
					off = 0
				}
				t := time.Now()
				if err := r.Touch(ctx, mine[off:off+min(batch, len(mine))]...); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				lat.add(time.Since(t))
				touches.Add(int64(min(batch, len(mine))))
				off += batch
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if p := firstErr.Load(); p != nil {
		return *p
	}
	_, cpu1, _ := procStat(selfPID())
	redisCores := (redisCPU(ctx, e) - redisCPU0) / took.Seconds()
	calls1, usec1 := evalStats(ctx, e)
	perCall := float64(usec1-usec0) / float64(max(calls1-calls0, 1))
	rate := float64(touches.Load()) / took.Seconds()
	p50, p99 := lat.pct(50), lat.pct(99)
	perTouch99 := p99 / time.Duration(batch)
	name := fmt.Sprintf("touches/s, batch %d, %d pipelines", batch, workers)
	e.check("P2", name, rate, "touches/s", fmt.Sprintf("%.0f/s", rate), "≥ 80,000/s", rate >= 80000,
		fmt.Sprintf("%d connections registered, %s; Redis %.2f cores (%.0f touches per Redis CPU-second; touch script %.1f µs per call), tool %.2f cores",
			len(ids), e.cfg.p2Duration, redisCores, rate/max(redisCores, 0.01), perCall, (cpu1-cpu0).Seconds()/took.Seconds()))
	e.check("P2", fmt.Sprintf("pipeline latency p50/p99, batch %d", batch), float64(p99.Microseconds())/1000, "ms",
		fmt.Sprintf("%s / %s", ms(p50), ms(p99)), "p99 ≤ 2 ms", p99 <= 2*time.Millisecond,
		fmt.Sprintf("%d pipelines timed; a touch waits for its whole pipeline (p99 per touch of the pipeline's time: %s)", lat.n(), ms(perTouch99)))
	return nil
}

// redisCPU is Redis's used_cpu_sys + used_cpu_user, in seconds.
func redisCPU(ctx context.Context, e *env) float64 {
	info, err := e.rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	var total float64
	for _, l := range strings.Split(info, "\n") {
		l = strings.TrimSpace(l)
		for _, k := range []string{"used_cpu_sys:", "used_cpu_user:"} {
			if v, ok := strings.CutPrefix(l, k); ok {
				f, _ := strconv.ParseFloat(v, 64)
				total += f
			}
		}
	}
	return total
}

// evalStats is Redis's EVALSHA calls and their total time (µs).
func evalStats(ctx context.Context, e *env) (calls, usec int64) {
	info, err := e.rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(info, "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(l), "cmdstat_evalsha:")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(val, 10, 64)
			switch k {
			case "calls":
				calls = n
			case "usec":
				usec = n
			}
		}
	}
	return calls, usec
}
