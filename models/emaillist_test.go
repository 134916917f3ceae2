package models

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func valid(raw, address, name string) EmailEntry {
	return EmailEntry{Raw: raw, Address: address, Name: name, Valid: true}
}

func invalid(raw string) EmailEntry {
	return EmailEntry{Raw: raw}
}

func TestParseEmailList(t *testing.T) {
	tests := []struct {
		name string
		text string
		want EmailList
	}{
		{"Single", "ada@example.com", EmailList{valid("ada@example.com", "ada@example.com", "")}},
		{"CommasSemicolonsSpaces", "a@x.com, b@x.com;c@x.com  d@x.com", EmailList{
			valid("a@x.com", "a@x.com", ""), valid("b@x.com", "b@x.com", ""),
			valid("c@x.com", "c@x.com", ""), valid("d@x.com", "d@x.com", ""),
		}},
		{"SpreadsheetColumnCRLF", "a@x.com\r\nb@x.com\r\n\r\nc@x.com\r\n", EmailList{
			valid("a@x.com", "a@x.com", ""), valid("b@x.com", "b@x.com", ""), valid("c@x.com", "c@x.com", ""),
		}},
		{"Tabs", "a@x.com\tb@x.com\t\t", EmailList{valid("a@x.com", "a@x.com", ""), valid("b@x.com", "b@x.com", "")}},
		{"TrailingSeparators", " a@x.com,;\n\t ,", EmailList{valid("a@x.com", "a@x.com", "")}},
		{"NameAngle", "Ada Lovelace <ada@example.com>", EmailList{
			valid("Ada Lovelace <ada@example.com>", "ada@example.com", "Ada Lovelace"),
		}},
		{"NameAngleNoSpace", "Ada<ada@example.com>", EmailList{valid("Ada<ada@example.com>", "ada@example.com", "Ada")}},
		{"QuotedLastFirst", `"Lovelace, Ada" <ada@example.com>, "Hopper, Grace" <grace@example.com>`, EmailList{
			valid(`"Lovelace, Ada" <ada@example.com>`, "ada@example.com", "Lovelace, Ada"),
			valid(`"Hopper, Grace" <grace@example.com>`, "grace@example.com", "Hopper, Grace"),
		}},
		{"QuotedEscapes", `"Ada \"Countess\" Lovelace" <ada@example.com>`, EmailList{
			valid(`"Ada \"Countess\" Lovelace" <ada@example.com>`, "ada@example.com", `Ada "Countess" Lovelace`),
		}},
		{"OutlookSingleQuotes", `'Grace Hopper' <grace@example.com>; 'ada@example.com' <ada@example.com>`, EmailList{
			valid(`'Grace Hopper' <grace@example.com>`, "grace@example.com", "Grace Hopper"),
			valid(`'ada@example.com' <ada@example.com>`, "ada@example.com", ""),
		}},
		{"UnquotedCommaSplitsName", "Lovelace, Ada <ada@example.com>", EmailList{
			invalid("Lovelace"), valid("Ada <ada@example.com>", "ada@example.com", "Ada"),
		}},
		{"SeveralAngleEntriesOnALine", "Ada L <ada@x.com> Grace H <grace@x.com> bob@x.com", EmailList{
			valid("Ada L <ada@x.com>", "ada@x.com", "Ada L"),
			valid("Grace H <grace@x.com>", "grace@x.com", "Grace H"),
			valid("bob@x.com", "bob@x.com", ""),
		}},
		{"UnicodeNames", "Zoë Müller <zoe@example.de>\n李雷 <li.lei@example.cn>\n\"Ñandú, José\" <jose@example.es>", EmailList{
			valid("Zoë Müller <zoe@example.de>", "zoe@example.de", "Zoë Müller"),
			valid("李雷 <li.lei@example.cn>", "li.lei@example.cn", "李雷"),
			valid(`"Ñandú, José" <jose@example.es>`, "jose@example.es", "Ñandú, José"),
		}},
		{"EncodedWordName", "=?utf-8?q?Zo=C3=AB?= <zoe@example.de>", EmailList{
			valid("=?utf-8?q?Zo=C3=AB?= <zoe@example.de>", "zoe@example.de", "Zoë"),
		}},
		{"IDNDomain", "ana@Bücher.DE, 用户@例子.广告", EmailList{
			valid("ana@Bücher.DE", "ana@bücher.de", ""),
			valid("用户@例子.广告", "用户@例子.广告", ""),
		}},
		{"LocalPartKeepsCase", "Ada.Lovelace@EXAMPLE.Com", EmailList{
			valid("Ada.Lovelace@EXAMPLE.Com", "Ada.Lovelace@example.com", ""),
		}},
		{"DuplicatesMergedKeepFirst", "Ada@X.com, ada@x.COM\nAda Lovelace <ADA@x.com>", EmailList{
			valid("Ada@X.com", "Ada@x.com", "Ada Lovelace"),
		}},
		{"QuotedNameWithAt", `"Ada @ Home" <ada@x.com>`, EmailList{valid(`"Ada @ Home" <ada@x.com>`, "ada@x.com", "Ada @ Home")}},
		{"SurroundingQuotesAndBrackets", `"a@x.com" 'b@x.com' <c@x.com> (d@x.com) [e@x.com] mailto:f@x.com <mailto:g@x.com> “h@x.com”`, EmailList{
			valid(`"a@x.com"`, "a@x.com", ""), valid(`'b@x.com'`, "b@x.com", ""),
			valid("<c@x.com>", "c@x.com", ""), valid("(d@x.com)", "d@x.com", ""),
			valid("[e@x.com]", "e@x.com", ""), valid("mailto:f@x.com", "f@x.com", ""),
			valid("<mailto:g@x.com>", "g@x.com", ""), valid("“h@x.com”", "h@x.com", ""),
		}},
		{"CommentNamesAddress", "ada@example.com (Ada Lovelace), bob@example.com", EmailList{
			valid("ada@example.com", "ada@example.com", "Ada Lovelace"),
			valid("bob@example.com", "bob@example.com", ""),
		}},
		{"InvalidKeptInOrderAndMerged", "a@x.com, not-an-email, b@x.com, NOT-an-email, user@localhost", EmailList{
			valid("a@x.com", "a@x.com", ""), invalid("not-an-email"),
			valid("b@x.com", "b@x.com", ""), invalid("user@localhost"),
		}},
		{"NameWordsBeforeBareAddress", "Ada Lovelace ada@x.com", EmailList{
			invalid("Ada Lovelace"), valid("ada@x.com", "ada@x.com", ""),
		}},
		{"SpreadsheetTwoColumns", "Name\tEmail\nAda\tada@x.com\n", EmailList{
			invalid("Name\tEmail"), invalid("Ada"), valid("ada@x.com", "ada@x.com", ""),
		}},
		{"InvalidAngle", "Ada <ada@localhost>, <>", EmailList{
			{Raw: "Ada <ada@localhost>", Name: "Ada"}, invalid("<>"),
		}},
		{"UnclosedQuoteIsLiteral", `"Ada <ada@x.com>, bob@x.com`, EmailList{
			valid(`"Ada <ada@x.com>`, "ada@x.com", "Ada"), valid("bob@x.com", "bob@x.com", ""),
		}},
		{"UnclosedAngleIsLiteral", "<ada@x.com, bob@x.com>", EmailList{
			invalid("<ada@x.com"), invalid("bob@x.com>"),
		}},
		{"WebPasteSpaces", "a@x.com\u00a0\u200bb@x.com\ufeff", EmailList{
			valid("a@x.com", "a@x.com", ""), valid("b@x.com", "b@x.com", ""),
		}},
		{"FullWidthComma", "a@x.com，b@x.com", EmailList{
			valid("a@x.com", "a@x.com", ""), valid("b@x.com", "b@x.com", ""),
		}},
		{"InvalidUTF8", "a@x.com \xff\xfe", EmailList{valid("a@x.com", "a@x.com", ""), invalid("\ufffd")}},
		{"ExactlyMax", numbered(MaxInviteAddresses, ", "), nil},
		{"MaxAfterMerging", numbered(MaxInviteAddresses, "\n") + "\nUSER0@EXAMPLE.COM", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEmailList(tc.text)
			if err != nil {
				t.Fatalf("ParseEmailList: %v", err)
			}
			if tc.want == nil {
				if len(got) != MaxInviteAddresses {
					t.Fatalf("got %d entries, want %d", len(got), MaxInviteAddresses)
				}
				return
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %#v\nwant\n  %#v", got, tc.want)
			}
		})
	}
}

