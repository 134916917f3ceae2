package live

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rollcall/rollcall/graph/wstransport"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
)

// Options configure a Hub.
type Options struct {
	Presence presence.Service
	Store    models.LiveStore
	// WS is the websocket transport whose sockets are presence connections.
	WS *wstransport.Transport
	// Shared is the fields that render alike for every viewer.
	Shared Shared
	// PerWatcher renders every event for each subscription alone, in its
	// own viewer's context, instead of once per group (the reference the
	// grouped rendering is tested against).
	PerWatcher bool
	// Release is told of every closed socket (before presence hears of it).
	Release func(*wstransport.Conn)
	// Kicked is told of the sessions signed out on any node, before their
	// sockets here are closed (to forget cached sessions). Optional.
	Kicked func(sessionIDs []int64)
	// Delivered is told how many sockets each rendering was queued to, with
	// the group's operation context (for metrics). Optional; must not block.
	Delivered func(ctx context.Context, n int)
	// Warm, when set, preloads the people an account's events name (its
	// members) in one query, when its topic starts and every WarmEvery
	// after, so rendering an event reads no row of its own.
	Warm      func(ctx context.Context, userIDs []int64) error
	WarmEvery time.Duration
	// CloseSignedOut is the close code of a signed-out session's sockets.
	CloseSignedOut int
	Log            *slog.Logger
}

// Hub is this node's live side of people; see the package documentation.
type Hub struct {
	opt Options
	log *slog.Logger

	mu     sync.Mutex
	topics map[topicKey]*topic
	byOrg  map[int64]map[*topic]struct{}

	la struct {
		mu        sync.Mutex
		pending   map[int64]time.Time
		scheduled bool
	}
	adm admissions
}

// New wires the hub into the transport (OnConnect, OnClose) and presence
// (kicks, access changes, last-active write-behind).
func New(opt Options) *Hub {
	h := &Hub{opt: opt, log: opt.Log, topics: map[topicKey]*topic{}, byOrg: map[int64]map[*topic]struct{}{}}
	if h.log == nil {
		h.log = slog.Default()
	}
	p := opt.Presence
	p.OnLastActive(h.recordLastActive)
	p.OnKick(h.kick)
	p.OnAccessChange(h.accessChanged)
	if opt.WS != nil {
		opt.WS.OnConnect = h.connected
		opt.WS.OnClose = h.closed
	}
	return h
}

// lastActiveFlush is how long last-active times wait to be written
// together: a reconnect storm brings thousands a second, one statement
// writes hundreds.
const lastActiveFlush = time.Second

// recordLastActive queues a last-active time for the next write; it runs
// on presence's goroutines and never waits for the database.
func (h *Hub) recordLastActive(userID int64, at time.Time) {
	h.la.mu.Lock()
	defer h.la.mu.Unlock()
	if h.la.pending == nil {
		h.la.pending = map[int64]time.Time{}
	}
	if at.After(h.la.pending[userID]) {
		h.la.pending[userID] = at
	}
	if !h.la.scheduled {
		h.la.scheduled = true
		time.AfterFunc(lastActiveFlush, func() { h.FlushLastActive(context.Background()) })
	}
}

// FlushLastActive writes the queued last-active times now (also on
// shutdown).
func (h *Hub) FlushLastActive(ctx context.Context) {
	h.la.mu.Lock()
	pending := h.la.pending
	h.la.pending, h.la.scheduled = nil, false
	h.la.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := h.opt.Store.RecordLastActiveMany(ctx, pending); err != nil {
		h.log.Warn("record last active", "people", len(pending), "err", err)
	}
}

// connected makes an acknowledged socket a device connection, with the
// person's manual AWAY read with their session.
func (h *Hub) connected(ctx context.Context, c *wstransport.Conn) {
	v := models.ViewerFrom(ctx)
	if v == nil {
		return
	}
	if err := h.opt.Presence.Connect(ctx, models.PresenceConn{ConnID: c.ID(), UserID: v.UserID, SessionID: v.SessionID,
		Device: models.DeviceName(v.UserAgent), ManualAway: v.ManualAway}); err != nil {
		h.log.WarnContext(ctx, "presence connect", "err", err)
	}
}

// disconnectTimeout bounds the removal of a closed socket's connection.
const disconnectTimeout = 2 * time.Second

