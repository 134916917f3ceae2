package db

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/rollcall/rollcall/models"
)

// SessionCacheTTL is how long this node answers a token from memory
// without asking the database. Sign-out drops entries at once on the node
// that signed out and, through the kick, on every other node; the TTL only
// bounds how long a signed-out token still authenticates on a node whose
// kick was lost (Redis unreachable), and how long a manual AWAY changed on
// another node can be read stale by a new socket here. It is well below
// the ten-second staleness bound of signed-out sessions.
const SessionCacheTTL = 3 * time.Second

// sessionCacheSize bounds the entries kept (one per live token used in the
// last SessionCacheTTL; about 200 bytes each).
const sessionCacheSize = 50000

// cachedSession is what Authenticate needs of a session row and its user.
type cachedSession struct {
	hash       string
	id, userID int64
	manualAway bool
	// until is the first instant the entry must not answer: the earliest of
	// the TTL, the session's absolute and idle expiries, and the moment its
	// last-seen time is due to be written again (the write, and the sliding
	// of the idle expiry, happen on the database path).
	until time.Time
}

// sessionCache is a node-local cache of authenticated sessions keyed by
// token hash. Only live sessions are stored: an unknown, revoked or
// expired token is never remembered, so made-up tokens cost a query each
// (as without the cache) but no memory. Concurrent misses for one token
// share one query.
type sessionCache struct {
	ttl time.Duration
	max int

	mu        sync.Mutex
	byHash    map[string]*cachedSession
	bySession map[int64]*cachedSession
	byUser    map[int64]map[int64]struct{}
	// epoch counts forgets: a load that started before one is not stored,
	// since the row it read may be the one just revoked.
	epoch uint64

	flight singleflight.Group
}

func newSessionCache(ttl time.Duration, max int) *sessionCache {
	return &sessionCache{ttl: ttl, max: max,
		byHash: map[string]*cachedSession{}, bySession: map[int64]*cachedSession{}, byUser: map[int64]map[int64]struct{}{}}
}

// get answers a live entry for hash at now.
func (c *sessionCache) get(hash string, now time.Time) (cachedSession, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[hash]
	if !ok {
		return cachedSession{}, false
	}
	if !now.Before(e.until) {
		c.dropLocked(e)
		return cachedSession{}, false
	}
	return *e, true
}

// begin returns the epoch to hand to put for a load starting now.
func (c *sessionCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put stores e unless a forget happened since begin returned epoch. When
// full it first evicts an arbitrary entry.
func (c *sessionCache) put(e cachedSession, epoch uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if old, ok := c.byHash[e.hash]; ok {
		c.dropLocked(old)
	}
	for len(c.byHash) >= c.max {
		for _, victim := range c.byHash {
			c.dropLocked(victim)
			break
		}
	}
	c.byHash[e.hash] = &e
	c.bySession[e.id] = &e
	if c.byUser[e.userID] == nil {
		c.byUser[e.userID] = map[int64]struct{}{}
	}
	c.byUser[e.userID][e.id] = struct{}{}
}

func (c *sessionCache) dropLocked(e *cachedSession) {
	delete(c.byHash, e.hash)
	if c.bySession[e.id] == e {
		delete(c.bySession, e.id)
	}
	if s := c.byUser[e.userID]; s != nil {
		delete(s, e.id)
		if len(s) == 0 {
			delete(c.byUser, e.userID)
		}
	}
}

// forget drops the entries of sessionIDs.
func (c *sessionCache) forget(sessionIDs ...int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for _, id := range sessionIDs {
		if e, ok := c.bySession[id]; ok {
			c.dropLocked(e)
		}
	}
}

// forgetUser drops the entries of every session of userID.
func (c *sessionCache) forgetUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for id := range c.byUser[userID] {
		if e, ok := c.bySession[id]; ok {
			c.dropLocked(e)
		}
	}
}

// len is the number of entries held.
func (c *sessionCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byHash)
}

// load answers hash from the cache or, on a miss, from fetch, which runs
// once for concurrent misses of one hash; fetch's live answer is stored.
// shared reports that the answer came from memory or from another
// caller's query.
func (c *sessionCache) load(ctx context.Context, hash string, now time.Time, fetch func(context.Context) (cachedSession, bool, error)) (e cachedSession, live bool, err error) {
	if e, ok := c.get(hash, now); ok {
		return e, true, nil
	}
	type result struct {
		e    cachedSession
		live bool
	}
	ch := c.flight.DoChan(hash, func() (any, error) {
		epoch := c.begin()
		// The query does not end with the first caller's context: the
		// others wait on it too. Each caller stops waiting with its own.
		e, live, err := fetch(context.WithoutCancel(ctx))
		if err == nil && live {
			c.put(e, epoch)
		}
		return result{e, live}, err
	})
	var res singleflight.Result
	select {
	case res = <-ch:
	case <-ctx.Done():
		return cachedSession{}, false, ctx.Err()
	}
	if res.Err != nil {
		return cachedSession{}, false, res.Err
	}
	r := res.Val.(result)
	return r.e, r.live, nil
}

// sessionForgetter drops cached sessions before the signed-out sessions'
// side effects run, so a token signed out here is refused at once on this
// node whatever the notifier does.
type sessionForgetter struct {
	models.Notifier
	cache *sessionCache
}

func (f sessionForgetter) SessionsSignedOut(ctx context.Context, userID int64, sessionIDs []int64) {
	f.cache.forget(sessionIDs...)
	f.Notifier.SessionsSignedOut(ctx, userID, sessionIDs)
}
