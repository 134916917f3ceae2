package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// driver sends setPresence over the sockets of pick() at rate changes/s,
// alternating IDLE and ACTIVE per socket: each is one AWAY↔ONLINE
// transition of a one-device person, delivered to their group's watchers.
type driver struct {
	rate int
	pick func(i int) *wsClient
	sent atomic.Int64
	errs atomic.Int64
}

func (d *driver) run(ctx context.Context, until time.Time) {
	const tick = 10 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	start := time.Now()
	i := 0
	for now := range t.C {
		if ctx.Err() != nil || now.After(until) {
			return
		}
		due := int(float64(d.rate) * now.Sub(start).Seconds())
		for ; i < due; i++ {
			c := d.pick(i)
			if c == nil {
				continue
			}
			act := "IDLE"
			if c.idle {
				act = "ACTIVE"
			}
			c.idle = !c.idle
			if err := c.setActivity(act); err != nil {
				d.errs.Add(1)
				continue
			}
			d.sent.Add(1)
		}
	}
}

// shuffled returns the live clients in a random order.
func shuffled(conns []*wsClient) []*wsClient {
	out := make([]*wsClient, 0, len(conns))
	for _, c := range conns {
		if c != nil {
			out = append(out, c)
		}
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// runP3: status changes/s through the API, each to -group watchers, while
// -p3-conns sockets are open; delivery latency = receive − server `at`.
func runP3(ctx context.Context, e *env) error {
	n, note := e.capConns("P3", e.cfg.p3Conns, 0)
	groups, err := e.seedGroups(ctx, n)
	if err != nil {
		return err
	}
	nd, err := e.startNode(ctx, "p3", "p3:")
	if err != nil {
		return err
	}
	cs := newClients(e)
	cs.lean = e.cfg.fields == "lean"
	var lat latencies
	var measuring atomic.Bool
	var received atomic.Int64
	cs.onEvent = func(c *wsClient, ev presenceEvent) {
		if measuring.Load() && !ev.at.IsZero() {
			lat.add(ev.recv.Sub(ev.at))
			received.Add(1)
		}
	}
	conns, err := cs.connectAll(ctx, "P3", groupTargets(groups, nd, true))
	defer closeAll(conns)
	if err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	order := shuffled(conns)
	d := &driver{rate: e.cfg.rate, pick: func(i int) *wsClient { return order[i%len(order)] }}
	// Warm-up, then the measured window.
	warm := 3 * time.Second
	go func() { time.Sleep(warm); measuring.Store(true) }()
	_, cpu0, _ := procStat(nd.pid())
	_, self0, _ := procStat(selfPID())
	sel0 := e.dbSelects(ctx)
	start := time.Now()
	d.run(ctx, start.Add(warm+e.cfg.p3Duration))
	sentMeasured := d.sent.Load()
	time.Sleep(2 * time.Second) // deliveries in flight
	measuring.Store(false)
	took := time.Since(start)
	_, cpu1, _ := procStat(nd.pid())
	_, self1, _ := procStat(selfPID())
	selects := float64(e.dbSelects(ctx)-sel0) / took.Seconds()
	rate := float64(sentMeasured) / (took - 2*time.Second).Seconds()
	deliveries := float64(received.Load()) / e.cfg.p3Duration.Seconds()
	p50, p99 := lat.pct(50), lat.pct(99)
	if note == "" && n < 50000 {
		note = fmt.Sprintf("scaled: %d sockets (target 50,000), %d changes/s (target 1,000)", n, e.cfg.rate)
	}
	e.check("P3", "status changes driven", rate, "changes/s", fmt.Sprintf("%.0f/s", rate), "1,000/s", rate >= 1000,
		fmt.Sprintf("setPresence IDLE/ACTIVE over the sockets, %d groups of %d watchers, %s window, %d write errors, %d answered with errors; %s", len(groups), e.cfg.group, e.cfg.p3Duration, d.errs.Load(), cs.mutationErrors.Load(), note))
	e.check("P3", "deliveries", deliveries, "events/s", fmt.Sprintf("%.0f/s", deliveries), "", true,
		fmt.Sprintf("%d events timed (selection %s); server %.2f cores, load tool %.2f cores, database %.0f SELECT/s", lat.n(), e.cfg.fields,
			(cpu1-cpu0).Seconds()/took.Seconds(), (self1-self0).Seconds()/took.Seconds(), selects))
	e.check("P3", "delivery latency p50", float64(p50.Microseconds())/1000, "ms", ms(p50), "≤ 5 ms", p50 <= 5*time.Millisecond, "receive time − event `at` (server-stamped, ms precision)")
	e.check("P3", "delivery latency p99", float64(p99.Microseconds())/1000, "ms", ms(p99), "≤ 50 ms", p99 <= 50*time.Millisecond, "")
	return nil
}
