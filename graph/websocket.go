package graph

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
)

// CloseSignedOut closes the sockets of a session that was signed out.
const CloseSignedOut = wstransport.CloseForbidden

// NewWebsocket builds the websocket transport for browsers from allowed
// origins; connection_init is checked by WebsocketAuth, set as its InitFunc
// once the identity service exists (which in turn notifies this transport).
func NewWebsocket(allowedOrigins []string, log *slog.Logger) *wstransport.Transport {
	return &wstransport.Transport{
		Upgrader: websocket.Upgrader{CheckOrigin: originChecker(allowedOrigins)},
		Logger:   log,
		// A client that stops reading (or vanishes) is closed 9 s after its
		// last word (docs/presence.md, P6: within 10 s). A healthy one answers
		// each ping at once; with pings every 5 s a pong may still come
		// 50% of an interval late (P5's jitter) with 1.5 s to spare.
		PingInterval: 5 * time.Second,
		PongTimeout:  9 * time.Second,
	}
}

// WebsocketAuth accepts a connection_init that carries a valid session token
// (`{"authToken": "..."}`); anything else closes the socket with 4403.
func WebsocketAuth(id models.IdentityService) wstransport.InitFunc {
	return func(ctx context.Context, r *http.Request, payload wstransport.InitPayload) (context.Context, *wstransport.InitPayload, error) {
		token := payload.AuthToken()
		if token == "" {
			return nil, nil, models.ErrUnauthenticated
		}
		v, err := id.Authenticate(ctx, token)
		if err != nil {
			return nil, nil, err
		}
		return models.WithViewer(ctx, v), nil, nil
	}
}

// originChecker admits requests without an Origin (non-browser clients)
// and browsers whose origin is one of allowed (as config.Origin writes
// them). The Origin header is compared whole, as CORS compares it: a
// look-alike (http://localhost:8080.evil.com), another port or scheme, or
// the opaque "null" of a sandboxed page is refused. Pages of the node's own
// origin (the Origin is exactly scheme://Host of the request) are admitted
// too, so GraphiQL at /graphiql can subscribe on whatever name the node is
// reached by.
func originChecker(allowed []string) func(r *http.Request) bool {
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return true
		}
		origin = strings.ToLower(origin)
		if slices.Contains(allowed, origin) {
			return true
		}
		// The node's own origin: the page was served by this node under the
		// name it was reached by (GraphiQL at /graphiql opened on another
		// name than PUBLIC_URL's). Only the exact form scheme://host[:port].
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			return false
		}
		return u.Scheme+"://"+u.Host == origin && strings.EqualFold(u.Host, r.Host)
	}
}

// SocketNotifier applies post-commit side effects to this node's sockets.
type SocketNotifier struct {
	WS *wstransport.Transport
}

// SessionsSignedOut closes every socket of the given sessions.
func (n SocketNotifier) SessionsSignedOut(_ context.Context, userID int64, sessionIDs []int64) {
	n.WS.CloseMatching(func(c *wstransport.Conn) bool {
		v := models.ViewerFrom(c.Context())
		return v != nil && v.UserID == userID && slices.Contains(sessionIDs, v.SessionID)
	}, CloseSignedOut, "signed out")
}

// SessionSignedIn has no socket to act on.
func (SocketNotifier) SessionSignedIn(context.Context, *models.Session) {}

// AccessChanged has no socket to close: sockets belong to sessions, and the
// subscriptions scoped to an organization follow access changes through
// presence (see models.PresenceSource.AccessChanges).
func (SocketNotifier) AccessChanged(context.Context, int64) {}
