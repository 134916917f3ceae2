package wstransport

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// Subprotocol names, as negotiated in Sec-WebSocket-Protocol.
const (
	// ProtocolGraphQLTransportWS is the protocol of the graphql-ws npm
	// package (PROTOCOL.md of enisdenjo/graphql-ws).
	ProtocolGraphQLTransportWS = "graphql-transport-ws"
	// ProtocolGraphQLWS is the legacy Apollo subscriptions-transport-ws
	// protocol. It is also used when the client offers no protocol we know.
	ProtocolGraphQLWS = "graphql-ws"
)

// Defaults for the zero values of the Transport's fields.
const (
	DefaultInitTimeout  = 10 * time.Second
	DefaultPingInterval = 10 * time.Second
	DefaultKeepAlive    = 15 * time.Second
	DefaultWriteTimeout = 5 * time.Second
	DefaultQueueSize    = 256
	DefaultReadLimit    = 1 << 20
	// DefaultReadBufferSize: a client's messages are a few hundred bytes
	// (larger ones are read in several fills).
	DefaultReadBufferSize = 1024
	// DefaultMaxOperations: a SPA runs a few dozen subscriptions at most.
	DefaultMaxOperations = 100
	// DefaultMessageRate and DefaultMessageBurst: a SPA sends a handful of
	// messages a second, a burst of a few dozen when a page mounts.
	DefaultMessageRate  = 50
	DefaultMessageBurst = 100
)

// Limits named to OnRefuse.
const (
	// LimitOperations: a subscribe past MaxOperations was refused.
	LimitOperations = "operations"
	// LimitMessageRate: the client sent faster than MessageRate and was
	// closed with 4429.
	LimitMessageRate = "message_rate"
)

// InitFunc authenticates a connection from its connection_init payload (and
// the upgrade request: cookies, headers, remote address). It returns the
// context the connection's operations run with (derive it from ctx so it
// keeps the Conn; a nil context means ctx), an optional payload for
// connection_ack, or an error to refuse the connection with 4403.
type InitFunc func(ctx context.Context, r *http.Request, payload InitPayload) (context.Context, *InitPayload, error)

// Transport is a graphql.Transport serving GraphQL over websockets with
// gorilla/websocket. Configure it before first use, add it to the gqlgen
// server before the HTTP transports, and never copy it after first use
// (it holds the registry of open sockets). The zero value is usable.
type Transport struct {
	// Upgrader upgrades the HTTP request. Leave CheckOrigin nil for
	// same-origin only, or set it to the list of allowed origins; never to a
	// function that always says yes. Subprotocols defaults to both
	// protocols and WriteBufferPool to a pool shared by this Transport's
	// sockets, and ReadBufferSize to DefaultReadBufferSize (the buffer
	// net/http hands over on hijack is not kept: the HTTP handler returns
	// once the socket is upgraded, and a socket mostly reads small
	// messages).
	Upgrader websocket.Upgrader

	// InitFunc accepts or refuses connection_init. Nil accepts everyone.
	InitFunc InitFunc
	// OnConnect is called once the connection is acknowledged, before
	// connection_ack is sent, with the operations' context.
	OnConnect func(ctx context.Context, c *Conn)
	// OnClose is called exactly once for every served socket, after its
	// operations are cancelled and the socket is closed, with the close
	// code (see the Close* constants). ctx carries the values of
	// c.Context() but is not cancelled, so it can be used for clean-up I/O.
	// c.Acknowledged reports whether OnConnect ran.
	OnClose func(ctx context.Context, c *Conn, code int)

	// InitTimeout is how long a client has to get its connection_init
	// accepted; then the socket is closed with 4408. Default 10s.
	InitTimeout time.Duration
	// PingInterval is how often the server sends websocket ping frames.
	// Default 10s; negative disables pings and the liveness timeout.
	PingInterval time.Duration
	// PongTimeout is how long the server waits without reading anything
	// (message, pong or ping) before it closes the socket with 3008. A value
	// not above PingInterval (including the zero default) means
	// 2×PingInterval, so one lost pong is tolerated; a dead peer is dropped
	// at most PongTimeout after it last spoke.
	PongTimeout time.Duration
	// KeepAlive is the interval of legacy graphql-ws "ka" messages after
	// connection_ack. Default 15s; negative disables them.
	KeepAlive time.Duration
	// WriteTimeout bounds each write to the socket; a write that stalls
	// longer closes the socket as a slow consumer (1013). Default 5s.
	WriteTimeout time.Duration
	// QueueSize bounds the messages waiting for the socket's writer; a
	// producer that finds it full closes the socket as a slow consumer
	// (1013) instead of waiting. Default 256.
	QueueSize int
	// ReadLimit is the largest message accepted from a client; larger ones
	// close the socket with 1009. Default 1 MiB.
	ReadLimit int64

	// MaxOperations bounds the operations running at once on one socket. A
	// subscribe (or legacy start) past it runs nothing and is answered
	// with an error message for its id (extensions.code RATE_LIMITED);
	// the socket stays open. Default 100; negative means unlimited.
	MaxOperations int
	// MessageRate and MessageBurst bound the messages a client sends on one
	// socket with a token bucket: MessageRate a second on average, up to
	// MessageBurst at once. A client past it is closed with 4429 "Too many
	// requests". Defaults 50/s and 100; a negative MessageRate disables it.
	MessageRate  float64
	MessageBurst int
	// Authorize, when set, runs before each operation executes, on the
	// operation's goroutine, with the operation's context. An error refuses
	// the operation (an error message for it, through the error presenter);
	// when it is a *models.Error coded UNAUTHENTICATED, FORBIDDEN or
	// TOKEN_INVALID (the credentials are gone) the socket is then closed
	// with 4403, like a refused connection_init.
	Authorize func(ctx context.Context, c *Conn) error
	// OnRefuse is told of every refusal by one of the limits above
	// (LimitOperations, LimitMessageRate), for metrics. It must not block.
	OnRefuse func(c *Conn, limit string)

	// Logger receives refused-init causes and recovered panics. Default
	// slog.Default().
	Logger *slog.Logger

	once  sync.Once
	cfg   settings
	reg   registry
	pings *pinger // nil when pings are disabled
}

