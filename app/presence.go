package app

import (
	"context"
	"log/slog"
	"slices"

	"github.com/rollcall/rollcall/graph"
	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
)

// connectPresence makes every acknowledged websocket a device connection,
// and closes this node's sockets of sessions signed out on any node.
func connectPresence(ws *wstransport.Transport, p presence.Service, log *slog.Logger) {
	ws.OnConnect = func(ctx context.Context, c *wstransport.Conn) {
		v := models.ViewerFrom(ctx)
		if v == nil {
			return
		}
		if err := p.Connect(ctx, presence.ConnInfo{ConnID: c.ID(), UserID: v.UserID, SessionID: v.SessionID, Device: models.DeviceName(v.UserAgent)}); err != nil {
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
	if err := n.presence.KickSessions(context.WithoutCancel(ctx), sessionIDs); err != nil {
		n.log.WarnContext(ctx, "kick signed-out sessions on other nodes", "err", err)
	}
}

func (n sessionNotifier) SessionSignedIn(ctx context.Context, s *models.Session) {
	n.local.SessionSignedIn(ctx, s)
}

func (n sessionNotifier) OrganizationAccessEnded(ctx context.Context, userID, orgID int64) {
	n.local.OrganizationAccessEnded(ctx, userID, orgID)
}
