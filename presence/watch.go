package presence

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rollcall/rollcall/models"
)

// Watcher receives the events of a set of users. Its queue is bounded and
// coalesces by user: while the reader is behind, only the latest state of
// each user is kept. When more distinct users are pending than
// Options.QueueSize, or the reader takes nothing for Options.StallTimeout,
// the watcher is closed with ErrSlowConsumer; the producer never blocks.
//
// C is closed when the watcher closes; Err then tells why (nil after Close).
type Watcher struct {
	C <-chan models.PresenceChange

	out   chan models.PresenceChange
	hub   *hub
	size  int
	stall time.Duration

	mu      sync.Mutex
	users   map[int64]struct{}
	pending map[int64]models.PresenceChange
	order   []int64
	lastV   map[int64]int64
	closed  bool
	err     error
	signal  chan struct{}
	done    chan struct{}
}

// Add watches more users. Like Service.Watch it returns once the
// subscription is effective.
func (w *Watcher) Add(ctx context.Context, userIDs ...int64) error {
	return w.hub.add(ctx, w, userIDs)
}

// Replace makes the watcher watch exactly userIDs and returns the ones it
// did not watch before (effective on return, like Add).
func (w *Watcher) Replace(ctx context.Context, userIDs []int64) ([]int64, error) {
	want := make(map[int64]bool, len(userIDs))
	var added []int64
	w.mu.Lock()
	for _, id := range userIDs {
		want[id] = true
		if _, ok := w.users[id]; !ok {
			added = append(added, id)
		}
	}
	var dropped []int64
	for id := range w.users {
		if !want[id] {
			dropped = append(dropped, id)
		}
	}
	w.mu.Unlock()
	if len(dropped) > 0 {
		w.Remove(dropped...)
	}
	if len(added) == 0 {
		return nil, nil
	}
	return added, w.Add(ctx, added...)
}

// Users lists the users watched, in no particular order.
func (w *Watcher) Users() []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Collect(maps.Keys(w.users))
}

// Remove stops watching users; their pending events are dropped.
func (w *Watcher) Remove(userIDs ...int64) {
	w.hub.remove(w, userIDs)
	w.mu.Lock()
	for _, id := range userIDs {
		if _, ok := w.pending[id]; ok {
			delete(w.pending, id)
			w.dropOrder(id)
		}
		delete(w.lastV, id)
	}
	w.mu.Unlock()
}

// Announce queues states read outside the event stream (e.g. of people
// just added) as events at time at, through the same queue as the
// backend's: states of people not watched, or not newer than what the
// watcher already delivered or queued, are dropped.
func (w *Watcher) Announce(at time.Time, states ...models.PresenceState) {
	for _, st := range states {
		if !w.offer(models.PresenceChange{UserID: st.UserID, State: st, At: at}) {
			return
		}
	}
}

// Close stops the watcher and closes C. It is idempotent.
func (w *Watcher) Close() {
	w.closeWith(nil)
	w.hub.remove(w, nil)
}

// Done is closed when the watcher closes.
func (w *Watcher) Done() <-chan struct{} { return w.done }

// Err reports why the watcher closed: nil (Close or still open),
// ErrSlowConsumer or ErrClosed.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Watcher) closeWith(err error) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closeLocked(err)
}

func (w *Watcher) closeLocked(err error) bool {
	if w.closed {
		return false
	}
	w.closed = true
	w.err = err
	w.pending = nil
	w.order = nil
	close(w.done)
	return true
}

func (w *Watcher) dropOrder(id int64) {
	for i, u := range w.order {
		if u == id {
			w.order = append(w.order[:i], w.order[i+1:]...)
			return
		}
	}
}

// offer queues ev without blocking. It reports false when the watcher is
// (now) closed, so the hub forgets it.
func (w *Watcher) offer(ev models.PresenceChange) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	if _, ok := w.users[ev.UserID]; !ok {
		return true
	}
	if ev.State.Version <= w.lastV[ev.UserID] {
		return true
	}
	w.lastV[ev.UserID] = ev.State.Version
	if _, ok := w.pending[ev.UserID]; ok {
		w.pending[ev.UserID] = ev
	} else {
		if len(w.pending) >= w.size {
			w.closeLocked(ErrSlowConsumer)
			return false
		}
		w.pending[ev.UserID] = ev
		w.order = append(w.order, ev.UserID)
	}
	select {
	case w.signal <- struct{}{}:
	default:
	}
	return true
}

// pump moves the head of the queue to C. While the reader is slow it keeps
// re-reading the head, so a coalesced (newer) state replaces the one on
// offer.
func (w *Watcher) pump() {
	defer close(w.out)
	var timer *time.Timer
	var blockedSince time.Time
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return
		}
		if len(w.order) == 0 {
			w.mu.Unlock()
			blockedSince = time.Time{}
			select {
			case <-w.signal:
				continue
			case <-w.done:
				return
			}
		}
		uid := w.order[0]
		ev := w.pending[uid]
		w.mu.Unlock()

		select {
		case w.out <- ev:
			w.sent(uid, ev.State.Version)
			blockedSince = time.Time{}
			continue
		default:
		}
		if blockedSince.IsZero() {
			blockedSince = time.Now()
		}
		wait := w.stall - time.Since(blockedSince)
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case w.out <- ev:
			w.sent(uid, ev.State.Version)
			blockedSince = time.Time{}
		case <-w.signal:
		case <-timer.C:
			if w.closeWith(ErrSlowConsumer) {
				w.hub.remove(w, nil)
			}
			return
		case <-w.done:
			timer.Stop()
			return
		}
		timer.Stop()
	}
}

