// Package telemetry is Rollcall's OpenTelemetry tracing: an OTLP
// (HTTP/protobuf) exporter configured by the SDK's own OTEL_* variables when
// tracing is on, and nothing at all when it is off. It hands the app the
// instrumentation of each layer: HTTP requests, GraphQL operations and the
// resolvers that reach the store or Redis, SQL statements and Redis commands.
//
// A nil or disabled *Tracing instruments nothing: Handler returns the handler
// it is given, GraphQL returns nil and GORM and Redis add no hook, so a node
// without tracing pays nothing for it.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/go-sql-driver/mysql"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// ServiceName is service.name when OTEL_SERVICE_NAME (or service.name in
// OTEL_RESOURCE_ATTRIBUTES) does not say otherwise.
const ServiceName = "rollcall"

// instrumentation is the name of the tracer of Rollcall's own spans.
const instrumentation = "github.com/rollcall/rollcall"

// Tracing is a node's tracer provider and the instrumentation built on it.
type Tracing struct {
	tp       trace.TracerProvider
	tracer   trace.Tracer
	sdk      *sdktrace.TracerProvider // built by New; flushed by Shutdown
	shutdown sync.Once
	err      error
}

// New builds tracing that exports over OTLP HTTP/protobuf. Endpoint,
// headers, timeout, compression and TLS come from OTEL_EXPORTER_OTLP_*,
// the sampler from OTEL_TRACES_SAMPLER(_ARG) (parentbased_always_on when
// unset), batching from OTEL_BSP_* and the resource from OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES, all read by the SDK itself. Exporter errors
// are logged to log. Call it only when tracing is configured
// (config.TracingEnabled); otherwise use a nil *Tracing.
func New(ctx context.Context, log *slog.Logger) (*Tracing, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	// Later detectors win: the environment overrides the default name.
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(ServiceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil && res == nil {
		return nil, err
	}
	if err != nil && log != nil { // a partial resource: a bad OTEL_RESOURCE_ATTRIBUTES entry
		log.Warn("tracing resource", "err", err)
	}
	if log != nil {
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing", "err", err) }))
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	t := WithProvider(sdk)
	t.sdk = sdk
	return t, nil
}

// WithProvider instruments with tp (tests pass one that records to an
// in-memory exporter). Shutdown does not shut tp down.
func WithProvider(tp trace.TracerProvider) *Tracing {
	return &Tracing{tp: tp, tracer: tp.Tracer(instrumentation)}
}

// Enabled reports whether spans are made at all.
func (t *Tracing) Enabled() bool { return t != nil && t.tp != nil }

// Shutdown exports the spans still buffered and stops the exporter, within
// ctx (SHUTDOWN_TIMEOUT in production). Later calls return the first
// call's result.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil || t.sdk == nil {
		return nil
	}
	t.shutdown.Do(func() { t.err = t.sdk.Shutdown(ctx) })
	return t.err
}

// propagator reads the W3C traceparent and tracestate headers and nothing
// else: no baggage, so a client cannot put attributes on our spans.
var propagator = propagation.TraceContext{}

// childOnly is the tracer provider of the SQL and Redis instrumentation: it
// makes a span only in a sampled trace (under a request, an operation, a
// resolver; the span in the context may have ended, as a parent resolver's
// has when its child fields run). The background workers' statements and commands (the mail
// poll, presence heartbeats and sweeps) would otherwise each start a trace
// of their own, every second, on every node.
type childOnly struct {
	embedded.TracerProvider
	tp trace.TracerProvider
}

func (c childOnly) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return childTracer{inner: c.tp.Tracer(name, opts...)}
}

type childTracer struct {
	embedded.Tracer
	inner trace.Tracer
}

func (c childTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if !trace.SpanContextFromContext(ctx).IsSampled() {
		// The span already there, which does not record (or the no-op
		// one): nothing is made, and nothing below it is either.
		return ctx, trace.SpanFromContext(ctx)
	}
	ctx, span := c.inner.Start(ctx, name, opts...)
	r := &redacted{Span: span}
	return trace.ContextWithSpan(ctx, r), r
}

// redacted keeps a driver's error text out of a statement's or command's
// span: "Duplicate entry 'ada@example.com' for key …" carries the values
// the statement text leaves out. The error's type (and MySQL's error
// number) is kept.
type redacted struct {
	trace.Span
	kind string
}

func (r *redacted) RecordError(err error, _ ...trace.EventOption) {
	if err == nil {
		return
	}
	r.kind = errorKind(err)
	r.Span.AddEvent("exception", trace.WithAttributes(semconv.ExceptionType(r.kind)))
}

func (r *redacted) SetStatus(code codes.Code, _ string) {
	if code == codes.Error && r.kind == "" {
		r.kind = "error"
	}
	desc := ""
	if code == codes.Error {
		desc = r.kind
	}
	r.Span.SetStatus(code, desc)
}

func errorKind(err error) string {
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return fmt.Sprintf("mysql error %d", my.Number)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "context deadline exceeded"
	case errors.Is(err, context.Canceled):
		return "context canceled"
	}
	return fmt.Sprintf("%T", err)
}
