package presence

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/rollcall/rollcall/models"
)

// Memory is the in-process backend (the embedded default, no Redis). It
// keeps the same state machine as the Redis scripts in a mutex-guarded map.
// Peer adds more nodes sharing the same state, which is how one process can
// exercise multi-node behaviour (tests, or several listeners).
type Memory struct {
	store *memStore
	opts  Options
	hub   *hub

	mu       sync.Mutex
	local    map[string]models.PresenceConn
	onKick   func([]int64)
	onAccess func(int64)
	onActive func(int64, time.Time)
	closed   bool
	stop     chan struct{}
}

type memStore struct {
	mu       sync.Mutex
	users    map[int64]*memUser
	sessions map[int64]map[string]*memConn
	nodes    map[*Memory]struct{}
}

type memUser struct {
	conns map[string]*memConn
	st    models.PresenceStatus
	dv    int
	v     int64
	la    int64   // last active, ms
	lw    int64   // last active handed to OnLastActive, ms
	ma    bool    // manual away
	off   int64   // pending OFFLINE deadline, ms (0: none)
	due   int64   // next time the sweeper must look at this user (0: never)
	idl   int64   // earliest time a non-idle device turns idle (0: none)
	ss    []int64 // sessions with a live connection, sorted
}

type memConn struct {
	info   models.PresenceConn
	exp    int64
	active int64
	idle   bool
}

// NewMemory returns an in-process presence service.
func NewMemory(opts Options) *Memory {
	st := &memStore{users: map[int64]*memUser{}, sessions: map[int64]map[string]*memConn{}, nodes: map[*Memory]struct{}{}}
	return newMemoryNode(st, opts)
}

// Peer returns another node sharing this one's state (its own local
// connections, heartbeat, watchers and kick handler).
func (m *Memory) Peer(opts Options) *Memory { return newMemoryNode(m.store, opts) }

func newMemoryNode(st *memStore, opts Options) *Memory {
	m := &Memory{store: st, opts: opts.withDefaults(), local: map[string]models.PresenceConn{}, stop: make(chan struct{})}
	m.hub = newHub(memSubscriber{}, m.opts)
	st.mu.Lock()
	st.nodes[m] = struct{}{}
	st.mu.Unlock()
	return m
}

type memSubscriber struct{}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (memSubscriber) subscribe([]int64) <-chan struct{} { return closedChan }
func (memSubscriber) unsubscribe([]int64)               {}

var _ Service = (*Memory)(nil)

type lastActive struct {
	uid int64
	at  int64
}

// transition is one state change under the store lock; it returns the
// last-active hook to call (at == 0: none).
func (m *Memory) transition(uid int64, now int64, mutate func(u *memUser)) lastActive {
	s := m.store
	u := s.users[uid]
	if u == nil {
		u = &memUser{conns: map[string]*memConn{}, st: models.PresenceOffline}
		s.users[uid] = u
	}
	if mutate != nil {
		mutate(u)
	}
	return m.recompute(uid, u, now)
}

