package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// limitInvitations bounds the invitations one organization sends, counted
// per invitation (not per request), across nodes when Redis is configured.
var limitInvitations = models.Limit{Rate: 500, Burst: 200, Period: time.Hour}

// invitationAccount is one row of invitation_accounts.
type invitationAccount struct {
	InvitationID int64
	AccountID    int64
}

// InviteUsers invites every address of the pasted list to the accounts,
// each with its own outcome. The viewer must be able to invite on every
// account, and the grant passes the same ceiling as every grant path there.
// The invitations, their audit events and their mail are written in one
// transaction: a failure writes none of them.
func (s *Store) InviteUsers(ctx context.Context, in models.InviteInput) ([]models.InviteResult, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.AccountIDs) > models.MaxInviteAccounts {
		return nil, models.InvalidInput("accountIds", "choose at most %d accounts", models.MaxInviteAccounts)
	}
	accountIDs := uniqueIDs(in.AccountIDs)
	if len(accountIDs) == 0 {
		return nil, models.InvalidInput("accountIds", "choose at least one account")
	}
	list, err := models.ParseEmailList(in.Emails)
	if err != nil {
		return nil, err
	}
	single, err := singleInviteDetails(in, len(list))
	if err != nil {
		return nil, err
	}
	g := models.NormalizeGrant(in.Grant)

	var results []models.InviteResult
	var invited []*models.Invitation
	err = s.tx(ctx, func(tx *gorm.DB) error {
		sc, err := s.inviteScope(ctx, tx, accountIDs)
		if err != nil {
			return err
		}
		for _, id := range accountIDs {
			access := sc.viewerAccess(id)
			if err := models.CanInvite(access); err != nil {
				return err
			}
			if err := models.CheckGrant(access, g, sc.org.EnabledProducts); err != nil {
				return err
			}
		}
		var inviter models.User
		if err := tx.Where("id = ?", v.UserID).Take(&inviter).Error; err != nil {
			return err
		}
		results, err = s.inviteOutcomes(tx, sc, accountIDs, list)
		if err != nil {
			return err
		}
		n := 0
		for _, r := range results {
			if r.Outcome == models.InviteInvited {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		if err := s.throttleN(ctx, "invite:org:"+itoa(sc.org.ID), limitInvitations, n); err != nil {
			return err
		}
		names := accountNames(sc, accountIDs)
		now := s.Now()
		for i := range results {
			r := &results[i]
			if r.Outcome != models.InviteInvited {
				continue
			}
			inv := &models.Invitation{
				OrganizationID: sc.org.ID, Email: r.Email, EmailLower: models.EmailKey(r.Email),
				FirstName: single.firstName, LastName: single.lastName, PreferredLanguage: single.language,
				CommunicationEmail: single.communicationEmail,
				Role:               g.Role, Permissions: g.Permissions, Products: g.Products, Restrictions: g.Restrictions,
				Status: models.InvitationPending, InvitedByID: &v.UserID,
				CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(lifetime(sc.org)), LastSentAt: now, SendCount: 1,
				AccountIDs: accountIDs,
			}
			if inv.FirstName == nil && list[i].Name != "" {
				// A name pasted with the address (`Ada Lovelace <ada@…>`) is
				// kept whole: splitting names into first and last is guesswork.
				name := truncateRunes(list[i].Name, 100)
				inv.FirstName = &name
			}
			token, hash := models.NewToken()
			inv.TokenHash = hash
			if err := tx.Create(inv).Error; err != nil {
				return err
			}
			rows := make([]invitationAccount, len(accountIDs))
			for j, a := range accountIDs {
				rows[j] = invitationAccount{InvitationID: inv.ID, AccountID: a}
			}
			if err := tx.Table("invitation_accounts").Create(&rows).Error; err != nil {
				return err
			}
			if err := s.audit(ctx, tx, &models.AuditEvent{
				OrganizationID: sc.org.ID, Action: models.AuditInvitationSent, TargetEmail: &inv.Email, AccountID: &accountIDs[0],
				Details: details(invitationDetails(inv, sc)),
			}); err != nil {
				return err
			}
			if err := s.mailInvitation(tx, sc.org, inv, names, inviter.Name(), token); err != nil {
				return err
			}
			r.Invitation = inv
			invited = append(invited, inv)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(invited) > 0 {
		s.opt.OnMailQueued()
	}
	return results, nil
}

// singleDetails are the validated single-invite fields.
type singleDetails struct {
	firstName, lastName, communicationEmail *string
	language                                string
}

// singleInviteDetails validates the fields allowed only when the list holds
// exactly one address.
func singleInviteDetails(in models.InviteInput, entries int) (singleDetails, error) {
	d := singleDetails{language: "en"}
	given := func(p *string) bool { return p != nil && strings.TrimSpace(*p) != "" }
	fields := []struct {
		name  string
		value *string
	}{{"firstName", in.FirstName}, {"lastName", in.LastName}, {"preferredLanguage", in.PreferredLanguage}, {"communicationEmail", in.CommunicationEmail}}
	for _, f := range fields {
		if given(f.value) && entries != 1 {
			return d, models.InvalidInput(f.name, "this can only be set when inviting a single address")
		}
	}
	var err error
	if given(in.FirstName) {
		if d.firstName, err = optionalPtr("firstName", *in.FirstName, 100); err != nil {
			return d, err
		}
	}
	if given(in.LastName) {
		if d.lastName, err = optionalPtr("lastName", *in.LastName, 100); err != nil {
			return d, err
		}
	}
	if given(in.PreferredLanguage) {
		if d.language, err = models.NormalizeLanguage(*in.PreferredLanguage); err != nil {
			return d, err
		}
	}
	if given(in.CommunicationEmail) {
		e, err := models.NormalizeEmail(*in.CommunicationEmail)
		if err != nil {
			return d, withField(err, "communicationEmail")
		}
		d.communicationEmail = &e
	}
	return d, nil
}

func optionalPtr(field, v string, max int) (*string, error) {
	t, err := optionalText(field, v, max)
	if err != nil || t == "" {
		return nil, err
	}
	return &t, nil
}

// inviteScope resolves the accounts of an invite: all must be in one
// organization the viewer is part of. An account the viewer cannot reach
// is NOT_FOUND; accounts of two organizations are BAD_USER_INPUT.
func (s *Store) inviteScope(ctx context.Context, tx *gorm.DB, accountIDs []int64) (*scope, error) {
	sc, _, err := s.scopeOfAccount(ctx, tx, accountIDs[0])
	if err != nil {
		return nil, err
	}
	for _, id := range accountIDs[1:] {
		if sc.accounts[id] != nil {
			continue
		}
		if _, _, err := s.scopeOfAccount(ctx, tx, id); err != nil {
			return nil, err
		}
		return nil, models.InvalidInput("accountIds", "all the accounts of an invitation must be in one organization")
	}
	return sc, nil
}

// inviteOutcomes decides each entry's outcome: INVALID_EMAIL, ALREADY_MEMBER
// (access on every account already), ALREADY_INVITED (a pending, unexpired
// invitation in the organization) or INVITED.
func (s *Store) inviteOutcomes(tx *gorm.DB, sc *scope, accountIDs []int64, list models.EmailList) ([]models.InviteResult, error) {
	var keys []string
	for _, e := range list {
		if e.Valid {
			keys = append(keys, models.EmailKey(e.Address))
		}
	}
	users := map[string]*models.User{}
	pending := map[string]*models.Invitation{}
	if len(keys) > 0 {
		var us []*models.User
		if err := tx.Where("email_lower IN ?", keys).Find(&us).Error; err != nil {
			return nil, err
		}
		for _, u := range us {
			users[u.EmailLower] = u
		}
		var invs []*models.Invitation
		if err := tx.Where("organization_id = ? AND email_lower IN ? AND status = ? AND expires_at > ?",
			sc.org.ID, keys, models.InvitationPending, s.Now()).Order("id").Find(&invs).Error; err != nil {
			return nil, err
		}
		if err := loadAccountIDs(tx, invs); err != nil {
			return nil, err
		}
		for _, inv := range invs {
			pending[inv.EmailLower] = inv
		}
	}
	out := make([]models.InviteResult, len(list))
	for i, e := range list {
		if !e.Valid {
			out[i] = models.InviteResult{Email: e.Raw, Outcome: models.InviteInvalidEmail, Message: invalidEmailReason(e.Raw)}
			continue
		}
		key := models.EmailKey(e.Address)
		if u := users[key]; u != nil {
			member, err := hasAccessEverywhere(tx, sc, u.ID, accountIDs)
			if err != nil {
				return nil, err
			}
			if member {
				out[i] = models.InviteResult{Email: e.Address, Outcome: models.InviteAlreadyMember, Message: "this person already has access to these accounts"}
				continue
			}
		}
		if inv := pending[key]; inv != nil {
			inv.Status = inv.StatusAt(s.Now())
			out[i] = models.InviteResult{Email: e.Address, Outcome: models.InviteAlreadyInvited, Invitation: inv,
				Message: "this address already has a pending invitation; resend or edit it instead"}
			continue
		}
		out[i] = models.InviteResult{Email: e.Address, Outcome: models.InviteInvited}
	}
	return out, nil
}

func hasAccessEverywhere(tx *gorm.DB, sc *scope, userID int64, accountIDs []int64) (bool, error) {
	byAccount, err := sc.membershipsOf(tx, userID)
	if err != nil {
		return false, err
	}
	for _, a := range accountIDs {
		if m, _ := sc.effective(a, byAccount); m == nil {
			return false, nil
		}
	}
	return true, nil
}

// invalidEmailReason says why a pasted entry is not an address.
func invalidEmailReason(raw string) string {
	shown := truncateRunes(raw, 80)
	switch at := strings.Count(raw, "@"); {
	case at == 0:
		return fmt.Sprintf("%q is not an email address: it has no @", shown)
	case at > 1:
		return fmt.Sprintf("%q is not an email address: it has more than one @", shown)
	}
	if _, domain, _ := strings.Cut(raw, "@"); !strings.Contains(domain, ".") {
		return fmt.Sprintf("%q is not an email address: the domain needs a dot, like example.com", shown)
	}
	return fmt.Sprintf("%q is not a valid email address, like name@example.com", shown)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n]))
}

// throttleN counts n events for key under limit (fails open, like throttle).
func (s *Store) throttleN(ctx context.Context, key string, limit models.Limit, n int) error {
	if s.opt.Limiter == nil || n <= 0 {
		return nil
	}
	ok, retry, err := s.opt.Limiter.Allow(ctx, key, limit, n)
	if err != nil {
		s.opt.Logger.WarnContext(ctx, "rate limiter unavailable", "key", key, "err", err)
		return nil
	}
	if !ok {
		e := models.RateLimited(int((retry + time.Second - 1) / time.Second))
		e.Message = "too many invitations sent from this organization, try again later"
		return e
	}
	return nil
}

func lifetime(org *models.Organization) time.Duration {
	h := org.InvitationLifetimeHours
	if h <= 0 {
		h = models.DefaultInvitationLifetimeHours
	}
	return time.Duration(h) * time.Hour
}

// accountNames are the names of the accounts, in the order given.
func accountNames(sc *scope, ids []int64) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if a := sc.accounts[id]; a != nil {
			out = append(out, a.Name)
		}
	}
	return out
}

