package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The -peer centrifugo mode runs Rollcall and Centrifugo one after the other
// under the same load, both as separate processes measured from the outside
// (/proc and their Prometheus /metrics), and prints both columns and their
// ratio: N sockets, M of them subscribed in groups of -group (an account's
// presenceChanged for Rollcall, one channel for Centrifugo), R changes/s sent
// by subscribed clients over their own socket (setPresence for Rollcall, a
// client-side publish for Centrifugo), each delivered to the group's
// watchers; latency is the receive time minus the sender's send time (both
// on this tool's clock).

// centrifugoVersion is the release the anchor runs; it is built with go
// install outside this module, never a dependency of it.
const centrifugoVersion = "v6.9.1"

// peerFigures is what one server did under the load.
type peerFigures struct {
	name         string
	sockets      int
	subscribed   int
	acceptPerSec float64 // sockets opened (authenticated, subscription sent) per second
	rssPerSocket float64 // KiB
	goroutines   float64 // per socket; NaN when not measurable
	changes      int64
	sendErrors   int64
	deliveries   int64
	expected     int64   // changes × group
	perSec       float64 // deliveries/s
	cpuPerDeliv  float64 // µs of server CPU per delivery
	cores        float64 // server CPU over the window
	p50, p99     time.Duration
	note         string
}

// peerConn is one client socket of either server.
type peerConn interface {
	// change sends one change that the socket's group receives.
	change() error
	close()
}

// runPeer measures Rollcall, then Centrifugo, and prints the table.
func runPeer(ctx context.Context, e *env, w io.Writer) error {
	n, note := e.capConns("PEER", e.cfg.peerConns, 0)
	m := min(e.cfg.peerSubscribed, n) / e.cfg.group * e.cfg.group
	if m == 0 {
		return fmt.Errorf("-peer-subscribed: at least one group of %d", e.cfg.group)
	}
	bin, err := centrifugoBinary(ctx, e)
	if err != nil {
		return err
	}
	e.logf("=== Rollcall: %d sockets, %d subscribed in groups of %d, %d changes/s (load average %s)", n, m, e.cfg.group, e.cfg.peerRate, loadavg())
	rc, err := peerRollcall(ctx, e, n, m)
	e.stopNodes()
	if err != nil {
		return fmt.Errorf("rollcall: %w", err)
	}
	e.logf("=== Centrifugo %s, %s engine (load average %s)", centrifugoVersion, e.cfg.peerEngine, loadavg())
	cf, err := peerCentrifugo(ctx, e, bin, n, m)
	e.stopNodes()
	if err != nil {
		return fmt.Errorf("centrifugo: %w", err)
	}
	fmt.Fprintf(w, "\nmachine: %s\nload average after: %s\n", e.machine(), loadavg())
	if note != "" {
		fmt.Fprintf(w, "note: %s\n", note)
	}
	fmt.Fprint(w, peerTable(rc, cf, e.cfg.peerEngine))
	return nil
}

