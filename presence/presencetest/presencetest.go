// Package presencetest is the conformance suite every presence backend
// passes: the same cases, run against the in-process and the Redis backend.
package presencetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
)

// Timings of the suite: short enough for a fast test run, long enough to
// tell the phases apart on a loaded machine.
const (
	TTL       = time.Second
	Heartbeat = 250 * time.Millisecond
	Sweep     = 50 * time.Millisecond
	Grace     = 300 * time.Millisecond
	QueueSize = 8
	wait      = 5 * time.Second // deadline for an expected event
	quiet     = 300 * time.Millisecond
)

// Options returns the suite's options for a node.
func Options(node string) presence.Options {
	return presence.Options{
		Node:              node,
		TTL:               TTL,
		HeartbeatInterval: Heartbeat,
		SweepInterval:     Sweep,
		OfflineGrace:      Grace,
		IdleAfter:         time.Hour,
		LastActiveEvery:   time.Minute,
		QueueSize:         QueueSize,
		StallTimeout:      wait,
	}
}

// Factory returns a node of the backend under test configured with opts
// (the factory may add backend settings such as a key prefix). Every call
// with the same t must return a node of the same cluster (shared state and
// events), and a fresh cluster for a new t. The suite runs and shuts the
// nodes down itself.
type Factory func(t *testing.T, opts presence.Options) presence.Service

// Run runs the conformance suite.
func Run(t *testing.T, newService Factory) {
	cases := []struct {
		name string
		fn   func(t *testing.T, c *cluster)
	}{
		{"ConnectOnline", testConnectOnline},
		{"AwayWhenAllIdle", testAwayWhenAllIdle},
		{"AutoAwayAfterIdle", testAutoAway},
		{"ManualAwayWins", testManualAway},
		{"DisconnectOneDevice", testDisconnectOne},
		{"OfflineAfterGrace", testOfflineAfterGrace},
		{"ReconnectWithinGrace", testReconnectWithinGrace},
		{"HeartbeatKeepsAlive", testHeartbeatKeepsAlive},
		{"NodeCrash", testNodeCrash},
		{"StalledNodeComesBack", testStalledNode},
		{"CleanShutdown", testCleanShutdown},
		{"StatesBatch", testStatesBatch},
		{"SessionConnected", testSessionConnected},
		{"VersionsIncrease", testVersions},
		{"SlowWatcherClosed", testSlowWatcher},
		{"Coalescing", testCoalescing},
		{"WatcherAddRemove", testAddRemove},
		{"KickOtherNode", testKick},
		{"EventsAcrossNodes", testAcrossNodes},
		{"LastActiveHook", testLastActive},
		{"Errors", testErrors},
		{"SessionChanges", testSessionChanges},
		{"SessionChangesAfterCrash", testSessionChangesAfterCrash},
		{"AccessChangeReachesEveryNode", testAccessChange},
		{"LiveLists", testLive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, &cluster{t: t, factory: newService})
		})
	}
}

type cluster struct {
	t       *testing.T
	factory Factory
	n       atomic.Int64
}

// node is a running Service; crash stops it without Shutdown.
type node struct {
	presence.Service
	crash func()
}

func (c *cluster) node() *node { return c.nodeWith(nil) }

func (c *cluster) nodeWith(tune func(*presence.Options)) *node {
	t := c.t
	opts := Options(fmt.Sprintf("node-%d", c.n.Add(1)))
	if tune != nil {
		tune(&opts)
	}
	svc := c.factory(t, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := svc.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	var once sync.Once
	crash := func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), wait)
		defer scancel()
		if err := svc.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		crash()
	})
	return &node{Service: svc, crash: crash}
}

var seq atomic.Int64

func connID() string { return fmt.Sprintf("conn-%d", seq.Add(1)) }

