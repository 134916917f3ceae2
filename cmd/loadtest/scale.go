package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/rediscluster"
)

// The scale scenario: weak scaling on a Redis Cluster. For each node count
// N of -scale-nodes it starts N servers with REDIS_MODE=cluster, gives each
// the same load over organizations of its own (-scale-conns sockets, every
// one watching its organization, -scale-rate changes/s sent over them) and
// measures, per node over the same window, the CPU the process used, the
// deliveries its watchers received and the pub/sub messages and bytes it
// read from Redis; and the cluster bus traffic and the masters' CPU. With
// sharded pub/sub a node reads only the events of the people its watchers
// follow, so each node's cost per delivery should not depend on N.

// scaleNodeFigures is what one node did in the measured window.
type scaleNodeFigures struct {
	cpu        time.Duration
	deliveries int64
	msgs       float64 // pub/sub messages read
	bytes      float64 // pub/sub bytes read
	shardSubs  float64
}

// scaleRun is one node count's window.
type scaleRun struct {
	nodes  int
	window time.Duration
	sent   int64 // changes sent in the window
	per    []scaleNodeFigures
	// bus is the cluster bus delta summed over the masters:
	// cluster_stats_messages_{publish,publishshard}_{sent,received}.
	bus map[string]int64
	// redisCPU is the masters' CPU in the window (0 for a cluster the tool
	// did not start).
	redisCPU time.Duration
}

// scaleRow is a run reduced to the figures the table and chart show.
type scaleRow struct {
	nodes int
	// usPerDelivery is each node's CPU per delivery (µs); mean is their
	// mean, ratio the mean over the first run's mean.
	usPerDelivery           []float64
	meanUs, minUs, maxUs    float64
	cpuRatio                float64
	bytesPerNodeSec         float64 // mean over the nodes
	bytesRatio              float64
	bytesPerDelivery        float64
	msgsPerNodeSec          float64
	deliveriesPerNodeSec    float64
	busPublish, busShard    int64
	redisUsPerDelivery      float64
	totalDeliveriesPerSec   float64
	changesPerSec, shardSub float64
}

// summarize reduces the runs to rows, ratios against the run with the
// fewest nodes (the first of them), measured in the same invocation.
func summarize(runs []scaleRun) []scaleRow {
	rows := make([]scaleRow, 0, len(runs))
	for _, r := range runs {
		row := scaleRow{nodes: r.nodes, minUs: -1}
		secs := r.window.Seconds()
		var totalDel int64
		var sumUs, sumBytes, sumMsgs, sumDel, sumSubs float64
		for _, f := range r.per {
			us := 0.0
			if f.deliveries > 0 {
				us = float64(f.cpu.Microseconds()) / float64(f.deliveries)
			}
			row.usPerDelivery = append(row.usPerDelivery, us)
			sumUs += us
			if row.minUs < 0 || us < row.minUs {
				row.minUs = us
			}
			row.maxUs = max(row.maxUs, us)
			sumBytes += f.bytes
			sumMsgs += f.msgs
			sumDel += float64(f.deliveries)
			sumSubs += f.shardSubs
			totalDel += f.deliveries
		}
		if n := float64(len(r.per)); n > 0 && secs > 0 {
			row.meanUs = sumUs / n
			row.bytesPerNodeSec = sumBytes / n / secs
			row.msgsPerNodeSec = sumMsgs / n / secs
			row.deliveriesPerNodeSec = sumDel / n / secs
			row.shardSub = sumSubs / n
			row.totalDeliveriesPerSec = float64(totalDel) / secs
			row.changesPerSec = float64(r.sent) / secs
		}
		if totalDel > 0 {
			row.bytesPerDelivery = sumBytes / float64(totalDel)
			row.redisUsPerDelivery = float64(r.redisCPU.Microseconds()) / float64(totalDel)
		}
		row.busPublish = r.bus["cluster_stats_messages_publish_sent"] + r.bus["cluster_stats_messages_publish_received"]
		row.busShard = r.bus["cluster_stats_messages_publishshard_sent"] + r.bus["cluster_stats_messages_publishshard_received"]
		rows = append(rows, row)
	}
	base := 0
	for i, r := range rows {
		if r.nodes < rows[base].nodes {
			base = i
		}
	}
	for i := range rows {
		rows[i].cpuRatio = over(rows[i].meanUs, rows[base].meanUs)
		rows[i].bytesRatio = over(rows[i].bytesPerNodeSec, rows[base].bytesPerNodeSec)
	}
	return rows
}

