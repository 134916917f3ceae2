package graph

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rollcall/rollcall/models"
)

// DefaultRequestTimeout is the deadline of a request when none is configured.
const DefaultRequestTimeout = 15 * time.Second

// RequestDeadline gives every plain HTTP request (not a websocket upgrade,
// whose operations get their own deadline from operationDeadline) a
// deadline of d: its context is cancelled then, which stops resolver and
// store work. How long the body may take to arrive is bounded by the HTTP
// layer (REQUEST_BODY_TIMEOUT, httpapi), for every route alike.
func RequestDeadline(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		d = DefaultRequestTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		deadline := time.Now().Add(d)
		ctx, cancel := context.WithDeadline(r.Context(), deadline)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// operationDeadline cancels the context of a query or mutation d after it
// starts, on every transport (a websocket's operations included).
// Subscriptions live as long as their socket and are not bounded.
type operationDeadline struct{ d time.Duration }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = operationDeadline{}

func (operationDeadline) ExtensionName() string                   { return "OperationDeadline" }
func (operationDeadline) Validate(graphql.ExecutableSchema) error { return nil }

func (o operationDeadline) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation == ast.Subscription {
		return next(ctx)
	}
	deadline := time.Now().Add(o.d)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	h := next(ctx)
	first := true
	// The @defer fragments a response starts keep resolving under its
	// context after it is answered: a response with hasNext keeps its
	// context until the last one.
	var open []context.CancelFunc
	return func(parent context.Context) *graphql.Response {
		// Resolvers run with the context the transport passes here.
		rctx, rcancel := context.WithDeadline(parent, deadline)
		open = append(open, rcancel)
		resp := h(rctx)
		if resp == nil && first && errors.Is(rctx.Err(), context.DeadlineExceeded) {
			// gqlgen answers nothing for a context already done; the
			// client gets an answer saying why.
			resp = &graphql.Response{Errors: gqlerror.List{deadlineError()}}
		}
		first = false
		if resp == nil || resp.HasNext == nil || !*resp.HasNext {
			for _, c := range open {
				c()
			}
			open = nil
			cancel()
		}
		return resp
	}
}

func deadlineError() *gqlerror.Error {
	return &gqlerror.Error{Message: "the request did not finish within its deadline",
		Extensions: map[string]any{"code": string(models.CodeUnavailable)}}
}
