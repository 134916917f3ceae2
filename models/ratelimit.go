package models

import (
	"context"
	"time"
)

// Limit is a rate: at most Burst events at once, refilled at Rate per Period.
type Limit struct {
	Rate   int
	Burst  int
	Period time.Duration
}

// RateLimiter counts events per key. Implementations are shared across nodes
// (Redis) or in-process for the embedded default.
type RateLimiter interface {
	// Allow records n events for key and reports whether they fit within
	// limit; when they do not, retryAfter says when n would fit. A negative
	// n gives back events recorded earlier (never below an empty bucket)
	// and is always allowed: a throttle that counts only failures counts
	// every attempt first and gives back the ones that succeeded.
	Allow(ctx context.Context, key string, limit Limit, n int) (ok bool, retryAfter time.Duration, err error)
	// Reset forgets the key (e.g. after a successful sign-in).
	Reset(ctx context.Context, key string) error
}
