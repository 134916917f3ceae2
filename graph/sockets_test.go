package graph

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

// liveStore answers LiveSessions from a set, counting the queries; each
// query takes a moment so concurrent checks overlap.
type liveStore struct {
	models.IdentityService
	mu      sync.Mutex
	live    map[int64]bool
	fail    bool
	queries atomic.Int32
}

func (s *liveStore) LiveSessions(_ context.Context, ids []int64) (map[int64]bool, error) {
	s.queries.Add(1)
	time.Sleep(10 * time.Millisecond) // a store round trip
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return nil, context.DeadlineExceeded
	}
	out := map[int64]bool{}
	for _, id := range ids {
		if s.live[id] {
			out[id] = true
		}
	}
	return out, nil
}

func (s *liveStore) set(id int64, live, fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live[id], s.fail = live, fail
}

func TestSocketGuardSocketsPerSessionCap(t *testing.T) {
	var refused []string
	g := &SocketGuard{MaxPerSession: 2, Refused: func(r string) { refused = append(refused, r) }}
	if err := g.acquire("a", 7); err != nil {
		t.Fatal(err)
	}
	if err := g.acquire("b", 7); err != nil {
		t.Fatal(err)
	}
	if err := g.acquire("c", 7); models.ErrorCode(err) != models.CodeRateLimited {
		t.Fatalf("a third socket of session 7: %v", err)
	}
	if err := g.acquire("d", 8); err != nil {
		t.Fatalf("another session is counted on its own: %v", err)
	}
	g.release("a")
	g.release("a") // idempotent
	if err := g.acquire("c", 7); err != nil {
		t.Fatalf("a released place is free again: %v", err)
	}
	if len(refused) != 1 || refused[0] != RefusedSocketsPerSession {
		t.Fatalf("refusals %v", refused)
	}
}

func TestSocketGuardAuthorize(t *testing.T) {
	store := &liveStore{live: map[int64]bool{7: true}}
	g := &SocketGuard{Sessions: store, Recheck: time.Hour, Log: slog.New(slog.DiscardHandler)}
	ctx := models.WithViewer(context.Background(), &models.Viewer{UserID: 1, SessionID: 7})
	if err := g.acquire("a", 7); err != nil {
		t.Fatal(err)
	}

	t.Run("FreshCheckAsksNothing", func(t *testing.T) {
		if err := g.Authorize(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if n := store.queries.Load(); n != 0 {
			t.Fatalf("%d queries within the bound", n)
		}
	})

	// Past the bound, a burst of operations makes one query.
	g.mu.Lock()
	g.bySession[7].checkedAt = time.Now().Add(-2 * time.Hour)
	g.mu.Unlock()
	t.Run("BurstMakesOneQuery", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- g.Authorize(ctx, nil)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := store.queries.Load(); n != 1 {
			t.Fatalf("a burst of 50 operations made %d queries", n)
		}
	})

	stale := func() {
		g.mu.Lock()
		g.bySession[7].checkedAt = time.Time{}
		g.mu.Unlock()
	}
	t.Run("ErrUnavailable", func(t *testing.T) {
		stale()
		store.set(7, true, true)
		if err := g.Authorize(ctx, nil); models.ErrorCode(err) != models.CodeUnavailable {
			t.Fatalf("a store that cannot answer: %v", err)
		}
	})
	t.Run("ErrSessionEnded", func(t *testing.T) {
		stale()
		store.set(7, false, false)
		if err := g.Authorize(ctx, nil); models.ErrorCode(err) != models.CodeUnauthenticated {
			t.Fatalf("an ended session: %v", err)
		}
	})
}
