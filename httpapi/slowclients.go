package httpapi

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
)

// withBodyDeadline gives a request body d to arrive in full: a client that
// trickles its body (one byte a second) is cut off with 408 instead of
// holding a connection and a goroutine for ever. The deadline is lifted once
// the body is read, so a long response (the CSV export) is not cut, and a
// websocket upgrade (no body; the socket keeps its own liveness deadlines)
// is left alone. Headers have their own limit on the http.Server.
func withBodyDeadline(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err != nil {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = &deadlineBody{ReadCloser: r.Body, lift: func() { _ = rc.SetReadDeadline(time.Time{}) }}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline once the body has been read to its
// end or closed.
type deadlineBody struct {
	io.ReadCloser
	once sync.Once
	lift func()
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.lift)
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	b.once.Do(b.lift)
	return b.ReadCloser.Close()
}

// ConnLimit caps the open connections of each client address on a
// listener: past the cap a new connection is closed at once, so one address
// cannot hold every file descriptor of the node. Peers in exempt (trusted
// proxies, whose connections carry many clients) are not capped.
type ConnLimit struct {
	net.Listener
	max     int
	exempt  []netip.Prefix
	refused func()

	mu   sync.Mutex
	open map[netip.Addr]int
}

// LimitConnsPerIP wraps ln; max <= 0 returns ln unchanged. refused, when
// set, is called for each connection closed over the cap (a metric).
func LimitConnsPerIP(ln net.Listener, max int, exempt []netip.Prefix, refused func()) net.Listener {
	if max <= 0 {
		return ln
	}
	return &ConnLimit{Listener: ln, max: max, exempt: exempt, refused: refused, open: map[netip.Addr]int{}}
}

// Accept returns the next connection within its address's cap.
func (l *ConnLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil {
			return c, nil
		}
		ip := ap.Addr().Unmap()
		if isTrusted(ip, l.exempt) {
			return c, nil
		}
		l.mu.Lock()
		if l.open[ip] >= l.max {
			l.mu.Unlock()
			_ = c.Close()
			if l.refused != nil {
				l.refused()
			}
			continue
		}
		l.open[ip]++
		l.mu.Unlock()
		return &limitedConn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

func (l *ConnLimit) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// limitedConn gives its address's slot back when closed (once, whoever
// closes it: the HTTP server, or the websocket that hijacked it).
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// errNoDescriptor: the wrapped connection has no descriptor of its own.
var errNoDescriptor = errors.New("httpapi: connection without a file descriptor")

// SyscallConn exposes the descriptor of the connection it wraps, so the
// websocket transport can write a fan-out frame straight to it without
// waking a goroutine (see wstransport's inline writes).
func (c *limitedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errNoDescriptor
}
