package main

import (
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A small SVG chart writer for the benchmark's curves: line charts on
// linear or logarithmic axes and grouped bar charts, at 800×450 with axes,
// ticks, labels, a legend and a title. Hand-written because the pictures
// need nothing a plotting library would add but a dependency.

const (
	chartW, chartH = 800, 450
	// The plot area; the legend sits right of it.
	plotL, plotT, plotR, plotB = 72, 48, 590, 392
	legendX                    = 606
)

// point is one measurement of a series.
type point struct{ x, y float64 }

// series is one line (or one group of bars) of a chart.
type series struct {
	name   string
	color  string
	dashed bool
	square bool // square markers instead of circles
	// pointsOnly draws markers without a line, for points that are not a
	// curve (measurements of different kinds, a target).
	pointsOnly bool
	points     []point
}

// refLine is a horizontal reference, such as a target.
type refLine struct {
	y     float64
	label string
}

// lineChart plots series of (x, y) points. A zero xMin/xMax (yMin/yMax)
// lets the data choose the range.
type lineChart struct {
	title, xLabel, yLabel string
	logX, logY            bool
	xMin, xMax            float64
	yMin, yMax            float64
	fmtX, fmtY            func(float64) string
	series                []series
	refs                  []refLine
}

// barChart draws, for each category, one bar per series (series[i].points
// are ignored; values[i][j] is series i in category j, NaN for none).
type barChart struct {
	title, yLabel string
	categories    []string
	series        []series
	values        [][]float64
	fmtY          func(float64) string
	refs          []refLine
}

// axis maps values onto pixels between lo and hi (hi < lo for y).
type axis struct {
	min, max float64
	log      bool
	lo, hi   float64
}

func (a axis) pos(v float64) float64 {
	f := (v - a.min) / (a.max - a.min)
	if a.log {
		f = (math.Log10(v) - math.Log10(a.min)) / (math.Log10(a.max) - math.Log10(a.min))
	}
	return a.lo + f*(a.hi-a.lo)
}

// ticks are the values labelled on the axis: 1, 2 and 5 times the powers of
// ten in range on a log axis (only the powers when that is too many), a
// round step giving about five intervals on a linear one.
func (a axis) ticks() []float64 {
	var out []float64
	if a.log {
		for _, mults := range [][]float64{{1, 2, 5}, {1}} {
			out = out[:0]
			for e := math.Floor(math.Log10(a.min)); e <= math.Ceil(math.Log10(a.max)); e++ {
				for _, m := range mults {
					v := m * math.Pow(10, e)
					if v >= a.min*(1-1e-9) && v <= a.max*(1+1e-9) {
						out = append(out, v)
					}
				}
			}
			if len(out) <= 10 {
				break
			}
		}
		return out
	}
	step := niceStep(a.max - a.min)
	for v := math.Ceil(a.min/step-1e-9) * step; v <= a.max+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step+0) // +0: no "-0"
	}
	return out
}

// niceStep is the smallest of 1, 2 or 5 times a power of ten that cuts span
// into at most 7 intervals.
func niceStep(span float64) float64 {
	if span <= 0 {
		return 1
	}
	for mag := math.Pow(10, math.Floor(math.Log10(span/10))); ; mag *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if span/(m*mag) <= 7+1e-9 {
				return m * mag
			}
		}
	}
}

// dataRange is the span an axis shows for the values vs: from zero on a
// linear axis (up to a round value), with a margin around them on a log one.
func dataRange(vs []float64, log bool) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if math.IsNaN(v) || (log && v <= 0) {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 10
	}
	if log {
		if hi/lo < 10 {
			// At least a decade, so there are ticks to read.
			mid := math.Sqrt(lo * hi)
			lo, hi = math.Min(lo, mid/math.Sqrt(10)), math.Max(hi, mid*math.Sqrt(10))
		}
		return lo / 1.4, hi * 1.4
	}
	lo = math.Min(lo, 0)
	if hi <= lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) * 1.08)
	return lo, math.Ceil(hi*1.08/step) * step
}

