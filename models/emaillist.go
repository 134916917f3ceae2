package models

import (
	"mime"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxInviteAddresses is the most entries (valid or not, after merging
// duplicates) one invite box may hold.
const MaxInviteAddresses = 100

// maxEmailListBytes bounds the pasted text itself: a full list of 100
// `"Long Name, With Title" <long.address@sub.example.com>` entries is about
// 10 kB, so this leaves room for any real paste.
const maxEmailListBytes = 64 << 10

// maxEmailLength is the longest address a mail system delivers to: the
// 256-byte SMTP path of RFC 5321 less its angle brackets.
const maxEmailLength = 254

// maxNameRunes bounds a display name read from the list, and maxNameBytes
// the text it is read from.
const (
	maxNameRunes = 200
	maxNameBytes = 4 << 10
)

// EmailEntry is one distinct entry of a pasted list of addresses.
type EmailEntry struct {
	// Raw is the text the entry was read from, as pasted (trimmed).
	Raw string
	// Address is the normalized address (domain lower-cased); empty when
	// the entry is not a valid address.
	Address string
	// Name is the display name given with the address, as in
	// `Ada Lovelace <ada@example.com>`; may be empty.
	Name string
	// Valid reports whether Address holds a deliverable-looking address.
	Valid bool
}

// Key identifies the entry for de-duplication: EmailKey of the address for
// a valid entry, the case-folded raw text for an invalid one. The two kinds
// never collide.
func (e EmailEntry) Key() string {
	if e.Valid {
		return EmailKey(e.Address)
	}
	return "invalid:" + EmailKey(e.Raw)
}

// EmailList is the parsed content of an invite box, in input order, one entry
// per distinct address.
type EmailList []EmailEntry

// ParseEmailList reads the text a person pasted into the invite box:
// addresses separated by commas, semicolons, spaces, tabs or new lines (a
// spreadsheet column too), in `Name <address>` and `"Last, First" <address>`
// forms as well, with surrounding quotes or brackets tolerated. Each entry is
// validated with net/mail and the stricter rules of NormalizeEmail. Invalid
// entries are kept (with their raw text) so each gets its own outcome;
// duplicates are merged case-insensitively, keeping the first spelling.
//
// An empty list, or one of more than MaxInviteAddresses entries, is
// BAD_USER_INPUT on field "emails".
func ParseEmailList(text string) (EmailList, error) {
	if len(text) > maxEmailListBytes {
		return nil, InvalidInput("emails", "the list is too long: invite at most %d addresses at a time", MaxInviteAddresses)
	}
	p := emailListParser{text: strings.ToValidUTF8(text, "\uFFFD"), index: map[string]int{}}
	if err := p.parse(); err != nil {
		return nil, err
	}
	if len(p.out) == 0 {
		return nil, InvalidInput("emails", "enter at least one email address")
	}
	return p.out, nil
}

// NormalizeEmail validates one address typed into a single-address field and
// returns it trimmed, NFC-normalized, with its domain lower-cased (the local
// part keeps its case). Beyond what net/mail accepts it requires exactly one
// @, an unquoted dot-atom local part of at most 64 bytes, a domain name with
// a dot (no "user@localhost", no IP literal) and at most 254 bytes in all.
// Errors are BAD_USER_INPUT on field "email".
func NormalizeEmail(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", InvalidInput("email", "enter an email address")
	}
	addr, ok := normalizeAddress(t)
	if !ok {
		return "", InvalidInput("email", "enter a valid email address, like name@example.com")
	}
	return addr, nil
}

// EmailKey is the case-insensitive identity of an address, used wherever
// addresses must be unique (login emails, invitations, list entries): the
// whole address trimmed, NFC-normalized and lower-cased.
func EmailKey(s string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
}

// normalizeAddress applies the rules documented on NormalizeEmail to a bare
// address.
func normalizeAddress(s string) (string, bool) {
	if s == "" || len(s) > 4*maxEmailLength {
		return "", false
	}
	s = norm.NFC.String(s)
	if len(s) > maxEmailLength || strings.Count(s, "@") != 1 {
		return "", false
	}
	// net/mail must read the text as exactly this address: no display name,
	// no comment, no quoted local part it would rewrite.
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", false
	}
	local, domain, _ := strings.Cut(s, "@")
	domain = norm.NFC.String(strings.ToLower(domain))
	if !validLocalPart(local) || !validDomain(domain) {
		return "", false
	}
	out := local + "@" + domain
	if len(out) > maxEmailLength {
		return "", false
	}
	return out, true
}