// recompute mirrors luaFinish: drop expired connections, derive the status,
// hold the previous one during the offline grace, bump the version and
// publish only when status or device count changed.
func (m *Memory) recompute(uid int64, u *memUser, now int64) lastActive {
	s := m.store
	idleAfter := m.opts.IdleAfter.Milliseconds()
	var due, idl int64
	allIdle := true
	for id, c := range u.conns {
		if c.exp <= now {
			m.dropConn(u, id)
			continue
		}
		if due == 0 || c.exp < due {
			due = c.exp
		}
		if !c.idle && now-c.active < idleAfter {
			allIdle = false
			if d := c.active + idleAfter; idl == 0 || d < idl {
				idl = d
			}
		}
	}
	if idl > 0 && idl < due {
		due = idl
	}
	var ss []int64
	for _, c := range u.conns {
		if sid := c.info.SessionID; sid > 0 && !slices.Contains(ss, sid) {
			ss = append(ss, sid)
		}
	}
	slices.Sort(ss)
	changes := sessionDiff(uid, u.ss, ss, fromMS(now))
	u.ss = ss
	var st models.PresenceStatus
	var dv int
	switch {
	case len(u.conns) > 0:
		u.off = 0
		dv = len(u.conns)
		if u.ma || allIdle {
			st = models.PresenceAway
		} else {
			st = models.PresenceOnline
		}
	case u.off > now:
		st, dv = u.st, u.dv
		if due == 0 || u.off < due {
			due = u.off
		}
	default:
		u.off = 0
		st, dv = models.PresenceOffline, 0
	}
	changed := st != u.st || dv != u.dv
	u.st, u.dv, u.due, u.idl = st, dv, due, idl
	if changed {
		u.v = max(u.v+1, now) // as in the scripts: time-based, survives a reset
	}
	var hook lastActive
	if u.la > u.lw && (u.la-u.lw >= m.opts.LastActiveEvery.Milliseconds() || (changed && st == models.PresenceOffline)) {
		u.lw = u.la
		hook = lastActive{uid: uid, at: u.la}
	}
	for _, sc := range changes {
		for n := range s.nodes {
			n.hub.publishSession(sc)
		}
	}
	if changed {
		ev := models.PresenceChange{UserID: uid, State: models.PresenceState{UserID: uid, Status: st, Devices: dv, LastActiveAt: fromMS(u.la), Version: u.v}, At: fromMS(now)}
		for n := range s.nodes {
			n.hub.publish(ev)
		}
	}
	return hook
}

func (m *Memory) dropConn(u *memUser, id string) {
	c := u.conns[id]
	delete(u.conns, id)
	if c == nil {
		return
	}
	if ss := m.store.sessions[c.info.SessionID]; ss != nil && ss[id] == c {
		delete(ss, id)
		if len(ss) == 0 {
			delete(m.store.sessions, c.info.SessionID)
		}
	}
}

func (m *Memory) fire(hooks ...lastActive) {
	m.mu.Lock()
	f := m.onActive
	m.mu.Unlock()
	if f == nil {
		return
	}
	for _, h := range hooks {
		if h.at > 0 {
			f(h.uid, fromMS(h.at))
		}
	}
}

