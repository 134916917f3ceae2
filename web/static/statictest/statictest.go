// Package statictest checks, for the tests of the pages served from
// embedded assets (web/graphiql, web/console), what web/static makes of
// them: the security headers, the encodings and validators of an asset,
// and pages and scripts the Content-Security-Policy lets run.
package statictest

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

// Host is the Host header of Get's requests unless they name another.
const Host = "api.example.com:8443"

// Get sends h a GET of path with header ("Host" sets the request's host).
func Get(t testing.TB, h http.Handler, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = Host
	for k, v := range header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Directives splits a Content-Security-Policy into its directives.
func Directives(t testing.TB, csp string) map[string]string {
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

// CheckSecurityHeaders checks that h carries exactly the policy want
// (directive: sources) and the headers that come with it.
func CheckSecurityHeaders(t testing.TB, h http.Header, want map[string]string) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "*") {
		t.Fatalf("the policy allows too much: %q", csp)
	}
	d := Directives(t, csp)
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %q, want %q (policy %q)", k, d[k], v, csp)
		}
	}
	if len(d) != len(want) {
		t.Errorf("unexpected directives in %q", csp)
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
}

// CheckEncodings checks how h serves the asset at path, whose plain
// response was plain: gzipped (and smaller) when gzip is accepted, under
// its own ETag, plain when gzip is refused, and 304 on a revalidation of
// either encoding.
func CheckEncodings(t testing.TB, h http.Handler, path string, plain *httptest.ResponseRecorder) {
	t.Helper()
	if plain.Header().Get("Content-Encoding") != "" || plain.Header().Get("ETag") == "" {
		t.Fatalf("%s plain: %v", path, plain.Header())
	}
	gz := Get(t, h, path, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if gz.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("%s: gzip not served: %v", path, gz.Header())
	}
	if gz.Body.Len() >= plain.Body.Len() {
		t.Fatalf("%s: gzip %d bytes, plain %d", path, gz.Body.Len(), plain.Body.Len())
	}
	if gz.Header().Get("Cache-Control") != plain.Header().Get("Cache-Control") {
		t.Fatalf("%s: Cache-Control %q gzipped, %q plain", path, gz.Header().Get("Cache-Control"), plain.Header().Get("Cache-Control"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Fatalf("%s: the gzip body is not the asset (%v)", path, err)
	}
	if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Fatalf("%s: both encodings share an ETag", path)
	}

	// A refused gzip gets the plain bytes.
	for _, ae := range []string{"gzip;q=0", "gzip; q=0.000", "identity", "gzip;q=abc"} {
		if w := Get(t, h, path, map[string]string{"Accept-Encoding": ae}); w.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s: Accept-Encoding %q got %q", path, ae, w.Header().Get("Content-Encoding"))
		}
	}

	// Revalidation answers 304, for each encoding with its own ETag.
	for _, c := range []struct{ etag, encoding string }{{plain.Header().Get("ETag"), ""}, {gz.Header().Get("ETag"), "gzip"}} {
		w := Get(t, h, path, map[string]string{"If-None-Match": c.etag, "Accept-Encoding": c.encoding})
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Fatalf("%s: If-None-Match %s: %d", path, c.etag, w.Code)
		}
	}
}

// CheckPageRunsUnderPolicy checks that an HTML page needs nothing the
// policy forbids (an inline script or style, an event handler attribute, a
// javascript: URL) and loads nothing from elsewhere.
func CheckPageRunsUnderPolicy(t testing.TB, page string) {
	t.Helper()
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

// CheckScriptHasNoEval checks that a script does not need 'unsafe-eval'.
func CheckScriptHasNoEval(t testing.TB, name, js string) {
	t.Helper()
	for _, re := range []string{`\beval\s*\(`, `\bnew\s+Function\s*\(`} {
		if loc := regexp.MustCompile(re).FindStringIndex(js); loc != nil {
			t.Errorf("%s matches %s at %q", name, re, js[max(0, loc[0]-60):min(len(js), loc[1]+60)])
		}
	}
}

// CheckStylesheetIsLocal checks that a stylesheet loads nothing from
// elsewhere.
func CheckStylesheetIsLocal(t testing.TB, name, css string) {
	t.Helper()
	if m := regexp.MustCompile(`url\(\s*['"]?(https?:)?//`).FindString(css); m != "" {
		t.Errorf("%s loads from elsewhere: %s", name, m)
	}
	if strings.Contains(css, "@import") {
		t.Errorf("%s imports another stylesheet", name)
	}
}
