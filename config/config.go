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
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the whole runtime configuration.
type Config struct {
	HTTPAddr    string
	DatabaseURL string
	// DatabaseReplicaURLs are MySQL read replicas of DatabaseURL
	// (DATABASE_REPLICA_URLS, comma-separated): the directory pages,
	// searches and exports read from them.
	DatabaseReplicaURLs []string
	// DatabaseReadYourWrites is how long after a session wrote its routed
	// reads stay on the primary, so that replica lag never hides a person's
	// own change from them (DATABASE_READ_YOUR_WRITES, default 5s).
	DatabaseReadYourWrites time.Duration
	RedisURL               string
	// RedisMode says what REDIS_URL names: one server ("single"), a Redis
	// Cluster ("cluster": seed nodes, go-redis's cluster URL form) or a
	// master found through Sentinel ("sentinel": sentinel addresses and
	// master_name).
	RedisMode string
	MailURL   string
	// PublicURL is where people reach Rollcall: the base of the links in
	// emails (PUBLIC_URL, no trailing slash). It may name the console
	// (https://host/console), so that the links open its pages directly.
	PublicURL *url.URL
	// APIURL is the base of the URLs the API hands out for itself (the CSV
	// export): PublicURL without a last path segment "console", as the
	// console at /console is served beside the API.
	APIURL *url.URL
	// AllowedOrigins are the browser origins admitted by CORS and by the
	// websocket origin check: the origin of PublicURL, then those of
	// ALLOWED_ORIGINS, each as Origin serializes it.
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
	// WebhooksAllowPrivate lets webhook endpoints be http, or on loopback,
	// private, link-local and metadata addresses (WEBHOOKS_ALLOW_PRIVATE,
	// default false): for a development receiver, never in production.
	WebhooksAllowPrivate bool
	// WebhookRetention is how long finished webhook deliveries and their
	// attempts stay in the delivery log (WEBHOOK_RETENTION, default 30d).
	WebhookRetention time.Duration

	// GraphiQL serves the GraphiQL IDE at /graphiql (GRAPHIQL). Unset, it
	// follows Introspection: the IDE's documentation, completion and
	// validation come from introspection, so a deployment that hides its
	// schema gets no IDE unless it asks for one.
	GraphiQL bool
	// Console serves the web console at /console, and sends the links of
	// the emails at the root of PUBLIC_URL (/accept-invitation,
	// /reset-password, /confirm-email, /verify-email) on to its pages
	// (CONSOLE, default true).
	Console bool
	// Persisted queries and trusted documents, and the labels of metrics.

	// PersistedQueries is apq (automatic persisted queries, the default),
	// only (trusted documents: only the documents of the manifest run) or
	// off (PERSISTED_QUERIES).
	PersistedQueries string
	// PersistedQueriesManifest is the path of an Apollo persisted-query
	// manifest, checked at start; required by only
	// (PERSISTED_QUERIES_MANIFEST).
	PersistedQueriesManifest string
	// PersistedQueriesMaxEntries bounds the documents registered at run
	// time, in process and in Redis (PERSISTED_QUERIES_MAX_ENTRIES).
	PersistedQueriesMaxEntries int
	// PersistedQueriesMaxBytes bounds one document registered at run time;
	// a longer one is served but not kept (PERSISTED_QUERIES_MAX_BYTES).
	PersistedQueriesMaxBytes int
	// PersistedQueriesTTL is how long a registered document lives in Redis
	// after it was last used (PERSISTED_QUERIES_TTL).
	PersistedQueriesTTL time.Duration
	// GetCacheMaxAge is the max-age of a successful query answered over GET
	// to a request without Authorization (Cache-Control: public); 0 says
	// no-cache. Answers to requests with Authorization are private
	// (GET_CACHE_MAX_AGE).
	GetCacheMaxAge time.Duration
	// MetricsOperationNames are operation names labelled as themselves in
	// the metrics, beside the manifest's; any other is "other"
	// (METRICS_OPERATION_NAMES).
	MetricsOperationNames []string
	// TracingEnabled is true when OTEL_EXPORTER_OTLP_ENDPOINT or
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (and neither
	// OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none): spans are then
	// exported over OTLP HTTP/protobuf. The exporter, sampler, batching
	// and resource are configured by the SDK's own OTEL_* variables; Load
	// only refuses values the SDK would ignore or misread.
	TracingEnabled bool
	// StartupTimeout bounds how long start-up waits for a MySQL server
	// that cannot be reached yet (retried with backoff), from 0 (one
	// attempt) to 1h (STARTUP_TIMEOUT). Redis is never waited for: a node
	// starts without it, degraded, and picks it up when it answers.
	StartupTimeout time.Duration
	// Pprof serves Go's profiles (/debug/pprof/) beside /metrics on
	// MetricsAddr, which it requires: never on the public listener (PPROF).
	Pprof bool
}

// Product is an entry of the product catalogue.
type Product struct{ Key, Name string }

// DefaultProducts is the catalogue used when PRODUCTS is not set.
const DefaultProducts = "inbox:Inbox,contacts:Contacts,campaigns:Campaigns,reports:Reports"

// Load reads the configuration through getenv (os.Getenv in production).
// Every problem found is reported, one per line.
// The values of REDIS_MODE.
const (
	RedisSingle   = "single"
	RedisCluster  = "cluster"
	RedisSentinel = "sentinel"
)

// redisURLForms is the REDIS_URL each REDIS_MODE expects, for errors.
var redisURLForms = map[string]string{
	RedisSingle:   "redis://[:PASS@]HOST:PORT/N or empty for in-process presence",
	RedisCluster:  "redis://[:PASS@]HOST:PORT?addr=HOST2:PORT2&addr=HOST3:PORT3 (seed nodes of the cluster)",
	RedisSentinel: "redis://[:SENTINEL_PASS@]SENTINEL:PORT/N?master_name=NAME&addr=SENTINEL2:PORT&password=MASTER_PASS",
}

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
		RedisMode:   strings.ToLower(env("REDIS_MODE", RedisSingle)),
		MailURL:     env("MAIL_URL", "file:mail"),
		LogLevel:    strings.ToLower(env("LOG_LEVEL", "info")),
		RedisPrefix: env("REDIS_PREFIX", "rollcall:"),
	}

	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || !validPort(port) {
		bad("HTTP_ADDR", c.HTTPAddr, "a listen address such as :8080 or 127.0.0.1:8080")
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "mysql://") {
		bad("DATABASE_URL", Redact(c.DatabaseURL), "sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB")
	} else if strings.HasPrefix(c.DatabaseURL, "sqlite:") && strings.TrimPrefix(c.DatabaseURL, "sqlite:") == "" {
		bad("DATABASE_URL", c.DatabaseURL, "sqlite:PATH with a file path")
	} else if strings.HasPrefix(c.DatabaseURL, "mysql://") {
		if u, err := url.Parse(c.DatabaseURL); err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "" {
			bad("DATABASE_URL", Redact(c.DatabaseURL), "mysql://USER:PASS@HOST:PORT/DB with a host and a database name")
		}
	}
	c.DatabaseReplicaURLs = loadReplicaURLs(getenv("DATABASE_REPLICA_URLS"), c.DatabaseURL, bad)
	if d, err := time.ParseDuration(env("DATABASE_READ_YOUR_WRITES", "5s")); err != nil || d < 100*time.Millisecond || d > time.Hour {
		bad("DATABASE_READ_YOUR_WRITES", getenv("DATABASE_READ_YOUR_WRITES"), "a duration from 100ms to 1h such as 5s")
	} else {
		c.DatabaseReadYourWrites = d
	}
	switch c.RedisMode {
	case RedisSingle, RedisCluster, RedisSentinel:
	default:
		bad("REDIS_MODE", c.RedisMode, "single, cluster or sentinel")
	}
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		switch {
		case err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "":
			bad("REDIS_URL", Redact(c.RedisURL), redisURLForms[c.RedisMode])
		case c.RedisMode == RedisCluster && strings.Trim(u.Path, "/") != "" && strings.Trim(u.Path, "/") != "0":
			bad("REDIS_URL", Redact(c.RedisURL), "no database number with REDIS_MODE=cluster (a cluster has only database 0): "+redisURLForms[RedisCluster])
		case c.RedisMode == RedisSentinel && u.Query().Get("master_name") == "":
			bad("REDIS_URL", Redact(c.RedisURL), "a master_name with REDIS_MODE=sentinel: "+redisURLForms[RedisSentinel])
		}
	} else if c.RedisMode != RedisSingle {
		bad("REDIS_MODE", c.RedisMode, "single when REDIS_URL is empty (in-process presence)")
	}
	if !strings.HasPrefix(c.MailURL, "file:") && !strings.HasPrefix(c.MailURL, "smtp://") && !strings.HasPrefix(c.MailURL, "smtps://") {
		bad("MAIL_URL", Redact(c.MailURL), "file:DIR or smtp://USER:PASS@HOST:PORT")
	}

	public := env("PUBLIC_URL", "http://localhost:8080")
	if u, err := url.Parse(public); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("PUBLIC_URL", public, "an absolute http(s) URL such as https://app.example.com")
	} else {
		u.Path = strings.TrimRight(u.Path, "/")
		c.PublicURL = u
		api := *u
		api.Path, api.RawPath = strings.TrimSuffix(u.Path, "/console"), strings.TrimSuffix(u.RawPath, "/console")
		c.APIURL = &api
	}

	// The origin of PUBLIC_URL (the app itself) is always allowed;
	// ALLOWED_ORIGINS adds to it (a dev server on another port, a second
	// front end), it never replaces it.
	if c.PublicURL != nil {
		c.AllowedOrigins = []string{Origin(c.PublicURL)}
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
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
				u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Host, "*") {
				bad("ALLOWED_ORIGINS", o, "a comma-separated list of origins such as https://app.example.com")
				continue
			}
			if origin := Origin(u); !slices.Contains(c.AllowedOrigins, origin) {
				c.AllowedOrigins = append(c.AllowedOrigins, origin)
			}
		}
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
	if c.WebhooksAllowPrivate, err = parseBool(env("WEBHOOKS_ALLOW_PRIVATE", "false")); err != nil {
		bad("WEBHOOKS_ALLOW_PRIVATE", getenv("WEBHOOKS_ALLOW_PRIVATE"), "true or false")
	}
	if c.WebhookRetention, err = parseDays(env("WEBHOOK_RETENTION", "30d")); err != nil || c.WebhookRetention < 24*time.Hour {
		bad("WEBHOOK_RETENTION", getenv("WEBHOOK_RETENTION"), "a duration of at least 1d such as 30d")
	}

	// Persisted queries and trusted documents, and the labels of metrics.
	switch c.PersistedQueries = strings.ToLower(env("PERSISTED_QUERIES", "apq")); c.PersistedQueries {
	case "apq", "only", "off":
	default:
		bad("PERSISTED_QUERIES", c.PersistedQueries, "apq, only or off")
	}
	c.PersistedQueriesManifest = env("PERSISTED_QUERIES_MANIFEST", "")
	c.PersistedQueriesMaxEntries = positive("PERSISTED_QUERIES_MAX_ENTRIES", "1000", 1_000_000)
	maxBytes := env("PERSISTED_QUERIES_MAX_BYTES", "32768")
	if c.PersistedQueriesMaxBytes, err = strconv.Atoi(maxBytes); err != nil || c.PersistedQueriesMaxBytes < 1024 || c.PersistedQueriesMaxBytes > 1<<20 {
		bad("PERSISTED_QUERIES_MAX_BYTES", maxBytes, "a number of bytes from 1024 to 1048576 such as 32768")
	}
	if c.PersistedQueriesTTL, err = parseDays(env("PERSISTED_QUERIES_TTL", "24h")); err != nil || c.PersistedQueriesTTL < time.Minute || c.PersistedQueriesTTL > 30*24*time.Hour {
		bad("PERSISTED_QUERIES_TTL", getenv("PERSISTED_QUERIES_TTL"), "a duration from 1m to 30d such as 24h")
	}
	if c.GetCacheMaxAge, err = time.ParseDuration(env("GET_CACHE_MAX_AGE", "60s")); err != nil || c.GetCacheMaxAge < 0 || c.GetCacheMaxAge > 24*time.Hour {
		bad("GET_CACHE_MAX_AGE", getenv("GET_CACHE_MAX_AGE"), "a duration from 0s to 24h such as 60s")
	}
	if names := env("METRICS_OPERATION_NAMES", ""); names != "" {
		for _, n := range strings.Split(names, ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			if !isName(n) {
				bad("METRICS_OPERATION_NAMES", n, "a comma-separated list of GraphQL operation names (letters, digits and _, at most 64)")
				continue
			}
			c.MetricsOperationNames = append(c.MetricsOperationNames, n)
		}
		if len(c.MetricsOperationNames) > 1000 {
			bad("METRICS_OPERATION_NAMES", fmt.Sprintf("%d names", len(c.MetricsOperationNames)), "at most 1000 names")
		}
	}

	if strings.ContainsAny(c.RedisPrefix, " \t\n") {
		bad("REDIS_PREFIX", c.RedisPrefix, "a key prefix without white space such as rollcall:")
	}

	// GraphiQL: on unless introspection is off; an explicit value wins.
	graphiql := env("GRAPHIQL", strconv.FormatBool(c.Introspection))
	if c.GraphiQL, err = parseBool(graphiql); err != nil {
		bad("GRAPHIQL", graphiql, "true or false (default: the value of GRAPHQL_INTROSPECTION)")
	}
	if c.Console, err = parseBool(env("CONSOLE", "true")); err != nil {
		bad("CONSOLE", getenv("CONSOLE"), "true or false (default true)")
	}
	// Trusted documents need a list of them: the manifest, or at least the
	// console's own operations (a node serving only the console).
	if c.PersistedQueries == "only" && c.PersistedQueriesManifest == "" && !c.Console {
		bad("PERSISTED_QUERIES_MANIFEST", "", "the path of a persisted-query manifest when PERSISTED_QUERIES=only (without CONSOLE, whose operations are trusted on their own)")
	}

	c.TracingEnabled = loadTracing(env, bad)
	// Start-up.
	if c.StartupTimeout, err = time.ParseDuration(env("STARTUP_TIMEOUT", "60s")); err != nil || c.StartupTimeout < 0 || c.StartupTimeout > time.Hour {
		bad("STARTUP_TIMEOUT", getenv("STARTUP_TIMEOUT"), "a duration from 0s (one attempt) to 1h such as 60s")
	}
	if c.Pprof, err = parseBool(env("PPROF", "false")); err != nil {
		bad("PPROF", getenv("PPROF"), "true or false")
	} else if c.Pprof && c.MetricsAddr == "" {
		bad("PPROF", getenv("PPROF"), "false unless METRICS_ADDR is set: profiles are served on the metrics listener only")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// maxReplicas bounds DATABASE_REPLICA_URLS.
const maxReplicas = 16

// loadReplicaURLs reads DATABASE_REPLICA_URLS: mysql:// URLs as
// DATABASE_URL's, only beside a mysql:// DATABASE_URL.
func loadReplicaURLs(raw, primary string, bad func(name, value, expected string)) []string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	if !strings.HasPrefix(primary, "mysql://") {
		bad("DATABASE_REPLICA_URLS", redactList(raw), "empty unless DATABASE_URL is mysql://: read replicas are MySQL replicas of a MySQL primary")
		return nil
	}
	var urls []string
	for _, v := range strings.Split(raw, ",") {
		v = strings.TrimSpace(v)
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "mysql" || u.Host == "" || strings.Trim(u.Path, "/") == "" {
			bad("DATABASE_REPLICA_URLS", Redact(v), "comma-separated mysql://USER:PASS@HOST:PORT/DB URLs with a host and a database name")
			return nil
		}
		urls = append(urls, v)
	}
	if len(urls) > maxReplicas {
		bad("DATABASE_REPLICA_URLS", fmt.Sprintf("%d URLs", len(urls)), fmt.Sprintf("at most %d replicas", maxReplicas))
		return nil
	}
	return urls
}