// invitationRecipient is where an invitation's link is mailed: the
// communication email when one was given (seed 001), else the invited
// address. Accepting proves that address, and only that one.
func invitationRecipient(inv *models.Invitation) string {
	if inv.CommunicationEmail != nil && *inv.CommunicationEmail != "" {
		return *inv.CommunicationEmail
	}
	return inv.Email
}

// mailInvitation queues the invitation mail with a fresh link, to
// invitationRecipient, in the invitee's language.
func (s *Store) mailInvitation(tx *gorm.DB, org *models.Organization, inv *models.Invitation, accounts []string, inviterName, token string) error {
	return s.enqueueMail(tx, models.Email{
		Kind: models.MailInvitation, To: invitationRecipient(inv), Language: inv.PreferredLanguage,
		Data: models.MailData{
			RecipientName: invitationName(inv), OrganizationName: org.Name, AccountNames: accounts,
			InviterName: inviterName, ExpiresAt: inv.ExpiresAt, Link: s.link(models.LinkAcceptInvitation, token),
		},
	})
}

func invitationName(inv *models.Invitation) string {
	var parts []string
	for _, p := range []*string{inv.FirstName, inv.LastName} {
		if p != nil && *p != "" {
			parts = append(parts, *p)
		}
	}
	return strings.Join(parts, " ")
}

