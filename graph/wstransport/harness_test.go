package wstransport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
)

const (
	gtws   = wstransport.ProtocolGraphQLTransportWS
	legacy = wstransport.ProtocolGraphQLWS
)

// waitTimeout bounds every wait in these tests; it is only reached when a
// test fails.
const waitTimeout = 5 * time.Second

// signal wakes waiters whenever something they watch changes.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (s *signal) changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// waitUntil waits for cond, re-checking it whenever s is notified.
func waitUntil(t *testing.T, s *signal, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		ch := s.changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// hub feeds the feed subscription: every publish reaches every subscriber.
type hub struct {
	sig  signal
	mu   sync.Mutex
	subs map[*hubSub]struct{}
}

type hubSub struct {
	ctx context.Context
	ch  chan string
}

func (h *hub) join(ctx context.Context) *hubSub {
	s := &hubSub{ctx: ctx, ch: make(chan string)}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[*hubSub]struct{})
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	h.sig.notify()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
		h.sig.notify()
	})
	return s
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *hub) waitCount(t *testing.T, n int) {
	t.Helper()
	waitUntil(t, &h.sig, fmt.Sprintf("%d feed subscribers", n), func() bool { return h.count() == n })
}

// publish hands msg to every live subscriber and returns how many took it.
// It waits only for the subscribers' operation loops, never for a socket.
func (h *hub) publish(msg string) int {
	h.mu.Lock()
	subs := make([]*hubSub, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	n := 0
	for _, s := range subs {
		select {
		case s.ch <- msg:
			n++
		case <-s.ctx.Done():
		}
	}
	return n
}

// pushers collects the Streams of the pushed subscription.
type pushers struct {
	sig     signal
	mu      sync.Mutex
	streams []*wstransport.Stream
}

func (p *pushers) add(s *wstransport.Stream) {
	p.mu.Lock()
	p.streams = append(p.streams, s)
	p.mu.Unlock()
	p.sig.notify()
}

// wait returns the first n streams once they are there.
func (p *pushers) wait(t *testing.T, n int) []*wstransport.Stream {
	t.Helper()
	var out []*wstransport.Stream
	waitUntil(t, &p.sig, fmt.Sprintf("%d pushed streams", n), func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		out = append([]*wstransport.Stream(nil), p.streams...)
		return len(out) >= n
	})
	return out[:n]
}

const testSchema = `
type Query {
	hello(name: String): String!
	whoami: String!
	boom: String!
}
type Mutation {
	echo(msg: String!): String!
}
type Subscription {
	feed: String!
	countdown(from: Int!): Int!
	failing: String!
	pushed: String!
}
`

type userKey struct{}

func userOf(ctx context.Context) string {
	u, _ := ctx.Value(userKey{}).(string)
	return u
}

// testInit authenticates by token: "user:NAME" (context derived from ours),
// "detached:NAME" (a context not derived from ours), "expired" (a domain
// TOKEN_INVALID), "internal" (an internal error), "panic"; anything else is
// UNAUTHENTICATED.
func testInit(ctx context.Context, _ *http.Request, p wstransport.InitPayload) (context.Context, *wstransport.InitPayload, error) {
	tok := p.AuthToken()
	switch {
	case strings.HasPrefix(tok, "user:"):
		user := strings.TrimPrefix(tok, "user:")
		return context.WithValue(ctx, userKey{}, user), &wstransport.InitPayload{"user": user}, nil
	case strings.HasPrefix(tok, "detached:"):
		return context.WithValue(context.Background(), userKey{}, strings.TrimPrefix(tok, "detached:")), nil, nil
	case tok == "expired":
		return nil, nil, &models.Error{Code: models.CodeTokenInvalid, Message: "the session has expired"}
	case tok == "internal":
		return nil, nil, errors.New("dial tcp 10.1.2.3:3306: secret internal detail")
	case tok == "panic":
		panic("init exploded")
	default:
		return nil, nil, models.ErrUnauthenticated
	}
}

