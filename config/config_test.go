package config

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.DatabaseURL != "sqlite:rollcall.db" || c.RedisURL != "" || !c.SignupEnabled {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.PublicURL.String() != "http://localhost:8080" {
		t.Fatalf("public url %s", c.PublicURL)
	}
	if len(c.AllowedOrigins) != 1 || c.AllowedOrigins[0] != "http://localhost:8080" {
		t.Fatalf("allowed origins default to the public URL's origin, got %v", c.AllowedOrigins)
	}
	if len(c.Products) == 0 {
		t.Fatal("default product catalogue is empty")
	}
}

func TestLoadRejects(t *testing.T) {
	cases := map[string]map[string]string{
		"HTTP_ADDR":                  {"HTTP_ADDR": "eighty"},
		"DATABASE_URL":               {"DATABASE_URL": "postgres://x"},
		"REDIS_URL":                  {"REDIS_URL": "tcp://127.0.0.1"},
		"REDIS_MODE":                 {"REDIS_MODE": "ring"},
		"MAIL_URL":                   {"MAIL_URL": "carrier-pigeon"},
		"PUBLIC_URL":                 {"PUBLIC_URL": "localhost"},
		"ALLOWED_ORIGINS":            {"ALLOWED_ORIGINS": "*"},
		"SIGNUP_ENABLED":             {"SIGNUP_ENABLED": "maybe"},
		"TRUSTED_PROXIES":            {"TRUSTED_PROXIES": "10.0.0.0/33"},
		"PRODUCTS":                   {"PRODUCTS": "inbox"},
		"SHUTDOWN_TIMEOUT":           {"SHUTDOWN_TIMEOUT": "-1s"},
		"PRESENCE_TTL":               {"PRESENCE_TTL": "1s"},
		"PRESENCE_OFFLINE_GRACE":     {"PRESENCE_OFFLINE_GRACE": "soon"},
		"REDIS_PREFIX":               {"REDIS_PREFIX": "a b"},
		"WS_MAX_OPERATIONS":          {"WS_MAX_OPERATIONS": "0"},
		"WS_MAX_MESSAGES_PER_SECOND": {"WS_MAX_MESSAGES_PER_SECOND": "lots"},
		"WS_MAX_SOCKETS_PER_SESSION": {"WS_MAX_SOCKETS_PER_SESSION": "-1"},
		"WS_SESSION_RECHECK":         {"WS_SESSION_RECHECK": "100ms"},
		"REQUEST_TIMEOUT":            {"REQUEST_TIMEOUT": "soon"},
		"REQUEST_BODY_TIMEOUT":       {"REQUEST_BODY_TIMEOUT": "0s"},
		"MAX_CONNS_PER_IP":           {"MAX_CONNS_PER_IP": "-1"},
		"GRAPHIQL":                   {"GRAPHIQL": "sometimes"},
		"CONSOLE":                    {"CONSOLE": "maybe"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(envOf(env))
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("want an error naming %s, got %v", name, err)
			}
		})
	}
}

// Each REDIS_MODE checks its own form of REDIS_URL, and a mode other than
// single needs a URL; a master's password in a sentinel URL's query is not
// echoed in the error.
func TestRedisModeURLs(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"REDIS_MODE": "cluster"}, "REDIS_MODE"},
		{map[string]string{"REDIS_MODE": "cluster", "REDIS_URL": "redis://h:7000/3"}, "cluster has only database 0"},
		{map[string]string{"REDIS_MODE": "sentinel", "REDIS_URL": "redis://h:26379/0?addr=h2:26379&password=hunter2"}, "master_name"},
	} {
		_, err := Load(envOf(c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%v: want an error with %q and no password, got %v", c.env, c.want, err)
		}
	}
	for _, env := range []map[string]string{
		{"REDIS_URL": "redis://127.0.0.1:6379/0"},
		{"REDIS_MODE": "Cluster", "REDIS_URL": "redis://:pw@10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000"},
		{"REDIS_MODE": "sentinel", "REDIS_URL": "rediss://s1:26379/0?master_name=rollcall&addr=s2:26379&password=pw"},
	} {
		c, err := Load(envOf(env))
		if err != nil {
			t.Errorf("%v: %v", env, err)
			continue
		}
		if want := strings.ToLower(cmp.Or(env["REDIS_MODE"], "single")); c.RedisMode != want {
			t.Errorf("%v: mode %q, want %q", env, c.RedisMode, want)
		}
	}
}

