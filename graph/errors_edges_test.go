package graph

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestWithoutSuggestions(t *testing.T) {
	p := WithoutSuggestions(ErrorPresenter(slog.New(slog.NewTextHandler(io.Discard, nil))))
	for in, want := range map[string]string{
		`Cannot query field "emial" on type "User". Did you mean "email"?`:                         `Cannot query field "emial" on type "User".`,
		`Value "ADMN" does not exist in "Role!" enum. Did you mean the enum value "ADMIN"?`:        `Value "ADMN" does not exist in "Role!" enum.`,
		`Unknown argument "idd" on field "Query.node". Did you mean "id" or "ids"?`:                `Unknown argument "idd" on field "Query.node".`,
		`Cannot query field "x" on type "Node". Did you mean to use an inline fragment on "User"?`: `Cannot query field "x" on type "Node".`,
		`Unknown type "Sesion".`: `Unknown type "Sesion".`,
	} {
		out := p(context.Background(), &gqlerror.Error{Message: in})
		if out.Message != want {
			t.Errorf("%q became %q, want %q", in, out.Message, want)
		}
		if out.Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%q: code %v", in, out.Extensions["code"])
		}
	}
}
