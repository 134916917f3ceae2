package presence

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rollcall/rollcall/models"
)

// sessionQueue bounds a SessionWatcher: session changes are rare (a few per
// person per day), so a reader that lets this many pile up is stalled.
const sessionQueue = 64

// SessionWatcher receives the session changes of one user. CONNECTED and
// DISCONNECTED are raised by the backend whenever a session gains its first
// or loses its last live connection, on any node; SIGNED_IN and SIGNED_OUT
// are announced with Service.PublishSession. A reader that falls
// sessionQueue events behind is closed with ErrSlowConsumer.
type SessionWatcher struct {
	C <-chan models.SessionEvent

	c      chan models.SessionEvent
	hub    *hub
	userID int64

	mu     sync.Mutex
	closed bool
	err    error
	done   chan struct{}
}

// Done is closed when the watcher closes.
func (w *SessionWatcher) Done() <-chan struct{} { return w.done }

// Err reports why the watcher closed (nil after Close).
func (w *SessionWatcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close stops the watcher. It is idempotent; C is not closed (select on
// Done).
func (w *SessionWatcher) Close() {
	w.closeWith(nil)
	w.hub.removeSessions(w)
}

func (w *SessionWatcher) closeWith(err error) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	w.closed, w.err = true, err
	close(w.done)
	return true
}

func (w *SessionWatcher) offer(sc models.SessionEvent) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	select {
	case w.c <- sc:
		return true
	default:
		w.closed, w.err = true, ErrSlowConsumer
		close(w.done)
		return false
	}
}

// watchSessions registers a session watcher of userID; like add, it returns
// once the backend subscription is effective.
func (h *hub) watchSessions(ctx context.Context, userID int64) (*SessionWatcher, error) {
	if userID <= 0 {
		return nil, errBadUser
	}
	c := make(chan models.SessionEvent, sessionQueue)
	w := &SessionWatcher{C: c, c: c, hub: h, userID: userID, done: make(chan struct{})}
	h.mu.Lock()
	if h.shut {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	u := h.users[userID]
	var ready <-chan struct{}
	if u == nil {
		u = &watched{watchers: map[*Watcher]struct{}{}}
		h.users[userID] = u
		u.ready = h.sub.subscribe([]int64{userID})
	}
	ready = u.ready
	if u.sessions == nil {
		u.sessions = map[*SessionWatcher]struct{}{}
	}
	u.sessions[w] = struct{}{}
	h.mu.Unlock()
	if ready != nil {
		select {
		case <-ready:
		case <-ctx.Done():
			w.Close()
			return nil, ctx.Err()
		}
	}
	return w, nil
}

func (h *hub) removeSessions(w *SessionWatcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeSessionsLocked(w)
}

func (h *hub) removeSessionsLocked(w *SessionWatcher) {
	u := h.users[w.userID]
	if u == nil {
		return
	}
	if _, ok := u.sessions[w]; !ok {
		return
	}
	delete(u.sessions, w)
	if len(u.watchers) == 0 && len(u.sessions) == 0 {
		delete(h.users, w.userID)
		h.sub.unsubscribe([]int64{w.userID})
	}
}

// publishSession fans a session change out to the local watchers of its
// user.
func (h *hub) publishSession(sc models.SessionEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.users[sc.UserID]
	if u == nil {
		return
	}
	var dead []*SessionWatcher
	for w := range u.sessions {
		if !w.offer(sc) {
			dead = append(dead, w)
		}
	}
	for _, w := range dead {
		h.removeSessionsLocked(w)
	}
}

// closeSessions closes every session watcher with err (hub shutdown).
func (h *hub) closeSessions(err error) {
	h.mu.Lock()
	var ws []*SessionWatcher
	for _, u := range h.users {
		for w := range u.sessions {
			ws = append(ws, w)
		}
	}
	h.mu.Unlock()
	for _, w := range ws {
		w.closeWith(err)
		h.removeSessions(w)
	}
}

// sessionDiff lists the session changes between two sets of connected
// sessions (sorted ids), DISCONNECTED before CONNECTED.
func sessionDiff(uid int64, before, after []int64, at time.Time) []models.SessionEvent {
	var out []models.SessionEvent
	for _, sid := range before {
		if !slices.Contains(after, sid) {
			out = append(out, models.SessionEvent{UserID: uid, SessionID: sid, Kind: models.SessionEventDisconnected, At: at})
		}
	}
	for _, sid := range after {
		if !slices.Contains(before, sid) {
			out = append(out, models.SessionEvent{UserID: uid, SessionID: sid, Kind: models.SessionEventConnected, At: at})
		}
	}
	return out
}

// Session messages share the user's event channel: "s|uid|sid|KIND|at".
func formatSessionMessage(sc models.SessionEvent) string {
	return "s|" + strconv.FormatInt(sc.UserID, 10) + "|" + strconv.FormatInt(sc.SessionID, 10) + "|" +
		string(sc.Kind) + "|" + strconv.FormatInt(ms(sc.At), 10)
}

func parseSessionMessage(s string) (models.SessionEvent, bool) {
	f := strings.Split(s, "|")
	if len(f) != 5 || f[0] != "s" {
		return models.SessionEvent{}, false
	}
	uid, err1 := strconv.ParseInt(f[1], 10, 64)
	sid, err2 := strconv.ParseInt(f[2], 10, 64)
	at, err3 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return models.SessionEvent{}, false
	}
	switch k := models.SessionEventKind(f[3]); k {
	case models.SessionEventSignedIn, models.SessionEventConnected, models.SessionEventDisconnected, models.SessionEventSignedOut:
		return models.SessionEvent{UserID: uid, SessionID: sid, Kind: k, At: fromMS(at)}, true
	}
	return models.SessionEvent{}, false
}

func validSessionChange(sc models.SessionEvent) error {
	if sc.UserID <= 0 {
		return errBadUser
	}
	if sc.SessionID <= 0 {
		return errBadSession
	}
	switch sc.Kind {
	case models.SessionEventSignedIn, models.SessionEventSignedOut:
		return nil
	}
	return errBadKind
}