// redactList is redact for each of comma-separated URLs.
func redactList(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		parts[i] = Redact(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// isName reports a GraphQL name of at most 64 characters.
func isName(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// loadTracing checks the OpenTelemetry variables Rollcall relies on and
// reports whether traces are exported. Header values (API keys) are never
// echoed.
func loadTracing(env func(name, def string) string, bad func(name, value, expected string)) bool {
	const maxLen = 4096
	endpoint := ""
	for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		v := env(name, "")
		if v == "" {
			continue
		}
		endpoint = v
		if u, err := url.Parse(v); err != nil || len(v) > maxLen || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			bad(name, Redact(v), "an http(s) URL of an OTLP/HTTP receiver such as http://otel-collector:4318, without credentials (use OTEL_EXPORTER_OTLP_HEADERS)")
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		if v := env(name, ""); v != "" && v != "http/protobuf" {
			bad(name, v, "http/protobuf (the only OTLP protocol this build exports)")
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		v := env(name, "")
		if v == "" {
			continue
		}
		ok := len(v) <= maxLen
		for _, kv := range strings.Split(v, ",") {
			k, _, found := strings.Cut(kv, "=")
			if k = strings.TrimSpace(k); !found || k == "" || strings.ContainsAny(k, " \t\r\n") {
				ok = false
			}
		}
		if !ok {
			bad(name, "(hidden)", "comma-separated key=value pairs of at most 4096 characters, such as authorization=Bearer%20abc")
		}
	}
	sampler := env("OTEL_TRACES_SAMPLER", "")
	switch sampler {
	case "", "always_on", "always_off", "parentbased_always_on", "parentbased_always_off":
	case "traceidratio", "parentbased_traceidratio":
		if arg := env("OTEL_TRACES_SAMPLER_ARG", ""); arg != "" {
			if r, err := strconv.ParseFloat(arg, 64); err != nil || r < 0 || r > 1 {
				bad("OTEL_TRACES_SAMPLER_ARG", arg, "a ratio from 0 to 1 such as 0.1")
			}
		}
	default:
		bad("OTEL_TRACES_SAMPLER", sampler, "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio")
	}
	exporter := env("OTEL_TRACES_EXPORTER", "otlp")
	if exporter != "otlp" && exporter != "none" {
		bad("OTEL_TRACES_EXPORTER", exporter, "otlp or none")
	}
	disabled, err := parseBool(env("OTEL_SDK_DISABLED", "false"))
	if err != nil {
		bad("OTEL_SDK_DISABLED", env("OTEL_SDK_DISABLED", ""), "true or false")
	}
	return endpoint != "" && exporter == "otlp" && !disabled
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

// Redact hides the passwords of a URL (its user info, and the password
// parameters of a sentinel URL) in messages and logs.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Unparsable, it may still carry credentials before an "@".
		if at := strings.LastIndex(raw, "@"); at >= 0 {
			if scheme, _, ok := strings.Cut(raw, "://"); ok {
				return scheme + "://xxxxx" + raw[at:]
			}
			return "xxxxx" + raw[at:]
		}
		return raw
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	// A sentinel URL carries the master's password in its query.
	if q := u.Query(); q.Has("password") || q.Has("sentinel_password") {
		for _, k := range []string{"password", "sentinel_password"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Origin is the origin of u as a browser serializes it in an Origin header:
// scheme://host[:port] in lower case, without the scheme's default port.
func Origin(u *url.URL) string {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return scheme + "://" + host
}
