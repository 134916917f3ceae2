package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
)

// Defaults of SocketGuard.
const (
	// DefaultSocketsPerSession: one browser tab holds one socket; 20 tabs
	// of one session on one node is already more than anyone opens.
	DefaultSocketsPerSession = 20
	// DefaultSessionRecheck is the staleness bound: every operation on a
	// socket runs on a session confirmed live at most this long ago.
	DefaultSessionRecheck = 10 * time.Second
)

// RefusedSocketsPerSession names the refusal of a socket past
// SocketGuard.MaxPerSession (wstransport names the others).
const RefusedSocketsPerSession = "sockets_per_session"

// SocketGuard binds every websocket of this node to its session: it caps
// the sockets of one session, re-checks the session before an operation
// when the last check is older than Recheck, and sweeps: every Recheck/2
// (and at once on Wake) it asks the store, in one batched query, which of
// the sessions of its open sockets are still live, and closes the sockets
// of those that ended (4403), whatever ended them.
type SocketGuard struct {
	WS       *wstransport.Transport
	Sessions models.IdentityService
	// MaxPerSession bounds the sockets of one session on this node; one
	// more is refused with 4429. Default 20; negative means unlimited.
	MaxPerSession int
	// Recheck is the staleness bound of the session an operation runs on
	// (default 10 s); sweeps run every Recheck/2.
	Recheck time.Duration
	// Refused is told of every refusal (for metrics); optional.
	Refused func(reason string)
	Log     *slog.Logger

	mu        sync.Mutex
	conns     map[string]int64 // socket id → session id
	bySession map[int64]*guardedSession
	wake      chan struct{}
}

// guardedSession is what the guard knows of one session with sockets here.
type guardedSession struct {
	sockets   int
	checkedAt time.Time  // last time the store said it was live
	check     sync.Mutex // one store check at a time per session
}

func (g *SocketGuard) recheck() time.Duration {
	if g.Recheck <= 0 {
		return DefaultSessionRecheck
	}
	return g.Recheck
}

func (g *SocketGuard) log() *slog.Logger {
	if g.Log == nil {
		return slog.Default()
	}
	return g.Log
}

func (g *SocketGuard) refused(reason string) {
	if g.Refused != nil {
		g.Refused(reason)
	}
}

// Init wraps an InitFunc: a connection it accepts counts against its
// session's sockets, and is refused with RATE_LIMITED (4429) past
// MaxPerSession.
func (g *SocketGuard) Init(next wstransport.InitFunc) wstransport.InitFunc {
	return func(ctx context.Context, r *http.Request, payload wstransport.InitPayload) (context.Context, *wstransport.InitPayload, error) {
		out, ack, err := next(ctx, r, payload)
		if err != nil {
			return out, ack, err
		}
		c := wstransport.ConnFromContext(ctx)
		v := models.ViewerFrom(out)
		if c == nil || v == nil {
			return out, ack, nil
		}
		if err := g.acquire(c.ID(), v.SessionID); err != nil {
			return nil, nil, err
		}
		return out, ack, nil
	}
}

func (g *SocketGuard) acquire(connID string, sessionID int64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conns == nil {
		g.conns = map[string]int64{}
		g.bySession = map[int64]*guardedSession{}
	}
	s := g.bySession[sessionID]
	if s == nil {
		s = &guardedSession{}
		g.bySession[sessionID] = s
	}
	limit := g.MaxPerSession
	if limit == 0 {
		limit = DefaultSocketsPerSession
	}
	if limit > 0 && s.sockets >= limit {
		if s.sockets == 0 {
			delete(g.bySession, sessionID)
		}
		g.refused(RefusedSocketsPerSession)
		return &models.Error{Code: models.CodeRateLimited,
			Message: fmt.Sprintf("too many connections for this session: at most %d", limit)}
	}
	s.sockets++
	s.checkedAt = time.Now() // the InitFunc has just authenticated it
	g.conns[connID] = sessionID
	return nil
}

// Release forgets a closed socket (call it from OnClose, for every socket).
func (g *SocketGuard) Release(c *wstransport.Conn) { g.release(c.ID()) }

