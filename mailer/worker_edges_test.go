package mailer

import (
	"context"
	"testing"
	"time"
)

// A stopping worker gives back the messages it claimed but did not send, so
// they go out at once from another worker, not after the lease.
func TestWorkerReleasesClaimsOnStop(t *testing.T) {
	outbox := newFakeOutbox()
	ids := outbox.add(3)
	sender := &blockingSender{started: make(chan int64, 10), release: make(chan struct{})}
	opts := fastOptions("w1")
	opts.Lease = time.Hour // only a release can hand the rest over within the test
	w := NewWorker(outbox, sender, opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case <-sender.started:
	case <-time.After(5 * time.Second):
		t.Fatal("no send started")
	}
	cancel()
	close(sender.release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	outbox.mu.Lock()
	for _, r := range outbox.rows[1:] {
		if r.SentAt != nil || r.LockedBy != nil || r.LockedUntil != nil {
			t.Errorf("message %d after stop: sent %v, locked by %v until %v", r.ID, r.SentAt, r.LockedBy, r.LockedUntil)
		}
	}
	if outbox.released != 2 {
		t.Errorf("released %d claims, want 2", outbox.released)
	}
	outbox.mu.Unlock()

	other := newRecordingSender()
	runWorker(t, NewWorker(outbox, other, opts))
	outbox.waitFor(t, "the released messages to be sent by another worker", outbox.allSent)
	for _, id := range ids[1:] {
		if other.count(id) != 1 {
			t.Errorf("message %d sent %d times by the second worker", id, other.count(id))
		}
	}
}

// Delivered rows lose their bodies, and rows past the retention are deleted;
// unsent rows are kept whatever their age.
func TestWorkerRedactsAndPurges(t *testing.T) {
	outbox := newFakeOutbox()
	outbox.add(4)
	sender := newRecordingSender()
	opts := fastOptions("w1")
	opts.Retention = time.Millisecond
	opts.PurgeInterval = time.Millisecond
	opts.PurgeBatch = 2 // several batches per turn
	stop, _ := runWorker(t, NewWorker(outbox, sender, opts))
	outbox.waitFor(t, "every sent row to be purged", func() bool {
		for _, r := range outbox.rows {
			if r.Kind != "purged" {
				return false
			}
		}
		return true
	})
	stop()

	// A failing message stays, with its body, however old.
	outbox = newFakeOutbox()
	outbox.add(1)
	failing := newRecordingSender()
	failing.failing = true
	stop, _ = runWorker(t, NewWorker(outbox, failing, opts))
	outbox.waitFor(t, "two failed attempts and a purge", func() bool { return outbox.rows[0].Attempts >= 2 && outbox.purges >= 2 })
	stop()
	outbox.mu.Lock()
	defer outbox.mu.Unlock()
	if r := outbox.rows[0]; r.Kind == "purged" || r.TextBody == "" {
		t.Errorf("an unsent message was purged or emptied: %+v", r)
	}
}