// invitationDetails is an invitation's grant for the audit log.
func invitationDetails(inv *models.Invitation, sc *scope) map[string]any {
	accts := make([]string, len(inv.AccountIDs))
	for i, id := range inv.AccountIDs {
		accts[i] = models.GlobalID(models.KindAccount, id)
	}
	return map[string]any{
		"role": inv.Role, "permissions": inv.Permissions, "products": inv.Products,
		"restrictions": map[string]bool{"assignedContactsOnly": inv.AssignedContactsOnly, "dataExportBlocked": inv.DataExportBlocked},
		"accounts":     accts, "accountNames": accountNames(sc, inv.AccountIDs),
		"invitation": models.GlobalID(models.KindInvitation, inv.ID),
	}
}

// loadAccountIDs fills AccountIDs of the invitations in one query.
func loadAccountIDs(q *gorm.DB, invs []*models.Invitation) error {
	if len(invs) == 0 {
		return nil
	}
	ids := make([]int64, len(invs))
	byID := make(map[int64]*models.Invitation, len(invs))
	for i, inv := range invs {
		ids[i] = inv.ID
		inv.AccountIDs = nil
		byID[inv.ID] = inv
	}
	var rows []invitationAccount
	if err := q.Table("invitation_accounts").Where("invitation_id IN ?", ids).Order("invitation_id, account_id").Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if inv := byID[r.InvitationID]; inv != nil {
			inv.AccountIDs = append(inv.AccountIDs, r.AccountID)
		}
	}
	return nil
}

// managedInvitation loads invitation id, locked for the transaction, and
// checks that the viewer may manage it on every account it grants. An
// invitation of an organization the viewer is not in, or on none of whose
// accounts the viewer has access, is NOT_FOUND.
func (s *Store) managedInvitation(ctx context.Context, tx *gorm.DB, id int64) (*scope, *models.Invitation, error) {
	var inv models.Invitation
	if err := s.forUpdate(tx.Where("id = ?", id)).Take(&inv).Error; err != nil {
		return nil, nil, notFoundAs(err, "invitation")
	}
	sc, err := s.loadScope(ctx, tx, inv.OrganizationID)
	if err != nil {
		return nil, nil, notFoundAs(err, "invitation")
	}
	if err := loadAccountIDs(tx, []*models.Invitation{&inv}); err != nil {
		return nil, nil, err
	}
	if !slices.ContainsFunc(inv.AccountIDs, sc.viewerCanSee) {
		return nil, nil, models.NotFound("invitation")
	}
	for _, a := range inv.AccountIDs {
		if err := models.CanManageInvitation(sc.viewerAccess(a), inv.Role); err != nil {
			return nil, nil, err
		}
	}
	return sc, &inv, nil
}

