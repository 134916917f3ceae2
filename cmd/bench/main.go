// Command bench measures the members directory of a seeded organization on
// MySQL/MariaDB: the GraphQL page through the real HTTP handler of a node
// started in this process, beside the very statements that page costs the
// store run directly through database/sql at the same concurrency — the
// store's own ceiling on this machine — and the CSV export of the root
// account (wall time and resident memory growth).
//
// Seed the database first (see docs/seed.md), then:
//
//	go run ./cmd/seed -database mysql://root@127.0.0.1:3306/rollcall_bench -create-db
//	go run ./cmd/bench -duration 3s -out bench.md
//
// For each page shape and each concurrency level (-concurrency, at most 64)
// it runs a closed loop of that many workers for -duration after -warmup and
// reports requests/s, p50 and p99 latency of the GraphQL request and of the
// raw SQL, and their throughput ratio:
//
//   - first: the first 50 members in the default order (NAME ASC) with
//     role, membership fields and the user's id, email, names and
//     lastActiveAt;
//   - search: the first 50 members matching filter {search: -search};
//   - deep: the page of 50 after the cursor reached by walking -deep-pages
//     pages of 50 beforehand.
//
// The raw SQL of a request is what db.FindMembers runs for it (the COUNT
// query and the page query, with the same WHERE, ORDER BY and keyset
// condition) followed by the user loader's batch SELECT * FROM users WHERE
// id IN (...). Before measuring, each shape is fetched both ways and the
// results compared (total, user ids in order, hasNextPage), so the raw
// statements are known to answer the same page. The GraphQL request also
// pays what any request pays: the session lookup of the bearer token, the
// account's scope and access check, gqlgen and JSON.
//
// The export is measured first, on the fresh node: the full download of
// GET /export/accounts/{id}/members.csv, its wall time, and VmRSS of this
// process (server and streaming client) before, at its peak (sampled every
// 10 ms) and after.
//
// Signing in creates one session (signed out at the end) and the export
// writes one audit event in the benchmark database. Everything runs on
// 127.0.0.1; the client, the node and the database share the machine's
// cores, so the figures are the machine's, not the node's alone.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/rollcall/rollcall/app"
	"github.com/rollcall/rollcall/config"
	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/models"
)

const maxConcurrency = 64

// rawPoolSize caps the raw path's connections like the store's pool
// (db.Open: SetMaxOpenConns(50) on MySQL); idle connections are kept so the
// ceiling is not lowered by reconnects.
const rawPoolSize = 50

type options struct {
	database    string
	duration    time.Duration
	warmup      time.Duration
	concurrency []int
	owner       string
	password    string
	search      string
	deepPages   int
	pageSize    int
	export      bool
	explain     bool
	out         string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := mainErr(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	def := os.Getenv("BENCH_DATABASE_URL")
	if def == "" {
		def = "mysql://root@127.0.0.1:3306/rollcall_bench"
	}
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.database, "database", def, "seeded MySQL store on this machine: mysql://USER:PASS@127.0.0.1:PORT/DB (default $BENCH_DATABASE_URL)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time of each cell (shape × concurrency × GraphQL/SQL)")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured time before each cell")
	conc := fs.String("concurrency", "1,4,16,64", fmt.Sprintf("comma-separated concurrency levels (each at most %d)", maxConcurrency))
	fs.StringVar(&o.owner, "owner", "owner@example.com", "login of the organization's owner")
	fs.StringVar(&o.password, "password", "correct horse battery", "the owner's password")
	fs.StringVar(&o.search, "search", "mar", "search term of the search page")
	fs.IntVar(&o.deepPages, "deep-pages", 20, "pages walked before the deep page")
	fs.IntVar(&o.pageSize, "first", 50, "page size")
	fs.BoolVar(&o.export, "export", true, "measure the CSV export of the root account")
	fs.BoolVar(&o.explain, "explain", true, "append the statements and their EXPLAIN to the report")
	fs.StringVar(&o.out, "out", "", "also write the report to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxConcurrency {
			return nil, fmt.Errorf("-concurrency: %q is not a level between 1 and %d", s, maxConcurrency)
		}
		o.concurrency = append(o.concurrency, n)
	}
	if o.duration <= 0 || o.duration > 5*time.Minute {
		return nil, errors.New("-duration: between 0 and 5m")
	}
	if o.warmup < 0 || o.pageSize < 1 || o.pageSize > 100 || o.deepPages < 1 || o.deepPages > 1000 {
		return nil, errors.New("-warmup ≥ 0, -first 1..100, -deep-pages 1..1000")
	}
	u, err := url.Parse(o.database)
	if err != nil || u.Scheme != "mysql" {
		return nil, errors.New("-database: expected mysql://USER:PASS@127.0.0.1:PORT/DB")
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		return nil, fmt.Errorf("-database: %s is not this machine; the benchmark only loads a local database", h)
	}
	return o, nil
}