func (h *Hub) closed(ctx context.Context, c *wstransport.Conn, _ int) {
	if h.opt.Release != nil {
		h.opt.Release(c)
	}
	if !c.Acknowledged() {
		return
	}
	// Bounded: when Redis is unreachable presence retries the removal
	// itself once it is back.
	ctx, cancel := context.WithTimeout(ctx, disconnectTimeout)
	defer cancel()
	if err := h.opt.Presence.Disconnect(ctx, c.ID()); err != nil && models.ErrorCode(err) != models.CodeNotFound {
		h.log.WarnContext(ctx, "presence disconnect", "err", err)
	}
}

// kick closes this node's sockets of sessions signed out on any node (their
// cached sessions forgotten first, so a reconnect is refused).
func (h *Hub) kick(sessionIDs []int64) {
	if h.opt.Kicked != nil {
		h.opt.Kicked(sessionIDs)
	}
	if h.opt.WS != nil {
		h.opt.WS.CloseMatching(func(c *wstransport.Conn) bool {
			v := models.ViewerFrom(c.Context())
			return v != nil && slices.Contains(sessionIDs, v.SessionID)
		}, h.opt.CloseSignedOut, "signed out")
	}
}

// accessChanged asks every account topic of the organization to check its
// subscribers' access again; a check already pending absorbs this one.
func (h *Hub) accessChanged(orgID int64) {
	h.adm.changed(orgID)
	h.mu.Lock()
	defer h.mu.Unlock()
	for t := range h.byOrg[orgID] {
		select {
		case t.refresh <- struct{}{}:
		default:
		}
	}
}

// PresenceChanged serves the presenceChanged subscription of ctx's socket:
// admit checks that the viewer may see the account. Called again by the
// group's own operation, it returns the group's feed.
func (h *Hub) PresenceChanged(ctx context.Context, accountID int64, admit func(context.Context) (int64, error)) (<-chan *models.PresenceEvent, error) {
	if f := feedFrom(ctx); f != nil {
		return f.presence, nil
	}
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	orgID, ok := h.adm.recent(v.UserID, accountID)
	if !ok {
		if orgID, err = admit(ctx); err != nil {
			return nil, err
		}
		h.adm.admitted(v.UserID, accountID, orgID)
	}
	err = h.join(ctx, topicKey{accountPresence, accountID}, func(ctx context.Context, t *topic) error {
		return h.startAccount(ctx, t, accountID, orgID)
	})
	return detached[*models.PresenceEvent](), err
}

// SessionsChanged serves the sessionsChanged subscription of ctx's socket.
func (h *Hub) SessionsChanged(ctx context.Context) (<-chan *models.SessionEvent, error) {
	if f := feedFrom(ctx); f != nil {
		return f.sessions, nil
	}
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	err = h.join(ctx, topicKey{userSessions, v.UserID}, h.startSessions)
	return detached[*models.SessionEvent](), err
}

// detached is the channel a joined subscription's resolver returns: the
// transport never reads it (the operation is detached), and it never
// yields.
func detached[T any]() <-chan T { return nil }

// startAccount loads the account's members once and watches them.
func (h *Hub) startAccount(ctx context.Context, t *topic, accountID, orgID int64) error {
	ids, err := h.opt.Store.EffectiveMemberIDs(models.WithRequestCache(ctx), accountID)
	if err != nil {
		return err
	}
	w, err := h.opt.Presence.Watch(ctx, ids)
	if err != nil {
		return err
	}
	run, stop := context.WithCancel(context.Background())
	h.mu.Lock()
	t.orgID = orgID
	t.stop = stop
	if h.byOrg[t.orgID] == nil {
		h.byOrg[t.orgID] = map[*topic]struct{}{}
	}
	h.byOrg[t.orgID][t] = struct{}{}
	h.mu.Unlock()
	go h.runAccount(run, t, w, ids)
	go h.followAccess(run, t, w)
	return nil
}

func (h *Hub) runAccount(ctx context.Context, t *topic, w *presence.Watcher, members []int64) {
	defer w.Close()
	// Preloading runs beside the loop (one at a time), never in the way of
	// a delivery, and the topics' refreshes are spread over the period.
	var warm <-chan time.Time
	var timer *time.Timer
	var warming atomic.Bool
	preload := func(ids []int64) {
		if warming.CompareAndSwap(false, true) {
			go func() {
				defer warming.Store(false)
				h.warm(ctx, ids)
			}()
		}
	}
	if h.opt.Warm != nil && h.opt.WarmEvery > 0 {
		preload(members)
		every := h.opt.WarmEvery
		timer = time.NewTimer(every/2 + rand.N(every/2))
		defer timer.Stop()
		warm = timer.C
	}
	for {
		select {
		case <-warm:
			preload(w.Users())
			timer.Reset(h.opt.WarmEvery)
		case ev, ok := <-w.C:
			if !ok {
				h.end(t, nil)
				return
			}
			h.deliver(t, &models.PresenceEvent{UserID: ev.UserID, AccountID: t.key.id, Presence: toModel(ev.State), At: ev.At})
		case <-w.Done():
			h.end(t, nil)
			return
		case <-ctx.Done():
			return
		}
	}
}

