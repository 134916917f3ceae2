package models

import (
	"slices"
	"strings"
	"testing"
)

func TestSearchWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"María López", []string{"maria", "lopez"}},
		{"ÉMILE Zoë", []string{"emile", "zoe"}},
		{"Weiß Łukasz Østergaard", []string{"weiss", "lukasz", "ostergaard"}},
		{"Mark.Lee+crm@Acme-Corp.example.com", []string{"mark", "lee", "crm", "acme", "corp", "example", "com"}},
		{"O'Brien", []string{"o", "brien"}},
		{"佐藤 翔太", []string{"佐藤", "翔太"}},
		{"민준", []string{"민준"}},
		{"Дмитрий Иванов", []string{"дмитрии", "иванов"}}, // й without its breve, as unicode_ci compares it
		{"anna anna ANNA", []string{"anna"}},
		{"%_!' \t", nil},
		{"", nil},
	} {
		if got := SearchWords(c.in); !slices.Equal(got, c.want) {
			t.Errorf("SearchWords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSearchPrefix(t *testing.T) {
	for in, want := range map[string]string{"maria": "mar", "li": "li", "mar": "mar", "翔太郎": "翔太郎", "ñandú": "ñan", "": ""} {
		if got := SearchPrefix(in); got != want {
			t.Errorf("SearchPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearchEntries(t *testing.T) {
	got := SearchEntries("María", "Marín", "María M.", "maria.marin.7@acme.example")
	want := []SearchEntry{{"7", " 7 "}, {"acm", " acme "}, {"exa", " example "}, {"m", " m "}, {"mar", " maria marin "}}
	if !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	// Every word lands in exactly one entry, under its own prefix.
	for _, e := range SearchEntries("Jean-Luc", "Picard", "", "jl@enterprise.example") {
		for _, w := range strings.Fields(e.Words) {
			if SearchPrefix(w) != e.Prefix {
				t.Fatalf("%q filed under %q", w, e.Prefix)
			}
		}
	}
}

func TestParseSearch(t *testing.T) {
	q, err := ParseSearch("search", "  gar  María ")
	if err != nil || !slices.Equal(q.Words, []string{"maria", "gar"}) {
		t.Fatalf("longest word first: %q %v", q.Words, err)
	}
	if q, err := ParseSearch("search", " \t "); err != nil || len(q.Words) != 0 || q.Nobody {
		t.Fatalf("blank is no search: %+v %v", q, err)
	}
	if q, err := ParseSearch("search", " % "); err != nil || len(q.Words) != 0 || !q.Nobody {
		t.Fatalf("punctuation alone matches no one: %+v %v", q, err)
	}
	if _, err := ParseSearch("search", strings.Repeat("a", MaxSearchLength+1)); ErrorCode(err) != CodeBadUserInput {
		t.Fatalf("too long: %v", err)
	}
	if _, err := ParseSearch("search", "a b c d e f g h i"); ErrorCode(err) != CodeBadUserInput {
		t.Fatalf("too many words: %v", err)
	}
	if _, err := ParseSearch("search", "a b c d e f g h"); err != nil {
		t.Fatalf("eight words: %v", err)
	}
}

func TestMatchesSearch(t *testing.T) {
	type person struct{ first, last, display, email string }
	maria := person{"María", "López", "", "maria.lopez@acme.com"}
	omar := person{"Omar", "Haddad", "", "omar@acme.com"}
	mark := person{"Mark", "Lee", "Marky", "Mark.Lee@Partner.example"}
	for _, c := range []struct {
		search string
		p      person
		want   bool
	}{
		{"mar", maria, true},
		{"MAR", maria, true},
		{"már", maria, true},
		{"mar", omar, false}, // prefix of a word, not a substring
		{"maria lop", maria, true},
		{"lop maria", maria, true},
		{"maria x", maria, false},
		{"lee", mark, true},
		{"partner", mark, true},
		{"mark.lee@partner", mark, true},
		{"marky", mark, true},
		{"arky", mark, false},
		{"ha", omar, true},
	} {
		q, err := ParseSearch("search", c.search)
		if err != nil {
			t.Fatal(err)
		}
		if got := MatchesSearch(q, c.p.first, c.p.last, c.p.display, c.p.email); got != c.want {
			t.Errorf("%q on %+v: %v, want %v", c.search, c.p, got, c.want)
		}
	}
}
