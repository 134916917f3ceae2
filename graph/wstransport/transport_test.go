package wstransport_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/rollcall/rollcall/graph/wstransport"
)

func TestSupports(t *testing.T) {
	t.Parallel()
	tr := &wstransport.Transport{}
	cases := []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"Upgrade", map[string]string{"Connection": "keep-alive, Upgrade", "Upgrade": "websocket"}, true},
		{"PlainGET", nil, false},
		{"OtherUpgrade", map[string]string{"Connection": "Upgrade", "Upgrade": "h2c"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/query", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			if got := tr.Supports(r); got != tc.want {
				t.Fatalf("Supports = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSubprotocolNegotiation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		offered []string
		header  string // Sec-WebSocket-Protocol answered
		want    string // Conn.Protocol
	}{
		{"TransportWS", []string{gtws}, gtws, gtws},
		{"Legacy", []string{legacy}, legacy, legacy},
		{"BothPrefersTransportWS", []string{legacy, gtws}, gtws, gtws},
		{"NoneOfferedIsLegacy", nil, "", legacy},
		{"UnknownOfferedIsLegacy", []string{"graphql-sse"}, "", legacy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil, nil)
			c := h.dial(t, tc.offered...)
			if got := c.ws.Subprotocol(); got != tc.header {
				t.Fatalf("negotiated %q, want %q", got, tc.header)
			}
			c.init("neg")
			if got := h.conn(t, "neg").Protocol(); got != tc.want {
				t.Fatalf("Protocol() = %q, want %q", got, tc.want)
			}
			start := "start"
			if tc.want == gtws {
				start = "subscribe"
			}
			c.send(subscribeMsg(start, "1", "{ hello }"))
			if tc.want == gtws {
				c.expect("next", "1", "Hello, world")
			} else {
				c.expect("data", "1", "Hello, world")
			}
			c.expect("complete", "1")
		})
	}
}

func TestConnAccessorsAndConnFromContext(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	before := time.Now()
	a := h.dial(t, gtws)
	a.init("ann")
	b := h.dial(t, gtws)
	b.init("ben")
	ca, cb := h.conn(t, "ann"), h.conn(t, "ben")

	if ca.ID() == "" || ca.ID() == cb.ID() {
		t.Fatalf("ids %q and %q must be set and differ", ca.ID(), cb.ID())
	}
	if ca.ConnectedAt().Before(before) || ca.ConnectedAt().After(time.Now()) {
		t.Fatalf("ConnectedAt %v out of range", ca.ConnectedAt())
	}
	if !ca.Acknowledged() || ca.RemoteAddr() == "" || ca.CloseCode() != 0 {
		t.Fatalf("acked=%v remote=%q code=%d", ca.Acknowledged(), ca.RemoteAddr(), ca.CloseCode())
	}
	if got := ca.InitPayload().AuthToken(); got != "user:ann" {
		t.Fatalf("InitPayload().AuthToken() = %q", got)
	}
	if wstransport.ConnFromContext(ca.Context()) != ca {
		t.Fatal("ConnFromContext(c.Context()) is not c")
	}
	if wstransport.ConnFromContext(context.Background()) != nil {
		t.Fatal("ConnFromContext of a bare context is not nil")
	}

	// A resolver sees its socket and the InitFunc's context.
	a.send(subscribeMsg("subscribe", "w", "{ whoami }"))
	a.expect("next", "w", `"whoami":"ann `+ca.ID()+`"`)
	a.expect("complete", "w")
}

