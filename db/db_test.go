package db_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

func TestMigrationsTwoNodesAtOnce(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := db.Open(ctx, store.URL, nil)
				if err == nil {
					_ = d.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent start: %v", err)
			}
		}
	})
}

// flakySender fails its first failures sends, then records each delivery.
type flakySender struct {
	mu       sync.Mutex
	failures int
	sent     map[int64]int
}

func (s *flakySender) Send(_ context.Context, m *models.OutboxMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return errors.New("smtp: connection refused")
	}
	s.sent[m.ID]++
	return nil
}

func (s *flakySender) count() (total int, dup bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.sent {
		total++
		dup = dup || n > 1
	}
	return total, dup
}

func TestOutboxTwoWorkersDeliverEachOnceDespiteFailures(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		d, err := db.Open(ctx, store.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		const n = 30
		if err := db.InsertOutboxForTest(ctx, d, n); err != nil {
			t.Fatal(err)
		}
		sender := &flakySender{failures: 10, sent: map[int64]int{}}
		opts := mailer.WorkerOptions{PollInterval: 5 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Lease: 5 * time.Second, SendTimeout: time.Second, BatchSize: 4, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			w := mailer.NewWorker(d, sender, opts)
			wg.Add(1)
			go func() { defer wg.Done(); _ = w.Run(ctx) }()
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			backlog, err := d.OutboxBacklog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if backlog == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("backlog still %d", backlog)
			}
			time.Sleep(10 * time.Millisecond) // polling the store: no event to wait on
		}
		cancel()
		wg.Wait()
		total, dup := sender.count()
		if total != n || dup {
			t.Fatalf("delivered %d distinct of %d, duplicates: %v", total, n, dup)
		}
	})
}
