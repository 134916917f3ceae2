package mailer

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rollcall/rollcall/models"
)

// WorkerOptions tune a Worker. Zero fields take the defaults shown.
type WorkerOptions struct {
	// WorkerID names this worker in the outbox leases. Default: the host
	// name and a random suffix, unique per Worker.
	WorkerID string
	// PollInterval is how long the worker sleeps when the outbox has
	// nothing due (Kick wakes it earlier). Default 5s.
	PollInterval time.Duration
	// BatchSize is how many messages one claim leases. Default 10.
	BatchSize int
	// Lease is how long a claim holds its messages; a worker that dies has
	// its messages retaken by another after this. Default 5m.
	Lease time.Duration
	// SendTimeout bounds one delivery. A message is only started while the
	// lease has at least this long left, so a slow batch never sends a
	// message another worker may have retaken. Default 1m, at most Lease/2.
	SendTimeout time.Duration
	// MinBackoff and MaxBackoff bound the delay before a failed message is
	// tried again: MinBackoff doubled per earlier failure, capped at
	// MaxBackoff, minus up to a quarter at random. Defaults 1m and 1h.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Retention is how long a sent message's row (kind, recipient,
	// subject, when; its bodies are emptied on delivery) is kept before the
	// worker deletes it. Default 7 days.
	Retention time.Duration
	// PurgeInterval is how often the worker deletes rows past Retention,
	// PurgeBatch rows per statement and at most purgeRounds statements per
	// turn, so a large backlog never holds the table for long. Defaults 10m
	// and 500.
	PurgeInterval time.Duration
	PurgeBatch    int
	// Logger receives one line per failure. Default slog.Default().
	Logger *slog.Logger
	// Registerer, when set, gets the counters rollcall_mail_sent_total and
	// rollcall_mail_failed_total (label kind). Several workers may share
	// one Registerer: they then share the counters.
	Registerer prometheus.Registerer
}

const (
	defaultPollInterval = 5 * time.Second
	defaultBatchSize    = 10
	defaultLease        = 5 * time.Minute
	defaultSendTimeout  = time.Minute
	defaultMinBackoff   = time.Minute
	defaultMaxBackoff   = time.Hour
	// DefaultRetention is how long sent rows are kept (MAIL_RETENTION).
	DefaultRetention     = 7 * 24 * time.Hour
	defaultPurgeInterval = 10 * time.Minute
	defaultPurgeBatch    = 500
	// purgeRounds bounds the deletes of one purge turn; the rest waits for
	// the next turn.
	purgeRounds = 20
	// markTimeout bounds recording an outcome in the outbox.
	markTimeout = 10 * time.Second
	// maxErrorLen bounds the error text stored with a failed message.
	maxErrorLen = 1000
)

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.WorkerID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "mail-worker"
		}
		o.WorkerID = host + "-" + randomHex(4)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	if o.BatchSize <= 0 {
		o.BatchSize = defaultBatchSize
	}
	if o.Lease <= 0 {
		o.Lease = defaultLease
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = defaultSendTimeout
	}
	o.SendTimeout = min(o.SendTimeout, o.Lease/2)
	if o.MinBackoff <= 0 {
		o.MinBackoff = defaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = defaultMaxBackoff
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.PurgeInterval <= 0 {
		o.PurgeInterval = defaultPurgeInterval
	}
	if o.PurgeBatch <= 0 {
		o.PurgeBatch = defaultPurgeBatch
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Worker delivers the messages of a models.Outbox: it claims due messages
// under a lease, sends each, and records the outcome. A failed message is
// tried again later with exponential backoff, for as long as it takes: the
// worker never drops a message. Every node may run one; the leases keep them
// from sending the same message twice.
type Worker struct {
	outbox  models.Outbox
	sender  models.MailSender
	opts    WorkerOptions
	logger  *slog.Logger
	kick    chan struct{}
	running atomic.Bool
	// unrecorded holds messages delivered but not yet recorded when Run
	// was stopped (owned by Run's goroutine).
	unrecorded map[int64]struct{}
	sent       *prometheus.CounterVec
	failed     *prometheus.CounterVec
}

// NewWorker returns a Worker draining outbox through sender. Start it with Run.
func NewWorker(outbox models.Outbox, sender models.MailSender, opts WorkerOptions) *Worker {
	opts = opts.withDefaults()
	w := &Worker{
		outbox: outbox,
		sender: sender,
		opts:   opts,
		logger: opts.Logger.With(slog.String("worker", opts.WorkerID)),
		kick:   make(chan struct{}, 1),

		unrecorded: map[int64]struct{}{},
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_mail_sent_total",
			Help: "Emails delivered from the outbox, by kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_mail_failed_total",
			Help: "Failed delivery attempts from the outbox, by kind (each is retried).",
		}, []string{"kind"}),
	}
	if opts.Registerer != nil {
		w.sent = w.register(opts.Registerer, w.sent)
		w.failed = w.register(opts.Registerer, w.failed)
	}
	// Every kind is listed at 0 from the start, failures included.
	for _, k := range models.MailKinds {
		w.sent.WithLabelValues(string(k))
		w.failed.WithLabelValues(string(k))
	}
	return w
}

