package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/models"
)

// Store is what the worker needs of the store (db.Store).
type Store interface {
	ClaimWebhookDeliveries(ctx context.Context, worker string, limit int, lease time.Duration) ([]db.WebhookJob, error)
	RecordWebhookAttempt(ctx context.Context, job db.WebhookJob, worker string, r db.WebhookAttemptResult, retry db.WebhookRetry) (bool, error)
	ReleaseWebhookDeliveries(ctx context.Context, worker string) (int64, error)
	PurgeWebhookDeliveries(ctx context.Context, before time.Time, limit int) (int64, error)
	RaiseExpiredInvitations(ctx context.Context, limit int) (int, error)
}

// WorkerOptions tune a Worker. Zero fields take the defaults shown.
type WorkerOptions struct {
	// WorkerID names this worker in the leases. Default: the host name and
	// a random suffix.
	WorkerID string
	// PollInterval is how long the worker sleeps with nothing due (a Kick
	// wakes it sooner). Default 1s.
	PollInterval time.Duration
	// BatchSize is how many deliveries one claim leases. Default 100.
	BatchSize int
	// Concurrency is how many deliveries are in flight at once. Default 16.
	Concurrency int
	// Lease is how long a claim holds its deliveries; a worker that dies
	// has them retaken by another after this. Default 2m, at least twice
	// the client's Timeout.
	Lease time.Duration
	// MinBackoff and MaxBackoff bound the delay before a failed delivery
	// is tried again: MinBackoff doubled per failed attempt, capped at
	// MaxBackoff. Defaults 5s and 1h; deliveries are given up RetryFor
	// (db.Options.WebhookRetryFor) after they were queued.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// DisableAfter disables an endpoint whose deliveries have all failed
	// for this long, and mails its organization's owners. Default 24h.
	DisableAfter time.Duration
	// Retention is how long finished deliveries and their attempts are
	// kept. Default 30 days.
	Retention time.Duration
	// SweepInterval is how often expired invitations are looked for, to
	// raise invitation.expired. Default 30s.
	SweepInterval time.Duration
	Logger        *slog.Logger
	// Now is the clock attempts are stamped and signed with (the store's).
	// Default time.Now.
	Now func() time.Time
	// Registerer, when set, gets rollcall_webhook_attempts_total (label
	// outcome: succeeded, failed) and rollcall_webhook_endpoints_disabled_total.
	Registerer prometheus.Registerer
}

const (
	purgeInterval = 10 * time.Minute
	purgeBatch    = 500
	sweepBatch    = 200
	recordTimeout = 10 * time.Second
)

func (o WorkerOptions) withDefaults(client ClientOptions) WorkerOptions {
	if o.WorkerID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "webhook-worker"
		}
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.WorkerID = host + "-" + hex.EncodeToString(b)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	o.Lease = max(o.Lease, 2*client.Timeout)
	if o.MinBackoff <= 0 {
		o.MinBackoff = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.DisableAfter <= 0 {
		o.DisableAfter = 24 * time.Hour
	}
	if o.Retention <= 0 {
		o.Retention = 30 * 24 * time.Hour
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Worker delivers queued webhook messages. Every node may run one: leases
// keep two from sending the same delivery, and whichever node marks an
// expired invitation first raises its event.
type Worker struct {
	store    Store
	client   *Client
	opts     WorkerOptions
	log      *slog.Logger
	kick     chan struct{}
	running  atomic.Bool
	attempts *prometheus.CounterVec
	disabled prometheus.Counter
}

// NewWorker returns a Worker sending store's deliveries through client.
func NewWorker(store Store, client *Client, opts WorkerOptions) *Worker {
	opts = opts.withDefaults(client.opts)
	w := &Worker{store: store, client: client, opts: opts, kick: make(chan struct{}, 1),
		log: opts.Logger.With(slog.String("webhook_worker", opts.WorkerID)),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_webhook_attempts_total", Help: "Webhook delivery attempts, by outcome (a failed one is retried).",
		}, []string{"outcome"}),
		disabled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rollcall_webhook_endpoints_disabled_total", Help: "Webhook endpoints disabled after failing for a day.",
		}),
	}
	if r := opts.Registerer; r != nil {
		r.MustRegister(w.attempts, w.disabled)
	}
	w.attempts.WithLabelValues("succeeded")
	w.attempts.WithLabelValues("failed")
	return w
}

