package graph

import (
	"context"

	"github.com/vikstrous/dataloadgen"

	"github.com/rollcall/rollcall/models"
)

// loadOptional loads the row id points to with l, or nil when id is nil or
// the row is gone: a reference kept in history (an audit event's actor, a
// contact's assignee) must not fail the whole field.
func loadOptional[V any](ctx context.Context, l *dataloadgen.Loader[int64, V], id *int64, what string) (V, error) {
	var zero V
	if id == nil {
		return zero, nil
	}
	v, err := load(ctx, l, *id, what)
	if models.ErrorCode(err) == models.CodeNotFound {
		return zero, nil
	}
	return v, err
}
