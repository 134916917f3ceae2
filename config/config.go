// Package config reads Rollcall's configuration from environment variables
// and validates it, so a bad value stops the process at start with a message
// that names the variable and what was expected.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the whole runtime configuration.
type Config struct {
	HTTPAddr       string
	DatabaseURL    string
	RedisURL       string
	MailURL        string
	PublicURL      *url.URL
	AllowedOrigins []string
	SignupEnabled  bool

	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Introspection enables GraphQL schema introspection.
	Introspection bool
	// Products is the catalogue of products organizations may enable,
	// as "key:Name" pairs.
	Products []Product
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout time.Duration
	// RequestTimeout is the deadline of an HTTP request to /query and of
	// each query or mutation on a websocket (not of subscriptions).
	RequestTimeout time.Duration
	// RedisPrefix namespaces every Redis key and channel, so several
	// deployments (or test runs) can share one Redis.
	RedisPrefix string
	// PresenceTTL is how long a device connection lives in Redis without a
	// heartbeat: a killed node's devices go OFFLINE within PresenceTTL plus
	// one sweep (1 s) plus PresenceOfflineGrace.
	PresenceTTL time.Duration
	// PresenceOfflineGrace is how long a person stays as they were after
	// their last device closed; OFFLINE follows within one sweep (1 s) after
	// it, and a reconnect within it is invisible.
	PresenceOfflineGrace time.Duration
	// RequestBodyTimeout bounds how long a request's body may take to
	// arrive (websockets are exempt once upgraded).
	RequestBodyTimeout time.Duration
	// MaxConnsPerIP caps the open connections of one client address
	// (TRUSTED_PROXIES peers are exempt); 0 turns the cap off.
	MaxConnsPerIP int

	// WSMaxOperations bounds the operations running at once on one
	// websocket (WS_MAX_OPERATIONS).
	WSMaxOperations int
	// WSMaxMessagesPerSecond bounds the messages a client sends on one
	// websocket, with a burst of twice as many (WS_MAX_MESSAGES_PER_SECOND).
	WSMaxMessagesPerSecond int
	// WSMaxSocketsPerSession bounds the websockets of one session on one
	// node (WS_MAX_SOCKETS_PER_SESSION).
	WSMaxSocketsPerSession int
	// WSSessionRecheck is the staleness bound of the session a websocket
	// operation runs on; sockets of ended sessions are swept every half of
	// it (WS_SESSION_RECHECK).
	WSSessionRecheck time.Duration
	// MetricsAddr, when set, is the listen address of /metrics, which is
	// then not served on HTTPAddr (so it need not be public).
	MetricsAddr string
	// MailRetention is how long a sent message's row is kept (its bodies,
	// which carry tokens, are emptied on delivery).
	MailRetention time.Duration

	// StartupTimeout bounds how long start-up waits for a MySQL server
	// that cannot be reached yet (retried with backoff), from 0 (one
	// attempt) to 1h (STARTUP_TIMEOUT). Redis is never waited for: a node
	// starts without it, degraded, and picks it up when it answers.
	StartupTimeout time.Duration
}

// Product is an entry of the product catalogue.
type Product struct{ Key, Name string }

// DefaultProducts is the catalogue used when PRODUCTS is not set.
const DefaultProducts = "inbox:Inbox,contacts:Contacts,campaigns:Campaigns,reports:Reports"

