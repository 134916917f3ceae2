package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/ratelimit"
)

// limiters returns the in-process limiter and, when TEST_REDIS_URL is set,
// the Redis one on one server and on a Redis Cluster, so all are held to
// the same behaviour.
func limiters(t *testing.T) map[string]models.RateLimiter {
	out := map[string]models.RateLimiter{"Memory": ratelimit.NewMemory()}
	if u, prefix := testenv.Redis(t); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		t.Cleanup(func() { _ = rdb.Close() })
		out["Redis"] = ratelimit.NewRedis(rdb, prefix)
		c := testenv.StartRedisCluster(t, 3, 0)
		out["RedisCluster"] = ratelimit.NewRedis(c.Client, prefix)
	}
	return out
}

// A throttle that counts only failures counts each attempt and gives back
// the ones that succeeded: what is given back is free again, and giving
// back more than is owed never builds credit beyond the burst.
func TestGiveBack(t *testing.T) {
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			limit := models.Limit{Rate: 3, Burst: 3, Period: time.Hour}
			allow := func(key string, n int) bool {
				t.Helper()
				ok, _, err := l.Allow(ctx, key, limit, n)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			for i := 0; i < 3; i++ {
				if !allow("k", 1) {
					t.Fatalf("event %d of a burst of 3 refused", i+1)
				}
			}
			if allow("k", 1) {
				t.Fatal("a fourth event fits a burst of 3")
			}
			if !allow("k", -1) {
				t.Fatal("giving back is always allowed")
			}
			if !allow("k", 1) {
				t.Fatal("an event given back is not free again")
			}
			if allow("k", 1) {
				t.Fatal("giving back one freed more than one")
			}
			// Give back everything and more: the bucket is empty, not in credit.
			allow("k", -10)
			for i := 0; i < 3; i++ {
				if !allow("k", 1) {
					t.Fatalf("after giving everything back, event %d refused", i+1)
				}
			}
			if allow("k", 1) {
				t.Fatal("giving back more than was owed built credit beyond the burst")
			}
			// Giving back on an unknown key changes nothing.
			allow("fresh", -1)
			for i := 0; i < 3; i++ {
				allow("fresh", 1)
			}
			if allow("fresh", 1) {
				t.Fatal("giving back on an unknown key built credit")
			}
		})
	}
}
