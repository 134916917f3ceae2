package graphiql

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = "api.example.com:8443"
	for k, v := range header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, r)
	return w
}

// directives splits a Content-Security-Policy into its directives.
func directives(t *testing.T, csp string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		if name == "" {
			continue
		}
		if _, dup := out[name]; dup {
			t.Fatalf("directive %s twice in %q", name, csp)
		}
		out[name] = value
	}
	return out
}

// checkSecurityHeaders checks the headers of a response to a request with
// host; nonce is the page's style nonce ("" for assets and errors).
func checkSecurityHeaders(t *testing.T, h http.Header, host, nonce string) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "*") || strings.Contains(csp, "http:") || strings.Contains(csp, "https:") {
		t.Fatalf("the policy allows too much: %q", csp)
	}
	d := directives(t, csp)
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
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %q, want %q (policy %q)", k, d[k], v, csp)
		}
	}
	if len(d) != len(want) {
		t.Errorf("unexpected directives in %q", csp)
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "no-referrer",
	} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
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
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(tag, ` src="`) {
			t.Errorf("an inline script: %s", tag)
		}
	}
	for _, re := range []string{`<script(?:\s[^>]*)?>\s*[^<\s]`, `<style`, `\sstyle=`, `\son[a-z]+=`, `https?://`, `javascript:`} {
		if regexp.MustCompile(re).MatchString(page) {
			t.Errorf("the page matches %s:\n%s", re, page)
		}
	}
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

			gz := get(t, path, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
			if gz.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header().Get("Vary"), "Accept-Encoding") {
				t.Fatalf("gzip not served: %v", gz.Header())
			}
			if gz.Body.Len() >= plain.Body.Len() {
				t.Fatalf("gzip %d bytes, plain %d", gz.Body.Len(), plain.Body.Len())
			}
			zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) {
				t.Fatalf("the gzip body is not the asset (%v)", err)
			}
			if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
				t.Fatal("both encodings share an ETag")
			}

			// A refused gzip gets the plain bytes.
			for _, ae := range []string{"gzip;q=0", "gzip; q=0.000", "identity", "gzip;q=abc"} {
				if w := get(t, path, map[string]string{"Accept-Encoding": ae}); w.Header().Get("Content-Encoding") != "" {
					t.Errorf("Accept-Encoding %q got %q", ae, w.Header().Get("Content-Encoding"))
				}
			}

			// Revalidation answers 304.
			etag := plain.Header().Get("ETag")
			if w := get(t, path, map[string]string{"If-None-Match": etag}); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
				t.Fatalf("If-None-Match %s: %d", etag, w.Code)
			}
		})
	}
}

// The bundle may not need what the policy forbids.
func TestBundleHasNoEval(t *testing.T) {
	js := string(load()["graphiql.js"].body)
	for _, re := range []string{`\beval\s*\(`, `\bnew\s+Function\s*\(`} {
		if loc := regexp.MustCompile(re).FindStringIndex(js); loc != nil {
			t.Errorf("graphiql.js matches %s at %q", re, js[max(0, loc[0]-60):min(len(js), loc[1]+60)])
		}
	}
	css := string(load()["graphiql.css"].body)
	if m := regexp.MustCompile(`url\(\s*['"]?(https?:)?//`).FindString(css); m != "" {
		t.Errorf("graphiql.css loads from elsewhere: %s", m)
	}
	if strings.Contains(css, "@import") {
		t.Error("graphiql.css imports another stylesheet")
	}
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