// Kick wakes the worker now; it never blocks.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done. On cancel it finishes the attempts in
// flight (bounded by the client's Timeout), starts no other, and releases
// its remaining leases so another node sends them at once.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("webhook: Worker.Run called while the worker is already running")
	}
	defer w.running.Store(false)
	defer w.release()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastPurge, lastSweep time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		default:
		}
		if time.Since(lastSweep) >= w.opts.SweepInterval {
			lastSweep = time.Now()
			if n, err := w.store.RaiseExpiredInvitations(ctx, sweepBatch); err != nil && ctx.Err() == nil {
				w.log.Warn("webhook: raising expired invitations", slog.Any("error", err))
			} else if n == sweepBatch {
				lastSweep = time.Time{} // more are waiting
			}
		}
		if time.Since(lastPurge) >= purgeInterval {
			lastPurge = time.Now()
			w.purge(ctx)
		}
		jobs, err := w.store.ClaimWebhookDeliveries(ctx, w.opts.WorkerID, w.opts.BatchSize, w.opts.Lease)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("webhook: claiming deliveries", slog.Any("error", err))
		}
		if len(jobs) > 0 {
			w.deliver(ctx, jobs)
			if len(jobs) == w.opts.BatchSize {
				continue
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(w.opts.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-timer.C:
		}
	}
}

// deliver sends jobs, Concurrency at a time, and records each outcome.
// Once ctx is done no new attempt starts; those in flight finish.
func (w *Worker) deliver(ctx context.Context, jobs []db.WebhookJob) {
	sem := make(chan struct{}, w.opts.Concurrency)
	var wg sync.WaitGroup
	for _, job := range jobs {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.attempt(context.WithoutCancel(ctx), job)
		}()
	}
	wg.Wait()
}

func (w *Worker) attempt(ctx context.Context, job db.WebhookJob) {
	sendCtx, cancel := context.WithTimeout(ctx, w.client.opts.Timeout)
	res := w.client.Send(sendCtx, job.Endpoint, job.Delivery, w.opts.Now())
	cancel()
	outcome := "succeeded"
	if !res.Succeeded {
		outcome = "failed"
	}
	w.attempts.WithLabelValues(outcome).Inc()
	recCtx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	retry := db.WebhookRetry{DisableAfter: w.opts.DisableAfter, Backoff: func(n int) time.Duration {
		return models.WebhookBackoff(n, w.opts.MinBackoff, w.opts.MaxBackoff)
	}}
	disabled, err := w.store.RecordWebhookAttempt(recCtx, job, w.opts.WorkerID, res, retry)
	if err != nil {
		w.log.Warn("webhook: recording an attempt", slog.Int64("delivery", job.Delivery.ID), slog.Any("error", err))
		return
	}
	if disabled {
		w.disabled.Inc()
		w.log.Warn("webhook endpoint disabled after failing too long", slog.Int64("endpoint", job.Endpoint.ID),
			slog.Int64("organization", job.Endpoint.OrganizationID))
	}
}

func (w *Worker) purge(ctx context.Context) {
	before := w.opts.Now().Add(-w.opts.Retention)
	for range 20 {
		n, err := w.store.PurgeWebhookDeliveries(ctx, before, purgeBatch)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("webhook: purging old deliveries", slog.Any("error", err))
			}
			return
		}
		if n < purgeBatch {
			return
		}
	}
}

func (w *Worker) release() {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	if _, err := w.store.ReleaseWebhookDeliveries(ctx, w.opts.WorkerID); err != nil {
		w.log.Warn("webhook: releasing leases", slog.Any("error", err))
	}
}
