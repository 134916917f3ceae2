package console

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/web/static/statictest"
)

// testIndex and testDist stand for a build, with a file outside assets/.
const testIndex = `<!doctype html><html><head><script type="module" crossorigin src="/console/assets/index-AbC_123x.js"></script>` +
	`<link rel="stylesheet" crossorigin href="/console/assets/index-Zz9-0000.css"></head><body><div id="root"></div></body></html>`

var testDist = fstest.MapFS{
	"index.html":                  {Data: []byte(testIndex)},
	"assets/index-AbC_123x.js":    {Data: []byte(strings.Repeat("console.log('rollcall');\n", 50))},
	"assets/index-Zz9-0000.css":   {Data: []byte(strings.Repeat("body{margin:0}\n", 20))},
	"assets/_commonjs-Q1w2.js":    {Data: []byte("export const x = 1;\n")},
	"favicon.svg":                 {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>` + strings.Repeat(" ", 200))},
	"assets/fonts/inter-1a2b.ttf": {Data: []byte("font")},
}

func testHandler(t *testing.T) *handler {
	t.Helper()
	h, err := newHandler(testDist)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// checkHeaders checks the policy of a response to a request with host
// ("" when the host was refused).
func checkHeaders(t *testing.T, h http.Header, host string) {
	t.Helper()
	connect := "'self'"
	if host != "" {
		connect += " ws://" + host + " wss://" + host
	}
	statictest.CheckSecurityHeaders(t, h, map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self'",
		"img-src":         "'self' data: https:",
		"font-src":        "'self'",
		"connect-src":     connect,
		"base-uri":        "'none'",
		"form-action":     "'none'",
		"frame-ancestors": "'none'",
	})
}

// checkIndex checks that w is index.html, never stored.
func checkIndex(t *testing.T, w *httptest.ResponseRecorder, index string) {
	t.Helper()
	if w.Code != http.StatusOK || w.Body.String() != index {
		t.Fatalf("%d, not index.html: %.200s", w.Code, w.Body.String())
	}
	if w.Header().Get("Content-Type") != "text/html; charset=utf-8" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("Content-Type %q, Cache-Control %q", w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
	}
	checkHeaders(t, w.Header(), statictest.Host)
}

// The application's routes, whatever their depth, get index.html.
func TestRoutesGetIndex(t *testing.T) {
	h := testHandler(t)
	for _, p := range []string{"/console/", "/console/index.html", "/console/sign-in", "/console/accept-invitation?token=abc",
		"/console/accounts/QWNjb3VudDox/members", "/console/accounts/QWNjb3VudDox/members/", "/console/settings/sessions",
		"/console/assetsx", "/console/reset-password?token=a.b"} {
		t.Run(p, func(t *testing.T) { checkIndex(t, statictest.Get(t, h, p, nil), testIndex) })
	}
	// The index is gzipped too, and still never stored.
	w := statictest.Get(t, h, "/console/members", map[string]string{"Accept-Encoding": "gzip"})
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzipped index: %d %v", w.Code, w.Header())
	}
}

func TestAssets(t *testing.T) {
	h := testHandler(t)
	for _, c := range []struct{ path, contentType, cache string }{
		{"/console/assets/index-AbC_123x.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/console/assets/index-Zz9-0000.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		// Not under assets/: its name does not change with its content.
		{"/console/favicon.svg", "image/svg+xml", "no-cache"},
	} {
		t.Run(c.path, func(t *testing.T) {
			plain := statictest.Get(t, h, c.path, nil)
			name := strings.TrimPrefix(c.path, "/console/")
			if plain.Code != http.StatusOK || plain.Body.String() != string(testDist[name].Data) {
				t.Fatalf("%d %.100q", plain.Code, plain.Body.String())
			}
			if plain.Header().Get("Content-Type") != c.contentType || plain.Header().Get("Cache-Control") != c.cache {
				t.Fatalf("Content-Type %q, Cache-Control %q", plain.Header().Get("Content-Type"), plain.Header().Get("Cache-Control"))
			}
			checkHeaders(t, plain.Header(), statictest.Host)
			statictest.CheckEncodings(t, h, c.path, plain)
		})
	}
	// Files in folders of assets/, and names Rollup starts with "_".
	for _, p := range []string{"/console/assets/fonts/inter-1a2b.ttf", "/console/assets/_commonjs-Q1w2.js"} {
		if w := statictest.Get(t, h, p, nil); w.Code != http.StatusOK || w.Header().Get("Cache-Control") != cacheAsset {
			t.Errorf("GET %s: %d %q", p, w.Code, w.Header().Get("Cache-Control"))
		}
	}
}

// What is not a route gets 404, not the page: a missing asset, a name
// that looks like a file's, a way out of dist/, another prefix.
func TestNotFound(t *testing.T) {
	h := testHandler(t)
	for _, p := range []string{
		"/console/assets/index-old.js", "/console/assets/", "/console/assets", "/console/assets/fonts/", "/console/assets/x",
		"/console/ASSETS/index-AbC_123x.js", "/console/favicon.ico", "/console/members.json", "/console/accounts/x/logo.png",
		"/console/../console.go", "/console/%2e%2e/console.go", "/console/a/../index.html", "/console/./index.html",
		"/console/assets/../index.html", "/console/../sign-in", "/console/%2e%2e/sign-in", "/console/a/../members", "/console/./members",
		"/consolex", "/consoles/", "/", "/index.html", "/accept-invitationx", "/accept-invitation/",
	} {
		t.Run(p, func(t *testing.T) {
			w := statictest.Get(t, h, p, nil)
			if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "<html") {
				t.Fatalf("%d: %.100s", w.Code, w.Body.String())
			}
			checkHeaders(t, w.Header(), statictest.Host)
		})
	}
}

// /console, and the links the emails carry at the root, lead to the
// console's routes, query and all, by relative redirects (which keep a
// proxy's prefix).
func TestRedirects(t *testing.T) {
	h := testHandler(t)
	cases := map[string]struct {
		code int
		to   string
	}{
		"/console":                            {http.StatusMovedPermanently, "/console/"},
		"/console?lang=fr":                    {http.StatusMovedPermanently, "/console/?lang=fr"},
		"/accept-invitation?token=x":          {http.StatusFound, "/console/accept-invitation?token=x"},
		"/reset-password?token=a%2Bb&lang=fr": {http.StatusFound, "/console/reset-password?token=a%2Bb&lang=fr"},
		"/confirm-email?token=x":              {http.StatusFound, "/console/confirm-email?token=x"},
		"/verify-email?token=x":               {http.StatusFound, "/console/verify-email?token=x"},
		"/reset-password?token=x":             {http.StatusFound, "/console/reset-password?token=x"},
		"/verify-email":                       {http.StatusFound, "/console/verify-email"},
	}
	// Every link an email carries is redirected (and tested here).
	for _, p := range models.LinkPaths {
		if _, ok := cases[p+"?token=x"]; !ok {
			t.Errorf("no case for the link %s", p)
		}
	}
	for from, c := range cases {
		t.Run(from, func(t *testing.T) {
			w := statictest.Get(t, h, from, nil)
			loc := w.Header().Get("Location")
			if w.Code != c.code || loc == "" || strings.HasPrefix(loc, "/") || strings.Contains(loc, "//") {
				t.Fatalf("%d, Location %q: want %d and a relative location", w.Code, loc, c.code)
			}
			for _, base := range []string{"http://h", "http://h/app"} {
				ref, _ := url.Parse(loc)
				got := mustParse(t, base+from).ResolveReference(ref).String()
				if got != base+c.to {
					t.Errorf("from %s%s: %s, want %s%s", base, from, got, base, c.to)
				}
			}
			checkHeaders(t, w.Header(), statictest.Host)
		})
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMethods(t *testing.T) {
	h := testHandler(t)
	for _, p := range []string{"/console/", "/console/members", "/console/assets/index-AbC_123x.js"} {
		r := httptest.NewRequest(http.MethodHead, p, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" || w.Header().Get("ETag") == "" {
			t.Errorf("HEAD %s: %d, %d bytes, %v", p, w.Code, w.Body.Len(), w.Header())
		}
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(m, p, strings.NewReader("{}")))
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q", m, p, w.Code, w.Header().Get("Allow"))
			}
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/accept-invitation?token=x", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Location") != "" {
		t.Errorf("POST of a link: %d %v", w.Code, w.Header())
	}
}

// A Host header enters the policy only when it is a plain host and port.
func TestHostInPolicy(t *testing.T) {
	h := testHandler(t)
	checkHeaders(t, statictest.Get(t, h, "/console/", map[string]string{"Host": "[::1]:8080"}).Header(), "[::1]:8080")
	for _, host := range []string{"evil.example.com; script-src *", "x:y", ""} {
		checkHeaders(t, statictest.Get(t, h, "/console/", map[string]string{"Host": host}).Header(), "")
	}
}

func TestDistWithoutIndex(t *testing.T) {
	if _, err := newHandler(fstest.MapFS{"assets/index-x.js": {Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), "index.html") {
		t.Fatalf("a dist without index.html: %v", err)
	}
}

// The embedded build: its page loads only its own hashed assets, which
// are served, and needs nothing the policy forbids.
func TestEmbeddedBuild(t *testing.T) {
	h := Handler()
	index, err := fs.ReadFile(files, "dist/index.html")
	if err != nil {
		t.Fatal(err)
	}
	checkIndex(t, statictest.Get(t, h, "/console/", nil), string(index))
	checkIndex(t, statictest.Get(t, h, "/console/accept-invitation?token=x", nil), string(index))
	statictest.CheckPageRunsUnderPolicy(t, string(index))
	refs := regexp.MustCompile(`\s(?:src|href)="([^"]*)"`).FindAllStringSubmatch(string(index), -1)
	scripts := 0
	for _, m := range refs {
		ref := m[1]
		if !strings.HasPrefix(ref, Path+"/assets/") {
			t.Errorf("the page refers to %q, not to a file under %s/assets/", ref, Path)
			continue
		}
		w := statictest.Get(t, h, ref, nil)
		if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != cacheAsset {
			t.Errorf("GET %s: %d %q", ref, w.Code, w.Header().Get("Cache-Control"))
		}
		if strings.HasSuffix(ref, ".js") {
			scripts++
		}
	}
	if scripts == 0 {
		t.Errorf("the page loads no script:\n%s", index)
	}
	err = fs.WalkDir(files, "dist/assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, name)
		switch {
		case err != nil:
			return err
		case strings.HasSuffix(name, ".js"):
			statictest.CheckScriptHasNoEval(t, name, string(body))
		case strings.HasSuffix(name, ".css"):
			statictest.CheckStylesheetIsLocal(t, name, string(body))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
