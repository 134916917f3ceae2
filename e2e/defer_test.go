package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
)

const (
	deferAccept = "multipart/mixed;deferSpec=20220824, application/graphql-response+json, application/json"
	deferQuery  = `{ me { email ... @defer { sessions { id } } } }`
)

// postQuery sends query with accept and the client's token, and returns the
// status, the Content-Type and the raw body.
func postQuery(t *testing.T, c *testenv.Client, accept, query string) (int, string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, c.Node.Server.URL+"/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(raw)
}

func TestDefer(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	c, auth := signUp(t, n, "ada@example.com")
	sessionID := auth.Session.ID

	// The exact body Apollo Client reads: the initial payload without the
	// deferred field, then the incremental one, then the close delimiter.
	t.Run("MultipartBody", func(t *testing.T) {
		status, ctype, body := postQuery(t, c, deferAccept, deferQuery)
		if status != 200 || ctype != `multipart/mixed; boundary="-"; deferSpec=20220824` {
			t.Fatalf("%d %q: %q", status, ctype, body)
		}
		const part = "\r\n---\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
		want := part + `{"data":{"me":{"email":"ada@example.com"}},"hasNext":true}` +
			part + `{"incremental":[{"data":{"sessions":[{"id":"` + sessionID + `"}]},"path":["me"]}],"hasNext":false}` +
			"\r\n-----\r\n"
		if body != want {
			t.Fatalf("multipart body\n got %q\nwant %q", body, want)
		}
	})

	// A subscription sent over HTTP is refused at once rather than held
	// until its first event (GraphiQL or a client with the wrong link).
	t.Run("SubscriptionOverHTTPRefused", func(t *testing.T) {
		start := time.Now()
		for _, accept := range []string{deferAccept, "application/json"} {
			status, _, body := postQuery(t, c, accept, `subscription { sessionsChanged { kind } }`)
			if status != http.StatusBadRequest || !strings.Contains(body, `"BAD_USER_INPUT"`) || !strings.Contains(body, "websocket") {
				t.Fatalf("Accept %s: %d %s", accept, status, body)
			}
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("refused after %v: the request waited for an event", d)
		}
	})

	// A deferred query is one request in the metrics, however many
	// payloads it is delivered in.
	t.Run("CountedOnce", func(t *testing.T) {
		const series = `rollcall_graphql_requests_total{operation="anonymous",type="query"}`
		before := max(sampleOf(scrape(t, n), series), 0)
		if _, _, body := postQuery(t, c, deferAccept, deferQuery); len(multipartJSON(t, body)) != 2 {
			t.Fatalf("want two payloads, got %q", body)
		}
		if after := sampleOf(scrape(t, n), series); after != before+1 {
			t.Fatalf("%s went from %v to %v for one deferred query", series, before, after)
		}
	})

	// Labels, several fragments, a nested @defer (delivered with its
	// parent), a field under @defer the executor resolves at once (email,
	// phone: no resolver) and a list.
	t.Run("MultipartShapes", func(t *testing.T) {
		_, _, body := postQuery(t, c, deferAccept, `{ me {
			... @defer(label: "profile") { email phone }
			... @defer(label: "devices") { sessions { id ... @defer(label: "inner") { deviceName } } }
			organizations { name ... @defer(label: "org") { rootAccount { id } } }
		} }`)
		parts := multipartJSON(t, body)
		if len(parts) < 2 {
			t.Fatalf("want an initial and incremental payloads, got %q", body)
		}
		first := parts[0]
		me := first["data"].(map[string]any)["me"].(map[string]any)
		if _, ok := me["sessions"]; ok || me["email"] != "ada@example.com" || first["hasNext"] != true {
			t.Fatalf("initial payload: %v", first)
		}
		if _, ok := me["phone"]; !ok {
			t.Fatalf("phone (null, resolved at once) must stay in the initial payload: %v", me)
		}
		org := me["organizations"].([]any)[0].(map[string]any)
		if _, ok := org["rootAccount"]; ok {
			t.Fatalf("rootAccount is deferred: %v", org)
		}
		labels := map[string]any{}
		for _, p := range parts[1:] {
			for _, inc := range p["incremental"].([]any) {
				m := inc.(map[string]any)
				labels[m["label"].(string)] = m
			}
		}
		if last := parts[len(parts)-1]; last["hasNext"] != false {
			t.Fatalf("the last payload says hasNext false: %v", last)
		}
		dev, _ := labels["devices"].(map[string]any)
		if dev == nil {
			t.Fatalf("no devices payload: %v", labels)
		}
		sess := dev["data"].(map[string]any)["sessions"].([]any)[0].(map[string]any)
		if sess["id"] != sessionID || sess["deviceName"] == nil {
			t.Fatalf("the nested @defer arrives with its parent: %v", dev)
		}
		orgInc, _ := labels["org"].(map[string]any)
		if orgInc == nil || len(orgInc["path"].([]any)) != 3 {
			t.Fatalf("the fragment inside a list arrives at its item's path: %v", orgInc)
		}
	})

	// Through an interface (node) and over GET.
	t.Run("AbstractTypeAndGET", func(t *testing.T) {
		q := `{ node(id: "` + auth.User.ID + `") { id ... on User { email ... @defer { sessions { id } } } } }`
		req, _ := http.NewRequest(http.MethodGet, n.Server.URL+"/query?query="+url.QueryEscape(q), nil)
		req.Header.Set("Accept", deferAccept)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		parts := multipartJSON(t, string(raw))
		first, _ := json.Marshal(parts[0])
		if len(parts) != 2 || string(first) != `{"data":{"node":{"email":"ada@example.com","id":"`+auth.User.ID+`"}},"hasNext":true}` {
			t.Fatalf("%q", raw)
		}
	})

	// A client that does not read multipart/mixed gets the deferred
	// fragments inline, in one result without hasNext; so does a mutation.
	for _, accept := range []string{"application/json", "application/graphql-response+json", "multipart/mixed;deferSpec=20230101, application/json"} {
		t.Run("Inline_"+accept, func(t *testing.T) {
			status, ctype, body := postQuery(t, c, accept, deferQuery)
			want := `{"data":{"me":{"email":"ada@example.com","sessions":[{"id":"` + sessionID + `"}]}}}`
			if status != 200 || strings.HasPrefix(ctype, "multipart/") || body != want {
				t.Fatalf("%d %s %s, want %s", status, ctype, body, want)
			}
		})
	}
	t.Run("InlineMutation", func(t *testing.T) {
		status, ctype, body := postQuery(t, c, deferAccept,
			`mutation { updateProfile(input: {firstName: "Augusta"}) { firstName ... @defer { sessions { id } } } }`)
		want := `{"data":{"updateProfile":{"firstName":"Augusta","sessions":[{"id":"` + sessionID + `"}]}}}`
		if status != 200 || strings.HasPrefix(ctype, "multipart/") || body != want {
			t.Fatalf("%d %s %s, want %s", status, ctype, body, want)
		}
	})
	t.Run("NoDeferNoMultipart", func(t *testing.T) {
		_, ctype, body := postQuery(t, c, deferAccept, `{ me { email } }`)
		if ctype != "application/graphql-response+json" || body != `{"data":{"me":{"email":"ada@example.com"}}}` {
			t.Fatalf("%s %s", ctype, body)
		}
	})

	// The bound: 8 @defer per operation, fragment spreads expanded.
	t.Run("ErrTooManyDefers", func(t *testing.T) {
		many := "{ me { " + strings.Repeat("... @defer { email } ", 9) + "} }"
		viaFragments := `query { me { ...A ...A2 } }
			fragment A on User { ... @defer { email } ... @defer { phone } ... @defer { firstName } }
			fragment A2 on User { ...A ... @defer { lastName } ... @defer { sessions { id } } ... @defer { avatarUrl } }`
		for _, q := range []string{many, viaFragments} {
			for _, accept := range []string{deferAccept, "application/json"} {
				status, _, body := postQuery(t, c, accept, q)
				var r rawResult
				_ = json.Unmarshal([]byte(body), &r.body)
				if r.code() != "BAD_USER_INPUT" || !strings.Contains(body, "@defer") || strings.Contains(body, `"data"`) {
					t.Fatalf("%d %s", status, body)
				}
			}
		}
		// Eight are fine.
		_, ctype, body := postQuery(t, c, deferAccept, "{ me { "+strings.Repeat("... @defer { sessions { id } } ", 8)+"} }")
		if !strings.HasPrefix(ctype, "multipart/mixed") || strings.Contains(body, "errors") {
			t.Fatalf("eight @defer: %s %s", ctype, body)
		}
	})

	// Labels follow the specification: string literals, unique. Two
	// unlabelled fragments that select the same field both complete (the
	// executor alone would wait for the field twice, until the deadline).
	t.Run("Labels", func(t *testing.T) {
		for _, q := range []string{
			`{ me { ... @defer(label: "a") { email } ... @defer(label: "a") { phone } } }`,
			`query($l: String) { me { ... @defer(label: $l) { sessions { id } } } }`,
		} {
			status, _, body := postQuery(t, c, deferAccept, q)
			if status != 400 || !strings.Contains(body, "BAD_USER_INPUT") || !strings.Contains(body, "label") {
				t.Fatalf("%s: %d %s", q, status, body)
			}
		}
		start := time.Now()
		_, _, body := postQuery(t, c, deferAccept, `{ me { ... @defer { sessions { id } } ... @defer { sessions { deviceName } } } }`)
		parts := multipartJSON(t, body)
		if time.Since(start) > 5*time.Second || parts[len(parts)-1]["hasNext"] != false || strings.Contains(body, "errors") || strings.Contains(body, "label") {
			t.Fatalf("two unlabelled fragments on one field: %q", body)
		}
	})

	// Over graphql-transport-ws: the initial payload and the incremental
	// one as two next messages, then complete.
	t.Run("Websocket", func(t *testing.T) {
		ws, _, err := dialWS(t, n, "graphql-transport-ws", "")
		if err != nil {
			t.Fatal(err)
		}
		ws.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": c.Token}})
		if m, _ := ws.read(5 * time.Second); m["type"] != "connection_ack" {
			t.Fatalf("want connection_ack, got %v", m)
		}
		ws.send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": deferQuery}})
		var got []string
		for {
			m, code := ws.read(5 * time.Second)
			if code != 0 {
				t.Fatalf("closed %d after %v", code, got)
			}
			b, _ := json.Marshal(m["payload"])
			got = append(got, m["type"].(string)+" "+string(b))
			if m["type"] != "next" {
				break
			}
		}
		want := []string{
			`next {"data":{"me":{"email":"ada@example.com"}},"hasNext":true}`,
			`next {"hasNext":false,"incremental":[{"data":{"sessions":[{"id":"` + sessionID + `"}]},"path":["me"]}]}`,
			`complete null`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("messages\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// multipartJSON splits a multipart/mixed body (boundary "-") into its JSON
// payloads, checking the framing.
func multipartJSON(t *testing.T, body string) []map[string]any {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n-----\r\n") {
		t.Fatalf("no close delimiter: %q", body)
	}
	body = strings.TrimSuffix(body, "\r\n-----\r\n")
	var out []map[string]any
	for _, part := range strings.Split(body, "\r\n---\r\n")[1:] {
		_, js, ok := strings.Cut(part, "\r\n\r\n")
		if !ok {
			t.Fatalf("part without headers: %q", part)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			t.Fatalf("part is not JSON: %q", js)
		}
		out = append(out, m)
	}
	return out
}
