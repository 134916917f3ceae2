package webhook

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
)

// PresenceStore is what the relay needs of the store (db.Store).
type PresenceStore interface {
	PresenceWebhookUsers(ctx context.Context, limit int) ([]int64, error)
	RaisePresenceChanged(ctx context.Context, st models.PresenceState) error
}

// Claim reports whether this node takes userID's presence window: true for
// one caller per window across every node (Redis SET NX), so each change
// is raised once.
type Claim func(ctx context.Context, userID int64, window time.Duration) (bool, error)

// RelayOptions tune a PresenceRelay. Zero fields take the defaults shown.
type RelayOptions struct {
	// Window debounces a person's changes: the first change opens it, and
	// when it ends the person's status then is raised — at most one
	// presence.changed per person per Window. Default 5s.
	Window time.Duration
	// Refresh is how often the people to watch are read again (endpoints
	// added, members joining). Default 30s.
	Refresh time.Duration
	// MaxUsers bounds the people watched. Default 100000.
	MaxUsers int
	Logger   *slog.Logger
}

// PresenceRelay raises presence.changed, debounced, for the people of the
// organizations whose endpoints asked for it: it watches their presence
// like a directory stream does, and of the nodes that see a change, the
// one that claims the person's window raises it when the window ends.
type PresenceRelay struct {
	presence presence.Service
	store    PresenceStore
	claim    Claim
	opts     RelayOptions
	log      *slog.Logger
	wg       sync.WaitGroup
	kick     chan struct{}
}

// Kick makes the relay read the people to watch now (an endpoint changed
// on this node; other nodes see it at their next Refresh). It never blocks.
func (r *PresenceRelay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// NewPresenceRelay returns a relay; start it with Run.
func NewPresenceRelay(p presence.Service, store PresenceStore, claim Claim, opts RelayOptions) *PresenceRelay {
	if opts.Window <= 0 {
		opts.Window = 5 * time.Second
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 30 * time.Second
	}
	if opts.MaxUsers <= 0 {
		opts.MaxUsers = 100_000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &PresenceRelay{presence: p, store: store, claim: claim, opts: opts, log: opts.Logger, kick: make(chan struct{}, 1)}
}

// Run relays until ctx ends, then waits for the windows it opened. It
// holds a presence watcher only while someone is to be watched, and opens
// a new one at the next refresh when one closes (a slow consumer, a
// presence shutdown).
func (r *PresenceRelay) Run(ctx context.Context) {
	defer r.wg.Wait()
	var w *presence.Watcher
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	update := func() {
		ids, err := r.store.PresenceWebhookUsers(ctx, r.opts.MaxUsers)
		switch {
		case err != nil:
		case len(ids) == 0 && w != nil:
			w.Close()
			w = nil
		case len(ids) > 0 && w == nil:
			w, err = r.presence.Watch(ctx, ids)
		case len(ids) > 0:
			_, err = w.Replace(ctx, ids)
		}
		if err != nil && ctx.Err() == nil {
			r.log.Warn("webhook presence relay: reading the people to watch", slog.Any("error", err))
		}
	}
	refresh := time.NewTicker(r.opts.Refresh)
	defer refresh.Stop()
	update()
	for {
		var changes <-chan models.PresenceChange
		if w != nil {
			changes = w.C
		}
		select {
		case <-ctx.Done():
			return
		case <-refresh.C:
			update()
		case <-r.kick:
			update()
		case ch, ok := <-changes:
			if !ok {
				w = nil // closed: the next refresh opens another
				continue
			}
			r.changed(ctx, ch.UserID)
		}
	}
}

// changed opens userID's window if no node holds it, and raises the
// person's status when it ends.
func (r *PresenceRelay) changed(ctx context.Context, userID int64) {
	ok, err := r.claim(ctx, userID, r.opts.Window)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			r.log.Warn("webhook presence relay: claiming a window", slog.Any("error", err))
		}
		return
	}
	r.wg.Add(1)
	time.AfterFunc(r.opts.Window, func() {
		defer r.wg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		states, err := r.presence.States(ctx, []int64{userID})
		if err == nil {
			err = r.store.RaisePresenceChanged(ctx, states[userID])
		}
		if err != nil {
			r.log.Warn("webhook presence relay: raising presence.changed", slog.Int64("user", userID), slog.Any("error", err))
		}
	})
}

// LocalClaim is the Claim of a node alone (no Redis): a window per person
// in this process's memory.
func LocalClaim() Claim {
	var mu sync.Mutex
	until := map[int64]time.Time{}
	return func(_ context.Context, userID int64, window time.Duration) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if now.Before(until[userID]) {
			return false, nil
		}
		if len(until) >= 4096 { // keep the map to the open windows
			for id, t := range until {
				if now.After(t) {
					delete(until, id)
				}
			}
		}
		until[userID] = now.Add(window)
		return true, nil
	}
}