// peerTable renders the side-by-side table; ratio is Rollcall ÷ Centrifugo.
func peerTable(rc, cf *peerFigures, engine string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n| figure | Rollcall | Centrifugo %s (%s engine) | ratio Rollcall/Centrifugo |\n|---|---:|---:|---:|\n", centrifugoVersion, engine)
	row := func(name string, a, c float64, format string) {
		fa, fc := fmtFig(a, format), fmtFig(c, format)
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, fa, fc, ratio(a, c))
	}
	row("sockets open", float64(rc.sockets), float64(cf.sockets), "%.0f")
	row("of them subscribed", float64(rc.subscribed), float64(cf.subscribed), "%.0f")
	row("sockets accepted per second", rc.acceptPerSec, cf.acceptPerSec, "%.0f/s")
	row("server RSS per socket", rc.rssPerSocket, cf.rssPerSocket, "%.1f KiB")
	row("server goroutines per socket", rc.goroutines, cf.goroutines, "%.2f")
	row("changes sent in the window", float64(rc.changes), float64(cf.changes), "%.0f")
	row("deliveries expected (changes × group)", float64(rc.expected), float64(cf.expected), "%.0f")
	row("deliveries timed", float64(rc.deliveries), float64(cf.deliveries), "%.0f")
	row("deliveries per second", rc.perSec, cf.perSec, "%.0f/s")
	row("server CPU per delivery", rc.cpuPerDeliv, cf.cpuPerDeliv, "%.1f µs")
	row("server CPU in the window", rc.cores, cf.cores, "%.2f cores")
	row("latency from the send, p50", msf(rc.p50), msf(cf.p50), "%.2f ms")
	row("latency from the send, p99", msf(rc.p99), msf(cf.p99), "%.2f ms")
	for _, f := range []*peerFigures{rc, cf} {
		if f.note != "" {
			fmt.Fprintf(&b, "\n%s: %s", f.name, f.note)
		}
	}
	b.WriteString("\n")
	return b.String()
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fmtFig(v float64, format string) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf(format, v)
}

// ratio is a ÷ c with two significant decimals, or – when undefined.
func ratio(a, c float64) string {
	if math.IsNaN(a) || math.IsNaN(c) || c == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/c)
}

// perSocket is the growth of a process-wide figure divided by the sockets.
func perSocket(before, after float64, sockets int) float64 {
	if sockets <= 0 {
		return math.NaN()
	}
	return (after - before) / float64(sockets)
}

// usPerDelivery is CPU time in µs per delivery (NaN without deliveries).
func usPerDelivery(cpu time.Duration, deliveries int64) float64 {
	if deliveries <= 0 {
		return math.NaN()
	}
	return float64(cpu.Microseconds()) / float64(deliveries)
}

// peerLoad runs the common part on an already started server: it opens the
// sockets with open (timed), settles, reads RSS and goroutines, drives the
// changes over the subscribed sockets and measures the window. deliveries
// and lat are fed by the clients' receive paths once measuring is set.
type peerLoad struct {
	e         *env
	nd        *node
	rss0, g0  float64
	measuring *atomic.Bool
	received  *atomic.Int64
	lat       *latencies
	// sentIn counts changes sent in the window.
	sentIn atomic.Int64
	// from and to bound the send times (UnixNano) whose deliveries count:
	// the changes sent in the measured window.
	from, to atomic.Int64
	// profile, when set, is told when the sockets are open and when the
	// measured window starts (Rollcall's profiles with -profile).
	profile interface {
		connected()
		window(d time.Duration)
	}
}

// stamp is the send time of a change about to be sent (UnixNano); it
// counts the change when it falls in the window.
func (pl *peerLoad) stamp() int64 {
	ns := time.Now().UnixNano()
	if ns >= pl.from.Load() && ns < pl.to.Load() {
		pl.sentIn.Add(1)
	}
	return ns
}

// deliver counts one delivery of a change sent at sendNs and received at
// recv, when the change was sent in the window.
func (pl *peerLoad) deliver(sendNs int64, recv time.Time) {
	if !pl.measuring.Load() || sendNs < pl.from.Load() || sendNs >= pl.to.Load() {
		return
	}
	pl.lat.add(recv.Sub(time.Unix(0, sendNs)))
	pl.received.Add(1)
}

