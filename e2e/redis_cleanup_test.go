package e2e

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/testenv"
)

// A test leaves nothing in Redis: after a node signed someone up (presence,
// persisted queries and the rate limiter's rate:{prefix} keys written), the
// test's cleanup deletes every key of its prefix, the rate limiter's too.
func TestRedisKeysCleanedAfterTest(t *testing.T) {
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		testenv.Redis(t) // fails under CI, skips otherwise
		t.Skip("TEST_REDIS_URL not set")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	count := func(prefix string) int {
		n := 0
		for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
			keys, err := rdb.Keys(ctx, pattern).Result()
			if err != nil {
				t.Fatal(err)
			}
			n += len(keys)
		}
		return n
	}

	var prefix string
	t.Run("Node", func(t *testing.T) {
		_, prefix = testenv.Redis(t)
		n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Redis: true, RedisPrefix: prefix})
		signUp(t, n, "ada@example.com")
		if got, err := rdb.Keys(ctx, "rate:"+prefix+"*").Result(); err != nil || len(got) == 0 {
			t.Fatalf("no rate limiter key under rate:%s* after a sign-up (%v): the test would prove nothing", prefix, err)
		}
	})
	if prefix == "" {
		t.Fatal("the node had no Redis prefix")
	}
	if n := count(prefix); n != 0 {
		t.Fatalf("%d keys of %s left after the test", n, prefix)
	}
}
