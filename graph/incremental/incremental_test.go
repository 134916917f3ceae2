package incremental

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

const testSchema = `
type Query { me: User, node(id: ID!): Node }
interface Node { id: ID! }
type User implements Node { id: ID!, email: String!, phone: String, sessions: [Session!]! }
type Session implements Node { id: ID!, deviceName: String! }
`

func operation(t *testing.T, query string) (*ast.Schema, *graphql.OperationContext) {
	t.Helper()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatal(errs)
	}
	return schema, &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}, RawQuery: query}
}

func format(doc *ast.QueryDocument) string {
	var b strings.Builder
	formatter.NewFormatter(&b).FormatQueryDocument(doc)
	return b.String()
}

// The parsed document is shared through the query cache: rewriting an
// operation's @defer works on a copy.
func TestRewriteLeavesTheCachedDocument(t *testing.T) {
	_, rc := operation(t, `query { me { ...F ... @defer { sessions { id ...F2 @defer } } } }
		fragment F on User { email ... @defer { phone } }
		fragment F2 on Session { deviceName }`)
	before := format(rc.Doc)
	cached := rc.Doc

	inline := &graphql.OperationContext{Doc: rc.Doc, Operation: rc.Operation}
	rewrite(inline, false, nil)
	if got := format(inline.Doc); strings.Contains(got, "@defer") {
		t.Fatalf("inline kept a @defer:\n%s", got)
	}
	stream := &graphql.OperationContext{Doc: rc.Doc, Operation: rc.Operation}
	generated := rewrite(stream, true, map[string]bool{})
	got := format(stream.Doc)
	// The outer fragments keep theirs (labelled); the spread nested in a
	// deferred fragment loses it.
	if strings.Count(got, "@defer") != 2 || len(generated) != 2 || strings.Contains(got, "...F2 @defer") {
		t.Fatalf("streamed document (generated %v):\n%s", generated, got)
	}
	if format(cached) != before || rc.Doc != cached {
		t.Fatalf("the cached document changed:\n%s", format(cached))
	}
}

func TestCountDefersExpandsFragments(t *testing.T) {
	_, rc := operation(t, `query { me { ...A ...B } }
		fragment A on User { ... @defer { email } ...C }
		fragment B on User { ...A ...C @defer }
		fragment C on User { ... @defer { phone } }`)
	// A = 1 + C(1) = 2; B = A(2) + C(1) + its own 1 = 4; 2 + 4 = 6.
	if n := countDefers(rc.Operation.SelectionSet, rc.Doc.Fragments, map[string]int{}); n != 6 {
		t.Fatalf("countDefers = %d, want 6", n)
	}
}

// Deliver drops the placeholders of deferred fields (not those resolved at
// once), and when the request's context ends before a deferred fragment
// arrives it ends the stream with an UNAVAILABLE error instead of waiting.
func TestDeliverPlaceholdersAndDeadline(t *testing.T) {
	schema, rc := operation(t, `{ me { email ... @defer { phone sessions { id } } } n: node(id: "1") { id ... on User { ... @defer { email } } } }`)
	p := &plan{schema: schema, rc: rc, implementors: map[string][]string{}, inline: map[string]bool{"me.phone": true}}
	rc.Stats.SetExtension(statsKey, p)

	yes := true
	calls := 0
	responses := func(ctx context.Context) *graphql.Response {
		calls++
		if calls == 1 {
			return &graphql.Response{HasNext: &yes, Data: json.RawMessage(
				`{"me":{"email":"a@example.com","phone":null,"sessions":null},"n":{"id":"1","email":null}}`)}
		}
		<-ctx.Done() // a deferred result that never comes
		return nil
	}
	guard, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	exec, stop := context.WithCancel(context.Background())
	defer stop() // lets the reader go
	var payloads []string
	start := time.Now()
	Deliver(exec, guard, rc, responses, func(_ *graphql.Response, b []byte) bool {
		payloads = append(payloads, string(b))
		return true
	})
	if time.Since(start) > 2*time.Second {
		t.Fatal("Deliver waited past its guard")
	}
	want := []string{
		`{"data":{"me":{"email":"a@example.com","phone":null},"n":{"id":"1"}},"hasNext":true}`,
		`{"errors":[{"message":"the deferred fragments did not arrive within the request's deadline","extensions":{"code":"UNAVAILABLE"}}],"hasNext":false}`,
	}
	if strings.Join(payloads, "\n") != strings.Join(want, "\n") {
		t.Fatalf("payloads\n%s\nwant\n%s", strings.Join(payloads, "\n"), strings.Join(want, "\n"))
	}
}

// A response presented before any operation exists (a websocket operation
// refused before it is parsed) passes through without an operation context.
func TestInterceptResponseWithoutOperation(t *testing.T) {
	want := &graphql.Response{}
	got := (&Extension{}).InterceptResponse(context.Background(), func(context.Context) *graphql.Response { return want })
	if got != want {
		t.Fatalf("InterceptResponse returned %v, not next's response", got)
	}
}
