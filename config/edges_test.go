package config

import (
	"strings"
	"testing"
	"time"
)

func TestMailRetention(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  time.Duration
	}{
		{"", 7 * 24 * time.Hour},
		{"30d", 30 * 24 * time.Hour},
		{"72h", 72 * time.Hour},
		{"1m", time.Minute},
	} {
		c, err := Load(envOf(map[string]string{"MAIL_RETENTION": tt.value}))
		if err != nil {
			t.Fatalf("MAIL_RETENTION=%q: %v", tt.value, err)
		}
		if c.MailRetention != tt.want {
			t.Errorf("MAIL_RETENTION=%q gives %v, want %v", tt.value, c.MailRetention, tt.want)
		}
	}
	for _, bad := range []string{"forever", "-1d", "10s", "0", "1.5d"} {
		if _, err := Load(envOf(map[string]string{"MAIL_RETENTION": bad})); err == nil || !strings.Contains(err.Error(), "MAIL_RETENTION") {
			t.Errorf("MAIL_RETENTION=%q: want an error naming it, got %v", bad, err)
		}
	}
}
