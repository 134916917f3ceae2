// Command bench measures the members directory of a seeded organization:
// the GraphQL page through the real HTTP handler of a node started in this
// process, beside the very statements the store sends for that page run
// directly through database/sql at the same concurrency — the store's own
// ceiling on this machine — and the CSV export of the root account (wall
// time and resident memory growth). It measures one database or several
// sizes in one run and can draw the curves as SVG charts.
//
// Seed the databases first (see docs/seed.md), then:
//
//	go run ./cmd/bench -database mysql://root@127.0.0.1:3306/rollcall_bench_100k -out bench.md
//
//	go run ./cmd/bench \
//	  -sizes 10k=mysql://root@127.0.0.1:3306/rollcall_bench_10k,100k=mysql://root@127.0.0.1:3306/rollcall_bench_100k,1m=mysql://root@127.0.0.1:3306/rollcall_bench_1m,100k=sqlite:/tmp/rollcall_bench_100k.db \
//	  -svg docs/curves -section docs/benchmarks.md
//
// Each size (one -database, or each LABEL=URL of -sizes; MySQL/MariaDB on
// this machine or a SQLite file) is measured in turn by a fresh node. For
// each page shape and each concurrency level (-concurrency, at most 64) it
// runs a closed loop of that many workers for -duration after -warmup and
// reports requests/s, p50 and p99 latency of the GraphQL request and of the
// raw SQL, and their throughput ratio:
//
//   - first: the first page (-first, 50) in the default order (NAME ASC)
//     with role, membership fields and the user's id, email, names and
//     lastActiveAt;
//   - deep: the page after the cursor reached by walking -deep-pages pages;
//   - search "TERM": the first page matching filter {search: TERM}, for
//     each term of -search.
//
// The raw SQL of a request is the text db.Store.MembersPageSQL returns for
// it (the count, unless the store skips it, and the page, arguments
// interpolated as the driver sends them), followed, only where the page
// statement does not read the people's columns itself, by the user
// loader's batch SELECT * FROM users WHERE id IN (...). A change to the
// store's SQL is therefore measured without a change here. Before measuring, each shape is
// fetched both ways and the results compared (total, user ids in order,
// hasNextPage), so the raw statements are known to answer the same page.
// The GraphQL request also pays what any request pays: the session lookup
// of the bearer token, the account's scope and access check, gqlgen and
// JSON.
//
// The export is measured first, on the fresh node: the full download of
// GET /export/accounts/{id}/members.csv, its wall time, and VmRSS of this
// process (server and streaming client) before, at its peak (sampled every
// 10 ms) and after. A download still running after -export-timeout is
// stopped: the report gives the rows read until then, marked as cut.
//
// With -svg DIR it writes the charts (see charts.go): latency against
// members per shape, the GraphQL/SQL throughput ratio against members, the
// export's seconds and memory against rows, and SQLite beside MariaDB at the
// same size. With -section FILE it replaces the part of FILE between the
// lines <!-- bench:curves --> and <!-- /bench:curves --> with the report.
//
// Signing in creates one session (signed out at the end) and the export
// writes one audit event in each benchmark database. Everything runs on
// 127.0.0.1; the client, the node and the database share the machine's
// cores, so the figures are the machine's, not the node's alone.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const maxConcurrency = 64

type options struct {
	targets       []target
	duration      time.Duration
	warmup        time.Duration
	concurrency   []int
	owner         string
	password      string
	searches      []string
	deepPages     int
	pageSize      int
	export        bool
	exportTimeout time.Duration
	explain       bool
	timeout       time.Duration
	slow          time.Duration
	out           string
	svgDir        string
	section       string
	args          []string // as given, for the report
}

// target is one seeded database.
type target struct {
	label string // as given to -sizes, or the database's name
	url   string
	mysql bool // else SQLite
}

