package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/config"
	"github.com/rollcall/rollcall/db"
)

// Start-up backoff between attempts to reach MySQL: doubling from
// startupMinBackoff to startupMaxBackoff, each wait drawn between half and
// all of it (jitter, so nodes started together do not knock in step).
const (
	startupMinBackoff = 250 * time.Millisecond
	startupMaxBackoff = 5 * time.Second
)

// startupBackoff is the wait before attempt+1.
func startupBackoff(attempt int) time.Duration {
	d := startupMaxBackoff
	if attempt < 16 {
		d = min(startupMaxBackoff, startupMinBackoff<<(attempt-1))
	}
	return d/2 + rand.N(d/2+1)
}

// openStore opens the store. A MySQL server that cannot be reached yet (a
// container starting beside this one, a failover, a name not in DNS yet)
// is tried again with backoff for up to STARTUP_TIMEOUT, each failed
// attempt logged with its number and cause (passwords redacted); then
// start-up fails with the last cause. Errors that will not pass by
// themselves (bad credentials, no such database) stop at once. SQLite is
// opened once.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*db.DB, error) {
	if !strings.HasPrefix(cfg.DatabaseURL, "mysql://") {
		return db.Open(ctx, cfg.DatabaseURL, log)
	}
	start := time.Now()
	deadline := start.Add(cfg.StartupTimeout)
	where := db.Redact(cfg.DatabaseURL)
	for attempt := 1; ; attempt++ {
		d, err := openMySQL(ctx, cfg.DatabaseURL, deadline, log)
		if err == nil {
			if attempt > 1 {
				log.Info("store reachable", "store", where, "attempt", attempt, "waited", time.Since(start).Round(time.Millisecond).String())
			}
			return d, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		cause := db.RedactError(err, cfg.DatabaseURL)
		if errors.Is(err, context.DeadlineExceeded) {
			cause = "no answer before STARTUP_TIMEOUT"
		}
		if !db.Unreachable(err) {
			return nil, fmt.Errorf("store %s: %s", where, cause)
		}
		wait := startupBackoff(attempt)
		if time.Until(deadline) < wait {
			return nil, fmt.Errorf("MySQL store %s not reachable after %d attempts in %s (STARTUP_TIMEOUT=%s); last error: %s",
				where, attempt, time.Since(start).Round(100*time.Millisecond), cfg.StartupTimeout, cause)
		}
		log.Warn("store not reachable, retrying", "store", where, "attempt", attempt, "err", cause, "retry_in", wait.Round(time.Millisecond).String())
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// openMySQL is one attempt: reach the server before the start-up deadline,
// then open it (migrations included, which the deadline does not cut).
func openMySQL(ctx context.Context, databaseURL string, deadline time.Time, log *slog.Logger) (*db.DB, error) {
	rctx, cancel := context.WithDeadline(ctx, deadline)
	err := db.Reachable(rctx, databaseURL)
	cancel()
	if err != nil {
		return nil, err
	}
	return db.Open(ctx, databaseURL, log)
}

// connectRedis makes the Redis client. Redis that cannot be reached at start
// does not stop it: the node serves degraded, exactly as during a Redis
// outage (presence reads UNAVAILABLE, /readyz "degraded", rate limits fail
// open), and picks Redis up when it answers, with no restart. Redis that
// answers with an error (a wrong password, a bad database number) stops
// start-up: that will not pass by itself.
func connectRedis(ctx context.Context, mode, redisURL string, log *slog.Logger) (redis.UniversalClient, error) {
	rdb, err := newRedisClient(mode, redisURL)
	if err != nil {
		return nil, err
	}
	redisLogOnce.Do(func() { redis.SetLogger(redisLogger{}) })
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err = rdb.Ping(pingCtx).Err()
	cancel()
	var reply redis.Error
	switch {
	case err == nil:
	case errors.As(err, &reply) && !strings.HasPrefix(reply.Error(), "LOADING"):
		_ = rdb.Close()
		return nil, fmt.Errorf("Redis (REDIS_URL=%s) answered with an error: %w", db.Redact(redisURL), err)
	default:
		log.Warn("Redis not reachable at start: serving degraded (presence reads UNAVAILABLE) until it answers",
			"redis", db.Redact(redisURL), "err", err)
	}
	return rdb, nil
}

// newRedisClient makes the one client the node uses for every Redis
// command, whatever REDIS_MODE says is behind REDIS_URL: one server, a
// Redis Cluster (go-redis follows MOVED/ASK and the cluster's topology,
// its pipelines split by slot), or the master Sentinel names (and follows
// through failovers).
func newRedisClient(mode, redisURL string) (redis.UniversalClient, error) {
	// While Redis is down, a refused dial fails at once: go-redis would
	// otherwise dial 5 times, 100 ms apart, for each of a command's 4
	// tries — some 1.75 s added to every request that touches Redis
	// (rate limits, presence) during an outage. The command's own retries
	// (with their backoff) remain for a connection lost mid-command.
	dialOnce := func(n *int) {
		if *n == 0 {
			*n = 1
		}
	}
	switch mode {
	case config.RedisCluster:
		o, err := redis.ParseClusterURL(redisURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL (cluster): %w", err)
		}
		dialOnce(&o.DialerRetries)
		cc := redis.NewClusterClient(o)
		cc.AddHook(clusterReload{cc})
		return cc, nil
	case config.RedisSentinel:
		o, err := redis.ParseFailoverURL(redisURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL (sentinel): %w", err)
		}
		dialOnce(&o.DialerRetries)
		return redis.NewFailoverClient(o), nil
	default:
		o, err := redis.ParseURL(redisURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		dialOnce(&o.DialerRetries)
		return redis.NewClient(o), nil
	}
}

// clusterReload reads the cluster's topology again as soon as a command
// fails on the network. go-redis follows MOVED by itself, but a master that
// died answers nothing: its pipelines would go on failing against it, with
// the topology it last read, until its periodic reload (a minute) — after
// its replica had long been promoted. The reload is go-redis's own
// (single-flight, 200 ms apart).
type clusterReload struct{ cc *redis.ClusterClient }

func (h clusterReload) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h clusterReload) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.check(err)
		return err
	}
}

func (h clusterReload) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(err)
		return err
	}
}

func (h clusterReload) check(err error) {
	var ne net.Error
	if err != nil && (errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		strings.HasPrefix(err.Error(), "CLUSTERDOWN")) {
		h.cc.ReloadState(context.Background())
	}
}

// redisLogOnce installs redisLogger as go-redis's (process-wide) logger.
var redisLogOnce sync.Once

// redisLogger sends go-redis's own messages (a failed dial of its pool,
// once per attempt during an outage) to slog at debug level instead of
// stderr: the outage itself is reported once, by readiness, presence and
// the rate limiter.
type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
