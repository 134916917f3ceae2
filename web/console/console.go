// Package console serves the Rollcall console, a single-page React
// application, at /console from the files embedded in the binary: dist/ is
// what `npm run build` in this folder makes with Vite (index.html and the
// hashed script and stylesheet under assets/), committed, and checked
// against a fresh build by `npm run check` (check.mjs).
//
// Every path under /console/ that is not a file of dist/ is one of the
// application's routes and gets index.html, whose script then shows the
// route; the links the API mails (models.LinkPaths, at the root of
// PUBLIC_URL) are sent on to the same routes under /console.
package console

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/web/static"
)

//go:embed all:dist
var files embed.FS

// manifest lists the console's GraphQL operations as trusted documents
// (an Apollo persisted-query manifest, made by `npm run build` with the
// bundle and checked with it by `npm run check`).
//
//go:embed manifest/persisted-query-manifest.json
var manifest []byte

// Manifest returns the console's operations as a persisted-query manifest,
// for a node serving the console to trust them (graph.ParseManifest).
func Manifest() []byte { return manifest }

// Path is where the console is served; its pages and files live under
// Path + "/".
const Path = "/console"

// Cache lifetimes: Vite names the files under assets/ after a hash of
// their content, so a name never changes meaning and is kept for a year;
// index.html names the current ones, so it is never stored; other files
// (a favicon) keep their names across builds and are revalidated.
const (
	cacheAsset = "public, max-age=31536000, immutable"
	cacheIndex = "no-store"
	cacheOther = "no-cache"
)

// policy: styles only from the stylesheets of this origin (no inline
// <style>, no style attribute in the HTML; React sets styles through the
// CSSOM, which CSP does not restrict), images from this origin, data: URLs
// and any https: URL (pictures people link to), and no eval.
var policy = static.Policy{StyleSrc: "'self'", ImgSrc: "'self' data: https:"}

type handler struct {
	index *static.Asset
	files map[string]*static.Asset // by path in dist/, index.html too
}

// Handler serves the console from the embedded dist/. Mount it for GET on
// Path, Path + "/" and each of models.LinkPaths.
func Handler() http.Handler {
	dist, err := fs.Sub(files, "dist")
	if err == nil {
		var h *handler
		if h, err = newHandler(dist); err == nil {
			return h
		}
	}
	panic("console: " + err.Error() + " (run `npm ci && npm run build` in web/console)")
}

// newHandler reads every file of dist once.
func newHandler(dist fs.FS) (*handler, error) {
	h := &handler{files: map[string]*static.Asset{}}
	err := fs.WalkDir(dist, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		body, err := fs.ReadFile(dist, name)
		if err != nil {
			return err
		}
		h.files[name] = static.NewAsset(static.ContentType(name), body)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if h.index = h.files["index.html"]; h.index == nil {
		return nil, fmt.Errorf("dist/index.html is missing")
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	static.SetSecurityHeaders(w.Header(), r.Host, policy)
	if !static.ReadOnly(w, r) {
		return
	}
	switch p := r.URL.Path; {
	case slices.Contains(models.LinkPaths, p):
		// An email's link at the root of PUBLIC_URL: the console's route
		// of the same name, token and all. Relative, so that a proxy's
		// prefix stays.
		redirect(w, r, "console"+p, http.StatusFound)
	case p == Path:
		// The console's routes and files are under /console/.
		redirect(w, r, "console/", http.StatusMovedPermanently)
	case strings.HasPrefix(p, Path+"/"):
		h.serveFile(w, r, p[len(Path)+1:])
	default:
		http.NotFound(w, r)
	}
}

// redirect sends the client to location with the request's query.
func redirect(w http.ResponseWriter, r *http.Request, location string, code int) {
	if r.URL.RawQuery != "" {
		location += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", location)
	w.WriteHeader(code)
}

// serveFile answers /console/name: a file of dist/, or index.html for a
// route of the application.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	for _, seg := range strings.Split(name, "/") {
		if seg == "." || seg == ".." {
			http.NotFound(w, r)
			return
		}
	}
	if name == "" || name == "index.html" {
		h.index.Serve(w, r, cacheIndex)
		return
	}
	if a := h.files[name]; a != nil {
		cache := cacheOther
		if strings.HasPrefix(name, "assets/") {
			cache = cacheAsset
		}
		a.Serve(w, r, cache)
		return
	}
	// A missing asset (a page of an older build asking for what this one
	// no longer has) or anything named like a file is not a route: the
	// page would be served where a script or image is expected.
	last := name[strings.LastIndexByte(name, '/')+1:]
	if name == "assets" || strings.HasPrefix(name, "assets/") || strings.Contains(last, ".") {
		http.NotFound(w, r)
		return
	}
	h.index.Serve(w, r, cacheIndex)
}