func conn(uid, sid int64) models.PresenceConn {
	return models.PresenceConn{ConnID: connID(), UserID: uid, SessionID: sid, Device: "Firefox on Linux"}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func watch(t *testing.T, n presence.Service, uids ...int64) *presence.Watcher {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	w, err := n.Watch(ctx, uids)
	must(t, err)
	t.Cleanup(w.Close)
	return w
}

// next returns the next event of w, failing after the deadline.
func next(t *testing.T, w *presence.Watcher) models.PresenceChange {
	t.Helper()
	select {
	case ev, ok := <-w.C:
		if !ok {
			t.Fatalf("watcher closed: %v", w.Err())
		}
		return ev
	case <-time.After(wait):
		t.Fatal("no event before the deadline")
	}
	return models.PresenceChange{}
}

// expect reads the next event and checks it.
func expect(t *testing.T, w *presence.Watcher, uid int64, st models.PresenceStatus, devices int) models.PresenceChange {
	t.Helper()
	ev := next(t, w)
	if ev.UserID != uid || ev.State.UserID != uid || ev.State.Status != st || ev.State.Devices != devices {
		t.Fatalf("event = user %d %s devices %d (v%d), want user %d %s devices %d",
			ev.UserID, ev.State.Status, ev.State.Devices, ev.State.Version, uid, st, devices)
	}
	return ev
}

// expectNone checks that no event arrives for d (the case is about time
// passing without a change).
func expectNone(t *testing.T, w *presence.Watcher, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-w.C:
		if ok {
			t.Fatalf("unexpected event: user %d %s devices %d v%d", ev.UserID, ev.State.Status, ev.State.Devices, ev.State.Version)
		}
		t.Fatalf("watcher closed: %v", w.Err())
	case <-time.After(d):
	}
}

func state(t *testing.T, n presence.Service, uid int64) models.PresenceState {
	t.Helper()
	m, err := n.States(context.Background(), []int64{uid})
	must(t, err)
	return m[uid]
}

func testConnectOnline(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	w := watch(t, a, 1)
	must(t, a.Connect(ctx, conn(1, 10)))
	e1 := expect(t, w, 1, models.PresenceOnline, 1)
	if e1.State.LastActiveAt.IsZero() || e1.At.IsZero() {
		t.Fatalf("event lacks times: %+v", e1)
	}
	must(t, a.Connect(ctx, conn(1, 11)))
	e2 := expect(t, w, 1, models.PresenceOnline, 2)
	if e2.State.Version <= e1.State.Version {
		t.Fatalf("version %d after %d", e2.State.Version, e1.State.Version)
	}
	if s := state(t, a, 1); s.Status != models.PresenceOnline || s.Devices != 2 || s.Version != e2.State.Version {
		t.Fatalf("States = %+v", s)
	}
}

func testAwayWhenAllIdle(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	w := watch(t, a, 2)
	c1, c2 := conn(2, 20), conn(2, 21)
	must(t, a.Connect(ctx, c1))
	expect(t, w, 2, models.PresenceOnline, 1)
	must(t, a.Connect(ctx, c2))
	expect(t, w, 2, models.PresenceOnline, 2)
	must(t, a.SetActivity(ctx, c1.ConnID, true)) // one device idle: no change
	must(t, a.SetActivity(ctx, c2.ConnID, true))
	expect(t, w, 2, models.PresenceAway, 2)
	must(t, a.SetActivity(ctx, c1.ConnID, false))
	expect(t, w, 2, models.PresenceOnline, 2)
}

func testAutoAway(t *testing.T, c *cluster) {
	const idle = 400 * time.Millisecond
	a := c.nodeWith(func(o *presence.Options) { o.IdleAfter = idle })
	ctx := context.Background()
	w := watch(t, a, 3)
	c1 := conn(3, 30)
	start := time.Now()
	must(t, a.Connect(ctx, c1))
	expect(t, w, 3, models.PresenceOnline, 1)
	expect(t, w, 3, models.PresenceAway, 1)
	if el := time.Since(start); el < idle-20*time.Millisecond {
		t.Fatalf("AWAY after %v, before IdleAfter %v", el, idle)
	}
	must(t, a.SetActivity(ctx, c1.ConnID, false))
	expect(t, w, 3, models.PresenceOnline, 1)
}

