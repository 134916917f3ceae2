package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// OverlappingFieldsRule replaces gqlparser's OverlappingFieldsCanBeMerged
// (same name, same verdicts), whose cost is quadratic in the number of
// fields sharing a response name: `{ me { id id id … } }` with 8,000 fields
// took seconds. This one follows the algorithm XING published for
// Sangria and graphql-java ("field merging in linear time"): the fields of
// a selection set, with fragments expanded, are grouped by response name,
// and each group is checked in two passes:
//
//   - same response shape: every field of the group returns the same type
//     shape (list and non-null wrappers, and the same leaf type) as the
//     group's first field, then the merged sub-selections of the whole
//     group are checked the same way;
//   - same for common parents: fields whose parents could be the same
//     object (the same object type, or an interface) have the same name and
//     arguments as the first of them, then their merged sub-selections are
//     checked the same way. Fields on two different object types can never
//     both apply, so they are compared for shape only.
//
// Both relations are equalities, so comparing each field with one
// representative is enough: N identical fields cost O(N), not O(N²).
// Fragment spreads already expanded in a merged selection set are not
// expanded again, fragments on a cycle (refused by NoFragmentCycles) are not
// expanded at all, and a work budget stops a document whose expansion is
// still too large (DocumentLimits refuse those before validation).
var OverlappingFieldsRule = core.Rule{
	Name: "OverlappingFieldsCanBeMerged",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		var m *merger
		get := func(w *core.Walker) *merger {
			if m == nil {
				m = newMerger(w.Document)
			}
			return m
		}
		observers.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
			get(w).checkSet(w, op.SelectionSet, addError)
		})
		observers.OnFragment(func(w *core.Walker, f *ast.FragmentDefinition) {
			get(w).checkSet(w, f.SelectionSet, addError)
		})
	},
}

// ValidationRules are gqlparser's default rules with OverlappingFieldsRule
// in place of its quadratic original.
func ValidationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.ReplaceRule(OverlappingFieldsRule.Name, OverlappingFieldsRule.RuleFunc)
	return r
}

// mergeWorkBudget bounds the fields one document's check may visit.
const mergeWorkBudget = 2_000_000

type merger struct {
	frags    map[string]*ast.FragmentDefinition
	cyclic   map[string]bool
	work     int
	reported map[string]bool
	over     bool
}

func newMerger(doc *ast.QueryDocument) *merger {
	m := &merger{frags: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)), reported: map[string]bool{}}
	for _, f := range doc.Fragments {
		if _, ok := m.frags[f.Name]; !ok {
			m.frags[f.Name] = f
		}
	}
	m.cyclic = cyclicFragments(m.frags)
	return m
}

// cyclicFragments names the fragments that reach themselves through spreads.
func cyclicFragments(frags map[string]*ast.FragmentDefinition) map[string]bool {
	const (
		unvisited = iota
		active
		done
	)
	state := make(map[string]int, len(frags))
	cyclic := map[string]bool{}
	var stack []string
	var visit func(name string)
	var spreads func(set ast.SelectionSet, fn func(string))
	spreads = func(set ast.SelectionSet, fn func(string)) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				spreads(s.SelectionSet, fn)
			case *ast.InlineFragment:
				spreads(s.SelectionSet, fn)
			case *ast.FragmentSpread:
				fn(s.Name)
			}
		}
	}
	visit = func(name string) {
		f := frags[name]
		if f == nil {
			return
		}
		switch state[name] {
		case done:
			return
		case active:
			// Everything on the stack from name up is on a cycle.
			for i := len(stack) - 1; i >= 0; i-- {
				cyclic[stack[i]] = true
				if stack[i] == name {
					break
				}
			}
			return
		}
		state[name] = active
		stack = append(stack, name)
		spreads(f.SelectionSet, visit)
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for name := range frags {
		visit(name)
	}
	return cyclic
}

// group is the fields sharing one response name, in document order.
type group struct {
	name   string
	fields []*ast.Field
}

