package live

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
)

type topicKind uint8

const (
	accountPresence topicKind = iota + 1
	userSessions
)

type topicKey struct {
	kind topicKind
	id   int64
}

// topic is one source of events on this node: an account's presence or a
// person's sessions. Its fields other than ready and err are guarded by
// Hub.mu.
type topic struct {
	key     topicKey
	orgID   int64
	groups  map[string]*group
	refresh chan struct{} // access changed in the organization
	stop    context.CancelFunc
	closed  bool

	ready chan struct{} // closed once started (err set on failure)
	err   error
}

// group is the subscriptions of a topic that receive identical bytes; it
// renders each event once in a gqlgen operation of its own.
type group struct {
	t      *topic
	key    string
	ctx    context.Context
	cancel context.CancelFunc
	next   graphql.ResponseHandler
	feed   *feed
	// members and list are guarded by Hub.mu; list is replaced, never
	// changed in place, so a snapshot of it can be read without the lock.
	members map[*member]struct{}
	list    []*member
}

// member is one subscription (one operation of one socket).
type member struct {
	s    *wstransport.Stream
	v    *models.Viewer
	g    *group
	stop func() bool
}

// feed hands one event at a time to a group's own gqlgen operation: the
// subscription resolver, called in the group's context, returns these
// channels instead of joining.
type feed struct {
	presence chan *models.PresenceEvent
	sessions chan *models.SessionEvent
}

type feedKey struct{}

// groupKey names what makes a rendering identical: the document, the
// operation and the variables, and the viewer's session when the
// selection is personal (or when every subscription renders alone).
func (h *Hub) groupKey(rc *graphql.OperationContext, v *models.Viewer, s *wstransport.Stream) (string, error) {
	vars, err := json.Marshal(rc.Variables) // map keys sorted: canonical
	if err != nil {
		return "", err
	}
	sum := sha256.New()
	sum.Write([]byte(rc.RawQuery))
	sum.Write([]byte{0})
	sum.Write([]byte(rc.OperationName))
	sum.Write([]byte{0})
	sum.Write(vars)
	key := string(sum.Sum(nil))
	switch {
	case h.opt.PerWatcher:
		key += fmt.Sprintf("|stream:%p", s)
	case h.opt.Shared.Personal(rc.Operation, rc.Doc.Fragments):
		key += "|session:" + strconv.FormatInt(v.SessionID, 10)
	}
	return key, nil
}

// join admits the operation of ctx into topic key (started by start when
// the topic is new) and detaches it: from then on it is fed by the topic.
func (h *Hub) join(ctx context.Context, key topicKey, start func(context.Context, *topic) error) error {
	s := wstransport.StreamFromContext(ctx)
	if s == nil {
		return &models.Error{Code: models.CodeBadUserInput, Message: "subscriptions are served over the websocket at /query"}
	}
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	rc := graphql.GetOperationContext(ctx)
	gkey, err := h.groupKey(rc, v, s)
	if err != nil {
		return err
	}
	// A topic or group that ends meanwhile (its last subscriber left) is
	// started again, a few times at most.
	for range joinAttempts {
		t, err := h.topic(ctx, key, start)
		if err != nil {
			return err
		}
		g := h.group(t, gkey, s, rc, v)
		if g == nil {
			continue
		}
		h.mu.Lock()
		if g.members == nil || t.closed {
			h.mu.Unlock()
			continue
		}
		m := &member{s: s, v: v, g: g}
		g.members[m] = struct{}{}
		g.list = append(g.list[:len(g.list):len(g.list)], m)
		h.mu.Unlock()
		s.Detach()
		m.stop = context.AfterFunc(s.Context(), func() { h.leave(m) })
		return nil
	}
	return unavailable()
}

// joinAttempts bounds the retries of a join racing its topic's end.
const joinAttempts = 4