// wantsLogY says whether values spread over more than a factor 20, where a
// linear axis would flatten the small ones.
func wantsLogY(vs []float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vs {
		if v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return hi > 0 && hi/lo > 20
}

// svgWriter accumulates the document.
type svgWriter struct{ b strings.Builder }

func (w *svgWriter) printf(format string, a ...any) { fmt.Fprintf(&w.b, format, a...) }

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func (w *svgWriter) open(title string) {
	w.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		chartW, chartH, chartW, chartH)
	w.printf("<title>%s</title>\n", esc(title))
	w.printf(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartW, chartH)
	w.printf(`<text x="%d" y="26" font-size="16" font-weight="bold" fill="#222">%s</text>`+"\n", plotL, esc(title))
}

func (w *svgWriter) text(x, y float64, anchor, fill, s string, extra string) {
	w.printf(`<text x="%s" y="%s" text-anchor="%s" fill="%s"%s>%s</text>`+"\n", num(x), num(y), anchor, fill, extra, esc(s))
}

// yAxis draws the horizontal grid lines, the y tick labels and the y label.
func (w *svgWriter) yAxis(y axis, format func(float64) string, label string) {
	for _, t := range y.ticks() {
		py := y.pos(t)
		w.printf(`<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#e3e3e3"/>`+"\n", plotL, num(py), plotR, num(py))
		w.text(plotL-6, py+4, "end", "#333", format(t), "")
	}
	w.printf(`<text transform="translate(15 %s) rotate(-90)" text-anchor="middle" fill="#333">%s</text>`+"\n",
		num(float64(plotT+plotB)/2), esc(label))
}

func (w *svgWriter) refs(y axis, refs []refLine) {
	for _, r := range refs {
		if r.y < y.min || r.y > y.max {
			continue
		}
		py := y.pos(r.y)
		w.printf(`<line class="ref" x1="%d" y1="%s" x2="%d" y2="%s" stroke="#888" stroke-width="1.2" stroke-dasharray="2 3"/>`+"\n",
			plotL, num(py), plotR, num(py))
		w.text(plotR-4, py-4, "end", "#666", r.label, ` font-size="11"`)
	}
}

func (w *svgWriter) frame() {
	w.printf(`<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>`+"\n", plotL, plotT, plotR-plotL, plotB-plotT)
}

// marker draws a data point (class "point", with its value as a tooltip)
// or, without a tip, the legend's sample.
func (w *svgWriter) marker(s series, x, y float64, tip string) {
	attrs, title := ` class="point"`, "<title>"+esc(tip)+"</title>"
	if tip == "" {
		attrs, title = "", ""
	}
	if s.square {
		w.printf(`<rect%s x="%s" y="%s" width="7" height="7" fill="%s">%s</rect>`+"\n", attrs, num(x-3.5), num(y-3.5), s.color, title)
		return
	}
	w.printf(`<circle%s cx="%s" cy="%s" r="3.8" fill="%s">%s</circle>`+"\n", attrs, num(x), num(y), s.color, title)
}

func (w *svgWriter) legend(ss []series, bars bool) {
	y := float64(plotT + 8)
	for _, s := range ss {
		if bars {
			w.printf(`<rect x="%d" y="%s" width="14" height="10" fill="%s"/>`+"\n", legendX, num(y-5), s.color)
		} else {
			dash := ""
			if s.dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			if !s.pointsOnly {
				w.printf(`<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s" stroke-width="2"%s/>`+"\n", legendX, num(y), legendX+26, num(y), s.color, dash)
			}
			w.marker(series{color: s.color, square: s.square}, float64(legendX+13), y, "")
		}
		w.text(float64(legendX+34), y+4, "start", "#222", s.name, "")
		y += 19
	}
}