// register registers c, or returns the counter already registered under the
// same name (a second Worker on the same Registerer).
func (w *Worker) register(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			return existing
		}
	}
	w.logger.Warn("mail worker metrics not registered", slog.Any("error", err))
	return c
}

// ID is the name this worker leases messages under.
func (w *Worker) ID() string { return w.opts.WorkerID }

// Kick wakes the worker now instead of at its next poll, e.g. right after a
// transaction that enqueued a message commits. It never blocks; kicks while
// the worker is busy coalesce into one more round.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run delivers messages until ctx is done, then returns nil. On cancel it
// finishes the message in flight (send and record, detached from ctx and
// bounded by SendTimeout), sends no other, and releases the rest of its
// claims so that another node (or this one, restarted) sends them at once
// rather than after the lease. Every PurgeInterval it deletes sent rows older
// than Retention. Outbox errors are logged and retried at the next poll. Run
// returns an error only when the Worker is already running.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("mail: Worker.Run called while the worker is already running")
	}
	defer w.running.Store(false)
	defer w.release(ctx)
	w.logger.InfoContext(ctx, "mail worker started")
	timer := time.NewTimer(w.opts.PollInterval)
	defer timer.Stop()
	var lastPurge time.Time
	for {
		if time.Since(lastPurge) >= w.opts.PurgeInterval {
			w.purge(ctx)
			lastPurge = time.Now()
		}
		more := w.runBatch(ctx)
		if ctx.Err() != nil {
			break
		}
		if more {
			continue
		}
		timer.Reset(w.opts.PollInterval)
		select {
		case <-ctx.Done():
		case <-w.kick:
		case <-timer.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	w.logger.Info("mail worker stopped")
	return nil
}

// release gives back the claims this worker still holds, detached from ctx
// (which is done when Run stops) and bounded by markTimeout.
func (w *Worker) release(ctx context.Context) {
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	for id := range w.unrecorded {
		if err := w.outbox.MarkOutboxSent(relCtx, id, w.opts.WorkerID); err == nil {
			delete(w.unrecorded, id)
		}
	}
	if len(w.unrecorded) > 0 {
		// Releasing would hand a delivered message to another node at
		// once; keeping the claim sends it again only if the store stays
		// down past the lease.
		w.logger.Warn("mail claims kept: delivered messages not recorded yet; retaken when their lease expires",
			slog.Int("unrecorded", len(w.unrecorded)))
		return
	}
	n, err := w.outbox.ReleaseOutbox(relCtx, w.opts.WorkerID)
	if err != nil {
		w.logger.Warn("mail claims not released; retaken when their lease expires", slog.Any("error", err))
		return
	}
	if n > 0 {
		w.logger.Info("mail claims released", slog.Int64("messages", n))
	}
}

// purge deletes sent rows older than Retention, PurgeBatch at a time, at
// most purgeRounds batches per turn.
func (w *Worker) purge(ctx context.Context) {
	before := time.Now().Add(-w.opts.Retention)
	for range purgeRounds {
		n, err := w.outbox.PurgeSentOutbox(ctx, before, w.opts.PurgeBatch)
		if err != nil {
			if ctx.Err() == nil {
				w.logger.ErrorContext(ctx, "mail outbox purge failed", slog.Any("error", err))
			}
			return
		}
		if n < int64(w.opts.PurgeBatch) {
			return
		}
	}
}

// runBatch claims one batch and delivers it. It reports whether the batch was
// full and fully handled, so more messages may be due right now.
func (w *Worker) runBatch(ctx context.Context) bool {
	claimedAt := time.Now()
	msgs, err := w.outbox.ClaimOutbox(ctx, w.opts.WorkerID, w.opts.BatchSize, w.opts.Lease)
	if err != nil {
		if ctx.Err() == nil {
			w.logger.ErrorContext(ctx, "mail outbox claim failed", slog.Any("error", err))
		}
		return false
	}
	leaseEnd := claimedAt.Add(w.opts.Lease)
	for _, m := range msgs {
		if ctx.Err() != nil {
			return false
		}
		if time.Until(leaseEnd) < w.opts.SendTimeout {
			// Not enough lease left to be sure no other worker retakes the
			// message mid-send: leave the rest for the next claim.
			return false
		}
		w.deliver(ctx, m, leaseEnd)
	}
	return len(msgs) == w.opts.BatchSize
}

// deliver sends one message and records the outcome. It is detached from
// ctx's cancellation: once started, a message is finished.
func (w *Worker) deliver(ctx context.Context, m *models.OutboxMessage, leaseEnd time.Time) {
	base := context.WithoutCancel(ctx)
	sendCtx, cancel := context.WithTimeout(base, w.opts.SendTimeout)
	sendErr := w.sender.Send(sendCtx, m)
	cancel()

	markCtx, cancel := context.WithTimeout(base, markTimeout)
	defer cancel()
	kind := m.Kind
	if kind == "" {
		kind = "unknown"
	}
	if sendErr == nil {
		w.sent.WithLabelValues(kind).Inc()
		w.recordSent(ctx, m.ID, leaseEnd)
		return
	}

	w.failed.WithLabelValues(kind).Inc()
	delay := backoff(m.Attempts, w.opts.MinBackoff, w.opts.MaxBackoff)
	next := time.Now().Add(delay)
	level := slog.LevelWarn
	if delay >= w.opts.MaxBackoff*3/4 {
		level = slog.LevelError // at the cap: this is not a blip
	}
	w.logger.Log(ctx, level, "mail delivery failed; will retry",
		slog.Int64("outbox_id", m.ID),
		slog.String("kind", kind),
		slog.Int("attempt", m.Attempts+1),
		slog.Time("next_attempt", next),
		slog.Any("error", sendErr))
	if err := w.outbox.MarkOutboxFailed(markCtx, m.ID, w.opts.WorkerID, truncate(sendErr.Error(), maxErrorLen), next); err != nil {
		w.logger.ErrorContext(ctx, "mail failure not recorded; retried when the lease expires",
			slog.Int64("outbox_id", m.ID), slog.Any("error", err))
	}
}

// recordSent records a delivered message. While the store cannot take the
// record it tries again (100 ms, doubling to 2 s) for as long as this
// worker's lease on the message lasts: no other worker may retake it
// meanwhile, so a store outage shorter than the lease sends nothing twice.
// When the lease runs out first the message may be sent again, with the same
// Message-ID (a late record is harmless: the store takes it only from the
// lease holder). A stop (ctx done) ends the retries; release tries once more.
func (w *Worker) recordSent(ctx context.Context, id int64, leaseEnd time.Time) {
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
		err := w.outbox.MarkOutboxSent(markCtx, id, w.opts.WorkerID)
		cancel()
		if err == nil {
			if attempt > 1 {
				w.logger.InfoContext(ctx, "mail delivery recorded after a store fault", slog.Int64("outbox_id", id), slog.Int("attempts", attempt))
			}
			return
		}
		if time.Until(leaseEnd) < delay {
			w.logger.ErrorContext(ctx, "mail sent but not recorded before its lease ended; it may be sent again with the same Message-ID",
				slog.Int64("outbox_id", id), slog.Any("error", err))
			return
		}
		if attempt == 1 {
			w.logger.WarnContext(ctx, "mail sent but not recorded yet; retrying while the lease holds",
				slog.Int64("outbox_id", id), slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			w.unrecorded[id] = struct{}{}
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// backoff is the delay after a message's (attempts+1)th failure: lo doubled
// per earlier failure, capped at hi, less up to a quarter at random so that
// messages failed together do not retry together.
func backoff(attempts int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 0; i < attempts && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d - rand.N(d/4+1)
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
