package models

import "context"

// Viewer is who is calling: the signed-in user and device, and where from.
type Viewer struct {
	UserID    int64
	SessionID int64
	IP        string
	UserAgent string
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
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the request's client details (zero when unknown).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}
