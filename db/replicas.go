package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"

	"github.com/rollcall/rollcall/models"
)

// replicaResolver names the dbresolver resolver of the read replicas. No
// table is registered with it and there is no global resolver, so a
// statement reaches a replica only when it names this resolver
// (Store.replicaRead); everything else runs on the primary. The colon keeps
// it from ever matching a table name, which dbresolver also looks up.
const replicaResolver = "rollcall:replicas"

// Bounds of the read-your-writes marks and of the replicas' pools.
const (
	// maxLocalMarks bounds the marks held in process. Past it (a flood of
	// sessions writing within one window) every routed read goes to the
	// primary until the window has passed: safe, and bounded.
	maxLocalMarks = 100_000
	// markTimeout bounds one Redis round trip of a mark or a check.
	markTimeout = 250 * time.Millisecond
	// replicaRetryAfter is how long routed reads stay on the primary after
	// a replica could not be reached, so that a replica that is down costs
	// one failed connection per interval, not one per request.
	replicaRetryAfter = 5 * time.Second
	// warnEvery spaces the warnings of a failing replica or mark store.
	warnEvery = 10 * time.Second
)

// SharedMarks keeps "this session wrote recently" marks where every node
// sees them (Redis). Each call touches one key.
type SharedMarks interface {
	// Mark sets key for ttl.
	Mark(ctx context.Context, key string, ttl time.Duration) error
	// Marked reports whether key is set.
	Marked(ctx context.Context, key string) (bool, error)
}

// Replicas decides where the routed reads (directory pages, searches and
// exports) run: on a read replica, unless the session reading wrote within
// the read-your-writes window, its mark cannot be read, or the replicas
// could not be reached a moment ago. Every other read and every write runs
// on the primary.
type Replicas struct {
	window time.Duration
	// refresh is how seldom one node renews a session's shared mark while
	// the session keeps writing; the shared mark lives window+refresh, so
	// it outlives every write by at least window.
	refresh time.Duration
	shared  SharedMarks // nil: marks are kept in process only
	log     *slog.Logger
	pools   []*sql.DB
	now     func() time.Time

	mu    sync.Mutex
	local map[int64]localMark // session ID → mark
	// fullUntil sends every routed read to the primary while the local
	// marks are full.
	fullUntil time.Time

	downUntil atomic.Int64 // unix nanoseconds: the replicas failed until then
	// Unix nanoseconds of the last warning of each kind.
	replicaWarned, marksWarned atomic.Int64
}

type localMark struct {
	until    time.Time // reads stay on the primary until then
	sharedAt time.Time // when this node last wrote the shared mark
}

// ReplicaOptions configure the read replicas.
type ReplicaOptions struct {
	// URLs are the replicas' mysql:// URLs (DATABASE_REPLICA_URLS).
	URLs []string
	// ReadYourWrites is how long a session's routed reads stay on the
	// primary after it wrote (DATABASE_READ_YOUR_WRITES).
	ReadYourWrites time.Duration
	// Shared keeps the marks where every node sees them; nil keeps them in
	// this process (one node).
	Shared SharedMarks
	Logger *slog.Logger
}

