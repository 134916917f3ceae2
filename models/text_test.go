package models

import (
	"strings"
	"testing"
)

func TestOptionalText(t *testing.T) {
	ok := map[string]string{
		"":                       "",
		"   ":                    "",
		"Ada":                    "Ada",
		"  Ada Lovelace\n":       "Ada Lovelace",
		"\u200BAda\uFEFF":        "Ada",
		"Zoë":                    "Zoë",
		"محمد":                   "محمد",
		"李小龍":                    "李小龍",
		"👩‍💻":                    "👩\u200d💻", // the joiner inside an emoji stays
		"O\u2019Brien":           "O\u2019Brien",
		"\u200FRTL\u200F":        "RTL",
		"Anne\u00A0Marie":        "Anne\u00A0Marie",
		strings.Repeat("x", 100): strings.Repeat("x", 100),
	}
	for in, want := range ok {
		got, err := OptionalText("name", in, 100)
		if err != nil || got != want {
			t.Errorf("OptionalText(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	refused := map[string]string{
		"ZeroWidth":       "\u200B\u200C\u200D",
		"WordJoinerBOM":   "\u2060\uFEFF",
		"BidiOnly":        "\u202E\u2066\u200E",
		"HangulFiller":    "\u3164\u3164",
		"BrailleBlank":    "\u2800",
		"SoftHyphen":      "\u00AD",
		"C0":              "\x01\x02",
		"C1":              "\u0085\u009f",
		"MixedInvisibles": " \u200B \u2060 \u3164 ",
		"ControlInside":   "Ada\x00Lovelace",
		"C1Inside":        "Ada\u0085Lovelace",
		"OverrideInside":  "Ada\u202Eecalevol",
		"InvalidUTF8":     "Ada\xff",
		"TooLong":         strings.Repeat("x", 101),
	}
	for name, in := range refused {
		if got, err := OptionalText("firstName", in, 100); err == nil || ErrorCode(err) != CodeBadUserInput {
			t.Errorf("%s: OptionalText(%q) = %q, %v; want BAD_USER_INPUT", name, in, got, err)
		} else if e, _ := AsError(err); e.Field != "firstName" {
			t.Errorf("%s: field %q", name, e.Field)
		}
	}
}

func TestRequiredText(t *testing.T) {
	if _, err := RequiredText("name", " ", 10); ErrorCode(err) != CodeBadUserInput {
		t.Errorf("blank: %v", err)
	}
	if _, err := RequiredText("name", "\u200B", 10); ErrorCode(err) != CodeBadUserInput {
		t.Errorf("invisible: %v", err)
	}
	if got, err := RequiredText("name", " Acme ", 10); err != nil || got != "Acme" {
		t.Errorf("Acme: %q %v", got, err)
	}
}

func TestHasVisible(t *testing.T) {
	if HasVisible("\u200B \u3164\u2800") || !HasVisible("\u200Ba") {
		t.Error("HasVisible")
	}
}
