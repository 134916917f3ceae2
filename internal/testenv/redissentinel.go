package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rollcall/rollcall/internal/rediscluster"
)

// RedisSentinel is a master, its replica and one Sentinel watching them,
// made for one test on loopback ports and stopped when it ends.
type RedisSentinel struct {
	// URL names the sentinel and the master (REDIS_MODE=sentinel).
	URL string
	// MasterName is the name Sentinel knows the master by.
	MasterName string

	t      testing.TB
	master *exec.Cmd
	done   chan struct{}
}

// StartRedisSentinel starts the three servers. It runs when TEST_REDIS_URL
// is set and redis-server is installed; it skips otherwise, and fails under
// CI.
func StartRedisSentinel(t testing.TB) *RedisSentinel {
	t.Helper()
	if os.Getenv("TEST_REDIS_URL") == "" {
		requireInCI(t, "TEST_REDIS_URL")
		t.Skip("TEST_REDIS_URL not set: the Redis Sentinel tests are off")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed: under CI the Redis Sentinel tests must run")
		}
		t.Skip("redis-server is not installed")
	}
	dir := t.TempDir()
	s := &RedisSentinel{t: t, MasterName: "rollcall"}
	port := func() int {
		t.Helper()
		p, err := rediscluster.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mport, rport, sport := port(), port(), port()
	common := []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", dir}
	run := func(name string, args ...string) (*exec.Cmd, chan struct{}) {
		t.Helper()
		cmd := exec.Command("redis-server", args...)
		// Killed with the test binary, should it die first.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-done
		})
		return cmd, done
	}
	s.master, s.done = run("master", append([]string{"--port", strconv.Itoa(mport), "--logfile", filepath.Join(dir, "master.log")}, common...)...)
	run("replica", append([]string{"--port", strconv.Itoa(rport), "--logfile", filepath.Join(dir, "replica.log"),
		"--replicaof", "127.0.0.1", strconv.Itoa(mport)}, common...)...)
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s\nsentinel monitor %s 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 5000\n",
		sport, dir, filepath.Join(dir, "sentinel.log"), s.MasterName, mport, s.MasterName, s.MasterName)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	run("sentinel", conf, "--sentinel")
	for _, p := range []int{mport, rport, sport} {
		if err := rediscluster.WaitPing(t.Context(), "127.0.0.1:"+strconv.Itoa(p)); err != nil {
			t.Fatal(err)
		}
	}
	// Ready when the replica has synchronized and Sentinel knows it.
	replica := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(rport)})
	defer replica.Close()
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(sport)})
	defer sentinel.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		info := replica.Info(t.Context(), "replication").Val()
		known, _ := sentinel.Replicas(t.Context(), s.MasterName).Result()
		if strings.Contains(info, "master_link_status:up") && len(known) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Sentinel setup not ready after 30 s: sentinel knows %d replicas; replica:\n%s", len(known), info)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.URL = fmt.Sprintf("redis://127.0.0.1:%d/0?master_name=%s", sport, s.MasterName)
	return s
}

// KillMaster kills the master (SIGKILL); Sentinel promotes the replica.
func (s *RedisSentinel) KillMaster() {
	_ = s.master.Process.Kill()
	<-s.done
}
