package config

import (
	"strings"
	"testing"
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
	if c.AllowedOrigins[0] != "https://app.example.com" || c.AllowedOrigins[1] != "http://localhost:5173" {
		t.Fatalf("origins %v", c.AllowedOrigins)
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