// errNotOpen is the answer for changing an invitation that was accepted or
// revoked.
func errNotOpen(status models.InvitationStatus) error {
	switch status {
	case models.InvitationAccepted:
		return models.Errorf(models.CodeInvitationAlreadyAccepted, "this invitation was already accepted")
	case models.InvitationRevoked:
		return models.Errorf(models.CodeInvitationRevoked, "this invitation was revoked")
	}
	return nil
}

// ResendInvitation issues a new link for a pending or expired invitation:
// only the newest link's hash is kept, so every earlier link stops working;
// the expiry restarts from now.
func (s *Store) ResendInvitation(ctx context.Context, id int64) (*models.Invitation, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	var inv *models.Invitation
	err = s.tx(ctx, func(tx *gorm.DB) error {
		sc, found, err := s.managedInvitation(ctx, tx, id)
		if err != nil {
			return err
		}
		inv = found
		if err := errNotOpen(inv.Status); err != nil {
			return err
		}
		var sender models.User
		if err := tx.Where("id = ?", v.UserID).Take(&sender).Error; err != nil {
			return err
		}
		now := s.Now()
		token, hash := models.NewToken()
		inv.TokenHash, inv.ExpiresAt, inv.LastSentAt, inv.SendCount, inv.UpdatedAt = hash, now.Add(lifetime(sc.org)), now, inv.SendCount+1, now
		res := tx.Model(&models.Invitation{}).Where("id = ? AND status = ?", inv.ID, models.InvitationPending).Updates(map[string]any{
			"token_hash": hash, "expires_at": inv.ExpiresAt, "last_sent_at": now, "send_count": inv.SendCount, "updated_at": now,
			"expired_event_at": nil, // a new expiry raises invitation.expired again
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.Errorf(models.CodeConflict, "this invitation changed meanwhile; reload it")
		}
		if err := s.audit(ctx, tx, &models.AuditEvent{
			OrganizationID: sc.org.ID, Action: models.AuditInvitationResent, TargetEmail: &inv.Email, AccountID: &inv.AccountIDs[0],
			Details: details(map[string]any{"invitation": models.GlobalID(models.KindInvitation, inv.ID), "sendCount": inv.SendCount}),
		}); err != nil {
			return err
		}
		return s.mailInvitation(tx, sc.org, inv, accountNames(sc, inv.AccountIDs), sender.Name(), token)
	})
	if err != nil {
		return nil, err
	}
	s.opt.OnMailQueued()
	inv.Status = inv.StatusAt(s.Now())
	return inv, nil
}

// UpdateInvitation edits a pending or expired invitation's grant, name or
// language — never its email. The new grant passes the same ceiling as
// every grant path, on every account of the invitation.
func (s *Store) UpdateInvitation(ctx context.Context, id int64, upd models.InvitationUpdate) (*models.Invitation, error) {
	var inv *models.Invitation
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sc, found, err := s.managedInvitation(ctx, tx, id)
		if err != nil {
			return err
		}
		inv = found
		if err := errNotOpen(inv.Status); err != nil {
			return err
		}
		before := invitationDetails(inv, sc)
		beforeName := map[string]any{"firstName": inv.FirstName, "lastName": inv.LastName, "preferredLanguage": inv.PreferredLanguage}
		g := grantOf(inv.Role, inv.Permissions, inv.Products, inv.Restrictions)
		if upd.Grant.Role != nil {
			g.Role = *upd.Grant.Role
		}
		if upd.Grant.Permissions != nil {
			g.Permissions = *upd.Grant.Permissions
		}
		if upd.Grant.Products != nil {
			g.Products = *upd.Grant.Products
		}
		if upd.Grant.Restrictions != nil {
			g.Restrictions = upd.Grant.Restrictions.Apply(g.Restrictions)
		}
		g = models.NormalizeGrant(g)
		for _, a := range inv.AccountIDs {
			if err := models.CheckGrant(sc.viewerAccess(a), g, sc.org.EnabledProducts); err != nil {
				return err
			}
		}
		changes := map[string]any{
			"role": g.Role, "permissions": g.Permissions, "products": models.StringList(g.Products),
			"restrict_assigned_contacts_only": g.Restrictions.AssignedContactsOnly, "restrict_data_export_blocked": g.Restrictions.DataExportBlocked,
		}
		inv.Role, inv.Permissions, inv.Products, inv.Restrictions = g.Role, g.Permissions, g.Products, g.Restrictions
		if upd.FirstName != nil {
			if inv.FirstName, err = optionalPtr("firstName", *upd.FirstName, 100); err != nil {
				return err
			}
			changes["first_name"] = inv.FirstName
		}
		if upd.LastName != nil {
			if inv.LastName, err = optionalPtr("lastName", *upd.LastName, 100); err != nil {
				return err
			}
			changes["last_name"] = inv.LastName
		}
		if upd.PreferredLanguage != nil {
			if inv.PreferredLanguage, err = models.NormalizeLanguage(*upd.PreferredLanguage); err != nil {
				return err
			}
			changes["preferred_language"] = inv.PreferredLanguage
		}
		inv.UpdatedAt = s.Now()
		changes["updated_at"] = inv.UpdatedAt
		if err := tx.Model(&models.Invitation{}).Where("id = ?", inv.ID).Updates(changes).Error; err != nil {
			return err
		}
		after := invitationDetails(inv, sc)
		for k, v := range beforeName {
			before[k] = v
		}
		after["firstName"], after["lastName"], after["preferredLanguage"] = inv.FirstName, inv.LastName, inv.PreferredLanguage
		return s.audit(ctx, tx, &models.AuditEvent{
			OrganizationID: sc.org.ID, Action: models.AuditInvitationUpdated, TargetEmail: &inv.Email, AccountID: &inv.AccountIDs[0],
			Details: details(map[string]any{"before": before, "after": after}),
		})
	})
	if err != nil {
		return nil, err
	}
	inv.Status = inv.StatusAt(s.Now())
	return inv, nil
}

