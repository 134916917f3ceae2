package db

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// MaxAccountDepth bounds the account tree (the root is depth 0).
const MaxAccountDepth = 8

// scope is what one request may touch in one organization: the viewer, the
// organization's accounts, and the viewer's memberships there. Every
// service that takes an ID resolves it through a scope, so an ID from an
// organization the viewer is not part of answers NOT_FOUND, exactly like
// one that does not exist.
type scope struct {
	viewer   *models.Viewer
	org      *models.Organization
	accounts map[int64]*models.Account
	mine     map[int64]*models.Membership // the viewer's memberships by account
}

// loadScope loads the organization orgID as seen by the viewer, or
// NOT_FOUND when the viewer is not in its directory or is suspended there
// (a suspended person is answered as if they were not a member).
func (s *Store) loadScope(ctx context.Context, q *gorm.DB, orgID int64) (*scope, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := viewerScope(q, v, "FROM organizations o", "o.id = ?", orgID)
	if err != nil {
		return nil, err
	}
	if sc == nil {
		return nil, models.NotFound("organization")
	}
	return sc, nil
}

// scopeOfAccount loads the scope of the organization that owns accountID.
func (s *Store) scopeOfAccount(ctx context.Context, q *gorm.DB, accountID int64) (*scope, *models.Account, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, nil, err
	}
	sc, err := viewerScope(q, v, "FROM accounts t JOIN organizations o ON o.id = t.organization_id", "t.id = ?", accountID)
	if err != nil {
		return nil, nil, err
	}
	if sc == nil || sc.accounts[accountID] == nil {
		return nil, nil, models.NotFound("account")
	}
	return sc, sc.accounts[accountID], nil
}

// scopeRow is one account of a scope's organization with the organization
// and the viewer's membership on that account (all NULL when none: a
// person holds at most one membership per account).
type scopeRow struct {
	Org     models.Organization `gorm:"embedded;embeddedPrefix:o__"`
	Account models.Account      `gorm:"embedded;embeddedPrefix:a__"`
	Mine    models.Membership   `gorm:"embedded;embeddedPrefix:m__"`
}

// viewerScope reads a scope in one statement: the organization that from
// and where name (from names it o), only if the viewer is in its
// directory (and not suspended there), each of its accounts, and the
// viewer's membership on each. It returns nil when there is no such
// organization or the viewer is not in it, which callers answer as
// NOT_FOUND. A memberships row counts only in
// its own organization, as when they were read by organization_id.
func viewerScope(q *gorm.DB, v *models.Viewer, from, where string, arg int64) (*scope, error) {
	cols, err := scopeColumns(q)
	if err != nil {
		return nil, err
	}
	sql := "SELECT " + cols + " " + from +
		" JOIN organization_members om ON om.organization_id = o.id AND om.user_id = ? AND om.suspended_at IS NULL" +
		" LEFT JOIN accounts a ON a.organization_id = o.id" +
		" LEFT JOIN memberships m ON m.account_id = a.id AND m.user_id = ? AND m.organization_id = o.id" +
		" WHERE " + where
	var rows []scopeRow
	if err := q.Raw(sql, v.UserID, v.UserID, arg).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	org := rows[0].Org
	sc := &scope{viewer: v, org: &org, accounts: make(map[int64]*models.Account, len(rows)), mine: map[int64]*models.Membership{}}
	for i := range rows {
		r := &rows[i]
		if r.Account.ID == 0 {
			continue // an organization without accounts: none to list
		}
		sc.accounts[r.Account.ID] = &r.Account
		if r.Mine.ID != 0 {
			sc.mine[r.Account.ID] = &r.Mine
		}
	}
	return sc, nil
}

// scopeColumns is the select list of scopeRow: every column of the three
// models, each named after its embedded prefix, so a column added to a
// model is read here too.
func scopeColumns(q *gorm.DB) (string, error) {
	var cols []string
	for _, t := range []struct {
		model any
		alias string
	}{{&models.Organization{}, "o"}, {&models.Account{}, "a"}, {&models.Membership{}, "m"}} {
		c, err := columnsAs(q, t.model, t.alias)
		if err != nil {
			return "", err
		}
		cols = append(cols, c)
	}
	return strings.Join(cols, ", "), nil
}

