package mailer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rollcall/rollcall/models"
)

// fakeOutbox is an in-memory models.Outbox with real leases: a claim locks a
// row for the lease, and only the lease holder may record its outcome.
type fakeOutbox struct {
	mu      sync.Mutex
	rows    []*models.OutboxMessage
	claims  int
	changed chan struct{} // closed and replaced on every change
	// claimErr, while set, fails every claim.
	claimErr error
	// released and purges count ReleaseOutbox rows and PurgeSentOutbox calls.
	released int64
	purges   int
	// markFailures fails that many MarkOutboxSent calls (a store that
	// cannot be reached) before they succeed again; markCalls counts them.
	markFailures int
	markCalls    int
}

func newFakeOutbox() *fakeOutbox { return &fakeOutbox{changed: make(chan struct{})} }

var _ models.Outbox = (*fakeOutbox)(nil)

// notify wakes waitFor; callers hold mu.
func (f *fakeOutbox) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// add enqueues n messages due now and returns their IDs.
func (f *fakeOutbox) add(n int) []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []int64
	now := time.Now()
	for range n {
		id := int64(len(f.rows) + 1)
		f.rows = append(f.rows, &models.OutboxMessage{
			ID: id, Kind: string(models.MailInvitation), ToAddress: fmt.Sprintf("user%d@example.com", id),
			Subject: fmt.Sprintf("message %d", id), TextBody: "hello\n", HTMLBody: "<p>hello</p>",
			NextAttemptAt: now, CreatedAt: now,
		})
		ids = append(ids, id)
	}
	f.notify()
	return ids
}

func (f *fakeOutbox) ClaimOutbox(ctx context.Context, worker string, limit int, lease time.Duration) ([]*models.OutboxMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims++
	defer f.notify()
	if f.claimErr != nil {
		return nil, f.claimErr
	}
	now := time.Now()
	var out []*models.OutboxMessage
	for _, r := range f.rows {
		if len(out) == limit {
			break
		}
		if r.SentAt != nil || r.NextAttemptAt.After(now) || (r.LockedUntil != nil && r.LockedUntil.After(now)) {
			continue
		}
		until := now.Add(lease)
		r.LockedBy, r.LockedUntil = &worker, &until
		c := *r
		out = append(out, &c)
	}
	return out, nil
}

// holder checks worker's lease on id; callers hold mu.
func (f *fakeOutbox) holder(id int64, worker string) (*models.OutboxMessage, error) {
	if id < 1 || int(id) > len(f.rows) {
		return nil, fmt.Errorf("no message %d", id)
	}
	r := f.rows[id-1]
	if r.SentAt != nil {
		return nil, fmt.Errorf("message %d already sent", id)
	}
	if r.LockedBy == nil || *r.LockedBy != worker || !r.LockedUntil.After(time.Now()) {
		return nil, fmt.Errorf("message %d: %s holds no lease", id, worker)
	}
	return r, nil
}

func (f *fakeOutbox) MarkOutboxSent(_ context.Context, id int64, worker string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.markCalls++
	if f.markFailures > 0 {
		f.markFailures--
		f.notify()
		return errors.New("store: dial tcp 127.0.0.1:3306: connect: connection refused")
	}
	r, err := f.holder(id, worker)
	if err != nil {
		return err
	}
	now := time.Now()
	r.SentAt, r.LockedBy, r.LockedUntil = &now, nil, nil
	r.TextBody, r.HTMLBody = "", ""
	f.notify()
	return nil
}

func (f *fakeOutbox) ReleaseOutbox(_ context.Context, worker string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, r := range f.rows {
		if r.SentAt == nil && r.LockedUntil != nil && r.LockedBy != nil && *r.LockedBy == worker {
			r.LockedBy, r.LockedUntil = nil, nil
			n++
		}
	}
	f.released += n
	f.notify()
	return n, nil
}

func (f *fakeOutbox) PurgeSentOutbox(_ context.Context, before time.Time, limit int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.purges++
	var n int64
	for i, r := range f.rows {
		if int(n) == limit {
			break
		}
		if r.Kind != "purged" && r.SentAt != nil && r.SentAt.Before(before) {
			// Rows keep their index (IDs are positions); a purged row is
			// a tombstone nobody claims.
			f.rows[i] = &models.OutboxMessage{ID: r.ID, Kind: "purged", SentAt: r.SentAt}
			n++
		}
	}
	f.notify()
	return n, nil
}

