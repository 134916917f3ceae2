package db_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

// gateSender blocks each Send until gate is closed, after reporting it.
type gateSender struct {
	started chan int64
	gate    chan struct{}
}

func (s *gateSender) Send(_ context.Context, m *models.OutboxMessage) error {
	s.started <- m.ID
	<-s.gate
	return nil
}

// A worker stopped with claimed rows leaves them unclaimed, so another node
// sends them at once; a delivered row has empty bodies; the purge deletes
// only sent rows past the retention.
func TestOutboxReleaseRedactPurge(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, err := db.Open(ctx, store.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if err := db.InsertOutboxForTest(ctx, d, 4); err != nil {
			t.Fatal(err)
		}

		sender := &gateSender{started: make(chan int64, 10), gate: make(chan struct{})}
		w := mailer.NewWorker(d, sender, mailer.WorkerOptions{WorkerID: "stopping", BatchSize: 4, Lease: time.Hour,
			PollInterval: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- w.Run(runCtx) }()
		var first int64
		select {
		case first = <-sender.started:
		case <-time.After(10 * time.Second):
			t.Fatal("no send started")
		}
		cancel()
		close(sender.gate)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("worker did not stop")
		}

		// The three claimed but unsent rows are due again at once.
		got, err := d.ClaimOutbox(ctx, "other", 10, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("another worker claimed %d rows after the stop, want 3", len(got))
		}
		for _, m := range got {
			if m.ID == first {
				t.Fatalf("the delivered message %d was claimed again", first)
			}
		}
		if n, err := d.ReleaseOutbox(ctx, "other"); err != nil || n != 3 {
			t.Fatalf("ReleaseOutbox = %d, %v; want 3", n, err)
		}

		// The delivered row keeps its envelope, not its bodies.
		sent := outboxRow(t, d, first)
		if sent.SentAt == nil || sent.TextBody != "" || sent.HTMLBody != "" || sent.ToAddress == "" || sent.Subject == "" {
			t.Fatalf("delivered row: %+v", sent)
		}

		// Only sent rows older than the cut-off go.
		if n, err := d.PurgeSentOutbox(ctx, time.Now().Add(-time.Hour), 10); err != nil || n != 0 {
			t.Fatalf("purge of rows sent in the last hour: %d, %v", n, err)
		}
		if n, err := d.PurgeSentOutbox(ctx, time.Now().Add(time.Minute), 10); err != nil || n != 1 {
			t.Fatalf("purge: %d, %v; want the one sent row", n, err)
		}
		if backlog, err := d.OutboxBacklog(ctx); err != nil || backlog != 3 {
			t.Fatalf("backlog after purge %d, %v; want the 3 unsent rows", backlog, err)
		}
	})
}

func outboxRow(t *testing.T, d *db.DB, id int64) *models.OutboxMessage {
	t.Helper()
	m, err := db.FindOutboxForTest(context.Background(), d, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
