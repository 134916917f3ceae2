package main

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// The jwt.io HS256 example: header {"alg":"HS256","typ":"JWT"}.
func TestHS256KnownAnswer(t *testing.T) {
	got := hs256([]byte("your-256-bit-secret"), []byte(`{"sub":"1234567890","name":"John Doe","iat":1516239022}`))
	want := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	if got != want {
		t.Fatalf("hs256:\n got %s\nwant %s", got, want)
	}
}

func TestConnectionTokenClaims(t *testing.T) {
	tok := connectionToken([]byte("k"), "42", time.Unix(2000000000, 0))
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q", tok)
	}
	b, err := b64(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"exp":2000000000,"sub":"42"}` {
		t.Fatalf("claims %s", b)
	}
}

func TestCentrifugoConfig(t *testing.T) {
	for _, engine := range []string{"memory", "redis"} {
		b, err := centrifugoConfig(8123, "s3cret", engine, "redis://127.0.0.1:6379/0", "rcload:ab:cf")
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			HTTP struct {
				Address string `json:"address"`
				Port    int    `json:"port"`
			} `json:"http_server"`
			Client struct {
				Token struct {
					HMAC string `json:"hmac_secret_key"`
				} `json:"token"`
			} `json:"client"`
			Channel struct {
				Namespaces []struct {
					Name      string `json:"name"`
					Presence  bool   `json:"presence"`
					Subscribe bool   `json:"allow_subscribe_for_client"`
					Publish   bool   `json:"allow_publish_for_subscriber"`
				} `json:"namespaces"`
			} `json:"channel"`
			Engine struct {
				Type  string `json:"type"`
				Redis struct {
					Address []string `json:"address"`
					Prefix  string   `json:"prefix"`
				} `json:"redis"`
			} `json:"engine"`
			Prometheus struct {
				Enabled bool `json:"enabled"`
			} `json:"prometheus"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		ns := c.Channel.Namespaces
		if c.HTTP.Address != "127.0.0.1" || c.HTTP.Port != 8123 || c.Client.Token.HMAC != "s3cret" || c.Engine.Type != engine ||
			len(ns) != 1 || ns[0].Name != peerNamespace || !ns[0].Presence || !ns[0].Subscribe || !ns[0].Publish || !c.Prometheus.Enabled {
			t.Fatalf("%s config: %s", engine, b)
		}
		if engine == "redis" && (len(c.Engine.Redis.Address) != 1 || c.Engine.Redis.Address[0] != "redis://127.0.0.1:6379/0" || c.Engine.Redis.Prefix != "rcload:ab:cf") {
			t.Fatalf("redis config: %s", b)
		}
	}
	if _, err := centrifugoConfig(1, "s", "nats", "", ""); err == nil {
		t.Fatal("unknown engine accepted")
	}
}

func TestPeerMath(t *testing.T) {
	if got := perSocket(100<<20, 150<<20, 1024); got != 51200 {
		t.Fatalf("perSocket %v", got)
	}
	if !math.IsNaN(perSocket(0, 1, 0)) {
		t.Fatal("perSocket of no sockets")
	}
	if got := usPerDelivery(3*time.Second, 100000); got != 30 {
		t.Fatalf("usPerDelivery %v", got)
	}
	if !math.IsNaN(usPerDelivery(time.Second, 0)) {
		t.Fatal("usPerDelivery of no deliveries")
	}
	if ratio(90, 45) != "2.00×" || ratio(1, 0) != "–" || ratio(math.NaN(), 1) != "–" {
		t.Fatal("ratio")
	}
	v := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	if percentile(v, 50) != 5 || percentile(v, 99) != 10 || percentile(v, 10) != 1 {
		t.Fatal("percentile")
	}
	tab := peerTable(&peerFigures{name: "Rollcall", sockets: 10, rssPerSocket: 90, goroutines: math.NaN()},
		&peerFigures{name: "Centrifugo", sockets: 10, rssPerSocket: 45, goroutines: 2}, "memory")
	if !strings.Contains(tab, "| server RSS per socket | 90.0 KiB | 45.0 KiB | 2.00× |") || !strings.Contains(tab, "| server goroutines per socket | – | 2.00 | – |") {
		t.Fatal(tab)
	}
}

func TestPeerFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-peer", "nats"}, {"-peer", "centrifugo", "-peer-engine", "etcd"}, {"-peer", "centrifugo", "-peer-conns", "0"},
		{"-peer", "centrifugo", "-peer-rate", "1000000"}, {"-peer", "centrifugo", "-peer-duration", "2h"},
	} {
		if _, err := parseFlags(args, new(strings.Builder)); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	c, err := parseFlags([]string{"-peer", "centrifugo", "-peer-engine", "redis"}, new(strings.Builder))
	if err != nil || c.peerConns != 10000 || c.peerSubscribed != 5000 || c.peerRate != 200 {
		t.Fatalf("%+v %v", c, err)
	}
}

func b64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