func TestRedactHidesPassword(t *testing.T) {
	_, err := Load(envOf(map[string]string{"DATABASE_URL": "mysql://u:secret@h:3306"}))
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error must not contain the password: %v", err)
	}
}

func TestTrustedProxiesAndOrigins(t *testing.T) {
	c, err := Load(envOf(map[string]string{
		"TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
		"ALLOWED_ORIGINS": "https://App.example.com, http://localhost:5173/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].Bits() != 32 {
		t.Fatalf("proxies %v", c.TrustedProxies)
	}
	if want := []string{"http://localhost:8080", "https://app.example.com", "http://localhost:5173"}; !slices.Equal(c.AllowedOrigins, want) {
		t.Fatalf("origins %v, want %v (PUBLIC_URL's origin first)", c.AllowedOrigins, want)
	}
}

// ALLOWED_ORIGINS adds to the origin of PUBLIC_URL instead of replacing it,
// each origin written as a browser sends it (lower case, no default port),
// once.
func TestAllowedOriginsAddToPublicURL(t *testing.T) {
	c, err := Load(envOf(map[string]string{
		"PUBLIC_URL":      "https://App.example.com:443/app/",
		"ALLOWED_ORIGINS": "http://localhost:5173,https://app.example.com,http://LOCALHOST:5173/, http://dev.example.com:80",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://app.example.com", "http://localhost:5173", "http://dev.example.com"}; !slices.Equal(c.AllowedOrigins, want) {
		t.Fatalf("origins %v, want %v", c.AllowedOrigins, want)
	}
	for _, bad := range []string{
		"null", "http://localhost:5173/path", "http://user@localhost:5173", "http://localhost:5173?x=1",
		"http://*.example.com", "ftp://example.com", "localhost:5173", "http://localhost:5173#x",
	} {
		if _, err := Load(envOf(map[string]string{"ALLOWED_ORIGINS": bad})); err == nil || !strings.Contains(err.Error(), "ALLOWED_ORIGINS") {
			t.Errorf("ALLOWED_ORIGINS=%q: want an error naming it, got %v", bad, err)
		}
	}
}

func TestWebsocketLimitDefaults(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.WSMaxOperations != 100 || c.WSMaxMessagesPerSecond != 50 || c.WSMaxSocketsPerSession != 20 || c.WSSessionRecheck.Seconds() != 10 {
		t.Fatalf("websocket limits: %d ops, %d msg/s, %d sockets, recheck %v",
			c.WSMaxOperations, c.WSMaxMessagesPerSecond, c.WSMaxSocketsPerSession, c.WSSessionRecheck)
	}
}

func TestGraphiQLSetting(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"DefaultOn", nil, true},
		{"FollowsIntrospectionOff", map[string]string{"GRAPHQL_INTROSPECTION": "false"}, false},
		{"Off", map[string]string{"GRAPHIQL": "false"}, false},
		{"OffWithIntrospection", map[string]string{"GRAPHIQL": "0", "GRAPHQL_INTROSPECTION": "true"}, false},
		{"ExplicitOnWithoutIntrospection", map[string]string{"GRAPHIQL": "true", "GRAPHQL_INTROSPECTION": "false"}, true},
		{"Spaces", map[string]string{"GRAPHIQL": "  off "}, false},
		{"Empty", map[string]string{"GRAPHIQL": "   "}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.GraphiQL != tc.want {
				t.Fatalf("GraphiQL = %v, want %v", c.GraphiQL, tc.want)
			}
		})
	}
	for _, v := range []string{"enabled", "2", "true;false", strings.Repeat("t", 10_000)} {
		_, err := Load(envOf(map[string]string{"GRAPHIQL": v}))
		if err == nil || !strings.Contains(err.Error(), "GRAPHIQL") {
			t.Fatalf("GRAPHIQL=%.20q: want an error naming GRAPHIQL, got %v", v, err)
		}
	}
}

func TestConsoleSetting(t *testing.T) {
	for env, want := range map[string]bool{"": true, "   ": true, "true": true, "ON": true, "false": false, " 0 ": false, "no": false} {
		c, err := Load(envOf(map[string]string{"CONSOLE": env}))
		if err != nil {
			t.Fatalf("CONSOLE=%q: %v", env, err)
		}
		if c.Console != want {
			t.Errorf("CONSOLE=%q: Console = %v, want %v", env, c.Console, want)
		}
	}
	// The console does not follow introspection, as GraphiQL does.
	if c, err := Load(envOf(map[string]string{"GRAPHQL_INTROSPECTION": "false"})); err != nil || !c.Console {
		t.Fatalf("without introspection: %v", err)
	}
	for _, v := range []string{"enabled", "2", strings.Repeat("t", 10_000)} {
		_, err := Load(envOf(map[string]string{"CONSOLE": v}))
		if err == nil || !strings.Contains(err.Error(), "CONSOLE") {
			t.Fatalf("CONSOLE=%.20q: want an error naming CONSOLE, got %v", v, err)
		}
	}
}

// A PUBLIC_URL may name the console, so that the emails' links open its
// pages; the URLs of the API's own (the CSV export) are built without it.
func TestAPIURL(t *testing.T) {
	for public, want := range map[string][2]string{
		"":                                {"http://localhost:8080", "http://localhost:8080"},
		"https://app.example.com/":        {"https://app.example.com", "https://app.example.com"},
		"https://app.example.com/console": {"https://app.example.com/console", "https://app.example.com"},
		"http://h:8080/console/":          {"http://h:8080/console", "http://h:8080"},
		"https://h/app/console":           {"https://h/app/console", "https://h/app"},
		"https://h/app":                   {"https://h/app", "https://h/app"},
		"https://h/myconsole":             {"https://h/myconsole", "https://h/myconsole"},
		"https://h/console/app":           {"https://h/console/app", "https://h/console/app"},
		"https://h/console/console":       {"https://h/console/console", "https://h/console"},
	} {
		c, err := Load(envOf(map[string]string{"PUBLIC_URL": public}))
		if err != nil {
			t.Fatalf("PUBLIC_URL=%q: %v", public, err)
		}
		if c.PublicURL.String() != want[0] || c.APIURL.String() != want[1] {
			t.Errorf("PUBLIC_URL=%q: PublicURL %s, APIURL %s; want %s and %s", public, c.PublicURL, c.APIURL, want[0], want[1])
		}
	}
}

func TestPersistedQueriesAndMetricsSettings(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.PersistedQueries != "apq" || c.PersistedQueriesManifest != "" || c.PersistedQueriesMaxEntries != 1000 ||
		c.PersistedQueriesMaxBytes != 32768 || c.PersistedQueriesTTL != 24*time.Hour || c.GetCacheMaxAge != time.Minute ||
		c.MetricsOperationNames != nil {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = Load(envOf(map[string]string{
		"PERSISTED_QUERIES": "ONLY", "PERSISTED_QUERIES_MANIFEST": "/etc/rollcall/manifest.json",
		"PERSISTED_QUERIES_MAX_ENTRIES": "50", "PERSISTED_QUERIES_MAX_BYTES": "1024", "PERSISTED_QUERIES_TTL": "7d",
		"GET_CACHE_MAX_AGE": "0s", "METRICS_OPERATION_NAMES": " Me, TeamPage ,,_x1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.PersistedQueries != "only" || c.PersistedQueriesMaxEntries != 50 || c.PersistedQueriesMaxBytes != 1024 ||
		c.PersistedQueriesTTL != 7*24*time.Hour || c.GetCacheMaxAge != 0 || strings.Join(c.MetricsOperationNames, "|") != "Me|TeamPage|_x1" {
		t.Fatalf("parsed: %+v", c)
	}

	// Without a manifest, the console's own operations are the trusted list.
	if c, err := Load(envOf(map[string]string{"PERSISTED_QUERIES": "only"})); err != nil || !c.Console || c.PersistedQueriesManifest != "" {
		t.Fatalf("only with the console and no manifest: %v %+v", err, c)
	}

	many := strings.Repeat("Op,", 1001)
	for name, env := range map[string]map[string]string{
		"PERSISTED_QUERIES":             {"PERSISTED_QUERIES": "sometimes"},
		"PERSISTED_QUERIES_MANIFEST":    {"PERSISTED_QUERIES": "only", "CONSOLE": "false"},
		"PERSISTED_QUERIES_MAX_ENTRIES": {"PERSISTED_QUERIES_MAX_ENTRIES": "10000000"},
		"PERSISTED_QUERIES_MAX_BYTES":   {"PERSISTED_QUERIES_MAX_BYTES": "2000000"},
		"PERSISTED_QUERIES_TTL":         {"PERSISTED_QUERIES_TTL": "365d"},
		"GET_CACHE_MAX_AGE":             {"GET_CACHE_MAX_AGE": "-1s"},
		"METRICS_OPERATION_NAMES":       {"METRICS_OPERATION_NAMES": "Me,has space"},
		"METRICS_OPERATION_NAMES count": {"METRICS_OPERATION_NAMES": many},
		"METRICS_OPERATION_NAMES long":  {"METRICS_OPERATION_NAMES": strings.Repeat("a", 65)},
	} {
		t.Run(name, func(t *testing.T) {
			want := strings.Fields(name)[0]
			if _, err := Load(envOf(env)); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("want an error naming %s, got %v", want, err)
			}
		})
	}
}

func TestTracingOnlyWithAnEndpoint(t *testing.T) {
	// Without an OTLP endpoint nothing is exported, whatever else of the
	// SDK's variables is set.
	c, err := Load(envOf(map[string]string{"OTEL_SERVICE_NAME": "rollcall-eu", "OTEL_TRACES_SAMPLER": "always_on",
		"OTEL_EXPORTER_OTLP_HEADERS": "api-key=secret"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.TracingEnabled {
		t.Fatal("tracing on without OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	for _, env := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector.example.com/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
			"OTEL_EXPORTER_OTLP_HEADERS": "api-key=secret, x-team = rollcall", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"},
	} {
		c, err := Load(envOf(env))
		if err != nil {
			t.Fatal(err)
		}
		if !c.TracingEnabled {
			t.Fatalf("tracing off with %v", env)
		}
	}
	for _, off := range []map[string]string{{"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}} {
		off["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318"
		c, err := Load(envOf(off))
		if err != nil {
			t.Fatal(err)
		}
		if c.TracingEnabled {
			t.Fatalf("tracing on with %v", off)
		}
	}
}

func TestTracingRejects(t *testing.T) {
	cases := map[string]map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":        {"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://collector/v1/traces"},
		"OTEL_EXPORTER_OTLP_PROTOCOL":        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
		"OTEL_EXPORTER_OTLP_HEADERS":         {"OTEL_EXPORTER_OTLP_HEADERS": "no pair here"},
		"OTEL_TRACES_SAMPLER":                {"OTEL_TRACES_SAMPLER": "sometimes"},
		"OTEL_TRACES_SAMPLER_ARG":            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
		"OTEL_TRACES_EXPORTER":               {"OTEL_TRACES_EXPORTER": "zipkin"},
		"OTEL_SDK_DISABLED":                  {"OTEL_SDK_DISABLED": "perhaps"},
	}
	for name, env := range cases {
		_, err := Load(envOf(env))
		if err == nil || !strings.Contains(err.Error(), name+"=") {
			t.Errorf("%s: expected an error naming it, got %v", name, err)
		}
	}
	// Abuse: credentials in the endpoint and an oversized or malformed
	// header list are refused without echoing the secret.
	_, err := Load(envOf(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:hunter2@collector:4318"}))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("endpoint with a password: %v", err)
	}
	_, err = Load(envOf(map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=hunter2," + strings.Repeat("k=v,", 2000)}))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("oversized headers: %v", err)
	}
	_, err = Load(envOf(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/" + strings.Repeat("a", 5000)}))
	if err == nil {
		t.Fatal("oversized endpoint accepted")
	}
}

func TestDatabaseReplicas(t *testing.T) {
	c, err := Load(envOf(map[string]string{
		"DATABASE_URL":              "mysql://app:pw@primary:3306/rollcall",
		"DATABASE_REPLICA_URLS":     "mysql://app:pw@replica1:3306/rollcall, mysql://app:pw@replica2/rollcall",
		"DATABASE_READ_YOUR_WRITES": "2s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.DatabaseReplicaURLs, []string{"mysql://app:pw@replica1:3306/rollcall", "mysql://app:pw@replica2/rollcall"}) ||
		c.DatabaseReadYourWrites != 2*time.Second {
		t.Fatalf("replicas %q, read-your-writes %s", c.DatabaseReplicaURLs, c.DatabaseReadYourWrites)
	}
	if c, err = Load(envOf(nil)); err != nil || c.DatabaseReplicaURLs != nil || c.DatabaseReadYourWrites != 5*time.Second {
		t.Fatalf("defaults: %v %+v", err, c)
	}

	mysql := "mysql://app:pw@primary:3306/rollcall"
	for name, env := range map[string]map[string]string{
		"sqlite primary":    {"DATABASE_REPLICA_URLS": "mysql://app:s3cr3t@replica:3306/rollcall"},
		"other scheme":      {"DATABASE_URL": mysql, "DATABASE_REPLICA_URLS": "postgres://app:s3cr3t@replica/rollcall"},
		"no database":       {"DATABASE_URL": mysql, "DATABASE_REPLICA_URLS": "mysql://app:s3cr3t@replica:3306"},
		"no host":           {"DATABASE_URL": mysql, "DATABASE_REPLICA_URLS": "mysql:///rollcall"},
		"empty in the list": {"DATABASE_URL": mysql, "DATABASE_REPLICA_URLS": "mysql://app:s3cr3t@replica/rollcall,,"},
		"unparsable":        {"DATABASE_URL": mysql, "DATABASE_REPLICA_URLS": "mysql://app:s3cr3t@replica:port/rollcall"},
		"too many":          {"DATABASE_URL": mysql, "DATABASE_REPLICA_URLS": strings.Repeat("mysql://app:s3cr3t@replica/rollcall,", 17) + "mysql://r/x"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(envOf(env))
			if err == nil || !strings.Contains(err.Error(), "DATABASE_REPLICA_URLS") {
				t.Fatalf("want an error naming DATABASE_REPLICA_URLS, got %v", err)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("the error shows a password: %v", err)
			}
		})
	}
	for _, v := range []string{"0s", "50ms", "2h", "soon"} {
		if _, err := Load(envOf(map[string]string{"DATABASE_READ_YOUR_WRITES": v})); err == nil || !strings.Contains(err.Error(), "DATABASE_READ_YOUR_WRITES") {
			t.Fatalf("DATABASE_READ_YOUR_WRITES=%s: want an error, got %v", v, err)
		}
	}
}