func dataResponse(field string, v any) *graphql.Response {
	b, err := json.Marshal(map[string]any{field: v})
	if err != nil {
		panic(err)
	}
	return &graphql.Response{Data: b}
}

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	}
	return 0
}

// newSchema is a hand-written executable schema: one root field per
// operation, resolved here instead of by generated code.
func newSchema(h *hub, p *pushers) graphql.ExecutableSchema {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			opCtx := graphql.GetOperationContext(ctx)
			field := opCtx.Operation.SelectionSet[0].(*ast.Field)
			args := field.ArgumentMap(opCtx.Variables)
			name := field.Alias
			switch field.Name {
			case "hello":
				who := "world"
				if s, ok := args["name"].(string); ok {
					who = s
				}
				return graphql.OneShot(dataResponse(name, "Hello, "+who))
			case "whoami":
				return graphql.OneShot(dataResponse(name, userOf(ctx)+" "+wstransport.ConnFromContext(ctx).ID()))
			case "boom":
				return func(context.Context) *graphql.Response { panic("secret internal detail") }
			case "echo":
				return graphql.OneShot(dataResponse(name, args["msg"]))
			case "feed":
				sub := h.join(ctx)
				return func(context.Context) *graphql.Response {
					select {
					case <-ctx.Done():
						return nil
					case msg := <-sub.ch:
						return dataResponse(name, msg)
					}
				}
			case "countdown":
				n := toInt(args["from"])
				return func(context.Context) *graphql.Response {
					if n == 0 {
						return nil
					}
					n--
					return dataResponse(name, n+1)
				}
			case "pushed":
				s := wstransport.StreamFromContext(ctx)
				s.Detach()
				p.add(s)
				return func(context.Context) *graphql.Response { panic("a detached operation is never pulled") }
			case "failing":
				sent := false
				return func(context.Context) *graphql.Response {
					if !sent {
						sent = true
						return dataResponse(name, "first")
					}
					wstransport.AddSubscriptionError(ctx, errors.New("feed broke"))
					return nil
				}
			}
			return graphql.OneShot(graphql.ErrorResponse(ctx, "unknown field"))
		},
	}
}

// harness is an httptest server running the transport over the test schema.
type harness struct {
	tr     *wstransport.Transport
	srv    *httptest.Server
	hub    *hub
	pushed *pushers

	sig       signal
	mu        sync.Mutex
	connected []*wstransport.Conn
	closed    map[*wstransport.Conn][]int
}

func newHarness(t *testing.T, configure func(*wstransport.Transport), wrap func(net.Listener) net.Listener) *harness {
	t.Helper()
	h := &harness{hub: &hub{}, pushed: &pushers{}, closed: map[*wstransport.Conn][]int{}}
	h.tr = &wstransport.Transport{
		InitFunc: testInit,
		OnConnect: func(_ context.Context, c *wstransport.Conn) {
			h.mu.Lock()
			h.connected = append(h.connected, c)
			h.mu.Unlock()
			h.sig.notify()
		},
		OnClose: func(_ context.Context, c *wstransport.Conn, code int) {
			h.mu.Lock()
			h.closed[c] = append(h.closed[c], code)
			h.mu.Unlock()
			h.sig.notify()
		},
		KeepAlive: -1,
		Logger:    slog.New(slog.DiscardHandler),
	}
	if configure != nil {
		configure(h.tr)
	}
	gql := handler.New(newSchema(h.hub, h.pushed))
	gql.SetRecoverFunc(func(context.Context, any) error { return gqlerror.Errorf("internal system error") })
	gql.Use(needsOperationContext{})
	gql.AddTransport(h.tr)
	h.srv = httptest.NewUnstartedServer(gql)
	if wrap != nil {
		h.srv.Listener = wrap(h.srv.Listener)
	}
	h.srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := h.tr.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		h.srv.Close()
	})
	return h
}