// RevokeInvitation revokes a pending or expired invitation: its link stops
// working. Revoking a revoked invitation returns it unchanged (idempotent);
// an accepted one cannot be revoked (INVITATION_ALREADY_ACCEPTED).
func (s *Store) RevokeInvitation(ctx context.Context, id int64) (*models.Invitation, error) {
	var inv *models.Invitation
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sc, found, err := s.managedInvitation(ctx, tx, id)
		if err != nil {
			return err
		}
		inv = found
		switch inv.Status {
		case models.InvitationRevoked:
			return nil
		case models.InvitationAccepted:
			return errNotOpen(inv.Status)
		}
		now := s.Now()
		res := tx.Model(&models.Invitation{}).Where("id = ? AND status = ?", inv.ID, models.InvitationPending).
			Updates(map[string]any{"status": models.InvitationRevoked, "revoked_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.Errorf(models.CodeConflict, "this invitation changed meanwhile; reload it")
		}
		inv.Status, inv.RevokedAt, inv.UpdatedAt = models.InvitationRevoked, &now, now
		return s.audit(ctx, tx, &models.AuditEvent{
			OrganizationID: sc.org.ID, Action: models.AuditInvitationRevoked, TargetEmail: &inv.Email, AccountID: &inv.AccountIDs[0],
			Details: details(map[string]any{"invitation": models.GlobalID(models.KindInvitation, inv.ID)}),
		})
	})
	if err != nil {
		return nil, err
	}
	inv.Status = inv.StatusAt(s.Now())
	return inv, nil
}

