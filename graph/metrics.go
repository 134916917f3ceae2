package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics is a gqlgen extension counting operations per name, their latency
// and the errors they answered by code.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

// NewMetrics registers the GraphQL metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_graphql_requests_total", Help: "GraphQL operations by operation name and type.",
		}, []string{"operation", "type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rollcall_graphql_request_duration_seconds", Help: "GraphQL operation latency by operation name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_graphql_errors_total", Help: "GraphQL errors answered, by extensions.code.",
		}, []string{"code"}),
	}
	reg.MustRegister(m.requests, m.duration, m.errors)
	return m
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = (*Metrics)(nil)

func (m *Metrics) ExtensionName() string                   { return "Metrics" }
func (m *Metrics) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse observes each response (one per query or mutation, one
// per event of a subscription).
func (m *Metrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	name, typ := "anonymous", "unknown"
	if graphql.HasOperationContext(ctx) {
		rc := graphql.GetOperationContext(ctx)
		op := rc.OperationName
		if rc.Operation != nil {
			typ = string(rc.Operation.Operation)
			if op == "" {
				op = rc.Operation.Name
			}
		}
		name = metricName(op)
	}
	m.requests.WithLabelValues(name, typ).Inc()
	if typ != "subscription" {
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

// metricName keeps label cardinality bounded: client-chosen names that are
// not plain identifiers of reasonable length are grouped.
func metricName(op string) string {
	if op == "" {
		return "anonymous"
	}
	if len(op) > 64 {
		return "other"
	}
	for _, c := range op {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "other"
		}
	}
	return op
}
