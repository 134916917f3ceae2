package main

import (
	"context"
	"fmt"
	"time"
)

// groupTargets makes every seeded person a socket on n subscribed to their
// organization's account (when subscribe is set).
func groupTargets(seedGroups []seedGroup, n *node, subscribe bool) []target {
	var ts []target
	for gi, g := range seedGroups {
		for _, u := range g.users {
			t := target{node: n, user: u, group: gi}
			if subscribe {
				t.account = g.account
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// runP1: N subscribed websockets on one node; server RSS per connection
// and idle CPU.
func runP1(ctx context.Context, e *env) error {
	const target = 50000
	n, note := e.capConns("P1", e.cfg.p1Conns, 0)
	seed, err := e.seedGroups(ctx, n)
	if err != nil {
		return err
	}
	nd, err := e.startNode(ctx, "p1", "p1:", e.profileEnv()...)
	if err != nil {
		return err
	}
	prof := e.profiler(nd)
	time.Sleep(2 * time.Second)
	rss0, _, err := procStat(nd.pid())
	if err != nil {
		return err
	}
	cs := newClients(e)
	if prof != nil {
		prof.connecting(10 * time.Second)
	}
	conns, err := cs.connectAll(ctx, "P1", groupTargets(seed, nd, !e.cfg.p1Unsubscribed))
	defer closeAll(conns)
	if err != nil {
		return err
	}
	e.logf("P1: settling %s", e.cfg.settle)
	select {
	case <-time.After(e.cfg.settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	open, _ := nd.metric("rollcall_websockets_open")
	goroutines, _ := nd.metric("go_goroutines")
	heap, _ := nd.metric("go_memstats_heap_inuse_bytes")
	stacks, _ := nd.metric("go_memstats_stack_inuse_bytes")
	rss1, cpu0, err := procStat(nd.pid())
	if err != nil {
		return err
	}
	if prof != nil {
		prof.connected()
		prof.window(e.cfg.idle)
	}
	e.logf("P1: measuring idle CPU over %s", e.cfg.idle)
	start := time.Now()
	select {
	case <-time.After(e.cfg.idle):
	case <-ctx.Done():
		return ctx.Err()
	}
	rss2, cpu1, err := procStat(nd.pid())
	if err != nil {
		return err
	}
	cores := (cpu1 - cpu0).Seconds() / time.Since(start).Seconds()
	per := float64(rss1-rss0) / float64(n) / 1024
	perEnd := float64(rss2-rss0) / float64(n) / 1024
	if note == "" && n < target {
		note = fmt.Sprintf("scaled %d→%d (flag -p1-conns)", target, n)
	}
	e.check("P1", "sockets open (subscribed)", open, "sockets", fmt.Sprintf("%.0f", open), "50,000", open >= target, note)
	e.check("P1", "server RSS per socket", per, "KiB", fmt.Sprintf("%.1f KiB", per), "≤ 25 KiB", per <= 25,
		fmt.Sprintf("VmRSS %.0f→%.0f MiB after %s settle (%.1f KiB/socket after the idle window); heap in use %.0f MiB (%.1f KiB/socket, garbage included), goroutine stacks %.0f MiB (%.1f KiB/socket), %.0f goroutines (%.1f/socket)",
			mib(rss0), mib(rss1), e.cfg.settle, perEnd, heap/1024/1024, heap/1024/float64(n), stacks/1024/1024, stacks/1024/float64(n), goroutines, goroutines/float64(n)))
	proj := cores * target / float64(n)
	e.check("P1", "idle CPU of the server", cores, "cores", fmt.Sprintf("%.3f cores", cores), "≤ 0.4 core", proj <= 0.4,
		fmt.Sprintf("over %s with %d sockets (the server's websocket pings, heartbeats every TTL/3); %.3f cores projected linearly to 50,000", e.cfg.idle, n, proj))
	return nil
}

func mib(b int64) float64 { return float64(b) / 1024 / 1024 }
