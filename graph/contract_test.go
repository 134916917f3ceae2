package graph

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	gql "github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/rollcall/rollcall/graph/generated"
)

// The published contract, frozen, and the printed copy of the schema served
// today. Adding to the schema is a `go test ./graph -run TestContract
// -update` away; taking anything away from the contract fails the build.
var (
	update       = flag.Bool("update", false, "rewrite docs/api.graphql from the served schema")
	contractFile = filepath.Join("testdata", "contract-v1.graphql")
	docsFile     = filepath.Join("..", "docs", "api.graphql")
)

// docsHeader opens docs/api.graphql: what the file is, and what the schema's
// descriptions do not say.
const docsHeader = `# The Rollcall GraphQL API: the schema served at /query, printed from
# graph/schema/*.graphqls. Do not edit by hand: after changing the schema, run
#   go generate ./... && go test ./graph -run TestContract -update
# graph/testdata/contract-v1.graphql is the first published contract; the served schema
# stays a backwards-compatible superset of it (graph/contract_test.go).
#
# Errors: every error carries extensions.code, a value of enum ErrorCode below;
# BAD_USER_INPUT names the offending input in extensions.field, RATE_LIMITED says when to
# try again in extensions.retryAfterSeconds.
# Auth: "Authorization: Bearer <token>" on HTTP; on websockets the connection_init payload
# {"authToken": "<token>"}. IDs are opaque strings that encode their type, so node(id:)
# works. Every Time is RFC 3339 in UTC with milliseconds (see scalar Time).

`

func servedSchema() *gql.Schema {
	return generated.NewExecutableSchema(generated.Config{}).Schema()
}

func loadSchemaFile(t *testing.T, path string) *gql.Schema {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gqlparser.LoadSchema(&gql.Source{Name: path, Input: string(src)})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

// printSchema is the canonical text of a schema: gqlparser's formatter
// (types sorted by name, descriptions kept, built-ins left out), with a
// blank line after each definition for people reading it.
func printSchema(s *gql.Schema) string {
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(s)
	var out strings.Builder
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		out.WriteString(line)
		if line == "}\n" || strings.HasPrefix(line, "scalar ") || strings.HasPrefix(line, "union ") || strings.HasPrefix(line, "directive @") {
			out.WriteString("\n")
		}
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// TestContractCompatible fails, naming each one, on every difference that
// would break a client written against the published contract.
func TestContractCompatible(t *testing.T) {
	for _, d := range breakingChanges(loadSchemaFile(t, contractFile), servedSchema()) {
		t.Errorf("breaks the published contract (%s): %s", contractFile, d)
	}
}

// TestContractDocs holds docs/api.graphql to the schema served; -update
// rewrites it.
func TestContractDocs(t *testing.T) {
	served := printSchema(servedSchema())
	// The generated code is what is served; the schema files are what
	// people edit. When they differ, regenerate first.
	files, err := filepath.Glob(filepath.Join("schema", "*.graphqls"))
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v", err)
	}
	var sources []*gql.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &gql.Source{Name: f, Input: string(b)})
	}
	fromFiles, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}
	if printSchema(fromFiles) != served {
		t.Fatal("graph/schema/*.graphqls changed since the code was generated: run go generate ./... first")
	}
	want := docsHeader + served
	if *update {
		if err := os.WriteFile(docsFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is not the served schema (first difference at line %d): run go test ./graph -run TestContract -update", docsFile, firstDiffLine(string(got), want))
	}
	// The printed copy is a schema clients can load, and it is the served one.
	if d := breakingChanges(loadSchemaFile(t, docsFile), servedSchema()); len(d) > 0 {
		t.Fatalf("%s does not load back as the served schema: %v", docsFile, d)
	}
}

func firstDiffLine(a, b string) int {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return i + 1
		}
	}
	return min(len(al), len(bl)) + 1
}

// TestContractErrorCodes holds enum ErrorCode and the models.Code constants
// to the same set, so a code cannot be added to one only, and makes each
// value say when it is returned.
func TestContractErrorCodes(t *testing.T) {
	enum := servedSchema().Types["ErrorCode"]
	if enum == nil || enum.Kind != gql.Enum {
		t.Fatal("the schema has no enum ErrorCode")
	}
	inSchema := map[string]bool{}
	for _, v := range enum.EnumValues {
		inSchema[v.Name] = true
		if strings.TrimSpace(v.Description) == "" {
			t.Errorf("ErrorCode.%s has no description saying when it is returned", v.Name)
		}
	}
	inModels := modelsCodes(t)
	if len(inModels) < 10 {
		t.Fatalf("found only %d models.Code constants: %v", len(inModels), inModels)
	}
	for c := range inModels {
		if !inSchema[c] {
			t.Errorf("models has code %s, enum ErrorCode does not", c)
		}
	}
	for c := range inSchema {
		if !inModels[c] {
			t.Errorf("enum ErrorCode has %s, models has no such Code constant", c)
		}
	}
	// The error presenter and the metrics keep exactly these codes.
	for c := range inModels {
		if !isContractCode(c) {
			t.Errorf("isContractCode(%s) = false", c)
		}
	}
	for _, c := range []string{"", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "not_found"} {
		if isContractCode(c) {
			t.Errorf("isContractCode(%q) = true", c)
		}
	}
}