// collect gathers the fields of sets (inline fragments and fragment spreads
// expanded) grouped by response name, in order of first appearance.
func (m *merger) collect(sets []ast.SelectionSet) []group {
	var out []group
	index := map[string]int{}
	seen := map[string]bool{}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			m.work++
			if m.work > mergeWorkBudget {
				m.over = true
				return
			}
			switch s := sel.(type) {
			case *ast.Field:
				if s.ObjectDefinition == nil {
					continue // under an unknown type: reported by other rules
				}
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				i, ok := index[key]
				if !ok {
					i = len(out)
					index[key] = i
					out = append(out, group{name: key})
				}
				out[i].fields = append(out[i].fields, s)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if seen[s.Name] || m.cyclic[s.Name] {
					continue
				}
				seen[s.Name] = true
				if f := m.frags[s.Name]; f != nil {
					walk(f.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		walk(set)
	}
	return out
}

func subSelections(fields []*ast.Field) []ast.SelectionSet {
	var sets []ast.SelectionSet
	for _, f := range fields {
		if len(f.SelectionSet) > 0 {
			sets = append(sets, f.SelectionSet)
		}
	}
	return sets
}

// conflict is one reason two fields cannot be merged, found at path (the
// response names from the checked selection set down).
type conflict struct {
	path   []string
	reason string
	at     *ast.Position
}

func (m *merger) checkSet(w *core.Walker, set ast.SelectionSet, addError core.AddErrFunc) {
	if len(set) == 0 || m.over {
		return
	}
	var found []conflict
	groups := m.collect([]ast.SelectionSet{set})
	m.sameShape(w, groups, nil, &found)
	m.sameForCommonParents(groups, nil, &found)
	if m.over && !m.reported["\x00over"] {
		m.reported["\x00over"] = true
		addError(core.Message("the document is too large to check that its fields can be merged"))
		return
	}
	// One error per response path: a field that differs in type and name
	// from another is one conflict to the client.
	for _, c := range found {
		key := strings.Join(c.path, "\x00")
		if m.reported[key] {
			continue
		}
		m.reported[key] = true
		addError(core.Message("%s", conflictMessage(c)), core.At(c.at))
	}
}

func conflictMessage(c conflict) string {
	var b strings.Builder
	for i := 1; i < len(c.path); i++ {
		fmt.Fprintf(&b, `subfields "%s" conflict because `, c.path[i])
	}
	b.WriteString(c.reason)
	return fmt.Sprintf(`Fields "%s" conflict because %s. Use different aliases on the fields to fetch both if this was intentional.`,
		c.path[0], b.String())
}

func with(path []string, name string) []string {
	return append(slices.Clip(path), name)
}

// sameShape checks that every field of each group returns the same type
// shape, then does the same for the merged sub-selections of each group.
func (m *merger) sameShape(w *core.Walker, groups []group, path []string, found *[]conflict) {
	for _, g := range groups {
		if m.over {
			return
		}
		// Unknown fields (FieldsOnCorrectType reports them) have no type.
		var first *ast.Field
		ok := true
		for _, f := range g.fields {
			if f.Definition == nil {
				continue
			}
			if first == nil {
				first = f
				continue
			}
			if typesConflict(w, first.Definition.Type, f.Definition.Type) {
				*found = append(*found, conflict{path: with(path, g.name), at: f.Position,
					reason: fmt.Sprintf(`they return conflicting types "%s" and "%s"`, first.Definition.Type.String(), f.Definition.Type.String())})
				ok = false
				break
			}
		}
		if !ok || first == nil {
			continue
		}
		if subs := subSelections(g.fields); len(subs) > 0 {
			m.sameShape(w, m.collect(subs), with(path, g.name), found)
		}
	}
}

// sameForCommonParents checks, within each group, that the fields whose
// parents may be the same object have the same name and arguments, then
// does the same for their merged sub-selections.
func (m *merger) sameForCommonParents(groups []group, path []string, found *[]conflict) {
	for _, g := range groups {
		if m.over {
			return
		}
		if !slices.ContainsFunc(g.fields, func(f *ast.Field) bool { return f.ObjectDefinition != g.fields[0].ObjectDefinition }) {
			m.sameNameAndArguments(g.name, g.fields, path, found) // one parent: one set, whatever its kind
			continue
		}
		for _, set := range byCommonParent(g.fields) {
			m.sameNameAndArguments(g.name, set, path, found)
		}
	}
}

// sameNameAndArguments checks that the fields of set, which may apply to
// the same object, are the same field with the same arguments, then checks
// their merged sub-selections.
func (m *merger) sameNameAndArguments(name string, set []*ast.Field, path []string, found *[]conflict) {
	first := set[0]
	for _, f := range set[1:] {
		if f.Name != first.Name {
			*found = append(*found, conflict{path: with(path, name), at: f.Position,
				reason: fmt.Sprintf(`"%s" and "%s" are different fields`, first.Name, f.Name)})
			return
		}
		if !sameArguments(first.Arguments, f.Arguments) {
			*found = append(*found, conflict{path: with(path, name), at: f.Position, reason: "they have differing arguments"})
			return
		}
	}
	if subs := subSelections(set); len(subs) > 0 {
		m.sameForCommonParents(m.collect(subs), with(path, name), found)
	}
}

// byCommonParent splits fields into the sets whose members may apply to the
// same object: one set per object type, each with the fields of abstract
// parents (interfaces, unions) and unknown fields added; or those alone.
func byCommonParent(fields []*ast.Field) [][]*ast.Field {
	var abstract []*ast.Field
	var order []string
	concrete := map[string][]*ast.Field{}
	for _, f := range fields {
		if f.ObjectDefinition.Kind != ast.Object || f.Definition == nil {
			abstract = append(abstract, f)
			continue
		}
		name := f.ObjectDefinition.Name
		if _, ok := concrete[name]; !ok {
			order = append(order, name)
		}
		concrete[name] = append(concrete[name], f)
	}
	if len(order) == 0 {
		return [][]*ast.Field{abstract}
	}
	sets := make([][]*ast.Field, 0, len(order))
	for _, name := range order {
		sets = append(sets, append(concrete[name], abstract...))
	}
	return sets
}

// typesConflict reports whether two field types could not both describe one
// value: list and non-null wrappers must match, and so must leaf types;
// composite types are compared through their sub-selections.
func typesConflict(w *core.Walker, t1, t2 *ast.Type) bool {
	if t1.NonNull != t2.NonNull || (t1.Elem == nil) != (t2.Elem == nil) {
		return true
	}
	if t1.Elem != nil {
		return typesConflict(w, t1.Elem, t2.Elem)
	}
	d1, d2 := w.Schema.Types[t1.NamedType], w.Schema.Types[t2.NamedType]
	if d1 == nil || d2 == nil {
		return false
	}
	if d1.IsLeafType() || d2.IsLeafType() {
		return d1.Name != d2.Name
	}
	return false
}

func sameArguments(a, b ast.ArgumentList) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		y := b.ForName(x.Name)
		if y == nil || !sameValue(x.Value, y.Value) {
			return false
		}
	}
	return true
}

// sameValue compares two argument values: object fields in name order,
// list elements in the order written.
func sameValue(a, b *ast.Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.Raw != b.Raw || len(a.Children) != len(b.Children) {
		return false
	}
	ca, cb := a.Children, b.Children
	if a.Kind == ast.ObjectValue {
		byName := func(x, y *ast.ChildValue) int { return strings.Compare(x.Name, y.Name) }
		ca, cb = slices.SortedStableFunc(slices.Values(ca), byName), slices.SortedStableFunc(slices.Values(cb), byName)
	}
	for i := range ca {
		if ca[i].Name != cb[i].Name || !sameValue(ca[i].Value, cb[i].Value) {
			return false
		}
	}
	return true
}