// validLocalPart accepts an RFC 5322 dot-atom of at most 64 bytes, with
// letters, marks and digits of any script (RFC 6531 addresses).
func validLocalPart(local string) bool {
	if local == "" || len(local) > 64 {
		return false
	}
	for _, part := range strings.Split(local, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if r < utf8.RuneSelf {
				if !isASCIIAtext(byte(r)) {
					return false
				}
			} else if !isIntlWordRune(r) {
				return false
			}
		}
	}
	return true
}

func isASCIIAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isIntlWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)
}

// validDomain accepts a lower-cased host name of at least two labels, each
// of 1 to 63 characters (letters, digits, hyphens not at either end; letters
// of any script for internationalized names), whose last label is not
// numeric.
func validDomain(domain string) bool {
	if len(domain) > 253 {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, label := range labels {
		n := utf8.RuneCountInString(label)
		if n == 0 || n > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '-':
			case r >= utf8.RuneSelf && isIntlWordRune(r):
			default:
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if utf8.RuneCountInString(tld) < 2 {
		return false
	}
	return strings.ContainsFunc(tld, func(r rune) bool { return r < '0' || r > '9' })
}

// The pasted text is read in two steps: a scanner cuts it into tokens
// (words, <angle addresses> and breaks), then the parser groups them into
// entries.

type listTokenKind int

const (
	tokenWord  listTokenKind = iota // a run of text, with "quoted" and (commented) parts kept whole
	tokenAngle                      // <...>, brackets included
	tokenBreak                      // a comma, semicolon or line break
)

type listToken struct {
	kind       listTokenKind
	start, end int // byte offsets in the text
}

type emailListParser struct {
	text string
	// An opening quote or parenthesis before quoteFail / parenFail is known
	// to have no closer on its line: that keeps scanning linear.
	quoteFail, parenFail int

	out   EmailList
	index map[string]int // Key → position in out
}

// parse groups the tokens into entries. Within a line, between commas or
// semicolons:
//   - a word holding an @ is an address of its own (unless namesAngle);
//   - the words before an <address> are its display name, so
//     `Ada King Lovelace <ada@example.com>` is one entry;
//   - a (comment) right after an address names it, if it has no name;
//   - any other run of words is one invalid entry ("Ada Lovelace" before a
//     bare address, a spreadsheet's header cell).
func (p *emailListParser) parse() error {
	toks := p.tokens()
	var pending []listToken // words that may turn out to name an <address>
	last := -1              // entry read just before, for a trailing (comment)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		raw := p.text[pending[0].start:pending[len(pending)-1].end]
		pending = pending[:0]
		_, err := p.add(raw, "", "")
		return err
	}
	for i, t := range toks {
		switch t.kind {
		case tokenBreak:
			if err := flush(); err != nil {
				return err
			}
			last = -1
		case tokenAngle:
			start, name := t.start, ""
			if len(pending) > 0 {
				start, name = pending[0].start, p.displayName(pending)
				pending = pending[:0]
			}
			idx, err := p.add(p.text[start:t.end], p.text[t.start+1:t.end-1], name)
			if err != nil {
				return err
			}
			last = idx
		case tokenWord:
			w := p.text[t.start:t.end]
			switch {
			case strings.Contains(w, "@") && !(i+1 < len(toks) && p.namesAngle(w, toks[i+1])):
				if err := flush(); err != nil {
					return err
				}
				idx, err := p.add(w, w, "")
				if err != nil {
					return err
				}
				last = idx
			case len(pending) == 0 && last >= 0 && isComment(w):
				// ada@example.com (Ada Lovelace)
				if e := &p.out[last]; e.Valid && e.Name == "" {
					e.Name = cleanName(w[1:len(w)-1], e.Address)
				}
				last = -1
			default:
				pending = append(pending, t)
				last = -1
			}
		}
	}
	return flush()
}

// namesAngle reports whether a word holding an @ is the display name of the
// token after it rather than an address of its own: a quoted word before an
// <address>, that is no valid address or repeats that address, as in
// `'ada@example.com' <ada@example.com>` or `"Ada @ Home" <ada@example.com>`.
func (p *emailListParser) namesAngle(w string, next listToken) bool {
	if next.kind != tokenAngle || unwrapOnce(w) == w {
		return false
	}
	own, ok := normalizeAddress(unwrapAddress(w))
	if !ok {
		return true
	}
	other, _ := normalizeAddress(unwrapAddress(p.text[next.start+1 : next.end-1]))
	return EmailKey(own) == EmailKey(other)
}

// add records one entry, merging it into an earlier one with the same key.
// It returns the entry's position.
func (p *emailListParser) add(raw, candidate, name string) (int, error) {
	e := EmailEntry{Raw: strings.TrimSpace(raw)}
	if addr, ok := normalizeAddress(unwrapAddress(candidate)); ok {
		e.Address, e.Valid = addr, true
	}
	e.Name = cleanName(name, e.Address)
	key := e.Key()
	if i, ok := p.index[key]; ok {
		if p.out[i].Name == "" {
			p.out[i].Name = e.Name
		}
		return i, nil
	}
	if len(p.out) == MaxInviteAddresses {
		return -1, InvalidInput("emails", "invite at most %d addresses at a time", MaxInviteAddresses)
	}
	p.index[key] = len(p.out)
	p.out = append(p.out, e)
	return len(p.out) - 1, nil
}

func (p *emailListParser) tokens() []listToken {
	s := p.text
	var toks []listToken
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case isListBreak(r):
			if n := len(toks); n > 0 && toks[n-1].kind != tokenBreak {
				toks = append(toks, listToken{kind: tokenBreak, start: i, end: i + w})
			}
			i += w
		case isListSpace(r):
			i += w
		default:
			if r == '<' {
				if j := p.angleEnd(i); j > 0 {
					toks = append(toks, listToken{kind: tokenAngle, start: i, end: j})
					i = j
					continue
				}
			}
			j := p.wordEnd(i)
			toks = append(toks, listToken{kind: tokenWord, start: i, end: j})
			i = j
		}
	}
	return toks
}

