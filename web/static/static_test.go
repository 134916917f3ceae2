package static

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValidHost(t *testing.T) {
	for _, host := range []string{"localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "[2001:db8::1]", "api.example.com", "a-b.example:65535"} {
		if !ValidHost(host) {
			t.Errorf("%q refused", host)
		}
	}
	for _, host := range []string{
		"evil.example.com; script-src *", "a b", "x:80;", "x:123456", "[::1", "[::1]x", "[::g]", "-x", ".x", "x:", "x:y",
		"x'y", `x"y`, "x,y", "*", "x/y", strings.Repeat("a", 300), "",
	} {
		if ValidHost(host) {
			t.Errorf("%q admitted", host)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		values []string
		want   bool
	}{
		{[]string{"gzip"}, true},
		{[]string{"br, GZIP;q=0.5"}, true},
		{[]string{"identity", "gzip; q=1"}, true},
		{[]string{"*"}, true},
		{nil, false},
		{[]string{""}, false},
		{[]string{"br, deflate"}, false},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;q=abc"}, false},
		{[]string{"x-gzip"}, false},
	} {
		if got := AcceptsGzip(c.values); got != c.want {
			t.Errorf("AcceptsGzip(%q) = %v", c.values, got)
		}
	}
}

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{
		"index.html":            "text/html; charset=utf-8",
		"assets/index-Ab_1.js":  "text/javascript; charset=utf-8",
		"assets/INDEX.CSS":      "text/css; charset=utf-8",
		"favicon.svg":           "image/svg+xml",
		"assets/inter.woff2":    "font/woff2",
		"robots":                "application/octet-stream",
		"assets/index.js.gz.x1": "application/octet-stream",
	} {
		if got := ContentType(name); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestReadOnly(t *testing.T) {
	for method, ok := range map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: false, http.MethodPut: false, http.MethodDelete: false} {
		w := httptest.NewRecorder()
		if got := ReadOnly(w, httptest.NewRequest(method, "/", nil)); got != ok {
			t.Errorf("%s: %v", method, got)
		}
		if !ok && (w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD") {
			t.Errorf("%s: %d, Allow %q", method, w.Code, w.Header().Get("Allow"))
		}
	}
}

func TestAssetServe(t *testing.T) {
	small := NewAsset("text/plain; charset=utf-8", []byte("hi"))
	big := NewAsset("text/plain; charset=utf-8", []byte(strings.Repeat("rollcall ", 100)))
	if small.ETag == big.ETag || !strings.HasPrefix(small.ETag, `"`) || len(small.ETag) != 26 {
		t.Fatalf("ETags %s %s", small.ETag, big.ETag)
	}
	for _, c := range []struct {
		a    *Asset
		gzip bool
	}{{small, false}, {big, true}} {
		r := httptest.NewRequest(http.MethodHead, "/x", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		w := httptest.NewRecorder()
		c.a.Serve(w, r, "no-cache")
		h := w.Header()
		// Gzip only where it makes the body smaller (http.ServeContent
		// gives the length of a plain body only).
		if w.Code != http.StatusOK || w.Body.Len() != 0 || (h.Get("Content-Encoding") == "gzip") != c.gzip ||
			h.Get("Cache-Control") != "no-cache" || h.Get("Content-Type") != c.a.ContentType || (h.Get("Content-Length") == "") != c.gzip {
			t.Errorf("HEAD of %d bytes: %d %v", len(c.a.Body), w.Code, h)
		}
	}
}
