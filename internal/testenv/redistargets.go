package testenv

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/config"
)

// RedisTarget is a Redis deployment a test runs its nodes on.
type RedisTarget struct {
	Name   string // "single" or "cluster"
	URL    string // REDIS_URL
	Mode   string // REDIS_MODE
	Prefix string // REDIS_PREFIX, unique to the test
	// Cluster is the cluster behind a "cluster" target, for faults.
	Cluster *RedisCluster
}

// Env is the target's REDIS_URL, REDIS_MODE and REDIS_PREFIX.
func (r RedisTarget) Env() map[string]string {
	return map[string]string{"REDIS_URL": r.URL, "REDIS_MODE": r.Mode, "REDIS_PREFIX": r.Prefix}
}

// Client is a client of the target for the test's own checks, closed when
// the test ends.
func (r RedisTarget) Client(t testing.TB) redis.UniversalClient {
	t.Helper()
	if r.Cluster != nil {
		return r.Cluster.Client
	}
	opt, err := redis.ParseURL(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// NodeOf is the server that holds key: the master of its slot on a
// cluster, for commands that read one node (KEYS, SCAN).
func NodeOf(t testing.TB, rdb redis.UniversalClient, key string) redis.Cmdable {
	t.Helper()
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return rdb
	}
	m, err := cc.MasterForKey(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// EachRedis runs fn as a subtest on one Redis server (TEST_REDIS_URL) and
// on a Redis Cluster of three masters started for it: the behaviours that
// hold on one server must hold on a cluster. Each skips as its setup says
// (and fails under CI).
func EachRedis(t *testing.T, fn func(t *testing.T, r RedisTarget)) {
	t.Helper()
	t.Run("single", func(t *testing.T) {
		u, prefix := Redis(t)
		if u == "" {
			t.Skip("TEST_REDIS_URL not set")
		}
		fn(t, RedisTarget{Name: "single", URL: u, Mode: config.RedisSingle, Prefix: prefix})
	})
	t.Run("cluster", func(t *testing.T) {
		c := StartRedisCluster(t, 3, 0)
		fn(t, RedisTarget{Name: "cluster", URL: c.URL, Mode: config.RedisCluster, Prefix: NewRedisPrefix(), Cluster: c})
	})
}

// NewRedisPrefix is a REDIS_PREFIX unique to a test.
func NewRedisPrefix() string { return "rollcall-test:" + randomHex(6) + ":" }
