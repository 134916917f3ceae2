// Package testenv gives every test its own store and Redis key space, and a
// running Rollcall node to talk to over real HTTP.
//
// SQLite always runs. MariaDB/MySQL runs when TEST_MYSQL_DSN is set
// (mysql://USER:PASS@HOST:PORT/, a fresh database is created per test and
// dropped after), Redis when TEST_REDIS_URL is set (a unique key prefix per
// test, deleted after). With CI set, a missing variable fails the test
// instead of skipping the backend.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the MySQL driver for creating test databases
	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/db"
)

// Store names a store to run a test against.
type Store struct {
	Name string // "sqlite" or "mysql"
	URL  string // a DATABASE_URL
}

// Stores returns the stores every store-dependent test runs on: a fresh
// SQLite file (migrated already), and a fresh MariaDB database when
// TEST_MYSQL_DSN is set (the node migrates it).
func Stores(t testing.TB) []Store {
	t.Helper()
	stores := []Store{{Name: "sqlite", URL: "sqlite:" + SQLitePath(t)}}
	if u := MySQL(t); u != "" {
		stores = append(stores, Store{Name: "mysql", URL: u})
	}
	return stores
}

// sqliteTemplate is a migrated, empty SQLite database, made once per test
// binary: migrating takes about 0.4 s under -race (the engine is Go code),
// writing a copy a few milliseconds.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "rollcall-sqlite-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "rollcall.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := db.Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		return nil, err
	}
	if err := d.Close(); err != nil {
		return nil, err
	}
	// The last connection's close checkpoints the write-ahead log into the
	// file and removes it: the file alone is the database.
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, fmt.Errorf("the template's write-ahead log outlived its close")
	}
	return os.ReadFile(path)
})

// SQLitePath returns the path of a new SQLite database for the test, in
// its temporary directory, already migrated to the latest version.
func SQLitePath(t testing.TB) string {
	t.Helper()
	template, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("migrate the SQLite template: %v", err)
	}
	path := filepath.Join(t.TempDir(), "rollcall.db")
	if err := os.WriteFile(path, template, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// RequireCI fails the test when CI is set and the variable is missing.
func requireInCI(t testing.TB, name string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set: under CI the integration tests must run against a real server", name)
	}
}

// MySQL creates a fresh database and returns its DATABASE_URL, or "" when
// TEST_MYSQL_DSN is not set (outside CI).
func MySQL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_MYSQL_DSN")
	if base == "" {
		requireInCI(t, "TEST_MYSQL_DSN")
		return ""
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_MYSQL_DSN: %v", err)
	}
	name := "rollcall_test_" + randomHex(6)
	u.Path = "/"
	dsn, err := db.MySQLDSN(u.String() + "mysql")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		_ = admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		_ = admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// Redis returns TEST_REDIS_URL and a unique key prefix whose keys are
// deleted after the test, or "" when TEST_REDIS_URL is not set (outside CI).
func Redis(t testing.TB) (redisURL, prefix string) {
	t.Helper()
	redisURL = os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		requireInCI(t, "TEST_REDIS_URL")
		return "", ""
	}
	prefix = NewRedisPrefix()
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	t.Cleanup(func() {
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// The rate limiter's library puts its own "rate:" before every key
		// (go-redis/redis_rate), so its keys are rate:{prefix}…
		for _, pattern := range RedisKeyPatterns(prefix) {
			if err := DeleteMatching(ctx, rdb, pattern); err != nil {
				t.Logf("delete test keys %s: %v", pattern, err)
			}
		}
	})
	return redisURL, prefix
}

// RedisKeyPatterns are the SCAN patterns of every key a node with
// REDIS_PREFIX=prefix writes: its own keys, and the rate limiter's.
func RedisKeyPatterns(prefix string) []string {
	return []string{prefix + "*", "rate:" + prefix + "*"}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Each runs fn as a subtest on every store.
func Each(t *testing.T, fn func(t *testing.T, store Store)) {
	t.Helper()
	for _, s := range Stores(t) {
		t.Run(s.Name, func(t *testing.T) { fn(t, s) })
	}
}

// Env builds an environment lookup for config.Load from overrides.
func Env(over map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := over[k]; ok {
			return v
		}
		return ""
	}
}

// Q joins GraphQL lines; a tiny helper for readable test queries.
func Q(lines ...string) string { return strings.Join(lines, "\n") }

// OpenSQL opens a plain database/sql handle on store, closed when the test
// ends, for what no API shows (outbox rows, migrations' backfills) and for
// faults a test makes itself (a writer holding a lock).
func OpenSQL(t testing.TB, store Store) *sql.DB {
	t.Helper()
	var conn *sql.DB
	var err error
	if store.Name == "sqlite" {
		conn, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(store.URL, "sqlite:")+"?_pragma=busy_timeout(10000)")
	} else {
		var dsn string
		if dsn, err = db.MySQLDSN(store.URL); err == nil {
			conn, err = sql.Open("mysql", dsn)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
