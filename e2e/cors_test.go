package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/httpapi"
	"github.com/rollcall/rollcall/internal/testenv"
)

// Browsers on the app's own origin and on a listed dev server reach /query
// over HTTP (CORS) and websockets; every other origin, look-alikes
// included, is refused on both. ALLOWED_ORIGINS adds to PUBLIC_URL's
// origin, it does not replace it.
func TestBrowserOrigins(t *testing.T) {
	const app, dev = "http://localhost:8080", "http://localhost:5173"
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Env: map[string]string{
		"PUBLIC_URL": app + "/", "ALLOWED_ORIGINS": dev,
	}})

	preflight := func(t *testing.T, origin, headers string) http.Header {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, n.Server.URL+"/query", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		if headers != "" {
			req.Header.Set("Access-Control-Request-Headers", headers)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}
	post := func(t *testing.T, origin string) http.Header {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, n.Server.URL+"/query", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}

	// What the clients send: Apollo Client's client awareness and CSRF
	// header, browser tracing's W3C trace context, beside the token.
	sent := []string{
		"authorization", "content-type", "accept", "x-request-id",
		"traceparent", "tracestate",
		"apollographql-client-name", "apollographql-client-version", "apollo-require-preflight",
	}
	if len(sent) != len(httpapi.CORSAllowedHeaders) {
		t.Fatalf("the test lists %d headers, the server %d: keep them together", len(sent), len(httpapi.CORSAllowedHeaders))
	}
	// All of them at once, as a browser writes them: sorted, comma-separated.
	all := slices.Sorted(slices.Values(sent))
	for _, origin := range []string{app, dev} {
		for _, h := range append(sent, strings.Join(all, ",")) {
			t.Run("Preflight_"+origin+"_"+h, func(t *testing.T) {
				got := preflight(t, origin, h)
				if got.Get("Access-Control-Allow-Origin") != origin || got.Get("Access-Control-Allow-Credentials") != "true" {
					t.Fatalf("origin %s asking for %q refused: %v", origin, h, got)
				}
				if !strings.EqualFold(got.Get("Access-Control-Allow-Headers"), h) {
					t.Errorf("allowed headers %q, want %q", got.Get("Access-Control-Allow-Headers"), h)
				}
				if got.Get("Access-Control-Max-Age") != "7200" {
					t.Errorf("max-age %q, want 7200", got.Get("Access-Control-Max-Age"))
				}
			})
		}
		t.Run("Request_"+origin, func(t *testing.T) {
			if got := post(t, origin).Get("Access-Control-Allow-Origin"); got != origin {
				t.Fatalf("allow-origin %q, want %s", got, origin)
			}
		})
		t.Run("Websocket_"+origin, func(t *testing.T) {
			ws, resp, err := dialWS(t, n, "graphql-transport-ws", origin)
			if err != nil {
				t.Fatalf("origin %s refused on the websocket: %v %v", origin, err, resp)
			}
			ws.conn.Close()
		})
	}

	t.Run("ErrUnlistedHeader", func(t *testing.T) {
		for _, h := range []string{"x-evil", "content-type,x-evil", "cookie"} {
			if got := preflight(t, dev, h); got.Get("Access-Control-Allow-Origin") != "" || got.Get("Access-Control-Allow-Headers") != "" {
				t.Errorf("a preflight asking for %q must be refused: %v", h, got)
			}
		}
	})

	refused := []string{
		"https://evil.example.com",
		"null",                           // sandboxed iframes, file: pages
		"http://localhost:8080.evil.com", // look-alike of the app
		"http://localhost:5173.evil.com", // look-alike of the dev server
		"http://evil.com/http://localhost:8080",
		"http://localhost:8081",  // another port
		"https://localhost:8080", // another scheme
		"http://localhost",       // no port
		"http://localhost:8080/", // not an origin as browsers send it
		"http://user@localhost:8080",
		"http://127.0.0.1:8080",
	}
	for _, origin := range refused {
		t.Run("Err_"+origin, func(t *testing.T) {
			if got := preflight(t, origin, "content-type"); got.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("preflight from %s allowed: %v", origin, got)
			}
			if got := post(t, origin); got.Get("Access-Control-Allow-Origin") != "" || got.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("request from %s allowed: %v", origin, got)
			}
			ws, resp, err := dialWS(t, n, "graphql-transport-ws", origin)
			if err == nil {
				ws.conn.Close()
				t.Fatalf("origin %s accepted on the websocket", origin)
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("origin %s: want 403 on the websocket, got %v %v", origin, err, resp)
			}
		})
	}
	if slices.Contains(refused, app) || slices.Contains(refused, dev) {
		t.Fatal("the refused list holds an allowed origin")
	}
}
