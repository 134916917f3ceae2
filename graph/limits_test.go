package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// introspectionQuery is the query GraphiQL and graphql-js's
// getIntrospectionQuery() send, the largest a legitimate client does.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

func repeatField(n int) string { return "{ me {" + strings.Repeat(" id", n) + " } }" }

func TestCheckDocument(t *testing.T) {
	lim := DefaultDocumentLimits
	// A chain of fragments, each spreading the next twice in two fields:
	// 2^20 selections once expanded, from a document of 20 lines.
	var chain strings.Builder
	chain.WriteString("{ me { ...F0 } }")
	for i := range 20 {
		fmt.Fprintf(&chain, " fragment F%d on User { memberships { user { ...F%d } } organizations { id } m2: memberships { user { ...F%d } } }", i, i+1, i+1)
	}
	chain.WriteString(" fragment F20 on User { id }")
	var aliases strings.Builder
	aliases.WriteString("{ me {")
	for i := range lim.Aliases + 1 {
		fmt.Fprintf(&aliases, " a%d: id", i)
	}
	aliases.WriteString(" } }")
	manyOps := strings.Repeat("query { me { id } } ", lim.Operations+1)

	cases := []struct {
		name, query, refused string
	}{
		{"OKIntrospection", introspectionQuery, ""},
		{"OKSmall", "{ me { id email memberships { account { name } } } }", ""},
		{"OKSyntaxErrorLeftToParser", "{ me { ", ""},
		{"Err4000Fields", repeatField(4000), "fields"},
		{"Err200000Fields", repeatField(200_000), "tokens"},
		{"ErrAliases", aliases.String(), "aliases"},
		{"ErrExpandedSelections", chain.String(), "selections"},
		{"ErrOperations", manyOps, "operations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckDocument(tc.query, lim)
			switch {
			case tc.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refused != "" && err == nil:
				t.Fatalf("accepted, want refused for %s", tc.refused)
			case tc.refused != "" && (!strings.Contains(err.Message, tc.refused) || err.Extensions["code"] != "BAD_USER_INPUT"):
				t.Fatalf("want BAD_USER_INPUT about %s, got %v %v", tc.refused, err.Message, err.Extensions)
			}
		})
	}
}

// A document of exactly the token limit passes both this check and the
// parser's own limit (set by NewHandler to Tokens+1).
func TestCheckDocumentTokenBoundary(t *testing.T) {
	lim := DocumentLimits{Tokens: 100}
	q := repeatField(100 - 5) // "{ me {" and "} }" are 5 tokens
	if n := countTokens(q, 1000); n != 100 {
		t.Fatalf("counted %d tokens", n)
	}
	if err := CheckDocument(q, lim); err != nil {
		t.Fatalf("refused at the limit: %v", err)
	}
	if _, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, lim.Tokens+1); err != nil {
		t.Fatalf("parser refused at the limit: %v", err)
	}
	if err := CheckDocument(repeatField(100-4), lim); err == nil {
		t.Fatal("one token over the limit was accepted")
	}
}
