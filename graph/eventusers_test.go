package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

func TestEventUsersSharesOneQuery(t *testing.T) {
	var queries atomic.Int64
	release := make(chan struct{})
	c := NewEventUsers(func(ctx context.Context, ids []int64) ([]*models.User, error) {
		queries.Add(1)
		<-release
		return []*models.User{{ID: ids[0], Email: "a@example.com"}}, nil
	}, time.Hour, 10)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ { // 50 watchers resolving the same event
		wg.Add(1)
		go func() {
			defer wg.Done()
			if u, err := c.Get(context.Background(), 7); err != nil || u.ID != 7 {
				t.Errorf("Get: %v %v", u, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if _, err := c.Get(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if n := queries.Load(); n != 1 {
		t.Fatalf("%d queries for one person, want 1", n)
	}
}

func TestEventUsersExpires(t *testing.T) {
	var queries atomic.Int64
	c := NewEventUsers(func(ctx context.Context, ids []int64) ([]*models.User, error) {
		queries.Add(1)
		if ids[0] == 404 {
			return nil, nil
		}
		return []*models.User{{ID: ids[0]}}, nil
	}, 10*time.Millisecond, 10)
	_, _ = c.Get(context.Background(), 1)
	time.Sleep(20 * time.Millisecond)
	_, _ = c.Get(context.Background(), 1)
	if n := queries.Load(); n != 2 {
		t.Fatalf("%d queries, want a reload after the TTL", n)
	}
	if _, err := c.Get(context.Background(), 404); models.ErrorCode(err) != models.CodeNotFound {
		t.Fatalf("missing person: %v", err)
	}
}

// Warm loads an account's members in one query per 500; their events then
// render without a query of their own.
func TestEventUsersWarm(t *testing.T) {
	var queries, rows atomic.Int64
	c := NewEventUsers(func(ctx context.Context, ids []int64) ([]*models.User, error) {
		queries.Add(1)
		rows.Add(int64(len(ids)))
		out := make([]*models.User, len(ids))
		for i, id := range ids {
			out[i] = &models.User{ID: id}
		}
		return out, nil
	}, time.Hour, 10_000)
	ids := make([]int64, 1200)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	if err := c.Warm(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	if q, r := queries.Load(), rows.Load(); q != 3 || r != 1200 {
		t.Fatalf("warming 1200 people took %d queries for %d rows, want 3 for 1200", q, r)
	}
	for _, id := range []int64{1, 600, 1200} {
		if u, err := c.Get(context.Background(), id); err != nil || u.ID != id {
			t.Fatalf("Get(%d): %v, %v", id, u, err)
		}
	}
	if q := queries.Load(); q != 3 {
		t.Fatalf("Get after Warm queried again (%d queries)", q)
	}
}
