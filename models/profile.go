package models

import (
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/text/language"
)

// MaxAvatarURLLength bounds an avatar URL.
const MaxAvatarURLLength = 2048

// withdrawnCountries are alpha-2 codes that ISO 3166-1 no longer assigns and
// that golang.org/x/text still reports as countries (Netherlands Antilles,
// Serbia and Montenegro, Yugoslavia, USSR).
var withdrawnCountries = map[string]bool{"AN": true, "CS": true, "YU": true, "SU": true}

// NormalizeCountry validates an ISO 3166-1 alpha-2 country code, in any case,
// and returns it upper-cased. Deprecated aliases are replaced by the current
// code ("UK" → "GB"); groupings and other non-country regions ("EU", "419",
// "ZZ") are refused. Errors are BAD_USER_INPUT on field
// "defaultSendingCountry".
func NormalizeCountry(code string) (string, error) {
	c := strings.TrimSpace(code)
	if len(c) != 2 || !isASCIILetter(c[0]) || !isASCIILetter(c[1]) {
		return "", InvalidInput("defaultSendingCountry", "use a two-letter country code, like FR or US")
	}
	r, err := language.ParseRegion(c)
	if err != nil {
		return "", InvalidInput("defaultSendingCountry", "%q is not a country code", c)
	}
	r = r.Canonicalize()
	if !r.IsCountry() || r.ISO3() == "ZZZ" || withdrawnCountries[r.String()] {
		return "", InvalidInput("defaultSendingCountry", "%q is not a country code", c)
	}
	return r.String(), nil
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// NormalizeLanguage validates a BCP 47 language tag and returns its canonical
// form ("en-us" → "en-US", "iw" → "he"). A tag that names no language
// ("und", "x-private") is refused. Errors are BAD_USER_INPUT on field
// "preferredLanguage".
func NormalizeLanguage(tag string) (string, error) {
	t := strings.TrimSpace(tag)
	if t == "" || len(t) > 64 {
		return "", InvalidInput("preferredLanguage", "use a language tag, like en or fr-CA")
	}
	lt, err := language.Parse(t)
	if err != nil {
		return "", InvalidInput("preferredLanguage", "%q is not a language tag", t)
	}
	if _, conf := lt.Base(); conf != language.Exact {
		return "", InvalidInput("preferredLanguage", "%q names no language", t)
	}
	return lt.String(), nil
}

// NormalizeAvatarURL validates an avatar URL: absolute http or https with a
// host, no credentials, no white space, at most MaxAvatarURLLength bytes. It
// returns the URL in its normal form. Errors are BAD_USER_INPUT on field
// "avatarUrl"; callers that allow removing the avatar handle "" before
// calling.
func NormalizeAvatarURL(s string) (string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", InvalidInput("avatarUrl", "enter the address of an image")
	}
	if len(t) > MaxAvatarURLLength {
		return "", InvalidInput("avatarUrl", "use an address of at most %d characters", MaxAvatarURLLength)
	}
	bad := InvalidInput("avatarUrl", "use an http or https address, like https://example.com/me.png")
	if strings.ContainsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "", bad
	}
	u, err := url.Parse(t)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.Hostname() == "" {
		return "", bad
	}
	if u.User != nil {
		return "", InvalidInput("avatarUrl", "the address must not contain a user name or password")
	}
	out := u.String()
	if len(out) > MaxAvatarURLLength {
		return "", InvalidInput("avatarUrl", "use an address of at most %d characters", MaxAvatarURLLength)
	}
	return out, nil
}