func numbered(n int, sep string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("user%d@example.com", i)
	}
	return strings.Join(parts, sep)
}

func TestParseEmailListErrors(t *testing.T) {
	garbage := make([]string, MaxInviteAddresses+1)
	for i := range garbage {
		garbage[i] = fmt.Sprintf("nobody%d", i)
	}
	tests := []struct {
		name string
		text string
	}{
		{"ErrEmpty", ""},
		{"ErrOnlySeparators", " ,;\r\n\t ;,"},
		{"ErrTooMany", numbered(MaxInviteAddresses+1, ", ")},
		{"ErrTooManyInvalid", strings.Join(garbage, ",")},
		{"ErrTextTooLong", strings.Repeat(" ", maxEmailListBytes) + "a@x.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEmailList(tc.text)
			assertInputError(t, err, "emails")
		})
	}
}

func assertInputError(t *testing.T, err error, field string) {
	t.Helper()
	if got := ErrorCode(err); got != CodeBadUserInput {
		t.Fatalf("code = %q (%v), want %s", got, err, CodeBadUserInput)
	}
	if e, _ := AsError(err); e.Field != field {
		t.Fatalf("field = %q, want %q", e.Field, field)
	}
}

func TestNormalizeEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 60) + ".com"
	tests := []struct {
		name, in, want string
	}{
		{"OK", "ada@example.com", "ada@example.com"},
		{"OKTrimmed", "  ada@example.com\n", "ada@example.com"},
		{"OKDomainLowered", "Ada@Example.COM", "Ada@example.com"},
		{"OKPlusTag", "ada+rollcall@example.co.uk", "ada+rollcall@example.co.uk"},
		{"OKApostrophe", "o'brien@example.ie", "o'brien@example.ie"},
		{"OKIDN", "ana@BÜCHER.de", "ana@bücher.de"},
		{"OKPunycode", "ana@xn--bcher-kva.de", "ana@xn--bcher-kva.de"},
		{"OKUnicodeLocal", "josé@example.com", "josé@example.com"},
		{"OKNFC", "jose\u0301@example.com", "jos\u00e9@example.com"},
		{"OKHyphenDigits", "a@my-host9.example.com", "a@my-host9.example.com"},
		{"ErrEmpty", "   ", ""},
		{"ErrNoAt", "ada.example.com", ""},
		{"ErrTwoAts", "ada@lovelace@example.com", ""},
		{"ErrLocalhost", "user@localhost", ""},
		{"ErrNoLocal", "@example.com", ""},
		{"ErrNoDomain", "ada@", ""},
		{"ErrDisplayName", "Ada <ada@example.com>", ""},
		{"ErrDisplayNameOnly", "Ada Lovelace", ""},
		{"ErrQuotedLocal", `"ada lovelace"@example.com`, ""},
		{"ErrQuotedSimpleLocal", `"ada"@example.com`, ""},
		{"ErrComment", "ada@example.com (Ada)", ""},
		{"ErrDoubleDot", "ada..l@example.com", ""},
		{"ErrLeadingDot", ".ada@example.com", ""},
		{"ErrTrailingDotDomain", "ada@example.com.", ""},
		{"ErrIPLiteral", "ada@[192.168.0.1]", ""},
		{"ErrNumericTLD", "ada@10.0.0.1", ""},
		{"ErrUnderscoreDomain", "ada@ex_ample.com", ""},
		{"ErrHyphenLabel", "ada@-example.com", ""},
		{"ErrOneLetterTLD", "ada@example.c", ""},
		{"ErrSpace", "ada lovelace@example.com", ""},
		{"ErrTooLong", long, ""},
		{"ErrLocalTooLong", strings.Repeat("a", 65) + "@example.com", ""},
		{"ErrLabelTooLong", "a@" + strings.Repeat("b", 64) + ".com", ""},
		{"ErrFullWidthAt", "ada＠example.com", ""},
		{"ErrSymbolInLocal", "ada☃@example.com", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeEmail(tc.in)
			if tc.want == "" {
				assertInputError(t, err, "email")
				return
			}
			if err != nil {
				t.Fatalf("NormalizeEmail(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("NormalizeEmail(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if n := len(long); n <= maxEmailLength {
		t.Fatalf("test address is %d bytes, want more than %d", n, maxEmailLength)
	}
}

func TestEmailKey(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"Case", "Ada@Example.com", "ada@example.COM"},
		{"Space", " ada@example.com ", "ada@example.com"},
		{"Unicode", "ZOË@BÜCHER.DE", "zoë@bücher.de"},
		{"NFC", "jose\u0301@example.com", "jos\u00e9@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if EmailKey(tc.a) != EmailKey(tc.b) {
				t.Errorf("EmailKey(%q) = %q, EmailKey(%q) = %q", tc.a, EmailKey(tc.a), tc.b, EmailKey(tc.b))
			}
		})
	}
	t.Run("ValidAndInvalidKeysDiffer", func(t *testing.T) {
		if valid("a@x.com", "a@x.com", "").Key() == invalid("a@x.com").Key() {
			t.Error("a valid and an invalid entry share a key")
		}
	})
}

