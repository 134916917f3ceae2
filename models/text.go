package models

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The one rule for free text a person types as a name: first and last and
// display names, organization, account, contact and device names, and the
// names of an invitation. RequiredText and OptionalText are called by every
// service that stores one.

// RequiredText is OptionalText that refuses an empty value.
func RequiredText(field, v string, max int) (string, error) {
	t, err := OptionalText(field, v, max)
	if err != nil {
		return "", err
	}
	if t == "" {
		if strings.TrimSpace(v) == "" {
			return "", InvalidInput(field, "this field is required")
		}
		return "", InvalidInput(field, "must contain visible characters")
	}
	return t, nil
}

// OptionalText validates and tidies a name: valid UTF-8; white space and
// invisible characters (zero-width spaces and joiners, word joiner, BOM,
// bidi marks, fillers) trimmed at both ends; at most max characters; no
// control characters (C0, DEL, C1) and no bidi embeddings, overrides or
// isolates, which would reorder what is shown around the name; and, when not
// empty, at least one visible character. An empty or all-space value is ""
// with no error (unset); one made only of invisible characters is refused.
func OptionalText(field, v string, max int) (string, error) {
	if !utf8.ValidString(v) {
		return "", InvalidInput(field, "must be valid UTF-8 text")
	}
	if strings.TrimSpace(v) == "" {
		return "", nil
	}
	t := strings.TrimFunc(v, func(r rune) bool { return unicode.IsSpace(r) || isInvisible(r) })
	if strings.ContainsFunc(t, func(r rune) bool { return unicode.IsControl(r) || isBidiControl(r) }) {
		return "", InvalidInput(field, "must not contain control characters")
	}
	if t == "" {
		return "", InvalidInput(field, "must contain visible characters")
	}
	if utf8.RuneCountInString(t) > max {
		return "", InvalidInput(field, "use at most %d characters", max)
	}
	return t, nil
}

// HasVisible reports whether s holds a character that shows.
func HasVisible(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsSpace(r) && !isInvisible(r) && !unicode.IsControl(r) })
}

// isInvisible reports characters that take no room or show as blank:
// format characters (Cf: zero-width space, non-joiner and joiner, word
// joiner, BOM, soft hyphen, bidi marks), variation selectors, the combining
// grapheme joiner, and the letters and symbols that render blank (Hangul
// fillers, Braille blank, Khmer inherent vowels).
func isInvisible(r rune) bool {
	switch r {
	case 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0:
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r)
}

// isBidiControl reports the bidi embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069).
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