func (m *Memory) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// Connect implements Service.
func (m *Memory) Connect(ctx context.Context, c models.PresenceConn) error {
	if err := validateConn(c); err != nil {
		return err
	}
	if c.Node == "" {
		c.Node = m.opts.Node
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.local[c.ConnID] = c
	m.mu.Unlock()
	s := m.store
	s.mu.Lock()
	h := m.connectLocked(c, true)
	s.mu.Unlock()
	m.fire(h)
	return nil
}

func (m *Memory) connectLocked(c models.PresenceConn, setManual bool) lastActive {
	now := ms(m.opts.Now())
	return m.transition(c.UserID, now, func(u *memUser) {
		mc := &memConn{info: c, exp: now + m.opts.TTL.Milliseconds(), active: now}
		u.conns[c.ConnID] = mc
		ss := m.store.sessions[c.SessionID]
		if ss == nil {
			ss = map[string]*memConn{}
			m.store.sessions[c.SessionID] = ss
		}
		ss[c.ConnID] = mc
		if now > u.la {
			u.la = now
		}
		if setManual {
			u.ma = c.ManualAway
		}
	})
}

// Touch implements Service.
func (m *Memory) Touch(ctx context.Context, connIDs ...string) error {
	m.mu.Lock()
	infos := make([]models.PresenceConn, 0, len(connIDs))
	for _, id := range connIDs {
		if c, ok := m.local[id]; ok {
			infos = append(infos, c)
		}
	}
	m.mu.Unlock()
	s := m.store
	var hooks []lastActive
	s.mu.Lock()
	now := ms(m.opts.Now())
	exp := now + m.opts.TTL.Milliseconds()
	for _, c := range infos {
		u := s.users[c.UserID]
		var mc *memConn
		if u != nil {
			mc = u.conns[c.ConnID]
		}
		if mc == nil {
			hooks = append(hooks, m.connectLocked(c, false))
			continue
		}
		mc.exp = exp
		// Mirrors luaTouch: the earliest deadline may have moved later.
		due := int64(0)
		for _, o := range u.conns {
			if due == 0 || o.exp < due {
				due = o.exp
			}
		}
		if u.idl > 0 && u.idl < due {
			due = u.idl
		}
		u.due = due
	}
	s.mu.Unlock()
	m.fire(hooks...)
	return nil
}

// SetActivity implements Service.
func (m *Memory) SetActivity(ctx context.Context, connID string, idle bool) error {
	m.mu.Lock()
	c, ok := m.local[connID]
	m.mu.Unlock()
	if !ok {
		return errUnknownConn
	}
	s := m.store
	s.mu.Lock()
	now := ms(m.opts.Now())
	var h lastActive
	u := s.users[c.UserID]
	if u != nil && u.conns[connID] != nil {
		h = m.transition(c.UserID, now, func(u *memUser) {
			mc := u.conns[connID]
			mc.idle = idle
			if !idle {
				mc.active = now
				if now > u.la {
					u.la = now
				}
			}
		})
	}
	s.mu.Unlock()
	m.fire(h)
	return nil
}

// SetManualAway implements Service.
func (m *Memory) SetManualAway(ctx context.Context, userID int64, away bool) error {
	if userID <= 0 {
		return errBadUser
	}
	s := m.store
	s.mu.Lock()
	h := m.transition(userID, ms(m.opts.Now()), func(u *memUser) { u.ma = away })
	s.mu.Unlock()
	m.fire(h)
	return nil
}

// Disconnect implements Service.
func (m *Memory) Disconnect(ctx context.Context, connID string) error {
	m.mu.Lock()
	c, ok := m.local[connID]
	delete(m.local, connID)
	m.mu.Unlock()
	if !ok {
		return nil
	}
	s := m.store
	s.mu.Lock()
	h := m.disconnectLocked(c, m.opts.OfflineGrace)
	s.mu.Unlock()
	m.fire(h)
	return nil
}

func (m *Memory) disconnectLocked(c models.PresenceConn, grace time.Duration) lastActive {
	now := ms(m.opts.Now())
	return m.transition(c.UserID, now, func(u *memUser) {
		if _, had := u.conns[c.ConnID]; !had {
			return
		}
		m.dropConn(u, c.ConnID)
		live := 0
		for _, o := range u.conns {
			if o.exp > now {
				live++
			}
		}
		if grace > 0 && live == 0 && u.dv > 0 {
			u.off = now + grace.Milliseconds()
		}
	})
}

// States implements Service.
func (m *Memory) States(ctx context.Context, userIDs []int64) (map[int64]models.PresenceState, error) {
	out := make(map[int64]models.PresenceState, len(userIDs))
	s := m.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range userIDs {
		u := s.users[id]
		if u == nil {
			out[id] = offline(id)
			continue
		}
		out[id] = models.PresenceState{UserID: id, Status: u.st, Devices: u.dv, LastActiveAt: fromMS(u.la), Version: u.v}
	}
	return out, nil
}

// Live implements Service.
func (m *Memory) Live(ctx context.Context) (map[int64]models.PresenceStatus, error) {
	s := m.store
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]models.PresenceStatus{}
	for id, u := range s.users {
		if u.st != models.PresenceOffline && u.st != "" {
			out[id] = u.st
		}
	}
	return out, nil
}

// SessionConnected implements Service.
func (m *Memory) SessionConnected(ctx context.Context, sessions []models.SessionRef) (map[int64]bool, error) {
	out := make(map[int64]bool, len(sessions))
	s := m.store
	s.mu.Lock()
	defer s.mu.Unlock()
	now := ms(m.opts.Now())
	for _, ref := range sessions {
		id := ref.SessionID
		live := false
		for _, c := range s.sessions[id] {
			if c.exp > now {
				live = true
				break
			}
		}
		out[id] = live
	}
	return out, nil
}