func testManualAway(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	w := watch(t, a, 4, 5)
	c1 := conn(4, 40)
	must(t, a.Connect(ctx, c1))
	expect(t, w, 4, models.PresenceOnline, 1)
	must(t, a.SetManualAway(ctx, 4, true))
	expect(t, w, 4, models.PresenceAway, 1)
	must(t, a.SetActivity(ctx, c1.ConnID, false)) // activity does not beat manual away
	must(t, a.Connect(ctx, models.PresenceConn{ConnID: connID(), UserID: 5, SessionID: 50, ManualAway: true}))
	expect(t, w, 5, models.PresenceAway, 1) // persisted flag applies from the first event
	must(t, a.SetManualAway(ctx, 4, false))
	expect(t, w, 4, models.PresenceOnline, 1)
}

func testDisconnectOne(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	w := watch(t, a, 6)
	c1, c2 := conn(6, 60), conn(6, 61)
	must(t, a.Connect(ctx, c1))
	expect(t, w, 6, models.PresenceOnline, 1)
	must(t, a.Connect(ctx, c2))
	expect(t, w, 6, models.PresenceOnline, 2)
	must(t, a.Disconnect(ctx, c1.ConnID))
	expect(t, w, 6, models.PresenceOnline, 1)
}

func testOfflineAfterGrace(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	w := watch(t, a, 7)
	c1 := conn(7, 70)
	must(t, a.Connect(ctx, c1))
	expect(t, w, 7, models.PresenceOnline, 1)
	start := time.Now()
	must(t, a.Disconnect(ctx, c1.ConnID))
	if s := state(t, a, 7); s.Status != models.PresenceOnline || s.Devices != 1 {
		t.Fatalf("during grace States = %+v, want the previous state", s)
	}
	expect(t, w, 7, models.PresenceOffline, 0)
	if el := time.Since(start); el < Grace-20*time.Millisecond {
		t.Fatalf("OFFLINE after %v, before the grace %v", el, Grace)
	}
	if s := state(t, a, 7); s.Status != models.PresenceOffline || s.Devices != 0 {
		t.Fatalf("States = %+v", s)
	}
}

func testReconnectWithinGrace(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	w := watch(t, b, 8)
	c1 := conn(8, 80)
	must(t, a.Connect(ctx, c1))
	ev := expect(t, w, 8, models.PresenceOnline, 1)
	must(t, a.Disconnect(ctx, c1.ConnID))
	must(t, b.Connect(ctx, conn(8, 80))) // page reload landing on another node
	expectNone(t, w, Grace+quiet)
	if s := state(t, a, 8); s.Status != models.PresenceOnline || s.Devices != 1 || s.Version != ev.State.Version {
		t.Fatalf("States = %+v, want unchanged v%d", s, ev.State.Version)
	}
}

func testHeartbeatKeepsAlive(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	w := watch(t, a, 9)
	must(t, a.Connect(ctx, conn(9, 90)))
	expect(t, w, 9, models.PresenceOnline, 1)
	expectNone(t, w, TTL+TTL/2)
	if s := state(t, a, 9); s.Status != models.PresenceOnline {
		t.Fatalf("States = %+v", s)
	}
	connected, err := a.SessionConnected(ctx, sessions(90))
	must(t, err)
	if !connected[90] {
		t.Fatal("session 90 not connected after heartbeats")
	}
}