// conn returns the connection acknowledged for user.
func (h *harness) conn(t *testing.T, user string) *wstransport.Conn {
	t.Helper()
	var found *wstransport.Conn
	waitUntil(t, &h.sig, "connection of "+user, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, c := range h.connected {
			if userOf(c.Context()) == user {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// closeCodes waits until OnClose ran for c and returns every code it got.
func (h *harness) closeCodes(t *testing.T, c *wstransport.Conn) []int {
	t.Helper()
	var codes []int
	waitUntil(t, &h.sig, "OnClose of "+c.ID(), func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		codes = append([]int(nil), h.closed[c]...)
		return len(codes) > 0
	})
	return codes
}

func (h *harness) url() string { return "ws" + strings.TrimPrefix(h.srv.URL, "http") }

// client is a real gorilla/websocket client.
type client struct {
	t  *testing.T
	ws *websocket.Conn
}

type message struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

func (h *harness) dial(t *testing.T, protocols ...string) *client {
	t.Helper()
	return h.dialWith(t, &websocket.Dialer{HandshakeTimeout: waitTimeout}, protocols...)
}

func (h *harness) dialWith(t *testing.T, d *websocket.Dialer, protocols ...string) *client {
	t.Helper()
	d.Subprotocols = protocols
	ws, _, err := d.Dial(h.url(), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return &client{t: t, ws: ws}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(raw)); err != nil {
		c.t.Fatalf("send %s: %v", raw, err)
	}
}

func (c *client) read() (message, error) {
	if err := c.ws.SetReadDeadline(time.Now().Add(waitTimeout)); err != nil {
		return message{}, err
	}
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return message{}, err
	}
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("server sent invalid JSON %q: %v", data, err)
	}
	return m, nil
}

// expect reads the next message and checks its type, id and that its
// payload contains every string in has.
func (c *client) expect(typ, id string, has ...string) message {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("want %s %q, got error %v", typ, id, err)
	}
	if m.Type != typ || m.ID != id {
		c.t.Fatalf("want %s %q, got %s %q payload %s", typ, id, m.Type, m.ID, m.Payload)
	}
	for _, s := range has {
		if !strings.Contains(string(m.Payload), s) {
			c.t.Fatalf("%s %q payload %s lacks %q", typ, id, m.Payload, s)
		}
	}
	return m
}

// expectClose reads the close frame; with skipData, messages before it are
// discarded instead of failing the test.
func (c *client) expectClose(code int, reason string, skipData bool) {
	c.t.Helper()
	for {
		m, err := c.read()
		if err == nil {
			if skipData {
				continue
			}
			c.t.Fatalf("want close %d, got %s %q payload %s", code, m.Type, m.ID, m.Payload)
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("want close %d %q, got %v", code, reason, err)
		}
		if ce.Code != code || ce.Text != reason {
			c.t.Fatalf("want close %d %q, got %d %q", code, reason, ce.Code, ce.Text)
		}
		return
	}
}

func initMsg(token string) string {
	return fmt.Sprintf(`{"type":"connection_init","payload":{"authToken":%q}}`, token)
}

func subscribeMsg(typ, id, query string) string {
	b, _ := json.Marshal(map[string]any{"type": typ, "id": id, "payload": map[string]any{"query": query}})
	return string(b)
}

// init completes connection_init for user and returns the ack.
func (c *client) init(user string) message {
	c.t.Helper()
	c.send(initMsg("user:" + user))
	return c.expect("connection_ack", "", `"user":"`+user+`"`)
}

// needsOperationContext is response middleware that reads the operation
// context, as gqlgen's own and the server's extensions may: every response
// the transport presents, errors before execution included, must carry one
// (graphql.GetOperationContext panics without it).
type needsOperationContext struct{}

func (needsOperationContext) ExtensionName() string                   { return "needsOperationContext" }
func (needsOperationContext) Validate(graphql.ExecutableSchema) error { return nil }
func (needsOperationContext) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	_ = graphql.GetOperationContext(ctx)
	return next(ctx)
}
