package app

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/rollcall/rollcall/graph"
	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
)

// people is what presence needs from the store.
type people interface {
	ForgetSessions(sessionIDs ...int64)
	RecordLastActive(ctx context.Context, userID int64, at time.Time) error
}

// connectPresence makes every acknowledged websocket a device connection
// (with the person's stored manual AWAY), writes last-active times behind
// presence, and closes this node's sockets of sessions signed out on any
// node. release is told of every closed socket.
func connectPresence(ws *wstransport.Transport, p presence.Service, store people, release func(*wstransport.Conn), log *slog.Logger) {
	p.OnLastActive(func(userID int64, at time.Time) {
		// Called from presence's own goroutines: write without holding them.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := store.RecordLastActive(ctx, userID, at); err != nil {
				log.Warn("record last active", "user", userID, "err", err)
			}
		}()
	})
	ws.OnConnect = func(ctx context.Context, c *wstransport.Conn) {
		v := models.ViewerFrom(ctx)
		if v == nil {
			return
		}
		if err := p.Connect(ctx, presence.ConnInfo{ConnID: c.ID(), UserID: v.UserID, SessionID: v.SessionID,
			Device: models.DeviceName(v.UserAgent), ManualAway: v.ManualAway}); err != nil {
			log.WarnContext(ctx, "presence connect", "err", err)
		}
	}
	ws.OnClose = func(ctx context.Context, c *wstransport.Conn, code int) {
		release(c)
		if !c.Acknowledged() {
			return
		}
		// Bounded: when Redis is unreachable presence retries the removal
		// itself once it is back.
		ctx, cancel := context.WithTimeout(ctx, disconnectTimeout)
		defer cancel()
		if err := p.Disconnect(ctx, c.ID()); err != nil && models.ErrorCode(err) != models.CodeNotFound {
			log.WarnContext(ctx, "presence disconnect", "err", err)
		}
	}
	p.OnKick(func(sessionIDs []int64) {
		store.ForgetSessions(sessionIDs...)
		ws.CloseMatching(func(c *wstransport.Conn) bool {
			v := models.ViewerFrom(c.Context())
			return v != nil && slices.Contains(sessionIDs, v.SessionID)
		}, graph.CloseSignedOut, "signed out")
	})
}

// disconnectTimeout bounds the removal of a closed socket's connection.
const disconnectTimeout = 2 * time.Second

// sessionNotifier closes signed-out sessions' sockets here at once and on
// every other node through presence's kick command.
type sessionNotifier struct {
	local    graph.SocketNotifier
	presence presence.Service
	log      *slog.Logger
}

func (n sessionNotifier) SessionsSignedOut(ctx context.Context, userID int64, sessionIDs []int64) {
	n.local.SessionsSignedOut(ctx, userID, sessionIDs)
	ctx = context.WithoutCancel(ctx)
	if err := n.presence.KickSessions(ctx, sessionIDs); err != nil {
		n.log.WarnContext(ctx, "kick signed-out sessions on other nodes", "err", err)
	}
	for _, id := range sessionIDs {
		n.publish(ctx, presence.SessionChange{UserID: userID, SessionID: id, Kind: presence.SessionSignedOut})
	}
}

func (n sessionNotifier) SessionSignedIn(ctx context.Context, s *models.Session) {
	n.local.SessionSignedIn(ctx, s)
	n.publish(context.WithoutCancel(ctx), presence.SessionChange{UserID: s.UserID, SessionID: s.ID, Kind: presence.SessionSignedIn})
}

// publish announces a session change to the person's sessionsChanged
// subscribers on every node; a presence outage loses the event (logged),
// never the sign-in or sign-out itself.
func (n sessionNotifier) publish(ctx context.Context, sc presence.SessionChange) {
	if err := n.presence.PublishSession(ctx, sc); err != nil {
		n.log.WarnContext(ctx, "announce session change", "kind", sc.Kind, "err", err)
	}
}

// AccessChanged tells every node's subscriptions in the organization to
// re-read who they may see.
func (n sessionNotifier) AccessChanged(ctx context.Context, orgID int64) {
	n.local.AccessChanged(ctx, orgID)
	if err := n.presence.AnnounceAccessChange(context.WithoutCancel(ctx), orgID); err != nil {
		n.log.WarnContext(ctx, "announce access change", "org", orgID, "err", err)
	}
}

// accessWatchers is this node's index of live subscriptions by
// organization, signalled when presence announces an access change.
type accessWatchers struct {
	mu    sync.Mutex
	byOrg map[int64]map[chan struct{}]struct{}
}

func newAccessWatchers() *accessWatchers {
	return &accessWatchers{byOrg: map[int64]map[chan struct{}]struct{}{}}
}

