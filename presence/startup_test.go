package presence_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/presence"
)

// A node started while Redis was down treats Redis's arrival as a return
// from an outage: OnReconnect runs (sockets' sessions re-checked, since
// kicks sent meanwhile were lost), as it does after a cut.
func TestRedisDownAtStartCountsAsReturn(t *testing.T) {
	redisURL, prefix, proxy, _ := testenv.RedisViaProxy(t)
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL is needed")
	}
	proxy.Cut()
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	opt.DialerRetries = 1
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	r := presence.NewRedis(rdb, presence.Options{Prefix: prefix + "presence:", TTL: 3 * time.Second,
		SweepInterval: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	back := make(chan struct{}, 1)
	r.OnReconnect(func() {
		select {
		case back <- struct{}{}:
		default:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	time.Sleep(500 * time.Millisecond) // Redis stays away a moment after the start
	select {
	case <-back:
		t.Fatal("OnReconnect ran while Redis was still down")
	default:
	}
	proxy.Restore()
	select {
	case <-back:
	case <-time.After(5 * time.Second):
		t.Fatal("OnReconnect did not run within 5 s of Redis answering")
	}
	if err := r.Settled(context.Background()); err != nil && err != presence.ErrSettling {
		t.Fatalf("Redis answers, yet: %v", err)
	}
}