func (pl *peerLoad) run(ctx context.Context, f *peerFigures, open func() ([]peerConn, []peerConn, error)) error {
	e := pl.e
	start := time.Now()
	all, subscribed, err := open()
	defer func() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 256)
		for _, c := range all {
			sem <- struct{}{}
			wg.Add(1)
			go func() { defer wg.Done(); defer func() { <-sem }(); c.close() }()
		}
		wg.Wait()
	}()
	if err != nil {
		return err
	}
	took := time.Since(start)
	f.sockets, f.subscribed = len(all), len(subscribed)
	f.acceptPerSec = float64(len(all)) / took.Seconds()
	e.logf("%s: %d sockets (%d subscribed) open in %s", f.name, len(all), len(subscribed), took.Round(10*time.Millisecond))
	select {
	case <-time.After(e.cfg.settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	rss1, _, err := procStat(pl.nd.pid())
	if err != nil {
		return err
	}
	if pl.profile != nil {
		pl.profile.connected()
	}
	f.rssPerSocket = perSocket(pl.rss0, float64(rss1), len(all)) / 1024
	f.goroutines = math.NaN()
	if g1, err := pl.nd.metric("go_goroutines"); err == nil && !math.IsNaN(pl.g0) {
		f.goroutines = perSocket(pl.g0, g1, len(all))
	}
	order := make([]peerConn, len(subscribed))
	copy(order, subscribed)
	mrandShuffle(order)
	var sent, errs atomic.Int64
	warm := 3 * time.Second
	window := e.cfg.peerDuration
	pl.from.Store(math.MaxInt64)
	pl.to.Store(math.MaxInt64)
	pl.measuring.Store(true)
	// The CPU window starts when the changes that count start: after a
	// warm-up, and ends a second after the last one (deliveries in flight).
	var cpu0 time.Duration
	cpuStart := make(chan struct{})
	go func() {
		time.Sleep(warm)
		_, cpu0, _ = procStat(pl.nd.pid())
		pl.from.Store(time.Now().UnixNano())
		close(cpuStart)
		if pl.profile != nil {
			pl.profile.window(window)
		}
	}()
	begin := time.Now()
	drive(ctx, e.cfg.peerRate, begin.Add(warm+window), func(i int) {
		err := order[i%len(order)].change()
		if err != nil {
			errs.Add(1)
			return
		}
		sent.Add(1)
	})
	end := time.Now()
	pl.to.Store(end.UnixNano())
	<-cpuStart
	time.Sleep(time.Second) // deliveries in flight
	pl.measuring.Store(false)
	_, cpu1, err := procStat(pl.nd.pid())
	if err != nil {
		return err
	}
	measured := end.Add(time.Second).Sub(time.Unix(0, pl.from.Load()))
	f.changes = pl.sentIn.Load()
	f.sendErrors = errs.Load()
	f.deliveries = pl.received.Load()
	f.expected = f.changes * int64(e.cfg.group)
	f.perSec = float64(f.deliveries) / end.Sub(time.Unix(0, pl.from.Load())).Seconds()
	f.cpuPerDeliv = usPerDelivery(cpu1-cpu0, f.deliveries)
	f.cores = (cpu1 - cpu0).Seconds() / measured.Seconds()
	f.p50, f.p99 = pl.lat.pct(50), pl.lat.pct(99)
	e.logf("%s: %d changes in the window (%d send errors), %d deliveries timed, p50 %s p99 %s, %.2f cores", f.name, f.changes, f.sendErrors, f.deliveries, ms(f.p50), ms(f.p99), f.cores)
	return nil
}

// drive calls send(i) for i = 0, 1, … at rate per second until until.
func drive(ctx context.Context, rate int, until time.Time, send func(i int)) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	i := 0
	for now := range t.C {
		if ctx.Err() != nil || now.After(until) {
			return
		}
		for due := int(float64(rate) * now.Sub(start).Seconds()); i < due; i++ {
			send(i)
		}
	}
}

// --- Rollcall ---

type rollcallConn struct {
	c  *wsClient
	pl *peerLoad
}

func (r rollcallConn) change() error {
	act := "IDLE"
	if r.c.idle {
		act = "ACTIVE"
	}
	r.c.idle = !r.c.idle
	r.c.cs.sendAt.Store(r.c.user.UserID, r.pl.stamp())
	return r.c.setActivity(act)
}

func (r rollcallConn) close() {
	select {
	case <-r.c.done:
	default:
		r.c.closeNormal()
	}
}