// UseReplicas routes the directory pages, searches and exports to the
// MySQL replicas of opt.URLs. A replica that cannot be reached does not
// stop start-up: routed reads fall back to the primary until it answers.
func (d *DB) UseReplicas(ctx context.Context, opt ReplicaOptions) error {
	if len(opt.URLs) == 0 {
		return nil
	}
	if d.Dialect != MySQL {
		return errors.New("read replicas need a MySQL store")
	}
	if opt.ReadYourWrites <= 0 {
		return errors.New("read replicas need a positive read-your-writes window")
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Replicas{window: opt.ReadYourWrites, refresh: opt.ReadYourWrites / 5, shared: opt.Shared, log: log,
		now: time.Now, local: map[int64]localMark{}}
	dialectors := make([]gorm.Dialector, 0, len(opt.URLs))
	for _, u := range opt.URLs {
		dsn, err := MySQLDSN(u)
		if err != nil {
			r.close()
			return fmt.Errorf("replica %s: %w", Redact(u), err)
		}
		pool, err := sql.Open("mysql", dsn)
		if err != nil {
			r.close()
			return fmt.Errorf("replica %s: %w", Redact(u), err)
		}
		// A replica serves a few kinds of reads only: a smaller pool than
		// the primary's.
		pool.SetMaxOpenConns(25)
		pool.SetMaxIdleConns(10)
		pool.SetConnMaxLifetime(30 * time.Minute)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		r.pools = append(r.pools, pool)
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := pool.PingContext(pingCtx); err != nil {
			log.Warn("read replica not reachable at start; its reads go to the primary until it answers",
				"replica", Redact(u), "err", RedactError(err, u))
		}
		cancel()
		dialectors = append(dialectors, mysql.New(mysql.Config{Conn: pool, SkipInitializeWithVersion: true}))
	}
	if err := d.gorm.Use(dbresolver.Register(dbresolver.Config{Replicas: dialectors}, replicaResolver)); err != nil {
		r.close()
		return fmt.Errorf("read replicas: %w", err)
	}
	if err := registerWriteMarks(d.gorm, r); err != nil {
		r.close()
		return err
	}
	d.replicas = r
	return nil
}

func (r *Replicas) close() {
	for _, p := range r.pools {
		_ = p.Close()
	}
}

// ReadFromReplica reports whether a routed read of ctx may run on a
// replica: not when the session of ctx wrote within the window (on any
// node), when that cannot be told (the shared marks do not answer), or
// while the replicas are failing.
func (r *Replicas) ReadFromReplica(ctx context.Context) bool {
	if r == nil {
		return false
	}
	now := r.now()
	if now.UnixNano() < r.downUntil.Load() {
		return false
	}
	v := models.ViewerFrom(ctx)
	if v == nil || v.SessionID == 0 {
		return true // nobody's own writes to show
	}
	r.mu.Lock()
	m, ok := r.local[v.SessionID]
	full := now.Before(r.fullUntil)
	r.mu.Unlock()
	if full || (ok && now.Before(m.until)) {
		return false
	}
	if r.shared == nil {
		return true
	}
	mctx, cancel := context.WithTimeout(ctx, markTimeout)
	defer cancel()
	marked, err := r.shared.Marked(mctx, markKey(v.SessionID))
	if err != nil {
		r.warn(ctx, &r.marksWarned, "read-your-writes mark unreadable; reading from the primary", err)
		return false
	}
	return !marked
}

// markKey is the shared key of a session's mark (one key: one slot).
func markKey(sessionID int64) string { return "ryw:" + strconv.FormatInt(sessionID, 10) }

// wrote records that sessions wrote just now: their routed reads stay on
// the primary for the window, on this node at once and on every node once
// the shared mark is set. A shared mark that cannot be set is logged; this
// node still honours its own mark.
func (r *Replicas) wrote(ctx context.Context, sessions []int64) {
	now := r.now()
	var renew []int64
	r.mu.Lock()
	for _, id := range sessions {
		m, ok := r.local[id]
		if !ok && len(r.local) >= maxLocalMarks {
			r.pruneLocked(now)
			if len(r.local) >= maxLocalMarks {
				// Not kept here (this node reads the primary for
				// everyone meanwhile), but still shared.
				r.fullUntil = now.Add(r.window)
				if r.shared != nil {
					renew = append(renew, id)
				}
				continue
			}
		}
		m.until = now.Add(r.window)
		if r.shared != nil && now.Sub(m.sharedAt) >= r.refresh {
			m.sharedAt = now
			renew = append(renew, id)
		}
		r.local[id] = m
	}
	r.mu.Unlock()
	for _, id := range renew {
		// The write is done: the mark is set even if the request was just
		// cancelled.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
		err := r.shared.Mark(mctx, markKey(id), r.window+r.refresh)
		cancel()
		if err != nil {
			r.warn(ctx, &r.marksWarned, "read-your-writes mark not shared; other nodes may read this session's writes from a replica until it replicates", err)
			r.mu.Lock()
			if m, ok := r.local[id]; ok {
				m.sharedAt = time.Time{} // try again on the next write
				r.local[id] = m
			}
			r.mu.Unlock()
		}
	}
}

// pruneLocked drops the marks past their window (r.mu held); their shared
// marks were set at least window before, longer ago than refresh.
func (r *Replicas) pruneLocked(now time.Time) {
	for id, m := range r.local {
		if !now.Before(m.until) {
			delete(r.local, id)
		}
	}
}

// failed notes a replica that could not be reached: routed reads go to the
// primary for replicaRetryAfter.
func (r *Replicas) failed(ctx context.Context, err error) {
	r.downUntil.Store(r.now().Add(replicaRetryAfter).UnixNano())
	r.warn(ctx, &r.replicaWarned, "read replica failed; reading from the primary", err)
}

// warn logs at most once per warnEvery for each kind (last).
func (r *Replicas) warn(ctx context.Context, last *atomic.Int64, msg string, err error) {
	now := r.now().UnixNano()
	prev := last.Load()
	if now-prev < int64(warnEvery) || !last.CompareAndSwap(prev, now) {
		return
	}
	r.log.WarnContext(ctx, msg, "err", err)
}

// replicaRead runs read on a replica when ctx may read from one, else on
// the primary. A replica that fails is logged and read runs again on the
// primary: whatever the error, since a replica may also be behind on the
// schema (a migration not replicated yet) where the primary is not. read
// must not have written anything to its caller before it returns an error
// (the CSV export opens its rows in read).
func (s *Store) replicaRead(ctx context.Context, read func(db *gorm.DB) error) error {
	r := s.replicas
	if !r.ReadFromReplica(ctx) {
		return read(s.conn(ctx))
	}
	// A new session, so that read may start several statements from it as
	// from s.conn.
	err := read(s.conn(ctx).Clauses(dbresolver.Use(replicaResolver)).Session(&gorm.Session{}))
	if err == nil || ctx.Err() != nil {
		return err
	}
	r.failed(ctx, err)
	return read(s.conn(ctx))
}

// Write marks. Every statement that writes (GORM's create, update, delete
// and raw callbacks) marks the session of its context, and a new session
// (sign-up, sign-in, an accepted invitation) marks itself, so that the next
// directory read of that session sees the write. Inside a transaction the
// marks wait for the commit: the read-your-writes window starts when the
// write became visible.

type noWriteMarkKey struct{}

// withoutWriteMark is ctx for writes that no routed read shows the writer
// (the session's own last-seen, the export's audit record): they must not
// pin the session's reads to the primary.
func withoutWriteMark(ctx context.Context) context.Context {
	return context.WithValue(ctx, noWriteMarkKey{}, true)
}

type pendingMarksKey struct{}

// pendingMarks are the sessions a transaction wrote for, marked on commit.
type pendingMarks struct {
	mu       sync.Mutex
	sessions []int64
}

func (p *pendingMarks) add(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.sessions {
		if s == id {
			return
		}
	}
	p.sessions = append(p.sessions, id)
}

// withPendingMarks prepares ctx for a transaction: its writes' marks are
// collected, and commit sets them once the transaction committed.
func (d *DB) withPendingMarks(ctx context.Context) (context.Context, func()) {
	if d.replicas == nil {
		return ctx, func() {}
	}
	p := &pendingMarks{}
	return context.WithValue(ctx, pendingMarksKey{}, p), func() {
		if len(p.sessions) > 0 {
			d.replicas.wrote(ctx, p.sessions)
		}
	}
}

// writeMarker is the GORM callback of the write marks.
type writeMarker struct{ r *Replicas }

func registerWriteMarks(g *gorm.DB, r *Replicas) error {
	w := writeMarker{r}
	cb := g.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("rollcall:write_mark", w.markCreate),
		cb.Update().After("gorm:update").Register("rollcall:write_mark", w.mark),
		cb.Delete().After("gorm:delete").Register("rollcall:write_mark", w.mark),
		cb.Raw().After("gorm:raw").Register("rollcall:write_mark", w.mark),
	} {
		if err != nil {
			return fmt.Errorf("register write marks: %w", err)
		}
	}
	return nil
}

func (w writeMarker) markCreate(tx *gorm.DB) { w.record(tx, true) }

func (w writeMarker) mark(tx *gorm.DB) { w.record(tx, false) }

func (w writeMarker) record(tx *gorm.DB, created bool) {
	if tx.Error != nil || tx.RowsAffected == 0 {
		return
	}
	ctx := tx.Statement.Context
	if ctx == nil || ctx.Value(noWriteMarkKey{}) != nil {
		return
	}
	var ids []int64
	if v := models.ViewerFrom(ctx); v != nil && v.SessionID != 0 {
		ids = append(ids, v.SessionID)
	}
	if sess, ok := tx.Statement.Dest.(*models.Session); ok && created && sess.ID != 0 {
		ids = append(ids, sess.ID)
	}
	if len(ids) == 0 {
		return
	}
	if p, ok := ctx.Value(pendingMarksKey{}).(*pendingMarks); ok {
		for _, id := range ids {
			p.add(id)
		}
		return
	}
	// Outside a transaction begun by DB.tx the statement committed on its
	// own.
	w.r.wrote(ctx, ids)
}
