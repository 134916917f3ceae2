package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rollcall/rollcall/graph/scalars"
	"github.com/rollcall/rollcall/models"
)

// ErrorPresenter turns every error into one a client may see: domain errors
// keep their message and code; a malformed scalar is BAD_USER_INPUT with
// the argument or input field in extensions.field; GraphQL parse and validation errors become
// BAD_USER_INPUT; anything else is logged and answered as INTERNAL with no
// detail, so no SQL or Go error text ever reaches a browser.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var path []any
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) {
			for _, p := range gqlErr.Path {
				path = append(path, p)
			}
		} else {
			gqlErr = &gqlerror.Error{}
		}
		if fc := graphql.GetFieldContext(ctx); fc != nil && len(gqlErr.Path) == 0 {
			gqlErr.Path = fc.Path()
		}
		var se *scalars.Error
		if errors.As(err, &se) {
			// A malformed scalar: the path ends with the argument or input
			// field it was given for.
			out := &gqlerror.Error{Message: se.Message, Path: gqlErr.Path, Locations: gqlErr.Locations,
				Extensions: map[string]any{"code": string(models.CodeBadUserInput)}}
			if n := len(gqlErr.Path); n > 0 {
				if name, ok := gqlErr.Path[n-1].(ast.PathName); ok {
					out.Extensions["field"] = string(name)
				}
			}
			return out
		}
		if !isDomainError(err) && models.IsConnectionFault(err) {
			err = models.Unavailable(err)
		}
		if de, ok := models.AsError(err); ok {
			if de.Code == models.CodeUnavailable && de.Unwrap() != nil {
				log.WarnContext(ctx, "backing service unavailable", "err", de.Unwrap(), "path", fmt.Sprint(gqlErr.Path))
			}
			out := &gqlerror.Error{Message: de.Message, Path: gqlErr.Path, Locations: gqlErr.Locations,
				Extensions: map[string]any{"code": string(de.Code)}}
			if de.Field != "" {
				out.Extensions["field"] = de.Field
			}
			if de.Code == models.CodeRateLimited {
				out.Extensions["retryAfterSeconds"] = de.RetryAfterSeconds
			}
			return out
		}
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Produced by the GraphQL engine itself (parse, validation,
			// variable coercion, limits): safe to show, and the caller's fault.
			out := &gqlerror.Error{Message: gqlErr.Message, Path: gqlErr.Path, Locations: gqlErr.Locations, Rule: gqlErr.Rule,
				Extensions: map[string]any{}}
			for k, v := range gqlErr.Extensions {
				out.Extensions[k] = v
			}
			code, _ := out.Extensions["code"].(string)
			if !isContractCode(code) {
				out.Extensions["code"] = string(models.CodeBadUserInput)
			}
			return out
		}
		if errors.Is(err, context.DeadlineExceeded) {
			out := deadlineError()
			out.Path = gqlErr.Path
			return out
		}
		if errors.Is(err, context.Canceled) {
			return &gqlerror.Error{Message: "request cancelled", Path: gqlErr.Path, Extensions: map[string]any{"code": string(models.CodeInternal)}}
		}
		log.ErrorContext(ctx, "internal error", "err", err, "path", fmt.Sprint(gqlErr.Path))
		return &gqlerror.Error{Message: "internal error", Path: gqlErr.Path, Extensions: map[string]any{"code": string(models.CodeInternal)}}
	}
}

// isDomainError reports whether err already carries a code of ours.
func isDomainError(err error) bool {
	_, ok := models.AsError(err)
	return ok
}

// WithoutSuggestions wraps a presenter so that no message carries a "Did you
// mean ...?" hint: with introspection off, the hints would give the schema
// away one guess at a time. The validator is also told not to make them
// (Server.SetDisableSuggestion); this holds for any rule or transport that
// still would.
func WithoutSuggestions(p graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := p(ctx, err)
		if out != nil {
			out.Message = stripSuggestion(out.Message)
		}
		return out
	}
}

// stripSuggestion cuts a " Did you mean ...?" hint, which the validator
// always appends at the end of its message.
func stripSuggestion(msg string) string {
	if i := strings.Index(msg, " Did you mean"); i >= 0 {
		return msg[:i]
	}
	return msg
}

// RecoverFunc logs a resolver panic and answers INTERNAL.
func RecoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p))
		return errors.New("internal error")
	}
}

func isContractCode(code string) bool {
	switch models.Code(code) {
	case models.CodeUnauthenticated, models.CodeForbidden, models.CodeNotFound, models.CodeBadUserInput,
		models.CodeConflict, models.CodeRateLimited, models.CodeInvitationExpired, models.CodeInvitationRevoked,
		models.CodeInvitationAlreadyAccepted, models.CodeTokenInvalid, models.CodeUnavailable, models.CodeInternal,
		models.CodePersistedQueryNotFound, models.CodePersistedQueryNotSupported, models.CodePersistedQueryNotInList:
		return true
	}
	return false
}
