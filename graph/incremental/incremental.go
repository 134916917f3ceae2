// Package incremental delivers @defer for gqlgen's executor in the
// incremental delivery format Apollo Client speaks (deferSpec=20220824):
// an initial payload {data, hasNext: true} without the deferred fields, then
// payloads {incremental: [{data, path, label, errors}], hasNext}, the last
// with hasNext false.
//
// gqlgen executes @defer, but leaves each deferred field as null in the
// payload that carries its object (null even for a non-null field), and
// answers only the first payload of a mutation or a subscription event. So:
//
//   - Extension decides per operation: a query whose transport streams
//     (WithStreaming: a multipart/mixed HTTP response, a websocket) keeps its
//     outermost @defer (one nested in a deferred fragment arrives with it),
//     each with a label of its own; any other operation runs on a copy of its
//     document without @defer, every fragment resolved inline in one result.
//     It also bounds the @defer directives of an operation and refuses
//     repeated or variable labels.
//   - Deliver turns the executor's responses into the payloads, removing the
//     null placeholders of deferred fields.
//
// The executor defers only the fields it resolves concurrently (those with
// a resolver); the others under @defer arrive in the initial payload, which
// the specification allows. It waits for a deferred result without watching
// its context, so Deliver watches the request's instead.
package incremental

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultMaxDefers is how many @defer directives an operation may hold,
// counted as written with every fragment spread expanded, unless
// Extension.MaxDefers says otherwise. A page defers a few slow parts; each
// @defer inside a list yields one payload per item, so the total stays
// bounded by the complexity limit.
const DefaultMaxDefers = 8

type streamingKey struct{}

// WithStreaming marks ctx, given to CreateOperationContext, as that of a
// transport able to deliver incremental payloads.
func WithStreaming(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamingKey{}, true)
}

func streaming(ctx context.Context) bool {
	v, _ := ctx.Value(streamingKey{}).(bool)
	return v
}

const statsKey = "incremental"

// plan is what Deliver needs of an operation whose @defer is streamed.
type plan struct {
	schema *ast.Schema
	rc     *graphql.OperationContext
	// implementors memoizes the type names an object type satisfies.
	implementors map[string][]string
	// inline holds the paths of the fields under @defer that were resolved
	// in the initial payload.
	mu     sync.Mutex
	inline map[string]bool
	// generated are the labels given to unlabelled @defer, not shown.
	generated map[string]bool
}

// Extension prepares each operation's @defer (see the package comment).
// Install it with handler.Server.Use; it learns the schema there.
type Extension struct {
	// MaxDefers bounds the @defer directives of an operation
	// (DefaultMaxDefers when 0).
	MaxDefers int
	// Code is the extensions.code of the refusal (BAD_USER_INPUT when
	// empty).
	Code   string
	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
	graphql.FieldInterceptor
} = &Extension{}

func (*Extension) ExtensionName() string { return "IncrementalDelivery" }

func (e *Extension) Validate(es graphql.ExecutableSchema) error {
	e.schema = es.Schema()
	return nil
}

func (e *Extension) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	max := e.MaxDefers
	if max <= 0 {
		max = DefaultMaxDefers
	}
	n := countDefers(rc.Operation.SelectionSet, rc.Doc.Fragments, map[string]int{})
	if n == 0 {
		return nil
	}
	code := e.Code
	if code == "" {
		code = "BAD_USER_INPUT"
	}
	if n > max {
		return &gqlerror.Error{
			Message:    "the operation has more @defer directives (fragments expanded) than the limit of " + strconv.Itoa(max),
			Extensions: map[string]any{"code": code},
		}
	}
	labels, msg := deferLabels(rc.Doc)
	if msg != "" {
		return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
	}
	if !streaming(ctx) || rc.Operation.Operation != ast.Query || e.schema == nil {
		rewrite(rc, false, nil)
		return nil
	}
	generated := rewrite(rc, true, labels)
	rc.Stats.SetExtension(statsKey, &plan{schema: e.schema, rc: rc, implementors: map[string][]string{}, inline: map[string]bool{}, generated: generated})
	return nil
}