// wordEnd returns the end of the word starting at i. Closed quotes and
// parentheses are part of the word even when they hold separators, so
// `"Lovelace, Ada"` is one word; an unclosed one is an ordinary character.
func (p *emailListParser) wordEnd(i int) int {
	s := p.text
	j := i
	for j < len(s) {
		r, w := utf8.DecodeRuneInString(s[j:])
		if isListBreak(r) || isListSpace(r) {
			break
		}
		switch r {
		case '"':
			if k := p.closeQuote(j); k > 0 {
				j = k
				continue
			}
		case '(':
			if k := p.closeParen(j); k > 0 {
				j = k
				continue
			}
		case '<':
			if j > i && p.angleEnd(j) > 0 {
				return j
			}
		}
		j += w
	}
	return j
}

// angleEnd returns the end of the <...> starting at i, or -1 when it is not
// closed before another '<' or a break.
func (p *emailListParser) angleEnd(i int) int {
	s := p.text
	for k := i + 1; k < len(s); {
		r, w := utf8.DecodeRuneInString(s[k:])
		switch {
		case r == '>':
			return k + w
		case r == '<' || isListBreak(r):
			return -1
		}
		k += w
	}
	return -1
}

// closeQuote returns the end of the quoted string starting at i
// (backslash escapes honoured), or -1 when it is not closed on its line.
func (p *emailListParser) closeQuote(i int) int {
	if i < p.quoteFail {
		return -1
	}
	s := p.text
	for k := i + 1; k < len(s); {
		r, w := utf8.DecodeRuneInString(s[k:])
		switch {
		case isLineBreak(r):
			p.quoteFail = k
			return -1
		case r == '"':
			return k + w
		case r == '\\':
			k += w
			if k < len(s) {
				r, w = utf8.DecodeRuneInString(s[k:])
				if isLineBreak(r) {
					p.quoteFail = k
					return -1
				}
			}
		}
		k += w
	}
	p.quoteFail = len(s)
	return -1
}