func peerRollcall(ctx context.Context, e *env, n, m int) (*peerFigures, error) {
	groups, err := e.seedGroups(ctx, n)
	if err != nil {
		return nil, err
	}
	nd, err := e.startNode(ctx, "peer-rollcall", "peer:", e.profileEnv()...)
	if err != nil {
		return nil, err
	}
	pl, err := newPeerLoad(e, nd)
	if err != nil {
		return nil, err
	}
	if p := e.profiler(nd); p != nil {
		pl.profile = p
	}
	f := &peerFigures{name: "Rollcall", note: "Rollcall keeps presence in Redis whatever -peer-engine says; changes are setPresence IDLE/ACTIVE over the sender's socket"}
	cs := newClients(e)
	cs.onEvent = func(c *wsClient, ev presenceEvent) {
		if ev.userID == 0 {
			return
		}
		if v, ok := cs.sendAt.Load(ev.userID); ok {
			pl.deliver(v.(int64), ev.recv)
		}
	}
	var ts []target
	subscribedGroups := m / e.cfg.group
	for gi, g := range groups {
		for _, u := range g.users {
			t := target{node: nd, user: u, group: gi}
			if gi < subscribedGroups {
				t.account = g.account
			}
			ts = append(ts, t)
		}
	}
	return f, pl.run(ctx, f, func() ([]peerConn, []peerConn, error) {
		conns, err := cs.connectAll(ctx, "Rollcall", ts)
		var all, sub []peerConn
		for i, c := range conns {
			if c == nil {
				continue
			}
			all = append(all, rollcallConn{c, pl})
			if ts[i].account != 0 {
				sub = append(sub, rollcallConn{c, pl})
			}
		}
		return all, sub, err
	})
}

func newPeerLoad(e *env, nd *node) (*peerLoad, error) {
	time.Sleep(2 * time.Second)
	rss0, _, err := procStat(nd.pid())
	if err != nil {
		return nil, err
	}
	g0, err := nd.metric("go_goroutines")
	if err != nil {
		g0 = math.NaN()
	}
	return &peerLoad{e: e, nd: nd, rss0: float64(rss0), g0: g0, measuring: new(atomic.Bool), received: new(atomic.Int64), lat: &latencies{}}, nil
}

// --- Centrifugo ---

