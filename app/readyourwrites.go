package app

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisMarks keeps the read-your-writes marks of the read replicas in Redis,
// so that a session that wrote through one node reads from the primary on
// every node. One key per session, set with a PX expiry: no multi-key
// command, so it works on a Redis Cluster too.
type redisMarks struct {
	rdb    redis.UniversalClient
	prefix string
}

func (m redisMarks) Mark(ctx context.Context, key string, ttl time.Duration) error {
	// PX whatever ttl is (go-redis would send EX for whole seconds).
	return m.rdb.Do(ctx, "SET", m.prefix+key, 1, "PX", ttl.Milliseconds()).Err()
}

func (m redisMarks) Marked(ctx context.Context, key string) (bool, error) {
	n, err := m.rdb.Exists(ctx, m.prefix+key).Result()
	return n > 0, err
}