// mainKey marks the response context of an operation's initial payload
// (see InterceptResponse).
const mainKey = "incrementalInitial"

// InterceptResponse marks the response context of each response of a
// streamed operation. A deferred fragment resolves under a fresh response
// context, without the mark; InterceptField tells by it the fields under
// @defer that the executor resolved in the initial payload after all (it
// defers only the fields it resolves concurrently: those with a resolver).
// Deliver removes the mark from the payloads.
func (e *Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if graphql.HasOperationContext(ctx) {
		if _, ok := graphql.GetOperationContext(ctx).Stats.GetExtension(statsKey).(*plan); ok {
			graphql.RegisterExtension(ctx, mainKey, true)
		}
	}
	return next(ctx)
}

// InterceptField records the fields under @defer resolved in the initial
// payload of a streamed operation.
func (e *Extension) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc != nil && fc.Field.IsDeferred() && graphql.GetExtension(ctx, mainKey) != nil {
		if p, ok := graphql.GetOperationContext(ctx).Stats.GetExtension(statsKey).(*plan); ok {
			p.mu.Lock()
			p.inline[fc.Path().String()] = true
			p.mu.Unlock()
		}
	}
	return next(ctx)
}

// deferLabels returns the labels of the document's @defer, or a message
// refusing a label that is not a string literal or that repeats (the
// specification's rules for labels).
func deferLabels(doc *ast.QueryDocument) (map[string]bool, string) {
	labels := map[string]bool{}
	var msg string
	check := func(list ast.DirectiveList) {
		d := list.ForName("defer")
		if d == nil || msg != "" {
			return
		}
		a := d.Arguments.ForName("label")
		if a == nil {
			return
		}
		if a.Value == nil || a.Value.Kind != ast.StringValue {
			msg = "the label of @defer must be a string literal"
			return
		}
		if labels[a.Value.Raw] {
			msg = "the label " + strconv.Quote(a.Value.Raw) + " is used by two @defer; labels must be unique"
			return
		}
		labels[a.Value.Raw] = true
	}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				check(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				check(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	return labels, msg
}

// countDefers counts the @defer directives reachable from set, each
// fragment spread expanded (memo holds each fragment's count; -1 while it
// is counted, a cycle that validation refused).
func countDefers(set ast.SelectionSet, frags ast.FragmentDefinitionList, memo map[string]int) int {
	n := 0
	add := func(k int) {
		if n += k; n > 1<<20 {
			n = 1 << 20
		}
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			add(countDefers(s.SelectionSet, frags, memo))
		case *ast.InlineFragment:
			if s.Directives.ForName("defer") != nil {
				add(1)
			}
			add(countDefers(s.SelectionSet, frags, memo))
		case *ast.FragmentSpread:
			if s.Directives.ForName("defer") != nil {
				add(1)
			}
			if k, ok := memo[s.Name]; ok {
				if k > 0 {
					add(k)
				}
				continue
			}
			if f := frags.ForName(s.Name); f != nil {
				memo[s.Name] = -1
				k := countDefers(f.SelectionSet, frags, memo)
				memo[s.Name] = k
				add(k)
			}
		}
	}
	return n
}

// rewrite points rc at a copy of its document (the parsed document is
// shared through the query cache and must not change) without the @defer
// that are not streamed: every one when streamOuter is false; otherwise those
// nested in another deferred fragment, which arrive with it. A fragment
// spread both inside and outside a deferred fragment gets a copy of its own
// for the inside.
func rewrite(rc *graphql.OperationContext, streamOuter bool, labels map[string]bool) (generated map[string]bool) {
	r := rewriter{src: rc.Doc, streamOuter: streamOuter, done: map[variant]*ast.FragmentDefinition{}, names: map[string]bool{}, labels: labels}
	for _, f := range rc.Doc.Fragments {
		r.names[f.Name] = true
	}
	doc := &ast.QueryDocument{Position: rc.Doc.Position, Comment: rc.Doc.Comment}
	for _, op := range rc.Doc.Operations {
		c := *op
		c.SelectionSet = r.set(op.SelectionSet, false)
		doc.Operations = append(doc.Operations, &c)
		if op == rc.Operation {
			rc.Operation = &c
		}
	}
	doc.Fragments = r.out
	rc.Doc = doc
	generated = map[string]bool{}
	for _, d := range r.assigned {
		generated[d.Arguments.ForName("label").Value.Raw] = true
	}
	return generated
}

type variant struct {
	name    string
	inDefer bool
}

type rewriter struct {
	src         *ast.QueryDocument
	streamOuter bool
	done        map[variant]*ast.FragmentDefinition
	names       map[string]bool
	out         ast.FragmentDefinitionList
	// labels are those in use; each kept @defer without one gets its own,
	// for the executor counts a field under two unlabelled @defer of one
	// object twice and never completes their payload.
	labels   map[string]bool
	assigned map[*ast.Directive]*ast.Directive
}

// labelled returns list with its @defer given a label of its own when it
// has none.
func (r *rewriter) labelled(list ast.DirectiveList) ast.DirectiveList {
	d := list.ForName("defer")
	if d == nil || d.Arguments.ForName("label") != nil {
		return list
	}
	if r.assigned == nil {
		r.assigned = map[*ast.Directive]*ast.Directive{}
	}
	c, ok := r.assigned[d]
	if !ok {
		label := ""
		for i := len(r.assigned) + 1; label == "" || r.labels[label]; i++ {
			label = "defer" + strconv.Itoa(i)
		}
		if r.labels == nil {
			r.labels = map[string]bool{}
		}
		r.labels[label] = true
		cp := *d
		cp.Arguments = append(append(ast.ArgumentList{}, d.Arguments...), &ast.Argument{Name: "label", Position: d.Position,
			Value: &ast.Value{Kind: ast.StringValue, Raw: label, Position: d.Position}})
		c = &cp
		r.assigned[d] = c
	}
	out := make(ast.DirectiveList, len(list))
	for i, x := range list {
		if x == d {
			out[i] = c
		} else {
			out[i] = x
		}
	}
	return out
}

// keeps reports whether a @defer met with inDefer stays.
func (r *rewriter) keeps(inDefer bool) bool { return r.streamOuter && !inDefer }

func (r *rewriter) fragment(name string, inDefer bool) *ast.FragmentDefinition {
	v := variant{name, inDefer && r.streamOuter}
	if f, ok := r.done[v]; ok {
		return f
	}
	src := r.src.Fragments.ForName(name)
	if src == nil {
		return nil
	}
	c := *src
	if v.inDefer {
		// The copy for inside a deferred fragment.
		c.Name = name + "__inDefer"
		for i := 2; r.names[c.Name]; i++ {
			c.Name = name + "__inDefer" + strconv.Itoa(i)
		}
		r.names[c.Name] = true
	}
	r.done[v] = &c // before the walk: a cycle (refused by validation) ends here
	r.out = append(r.out, &c)
	c.SelectionSet = r.set(src.SelectionSet, v.inDefer)
	return &c
}

func (r *rewriter) set(set ast.SelectionSet, inDefer bool) ast.SelectionSet {
	if set == nil {
		return nil
	}
	out := make(ast.SelectionSet, len(set))
	for i, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c := *s
			c.SelectionSet = r.set(s.SelectionSet, inDefer)
			out[i] = &c
		case *ast.InlineFragment:
			c := *s
			inner := inDefer
			if s.Directives.ForName("defer") != nil {
				if r.keeps(inDefer) {
					inner = true
					c.Directives = r.labelled(s.Directives)
				} else {
					c.Directives = dropDefer(s.Directives)
				}
			}
			c.SelectionSet = r.set(s.SelectionSet, inner)
			out[i] = &c
		case *ast.FragmentSpread:
			c := *s
			inner := inDefer
			if s.Directives.ForName("defer") != nil {
				if r.keeps(inDefer) {
					inner = true
					c.Directives = r.labelled(s.Directives)
				} else {
					c.Directives = dropDefer(s.Directives)
				}
			}
			if f := r.fragment(s.Name, inner); f != nil {
				c.Name, c.Definition = f.Name, f
			}
			out[i] = &c
		default:
			out[i] = sel
		}
	}
	return out
}

