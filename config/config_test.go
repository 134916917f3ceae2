package config

import (
	"slices"
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
