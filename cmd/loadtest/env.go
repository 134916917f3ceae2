package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql" // creating the load database
	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/db"
)

// env is what every scenario shares: the store, Redis, the server binary,
// the run's key prefix, the nodes started and the results.
type env struct {
	cfg    *config
	out    io.Writer
	db     *db.DB
	rdb    *redis.Client
	tmp    string
	bin    string
	prefix string // rcload:<hex>: — every node's REDIS_PREFIX starts with it
	nofile uint64

	redisVersion, dbVersion string

	mu      sync.Mutex
	nodes   []*node
	results []result
	logMu   sync.Mutex
}

func newEnv(ctx context.Context, cfg *config, out io.Writer) (*env, error) {
	e := &env{cfg: cfg, out: out}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		e.nofile = lim.Cur
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	e.prefix = "rcload:" + hex.EncodeToString(b) + ":"
	tmp, err := os.MkdirTemp("", "rollcall-loadtest-")
	if err != nil {
		return nil, err
	}
	e.tmp = tmp
	ok := false
	defer func() {
		if !ok {
			e.close()
		}
	}()

	opt, err := redis.ParseURL(cfg.redisURL)
	if err != nil {
		return nil, fmt.Errorf("-redis: %w", err)
	}
	opt.PoolSize = 64
	e.rdb = redis.NewClient(opt)
	if err := e.rdb.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	if info, err := e.rdb.Info(ctx, "server").Result(); err == nil {
		for _, l := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "redis_version:"); ok {
				e.redisVersion = v
			}
		}
	}

	if strings.HasPrefix(cfg.databaseURL, "mysql://") {
		if err := db.CreateMySQLDatabase(ctx, cfg.databaseURL); err != nil {
			return nil, err
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := db.Open(ctx, cfg.databaseURL, log)
	if err != nil {
		return nil, err
	}
	e.db = d
	e.dbVersion = string(d.Dialect)

	if cfg.serverBin != "" {
		e.bin = cfg.serverBin
	} else {
		e.bin = filepath.Join(tmp, "rollcall")
		e.logf("building the server from %s", cfg.src)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", e.bin, ".")
		cmd.Dir = cfg.src
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("build the server (or pass -server-bin): %w", err)
		}
	}
	e.logf("run prefix %s, RLIMIT_NOFILE %d, work dir %s", e.prefix, e.nofile, tmp)
	ok = true
	return e, nil
}

func (e *env) logf(format string, args ...any) {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	fmt.Fprintf(e.out, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func (e *env) debugf(format string, args ...any) {
	if e.cfg.verbose {
		e.logf(format, args...)
	}
}

// close stops the nodes, deletes the run's Redis keys and the work dir.
func (e *env) close() {
	e.stopNodes()
	if e.rdb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		n := deletePrefix(ctx, e.rdb, e.prefix)
		cancel()
		e.logf("deleted %d Redis keys under %s", n, e.prefix)
		_ = e.rdb.Close()
	}
	if e.db != nil {
		_ = e.db.Close()
	}
	if e.tmp != "" {
		_ = os.RemoveAll(e.tmp)
	}
}

func deletePrefix(ctx context.Context, rdb *redis.Client, prefix string) int {
	n := 0
	it := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for it.Next(ctx) {
		keys = append(keys, it.Val())
		if len(keys) == 1000 {
			n += int(rdb.Unlink(ctx, keys...).Val())
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		n += int(rdb.Unlink(ctx, keys...).Val())
	}
	return n
}

// seed writes n people in groups of -group.
func (e *env) seed(ctx context.Context, n, group int) (*db.LoadSeed, error) {
	start := time.Now()
	res, err := e.db.SeedLoadUsers(ctx, db.LoadSeedSpec{Users: n, GroupSize: group})
	if err != nil {
		return nil, err
	}
	e.logf("seeded %d people in %d organizations of %d in %s", n, len(res.Groups), group, time.Since(start).Round(10*time.Millisecond))
	return res, nil
}

// node is one server process.
type node struct {
	name   string
	addr   string // host:port
	cmd    *exec.Cmd
	done   chan struct{}
	log    *os.File
	prefix string
	// metrics is the host:port serving /metrics (and, with PPROF,
	// /debug/pprof/): addr unless the node has a METRICS_ADDR.
	metrics string
}

func (n *node) pid() int { return n.cmd.Process.Pid }

func (n *node) url(path string) string { return "http://" + n.addr + path }

// startNode starts a server with REDIS_PREFIX = run prefix + scope and
// waits until /readyz answers 200.
func (e *env) startNode(ctx context.Context, name, scope string, extra ...string) (*node, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	logf, err := os.Create(filepath.Join(e.tmp, name+".log"))
	if err != nil {
		return nil, err
	}
	n := &node{name: name, addr: addr, metrics: addr, done: make(chan struct{}), log: logf, prefix: e.prefix + scope}
	for _, kv := range extra {
		if v, ok := strings.CutPrefix(kv, "METRICS_ADDR="); ok {
			n.metrics = v
		}
	}
	cmd := exec.Command(e.bin)
	cmd.Env = append(os.Environ(),
		"HTTP_ADDR="+addr,
		"PUBLIC_URL=http://"+addr,
		"DATABASE_URL="+e.cfg.databaseURL,
		"REDIS_URL="+e.cfg.redisURL,
		"REDIS_PREFIX="+n.prefix,
		"PRESENCE_TTL="+e.cfg.ttl.String(),
		"PRESENCE_OFFLINE_GRACE="+e.cfg.grace.String(),
		"MAIL_URL=file:"+filepath.Join(e.tmp, "mail"),
		"LOG_LEVEL=warn",
		"SHUTDOWN_TIMEOUT=20s",
		// The clients are thousands of people behind 8 loopback addresses,
		// not 8 clients: the per-address cap would refuse them.
		"MAX_CONNS_PER_IP=0",
	)
	cmd.Env = append(cmd.Env, extra...)
	if err := e.launch(n, cmd, logf); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-n.done:
			return nil, fmt.Errorf("node %s exited at start: see %s\n%s", name, logf.Name(), tail(logf.Name()))
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(n.url("/readyz"))
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				e.logf("node %s pid %d on %s (REDIS_PREFIX %s)", name, n.pid(), addr, n.prefix)
				return n, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("node %s not ready after 60s", name)
		}
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// kill sends SIGKILL and waits for the process to end.
func (n *node) kill() {
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
}

// stopNodes stops every node this run started (SIGTERM, SIGKILL after 25 s).
func (e *env) stopNodes() {
	e.mu.Lock()
	nodes := e.nodes
	e.nodes = nil
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-n.done:
			default:
				_ = n.cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-n.done:
				case <-time.After(25 * time.Second):
					n.kill()
				}
			}
			_ = n.log.Close()
		}()
	}
	wg.Wait()
}