// fire signals every subscription of org; a signal already pending
// absorbs this one (the subscriber re-reads everything anyway).
func (a *accessWatchers) fire(org int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for c := range a.byOrg[org] {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (a *accessWatchers) watch(ctx context.Context, org int64) <-chan struct{} {
	c := make(chan struct{}, 1)
	a.mu.Lock()
	if a.byOrg[org] == nil {
		a.byOrg[org] = map[chan struct{}]struct{}{}
	}
	a.byOrg[org][c] = struct{}{}
	a.mu.Unlock()
	context.AfterFunc(ctx, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		delete(a.byOrg[org], c)
		if len(a.byOrg[org]) == 0 {
			delete(a.byOrg, org)
		}
	})
	return c
}

// presenceSource adapts the presence service to what the GraphQL layer
// reads (models types only: graph never imports Redis).
type presenceSource struct {
	presence.Service
	access *accessWatchers
}

// AccessChanges signals each change of the organization's memberships, on
// any node, until ctx ends.
func (p presenceSource) AccessChanges(ctx context.Context, orgID int64) <-chan struct{} {
	return p.access.watch(ctx, orgID)
}

func toModel(st presence.State) models.Presence {
	pr := models.Presence{Status: models.PresenceStatus(st.Status), ConnectedDevices: st.Devices}
	if !st.LastActiveAt.IsZero() {
		t := st.LastActiveAt.UTC()
		pr.LastActiveAt = &t
	}
	if pr.Status == "" {
		pr.Status = models.PresenceOffline
	}
	return pr
}

func (p presenceSource) UserPresence(ctx context.Context, userIDs []int64) (map[int64]models.Presence, error) {
	states, err := p.States(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]models.Presence, len(states))
	for id, st := range states {
		out[id] = toModel(st)
	}
	return out, nil
}

// WatchPresence streams presence changes of userIDs as models events until
// ctx ends or the watcher is dropped for falling behind. On each refresh it
// asks members who to watch (an error ends the stream); people added who
// are not OFFLINE are announced at once with their current state. One
// goroutine per stream does all of it.
func (p presenceSource) WatchPresence(ctx context.Context, accountID int64, userIDs []int64, refresh <-chan struct{}, members func(context.Context) ([]int64, error)) (<-chan *models.PresenceEvent, error) {
	wctx, cancel := context.WithTimeout(ctx, watchTimeout)
	w, err := p.Watch(wctx, userIDs)
	cancel()
	if err != nil {
		return nil, watchFailed(ctx, err)
	}
	out := make(chan *models.PresenceEvent, 1)
	go func() {
		defer close(out)
		defer w.Close()
		for {
			select {
			case ev, ok := <-w.C:
				if !ok {
					return
				}
				select {
				case out <- &models.PresenceEvent{UserID: ev.UserID, AccountID: accountID, Presence: toModel(ev.State), At: ev.At}:
				case <-ctx.Done():
					return
				}
			case <-refresh:
				ids, err := members(ctx)
				if err != nil {
					return
				}
				if ids == nil {
					continue
				}
				added, err := p.follow(ctx, w, ids)
				if err != nil {
					slog.WarnContext(ctx, "presence: follow access change", "err", err)
				}
				w.Announce(time.Now().UTC(), added...)
			case <-w.Done():
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// follow makes w watch exactly ids and returns the states of the people
// added who are not OFFLINE.
func (p presenceSource) follow(ctx context.Context, w *presence.Watcher, ids []int64) ([]presence.State, error) {
	added, err := w.Replace(ctx, ids)
	if err != nil || len(added) == 0 {
		return nil, err
	}
	states, err := p.States(ctx, added)
	if err != nil {
		return nil, err
	}
	var live []presence.State
	for _, id := range added {
		if st := states[id]; st.Status != presence.Offline && st.Status != "" {
			live = append(live, st)
		}
	}
	return live, nil
}

// WatchSessionEvents streams a person's session changes as models events.
func (p presenceSource) WatchSessionEvents(ctx context.Context, userID int64) (<-chan *models.SessionEvent, error) {
	wctx, cancel := context.WithTimeout(ctx, watchTimeout)
	w, err := p.WatchSessions(wctx, userID)
	cancel()
	if err != nil {
		return nil, watchFailed(ctx, err)
	}
	out := make(chan *models.SessionEvent, 1)
	go func() {
		defer close(out)
		defer w.Close()
		for {
			select {
			case sc := <-w.C:
				ev := &models.SessionEvent{Kind: models.SessionEventKind(sc.Kind), UserID: sc.UserID, SessionID: sc.SessionID, At: sc.At.UTC()}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case <-w.Done():
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// LiveStatuses lists everyone who is not OFFLINE.
func (p presenceSource) LiveStatuses(ctx context.Context) (map[int64]models.PresenceStatus, error) {
	live, err := p.Live(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]models.PresenceStatus, len(live))
	for id, st := range live {
		out[id] = models.PresenceStatus(st)
	}
	return out, nil
}

// watchTimeout bounds the wait for a subscription to become effective on
// Redis: while Redis is unreachable a subscribe fails with UNAVAILABLE
// instead of hanging, and the client retries.
const watchTimeout = 5 * time.Second

func watchFailed(ctx context.Context, err error) error {
	if models.ErrorCode(err) != models.CodeInternal || ctx.Err() != nil {
		return err
	}
	slog.WarnContext(ctx, "presence subscription not effective", "err", err)
	return &models.Error{Code: models.CodeUnavailable, Message: "live presence is unavailable right now: subscribe again in a moment"}
}

// SessionsConnected answers whether sessions have a live websocket now.
func (p presenceSource) SessionsConnected(ctx context.Context, sessions []models.SessionRef) (map[int64]bool, error) {
	refs := make([]presence.SessionRef, len(sessions))
	for i, s := range sessions {
		refs[i] = presence.SessionRef{UserID: s.UserID, SessionID: s.SessionID}
	}
	return p.SessionConnected(ctx, refs)
}
