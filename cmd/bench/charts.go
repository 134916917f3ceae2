package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// chartFile is one SVG written by writeCharts.
type chartFile struct{ path, title string }

// Colours: GraphQL in blues, raw SQL in oranges, one shade per concurrency
// level; other series from a qualitative palette.
var (
	gqlShades = []string{"#1f5fa8", "#5aa3e0", "#0b2f5e", "#9cc7ec"}
	sqlShades = []string{"#d9540e", "#f3a35c", "#7f2704", "#fdd0a2"}
	palette   = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}
)

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// slug makes a file name part of a shape's name: search "maria gar" →
// search-maria-gar.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// writeCharts draws, from the MariaDB/MySQL sizes (x: the root account's
// members, log scale):
//
//   - latency-SHAPE.svg: p50 and p99 of GraphQL and raw SQL at each
//     concurrency, with the shape's targets;
//   - ratio-cN.svg: GraphQL/SQL throughput per shape at concurrency N;
//   - export-seconds.svg: the export's wall time against the rows it wrote
//     (a download cut at -export-timeout as its own series);
//     export-rate.svg and export-memory.svg: seconds per 100k rows and peak
//     memory growth against the account's members (SQLite sizes as their
//     own series);
//   - sqlite-LABEL.svg: for a SQLite size with a MariaDB size of the same
//     members, SQLite's latency as a multiple of MariaDB's per shape.
func writeCharts(dir string, o *options, results []*targetResult) ([]chartFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []chartFile
	write := func(name, title, svg string) error {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
			return err
		}
		out = append(out, chartFile{path: path, title: title})
		return nil
	}
	var mysql []*targetResult
	for _, t := range results {
		if t.mysql {
			mysql = append(mysql, t)
		}
	}
	slices.SortStableFunc(mysql, func(a, b *targetResult) int { return int(a.members - b.members) })

	if len(mysql) > 0 {
		for i, s0 := range mysql[0].shapes {
			c := latencyChart(o, mysql, i, s0)
			if err := write("latency-"+slug(s0.name)+".svg", c.title, c.svg()); err != nil {
				return nil, err
			}
		}
		for k, conc := range o.concurrency {
			c := &lineChart{title: fmt.Sprintf("GraphQL throughput / raw SQL ceiling, concurrency %d", conc),
				xLabel: "members of the account (log scale)", yLabel: "GraphQL req/s as % of SQL req/s",
				logX: true, fmtY: fmtPercent, refs: []refLine{{y: 100 * targetRatio, label: fmt.Sprintf("target ≥ %.0f%% (first, deep)", 100*targetRatio)}}}
			for i, s0 := range mysql[0].shapes {
				sr := series{name: s0.name, color: palette[i%len(palette)], square: s0.search != ""}
				for _, t := range mysql {
					s := t.shapes[i]
					if s.gql[k].requests > 0 && s.sql[k].requests > 0 {
						sr.points = append(sr.points, point{float64(t.members), 100 * s.gql[k].ratioTo(s.sql[k])})
					}
				}
				c.series = append(c.series, sr)
			}
			if err := write(fmt.Sprintf("ratio-c%d.svg", conc), c.title, c.svg()); err != nil {
				return nil, err
			}
		}
	}

	if len(results) > 0 && results[0].export != nil {
		for _, c := range exportCharts(o, mysql, sqliteOnly(results)) {
			if err := write(c.file, c.chart.title, c.chart.svg()); err != nil {
				return nil, err
			}
		}
	}

	for _, t := range sqliteOnly(results) {
		var peer *targetResult
		for _, m := range mysql {
			if m.members == t.members {
				peer = m
			}
		}
		if peer == nil {
			continue
		}
		c := &barChart{title: fmt.Sprintf("SQLite latency as a multiple of MariaDB's, %s members, concurrency %d", fmtCount(float64(t.members)), o.concurrency[0]),
			yLabel: "SQLite / MariaDB", fmtY: fmtTimes, refs: []refLine{{y: targetSQLiteFactor, label: fmt.Sprintf("target ≤ %g× (search)", targetSQLiteFactor)}}}
		kinds := []struct {
			name  string
			color string
			of    func(s *shape) time.Duration
		}{
			{"GraphQL p50", gqlShades[0], func(s *shape) time.Duration { return s.gql[0].p50 }},
			{"GraphQL p99", gqlShades[1], func(s *shape) time.Duration { return s.gql[0].p99 }},
			{"SQL p50", sqlShades[0], func(s *shape) time.Duration { return s.sql[0].p50 }},
			{"SQL p99", sqlShades[1], func(s *shape) time.Duration { return s.sql[0].p99 }},
		}
		for _, k := range kinds {
			c.series = append(c.series, series{name: k.name, color: k.color})
			var row []float64
			for i, s := range t.shapes {
				v := math.NaN()
				if s.gql[0].requests > 0 && s.sql[0].requests > 0 && peer.shapes[i].gql[0].requests > 0 && peer.shapes[i].sql[0].requests > 0 {
					v = float64(k.of(s)) / float64(max(k.of(peer.shapes[i]), 1))
				}
				row = append(row, v)
			}
			c.values = append(c.values, row)
		}
		for _, s := range t.shapes {
			c.categories = append(c.categories, strings.TrimPrefix(s.name, "search "))
		}
		if err := write("sqlite-"+slug(t.label)+".svg", c.title, c.svg()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sqliteOnly(results []*targetResult) []*targetResult {
	var out []*targetResult
	for _, t := range results {
		if !t.mysql {
			out = append(out, t)
		}
	}
	return out
}

// latencyChart is the i-th shape's p50 and p99 against members, GraphQL
// and SQL at each concurrency level, with the targets that apply.
func latencyChart(o *options, sizes []*targetResult, i int, s0 *shape) *lineChart {
	c := &lineChart{title: "Latency of the " + s0.name + " page (MariaDB)", xLabel: "members of the account (log scale)",
		yLabel: "latency", logX: true, fmtY: fmtMs}
	if s0.search != "" {
		c.refs = []refLine{
			{y: msOf(targetSearchP50), label: "target p50 ≤ " + fmtMs(msOf(targetSearchP50)) + " (100k, ×1)"},
			{y: msOf(targetSearchP99), label: "target p99 ≤ " + fmtMs(msOf(targetSearchP99)) + " (100k, ×1)"},
			{y: msOf(targetSearchP99Large), label: "target p99 ≤ " + fmtMs(msOf(targetSearchP99Large)) + " (1M, ×1)"},
		}
	} else {
		c.refs = []refLine{{y: msOf(targetPageP99), label: fmt.Sprintf("target p99 ≤ %s (×%d)", fmtMs(msOf(targetPageP99)), targetPageP99Conc)}}
	}
	var ys []float64
	for _, r := range c.refs {
		ys = append(ys, r.y)
	}
	for _, path := range []string{"GraphQL", "SQL"} {
		for k, conc := range o.concurrency {
			for _, pct := range []string{"p50", "p99"} {
				sr := series{name: fmt.Sprintf("%s %s ×%d", path, pct, conc), dashed: pct == "p99", square: path == "SQL"}
				if path == "GraphQL" {
					sr.color = gqlShades[k%len(gqlShades)]
				} else {
					sr.color = sqlShades[k%len(sqlShades)]
				}
				for _, t := range sizes {
					res := t.shapes[i].gql[k]
					if path == "SQL" {
						res = t.shapes[i].sql[k]
					}
					if res.requests == 0 {
						continue // skipped, or every request failed
					}
					v := res.p50
					if pct == "p99" {
						v = res.p99
					}
					sr.points = append(sr.points, point{float64(t.members), msOf(v)})
					ys = append(ys, msOf(v))
				}
				c.series = append(c.series, sr)
			}
		}
	}
	c.logY = wantsLogY(ys)
	return c
}

type namedChart struct {
	file  string
	chart *lineChart
}

// exportCharts are the export's wall time against rows, and its time per
// 100k rows and memory growth against the account's members.
func exportCharts(o *options, groups ...[]*targetResult) []namedChart {
	secs := &lineChart{title: "CSV export of the account: wall time", xLabel: "rows written (log scale)", yLabel: "seconds",
		logX: true, fmtY: fmtSeconds}
	rate := &lineChart{title: "CSV export: seconds per 100k rows", xLabel: "members of the account (log scale)", yLabel: "seconds per 100k rows",
		logX: true, fmtY: fmtSeconds, refs: []refLine{{y: targetExport.Seconds(), label: fmt.Sprintf("target ≤ %s per %s rows", targetExport, fmtCount(targetRows))}}}
	mem := &lineChart{title: "CSV export: peak memory growth", xLabel: "members of the account (log scale)", yLabel: "VmRSS growth (node + client)",
		logX: true, fmtY: fmtMiB, refs: []refLine{{y: float64(targetRSSGrowth) / (1 << 20), label: "target ≤ " + fmtMiB(float64(targetRSSGrowth)/(1<<20))}}}
	var ys []float64
	for i, group := range groups {
		if len(group) == 0 {
			continue
		}
		name := group[0].storeName()
		whole := series{name: name, color: palette[i], square: i == 1}
		cut := series{name: fmt.Sprintf("%s, cut at %s", name, o.exportTimeout), color: palette[i+2], square: i == 1, pointsOnly: true}
		perRows, growth := whole, whole
		for _, t := range group {
			ex := t.export
			p := point{float64(ex.rows), ex.wall.Seconds()}
			if ex.cut {
				cut.points = append(cut.points, p)
			} else {
				whole.points = append(whole.points, p)
			}
			members := float64(t.members)
			perRows.points = append(perRows.points, point{members, ex.wall.Seconds() * targetRows / float64(max(ex.rows, 1))})
			growth.points = append(growth.points, point{members, float64(ex.rssPeak-ex.rssBefore) / (1 << 20)})
			ys = append(ys, p.y)
		}
		for _, sr := range []*series{&whole, &cut, &perRows, &growth} {
			slices.SortFunc(sr.points, func(a, b point) int { return int(a.x - b.x) })
		}
		for _, sr := range []series{whole, cut} {
			if len(sr.points) > 0 {
				secs.series = append(secs.series, sr)
			}
		}
		rate.series, mem.series = append(rate.series, perRows), append(mem.series, growth)
	}
	secs.series = append(secs.series, series{name: fmt.Sprintf("target: %s rows in %s", fmtCount(targetRows), targetExport),
		color: "#888888", square: true, pointsOnly: true, points: []point{{targetRows, targetExport.Seconds()}}})
	secs.logY = wantsLogY(append(ys, targetExport.Seconds()))
	var rs []float64
	for _, s := range rate.series {
		for _, p := range s.points {
			rs = append(rs, p.y)
		}
	}
	rate.logY = wantsLogY(append(rs, targetExport.Seconds()))
	return []namedChart{{"export-seconds.svg", secs}, {"export-rate.svg", rate}, {"export-memory.svg", mem}}
}
