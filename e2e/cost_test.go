package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

func repeatedFields(n int) string { return "{ me {" + strings.Repeat(" id", n) + " } }" }

// Issue 10 item 1: a document of thousands of fields used to take seconds
// (4,000 fields: 2 s; 200,000 fields in 600 KB: over 10 minutes) in
// validation. It is refused before validation, with BAD_USER_INPUT, over
// HTTP and over a websocket.
func TestDocumentLimits(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	c, _ := signUp(t, n, "ada@example.com")
	anon := n.Client()

	for _, tc := range []struct {
		name, query, about string
	}{
		{"Err4000Fields", repeatedFields(4000), "fields"},
		{"Err200000Fields", repeatedFields(200_000), "tokens"},
		{"ErrAliases", "{ me {" + aliases(150) + " } }", "aliases"},
		// Within the limits, fields that cannot be merged are still refused.
		{"ErrConflictingFields", "{ me {" + strings.Repeat(" id", 500) + " id: email } }", `"id" conflict`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := anon.Do(t, tc.query, nil)
			if r.Code() != "BAD_USER_INPUT" || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, tc.about) {
				t.Fatalf("want one BAD_USER_INPUT about %s, got %d %+v", tc.about, r.Status, r.Errors)
			}
		})
	}

	t.Run("OKWithinLimits", func(t *testing.T) {
		var out struct{ Me struct{ ID string } }
		c.MustDo(t, repeatedFields(500), nil, &out)
		if out.Me.ID == "" {
			t.Fatal("no id")
		}
	})

	t.Run("ErrOverWebsocket", func(t *testing.T) {
		ws := initWS(t, n, c)
		ws.send(map[string]any{"id": "big", "type": "subscribe", "payload": map[string]any{"query": repeatedFields(4000)}})
		m := ws.nextEvent("big")
		if p := mustJSON(m["payload"]); m["type"] != "error" || !strings.Contains(p, "BAD_USER_INPUT") || !strings.Contains(p, "more fields than") {
			t.Fatalf("want an error with BAD_USER_INPUT about fields, got %v", m)
		}
		// The socket stays usable.
		if got := sendOverWS(t, ws, "me", "{ me { id } }", nil); !strings.Contains(got, `"me"`) {
			t.Fatalf("after the refusal: %s", got)
		}
	})
}

func aliases(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: id", i)
	}
	return b.String()
}

// Issue 10 item 1: every request has a deadline that cancels its work. On a
// node with REQUEST_TIMEOUT=1ns every deadline has passed when work starts,
// so the store refuses it (UNAVAILABLE) over HTTP and for a query on a
// websocket; a subscription has no deadline and still delivers events.
func TestRequestDeadline(t *testing.T) {
	store := testenv.Stores(t)[0]
	redisURL, prefix := testenv.Redis(t)
	n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, RedisPrefix: prefix})
	late := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, RedisPrefix: prefix,
		Env: map[string]string{"REQUEST_TIMEOUT": "1ns"}})
	owner, _ := signUp(t, n, "ada@example.com")

	t.Run("ErrHTTP", func(t *testing.T) {
		c := late.Client()
		c.Token = owner.Token
		if r := c.Do(t, "{ me { id memberships { id } } }", nil); r.Code() != "UNAVAILABLE" {
			t.Fatalf("want UNAVAILABLE, got %d %s %+v", r.Status, r.Data, r.Errors)
		}
	})

	t.Run("ErrWebsocketQuery", func(t *testing.T) {
		ws := initWS(t, late, owner)
		ws.send(map[string]any{"id": "q", "type": "subscribe", "payload": map[string]any{"query": "{ me { id memberships { id } } }"}})
		if got := mustJSON(ws.nextEvent("q")["payload"]); !strings.Contains(got, "UNAVAILABLE") {
			t.Fatalf("want UNAVAILABLE, got %s", got)
		}
	})

	t.Run("OKSubscription", func(t *testing.T) {
		if redisURL == "" {
			t.Skip("events reach another node through Redis (TEST_REDIS_URL)")
		}
		// Returns once sessionsChanged on the late node has delivered an
		// event raised on the other one.
		watchSessions(t, late, n, owner, "ada@example.com")
	})
}

// Issue 10 item 1: one request must not hold up a stop. A request whose
// body never arrives keeps its handler reading; on SIGTERM the node waits
// SHUTDOWN_TIMEOUT for it, then closes it and exits cleanly.
func TestShutdownNotHeldUpBySlowRequest(t *testing.T) {
	p := testenv.StartProcess(t, map[string]string{
		"DATABASE_URL": testenv.Stores(t)[0].URL, "SHUTDOWN_TIMEOUT": "1s", "REQUEST_TIMEOUT": "10m",
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Expect: 100-continue makes the server say "100 Continue" when the
	// handler starts reading the body: the request is then in flight.
	fmt.Fprintf(conn, "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := br.ReadString('\n'); err != nil || !strings.Contains(line, "100") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}
	_, _ = conn.Write([]byte(`{"query":`))

	start := time.Now()
	p.Stop() // fails the test unless the process exits cleanly
	if !p.Exited() {
		t.Fatal("still running after SIGTERM")
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Fatalf("stopping took %v with SHUTDOWN_TIMEOUT=1s", took)
	}
	// The slow request's connection was closed.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(br); err != nil {
		t.Fatalf("connection of the slow request not closed: %v", err)
	}
}