// svg renders the line chart.
func (c *lineChart) svg() string {
	var xs, ys []float64
	for _, s := range c.series {
		for _, p := range s.points {
			xs, ys = append(xs, p.x), append(ys, p.y)
		}
	}
	for _, r := range c.refs {
		ys = append(ys, r.y)
	}
	x := axis{log: c.logX, lo: plotL, hi: plotR}
	x.min, x.max = dataRange(xs, c.logX)
	if c.xMin != 0 || c.xMax != 0 {
		x.min, x.max = c.xMin, c.xMax
	}
	y := axis{log: c.logY, lo: plotB, hi: plotT}
	y.min, y.max = dataRange(ys, c.logY)
	if c.yMin != 0 || c.yMax != 0 {
		y.min, y.max = c.yMin, c.yMax
	}
	fx, fy := c.fmtX, c.fmtY
	if fx == nil {
		fx = fmtCount
	}
	if fy == nil {
		fy = fmtCount
	}
	var w svgWriter
	w.open(c.title)
	w.yAxis(y, fy, c.yLabel)
	for _, t := range x.ticks() {
		px := x.pos(t)
		w.printf(`<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#e3e3e3"/>`+"\n", num(px), plotT, num(px), plotB)
		w.printf(`<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#444"/>`+"\n", num(px), plotB, num(px), plotB+5)
		w.text(px, plotB+19, "middle", "#333", fx(t), "")
	}
	w.text(float64(plotL+plotR)/2, plotB+44, "middle", "#333", c.xLabel, "")
	w.refs(y, c.refs)
	w.frame()
	for _, s := range c.series {
		var pts []string
		for _, p := range s.points {
			if (c.logX && p.x <= 0) || (c.logY && p.y <= 0) {
				continue
			}
			pts = append(pts, num(x.pos(p.x))+","+num(y.pos(p.y)))
		}
		if len(pts) > 1 && !s.pointsOnly {
			dash := ""
			if s.dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			w.printf(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(pts, " "), s.color, dash)
		}
		for _, p := range s.points {
			if (c.logX && p.x <= 0) || (c.logY && p.y <= 0) {
				continue
			}
			w.marker(s, x.pos(p.x), y.pos(p.y), fmt.Sprintf("%s: %s, %s", s.name, fx(p.x), fy(p.y)))
		}
	}
	w.legend(c.series, false)
	w.printf("</svg>\n")
	return w.b.String()
}

// svg renders the bar chart.
func (c *barChart) svg() string {
	var vs []float64
	for _, row := range c.values {
		vs = append(vs, row...)
	}
	for _, r := range c.refs {
		vs = append(vs, r.y)
	}
	y := axis{lo: plotB, hi: plotT}
	y.min, y.max = dataRange(vs, false)
	fy := c.fmtY
	if fy == nil {
		fy = fmtCount
	}
	var w svgWriter
	w.open(c.title)
	w.yAxis(y, fy, c.yLabel)
	slot := float64(plotR-plotL) / float64(max(len(c.categories), 1))
	bar := slot * 0.8 / float64(max(len(c.series), 1))
	for j, cat := range c.categories {
		cx := float64(plotL) + slot*(float64(j)+0.5)
		w.text(cx, plotB+19, "middle", "#333", cat, "")
		for i, s := range c.series {
			if j >= len(c.values[i]) || math.IsNaN(c.values[i][j]) {
				continue
			}
			v := c.values[i][j]
			bx := cx - slot*0.4 + bar*float64(i)
			top, base := y.pos(v), y.pos(math.Max(y.min, 0))
			w.printf(`<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n",
				num(bx), num(math.Min(top, base)), num(bar-1), num(math.Abs(base-top)), s.color, esc(fmt.Sprintf("%s, %s: %s", s.name, cat, fy(v))))
		}
	}
	w.refs(y, c.refs)
	w.frame()
	w.legend(c.series, true)
	w.printf("</svg>\n")
	return w.b.String()
}

// fmtCount writes 10000 (and 10001) as 10k and 1000000 as 1M.
func fmtCount(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return trimFloat(roundSig(v/1e6)) + "M"
	case a >= 1e3:
		return trimFloat(roundSig(v/1e3)) + "k"
	}
	return trimFloat(roundSig(v))
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// fmtMs writes milliseconds, as seconds from 1000 on (short tick labels).
func fmtMs(v float64) string {
	if math.Abs(v) >= 1000 {
		return trimFloat(roundSig(v/1000)) + " s"
	}
	return trimFloat(roundSig(v)) + " ms"
}

func fmtSeconds(v float64) string { return trimFloat(roundSig(v)) + " s" }

func fmtPercent(v float64) string { return trimFloat(roundSig(v)) + "%" }

func fmtTimes(v float64) string { return trimFloat(roundSig(v)) + "×" }

func fmtMiB(v float64) string { return trimFloat(roundSig(v)) + " MiB" }

// roundSig keeps three significant digits, so tick labels such as 0.2 do
// not print as 0.20000000000000001.
func roundSig(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
