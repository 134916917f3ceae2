package models

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// maxPhoneLength bounds the text read as a phone number.
const maxPhoneLength = 64

// NormalizePhone reads a phone number as a person typed it and returns it in
// E.164 ("+33612345678"). A number written with its country code (+33 …)
// stands on its own; a national number ("06 12 34 56 78") is read in
// defaultCountry (ISO 3166-1 alpha-2, any case), and without one it cannot be
// read. The number must be a valid number of its region; extensions are
// refused because E.164 cannot hold them. Errors are BAD_USER_INPUT on field
// "phone". An empty value is an error too: callers that allow clearing the
// phone handle "" before calling.
func NormalizePhone(raw, defaultCountry string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", InvalidInput("phone", "enter a phone number")
	}
	if len(s) > maxPhoneLength {
		return "", InvalidInput("phone", "this is too long to be a phone number")
	}
	region := ""
	if !strings.HasPrefix(s, "+") {
		c, err := NormalizeCountry(defaultCountry)
		if err != nil {
			return "", InvalidInput("phone", "start the number with + and its country code, or set a default sending country")
		}
		region = c
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", InvalidInput("phone", "this is not a phone number")
	}
	if num.GetExtension() != "" {
		return "", InvalidInput("phone", "phone extensions are not supported")
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", InvalidInput("phone", "this is not a valid phone number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}