func (g *SocketGuard) release(connID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	sid, ok := g.conns[connID]
	if !ok {
		return
	}
	delete(g.conns, connID)
	if s := g.bySession[sid]; s != nil {
		if s.sockets--; s.sockets <= 0 {
			delete(g.bySession, sid)
		}
	}
}

// Authorize is the transport's Authorize hook: an operation runs only on a
// session the store confirmed live within Recheck. A burst of operations
// makes at most one store query per session (the others wait for it). An
// ended session answers UNAUTHENTICATED (and the transport closes the
// socket with 4403); a store that cannot answer refuses the operation with
// UNAVAILABLE and leaves the socket open.
func (g *SocketGuard) Authorize(ctx context.Context, c *wstransport.Conn) error {
	v := models.ViewerFrom(ctx)
	if v == nil {
		return nil
	}
	g.mu.Lock()
	s := g.bySession[v.SessionID]
	g.mu.Unlock()
	if s == nil {
		// Not counted here (closing, or the guard was not in Init).
		return g.checkNow(ctx, v.SessionID, nil)
	}
	if g.fresh(s) {
		return nil
	}
	s.check.Lock()
	defer s.check.Unlock()
	if g.fresh(s) {
		return nil // checked while we waited
	}
	return g.checkNow(ctx, v.SessionID, s)
}

func (g *SocketGuard) fresh(s *guardedSession) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return time.Since(s.checkedAt) < g.recheck()
}

var errSessionEnded = &models.Error{Code: models.CodeUnauthenticated, Message: "your session has ended: sign in again"}

func (g *SocketGuard) checkNow(ctx context.Context, sessionID int64, s *guardedSession) error {
	start := time.Now()
	live, err := g.Sessions.LiveSessions(ctx, []int64{sessionID})
	if err != nil {
		g.log().WarnContext(ctx, "websocket: session check failed", "err", err)
		return &models.Error{Code: models.CodeUnavailable, Message: "the session could not be checked: try again in a moment"}
	}
	if !live[sessionID] {
		return errSessionEnded
	}
	if s != nil {
		g.mu.Lock()
		s.checkedAt = start
		g.mu.Unlock()
	}
	return nil
}

// Sweep checks every session with a socket on this node in batched
// queries, closes the sockets of the sessions that ended (4403), and marks
// the others checked. It returns how many sockets it closed.
func (g *SocketGuard) Sweep(ctx context.Context) (int, error) {
	g.mu.Lock()
	ids := make([]int64, 0, len(g.bySession))
	for id := range g.bySession {
		ids = append(ids, id)
	}
	g.mu.Unlock()
	if len(ids) == 0 {
		return 0, nil
	}
	start := time.Now()
	live, err := g.Sessions.LiveSessions(ctx, ids)
	if err != nil {
		return 0, err
	}
	ended := map[int64]bool{}
	g.mu.Lock()
	for _, id := range ids {
		if !live[id] {
			ended[id] = true
		} else if s := g.bySession[id]; s != nil {
			s.checkedAt = start
		}
	}
	g.mu.Unlock()
	if len(ended) == 0 {
		return 0, nil
	}
	return g.WS.CloseMatching(func(c *wstransport.Conn) bool {
		v := models.ViewerFrom(c.Context())
		return v != nil && ended[v.SessionID]
	}, CloseSignedOut, "session ended"), nil
}

// Wake asks Run for a sweep now (Redis came back: kicks may have been
// lost while it was away). It never blocks.
func (g *SocketGuard) Wake() {
	select {
	case g.wakeChan() <- struct{}{}:
	default:
	}
}

func (g *SocketGuard) wakeChan() chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wake == nil {
		g.wake = make(chan struct{}, 1)
	}
	return g.wake
}

// Run sweeps every Recheck/2, and at once on Wake, until ctx ends.
func (g *SocketGuard) Run(ctx context.Context) {
	wake := g.wakeChan()
	t := time.NewTicker(g.recheck() / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		sctx, cancel := context.WithTimeout(ctx, g.recheck()/2)
		n, err := g.Sweep(sctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			g.log().Warn("websocket: session sweep failed", "err", err)
		case n > 0:
			g.log().Info("websocket: closed sockets of ended sessions", "sockets", n)
		}
	}
}
