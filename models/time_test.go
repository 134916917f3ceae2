package models_test

import (
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

func TestFormatTime(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	for _, c := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"UTCWhole", time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), "2026-01-02T15:04:05.000Z"},
		{"NanosecondsTruncated", time.Date(2026, 1, 2, 15, 4, 5, 123_999_999, time.UTC), "2026-01-02T15:04:05.123Z"},
		{"MicrosecondsTruncated", time.Date(2026, 1, 2, 15, 4, 5, 999_999_000, time.UTC), "2026-01-02T15:04:05.999Z"},
		{"OtherZoneToUTC", time.Date(2026, 1, 2, 1, 4, 5, 7_000_000, paris), "2026-01-01T23:04:05.007Z"},
		{"LocalMonotonic", time.Date(2026, 6, 30, 23, 59, 59, 1, time.UTC).Local().Round(0), "2026-06-30T23:59:59.000Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := models.FormatTime(c.in); got != c.want {
				t.Fatalf("FormatTime(%v) = %s, want %s", c.in, got, c.want)
			}
			back, err := time.Parse(time.RFC3339, c.want)
			if err != nil || !back.Equal(c.in.Truncate(time.Millisecond)) {
				t.Fatalf("%s parses back as %v (%v), want %v", c.want, back, err, c.in.Truncate(time.Millisecond))
			}
		})
	}
}
