package app

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/rollcall/rollcall/graph"
	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
)

// people is what presence needs from the store.
type people interface {
	FindUsersByIDs(ctx context.Context, ids []int64) ([]*models.User, error)
	RecordLastActive(ctx context.Context, userID int64, at time.Time) error
}

// connectPresence makes every acknowledged websocket a device connection
// (with the person's stored manual AWAY), writes last-active times behind
// presence, and closes this node's sockets of sessions signed out on any
// node.
func connectPresence(ws *wstransport.Transport, p presence.Service, store people, log *slog.Logger) {
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
		away := false
		if users, err := store.FindUsersByIDs(ctx, []int64{v.UserID}); err == nil && len(users) == 1 {
			away = users[0].ManualAway
		}
		if err := p.Connect(ctx, presence.ConnInfo{ConnID: c.ID(), UserID: v.UserID, SessionID: v.SessionID,
			Device: models.DeviceName(v.UserAgent), ManualAway: away}); err != nil {
			log.WarnContext(ctx, "presence connect", "err", err)
		}
	}
	ws.OnClose = func(ctx context.Context, c *wstransport.Conn, code int) {
		if !c.Acknowledged() {
			return
		}
		if err := p.Disconnect(ctx, c.ID()); err != nil && models.ErrorCode(err) != models.CodeNotFound {
			log.WarnContext(ctx, "presence disconnect", "err", err)
		}
	}
	p.OnKick(func(sessionIDs []int64) {
		ws.CloseMatching(func(c *wstransport.Conn) bool {
			v := models.ViewerFrom(c.Context())
			return v != nil && slices.Contains(sessionIDs, v.SessionID)
		}, graph.CloseSignedOut, "signed out")
	})
}

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

func (n sessionNotifier) OrganizationAccessEnded(ctx context.Context, userID, orgID int64) {
	n.local.OrganizationAccessEnded(ctx, userID, orgID)
}

// presenceSource adapts the presence service to what the GraphQL layer
// reads (models types only: graph never imports Redis).
type presenceSource struct{ presence.Service }

func (p presenceSource) UserPresence(ctx context.Context, userIDs []int64) (map[int64]models.Presence, error) {
	states, err := p.States(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]models.Presence, len(states))
	for id, st := range states {
		pr := models.Presence{Status: models.PresenceStatus(st.Status), ConnectedDevices: st.Devices}
		if !st.LastActiveAt.IsZero() {
			t := st.LastActiveAt.UTC()
			pr.LastActiveAt = &t
		}
		if pr.Status == "" {
			pr.Status = models.PresenceOffline
		}
		out[id] = pr
	}
	return out, nil
}

// WatchPresence streams presence changes of userIDs as models events until
// ctx ends or the watcher is dropped for falling behind.
func (p presenceSource) WatchPresence(ctx context.Context, accountID int64, userIDs []int64) (<-chan *models.PresenceEvent, error) {
	w, err := p.Watch(ctx, userIDs)
	if err != nil {
		return nil, err
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
				pr := models.Presence{Status: models.PresenceStatus(ev.State.Status), ConnectedDevices: ev.State.Devices}
				if !ev.State.LastActiveAt.IsZero() {
					t := ev.State.LastActiveAt.UTC()
					pr.LastActiveAt = &t
				}
				select {
				case out <- &models.PresenceEvent{UserID: ev.UserID, AccountID: accountID, Presence: pr, At: ev.At}:
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

// WatchSessionEvents streams a person's session changes as models events.
func (p presenceSource) WatchSessionEvents(ctx context.Context, userID int64) (<-chan *models.SessionEvent, error) {
	w, err := p.WatchSessions(ctx, userID)
	if err != nil {
		return nil, err
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