func (f *fakeOutbox) MarkOutboxFailed(_ context.Context, id int64, worker, lastErr string, next time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.holder(id, worker)
	if err != nil {
		return err
	}
	r.Attempts++
	r.LastError = &lastErr
	r.NextAttemptAt = next
	r.LockedBy, r.LockedUntil = nil, nil
	f.notify()
	return nil
}

func (f *fakeOutbox) OutboxBacklog(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, r := range f.rows {
		if r.SentAt == nil {
			n++
		}
	}
	return n, nil
}

// waitFor waits, up to a deadline, until cond (called under the outbox lock)
// holds. It wakes on every outbox change: no sleeping.
func (f *fakeOutbox) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		f.mu.Lock()
		ok := cond()
		ch := f.changed
		f.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (f *fakeOutbox) allSent() bool {
	for _, r := range f.rows {
		if r.SentAt == nil {
			return false
		}
	}
	return true
}

// recordingSender counts deliveries per message and fails while failing is set.
type recordingSender struct {
	mu      sync.Mutex
	sends   map[int64]int
	failing bool
}

func newRecordingSender() *recordingSender { return &recordingSender{sends: map[int64]int{}} }

func (s *recordingSender) Send(_ context.Context, m *models.OutboxMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		return errors.New("smtp: 421 service not available")
	}
	s.sends[m.ID]++
	return nil
}

func (s *recordingSender) count(id int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sends[id]
}

func fastOptions(id string) WorkerOptions {
	return WorkerOptions{
		WorkerID:     id,
		PollInterval: 5 * time.Millisecond,
		BatchSize:    3,
		Lease:        10 * time.Second,
		SendTimeout:  3 * time.Second,
		MinBackoff:   time.Millisecond,
		MaxBackoff:   10 * time.Millisecond,
		Logger:       discardLogger(),
	}
}

// runWorker starts w.Run and returns a stop function that cancels it and
// waits (with a deadline) for Run to return nil.
func runWorker(t *testing.T, w *Worker) (stop func(), done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- w.Run(ctx) }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-ch:
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop, ch
}

