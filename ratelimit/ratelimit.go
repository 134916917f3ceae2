// Package ratelimit implements models.RateLimiter on Redis (shared by every
// node, GCRA through go-redis/redis_rate) and in process (the embedded
// default, the same algorithm over a map).
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/models"
)

// Redis is a limiter shared across nodes.
type Redis struct {
	limiter *redis_rate.Limiter
	rdb     redis.UniversalClient
	prefix  string
}

// NewRedis returns a limiter whose keys start with prefix.
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(rdb), rdb: rdb, prefix: prefix}
}

// Allow implements models.RateLimiter.
func (l *Redis) Allow(ctx context.Context, key string, limit models.Limit, n int) (bool, time.Duration, error) {
	if n < 0 {
		return true, 0, l.giveBack(ctx, key, limit, -n)
	}
	res, err := l.limiter.AllowN(ctx, l.prefix+key, redis_rate.Limit{Rate: limit.Rate, Burst: limit.Burst, Period: limit.Period}, n)
	if err != nil {
		return false, 0, err
	}
	return res.Allowed >= n, res.RetryAfter, nil
}

// giveBackScript moves a key's theoretical arrival time back by ARGV[1]
// seconds, on redis_rate's clock (seconds since 2017-01-01), and deletes the
// key when nothing is left owing. redis_rate's own script with a negative
// cost leaves the old value in place when the result is in the past, so an
// attempt given back would still be owed.
var giveBackScript = redis.NewScript(`
local tat = redis.call("GET", KEYS[1])
if not tat then
  return 0
end
local now = redis.call("TIME")
now = (now[1] - 1483228800) + (now[2] / 1000000)
local new_tat = tonumber(tat) - tonumber(ARGV[1])
if new_tat <= now then
  redis.call("DEL", KEYS[1])
else
  redis.call("SET", KEYS[1], new_tat, "EX", math.ceil(new_tat - now))
end
return 1
`)

// redisRatePrefix is the prefix redis_rate puts before every key.
const redisRatePrefix = "rate:"

func (l *Redis) giveBack(ctx context.Context, key string, limit models.Limit, n int) error {
	interval := limit.Period.Seconds() / float64(limit.Rate)
	return giveBackScript.Run(ctx, l.rdb, []string{redisRatePrefix + l.prefix + key}, interval*float64(n)).Err()
}

// Reset implements models.RateLimiter.
func (l *Redis) Reset(ctx context.Context, key string) error {
	return l.limiter.Reset(ctx, l.prefix+key)
}

// Memory is the in-process limiter: GCRA with a theoretical arrival time per
// key, like redis_rate, so both backends count alike.
type Memory struct {
	mu   sync.Mutex
	tat  map[string]time.Time
	now  func() time.Time
	last time.Time
}

// NewMemory returns an in-process limiter.
func NewMemory() *Memory { return &Memory{tat: map[string]time.Time{}, now: time.Now} }

// Allow implements models.RateLimiter.
func (l *Memory) Allow(_ context.Context, key string, limit models.Limit, n int) (bool, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.gc(now)
	interval := limit.Period / time.Duration(limit.Rate)
	if n < 0 {
		if tat, ok := l.tat[key]; ok {
			if tat = tat.Add(interval * time.Duration(n)); tat.After(now) {
				l.tat[key] = tat
			} else {
				delete(l.tat, key)
			}
		}
		return true, 0, nil
	}
	tolerance := interval * time.Duration(limit.Burst)
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	newTat := tat.Add(interval * time.Duration(n))
	allowAt := newTat.Add(-tolerance)
	if allowAt.After(now) {
		return false, allowAt.Sub(now), nil
	}
	l.tat[key] = newTat
	return true, 0, nil
}

// Reset implements models.RateLimiter.
func (l *Memory) Reset(_ context.Context, key string) error {
	l.mu.Lock()
	delete(l.tat, key)
	l.mu.Unlock()
	return nil
}

// gc drops keys whose arrival time has passed, at most once a minute, so the
// map does not grow without bound.
func (l *Memory) gc(now time.Time) {
	if now.Sub(l.last) < time.Minute {
		return
	}
	l.last = now
	for k, t := range l.tat {
		if t.Before(now) {
			delete(l.tat, k)
		}
	}
}

// RetryAfterSeconds rounds a wait up to whole seconds (at least 1).
func RetryAfterSeconds(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}
