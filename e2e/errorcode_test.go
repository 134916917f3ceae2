package e2e

import (
	"slices"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// TestErrorCodeIntrospectable: a generated client finds enum ErrorCode by
// introspection, with a description on every value, and the codes errors
// carry in extensions.code are its values, as plain strings. Introspection
// does not depend on the store: one SQLite node is enough.
func TestErrorCodeIntrospectable(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{})
	c := n.Client()
	var out struct {
		Schema struct {
			Types []struct{ Name, Kind string }
		} `json:"__schema"`
		Type *struct {
			Kind       string
			EnumValues []struct{ Name, Description string } `json:"enumValues"`
		} `json:"__type"`
	}
	c.MustDo(t, `{ __schema { types { name kind } } __type(name: "ErrorCode") { kind enumValues { name description } } }`, nil, &out)
	if !slices.ContainsFunc(out.Schema.Types, func(ty struct{ Name, Kind string }) bool { return ty.Name == "ErrorCode" && ty.Kind == "ENUM" }) {
		t.Fatalf("__schema.types has no ENUM ErrorCode")
	}
	if out.Type == nil || out.Type.Kind != "ENUM" {
		t.Fatalf("__type(name: ErrorCode) = %+v", out.Type)
	}
	values := map[string]bool{}
	for _, v := range out.Type.EnumValues {
		if v.Description == "" {
			t.Errorf("ErrorCode.%s has no description", v.Name)
		}
		values[v.Name] = true
	}
	for _, code := range []models.Code{models.CodeUnauthenticated, models.CodeNotFound, models.CodeBadUserInput, models.CodeEmailProofSent, models.CodeInternal} {
		if !values[string(code)] {
			t.Errorf("ErrorCode lacks %s", code)
		}
	}
	// Errors still carry the code as the enum value's name, a string.
	for _, q := range []string{`{ organization(id: "x") { id } }`, `{ node(idd: "x") { id } }`} {
		r := c.Do(t, q, nil)
		if len(r.Errors) == 0 {
			t.Fatalf("%s: no error", q)
		}
		code, ok := r.Errors[0].Extensions["code"].(string)
		if !ok || !values[code] {
			t.Fatalf("%s: extensions.code %#v is not an ErrorCode value", q, r.Errors[0].Extensions["code"])
		}
	}
}
