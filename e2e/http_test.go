package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
)

type rawResult struct {
	status int
	header http.Header
	body   map[string]any
}

func (r rawResult) code() string {
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

func send(t *testing.T, n *testenv.Node, method, path, contentType, accept, body string, hdr map[string]string) rawResult {
	t.Helper()
	req, _ := http.NewRequest(method, n.Server.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := rawResult{status: resp.StatusCode, header: resp.Header}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

func TestGraphQLOverHTTP(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	const js, gr = "application/json", "application/graphql-response+json"
	deep := "{ me { organizations { rootAccount { organization { rootAccount { organization { rootAccount { organization { rootAccount { organization { rootAccount { organization { rootAccount { id } } } } } } } } } } } } }"
	cases := []struct {
		name, method, ctype, accept, body string
		status                            int
		code                              string
	}{
		{"OK", "POST", js, js, `{"query":"{ products { key } }"}`, 200, ""},
		{"OKGraphQLResponseMedia", "POST", js, gr, `{"query":"{ products { key } }"}`, 200, ""},
		{"ErrMalformedJSON", "POST", js, js, `{"query":`, 400, "BAD_USER_INPUT"},
		{"ErrNotJSON", "POST", "text/plain", js, `{ products { key } }`, 415, "BAD_USER_INPUT"},
		{"ErrNoQuery", "POST", js, js, `{"variables":{}}`, 400, "BAD_USER_INPUT"},
		{"ErrUnknownFieldLegacyMedia", "POST", js, js, `{"query":"{ nope }"}`, 200, "BAD_USER_INPUT"},
		{"ErrUnknownFieldGraphQLResponseMedia", "POST", js, gr, `{"query":"{ nope }"}`, 400, "BAD_USER_INPUT"},
		{"ErrSyntax", "POST", js, gr, `{"query":"{ products { "}`, 400, "BAD_USER_INPUT"},
		{"ErrTooDeep", "POST", js, js, `{"query":"` + deep + `"}`, 200, "BAD_USER_INPUT"},
		{"ErrNotAcceptable", "POST", js, "text/html", `{"query":"{ products { key } }"}`, 406, "BAD_USER_INPUT"},
		{"ErrOversizedBody", "POST", js, js, `{"query":"{ products { key } }","x":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "BAD_USER_INPUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, n, tc.method, "/query", tc.ctype, tc.accept, tc.body, nil)
			if r.status != tc.status || r.code() != tc.code {
				t.Fatalf("want %d %q, got %d %q: %v", tc.status, tc.code, r.status, r.code(), r.body)
			}
			if tc.status != 413 && tc.status != 406 && !strings.HasPrefix(r.header.Get("Content-Type"), tc.accept) {
				t.Fatalf("content type %q, want %q", r.header.Get("Content-Type"), tc.accept)
			}
		})
	}
	t.Run("GetQuery", func(t *testing.T) {
		r := send(t, n, "GET", "/query?query="+url.QueryEscape("{ products { key } }"), "", js, "", nil)
		if r.status != 200 || r.code() != "" {
			t.Fatalf("GET query: %d %v", r.status, r.body)
		}
	})
	t.Run("ErrGetMutation", func(t *testing.T) {
		r := send(t, n, "GET", "/query?query="+url.QueryEscape("mutation { signOut }"), "", js, "", nil)
		if r.status != 405 || r.header.Get("Allow") != "POST" {
			t.Fatalf("GET mutation: want 405 with Allow: POST, got %d %v", r.status, r.header)
		}
	})
	t.Run("Introspection", func(t *testing.T) {
		r := send(t, n, "POST", "/query", js, js, `{"query":"{ __schema { queryType { name } } }"}`, nil)
		if r.status != 200 || r.code() != "" {
			t.Fatalf("introspection: %d %v", r.status, r.body)
		}
	})
}

func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Env: map[string]string{"GRAPHQL_INTROSPECTION": "false"}})
	r := send(t, n, "POST", "/query", "application/json", "application/json", `{"query":"{ __schema { queryType { name } } }"}`, nil)
	if r.code() == "" {
		t.Fatalf("introspection must be refused when off: %v", r.body)
	}
}

func TestCORS(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Env: map[string]string{"ALLOWED_ORIGINS": "https://app.example.com"}})
	pre := func(origin string) string {
		req, _ := http.NewRequest(http.MethodOptions, n.Server.URL+"/query", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Access-Control-Allow-Origin")
	}
	if got := pre("https://app.example.com"); got != "https://app.example.com" {
		t.Fatalf("allowed origin refused: %q", got)
	}
	if got := pre("https://evil.example.com"); got != "" {
		t.Fatalf("foreign origin allowed: %q", got)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	// Operation names are labels only when known (see metrics_test.go).
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Redis: true,
		Env: map[string]string{"METRICS_OPERATION_NAMES": "Catalogue"}})
	if r := send(t, n, "GET", "/healthz", "", "", "", nil); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
	if r := send(t, n, "GET", "/readyz", "", "", "", nil); r.status != 200 || r.body["status"] != "ready" {
		t.Fatalf("readyz %d %v", r.status, r.body)
	}
	send(t, n, "POST", "/query", "application/json", "", `{"query":"query Catalogue { products { key } }"}`, nil)
	send(t, n, "POST", "/query", "application/json", "", `{"query":"{ nope }"}`, nil)
	resp, err := http.Get(n.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`rollcall_graphql_requests_total{operation="Catalogue",type="query"} 1`,
		`rollcall_graphql_errors_total{code="BAD_USER_INPUT"}`,
		`rollcall_graphql_request_duration_seconds_bucket{operation="Catalogue"`,
		`rollcall_mail_outbox_backlog 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s in\n%s", want, grepLines(string(body), "rollcall_"))
		}
	}
}

func TestReadyzReportsStoreDown(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	_ = n.App.DB.Close()
	if r := send(t, n, "GET", "/readyz", "", "", "", nil); r.status != 503 {
		t.Fatalf("readyz with the store closed: %d %v", r.status, r.body)
	}
	// A failing store never leaks its error text.
	r := send(t, n, "POST", "/query", "application/json", "", `{"query":"mutation { signIn(input:{email:\"a@example.com\", password:\"whatever1\"}) { token } }"}`, nil)
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("want an error, got %v", r.body)
	}
	msg := errs[0].(map[string]any)["message"].(string)
	if r.status != 503 || r.code() != "UNAVAILABLE" || strings.Contains(strings.ToLower(msg), "sql") {
		t.Fatalf("store failure leaked or mis-coded: %v", r.body)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
