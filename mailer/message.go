package mailer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/rollcall/rollcall/models"
)

// buildMsg turns an outbox row into a MIME message: multipart/alternative
// with the plain text first and the HTML second (or text only when there is
// no HTML), UTF-8, quoted-printable, with Date and Message-ID.
func buildMsg(from *mail.Address, m *models.OutboxMessage, now time.Time) (*gomail.Msg, error) {
	if m == nil {
		return nil, errors.New("mail: nil outbox message")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	if err := msg.To(m.ToAddress); err != nil {
		return nil, fmt.Errorf("mail: outbox message %d: recipient %q: %w", m.ID, m.ToAddress, err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(messageID(from, m))
	msg.SetUserAgent("Rollcall")
	// RFC 3834: tell auto-responders (out-of-office and the like) not to
	// answer a machine.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, m.TextBody)
	if m.HTMLBody != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	}
	return msg, nil
}

// messageID is stable for a stored outbox row, so a message sent twice (sent,
// then the worker died before recording it) carries the same Message-ID and
// mail clients show it once. Rows without an ID get a random one.
func messageID(from *mail.Address, m *models.OutboxMessage) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i < len(from.Address)-1 {
		domain = from.Address[i+1:]
	}
	if m.ID > 0 {
		return fmt.Sprintf("rollcall.%d.%d@%s", m.ID, m.CreatedAt.UnixMicro(), domain)
	}
	return fmt.Sprintf("rollcall.%s@%s", randomHex(12), domain)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
