package graph

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
)

// Metrics is a gqlgen extension counting queries and mutations per
// operation name, their latency, the errors answered by code, and
// subscriptions apart (started, active, events delivered).
//
// Label values are bounded: an operation name is a label only when it is
// known (a name of the trusted-documents manifest or of
// METRICS_OPERATION_NAMES); any other is "other", and an operation
// without a name "anonymous". A client making names up creates no series.
type Metrics struct {
	known map[string]bool

	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	errors       *prometheus.CounterVec
	subStarted   *prometheus.CounterVec
	subEvents    *prometheus.CounterVec
	subActive    prometheus.Gauge
	panics       prometheus.Counter
	persistedErr *prometheus.CounterVec
}

// Label values outside the known names.
const (
	MetricsOtherOperation     = "other"
	MetricsAnonymousOperation = "anonymous"
)

// ErrorCodes are the values of extensions.code in the contract, each an
// errors_total label from the start ("OTHER" counts anything else).
var ErrorCodes = []models.Code{
	models.CodeUnauthenticated, models.CodeForbidden, models.CodeNotFound, models.CodeBadUserInput,
	models.CodeConflict, models.CodeRateLimited, models.CodeInvitationExpired, models.CodeInvitationRevoked,
	models.CodeInvitationAlreadyAccepted, models.CodeTokenInvalid, models.CodeUnavailable, models.CodeInternal,
	models.CodePersistedQueryNotFound, models.CodePersistedQueryNotSupported, models.CodePersistedQueryNotInList,
}

// NewMetrics registers the GraphQL metrics on reg; known are the operation
// names labelled as themselves.
func NewMetrics(reg prometheus.Registerer, known ...string) *Metrics {
	m := &Metrics{
		known: map[string]bool{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_graphql_requests_total",
			Help: "GraphQL queries and mutations by operation name (known names only, else other or anonymous) and type (query, mutation, or unknown when refused before an operation was chosen). Subscriptions are counted by rollcall_graphql_subscriptions_*.",
		}, []string{"operation", "type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rollcall_graphql_request_duration_seconds", Help: "GraphQL query and mutation latency by operation name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_graphql_errors_total", Help: "GraphQL errors answered, by extensions.code (OTHER for a code outside the contract).",
		}, []string{"code"}),
		subStarted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_graphql_subscriptions_started_total", Help: "Subscriptions started, by operation name.",
		}, []string{"operation"}),
		subEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_graphql_subscription_events_total", Help: "Subscription events delivered, by operation name.",
		}, []string{"operation"}),
		subActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rollcall_graphql_subscriptions_active", Help: "Subscriptions running on this node.",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rollcall_graphql_panics_total", Help: "Panics recovered in resolvers (each answered INTERNAL).",
		}),
		persistedErr: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_persisted_query_store_errors_total",
			Help: "Persisted-query store failures (Redis) by operation, get or add; the request went on with the in-process LRU.",
		}, []string{"op"}),
	}
	for _, n := range known {
		m.known[n] = true
	}
	reg.MustRegister(m.requests, m.duration, m.errors, m.subStarted, m.subEvents, m.subActive, m.panics, m.persistedErr)
	// Failure counters are listed at 0 from the start, so a rate() or an
	// alert has a series before the first failure.
	for _, c := range ErrorCodes {
		m.errors.WithLabelValues(string(c))
	}
	m.errors.WithLabelValues("OTHER")
	m.persistedErr.WithLabelValues("get")
	m.persistedErr.WithLabelValues("add")
	return m
}

// Panic counts a recovered panic (HandlerConfig.OnPanic).
func (m *Metrics) Panic() { m.panics.Inc() }

// PersistedStoreError counts a store failure (PersistedQueries.OnStoreError).
func (m *Metrics) PersistedStoreError(op string, _ error) {
	if op != "get" {
		op = "add"
	}
	m.persistedErr.WithLabelValues(op).Inc()
}

// label bounds an operation name to the known ones.
// Known reports an operation name the metrics label by (the manifest's and
// METRICS_OPERATION_NAMES); tracing names spans by the same set.
func (m *Metrics) Known(op string) bool { return m.known[op] }

func (m *Metrics) label(op string) string {
	switch {
	case op == "":
		return MetricsAnonymousOperation
	case m.known[op]:
		return op
	}
	return MetricsOtherOperation
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
	graphql.OperationInterceptor
} = (*Metrics)(nil)

func (m *Metrics) ExtensionName() string                   { return "Metrics" }
func (m *Metrics) Validate(graphql.ExecutableSchema) error { return nil }

// operation returns the bounded name and the type of the operation of ctx.
func (m *Metrics) operation(ctx context.Context) (name, typ string) {
	if !graphql.HasOperationContext(ctx) {
		return MetricsAnonymousOperation, "unknown"
	}
	rc := graphql.GetOperationContext(ctx)
	op, typ := rc.OperationName, "unknown"
	if rc.Operation != nil {
		typ = string(rc.Operation.Operation)
		if op == "" {
			op = rc.Operation.Name
		}
	}
	return m.label(op), typ
}

// InterceptOperation follows subscriptions: started when dispatched,
// active until their stream ends or their context is cancelled.
func (m *Metrics) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	name, typ := m.operation(ctx)
	if typ != string(ast.Subscription) || wstransport.Rendering(ctx) {
		// A rendering operation serves subscriptions counted on their own.
		return next(ctx)
	}
	m.subStarted.WithLabelValues(name).Inc()
	m.subActive.Inc()
	var once sync.Once
	end := func() { once.Do(m.subActive.Dec) }
	// Over a websocket, follow the operation's own context: an AfterFunc
	// keeps its context alive, and this one carries the whole operation
	// (document, variables, caches) for as long as the subscription lives.
	done := ctx
	if s := wstransport.StreamFromContext(ctx); s != nil {
		done = s.Context()
	}
	stop := context.AfterFunc(done, end)
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp == nil {
			stop()
			end()
		}
		return resp
	}
}

// Delivered counts the events one rendering of a shared subscription
// queued to n sockets (ctx is the rendering operation's).
func (m *Metrics) Delivered(ctx context.Context, n int) {
	name, _ := m.operation(ctx)
	m.subEvents.WithLabelValues(name).Add(float64(n))
}

// InterceptResponse observes each response: one per query or mutation
// (its deferred payloads are not counted again, though their errors are),
// one per event of a subscription.
func (m *Metrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	name, typ := m.operation(ctx)
	if typ == string(ast.Subscription) {
		if resp != nil && !wstransport.Rendering(ctx) {
			m.subEvents.WithLabelValues(name).Inc()
		}
	} else if resp == nil || (resp.Label == "" && resp.Path == nil) {
		// One request per query or mutation: the later payloads of a
		// @defer (each with its label and path) are not requests.
		m.requests.WithLabelValues(name, typ).Inc()
		m.duration.WithLabelValues(name).Observe(time.Since(start).Seconds())
	}
	if resp != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			if !isContractCode(code) {
				code = "OTHER"
			}
			m.errors.WithLabelValues(code).Inc()
		}
	}
	return resp
}
