package live

import (
	"context"
	"log/slog"

	"github.com/rollcall/rollcall/models"
)

// UserPresence answers people's live status in one round trip.
func (h *Hub) UserPresence(ctx context.Context, userIDs []int64) (map[int64]models.Presence, error) {
	states, err := h.opt.Presence.States(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]models.Presence, len(states))
	for id, st := range states {
		out[id] = toModel(st)
	}
	return out, nil
}

// LiveStatuses lists everyone who is not OFFLINE.
func (h *Hub) LiveStatuses(ctx context.Context) (map[int64]models.PresenceStatus, error) {
	return h.opt.Presence.Live(ctx)
}

// SessionsConnected answers whether sessions have a live websocket now.
func (h *Hub) SessionsConnected(ctx context.Context, sessions []models.SessionRef) (map[int64]bool, error) {
	return h.opt.Presence.SessionConnected(ctx, sessions)
}

// SetActivity records a device's ACTIVE (idle false) or IDLE report.
func (h *Hub) SetActivity(ctx context.Context, connID string, idle bool) error {
	return h.opt.Presence.SetActivity(ctx, connID, idle)
}

// SetManualAway sets or clears a person's manual AWAY.
func (h *Hub) SetManualAway(ctx context.Context, userID int64, away bool) error {
	return h.opt.Presence.SetManualAway(ctx, userID, away)
}

// Notifier applies a change's side effects to the live side: here at once
// (Local) and on every other node through presence (kicks, session events,
// access changes).
type Notifier struct {
	Local    models.Notifier
	Presence models.PresenceService
	Log      *slog.Logger
	// Hub, once set, forgets at once this node's admissions to the
	// organization's accounts (the other nodes' wait for the announce).
	Hub *Hub
}

// SessionsSignedOut closes the sessions' sockets here and on every node and
// announces the sign-outs to the person's sessionsChanged subscribers.
func (n *Notifier) SessionsSignedOut(ctx context.Context, userID int64, sessionIDs []int64) {
	n.Local.SessionsSignedOut(ctx, userID, sessionIDs)
	ctx = context.WithoutCancel(ctx)
	if err := n.Presence.KickSessions(ctx, sessionIDs); err != nil {
		n.Log.WarnContext(ctx, "kick signed-out sessions on other nodes", "err", err)
	}
	for _, id := range sessionIDs {
		n.publish(ctx, models.SessionEvent{UserID: userID, SessionID: id, Kind: models.SessionEventSignedOut})
	}
}

// SessionSignedIn announces a new session to the person's subscribers.
func (n *Notifier) SessionSignedIn(ctx context.Context, s *models.Session) {
	n.Local.SessionSignedIn(ctx, s)
	n.publish(context.WithoutCancel(ctx), models.SessionEvent{UserID: s.UserID, SessionID: s.ID, Kind: models.SessionEventSignedIn})
}

// publish announces a session change on every node; a presence outage
// loses the event (logged), never the sign-in or sign-out itself.
func (n *Notifier) publish(ctx context.Context, sc models.SessionEvent) {
	if err := n.Presence.PublishSession(ctx, sc); err != nil {
		n.Log.WarnContext(ctx, "announce session change", "kind", sc.Kind, "err", err)
	}
}

// AccessChanged tells every node's subscriptions in the organization to
// check who they may see again.
func (n *Notifier) AccessChanged(ctx context.Context, orgID int64) {
	n.Local.AccessChanged(ctx, orgID)
	if n.Hub != nil {
		n.Hub.adm.changed(orgID)
	}
	if err := n.Presence.AnnounceAccessChange(context.WithoutCancel(ctx), orgID); err != nil {
		n.Log.WarnContext(ctx, "announce access change", "org", orgID, "err", err)
	}
}
