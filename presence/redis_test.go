package presence_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/presence"
	"github.com/rollcall/rollcall/presence/presencetest"
)

func TestRedisConformance(t *testing.T) {
	runConformance(t, presence.RedisForTest(t), false)
}

// Sharded pub/sub on one Redis 7 server: the same behaviour as plain.
func TestRedisShardedConformance(t *testing.T) {
	runConformance(t, presence.RedisForTest(t), true)
}

// A real Redis Cluster of three masters, events over sharded pub/sub as
// REDIS_MODE=cluster sets it: the same behaviour as one server.
func TestRedisClusterConformance(t *testing.T) {
	c := testenv.StartRedisCluster(t, 3, 0)
	runConformance(t, c.Client, true)
}

// runConformance runs the presence conformance suite on rdb, each test
// under its own key prefix, deleted afterwards (on every master).
func runConformance(t *testing.T, rdb redis.UniversalClient, sharded bool) {
	var mu sync.Mutex
	prefixes := map[*testing.T]string{}
	presencetest.Run(t, func(t *testing.T, opts presence.Options) presence.Service {
		mu.Lock()
		prefix, ok := prefixes[t]
		if !ok {
			prefix = presence.NewPrefix()
			prefixes[t] = prefix
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := testenv.DeleteMatching(ctx, rdb, prefix+"*"); err != nil {
					t.Logf("delete %s*: %v", prefix, err)
				}
			})
		}
		mu.Unlock()
		opts.Prefix = prefix
		opts.ShardedPubSub = sharded
		return presence.NewRedis(rdb, opts)
	})
}
