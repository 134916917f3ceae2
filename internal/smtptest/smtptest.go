// Package smtptest is an in-process SMTP server (emersion/go-smtp) for
// tests: it records what it accepts and announces each delivery, so the
// mailer's tests and the end-to-end tests count real SMTP deliveries.
package smtptest

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Delivery is one message the server accepted.
type Delivery struct {
	From     string
	To       []string
	Data     []byte
	AuthUser string // "" when the client did not authenticate
	TLS      bool   // whether DATA arrived over TLS
}

// Options shape a server.
type Options struct {
	// User and Pass, when set, make AUTH PLAIN offered and required.
	User, Pass string
	// StartTLS offers STARTTLS with this config; Implicit serves TLS from
	// the first byte (smtps).
	StartTLS, Implicit *tls.Config
	// Addr is where to listen (default a free port on 127.0.0.1).
	Addr string
}

// Server is a running test SMTP server, closed when the test ends.
type Server struct {
	Addr string

	user, pass string
	mu         sync.Mutex
	deliveries []Delivery
	got        chan Delivery
}

// Start starts a server.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{user: o.User, pass: o.Pass, got: make(chan Delivery, 1000)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{server: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.TLSConfig = o.StartTLS
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	if o.Implicit != nil {
		l = tls.NewListener(l, o.Implicit)
	}
	s.Addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Deliveries returns a copy of everything accepted so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Next waits for the next delivery.
func (s *Server) Next(t testing.TB) Delivery {
	t.Helper()
	select {
	case d := <-s.got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no message reached the SMTP server")
		return Delivery{}
	}
}

type session struct {
	server   *Server
	conn     *smtp.Conn
	authUser string
	from     string
	to       []string
}

func (se *session) AuthMechanisms() []string {
	if se.server.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != se.server.user || password != se.server.pass {
			return smtp.ErrAuthFailed
		}
		se.authUser = username
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.server.user != "" && se.authUser == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := se.conn.TLSConnectionState()
	d := Delivery{From: se.from, To: se.to, Data: b, AuthUser: se.authUser, TLS: isTLS}
	se.server.mu.Lock()
	se.server.deliveries = append(se.server.deliveries, d)
	se.server.mu.Unlock()
	select {
	case se.server.got <- d:
	default:
	}
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }
