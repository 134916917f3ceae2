// Command loadtest measures live presence against the targets P1–P7 of
// docs/presence.md: it seeds people with session tokens in bulk
// (db.SeedLoadUsers), builds and starts real server processes (the module's
// main package, with a REDIS_PREFIX of its own), opens many authenticated
// graphql-transport-ws websockets from 127.0.0.2–127.0.0.9 (each source
// address has its own ~28k ephemeral ports), drives status changes through
// the API and reports each figure beside its target.
//
//	go run ./cmd/loadtest -scenario all
//	go run ./cmd/loadtest -scenario p1 -p1-conns 19000 -idle 30s
//	go run ./cmd/loadtest -scenario p3,p6 -rate 400 -json out.json
//
// Scenarios (each bounded in time and count; defaults sized for 2 cores):
//
//	p1  N subscribed websockets on one node: server RSS per connection, idle CPU
//	p2  pipelined touches straight through presence.Redis: touches/s, batch p50/p99
//	p3  status changes/s (setPresence over the sockets) to 50 watchers each while
//	    N sockets are open: delivery latency = receive time − the event's
//	    server-stamped `at`, p50/p99
//	p4  SIGKILL of a node holding M connections; a second node's watchers time
//	    every OFFLINE; none may be left at 60 s
//	p5  soak, pongs jittered ±50% of the ping interval, 1% of clients reconnecting
//	    quickly per minute: spurious OFFLINE events (must be zero)
//	p6  1% of clients stop reading: the others' p99 beside a baseline phase of the
//	    same run; time until the stalled sockets are closed; memory held
//	p7  signOutSession on node A while the session's socket is on node B: time to
//	    close 4403 on B and to the token being refused on B, p50/p99
//
// and, not in all, scale: 1, 2 and 4 nodes (-scale-nodes) with REDIS_MODE=cluster
// on a Redis Cluster of 3 masters the tool starts (or -scale-cluster), each
// node with the same sockets and change rate over organizations of its own;
// per node, CPU per delivery and the pub/sub bytes it read, beside the
// cluster bus traffic (see scale.go and docs/benchmarks.md "Scale-out on
// Redis Cluster"):
//
//	go run ./cmd/loadtest -scenario scale -scale-nodes 1,2,4 -scale-svg docs/curves/scaleout.svg
//
// With -peer centrifugo the tool runs no scenario: it puts Rollcall and then
// Centrifugo v6.9.1 (built once with go install into the user cache dir, not
// a dependency of this module) under the same load — -peer-conns sockets,
// -peer-subscribed of them in groups of -group, -peer-rate changes/s sent by
// clients, latency from the client's send — and prints both columns and
// their ratio (see peer.go and docs/benchmarks.md "Beside Centrifugo"):
//
//	go run ./cmd/loadtest -peer centrifugo -peer-engine redis -peer-conns 2000 -peer-subscribed 1000 -peer-rate 100
//
// The tool raises RLIMIT_NOFILE to its hard limit (children inherit it); a
// scenario that needs more descriptors than the limit allows is scaled down
// and says so. Server processes die with the tool (PDEATHSIG) and are
// stopped on exit; the Redis keys under the run's prefix are deleted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// config holds every flag.
type config struct {
	scenarios   []string
	databaseURL string
	redisURL    string
	serverBin   string
	src         string
	group       int
	jsonOut     string
	verbose     bool
	dialConc    int

	p1Conns int
	// p1Unsubscribed opens P1's sockets without subscribing: the connect
	// and connection_init path alone.
	p1Unsubscribed bool
	idle           time.Duration
	settle         time.Duration

	p2Conns    int
	p2Duration time.Duration
	p2Batches  string
	p2Workers  int

	p3Conns    int
	rate       int
	p3Duration time.Duration
	fields     string

	p4Conns int
	ttl     time.Duration
	grace   time.Duration

	p5Conns     int
	p5Duration  time.Duration
	reconnectPM float64

	p6Conns int
	p6Rate  int
	p6Phase time.Duration
	p6Stall float64

	p7Sessions int

	peer           string
	peerEngine     string
	centrifugoBin  string
	peerConns      int
	peerSubscribed int
	peerRate       int
	peerDuration   time.Duration

	profile string

	scaleNodes    []int
	scaleConns    int
	scaleRate     int
	scaleDuration time.Duration
	scaleCluster  string
	scaleSVG      string
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./cmd/loadtest [flags]\n\n"+
			"Measures presence against docs/presence.md targets P1–P7 with real server processes,\n"+
			"MySQL/MariaDB and Redis. Scenarios: p1 memory/idle CPU, p2 pipelined touches,\n"+
			"p3 fan-out latency, p4 crash cleanup, p5 flapping soak, p6 stalled readers,\n"+
			"p7 sign-out propagation. See the package comment and README \"Presence load tool\".\n\nFlags:\n")
		fs.PrintDefaults()
	}
	scen := fs.String("scenario", "all", "comma-separated scenarios: p1,p2,p3,p4,p5,p6,p7, all (p1–p7) or scale (not in all)")
	fs.StringVar(&c.databaseURL, "database", "mysql://root@127.0.0.1:3306/rollcall_load", "store for the seeded people and the servers (a mysql:// database is created if absent; sqlite:PATH also works)")
	fs.StringVar(&c.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis shared by the servers (keys under a random rcload:<hex>: prefix, deleted on exit)")
	fs.StringVar(&c.serverBin, "server-bin", "", "prebuilt server binary (default: go build the module at -src)")
	fs.StringVar(&c.src, "src", ".", "module root to build the server from when -server-bin is empty")
	fs.IntVar(&c.group, "group", 50, "people per organization: each socket watches presenceChanged of its organization's account, so each change reaches this many watchers")
	fs.StringVar(&c.jsonOut, "json", "", "also write the results as JSON to this file")
	fs.BoolVar(&c.verbose, "v", false, "progress details")
	fs.IntVar(&c.dialConc, "dial-concurrency", 64, "websocket handshakes in flight")

	fs.IntVar(&c.p1Conns, "p1-conns", 19000, "P1: subscribed websockets on one node (target 50,000; capped by RLIMIT_NOFILE)")
	fs.BoolVar(&c.p1Unsubscribed, "p1-unsubscribed", false, "P1: open the sockets without subscribing, timing connect + connection_init alone (accepted/s in the log)")
	fs.DurationVar(&c.idle, "idle", 30*time.Second, "P1: idle CPU window")
	fs.DurationVar(&c.settle, "settle", 10*time.Second, "P1: wait after connecting before measuring RSS and idle CPU")

	fs.IntVar(&c.p2Conns, "p2-conns", 20000, "P2: connections registered in presence.Redis")
	fs.DurationVar(&c.p2Duration, "p2-duration", 5*time.Second, "P2: measuring time per batch size")
	fs.StringVar(&c.p2Batches, "p2-batch", "1000,100", "P2: touches per pipeline (Run's heartbeat sends 1000), comma-separated")
	fs.IntVar(&c.p2Workers, "p2-workers", 2, "P2: concurrent pipelines")

	fs.IntVar(&c.p3Conns, "p3-conns", 10000, "P3: sockets open (target 50,000)")
	fs.IntVar(&c.rate, "rate", 20, "P3: status changes per second (target 1,000), each to -group watchers")
	fs.DurationVar(&c.p3Duration, "p3-duration", 20*time.Second, "P3: measuring time")
	fs.StringVar(&c.fields, "fields", "full", "P3/P6 subscription selection: full = user{id} accountId presence{status connectedDevices lastActiveAt} at; lean = without user{id}")

	fs.IntVar(&c.p4Conns, "p4-conns", 19000, "P4: connections on the killed node (target 20,000; capped by RLIMIT_NOFILE)")
	fs.DurationVar(&c.ttl, "ttl", 30*time.Second, "PRESENCE_TTL of the servers")
	fs.DurationVar(&c.grace, "grace", 5*time.Second, "PRESENCE_OFFLINE_GRACE of the servers")

	fs.IntVar(&c.p5Conns, "p5-conns", 2000, "P5: clients over two nodes")
	fs.DurationVar(&c.p5Duration, "p5-duration", 2*time.Minute, "P5: soak length (target 30m)")
	fs.Float64Var(&c.reconnectPM, "reconnect", 0.01, "P5: share of clients that drop and reconnect within 2 s, per minute")

	fs.IntVar(&c.p6Conns, "p6-conns", 5000, "P6: subscribed clients (1% stall)")
	fs.IntVar(&c.p6Rate, "p6-rate", 10, "P6: status changes per second")
	fs.DurationVar(&c.p6Phase, "p6-phase", 25*time.Second, "P6: length of the baseline phase and of the stalled phase")
	fs.Float64Var(&c.p6Stall, "p6-stall", 0.01, "P6: share of clients that stop reading (0 gives a control run: two baselines)")

	fs.IntVar(&c.p7Sessions, "p7-sessions", 200, "P7: sessions signed out one after another")

	fs.StringVar(&c.peer, "peer", "", "run a peer beside Rollcall under the same load instead of the scenarios: centrifugo (v6.9.1, built with go install)")
	fs.StringVar(&c.peerEngine, "peer-engine", "memory", "-peer: Centrifugo engine, memory or redis (Redis at -redis, keys under the run's prefix)")
	fs.StringVar(&c.centrifugoBin, "centrifugo-bin", "", "-peer: prebuilt Centrifugo binary (default: go install into the user cache dir once)")
	fs.IntVar(&c.peerConns, "peer-conns", 10000, "-peer: sockets open on each server")
	fs.IntVar(&c.peerSubscribed, "peer-subscribed", 5000, "-peer: of them subscribed, in groups of -group (one account / one channel per group)")
	fs.IntVar(&c.peerRate, "peer-rate", 200, "-peer: changes per second, each to its group's watchers")
	fs.DurationVar(&c.peerDuration, "peer-duration", 20*time.Second, "-peer: measured window (after a 3 s warm-up)")
	fs.StringVar(&c.profile, "profile", "", "-peer and P1: write Rollcall's CPU profiles (P1: of the first 10 s of connecting, and of the idle window; -peer: of the measured window) and its heap profile after connecting into this directory (the server runs with PPROF on a METRICS_ADDR of its own)")
	scaleNodes := fs.String("scale-nodes", "1,2,4", "scale: node counts measured in turn (weak scaling: each node gets the same sockets and rate)")
	fs.IntVar(&c.scaleConns, "scale-conns", 1000, "scale: sockets per node, all subscribed, in organizations of -group of its own")
	fs.IntVar(&c.scaleRate, "scale-rate", 20, "scale: status changes per second per node, each to -group watchers on that node")
	fs.DurationVar(&c.scaleDuration, "scale-duration", 20*time.Second, "scale: measured window per node count (after a 3 s warm-up)")
	fs.StringVar(&c.scaleCluster, "scale-cluster", "", "scale: Redis Cluster URL (redis://host:port?addr=host:port...) to use instead of starting 3 masters of its own with redis-server")
	fs.StringVar(&c.scaleSVG, "scale-svg", "", "scale: also draw CPU per delivery and pub/sub bytes read per node against the node count as an SVG chart into this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	all := []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"}
	for _, s := range strings.Split(*scen, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case s == "all":
			c.scenarios = append(c.scenarios, all...)
		case s == "":
		case len(s) == 2 && s[0] == 'p' && s[1] >= '1' && s[1] <= '7', s == "scale":
			c.scenarios = append(c.scenarios, s)
		default:
			return nil, fmt.Errorf("-scenario: unknown %q (p1..p7, all or scale)", s)
		}
	}
	if len(c.scenarios) == 0 {
		return nil, fmt.Errorf("-scenario: nothing to run")
	}
	switch c.peer {
	case "", "centrifugo":
	default:
		return nil, fmt.Errorf("-peer: centrifugo or empty")
	}
	if c.peerEngine != "memory" && c.peerEngine != "redis" {
		return nil, fmt.Errorf("-peer-engine: memory or redis")
	}
	if c.peerConns < 1 || c.peerConns > 100000 || c.peerSubscribed < 1 || c.peerRate < 1 || c.peerRate > 100000 ||
		c.peerDuration < time.Second || c.peerDuration > time.Hour {
		return nil, fmt.Errorf("-peer-conns 1..100000, -peer-subscribed ≥ 1, -peer-rate 1..100000, -peer-duration 1s..1h")
	}
	if c.fields != "full" && c.fields != "lean" {
		return nil, fmt.Errorf("-fields: full or lean")
	}
	var err error
	if c.scaleNodes, err = parseIntList(*scaleNodes); err != nil {
		return nil, fmt.Errorf("-scale-nodes: %w", err)
	}
	if c.scaleConns < c.group || c.scaleRate < 1 || c.scaleDuration < time.Second || c.scaleDuration > time.Hour {
		return nil, fmt.Errorf("-scale-conns at least -group, -scale-rate ≥ 1, -scale-duration 1s..1h")
	}
	if c.group < 2 {
		return nil, fmt.Errorf("-group: at least 2")
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	e, err := newEnv(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer e.close()

	if cfg.peer != "" {
		return runPeer(ctx, e, stdout)
	}
	scenarios := map[string]func(context.Context, *env) error{
		"p1": runP1, "p2": runP2, "p3": runP3, "p4": runP4, "p5": runP5, "p6": runP6, "p7": runP7, "scale": runScale,
	}
	for _, s := range cfg.scenarios {
		if ctx.Err() != nil {
			break
		}
		e.logf("=== %s (load average %s)", strings.ToUpper(s), loadavg())
		start := time.Now()
		if err := scenarios[s](ctx, e); err != nil {
			e.logf("%s failed: %v", strings.ToUpper(s), err)
			e.add(result{Scenario: strings.ToUpper(s), Metric: "run", Figure: "error: " + err.Error(), Status: "ERROR"})
		}
		e.stopNodes()
		e.logf("%s took %s (load average %s)", strings.ToUpper(s), time.Since(start).Round(time.Second), loadavg())
	}
	e.printResults(stdout)
	if cfg.jsonOut != "" {
		out := struct {
			Machine string   `json:"machine"`
			Command string   `json:"command"`
			Results []result `json:"results"`
		}{e.machine(), "go run ./cmd/loadtest " + strings.Join(args, " "), e.results}
		b, _ := json.MarshalIndent(out, "", "  ")
		if err := os.WriteFile(cfg.jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// result is one figure beside its target.
type result struct {
	Scenario string  `json:"scenario"`
	Metric   string  `json:"metric"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Figure   string  `json:"figure"`
	Target   string  `json:"target"`
	// Status is PASS, MISS, INFO (no target) or ERROR.
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

func (e *env) add(r result) {
	e.mu.Lock()
	e.results = append(e.results, r)
	e.mu.Unlock()
	e.logf("  %s %-34s %-18s target %-14s %s %s", r.Scenario, r.Metric, r.Figure, r.Target, r.Status, r.Note)
}

// check adds a figure with its target: pass tells whether it is met.
func (e *env) check(scenario, metric string, v float64, unit, figure, target string, pass bool, note string) {
	st := "MISS"
	if pass {
		st = "PASS"
	}
	if target == "" {
		st = "INFO"
	}
	e.add(result{Scenario: scenario, Metric: metric, Value: v, Unit: unit, Figure: figure, Target: target, Status: st, Note: note})
}

func (e *env) printResults(w io.Writer) {
	fmt.Fprintf(w, "\nmachine: %s\n\n", e.machine())
	fmt.Fprintf(w, "| # | metric | figure | target | status | note |\n|---|---|---:|---|---|---|\n")
	for _, r := range e.results {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.Scenario, r.Metric, r.Figure, r.Target, r.Status, r.Note)
	}
}

func (e *env) machine() string {
	return fmt.Sprintf("%d CPUs (GOMAXPROCS %d), %s, %s, RLIMIT_NOFILE %d, Redis %s, store %s; clients, servers, Redis and the database share the CPUs",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), memTotal(), runtime.Version(), e.nofile, e.redisVersion, e.dbVersion)
}

// loadavg is the 1, 5 and 15-minute load averages of the machine (others
// may be using the CPUs too).
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