// centrifugoBinary returns -centrifugo-bin, or the binary cached under the
// user cache dir, building it with go install into a temporary GOBIN first
// when absent.
func centrifugoBinary(ctx context.Context, e *env) (string, error) {
	if e.cfg.centrifugoBin != "" {
		return e.cfg.centrifugoBin, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "rollcall-loadtest", "centrifugo-"+centrifugoVersion)
	bin := filepath.Join(dir, "centrifugo")
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		e.logf("Centrifugo %s from the cache: %s", centrifugoVersion, bin)
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	gobin, err := os.MkdirTemp(dir, "gobin-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(gobin)
	e.logf("building Centrifugo %s with go install (once; cached in %s)", centrifugoVersion, dir)
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/centrifugal/centrifugo/v6@"+centrifugoVersion)
	cmd.Dir = os.TempDir() // outside any module: it is not a dependency of this one
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=", "GOWORK=off")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install centrifugo %s (or pass -centrifugo-bin): %w", centrifugoVersion, err)
	}
	if err := os.Rename(filepath.Join(gobin, "centrifugo"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// centrifugoConfig is the JSON config of the anchor (v6 keys, checked
// against the v6.9.1 source: internal/config and internal/configtypes).
func centrifugoConfig(port int, secret, engine, redisURL, redisPrefix string) ([]byte, error) {
	eng := map[string]any{"type": "memory"}
	switch engine {
	case "memory":
	case "redis":
		eng = map[string]any{"type": "redis", "redis": map[string]any{
			"address": []string{redisURL},
			"prefix":  redisPrefix,
		}}
	default:
		return nil, fmt.Errorf("engine %q: memory or redis", engine)
	}
	cfg := map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": port},
		"log":         map[string]any{"level": "error"},
		"client": map[string]any{
			"token":           map[string]any{"hmac_secret_key": secret},
			"allowed_origins": []string{"*"},
		},
		"channel": map[string]any{"namespaces": []any{map[string]any{
			"name":                         peerNamespace,
			"presence":                     true,
			"allow_subscribe_for_client":   true,
			"allow_publish_for_subscriber": true,
		}}},
		"engine":     eng,
		"prometheus": map[string]any{"enabled": true},
		"health":     map[string]any{"enabled": true},
	}
	return json.MarshalIndent(cfg, "", "  ")
}

const peerNamespace = "group"

// hs256 signs claims as a compact JWT with HMAC-SHA256.
func hs256(secret []byte, claims []byte) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// connectionToken is a Centrifugo connection JWT for user sub.
func connectionToken(secret []byte, sub string, exp time.Time) string {
	claims, _ := json.Marshal(map[string]any{"sub": sub, "exp": exp.Unix()})
	return hs256(secret, claims)
}

func peerCentrifugo(ctx context.Context, e *env, bin string, n, m int) (*peerFigures, error) {
	secretB := make([]byte, 32)
	_, _ = rand.Read(secretB)
	secret := hex.EncodeToString(secretB)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	conf, err := centrifugoConfig(port, secret, e.cfg.peerEngine, e.cfg.redisURL, e.prefix+"cf")
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(e.tmp, "centrifugo.json")
	if err := os.WriteFile(confPath, conf, 0o600); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(e.tmp, "centrifugo.log"))
	if err != nil {
		return nil, err
	}
	nd := &node{name: "centrifugo", addr: fmt.Sprintf("127.0.0.1:%d", port), done: make(chan struct{}), log: logf, prefix: e.prefix + "cf"}
	cmd := exec.Command(bin, "--config", confPath)
	cmd.Dir = e.tmp
	if err := e.launch(nd, cmd, logf); err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, nd, "/health"); err != nil {
		return nil, err
	}
	e.logf("Centrifugo pid %d on %s (%s engine)", nd.pid(), nd.addr, e.cfg.peerEngine)
	pl, err := newPeerLoad(e, nd)
	if err != nil {
		return nil, err
	}
	f := &peerFigures{name: "Centrifugo", note: "changes are client-side publishes {u, t} into the group's channel (allow_publish_for_subscriber), JSON protocol over websocket, presence on, HS256 connection tokens"}
	dialer := &websocket.Dialer{
		NetDialContext:   newClients(e).dialer.NetDialContext,
		HandshakeTimeout: 15 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  512,
		WriteBufferPool:  &sync.Pool{},
	}
	onPub := func(data []byte, recv time.Time) {
		if s := after(data, []byte(`"t":`), '}'); s != nil {
			if t, err := strconv.ParseInt(string(bytes.TrimSpace(s)), 10, 64); err == nil {
				pl.deliver(t, recv)
			}
		}
	}
	exp := time.Now().Add(2 * time.Hour)
	return f, pl.run(ctx, f, func() ([]peerConn, []peerConn, error) {
		out := make([]*cfClient, n)
		sem := make(chan struct{}, e.cfg.dialConc)
		var wg sync.WaitGroup
		var failed atomic.Int64
		var first atomic.Pointer[error]
		for i := 0; i < n; i++ {
			if ctx.Err() != nil {
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				ch := ""
				if i < m {
					ch = fmt.Sprintf("%s:%d", peerNamespace, i/e.cfg.group)
				}
				tok := connectionToken([]byte(secret), strconv.Itoa(i+1), exp)
				c, err := dialCentrifugo(ctx, dialer, nd.addr, tok, ch, i+1, pl.stamp, onPub)
				if err != nil && ctx.Err() == nil {
					time.Sleep(200 * time.Millisecond)
					c, err = dialCentrifugo(ctx, dialer, nd.addr, tok, ch, i+1, pl.stamp, onPub)
				}
				if err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, &err)
					return
				}
				out[i] = c
			}()
		}
		wg.Wait()
		var all, sub []peerConn
		for _, c := range out {
			if c == nil {
				continue
			}
			all = append(all, c)
			if c.channel != "" {
				sub = append(sub, c)
			}
		}
		if p := first.Load(); p != nil {
			return all, sub, fmt.Errorf("%d of %d sockets failed, first: %w", failed.Load(), n, *p)
		}
		return all, sub, ctx.Err()
	})
}

