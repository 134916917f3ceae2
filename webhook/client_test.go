package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

func delivery() *models.WebhookDelivery {
	return &models.WebhookDelivery{MessageID: models.NewWebhookMessageID(), Payload: `{"type":"member.added","data":{}}`}
}

func endpoint(url string) *models.WebhookEndpoint {
	return &models.WebhookEndpoint{URL: url, Secret: models.NewWebhookSecret()}
}

// A name that resolves to the server's own machine at delivery time (what a
// DNS-rebinding name does) is refused when dialled, before any byte is
// sent; the same URL goes through when private addresses are allowed.
func TestSendRefusesPrivateAddressesAtDial(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	byName := "http://localhost:" + u.Port() + "/hook"

	res := NewClient(ClientOptions{}).Send(context.Background(), endpoint(byName), delivery(), time.Now())
	if res.Succeeded || res.ResponseCode != 0 || !strings.Contains(res.Error, "refused address") || !strings.Contains(res.Error, "loopback") {
		t.Fatalf("refused: %+v", res)
	}
	if hits.Load() != 0 {
		t.Fatal("the receiver was reached")
	}
	res = NewClient(ClientOptions{AllowPrivate: true}).Send(context.Background(), endpoint(byName), delivery(), time.Now())
	if !res.Succeeded || res.ResponseCode != 200 || hits.Load() != 1 {
		t.Fatalf("allowed: %+v (hits %d)", res, hits.Load())
	}
}

// Redirects are not followed: a 3xx is a failed attempt, and its target is
// never requested.
func TestSendDoesNotFollowRedirects(t *testing.T) {
	var target atomic.Int32
	dst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { target.Add(1) }))
	defer dst.Close()
	src := httptest.NewServer(http.RedirectHandler(dst.URL, http.StatusTemporaryRedirect))
	defer src.Close()
	res := NewClient(ClientOptions{AllowPrivate: true}).Send(context.Background(), endpoint(src.URL), delivery(), time.Now())
	if res.Succeeded || res.ResponseCode != 307 || !strings.Contains(res.Error, "redirects are not followed") || target.Load() != 0 {
		t.Fatalf("%+v (target hit %d times)", res, target.Load())
	}
}

// A receiver that answers slowly or endlessly costs one bounded attempt.
func TestSendIsBounded(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // then the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	c := NewClient(ClientOptions{AllowPrivate: true, Timeout: 200 * time.Millisecond})
	start := time.Now()
	res := c.Send(context.Background(), endpoint(slow.URL), delivery(), time.Now())
	if res.Succeeded || res.Error != "timed out" || time.Since(start) > 2*time.Second {
		t.Fatalf("slow receiver: %+v after %s", res, time.Since(start))
	}

	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 32<<10))
		for range 1 << 12 { // 128 MiB if it were all read
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	c = NewClient(ClientOptions{AllowPrivate: true, MaxResponseBytes: 64 << 10, Timeout: 5 * time.Second})
	start = time.Now()
	res = c.Send(context.Background(), endpoint(endless.URL), delivery(), time.Now())
	if !res.Succeeded || time.Since(start) > 4*time.Second {
		t.Fatalf("endless response: %+v after %s", res, time.Since(start))
	}
}

// Every attempt carries the Standard Webhooks headers, the message id
// unchanged across attempts and the timestamp of the attempt.
func TestSendHeaders(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	d := delivery()
	at := time.Unix(1_800_000_000, 0)
	NewClient(ClientOptions{AllowPrivate: true}).Send(context.Background(), endpoint(srv.URL), d, at)
	if got.Get("webhook-id") != d.MessageID || got.Get("webhook-timestamp") != "1800000000" ||
		!strings.HasPrefix(got.Get("webhook-signature"), "v1,") || got.Get("Content-Type") != "application/json" ||
		got.Get("User-Agent") != "Rollcall-Webhooks/1" {
		t.Fatalf("headers %v", got)
	}
}
