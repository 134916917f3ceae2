package models

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mileusna/useragent"
)

// UnknownDevice names a device whose user agent tells nothing useful.
const UnknownDevice = "Unknown device"

// maxUserAgentLength bounds the user agent read (real ones are < 512 bytes).
const maxUserAgentLength = 1024

// maxDeviceNameRunes bounds a derived device name.
const maxDeviceNameRunes = 64

// CleanUserAgent makes a user agent safe to store and show: invalid UTF-8 and
// control characters are replaced, and it is cut to maxUserAgentLength bytes
// on a character boundary.
func CleanUserAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "\uFFFD")
	ua = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, ua)
	ua = strings.TrimSpace(ua)
	if len(ua) <= maxUserAgentLength {
		return ua
	}
	n := maxUserAgentLength
	for n > 0 && !utf8.RuneStart(ua[n]) {
		n--
	}
	return ua[:n]
}

// DeviceName derives a label for a session from its user agent: "Chrome on
// macOS", "Safari on iOS", "Edge on Windows". Crawlers and command-line
// clients are named alone ("Googlebot", "curl"); a browser on an unknown
// system is named alone ("Firefox"); a known system with an unknown browser
// gives "Unknown browser on Linux"; anything else is UnknownDevice.
// Names are remembered per user agent (every socket asks for one; a few
// user agents make most connections).
func DeviceName(userAgent string) string {
	if len(userAgent) > maxUserAgentLength {
		return deviceName(userAgent)
	}
	deviceNames.Lock()
	name, ok := deviceNames.m[userAgent]
	deviceNames.Unlock()
	if ok {
		return name
	}
	name = deviceName(userAgent)
	deviceNames.Lock()
	if len(deviceNames.m) >= deviceNamesKept {
		clear(deviceNames.m)
	}
	deviceNames.m[userAgent] = name
	deviceNames.Unlock()
	return name
}

// deviceNamesKept bounds the remembered names; past it they are forgotten
// all at once.
const deviceNamesKept = 1024

var deviceNames = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func deviceName(userAgent string) string {
	s := strings.TrimSpace(userAgent)
	if s == "" {
		return UnknownDevice
	}
	if len(s) > maxUserAgentLength {
		s = s[:maxUserAgentLength]
	}
	ua := useragent.Parse(s)
	browser, system := browserName(ua), systemName(ua)
	switch {
	case browser != "" && (ua.Bot || system == ""):
		return browser
	case browser != "":
		return browser + " on " + system
	case system != "" && !ua.Bot:
		return "Unknown browser on " + system
	}
	return UnknownDevice
}

// browserName is the product the user agent names, without its version, or
// "" when the parser found none.
func browserName(ua useragent.UserAgent) string {
	name := ua.Name
	if ua.Version == "" && !ua.Bot {
		// A product is named with its version ("curl/8.4.0"); a bare word
		// the parser picked up is a platform token such as "Win64".
		return ""
	}
	switch name {
	case "", ua.String, useragent.Mozilla:
		// The parser falls back to the whole string when it recognises
		// nothing.
		return ""
	case "Trident", useragent.Msie:
		return useragent.InternetExplorer
	}
	// "Slackbot-LinkExpanding 1.0" → "Slackbot-LinkExpanding"
	if fields := strings.Fields(name); len(fields) > 1 && startsWithDigit(fields[len(fields)-1]) {
		name = strings.Join(fields[:len(fields)-1], " ")
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, name)
	if r := []rune(name); len(r) > maxDeviceNameRunes {
		name = string(r[:maxDeviceNameRunes])
	}
	return strings.TrimSpace(name)
}

func startsWithDigit(s string) bool {
	return s != "" && '0' <= s[0] && s[0] <= '9'
}

// systemName is the operating system in the form people know it.
func systemName(ua useragent.UserAgent) string {
	switch ua.OS {
	case useragent.IOS:
		if ua.Device == "iPad" {
			return "iPadOS"
		}
		return "iOS"
	case useragent.Harmony:
		return "HarmonyOS"
	case useragent.CrOS:
		return useragent.ChromeOS
	}
	return ua.OS
}
