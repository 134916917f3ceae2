package graph

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/rollcall/rollcall/models"
)

// Loaders batch the row lookups of one request. A missing key is an error
// (NOT_FOUND), never a silent nil.
type Loaders struct {
	User         *dataloadgen.Loader[int64, *models.User]
	Organization *dataloadgen.Loader[int64, *models.Organization]
	Account      *dataloadgen.Loader[int64, *models.Account]
	RootAccount  *dataloadgen.Loader[int64, *models.Account]
	Session      *dataloadgen.Loader[int64, *models.Session]
	// SessionConnected asks presence about every session of a response in
	// one round trip.
	SessionConnected *dataloadgen.Loader[models.SessionRef, bool]
	// UserPresence asks presence about every person of a response in one
	// round trip.
	UserPresence *dataloadgen.Loader[int64, models.Presence]
}

const loaderWait = 500 * time.Microsecond

// NewLoaders returns fresh loaders for one request.
func NewLoaders(f models.Finder, p models.PresenceSource) *Loaders {
	return &Loaders{
		UserPresence: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]models.Presence, error) {
			got, err := p.UserPresence(ctx, ids)
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
		}, dataloadgen.WithWait(loaderWait)),
		SessionConnected: dataloadgen.NewMappedLoader(func(ctx context.Context, refs []models.SessionRef) (map[models.SessionRef]bool, error) {
			got, err := p.SessionsConnected(ctx, refs)
			if err != nil {
				return nil, err
			}
			out := make(map[models.SessionRef]bool, len(refs))
			for _, r := range refs {
				out[r] = got[r.SessionID]
			}
			return out, nil
		}, dataloadgen.WithWait(loaderWait)),
		User: dataloadgen.NewMappedLoader(mapped(f.FindUsersByIDs, func(u *models.User) int64 { return u.ID }), dataloadgen.WithWait(loaderWait)),
		Organization: dataloadgen.NewMappedLoader(mapped(f.FindOrganizationsByIDs, func(o *models.Organization) int64 { return o.ID }),
			dataloadgen.WithWait(loaderWait)),
		Account: dataloadgen.NewMappedLoader(mapped(f.FindAccountsByIDs, func(a *models.Account) int64 { return a.ID }), dataloadgen.WithWait(loaderWait)),
		Session: dataloadgen.NewMappedLoader(mapped(f.FindSessionsByIDs, func(s *models.Session) int64 { return s.ID }),
			dataloadgen.WithWait(loaderWait)),
		RootAccount: dataloadgen.NewMappedLoader(mapped(f.FindRootAccounts, func(a *models.Account) int64 { return a.OrganizationID }),
			dataloadgen.WithWait(loaderWait)),
	}
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