func testNodeCrash(t *testing.T, c *cluster) {
	a, b, cc := c.node(), c.node(), c.node() // b and cc both sweep
	ctx := context.Background()
	w := watch(t, b, 11, 12)
	w2 := watch(t, cc, 11)
	must(t, a.Connect(ctx, conn(11, 110)))
	expect(t, w, 11, models.PresenceOnline, 1)
	must(t, a.Connect(ctx, conn(11, 111)))
	expect(t, w, 11, models.PresenceOnline, 2)
	must(t, b.Connect(ctx, conn(12, 120)))
	expect(t, w, 12, models.PresenceOnline, 1)
	for ev := next(t, w2); ev.State.Devices != 2; ev = next(t, w2) {
	}
	a.crash()
	start := time.Now()
	// The two connections may expire a few milliseconds apart (devices 1
	// first); what matters is OFFLINE, once.
	off := next(t, w)
	if off.State.Status == models.PresenceOnline && off.State.Devices == 1 {
		off = next(t, w)
	}
	if off.UserID != 11 || off.State.Status != models.PresenceOffline || off.State.Devices != 0 {
		t.Fatalf("after the crash: %+v", off)
	}
	if el := time.Since(start); el > TTL+Grace+time.Second || el < TTL-Heartbeat-100*time.Millisecond {
		t.Fatalf("OFFLINE %v after the crash, want about TTL %v", el, TTL)
	}
	got := next(t, w2)
	if got.State.Status != models.PresenceOffline {
		got = next(t, w2)
	}
	if got.State.Status != models.PresenceOffline || got.State.Version != off.State.Version {
		t.Fatalf("nodes saw different OFFLINE versions: %d and %d", got.State.Version, off.State.Version)
	}
	expectNone(t, w, quiet) // once, though two nodes sweep; user 12 on a live node stays
	expectNone(t, w2, 0)
	if s := state(t, b, 12); s.Status != models.PresenceOnline {
		t.Fatalf("user on a live node: %+v", s)
	}
	connected, err := b.SessionConnected(ctx, sessions(110, 120))
	must(t, err)
	if connected[110] || !connected[120] {
		t.Fatalf("SessionConnected = %v", connected)
	}
}

func testStalledNode(t *testing.T, c *cluster) {
	clk := newClock()
	a := c.nodeWith(func(o *presence.Options) { o.Now = clk.Now; o.HeartbeatInterval = time.Hour })
	b := c.nodeWith(func(o *presence.Options) { o.Now = clk.Now })
	ctx := context.Background()
	w := watch(t, b, 24)
	c1 := conn(24, 240)
	must(t, a.Connect(ctx, c1))
	expect(t, w, 24, models.PresenceOnline, 1)
	clk.Advance(TTL + time.Millisecond) // a missed its heartbeats
	expect(t, w, 24, models.PresenceOffline, 0)
	must(t, a.Touch(ctx, c1.ConnID)) // a wakes up: its live socket counts again
	expect(t, w, 24, models.PresenceOnline, 1)
	connected, err := b.SessionConnected(ctx, sessions(240))
	must(t, err)
	if !connected[240] {
		t.Fatal("session not connected after the touch")
	}
}

func testCleanShutdown(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	w := watch(t, b, 13)
	wa := watch(t, a, 13)
	must(t, a.Connect(ctx, conn(13, 130)))
	expect(t, w, 13, models.PresenceOnline, 1)
	must(t, a.Connect(ctx, conn(13, 131)))
	expect(t, w, 13, models.PresenceOnline, 2)
	start := time.Now()
	must(t, a.Shutdown(ctx))
	for {
		ev := next(t, w)
		if ev.State.Status == models.PresenceOffline {
			break
		}
	}
	if el := time.Since(start); el >= Grace {
		t.Fatalf("OFFLINE %v after Shutdown, want at once (grace %v not applied)", el, Grace)
	}
	select {
	case _, ok := <-wa.C:
		for ok {
			_, ok = <-wa.C
		}
	case <-time.After(wait):
		t.Fatal("watcher of the stopped node not closed")
	}
	if !errors.Is(wa.Err(), presence.ErrClosed) {
		t.Fatalf("Err = %v, want ErrClosed", wa.Err())
	}
	if err := a.Connect(ctx, conn(13, 132)); models.ErrorCode(err) != models.CodeUnavailable {
		t.Fatalf("Connect after Shutdown = %v", err)
	}
}

