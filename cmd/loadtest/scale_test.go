package main

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	// A command name with a space and a parenthesis: the fields are
	// counted from the last ')'. utime 150 and stime 50 ticks = 2 s.
	line := "4242 (rollcall (x) y) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 50 0 0 20 0 9 0 100 123456 789 18446744073709551615\n"
	got, err := statCPU(line)
	if err != nil {
		t.Fatal(err)
	}
	if got != 2*time.Second {
		t.Fatalf("statCPU = %s, want 2s", got)
	}
	for _, bad := range []string{"", "4242 no name", "4242 (short) S 1 2 3", "4242 (x) S 1 2 3 4 5 6 7 8 9 10 u 50 0"} {
		if _, err := statCPU(bad); err == nil {
			t.Errorf("statCPU(%q): no error", bad)
		}
	}
}

func TestParseIntList(t *testing.T) {
	got, err := parseIntList(" 1, 2,4 ")
	if err != nil || len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 4 {
		t.Fatalf("parseIntList = %v, %v", got, err)
	}
	for _, bad := range []string{"", ",", "1,0", "1,x", "-2"} {
		if _, err := parseIntList(bad); err == nil {
			t.Errorf("parseIntList(%q): no error", bad)
		}
	}
}

func TestParseClusterInfo(t *testing.T) {
	info := "cluster_state:ok\r\ncluster_stats_messages_publish_sent:12\r\ncluster_stats_messages_publishshard_received:3\r\ncluster_stats_messages_ping_sent:99\r\n"
	got := parseClusterInfo(info, busFields)
	want := map[string]int64{
		"cluster_stats_messages_publish_sent": 12, "cluster_stats_messages_publish_received": 0,
		"cluster_stats_messages_publishshard_sent": 0, "cluster_stats_messages_publishshard_received": 3,
	}
	if len(got) != len(want) {
		t.Fatalf("parseClusterInfo = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
}

func TestSummarize(t *testing.T) {
	runs := []scaleRun{
		{nodes: 1, window: 10 * time.Second, sent: 200, redisCPU: 100 * time.Millisecond,
			per: []scaleNodeFigures{{cpu: time.Second, deliveries: 10000, msgs: 200, bytes: 20000, shardSubs: 16}}},
		{nodes: 2, window: 10 * time.Second, sent: 400,
			bus: map[string]int64{"cluster_stats_messages_publish_sent": 5, "cluster_stats_messages_publish_received": 5, "cluster_stats_messages_publishshard_sent": 1},
			per: []scaleNodeFigures{
				{cpu: 1200 * time.Millisecond, deliveries: 10000, msgs: 200, bytes: 22000},
				{cpu: 1000 * time.Millisecond, deliveries: 8000, msgs: 200, bytes: 18000},
			}},
	}
	rows := summarize(runs)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	r0, r1 := rows[0], rows[1]
	near("1 node µs/delivery", r0.meanUs, 100)
	near("1 node ratio", r0.cpuRatio, 1)
	near("1 node bytes/s", r0.bytesPerNodeSec, 2000)
	near("1 node bytes/delivery", r0.bytesPerDelivery, 2)
	near("1 node Redis µs/delivery", r0.redisUsPerDelivery, 10)
	near("1 node changes/s", r0.changesPerSec, 20)
	// Node 0: 1.2 s / 10000 = 120 µs; node 1: 1 s / 8000 = 125 µs.
	near("2 nodes node 0", r1.usPerDelivery[0], 120)
	near("2 nodes node 1", r1.usPerDelivery[1], 125)
	near("2 nodes mean", r1.meanUs, 122.5)
	near("2 nodes min", r1.minUs, 120)
	near("2 nodes max", r1.maxUs, 125)
	near("2 nodes CPU ratio", r1.cpuRatio, 1.225)
	near("2 nodes bytes/s per node", r1.bytesPerNodeSec, 2000)
	near("2 nodes bytes ratio", r1.bytesRatio, 1)
	near("2 nodes deliveries/s", r1.totalDeliveriesPerSec, 1800)
	near("2 nodes deliveries/s per node", r1.deliveriesPerNodeSec, 900)
	if r1.busPublish != 10 || r1.busShard != 1 {
		t.Errorf("bus publish %d, publishshard %d; want 10, 1", r1.busPublish, r1.busShard)
	}
	// Measured largest first, the ratios are still against 1 node.
	rev := summarize([]scaleRun{runs[1], runs[0]})
	near("reversed: 2 nodes CPU ratio", rev[0].cpuRatio, 1.225)
	near("reversed: 1 node CPU ratio", rev[1].cpuRatio, 1)
	// A node that received nothing counts 0, not a division by zero.
	idle := summarize([]scaleRun{{nodes: 1, window: time.Second, per: []scaleNodeFigures{{cpu: time.Second}}}})
	near("idle node", idle[0].meanUs, 0)
}

func TestScaleChartIsSVG(t *testing.T) {
	rows := summarize([]scaleRun{
		{nodes: 1, window: time.Second, per: []scaleNodeFigures{{cpu: time.Second, deliveries: 1000, bytes: 100}}},
		{nodes: 4, window: time.Second, per: []scaleNodeFigures{
			{cpu: time.Second, deliveries: 1000, bytes: 100}, {cpu: 3 * time.Second, deliveries: 1000, bytes: 100},
			{cpu: time.Second, deliveries: 1000, bytes: 100}, {cpu: time.Second, deliveries: 1000, bytes: 100}}},
	})
	svg := scaleChart(rows, 50)
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err != nil {
			if err != io.EOF {
				t.Fatalf("not well-formed XML: %v\n%s", err, svg)
			}
			break
		}
	}
	// One mean marker per run, one small marker per node; the node at 3×
	// stretches the axis past it.
	if n := strings.Count(svg, `r="5"`); n != 2+1 { // + the legend's
		t.Errorf("%d mean markers, want 2 and the legend's", n)
	}
	if n := strings.Count(svg, `r="3" fill="none"`); n != 5+1 {
		t.Errorf("%d node markers, want 5 and the legend's", n)
	}
	if !strings.Contains(svg, "3.00×") {
		t.Errorf("the y axis does not reach 3×:\n%s", svg)
	}
}