// Watch implements Service.
func (m *Memory) Watch(ctx context.Context, userIDs []int64) (*Watcher, error) {
	return m.hub.watch(ctx, userIDs)
}

// PublishSession implements Service.
func (m *Memory) PublishSession(ctx context.Context, sc models.SessionEvent) error {
	if err := validSessionChange(sc); err != nil {
		return err
	}
	if sc.At.IsZero() {
		sc.At = m.opts.Now()
	}
	s := m.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for n := range s.nodes {
		n.hub.publishSession(sc)
	}
	return nil
}

// WatchSessions implements Service.
func (m *Memory) WatchSessions(ctx context.Context, userID int64) (*SessionWatcher, error) {
	return m.hub.watchSessions(ctx, userID)
}

// KickSessions implements Service.
func (m *Memory) KickSessions(ctx context.Context, sessionIDs []int64) error {
	if len(sessionIDs) == 0 {
		return nil
	}
	for _, n := range m.liveNodes() {
		n.mu.Lock()
		f := n.onKick
		n.mu.Unlock()
		if f != nil {
			f(append([]int64(nil), sessionIDs...))
		}
	}
	return nil
}

// AnnounceAccessChange implements Service.
func (m *Memory) AnnounceAccessChange(ctx context.Context, orgID int64) error {
	for _, n := range m.liveNodes() {
		n.mu.Lock()
		f := n.onAccess
		n.mu.Unlock()
		if f != nil {
			f(orgID)
		}
	}
	return nil
}

// liveNodes lists the nodes sharing this state that are not shut down.
func (m *Memory) liveNodes() []*Memory {
	s := m.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Memory
	for n := range s.nodes {
		n.mu.Lock()
		if !n.closed {
			out = append(out, n)
		}
		n.mu.Unlock()
	}
	return out
}

// OnAccessChange implements Service.
func (m *Memory) OnAccessChange(f func(orgID int64)) {
	m.mu.Lock()
	m.onAccess = f
	m.mu.Unlock()
}

// OnReconnect implements Service: the in-process backend never loses a
// command, so f is never called.
func (m *Memory) OnReconnect(func()) {}

// OnKick implements Service.
func (m *Memory) OnKick(f func(sessionIDs []int64)) {
	m.mu.Lock()
	m.onKick = f
	m.mu.Unlock()
}

// OnLastActive implements Service.
func (m *Memory) OnLastActive(f func(userID int64, at time.Time)) {
	m.mu.Lock()
	m.onActive = f
	m.mu.Unlock()
}

// Run implements Service.
func (m *Memory) Run(ctx context.Context) error {
	hb := time.NewTicker(m.opts.HeartbeatInterval)
	defer hb.Stop()
	sw := time.NewTicker(m.opts.SweepInterval)
	defer sw.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.stop:
			return nil
		case <-hb.C:
			m.mu.Lock()
			ids := make([]string, 0, len(m.local))
			for id := range m.local {
				ids = append(ids, id)
			}
			m.mu.Unlock()
			_ = m.Touch(ctx, ids...)
		case <-sw.C:
			m.sweep()
		}
	}
}

// sweep applies the due transitions of every user (expired connections,
// ended grace periods, devices turning idle).
func (m *Memory) sweep() {
	s := m.store
	var hooks []lastActive
	s.mu.Lock()
	now := ms(m.opts.Now())
	for uid, u := range s.users {
		if u.due > 0 && u.due <= now {
			hooks = append(hooks, m.recompute(uid, u, now))
		}
	}
	s.mu.Unlock()
	m.fire(hooks...)
}

// Shutdown implements Service.
func (m *Memory) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	local := m.local
	m.local = map[string]models.PresenceConn{}
	close(m.stop)
	m.mu.Unlock()
	s := m.store
	var hooks []lastActive
	s.mu.Lock()
	for _, c := range local {
		hooks = append(hooks, m.disconnectLocked(c, 0))
	}
	delete(s.nodes, m)
	s.mu.Unlock()
	m.fire(hooks...)
	m.hub.close(ErrClosed)
	return nil
}
