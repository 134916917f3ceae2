package telemetry

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/rollcall/rollcall/models"
)

// GraphQL is the gqlgen extension making a span per operation and per
// resolver that matters, or nil when tracing is off.
//
// An operation's span is named "TYPE NAME" (query, mutation, subscription)
// when known reports the operation name as known (the names the metrics
// label by: the trusted-documents manifest and METRICS_OPERATION_NAMES), and
// "TYPE" otherwise, so names a client makes up do not multiply span names
// (which span metrics group by). It carries graphql.operation.type and,
// when the name is a plain identifier of at most 64 characters,
// graphql.operation.name: never the document or the variables (passwords,
// tokens). A failed operation's status is the first error's code.
//
// A subscription's span covers its start (the resolver, its access checks);
// the events it then delivers make no spans, nor do their resolvers,
// statements and commands: one change fans out to every subscribed socket,
// and a span per delivery would cost more than the delivery.
//
// Resolvers get a span when they can reach the store or Redis: root fields
// (Query, Mutation, Subscription), and resolver fields that return a list or
// a connection. Fields read from the loaded object, and resolvers of single
// objects served by the per-request loaders, make none: the loaders'
// batched statements have their own spans.
func (t *Tracing) GraphQL(known func(name string) bool) graphql.HandlerExtension {
	if !t.Enabled() {
		return nil
	}
	if known == nil {
		known = func(string) bool { return false }
	}
	return gqlTracer{tracer: t.tracer, known: known}
}

type gqlTracer struct {
	tracer trace.Tracer
	known  func(name string) bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
	graphql.FieldInterceptor
} = gqlTracer{}

func (gqlTracer) ExtensionName() string                   { return "OpenTelemetry" }
func (gqlTracer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation spans a subscription's start.
func (g gqlTracer) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	ctx, span := g.start(ctx, oc)
	h := next(ctx)
	span.End()
	// Events are resolved under a context that is not sampled: their
	// resolvers, statements and commands make no spans.
	return func(ctx context.Context) *graphql.Response { return h(unsampled(ctx)) }
}

func unsampled(ctx context.Context) context.Context {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsSampled() {
		return ctx
	}
	return trace.ContextWithSpanContext(ctx, sc.WithTraceFlags(sc.TraceFlags().WithSampled(false)))
}

// InterceptResponse spans a query or a mutation (each part of a deferred
// response has its own).
func (g gqlTracer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	ctx, span := g.start(ctx, oc)
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		code, _ := resp.Errors[0].Extensions["code"].(string)
		if code == "" || len(code) > 64 {
			code = string(models.CodeInternal)
		}
		span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
		span.SetStatus(codes.Error, code)
	}
	return resp
}

func (g gqlTracer) start(ctx context.Context, oc *graphql.OperationContext) (context.Context, trace.Span) {
	typ := string(oc.Operation.Operation)
	name := oc.OperationName
	if name == "" {
		name = oc.Operation.Name
	}
	attrs := []attribute.KeyValue{semconv.GraphQLOperationTypeKey.String(typ)}
	spanName := typ
	if identifier(name) {
		attrs = append(attrs, semconv.GraphQLOperationName(name))
		if g.known(name) {
			spanName += " " + name
		}
	}
	return g.tracer.Start(ctx, spanName, trace.WithAttributes(attrs...))
}

// InterceptField spans the resolvers that matter, in a sampled trace only
// (so not under a subscription's events). Child fields run under the
// context of their parent's resolver, whose span has ended by then: what
// counts is that the trace is sampled, not that the span still records.
func (g gqlTracer) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || !worthSpan(fc) || !trace.SpanContextFromContext(ctx).IsSampled() {
		return next(ctx)
	}
	ctx, span := g.tracer.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(
		attribute.String("graphql.field.parent_type", fc.Object),
		attribute.String("graphql.field.name", fc.Field.Name),
	))
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		span.SetStatus(codes.Error, string(models.ErrorCode(err)))
	}
	return res, err
}

func worthSpan(fc *graphql.FieldContext) bool {
	switch fc.Object {
	case "Query", "Mutation", "Subscription":
		return true
	}
	def := fc.Field.Definition
	if def == nil || def.Type == nil {
		return false
	}
	if def.Type.Elem != nil {
		return true
	}
	n := def.Type.NamedType
	return len(n) > len("Connection") && n[len(n)-len("Connection"):] == "Connection"
}

// identifier reports whether an operation name is a plain GraphQL name of
// at most 64 characters, fit for a span name.
func identifier(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