func (t target) storeName() string {
	if t.mysql {
		return "MariaDB"
	}
	return "SQLite"
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
	o := &options{args: args}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	database := fs.String("database", def, "one seeded store on this machine: mysql://USER:PASS@127.0.0.1:PORT/DB or sqlite:PATH (default $BENCH_DATABASE_URL)")
	sizes := fs.String("sizes", "", "several seeded stores, measured in turn: comma-separated LABEL=URL (replaces -database)")
	fs.DurationVar(&o.duration, "duration", 2*time.Second, "measured time of each cell (size × shape × concurrency × GraphQL/SQL)")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured time before each cell")
	conc := fs.String("concurrency", "1,4", fmt.Sprintf("comma-separated concurrency levels (each at most %d)", maxConcurrency))
	fs.StringVar(&o.owner, "owner", "owner@example.com", "login of the organization's owner")
	fs.StringVar(&o.password, "password", "correct horse battery", "the owner's password")
	search := fs.String("search", "mar,martin,maria gar,xqzj", "comma-separated search terms, one page shape each")
	fs.IntVar(&o.deepPages, "deep-pages", 20, "pages walked before the deep page")
	fs.IntVar(&o.pageSize, "first", 50, "page size")
	fs.BoolVar(&o.export, "export", true, "measure the CSV export of the root account")
	fs.DurationVar(&o.exportTimeout, "export-timeout", time.Minute, "stop the export's download after this; the report gives the rows read until then")
	fs.BoolVar(&o.explain, "explain", false, "append the statements and their EXPLAIN (QUERY PLAN) to the report")
	fs.DurationVar(&o.timeout, "request-timeout", 2*time.Minute, "the node's REQUEST_TIMEOUT: longer than its default (15s), so a slow page is measured rather than cut")
	fs.DurationVar(&o.slow, "slow", 5*time.Second, "skip the levels above the first for a page whose p50 at the first level exceeds this (0: never)")
	fs.StringVar(&o.out, "out", "", "also write the report to this file")
	fs.StringVar(&o.svgDir, "svg", "", "write the SVG charts into this directory")
	fs.StringVar(&o.section, "section", "", "replace the text between <!-- bench:curves --> and <!-- /bench:curves --> in this file with the report")
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
	for _, s := range strings.Split(*search, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.searches = append(o.searches, s)
		}
	}
	if o.duration <= 0 || o.duration > 5*time.Minute {
		return nil, errors.New("-duration: between 0 and 5m")
	}
	if o.timeout <= 0 || o.slow < 0 || o.exportTimeout <= 0 {
		return nil, errors.New("-request-timeout > 0, -export-timeout > 0, -slow ≥ 0")
	}
	if o.warmup < 0 || o.pageSize < 1 || o.pageSize > 100 || o.deepPages < 1 || o.deepPages > 1000 {
		return nil, errors.New("-warmup ≥ 0, -first 1..100, -deep-pages 1..1000")
	}
	if strings.TrimSpace(*sizes) == "" {
		t, err := parseTarget("", *database)
		if err != nil {
			return nil, fmt.Errorf("-database: %w", err)
		}
		o.targets = []target{t}
		return o, nil
	}
	for _, entry := range strings.Split(*sizes, ",") {
		label, u, ok := strings.Cut(strings.TrimSpace(entry), "=")
		if !ok {
			label, u = "", label
		}
		t, err := parseTarget(strings.TrimSpace(label), strings.TrimSpace(u))
		if err != nil {
			return nil, fmt.Errorf("-sizes %q: %w", entry, err)
		}
		o.targets = append(o.targets, t)
	}
	return o, nil
}

// parseTarget checks a store URL: MySQL on this machine (the benchmark only
// loads a local database) or an existing SQLite file (db.Open would create
// an empty one).
func parseTarget(label, raw string) (target, error) {
	if path, ok := strings.CutPrefix(raw, "sqlite:"); ok {
		path, _, _ = strings.Cut(path, "?")
		if _, err := os.Stat(path); err != nil {
			return target{}, fmt.Errorf("SQLite file: %w", err)
		}
		if label == "" {
			label = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		}
		return target{label: label, url: raw}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" {
		return target{}, errors.New("expected mysql://USER:PASS@127.0.0.1:PORT/DB or sqlite:PATH")
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		return target{}, fmt.Errorf("%s is not this machine; the benchmark only loads a local database", h)
	}
	if label == "" {
		label = strings.Trim(u.Path, "/")
	}
	return target{label: label, url: raw, mysql: true}, nil
}

func mainErr(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rep := &report{opt: o, started: time.Now(), machine: describeMachine()}
	for _, t := range o.targets {
		progress := func(format string, a ...any) {
			fmt.Fprintf(stderr, "bench: %s (%s): %s\n", t.label, t.storeName(), fmt.Sprintf(format, a...))
		}
		res, err := measureTarget(ctx, o, t, stderr, progress)
		if err != nil {
			return fmt.Errorf("%s: %w", t.label, err)
		}
		rep.targets = append(rep.targets, res)
	}
	rep.took = time.Since(rep.started)

	if o.svgDir != "" {
		files, err := writeCharts(o.svgDir, o, rep.targets)
		if err != nil {
			return err
		}
		rep.charts = files
	}
	text := rep.markdown(linkBase(o))
	if _, err := io.WriteString(stdout, text); err != nil {
		return err
	}
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(text), 0o644); err != nil {
			return err
		}
	}
	if o.section != "" {
		return replaceSection(o.section, text)
	}
	return nil
}

// linkBase is the directory the report's image links are relative to: that
// of -section or -out when given.
func linkBase(o *options) string {
	for _, f := range []string{o.section, o.out} {
		if f != "" {
			return filepath.Dir(f)
		}
	}
	return "."
}

const sectionBegin, sectionEnd = "<!-- bench:curves -->", "<!-- /bench:curves -->"

// replaceSection puts text between the markers of file, each alone on its
// line (the document may name them in its prose), so a rerun updates the
// figures of a document without touching what surrounds them.
func replaceSection(file, text string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	lines := strings.SplitAfter(string(b), "\n")
	begin, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case sectionBegin:
			if begin < 0 {
				begin = i
			}
		case sectionEnd:
			if begin >= 0 && end < 0 {
				end = i
			}
		}
	}
	if begin < 0 || end < 0 {
		return fmt.Errorf("-section: %s has no %s … %s lines", file, sectionBegin, sectionEnd)
	}
	out := strings.Join(lines[:begin+1], "") + "\n" + strings.TrimRight(text, "\n") + "\n\n" + strings.Join(lines[end:], "")
	return os.WriteFile(file, []byte(out), 0o644)
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
}

func describeMachine() machine {
	m := machine{cpus: runtime.NumCPU(), gomaxprocs: runtime.GOMAXPROCS(0), goVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					m.memTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	return m
}
