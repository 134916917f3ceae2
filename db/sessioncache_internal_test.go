package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func entry(hash string, id, user int64, until time.Time) cachedSession {
	return cachedSession{hash: hash, id: id, userID: user, until: until}
}

func TestSessionCacheAnswersUntilTheEntryEnds(t *testing.T) {
	c := newSessionCache(time.Second, 10)
	c.put(entry("h", 1, 7, t0.Add(time.Second)), c.begin())
	if e, ok := c.get("h", t0.Add(999*time.Millisecond)); !ok || e.id != 1 || e.userID != 7 {
		t.Fatalf("before its end: %+v %v", e, ok)
	}
	if _, ok := c.get("h", t0.Add(time.Second)); ok {
		t.Fatal("answered at its end")
	}
	if c.len() != 0 {
		t.Fatalf("an ended entry is dropped when met, %d left", c.len())
	}
}

func TestSessionCacheForgetsBySessionAndByUser(t *testing.T) {
	c := newSessionCache(time.Second, 10)
	until := t0.Add(time.Second)
	for i, h := range []string{"a", "b", "c"} {
		c.put(entry(h, int64(i+1), 7, until), c.begin())
	}
	c.put(entry("d", 4, 8, until), c.begin())
	c.forget(2)
	if _, ok := c.get("b", t0); ok {
		t.Fatal("a forgotten session answered")
	}
	if _, ok := c.get("a", t0); !ok {
		t.Fatal("forget dropped another session")
	}
	c.forgetUser(7)
	for _, h := range []string{"a", "c"} {
		if _, ok := c.get(h, t0); ok {
			t.Fatalf("session %s of the forgotten user answered", h)
		}
	}
	if _, ok := c.get("d", t0); !ok || c.len() != 1 {
		t.Fatalf("another user's session must stay (%d entries)", c.len())
	}
}

// A load that read the row before a forget (the sign-out committed while
// it ran) must not store what it read.
func TestSessionCacheLoadRacingAForgetIsNotStored(t *testing.T) {
	c := newSessionCache(time.Second, 10)
	e, live, err := c.load(context.Background(), "h", t0, func(context.Context) (cachedSession, bool, error) {
		c.forget(1)
		return entry("h", 1, 7, t0.Add(time.Second)), true, nil
	})
	if err != nil || !live || e.id != 1 {
		t.Fatalf("load: %+v %v %v", e, live, err)
	}
	if c.len() != 0 {
		t.Fatal("a row read before a forget was stored")
	}
}

func TestSessionCacheStoresNoUnknownTokens(t *testing.T) {
	c := newSessionCache(time.Second, 10)
	for i := range 1000 {
		_, live, err := c.load(context.Background(), fmt.Sprint("made-up", i), t0, func(context.Context) (cachedSession, bool, error) {
			return cachedSession{}, false, nil
		})
		if live || err != nil {
			t.Fatalf("unknown token: %v %v", live, err)
		}
	}
	boom := errors.New("store down")
	if _, _, err := c.load(context.Background(), "x", t0, func(context.Context) (cachedSession, bool, error) {
		return cachedSession{}, false, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("error: %v", err)
	}
	if c.len() != 0 {
		t.Fatalf("unknown tokens and errors were stored: %d entries", c.len())
	}
}

func TestSessionCacheStaysWithinItsSize(t *testing.T) {
	c := newSessionCache(time.Second, 100)
	for i := range 1000 {
		c.put(entry(fmt.Sprint(i), int64(i+1), int64(i%7+1), t0.Add(time.Second)), c.begin())
	}
	if n := c.len(); n != 100 {
		t.Fatalf("%d entries, want the bound of 100", n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	users := 0
	for _, s := range c.byUser {
		users += len(s)
	}
	if len(c.bySession) != 100 || users != 100 {
		t.Fatalf("indexes out of step: %d sessions, %d by user", len(c.bySession), users)
	}
}

func TestSessionCacheConcurrentMissesShareOneQuery(t *testing.T) {
	c := newSessionCache(time.Second, 10)
	var queries atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, live, err := c.load(context.Background(), "h", t0, func(context.Context) (cachedSession, bool, error) {
				queries.Add(1)
				<-release
				return entry("h", 1, 7, t0.Add(time.Second)), true, nil
			})
			if err != nil || !live || e.id != 1 {
				t.Errorf("load: %+v %v %v", e, live, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := queries.Load(); n != 1 {
		t.Fatalf("%d queries for one token", n)
	}
	if _, ok := c.get("h", t0); !ok {
		t.Fatal("the shared answer was not stored")
	}
}

func TestSessionCacheCallerStopsWaitingWithItsContext(t *testing.T) {
	c := newSessionCache(time.Second, 10)
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := c.load(ctx, "h", t0, func(context.Context) (cachedSession, bool, error) {
		<-release
		return cachedSession{}, false, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
