package graph

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/rollcall/rollcall/models"
)

// Loaders batch the row lookups of one request. A missing key is an error
// (NOT_FOUND), never a silent nil. Each loader is built on first use: most
// responses (every event of a subscription) need one or two of them.
type Loaders struct {
	f models.Finder
	p models.PresenceSource

	mu               sync.Mutex
	user             *dataloadgen.Loader[int64, *models.User]
	organization     *dataloadgen.Loader[int64, *models.Organization]
	account          *dataloadgen.Loader[int64, *models.Account]
	rootAccount      *dataloadgen.Loader[int64, *models.Account]
	session          *dataloadgen.Loader[int64, *models.Session]
	sessionConnected *dataloadgen.Loader[models.SessionRef, bool]
	userPresence     *dataloadgen.Loader[int64, models.Presence]
	suspension       *dataloadgen.Loader[models.MemberRef, *time.Time]
}

const loaderWait = 500 * time.Microsecond

// NewLoaders returns fresh loaders for one request.
func NewLoaders(f models.Finder, p models.PresenceSource) *Loaders {
	return &Loaders{f: f, p: p}
}

// lazy returns *slot, built by fetch on first use.
func lazy[K comparable, V any](l *Loaders, slot **dataloadgen.Loader[K, V], fetch func(context.Context, []K) (map[K]V, error)) *dataloadgen.Loader[K, V] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if *slot == nil {
		*slot = dataloadgen.NewMappedLoader(fetch, dataloadgen.WithWait(loaderWait))
	}
	return *slot
}

// User loads people by id.
func (l *Loaders) User() *dataloadgen.Loader[int64, *models.User] {
	return lazy(l, &l.user, mapped(l.f.FindUsersByIDs, func(u *models.User) int64 { return u.ID }))
}

// Organization loads organizations by id.
func (l *Loaders) Organization() *dataloadgen.Loader[int64, *models.Organization] {
	return lazy(l, &l.organization, mapped(l.f.FindOrganizationsByIDs, func(o *models.Organization) int64 { return o.ID }))
}

// Account loads accounts by id.
func (l *Loaders) Account() *dataloadgen.Loader[int64, *models.Account] {
	return lazy(l, &l.account, mapped(l.f.FindAccountsByIDs, func(a *models.Account) int64 { return a.ID }))
}

// RootAccount loads organizations' root accounts by organization id.
func (l *Loaders) RootAccount() *dataloadgen.Loader[int64, *models.Account] {
	return lazy(l, &l.rootAccount, mapped(l.f.FindRootAccounts, func(a *models.Account) int64 { return a.OrganizationID }))
}

// Session loads sessions by id.
func (l *Loaders) Session() *dataloadgen.Loader[int64, *models.Session] {
	return lazy(l, &l.session, mapped(l.f.FindSessionsByIDs, func(s *models.Session) int64 { return s.ID }))
}

// Suspension loads when people were suspended in organizations (nil:
// active), for the memberships a response did not read it with.
func (l *Loaders) Suspension() *dataloadgen.Loader[models.MemberRef, *time.Time] {
	return lazy(l, &l.suspension, l.f.FindSuspensions)
}

// SessionConnected asks presence about every session of a response in one
// round trip.
func (l *Loaders) SessionConnected() *dataloadgen.Loader[models.SessionRef, bool] {
	return lazy(l, &l.sessionConnected, func(ctx context.Context, refs []models.SessionRef) (map[models.SessionRef]bool, error) {
		got, err := l.p.SessionsConnected(ctx, refs)
		if err != nil {
			return nil, err
		}
		out := make(map[models.SessionRef]bool, len(refs))
		for _, r := range refs {
			out[r] = got[r.SessionID]
		}
		return out, nil
	})
}

// UserPresence asks presence about every person of a response in one
// round trip.
func (l *Loaders) UserPresence() *dataloadgen.Loader[int64, models.Presence] {
	return lazy(l, &l.userPresence, func(ctx context.Context, ids []int64) (map[int64]models.Presence, error) {
		got, err := l.p.UserPresence(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make(map[int64]models.Presence, len(ids))
		for _, id := range ids {
			pr, ok := got[id]
			if !ok {
				pr = models.Presence{Status: models.PresenceOffline}
			}
			out[id] = pr
		}
		return out, nil
	})
}

func mapped[V any](find func(context.Context, []int64) ([]V, error), key func(V) int64) func(context.Context, []int64) (map[int64]V, error) {
	return func(ctx context.Context, ids []int64) (map[int64]V, error) {
		rows, err := find(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make(map[int64]V, len(rows))
		for _, r := range rows {
			out[key(r)] = r
		}
		return out, nil
	}
}

type loadersKey struct{}

// WithLoaders attaches per-request loaders to ctx.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// LoadersFrom returns the request's loaders.
func LoadersFrom(ctx context.Context) *Loaders {
	l, _ := ctx.Value(loadersKey{}).(*Loaders)
	return l
}

// LoaderExtension gives every response its own loaders: each query or
// mutation, over HTTP or a websocket, and each event of a subscription, so
// no cached row outlives the response it was loaded for.
type LoaderExtension struct {
	Finder   models.Finder
	Presence models.PresenceSource
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = LoaderExtension{}

func (LoaderExtension) ExtensionName() string                   { return "Loaders" }
func (LoaderExtension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse attaches fresh loaders.
func (l LoaderExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	ctx = models.WithRequestCache(ctx)
	return next(WithLoaders(ctx, NewLoaders(l.Finder, l.Presence)))
}

// load runs a loader and turns "not found" into the domain's NOT_FOUND.
func load[V any](ctx context.Context, l *dataloadgen.Loader[int64, V], id int64, what string) (V, error) {
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, models.NotFound(what)
	}
	return v, err
}
