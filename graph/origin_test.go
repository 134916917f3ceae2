package graph

import (
	"net/http/httptest"
	"testing"
)

func TestOriginChecker(t *testing.T) {
	check := originChecker([]string{"https://app.example.com", "http://localhost:5173"})
	cases := []struct {
		name, host, origin string
		want               bool
	}{
		{"NoOrigin", "api.example.com", "", true},
		{"Allowed", "api.example.com", "https://app.example.com", true},
		{"AllowedCase", "api.example.com", "HTTPS://APP.example.com", true},
		{"DevServer", "127.0.0.1:8080", "http://localhost:5173", true},
		{"SameOrigin", "127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"SameOriginTLSProxy", "api.example.com", "https://api.example.com", true},
		{"SameOriginCase", "API.example.com", "https://api.EXAMPLE.com", true},
		{"ErrForeign", "api.example.com", "https://evil.example.com", false},
		{"ErrOtherPort", "127.0.0.1:8080", "http://127.0.0.1:8081", false},
		{"ErrPortless", "127.0.0.1:8080", "http://127.0.0.1", false},
		{"ErrSuffix", "127.0.0.1:8080", "http://127.0.0.1:8080.evil.example", false},
		{"ErrNull", "api.example.com", "null", false},
		{"ErrFileScheme", "api.example.com", "file://api.example.com", false},
		{"ErrUserinfo", "api.example.com", "https://x@api.example.com", false},
		{"ErrPath", "api.example.com", "https://api.example.com/page", false},
		{"ErrGarbage", "api.example.com", "https://%zz", false},
		{"ErrEmptyHost", "", "http://", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/query", nil)
			r.Host = tc.host
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if got := check(r); got != tc.want {
				t.Fatalf("Origin %q on Host %q: %v, want %v", tc.origin, tc.host, got, tc.want)
			}
		})
	}
}
