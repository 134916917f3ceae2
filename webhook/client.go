// Package webhook delivers an organization's events to its webhook
// endpoints: a worker drains the deliveries the store queued in the
// transactions of the changes they report, signs each message the
// Standard Webhooks way and records every attempt. Its HTTP client never
// reaches the server's own machine or networks unless told to: every
// address a connection is about to use is checked, so a name that
// resolves somewhere else at delivery time (DNS rebinding) is refused too.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/models"
)

// ClientOptions bound a Client. Zero fields take the defaults shown.
type ClientOptions struct {
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// addresses (WEBHOOKS_ALLOW_PRIVATE): for development and tests only.
	AllowPrivate bool
	// ConnectTimeout bounds the TCP and TLS handshakes. Default 5s.
	ConnectTimeout time.Duration
	// Timeout bounds a whole attempt, response included. Default 15s.
	Timeout time.Duration
	// MaxResponseBytes is how much of a response is read (and discarded)
	// before the connection is dropped. Default 64 KiB.
	MaxResponseBytes int64
	// UserAgent is sent with every request. Default "Rollcall-Webhooks/1".
	UserAgent string
}

func (o ClientOptions) withDefaults() ClientOptions {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 64 << 10
	}
	if o.UserAgent == "" {
		o.UserAgent = "Rollcall-Webhooks/1"
	}
	return o
}

// Client sends signed messages to endpoints.
type Client struct {
	http *http.Client
	opts ClientOptions
}

// ErrRefusedAddress is the error of a connection to an address webhooks may
// not reach.
var ErrRefusedAddress = errors.New("refused address")

// NewClient returns a Client: no proxy, no redirects followed, every
// connection's address checked as it is dialled.
func NewClient(opts ClientOptions) *Client {
	opts = opts.withDefaults()
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second, Control: controlFor(opts.AllowPrivate)}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would make the address check moot
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Client{opts: opts, http: &http.Client{
		Transport: tr,
		Timeout:   opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// controlFor refuses, at connect time, an address models.RefusedAddr
// refuses: after DNS, so a name cannot smuggle a private address in.
func controlFor(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		addr, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrRefusedAddress, host)
		}
		if why, refused := models.RefusedAddr(addr); refused {
			return fmt.Errorf("%w: %s is a %s address", ErrRefusedAddress, addr, why)
		}
		return nil
	}
}

// CheckURL refuses a URL whose host resolves, now, to an address
// deliveries may not reach. A name that does not resolve is accepted: its
// deliveries fail and are logged until it does. It is the check made when
// an endpoint is saved; every delivery checks again.
func (c *Client) CheckURL(ctx context.Context, u *url.URL) error {
	if c.opts.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // ValidateWebhookURL judged it
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if why, refused := models.RefusedAddr(a); refused {
			return models.InvalidInput("url", "%s resolves to a %s address, which webhooks cannot reach", host, why)
		}
	}
	return nil
}

// Send makes one attempt at a delivery, signed at now with the endpoint's
// current secrets, and says how it went. It never returns an error: a
// failure is an outcome, recorded and retried.
func (c *Client) Send(ctx context.Context, e *models.WebhookEndpoint, d *models.WebhookDelivery, now time.Time) db.WebhookAttemptResult {
	res := db.WebhookAttemptResult{At: now}
	body := []byte(d.Payload)
	ts := now.Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, strings.NewReader(d.Payload))
	if err != nil {
		res.Error = "invalid endpoint URL"
		return res
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("webhook-id", d.MessageID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", models.WebhookSignature(e.SigningSecrets(now), d.MessageID, ts, body))
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		res.Latency = time.Since(start)
		res.Error = describe(err)
		return res
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, c.opts.MaxResponseBytes))
	_ = resp.Body.Close()
	res.Latency = time.Since(start)
	res.ResponseCode = resp.StatusCode
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		res.Succeeded = true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		res.Error = fmt.Sprintf("HTTP %d: redirects are not followed", resp.StatusCode)
	default:
		res.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return res
}

// describe is a failed request's error as the delivery log shows it: what
// went wrong, without the Go plumbing around it.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, ErrRefusedAddress):
		return err.Error()
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timed out"
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