func testStatesBatch(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	var ids []int64
	for i := int64(0); i < 50; i++ {
		ids = append(ids, 1000+i)
		if i%5 == 0 {
			must(t, a.Connect(ctx, conn(1000+i, 1000+i)))
		}
	}
	m, err := a.States(ctx, ids)
	must(t, err)
	if len(m) != 50 {
		t.Fatalf("%d states, want 50", len(m))
	}
	for i, id := range ids {
		s := m[id]
		if s.UserID != id {
			t.Fatalf("state of %d has user %d", id, s.UserID)
		}
		if i%5 == 0 {
			if s.Status != models.PresenceOnline || s.Devices != 1 || s.Version < 1 || s.LastActiveAt.IsZero() {
				t.Fatalf("user %d: %+v", id, s)
			}
		} else if s.Status != models.PresenceOffline || s.Devices != 0 || s.Version != 0 || !s.LastActiveAt.IsZero() {
			t.Fatalf("never-seen user %d: %+v", id, s)
		}
	}
	empty, err := a.States(ctx, nil)
	must(t, err)
	if len(empty) != 0 {
		t.Fatalf("States(nil) = %v", empty)
	}
}

func testSessionConnected(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	c1, c2 := conn(14, 140), conn(14, 140)
	must(t, a.Connect(ctx, c1))
	must(t, b.Connect(ctx, c2))
	must(t, a.Connect(ctx, conn(15, 150)))
	got, err := b.SessionConnected(ctx, sessions(140, 150, 160))
	must(t, err)
	if !got[140] || !got[150] || got[160] || len(got) != 3 {
		t.Fatalf("SessionConnected = %v", got)
	}
	must(t, a.Disconnect(ctx, c1.ConnID))
	got, _ = b.SessionConnected(ctx, sessions(140))
	if !got[140] {
		t.Fatal("session 140 still has a device on node b")
	}
	must(t, b.Disconnect(ctx, c2.ConnID))
	got, _ = b.SessionConnected(ctx, sessions(140))
	if got[140] {
		t.Fatal("session 140 has no device left")
	}
}

func testVersions(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	w := watch(t, a, 16)
	c1, c2 := conn(16, 160), conn(16, 161)
	steps := []func() error{
		func() error { return a.Connect(ctx, c1) },
		func() error { return a.Connect(ctx, c2) },
		func() error { return a.SetManualAway(ctx, 16, true) },
		func() error { return a.SetManualAway(ctx, 16, false) },
		func() error { return a.Disconnect(ctx, c2.ConnID) },
	}
	var last int64
	for _, step := range steps {
		must(t, step())
		ev := next(t, w)
		if ev.State.Version <= last {
			t.Fatalf("version %d after %d", ev.State.Version, last)
		}
		last = ev.State.Version
	}
	must(t, a.SetManualAway(ctx, 16, false)) // no change: no event, no new version
	must(t, a.SetActivity(ctx, c1.ConnID, false))
	if s := state(t, a, 16); s.Version != last {
		t.Fatalf("States version %d, last event %d", s.Version, last)
	}
	expectNone(t, w, quiet)
}

func testSlowWatcher(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	var ids []int64
	for i := int64(0); i < QueueSize+2; i++ {
		ids = append(ids, 2000+i)
	}
	slow := watch(t, b, ids...)
	fast := watch(t, b, ids...)
	for _, id := range ids { // the fast watcher reads each event
		must(t, a.Connect(ctx, conn(id, id)))
		expect(t, fast, id, models.PresenceOnline, 1)
	}
	select {
	case <-slow.Done():
	case <-time.After(wait):
		t.Fatal("slow watcher not closed")
	}
	if !errors.Is(slow.Err(), presence.ErrSlowConsumer) {
		t.Fatalf("Err = %v, want ErrSlowConsumer", slow.Err())
	}
	must(t, a.Connect(ctx, conn(ids[0], 1))) // the fast watcher keeps going
	expect(t, fast, ids[0], models.PresenceOnline, 2)
}

