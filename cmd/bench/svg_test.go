package main

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// element is one start element of a parsed SVG with its attributes and the
// text directly inside it.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG decodes the whole document (failing the test on malformed XML)
// and returns its elements in document order.
func parseSVG(t *testing.T, doc string) []*element {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	var all, stack []*element
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			all, stack = append(all, e), append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if len(all) == 0 || all[0].name != "svg" || all[0].attrs["width"] != "800" || all[0].attrs["height"] != "450" {
		t.Fatalf("root is not an 800×450 <svg>: %+v", all[0])
	}
	return all
}

func attrFloat(t *testing.T, e *element, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attrs[name], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", e.name, name, e.attrs[name], err)
	}
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.11 }

func texts(els []*element) []string {
	var out []string
	for _, e := range els {
		if e.name == "text" {
			out = append(out, e.text)
		}
	}
	return out
}

func TestLineChartPlacesPointsOnLogAndLinearScales(t *testing.T) {
	c := &lineChart{
		title: `Latency of the search "a<b" & c page`, xLabel: "members", yLabel: "latency",
		logX: true, xMin: 1e3, xMax: 1e6, yMin: 0, yMax: 100, fmtY: fmtMs,
		series: []series{
			{name: "GraphQL p50 ×1", color: "#1f5fa8", points: []point{{1e4, 25}, {1e5, 50}}},
			{name: "SQL p99 ×4", color: "#d9540e", dashed: true, square: true, points: []point{{1e6, 100}}},
		},
		refs: []refLine{{y: 50, label: "target p99 ≤ 50 ms"}},
	}
	els := parseSVG(t, c.svg())

	// x: log10 from 1e3 (left) to 1e6 (right): 1e4 is a third of the way,
	// 1e5 two thirds. y: linear from 0 (bottom) to 100 (top).
	w, h := float64(plotR-plotL), float64(plotB-plotT)
	want := [][2]float64{
		{plotL + w/3, plotB - h/4},
		{plotL + 2*w/3, plotB - h/2},
	}
	var circles [][2]float64
	var squares [][2]float64
	for _, e := range els {
		if e.attrs["class"] != "point" {
			continue
		}
		if e.name == "circle" {
			circles = append(circles, [2]float64{attrFloat(t, e, "cx"), attrFloat(t, e, "cy")})
		} else {
			squares = append(squares, [2]float64{attrFloat(t, e, "x") + 3.5, attrFloat(t, e, "y") + 3.5})
		}
	}
	if len(circles) != 2 || !near(circles[0][0], want[0][0]) || !near(circles[0][1], want[0][1]) ||
		!near(circles[1][0], want[1][0]) || !near(circles[1][1], want[1][1]) {
		t.Errorf("circles at %v, want %v", circles, want)
	}
	if len(squares) != 1 || !near(squares[0][0], plotR) || !near(squares[0][1], plotT) {
		t.Errorf("square at %v, want the top right corner (%d, %d)", squares, plotR, plotT)
	}

	var lines, refs int
	for _, e := range els {
		switch {
		case e.name == "polyline":
			lines++
		case e.attrs["class"] == "ref":
			refs++
			if !near(attrFloat(t, e, "y1"), plotB-h/2) {
				t.Errorf("reference line at y %s, want %v", e.attrs["y1"], plotB-h/2)
			}
		}
	}
	if lines != 1 {
		t.Errorf("%d polylines, want 1 (a one-point series has none)", lines)
	}
	if refs != 1 {
		t.Errorf("%d reference lines, want 1", refs)
	}

	got := texts(els)
	for _, s := range []string{"1k", "2k", "5k", "10k", "100k", "1M", "0 ms", "100 ms", c.title, "members", "latency",
		"GraphQL p50 ×1", "SQL p99 ×4", "target p99 ≤ 50 ms"} {
		if !slices.Contains(got, s) {
			t.Errorf("no text %q in %q", s, got)
		}
	}
	if els[1].name != "title" || els[1].text != c.title {
		t.Errorf("document title %+v, want %q", els[1], c.title)
	}
}

func TestLineChartChoosesARangeHoldingEveryPoint(t *testing.T) {
	c := &lineChart{title: "t", logX: true, logY: true, series: []series{{name: "s", color: "#000",
		points: []point{{10_000, 3}, {100_000, 40}, {1_000_000, 2500}}}}}
	for _, e := range parseSVG(t, c.svg()) {
		if e.attrs["class"] != "point" {
			continue
		}
		x, y := attrFloat(t, e, "cx"), attrFloat(t, e, "cy")
		if x <= plotL || x >= plotR || y <= plotT || y >= plotB {
			t.Errorf("point (%v, %v) outside the plot area", x, y)
		}
	}
}

func TestBarChartScalesBarsFromZero(t *testing.T) {
	c := &barChart{title: "SQLite / MariaDB", yLabel: "×", categories: []string{"first", `"mar"`},
		series: []series{{name: "GraphQL p50", color: "#1f5fa8"}, {name: "SQL p50", color: "#d9540e"}},
		values: [][]float64{{1, 2}, {math.NaN(), 4}}, fmtY: fmtTimes}
	els := parseSVG(t, c.svg())
	var bars []*element
	for _, e := range els {
		if e.attrs["class"] == "bar" {
			bars = append(bars, e)
		}
	}
	if len(bars) != 3 {
		t.Fatalf("%d bars, want 3 (NaN draws none)", len(bars))
	}
	// Heights are proportional to the values, all standing on the x axis.
	unit := attrFloat(t, bars[0], "height")
	for i, v := range []float64{1, 2, 4} {
		if hgt := attrFloat(t, bars[i], "height"); !near(hgt, v*unit) {
			t.Errorf("bar %d height %v, want %v", i, hgt, v*unit)
		}
		if bottom := attrFloat(t, bars[i], "y") + attrFloat(t, bars[i], "height"); !near(bottom, plotB) {
			t.Errorf("bar %d ends at %v, want the axis at %d", i, bottom, plotB)
		}
	}
	if !slices.Contains(texts(els), `"mar"`) {
		t.Errorf("category label missing: %q", texts(els))
	}
}

func TestTicks(t *testing.T) {
	log := axis{min: 7000, max: 1.4e6, log: true}
	if got, want := log.ticks(), []float64{1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6}; !slices.Equal(got, want) {
		t.Errorf("log ticks %v, want %v", got, want)
	}
	lin := axis{min: 0, max: 120}
	if got, want := lin.ticks(), []float64{0, 20, 40, 60, 80, 100, 120}; !slices.Equal(got, want) {
		t.Errorf("linear ticks %v, want %v", got, want)
	}
	for v, want := range map[float64]string{10_000: "10k", 1_000_000: "1M", 250: "250", 1500: "1.5k"} {
		if got := fmtCount(v); got != want {
			t.Errorf("fmtCount(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestPointsOnlySeriesHasNoLine(t *testing.T) {
	c := &lineChart{title: "t", logX: true, series: []series{{name: "cut", color: "#000", pointsOnly: true,
		points: []point{{1500, 60}, {26_000, 60}}}}}
	var polylines, points, legendLines int
	for _, e := range parseSVG(t, c.svg()) {
		switch {
		case e.name == "polyline":
			polylines++
		case e.attrs["class"] == "point":
			points++
		case e.name == "line" && e.attrs["stroke-width"] == "2":
			legendLines++
		}
	}
	if polylines != 0 || legendLines != 0 || points != 2 {
		t.Errorf("%d polylines, %d legend lines, %d points; want 0, 0, 2", polylines, legendLines, points)
	}
}
