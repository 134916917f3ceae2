package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/graph"
)

// persistedStore keeps the persisted queries registered at run time: an
// in-process LRU in front, and Redis behind it when REDIS_URL is set, so a
// hash registered on one node is served by every node.
//
// Redis is bounded twice: every document expires PERSISTED_QUERIES_TTL
// after it was last registered or served, and an index (a sorted set by
// last use) keeps at most PERSISTED_QUERIES_MAX_ENTRIES of them, dropping
// the least recently used.
//
// When Redis fails (or is slower than persistedRedisTimeout), the node
// carries on with its own LRU: a registration is kept locally, a lookup
// the LRU cannot answer is a miss (PERSISTED_QUERY_NOT_FOUND), and the
// client sends the text again. The API never fails for it.
type persistedStore struct {
	local  graph.PersistedQueryStore
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
	max    int
}

const persistedRedisTimeout = 500 * time.Millisecond

// Lua: register (KEYS[1] the document, KEYS[2] the index; ARGV hash, doc,
// ttl ms, max entries, now µs, document key prefix). The index is
// scored in microseconds, so registrations in one millisecond keep their
// order.
var persistedAdd = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[5]) - 1000 * tonumber(ARGV[3]))
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  for i = 1, #old do redis.call('DEL', ARGV[6] .. old[i]) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
`)

// Lua: look up and refresh (KEYS as above; ARGV hash, ttl ms, now µs).
var persistedGet = redis.NewScript(`
local doc = redis.call('GET', KEYS[1])
if not doc then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return doc
`)

// keys share the hash tag {pq}: the registering script deletes documents
// the index evicts, which on a Redis Cluster must live in the index's slot.
func (s *persistedStore) keys(hash string) []string {
	return []string{s.prefix + "{pq}doc:" + hash, s.prefix + "{pq}index"}
}

func (s *persistedStore) Get(ctx context.Context, hash string) (string, bool, error) {
	if doc, ok, _ := s.local.Get(ctx, hash); ok {
		return doc, true, nil
	}
	if s.rdb == nil {
		return "", false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, persistedRedisTimeout)
	defer cancel()
	doc, err := persistedGet.Run(ctx, s.rdb, s.keys(hash), hash, s.ttl.Milliseconds(), time.Now().UnixMicro()).Text()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	_ = s.local.Add(ctx, hash, doc)
	return doc, true, nil
}

func (s *persistedStore) Add(ctx context.Context, hash, doc string) error {
	_ = s.local.Add(ctx, hash, doc)
	if s.rdb == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, persistedRedisTimeout)
	defer cancel()
	return persistedAdd.Run(ctx, s.rdb, s.keys(hash), hash, doc, s.ttl.Milliseconds(), strconv.Itoa(s.max),
		time.Now().UnixMicro(), s.prefix+"{pq}doc:").Err()
}