// procStat reads a process's resident memory (bytes) and CPU time.
func procStat(pid int) (rss int64, cpu time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			rss = kb * 1024
		}
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	cpu, err = statCPU(string(st))
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return rss, cpu, nil
}

// statCPU is utime + stime of a /proc/PID/stat line: fields 14 and 15
// (1-based), in clock ticks (100/s). The fields are counted after the
// command name's closing parenthesis, since the name may hold spaces and
// parentheses.
func statCPU(s string) (time.Duration, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return 0, errors.New("no command name")
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name", len(f))
	}
	ut, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	sy, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return time.Duration(ut+sy) * 10 * time.Millisecond, nil
}

// metric reads one gauge or counter from a node's /metrics.
func (n *node) metric(name string) (float64, error) {
	resp, err := http.Get("http://" + n.metrics + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, name+" ") || strings.HasPrefix(l, name+"{") {
			f := strings.Fields(l)
			return strconv.ParseFloat(f[len(f)-1], 64)
		}
	}
	return 0, fmt.Errorf("metric %s not found", name)
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return fmt.Sprintf("%.1f GiB RAM", kb/1024/1024)
		}
	}
	return "? RAM"
}

// fdBudget is how many sockets this process may open, leaving headroom.
func (e *env) fdBudget() int {
	return int(e.nofile) - 300
}

// capConns scales want down to what RLIMIT_NOFILE allows (the server
// process has the same limit) and says so.
func (e *env) capConns(scenario string, want, extra int) (int, string) {
	lim := e.fdBudget() - extra
	if want <= lim {
		return want, ""
	}
	note := fmt.Sprintf("scaled %d→%d: RLIMIT_NOFILE hard limit %d per process (no CAP_SYS_RESOURCE here)", want, lim, e.nofile)
	e.logf("%s: %s", scenario, note)
	return lim, note
}

func selfPID() int { return os.Getpid() }

// dbSelects reads the database server's SELECT counter (MySQL/MariaDB
// only; 0 otherwise). Other clients of the server count too.
func (e *env) dbSelects(ctx context.Context) int64 {
	if !strings.HasPrefix(e.cfg.databaseURL, "mysql://") {
		return 0
	}
	dsn, err := db.MySQLDSN(e.cfg.databaseURL)
	if err != nil {
		return 0
	}
	conn, err := sql.Open("mysql", dsn)
	if err != nil {
		return 0
	}
	defer conn.Close()
	var name string
	var v int64
	_ = conn.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Com_select'").Scan(&name, &v)
	return v
}

// launch starts cmd as node n (output to logf, killed with this process),
// closes n.done when it exits, and registers it for the environment's
// cleanup.
func (e *env) launch(n *node, cmd *exec.Cmd, logf *os.File) error {
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return err
	}
	n.cmd = cmd
	go func() { _ = cmd.Wait(); close(n.done) }()
	e.mu.Lock()
	e.nodes = append(e.nodes, n)
	e.mu.Unlock()
	return nil
}