func testCoalescing(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	lazy := watch(t, b, 17)
	fast := watch(t, b, 17)
	c1, c2, c3 := conn(17, 170), conn(17, 171), conn(17, 172)
	must(t, a.Connect(ctx, c1))
	must(t, a.Connect(ctx, c2))
	must(t, a.Connect(ctx, c3))
	must(t, a.Disconnect(ctx, c3.ConnID))
	must(t, a.SetManualAway(ctx, 17, true))
	final := state(t, a, 17)
	for {
		if ev := next(t, fast); ev.State.Version == final.Version {
			break
		}
	}
	// The lazy watcher was offered all five events; it holds at most the
	// one already handed to its channel plus the latest.
	var got []models.PresenceChange
	for {
		ev := next(t, lazy)
		got = append(got, ev)
		if ev.State.Version == final.Version {
			break
		}
	}
	if len(got) > 2 {
		t.Fatalf("lazy watcher got %d events, want the latest state only (at most 2)", len(got))
	}
	if last := got[len(got)-1].State; last.Status != models.PresenceAway || last.Devices != 2 {
		t.Fatalf("latest = %+v", last)
	}
	expectNone(t, lazy, 0)
}

func testAddRemove(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	w := watch(t, a, 18)
	must(t, w.Add(ctx, 19))
	must(t, a.Connect(ctx, conn(19, 190)))
	expect(t, w, 19, models.PresenceOnline, 1)
	w.Remove(19)
	must(t, a.Connect(ctx, conn(19, 191)))
	must(t, a.Connect(ctx, conn(18, 180)))
	expect(t, w, 18, models.PresenceOnline, 1) // nothing for 19 in between
	w.Close()
	select {
	case _, ok := <-w.C:
		if ok {
			t.Fatal("event after Close")
		}
	case <-time.After(wait):
		t.Fatal("C not closed")
	}
	if w.Err() != nil {
		t.Fatalf("Err after Close = %v", w.Err())
	}
}

func testKick(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	got := make(chan []int64, 4)
	b.OnKick(func(ids []int64) { got <- ids })
	// Make sure b's event loop is subscribed before kicking.
	w := watch(t, b, 21)
	_ = w
	must(t, a.KickSessions(ctx, []int64{7, 8}))
	select {
	case ids := <-got:
		if !slices.Equal(ids, []int64{7, 8}) {
			t.Fatalf("kick = %v", ids)
		}
	case <-time.After(wait):
		t.Fatal("kick did not reach the other node")
	}
}

func testAcrossNodes(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	wb := watch(t, b, 22)
	wa := watch(t, a, 22)
	c1 := conn(22, 220)
	must(t, a.Connect(ctx, c1))
	expect(t, wb, 22, models.PresenceOnline, 1)
	expect(t, wa, 22, models.PresenceOnline, 1)
	must(t, b.Connect(ctx, conn(22, 221)))
	expect(t, wa, 22, models.PresenceOnline, 2)
	expect(t, wb, 22, models.PresenceOnline, 2)
}

// clock is a settable clock shared by the nodes of one case.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func testLastActive(t *testing.T, c *cluster) {
	clk := newClock()
	tune := func(o *presence.Options) { o.Now = clk.Now; o.TTL = time.Hour }
	a, b := c.nodeWith(tune), c.nodeWith(tune)
	ctx := context.Background()
	type hit struct {
		uid int64
		at  time.Time
	}
	hits := make(chan hit, 16)
	for _, n := range []*node{a, b} {
		n.OnLastActive(func(uid int64, at time.Time) { hits <- hit{uid, at} })
	}
	noHook := func() {
		t.Helper()
		select {
		case h := <-hits:
			t.Fatalf("hook called for a move under a minute: %+v", h)
		default:
		}
	}
	hook := func(want time.Time) {
		t.Helper()
		select {
		case h := <-hits:
			if h.uid != 23 || h.at.UnixMilli() != want.UnixMilli() {
				t.Fatalf("hook = %d %v, want 23 %v", h.uid, h.at, want)
			}
		case <-time.After(wait):
			t.Fatal("hook not called")
		}
	}
	w := watch(t, b, 23)
	c1 := conn(23, 230)
	t0 := clk.Now()
	must(t, a.Connect(ctx, c1))
	expect(t, w, 23, models.PresenceOnline, 1)
	hook(t0) // first activity ever
	clk.Advance(2 * time.Second)
	must(t, a.SetActivity(ctx, c1.ConnID, false))
	noHook()
	clk.Advance(61 * time.Second)
	must(t, a.SetActivity(ctx, c1.ConnID, false))
	hook(clk.Now())
	clk.Advance(time.Second)
	must(t, a.SetActivity(ctx, c1.ConnID, false))
	noHook()
	la := clk.Now()
	if s := state(t, b, 23); s.LastActiveAt.UnixMilli() != la.UnixMilli() {
		t.Fatalf("LastActiveAt = %v, want %v", s.LastActiveAt, la)
	}
	must(t, a.Disconnect(ctx, c1.ConnID))
	noHook()
	clk.Advance(Grace + time.Millisecond)
	expect(t, w, 23, models.PresenceOffline, 0)
	hook(la) // going OFFLINE writes the last value
}

