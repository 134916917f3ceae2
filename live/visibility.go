package live

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// Shared lists the fields whose value is the same whoever the viewer is,
// as "Type.field"; a selection made only of them renders the same bytes
// for every subscriber allowed to subscribe. Any other field (one that
// reads the viewer, or one added later and not listed) makes the group
// personal: it is then shared only by the sockets of one session.
type Shared map[string]bool

// Personal reports whether the operation's selection reads a field not in
// s (fragments followed).
func (s Shared) Personal(op *ast.OperationDefinition, frags ast.FragmentDefinitionList) bool {
	return s.personal(op.SelectionSet, frags, 0)
}

func (s Shared) personal(set ast.SelectionSet, frags ast.FragmentDefinitionList, depth int) bool {
	if depth > 64 {
		return true // a fragment cycle: validation refuses it, be safe anyway
	}
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			if f.Name == "__typename" {
				continue
			}
			if f.ObjectDefinition == nil || !s[f.ObjectDefinition.Name+"."+f.Name] {
				return true
			}
			if s.personal(f.SelectionSet, frags, depth+1) {
				return true
			}
		case *ast.InlineFragment:
			if s.personal(f.SelectionSet, frags, depth+1) {
				return true
			}
		case *ast.FragmentSpread:
			def := f.Definition
			if def == nil {
				def = frags.ForName(f.Name)
			}
			if def == nil || s.personal(def.SelectionSet, frags, depth+1) {
				return true
			}
		}
	}
	return false
}
