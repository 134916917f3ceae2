package models

import (
	"context"
	"sync"
)

// Viewer is who is calling: the signed-in user and device, and where from.
type Viewer struct {
	UserID    int64
	SessionID int64
	IP        string
	UserAgent string
	// ManualAway is the person's stored manual AWAY as read with the
	// session (possibly SessionCacheTTL old when changed on another node).
	ManualAway bool
}

type viewerKey struct{}

type clientKey struct{}

// Client describes the HTTP client of a request, signed in or not.
type Client struct {
	IP        string
	UserAgent string
}

// WithViewer returns a context carrying the signed-in viewer.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the signed-in viewer, or nil.
func ViewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// RequireViewer returns the viewer or UNAUTHENTICATED.
func RequireViewer(ctx context.Context) (*Viewer, error) {
	if v := ViewerFrom(ctx); v != nil {
		return v, nil
	}
	return nil, ErrUnauthenticated
}

// WithClient returns a context carrying the request's client details.
//
// The user agent is the client's to choose, so it is made safe to store here,
// once for every reader: valid UTF-8, no control characters, at most
// maxUserAgentLength bytes (the sessions column holds 1024).
func WithClient(ctx context.Context, c Client) context.Context {
	c.UserAgent = CleanUserAgent(c.UserAgent)
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the request's client details (zero when unknown).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

type requestCacheKey struct{}

// RequestCache holds what one response has already read (the viewer's
// access scope), so its field resolvers do not read it again. It lives for
// one response only: each query, mutation and subscription event gets a
// new one.
type RequestCache struct {
	mu sync.Mutex
	m  map[string]any
}

// WithRequestCache returns a context carrying a fresh cache.
func WithRequestCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestCacheKey{}, &RequestCache{m: map[string]any{}})
}

// RequestCacheFrom returns the response's cache, or nil.
func RequestCacheFrom(ctx context.Context) *RequestCache {
	c, _ := ctx.Value(requestCacheKey{}).(*RequestCache)
	return c
}

// Get returns a cached value.
func (c *RequestCache) Get(key string) (any, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// Set caches a value.
func (c *RequestCache) Set(key string, v any) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.m[key] = v
	c.mu.Unlock()
}

// Claim sets key if it is absent and reports whether this call set it (one
// caller per response wins, e.g. to report a problem once).
func (c *RequestCache) Claim(key string) bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok {
		return false
	}
	c.m[key] = true
	return true
}
