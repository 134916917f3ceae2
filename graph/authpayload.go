package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/rollcall/rollcall/graph/model"
	"github.com/rollcall/rollcall/models"
)

// authPayloadViewer is a field middleware: the fields of an AuthPayload
// (signUp, signIn, resetPassword, acceptInvitation) resolve as the session
// the payload carries, not as the anonymous request that made it. Without
// it a client asking `signUp { token user { organizations { name } } }`
// gets UNAUTHENTICATED for the nested fields, loses the whole payload (and
// its token, shown only once) to null propagation, and a retry conflicts.
func authPayloadViewer(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Object == "AuthPayload" && fc.Parent != nil {
		if p, ok := fc.Parent.Result.(*model.AuthPayload); ok && p.Session != nil {
			c := models.ClientFrom(ctx)
			ctx = models.WithViewer(ctx, &models.Viewer{UserID: p.Session.UserID, SessionID: p.Session.ID, IP: c.IP, UserAgent: c.UserAgent})
		}
	}
	return next(ctx)
}