// columnsAs is every column of model, read from the table alias and named
// alias__column (the embeddedPrefix of a struct that scans it). A model's
// columns are fixed at build time, so each list is made once: every scope
// and members page asks for one.
func columnsAs(q *gorm.DB, model any, alias string) (string, error) {
	key := columnListKey{reflect.TypeOf(model), alias}
	if cols, ok := columnLists.Load(key); ok {
		return cols.(string), nil
	}
	stmt := &gorm.Statement{DB: q}
	if err := stmt.Parse(model); err != nil {
		return "", err
	}
	cols := make([]string, len(stmt.Schema.DBNames))
	for i, c := range stmt.Schema.DBNames {
		cols[i] = alias + "." + c + " AS " + alias + "__" + c
	}
	list := strings.Join(cols, ", ")
	columnLists.Store(key, list)
	return list, nil
}

type columnListKey struct {
	model reflect.Type
	alias string
}

var columnLists sync.Map // columnListKey → string

// readScope is loadScope for read paths, cached for the rest of the
// response: a page of members, its node() lookup and its viewerMembership
// share one read of the viewer's scope. Write paths load their own scope
// inside their transaction and never use the cache.
func (s *Store) readScope(ctx context.Context, orgID int64) (*scope, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	cache := models.RequestCacheFrom(ctx)
	if sc, ok := cache.Get(scopeKey(v, orgID)); ok {
		return sc.(*scope), nil
	}
	sc, err := s.loadScope(ctx, s.conn(ctx), orgID)
	if err != nil {
		return nil, translate(err)
	}
	cache.Set(scopeKey(v, orgID), sc)
	return sc, nil
}

func scopeKey(v *models.Viewer, orgID int64) string {
	return "scope:" + strconv.FormatInt(v.UserID, 10) + ":" + strconv.FormatInt(orgID, 10)
}

// readScopeOfAccount is scopeOfAccount for read paths, cached likewise:
// the first read of a response finds the account's organization and its
// scope in the same statement.
func (s *Store) readScopeOfAccount(ctx context.Context, accountID int64) (*scope, *models.Account, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, nil, err
	}
	cache := models.RequestCacheFrom(ctx)
	key := "account-org:" + strconv.FormatInt(accountID, 10)
	var sc *scope
	if orgID, ok := cache.Get(key); ok {
		if sc, err = s.readScope(ctx, orgID.(int64)); err != nil {
			return nil, nil, notFoundAs(err, "account")
		}
	} else {
		if sc, _, err = s.scopeOfAccount(ctx, s.conn(ctx), accountID); err != nil {
			return nil, nil, notFoundAs(translate(err), "account")
		}
		cache.Set(key, sc.org.ID)
		cache.Set(scopeKey(v, sc.org.ID), sc)
	}
	a := sc.accounts[accountID]
	if a == nil {
		return nil, nil, models.NotFound("account")
	}
	return sc, a, nil
}

// chain is the account and its ancestors, the account first.
func (sc *scope) chain(accountID int64) []int64 {
	var out []int64
	for id := accountID; id != 0 && len(out) <= MaxAccountDepth+1; {
		a := sc.accounts[id]
		if a == nil {
			break
		}
		out = append(out, id)
		if a.ParentID == nil {
			break
		}
		id = *a.ParentID
	}
	return out
}

// effective resolves the membership of one user on an account from their
// memberships in the organization: the most specific one wins.
func (sc *scope) effective(accountID int64, byAccount map[int64]*models.Membership) (*models.Membership, bool) {
	return models.EffectiveMembership(sc.chain(accountID), byAccount)
}

// viewerAccess is the viewer's effective access on an account.
func (sc *scope) viewerAccess(accountID int64) models.Access {
	m, _ := sc.effective(accountID, sc.mine)
	return models.AccessOf(m)
}

// viewerCanSee reports whether the viewer has any access on accountID.
func (sc *scope) viewerCanSee(accountID int64) bool { return sc.viewerAccess(accountID).HasAccess() }

