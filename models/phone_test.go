package models

import (
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, raw, country, want string
	}{
		{"OKInternational", "+33 6 12 34 56 78", "", "+33612345678"},
		{"OKInternationalIgnoresDefault", "+1 (650) 253-0000", "FR", "+16502530000"},
		{"OKNationalWithDefault", "06 12 34 56 78", "FR", "+33612345678"},
		{"OKDefaultAnyCase", "(650) 253-0000", "us", "+16502530000"},
		{"OKInternationalPrefix", "0044 7911 123456", "FR", "+447911123456"},
		{"OKUKAlias", "07911 123456", "UK", "+447911123456"},
		{"OKDotsAndDashes", "+49-30-901820", "", "+4930901820"},
		{"ErrEmpty", "  ", "FR", ""},
		{"ErrNationalWithoutDefault", "06 12 34 56 78", "", ""},
		{"ErrNationalWithBadDefault", "06 12 34 56 78", "EU", ""},
		{"ErrNotANumber", "call me", "FR", ""},
		{"ErrInvalidForRegion", "+1 555 0100", "", ""},
		{"ErrTooShort", "06 12", "FR", ""},
		{"ErrExtension", "+1 650 253 0000 ext. 12", "", ""},
		{"ErrTooLong", "+33 " + strings.Repeat("6", 80), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizePhone(tc.raw, tc.country)
			if tc.want == "" {
				assertInputError(t, err, "phone")
				return
			}
			if err != nil {
				t.Fatalf("NormalizePhone(%q, %q): %v", tc.raw, tc.country, err)
			}
			if got != tc.want {
				t.Errorf("NormalizePhone(%q, %q) = %q, want %q", tc.raw, tc.country, got, tc.want)
			}
		})
	}
}

func TestNormalizeCountry(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"OK", "FR", "FR"},
		{"OKLowerCase", "us", "US"},
		{"OKMixedCaseTrimmed", " gB ", "GB"},
		{"OKDeprecatedAlias", "UK", "GB"},
		{"OKKosovo", "XK", "XK"},
		{"ErrEmpty", "", ""},
		{"ErrEU", "EU", ""},
		{"ErrUN", "UN", ""},
		{"ErrLatinAmerica", "419", ""},
		{"ErrUnknown", "ZZ", ""},
		{"ErrPrivateUse", "AA", ""},
		{"ErrWithdrawn", "YU", ""},
		{"ErrAlpha3", "FRA", ""},
		{"ErrNumeric", "25", ""},
		{"ErrName", "France", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeCountry(tc.in)
			if tc.want == "" {
				assertInputError(t, err, "defaultSendingCountry")
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("NormalizeCountry(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNormalizeLanguage(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"OK", "fr", "fr"},
		{"OKRegionCase", "en-us", "en-US"},
		{"OKUnderscore", "EN_gb", "en-GB"},
		{"OKScript", "zh-hant-tw", "zh-Hant-TW"},
		{"OKDeprecated", "iw", "he"},
		{"OKTrimmed", " pt-BR ", "pt-BR"},
		{"ErrEmpty", "", ""},
		{"ErrUndetermined", "und", ""},
		{"ErrPrivateOnly", "x-klingon", ""},
		{"ErrMalformed", "en-", ""},
		{"ErrWord", "English", ""},
		{"ErrTooLong", strings.Repeat("en-", 30) + "US", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeLanguage(tc.in)
			if tc.want == "" {
				assertInputError(t, err, "preferredLanguage")
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("NormalizeLanguage(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNormalizeAvatarURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"OKHTTPS", "https://cdn.example.com/u/42.png", "https://cdn.example.com/u/42.png"},
		{"OKHTTPWithQuery", " http://example.com:8080/a.png?size=64 ", "http://example.com:8080/a.png?size=64"},
		{"OKSchemeCase", "HTTPS://example.com/a.png", "https://example.com/a.png"},
		{"OKMaxLength", "https://example.com/" + strings.Repeat("a", MaxAvatarURLLength-len("https://example.com/")), ""},
		{"ErrEmpty", "", ""},
		{"ErrRelative", "/avatars/42.png", ""},
		{"ErrNoScheme", "example.com/a.png", ""},
		{"ErrJavascript", "javascript:alert(1)", ""},
		{"ErrData", "data:image/png;base64,AAAA", ""},
		{"ErrFTP", "ftp://example.com/a.png", ""},
		{"ErrNoHost", "https:///a.png", ""},
		{"ErrCredentials", "https://user:pw@example.com/a.png", ""},
		{"ErrSpace", "https://example.com/my avatar.png", ""},
		{"ErrTooLong", "https://example.com/" + strings.Repeat("a", MaxAvatarURLLength), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeAvatarURL(tc.in)
			if strings.HasPrefix(tc.name, "Err") {
				assertInputError(t, err, "avatarUrl")
				return
			}
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if err != nil || got != want {
				t.Errorf("NormalizeAvatarURL(%q) = %q, %v; want %q", tc.in, got, err, want)
			}
		})
	}
}