// over is a/b, 0 when b is 0.
func over(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// busFields are the CLUSTER INFO counters of pub/sub over the cluster bus.
var busFields = []string{
	"cluster_stats_messages_publish_sent", "cluster_stats_messages_publish_received",
	"cluster_stats_messages_publishshard_sent", "cluster_stats_messages_publishshard_received",
}

// parseClusterInfo reads the named integer fields of a CLUSTER INFO reply
// (absent fields are 0: a counter appears with its first message).
func parseClusterInfo(info string, fields []string) map[string]int64 {
	out := make(map[string]int64, len(fields))
	for _, f := range fields {
		out[f] = 0
	}
	for _, l := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok {
			continue
		}
		if _, want := out[k]; want {
			n, _ := strconv.ParseInt(v, 10, 64)
			out[k] = n
		}
	}
	return out
}

// parseIntList parses "1,2,4".
func parseIntList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

// scaleCluster is the cluster the servers use and how to read its
// counters.
type scaleCluster struct {
	url     string
	own     *rediscluster.Cluster // nil for -scale-cluster
	client  *redis.ClusterClient
	masters []string
	pids    []int // the masters' processes, when the tool started them
}

func (e *env) startScaleCluster(ctx context.Context) (*scaleCluster, error) {
	sc := &scaleCluster{url: e.cfg.scaleCluster}
	if sc.url == "" {
		dir := filepath.Join(e.tmp, "redis-cluster")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		c, err := rediscluster.Start(ctx, rediscluster.Options{Masters: 3, Dir: dir})
		if err != nil {
			return nil, err
		}
		sc.own, sc.url = c, c.URL
		e.logf("SCALE: started a Redis Cluster of 3 masters: %s", c.URL)
	}
	opt, err := redis.ParseClusterURL(sc.url)
	if err != nil {
		sc.close()
		return nil, fmt.Errorf("-scale-cluster: %w", err)
	}
	sc.client = redis.NewClusterClient(opt)
	err = sc.client.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		sc.masters = append(sc.masters, m.Options().Addr)
		return nil
	})
	if err != nil {
		sc.close()
		return nil, fmt.Errorf("Redis Cluster masters: %w", err)
	}
	if sc.own != nil {
		for _, n := range sc.own.Nodes() {
			for _, m := range sc.masters {
				if m == n.Addr {
					sc.pids = append(sc.pids, n.PID)
				}
			}
		}
	}
	return sc, nil
}

func (sc *scaleCluster) close() {
	if sc.client != nil {
		_ = sc.client.Close()
	}
	if sc.own != nil {
		sc.own.Stop()
	}
}

// bus sums the bus counters over the masters.
func (sc *scaleCluster) bus(ctx context.Context) (map[string]int64, error) {
	sum := map[string]int64{}
	for _, addr := range sc.masters {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		info, err := rdb.ClusterInfo(ctx).Result()
		_ = rdb.Close()
		if err != nil {
			return nil, fmt.Errorf("CLUSTER INFO on %s: %w", addr, err)
		}
		for k, v := range parseClusterInfo(info, busFields) {
			sum[k] += v
		}
	}
	return sum, nil
}

// cpu is the masters' CPU time so far (0 when the tool did not start them).
func (sc *scaleCluster) cpu() time.Duration {
	var t time.Duration
	for _, pid := range sc.pids {
		if _, c, err := procStat(pid); err == nil {
			t += c
		}
	}
	return t
}

// scaleSnapshot is the counters read at one edge of the window.
type scaleSnapshot struct {
	cpu        []time.Duration
	msgs       []float64
	bytes      []float64
	deliveries []int64
	sent       int64
	bus        map[string]int64
	redisCPU   time.Duration
}

