package main

import (
	"fmt"
	"strings"
	"time"
)

// Targets of issue 5.
const (
	targetRatio     = 0.5
	targetP99       = 50 * time.Millisecond
	targetExport    = 3 * time.Second
	targetRSSGrowth = 50 << 20
	targetRows      = 100_000
)

type explained struct {
	shape               string
	count, page         string
	countArgs, pageArgs []any
	countPlan, pagePlan string
}

type report struct {
	opt        *options
	started    time.Time
	machine    machine
	accountGID string
	accountID  int64
	totals     []string
	export     *exportResult
	shapes     []*shape
	explains   []explained
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func (r *report) markdown() string {
	var b strings.Builder
	o, m := r.opt, r.machine
	fmt.Fprintf(&b, "## Members directory benchmark, %s\n\n", r.started.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- machine: %d CPUs (GOMAXPROCS %d), %s RAM, %s, database %s; client, node and database share the CPUs\n",
		m.cpus, m.gomaxprocs, m.memTotal, m.goVersion, m.server)
	fmt.Fprintf(&b, "- store: %s, root account %s (id %d)\n", redact(o.database), r.accountGID, r.accountID)
	fmt.Fprintf(&b, "- each cell: closed loop; every request started in a %s window after %s warm-up is counted to its completion (req/s = completed / time until the last one ended); raw SQL pool %d connections (the store's cap)\n",
		o.duration, o.warmup, rawPoolSize)
	for _, t := range r.totals {
		fmt.Fprintf(&b, "- %s\n", t)
	}
	b.WriteString("\n| page | conc. | GraphQL req/s | GraphQL p50 | GraphQL p99 | SQL req/s | SQL p50 | SQL p99 | GraphQL/SQL |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.shapes {
		for i, c := range o.concurrency {
			g, q := s.gql[i], s.sql[i]
			ratio := 0.0
			if q.rps() > 0 {
				ratio = g.rps() / q.rps()
			}
			errs := ""
			if g.errors+q.errors > 0 {
				errs = fmt.Sprintf(" (errors: GraphQL %d, SQL %d)", g.errors, q.errors)
			}
			fmt.Fprintf(&b, "| %s | %d | %.0f | %s | %s | %.0f | %s | %s | %.0f%%%s |\n",
				s.name, c, g.rps(), ms(g.p50), ms(g.p99), q.rps(), ms(q.p50), ms(q.p99), 100*ratio, errs)
		}
	}
	b.WriteString("\nPages: ")
	for i, s := range r.shapes {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s = %s", s.name, s.desc)
	}
	b.WriteString(".\n\n### Against the targets\n\n")
	b.WriteString("| page | GraphQL peak req/s (conc.) | SQL ceiling req/s (conc.) | peak/ceiling (≥ 50%) | GraphQL p99 at its peak (< 50 ms) |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.shapes {
		gi, qi := peak(s.gql), peak(s.sql)
		ratio := 0.0
		if s.sql[qi].rps() > 0 {
			ratio = s.gql[gi].rps() / s.sql[qi].rps()
		}
		fmt.Fprintf(&b, "| %s | %.0f (%d) | %.0f (%d) | %.0f%% %s | %s %s |\n", s.name,
			s.gql[gi].rps(), o.concurrency[gi], s.sql[qi].rps(), o.concurrency[qi],
			100*ratio, verdict(ratio >= targetRatio), ms(s.gql[gi].p99), verdict(s.gql[gi].p99 < targetP99))
	}
	for _, s := range r.shapes {
		for i, c := range o.concurrency {
			if e := s.gql[i].firstErr; e != nil {
				fmt.Fprintf(&b, "\nFirst GraphQL error (%s × %d): %v\n", s.name, c, e)
			}
			if e := s.sql[i].firstErr; e != nil {
				fmt.Fprintf(&b, "\nFirst SQL error (%s × %d): %v\n", s.name, c, e)
			}
		}
	}
	if ex := r.export; ex != nil {
		growth := ex.rssPeak - ex.rssBefore
		b.WriteString("\n### CSV export of the root account\n\n")
		b.WriteString("| rows | bytes | wall time | rows/s | VmRSS before | peak | after | peak growth |\n")
		b.WriteString("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		rate := float64(ex.rows) / ex.wall.Seconds()
		fmt.Fprintf(&b, "| %d | %s | %s | %.0f | %s | %s | %s | %s |\n", ex.rows, mib(ex.bytes), ms(ex.wall), rate,
			mib(ex.rssBefore), mib(ex.rssPeak), mib(ex.rssAfter), mib(growth))
		fmt.Fprintf(&b, "\n%d VmRSS samples (every 10 ms). Target: %d rows < %s, RSS growth < %s. ", ex.samples, targetRows, targetExport, mib(targetRSSGrowth))
		if ex.rows >= targetRows {
			fmt.Fprintf(&b, "Time %s, memory %s.\n", verdict(ex.wall < targetExport), verdict(growth < targetRSSGrowth))
		} else {
			projected := time.Duration(float64(targetRows) / rate * float64(time.Second))
			fmt.Fprintf(&b, "The account holds %d rows; at this rate %d rows take ~%s (projected) — time %s; memory %s.\n",
				ex.rows, targetRows, projected.Round(10*time.Millisecond), verdict(projected < targetExport), verdict(growth < targetRSSGrowth))
		}
		fmt.Fprintf(&b, "Header: `%s`\n", ex.firstLine)
	}
	if len(r.explains) > 0 {
		b.WriteString("\n### Statements and plans\n")
		for _, e := range r.explains {
			fmt.Fprintf(&b, "\n#### %s\n\n```sql\n%s\n-- args: %v\n```\n\n%s\n```sql\n%s\n-- args: %v\n```\n\n%s", e.shape,
				e.count, e.countArgs, e.countPlan, e.page, e.pageArgs, e.pagePlan)
		}
		b.WriteString("\nThen, for every page: `SELECT * FROM `users` WHERE id IN (...)` with the page's people and inviters (primary key lookups).\n")
	}
	return b.String()
}

// peak is the index of the highest throughput.
func peak(rs []result) int {
	best := 0
	for i, r := range rs {
		if r.rps() > rs[best].rps() {
			best = i
		}
	}
	return best
}