// topic returns the running topic key, starting it when new; concurrent
// joiners of a new topic wait for its start.
func (h *Hub) topic(ctx context.Context, key topicKey, start func(context.Context, *topic) error) (*topic, error) {
	h.mu.Lock()
	t := h.topics[key]
	creator := t == nil
	if creator {
		t = &topic{key: key, groups: map[string]*group{}, refresh: make(chan struct{}, 1), ready: make(chan struct{})}
		h.topics[key] = t
	}
	h.mu.Unlock()
	if creator {
		// Started with the joiner's values (its viewer reads the member
		// list) but not its cancellation: others wait on the same start.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), watchTimeout)
		t.err = start(sctx, t)
		cancel()
		if t.err != nil {
			h.mu.Lock()
			h.dropTopic(t)
			h.mu.Unlock()
		}
		close(t.ready)
	}
	select {
	case <-t.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if t.err != nil {
		return nil, h.watchFailed(ctx, t.err)
	}
	return t, nil
}

// group returns the group gkey of t, creating it with an operation of its
// own rendered in the context of v; nil when t has ended.
func (h *Hub) group(t *topic, gkey string, s *wstransport.Stream, rc *graphql.OperationContext, v *models.Viewer) *group {
	h.mu.Lock()
	g := t.groups[gkey]
	closed := t.closed
	h.mu.Unlock()
	if closed {
		return nil
	}
	if g != nil {
		return g
	}
	ng := &group{t: t, key: gkey, members: map[*member]struct{}{},
		feed: &feed{presence: make(chan *models.PresenceEvent, 1), sessions: make(chan *models.SessionEvent, 1)}}
	ctx, cancel := context.WithCancel(context.Background())
	ng.ctx = context.WithValue(wstransport.WithRendering(models.WithViewer(ctx, v)), feedKey{}, ng.feed)
	ng.cancel = cancel
	// The group's own operation over the same parsed and validated document
	// (the caches of an OperationContext are its own, so it is not copied).
	op := &graphql.OperationContext{RawQuery: rc.RawQuery, Variables: rc.Variables, OperationName: rc.OperationName,
		Doc: rc.Doc, Extensions: rc.Extensions, Headers: rc.Headers, Operation: rc.Operation,
		DisableIntrospection: rc.DisableIntrospection, RecoverFunc: rc.RecoverFunc,
		ResolverMiddleware: rc.ResolverMiddleware, RootResolverMiddleware: rc.RootResolverMiddleware, Stats: rc.Stats}
	var resp graphql.ResponseHandler
	resp, ng.ctx = s.Executor().DispatchOperation(ng.ctx, op)
	ng.next = resp
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.closed {
		cancel()
		return nil
	}
	if g := t.groups[gkey]; g != nil { // created meanwhile by another joiner
		cancel()
		return g
	}
	t.groups[gkey] = ng
	return ng
}

// leave forgets a subscription that ended (completed by the client, its
// socket closed, or ended by the topic), and the group and topic that it
// leaves empty.
func (h *Hub) leave(m *member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	g := m.g
	if _, ok := g.members[m]; !ok {
		return
	}
	delete(g.members, m)
	list := make([]*member, 0, len(g.members))
	for o := range g.members {
		list = append(list, o)
	}
	g.list = list
	if len(g.members) > 0 {
		return
	}
	g.members = nil
	g.cancel()
	t := g.t
	delete(t.groups, g.key)
	if len(t.groups) == 0 {
		h.dropTopic(t)
	}
}

// dropTopic stops t (with Hub.mu held).
func (h *Hub) dropTopic(t *topic) {
	if t.closed {
		return
	}
	t.closed = true
	if h.topics[t.key] == t {
		delete(h.topics, t.key)
	}
	if org := h.byOrg[t.orgID]; org != nil {
		delete(org, t)
		if len(org) == 0 {
			delete(h.byOrg, t.orgID)
		}
	}
	if t.stop != nil {
		t.stop()
	}
}

// pass is one group and its subscribers at the time of an event.
type pass struct {
	g       *group
	members []*member
}

func (h *Hub) snapshot(t *topic) []pass {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]pass, 0, len(t.groups))
	for _, g := range t.groups {
		out = append(out, pass{g: g, members: g.list})
	}
	return out
}

// deliver renders ev once per group of t and queues the bytes to every
// subscriber of the group. It runs on the topic's goroutine.
func (h *Hub) deliver(t *topic, ev any) {
	for _, p := range h.snapshot(t) {
		b, ok := p.g.render(ev)
		if !ok {
			continue
		}
		for _, m := range p.members {
			m.s.Send(b)
		}
		if h.opt.Delivered != nil {
			h.opt.Delivered(p.g.ctx, len(p.members))
		}
	}
}

// render executes the group's selection on ev and encodes the result.
func (g *group) render(ev any) ([]byte, bool) {
	switch e := ev.(type) {
	case *models.PresenceEvent:
		drain(g.feed.presence)
		g.feed.presence <- e
	case *models.SessionEvent:
		drain(g.feed.sessions)
		g.feed.sessions <- e
	}
	resp := g.next(g.ctx)
	if resp == nil {
		return nil, false // the group ended meanwhile
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, false
	}
	return b, true
}

func drain[T any](c chan T) {
	select {
	case <-c:
	default:
	}
}

// end ends every subscription of t (complete when err is nil) and stops t.
func (h *Hub) end(t *topic, err error) {
	h.mu.Lock()
	var all []*member
	for _, g := range t.groups {
		all = append(all, g.list...)
		g.members = nil
		g.cancel()
	}
	h.dropTopic(t)
	h.mu.Unlock()
	for _, m := range all {
		if err != nil {
			m.s.End(err)
		} else {
			m.s.End()
		}
	}
}

// watchTimeout bounds the wait for a topic's watch to become effective on
// Redis: while Redis is unreachable a subscribe fails with UNAVAILABLE
// instead of hanging, and the client retries.
const watchTimeout = 5 * time.Second

func unavailable() error {
	return &models.Error{Code: models.CodeUnavailable, Message: "live presence is unavailable right now: subscribe again in a moment"}
}

func (h *Hub) watchFailed(ctx context.Context, err error) error {
	if models.ErrorCode(err) != models.CodeInternal || ctx.Err() != nil {
		return err
	}
	h.log.WarnContext(ctx, "presence subscription not effective", "err", err)
	return unavailable()
}

// feedFrom answers the feed of a group's own operation, or nil for any
// other context.
func feedFrom(ctx context.Context) *feed {
	f, _ := ctx.Value(feedKey{}).(*feed)
	return f
}
