package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Targets of issue 14 (on MariaDB unless said otherwise).
const (
	// Search of 3+ characters at concurrency 1: up to about 100k members,
	// p50 and p99; at 1M, p99.
	targetSearchP50      = 10 * time.Millisecond
	targetSearchP99      = 25 * time.Millisecond
	targetSearchP99Large = 50 * time.Millisecond
	// largeAccount is where the 1M search target replaces the 100k one.
	largeAccount = 500_000
	// First and deep page: GraphQL throughput at least this share of the raw
	// SQL ceiling at every concurrency, and p99 at concurrency 4 at most
	// targetPageP99.
	targetRatio       = 0.6
	targetPageP99     = 50 * time.Millisecond
	targetPageP99Conc = 4
	// Export: targetRows rows in targetExport, memory growth under
	// targetRSSGrowth.
	targetExport    = 2 * time.Second
	targetRSSGrowth = 50 << 20
	targetRows      = 100_000
	// SQLite: the same searches within this factor of MariaDB.
	targetSQLiteFactor = 2.0
)

type explained struct {
	shape               string
	count, page         string
	countPlan, pagePlan string
}

type report struct {
	opt     *options
	started time.Time
	took    time.Duration
	machine machine
	targets []*targetResult
	charts  []chartFile
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func (r result) ratioTo(q result) float64 {
	if q.rps() <= 0 {
		return 0
	}
	return r.rps() / q.rps()
}

func (t *targetResult) sizeName() string {
	if t.mysql {
		return t.label
	}
	return t.label + " (SQLite)"
}

// sqlitePeer is the MariaDB result with the same number of members as a
// SQLite one (the same seed), or nil.
func (r *report) sqlitePeer(t *targetResult) *targetResult {
	for _, m := range r.targets {
		if m.mysql && m.members == t.members {
			return m
		}
	}
	return nil
}

// markdown renders the report; image links are relative to linkDir.
func (r *report) markdown(linkDir string) string {
	var b strings.Builder
	o, m := r.opt, r.machine
	fmt.Fprintf(&b, "### Run, %s\n\n", r.started.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- command: `go run ./cmd/bench %s` (took %s)\n", shellArgs(o.args), r.took.Round(time.Second))
	fmt.Fprintf(&b, "- machine: %d CPUs (GOMAXPROCS %d), %s RAM, %s; client, node and database share the CPUs\n",
		m.cpus, m.gomaxprocs, m.memTotal, m.goVersion)
	fmt.Fprintf(&b, "- each cell: closed loop; every request started in a %s window after %s warm-up is counted to its completion (req/s = completed / time until the last one ended); raw SQL pool sized like the store's\n",
		o.duration, o.warmup)
	b.WriteString("\n| size | store | database | root account members | root account |\n| --- | --- | --- | ---: | --- |\n")
	for _, t := range r.targets {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s (id %d) |\n", t.label, redact(t.url), t.server, t.members, t.accountGID, t.accountID)
	}
	if len(r.targets) == 0 {
		return b.String()
	}

	b.WriteString("\nPages: ")
	for i, s := range r.targets[0].shapes {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s = %s", s.name, s.desc)
	}
	b.WriteString(". Their totalCount:\n\n| page |")
	for _, t := range r.targets {
		fmt.Fprintf(&b, " %s |", t.sizeName())
	}
	b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(r.targets)) + "\n")
	for i, s := range r.targets[0].shapes {
		fmt.Fprintf(&b, "| %s |", s.name)
		for _, t := range r.targets {
			fmt.Fprintf(&b, " %d |", t.shapes[i].total)
		}
		b.WriteString("\n")
	}

	b.WriteString("\n#### Latency and throughput\n\n")
	b.WriteString("| page | size | conc. | GraphQL req/s | GraphQL p50 | GraphQL p99 | SQL req/s | SQL p50 | SQL p99 | GraphQL/SQL | requests GraphQL/SQL |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for i := range r.targets[0].shapes {
		for _, t := range r.targets {
			s := t.shapes[i]
			for k, c := range o.concurrency {
				g, q := s.gql[k], s.sql[k]
				if g.skipped {
					fmt.Fprintf(&b, "| %s | %s | %d | skipped: p50 at ×%d over %s | | | | | | | |\n", s.name, t.sizeName(), c, o.concurrency[0], o.slow)
					continue
				}
				errs := ""
				if g.errors+q.errors > 0 {
					errs = fmt.Sprintf(" (errors: GraphQL %d, SQL %d)", g.errors, q.errors)
				}
				fmt.Fprintf(&b, "| %s | %s | %d | %.1f | %s | %s | %.1f | %s | %s | %.0f%%%s | %d / %d |\n",
					s.name, t.sizeName(), c, g.rps(), ms(g.p50), ms(g.p99), q.rps(), ms(q.p50), ms(q.p99), 100*g.ratioTo(q), errs, g.requests, q.requests)
			}
		}
	}
	for _, t := range r.targets {
		for _, s := range t.shapes {
			for k, c := range o.concurrency {
				if e := s.gql[k].firstErr; e != nil {
					fmt.Fprintf(&b, "\nFirst GraphQL error (%s, %s × %d): %v\n", t.sizeName(), s.name, c, e)
				}
				if e := s.sql[k].firstErr; e != nil {
					fmt.Fprintf(&b, "\nFirst SQL error (%s, %s × %d): %v\n", t.sizeName(), s.name, c, e)
				}
			}
		}
	}

	if r.targets[0].export != nil {
		b.WriteString("\n#### CSV export of the root account\n\n")
		b.WriteString("| size | rows | bytes | wall time | rows/s | VmRSS before | peak | after | peak growth |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, t := range r.targets {
			ex := t.export
			wall := ms(ex.wall)
			if ex.cut {
				wall += " (cut)"
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %.0f | %s | %s | %s | %s |\n", t.sizeName(), ex.rows, mib(ex.bytes), wall,
				float64(ex.rows)/ex.wall.Seconds(), mib(ex.rssBefore), mib(ex.rssPeak), mib(ex.rssAfter), mib(ex.rssPeak-ex.rssBefore))
		}
		fmt.Fprintf(&b, "\nVmRSS of the whole process (node and streaming client), sampled every 10 ms; a download still running after %s is cut (rows = those read until then). Header: `%s`\n",
			o.exportTimeout, r.targets[0].export.firstLine)
	}

	r.targetsMarkdown(&b)

	if len(r.charts) > 0 {
		b.WriteString("\n#### Charts\n\n")
		for _, c := range r.charts {
			link := c.path
			if rel, err := filepath.Rel(linkDir, c.path); err == nil {
				link = filepath.ToSlash(rel)
			}
			fmt.Fprintf(&b, "![%s](%s)\n\n", c.title, link)
		}
	}

	for _, t := range r.targets {
		if len(t.explains) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n#### Statements and plans, %s\n", t.sizeName())
		for _, e := range t.explains {
			fmt.Fprintf(&b, "\n##### %s\n\n", e.shape)
			if e.count != "" {
				fmt.Fprintf(&b, "```sql\n%s\n```\n\n%s\n", e.count, e.countPlan)
			}
			fmt.Fprintf(&b, "```sql\n%s\n```\n\n%s", e.page, e.pagePlan)
		}
		b.WriteString("\nWhere a page statement does not read the people's columns (`u__*`), the raw path then runs ``SELECT * FROM `users` WHERE id IN (...)`` with the page's people and inviters (primary key lookups), as the node's loader did.\n")
	}
	return b.String()
}

