package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// RedisForTest connects to TEST_REDIS_URL. Without it the test is skipped,
// except under CI where a missing Redis is a failure.
func RedisForTest(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but TEST_REDIS_URL is missing: the Redis presence tests must run in CI")
		}
		t.Skip("TEST_REDIS_URL not set")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// NewPrefix is a unique key prefix for a test.
func NewPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "rctest:" + hex.EncodeToString(b) + ":"
}

// PrefixForTest returns a unique key prefix and deletes its keys after the
// test (cleanups run last-in first-out, so after the nodes' Shutdown).
func PrefixForTest(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	prefix := NewPrefix()
	t.Cleanup(func() {
		ctx := context.Background()
		it := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		var keys []string
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		if len(keys) > 0 {
			_ = rdb.Del(ctx, keys...).Err()
		}
	})
	return prefix
}
