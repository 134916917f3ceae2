package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// runP6: 1% of the clients stop reading. The others' delivery p99 in that
// phase is compared with a baseline phase of the same run; the stalled
// sockets must be closed within 10 s, holding at most 1 MiB each.
func runP6(ctx context.Context, e *env) error {
	n, note := e.capConns("P6", e.cfg.p6Conns, 0)
	groups, err := e.seedGroups(ctx, n)
	if err != nil {
		return err
	}
	nd, err := e.startNode(ctx, "p6", "p6:")
	if err != nil {
		return err
	}
	cs := newClients(e)
	cs.lean = false // OFFLINE events must name the person
	// 0 none, 1 baseline, 2 stalled (before any stalled socket closed),
	// 3 after the first stalled socket closed (its OFFLINE fan-out follows).
	var phase atomic.Int32
	var watchOff atomic.Bool
	var base, stalledPhase, closing latencies
	isStalled := map[int64]bool{}
	var smu sync.Mutex
	offline := map[int64]time.Time{} // stalled person → OFFLINE `at`
	var otherCloses atomic.Int64
	cs.onEvent = func(c *wsClient, ev presenceEvent) {
		if ev.at.IsZero() {
			return
		}
		if watchOff.Load() && ev.status == "OFFLINE" {
			smu.Lock()
			if isStalled[ev.userID] {
				if _, ok := offline[ev.userID]; !ok {
					offline[ev.userID] = ev.at
				}
			}
			smu.Unlock()
		}
		switch phase.Load() {
		case 1:
			base.add(ev.recv.Sub(ev.at))
		case 2, 3:
			smu.Lock()
			st := isStalled[c.user.UserID]
			smu.Unlock()
			if st {
				break
			}
			if phase.Load() == 2 {
				stalledPhase.add(ev.recv.Sub(ev.at))
			} else {
				closing.add(ev.recv.Sub(ev.at))
			}
		}
	}
	cs.onClose = func(c *wsClient, code int) {
		smu.Lock()
		st := isStalled[c.user.UserID]
		smu.Unlock()
		if !st && !c.dropped.Load() {
			otherCloses.Add(1)
		}
	}
	conns, err := cs.connectAll(ctx, "P6", groupTargets(groups, nd, true))
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.resume()
			}
		}
		closeAll(conns)
	}()
	if err != nil {
		return err
	}
	order := shuffled(conns)
	var stalled []*wsClient
	var active []*wsClient
	every := 0
	if e.cfg.p6Stall > 0 {
		every = max(int(1/e.cfg.p6Stall+0.5), 1)
	}
	for i, c := range order {
		if every > 0 && i%every == 0 {
			stalled = append(stalled, c)
			isStalled[c.user.UserID] = true
		} else {
			active = append(active, c)
		}
	}
	time.Sleep(3 * time.Second)
	d := &driver{rate: e.cfg.p6Rate, pick: func(i int) *wsClient { return active[i%len(active)] }}
	dctx, stopDriver := context.WithCancel(ctx)
	defer stopDriver()
	total := 3*time.Second + 2*e.cfg.p6Phase + 5*time.Second
	go d.run(dctx, time.Now().Add(total))
	time.Sleep(3 * time.Second) // warm-up
	phase.Store(1)
	e.logf("P6: baseline %s at %d changes/s", e.cfg.p6Phase, e.cfg.p6Rate)
	time.Sleep(e.cfg.p6Phase)
	open0, _ := nd.metric("rollcall_websockets_open")
	rss0, _, _ := procStat(nd.pid())
	phase.Store(2)
	watchOff.Store(true)
	t0 := time.Now()
	for _, c := range stalled {
		c.stall()
	}
	e.logf("P6: %d clients stalled; %d sockets open", len(stalled), int(open0))
	var peak int64 = rss0
	var allClosed, firstClosed time.Duration
	for time.Since(t0) < e.cfg.p6Phase || (allClosed == 0 && time.Since(t0) < 40*time.Second) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(250 * time.Millisecond)
		if rss, _, err := procStat(nd.pid()); err == nil && rss > peak {
			peak = rss
		}
		open, err := nd.metric("rollcall_websockets_open")
		if err == nil && firstClosed == 0 && open < open0 {
			firstClosed = time.Since(t0)
			phase.Store(3)
		}
		if err == nil && allClosed == 0 && open <= open0-float64(len(stalled)) {
			allClosed = time.Since(t0)
			e.logf("P6: open sockets %.0f → %.0f after %s", open0, open, secs(allClosed))
		}
	}
	phase.Store(0)
	stopDriver()
	if allClosed > 0 && !cs.lean {
		time.Sleep(e.cfg.grace + 2*time.Second) // the stalled people's OFFLINE
	}
	smu.Lock()
	var closeTimes []time.Duration
	for _, at := range offline {
		closeTimes = append(closeTimes, at.Sub(t0)-e.cfg.grace)
	}
	smu.Unlock()
	b99, s99 := base.pct(99), stalledPhase.pct(99)
	rise := (float64(s99) - float64(b99)) / float64(b99) * 100
	held := float64(peak-rss0) / float64(max(len(stalled), 1)) / 1024
	e.check("P6", "others' p99, baseline → while stalled", rise, "%", fmt.Sprintf("%s → %s (%+.0f%%)", ms(b99), ms(s99), rise), "rise ≤ 10%", rise <= 10,
		fmt.Sprintf("%d clients, %d stalled, %d changes/s; baseline %s, stalled until the first stalled socket closed (%s); p50 %s → %s; %d / %d events timed; %d other sockets closed; %d setPresence answered with errors %s",
			len(order), len(stalled), e.cfg.p6Rate, e.cfg.p6Phase, secs(firstClosed), ms(base.pct(50)), ms(stalledPhase.pct(50)), base.n(), stalledPhase.n(), otherCloses.Load(), cs.mutationErrors.Load(), note))
	c99 := closing.pct(99)
	e.check("P6", "others' p99 while the stalled close", float64(c99.Microseconds())/1000, "ms", ms(c99), "", true,
		fmt.Sprintf("after the first stalled socket closed (their OFFLINE fan-out included): p50 %s, %d events timed", ms(closing.pct(50)), closing.n()))
	closedFig := "not all within 40 s"
	if allClosed > 0 {
		closedFig = secs(allClosed)
	}
	e.check("P6", "stalled sockets all closed after", allClosed.Seconds(), "s", closedFig, "≤ 10 s", allClosed > 0 && allClosed <= 10*time.Second,
		fmt.Sprintf("from the stall to rollcall_websockets_open dropping by %d (sampled every 250 ms); per socket from OFFLINE `at` − grace: p50 %s, max %s (%d seen)",
			len(stalled), secs(percentile(closeTimes, 50)), secs(percentile(closeTimes, 100)), len(closeTimes)))
	e.check("P6", "server RSS growth per stalled socket", held, "KiB", fmt.Sprintf("%.0f KiB", held), "≤ 1 MiB", held <= 1024,
		fmt.Sprintf("VmRSS %.0f MiB at the stall, peak %.0f MiB (an upper bound: includes every other socket's traffic)", mib(rss0), mib(peak)))
	return nil
}