// shape is one page the benchmark fetches, both ways.
type shape struct {
	name, desc string
	search     string
	after      string   // GraphQL cursor
	rawAfter   *rawPage // the same position for the raw statements
	gql, sql   []result // per concurrency level
}

func mainErr(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	// The node, in process, on a loopback listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	mailDir, err := os.MkdirTemp("", "rollcall-bench-mail")
	if err != nil {
		return err
	}
	defer os.RemoveAll(mailDir)
	env := map[string]string{
		"DATABASE_URL": o.database,
		"HTTP_ADDR":    ln.Addr().String(),
		"PUBLIC_URL":   base,
		"MAIL_URL":     "file:" + mailDir,
		"LOG_LEVEL":    "warn",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	progress("starting a node on %s with %s", base, redact(o.database))
	node, err := app.New(ctx, cfg, app.Options{Logger: log, MailPollInterval: time.Hour})
	if err != nil {
		return err
	}
	defer node.Close()
	srv := &http.Server{Handler: node.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		node.Shutdown(sctx)
		_ = srv.Shutdown(sctx)
	}()

	// The raw path: the same DSN the store builds.
	dsn, err := db.MySQLDSN(o.database)
	if err != nil {
		return err
	}
	sqlDB, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(rawPoolSize)
	sqlDB.SetMaxIdleConns(rawPoolSize)

	client := newGQLClient(base, maxConcurrency)
	if err := client.signIn(ctx, o.owner, o.password); err != nil {
		return err
	}
	defer func() { _ = client.signOut(context.Background()) }()
	accountGID, err := client.rootAccount(ctx)
	if err != nil {
		return err
	}
	accountID, err := models.ParseID(models.KindAccount, accountGID)
	if err != nil {
		return err
	}
	chain, err := accountChain(ctx, sqlDB, accountID)
	if err != nil {
		return err
	}
	raw := &rawStore{db: sqlDB, chain: chain}

	rep := &report{opt: o, started: time.Now(), accountGID: accountGID, accountID: accountID}
	if rep.machine, err = describeMachine(ctx, sqlDB); err != nil {
		return err
	}

	if o.export {
		progress("measuring the CSV export of account %d", accountID)
		ex, err := measureExport(ctx, client, accountGID)
		if err != nil {
			return err
		}
		rep.export = &ex
	}

	// The three shapes; each is checked to answer the same page both ways.
	shapes := []*shape{
		{name: "first", desc: fmt.Sprintf("first page of %d, NAME ASC", o.pageSize)},
		{name: "search", desc: fmt.Sprintf("first page of %d, filter {search: %q}", o.pageSize, o.search), search: o.search},
	}
	progress("walking %d pages for the deep cursor", o.deepPages)
	deep := &shape{name: "deep", desc: fmt.Sprintf("page %d of %d via cursor, NAME ASC", o.deepPages+1, o.pageSize)}
	for i := 0; i < o.deepPages; i++ {
		gp, _, err := client.page(ctx, accountGID, "", o.pageSize, deep.after)
		if err != nil {
			return err
		}
		rp, err := raw.fetch(ctx, "", o.pageSize, deep.rawAfter)
		if err != nil {
			return err
		}
		if !gp.Node.Members.PageInfo.HasNextPage || !rp.hasNext {
			return fmt.Errorf("the account has fewer than %d pages of %d members", o.deepPages+1, o.pageSize)
		}
		deep.after, deep.rawAfter = gp.Node.Members.PageInfo.EndCursor, rp
	}
	shapes = append(shapes, deep)
	for _, s := range shapes {
		gp, ids, err := client.page(ctx, accountGID, s.search, o.pageSize, s.after)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		rp, err := raw.fetch(ctx, s.search, o.pageSize, s.rawAfter)
		if err != nil {
			return fmt.Errorf("%s (SQL): %w", s.name, err)
		}
		m := gp.Node.Members
		if m.TotalCount != rp.total || !slices.Equal(ids, rp.userIDs) || m.PageInfo.HasNextPage != rp.hasNext {
			return fmt.Errorf("%s: the raw statements answer another page than GraphQL (total %d vs %d, %d vs %d rows, hasNext %v vs %v, same ids %v)",
				s.name, m.TotalCount, rp.total, len(ids), len(rp.userIDs), m.PageInfo.HasNextPage, rp.hasNext, slices.Equal(ids, rp.userIDs))
		}
		if len(ids) == 0 {
			return fmt.Errorf("%s: the page is empty; pick another -search", s.name)
		}
		rep.totals = append(rep.totals, fmt.Sprintf("%s: totalCount %d, %d rows", s.name, rp.total, len(ids)))
	}

	for _, s := range shapes {
		vars := membersVars(accountGID, s.search, o.pageSize, s.after)
		gqlDo := func(ctx context.Context) error {
			_, err := client.raw(ctx, membersQuery, vars)
			return err
		}
		sqlDo := func(ctx context.Context) error {
			_, err := raw.fetch(ctx, s.search, o.pageSize, s.rawAfter)
			return err
		}
		for _, c := range o.concurrency {
			progress("%s × %d: GraphQL", s.name, c)
			g := run(ctx, c, o.warmup, o.duration, gqlDo)
			progress("%s × %d: SQL", s.name, c)
			q := run(ctx, c, o.warmup, o.duration, sqlDo)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.gql, s.sql = append(s.gql, g), append(s.sql, q)
		}
	}
	rep.shapes = shapes

	if o.explain {
		for _, s := range shapes {
			first, err := raw.fetch(ctx, s.search, o.pageSize, s.rawAfter)
			if err != nil {
				return fmt.Errorf("EXPLAIN %s: %w", s.name, err)
			}
			count, countArgs, page, pageArgs := raw.statements(s.search, o.pageSize, s.rawAfter, first.total)
			ec, err := explain(ctx, sqlDB, count, countArgs)
			if err != nil {
				return fmt.Errorf("EXPLAIN %s count: %w", s.name, err)
			}
			ep, err := explain(ctx, sqlDB, page, pageArgs)
			if err != nil {
				return fmt.Errorf("EXPLAIN %s page: %w", s.name, err)
			}
			rep.explains = append(rep.explains, explained{shape: s.name, count: count, countArgs: countArgs, countPlan: ec,
				page: page, pageArgs: pageArgs, pagePlan: ep})
		}
	}

	text := rep.markdown()
	if _, err := io.WriteString(stdout, text); err != nil {
		return err
	}
	if o.out != "" {
		return os.WriteFile(o.out, []byte(text), 0o644)
	}
	return nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// machine describes where the figures come from.
type machine struct {
	cpus, gomaxprocs int
	memTotal         string
	goVersion        string
	server           string
}

func describeMachine(ctx context.Context, sqlDB *sql.DB) (machine, error) {
	m := machine{cpus: runtime.NumCPU(), gomaxprocs: runtime.GOMAXPROCS(0), goVersion: runtime.Version()}
	if err := sqlDB.QueryRowContext(ctx, "SELECT VERSION()").Scan(&m.server); err != nil {
		return m, fmt.Errorf("connect to the database: %w", err)
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					m.memTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	return m, nil
}