// targetsMarkdown checks the figures against the targets of issue 14.
func (r *report) targetsMarkdown(b *strings.Builder) {
	o := r.opt
	b.WriteString("\n#### Against the targets of issue 14\n\n")

	b.WriteString(fmt.Sprintf("Search, GraphQL at concurrency %d (MariaDB; up to %s members p50 ≤ %s and p99 ≤ %s, above p99 ≤ %s):\n\n",
		o.concurrency[0], fmtCount(largeAccount), ms(targetSearchP50), ms(targetSearchP99), ms(targetSearchP99Large)))
	b.WriteString("| page | size | p50 | p99 | verdict |\n| --- | --- | ---: | ---: | --- |\n")
	for _, t := range r.targets {
		if !t.mysql {
			continue
		}
		for _, s := range t.shapes {
			if s.search == "" || utf8.RuneCountInString(strings.TrimSpace(s.search)) < 3 {
				continue
			}
			g := s.gql[0]
			ok := g.p99 <= targetSearchP99Large
			if t.members < largeAccount {
				ok = g.p50 <= targetSearchP50 && g.p99 <= targetSearchP99
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", s.name, t.sizeName(), ms(g.p50), ms(g.p99), verdict(ok))
		}
	}

	c4 := -1
	for k, c := range o.concurrency {
		if c == targetPageP99Conc {
			c4 = k
		}
	}
	fmt.Fprintf(b, "\nFirst and deep page (GraphQL/SQL throughput ≥ %.0f%% at every concurrency; GraphQL p99 ≤ %s at concurrency %d):\n\n",
		100*targetRatio, ms(targetPageP99), targetPageP99Conc)
	b.WriteString("| page | size | lowest GraphQL/SQL (conc.) | verdict | p99 at conc. 4 | verdict |\n| --- | --- | ---: | --- | ---: | --- |\n")
	for _, t := range r.targets {
		if !t.mysql {
			continue
		}
		for _, name := range []string{"first", "deep"} {
			s := t.shape(name)
			low := 0
			for k := range o.concurrency {
				if !s.gql[k].skipped && s.gql[k].ratioTo(s.sql[k]) < s.gql[low].ratioTo(s.sql[low]) {
					low = k
				}
			}
			lr := s.gql[low].ratioTo(s.sql[low])
			p99, pv := "not measured", ""
			if c4 >= 0 && !s.gql[c4].skipped {
				p99, pv = ms(s.gql[c4].p99), verdict(s.gql[c4].p99 <= targetPageP99)
			}
			fmt.Fprintf(b, "| %s | %s | %.0f%% (%d) | %s | %s | %s |\n", name, t.sizeName(), 100*lr, o.concurrency[low], verdict(lr >= targetRatio), p99, pv)
		}
	}

	if r.targets[0].export != nil {
		fmt.Fprintf(b, "\nExport (%d rows ≤ %s, projected at each size's rate; peak growth ≤ %s):\n\n", targetRows, targetExport, mib(targetRSSGrowth))
		b.WriteString("| size | rows | time for 100k rows | verdict | peak growth | verdict |\n| --- | ---: | ---: | --- | ---: | --- |\n")
		for _, t := range r.targets {
			ex := t.export
			per := time.Duration(float64(ex.wall) * targetRows / float64(max(ex.rows, 1)))
			note := " (projected)"
			if ex.cut {
				note = " (projected from a cut download)"
			}
			growth := ex.rssPeak - ex.rssBefore
			fmt.Fprintf(b, "| %s | %d | %s%s | %s | %s | %s |\n", t.sizeName(), ex.rows, per.Round(10*time.Millisecond), note,
				verdict(per <= targetExport), mib(growth), verdict(growth <= targetRSSGrowth))
		}
	}

	var lines []string
	for _, t := range r.targets {
		peer := r.sqlitePeer(t)
		if t.mysql || peer == nil {
			continue
		}
		for i, s := range t.shapes {
			if s.search == "" {
				continue
			}
			g, pg := s.gql[0], peer.shapes[i].gql[0]
			f50 := float64(g.p50) / float64(max(pg.p50, 1))
			f99 := float64(g.p99) / float64(max(pg.p99, 1))
			lines = append(lines, fmt.Sprintf("| %s | %s | %s / %s = %.2f× | %s / %s = %.2f× | %s |\n", s.name, t.label,
				ms(g.p50), ms(pg.p50), f50, ms(g.p99), ms(pg.p99), f99, verdict(f50 <= targetSQLiteFactor && f99 <= targetSQLiteFactor)))
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(b, "\nSQLite beside MariaDB, the same searches at the same size (GraphQL at concurrency %d, within %.0f×):\n\n", o.concurrency[0], targetSQLiteFactor)
		b.WriteString("| page | size | p50 SQLite / MariaDB | p99 SQLite / MariaDB | verdict |\n| --- | --- | ---: | ---: | --- |\n")
		for _, l := range lines {
			b.WriteString(l)
		}
	}
}

// shellArgs quotes the arguments that need it, so the command can be
// pasted back into a shell.
func shellArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \"'$&;|<>*?()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