var _ graphql.Transport = (*Transport)(nil)

// settings are the Transport's fields with defaults applied, fixed at first use.
type settings struct {
	upgrader     websocket.Upgrader
	initTimeout  time.Duration
	pingInterval time.Duration // 0: disabled
	pongTimeout  time.Duration // 0: disabled
	keepAlive    time.Duration // 0: disabled
	writeTimeout time.Duration
	closeGrace   time.Duration
	queueSize    int
	readLimit    int64
	maxOps       int     // 0: unlimited
	msgRate      float64 // 0: unlimited
	msgBurst     float64
	log          *slog.Logger
}

func (t *Transport) settings() *settings {
	t.once.Do(func() {
		s := settings{
			upgrader:     t.Upgrader,
			initTimeout:  t.InitTimeout,
			pingInterval: t.PingInterval,
			pongTimeout:  t.PongTimeout,
			keepAlive:    t.KeepAlive,
			writeTimeout: t.WriteTimeout,
			queueSize:    t.QueueSize,
			readLimit:    t.ReadLimit,
			maxOps:       t.MaxOperations,
			msgRate:      t.MessageRate,
			msgBurst:     float64(t.MessageBurst),
			log:          t.Logger,
		}
		switch {
		case s.maxOps < 0:
			s.maxOps = 0
		case s.maxOps == 0:
			s.maxOps = DefaultMaxOperations
		}
		switch {
		case s.msgRate < 0:
			s.msgRate, s.msgBurst = 0, 0
		case s.msgRate == 0:
			s.msgRate = DefaultMessageRate
		}
		if s.msgRate > 0 && s.msgBurst <= 0 {
			s.msgBurst = max(DefaultMessageBurst, s.msgRate)
		}
		if s.upgrader.Subprotocols == nil {
			s.upgrader.Subprotocols = []string{ProtocolGraphQLTransportWS, ProtocolGraphQLWS}
		}
		if s.upgrader.ReadBufferSize <= 0 {
			s.upgrader.ReadBufferSize = DefaultReadBufferSize
		}
		if s.upgrader.WriteBufferPool == nil {
			s.upgrader.WriteBufferPool = &sync.Pool{}
		}
		if s.initTimeout <= 0 {
			s.initTimeout = DefaultInitTimeout
		}
		switch {
		case s.pingInterval < 0:
			s.pingInterval, s.pongTimeout = 0, 0
		case s.pingInterval == 0:
			s.pingInterval = DefaultPingInterval
		}
		if s.pingInterval > 0 && s.pongTimeout <= s.pingInterval {
			s.pongTimeout = 2 * s.pingInterval
		}
		switch {
		case s.keepAlive < 0:
			s.keepAlive = 0
		case s.keepAlive == 0:
			s.keepAlive = DefaultKeepAlive
		}
		if s.writeTimeout <= 0 {
			s.writeTimeout = DefaultWriteTimeout
		}
		s.closeGrace = min(s.writeTimeout, time.Second)
		if s.queueSize <= 0 {
			s.queueSize = DefaultQueueSize
		}
		if s.readLimit <= 0 {
			s.readLimit = DefaultReadLimit
		}
		if s.log == nil {
			s.log = slog.Default()
		}
		if s.pingInterval > 0 {
			t.pings = newPinger(s.pingInterval)
		}
		t.cfg = s
	})
	return &t.cfg
}