// FindInvitations lists the invitations granting accountID, newest first,
// with keyset pagination on id. The viewer must be able to invite on the
// account. Returned invitations carry their AccountIDs and the status a
// client sees (EXPIRED derived).
func (s *Store) FindInvitations(ctx context.Context, accountID int64, f models.InvitationFilter, p models.PageRequest) (models.Page[*models.Invitation], error) {
	var page models.Page[*models.Invitation]
	q := s.conn(ctx)
	sc, acct, err := s.scopeOfAccount(ctx, q, accountID)
	if err != nil {
		return page, translate(err)
	}
	if err := models.CanInvite(sc.viewerAccess(acct.ID)); err != nil {
		return page, err
	}
	now := s.Now()
	base := q.Model(&models.Invitation{}).
		Where("invitations.organization_id = ? AND invitations.id IN (SELECT invitation_id FROM invitation_accounts WHERE account_id = ?)", sc.org.ID, acct.ID)
	if len(f.Statuses) > 0 {
		var conds []string
		var args []any
		for _, st := range uniqueStatuses(f.Statuses) {
			switch st {
			case models.InvitationPending:
				conds, args = append(conds, "(invitations.status = ? AND invitations.expires_at > ?)"), append(args, models.InvitationPending, now)
			case models.InvitationExpired:
				conds, args = append(conds, "(invitations.status = ? AND invitations.expires_at <= ?)"), append(args, models.InvitationPending, now)
			case models.InvitationAccepted, models.InvitationRevoked:
				conds, args = append(conds, "invitations.status = ?"), append(args, st)
			default:
				return page, models.InvalidInput("status", "unknown status %q", st)
			}
		}
		base = base.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if search := strings.TrimSpace(f.Search); search != "" {
		if utf8.RuneCountInString(search) > 200 {
			return page, models.InvalidInput("search", "use at most 200 characters")
		}
		pat := "%" + likeEscaper.Replace(strings.ToLower(search)) + "%"
		base = base.Where("(LOWER(invitations.email) LIKE ? ESCAPE '!' OR LOWER(COALESCE(invitations.first_name, '')) LIKE ? ESCAPE '!' OR LOWER(COALESCE(invitations.last_name, '')) LIKE ? ESCAPE '!')",
			pat, pat, pat)
	}
	if err := base.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
		return page, translate(err)
	}
	if err := readIDPage(base.Session(&gorm.Session{}), "invitations.id", true, p, &page); err != nil {
		return page, err
	}
	if err := loadAccountIDs(q, page.Rows); err != nil {
		return page, translate(err)
	}
	for _, inv := range page.Rows {
		inv.Status = inv.StatusAt(now)
	}
	return page, nil
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

func uniqueStatuses(in []models.InvitationStatus) []models.InvitationStatus {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

func uniqueIDs(in []int64) []int64 {
	out := make([]int64, 0, len(in))
	for _, id := range in {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// InvitationPreview shows what a link grants, to anyone holding it; nil for
// an unknown token (an old link replaced by a resend is unknown too).
// Lookups are throttled per IP; only unknown tokens and errors count.
func (s *Store) InvitationPreview(ctx context.Context, token string) (*models.InvitationPreview, error) {
	try, terr := s.tokenAttempt(ctx)
	if terr != nil {
		return nil, terr
	}
	if token == "" || len(token) > 200 {
		return nil, nil
	}
	q := s.conn(ctx)
	var inv models.Invitation
	if err := q.Where("token_hash = ?", models.HashToken(token)).Take(&inv).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil
		}
		return nil, translate(err)
	}
	sc, err := orgScope(q, inv.OrganizationID)
	if err != nil {
		return nil, translate(err)
	}
	if err := loadAccountIDs(q, []*models.Invitation{&inv}); err != nil {
		return nil, translate(err)
	}
	p := &models.InvitationPreview{
		Email: inv.Email, OrganizationName: sc.org.Name, AccountNames: accountNames(sc, inv.AccountIDs),
		ExpiresAt: inv.ExpiresAt, Status: inv.StatusAt(s.Now()),
	}
	if inv.InvitedByID != nil {
		var inviter models.User
		err := q.Where("id = ?", *inv.InvitedByID).Take(&inviter).Error
		switch {
		case err == nil:
			p.InvitedByName = ptr(inviter.Name())
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return nil, translate(err)
		}
	}
	var n int64
	if err := q.Model(&models.User{}).Where("email_lower = ?", inv.EmailLower).Count(&n).Error; err != nil {
		return nil, translate(err)
	}
	p.ExistingUser = n > 0
	try.giveBack()
	return p, nil
}

// orgScope loads an organization and its accounts with no viewer: for
// checks made on someone else's behalf (the inviter's access at accept
// time) and for public reads.
func orgScope(q *gorm.DB, orgID int64) (*scope, error) {
	sc := &scope{org: &models.Organization{}, accounts: map[int64]*models.Account{}, mine: map[int64]*models.Membership{}}
	if err := q.Where("id = ?", orgID).Take(sc.org).Error; err != nil {
		return nil, err
	}
	var accts []*models.Account
	if err := q.Where("organization_id = ?", orgID).Find(&accts).Error; err != nil {
		return nil, err
	}
	for _, a := range accts {
		sc.accounts[a.ID] = a
	}
	return sc, nil
}

// errInvitationLink is the answer for a token that names no invitation:
// never issued, mistyped, or replaced by a newer link (resend).
var errInvitationLink = models.Errorf(models.CodeTokenInvalid, "this invitation link is not valid; if a newer invitation was sent, use the link in it")

// AcceptInvitation spends an invitation link. A person without an identity
// signs up with it (password and first name required) and is signed in; a
// person with one must be signed in as the invited email and simply gains
// the access. Either way the answer is a new session for this device (an
// existing identity's calling session is replaced by it). The grant is
// checked again against the inviter's current access, and the invitation is
// claimed with a conditional update, so of many concurrent accepts exactly
// one succeeds. Uses are throttled per IP (only failures count), and the
// token is looked up before any password is hashed.
func (s *Store) AcceptInvitation(ctx context.Context, in models.AcceptInvitationInput) (*models.AuthResult, error) {
	try, terr := s.tokenAttempt(ctx)
	if terr != nil {
		return nil, terr
	}
	if in.Token == "" || len(in.Token) > 200 {
		return nil, errInvitationLink
	}
	hash := models.HashToken(in.Token)
	q := s.conn(ctx)
	var pre models.Invitation
	if err := q.Where("token_hash = ?", hash).Take(&pre).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, errInvitationLink
		}
		return nil, translate(err)
	}
	if err := s.invitationUsable(&pre); err != nil {
		return nil, err
	}
	var existing int64
	if err := q.Model(&models.User{}).Where("email_lower = ?", pre.EmailLower).Count(&existing).Error; err != nil {
		return nil, translate(err)
	}
	var signUp *newIdentity
	if existing == 0 {
		var err error
		if signUp, err = validateNewIdentity(in, &pre); err != nil {
			return nil, err
		}
	} else if err := s.mustBeInvitee(ctx, q, &pre); err != nil {
		// The identity may have just been created by a concurrent accept
		// of this very link: the link is then spent, which is the answer.
		var cur models.Invitation
		if q.Where("id = ?", pre.ID).Take(&cur).Error == nil {
			if uerr := s.invitationUsable(&cur); uerr != nil {
				return nil, uerr
			}
		}
		return nil, err
	}

	var res *models.AuthResult
	var revoked []int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var inv models.Invitation
		if err := tx.Where("token_hash = ?", hash).Take(&inv).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errInvitationLink
			}
			return err
		}
		if err := s.invitationUsable(&inv); err != nil {
			return err
		}
		now := s.Now()
		claim := tx.Model(&models.Invitation{}).
			Where("id = ? AND status = ? AND expires_at > ?", inv.ID, models.InvitationPending, now).
			Updates(map[string]any{"status": models.InvitationAccepted, "accepted_at": now, "updated_at": now})
		if claim.Error != nil {
			return claim.Error
		}
		if claim.RowsAffected != 1 {
			if err := tx.Where("id = ?", inv.ID).Take(&inv).Error; err != nil {
				return err
			}
			if err := s.invitationUsable(&inv); err != nil {
				return err
			}
			return models.Errorf(models.CodeInvitationAlreadyAccepted, "this invitation was already accepted")
		}
		sc, err := orgScope(tx, inv.OrganizationID)
		if err != nil {
			return err
		}
		if err := loadAccountIDs(tx, []*models.Invitation{&inv}); err != nil {
			return err
		}
		g := grantOf(inv.Role, inv.Permissions, inv.Products, inv.Restrictions)
		if err := inviterStillMay(tx, sc, &inv, g); err != nil {
			return err
		}
		user, err := s.acceptingUser(ctx, tx, &inv, signUp)
		if err != nil {
			return err
		}
		if err := s.grantInvitation(tx, sc, &inv, g, user.ID); err != nil {
			return err
		}
		if err := tx.Model(&models.Invitation{}).Where("id = ?", inv.ID).Update("accepted_user_id", user.ID).Error; err != nil {
			return err
		}
		if err := s.audit(ctx, tx, &models.AuditEvent{
			OrganizationID: sc.org.ID, Action: models.AuditInvitationAccepted, ActorID: &user.ID,
			TargetUserID: &user.ID, TargetEmail: &user.Email, AccountID: &inv.AccountIDs[0],
			Details: details(invitationDetails(&inv, sc)),
		}); err != nil {
			return err
		}
		if v := models.ViewerFrom(ctx); v != nil && v.UserID == user.ID {
			// The device that accepted gets the new session in place of
			// the one it called with: one session per device.
			if err := tx.Model(&models.Session{}).Where("id = ? AND revoked_at IS NULL", v.SessionID).Update("revoked_at", now).Error; err != nil {
				return err
			}
			revoked = []int64{v.SessionID}
		}
		res, err = s.createSession(ctx, tx, user, in.DeviceName)
		return err
	})
	if err != nil {
		return nil, err
	}
	try.giveBack()
	s.sessionsReplaced(ctx, res, revoked)
	s.opt.Notifier.AccessChanged(ctx, pre.OrganizationID)
	return res, nil
}

