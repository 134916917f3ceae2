package mailer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenSMTP(t *testing.T) {
	tests := []struct {
		name, url string
		want      smtpConfig
		wantFrom  string
	}{
		{"DefaultPort", "smtp://mail.example.com",
			smtpConfig{host: "mail.example.com", port: 587, tls: tlsOpportunistic}, "no-reply@localhost"},
		{"UserAndQuery", "smtp://u%40x:p%40ss%3A1@mail.example.com:2525?tls=mandatory&from=Acme%20%3Cno-reply%40acme.example%3E",
			smtpConfig{host: "mail.example.com", port: 2525, username: "u@x", password: "p@ss:1", tls: tlsMandatory}, "no-reply@acme.example"},
		{"tlsNone", "smtp://localhost:1025?tls=none",
			smtpConfig{host: "localhost", port: 1025, tls: tlsNone}, "no-reply@localhost"},
		{"UpperCaseScheme", "SMTP://Mail.Example.com:25/",
			smtpConfig{host: "Mail.Example.com", port: 25, tls: tlsOpportunistic}, "no-reply@localhost"},
		{"SMTPS", "smtps://user:pw@mail.example.com",
			smtpConfig{host: "mail.example.com", port: 465, username: "user", password: "pw", tls: tlsImplicit}, "no-reply@localhost"},
		{"SMTPSMandatory", "smtps://mail.example.com:1465?tls=mandatory",
			smtpConfig{host: "mail.example.com", port: 1465, tls: tlsImplicit}, "no-reply@localhost"},
		{"IPv6", "smtp://[::1]:25",
			smtpConfig{host: "::1", port: 25, tls: tlsOpportunistic}, "no-reply@localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.url, discardLogger())
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			ss, ok := s.(*smtpSender)
			if !ok {
				t.Fatalf("Open = %T", s)
			}
			got := ss.cfg
			if got.from == nil || got.from.Address != tt.wantFrom {
				t.Errorf("from = %v, want %s", got.from, tt.wantFrom)
			}
			got.from = nil
			if got != tt.want {
				t.Errorf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOpenFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "mail")
	for _, raw := range []string{"file:" + dir, "file://" + dir, "file:" + dir + "?from=Rollcall%20%3Crc%40example.org%3E"} {
		s, err := Open(raw, discardLogger())
		if err != nil {
			t.Fatalf("Open(%q): %v", raw, err)
		}
		fs, ok := s.(*fileSender)
		if !ok {
			t.Fatalf("Open(%q) = %T", raw, s)
		}
		if fs.dir != dir {
			t.Errorf("Open(%q) dir = %q, want %q", raw, fs.dir, dir)
		}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Errorf("mail folder not created: %v", err)
	}
	s, _ := Open("file:"+dir+"?from=Rollcall%20%3Crc%40example.org%3E", nil)
	if got := s.(*fileSender).from.Address; got != "rc@example.org" {
		t.Errorf("from = %q", got)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct{ name, url, mention string }{
		{"Empty", "", "no scheme"},
		{"NoScheme", "mail.example.com", "no scheme"},
		{"UnknownScheme", "ftp://mail.example.com", `"ftp"`},
		{"NoHost", "smtp://", "no SMTP host"},
		{"PortZero", "smtp://h:0", "invalid port"},
		{"PortTooBig", "smtp://h:70000", "invalid port"},
		{"PortNotNumber", "smtp://user:hunter2@h:abc", "not a valid URL"},
		{"Path", "smtp://user:hunter2@h:25/inbox", "path"},
		{"BadTLS", "smtp://h:25?tls=always", "tls=always"},
		{"SMTPSWithoutTLS", "smtps://h?tls=none", "always uses TLS"},
		{"UnknownParam", "smtp://h?tsl=none", `"tsl"`},
		{"BadFrom", "smtp://user:hunter2@h?from=nobody", "from address"},
		{"FileNoDir", "file:", "no folder"},
		{"FileHost", "file://mail", "host"},
		{"FileUnknownParam", "file:/tmp/x?tls=none", `"tls"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.url, discardLogger())
			if err == nil {
				t.Fatalf("Open(%q) succeeded", tt.url)
			}
			msg := err.Error()
			for _, want := range []string{"MAIL_URL", "expected", tt.mention} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error %q leaks the password", msg)
			}
		})
	}
}