func dropDefer(list ast.DirectiveList) ast.DirectiveList {
	out := make(ast.DirectiveList, 0, len(list))
	for _, d := range list {
		if d.Name != "defer" {
			out = append(out, d)
		}
	}
	return out
}

// Streams reports whether rc's @defer is delivered incrementally (the
// transport streams, the operation is a query holding @defer).
func Streams(rc *graphql.OperationContext) bool {
	_, ok := rc.Stats.GetExtension(statsKey).(*plan)
	return ok
}

// incrementalItem is one entry of a subsequent payload's incremental list.
type incrementalItem struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data"`
	Path       ast.Path        `json:"path"`
	Label      string          `json:"label,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

type subsequent struct {
	Errors      gqlerror.List     `json:"errors,omitempty"`
	Incremental []incrementalItem `json:"incremental,omitempty"`
	HasNext     bool              `json:"hasNext"`
}

// DeadlineError is the error of a subsequent payload when ctx ended before
// the deferred fragments arrived.
var DeadlineError = func() *gqlerror.Error {
	return &gqlerror.Error{Message: "the deferred fragments did not arrive within the request's deadline",
		Extensions: map[string]any{"code": "UNAVAILABLE"}}
}

// Deliver reads every response of responses (called with ctx, the context
// DispatchOperation returned) and hands each payload, JSON encoded, to emit:
// for an operation without streamed @defer, the one result; otherwise the
// initial payload then the subsequent ones, several deferred results that
// are ready together sharing one payload. It stops when emit returns false
// (the client is gone), or, with a last payload carrying DeadlineError, when
// guard (the request's or the socket operation's context) ends first.
func Deliver(ctx, guard context.Context, rc *graphql.OperationContext, responses graphql.ResponseHandler, emit func(first *graphql.Response, payload []byte) bool) {
	first := responses(ctx)
	if first == nil {
		return
	}
	p, _ := rc.Stats.GetExtension(statsKey).(*plan)
	if p == nil || first.HasNext == nil {
		first.HasNext = nil
		first.Extensions = unmarked(first.Extensions)
		emit(first, marshal(first))
		return
	}
	first.Data = p.stripInitial(first.Data)
	first.Extensions = unmarked(first.Extensions)
	if !emit(first, marshal(first)) || !*first.HasNext {
		return
	}

	ch := make(chan *graphql.Response)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			r := responses(ctx)
			select {
			case ch <- r:
			case <-done:
				return
			}
			if r == nil {
				return
			}
		}
	}()
	for {
		var batch []*graphql.Response
		select {
		case r := <-ch:
			batch = append(batch, r)
		case <-guard.Done():
			// gqlgen waits for a deferred result without watching its
			// context: the reader may never return.
			emit(nil, mustMarshal(subsequent{Errors: gqlerror.List{DeadlineError()}}))
			return
		}
	drain:
		for batch[len(batch)-1] != nil {
			select {
			case r := <-ch:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		out := subsequent{}
		for _, r := range batch {
			if r == nil {
				out.HasNext = false
				break
			}
			if p.generated[r.Label] {
				r.Label = ""
			}
			out.Incremental = append(out.Incremental, incrementalItem{
				Errors: r.Errors, Data: r.Data, Path: r.Path, Label: r.Label, Extensions: unmarked(r.Extensions),
			})
			out.HasNext = r.HasNext != nil && *r.HasNext
		}
		if !emit(nil, mustMarshal(out)) || !out.HasNext {
			return
		}
	}
}

// unmarked removes the mark of InterceptResponse from a response's
// extensions.
func unmarked(ext map[string]any) map[string]any {
	if _, ok := ext[mainKey]; !ok {
		return ext
	}
	out := make(map[string]any, len(ext))
	for k, v := range ext {
		if k != mainKey {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func marshal(r *graphql.Response) []byte {
	return mustMarshal(r)
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"errors":[{"message":"internal system error","extensions":{"code":"INTERNAL"}}]}`)
	}
	return b
}