// closeParen returns the end of the (comment) starting at i, or -1 when it
// is not closed on its line.
func (p *emailListParser) closeParen(i int) int {
	if i < p.parenFail {
		return -1
	}
	s := p.text
	for k := i + 1; k < len(s); {
		r, w := utf8.DecodeRuneInString(s[k:])
		switch {
		case isLineBreak(r):
			p.parenFail = k
			return -1
		case r == ')':
			return k + w
		}
		k += w
	}
	p.parenFail = len(s)
	return -1
}

// displayName joins the words before an <address> into one name, with
// quoted parts unquoted.
func (p *emailListParser) displayName(words []listToken) string {
	parts := make([]string, len(words))
	for i, t := range words {
		parts[i] = unquoteWord(p.text[t.start:t.end])
	}
	return strings.Join(parts, " ")
}

// unquoteWord removes the double quotes of a word and their backslash
// escapes: `"Lovelace, Ada"` → `Lovelace, Ada`.
func unquoteWord(w string) string {
	if !strings.Contains(w, `"`) {
		return w
	}
	var b strings.Builder
	quoted, escaped := false, false
	for _, r := range w {
		switch {
		case escaped:
			b.WriteRune(r)
			escaped = false
		case quoted && r == '\\':
			escaped = true
		case r == '"':
			quoted = !quoted
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanName tidies a display name: RFC 2047 words decoded, wrapping quotes
// removed, white space and control characters collapsed, length bounded. A
// name that only repeats the address is dropped.
func cleanName(name, address string) string {
	if name == "" {
		return ""
	}
	if len(name) > maxNameBytes {
		// Longer is no name; bounding it keeps the decoding below cheap.
		name = strings.ToValidUTF8(name[:maxNameBytes], "")
	}
	if strings.Contains(name, "=?") {
		if d, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
			name = strings.ToValidUTF8(d, "\uFFFD")
		}
	}
	name = strings.Join(strings.FieldsFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	for {
		n := unwrapOnce(name)
		if n == name {
			break
		}
		name = n
	}
	if utf8.RuneCountInString(name) > maxNameRunes {
		name = strings.TrimSpace(string([]rune(name)[:maxNameRunes]))
	}
	if address != "" && EmailKey(name) == EmailKey(address) {
		return ""
	}
	if !HasVisible(name) {
		return "" // only invisible characters: no name
	}
	return name
}

// isComment reports whether a word is a whole (parenthesized comment).
func isComment(w string) bool {
	return len(w) >= 2 && w[0] == '(' && w[len(w)-1] == ')' && !strings.Contains(w, "@")
}

// wrappers are the pairs people put around an address or a name.
var wrappers = [][2]string{
	{`"`, `"`}, {`'`, `'`}, {`<`, `>`}, {`(`, `)`}, {`[`, `]`},
	{"\u201c", "\u201d"}, {"\u2018", "\u2019"}, {"\u00ab", "\u00bb"}, {"\u201e", "\u201c"},
}

// unwrapOnce removes one pair of wrapping quotes or brackets, if any.
func unwrapOnce(s string) string {
	for _, w := range wrappers {
		if len(s) >= len(w[0])+len(w[1]) && strings.HasPrefix(s, w[0]) && strings.HasSuffix(s, w[1]) {
			return strings.TrimSpace(s[len(w[0]) : len(s)-len(w[1])])
		}
	}
	return s
}

// unwrapAddress strips what surrounds an address in a paste: quotes,
// brackets and a mailto: prefix.
func unwrapAddress(s string) string {
	s = strings.TrimSpace(s)
	for range 4 {
		t := unwrapOnce(s)
		if len(t) >= 7 && strings.EqualFold(t[:7], "mailto:") {
			t = strings.TrimSpace(t[7:])
		}
		if t == s {
			break
		}
		s = t
	}
	return s
}

// isLineBreak reports the characters that end a line.
func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// isListBreak reports the characters that always end an entry: commas and
// semicolons (ASCII, full-width, ideographic and Arabic) and line breaks.
func isListBreak(r rune) bool {
	switch r {
	case ',', ';', '\uff0c', '\uff1b', '\u3001', '\u060c', '\u061b':
		return true
	}
	return isLineBreak(r)
}

// isListSpace reports the characters that separate words: white space,
// control characters and the invisible spaces that come with web pastes.
func isListSpace(r rune) bool {
	switch r {
	case '\u200b', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r) || unicode.IsControl(r)
}
