package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profiler saves a node's profiles (served with PPROF on its METRICS_ADDR)
// into dir: the heap once the sockets are open, the CPU over the measured
// window (fetched in the background: the window is running).
type profiler struct {
	e   *env
	nd  *node
	dir string
}

// connecting profiles the CPU over the first seconds of the connect storm.
func (p profiler) connecting(d time.Duration) {
	go p.save(fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(d.Seconds()))), "rollcall-connect-cpu.pprof", d+30*time.Second)
}

func (p profiler) connected() {
	p.save("/debug/pprof/heap", "rollcall-heap.pprof", 30*time.Second)
}

// window profiles the CPU over the measured window, and traces its first
// 3 s: `go tool trace -pprof=sched` of the trace tells how long goroutines
// waited for a CPU (what latency pays for on a busy machine).
func (p profiler) window(d time.Duration) {
	secs := max(1, int(d.Seconds()))
	go p.save(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), "rollcall-cpu.pprof", d+30*time.Second)
	go p.save("/debug/pprof/trace?seconds=3", "rollcall-trace.out", 33*time.Second)
}

func (p profiler) save(path, name string, timeout time.Duration) {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		p.e.logf("profile %s: %v", name, err)
		return
	}
	c := http.Client{Timeout: timeout}
	resp, err := c.Get("http://" + p.nd.metrics + path)
	if err != nil {
		p.e.logf("profile %s: %v", name, err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		p.e.logf("profile %s: %s", name, resp.Status)
		return
	}
	out := filepath.Join(p.dir, name)
	f, err := os.Create(out)
	if err != nil {
		p.e.logf("profile %s: %v", name, err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		p.e.logf("profile %s: %v", name, err)
		return
	}
	p.e.logf("saved %s (go tool pprof -top %s)", out, out)
}

// profileEnv is the environment that makes a node serve its profiles when
// -profile is set: PPROF on a METRICS_ADDR of its own.
func (e *env) profileEnv() []string {
	if e.cfg.profile == "" {
		return nil
	}
	port, err := freePort()
	if err != nil {
		e.logf("-profile: no free port: %v", err)
		return nil
	}
	return []string{fmt.Sprintf("METRICS_ADDR=127.0.0.1:%d", port), "PPROF=true"}
}

// profiler saves nd's profiles with -profile, else nil.
func (e *env) profiler(nd *node) *profiler {
	if e.cfg.profile == "" || nd.metrics == nd.addr {
		return nil
	}
	return &profiler{e: e, nd: nd, dir: e.cfg.profile}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
