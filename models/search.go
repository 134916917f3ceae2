package models

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The members directory's search matches the start of words: "mar" finds
// "María López" and "mark.lee@acme.com", not "Omar" (a type-ahead narrows
// from the start of what people remember; a substring match cannot use an
// index). Words are compared without case and accents: "ÉMILE", "emile"
// and "Émile" are the same word. Every word of the query must start some
// word of the person's first, last or display name or login email, whose
// local part and domain split into words at their dots, dashes and
// underscores ("lee" and "acme" both find mark.lee@acme.com).

// SearchPrefixLen is the length, in letters, of the index keys of the
// search: each word of a person is filed under its first SearchPrefixLen
// letters (a shorter word under itself).
const SearchPrefixLen = 3

// MaxSearchWords bounds the words of one search; MaxSearchLength its
// characters.
const (
	MaxSearchWords  = 8
	MaxSearchLength = 200
)

// maxSearchWordsLen bounds the words filed under one prefix of a person
// (the index column's size).
const maxSearchWordsLen = 1000

// foldSearch removes accents (the combining marks of the compatibility
// decomposition), then recomposes what remains (Hangul syllables). A chain
// keeps state while it runs, so each call takes its own.
var foldSearch = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// letterFolds are letters with no decomposition that people type without
// their mark.
var letterFolds = map[rune]string{
	'ß': "ss", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'æ': "ae", 'œ': "oe", 'ı': "i", 'ħ': "h", 'ŧ': "t",
}

// SearchWords splits text into the search's words: lower case, without
// accents, letters and digits only, in order of appearance and without
// repeats.
func SearchWords(text string) []string {
	t := foldSearch.Get().(transform.Transformer)
	folded, _, err := transform.String(t, text)
	foldSearch.Put(t)
	if err != nil {
		folded = text
	}
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			if w := b.String(); !slices.Contains(words, w) {
				words = append(words, w)
			}
			b.Reset()
		}
	}
	for _, r := range folded {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		r = unicode.ToLower(r)
		if f, ok := letterFolds[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	flush()
	return words
}

// SearchPrefix is the index key a word is filed under: its first
// SearchPrefixLen letters.
func SearchPrefix(word string) string {
	n := 0
	for i := range word {
		if n == SearchPrefixLen {
			return word[:i]
		}
		n++
	}
	return word
}

// SearchEntry is one index row of a person: the words of theirs that share
// a prefix, as " w1 w2 " (a query word w matches when " w" occurs in it).
type SearchEntry struct {
	Prefix string
	Words  string
}

// SearchEntries are the index rows of a person with these names and login
// email, one per prefix, in prefix order.
func SearchEntries(firstName, lastName, displayName, email string) []SearchEntry {
	byPrefix := map[string][]string{}
	for _, text := range []string{firstName, lastName, displayName, email} {
		for _, w := range SearchWords(text) {
			p := SearchPrefix(w)
			if !slices.Contains(byPrefix[p], w) {
				byPrefix[p] = append(byPrefix[p], w)
			}
		}
	}
	out := make([]SearchEntry, 0, len(byPrefix))
	for p, ws := range byPrefix {
		slices.Sort(ws)
		var b strings.Builder
		b.WriteByte(' ')
		for _, w := range ws {
			if b.Len()+len(w)+1 > maxSearchWordsLen {
				break // unreachable with names and emails within their limits; bounds the column all the same
			}
			b.WriteString(w)
			b.WriteByte(' ')
		}
		out = append(out, SearchEntry{Prefix: p, Words: b.String()})
	}
	slices.SortFunc(out, func(a, b SearchEntry) int { return strings.Compare(a.Prefix, b.Prefix) })
	return out
}

// SearchQuery is a parsed directory search.
type SearchQuery struct {
	// Words are the query's words, the most selective first: the longest
	// (a longer prefix matches fewer people), which drives the query.
	Words []string
	// Nobody says the text had something to find but no word (only
	// punctuation, like "%"): it matches no one.
	Nobody bool
}

// ParseSearch parses the text of a search box. Blank text is no search (it
// matches everyone); text with no letter or digit matches no one.
func ParseSearch(field, text string) (SearchQuery, error) {
	if utf8.RuneCountInString(text) > MaxSearchLength {
		return SearchQuery{}, InvalidInput(field, "use at most %d characters", MaxSearchLength)
	}
	words := SearchWords(text)
	if len(words) > MaxSearchWords {
		return SearchQuery{}, InvalidInput(field, "use at most %d words", MaxSearchWords)
	}
	slices.SortStableFunc(words, func(a, b string) int {
		return utf8.RuneCountInString(b) - utf8.RuneCountInString(a)
	})
	return SearchQuery{Words: words, Nobody: len(words) == 0 && strings.TrimSpace(text) != ""}, nil
}

// Indexed says the word is found by its exact prefix key (it has at least
// SearchPrefixLen letters); a shorter word is found by the range of keys
// it starts.
func Indexed(word string) bool { return utf8.RuneCountInString(word) >= SearchPrefixLen }

// MatchesSearch is the search's rule on one person, as the index applies
// it: every query word starts one of the person's words.
func MatchesSearch(q SearchQuery, firstName, lastName, displayName, email string) bool {
	var mine []string
	for _, text := range []string{firstName, lastName, displayName, email} {
		mine = append(mine, SearchWords(text)...)
	}
	for _, w := range q.Words {
		if !slices.ContainsFunc(mine, func(m string) bool { return strings.HasPrefix(m, w) }) {
			return false
		}
	}
	return true
}
