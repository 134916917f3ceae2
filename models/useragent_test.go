package models

import (
	"strings"
	"testing"
)

func TestDeviceName(t *testing.T) {
	tests := []struct{ name, ua, want string }{
		{"ChromeMacOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome on macOS"},
		{"SafariMacOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari on macOS"},
		{"SafariIPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"SafariIPad", "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari on iPadOS"},
		{"ChromeIPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1", "Chrome on iOS"},
		{"FirefoxWindows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox on Windows"},
		{"EdgeWindows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "Edge on Windows"},
		{"OperaWindows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "Opera on Windows"},
		{"InternetExplorer", "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer on Windows"},
		{"ChromeAndroid", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36", "Chrome on Android"},
		{"SamsungAndroid", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Browser on Android"},
		{"FirefoxLinux", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox on Linux"},
		{"ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome on ChromeOS"},
		{"Curl", "curl/8.4.0", "curl"},
		{"Wget", "Wget/1.21.4", "Wget"},
		{"Postman", "PostmanRuntime/7.36.0", "PostmanRuntime"},
		{"GoClient", "Go-http-client/1.1", "Go-http-client"},
		{"Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot"},
		{"Bingbot", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Bingbot"},
		{"BotVersionDropped", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "Slackbot-LinkExpanding"},
		{"HeadlessChrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", "Headless Chrome"},
		{"UnknownBrowserKnownSystem", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Unknown browser on Windows"},
		{"Empty", "", UnknownDevice},
		{"Blank", "   ", UnknownDevice},
		{"BareMozilla", "Mozilla/5.0", UnknownDevice},
		{"Gibberish", "some random thing with spaces", UnknownDevice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DeviceName(tc.ua); got != tc.want {
				t.Errorf("DeviceName(%q) = %q, want %q", tc.ua, got, tc.want)
			}
		})
	}
	t.Run("LongInputBounded", func(t *testing.T) {
		got := DeviceName(strings.Repeat("x", 5000) + "/1.0")
		if len([]rune(got)) > maxDeviceNameRunes {
			t.Errorf("DeviceName returned %d runes", len([]rune(got)))
		}
	})
}
