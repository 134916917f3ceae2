package testenv

import (
	"context"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Proxy is a TCP proxy on 127.0.0.1 in front of a server, which a test cuts
// (every connection dropped, new ones refused) and restores on the same
// address: an outage of that server as its clients see it.
type Proxy struct {
	t      testing.TB
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
}

// StartProxy proxies to target (host:port) until the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{t: t, target: target, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Cut)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

// Cut closes the listener and every proxied connection.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]struct{}{}
}

// Restore listens again on the same address.
func (p *Proxy) Restore() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger for a moment
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy restore: %v", err)
	}
	p.serve(ln)
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) pipe(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, up) {
		c.Close()
		up.Close()
		return
	}
	go func() {
		_, _ = io.Copy(up, c)
		up.Close()
	}()
	_, _ = io.Copy(c, up)
	c.Close()
}

// RedisViaProxy returns TEST_REDIS_URL rewritten to go through a fresh
// proxy, a unique key prefix, and a direct client for the test's own
// checks; "" when TEST_REDIS_URL is not set (outside CI).
func RedisViaProxy(t testing.TB) (redisURL, prefix string, proxy *Proxy, direct *redis.Client) {
	t.Helper()
	u, prefix := Redis(t)
	if u == "" {
		return "", "", nil, nil
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	direct = redis.NewClient(opt)
	t.Cleanup(func() { direct.Close() })
	if err := direct.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	proxy = StartProxy(t, opt.Addr)
	via, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return "redis://" + proxy.Addr() + "/" + strconv.Itoa(via.DB), prefix, proxy, direct
}

// MySQLViaProxy creates a fresh test database (see MySQL) and returns its
// DATABASE_URL rewritten to go through a fresh proxy, for tests that cut the
// store; "" when TEST_MYSQL_DSN is not set (outside CI).
func MySQLViaProxy(t testing.TB) (databaseURL string, proxy *Proxy) {
	t.Helper()
	direct := MySQL(t)
	if direct == "" {
		return "", nil
	}
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy = StartProxy(t, u.Host)
	u.Host = proxy.Addr()
	return u.String(), proxy
}
