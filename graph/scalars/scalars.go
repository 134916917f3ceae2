// Package scalars holds the Go side of the schema's custom scalars. A value
// that does not parse is the caller's mistake: the unmarshalers return an
// *Error, which the error presenter answers as BAD_USER_INPUT naming the
// argument or input field, never as INTERNAL.
package scalars

import (
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/rollcall/rollcall/models"
)

// Error is a malformed scalar value, in the document or in a variable.
type Error struct {
	// Message says what was expected; it never echoes the value.
	Message string
}

func (e *Error) Error() string { return e.Message }

// MarshalTime writes a time as every time leaves the API (models.FormatTime:
// RFC 3339, UTC, milliseconds), or null when zero.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.MarshalString(models.FormatTime(t))
}

// UnmarshalTime reads an RFC 3339 time in any offset, as the instant in UTC.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, &Error{Message: fmt.Sprintf("expected a time in RFC 3339 format such as 2026-01-02T15:04:05Z, got a %s", kind(v))}
	}
	return t.UTC(), nil
}

// kind names the JSON type of v without echoing it.
func kind(v any) string {
	switch v.(type) {
	case string:
		return "string that is not one"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	default:
		return "number"
	}
}
