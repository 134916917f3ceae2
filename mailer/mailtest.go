package mailer

// Helpers for tests, in this package and others: read back what the file
// sender wrote (MAIL_URL=file:DIR) and pull the token out of a link.

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Received is one message as a recipient sees it.
type Received struct {
	File      string // the .eml file it was read from (empty for ParseMessage)
	From      string // address only, e.g. no-reply@localhost
	To        string // address only; several are joined with ", "
	Subject   string // decoded
	Text      string // text/plain part, decoded, "\n" line ends
	HTML      string // text/html part, decoded, "\n" line ends
	Date      time.Time
	MessageID string // with its angle brackets
}

// ReadDir reads every .eml file the file sender wrote to dir, oldest first.
// Files still being written are skipped. A missing dir reads as empty.
func ReadDir(dir string) ([]Received, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Received
	// os.ReadDir sorts by name, and the file sender's names sort by time.
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, emlExt) {
			continue
		}
		path := filepath.Join(dir, name)
		r, err := readFile(path)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func readFile(path string) (Received, error) {
	f, err := os.Open(path)
	if err != nil {
		return Received{}, err
	}
	defer f.Close()
	r, err := ParseMessage(f)
	if err != nil {
		return Received{}, fmt.Errorf("%s: %w", path, err)
	}
	r.File = path
	return r, nil
}

// ParseMessage parses one RFC 5322 message: its headers, and the text and
// HTML bodies of a single-part or (nested) multipart message.
func ParseMessage(r io.Reader) (Received, error) {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return Received{}, fmt.Errorf("mail: parse message: %w", err)
	}
	var out Received
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Received{}, fmt.Errorf("mail: decode Subject: %w", err)
	}
	if out.To, err = addresses(msg.Header, "To"); err != nil {
		return Received{}, err
	}
	if out.From, err = addresses(msg.Header, "From"); err != nil {
		return Received{}, err
	}
	if out.Date, err = msg.Header.Date(); err != nil {
		return Received{}, fmt.Errorf("mail: Date: %w", err)
	}
	out.MessageID = msg.Header.Get("Message-ID")
	err = readPart(&out, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return out, err
}

func addresses(h mail.Header, key string) (string, error) {
	if h.Get(key) == "" {
		return "", nil
	}
	list, err := h.AddressList(key)
	if err != nil {
		return "", fmt.Errorf("mail: %s: %w", key, err)
	}
	addrs := make([]string, len(list))
	for i, a := range list {
		addrs[i] = a.Address
	}
	return strings.Join(addrs, ", "), nil
}

// readPart stores the first text/plain and text/html bodies it finds.
func readPart(out *Received, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("mail: Content-Type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("mail: multipart: %w", err)
			}
			// NextPart already undoes quoted-printable and then drops the
			// Content-Transfer-Encoding header; base64 is left to us.
			if err := readPart(out, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("mail: read %s body: %w", mediaType, err)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch {
	case mediaType == "text/plain" && out.Text == "":
		out.Text = text
	case mediaType == "text/html" && out.HTML == "":
		out.HTML = text
	}
	return nil
}

var linkPattern = regexp.MustCompile(`https?://[^\s"'<>]+`)

// LinkToken returns the token query parameter of the first http(s) link in
// body (text or HTML) whose path is path or ends with it, e.g.
// LinkToken(r.Text, "/reset-password"). It returns "" when there is none.
func LinkToken(body, path string) string {
	for _, raw := range linkPattern.FindAllString(body, -1) {
		raw = strings.TrimRight(html.UnescapeString(raw), ".,;:!?)")
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if u.Path == path || (strings.HasPrefix(path, "/") && strings.HasSuffix(u.Path, path)) {
			if token := u.Query().Get("token"); token != "" {
				return token
			}
		}
	}
	return ""
}