// modelsCodes reads the values of every constant of type models.Code from
// the models package source: a constant cannot be listed from a running
// program.
func modelsCodes(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	dir := filepath.Join("..", "models")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				typed := isIdent(vs.Type, "Code")
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if call, isCall := v.(*ast.CallExpr); isCall && isIdent(call.Fun, "Code") && len(call.Args) == 1 {
						lit, ok = call.Args[0].(*ast.BasicLit)
						typed = true
					}
					if !typed || !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[s] = true
				}
			}
		}
	}
	return out
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// breakingChanges lists, by name, every way the served schema fails a client
// written against old: a type, field, argument, enum value, input field,
// union member or interface gone; a kind or type changed; an output that
// may now be null where old promised non-null; an argument or input field
// that is now required where old let it be left out, or a new one that is
// required; a default value changed or dropped. Additions are fine.
func breakingChanges(old, served *gql.Schema) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	names := make([]string, 0, len(old.Types))
	for name, def := range old.Types {
		if !def.BuiltIn && !strings.HasPrefix(name, "__") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		o, n := old.Types[name], served.Types[name]
		if n == nil {
			add("type %s removed", name)
			continue
		}
		if o.Kind != n.Kind {
			add("type %s changed from %s to %s", name, o.Kind, n.Kind)
			continue
		}
		for _, i := range o.Interfaces {
			if !slices.Contains(n.Interfaces, i) {
				add("type %s no longer implements %s", name, i)
			}
		}
		for _, m := range o.Types {
			if !slices.Contains(n.Types, m) {
				add("union %s lost member %s", name, m)
			}
		}
		for _, v := range o.EnumValues {
			if n.EnumValues.ForName(v.Name) == nil {
				add("enum value %s.%s removed", name, v.Name)
			}
		}
		switch o.Kind {
		case gql.Object, gql.Interface:
			for _, of := range o.Fields {
				where := name + "." + of.Name
				nf := n.Fields.ForName(of.Name)
				if nf == nil {
					add("field %s removed", where)
					continue
				}
				if !compatible(of.Type, nf.Type, true) {
					add("field %s changed type from %s to %s", where, of.Type, nf.Type)
				}
				for _, oa := range of.Arguments {
					na := nf.Arguments.ForName(oa.Name)
					if na == nil {
						add("argument %s(%s:) removed", where, oa.Name)
						continue
					}
					inputChange(add, fmt.Sprintf("argument %s(%s:)", where, oa.Name), oa.Type, na.Type, oa.DefaultValue, na.DefaultValue)
				}
				for _, na := range nf.Arguments {
					if of.Arguments.ForName(na.Name) == nil && na.Type.NonNull && na.DefaultValue == nil {
						add("argument %s(%s:) added as required (%s)", where, na.Name, na.Type)
					}
				}
			}
		case gql.InputObject:
			for _, of := range o.Fields {
				where := name + "." + of.Name
				nf := n.Fields.ForName(of.Name)
				if nf == nil {
					add("input field %s removed", where)
					continue
				}
				inputChange(add, "input field "+where, of.Type, nf.Type, of.DefaultValue, nf.DefaultValue)
			}
			for _, nf := range n.Fields {
				if o.Fields.ForName(nf.Name) == nil && nf.Type.NonNull && nf.DefaultValue == nil {
					add("input field %s.%s added as required (%s)", name, nf.Name, nf.Type)
				}
			}
		}
	}
	return out
}

// inputChange reports an argument or input field that accepts less than
// before: a tightened or changed type, or a default that changed or went.
func inputChange(add func(string, ...any), what string, o, n *gql.Type, od, nd *gql.Value) {
	if !compatible(o, n, false) {
		add("%s changed type from %s to %s", what, o, n)
	}
	switch {
	case od != nil && nd == nil:
		add("%s lost its default %s", what, od)
	case od != nil && od.String() != nd.String():
		add("%s changed its default from %s to %s", what, od, nd)
	}
}

// compatible reports whether the served type n keeps old's promise o. For
// an output (output true) every value served is one old promised: non-null
// may be served where old allowed null, never the reverse. For an input
// every value old accepted is still accepted: a required input may become
// optional, never the reverse.
func compatible(o, n *gql.Type, output bool) bool {
	if output && o.NonNull && !n.NonNull || !output && !o.NonNull && n.NonNull {
		return false
	}
	if (o.Elem == nil) != (n.Elem == nil) {
		return false
	}
	if o.Elem != nil {
		return compatible(o.Elem, n.Elem, output)
	}
	return o.NamedType == n.NamedType
}

