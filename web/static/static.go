// Package static holds what the pages Rollcall serves from assets embedded
// in the binary (GraphiQL at /graphiql, the console at /console) share: an
// asset with its ETag and lazy gzip encoding, the content types of the
// files they embed, and the security headers with a strict
// Content-Security-Policy whose style and image sources each page chooses.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Asset is one embedded file, ready to serve.
type Asset struct {
	ContentType string
	Body        []byte
	// ETag is a strong validator of Body (its gzip encoding has its own).
	ETag string

	gzOnce sync.Once
	gz     []byte // nil when gzip does not make it smaller
	gzEtag string
}

// NewAsset returns the asset of body, its ETag made from its SHA-256.
func NewAsset(contentType string, body []byte) *Asset {
	sum := sha256.Sum256(body)
	return &Asset{ContentType: contentType, Body: body, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// gzipped returns the gzip encoding of the asset and its ETag, compressed
// on first use (nil when it would not be smaller).
func (a *Asset) gzipped() ([]byte, string) {
	a.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(a.Body)
		_ = zw.Close()
		if buf.Len() < len(a.Body) {
			a.gz = buf.Bytes()
			a.gzEtag = strings.TrimSuffix(a.ETag, `"`) + `-gz"`
		}
	})
	return a.gz, a.gzEtag
}

// Serve answers a GET or HEAD with the asset under cacheControl: gzipped
// when the client accepts gzip and it is smaller, with the ETag of the
// encoding sent, so that If-None-Match gets a 304.
func (a *Asset) Serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Cache-Control", cacheControl)
	h.Add("Vary", "Accept-Encoding")
	body, etag := a.Body, a.ETag
	if AcceptsGzip(r.Header.Values("Accept-Encoding")) {
		if gz, gzEtag := a.gzipped(); gz != nil {
			body, etag = gz, gzEtag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// ReadOnly reports whether r is a GET or a HEAD, having answered 405
// Method Not Allowed when it is not.
func ReadOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// contentTypes are the types of the files a page embeds, by extension: a
// fixed table, so that a response does not depend on the host's MIME
// database.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".map":         "application/json",
	".txt":         "text/plain; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".wasm":        "application/wasm",
}

// ContentType is the type a file named name is served with
// (application/octet-stream for an extension not in the table).
func ContentType(name string) string {
	if ct, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return ct
	}
	return "application/octet-stream"
}

// Policy is what differs between the pages' Content-Security-Policies.
type Policy struct {
	// StyleSrc and ImgSrc are the sources of style-src and img-src.
	StyleSrc, ImgSrc string
}

// SetSecurityHeaders sets what a page and its assets are served with.
//
// The policy: scripts only from this origin (no inline script, no eval);
// styles and images from p's sources; no fonts but this origin's, and
// connections only to this origin, over HTTP and websocket. ws:// and
// wss:// of the request's host are listed because CSP Level 2 browsers do
// not count websockets of the same host as 'self'. No framing, no <base>,
// no form posts, no plugins.
func SetSecurityHeaders(h http.Header, host string, p Policy) {
	connect := "'self'"
	if ValidHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src "+p.StyleSrc+"; img-src "+p.ImgSrc+"; "+
		"font-src 'self'; connect-src "+connect+"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// ValidHost admits a Host header into the policy only when it is a plain
// host name or IP address with an optional port: nothing that could end a
// directive or add a source.
func ValidHost(host string) bool {
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

// AcceptsGzip reports whether an Accept-Encoding names gzip (or *) without
// q=0.
func AcceptsGzip(values []string) bool {
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