// invitationUsable answers the distinct error of a link that cannot be
// accepted: revoked, already accepted or expired.
func (s *Store) invitationUsable(inv *models.Invitation) error {
	switch inv.StatusAt(s.Now()) {
	case models.InvitationRevoked:
		return models.Errorf(models.CodeInvitationRevoked, "this invitation was revoked; ask the person who invited you for a new one")
	case models.InvitationAccepted:
		return models.Errorf(models.CodeInvitationAlreadyAccepted, "this invitation was already accepted; sign in instead")
	case models.InvitationExpired:
		return models.Errorf(models.CodeInvitationExpired, "this invitation has expired; ask the person who invited you to send it again")
	}
	return nil
}

// mustBeInvitee requires the caller to be signed in as the invited email.
func (s *Store) mustBeInvitee(ctx context.Context, q *gorm.DB, inv *models.Invitation) error {
	v := models.ViewerFrom(ctx)
	if v == nil {
		return models.Errorf(models.CodeUnauthenticated, "an account already exists for %s: sign in with it to accept this invitation", inv.Email)
	}
	var email string
	if err := q.Model(&models.User{}).Where("id = ?", v.UserID).Pluck("email_lower", &email).Error; err != nil {
		return translate(err)
	}
	if email != inv.EmailLower {
		return models.Forbidden("this invitation was sent to %s: sign in as %s to accept it", inv.Email, inv.Email)
	}
	return nil
}

// newIdentity is a validated sign-up through an invitation.
type newIdentity struct {
	hash, first, last, language string
	phone                       *string
}