// membershipsOf loads a user's memberships in the scope's organization.
func (sc *scope) membershipsOf(q *gorm.DB, userID int64) (map[int64]*models.Membership, error) {
	var ms []*models.Membership
	if err := q.Where("organization_id = ? AND user_id = ?", sc.org.ID, userID).Find(&ms).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]*models.Membership, len(ms))
	for _, m := range ms {
		out[m.AccountID] = m
	}
	return out, nil
}

// accessOf is a user's effective access on accountID and its membership.
func (sc *scope) accessOf(q *gorm.DB, userID, accountID int64) (models.Access, *models.Membership, bool, error) {
	byAccount, err := sc.membershipsOf(q, userID)
	if err != nil {
		return models.Access{}, nil, false, err
	}
	m, inherited := sc.effective(accountID, byAccount)
	return models.AccessOf(m), m, inherited, nil
}

// isOrgMember reports whether userID is in the organization's directory
// (suspended or not).
func (sc *scope) isOrgMember(q *gorm.DB, userID int64) (bool, error) {
	var n int64
	err := q.Model(&models.OrganizationMember{}).Where("organization_id = ? AND user_id = ?", sc.org.ID, userID).Count(&n).Error
	return n > 0, err
}

// isSuspended reports whether userID is suspended in the scope's
// organization.
func (sc *scope) isSuspended(q *gorm.DB, userID int64) (bool, error) {
	var n int64
	err := q.Model(&models.OrganizationMember{}).
		Where("organization_id = ? AND user_id = ? AND suspended_at IS NOT NULL", sc.org.ID, userID).Count(&n).Error
	return n > 0, err
}

// account returns an account of the scope's organization or NOT_FOUND.
func (sc *scope) account(id int64) (*models.Account, error) {
	if a := sc.accounts[id]; a != nil {
		return a, nil
	}
	return nil, models.NotFound("account")
}

// suspendedOrgs is the subquery of the organizations where userID is
// suspended.
func suspendedOrgs(q *gorm.DB, userID int64) *gorm.DB {
	return q.Session(&gorm.Session{NewDB: true}).Model(&models.OrganizationMember{}).Select("organization_id").
		Where("user_id = ? AND suspended_at IS NOT NULL", userID)
}

// countOwners counts the distinct OWNERs of the organization, locking the
// owner rows on MySQL so two concurrent demotions serialise.
func (s *Store) countOwners(q *gorm.DB, orgID int64) (int, error) {
	var ids []int64
	err := s.forUpdate(q.Model(&models.Membership{}).Where("organization_id = ? AND role = ?", orgID, models.RoleOwner)).
		Pluck("user_id", &ids).Error
	slices.Sort(ids)
	return len(slices.Compact(ids)), err
}

func notFoundAs(err error, what string) error {
	if models.ErrorCode(translate(err)) == models.CodeNotFound {
		return models.NotFound(what)
	}
	return err
}

// maxAuditDetails bounds the JSON of one audit event's details (the column
// is MEDIUMTEXT on MySQL, 16 MiB; TEXT would hold 64 KiB). Inputs are
// bounded (100 accounts of 200 characters per invitation), so a real event
// stays far below; past it, strings are shortened to maxAuditString
// characters, and if that is not enough the details only say they were cut.
const (
	maxAuditDetails = 64 << 10
	maxAuditString  = 64
)

// details renders audit details as a JSON object of at most maxAuditDetails
// bytes.
func details(v map[string]any) string {
	b, err := marshalDetails(v)
	if err != nil {
		return "{}"
	}
	if len(b) <= maxAuditDetails {
		return string(b)
	}
	short, _ := shortenStrings(v, maxAuditString).(map[string]any)
	short["truncated"] = true
	if b, err = marshalDetails(short); err == nil && len(b) <= maxAuditDetails {
		return string(b)
	}
	return `{"truncated":true}`
}

