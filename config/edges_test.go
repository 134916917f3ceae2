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

func TestPprofNeedsMetricsAddr(t *testing.T) {
	if _, err := Load(envOf(map[string]string{"PPROF": "true"})); err == nil || !strings.Contains(err.Error(), "PPROF") {
		t.Fatalf("PPROF without METRICS_ADDR: want an error naming PPROF, got %v", err)
	}
	c, err := Load(envOf(map[string]string{"PPROF": "true", "METRICS_ADDR": "127.0.0.1:9090"}))
	if err != nil || !c.Pprof {
		t.Fatalf("PPROF with METRICS_ADDR: %v, %v", c, err)
	}
}

func TestMetricsAddrConfig(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil || c.MetricsAddr != "" {
		t.Fatalf("default METRICS_ADDR %q, %v; want empty", c.MetricsAddr, err)
	}
	c, err = Load(envOf(map[string]string{"METRICS_ADDR": "127.0.0.1:9090"}))
	if err != nil || c.MetricsAddr != "127.0.0.1:9090" {
		t.Fatalf("METRICS_ADDR: %q, %v", c.MetricsAddr, err)
	}
	for _, bad := range []map[string]string{
		{"METRICS_ADDR": "9090"},
		{"METRICS_ADDR": "localhost:http-alt"},
		{"METRICS_ADDR": ":8080"}, // the default HTTP_ADDR
		{"METRICS_ADDR": "127.0.0.1:7000", "HTTP_ADDR": "127.0.0.1:7000"},
	} {
		if _, err := Load(envOf(bad)); err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
			t.Errorf("%v: want an error naming METRICS_ADDR, got %v", bad, err)
		}
	}
}

func TestStartupTimeout(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil || c.StartupTimeout != 60*time.Second {
		t.Fatalf("default STARTUP_TIMEOUT %v, %v; want 60s", c.StartupTimeout, err)
	}
	for value, want := range map[string]time.Duration{"0s": 0, "0": 0, "5s": 5 * time.Second, "1h": time.Hour} {
		c, err := Load(envOf(map[string]string{"STARTUP_TIMEOUT": value}))
		if err != nil || c.StartupTimeout != want {
			t.Errorf("STARTUP_TIMEOUT=%q gives %v, %v; want %v", value, c.StartupTimeout, err, want)
		}
	}
	// Negative, past the bound, nonsense: refused with the variable named.
	for _, bad := range []string{"-1s", "61m", "1000000h", "soon", "60"} {
		if _, err := Load(envOf(map[string]string{"STARTUP_TIMEOUT": bad})); err == nil || !strings.Contains(err.Error(), "STARTUP_TIMEOUT") {
			t.Errorf("STARTUP_TIMEOUT=%q: want an error naming it, got %v", bad, err)
		}
	}
}
