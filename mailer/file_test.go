package mailer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

func openFile(t *testing.T, dir string, logger *slog.Logger) *fileSender {
	t.Helper()
	s, err := Open("file:"+dir, logger)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*fileSender)
}

// TestFileSenderRaw reads a written file with the standard library only:
// net/mail for the headers, mime/multipart for the bodies.
func TestFileSenderRaw(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, discardLogger())
	m := testMessage(42)
	before := time.Now().Add(-time.Second)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".eml") {
		t.Fatalf("folder holds %v, want one .eml file", entries)
	}
	raw, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\r\n\r\n")) {
		t.Error("message lines do not end in CRLF")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	h := msg.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Address != "no-reply@localhost" || from.Name != "Rollcall" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Address != m.ToAddress {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	if date, err := h.Date(); err != nil || date.Before(before) || date.After(time.Now().Add(time.Second)) {
		t.Errorf("Date = %q (%v)", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") || !strings.Contains(id, "@") {
		t.Errorf("Message-ID = %q", id)
	}
	if h.Get("MIME-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", h.Get("MIME-Version"))
	}
	if h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", h.Get("Auto-Submitted"))
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		ct, ctParams, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(ctParams["charset"], "utf-8") {
			t.Errorf("%s charset = %q, want UTF-8", ct, ctParams["charset"])
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ct)
		bodies = append(bodies, strings.ReplaceAll(string(b), "\r\n", "\n"))
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Fatalf("parts = %v, want text/plain then text/html", types)
	}
	if bodies[0] != m.TextBody {
		t.Errorf("text = %q, want %q", bodies[0], m.TextBody)
	}
	if bodies[1] != m.HTMLBody {
		t.Errorf("HTML = %q, want %q", bodies[1], m.HTMLBody)
	}
}

func TestFileSenderReadDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail") // created by Open
	var logs bytes.Buffer
	s := openFile(t, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	for i := range 5 {
		m := testMessage(int64(i + 1))
		m.Subject = fmt.Sprintf("Message %d — é", i)
		m.ToAddress = fmt.Sprintf("user%d@example.com", i)
		m.TextBody = fmt.Sprintf("Open https://app.example.com/accept-invitation?token=tok%d now.\n", i)
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	// A half-written file must be ignored.
	if err := os.WriteFile(filepath.Join(dir, tmpPrefix+"x.part"), []byte("Subject: partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("ReadDir returned %d messages, want 5", len(got))
	}
	for i, r := range got {
		if r.Subject != fmt.Sprintf("Message %d — é", i) {
			t.Errorf("message %d: Subject %q (oldest first expected)", i, r.Subject)
		}
		if r.To != fmt.Sprintf("user%d@example.com", i) {
			t.Errorf("message %d: To %q", i, r.To)
		}
		if tok := LinkToken(r.Text, "/accept-invitation"); tok != fmt.Sprintf("tok%d", i) {
			t.Errorf("message %d: token %q", i, tok)
		}
		if !strings.Contains(r.HTML, "Bonjour Ana") {
			t.Errorf("message %d: HTML %q", i, r.HTML)
		}
		if r.Date.IsZero() || r.File == "" {
			t.Errorf("message %d: Date %v File %q", i, r.Date, r.File)
		}
		if i > 0 && r.Date.Before(got[i-1].Date) {
			t.Errorf("message %d is older than message %d", i, i-1)
		}
		if !strings.Contains(logs.String(), "subject=\"Message "+fmt.Sprint(i)) {
			t.Errorf("log lacks subject %d: %s", i, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "level=INFO") {
		t.Errorf("subject not logged at info level: %s", logs.String())
	}
}

func TestFileSenderConcurrent(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, discardLogger())
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			m := testMessage(int64(i + 1))
			m.Subject = fmt.Sprint(i)
			errs <- s.Send(context.Background(), m)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	subjects := make([]string, 0, len(got))
	for _, r := range got {
		subjects = append(subjects, r.Subject)
	}
	sort.Strings(subjects)
	if len(subjects) != n {
		t.Fatalf("%d files for %d messages", len(subjects), n)
	}
	for i := 1; i < n; i++ {
		if subjects[i] == subjects[i-1] {
			t.Fatalf("message %s written twice", subjects[i])
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") {
			t.Errorf("leftover file %s", e.Name())
		}
	}
}

func TestMessageIDStable(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, discardLogger())
	m := testMessage(9)
	for range 2 {
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	unsaved := testMessage(0)
	for range 2 {
		if err := s.Send(context.Background(), unsaved); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadDir(dir)
	if err != nil || len(got) != 4 {
		t.Fatalf("ReadDir: %d, %v", len(got), err)
	}
	if got[0].MessageID != got[1].MessageID {
		t.Errorf("resending outbox row 9 changed its Message-ID: %s, %s", got[0].MessageID, got[1].MessageID)
	}
	if got[2].MessageID == got[3].MessageID || got[2].MessageID == got[0].MessageID {
		t.Errorf("messages without an ID share a Message-ID: %s", got[2].MessageID)
	}
}

func TestReadDirMissing(t *testing.T) {
	got, err := ReadDir(filepath.Join(t.TempDir(), "absent"))
	if err != nil || len(got) != 0 {
		t.Errorf("ReadDir(missing) = %v, %v; want empty", got, err)
	}
}

func TestParseMessageSinglePart(t *testing.T) {
	raw := "From: a@example.com\r\nTo: B <b@example.com>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n" +
		"Date: Wed, 05 Mar 2025 14:30:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\naMOpbGxv\r\n"
	r, err := ParseMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "café" || r.To != "b@example.com" || r.Text != "héllo" || r.HTML != "" {
		t.Errorf("got %+v", r)
	}
}

func TestLinkToken(t *testing.T) {
	tests := []struct{ name, body, path, want string }{
		{"Text", "Open this link:\n\nhttps://app.example.com/reset-password?token=abc123\n", "/reset-password", "abc123"},
		{"HTMLEscaped", `<a href="https://app.example.com/confirm-email?x=1&amp;token=t%2Bk">x</a>`, "/confirm-email", "t+k"},
		{"FirstMatchingPath", "https://a.example/other?token=no https://a.example/accept-invitation?token=yes", "/accept-invitation", "yes"},
		{"BasePath", "http://localhost:8080/app/reset-password?token=z.", "/reset-password", "z"},
		{"None", "no links here", "/reset-password", ""},
		{"OtherPath", "https://a.example/reset-password-old?token=no", "/reset-password", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LinkToken(tt.body, tt.path); got != tt.want {
				t.Errorf("LinkToken = %q, want %q", got, tt.want)
			}
		})
	}
}

var _ models.MailSender = (*fileSender)(nil)
var _ models.MailSender = (*smtpSender)(nil)