func TestWorkerSMTPDownThenUp(t *testing.T) {
	addr := freeAddr(t)
	sender, err := Open("smtp://"+addr+"?tls=none", discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	outbox := newFakeOutbox()
	ids := outbox.add(5)
	w := NewWorker(outbox, sender, fastOptions("w1"))
	stop, _ := runWorker(t, w)

	outbox.waitFor(t, "every message to fail twice", func() bool {
		for _, r := range outbox.rows {
			if r.Attempts < 2 {
				return false
			}
		}
		return true
	})
	outbox.mu.Lock()
	for _, r := range outbox.rows {
		if r.SentAt != nil || r.LastError == nil || !strings.Contains(*r.LastError, addr) {
			t.Errorf("message %d while SMTP is down: sent %v, last error %v", r.ID, r.SentAt, r.LastError)
		}
	}
	outbox.mu.Unlock()

	srv := startSMTP(t, smtpServerOptions{Addr: addr}) // the server comes back
	outbox.waitFor(t, "every message to be sent", outbox.allSent)
	stop()

	seen := map[string]int{}
	for _, d := range srv.Deliveries() {
		seen[parseDelivery(t, d).Subject]++
	}
	for _, id := range ids {
		if n := seen[fmt.Sprintf("message %d", id)]; n != 1 {
			t.Errorf("message %d delivered %d times, want once", id, n)
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("server got %v", seen)
	}
	if n, _ := outbox.OutboxBacklog(context.Background()); n != 0 {
		t.Errorf("backlog %d after delivery", n)
	}
}

func TestWorkerTwoWorkersExactlyOnce(t *testing.T) {
	outbox := newFakeOutbox()
	ids := outbox.add(60)
	sender := newRecordingSender()
	reg := prometheus.NewRegistry()
	o1, o2 := fastOptions("w1"), fastOptions("w2")
	o1.Registerer, o2.Registerer = reg, reg // shared counters, no registration panic
	stop1, _ := runWorker(t, NewWorker(outbox, sender, o1))
	stop2, _ := runWorker(t, NewWorker(outbox, sender, o2))
	outbox.waitFor(t, "every message to be sent", outbox.allSent)
	stop1()
	stop2()
	for _, id := range ids {
		if n := sender.count(id); n != 1 {
			t.Errorf("message %d sent %d times, want once", id, n)
		}
	}
	if got := counterValue(t, reg, "rollcall_mail_sent_total", "invitation"); got != float64(len(ids)) {
		t.Errorf("rollcall_mail_sent_total = %v, want %d", got, len(ids))
	}
}

func TestWorkerRetriesUntilSent(t *testing.T) {
	outbox := newFakeOutbox()
	ids := outbox.add(4)
	sender := newRecordingSender()
	sender.failing = true
	reg := prometheus.NewRegistry()
	opts := fastOptions("w1")
	opts.Registerer = reg
	runWorker(t, NewWorker(outbox, sender, opts))

	outbox.waitFor(t, "three failures each", func() bool {
		return !slices.ContainsFunc(outbox.rows, func(r *models.OutboxMessage) bool { return r.Attempts < 3 })
	})
	sender.mu.Lock()
	sender.failing = false
	sender.mu.Unlock()
	outbox.waitFor(t, "every message to be sent", outbox.allSent)
	for _, id := range ids {
		if n := sender.count(id); n != 1 {
			t.Errorf("message %d sent %d times", id, n)
		}
	}
	if got := counterValue(t, reg, "rollcall_mail_failed_total", "invitation"); got < 12 {
		t.Errorf("rollcall_mail_failed_total = %v, want >= 12", got)
	}
}

func TestWorkerClaimErrorsRetried(t *testing.T) {
	outbox := newFakeOutbox()
	outbox.claimErr = errors.New("database is locked")
	outbox.add(2)
	sender := newRecordingSender()
	runWorker(t, NewWorker(outbox, sender, fastOptions("w1")))
	outbox.waitFor(t, "failed claims", func() bool { return outbox.claims >= 3 })
	outbox.mu.Lock()
	outbox.claimErr = nil
	outbox.mu.Unlock()
	outbox.waitFor(t, "every message to be sent", outbox.allSent)
}

func TestWorkerKick(t *testing.T) {
	outbox := newFakeOutbox()
	sender := newRecordingSender()
	opts := fastOptions("w1")
	opts.PollInterval = time.Hour
	w := NewWorker(outbox, sender, opts)
	runWorker(t, w)
	outbox.waitFor(t, "the first (empty) claim", func() bool { return outbox.claims >= 1 })
	ids := outbox.add(1)
	w.Kick()
	w.Kick() // kicks coalesce and never block
	outbox.waitFor(t, "the kicked message to be sent", outbox.allSent)
	if sender.count(ids[0]) != 1 {
		t.Error("kicked message not sent once")
	}
}

func TestWorkerStop(t *testing.T) {
	t.Run("OK/Idle", func(t *testing.T) {
		outbox := newFakeOutbox()
		opts := fastOptions("w1")
		opts.PollInterval = time.Hour
		w := NewWorker(outbox, newRecordingSender(), opts)
		stop, _ := runWorker(t, w)
		outbox.waitFor(t, "the first claim", func() bool { return outbox.claims >= 1 })
		stop() // fails the test unless Run returns promptly
	})

	t.Run("OK/FinishesMessageInFlight", func(t *testing.T) {
		outbox := newFakeOutbox()
		ids := outbox.add(3)
		sender := &blockingSender{started: make(chan int64, 10), release: make(chan struct{})}
		w := NewWorker(outbox, sender, fastOptions("w1"))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()

		var first int64
		select {
		case first = <-sender.started:
		case <-time.After(5 * time.Second):
			t.Fatal("no send started")
		}
		cancel()
		select {
		case <-done:
			t.Fatal("Run returned with a message in flight")
		default:
		}
		close(sender.release)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after the message in flight")
		}
		if first != ids[0] {
			t.Errorf("first send was message %d", first)
		}
		if n := len(sender.started); n != 0 {
			t.Errorf("%d more messages started after cancel", n)
		}
		if sender.ctxErr != nil {
			t.Errorf("the send in flight saw its context cancelled: %v", sender.ctxErr)
		}
		outbox.mu.Lock()
		defer outbox.mu.Unlock()
		if outbox.rows[0].SentAt == nil {
			t.Error("message in flight not recorded as sent")
		}
		if outbox.rows[1].SentAt != nil || outbox.rows[2].SentAt != nil {
			t.Error("messages sent after cancel")
		}
	})

	t.Run("ErrAlreadyRunning", func(t *testing.T) {
		outbox := newFakeOutbox()
		w := NewWorker(outbox, newRecordingSender(), fastOptions("w1"))
		runWorker(t, w)
		outbox.waitFor(t, "the first claim", func() bool { return outbox.claims >= 1 })
		if err := w.Run(context.Background()); err == nil {
			t.Error("second Run on a running worker succeeded")
		}
	})
}

// blockingSender blocks each Send until release is closed.
type blockingSender struct {
	started chan int64
	release chan struct{}
	ctxErr  error // the send context's error once released
}

func (s *blockingSender) Send(ctx context.Context, m *models.OutboxMessage) error {
	s.started <- m.ID
	<-s.release
	s.ctxErr = ctx.Err()
	return nil
}

func TestWorkerDefaults(t *testing.T) {
	w := NewWorker(newFakeOutbox(), newRecordingSender(), WorkerOptions{Lease: 30 * time.Second})
	o := w.opts
	if o.WorkerID == "" || o.PollInterval != defaultPollInterval || o.BatchSize != defaultBatchSize ||
		o.MinBackoff != time.Minute || o.MaxBackoff != time.Hour || o.Logger == nil {
		t.Errorf("defaults = %+v", o)
	}
	if o.SendTimeout != 15*time.Second {
		t.Errorf("SendTimeout = %v, want half the lease", o.SendTimeout)
	}
	if other := NewWorker(newFakeOutbox(), newRecordingSender(), WorkerOptions{}); other.ID() == w.ID() {
		t.Errorf("two workers share the ID %s", w.ID())
	}
}

func TestBackoff(t *testing.T) {
	lo, hi := time.Minute, time.Hour
	for _, tt := range []struct {
		attempts int
		max      time.Duration
	}{
		{0, time.Minute}, {1, 2 * time.Minute}, {2, 4 * time.Minute}, {5, 32 * time.Minute},
		{6, time.Hour}, {7, time.Hour}, {64, time.Hour}, {1 << 30, time.Hour},
	} {
		for range 50 {
			d := backoff(tt.attempts, lo, hi)
			if d > tt.max || d < tt.max*3/4 {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tt.attempts, d, tt.max*3/4, tt.max)
			}
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("héllo", 2); got != "h" {
		t.Errorf("truncate cut a rune: %q", got)
	}
	if got := truncate("abc", 10); got != "abc" {
		t.Errorf("truncate = %q", got)
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name, kind string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// A store fault between sending a message and recording it: the worker keeps
// trying to record it while its lease holds, so the message is sent once,
// even with a second worker polling the outbox all along.
func TestWorkerRecordsSentAfterStoreFault(t *testing.T) {
	outbox := newFakeOutbox()
	outbox.markFailures = 4
	ids := outbox.add(1)
	sender := newRecordingSender()
	stop1, _ := runWorker(t, NewWorker(outbox, sender, fastOptions("w1")))
	stop2, _ := runWorker(t, NewWorker(outbox, sender, fastOptions("w2")))
	outbox.waitFor(t, "the message to be recorded", outbox.allSent)
	stop1()
	stop2()
	if n := sender.count(ids[0]); n != 1 {
		t.Fatalf("message sent %d times across a store fault, want once", n)
	}
	outbox.mu.Lock()
	defer outbox.mu.Unlock()
	if outbox.markCalls != 5 {
		t.Fatalf("MarkOutboxSent called %d times, want 4 failures and 1 success", outbox.markCalls)
	}
}

// A worker stopped while the store still refuses the record keeps its claim
// rather than releasing a delivered message to another node at once.
func TestWorkerStoppedBeforeRecordKeepsClaim(t *testing.T) {
	outbox := newFakeOutbox()
	outbox.markFailures = 1 << 30
	ids := outbox.add(1)
	sender := newRecordingSender()
	stop, _ := runWorker(t, NewWorker(outbox, sender, fastOptions("w1")))
	outbox.waitFor(t, "a failed record", func() bool { return outbox.markCalls >= 2 })
	stop()
	outbox.mu.Lock()
	defer outbox.mu.Unlock()
	r := outbox.rows[0]
	if sender.count(ids[0]) != 1 || r.SentAt != nil {
		t.Fatalf("sent %d times, recorded %v", sender.count(ids[0]), r.SentAt)
	}
	if outbox.released != 0 || r.LockedBy == nil || *r.LockedBy != "w1" {
		t.Fatalf("the delivered message was released (released %d, locked by %v)", outbox.released, r.LockedBy)
	}
}