// runScale measures each node count of -scale-nodes in turn, on one
// cluster, and prints the table.
func runScale(ctx context.Context, e *env) error {
	counts := e.cfg.scaleNodes
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	perNode := e.cfg.scaleConns
	if total, note := e.capConns("SCALE", perNode*most, 0); total < perNode*most {
		perNode = total / most
		e.logf("SCALE: %d sockets per node (%s)", perNode, note)
	}
	groupsPerNode := max(perNode/e.cfg.group, 1)
	groups, err := e.seedGroups(ctx, groupsPerNode*e.cfg.group*most)
	if err != nil {
		return err
	}
	sc, err := e.startScaleCluster(ctx)
	if err != nil {
		return err
	}
	defer sc.close()
	var runs []scaleRun
	for _, n := range counts {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.logf("SCALE: %d node(s), %d sockets and %d changes/s each (load average %s)", n, groupsPerNode*e.cfg.group, e.cfg.scaleRate, loadavg())
		r, err := e.scaleOnce(ctx, sc, n, groups, groupsPerNode)
		e.stopNodes()
		if err != nil {
			return fmt.Errorf("%d nodes: %w", n, err)
		}
		runs = append(runs, r)
	}
	if sc.own == nil {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := rediscluster.DeleteMatching(cctx, sc.client, e.prefix+"*"); err != nil {
			e.logf("SCALE: delete %s* on the cluster: %v", e.prefix, err)
		}
		cancel()
	}
	rows := summarize(runs)
	printScale(e.out, e, runs, rows)
	largest := runs[0]
	for _, r := range runs {
		if r.nodes > largest.nodes {
			largest = r
		}
	}
	if len(largest.per) > 0 {
		// The largest run's events again, straight from the tool with no
		// subscriber, once as PUBLISH and once as SPUBLISH: what the cluster
		// does with each (the servers only SPUBLISH on a cluster).
		var msgs, bytes float64
		for _, f := range largest.per {
			msgs, bytes = msgs+f.msgs, bytes+f.bytes
		}
		count, size := int(msgs), int(over(bytes, msgs))
		for _, sharded := range []bool{false, true} {
			pr, err := sc.probe(ctx, e.prefix, sharded, count, size)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "%s\n", pr)
			e.check("SCALE", pr.command+" of the largest run's events", pr.busPerMessage(), "bus messages per event",
				fmt.Sprintf("%.2f bus msgs/event", pr.busPerMessage()), "", true, pr.String())
		}
		fmt.Fprintln(e.out)
	}
	for _, row := range rows {
		e.check("SCALE", fmt.Sprintf("%d nodes: CPU per delivery per node", row.nodes), row.meanUs, "µs",
			fmt.Sprintf("%.1f µs (%.2f×)", row.meanUs, row.cpuRatio), "", true,
			fmt.Sprintf("nodes %s; pub/sub read %.0f B/s per node (%.2f×), %.1f B per delivery; bus publish %d, publishshard %d",
				joinFloats(row.usPerDelivery, "%.1f"), row.bytesPerNodeSec, row.bytesRatio, row.bytesPerDelivery, row.busPublish, row.busShard))
	}
	if e.cfg.scaleSVG != "" {
		if err := os.WriteFile(e.cfg.scaleSVG, []byte(scaleChart(rows, e.cfg.group)), 0o644); err != nil {
			return fmt.Errorf("-scale-svg: %w", err)
		}
		e.logf("SCALE: chart written to %s", e.cfg.scaleSVG)
	}
	return nil
}

