// Package mail renders Rollcall's transactional emails and delivers them.
//
// It holds three things:
//   - Renderer, the models.MailRenderer: embedded English and French
//     templates (subject, plain text, HTML) for every models.MailKind;
//   - the models.MailSender implementations chosen by MAIL_URL (Open): a
//     folder of .eml files for development, or SMTP;
//   - Worker, which drains the models.Outbox through a sender, with leases,
//     retries and exponential backoff.
//
// ReadDir and LinkToken (mailtest.go) let other packages' tests read what the
// file sender wrote.
package mailer

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/rollcall/rollcall/models"
)

// DefaultFrom is the From address used when MAIL_URL has no from parameter.
const DefaultFrom = "Rollcall <no-reply@localhost>"

// urlForms is what an error about MAIL_URL tells the operator to write.
const urlForms = "file:DIR, smtp://[USER:PASS@]HOST:PORT or smtps://[USER:PASS@]HOST:PORT " +
	"(optional query: from=ADDRESS, tls=none|opportunistic|mandatory)"

// tlsMode says how an smtp:// sender protects the connection.
type tlsMode string

const (
	// tlsNone never uses TLS. Credentials, if any, are then sent in the
	// clear (PLAIN/LOGIN are allowed): only for a trusted local relay.
	tlsNone tlsMode = "none"
	// tlsOpportunistic uses STARTTLS when the server offers it (the default
	// for smtp://). Credentials are only sent with a challenge mechanism or
	// once the connection is encrypted.
	tlsOpportunistic tlsMode = "opportunistic"
	// tlsMandatory requires STARTTLS and fails when the server lacks it.
	tlsMandatory tlsMode = "mandatory"
	// tlsImplicit opens a TLS connection from the first byte (smtps://).
	tlsImplicit tlsMode = "implicit"
)

// Open returns the sender that MAIL_URL names.
//
// Supported forms:
//
//	file:DIR                         one .eml file per message in DIR (created if
//	                                 missing; relative to the working directory),
//	                                 and an info log line with the subject.
//	                                 file:///ABS/DIR is accepted too.
//	smtp://[USER:PASS@]HOST[:PORT]   SMTP submission, STARTTLS when offered;
//	                                 port 587 when omitted.
//	smtps://[USER:PASS@]HOST[:PORT]  SMTP over implicit TLS; port 465 when omitted.
//
// Query parameters, on every form:
//
//	from=ADDRESS   the From header, e.g. from=Acme%20%3Cno-reply%40acme.example%3E
//	               (default DefaultFrom);
//	tls=MODE       smtp:// only: none, opportunistic (default) or mandatory.
//
// USER and PASS are percent-decoded; with no USER no authentication is
// attempted. A nil logger means slog.Default().
func Open(rawURL string, logger *slog.Logger) (models.MailSender, error) {
	if logger == nil {
		logger = slog.Default()
	}
	raw := strings.TrimSpace(rawURL)
	scheme, _, ok := strings.Cut(raw, ":")
	if !ok {
		return nil, urlError("has no scheme")
	}
	switch strings.ToLower(scheme) {
	case "file":
		cfg, err := parseFileURL(raw)
		if err != nil {
			return nil, err
		}
		return newFileSender(cfg.dir, cfg.from, logger)
	case "smtp", "smtps":
		cfg, err := parseSMTPURL(raw)
		if err != nil {
			return nil, err
		}
		return newSMTPSender(cfg, logger), nil
	default:
		return nil, urlError(fmt.Sprintf("has unsupported scheme %q", scheme))
	}
}

func urlError(problem string) error {
	return fmt.Errorf("MAIL_URL %s; expected %s", problem, urlForms)
}

type fileConfig struct {
	dir  string
	from *mail.Address
}

// parseFileURL handles file:DIR by hand: DIR is a plain path (spaces and all),
// not a URL path, and net/url would read file://mail as a host named "mail".
func parseFileURL(raw string) (fileConfig, error) {
	rest := raw[len("file:"):]
	rest, query, _ := strings.Cut(rest, "?")
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		if !strings.HasPrefix(after, "/") {
			return fileConfig{}, urlError("file URL names a host; write file:DIR for a relative folder or file:///ABS/DIR")
		}
		rest = after
	}
	if rest == "" {
		return fileConfig{}, urlError("file URL has no folder")
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return fileConfig{}, urlError("has a malformed query")
	}
	from, err := parseFrom(values)
	if err != nil {
		return fileConfig{}, err
	}
	for k := range values {
		if k != "from" {
			return fileConfig{}, urlError(fmt.Sprintf("has unknown parameter %q for file:", k))
		}
	}
	return fileConfig{dir: rest, from: from}, nil
}

type smtpConfig struct {
	host     string
	port     int
	username string
	password string
	tls      tlsMode
	from     *mail.Address
}

func parseSMTPURL(raw string) (smtpConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// Never echo the URL: it may hold a password. url.Error.Err
		// describes the problem without the whole URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			return smtpConfig{}, urlError("is not a valid URL (" + ue.Err.Error() + ")")
		}
		return smtpConfig{}, urlError("is not a valid URL")
	}
	cfg := smtpConfig{host: u.Hostname()}
	if cfg.host == "" {
		return smtpConfig{}, urlError("has no SMTP host")
	}
	if (u.Path != "" && u.Path != "/") || u.Opaque != "" || u.Fragment != "" {
		return smtpConfig{}, urlError("has a path or fragment; an SMTP URL is only host, port and query")
	}
	implicit := strings.EqualFold(u.Scheme, "smtps")
	cfg.port = 587
	if implicit {
		cfg.port = 465
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return smtpConfig{}, urlError(fmt.Sprintf("has invalid port %q", p))
		}
		cfg.port = n
	}
	if u.User != nil {
		cfg.username = u.User.Username()
		cfg.password, _ = u.User.Password()
	}
	values := u.Query()
	cfg.from, err = parseFrom(values)
	if err != nil {
		return smtpConfig{}, err
	}
	cfg.tls = tlsOpportunistic
	if implicit {
		cfg.tls = tlsImplicit
	}
	if v := values.Get("tls"); v != "" {
		switch mode := tlsMode(strings.ToLower(v)); {
		case implicit && mode != tlsMandatory:
			return smtpConfig{}, urlError(fmt.Sprintf("has tls=%s with smtps://, which always uses TLS", v))
		case implicit:
		case mode == tlsNone, mode == tlsOpportunistic, mode == tlsMandatory:
			cfg.tls = mode
		default:
			return smtpConfig{}, urlError(fmt.Sprintf("has tls=%s; expected none, opportunistic or mandatory", v))
		}
	}
	for k := range values {
		if k != "from" && k != "tls" {
			return smtpConfig{}, urlError(fmt.Sprintf("has unknown parameter %q", k))
		}
	}
	return cfg, nil
}

func parseFrom(values url.Values) (*mail.Address, error) {
	v := DefaultFrom
	if values.Has("from") {
		v = values.Get("from")
	}
	addr, err := mail.ParseAddress(v)
	if err != nil {
		return nil, urlError(fmt.Sprintf("has an invalid from address %q (%v)", v, err))
	}
	return addr, nil
}

// hostPort is the address an SMTP config dials, for logs.
func (c smtpConfig) hostPort() string {
	return net.JoinHostPort(c.host, strconv.Itoa(c.port))
}