// The placeholders: a deferred field is written as null in the initial
// payload. They are removed by walking the payload's JSON beside the
// operation's selections, collected as the executor collects them: a null
// member is dropped when its field is under @defer and was not resolved in
// the initial payload. (Nested @defer was removed by rewrite, so the
// deferred payloads hold no placeholder.)

// stripInitial removes the deferred fields from the initial data.
func (p *plan) stripInitial(data json.RawMessage) json.RawMessage {
	root := p.schema.Query
	if root == nil || len(data) == 0 {
		return data
	}
	// Root fields are never deferred by the executor.
	return p.object(data, p.rc.Operation.SelectionSet, root, nil, true)
}

// value walks a field's value: null, a scalar, an object or a list.
func (p *plan) value(raw json.RawMessage, sel ast.SelectionSet, typ *ast.Definition, path ast.Path) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || typ == nil || len(sel) == 0 {
		return raw
	}
	switch raw[0] {
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return raw
		}
		var b bytes.Buffer
		b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(p.value(it, sel, typ, append(path[:len(path):len(path)], ast.PathIndex(i))))
		}
		b.WriteByte(']')
		return b.Bytes()
	case '{':
		return p.object(raw, sel, typ, path, false)
	}
	return raw
}

type member struct {
	key string
	val json.RawMessage
}