// scaleOnce starts n nodes, each with groupsPerNode organizations of its
// own, drives every node at -scale-rate and measures the window.
func (e *env) scaleOnce(ctx context.Context, sc *scaleCluster, n int, groups []seedGroup, groupsPerNode int) (scaleRun, error) {
	run := scaleRun{nodes: n, window: e.cfg.scaleDuration}
	nodes := make([]*node, n)
	for i := range nodes {
		port, err := freePort()
		if err != nil {
			return run, err
		}
		nd, err := e.startNode(ctx, fmt.Sprintf("scale%d-%d", n, i), fmt.Sprintf("scale%d:", n),
			"REDIS_MODE=cluster", "REDIS_URL="+sc.url, fmt.Sprintf("METRICS_ADDR=127.0.0.1:%d", port))
		if err != nil {
			return run, err
		}
		nodes[i] = nd
	}
	index := make(map[*node]int, n)
	for i, nd := range nodes {
		index[nd] = i
	}
	delivered := make([]atomic.Int64, n)
	cs := newClients(e)
	cs.lean = e.cfg.fields == "lean"
	cs.onEvent = func(c *wsClient, ev presenceEvent) { delivered[index[c.node]].Add(1) }
	var ts []target
	for i, nd := range nodes {
		ts = append(ts, groupTargets(groups[i*groupsPerNode:(i+1)*groupsPerNode], nd, true)...)
	}
	conns, err := cs.connectAll(ctx, fmt.Sprintf("SCALE %d", n), ts)
	defer closeAll(conns)
	if err != nil {
		return run, err
	}
	time.Sleep(3 * time.Second)
	byNode := make([][]*wsClient, n)
	for _, c := range shuffled(conns) {
		i := index[c.node]
		byNode[i] = append(byNode[i], c)
	}
	const warm = 3 * time.Second
	until := time.Now().Add(warm + e.cfg.scaleDuration + time.Second)
	drivers := make([]*driver, n)
	var wg sync.WaitGroup
	for i := range drivers {
		own := byNode[i]
		drivers[i] = &driver{rate: e.cfg.scaleRate, pick: func(k int) *wsClient { return own[k%len(own)] }}
		wg.Add(1)
		go func() { defer wg.Done(); drivers[i].run(ctx, until) }()
	}
	defer wg.Wait()
	time.Sleep(warm)
	s0, err := e.scaleSnapshot(ctx, sc, nodes, delivered, drivers)
	if err != nil {
		return run, err
	}
	select {
	case <-ctx.Done():
		return run, ctx.Err()
	case <-time.After(e.cfg.scaleDuration):
	}
	s1, err := e.scaleSnapshot(ctx, sc, nodes, delivered, drivers)
	if err != nil {
		return run, err
	}
	// The window is what passed between the snapshots' CPU reads; the
	// snapshots themselves take milliseconds.
	run.sent = s1.sent - s0.sent
	run.redisCPU = s1.redisCPU - s0.redisCPU
	run.bus = map[string]int64{}
	for _, k := range busFields {
		run.bus[k] = s1.bus[k] - s0.bus[k]
	}
	var errs int64
	for i, nd := range nodes {
		subs, _ := nd.metric("rollcall_presence_shard_subscriptions")
		run.per = append(run.per, scaleNodeFigures{
			cpu:        s1.cpu[i] - s0.cpu[i],
			deliveries: s1.deliveries[i] - s0.deliveries[i],
			msgs:       s1.msgs[i] - s0.msgs[i],
			bytes:      s1.bytes[i] - s0.bytes[i],
			shardSubs:  subs,
		})
	}
	for _, d := range drivers {
		errs += d.errs.Load()
	}
	if errs > 0 || cs.mutationErrors.Load() > 0 {
		e.logf("SCALE %d: %d write errors, %d mutations answered with errors", n, errs, cs.mutationErrors.Load())
	}
	return run, nil
}

func (e *env) scaleSnapshot(ctx context.Context, sc *scaleCluster, nodes []*node, delivered []atomic.Int64, drivers []*driver) (scaleSnapshot, error) {
	s := scaleSnapshot{redisCPU: sc.cpu()}
	for i, nd := range nodes {
		_, cpu, err := procStat(nd.pid())
		if err != nil {
			return s, fmt.Errorf("node %s: %w", nd.name, err)
		}
		s.cpu = append(s.cpu, cpu)
		s.deliveries = append(s.deliveries, delivered[i].Load())
	}
	for _, d := range drivers {
		s.sent += d.sent.Load()
	}
	for _, nd := range nodes {
		m, err := nd.metric("rollcall_presence_pubsub_messages_total")
		if err != nil {
			return s, fmt.Errorf("node %s: %w", nd.name, err)
		}
		b, err := nd.metric("rollcall_presence_pubsub_bytes_total")
		if err != nil {
			return s, fmt.Errorf("node %s: %w", nd.name, err)
		}
		s.msgs, s.bytes = append(s.msgs, m), append(s.bytes, b)
	}
	bus, err := sc.bus(ctx)
	if err != nil {
		return s, err
	}
	s.bus = bus
	return s, nil
}

