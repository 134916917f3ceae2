package app

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/config"
)

// Waits between attempts double from 0.25 s to 5 s, each drawn between half
// and all of its step, whatever the attempt number.
func TestStartupBackoff(t *testing.T) {
	seen := map[time.Duration]bool{}
	for attempt := 1; attempt <= 100; attempt++ {
		step := min(startupMaxBackoff, startupMinBackoff<<min(attempt-1, 15))
		for range 20 {
			d := startupBackoff(attempt)
			if d < step/2 || d > step {
				t.Fatalf("attempt %d waits %v, want within [%v, %v]", attempt, d, step/2, step)
			}
			if attempt == 1 {
				seen[d] = true
			}
		}
	}
	if len(seen) < 2 {
		t.Fatal("no jitter: every first wait was the same")
	}
}

// Redis that answers with an error (here a database number it does not have)
// stops the start, with the password redacted; Redis that cannot be
// reached does not.
func TestConnectRedisErrors(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rdb, err := connectRedis(context.Background(), config.RedisSingle, "redis://127.0.0.1:1/0", log)
	if err != nil {
		t.Fatalf("unreachable Redis must not stop the start: %v", err)
	}
	_ = rdb.Close()

	base := os.Getenv("TEST_REDIS_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TEST_REDIS_URL is not set")
		}
		t.Skip("TEST_REDIS_URL is needed for the answering case")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/100000" // SELECT answers "DB index is out of range"
	if u.User == nil {
		u.User = url.UserPassword("", "s3cret-pass") // accepted by a server without one, never shown
	}
	_, err = connectRedis(context.Background(), config.RedisSingle, u.String(), log)
	if err == nil || strings.Contains(err.Error(), "s3cret-pass") || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Fatalf("an error answered by Redis: %v", err)
	}
}