func (w *Watcher) sent(uid, version int64) {
	w.mu.Lock()
	if cur, ok := w.pending[uid]; ok && cur.State.Version == version {
		delete(w.pending, uid)
		w.dropOrder(uid)
	}
	w.mu.Unlock()
}

// subscriber is what a backend does when the set of users watched on this
// node changes. Both methods are called with the hub lock held, so
// subscribe and unsubscribe requests reach the backend in order; subscribe
// returns a channel closed once the subscription is effective.
type subscriber interface {
	subscribe(userIDs []int64) <-chan struct{}
	unsubscribe(userIDs []int64)
}

// hub is the node-local index of watchers by user. It drops events whose
// version is not newer than the last one seen for that user.
type hub struct {
	sub   subscriber
	opts  Options
	mu    sync.Mutex
	users map[int64]*watched
	all   map[*Watcher]struct{}
	shut  bool
}

type watched struct {
	watchers map[*Watcher]struct{}
	sessions map[*SessionWatcher]struct{}
	last     models.PresenceState
	ready    <-chan struct{}
}

func newHub(sub subscriber, opts Options) *hub {
	return &hub{sub: sub, opts: opts, users: map[int64]*watched{}, all: map[*Watcher]struct{}{}}
}

func (h *hub) watch(ctx context.Context, userIDs []int64) (*Watcher, error) {
	out := make(chan models.PresenceChange)
	w := &Watcher{
		C: out, out: out, hub: h, size: h.opts.QueueSize, stall: h.opts.StallTimeout,
		users: map[int64]struct{}{}, pending: map[int64]models.PresenceChange{}, lastV: map[int64]int64{},
		signal: make(chan struct{}, 1), done: make(chan struct{}),
	}
	h.mu.Lock()
	if h.shut {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	h.all[w] = struct{}{}
	h.mu.Unlock()
	go w.pump()
	if err := h.add(ctx, w, userIDs); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (h *hub) add(ctx context.Context, w *Watcher, userIDs []int64) error {
	var waits []<-chan struct{}
	var fresh []int64
	h.mu.Lock()
	if h.shut {
		h.mu.Unlock()
		return ErrClosed
	}
	if _, ok := h.all[w]; !ok {
		h.mu.Unlock()
		return ErrClosed
	}
	w.mu.Lock()
	for _, id := range userIDs {
		if _, ok := w.users[id]; ok {
			continue
		}
		w.users[id] = struct{}{}
		u := h.users[id]
		if u == nil {
			u = &watched{watchers: map[*Watcher]struct{}{}}
			h.users[id] = u
			fresh = append(fresh, id)
		} else {
			waits = append(waits, u.ready)
		}
		u.watchers[w] = struct{}{}
	}
	w.mu.Unlock()
	if len(fresh) > 0 {
		ready := h.sub.subscribe(fresh)
		for _, id := range fresh {
			h.users[id].ready = ready
		}
		waits = append(waits, ready)
	}
	h.mu.Unlock()
	for _, c := range waits {
		if c == nil {
			continue
		}
		select {
		case <-c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// remove forgets w for userIDs, or entirely when userIDs is nil.
func (h *hub) remove(w *Watcher, userIDs []int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(w, userIDs)
}

func (h *hub) removeLocked(w *Watcher, userIDs []int64) {
	w.mu.Lock()
	if userIDs == nil {
		for id := range w.users {
			userIDs = append(userIDs, id)
		}
		delete(h.all, w)
	}
	for _, id := range userIDs {
		delete(w.users, id)
	}
	w.mu.Unlock()
	var gone []int64
	for _, id := range userIDs {
		u := h.users[id]
		if u == nil {
			continue
		}
		delete(u.watchers, w)
		if len(u.watchers) == 0 && len(u.sessions) == 0 {
			delete(h.users, id)
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		h.sub.unsubscribe(gone)
	}
}

// publish fans ev out to the local watchers of its user.
func (h *hub) publish(ev models.PresenceChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[ev.UserID]
	if u == nil || ev.State.Version <= u.last.Version {
		return
	}
	u.last = ev.State
	var dead []*Watcher
	for w := range u.watchers {
		if !w.offer(ev) {
			dead = append(dead, w)
		}
	}
	for _, w := range dead {
		h.removeLocked(w, nil)
	}
}

// watchedUsers lists the users watched on this node.
func (h *hub) watchedUsers() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Collect(maps.Keys(h.users))
}

// resync emits, as events, the states newer than what this node last saw
// (used after the event stream was interrupted).
//
// A user Redis no longer knows (version 0: Redis restarted empty) whom this
// node last saw connected is announced OFFLINE, one version above the last
// seen; if their device is in fact alive, its node registers it again with
// a time-based version, which is newer still.
func (h *hub) resync(states map[int64]models.PresenceState, at time.Time) {
	for _, st := range states {
		if st.Version > 0 {
			h.publish(models.PresenceChange{UserID: st.UserID, State: st, At: at})
			continue
		}
		h.mu.Lock()
		var last models.PresenceState
		if u := h.users[st.UserID]; u != nil {
			last = u.last
		}
		h.mu.Unlock()
		if last.Version > 0 && last.Status != models.PresenceOffline {
			gone := models.PresenceState{UserID: st.UserID, Status: models.PresenceOffline, LastActiveAt: last.LastActiveAt, Version: last.Version + 1}
			h.publish(models.PresenceChange{UserID: st.UserID, State: gone, At: at})
		}
	}
}

// close closes every watcher with err and refuses new ones.
func (h *hub) close(err error) {
	h.mu.Lock()
	h.shut = true
	ws := make([]*Watcher, 0, len(h.all))
	for w := range h.all {
		ws = append(ws, w)
	}
	h.mu.Unlock()
	for _, w := range ws {
		w.closeWith(err)
		h.remove(w, nil)
	}
	h.closeSessions(err)
}
