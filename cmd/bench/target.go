package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/rollcall/rollcall/app"
	"github.com/rollcall/rollcall/config"
	"github.com/rollcall/rollcall/models"
)

// shape is one page the benchmark fetches, both ways.
type shape struct {
	name, desc string
	search     string
	after      string // cursor, the same for GraphQL and the store
	stmts      rawStatements
	total      int64    // the page's totalCount
	gql, sql   []result // per concurrency level
}

// targetResult is everything measured on one database.
type targetResult struct {
	target
	server     string // database version
	accountGID string
	accountID  int64
	members    int64 // the root account's effective members (first page's totalCount)
	shapes     []*shape
	export     *exportResult
	explains   []explained
}

// shape returns the shape of that name, or nil.
func (r *targetResult) shape(name string) *shape {
	for _, s := range r.shapes {
		if s.name == name {
			return s
		}
	}
	return nil
}

func searchShapeName(term string) string { return fmt.Sprintf("search %q", term) }

// measureTarget starts a node on the database, signs in as the owner and
// measures the export and every shape, both ways.
func measureTarget(ctx context.Context, o *options, t target, stderr io.Writer, progress func(string, ...any)) (*targetResult, error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	res := &targetResult{target: t}

	// The node, in process, on a loopback listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	mailDir, err := os.MkdirTemp("", "rollcall-bench-mail")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(mailDir)
	env := map[string]string{
		"DATABASE_URL": t.url,
		"HTTP_ADDR":    ln.Addr().String(),
		"PUBLIC_URL":   base,
		"MAIL_URL":     "file:" + mailDir,
		"LOG_LEVEL":    "warn",
		// A page over the default deadline (15s) is measured, not cut.
		"REQUEST_TIMEOUT": o.timeout.String(),
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	progress("starting a node on %s with %s", base, redact(t.url))
	started := time.Now()
	node, err := app.New(ctx, cfg, app.Options{Logger: log, MailPollInterval: time.Hour})
	if err != nil {
		return nil, err
	}
	defer node.Close()
	progress("node ready in %s", time.Since(started).Round(10*time.Millisecond))
	srv := &http.Server{Handler: node.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		node.Shutdown(sctx)
		_ = srv.Shutdown(sctx)
	}()

	raw, err := openRaw(t)
	if err != nil {
		return nil, err
	}
	defer raw.db.Close()
	if res.server, err = raw.version(ctx); err != nil {
		return nil, err
	}

	client := newGQLClient(base, maxConcurrency, o.timeout+30*time.Second)
	if err := client.signIn(ctx, o.owner, o.password); err != nil {
		return nil, err
	}
	defer func() { _ = client.signOut(context.Background()) }()
	ownerID, accountGID, err := client.rootAccount(ctx)
	if err != nil {
		return nil, err
	}
	res.accountGID = accountGID
	if res.accountID, err = models.ParseID(models.KindAccount, accountGID); err != nil {
		return nil, err
	}
	// MembersPageSQL reads the scope of the viewer in ctx, as FindMembers
	// does for a request.
	viewerCtx := models.WithViewer(ctx, &models.Viewer{UserID: ownerID})

	if o.export {
		progress("measuring the CSV export of account %d", res.accountID)
		// Start from what the process needs, not from garbage of the
		// previous size.
		runtime.GC()
		debug.FreeOSMemory()
		ex, err := measureExport(ctx, client, accountGID, o.exportTimeout)
		if err != nil {
			return nil, err
		}
		res.export = &ex
		cut := ""
		if ex.cut {
			cut = " (cut at -export-timeout)"
		}
		progress("export: %d rows in %s%s", ex.rows, ex.wall.Round(time.Millisecond), cut)
	}

	shapes := []*shape{
		{name: "first", desc: fmt.Sprintf("first page of %d, NAME ASC", o.pageSize)},
		{name: "deep", desc: fmt.Sprintf("page %d of %d via cursor, NAME ASC", o.deepPages+1, o.pageSize)},
	}
	for _, term := range o.searches {
		shapes = append(shapes, &shape{name: searchShapeName(term), search: term,
			desc: fmt.Sprintf("first page of %d, filter {search: %q}", o.pageSize, term)})
	}
	progress("walking %d pages for the deep cursor", o.deepPages)
	deep := shapes[1]
	for range o.deepPages {
		gp, _, err := client.page(ctx, accountGID, "", o.pageSize, deep.after)
		if err != nil {
			return nil, err
		}
		if !gp.Node.Members.PageInfo.HasNextPage {
			return nil, fmt.Errorf("the account has fewer than %d pages of %d members", o.deepPages+1, o.pageSize)
		}
		deep.after = gp.Node.Members.PageInfo.EndCursor
	}
	for _, s := range shapes {
		q := models.MemberQuery{Order: models.MemberOrderName, Search: s.search}
		p := models.PageRequest{First: o.pageSize, AfterKey: s.after}
		if s.stmts.count, s.stmts.page, err = node.Store.MembersPageSQL(viewerCtx, res.accountID, q, p); err != nil {
			return nil, fmt.Errorf("%s: MembersPageSQL: %w", s.name, err)
		}
		gp, ids, err := client.page(ctx, accountGID, s.search, o.pageSize, s.after)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		rp, err := raw.fetch(ctx, s.stmts, o.pageSize)
		if err != nil {
			return nil, fmt.Errorf("%s (SQL): %w", s.name, err)
		}
		m := gp.Node.Members
		if m.TotalCount != rp.total || !slices.Equal(ids, rp.userIDs) || m.PageInfo.HasNextPage != rp.hasNext {
			return nil, fmt.Errorf("%s: the raw statements answer another page than GraphQL (total %d vs %d, %d vs %d rows, hasNext %v vs %v, same ids %v)",
				s.name, m.TotalCount, rp.total, len(ids), len(rp.userIDs), m.PageInfo.HasNextPage, rp.hasNext, slices.Equal(ids, rp.userIDs))
		}
		if len(ids) == 0 && s.search == "" {
			return nil, fmt.Errorf("%s: the page is empty", s.name)
		}
		s.total = rp.total
		if s.name == "first" {
			res.members = rp.total
		}
	}

	for _, s := range shapes {
		vars := membersVars(accountGID, s.search, o.pageSize, s.after)
		gqlDo := func(ctx context.Context) error {
			_, err := client.raw(ctx, membersQuery, vars)
			return err
		}
		sqlDo := func(ctx context.Context) error {
			_, err := raw.fetch(ctx, s.stmts, o.pageSize)
			return err
		}
		for k, c := range o.concurrency {
			if k > 0 && o.slow > 0 && max(s.gql[0].p50, s.sql[0].p50) > o.slow {
				progress("%s × %d: skipped (p50 × %d over %s)", s.name, c, o.concurrency[0], o.slow)
				s.gql, s.sql = append(s.gql, result{skipped: true}), append(s.sql, result{skipped: true})
				continue
			}
			progress("%s × %d: GraphQL", s.name, c)
			g := run(ctx, c, o.warmup, o.duration, gqlDo)
			progress("%s × %d: SQL", s.name, c)
			q := run(ctx, c, o.warmup, o.duration, sqlDo)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.gql, s.sql = append(s.gql, g), append(s.sql, q)
		}
	}
	res.shapes = shapes

	if o.explain {
		for _, s := range shapes {
			e := explained{shape: s.name, count: s.stmts.count, page: s.stmts.page}
			if e.count != "" {
				if e.countPlan, err = raw.explain(ctx, e.count); err != nil {
					return nil, fmt.Errorf("EXPLAIN %s count: %w", s.name, err)
				}
			}
			if e.pagePlan, err = raw.explain(ctx, e.page); err != nil {
				return nil, fmt.Errorf("EXPLAIN %s page: %w", s.name, err)
			}
			res.explains = append(res.explains, e)
		}
	}
	return res, nil
}
