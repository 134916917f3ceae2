package testenv

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/app"
	"github.com/rollcall/rollcall/config"
	"github.com/rollcall/rollcall/internal/telemetry"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/presence"
	"github.com/rollcall/rollcall/webhook"
)

// Node is a running Rollcall node on a real HTTP listener.
type Node struct {
	App     *app.App
	Server  *httptest.Server
	MailDir string
	t       testing.TB
}

// NodeOptions tune a test node.
type NodeOptions struct {
	// Env overrides configuration variables.
	Env map[string]string
	// Redis connects the node to TEST_REDIS_URL (with a unique prefix).
	Redis bool
	// RedisPrefix shares a key space between nodes of one test.
	RedisPrefix string
	// MailPollInterval is the mail worker's poll (default 20ms); tests that
	// count statements set it long so the worker stays quiet, and the
	// webhook worker then polls and sweeps as seldom.
	MailPollInterval time.Duration
	// Tracing instruments the node (tests record spans in memory).
	Tracing *telemetry.Tracing
	// LivePerWatcher renders subscription events per subscriber.
	LivePerWatcher bool
	// OwnPublicURL sets PUBLIC_URL to the node's own address, so the links
	// it mails and the URLs it hands out (the CSV export) lead back to it,
	// as a browser test needs.
	OwnPublicURL bool
	// Webhooks tunes the webhook worker; zero fields take the test
	// defaults (100ms poll and sweep, 20ms to 200ms backoff).
	Webhooks webhook.WorkerOptions
	// WebhookRetryFor replaces the day a failing delivery is retried for.
	WebhookRetryFor time.Duration
}

// StartNode starts a node on store with its own mail folder.
func StartNode(t testing.TB, store Store, opt NodeOptions) *Node {
	t.Helper()
	mailDir := filepath.Join(t.TempDir(), "mail")
	env := map[string]string{
		"DATABASE_URL": store.URL,
		"MAIL_URL":     "file:" + mailDir,
		"HTTP_ADDR":    "127.0.0.1:0",
		// Test receivers listen on loopback (the refusal is tested with
		// this set to false).
		"WEBHOOKS_ALLOW_PRIVATE": "true",
	}
	prefix := opt.RedisPrefix
	if opt.Redis {
		u, p := Redis(t)
		if u != "" {
			env["REDIS_URL"] = u
			if prefix == "" {
				prefix = p
			}
		}
	}
	var ln net.Listener
	if opt.OwnPublicURL {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		env["PUBLIC_URL"] = "http://" + ln.Addr().String()
	}
	for k, v := range opt.Env {
		env[k] = v
	}
	cfg, err := config.Load(Env(env))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testingVerbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opt.MailPollInterval == 0 {
		opt.MailPollInterval = 20 * time.Millisecond
	}
	// The webhook worker is woken on every commit that queues; its poll
	// only picks up retries and expiries, so it can be slower than the
	// mail worker's and spare the database of every test.
	wh := opt.Webhooks
	quiet := max(opt.MailPollInterval, 100*time.Millisecond)
	wh.PollInterval = cmp.Or(wh.PollInterval, quiet)
	wh.SweepInterval = cmp.Or(wh.SweepInterval, quiet)
	wh.MinBackoff = cmp.Or(wh.MinBackoff, 20*time.Millisecond)
	wh.MaxBackoff = cmp.Or(wh.MaxBackoff, 200*time.Millisecond)
	a, err := app.New(context.Background(), cfg, app.Options{Logger: log, RedisPrefix: prefix, MailPollInterval: opt.MailPollInterval,
		MailMinBackoff: 20 * time.Millisecond, MailMaxBackoff: 200 * time.Millisecond,
		Presence: presence.Options{OfflineGrace: 200 * time.Millisecond, SweepInterval: 50 * time.Millisecond},
		// Test clients read their sockets only when they expect a message,
		// so they answer pings late; liveness itself is tested in wstransport.
		WebsocketPing: 20 * time.Second, WebsocketPongTimeout: time.Minute, Tracing: opt.Tracing,
		LivePerWatcher: opt.LivePerWatcher, Webhooks: wh, WebhookRetryFor: opt.WebhookRetryFor,
		WebhookPresence: webhook.RelayOptions{Window: 300 * time.Millisecond, Refresh: max(quiet, 250*time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	srv := httptest.NewUnstartedServer(a.Handler)
	if ln != nil {
		_ = srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Shutdown(ctx)
		srv.Close()
		_ = a.Close()
	})
	return &Node{App: a, Server: srv, MailDir: mailDir, t: t}
}

func testingVerbose() bool { return os.Getenv("ROLLCALL_TEST_LOG") != "" }

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Response is a decoded GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
}

// GQLError is one error of a response.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns the extensions.code of the first error, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data into v, failing the test on GraphQL errors.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// Client talks GraphQL to a node as one device.
type Client struct {
	Node      *Node
	Token     string
	UserAgent string
	Header    http.Header
}

// Client returns a client without a session.
func (n *Node) Client() *Client {
	return &Client{Node: n, UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"}
}

// Do sends one GraphQL operation over POST.
func (c *Client) Do(t testing.TB, query string, vars map[string]any) *Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.Node.Server.URL+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &Response{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	out.Status = resp.StatusCode
	return out
}

// MustDo sends an operation and decodes its data, failing on errors.
func (c *Client) MustDo(t testing.TB, query string, vars map[string]any, into any) {
	t.Helper()
	c.Do(t, query, vars).Decode(t, into)
}

// Mail returns the messages written so far to the node's mail folder,
// waiting up to 5 s for at least min of them.
func (n *Node) Mail(t testing.TB, min int) []mailer.Received {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msgs, err := mailer.ReadDir(n.MailDir)
		if err == nil && len(msgs) >= min {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d mail messages, have %d (err %v)", min, len(msgs), err)
		}
		time.Sleep(10 * time.Millisecond) // polling a folder: there is no event to wait on
	}
}

// AddMember gives email (created with password "correct horse battery"
// when new) a role on the account whose global ID is accountGID, bypassing
// invitations, and returns a signed-in client for that person.
func (n *Node) AddMember(t testing.TB, accountGID, email string, g models.Grant) *Client {
	t.Helper()
	n.SeedMember(t, accountGID, email, g)
	c := n.Client()
	var out struct {
		SignIn struct {
			Token string `json:"token"`
		} `json:"signIn"`
	}
	c.MustDo(t, `mutation($in: SignInInput!) { signIn(input: $in) { token } }`,
		map[string]any{"in": map[string]any{"email": email, "password": "correct horse battery"}}, &out)
	c.Token = out.SignIn.Token
	return c
}

// SeedMember is AddMember without signing the person in.
func (n *Node) SeedMember(t testing.TB, accountGID, email string, g models.Grant) {
	t.Helper()
	id, err := models.ParseID(models.KindAccount, accountGID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.App.Store.SeedMember(context.Background(), id, email, "correct horse battery", "Member", email, g); err != nil {
		t.Fatal(err)
	}
}
