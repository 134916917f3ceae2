package wstransport_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
)

// refusals records OnRefuse calls.
type refusals struct {
	mu  sync.Mutex
	got map[string]int
}

func (r *refusals) hook(_ *wstransport.Conn, limit string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.got == nil {
		r.got = map[string]int{}
	}
	r.got[limit]++
}

func (r *refusals) count(limit string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[limit]
}

// Past MaxOperations a subscribe is answered with an error for its id and
// runs nothing; the socket stays open and takes new operations once one ends.
func TestMaxOperationsRefusesTheOperation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ proto, start, stop string }{{gtws, "subscribe", "complete"}, {legacy, "start", "stop"}} {
		t.Run(tc.proto, func(t *testing.T) {
			var ref refusals
			h := newHarness(t, func(tr *wstransport.Transport) {
				tr.MaxOperations = 3
				tr.OnRefuse = ref.hook
			}, nil)
			c := h.dial(t, tc.proto)
			c.init("ada")
			for _, id := range []string{"1", "2", "3"} {
				c.send(subscribeMsg(tc.start, id, "subscription { feed }"))
			}
			h.hub.waitCount(t, 3)
			c.send(subscribeMsg(tc.start, "4", "subscription { feed }"))
			c.expect("error", "4", `"code":"RATE_LIMITED"`, "at most 3")
			if n := ref.count(wstransport.LimitOperations); n != 1 {
				t.Fatalf("OnRefuse(%s) called %d times", wstransport.LimitOperations, n)
			}
			if n := h.hub.count(); n != 3 {
				t.Fatalf("%d feeds run after the refusal", n)
			}
			c.send(`{"type":"` + tc.stop + `","id":"1"}`)
			if tc.proto == legacy {
				c.expect("complete", "1")
			}
			h.hub.waitCount(t, 2)
			c.send(subscribeMsg(tc.start, "5", "subscription { feed }"))
			h.hub.waitCount(t, 3)
			h.hub.publish("still open")
			for range 3 {
				m, err := c.read()
				if err != nil || m.Type == "error" {
					t.Fatalf("after a refusal the socket keeps working: %v %v", m, err)
				}
			}
		})
	}
}

// A client sending faster than MessageRate (past its burst) is closed with
// 4429.
func TestMessageRateCloses4429(t *testing.T) {
	t.Parallel()
	var ref refusals
	h := newHarness(t, func(tr *wstransport.Transport) {
		tr.MessageRate = 1
		tr.MessageBurst = 5
		tr.OnRefuse = ref.hook
	}, nil)
	c := h.dial(t, gtws)
	c.init("ada") // one message of the burst
	for range 10 {
		c.send(`{"type":"ping"}`)
	}
	// Pongs of the burst may be on the wire before the close (the queue
	// is dropped when it closes).
	c.expectClose(wstransport.CloseTooManyRequests, "Too many requests", true)
	if codes := h.closeCodes(t, h.conn(t, "ada")); codes[0] != wstransport.CloseTooManyRequests {
		t.Fatalf("OnClose codes %v", codes)
	}
	if n := ref.count(wstransport.LimitMessageRate); n != 1 {
		t.Fatalf("OnRefuse(%s) called %d times", wstransport.LimitMessageRate, n)
	}
}

// Within the rate nothing is refused: the defaults leave a SPA alone.
func TestMessageRateDefaultsAllowABurst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, nil)
	c := h.dial(t, gtws)
	c.init("ada")
	for range wstransport.DefaultMessageBurst - 1 {
		c.send(`{"type":"ping"}`)
	}
	for range wstransport.DefaultMessageBurst - 1 {
		c.expect("pong", "")
	}
}

// Authorize refuses an operation with an error for it, then closes the
// socket with 4403; operations before the refusal ran.
func TestAuthorizeRefusesAndCloses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ proto, start, data string }{{gtws, "subscribe", "next"}, {legacy, "start", "data"}} {
		t.Run(tc.proto, func(t *testing.T) {
			var ended, unavailable atomic.Bool
			h := newHarness(t, func(tr *wstransport.Transport) {
				tr.Authorize = func(ctx context.Context, c *wstransport.Conn) error {
					if wstransport.ConnFromContext(ctx) != c {
						t.Error("Authorize got a context without its Conn")
					}
					if unavailable.Load() {
						return &models.Error{Code: models.CodeUnavailable, Message: "try again"}
					}
					if ended.Load() {
						return &models.Error{Code: models.CodeUnauthenticated, Message: "your session has ended"}
					}
					return nil
				}
			}, nil)
			c := h.dial(t, tc.proto)
			c.init("ada")
			c.send(subscribeMsg(tc.start, "1", "{ hello }"))
			c.expect(tc.data, "1", "Hello, world")
			c.expect("complete", "1")
			// A check that could not be made refuses only the operation.
			unavailable.Store(true)
			c.send(subscribeMsg(tc.start, "u", "{ hello }"))
			c.expect("error", "u", "try again")
			unavailable.Store(false)
			c.send(subscribeMsg(tc.start, "3", "{ hello }"))
			c.expect(tc.data, "3", "Hello, world")
			c.expect("complete", "3")
			ended.Store(true)
			c.send(subscribeMsg(tc.start, "2", "{ hello }"))
			c.expect("error", "2", "your session has ended")
			c.expectClose(wstransport.CloseForbidden, "UNAUTHENTICATED: your session has ended", false)
		})
	}
}

// An InitFunc refusing with RATE_LIMITED (too many sockets) closes with
// 4429 and its message; legacy clients get connection_error first.
func TestInitRateLimitedCloses4429(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(tr *wstransport.Transport) {
		tr.InitFunc = func(context.Context, *http.Request, wstransport.InitPayload) (context.Context, *wstransport.InitPayload, error) {
			return nil, nil, &models.Error{Code: models.CodeRateLimited, Message: "too many connections for this session"}
		}
	}, nil)
	c := h.dial(t, gtws)
	c.send(initMsg("user:ada"))
	c.expectClose(wstransport.CloseTooManyRequests, "RATE_LIMITED: too many connections for this session", false)
	l := h.dial(t, legacy)
	l.send(initMsg("user:ada"))
	l.expect("connection_error", "", `"code":"RATE_LIMITED"`)
	l.expectClose(wstransport.CloseTooManyRequests, "RATE_LIMITED: too many connections for this session", false)
}