// object walks an object's members in order, dropping the placeholders
// unless root.
func (p *plan) object(raw json.RawMessage, sel ast.SelectionSet, typ *ast.Definition, path ast.Path, root bool) json.RawMessage {
	members, ok := decodeObject(raw)
	if !ok {
		return raw
	}
	typename := ""
	for _, m := range members {
		if m.key == "__typename" {
			_ = json.Unmarshal(m.val, &typename)
		}
	}
	sets := p.collect(sel, typ, typename)
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	for _, m := range members {
		deferredEverywhere, seen := true, false
		var subSel ast.SelectionSet
		var subType *ast.Definition
		for _, fields := range sets {
			for _, f := range fields {
				if f.Alias != m.key {
					continue
				}
				seen = true
				if !f.IsDeferred() {
					deferredEverywhere = false
				}
				subSel = append(subSel, f.Selections...)
				if subType == nil && f.Definition != nil {
					subType = p.schema.Types[f.Definition.Type.Name()]
				}
			}
		}
		sub := append(path[:len(path):len(path)], ast.PathName(m.key))
		if !root && seen && deferredEverywhere && string(bytes.TrimSpace(m.val)) == "null" && !p.resolvedInline(sub) {
			continue // a placeholder: the value comes in a later payload
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		if seen {
			b.Write(p.value(m.val, subSel, subType, sub))
		} else {
			b.Write(m.val)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

func (p *plan) resolvedInline(path ast.Path) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inline[path.String()]
}

// collect returns the fields of sel as the executor collects them for an
// object of typ: one set for an object type (or a known __typename), one per
// possible type of an abstract type (a field is then dropped only when every
// type that selects it defers it).
func (p *plan) collect(sel ast.SelectionSet, typ *ast.Definition, typename string) [][]graphql.CollectedField {
	var types []*ast.Definition
	switch {
	case typ.Kind == ast.Object:
		types = []*ast.Definition{typ}
	case typename != "" && p.schema.Types[typename] != nil:
		types = []*ast.Definition{p.schema.Types[typename]}
	default:
		types = p.schema.GetPossibleTypes(typ)
	}
	out := make([][]graphql.CollectedField, 0, len(types))
	for _, t := range types {
		out = append(out, graphql.CollectFields(p.rc, sel, p.satisfies(t)))
	}
	return out
}

// satisfies lists the names an object type answers to in type conditions:
// its own, its interfaces', its unions'.
func (p *plan) satisfies(t *ast.Definition) []string {
	if s, ok := p.implementors[t.Name]; ok {
		return s
	}
	s := append([]string{t.Name}, t.Interfaces...)
	for _, u := range p.schema.Types {
		if u.Kind == ast.Union {
			for _, m := range u.Types {
				if m == t.Name {
					s = append(s, u.Name)
				}
			}
		}
	}
	p.implementors[t.Name] = s
	return s
}

// decodeObject reads a JSON object's members in order.
func decodeObject(raw json.RawMessage) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, ok := tok.(string)
		if !ok {
			return nil, false
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, false
		}
		out = append(out, member{key, val})
	}
	return out, true
}
