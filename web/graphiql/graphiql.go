// Package graphiql serves the GraphiQL IDE at /graphiql from assets embedded
// in the binary: src/index.html is the page, and dist/ holds the one script
// and one stylesheet it loads, built from pinned npm packages by build.mjs
// beside this file. Nothing is loaded
// from elsewhere, so the page works offline and under the strict
// Content-Security-Policy it is served with.
package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed dist
var files embed.FS

// Path is where the page is served; its assets live under Path + "/".
const Path = "/graphiql"

// asset is one embedded file, ready to serve.
type asset struct {
	contentType string
	body        []byte
	etag        string

	gzOnce sync.Once
	gz     []byte // nil when gzip does not make it smaller
	gzEtag string
}

// gzipped returns the gzip encoding of the asset and its ETag, compressed
// on first use (nil when it would not be smaller).
func (a *asset) gzipped() ([]byte, string) {
	a.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(a.body)
		_ = zw.Close()
		if buf.Len() < len(a.body) {
			a.gz = buf.Bytes()
			a.gzEtag = strings.TrimSuffix(a.etag, `"`) + `-gz"`
		}
	})
	return a.gz, a.gzEtag
}

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
	loaded   map[string]*asset
)

// load reads the embedded files once.
func load() map[string]*asset {
	loadOnce.Do(func() {
		loaded = make(map[string]*asset, len(assets))
		for name, f := range assets {
			body, err := fs.ReadFile(files, f.file)
			if err != nil {
				panic("graphiql: embedded asset missing (run web/graphiql/build.mjs): " + f.file)
			}
			sum := sha256.Sum256(body)
			loaded[name] = &asset{contentType: f.contentType, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
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
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
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
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	// Revalidated on every use (a new binary brings new assets); the
	// ETag turns a revalidation into a 304.
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		if gz, gzEtag := a.gzipped(); gz != nil {
			body, etag = gz, gzEtag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
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

// setSecurityHeaders sets what the page and its assets are served with.
//
// The policy: scripts only from this origin (no inline script, no eval:
// the bundle has none, build.mjs checks); styles from this origin, and the
// <style> elements GraphiQL's dialogs insert (react-remove-scroll's scroll
// lock) when they carry the page's nonce (no 'unsafe-inline'; style
// attributes set through the CSSOM, as React does, are not restricted by
// CSP); images from this origin
// or data: URLs (CodeMirror's lint markers are data: PNGs in the CSS), no
// fonts but this origin's (none are bundled: the system's are used), and
// connections only to this origin, over HTTP and websocket. ws:// and
// wss:// of the request's host are listed because CSP Level 2 browsers do
// not count websockets of the same host as 'self'. No framing, no <base>,
// no form posts, no plugins.
func setSecurityHeaders(h http.Header, host, nonce string) {
	connect := "'self'"
	if validHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	style := "'self'"
	if nonce != "" {
		style += " 'nonce-" + nonce + "'"
	}
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src "+style+"; img-src 'self' data:; "+
		"font-src 'self'; connect-src "+connect+"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// validHost admits a Host header into the policy only when it is a plain
// host name or IP address with an optional port: nothing that could end a
// directive or add a source.
func validHost(host string) bool {
	if host == "" || len(host) > 255 {
		return false
	}
	if strings.HasPrefix(host, "[") { // [IPv6]:port
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return false
		}
		for _, c := range host[1:end] {
			if !(c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		return validPort(host[end+1:])
	}
	name, port, hasPort := strings.Cut(host, ":")
	if hasPort && !validPort(":"+port) {
		return false
	}
	if name == "" || strings.HasPrefix(name, "-") || strings.HasPrefix(name, ".") {
		return false
	}
	for _, c := range name {
		if !(c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// validPort accepts "" or ":" followed by 1 to 5 digits.
func validPort(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != ':' || len(s) < 2 || len(s) > 6 {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// acceptsGzip reports whether an Accept-Encoding names gzip (or *) without
// q=0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if f, err := strconv.ParseFloat(strings.TrimSpace(q), 64); err != nil || f <= 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}
