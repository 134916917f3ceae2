package graph

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/rollcall/rollcall/models"
)

// EventUsers caches, for a short while and node-wide, the people named by
// subscription events. A status change fans out to every watcher of the
// person; without it each delivery would read the same user row (one query
// per delivered event). Concurrent misses for one person share one query.
// Profiles in events may lag an edit by up to the TTL.
type EventUsers struct {
	find func(ctx context.Context, ids []int64) ([]*models.User, error)
	ttl  time.Duration
	max  int

	mu sync.Mutex
	m  map[int64]cachedUser
	sf singleflight.Group
}

type cachedUser struct {
	u  *models.User
	at time.Time
}

// NewEventUsers caches what find returns for ttl, at most max people.
func NewEventUsers(find func(ctx context.Context, ids []int64) ([]*models.User, error), ttl time.Duration, max int) *EventUsers {
	return &EventUsers{find: find, ttl: ttl, max: max, m: map[int64]cachedUser{}}
}

// Warm loads people into the cache in one query per 500, so the events
// about them render without a query of their own (an account's members,
// when its live topic starts and then every half TTL).
func (c *EventUsers) Warm(ctx context.Context, ids []int64) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		users, err := c.find(ctx, chunk)
		if err != nil {
			return err
		}
		now := time.Now()
		c.mu.Lock()
		if len(c.m)+len(users) > c.max {
			c.m = map[int64]cachedUser{}
		}
		for _, u := range users {
			c.m[u.ID] = cachedUser{u: u, at: now}
		}
		c.mu.Unlock()
	}
	return nil
}

// Get returns the person, from the cache when fresh enough.
func (c *EventUsers) Get(ctx context.Context, id int64) (*models.User, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.m[id]; ok && now.Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.u, nil
	}
	c.mu.Unlock()
	v, err, _ := c.sf.Do(strconv.FormatInt(id, 10), func() (any, error) {
		users, err := c.find(context.WithoutCancel(ctx), []int64{id})
		if err != nil {
			return nil, err
		}
		if len(users) == 0 {
			return nil, models.NotFound("user")
		}
		c.mu.Lock()
		if len(c.m) >= c.max {
			c.m = map[int64]cachedUser{} // rare: start over rather than track recency
		}
		c.m[id] = cachedUser{u: users[0], at: time.Now()}
		c.mu.Unlock()
		return users[0], nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*models.User), nil
}