func TestLivenessIsDecidedByServerPings(t *testing.T) {
	t.Parallel()
	fast := func(tr *wstransport.Transport) {
		tr.PingInterval = 40 * time.Millisecond
		tr.PongTimeout = 500 * time.Millisecond
	}

	t.Run("SilentPeerClosed", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, fast, nil)
		c := h.dial(t, gtws)
		c.init("deaf")
		c.ws.SetPingHandler(func(string) error { return nil }) // never answers
		c.expectClose(wstransport.CloseLivenessTimeout, "Liveness timeout", false)
		if codes := h.closeCodes(t, h.conn(t, "deaf")); codes[0] != wstransport.CloseLivenessTimeout {
			t.Fatalf("OnClose codes %v", codes)
		}
	})

	t.Run("AnsweringPeerKept", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, fast, nil)
		c := h.dial(t, legacy) // liveness is the same for both protocols
		c.init("alive")
		var pings atomic.Int32
		c.ws.SetPingHandler(func(data string) error {
			pings.Add(1)
			return c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
		// Nothing but pings arrives for three pong timeouts; the socket stays.
		_ = c.ws.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
		_, data, err := c.ws.ReadMessage()
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("want a client read timeout, got %q, %v", data, err)
		}
		if n := pings.Load(); n < 5 {
			t.Fatalf("only %d pings in 1.5s at a 40ms interval", n)
		}
		if h.tr.Count() != 1 || h.conn(t, "alive").CloseCode() != 0 {
			t.Fatalf("answering peer was closed (count %d)", h.tr.Count())
		}
	})
}

// smallBuffers makes the kernel hold little for a socket, so a client that
// stops reading stalls the server's writes after a few messages.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

func smallServerBuffers(l net.Listener) net.Listener { return smallBuffers{l} }

func smallReadDialer() *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: waitTimeout,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(16 << 10)
			}
			return c, err
		},
	}
}

func TestSlowConsumerQueueOverflowClosed1013WhileOthersKeepReceiving(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(tr *wstransport.Transport) {
		tr.QueueSize = 8
		// Long enough for the slow client to start reading again before
		// its stalled write times out, so it can receive the 1013 frame.
		tr.WriteTimeout = 10 * time.Second
	}, smallServerBuffers)

	healthy := h.dial(t, gtws)
	healthy.init("healthy")
	slow := h.dialWith(t, smallReadDialer(), gtws)
	slow.init("slow")
	slowConn := h.conn(t, "slow")
	healthy.send(subscribeMsg("subscribe", "h", "subscription { feed }"))
	slow.send(subscribeMsg("subscribe", "s", "subscription { feed }"))
	h.hub.waitCount(t, 2)

	// Publish in step with the healthy reader while the slow one reads
	// nothing: its socket stalls, its queue fills, and it is dropped.
	big := strings.Repeat("x", 16<<10)
	i := 0
	for ; slowConn.Context().Err() == nil; i++ {
		if i == 500 {
			t.Fatal("slow consumer never closed")
		}
		h.hub.publish(fmt.Sprintf("%d:%s", i, big))
		healthy.expect("next", "h", fmt.Sprintf(`"feed":"%d:`, i))
	}
	if slowConn.CloseCode() != wstransport.CloseSlowConsumer {
		t.Fatalf("slow conn closing with %d", slowConn.CloseCode())
	}

	// The slow client reads again: what was already on the wire, then 1013.
	slow.expectClose(wstransport.CloseSlowConsumer, "slow consumer", true)
	if codes := h.closeCodes(t, slowConn); len(codes) != 1 || codes[0] != wstransport.CloseSlowConsumer {
		t.Fatalf("OnClose codes %v", codes)
	}
	h.hub.waitCount(t, 1)

	// The healthy client never noticed.
	for j := 0; j < 5; j++ {
		msg := fmt.Sprintf("after-%d", j)
		if n := h.hub.publish(msg); n != 1 {
			t.Fatalf("published to %d subscribers", n)
		}
		healthy.expect("next", "h", msg)
	}
	if n := h.tr.Count(); n != 1 {
		t.Fatalf("Count = %d, want 1", n)
	}
}

func TestSlowConsumerStalledWriteClosed1013(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(tr *wstransport.Transport) {
		tr.WriteTimeout = 200 * time.Millisecond
	}, smallServerBuffers)
	stalled := h.dialWith(t, smallReadDialer(), gtws)
	stalled.init("stalled")
	conn := h.conn(t, "stalled")
	stalled.send(subscribeMsg("subscribe", "s", "subscription { feed }"))
	h.hub.waitCount(t, 1)

	// Far below QueueSize: only the stalled write can close it.
	big := strings.Repeat("y", 64<<10)
	for i := 0; i < 10 && conn.Context().Err() == nil; i++ {
		h.hub.publish(big)
	}
	if codes := h.closeCodes(t, conn); len(codes) != 1 || codes[0] != wstransport.CloseSlowConsumer {
		t.Fatalf("OnClose codes %v", codes)
	}
	h.hub.waitCount(t, 0)
	// The stream was cut mid-message: the client sees the connection drop.
	for {
		if _, err := stalled.read(); err != nil {
			break
		}
	}
}