// followAccess re-checks t's subscribers after each access change in the
// organization, beside the delivery loop (a large organization's checks
// never hold its events back); changes meanwhile are absorbed into one
// more pass.
func (h *Hub) followAccess(ctx context.Context, t *topic, w *presence.Watcher) {
	for {
		select {
		case <-t.refresh:
			h.follow(ctx, t, w)
		case <-ctx.Done():
			return
		}
	}
}

// warm preloads the people of an account's events (a failure only costs
// each event a read of its own).
func (h *Hub) warm(ctx context.Context, ids []int64) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := h.opt.Warm(ctx, ids); err != nil && ctx.Err() == nil {
		h.log.WarnContext(ctx, "preload the people of presence events", "err", err)
	}
}

// follow re-checks, once per person, the access of t's subscribers after
// an access change (those who lost it end with FORBIDDEN) and makes the
// watcher follow the account's new member list, announcing the people
// added who are not OFFLINE.
func (h *Hub) follow(ctx context.Context, t *topic, w *presence.Watcher) {
	byUser := map[int64][]*member{}
	for _, p := range h.snapshot(t) {
		for _, m := range p.members {
			byUser[m.v.UserID] = append(byUser[m.v.UserID], m)
		}
	}
	var ids []int64
	loaded := false
	for _, ms := range byUser {
		vctx := models.WithRequestCache(models.WithViewer(ctx, ms[0].v))
		var err error
		if loaded {
			_, err = h.opt.Store.WatchableAccount(vctx, t.key.id)
		} else if ids, err = h.opt.Store.EffectiveMemberIDs(vctx, t.key.id); err == nil {
			loaded = true
		}
		switch models.ErrorCode(err) {
		case "":
		case models.CodeNotFound, models.CodeForbidden, models.CodeUnauthenticated:
			for _, m := range ms {
				m.s.End(models.Forbidden("your access to this account ended"))
			}
		default:
			h.log.WarnContext(ctx, "presenceChanged: re-read access", "account", t.key.id, "err", err)
		}
	}
	if !loaded {
		return
	}
	added, err := w.Replace(ctx, ids)
	if err != nil {
		h.log.WarnContext(ctx, "presence: follow access change", "err", err)
		return
	}
	if len(added) == 0 {
		return
	}
	states, err := h.opt.Presence.States(ctx, added)
	if err != nil {
		h.log.WarnContext(ctx, "presence: follow access change", "err", err)
		return
	}
	var live []models.PresenceState
	for _, id := range added {
		if st := states[id]; st.Status != models.PresenceOffline && st.Status != "" {
			live = append(live, st)
		}
	}
	w.Announce(time.Now().UTC(), live...)
}

// startSessions follows one person's session changes from every node.
func (h *Hub) startSessions(ctx context.Context, t *topic) error {
	w, err := h.opt.Presence.WatchSessions(ctx, t.key.id)
	if err != nil {
		return err
	}
	run, stop := context.WithCancel(context.Background())
	h.mu.Lock()
	t.stop = stop
	h.mu.Unlock()
	go h.runSessions(run, t, w)
	return nil
}

func (h *Hub) runSessions(ctx context.Context, t *topic, w *presence.SessionWatcher) {
	defer w.Close()
	for {
		select {
		case sc := <-w.C:
			sc.At = sc.At.UTC()
			h.deliver(t, &sc)
		case <-w.Done():
			h.end(t, nil)
			return
		case <-ctx.Done():
			return
		}
	}
}

func toModel(st models.PresenceState) models.Presence {
	pr := models.Presence{Status: st.Status, ConnectedDevices: st.Devices}
	if !st.LastActiveAt.IsZero() {
		t := st.LastActiveAt.UTC()
		pr.LastActiveAt = &t
	}
	if pr.Status == "" {
		pr.Status = models.PresenceOffline
	}
	return pr
}

// Topics reports how many topics and groups run on this node (for tests
// and metrics).
func (h *Hub) Topics() (topics, groups int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range h.topics {
		topics++
		groups += len(t.groups)
	}
	return topics, groups
}