// Supports reports whether r asks for a websocket upgrade.
func (t *Transport) Supports(r *http.Request) bool {
	return websocket.IsWebSocketUpgrade(r)
}

// Do upgrades r and serves the socket until it closes.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	cfg := t.settings()
	if t.reg.isShutdown() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := cfg.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has already answered the client with an HTTP error.
		return
	}
	c := newConn(t, cfg, ws, r, exec)
	if !t.reg.add(c) {
		// Shutdown began while we were upgrading.
		_ = ws.WriteControl(websocket.CloseMessage,
			closePayload(CloseGoingAway, "Going Away"), time.Now().Add(cfg.closeGrace))
		_ = ws.Close()
		return
	}
	// Served on a goroutine of its own, so the HTTP handler returns: its
	// deep stack, net/http's buffers and the response are released, and the
	// socket keeps only what reading needs.
	if t.pings != nil {
		t.pings.add(c)
	}
	go func() {
		defer t.reg.remove(c)
		defer t.onClose(c)
		if t.pings != nil {
			defer t.pings.remove(c)
		}
		c.serve()
	}()
}

func (t *Transport) refused(c *Conn, limit string) {
	if t.OnRefuse != nil {
		t.OnRefuse(c, limit)
	}
}

func (t *Transport) onClose(c *Conn) {
	if t.OnClose == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			c.cfg.log.Error("wstransport: OnClose panicked", "conn", c.id, "panic", p)
		}
	}()
	t.OnClose(context.WithoutCancel(c.Context()), c, c.CloseCode())
}

// Count returns the number of open sockets (upgraded and not yet torn
// down, acknowledged or not).
func (t *Transport) Count() int { return t.reg.count() }

// Each calls fn for every open socket until fn returns false. fn runs
// without locks held and may call Close.
func (t *Transport) Each(fn func(*Conn) bool) {
	for _, c := range t.reg.snapshot() {
		if !fn(c) {
			return
		}
	}
}

// CloseMatching closes, with code and reason, every open socket for which
// pred returns true, and returns how many it closed. Use it to sign a
// session's sockets out (4403) when the session ends.
func (t *Transport) CloseMatching(pred func(*Conn) bool, code int, reason string) int {
	n := 0
	for _, c := range t.reg.snapshot() {
		if pred(c) && c.Close(code, reason) {
			n++
		}
	}
	return n
}

// Shutdown refuses new sockets (503 before upgrade), closes every open one
// with 1001 "Going Away", and waits until all are torn down and their
// OnClose hooks have returned, or until ctx ends (then it returns ctx.Err()).
func (t *Transport) Shutdown(ctx context.Context) error {
	drained := t.reg.shutdown()
	for _, c := range t.reg.snapshot() {
		c.Close(CloseGoingAway, "Going Away")
	}
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// registry tracks the open sockets of a Transport.
type registry struct {
	mu      sync.Mutex
	conns   map[*Conn]struct{}
	closed  bool
	drained chan struct{} // made by shutdown, closed when conns is empty
}

func (g *registry) add(c *Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	if g.conns == nil {
		g.conns = make(map[*Conn]struct{})
	}
	g.conns[c] = struct{}{}
	return true
}

func (g *registry) remove(c *Conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.conns, c)
	if g.closed && len(g.conns) == 0 && g.drained != nil {
		close(g.drained)
		g.drained = nil
	}
}

func (g *registry) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

func (g *registry) isShutdown() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

func (g *registry) snapshot() []*Conn {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*Conn, 0, len(g.conns))
	for c := range g.conns {
		out = append(out, c)
	}
	return out
}

// shutdown marks the registry closed and returns a channel closed once no
// socket is left.
func (g *registry) shutdown() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if len(g.conns) == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if g.drained == nil {
		g.drained = make(chan struct{})
	}
	return g.drained
}
