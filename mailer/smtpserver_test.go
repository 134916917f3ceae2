package mailer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// delivery is one message an in-process SMTP server accepted.
type delivery struct {
	From     string
	To       []string
	Data     []byte
	AuthUser string // "" when the client did not authenticate
	TLS      bool   // whether DATA arrived over TLS
}

// testSMTP is an in-process SMTP server (emersion/go-smtp) that records
// what it accepts and announces each delivery on a channel.
type testSMTP struct {
	Addr string

	user, pass string // when set, AUTH PLAIN is offered and required

	mu         sync.Mutex
	deliveries []delivery
	got        chan delivery
	srv        *smtp.Server
}

type smtpServerOptions struct {
	user, pass string
	starttls   *tls.Config // offer STARTTLS with this config
	implicit   *tls.Config // serve TLS from the first byte (smtps)
	addr       string      // listen here instead of a free port
}

func startSMTP(t *testing.T, o smtpServerOptions) *testSMTP {
	t.Helper()
	s := &testSMTP{user: o.user, pass: o.pass, got: make(chan delivery, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &testSession{server: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.TLSConfig = o.starttls
	addr := o.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	if o.implicit != nil {
		l = tls.NewListener(l, o.implicit)
	}
	s.Addr = l.Addr().String()
	s.srv = srv
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Deliveries returns a copy of everything accepted so far.
func (s *testSMTP) Deliveries() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.deliveries...)
}

// next waits for the next delivery.
func (s *testSMTP) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-s.got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no message reached the SMTP server")
		return delivery{}
	}
}

type testSession struct {
	server   *testSMTP
	conn     *smtp.Conn
	authUser string
	from     string
	to       []string
}

func (se *testSession) AuthMechanisms() []string {
	if se.server.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *testSession) Auth(mech string) (sasl.Server, error) {
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

func (se *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if se.server.user != "" && se.authUser == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := se.conn.TLSConnectionState()
	d := delivery{From: se.from, To: se.to, Data: b, AuthUser: se.authUser, TLS: isTLS}
	se.server.mu.Lock()
	se.server.deliveries = append(se.server.deliveries, d)
	se.server.mu.Unlock()
	select {
	case se.server.got <- d:
	default:
	}
	return nil
}

func (se *testSession) Reset() { se.from, se.to = "", nil }

func (se *testSession) Logout() error { return nil }

// testCert makes a self-signed certificate for 127.0.0.1 and localhost, and
// the client config that trusts it.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rollcall test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	client = &tls.Config{ServerName: "127.0.0.1", RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}

// parseDelivery reads a delivered message back.
func parseDelivery(t *testing.T, d delivery) Received {
	t.Helper()
	r, err := ParseMessage(bytes.NewReader(d.Data))
	if err != nil {
		t.Fatalf("parse delivered message: %v", err)
	}
	return r
}

// freeAddr returns a local address nothing listens on (it was free a moment
// ago): an SMTP server that is down.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