// Load reads the configuration through getenv (os.Getenv in production).
// Every problem found is reported, one per line.
func Load(getenv func(string) string) (*Config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	bad := func(name, value, expected string) {
		errs = append(errs, fmt.Errorf("%s=%q: expected %s", name, value, expected))
	}

	c := &Config{
		HTTPAddr:    env("HTTP_ADDR", ":8080"),
		DatabaseURL: env("DATABASE_URL", "sqlite:rollcall.db"),
		RedisURL:    env("REDIS_URL", ""),
		MailURL:     env("MAIL_URL", "file:mail"),
		LogLevel:    strings.ToLower(env("LOG_LEVEL", "info")),
		RedisPrefix: env("REDIS_PREFIX", "rollcall:"),
	}

	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || !validPort(port) {
		bad("HTTP_ADDR", c.HTTPAddr, "a listen address such as :8080 or 127.0.0.1:8080")
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "mysql://") {
		bad("DATABASE_URL", redact(c.DatabaseURL), "sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB")
	} else if strings.HasPrefix(c.DatabaseURL, "sqlite:") && strings.TrimPrefix(c.DatabaseURL, "sqlite:") == "" {
		bad("DATABASE_URL", c.DatabaseURL, "sqlite:PATH with a file path")
	} else if strings.HasPrefix(c.DatabaseURL, "mysql://") {
		if u, err := url.Parse(c.DatabaseURL); err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "" {
			bad("DATABASE_URL", redact(c.DatabaseURL), "mysql://USER:PASS@HOST:PORT/DB with a host and a database name")
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			bad("REDIS_URL", redact(c.RedisURL), "redis://[:PASS@]HOST:PORT/N or empty for in-process presence")
		}
	}
	if !strings.HasPrefix(c.MailURL, "file:") && !strings.HasPrefix(c.MailURL, "smtp://") && !strings.HasPrefix(c.MailURL, "smtps://") {
		bad("MAIL_URL", redact(c.MailURL), "file:DIR or smtp://USER:PASS@HOST:PORT")
	}

	public := env("PUBLIC_URL", "http://localhost:8080")
	if u, err := url.Parse(public); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("PUBLIC_URL", public, "an absolute http(s) URL such as https://app.example.com")
	} else {
		u.Path = strings.TrimRight(u.Path, "/")
		c.PublicURL = u
	}

	if origins := env("ALLOWED_ORIGINS", ""); origins != "" {
		for _, o := range strings.Split(origins, ",") {
			o = strings.TrimRight(strings.TrimSpace(o), "/")
			if o == "" {
				continue
			}
			if o == "*" {
				bad("ALLOWED_ORIGINS", origins, "explicit origins (scheme://host[:port]); * is not allowed because requests carry credentials")
				continue
			}
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				bad("ALLOWED_ORIGINS", o, "a comma-separated list of origins such as https://app.example.com")
				continue
			}
			c.AllowedOrigins = append(c.AllowedOrigins, strings.ToLower(u.Scheme+"://"+u.Host))
		}
	} else if c.PublicURL != nil {
		c.AllowedOrigins = []string{strings.ToLower(c.PublicURL.Scheme + "://" + c.PublicURL.Host)}
	}

	var err error
	if c.SignupEnabled, err = parseBool(env("SIGNUP_ENABLED", "true")); err != nil {
		bad("SIGNUP_ENABLED", getenv("SIGNUP_ENABLED"), "true or false")
	}
	if c.Introspection, err = parseBool(env("GRAPHQL_INTROSPECTION", "true")); err != nil {
		bad("GRAPHQL_INTROSPECTION", getenv("GRAPHQL_INTROSPECTION"), "true or false")
	}
	if tp := env("TRUSTED_PROXIES", ""); tp != "" {
		for _, p := range strings.Split(tp, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if !strings.Contains(p, "/") {
				if a, err := netip.ParseAddr(p); err == nil {
					c.TrustedProxies = append(c.TrustedProxies, netip.PrefixFrom(a, a.BitLen()))
					continue
				}
			}
			pr, err := netip.ParsePrefix(p)
			if err != nil {
				bad("TRUSTED_PROXIES", p, "a comma-separated list of IP addresses or CIDR ranges")
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, pr.Masked())
		}
	}
	for _, item := range strings.Split(env("PRODUCTS", DefaultProducts), ",") {
		key, name, ok := strings.Cut(strings.TrimSpace(item), ":")
		key, name = strings.TrimSpace(key), strings.TrimSpace(name)
		if !ok || key == "" || name == "" || strings.ContainsAny(key, " \t\"") {
			bad("PRODUCTS", item, "a comma-separated list of key:Name pairs such as inbox:Inbox")
			continue
		}
		c.Products = append(c.Products, Product{Key: key, Name: name})
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", c.LogLevel, "debug, info, warn or error")
	}
	if c.ShutdownTimeout, err = time.ParseDuration(env("SHUTDOWN_TIMEOUT", "20s")); err != nil || c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT", getenv("SHUTDOWN_TIMEOUT"), "a positive duration such as 20s")
	}
	if c.RequestTimeout, err = time.ParseDuration(env("REQUEST_TIMEOUT", "15s")); err != nil || c.RequestTimeout <= 0 {
		bad("REQUEST_TIMEOUT", getenv("REQUEST_TIMEOUT"), "a positive duration such as 15s")
	}
	if c.PresenceTTL, err = time.ParseDuration(env("PRESENCE_TTL", "30s")); err != nil || c.PresenceTTL < 3*time.Second {
		bad("PRESENCE_TTL", getenv("PRESENCE_TTL"), "a duration of at least 3s such as 30s")
	}
	if c.PresenceOfflineGrace, err = time.ParseDuration(env("PRESENCE_OFFLINE_GRACE", "5s")); err != nil || c.PresenceOfflineGrace <= 0 {
		bad("PRESENCE_OFFLINE_GRACE", getenv("PRESENCE_OFFLINE_GRACE"), "a positive duration such as 5s")
	}
	if c.RequestBodyTimeout, err = time.ParseDuration(env("REQUEST_BODY_TIMEOUT", "30s")); err != nil || c.RequestBodyTimeout <= 0 {
		bad("REQUEST_BODY_TIMEOUT", getenv("REQUEST_BODY_TIMEOUT"), "a positive duration such as 30s")
	}
	if c.MaxConnsPerIP, err = strconv.Atoi(env("MAX_CONNS_PER_IP", "256")); err != nil || c.MaxConnsPerIP < 0 {
		bad("MAX_CONNS_PER_IP", getenv("MAX_CONNS_PER_IP"), "a number of connections, 0 for no cap, such as 256")
	}
	positive := func(name, def string, max int) int {
		v := env(name, def)
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			bad(name, v, fmt.Sprintf("a whole number from 1 to %d", max))
		}
		return n
	}
	c.WSMaxOperations = positive("WS_MAX_OPERATIONS", "100", 10_000)
	c.WSMaxMessagesPerSecond = positive("WS_MAX_MESSAGES_PER_SECOND", "50", 10_000)
	c.WSMaxSocketsPerSession = positive("WS_MAX_SOCKETS_PER_SESSION", "20", 10_000)
	if c.WSSessionRecheck, err = time.ParseDuration(env("WS_SESSION_RECHECK", "10s")); err != nil || c.WSSessionRecheck < time.Second || c.WSSessionRecheck > 5*time.Minute {
		bad("WS_SESSION_RECHECK", getenv("WS_SESSION_RECHECK"), "a duration from 1s to 5m such as 10s")
	}
	if c.MetricsAddr = env("METRICS_ADDR", ""); c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || !validPort(port) {
			bad("METRICS_ADDR", c.MetricsAddr, "a listen address such as 127.0.0.1:9090, or empty to serve /metrics on HTTP_ADDR")
		} else if c.MetricsAddr == c.HTTPAddr && port != "0" {
			bad("METRICS_ADDR", c.MetricsAddr, "an address other than HTTP_ADDR")
		}
	}
	if c.MailRetention, err = parseDays(env("MAIL_RETENTION", "7d")); err != nil || c.MailRetention < time.Minute {
		bad("MAIL_RETENTION", getenv("MAIL_RETENTION"), "a duration of at least 1m such as 7d or 72h")
	}
	if strings.ContainsAny(c.RedisPrefix, " \t\n") {
		bad("REDIS_PREFIX", c.RedisPrefix, "a key prefix without white space such as rollcall:")
	}

	// Start-up.
	if c.StartupTimeout, err = time.ParseDuration(env("STARTUP_TIMEOUT", "60s")); err != nil || c.StartupTimeout < 0 || c.StartupTimeout > time.Hour {
		bad("STARTUP_TIMEOUT", getenv("STARTUP_TIMEOUT"), "a duration from 0s (one attempt) to 1h such as 60s")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

// parseDays is time.ParseDuration that also takes a whole number of days
// ("7d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100*365 {
			return 0, errors.New("not a number of days")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// redact hides the password of a URL in error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
