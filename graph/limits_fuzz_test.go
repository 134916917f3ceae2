package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/core"

	"github.com/rollcall/rollcall/graph/generated"
)

// countingSchema counts the complexity walk's visits to fields.
type countingSchema struct {
	graphql.ExecutableSchema
	calls *int
}

func (s countingSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	*s.calls++
	return s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}

// FuzzGraphQLDocument sends arbitrary documents through what the handler
// does before execution: the document limits, the parser, the validation
// rules, the depth limit and the complexity walk. None may panic, and a
// document within the limits must stay within a budget of work fixed by
// them (the field-merging rule's visits and the complexity walk's), so no
// accepted document can cost more than a bounded amount of CPU.
func FuzzGraphQLDocument(f *testing.F) {
	for _, seed := range []string{
		introspectionQuery,
		repeatField(50),
		"{ me { id email memberships { account { name members(first: 10) { edges { node { role } } } } } } }",
		"query Q($id: ID!) { node(id: $id) { id ... on Account { name } ...A } } fragment A on Account { members { totalCount } }",
		"{ me { a: id a: email } }",
		"{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }",
		"{ node(id: \"1\") { ... on User { x: email } ... on Account { x: name } } }",
		"subscription { sessionsChanged { kind } }",
		"mutation { signOut }",
		"{ me { ",
	} {
		f.Add(seed)
	}
	es := generated.NewExecutableSchema(generated.Config{Complexity: complexityRoot()})
	schema := es.Schema()
	lim := DefaultDocumentLimits
	// Each expanded selection is visited a bounded number of times: once by
	// each pass of the merging rule per set of possible parents (at most
	// the object types of the schema), once per operation or fragment
	// definition, once by the complexity walk per implementing type.
	types := 0
	for _, d := range schema.Types {
		if d.Kind == ast.Object {
			types++
		}
	}
	budget := 2 * types * lim.Selections
	f.Fuzz(func(t *testing.T, query string) {
		if CheckDocument(query, lim) != nil {
			return
		}
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, lim.Tokens+1)
		if err != nil {
			return
		}
		if errs := validator.ValidateWithRules(schema, doc, ValidationRules()); len(errs) > 0 {
			return
		}
		m := newMerger(doc)
		w := &core.Walker{Schema: schema, Document: doc}
		nop := func(...core.ErrorOption) {}
		for _, op := range doc.Operations {
			m.checkSet(w, op.SelectionSet, nop)
		}
		for _, fr := range doc.Fragments {
			m.checkSet(w, fr.SelectionSet, nop)
		}
		if m.over || m.work > budget {
			t.Fatalf("merging rule did %d units of work (budget %d) on an accepted document", m.work, budget)
		}
		for _, op := range doc.Operations {
			_ = selectionDepth(op.SelectionSet, doc.Fragments, 0)
			calls := 0
			_ = complexity.Calculate(context.Background(), countingSchema{es, &calls}, op, nil)
			if calls > budget {
				t.Fatalf("complexity walk visited %d fields (budget %d) of an accepted document", calls, budget)
			}
		}
	})
}
