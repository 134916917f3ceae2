package mailer

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/rollcall/rollcall/models"
)

// emlExt is the extension of the files the file sender writes; ReadDir reads
// only those. Files still being written carry tmpPrefix and another extension.
const (
	emlExt    = ".eml"
	tmpPrefix = ".tmp-"
)

// fileSender writes each message to DIR as an RFC 5322 .eml file and logs its
// subject: the development default (MAIL_URL=file:mail).
type fileSender struct {
	dir    string
	from   *mail.Address
	logger *slog.Logger
	seq    atomic.Uint64
}

func newFileSender(dir string, from *mail.Address, logger *slog.Logger) (*fileSender, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("MAIL_URL: cannot create mail folder %q: %w", dir, err)
	}
	return &fileSender{dir: dir, from: from, logger: logger}, nil
}

// Send writes the message atomically: to a hidden temporary file first, then
// renamed to its final name, so a reader never sees half a message. Names
// are the UTC write time to the nanosecond, a per-process sequence number and
// a random suffix: they sort by time and never collide, even when several
// processes share the folder.
func (s *fileSender) Send(ctx context.Context, m *models.OutboxMessage) error {
	now := time.Now().UTC()
	msg, err := buildMsg(s.from, m, now)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%sZ-%06d-%s%s",
		now.Format("20060102T150405.000000000"), s.seq.Add(1)%1_000_000, randomHex(4), emlExt)
	final := filepath.Join(s.dir, name)

	f, err := os.CreateTemp(s.dir, tmpPrefix+"*.part")
	if err != nil {
		return fmt.Errorf("mail: create file in %q: %w", s.dir, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	w := bufio.NewWriter(f)
	if _, err := msg.WriteTo(w); err != nil {
		return fmt.Errorf("mail: write %q: %w", tmp, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("mail: write %q: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("mail: sync %q: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mail: close %q: %w", tmp, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("mail: rename %q: %w", tmp, err)
	}
	ok = true
	s.logger.InfoContext(ctx, "mail written",
		slog.String("subject", m.Subject),
		slog.String("to", m.ToAddress),
		slog.String("file", final),
		slog.Int64("outbox_id", m.ID))
	return nil
}
