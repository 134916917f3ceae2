// Package graph is the GraphQL transport: schema, generated code, thin
// resolvers, dataloaders, the error presenter and the auth middleware. It
// never imports gorm or redis: everything it needs is a models interface.
package graph

import (
	"context"

	"github.com/rollcall/rollcall/models"
)

// Store is what the resolvers need from the domain services.
type Store interface {
	models.IdentityService
	Products() []models.Product
	Finder
	AccountSecurity
}

// Resolver is the root resolver; one per server, shared by every request.
type Resolver struct {
	Store Store
}

// AccountSecurity is the person's own sessions, password and profile.
type AccountSecurity interface {
	FindSessionsOfUser(ctx context.Context, userID int64) ([]*models.Session, error)
	SignOutSession(ctx context.Context, sessionID int64) (*models.Session, error)
	SignOutOtherSessions(ctx context.Context) (int, error)
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, token, newPassword, deviceName string) (*models.AuthResult, error)
	ChangePassword(ctx context.Context, current, next string) error
	UpdateProfile(ctx context.Context, upd models.ProfileUpdate) (*models.User, error)
	UpdateNotificationPreferences(ctx context.Context, upd models.NotificationPreferencesUpdate) (*models.User, error)
	RequestEmailChange(ctx context.Context, newEmail, currentPassword string) error
	ConfirmEmailChange(ctx context.Context, token string) (*models.User, error)
}
