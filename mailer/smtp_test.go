package mailer

import (
	"context"
	"crypto/tls"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testMessage(id int64) *models.OutboxMessage {
	return &models.OutboxMessage{
		ID:        id,
		Kind:      string(models.MailPasswordReset),
		ToAddress: "ana@example.com",
		Subject:   "Réinitialisez votre mot de passe Rollcall",
		TextBody:  "Bonjour Ana,\n\nhttps://app.example.com/reset-password?token=tok_" + strings.Repeat("x", 3) + "\n",
		HTMLBody:  `<p>Bonjour Ana,</p><p><a href="https://app.example.com/reset-password?token=tok_xxx&amp;a=1">lien</a></p>`,
		CreatedAt: time.Date(2025, 3, 5, 14, 30, 0, 0, time.UTC),
	}
}

// openSMTP opens rawURL and, when clientTLS is set, makes the sender trust
// the test certificate.
func openSMTP(t *testing.T, rawURL string, clientTLS *tls.Config) *smtpSender {
	t.Helper()
	s, err := Open(rawURL, discardLogger())
	if err != nil {
		t.Fatalf("Open(%q): %v", rawURL, err)
	}
	ss, ok := s.(*smtpSender)
	if !ok {
		t.Fatalf("Open(%q) = %T, want *smtpSender", rawURL, s)
	}
	ss.tlsConfig = clientTLS
	return ss
}

func sendCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSMTPSender(t *testing.T) {
	t.Run("NoAuth", func(t *testing.T) {
		srv := startSMTP(t, smtpServerOptions{})
		s := openSMTP(t, "smtp://"+srv.Addr+"?from=Acme%20Team%20%3Cteam%40acme.example%3E", nil)
		if err := s.Send(sendCtx(t), testMessage(7)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		d := srv.Next(t)
		if d.From != "team@acme.example" || len(d.To) != 1 || d.To[0] != "ana@example.com" {
			t.Errorf("envelope = %q -> %q", d.From, d.To)
		}
		if d.AuthUser != "" || d.TLS {
			t.Errorf("auth %q, TLS %v; want neither", d.AuthUser, d.TLS)
		}
		r := parseDelivery(t, d)
		if r.Subject != "Réinitialisez votre mot de passe Rollcall" {
			t.Errorf("Subject = %q", r.Subject)
		}
		if r.From != "team@acme.example" || r.To != "ana@example.com" {
			t.Errorf("From %q To %q", r.From, r.To)
		}
		if got := LinkToken(r.Text, "/reset-password"); got != "tok_xxx" {
			t.Errorf("text token = %q", got)
		}
		if got := LinkToken(r.HTML, "/reset-password"); got != "tok_xxx" {
			t.Errorf("HTML token = %q", got)
		}
		if !strings.HasPrefix(r.MessageID, "<rollcall.7.") || !strings.HasSuffix(r.MessageID, "@acme.example>") {
			t.Errorf("Message-ID = %q", r.MessageID)
		}
	})

	t.Run("AuthPlain", func(t *testing.T) {
		srv := startSMTP(t, smtpServerOptions{User: "mailer", Pass: "p@ss:word"})
		s := openSMTP(t, "smtp://mailer:p%40ss%3Aword@"+srv.Addr+"?tls=none", nil)
		if err := s.Send(sendCtx(t), testMessage(1)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if d := srv.Next(t); d.AuthUser != "mailer" {
			t.Errorf("authenticated as %q, want mailer", d.AuthUser)
		}
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		srv := startSMTP(t, smtpServerOptions{User: "mailer", Pass: "right"})
		s := openSMTP(t, "smtp://mailer:wrong@"+srv.Addr+"?tls=none", nil)
		if err := s.Send(sendCtx(t), testMessage(1)); err == nil {
			t.Fatal("Send with a wrong password succeeded")
		}
		if n := len(srv.Deliveries()); n != 0 {
			t.Errorf("%d messages delivered", n)
		}
	})

	t.Run("ErrNoCleartextPasswordByDefault", func(t *testing.T) {
		// Opportunistic TLS against a server without STARTTLS: the
		// password must not cross the wire in the clear.
		srv := startSMTP(t, smtpServerOptions{User: "mailer", Pass: "secret"})
		s := openSMTP(t, "smtp://mailer:secret@"+srv.Addr, nil)
		if err := s.Send(sendCtx(t), testMessage(1)); err == nil {
			t.Fatal("Send authenticated in the clear without tls=none")
		}
		if n := len(srv.Deliveries()); n != 0 {
			t.Errorf("%d messages delivered", n)
		}
	})

	t.Run("STARTTLSOpportunistic", func(t *testing.T) {
		serverTLS, clientTLS := testCert(t)
		srv := startSMTP(t, smtpServerOptions{User: "mailer", Pass: "secret", StartTLS: serverTLS})
		s := openSMTP(t, "smtp://mailer:secret@"+srv.Addr, clientTLS)
		if err := s.Send(sendCtx(t), testMessage(1)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if d := srv.Next(t); !d.TLS || d.AuthUser != "mailer" {
			t.Errorf("TLS %v, auth %q; want STARTTLS then AUTH", d.TLS, d.AuthUser)
		}
	})

	t.Run("STARTTLSMandatory", func(t *testing.T) {
		serverTLS, clientTLS := testCert(t)
		srv := startSMTP(t, smtpServerOptions{StartTLS: serverTLS})
		s := openSMTP(t, "smtp://"+srv.Addr+"?tls=mandatory", clientTLS)
		if err := s.Send(sendCtx(t), testMessage(1)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if d := srv.Next(t); !d.TLS {
			t.Error("message sent without TLS")
		}
	})

	t.Run("ErrMandatoryWithoutSTARTTLS", func(t *testing.T) {
		srv := startSMTP(t, smtpServerOptions{})
		s := openSMTP(t, "smtp://"+srv.Addr+"?tls=mandatory", nil)
		if err := s.Send(sendCtx(t), testMessage(1)); err == nil {
			t.Fatal("Send without STARTTLS succeeded under tls=mandatory")
		}
	})

	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		serverTLS, _ := testCert(t)
		srv := startSMTP(t, smtpServerOptions{StartTLS: serverTLS})
		s := openSMTP(t, "smtp://"+srv.Addr, nil) // system roots: the test CA is unknown
		if err := s.Send(sendCtx(t), testMessage(1)); err == nil {
			t.Fatal("Send trusted an unknown certificate")
		}
	})

	t.Run("ImplicitTLS", func(t *testing.T) {
		serverTLS, clientTLS := testCert(t)
		srv := startSMTP(t, smtpServerOptions{User: "mailer", Pass: "secret", Implicit: serverTLS})
		s := openSMTP(t, "smtps://mailer:secret@"+srv.Addr, clientTLS)
		if err := s.Send(sendCtx(t), testMessage(1)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if d := srv.Next(t); !d.TLS || d.AuthUser != "mailer" {
			t.Errorf("TLS %v, auth %q", d.TLS, d.AuthUser)
		}
	})

	t.Run("ErrServerDown", func(t *testing.T) {
		addr := freeAddr(t)
		s := openSMTP(t, "smtp://"+addr, nil)
		if err := s.Send(sendCtx(t), testMessage(1)); err == nil {
			t.Fatal("Send to a closed port succeeded")
		}
	})

	t.Run("ErrBadRecipient", func(t *testing.T) {
		srv := startSMTP(t, smtpServerOptions{})
		s := openSMTP(t, "smtp://"+srv.Addr, nil)
		m := testMessage(1)
		m.ToAddress = "not an address"
		if err := s.Send(sendCtx(t), m); err == nil {
			t.Fatal("Send to an invalid address succeeded")
		}
	})
}
