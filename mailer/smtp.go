package mailer

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/rollcall/rollcall/models"
)

// smtpTimeout bounds dialing and each SMTP command.
const smtpTimeout = 30 * time.Second

// smtpSender delivers over SMTP with wneessen/go-mail, one connection per
// message (transactional mail is low volume; a fresh connection per message
// never trips on a server that dropped an idle one).
type smtpSender struct {
	cfg    smtpConfig
	logger *slog.Logger
	// tlsConfig, when set, replaces the default (verify against the system
	// roots for cfg.host). Tests set it to trust their own certificate.
	tlsConfig *tls.Config
}

func newSMTPSender(cfg smtpConfig, logger *slog.Logger) *smtpSender {
	return &smtpSender{cfg: cfg, logger: logger}
}

// Send delivers one message. ctx bounds dialing; each command after that is
// bounded by smtpTimeout.
func (s *smtpSender) Send(ctx context.Context, m *models.OutboxMessage) error {
	msg, err := buildMsg(s.cfg.from, m, time.Now())
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.cfg.host, s.clientOptions()...)
	if err != nil {
		return fmt.Errorf("mail: smtp client for %s: %w", s.cfg.hostPort(), err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: smtp %s: %w", s.cfg.hostPort(), err)
	}
	s.logger.DebugContext(ctx, "mail sent",
		slog.String("server", s.cfg.hostPort()),
		slog.Int64("outbox_id", m.ID),
		slog.String("subject", m.Subject))
	return nil
}

func (s *smtpSender) clientOptions() []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.port),
		gomail.WithTimeout(smtpTimeout),
	}
	tlsConfig := s.tlsConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.cfg.host, MinVersion: tls.VersionTLS12}
	}
	opts = append(opts, gomail.WithTLSConfig(tlsConfig))
	switch s.cfg.tls {
	case tlsNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case tlsMandatory:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case tlsImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.username != "" {
		opts = append(opts, gomail.WithUsername(s.cfg.username), gomail.WithPassword(s.cfg.password))
		if s.cfg.tls == tlsNone {
			// The operator chose a cleartext connection: allow PLAIN and
			// LOGIN on it, preferring mechanisms that hide the password.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
		} else {
			// The strongest mechanism the server offers; PLAIN and LOGIN
			// only once the connection is encrypted.
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	}
	return opts
}
