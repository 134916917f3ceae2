package live

import (
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const visibilitySchema = `
type Query { x: Int }
type Subscription { changed: Event! }
type Event { at: String! user: User! }
type User { email: String! organizations: [Org!]! }
type Org { id: ID! }
`

func TestSharedPersonal(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: visibilitySchema})
	shared := Shared{"Subscription.changed": true, "Event.at": true, "Event.user": true, "User.email": true}
	for _, tc := range []struct {
		doc      string
		personal bool
	}{
		{`subscription { changed { at user { email } } }`, false},
		{`subscription { changed { __typename at } }`, false},
		{`subscription { changed { user { organizations { id } } } }`, true},
		{`subscription { changed { ...F } } fragment F on Event { user { organizations { id } } }`, true},
		{`subscription { changed { ...F } } fragment F on Event { at user { email } }`, false},
		{`subscription { changed { ... on Event { user { organizations { id } } } } }`, true},
		{`subscription { changed { ... on Event { at } } }`, false},
	} {
		doc, errs := gqlparser.LoadQuery(schema, tc.doc)
		if errs != nil {
			t.Fatalf("%s: %v", tc.doc, errs)
		}
		if got := shared.Personal(doc.Operations[0], doc.Fragments); got != tc.personal {
			t.Errorf("%s: personal = %v, want %v", tc.doc, got, tc.personal)
		}
	}
}
