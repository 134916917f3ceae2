package telemetry

import (
	"net/http"
	"slices"
	"strings"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"gorm.io/gorm"
	gormtracing "gorm.io/plugin/opentelemetry/tracing"

	"github.com/rollcall/rollcall/models"
)

// Handler wraps the node's HTTP handler with a server span per request. The
// span continues the trace of a W3C traceparent header sent by the client
// (a browser's fetch instrumentation, a gateway): the client's trace id and
// span id become our parent, and its sampled flag is honoured by the
// parent-based samplers (the default) — it only decides for its own
// request. Probes and /metrics are not traced, nor websocket upgrades: a
// socket's span would last as long as the socket; each operation on it has
// its own span instead. Span names are fixed routes, never the raw path.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	if !t.Enabled() {
		return h
	}
	return otelhttp.NewHandler(h, "http",
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithPropagators(propagator),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()), // metrics are Prometheus's
		otelhttp.WithFilter(traced),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return spanName(r) }),
	)
}

func traced(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return false
	}
	return !strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// spanName is "METHOD route", with a route from a fixed set so a client
// cannot mint span names.
func spanName(r *http.Request) string {
	method := r.Method
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodOptions, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		method = "HTTP"
	}
	p := r.URL.Path
	switch {
	case p == "/query":
	case p == "/graphiql" || strings.HasPrefix(p, "/graphiql/"):
		p = "/graphiql"
	case p == "/console" || strings.HasPrefix(p, "/console/"):
		p = "/console"
	case slices.Contains(models.LinkPaths, p):
	case strings.HasPrefix(p, "/export/accounts/"):
		p = "/export/accounts/{id}/members.csv"
	default:
		p = "other"
	}
	return method + " " + p
}

// GORM is the GORM plugin making a span per SQL statement, its text with
// placeholders and without the values (which carry emails, token hashes,
// names). Statements outside a traced request (the workers') make none.
func (t *Tracing) GORM() gorm.Plugin {
	if !t.Enabled() {
		return nil
	}
	return gormtracing.NewPlugin(
		gormtracing.WithTracerProvider(childOnly{tp: t.tp}),
		gormtracing.WithoutQueryVariables(),
		gormtracing.WithoutMetrics(),
	)
}

// Redis adds a span per command (and per pipeline) to rdb: the command's
// name, never its arguments (keys hold ids, values hold tokens), and no
// AUTH or HELLO at all. Commands outside a traced request (presence
// heartbeats and sweeps) make none.
func (t *Tracing) Redis(rdb redis.UniversalClient) error {
	if !t.Enabled() || rdb == nil {
		return nil
	}
	return redisotel.InstrumentTracing(rdb,
		redisotel.WithTracerProvider(childOnly{tp: t.tp}),
		redisotel.WithDBStatement(false),
		redisotel.WithCommandFilter(redisotel.DefaultCommandFilter),
		redisotel.WithDialFilter(true),
	)
}