// TestContractChecker: the compatibility checker itself, on small schemas.
func TestContractChecker(t *testing.T) {
	const base = `
scalar Time
interface Node { id: ID! }
enum Role { OWNER AGENT }
union Result = User | Team
type User implements Node { id: ID! name: String email: String! tags: [String!]! team(id: ID!, first: Int = 10): Team }
type Team implements Node { id: ID! name: String! }
input Filter { search: String roles: [Role!]! since: Time }
type Query { users(filter: Filter, first: Int): [User!]! node(id: ID!): Node result: Result }
`
	cases := []struct {
		name, old, served string
		want              []string
	}{
		{"OKSame", base, base, nil},
		{"OKAdditions", base, base + `
enum Extra { A }
extend enum Role { MANAGER }
extend type User { phone: String members(first: Int, last: Int, after: String, before: String = null): [User!]! }
extend input Filter { presence: [String!] limit: Int = 5 }
extend type Query { organization(id: ID!): Team }`, nil},
		{"OKOutputTightened", base, strings.Replace(base, "name: String email", "name: String! email", 1), nil},
		{"OKArgumentLoosened", base, strings.Replace(base, "node(id: ID!)", "node(id: ID)", 1), nil},
		{"OKInputFieldLoosened", base, strings.Replace(base, "roles: [Role!]!", "roles: [Role]", 1), nil},
		{"OKDefaultAdded", base, strings.Replace(base, "first: Int)", "first: Int = 20)", 1), nil},
		{"ErrTypeRemoved", base + "\nscalar Date", base,
			[]string{"type Date removed"}},
		{"ErrFieldRemoved", base, strings.Replace(base, " email: String!", "", 1),
			[]string{"field User.email removed"}},
		{"ErrOutputLoosened", base, strings.Replace(base, "email: String!", "email: String", 1),
			[]string{"field User.email changed type from String! to String"}},
		{"ErrListItemLoosened", base, strings.Replace(base, "tags: [String!]!", "tags: [String]!", 1),
			[]string{"field User.tags changed type from [String!]! to [String]!"}},
		{"ErrListToScalar", base, strings.Replace(base, "tags: [String!]!", "tags: String!", 1),
			[]string{"field User.tags changed type from [String!]! to String!"}},
		{"ErrFieldRetyped", base, strings.Replace(base, "name: String email", "name: Int email", 1),
			[]string{"field User.name changed type from String to Int"}},
		{"ErrArgumentRemoved", base, strings.Replace(base, ", first: Int = 10", "", 1),
			[]string{"argument User.team(first:) removed"}},
		{"ErrArgumentTightened", base, strings.Replace(base, "users(filter: Filter, first: Int)", "users(filter: Filter, first: Int!)", 1),
			[]string{"argument Query.users(first:) changed type from Int to Int!"}},
		{"ErrArgumentDefaultChanged", base, strings.Replace(base, "first: Int = 10", "first: Int = 50", 1),
			[]string{"argument User.team(first:) changed its default from 10 to 50"}},
		{"ErrArgumentDefaultDropped", base, strings.Replace(base, "first: Int = 10", "first: Int", 1),
			[]string{"argument User.team(first:) lost its default 10"}},
		{"ErrRequiredArgumentAdded", base, strings.Replace(base, "result: Result", "result(kind: String!): Result", 1),
			[]string{"argument Query.result(kind:) added as required (String!)"}},
		{"ErrEnumValueRemoved", base, strings.Replace(base, "OWNER AGENT", "OWNER", 1),
			[]string{"enum value Role.AGENT removed"}},
		{"ErrUnionMemberRemoved", base, strings.Replace(base, "= User | Team", "= User", 1),
			[]string{"union Result lost member Team"}},
		{"ErrInterfaceDropped", base, strings.Replace(base, "type Team implements Node", "type Team", 1),
			[]string{"type Team no longer implements Node"}},
		{"ErrKindChanged", base + "\ntype Extra { a: Int }", base + "\ninput Extra { a: Int }",
			[]string{"type Extra changed from OBJECT to INPUT_OBJECT"}},
		{"ErrInputFieldRemoved", base, strings.Replace(base, " since: Time", "", 1),
			[]string{"input field Filter.since removed"}},
		{"ErrInputFieldTightened", base, strings.Replace(base, "search: String", "search: String!", 1),
			[]string{"input field Filter.search changed type from String to String!"}},
		{"ErrRequiredInputFieldAdded", base, base + "\nextend input Filter { kind: Role! }",
			[]string{"input field Filter.kind added as required (Role!)"}},
		{"ErrSeveral", base, strings.Replace(strings.Replace(base, "OWNER AGENT", "AGENT", 1), " email: String!", "", 1),
			[]string{"enum value Role.OWNER removed", "field User.email removed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := gqlparser.LoadSchema(&gql.Source{Name: "old", Input: c.old})
			if err != nil {
				t.Fatalf("old: %v", err)
			}
			n, err := gqlparser.LoadSchema(&gql.Source{Name: "served", Input: c.served})
			if err != nil {
				t.Fatalf("served: %v", err)
			}
			if got := breakingChanges(o, n); !slices.Equal(got, c.want) {
				t.Fatalf("got %q\nwant %q", got, c.want)
			}
		})
	}
}