func validateNewIdentity(in models.AcceptInvitationInput, inv *models.Invitation) (*newIdentity, error) {
	if in.Password == "" {
		return nil, models.InvalidInput("password", "choose a password to create your account")
	}
	if err := models.ValidatePassword(in.Password); err != nil {
		return nil, err
	}
	id := &newIdentity{language: inv.PreferredLanguage}
	var err error
	if id.first, err = requiredText("firstName", in.FirstName, 100); err != nil {
		return nil, err
	}
	if id.last, err = optionalText("lastName", in.LastName, 100); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Phone) != "" {
		p, err := models.NormalizePhone(in.Phone, "")
		if err != nil {
			return nil, err
		}
		id.phone = &p
	}
	if strings.TrimSpace(in.PreferredLanguage) != "" {
		if id.language, err = models.NormalizeLanguage(in.PreferredLanguage); err != nil {
			return nil, err
		}
	}
	if id.language == "" {
		id.language = "en"
	}
	if id.hash, err = models.HashPassword(in.Password); err != nil {
		return nil, err
	}
	return id, nil
}

// inviterStillMay re-checks the invitation against the inviter's access as
// it is now: an inviter who lost the right to give it since (demoted,
// removed, a product disabled) no longer vouches for it.
func inviterStillMay(tx *gorm.DB, sc *scope, inv *models.Invitation, g models.Grant) error {
	refused := models.Forbidden("this invitation is no longer valid: the person who sent it can no longer give this access; ask for a new invitation")
	if inv.InvitedByID == nil {
		return refused
	}
	byAccount, err := sc.membershipsOf(tx, *inv.InvitedByID)
	if err != nil {
		return err
	}
	for _, a := range inv.AccountIDs {
		m, _ := sc.effective(a, byAccount)
		access := models.AccessOf(m)
		if models.CanInvite(access) != nil || models.CheckGrant(access, g, sc.org.EnabledProducts) != nil {
			return refused
		}
	}
	return nil
}

// acceptingUser is the identity accepting: the invited email's (signed in
// as it), or a new one created from signUp.
func (s *Store) acceptingUser(ctx context.Context, tx *gorm.DB, inv *models.Invitation, signUp *newIdentity) (*models.User, error) {
	var user models.User
	err := tx.Where("email_lower = ?", inv.EmailLower).Take(&user).Error
	if err == nil {
		if err := s.mustBeInvitee(ctx, tx, inv); err != nil {
			return nil, err
		}
		return &user, s.proveByInvitation(tx, &user, inv)
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	if signUp == nil {
		// The identity existed when the request began and is gone now.
		return nil, models.Errorf(models.CodeConflict, "the account for this email changed meanwhile; open the link again")
	}
	now := s.Now()
	user = models.User{
		Email: inv.Email, EmailLower: inv.EmailLower, PasswordHash: signUp.hash,
		FirstName: signUp.first, LastName: signUp.last, Phone: signUp.phone, PreferredLanguage: signUp.language,
		NotifyDesktop: true, NotifyBadges: true, NotifySounds: true, CreatedAt: now, UpdatedAt: now,
	}
	// The link was followed, so the address it was mailed to is proven: the
	// login email when it went there, else the communication email, and the
	// login email stays unproven (it never blocks its real owner).
	if to := invitationRecipient(inv); models.EmailKey(to) == inv.EmailLower {
		user.EmailVerifiedAt = &now
	} else {
		user.CommunicationEmail = &to
	}
	if err := tx.Create(&user).Error; err != nil {
		return nil, translateConflict(err, "email", "an account with this email already exists; sign in to accept")
	}
	if err := s.claimEmail(tx, user.EmailLower, user.ID); err != nil {
		return nil, err
	}
	return &user, nil
}

// grantInvitation gives userID the invitation's access on each account and
// places them in the organization's directory. Where the person already
// has access at least as high (directly or inherited), it is kept: an
// invitation never lowers anyone's access. Otherwise the invitation's grant
// becomes their direct membership there.
func (s *Store) grantInvitation(tx *gorm.DB, sc *scope, inv *models.Invitation, g models.Grant, userID int64) error {
	if err := s.joinOrganization(tx, sc.org.ID, userID); err != nil {
		return err
	}
	byAccount, err := sc.membershipsOf(tx, userID)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, a := range inv.AccountIDs {
		if m, _ := sc.effective(a, byAccount); m != nil && m.Role.AtLeast(g.Role) {
			continue
		}
		if direct := byAccount[a]; direct != nil {
			if err := tx.Model(&models.Membership{}).Where("id = ?", direct.ID).Updates(map[string]any{
				"role": g.Role, "role_rank": g.Role.Rank(), "permissions": g.Permissions, "products": models.StringList(g.Products),
				"restrict_assigned_contacts_only": g.Restrictions.AssignedContactsOnly, "restrict_data_export_blocked": g.Restrictions.DataExportBlocked,
				"invited_by_id": inv.InvitedByID, "updated_at": now,
			}).Error; err != nil {
				return err
			}
			continue
		}
		if err := tx.Create(&models.Membership{
			OrganizationID: sc.org.ID, AccountID: a, UserID: userID, Role: g.Role, RoleRank: g.Role.Rank(),
			Permissions: g.Permissions, Products: g.Products, Restrictions: g.Restrictions, InvitedByID: inv.InvitedByID,
			CreatedAt: now, UpdatedAt: now,
		}).Error; err != nil {
			return err
		}
	}
	return nil
}
