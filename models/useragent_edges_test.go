package models

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanUserAgent(t *testing.T) {
	for in, want := range map[string]string{
		"Mozilla/5.0 (X11)":  "Mozilla/5.0 (X11)",
		"  a\x00b\tc\x7f ":   "a b c",
		"bad \xff\xfe utf-8": "bad \uFFFD utf-8",
	} {
		if got := CleanUserAgent(in); got != want {
			t.Errorf("CleanUserAgent(%q) = %q, want %q", in, got, want)
		}
	}
	long := CleanUserAgent(strings.Repeat("é", 3000))
	if len(long) > maxUserAgentLength || !utf8.ValidString(long) {
		t.Errorf("long user agent: %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}
