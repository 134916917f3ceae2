package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// runP5: a soak over two nodes; every client answers server pings after a
// random delay (±50% jitter of the server's 5 s ping interval: 0–2.5 s;
// graph.NewWebsocket pings every 5 s and closes after 9 s of silence), and each
// minute -reconnect of the clients drop their TCP connection without a
// close frame and reconnect within 0.2–2 s to a random node. Nobody ever
// leaves for longer than the offline grace, so every OFFLINE is spurious.
func runP5(ctx context.Context, e *env) error {
	n, note := e.capConns("P5", e.cfg.p5Conns, 0)
	groups, err := e.seedGroups(ctx, n)
	if err != nil {
		return err
	}
	a, err := e.startNode(ctx, "p5-a", "p5:")
	if err != nil {
		return err
	}
	b, err := e.startNode(ctx, "p5-b", "p5:")
	if err != nil {
		return err
	}
	nodes := []*node{a, b}
	cs := newClients(e)
	cs.pongDelay = func() time.Duration { return time.Duration(rand.Int64N(int64(2500 * time.Millisecond))) }
	var (
		mu         sync.Mutex
		spurious   = map[string]bool{} // user|at
		offEvents  atomic.Int64
		unexpected = map[int]int{}
		reconnects atomic.Int64
		recErrs    atomic.Int64
	)
	cs.onEvent = func(c *wsClient, ev presenceEvent) {
		if ev.status == "OFFLINE" {
			offEvents.Add(1)
			mu.Lock()
			spurious[fmt.Sprint(ev.userID, "|", ev.at.UnixMilli())] = true
			mu.Unlock()
		}
	}
	var ts []target
	for gi, g := range groups {
		for k, u := range g.users {
			ts = append(ts, target{node: nodes[k%2], user: u, group: gi, account: g.account})
		}
	}
	var slots []*wsClient
	var slotMu sync.Mutex
	cs.onClose = func(c *wsClient, code int) {
		if c.dropped.Load() {
			return
		}
		mu.Lock()
		unexpected[code]++
		mu.Unlock()
	}
	conns, err := cs.connectAll(ctx, "P5", ts)
	slots = conns
	defer func() {
		slotMu.Lock()
		all := append([]*wsClient(nil), slots...)
		slotMu.Unlock()
		closeAll(all)
	}()
	if err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	start := time.Now()
	end := start.Add(e.cfg.p5Duration)
	// Reconnects are spread evenly: -reconnect × clients per minute.
	perMin := e.cfg.reconnectPM * float64(len(ts))
	every := time.Duration(float64(time.Minute) / max(perMin, 0.001))
	e.logf("P5: soaking %s, one quick reconnect every %s (%.0f per minute)", e.cfg.p5Duration, every.Round(time.Millisecond), perMin)
	var wg sync.WaitGroup
	t := time.NewTicker(every)
	defer t.Stop()
loop:
	for time.Now().Before(end) {
		select {
		case <-ctx.Done():
			break loop
		case <-t.C:
		}
		i := rand.IntN(len(ts))
		slotMu.Lock()
		c := slots[i]
		slotMu.Unlock()
		if c == nil {
			continue
		}
		c.drop()
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(200*time.Millisecond + time.Duration(rand.Int64N(int64(1800*time.Millisecond))))
			tg := ts[i]
			tg.node = nodes[rand.IntN(2)]
			nc, err := cs.connect(ctx, tg.node, tg.user, tg.group, tg.account)
			if err != nil {
				recErrs.Add(1)
				return
			}
			reconnects.Add(1)
			slotMu.Lock()
			slots[i] = nc
			slotMu.Unlock()
		}()
	}
	wg.Wait()
	// An OFFLINE caused by the last drops would come within the grace.
	time.Sleep(e.cfg.grace + 2*time.Second)
	took := time.Since(start)
	mu.Lock()
	distinct := len(spurious)
	codes := fmt.Sprint(unexpected)
	unexp := 0
	for _, v := range unexpected {
		unexp += v
	}
	mu.Unlock()
	if e.cfg.p5Duration < 30*time.Minute {
		note = fmt.Sprintf("scaled 30 min→%s (flag -p5-duration) %s", e.cfg.p5Duration, note)
	}
	e.check("P5", "spurious OFFLINE transitions", float64(distinct), "transitions", fmt.Sprintf("%d", distinct), "0", distinct == 0,
		fmt.Sprintf("%d clients on 2 nodes for %s, pongs delayed 0–2.5 s, %d quick reconnects (%d failed), %d OFFLINE events received in all; %s",
			len(ts), took.Round(time.Second), reconnects.Load(), recErrs.Load(), offEvents.Load(), note))
	e.check("P5", "sockets closed by the servers", float64(unexp), "sockets", fmt.Sprintf("%d", unexp), "0", unexp == 0, "close codes "+codes)
	return nil
}