func TestShutdownClosesEverySocketWith1001(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	a := h.dial(t, gtws)
	a.init("a")
	b := h.dial(t, legacy)
	b.init("b")
	b.send(subscribeMsg("start", "1", "subscription { feed }"))
	h.hub.waitCount(t, 1)
	pending := h.dial(t, gtws) // upgraded, never initialised
	pending.send(`{"type":"ping"}`)
	pending.expect("pong", "")
	if n := h.tr.Count(); n != 3 {
		t.Fatalf("Count = %d, want 3", n)
	}

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		done <- h.tr.Shutdown(ctx)
	}()
	for _, c := range []*client{a, b, pending} {
		c.expectClose(wstransport.CloseGoingAway, "Going Away", false)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Shutdown did not return")
	}
	if n := h.tr.Count(); n != 0 {
		t.Fatalf("Count after Shutdown = %d", n)
	}
	h.hub.waitCount(t, 0)
	if codes := h.closeCodes(t, h.conn(t, "a")); codes[0] != wstransport.CloseGoingAway {
		t.Fatalf("OnClose codes %v", codes)
	}

	// New sockets are refused before the upgrade.
	_, resp, err := (&websocket.Dialer{HandshakeTimeout: waitTimeout}).Dial(h.url(), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Shutdown: resp %v, err %v", resp, err)
	}
}

func TestShutdownHonoursContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	h := newHarness(t, func(tr *wstransport.Transport) {
		tr.OnClose = func(context.Context, *wstransport.Conn, int) { <-release }
	}, nil)
	c := h.dial(t, gtws)
	c.init("x")
	// OnClose is still running at the deadline: Shutdown gives up.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := h.tr.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want deadline exceeded", err)
	}
	c.expectClose(wstransport.CloseGoingAway, "Going Away", false)
	close(release)
}

func TestCloseMatchingAndEach(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	a1 := h.dial(t, gtws)
	a1.init("alice")
	a2 := h.dial(t, legacy)
	a2.send(initMsg("user:alice"))
	a2.expect("connection_ack", "")
	b := h.dial(t, gtws)
	b.init("bob")

	users := map[string]int{}
	h.tr.Each(func(c *wstransport.Conn) bool {
		users[userOf(c.Context())]++
		return true
	})
	if users["alice"] != 2 || users["bob"] != 1 || h.tr.Count() != 3 {
		t.Fatalf("Each saw %v, Count %d", users, h.tr.Count())
	}
	visited := 0
	h.tr.Each(func(*wstransport.Conn) bool { visited++; return false })
	if visited != 1 {
		t.Fatalf("Each went on after false: %d", visited)
	}

	n := h.tr.CloseMatching(func(c *wstransport.Conn) bool { return userOf(c.Context()) == "alice" },
		wstransport.CloseForbidden, "Forbidden: signed out")
	if n != 2 {
		t.Fatalf("CloseMatching = %d, want 2", n)
	}
	a1.expectClose(wstransport.CloseForbidden, "Forbidden: signed out", false)
	a2.expectClose(wstransport.CloseForbidden, "Forbidden: signed out", false)

	b.send(subscribeMsg("subscribe", "1", "{ hello }"))
	b.expect("next", "1")
	b.expect("complete", "1")
	waitUntil(t, &h.sig, "two sockets closed", func() bool { return h.tr.Count() == 1 })
}

func TestCloseIsIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	c := h.dial(t, gtws)
	c.init("once")
	conn := h.conn(t, "once")

	var wg sync.WaitGroup
	var first atomic.Int32
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if conn.Close(4000+i, fmt.Sprintf("closer %d", i)) {
				first.Add(1)
			}
		}()
	}
	wg.Wait()
	if first.Load() != 1 {
		t.Fatalf("%d Close calls reported being first", first.Load())
	}
	code := conn.CloseCode()
	c.expectClose(code, fmt.Sprintf("closer %d", code-4000), false)
	waitUntil(t, &h.sig, "socket removed", func() bool { return h.tr.Count() == 0 })
	if codes := h.closeCodes(t, conn); len(codes) != 1 || codes[0] != code {
		t.Fatalf("OnClose codes %v, want [%d]", codes, code)
	}
	if conn.Close(4001, "again") {
		t.Fatal("Close after close reported being first")
	}
}

func TestCloseReasonIsTruncated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	c := h.dial(t, gtws)
	c.init("long")
	h.conn(t, "long").Close(4403, strings.Repeat("é", 100)) // 200 bytes
	_, _, err := c.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4403 {
		t.Fatalf("want close 4403, got %v", err)
	}
	if len(ce.Text) > 123 || !utf8.ValidString(ce.Text) || !strings.HasPrefix(strings.Repeat("é", 100), ce.Text) {
		t.Fatalf("reason %q (%d bytes)", ce.Text, len(ce.Text))
	}
}

func TestPeerCloseCancelsOperations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		token string
		close func(c *client)
		code  int
	}{
		{"CloseFrame", "user:carol", func(c *client) {
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
			c.expectClose(websocket.CloseNormalClosure, "", false) // the echo
		}, websocket.CloseNormalClosure},
		{"GoingAway", "user:carol", func(c *client) {
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
			c.expectClose(websocket.CloseGoingAway, "", false)
		}, websocket.CloseGoingAway},
		{"TCPDrop", "user:carol", func(c *client) { _ = c.ws.Close() }, wstransport.CloseAbnormal},
		// InitFunc returned a context not derived from the connection's:
		// operations must still end with the socket.
		{"DetachedInitContext", "detached:carol", func(c *client) { _ = c.ws.Close() }, wstransport.CloseAbnormal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil, nil)
			c := h.dial(t, gtws)
			c.send(initMsg(tc.token))
			c.expect("connection_ack", "")
			conn := h.conn(t, "carol")
			c.send(subscribeMsg("subscribe", "1", "subscription { feed }"))
			c.send(subscribeMsg("subscribe", "2", "subscription { feed }"))
			h.hub.waitCount(t, 2)
			tc.close(c)
			h.hub.waitCount(t, 0)
			if codes := h.closeCodes(t, conn); len(codes) != 1 || codes[0] != tc.code {
				t.Fatalf("OnClose codes %v, want [%d]", codes, tc.code)
			}
		})
	}
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(tr *wstransport.Transport) { tr.ReadLimit = 512 }, nil)
	c := h.dial(t, gtws)
	c.init("big")
	c.send(subscribeMsg("subscribe", "1", "{ hello } # "+strings.Repeat("x", 1024)))
	c.expectClose(wstransport.CloseMessageTooBig, "", false)
	if codes := h.closeCodes(t, h.conn(t, "big")); codes[0] != wstransport.CloseMessageTooBig {
		t.Fatalf("OnClose codes %v", codes)
	}
}

func TestInitPayloadAuthToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		payload wstransport.InitPayload
		want    string
	}{
		{"Nil", nil, ""},
		{"AuthToken", wstransport.InitPayload{"authToken": "abc"}, "abc"},
		{"AuthTokenWins", wstransport.InitPayload{"authToken": "abc", "Authorization": "Bearer def"}, "abc"},
		{"AuthorizationBearer", wstransport.InitPayload{"Authorization": "Bearer def"}, "def"},
		{"AuthorizationLowerBearerCase", wstransport.InitPayload{"authorization": "bearer  ghi "}, "ghi"},
		{"AuthorizationBare", wstransport.InitPayload{"Authorization": "jkl"}, "jkl"},
		{"NotAString", wstransport.InitPayload{"authToken": 42}, ""},
		{"BearerOnly", wstransport.InitPayload{"Authorization": "Bearer "}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.payload.AuthToken(); got != tc.want {
				t.Fatalf("AuthToken() = %q, want %q", got, tc.want)
			}
		})
	}
}
