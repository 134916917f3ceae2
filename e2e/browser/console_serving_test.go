package browser

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// The web console at /console (web/console): served from the binary unless
// CONSOLE=false, with the links of the emails leading to its pages.

// consoleIndex is the page the console serves for each of its routes.
func consoleIndex(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "console", "dist", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// consoleGet requests path from n without following redirects.
func consoleGet(t *testing.T, n *testenv.Node, method, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, n.Server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// followLink fetches a link of an email (its path and query, on n) as a
// browser would, following redirects, and returns where it ended.
func followLink(t *testing.T, n *testenv.Node, link string) (*http.Response, string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(n.Server.URL + u.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestConsoleSettings(t *testing.T) {
	// The store plays no part: SQLite only.
	store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
	index := consoleIndex(t)
	script := regexp.MustCompile(`src="(/console/assets/[^"]+\.js)"`).FindStringSubmatch(index)
	if script == nil {
		t.Fatalf("dist/index.html loads no script from /console/assets/:\n%s", index)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		on   bool
	}{
		{"Default", nil, true},
		{"Off", map[string]string{"CONSOLE": "false"}, false},
		// Not tied to introspection, as GraphiQL is.
		{"WithoutIntrospection", map[string]string{"GRAPHQL_INTROSPECTION": "false"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := testenv.StartNode(t, store, testenv.NodeOptions{Env: tc.env})
			host := strings.TrimPrefix(n.Server.URL, "http://")
			paths := []string{"/console", "/console/", "/console/accounts/QWNjb3VudDox/members", script[1], "/accept-invitation?token=x"}
			if !tc.on {
				for _, p := range paths {
					if resp, _ := consoleGet(t, n, http.MethodGet, p); resp.StatusCode != http.StatusNotFound {
						t.Errorf("GET %s with the console off: %d, want 404", p, resp.StatusCode)
					}
				}
			} else {
				for _, p := range []string{"/console/", "/console/accounts/QWNjb3VudDox/members", "/console/reset-password?token=x"} {
					resp, body := consoleGet(t, n, http.MethodGet, p)
					csp := resp.Header.Get("Content-Security-Policy")
					if resp.StatusCode != http.StatusOK || body != index || resp.Header.Get("Cache-Control") != "no-store" {
						t.Errorf("GET %s: %d, Cache-Control %q, %.80q", p, resp.StatusCode, resp.Header.Get("Cache-Control"), body)
					}
					if !strings.Contains(csp, "connect-src 'self' ws://"+host+" wss://"+host+";") || !strings.Contains(csp, "script-src 'self';") ||
						strings.Contains(csp, "unsafe") || resp.Header.Get("X-Frame-Options") != "DENY" {
						t.Errorf("GET %s: CSP %q, headers %v", p, csp, resp.Header)
					}
				}
				resp, _ := consoleGet(t, n, http.MethodGet, script[1])
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
					!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
					t.Errorf("GET %s: %d %v", script[1], resp.StatusCode, resp.Header)
				}
				for from, to := range map[string]string{"/console": "console/", "/accept-invitation?token=x": "console/accept-invitation?token=x"} {
					resp, _ := consoleGet(t, n, http.MethodGet, from)
					if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != to {
						t.Errorf("GET %s: %d to %q, want a redirect to %q", from, resp.StatusCode, resp.Header.Get("Location"), to)
					}
				}
				for _, p := range []string{"/console/assets/index-0ld.js", "/console/favicon.ico"} {
					if resp, body := consoleGet(t, n, http.MethodGet, p); resp.StatusCode != http.StatusNotFound || body == index {
						t.Errorf("GET %s: %d", p, resp.StatusCode)
					}
				}
				if resp, body := consoleGet(t, n, http.MethodHead, "/console/members"); resp.StatusCode != http.StatusOK || body != "" {
					t.Errorf("HEAD: %d %q", resp.StatusCode, body)
				}
				if resp, _ := consoleGet(t, n, http.MethodPost, "/console/"); resp.StatusCode != http.StatusMethodNotAllowed {
					t.Errorf("POST /console/: %d", resp.StatusCode)
				}
			}
			// The API itself is not affected either way, nor GraphiQL.
			for _, p := range []string{"/healthz", "/graphiql"} {
				if p == "/graphiql" && tc.env["GRAPHQL_INTROSPECTION"] == "false" {
					continue // GraphiQL follows introspection
				}
				if resp, _ := consoleGet(t, n, http.MethodGet, p); resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: %d", p, resp.StatusCode)
				}
			}
		})
	}
}

// The links the emails carry open the console's pages, whether PUBLIC_URL
// is the node's root (the default: the node redirects them) or the
// console itself; and the CSV export's URL is the API's either way.
func TestConsoleEmailLinks(t *testing.T) {
	index := consoleIndex(t)
	for _, public := range []string{"http://localhost:8080", "http://localhost:8080/console/"} {
		t.Run(public, func(t *testing.T) {
			store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
			n := testenv.StartNode(t, store, testenv.NodeOptions{Env: map[string]string{"PUBLIC_URL": public}})
			prefix := strings.TrimSuffix(strings.TrimPrefix(public, "http://localhost:8080"), "/")
			f := n.NewOrg(t, "owner@example.com")
			var out struct{}
			f.Owner.MustDo(t, `mutation($in: InviteUsersInput!) { inviteUsers(input: $in) { results { outcome } } }`, map[string]any{"in": map[string]any{
				"accountIds": []string{f.RootID}, "emails": "invitee@example.com", "role": "AGENT"}}, &out)
			n.Client().MustDo(t, `mutation($e: String!) { requestPasswordReset(email: $e) }`, map[string]any{"e": "owner@example.com"}, &out)

			// Every link of every message, once the invitation and the
			// reset have been sent.
			var links []*url.URL
			seen := map[string]bool{}
			for want := 2; !seen[models.LinkAcceptInvitation] || !seen[models.LinkResetPassword]; want++ {
				links, seen = nil, map[string]bool{}
				for _, m := range n.Mail(t, want) {
					for _, raw := range regexp.MustCompile(`http://localhost:8080/[^\s"'<>]+`).FindAllString(m.Text, -1) {
						u, err := url.Parse(raw)
						if err != nil {
							t.Fatal(err)
						}
						links = append(links, u)
						seen[strings.TrimPrefix(u.Path, prefix)] = true
					}
				}
			}
			for _, link := range links {
				route := strings.TrimPrefix(link.Path, prefix)
				if !strings.HasPrefix(link.Path, prefix+"/") || !slices.Contains(models.LinkPaths, route) || link.Query().Get("token") == "" {
					t.Errorf("a mailed link %s: not PUBLIC_URL and one of %v with a token", link, models.LinkPaths)
					continue
				}
				resp, body := followLink(t, n, link.String())
				if resp.StatusCode != http.StatusOK || body != index ||
					resp.Request.URL.Path != "/console"+route || resp.Request.URL.RawQuery != link.RawQuery {
					t.Errorf("%s: ended at %s with %d, want the console's page at /console%s?%s", link, resp.Request.URL, resp.StatusCode, route, link.RawQuery)
				}
				// Linked to the console itself, there is nothing to redirect.
				if direct, _ := consoleGet(t, n, http.MethodGet, link.RequestURI()); (prefix != "") != (direct.StatusCode == http.StatusOK) {
					t.Errorf("%s: %d", link, direct.StatusCode)
				}
			}
			var acct struct {
				Node struct{ MembersCsvURL string } `json:"node"`
			}
			f.Owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Account { membersCsvUrl } } }`, map[string]any{"id": f.RootID}, &acct)
			if want := "http://localhost:8080/export/accounts/" + f.RootID + "/members.csv"; acct.Node.MembersCsvURL != want {
				t.Fatalf("membersCsvUrl %s, want %s", acct.Node.MembersCsvURL, want)
			}
			u, _ := url.Parse(acct.Node.MembersCsvURL)
			req, _ := http.NewRequest(http.MethodGet, n.Server.URL+u.RequestURI(), nil)
			req.Header.Set("Authorization", "Bearer "+f.Owner.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			csv, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csv), "owner@example.com") {
				t.Fatalf("the export: %d %q %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), csv)
			}
		})
	}
}