// printScale writes the per-node figures and the summary table.
func printScale(w io.Writer, e *env, runs []scaleRun, rows []scaleRow) {
	fmt.Fprintf(w, "\nSCALE: weak scaling on a Redis Cluster of %d masters, %d sockets and %d changes/s per node (each to %d watchers), %s window\n\n",
		3, e.cfg.scaleConns, e.cfg.scaleRate, e.cfg.group, e.cfg.scaleDuration)
	fmt.Fprintf(w, "| nodes | node | CPU ms | deliveries | µs CPU per delivery | pub/sub msgs read/s | pub/sub bytes read/s | shard subscriptions |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range runs {
		secs := r.window.Seconds()
		for i, f := range r.per {
			fmt.Fprintf(w, "| %d | %d | %d | %d | %.1f | %.1f | %.0f | %.0f |\n", r.nodes, i, f.cpu.Milliseconds(), f.deliveries,
				over(float64(f.cpu.Microseconds()), float64(f.deliveries)), f.msgs/secs, f.bytes/secs, f.shardSubs)
		}
	}
	fmt.Fprintf(w, "\n| nodes | changes/s | deliveries/s (all) | µs CPU per delivery per node: mean (per node) | vs 1 | pub/sub bytes read per node per s | vs 1 | bytes read per delivery | bus publish msgs | bus publishshard msgs | Redis masters µs per delivery |\n|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.1f (%s) | %.2f× | %.0f | %.2f× | %.1f | %d | %d | %.1f |\n", r.nodes, r.changesPerSec, r.totalDeliveriesPerSec,
			r.meanUs, joinFloats(r.usPerDelivery, "%.1f"), r.cpuRatio, r.bytesPerNodeSec, r.bytesRatio, r.bytesPerDelivery, r.busPublish, r.busShard, r.redisUsPerDelivery)
	}
	fmt.Fprintln(w)
}

func joinFloats(v []float64, format string) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = fmt.Sprintf(format, f)
	}
	return strings.Join(s, ", ")
}

// probeResult is what the cluster did with count messages of one kind.
type probeResult struct {
	command     string
	count, size int
	took        time.Duration
	bus         map[string]int64
	redisCPU    time.Duration
	haveCPU     bool // the tool started the masters and reads their CPU
}

func (p probeResult) busMessages() int64 {
	var n int64
	for _, v := range p.bus {
		n += v
	}
	return n
}

func (p probeResult) busPerMessage() float64 {
	return over(float64(p.busMessages()), float64(p.count))
}

func (p probeResult) String() string {
	s := fmt.Sprintf("%s ×%d (%d B payload, no subscriber): %d cluster bus messages (%.2f per event)",
		p.command, p.count, p.size, p.busMessages(), p.busPerMessage())
	if p.haveCPU {
		s += fmt.Sprintf(", masters' CPU %d ms (%.1f µs per event; /proc counts 10 ms ticks)", p.redisCPU.Milliseconds(), over(float64(p.redisCPU.Microseconds()), float64(p.count)))
	}
	return s
}

// probe publishes count messages of size bytes on user-like channels of
// the run's prefix, pipelined, and reads what the bus carried.
func (sc *scaleCluster) probe(ctx context.Context, prefix string, sharded bool, count, size int) (probeResult, error) {
	pr := probeResult{command: "PUBLISH", count: count, size: size, haveCPU: len(sc.pids) > 0}
	if sharded {
		pr.command = "SPUBLISH"
	}
	payload := strings.Repeat("x", max(size, 1))
	b0, err := sc.bus(ctx)
	if err != nil {
		return pr, err
	}
	cpu0, start := sc.cpu(), time.Now()
	const batch = 200
	for i := 0; i < count; i += batch {
		_, err := sc.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j := i; j < min(i+batch, count); j++ {
				ch := fmt.Sprintf("%sprobe{%d}:ev:%d", prefix, j%16, j)
				if sharded {
					p.SPublish(ctx, ch, payload)
				} else {
					p.Publish(ctx, ch, payload)
				}
			}
			return nil
		})
		if err != nil {
			return pr, fmt.Errorf("%s: %w", pr.command, err)
		}
	}
	// The receiving masters handle what the bus forwards within
	// milliseconds; the counters are read after a second, the CPU sooner
	// so that little idle time counts.
	time.Sleep(100 * time.Millisecond)
	pr.took, pr.redisCPU = time.Since(start), sc.cpu()-cpu0
	time.Sleep(900 * time.Millisecond)
	b1, err := sc.bus(ctx)
	if err != nil {
		return pr, err
	}
	pr.bus = map[string]int64{}
	for _, k := range busFields {
		pr.bus[k] = b1[k] - b0[k]
	}
	return pr, nil
}
