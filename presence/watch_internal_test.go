package presence

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

func newTestHub(t *testing.T, opts Options) *hub {
	t.Helper()
	h := newHub(memSubscriber{}, opts.withDefaults())
	t.Cleanup(func() { h.close(ErrClosed) })
	return h
}

func ev(uid, v int64, st models.PresenceStatus) models.PresenceChange {
	return models.PresenceChange{UserID: uid, State: models.PresenceState{UserID: uid, Status: st, Devices: 1, Version: v}}
}

func recv(t *testing.T, w *Watcher) models.PresenceChange {
	t.Helper()
	select {
	case e, ok := <-w.C:
		if !ok {
			t.Fatalf("closed: %v", w.Err())
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return models.PresenceChange{}
}

func TestWatcherCoalescesByUser(t *testing.T) {
	h := newTestHub(t, Options{QueueSize: 2})
	w, err := h.watch(context.Background(), []int64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	for v := int64(1); v <= 50; v++ { // 50 events, 2 users: never overflows
		h.publish(ev(1, v, models.PresenceOnline))
		h.publish(ev(2, v, models.PresenceAway))
	}
	w.mu.Lock()
	pending, order := len(w.pending), len(w.order)
	w.mu.Unlock()
	if pending != 2 || order != 2 {
		t.Fatalf("queue holds %d users (%d in order), want 2", pending, order)
	}
	got := map[int64]int64{}
	for len(got) < 2 || got[1] != 50 || got[2] != 50 {
		e := recv(t, w)
		if e.State.Version <= got[e.UserID] {
			t.Fatalf("user %d: v%d after v%d", e.UserID, e.State.Version, got[e.UserID])
		}
		got[e.UserID] = e.State.Version
	}
}

func TestWatcherDropsStaleVersions(t *testing.T) {
	h := newTestHub(t, Options{})
	w, _ := h.watch(context.Background(), []int64{1})
	h.publish(ev(1, 5, models.PresenceOnline))
	if e := recv(t, w); e.State.Version != 5 {
		t.Fatalf("v%d", e.State.Version)
	}
	h.publish(ev(1, 3, models.PresenceOffline)) // older: a late message from another node
	h.publish(ev(1, 5, models.PresenceOffline)) // same version: a duplicate
	// The watcher also filters on its own (resync goes through publish too).
	w.offer(ev(1, 4, models.PresenceOffline))
	h.publish(ev(1, 6, models.PresenceAway))
	if e := recv(t, w); e.State.Version != 6 || e.State.Status != models.PresenceAway {
		t.Fatalf("got %+v, want v6 AWAY", e.State)
	}
}

func TestWatcherOverflowClosesOnlySlow(t *testing.T) {
	h := newTestHub(t, Options{QueueSize: 3})
	slow, _ := h.watch(context.Background(), []int64{1, 2, 3, 4})
	fast, _ := h.watch(context.Background(), []int64{1, 2, 3, 4})
	for uid := int64(1); uid <= 4; uid++ {
		h.publish(ev(uid, 1, models.PresenceOnline))
		if e := recv(t, fast); e.UserID != uid {
			t.Fatalf("fast got user %d", e.UserID)
		}
	}
	<-slow.Done()
	if !errors.Is(slow.Err(), ErrSlowConsumer) {
		t.Fatalf("Err = %v", slow.Err())
	}
	if n := len(h.watchedUsers()); n != 4 {
		t.Fatalf("%d users watched, want 4 (fast still watching)", n)
	}
	fast.Close()
	if n := len(h.watchedUsers()); n != 0 {
		t.Fatalf("%d users still watched after both watchers left", n)
	}
}

func TestWatcherStallTimeout(t *testing.T) {
	h := newTestHub(t, Options{StallTimeout: 100 * time.Millisecond})
	w, _ := h.watch(context.Background(), []int64{1})
	start := time.Now()
	h.publish(ev(1, 1, models.PresenceOnline))
	for v := int64(2); v < 5; v++ { // coalesced updates do not reset the stall clock
		h.publish(ev(1, v, models.PresenceOnline))
	}
	select {
	case <-w.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("stalled watcher not closed")
	}
	if !errors.Is(w.Err(), ErrSlowConsumer) || time.Since(start) < 100*time.Millisecond {
		t.Fatalf("Err = %v after %v", w.Err(), time.Since(start))
	}
	if _, ok := <-w.C; ok {
		t.Fatal("C open after close")
	}
}

// Announced states and backend events share one queue and one version
// order: whichever comes second with the same or an older version is
// dropped.
func TestWatcherAnnounceSharesVersionOrder(t *testing.T) {
	h := newTestHub(t, Options{})
	w, err := h.watch(context.Background(), []int64{1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	w.Announce(now, models.PresenceState{UserID: 1, Status: models.PresenceOnline, Devices: 1, Version: 5}, models.PresenceState{UserID: 9, Status: models.PresenceOnline, Version: 7})
	if e := recv(t, w); e.UserID != 1 || e.State.Version != 5 || !e.At.Equal(now) {
		t.Fatalf("announced: %+v", e)
	}
	h.publish(ev(1, 5, models.PresenceOnline)) // the same change, from the backend
	h.publish(ev(1, 6, models.PresenceAway))
	if e := recv(t, w); e.State.Version != 6 {
		t.Fatalf("after the announced v5: %+v", e)
	}
	w.Announce(now, models.PresenceState{UserID: 1, Status: models.PresenceOnline, Version: 6})
	select {
	case e := <-w.C:
		t.Fatalf("stale announcement delivered: %+v", e)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestWatcherReplace(t *testing.T) {
	h := newTestHub(t, Options{})
	w, err := h.watch(context.Background(), []int64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	added, err := w.Replace(context.Background(), []int64{2, 3})
	if err != nil || len(added) != 1 || added[0] != 3 {
		t.Fatalf("Replace = %v, %v", added, err)
	}
	h.publish(ev(1, 1, models.PresenceOnline)) // no longer watched
	h.publish(ev(3, 1, models.PresenceOnline))
	if e := recv(t, w); e.UserID != 3 {
		t.Fatalf("got user %d, want 3", e.UserID)
	}
}
