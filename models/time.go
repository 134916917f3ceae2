package models

import "time"

// TimeLayout is how every time leaves the API — GraphQL's Time scalar, the
// CSV export, anything machine-read: RFC 3339 in UTC ("Z") with exactly
// three fractional digits, e.g. 2026-01-02T15:04:05.123Z. Milliseconds are
// what a JavaScript Date holds, so a browser parses the value back without
// loss, and a fixed width sorts as text. Finer precision (the stores keep
// micro- or nanoseconds) is truncated, never rounded up: a time is never
// shown later than it happened.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatTime writes t in TimeLayout, whatever zone t is in.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }
