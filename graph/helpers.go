package graph

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/rollcall/rollcall/graph/model"
	"github.com/rollcall/rollcall/models"
)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func authPayload(res *models.AuthResult, err error) (*model.AuthPayload, error) {
	if err != nil {
		return nil, err
	}
	res.Session.Current = true
	return &model.AuthPayload{Token: res.Token, Session: res.Session, User: res.User}, nil
}

// node resolves a global ID to an object the viewer may see. Anything else,
// including another tenant's objects, is NOT_FOUND, exactly like an ID that
// does not exist.
func (r *Resolver) node(ctx context.Context, id string) (models.Node, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	kind, n, err := models.ParseGlobalID(id)
	if err != nil {
		return nil, err
	}
	l := LoadersFrom(ctx)
	switch kind {
	case models.KindUser:
		if n != v.UserID {
			if ok, err := r.sharesOrganization(ctx, v.UserID, n); err != nil || !ok {
				return nil, orNotFound(err, "user")
			}
		}
		return load(ctx, l.User(), n, "user")
	case models.KindOrganization:
		return r.Store.FindOrganization(ctx, n)
	case models.KindAccount:
		return r.Store.FindAccount(ctx, n)
	case models.KindMembership:
		return r.Store.FindMembershipByID(ctx, n)
	case models.KindAuditEvent:
		return r.Store.FindAuditEventByID(ctx, n)
	case models.KindInvitation:
		return r.Store.FindInvitationByID(ctx, n)
	case models.KindContact:
		return r.Store.FindContactByID(ctx, n)
	case models.KindWebhookEndpoint:
		return r.Store.WebhookEndpoint(ctx, n)
	case models.KindWebhookDelivery:
		return r.Store.WebhookDelivery(ctx, n)
	case models.KindSession:
		sessions, err := r.Store.FindSessionsOfUser(ctx, v.UserID)
		if err != nil {
			return nil, err
		}
		for _, s := range sessions {
			if s.ID == n {
				return s, nil
			}
		}
		return nil, models.NotFound("session")
	}
	return nil, models.NotFound("object")
}

func orNotFound(err error, what string) error {
	if err != nil {
		return err
	}
	return models.NotFound(what)
}

func (r *Resolver) isOrgMember(ctx context.Context, userID, orgID int64) (bool, error) {
	orgs, err := r.Store.FindOrganizationsOfUser(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, o := range orgs {
		if o.ID == orgID {
			return true, nil
		}
	}
	return false, nil
}

func (r *Resolver) sharesOrganization(ctx context.Context, a, b int64) (bool, error) {
	mine, err := r.Store.FindOrganizationsOfUser(ctx, a)
	if err != nil {
		return false, err
	}
	// Where b is suspended counts: their managers there still find them.
	theirs, err := r.Store.FindDirectoriesOfUser(ctx, b)
	if err != nil {
		return false, err
	}
	for _, o := range mine {
		for _, t := range theirs {
			if o.ID == t.ID {
				return true, nil
			}
		}
	}
	return false, nil
}

// suspension is when the person of a membership was suspended in its
// organization (nil: active), as read with the membership or batched by
// the response's loader.
func suspension(ctx context.Context, m *models.Membership) (*time.Time, error) {
	if at, ok := m.Suspension(); ok {
		return at, nil
	}
	return LoadersFrom(ctx).Suspension().Load(ctx, models.MemberRef{OrganizationID: m.OrganizationID, UserID: m.UserID})
}

// suspension runs suspendMember or reactivateMember (set) on the ids.
func (r *mutationResolver) suspension(ctx context.Context, organizationID, userID string, set func(ctx context.Context, orgID, userID int64) (bool, error)) (bool, error) {
	org, err := models.ParseID(models.KindOrganization, organizationID)
	if err != nil {
		return false, err
	}
	user, err := models.ParseID(models.KindUser, userID)
	if err != nil {
		return false, err
	}
	return set(ctx, org, user)
}

// products maps product keys to catalogue entries, skipping keys the
// catalogue no longer has.
func (r *Resolver) products(keys []string) []*models.Product {
	catalogue := r.Store.Products()
	out := make([]*models.Product, 0, len(keys))
	for _, k := range keys {
		for i := range catalogue {
			if catalogue[i].Key == k {
				out = append(out, &catalogue[i])
				break
			}
		}
	}
	return out
}

// viewerOnly guards fields only their owner may read.
func viewerOnly(ctx context.Context, u *models.User) error {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return err
	}
	if v.UserID != u.ID {
		return models.Forbidden("only the person themself can see this")
	}
	return nil
}

func notificationPreferences(u *models.User) *models.NotificationPreferences {
	return &models.NotificationPreferences{DesktopNotifications: u.NotifyDesktop, BrowserBadges: u.NotifyBadges, Sounds: u.NotifySounds}
}

// parseIDs decodes a list of global IDs of one kind.
func parseIDs(kind models.Kind, ids []string) ([]int64, error) {
	out := make([]int64, len(ids))
	for i, s := range ids {
		id, err := models.ParseID(kind, s)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

// optionalID decodes a nullable ID argument; a malformed one is bad input on
// field, not NOT_FOUND, because it names no object the caller asked for.
func optionalID(kind models.Kind, s *string, field string) (*int64, error) {
	if s == nil {
		return nil, nil
	}
	id, err := models.ParseID(kind, *s)
	if err != nil {
		return nil, models.InvalidInput(field, "no such %s", strings.ToLower(string(kind)))
	}
	return &id, nil
}

func restrictionsUpdate(in *model.RestrictionsInput) *models.RestrictionsUpdate {
	if in == nil {
		return nil
	}
	return &models.RestrictionsUpdate{AssignedContactsOnly: in.AssignedContactsOnly, DataExportBlocked: in.DataExportBlocked}
}

// grantInput builds the grant of an input (invite, grantAccess).
func grantInput(role models.Role, perms []models.Permission, products []string, r *model.RestrictionsInput) models.Grant {
	g := models.Grant{Role: role, Permissions: models.Permissions(perms), Products: products}
	if u := restrictionsUpdate(r); u != nil {
		g.Restrictions = u.Apply(g.Restrictions)
	}
	return g
}

// optionalLoad loads a row that may have gone (a deleted inviter): nil, not
// an error.
func optionalLoad[V any](ctx context.Context, l *dataloadgen.Loader[int64, V], id int64) (V, error) {
	v, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		var zero V
		return zero, nil
	}
	return v, err
}

// presenceFilter turns the members filter on live status into a list of
// people to keep (statuses without OFFLINE) or to drop (with OFFLINE), from
// one read of who is not OFFLINE.
func presenceFilter(ctx context.Context, p models.PresenceSource, want []models.PresenceStatus, q *models.MemberQuery) error {
	if len(want) == 0 {
		return nil
	}
	keep := map[models.PresenceStatus]bool{}
	for _, st := range want {
		switch st {
		case models.PresenceOnline, models.PresenceAway, models.PresenceOffline:
			keep[st] = true
		default:
			return models.InvalidInput("presence", "unknown presence status %q", st)
		}
	}
	if len(keep) == 3 {
		return nil
	}
	live, err := p.LiveStatuses(ctx)
	if err != nil {
		slog.WarnContext(ctx, "members presence filter", "err", err)
		return &models.Error{Code: models.CodeUnavailable, Message: "presence is unavailable right now: try again, or list members without the presence filter"}
	}
	if keep[models.PresenceOffline] {
		q.UserIDsNotIn = []int64{}
		for id, st := range live {
			if !keep[st] {
				q.UserIDsNotIn = append(q.UserIDsNotIn, id)
			}
		}
		return nil
	}
	q.UserIDsIn = []int64{}
	for id, st := range live {
		if keep[st] {
			q.UserIDsIn = append(q.UserIDsIn, id)
		}
	}
	return nil
}

// errPresenceUnavailable is reported once per response whose presence
// fields fell back because presence (Redis) could not be read.
var errPresenceUnavailable = &models.Error{Code: models.CodeUnavailable,
	Message: "presence is unavailable right now: statuses read OFFLINE and last active times may be late"}

// livePresence is a person's live presence, or, when presence cannot be
// read, OFFLINE with no device (the stored last-active time fills in) and
// one UNAVAILABLE error in the response: the rest of the data stands.
func livePresence(ctx context.Context, userID int64) models.Presence {
	p, err := LoadersFrom(ctx).UserPresence().Load(ctx, userID)
	if err != nil {
		presenceUnavailable(ctx, err)
		return models.Presence{Status: models.PresenceOffline}
	}
	return p
}

func presenceUnavailable(ctx context.Context, err error) {
	if !models.RequestCacheFrom(ctx).Claim("presence-unavailable") {
		return
	}
	slog.WarnContext(ctx, "presence read failed: answering OFFLINE", "err", err)
	graphql.AddError(ctx, errPresenceUnavailable)
}

// presenceWriteFailed turns a presence outage into UNAVAILABLE (domain
// errors pass through). A manual AWAY is already stored by then and applies
// from the next connection.
func presenceWriteFailed(ctx context.Context, err error) error {
	if models.ErrorCode(err) != models.CodeInternal {
		return err
	}
	slog.WarnContext(ctx, "presence write failed", "err", err)
	return &models.Error{Code: models.CodeUnavailable, Message: "presence is unavailable right now: try again in a moment"}
}
