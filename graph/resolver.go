// Package graph is the GraphQL transport: schema, generated code, thin
// resolvers, dataloaders, the error presenter and the auth middleware. It
// never imports gorm or redis: everything it needs is a models interface.
package graph

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/rollcall/rollcall/models"
)

// Store is what the resolvers need from the domain services.
type Store interface {
	models.IdentityService
	Products() []models.Product
	models.Finder
	models.AccountSecurity
	models.ContactsAndAudit
	models.Organizations
	models.Invitations
	models.Directory
	models.Webhooks
}

// Resolver is the root resolver; one per server, shared by every request.
type Resolver struct {
	Store Store
	// APIURL is the base of URLs the API hands out for itself (the CSV
	// export): config's APIURL, PUBLIC_URL without a trailing /console.
	APIURL string
	// Presence is the live side of people.
	Presence models.PresenceSource
	// Live serves the subscriptions.
	Live models.LiveSubscriptions
	// Limiter throttles presence reports (nil: no limit).
	Limiter models.RateLimiter
	// EventUsers resolves PresenceEvent.user from a node-wide cache (nil:
	// the response's loader).
	EventUsers *EventUsers
}

// ActivityLimit bounds setPresence per session: a client reports ACTIVE or
// IDLE when its state flips (and ACTIVE about once a minute while in use),
// so this leaves room for bursts of tab switching and stops a runaway loop
// from turning into a stream of presence events.
var ActivityLimit = models.Limit{Rate: 30, Burst: 10, Period: time.Minute}

// throttleActivity counts one presence report of the viewer's session. A
// limiter outage lets the report through (logged).
func (r *Resolver) throttleActivity(ctx context.Context, v *models.Viewer) error {
	if r.Limiter == nil {
		return nil
	}
	ok, retry, err := r.Limiter.Allow(ctx, "presence:"+strconv.FormatInt(v.SessionID, 10), ActivityLimit, 1)
	if err != nil {
		slog.WarnContext(ctx, "rate limiter unavailable", "err", err)
		return nil
	}
	if !ok {
		return models.RateLimited(int((retry + time.Second - 1) / time.Second))
	}
	return nil
}
