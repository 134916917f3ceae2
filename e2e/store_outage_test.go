package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

// TestStoreOutageAnswersUnavailable cuts MariaDB under a running node: every
// request that needs the store, signed in or not, answers 503 UNAVAILABLE
// with Retry-After and no store detail, and the node serves again, without a
// restart, as soon as the store is back.
func TestStoreOutageAnswersUnavailable(t *testing.T) {
	dbURL, proxy := testenv.MySQLViaProxy(t)
	if dbURL == "" {
		t.Skip("TEST_MYSQL_DSN is not set")
	}
	n := testenv.StartNode(t, testenv.Store{Name: "mysql", URL: dbURL}, testenv.NodeOptions{})
	c, _ := signUp(t, n, "outage@example.com")
	auth := map[string]string{"Authorization": "Bearer " + c.Token}

	proxy.Cut()
	for _, tc := range []struct {
		name string
		body string
		hdr  map[string]string
	}{
		{"signIn", `{"query":"mutation { signIn(input:{email:\"outage@example.com\", password:\"correct horse battery\"}) { token } }"}`, nil},
		{"signUp", `{"query":"mutation { signUp(input:{organizationName:\"X\", email:\"new@example.com\", password:\"correct horse battery\", firstName:\"A\", lastName:\"B\"}) { token } }"}`, nil},
		{"requestPasswordReset", `{"query":"mutation { requestPasswordReset(email:\"outage@example.com\") }"}`, nil},
		{"invitationPreview", `{"query":"{ invitationPreview(token:\"abc\") { email } }"}`, nil},
		{"me", `{"query":"{ me { id email } }"}`, auth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, accept := range []string{"application/json", "application/graphql-response+json"} {
				r := send(t, n, "POST", "/query", "application/json", accept, tc.body, tc.hdr)
				if r.status != 503 || r.code() != "UNAVAILABLE" {
					t.Fatalf("%s (%s) with the store down: %d %v", tc.name, accept, r.status, r.body)
				}
				if r.header.Get("Retry-After") == "" && tc.hdr == nil {
					t.Fatalf("%s: 503 without Retry-After", tc.name)
				}
				if msg := strings.ToLower(r.body["errors"].([]any)[0].(map[string]any)["message"].(string)); strings.Contains(msg, "sql") || strings.Contains(msg, "tcp") {
					t.Fatalf("%s: the store's error leaked: %q", tc.name, msg)
				}
			}
		})
	}

	proxy.Restore()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := send(t, n, "POST", "/query", "application/json", "", `{"query":"mutation { signIn(input:{email:\"outage@example.com\", password:\"correct horse battery\"}) { token } }"}`, nil)
		if r.status == 200 && r.code() == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node did not recover after the store came back: %d %v", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond) // polling a recovery: no event to wait on
	}
}

// TestReadyzNeedsAWritableStore holds a write lock on the store from another
// connection (a stuck writer, as a full disk or a read-only store would
// refuse writes): the store still answers reads and pings, yet /readyz
// reports it not ready, and ready again once writes go through.
func TestReadyzNeedsAWritableStore(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		if r := send(t, n, "GET", "/readyz", "", "", "", nil); r.status != 200 {
			t.Fatalf("readyz before: %d %v", r.status, r.body)
		}
		tx, err := testenv.OpenSQL(t, store).Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.Exec("UPDATE store_probe SET checked_at = checked_at WHERE id = 1"); err != nil {
			t.Fatal(err)
		}
		if err := n.App.DB.Ping(context.Background()); err != nil {
			t.Fatalf("the store should still answer a ping: %v", err)
		}
		if r := send(t, n, "GET", "/readyz", "", "", "", nil); r.status != 503 {
			t.Fatalf("readyz while the store cannot write: %d %v", r.status, r.body)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if r := send(t, n, "GET", "/readyz", "", "", "", nil); r.status != 200 {
			t.Fatalf("readyz after: %d %v", r.status, r.body)
		}
	})
}
