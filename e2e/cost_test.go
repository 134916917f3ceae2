package e2e

import (
	"fmt"
	"strings"
	"testing"

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
		if m["type"] != "error" || !strings.Contains(mustJSON(m["payload"]), "BAD_USER_INPUT") {
			t.Fatalf("want an error with BAD_USER_INPUT, got %v", m)
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
