package scalars

import (
	"bytes"
	"testing"
	"time"
)

func marshal(t time.Time) string {
	var b bytes.Buffer
	MarshalTime(t).MarshalGQL(&b)
	return b.String()
}

// TestTimeScalar: every Time leaves as RFC 3339 UTC with milliseconds,
// whatever its zone and precision; any RFC 3339 offset is read back as the
// same instant in UTC.
func TestTimeScalar(t *testing.T) {
	zone := time.FixedZone("UTC-03:30", -(3*3600 + 1800))
	for _, c := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"Nanoseconds", time.Date(2026, 12, 2, 1, 2, 3, 456_789_123, time.UTC), `"2026-12-02T01:02:03.456Z"`},
		{"NonUTCZoneWithNanoseconds", time.Date(2026, 12, 1, 22, 32, 3, 999_999_999, zone), `"2026-12-02T02:02:03.999Z"`},
		{"WholeSecond", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), `"2026-01-01T00:00:00.000Z"`},
		{"Zero", time.Time{}, `null`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := marshal(c.in); got != c.want {
				t.Fatalf("MarshalTime(%v) = %s, want %s", c.in, got, c.want)
			}
		})
	}
	t.Run("UnmarshalOffsetToUTC", func(t *testing.T) {
		got, err := UnmarshalTime("2026-12-01T22:32:03.123456789-03:30")
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2026, 12, 2, 2, 2, 3, 123_456_789, time.UTC)
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("UnmarshalTime = %v, want %v in UTC", got, want)
		}
		if s := marshal(got); s != `"2026-12-02T02:02:03.123Z"` {
			t.Fatalf("round trip %s", s)
		}
	})
	t.Run("ErrNotATime", func(t *testing.T) {
		for _, v := range []any{"yesterday", "2026-12-02T01:02", 1733101323, true} {
			if _, err := UnmarshalTime(v); err == nil {
				t.Fatalf("UnmarshalTime(%v) accepted", v)
			} else if _, ok := err.(*Error); !ok {
				t.Fatalf("UnmarshalTime(%v): %T, want *Error", v, err)
			}
		}
	})
}