func testErrors(t *testing.T, c *cluster) {
	a := c.node()
	ctx := context.Background()
	if err := a.Connect(ctx, models.PresenceConn{UserID: 1}); models.ErrorCode(err) != models.CodeBadUserInput {
		t.Fatalf("Connect without id = %v", err)
	}
	if err := a.Connect(ctx, models.PresenceConn{ConnID: "x"}); models.ErrorCode(err) != models.CodeBadUserInput {
		t.Fatalf("Connect without user = %v", err)
	}
	if err := a.SetActivity(ctx, "nope", false); models.ErrorCode(err) != models.CodeNotFound {
		t.Fatalf("SetActivity unknown = %v", err)
	}
	if err := a.SetManualAway(ctx, 0, true); models.ErrorCode(err) != models.CodeBadUserInput {
		t.Fatalf("SetManualAway(0) = %v", err)
	}
	must(t, a.Disconnect(ctx, "nope"))
	must(t, a.Touch(ctx, "nope"))
	must(t, a.KickSessions(ctx, nil))
}

func watchSessions(t *testing.T, n presence.Service, uid int64) *presence.SessionWatcher {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	w, err := n.WatchSessions(ctx, uid)
	must(t, err)
	t.Cleanup(w.Close)
	return w
}

func expectSession(t *testing.T, w *presence.SessionWatcher, uid, sid int64, kind models.SessionEventKind) {
	t.Helper()
	select {
	case sc := <-w.C:
		if sc.UserID != uid || sc.SessionID != sid || sc.Kind != kind || sc.At.IsZero() {
			t.Fatalf("session change = %+v, want user %d session %d %s", sc, uid, sid, kind)
		}
	case <-w.Done():
		t.Fatalf("session watcher closed: %v", w.Err())
	case <-time.After(wait):
		t.Fatalf("no %s of session %d before the deadline", kind, sid)
	}
}

func expectNoSession(t *testing.T, w *presence.SessionWatcher, d time.Duration) {
	t.Helper()
	select {
	case sc := <-w.C:
		t.Fatalf("unexpected session change %+v", sc)
	case <-time.After(d):
	}
}

// A session is CONNECTED when it gains its first live connection on any
// node and DISCONNECTED when it loses its last; SIGNED_IN / SIGNED_OUT are
// published by the caller and reach watchers on every node.
func testSessionChanges(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	w := watchSessions(t, a, 71)
	other := watchSessions(t, a, 72)

	must(t, b.PublishSession(ctx, models.SessionEvent{UserID: 71, SessionID: 710, Kind: models.SessionEventSignedIn}))
	expectSession(t, w, 71, 710, models.SessionEventSignedIn)
	tab1, tab2 := conn(71, 710), conn(71, 710)
	must(t, b.Connect(ctx, tab1))
	expectSession(t, w, 71, 710, models.SessionEventConnected)
	must(t, a.Connect(ctx, tab2)) // a second tab of the same session
	phone := conn(71, 711)
	must(t, b.Connect(ctx, phone))
	expectSession(t, w, 71, 711, models.SessionEventConnected)
	must(t, b.Disconnect(ctx, tab1.ConnID))
	expectNoSession(t, w, quiet) // the other tab still holds session 710
	must(t, a.Disconnect(ctx, tab2.ConnID))
	expectSession(t, w, 71, 710, models.SessionEventDisconnected)
	must(t, a.PublishSession(ctx, models.SessionEvent{UserID: 71, SessionID: 711, Kind: models.SessionEventSignedOut}))
	expectSession(t, w, 71, 711, models.SessionEventSignedOut)
	expectNoSession(t, other, 0) // another person's watcher saw nothing

	if err := a.PublishSession(ctx, models.SessionEvent{UserID: 71, SessionID: 711, Kind: models.SessionEventConnected}); models.ErrorCode(err) != models.CodeBadUserInput {
		t.Fatalf("publishing CONNECTED by hand: %v", err)
	}
	w.Close()
	select {
	case <-w.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
}

// A killed node's connections are announced DISCONNECTED by a survivor.
func testSessionChangesAfterCrash(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	w := watchSessions(t, b, 73)
	must(t, a.Connect(ctx, conn(73, 730)))
	expectSession(t, w, 73, 730, models.SessionEventConnected)
	a.crash()
	expectSession(t, w, 73, 730, models.SessionEventDisconnected)
}

// An access change announced on one node reaches every node's handler.
func testAccessChange(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	got := make(chan int64, 4)
	a.OnAccessChange(func(org int64) { got <- org })
	b.OnAccessChange(func(org int64) { got <- org + 1000 })
	kicked := make(chan []int64, 1)
	b.OnKick(func(ids []int64) { kicked <- ids })
	// Make sure both event loops are subscribed before announcing.
	watch(t, a, 81)
	watch(t, b, 81)
	// Kick and access changes may share a channel: neither is mistaken
	// for the other.
	must(t, a.KickSessions(context.Background(), []int64{5}))
	must(t, a.AnnounceAccessChange(context.Background(), 7))
	seen := map[int64]bool{}
	for len(seen) < 2 {
		select {
		case org := <-got:
			seen[org] = true
		case <-time.After(wait):
			t.Fatalf("access change reached %v only", seen)
		}
	}
	if !seen[7] || !seen[1007] {
		t.Fatalf("handlers saw %v", seen)
	}
	select {
	case ids := <-kicked:
		if !slices.Equal(ids, []int64{5}) {
			t.Fatalf("kick = %v", ids)
		}
	case <-time.After(wait):
		t.Fatal("kick lost")
	}
}

// Live lists exactly the people who are not OFFLINE, as States reports them.
func testLive(t *testing.T, c *cluster) {
	a, b := c.node(), c.node()
	ctx := context.Background()
	w := watch(t, b, 91, 92, 93)
	c91 := conn(91, 910)
	must(t, a.Connect(ctx, c91))
	expect(t, w, 91, models.PresenceOnline, 1)
	must(t, b.Connect(ctx, conn(92, 920)))
	expect(t, w, 92, models.PresenceOnline, 1)
	must(t, b.SetManualAway(ctx, 92, true))
	expect(t, w, 92, models.PresenceAway, 1)
	must(t, b.SetManualAway(ctx, 93, true)) // away but not connected: OFFLINE
	live, err := b.Live(ctx)
	must(t, err)
	if live[91] != models.PresenceOnline || live[92] != models.PresenceAway || len(live) != 2 {
		t.Fatalf("Live = %v", live)
	}
	must(t, a.Disconnect(ctx, c91.ConnID))
	if live, _ := a.Live(ctx); live[91] != models.PresenceOnline {
		t.Fatalf("during the offline grace 91 is still ONLINE, Live = %v", live)
	}
	expect(t, w, 91, models.PresenceOffline, 0)
	live, err = a.Live(ctx)
	must(t, err)
	if _, ok := live[91]; ok || len(live) != 1 {
		t.Fatalf("after OFFLINE, Live = %v", live)
	}
}

// sessions names sessions by id; the suite numbers them user*10+n.
func sessions(ids ...int64) []models.SessionRef {
	out := make([]models.SessionRef, len(ids))
	for i, id := range ids {
		out[i] = models.SessionRef{UserID: id / 10, SessionID: id}
	}
	return out
}
