package main

import (
	"fmt"
	"html"
	"strings"
)

// scaleChart draws the scale scenario's result as an SVG: against the node
// count, each node's CPU per delivery and the mean node's pub/sub bytes
// read per second, both as a multiple of the run with the fewest nodes,
// with a line at 1× — flat is what sharded pub/sub promises. Each point is
// labelled with its absolute figure. Written by hand: one small picture
// needs no plotting library.
func scaleChart(rows []scaleRow, group int) string {
	const (
		w, h                   = 850.0, 440.0
		left, top, right, bott = 70.0, 56.0, 560.0, 380.0
	)
	// The base of the ratios: the run with the fewest nodes.
	baseUs, baseNodes := 0.0, 1
	for _, r := range rows {
		if r.cpuRatio == 1 {
			baseUs, baseNodes = r.meanUs, r.nodes
			break
		}
	}
	yMax := 1.5
	for _, r := range rows {
		for _, us := range r.usPerDelivery {
			yMax = max(yMax, over(us, baseUs)*1.1)
		}
		yMax = max(yMax, r.bytesRatio*1.1)
	}
	x := func(i int) float64 {
		if len(rows) < 2 {
			return (left + right) / 2
		}
		return left + 40 + float64(i)*(right-left-80)/float64(len(rows)-1)
	}
	y := func(v float64) float64 { return bott - v/yMax*(bott-top) }

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="%.0f" y="24" text-anchor="middle" font-size="15" font-weight="bold">%s</text>`+"\n", w/2,
		html.EscapeString("Scale-out on a 3-master Redis Cluster: cost per node as nodes are added"))
	p(`<text x="%.0f" y="42" text-anchor="middle" fill="#555555">%s</text>`+"\n", w/2,
		html.EscapeString(fmt.Sprintf("same load per node (changes to %d watchers each); multiple of the %d-node figure", group, baseNodes)))
	// Grid and y ticks every 0.25×.
	for v := 0.0; v <= yMax+1e-9; v += 0.25 {
		p(`<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#e5e5e5"/>`+"\n", left, y(v), right, y(v))
		p(`<text x="%.0f" y="%.1f" text-anchor="end" fill="#333333">%.2f×</text>`+"\n", left-6, y(v)+4, v)
	}
	p(`<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#888888" stroke-dasharray="6 4"/>`+"\n", left, y(1), right, y(1))
	p(`<text x="%.0f" y="%.1f" fill="#666666">flat (1×)</text>`+"\n", right+4, y(1)+4)
	p(`<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#333333"/>`+"\n", left, top, right-left, bott-top)
	for i, r := range rows {
		p(`<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`+"\n", x(i), bott+18, r.nodes)
	}
	p(`<text x="%.0f" y="%.0f" text-anchor="middle">server nodes (each with its own sockets and organizations)</text>`+"\n", (left+right)/2, bott+40)
	p(`<text transform="translate(18 %.0f) rotate(-90)" text-anchor="middle">multiple of the %d-node figure</text>`+"\n", (top+bott)/2, baseNodes)

	const cpuColor, bytesColor = "#1f77b4", "#d62728"
	var cpuLine, bytesLine []string
	for i, r := range rows {
		cpuLine = append(cpuLine, fmt.Sprintf("%.1f,%.1f", x(i), y(r.cpuRatio)))
		bytesLine = append(bytesLine, fmt.Sprintf("%.1f,%.1f", x(i), y(r.bytesRatio)))
	}
	p(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(cpuLine, " "), cpuColor)
	p(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="5 3"/>`+"\n", strings.Join(bytesLine, " "), bytesColor)
	for i, r := range rows {
		// Each node's own figure, beside the mean.
		for _, us := range r.usPerDelivery {
			p(`<circle cx="%.1f" cy="%.1f" r="3" fill="none" stroke="%s"><title>%.1f µs</title></circle>`+"\n", x(i)-8, y(over(us, baseUs)), cpuColor, us)
		}
		// The higher point's label above it, the lower one's below, so
		// that close points keep their labels apart.
		cpuDy, bytesDy := 18.0, -8.0
		if r.cpuRatio > r.bytesRatio {
			cpuDy, bytesDy = -8, 18
		}
		p(`<circle cx="%.1f" cy="%.1f" r="5" fill="%s"/>`+"\n", x(i), y(r.cpuRatio), cpuColor)
		p(`<text x="%.1f" y="%.1f" fill="%s">%.1f µs</text>`+"\n", x(i)+8, y(r.cpuRatio)+cpuDy, cpuColor, r.meanUs)
		p(`<rect x="%.1f" y="%.1f" width="9" height="9" fill="%s"/>`+"\n", x(i)-4.5, y(r.bytesRatio)-4.5, bytesColor)
		p(`<text x="%.1f" y="%.1f" fill="%s">%.0f B/s</text>`+"\n", x(i)+8, y(r.bytesRatio)+bytesDy, bytesColor, r.bytesPerNodeSec)
	}
	// Legend.
	lx := right + 20
	p(`<circle cx="%.0f" cy="%.0f" r="5" fill="%s"/><text x="%.0f" y="%.0f">CPU per delivery, mean node</text>`+"\n", lx, top+10, cpuColor, lx+12, top+14)
	p(`<circle cx="%.0f" cy="%.0f" r="3" fill="none" stroke="%s"/><text x="%.0f" y="%.0f">CPU per delivery, each node</text>`+"\n", lx, top+30, cpuColor, lx+12, top+34)
	p(`<rect x="%.0f" y="%.0f" width="9" height="9" fill="%s"/><text x="%.0f" y="%.0f">pub/sub bytes read per node /s</text>`+"\n", lx-4.5, top+45.5, bytesColor, lx+12, top+54)
	p("</svg>\n")
	return b.String()
}
