package models

import "testing"

func TestSafeCSVCell(t *testing.T) {
	cases := map[string]string{
		"":                  "",
		"Ada":               "Ada",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+33 6 12":          "'+33 6 12",
		"-2+3":              "'-2+3",
		"@SUM(A1)":          "'@SUM(A1)",
		"\tcmd":             "'\tcmd",
		"\rcmd":             "'\rcmd",
		"a=b":               "a=b",
		"ada@example.com":   "ada@example.com",
	}
	for in, want := range cases {
		if got := SafeCSVCell(in); got != want {
			t.Errorf("SafeCSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