// FuzzParseEmailList checks the invariants of the invite box on any text:
// no panic, at most MaxInviteAddresses entries or a BAD_USER_INPUT error,
// every valid entry a fixed point of NormalizeEmail, distinct keys.
func FuzzParseEmailList(f *testing.F) {
	for _, s := range []string{
		"ada@example.com",
		"a@x.com, b@x.com; c@x.com d@x.com\r\ne@x.com\tf@x.com",
		`"Lovelace, Ada" <ada@example.com>, 'Grace Hopper' <grace@example.com>`,
		"Zoë Müller <zoe@example.de>\n李雷 <li.lei@例子.广告>",
		`"unclosed <a@x.com>, (also <b@x.com`,
		"ada@example.com (Ada), <mailto:b@x.com>,,;;\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		list, err := ParseEmailList(text)
		if err != nil {
			if e, ok := AsError(err); !ok || e.Code != CodeBadUserInput || e.Field != "emails" {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(list) == 0 || len(list) > MaxInviteAddresses {
			t.Fatalf("%d entries", len(list))
		}
		keys := map[string]bool{}
		for _, e := range list {
			k := e.Key()
			if keys[k] {
				t.Fatalf("two entries share the key %q", k)
			}
			keys[k] = true
			if !utf8.ValidString(e.Raw) || !utf8.ValidString(e.Name) {
				t.Fatalf("invalid UTF-8 in %#v", e)
			}
			if !e.Valid {
				if e.Address != "" {
					t.Fatalf("invalid entry with an address: %#v", e)
				}
				continue
			}
			n, err := NormalizeEmail(e.Address)
			if err != nil {
				t.Fatalf("valid entry %q does not re-parse: %v", e.Address, err)
			}
			if n != e.Address {
				t.Fatalf("NormalizeEmail(%q) = %q: not a fixed point", e.Address, n)
			}
		}
	})
}
