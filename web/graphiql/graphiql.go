// Package graphiql serves the GraphiQL IDE at /graphiql from assets embedded
// in the binary: src/index.html is the page, and dist/ holds the one script
// and one stylesheet it loads, built from pinned npm packages by build.mjs
// beside this file. Nothing is loaded
// from elsewhere, so the page works offline and under the strict
// Content-Security-Policy it is served with.
package graphiql

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/rollcall/rollcall/web/static"
)

//go:embed dist
var files embed.FS

// Path is where the page is served; its assets live under Path + "/".
const Path = "/graphiql"

// page is the HTML served at /graphiql; NoncePlaceholder in it becomes
// each response's style nonce.
//
//go:embed src/index.html
var page string

// NoncePlaceholder marks where src/index.html carries the style nonce (the
// content of <meta name="csp-nonce">, which main.js hands to the libraries
// that insert <style> elements).
const NoncePlaceholder = "__CSP_NONCE__"

// assets are the files served under /graphiql/, by name, with where they
// are embedded.
var assets = map[string]struct{ file, contentType string }{
	"graphiql.js":  {"dist/graphiql.js", "text/javascript; charset=utf-8"},
	"graphiql.css": {"dist/graphiql.css", "text/css; charset=utf-8"},
	"LICENSES.txt": {"dist/LICENSES.txt", "text/plain; charset=utf-8"},
}

var (
	loadOnce sync.Once
	loaded   map[string]*static.Asset
)

// load reads the embedded files once.
func load() map[string]*static.Asset {
	loadOnce.Do(func() {
		loaded = make(map[string]*static.Asset, len(assets))
		for name, f := range assets {
			body, err := fs.ReadFile(files, f.file)
			if err != nil {
				panic("graphiql: embedded asset missing (run web/graphiql/build.mjs): " + f.file)
			}
			loaded[name] = static.NewAsset(f.contentType, body)
		}
	})
	return loaded
}

// Handler serves the page at /graphiql and its assets under /graphiql/.
// Mount it for GET on both patterns; anything else under /graphiql/ is 404.
func Handler() http.Handler {
	if strings.Count(page, NoncePlaceholder) != 1 {
		panic("graphiql: src/index.html must carry " + NoncePlaceholder + " once")
	}
	load()
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r.Host, "")
	if !static.ReadOnly(w, r) {
		return
	}
	var name string
	switch p := r.URL.Path; {
	case p == Path:
		servePage(w, r)
		return
	case p == Path+"/":
		// The page resolves its assets and /query relative to itself: send
		// /graphiql/ to /graphiql (relative, so a proxy's prefix stays).
		w.Header().Set("Location", "../graphiql")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	case strings.HasPrefix(p, Path+"/"):
		name = strings.TrimPrefix(p, Path+"/")
	}
	a := load()[name]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	// Revalidated on every use (a new binary brings new assets); the
	// ETag turns a revalidation into a 304.
	a.Serve(w, r, "no-cache")
}

// servePage sends the HTML with a fresh style nonce, never cached (a nonce
// is good for one response).
func servePage(w http.ResponseWriter, r *http.Request) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	nonce := base64.StdEncoding.EncodeToString(b[:])
	h := w.Header()
	setSecurityHeaders(h, r.Host, nonce)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	body := strings.Replace(page, NoncePlaceholder, nonce, 1)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = io.WriteString(w, body)
}

// setSecurityHeaders sets what the page and its assets are served with
// (see static.SetSecurityHeaders).
//
// Beside the shared policy: styles from this origin, and the <style>
// elements GraphiQL's dialogs insert (react-remove-scroll's scroll lock)
// when they carry the page's nonce (no 'unsafe-inline'; style attributes
// set through the CSSOM, as React does, are not restricted by CSP); images
// from this origin or data: URLs (CodeMirror's lint markers are data: PNGs
// in the CSS). The bundle has no eval (build.mjs checks).
func setSecurityHeaders(h http.Header, host, nonce string) {
	style := "'self'"
	if nonce != "" {
		style += " 'nonce-" + nonce + "'"
	}
	static.SetSecurityHeaders(h, host, static.Policy{StyleSrc: style, ImgSrc: "'self' data:"})
}
