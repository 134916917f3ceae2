package graphiql

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/web/static/statictest"
)

func get(t *testing.T, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	return statictest.Get(t, Handler(), path, header)
}

// checkSecurityHeaders checks the headers of a response to a request with
// host; nonce is the page's style nonce ("" for assets and errors).
func checkSecurityHeaders(t *testing.T, h http.Header, host, nonce string) {
	t.Helper()
	if csp := h.Get("Content-Security-Policy"); strings.Contains(csp, "http:") || strings.Contains(csp, "https:") {
		t.Fatalf("the policy allows too much: %q", csp)
	}
	want := map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self'",
		"img-src":         "'self' data:",
		"font-src":        "'self'",
		"connect-src":     "'self' ws://" + host + " wss://" + host,
		"base-uri":        "'none'",
		"form-action":     "'none'",
		"frame-ancestors": "'none'",
	}
	if host == "" {
		want["connect-src"] = "'self'"
	}
	if nonce != "" {
		want["style-src"] = "'self' 'nonce-" + nonce + "'"
	}
	statictest.CheckSecurityHeaders(t, h, want)
}

func TestPage(t *testing.T) {
	w := get(t, "/graphiql", nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /graphiql: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	page := w.Body.String()
	m := regexp.MustCompile(`<meta name="csp-nonce" content="([A-Za-z0-9+/]{24})">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no 24-character nonce in the page:\n%s", page)
	}
	checkSecurityHeaders(t, w.Header(), "api.example.com:8443", m[1])
	if w.Header().Get("Cache-Control") != "no-store" || strings.Contains(page, NoncePlaceholder) {
		t.Fatalf("the page with its nonce: Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	if again := get(t, "/graphiql", nil).Body.String(); strings.Contains(again, m[1]) {
		t.Fatal("two responses share a nonce")
	}
	for _, ref := range []string{`src="graphiql/graphiql.js"`, `href="graphiql/graphiql.css"`, `id="rc-token"`} {
		if !strings.Contains(page, ref) {
			t.Errorf("the page lacks %s", ref)
		}
	}
	// Nothing inline that the policy would block, and nothing from
	// elsewhere.
	statictest.CheckPageRunsUnderPolicy(t, page)
}

func TestAssets(t *testing.T) {
	for path, ct := range map[string]string{
		"/graphiql/graphiql.js":  "text/javascript; charset=utf-8",
		"/graphiql/graphiql.css": "text/css; charset=utf-8",
		"/graphiql/LICENSES.txt": "text/plain; charset=utf-8",
	} {
		t.Run(path, func(t *testing.T) {
			plain := get(t, path, nil)
			if plain.Code != http.StatusOK || plain.Header().Get("Content-Type") != ct || plain.Header().Get("Content-Encoding") != "" {
				t.Fatalf("%d %q %q", plain.Code, plain.Header().Get("Content-Type"), plain.Header().Get("Content-Encoding"))
			}
			checkSecurityHeaders(t, plain.Header(), "api.example.com:8443", "")
			if plain.Body.Len() < 100 {
				t.Fatalf("%d bytes", plain.Body.Len())
			}

			statictest.CheckEncodings(t, Handler(), path, plain)
		})
	}
}

// The bundle may not need what the policy forbids.
func TestBundleHasNoEval(t *testing.T) {
	statictest.CheckScriptHasNoEval(t, "graphiql.js", string(load()["graphiql.js"].Body))
	statictest.CheckStylesheetIsLocal(t, "graphiql.css", string(load()["graphiql.css"].Body))
}

func TestRoutes(t *testing.T) {
	w := get(t, "/graphiql/", nil)
	if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "../graphiql" {
		t.Fatalf("/graphiql/: %d %q", w.Code, w.Header().Get("Location"))
	}
	for _, p := range []string{"/graphiql/index.html", "/graphiql/nope.js", "/graphiql/graphiql.js/", "/graphiql/dist/graphiql.js",
		"/graphiql/../graphiql.go", "/graphiql/%2e%2e/graphiql.go", "/graphiql/graphiql.go", "/graphiqlx", "/graphiql/GRAPHIQL.JS"} {
		w := get(t, p, nil)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
		checkSecurityHeaders(t, w.Header(), "api.example.com:8443", "")
	}
	r := httptest.NewRequest(http.MethodHead, "/graphiql", nil)
	rw := httptest.NewRecorder()
	Handler().ServeHTTP(rw, r)
	if rw.Code != http.StatusOK || rw.Body.Len() != 0 || rw.Header().Get("Content-Length") == "" {
		t.Fatalf("HEAD: %d, %d bytes", rw.Code, rw.Body.Len())
	}
	r = httptest.NewRequest(http.MethodPost, "/graphiql", strings.NewReader("{}"))
	rw = httptest.NewRecorder()
	Handler().ServeHTTP(rw, r)
	if rw.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rw.Code)
	}
}

// A Host header cannot add sources to the policy.
func TestHostInPolicy(t *testing.T) {
	for _, host := range []string{
		"localhost:8080", "127.0.0.1:1", "[::1]:8080", "[2001:db8::1]", "api.example.com",
	} {
		checkSecurityHeaders(t, get(t, "/graphiql/graphiql.css", map[string]string{"Host": host}).Header(), host, "")
	}
	for _, host := range []string{
		"evil.example.com; script-src *", "a b", "x:80;", "x:123456", "[::1", "[::1]x", "[::g]", "-x", ".x", "x:", "x:y",
		"x'y", `x"y`, "x,y", "*", "x/y", strings.Repeat("a", 300), "",
	} {
		w := get(t, "/graphiql/graphiql.css", map[string]string{"Host": host})
		checkSecurityHeaders(t, w.Header(), "", "")
	}
}
