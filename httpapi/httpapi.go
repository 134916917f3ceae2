// Package httpapi assembles Rollcall's HTTP surface: routes, CORS, client
// address resolution, request ids, structured access logs and health checks.
package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"github.com/rollcall/rollcall/models"
)

// Check is a named readiness probe (the store, Redis).
type Check struct {
	Name string
	Ping func(ctx context.Context) error
	// Degrades marks a dependency the node can serve without (Redis: only
	// presence is affected): its failure answers 200 "degraded", so a load
	// balancer keeps the node, instead of 503.
	Degrades bool
}

// Config is what the router needs.
type Config struct {
	// GraphQL serves /query (HTTP and websockets); it is wrapped here with
	// CORS, client resolution, request ids and logging.
	GraphQL http.Handler
	// Extra routes (e.g. the CSV export) mounted beside /query.
	Extra          map[string]http.Handler
	AllowedOrigins []string
	TrustedProxies []netip.Prefix
	Ready          []Check
	Gatherer       prometheus.Gatherer
	Logger         *slog.Logger
	// BodyTimeout bounds how long a request body may take to arrive
	// (0: no bound).
	BodyTimeout time.Duration
	// GraphiQL, when set, serves the IDE at /graphiql and its assets under
	// /graphiql/ (GET and HEAD; without it both are 404).
	GraphiQL http.Handler
	// Console, when set, serves the web console at /console and under
	// /console/, and the links of the emails at the root
	// (models.LinkPaths), which it sends on to the console (GET and HEAD;
	// without it all are 404).
	Console http.Handler
}

// Metrics serves GET /metrics alone, for a listener of its own
// (METRICS_ADDR); give New no Gatherer then. With profiles it also serves
// Go's profiles under /debug/pprof/ (PPROF).
func Metrics(g prometheus.Gatherer, profiles bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	if profiles {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// CORSAllowedHeaders are the request headers a browser may send cross-origin
// to /query: a fixed list (a preflight asking for any other header is
// refused), answered with the headers the preflight asked for. Beside the
// token, the body's media types and the request id: the W3C trace context
// of browser tracing, the client name and version Apollo Client sends for
// client awareness, and apollo-require-preflight, which Apollo's CSRF
// prevention asks clients to send.
var CORSAllowedHeaders = []string{
	"Authorization", "Content-Type", "Accept", "X-Request-Id",
	"traceparent", "tracestate",
	"apollographql-client-name", "apollographql-client-version", "apollo-require-preflight",
}

// CORSMaxAge is how long, in seconds, a browser may keep a preflight's
// answer: two hours, the most Chromium honours (Firefox allows a day). The
// allow-lists only change with a deployment, and each new page would
// otherwise pay a preflight round trip before its first query.
const CORSMaxAge = 7200

// New returns the root handler.
func New(cfg Config) http.Handler {
	mux := http.NewServeMux()
	c := cors.New(cors.Options{
		AllowedOrigins:   cfg.AllowedOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   CORSAllowedHeaders,
		ExposedHeaders:   []string{"X-Request-Id"},
		AllowCredentials: true,
		MaxAge:           CORSMaxAge,
	})
	mux.Handle("/query", c.Handler(cfg.GraphQL))
	for path, h := range cfg.Extra {
		mux.Handle(path, c.Handler(h))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		var failed, degraded []string
		for _, chk := range cfg.Ready {
			if err := chk.Ping(ctx); err != nil {
				cfg.Logger.WarnContext(ctx, "readiness check failed", "check", chk.Name, "err", err)
				if chk.Degrades {
					degraded = append(degraded, `"`+chk.Name+`"`)
				} else {
					failed = append(failed, `"`+chk.Name+`"`)
				}
			}
		}
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"unavailable","failed":[` + strings.Join(append(failed, degraded...), ",") + `]}`))
			return
		}
		if len(degraded) > 0 {
			_, _ = w.Write([]byte(`{"status":"degraded","degraded":[` + strings.Join(degraded, ",") + `]}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
	if cfg.GraphiQL != nil {
		mux.Handle("GET /graphiql", cfg.GraphiQL)
		mux.Handle("GET /graphiql/", cfg.GraphiQL)
	}
	if cfg.Console != nil {
		mux.Handle("GET /console", cfg.Console)
		mux.Handle("GET /console/", cfg.Console)
		for _, p := range models.LinkPaths {
			mux.Handle("GET "+p, cfg.Console)
		}
	}
	if cfg.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}))
	}
	return withRequestContext(cfg.TrustedProxies, cfg.Logger, withBodyDeadline(cfg.BodyTimeout, mux))
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Hijack hands the connection to the websocket upgrader.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the response writer cannot be hijacked")
	}
	if w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return h.Hijack()
}

// Flush passes flushes through (streamed responses such as the CSV export).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController and the websocket upgrader reach the
// underlying writer (Hijack, Flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestContext gives each request an id (kept from X-Request-Id when
// sane), resolves the client address, and logs one JSON line per request.
func withRequestContext(trusted []netip.Prefix, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		ctx = models.WithClient(ctx, models.Client{IP: ClientIP(r, trusted), UserAgent: r.UserAgent()})
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			return
		}
		log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)), slog.String("ip", models.ClientFrom(ctx).IP))
	})
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ClientIP is the address of the client: the peer, or, when the peer is a
// trusted proxy, the right-most address of X-Forwarded-For that is not
// itself a trusted proxy.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
