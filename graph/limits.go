package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/rollcall/rollcall/models"
)

// DocumentLimits bound the shape of a GraphQL document before it is
// validated, so the work of validation (and of the depth and complexity
// checks after it) is bounded by numbers instead of by the body size. Each
// default is far above what the Rollcall clients send (the largest, the
// GraphiQL introspection query, has 150 tokens, 58 fields and about 300
// selections once its fragments are expanded) and far below what it takes
// to keep a core busy.
type DocumentLimits struct {
	// Tokens counts lexical tokens (names, punctuation, values): 5,000.
	Tokens int
	// Fields counts field selections as written: 1,000.
	Fields int
	// Aliases counts aliased fields as written: 100.
	Aliases int
	// Selections counts fields, fragment spreads and inline fragments with
	// every fragment spread expanded, as the depth and complexity checks
	// and execution see them: 5,000.
	Selections int
	// Fragments counts fragment definitions: 50.
	Fragments int
	// Operations counts operation definitions: 10.
	Operations int
	// Variables counts variable definitions over all operations: 50.
	Variables int
	// Directives counts directives as written: 50.
	Directives int
}

// DefaultDocumentLimits are the limits NewHandler uses unless configured.
var DefaultDocumentLimits = DocumentLimits{
	Tokens: 5000, Fields: 1000, Aliases: 100, Selections: 5000,
	Fragments: 50, Operations: 10, Variables: 50, Directives: 50,
}

func (l DocumentLimits) withDefaults() DocumentLimits {
	d := DefaultDocumentLimits
	for _, p := range []struct{ v, def *int }{
		{&l.Tokens, &d.Tokens}, {&l.Fields, &d.Fields}, {&l.Aliases, &d.Aliases}, {&l.Selections, &d.Selections},
		{&l.Fragments, &d.Fragments}, {&l.Operations, &d.Operations}, {&l.Variables, &d.Variables}, {&l.Directives, &d.Directives},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return l
}

// documentLimit refuses, before gqlgen parses and validates it, a document
// over DocumentLimits. It counts tokens with the lexer (stopping at the
// limit, so a 1 MiB document costs no more than a 5,000-token one), then
// parses and counts the rest. Documents already in the query cache were
// checked when they were added and are not looked at again.
type documentLimit struct {
	limits DocumentLimits
	cache  graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimit{}

func (documentLimit) ExtensionName() string                   { return "DocumentLimit" }
func (documentLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d documentLimit) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if d.cache != nil {
		if _, ok := d.cache.Get(ctx, params.Query); ok {
			return nil
		}
	}
	return CheckDocument(params.Query, d.limits)
}

// CheckDocument returns a BAD_USER_INPUT error when query is over one of
// limits; nil when it is within them or does not parse (the parser then
// reports the syntax error itself).
func CheckDocument(query string, limits DocumentLimits) *gqlerror.Error {
	limits = limits.withDefaults()
	if n := countTokens(query, limits.Tokens+1); n > limits.Tokens {
		return limitError("tokens", limits.Tokens)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil
	}
	c := counter{limits: limits}
	return c.check(doc)
}

// countTokens counts the lexical tokens of query, stopping at max.
func countTokens(query string, max int) int {
	lx := lexer.New(&ast.Source{Input: query})
	n := 0
	for n < max {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		n++
	}
	return n
}

func limitError(what string, limit int) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf("the document has more %s than the limit of %d", what, limit),
		Extensions: map[string]any{"code": string(models.CodeBadUserInput)},
	}
}

type counter struct {
	limits                                  DocumentLimits
	fields, aliases, directives, selections int
	// expanded memoizes the expanded selection count of each fragment;
	// -1 marks a fragment being counted (a cycle, refused by validation,
	// counts as nothing here).
	expanded map[string]int
	frags    map[string]*ast.FragmentDefinition
}

func (c *counter) check(doc *ast.QueryDocument) *gqlerror.Error {
	if len(doc.Operations) > c.limits.Operations {
		return limitError("operations", c.limits.Operations)
	}
	if len(doc.Fragments) > c.limits.Fragments {
		return limitError("fragment definitions", c.limits.Fragments)
	}
	vars := 0
	for _, op := range doc.Operations {
		vars += len(op.VariableDefinitions)
		c.directives += len(op.Directives)
		for _, v := range op.VariableDefinitions {
			c.directives += len(v.Directives)
		}
	}
	if vars > c.limits.Variables {
		return limitError("variables", c.limits.Variables)
	}
	// Fields, aliases and directives as written.
	for _, op := range doc.Operations {
		c.written(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.directives += len(f.Directives)
		c.written(f.SelectionSet)
	}
	switch {
	case c.fields > c.limits.Fields:
		return limitError("fields", c.limits.Fields)
	case c.aliases > c.limits.Aliases:
		return limitError("aliases", c.limits.Aliases)
	case c.directives > c.limits.Directives:
		return limitError("directives", c.limits.Directives)
	}
	// Selections with fragments expanded: each fragment is counted once and
	// its count reused, so this is linear in the document even when the
	// expansion is exponential.
	c.frags = make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
	for _, f := range doc.Fragments {
		if _, ok := c.frags[f.Name]; !ok {
			c.frags[f.Name] = f
		}
	}
	c.expanded = make(map[string]int, len(doc.Fragments))
	total := 0
	for _, op := range doc.Operations {
		total = satAdd(total, c.expand(op.SelectionSet))
	}
	// Validation also walks each fragment definition on its own, whether
	// an operation uses it or not.
	for _, f := range doc.Fragments {
		total = satAdd(total, c.fragment(f.Name))
	}
	if total > c.limits.Selections {
		return limitError("selections (fragments expanded)", c.limits.Selections)
	}
	return nil
}

func (c *counter) written(set ast.SelectionSet) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c.fields++
			if s.Alias != "" && s.Alias != s.Name {
				c.aliases++
			}
			c.directives += len(s.Directives)
			c.written(s.SelectionSet)
		case *ast.InlineFragment:
			c.directives += len(s.Directives)
			c.written(s.SelectionSet)
		case *ast.FragmentSpread:
			c.directives += len(s.Directives)
		}
	}
}

func (c *counter) expand(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		n = satAdd(n, 1)
		switch s := sel.(type) {
		case *ast.Field:
			n = satAdd(n, c.expand(s.SelectionSet))
		case *ast.InlineFragment:
			n = satAdd(n, c.expand(s.SelectionSet))
		case *ast.FragmentSpread:
			n = satAdd(n, c.fragment(s.Name))
		}
	}
	return n
}

func (c *counter) fragment(name string) int {
	if n, ok := c.expanded[name]; ok {
		if n < 0 {
			return 0
		}
		return n
	}
	f := c.frags[name]
	if f == nil {
		return 0
	}
	c.expanded[name] = -1
	n := c.expand(f.SelectionSet)
	c.expanded[name] = n
	return n
}
