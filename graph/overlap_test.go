package graph

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/rollcall/rollcall/graph/generated"
)

func validateWith(t testing.TB, schema *ast.Schema, query string, r *rules.Rules) gqlerror.List {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatalf("parse %q: %v", query, err)
	}
	return validator.ValidateWithRules(schema, doc, r)
}

func onlyRule(r ...validator.Rule) *rules.Rules { return rules.NewRules(r...) }

// The graphql-js test cases of OverlappingFieldsCanBeMerged (as gqlparser
// imports them): the linear rule must accept and refuse exactly what
// gqlparser's own rule does.
func TestOverlappingFieldsRuleAgreesWithSpec(t *testing.T) {
	raw, err := os.ReadFile("testdata/overlapping_fields_spec.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus struct {
		Schemas map[string]string
		Specs   []struct {
			Name, Schema, Query string
			Errors              int
		}
	}
	if err := json.Unmarshal(raw, &corpus); err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*ast.Schema{}
	for k, s := range corpus.Schemas {
		if schemas[k], err = gqlparser.LoadSchema(&ast.Source{Input: s, Name: "schema" + k}); err != nil {
			t.Fatal(err)
		}
	}
	for _, spec := range corpus.Specs {
		t.Run(spec.Name, func(t *testing.T) {
			if strings.Contains(spec.Name, "non-exclusive follows an exclusive") {
				t.Skip("gqlparser skips this graphql-js case too (deviations.yml)")
			}
			s := schemas[spec.Schema]
			want := validateWith(t, s, spec.Query, onlyRule(rules.OverlappingFieldsCanBeMergedRule))
			got := validateWith(t, s, spec.Query, onlyRule(OverlappingFieldsRule))
			if (len(want) == 0) != (len(got) == 0) || (spec.Errors == 0) != (len(got) == 0) {
				t.Fatalf("query %s\ngqlparser: %v\nspec errors: %d\nours: %v", spec.Query, want, spec.Errors, got)
			}
		})
	}
}

func TestOverlappingFieldsRule(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	cases := []struct {
		name, query string
		conflict    bool
	}{
		{"OKRepeatedField", `{ me { id id id email id } }`, false},
		{"OKRepeatedThroughFragments", `{ me { ...A ...A id } } fragment A on User { id email }`, false},
		{"OKSameArguments", `{ a: node(id: "1") { id } a: node(id: "1") { __typename } }`, false},
		{"OKMergedSubselections", `{ me { memberships { id } memberships { role } } }`, false},
		{"OKExclusiveParents", `{ node(id: "1") { ... on User { x: email } ... on Account { x: name } } }`, false},
		{"OKExclusiveParentsDifferentArgs", `{ node(id: "1") { ... on User { x: id } ... on Account { x: id } } }`, false},
		{"ErrDifferentFields", `{ me { a: id a: email } }`, true},
		{"ErrDifferentFieldsAfterManyIdentical", `{ me {` + strings.Repeat(" a: id", 500) + ` a: email } }`, true},
		{"ErrDifferentArguments", `{ a: node(id: "1") { id } a: node(id: "2") { id } }`, true},
		{"ErrNestedThroughFragment", `{ me { memberships { x: id } ...M } } fragment M on User { memberships { x: role } }`, true},
		{"ErrConflictingTypesOnExclusiveParents", `{ node(id: "1") { ... on User { x: lastActiveAt } ... on Account { x: name } } }`, true},
		{"ErrInterfaceAndObject", `{ node(id: "1") { x: id ... on Account { x: name } } }`, true},
		{"ErrBetweenTwoFragments", `{ me { ...A ...B } } fragment A on User { x: id } fragment B on User { x: email }`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := validateWith(t, schema, tc.query, onlyRule(rules.OverlappingFieldsCanBeMergedRule))
			got := validateWith(t, schema, tc.query, onlyRule(OverlappingFieldsRule))
			if (len(got) > 0) != tc.conflict || (len(want) > 0) != tc.conflict {
				t.Fatalf("want conflict=%v; ours: %v; gqlparser: %v", tc.conflict, got, want)
			}
		})
	}
}

// A fragment cycle (refused by NoFragmentCycles) must not send the rule
// into an endless expansion.
func TestOverlappingFieldsRuleFragmentCycle(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	q := `{ me { ...A } } fragment A on User { memberships { user { ...B } } } fragment B on User { memberships { user { ...A } } }`
	errs := validateWith(t, schema, q, ValidationRules())
	if len(errs) == 0 {
		t.Fatal("a fragment cycle was accepted")
	}
}