func waitHTTP(ctx context.Context, nd *node, path string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-nd.done:
			return fmt.Errorf("%s exited at start:\n%s", nd.name, tail(nd.log.Name()))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(nd.url(path)); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after 60s:\n%s", nd.name, tail(nd.log.Name()))
		}
	}
}

// cfClient is one Centrifugo client speaking the JSON protocol (v2).
type cfClient struct {
	conn    *websocket.Conn
	channel string
	user    int
	stamp   func() int64
	wmu     sync.Mutex
	seq     atomic.Uint32
	done    chan struct{}
	errs    atomic.Int64
}

// dialCentrifugo connects with token, waits for the connect reply and,
// when channel is set, sends the subscribe command (not waiting for its
// reply, like the Rollcall clients).
func dialCentrifugo(ctx context.Context, d *websocket.Dialer, addr, token, channel string, user int, stamp func() int64, onPub func([]byte, time.Time)) (*cfClient, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, resp, err := d.DialContext(ctx, "ws://"+addr+"/connection/websocket", nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: %w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	c := &cfClient{conn: conn, channel: channel, user: user, stamp: stamp, done: make(chan struct{})}
	c.seq.Store(1)
	cmd, _ := json.Marshal(map[string]any{"id": 1, "connect": map[string]any{"token": token, "name": "rollcall-loadtest"}})
	if err := c.write(cmd); err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, msg, err := conn.ReadMessage()
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if !bytes.Contains(msg, []byte(`"connect":{`)) {
		_ = conn.Close()
		return nil, fmt.Errorf("connect refused: %s", msg)
	}
	_ = conn.SetReadDeadline(time.Time{})
	if channel != "" {
		sub := fmt.Sprintf(`{"id":%d,"subscribe":{"channel":%q}}`, c.seq.Add(1), channel)
		if err := c.write([]byte(sub)); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	go c.readLoop(onPub)
	return c, nil
}

func (c *cfClient) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

var (
	cfPush  = []byte(`"push":{`)
	cfPub   = []byte(`"pub":{`)
	cfError = []byte(`"error":{`)
)

func (c *cfClient) readLoop(onPub func([]byte, time.Time)) {
	defer close(c.done)
	for {
		_, msg, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		recv := time.Now()
		// The JSON protocol may put several replies in one frame, one a line.
		for len(msg) > 0 {
			line := msg
			if i := bytes.IndexByte(msg, '\n'); i >= 0 {
				line, msg = msg[:i], msg[i+1:]
			} else {
				msg = nil
			}
			line = bytes.TrimSpace(line)
			switch {
			case len(line) == 0:
			case string(line) == "{}":
				_ = c.write([]byte(`{}`)) // server ping: pong
			case bytes.Contains(line, cfPush) && bytes.Contains(line, cfPub):
				onPub(line, recv)
			case bytes.Contains(line, cfError):
				c.errs.Add(1)
			}
		}
	}
}

// change publishes {u, t} into the client's channel.
func (c *cfClient) change() error {
	if c.channel == "" {
		return errors.New("not subscribed")
	}
	msg := `{"id":` + strconv.FormatUint(uint64(c.seq.Add(1)), 10) + `,"publish":{"channel":"` + c.channel + `","data":{"u":` + strconv.Itoa(c.user) + `,"t":` + strconv.FormatInt(c.stamp(), 10) + `}}}`
	return c.write([]byte(msg))
}

func (c *cfClient) close() {
	c.wmu.Lock()
	_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	c.wmu.Unlock()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	_ = c.conn.Close()
}

func mrandShuffle[T any](s []T) {
	mathrand.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}
