package graph

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/rollcall/rollcall/models"
)

// Finder is the batched read side the loaders use: each finder takes many
// keys and answers in one query.
type Finder interface {
	FindUsersByIDs(ctx context.Context, ids []int64) ([]*models.User, error)
	FindOrganizationsByIDs(ctx context.Context, ids []int64) ([]*models.Organization, error)
	FindAccountsByIDs(ctx context.Context, ids []int64) ([]*models.Account, error)
	FindRootAccounts(ctx context.Context, orgIDs []int64) ([]*models.Account, error)
	FindOrganizationsOfUser(ctx context.Context, userID int64) ([]*models.Organization, error)
}

// Loaders batch the row lookups of one request. A missing key is an error
// (NOT_FOUND), never a silent nil.
type Loaders struct {
	User         *dataloadgen.Loader[int64, *models.User]
	Organization *dataloadgen.Loader[int64, *models.Organization]
	Account      *dataloadgen.Loader[int64, *models.Account]
	RootAccount  *dataloadgen.Loader[int64, *models.Account]
}

const loaderWait = 500 * time.Microsecond

// NewLoaders returns fresh loaders for one request.
func NewLoaders(f Finder) *Loaders {
	return &Loaders{
		User: dataloadgen.NewMappedLoader(mapped(f.FindUsersByIDs, func(u *models.User) int64 { return u.ID }), dataloadgen.WithWait(loaderWait)),
		Organization: dataloadgen.NewMappedLoader(mapped(f.FindOrganizationsByIDs, func(o *models.Organization) int64 { return o.ID }),
			dataloadgen.WithWait(loaderWait)),
		Account: dataloadgen.NewMappedLoader(mapped(f.FindAccountsByIDs, func(a *models.Account) int64 { return a.ID }), dataloadgen.WithWait(loaderWait)),
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

// LoaderMiddleware gives every HTTP request its own loaders.
func LoaderMiddleware(f Finder, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithLoaders(r.Context(), NewLoaders(f))))
	})
}

// load runs a loader and turns "not found" into the domain's NOT_FOUND.
func load[V any](ctx context.Context, l *dataloadgen.Loader[int64, V], id int64, what string) (V, error) {
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, models.NotFound(what)
	}
	return v, err
}