// marshalDetails is json.Marshal without HTML escaping, which would turn
// each '<', '>' and '&' of a name into six bytes.
func marshalDetails(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// shortenStrings returns v with every string longer than n characters cut to
// n and marked with "…", through maps and slices of any type.
func shortenStrings(v any, n int) any {
	switch x := v.(type) {
	case string:
		if utf8.RuneCountInString(x) > n {
			return string([]rune(x)[:n]) + "…"
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = shortenStrings(e, n)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = shortenStrings(e, n)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = shortenStrings(e, n)
		}
		return out
	}
	// Other values (numbers, booleans, typed maps) are rendered as JSON
	// and read back, so their strings are reached too.
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var back any
	if json.Unmarshal(b, &back) != nil {
		return nil
	}
	switch back.(type) {
	case map[string]any, []any, string:
		return shortenStrings(back, n)
	}
	return back
}

// grantOf is the grant a membership or invitation holds.
func grantOf(role models.Role, perms models.Permissions, products models.StringList, r models.Restrictions) models.Grant {
	return models.Grant{Role: role, Permissions: perms, Products: []string(products), Restrictions: r}
}

// FindUserMemberships lists the memberships of userID the viewer may see:
// all of the viewer's own; for someone else, those on accounts where the
// viewer may manage people, in organizations the viewer shares.
func (s *Store) FindUserMemberships(ctx context.Context, userID int64) ([]*models.Membership, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return nil, err
	}
	q := s.conn(ctx)
	var ms []*models.Membership
	mine := q.Where("user_id = ?", userID)
	if userID == v.UserID {
		// The viewer's own, but none where they are suspended.
		mine = mine.Where("organization_id NOT IN (?)", suspendedOrgs(q, userID))
	}
	if err := mine.Order("organization_id, account_id").Find(&ms).Error; err != nil {
		return nil, translate(err)
	}
	if userID == v.UserID {
		return ms, nil
	}
	scopes := map[int64]*scope{}
	out := make([]*models.Membership, 0, len(ms))
	for _, m := range ms {
		sc, ok := scopes[m.OrganizationID]
		if !ok {
			sc, err = s.loadScope(ctx, q, m.OrganizationID)
			if err != nil && models.ErrorCode(err) != models.CodeNotFound {
				return nil, translate(err)
			}
			scopes[m.OrganizationID] = sc
		}
		if sc != nil && models.CanManage(sc.viewerAccess(m.AccountID), models.RoleAgent) == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// FindMembershipByID returns a membership the viewer may see: their own, or
// one on an account where they may manage people; else NOT_FOUND.
func (s *Store) FindMembershipByID(ctx context.Context, id int64) (*models.Membership, error) {
	q := s.conn(ctx)
	var m models.Membership
	if err := q.Where("id = ?", id).Take(&m).Error; err != nil {
		return nil, notFoundAs(translate(err), "membership")
	}
	sc, err := s.loadScope(ctx, q, m.OrganizationID)
	if err != nil {
		return nil, notFoundAs(translate(err), "membership")
	}
	if m.UserID != sc.viewer.UserID && models.CanManage(sc.viewerAccess(m.AccountID), models.RoleAgent) != nil {
		return nil, models.NotFound("membership")
	}
	return &m, nil
}

// FindAuditEventByID returns an audit event of an organization whose log the
// viewer may read; else NOT_FOUND.
func (s *Store) FindAuditEventByID(ctx context.Context, id int64) (*models.AuditEvent, error) {
	q := s.conn(ctx)
	var ev models.AuditEvent
	if err := q.Where("id = ?", id).Take(&ev).Error; err != nil {
		return nil, notFoundAs(translate(err), "audit event")
	}
	sc, err := s.loadScope(ctx, q, ev.OrganizationID)
	if err != nil {
		return nil, notFoundAs(translate(err), "audit event")
	}
	if models.CanViewAuditLog(sc.viewerAccess(sc.rootID())) != nil {
		return nil, models.NotFound("audit event")
	}
	return &ev, nil
}

// FindInvitationByID returns an invitation the viewer may manage (for
// node(id:)); another tenant's answers NOT_FOUND.
func (s *Store) FindInvitationByID(ctx context.Context, id int64) (*models.Invitation, error) {
	_, inv, err := s.managedInvitation(ctx, s.conn(ctx), id)
	if err != nil {
		return nil, translate(err)
	}
	return inv, nil
}
