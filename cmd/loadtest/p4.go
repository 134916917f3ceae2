package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rollcall/rollcall/presence"
)

// runP4: SIGKILL a node holding M connections while a second node's
// watchers (one per group) wait for every OFFLINE.
func runP4(ctx context.Context, e *env) error {
	g := e.cfg.group
	// Each group: one watcher on node B, g-1 devices on node A.
	m := e.cfg.p4Conns
	groupsN := (m + g - 2) / (g - 1)
	if budget := e.fdBudget(); m+groupsN > budget {
		m = budget * (g - 1) / g
		groupsN = (m + g - 2) / (g - 1)
	}
	note := ""
	if m < e.cfg.p4Conns {
		note = fmt.Sprintf("scaled %d→%d: RLIMIT_NOFILE hard limit %d per process", e.cfg.p4Conns, m, e.nofile)
	}
	if m < 20000 && note == "" {
		note = fmt.Sprintf("scaled 20,000→%d (flag -p4-conns)", m)
	}
	groups, err := e.seedGroupsOf(ctx, groupsN*g, g)
	if err != nil {
		return err
	}
	a, err := e.startNode(ctx, "p4-a", "p4:")
	if err != nil {
		return err
	}
	b, err := e.startNode(ctx, "p4-b", "p4:")
	if err != nil {
		return err
	}
	cs := newClients(e)
	var mu sync.Mutex
	offAt := map[int64]time.Time{}
	var killed time.Time
	victims := map[int64]bool{}
	cs.onEvent = func(c *wsClient, ev presenceEvent) {
		if ev.status != "OFFLINE" {
			return
		}
		mu.Lock()
		if victims[ev.userID] && !killed.IsZero() {
			if _, ok := offAt[ev.userID]; !ok {
				offAt[ev.userID] = ev.recv
			}
		}
		mu.Unlock()
	}
	var watchers, devices []target
	var ids []int64
	for gi, grp := range groups {
		for k, u := range grp.users {
			if k == 0 {
				watchers = append(watchers, target{node: b, user: u, group: gi, account: grp.account})
			} else if len(devices) < m {
				devices = append(devices, target{node: a, user: u, group: gi})
				victims[u.UserID] = true
				ids = append(ids, u.UserID)
			}
		}
	}
	wc, err := cs.connectAll(ctx, "P4 watchers on B", watchers)
	defer closeAll(wc)
	if err != nil {
		return err
	}
	dc, err := cs.connectAll(ctx, "P4 devices on A", devices)
	if err != nil {
		closeAll(dc)
		return err
	}
	time.Sleep(3 * time.Second)
	reader := presence.NewRedis(e.rdb, presence.Options{Prefix: a.prefix + "presence:", Node: "loadtest-reader"})
	defer reader.Shutdown(context.Background())
	online := countStatus(ctx, reader, ids, "OFFLINE", false)
	e.logf("P4: %d of %d devices' people online before the kill; killing node A (pid %d)", online, len(ids), a.pid())
	mu.Lock()
	killed = time.Now()
	mu.Unlock()
	a.kill()
	t0 := killed
	deadline := t0.Add(60 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		mu.Lock()
		got := len(offAt)
		mu.Unlock()
		if got >= len(ids) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	at60 := time.Until(deadline)
	if at60 > 0 {
		time.Sleep(at60) // the state at 60 s is checked at 60 s
	}
	left := countStatus(ctx, reader, ids, "OFFLINE", false)
	mu.Lock()
	var ds []time.Duration
	within := 0
	for _, at := range offAt {
		d := at.Sub(t0)
		ds = append(ds, d)
		if d <= 33*time.Second {
			within++
		}
	}
	mu.Unlock()
	last := percentile(ds, 100)
	first := percentile(ds, 0)
	e.check("P4", "devices on the killed node", float64(len(ids)), "connections", fmt.Sprintf("%d", len(ids)), "20,000", len(ids) >= 20000,
		fmt.Sprintf("%s; %d watchers on the surviving node; PRESENCE_TTL %s, grace %s", note, len(wc), e.cfg.ttl, e.cfg.grace))
	e.check("P4", "OFFLINE seen within 33 s", float64(within), "people", fmt.Sprintf("%d / %d", within, len(ids)), "all", within == len(ids),
		fmt.Sprintf("kill→OFFLINE received on B: first %s, p50 %s, p99 %s, last %s", secs(first), secs(percentile(ds, 50)), secs(percentile(ds, 99)), secs(last)))
	e.check("P4", "time until every one OFFLINE", last.Seconds(), "s", secs(last), "≤ 33 s", within == len(ids) && last <= 33*time.Second,
		"bound: TTL (expiry 20–30 s after the kill: heartbeats every TTL/3) + sweep (1 s) + offline grace")
	e.check("P4", "left not OFFLINE at 60 s", float64(left), "people", fmt.Sprintf("%d", left), "0", left == 0, "read from Redis (presence States) at kill + 60 s")
	return nil
}

// countStatus counts the people whose status is (is=true) or is not status.
func countStatus(ctx context.Context, r *presence.Redis, ids []int64, status string, is bool) int {
	n := 0
	for lo := 0; lo < len(ids); lo += 1000 {
		st, err := r.States(ctx, ids[lo:min(lo+1000, len(ids))])
		if err != nil {
			return -1
		}
		for _, s := range st {
			if (string(s.Status) == status) == is {
				n++
			}
		}
	}
	return n
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
