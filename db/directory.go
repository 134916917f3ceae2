package db

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// epoch stands in for "never active" so people never active sort as the
// oldest, on both stores.
var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// memberRow is a membership with the sort keys it was ordered by and its
// person (columns u__*: a page reads them in its own statement).
type memberRow struct {
	models.Membership
	K1     string
	K2     string
	KT     *time.Time
	KN     int64
	KS     *time.Time  // when the person was suspended (suspensionJoin); nil: active
	Person models.User `gorm:"embedded;embeddedPrefix:u__"`
}

// suspensionJoin reads, beside each membership m of a page, the person's
// row of the organization's directory (oms), for its suspended_at: one
// primary-key lookup per row of the page, in the page's own statement.
const suspensionJoin = " LEFT JOIN organization_members oms ON oms.organization_id = m.organization_id AND oms.user_id = m.user_id"

// notSuspended keeps the memberships of people not suspended in their
// organization.
const notSuspended = "NOT EXISTS (SELECT 1 FROM organization_members oh WHERE oh.organization_id = m.organization_id AND oh.user_id = m.user_id AND oh.suspended_at IS NOT NULL)"

// orderSpec is the SQL of one member order: the keys it sorts by (the last
// one is the person's id, the tiebreak), the keys its cursor compares
// (last-active has its own condition), the columns it selects for the
// cursor, and how a row's cursor values are read.
type orderSpec struct {
	order   []string
	compare []string
	selects string
	values  func(r *memberRow) []any
	// userIndex is the users index that yields this order, if any.
	userIndex string
}

// userDrivenThreshold is the member count above which a page is read from
// the users index in order rather than by sorting the account's members.
var userDrivenThreshold int64 = 2000

// keysetCondition is "the row comes after the cursor" as nested ORs, which
// MySQL turns into an index seek (a row-value comparison it only filters
// with): k1 > v1 OR (k1 = v1 AND (k2 > v2 OR (k2 = v2 AND k3 > v3))).
func keysetCondition(keys []string, vals []any, cmp string) (string, []any) {
	var args []any
	var build func(i int) string
	build = func(i int) string {
		if i == len(keys)-1 {
			args = append(args, vals[i])
			return keys[i] + " " + cmp + " ?"
		}
		args = append(args, vals[i], vals[i])
		return "(" + keys[i] + " " + cmp + " ? OR (" + keys[i] + " = ? AND " + build(i+1) + "))"
	}
	return build(0), args
}

// lastActiveAfter is "after the cursor" for the last-active order, where
// never-active people (NULL, the cursor's epoch) come first ascending and
// last descending. It compares the column itself: COALESCE with a
// parameter would compare as text on MySQL.
func lastActiveAfter(t time.Time, id int64, desc bool) (string, []any) {
	never := t.Equal(epoch)
	switch {
	case !desc && never:
		return "((u.last_active_at IS NULL AND u.id > ?) OR u.last_active_at IS NOT NULL)", []any{id}
	case !desc:
		return "(u.last_active_at > ? OR (u.last_active_at = ? AND u.id > ?))", []any{t, t, id}
	case never:
		return "(u.last_active_at IS NULL AND u.id < ?)", []any{id}
	}
	return "(u.last_active_at < ? OR (u.last_active_at = ? AND u.id < ?) OR u.last_active_at IS NULL)", []any{t, t, id}
}

// memberOrder is written so the store can read an account's members in an
// index's order and stop after a page: the name order follows users_name
// (MySQL's case-insensitive collation; NOCASE on SQLite), the role and
// joined orders follow the (account_id, key, user_id) indexes of
// memberships, and "never active" sorts first ascending, as NULL does.
func memberOrder(d Dialect, f models.MemberOrderField) (orderSpec, error) {
	switch f {
	case models.MemberOrderName, "":
		first, last := "u.first_name", "u.last_name"
		if d == SQLite {
			first, last = "u.first_name COLLATE NOCASE", "u.last_name COLLATE NOCASE"
		}
		keys := []string{first, last, "u.id"}
		return orderSpec{order: keys, compare: keys, selects: "u.first_name AS k1, u.last_name AS k2", userIndex: "users_name",
			values: func(r *memberRow) []any { return []any{r.K1, r.K2} }}, nil
	case models.MemberOrderEmail:
		// The address is unique, so it orders alone; with the id beside it
		// MariaDB reads the whole users_email_lower index and sorts it.
		keys := []string{"u.email_lower", "u.id"}
		return orderSpec{order: keys[:1], compare: keys, selects: "u.email_lower AS k1", userIndex: "users_email_lower",
			values: func(r *memberRow) []any { return []any{r.K1} }}, nil
	case models.MemberOrderRole:
		keys := []string{"m.role_rank", "m.user_id"}
		return orderSpec{order: keys, compare: keys, selects: "m.role_rank AS kn",
			values: func(r *memberRow) []any { return []any{r.KN} }}, nil
	case models.MemberOrderLastActive:
		return orderSpec{order: []string{"u.last_active_at", "u.id"},
			selects: "u.last_active_at AS kt", userIndex: "users_last_active", values: func(r *memberRow) []any {
				if r.KT == nil {
					return []any{epoch}
				}
				return []any{r.KT.UTC()}
			}}, nil
	case models.MemberOrderJoined:
		keys := []string{"m.created_at", "m.user_id"}
		return orderSpec{order: keys, compare: keys, selects: "m.created_at AS kt",
			values: func(r *memberRow) []any { return []any{r.KT.UTC()} }}, nil
	}
	return orderSpec{}, models.InvalidInput("orderBy", "unknown order %q", f)
}

type memberCursor struct {
	Order models.MemberOrderField `json:"o"`
	Desc  bool                    `json:"d"`
	S     []string                `json:"s,omitempty"`
	N     int64                   `json:"n,omitempty"`
	T     *time.Time              `json:"t,omitempty"`
	ID    int64                   `json:"i"`
}

func encodeMemberCursor(f models.MemberOrderField, desc bool, r *memberRow, spec orderSpec) string {
	c := memberCursor{Order: f, Desc: desc, ID: r.UserID}
	for _, v := range spec.values(r) {
		switch v := v.(type) {
		case string:
			c.S = append(c.S, v)
		case int64:
			c.N = v
		case time.Time:
			c.T = &v
		}
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeMemberCursor returns the key values and user id of a cursor made for
// the same order and direction, given as the argument field (after,
// before).
func decodeMemberCursor(s, field string, f models.MemberOrderField, desc bool) ([]any, int64, error) {
	bad := models.InvalidInput(field, "the cursor is not valid for this order")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, 0, bad
	}
	var c memberCursor
	if json.Unmarshal(raw, &c) != nil || c.ID <= 0 || c.Order != f || c.Desc != desc {
		return nil, 0, bad
	}
	switch f {
	case models.MemberOrderName, "":
		if len(c.S) != 2 {
			return nil, 0, bad
		}
		return []any{c.S[0], c.S[1]}, c.ID, nil
	case models.MemberOrderEmail:
		if len(c.S) != 1 {
			return nil, 0, bad
		}
		return []any{c.S[0]}, c.ID, nil
	case models.MemberOrderRole:
		return []any{c.N}, c.ID, nil
	default:
		if c.T == nil {
			return nil, 0, bad
		}
		return []any{c.T.UTC()}, c.ID, nil
	}
}

// FindMembers lists the people with effective access on an account: a
// direct membership there, or one on an ancestor that no closer membership
// overrides (inherited). Keyset pagination on the order's keys and the user
// id, so rows added or removed between pages are neither skipped nor
// repeated; p.AfterKey and p.BeforeKey are cursors of this order, and a
// backward page is read in the opposite order (see memberKeyset).
func (s *Store) FindMembers(ctx context.Context, accountID int64, q models.MemberQuery, p models.PageRequest) (models.Page[models.Edge[*models.Membership]], error) {
	var page models.Page[models.Edge[*models.Membership]]
	sc, acct, err := s.readScopeOfAccount(ctx, accountID)
	if err != nil {
		return page, translate(err)
	}
	if !sc.viewerCanSee(acct.ID) {
		return page, models.ErrNoAccess
	}
	q.HideSuspended = !models.CanSeeSuspended(sc.viewerAccess(acct.ID))
	st, err := s.membersStatements(sc.org.ID, sc.chain(acct.ID), q, p)
	if err != nil {
		return page, err
	}
	// The scope above (who may see what) was read on the primary; the
	// members themselves may come from a read replica.
	var rows []*memberRow
	err = s.replicaRead(ctx, func(db *gorm.DB) error {
		page.Total, rows = -1, nil
		if st.count != "" {
			if err := db.Raw(st.count, st.countArgs...).Scan(&page.Total).Error; err != nil {
				return err
			}
		}
		return db.Raw(st.pageFor(page.Total), st.pageArgs...).Scan(&rows).Error
	})
	if err != nil {
		return page, translate(err)
	}
	rows, page.HasPrevious, page.HasNext = models.Cut(p, rows)
	for _, r := range rows {
		m := r.Membership
		m.Inherited = m.AccountID != acct.ID
		m.EffectiveAccountID = acct.ID
		m.Person = &r.Person
		m.SetSuspension(r.KS)
		page.Rows = append(page.Rows, models.Edge[*models.Membership]{Node: &m, Cursor: encodeMemberCursor(q.Order, q.Desc, r, st.spec)})
	}
	return page, nil
}

// membersStatements are the statements of one members page: the count
// (empty with q.NoTotal), and the page read as it suits a small account
// (page) or a large one (bigPage: in the order's users index, so the read
// stops after a page; left to itself the optimiser reads every membership
// of the account and sorts them all). A non-empty bigPage is chosen on the
// count; it takes the same arguments as page.
type membersStatements struct {
	spec      orderSpec
	count     string
	countArgs []any
	page      string
	pageArgs  []any
	bigPage   string
}

// pageFor is the page statement for an account of total members.
func (st membersStatements) pageFor(total int64) string {
	if st.bigPage != "" && total > userDrivenThreshold {
		return st.bigPage
	}
	return st.page
}

// memberSearch is a members search as the statements read it: driven by
// its most selective word (see searchDriven), with one row per person
// under that word when it is long enough to be an index key.
type memberSearch struct {
	models.SearchQuery
	driven     string
	drivenArgs []any
	keyed      bool
}

func parseMemberSearch(orgID int64, text string) (memberSearch, error) {
	q, err := models.ParseSearch("search", text)
	if err != nil || len(q.Words) == 0 {
		return memberSearch{SearchQuery: q}, err
	}
	driven, args := searchDriven(orgID, q)
	return memberSearch{SearchQuery: q, driven: driven, drivenArgs: args, keyed: models.Indexed(q.Words[0])}, nil
}

func (ms memberSearch) any() bool { return len(ms.Words) > 0 }

func (s *Store) membersStatements(orgID int64, chain []int64, q models.MemberQuery, p models.PageRequest) (membersStatements, error) {
	var st membersStatements
	spec, err := memberOrder(s.Dialect, q.Order)
	if err != nil {
		return st, err
	}
	search, err := parseMemberSearch(orgID, q.Search)
	if err != nil {
		return st, err
	}
	where, args, err := memberConditions(chain, q)
	if err != nil {
		return st, err
	}
	if search.Nobody {
		where += " AND 1 = 0"
	}
	// The search index drives a search: the optimiser left to itself would
	// test every member of the account against the index instead.
	straight := ""
	if s.Dialect == MySQL {
		straight = "STRAIGHT_JOIN "
	}
	if !q.NoTotal {
		st.count, st.countArgs = membersCount(straight, where, args, search)
	}
	// The NAME order of a search with a keyed word is the index's own order
	// under that word: the page is read in order and stops after a page.
	// Other searches test each member.
	from := "memberships m JOIN users u ON u.id = m.user_id" + suspensionJoin + " WHERE "
	var fromArgs []any
	indexDriven := search.keyed && (q.Order == models.MemberOrderName || q.Order == "")
	switch {
	case indexDriven:
		spec = searchNameOrder(spec)
		from = "directory_search s JOIN memberships m ON m.user_id = s.user_id JOIN users u ON u.id = m.user_id" + suspensionJoin + " WHERE " + search.driven + " AND "
		fromArgs = search.drivenArgs
	case search.any():
		filter, filterArgs := searchFilter(orgID, "m.user_id", search.SearchQuery)
		where += " AND " + filter
		args = append(append([]any{}, args...), filterArgs...)
	}
	st.spec = spec
	tail, tailArgs, err := pageTail(spec, q, p)
	if err != nil {
		return st, err
	}
	st.pageArgs = append(append(append([]any{}, fromArgs...), args...), tailArgs...)
	people, err := columnsAs(s.conn(context.Background()), &models.User{}, "u")
	if err != nil {
		return st, err
	}
	selects := "m.*, " + spec.selects + ", oms.suspended_at AS ks, " + people
	if indexDriven {
		st.page = "SELECT " + straight + selects + " FROM " + from + where + tail
		return st, nil
	}
	st.page = "SELECT " + selects + " FROM " + from + where + tail
	// A large account is read in the order's users index, unless a search
	// word is keyed (rare enough that testing members in order could read
	// most of the account to fill a page). Each store is told the join
	// order and the index (SQLite: CROSS JOIN keeps users outside).
	if spec.userIndex != "" && !search.keyed {
		st.bigPage = "SELECT STRAIGHT_JOIN " + selects + " FROM users u FORCE INDEX (" + spec.userIndex + ") JOIN memberships m ON m.user_id = u.id" + suspensionJoin + " WHERE " + where + tail
		if s.Dialect == SQLite {
			st.bigPage = "SELECT " + selects + " FROM users u INDEXED BY " + spec.userIndex + " CROSS JOIN memberships m ON m.user_id = u.id" + suspensionJoin + " WHERE " + where + tail
		}
		if q.NoTotal { // size unknown: the users index, whose worst case is bounded
			st.page, st.bigPage = st.bigPage, ""
		}
	}
	return st, nil
}

// membersCount is the count of a members page: of the account's members,
// or of the search index's rows under the search's driving word (one per
// person for a keyed word, possibly several for a shorter one).
func membersCount(straight, where string, args []any, search memberSearch) (string, []any) {
	if !search.any() {
		return "SELECT COUNT(*) FROM memberships m WHERE " + where, args
	}
	count := "COUNT(*)"
	if !search.keyed {
		count = "COUNT(DISTINCT s.user_id)"
	}
	return "SELECT " + straight + count + " FROM directory_search s JOIN memberships m ON m.user_id = s.user_id WHERE " + search.driven + " AND " + where,
		append(append([]any{}, search.drivenArgs...), args...)
}

// pageTail is the keyset condition, ORDER BY and LIMIT of a page, in the
// order of spec, read backwards for a backward page (DESC is the exact
// reverse of ASC, never-active people included; Cut puts it back).
func pageTail(spec orderSpec, q models.MemberQuery, p models.PageRequest) (string, []any, error) {
	where, args, err := memberKeyset(spec, q, p)
	if err != nil {
		return "", nil, err
	}
	dir := "ASC"
	if q.Desc != p.Backward {
		dir = "DESC"
	}
	order := make([]string, len(spec.order))
	for i, k := range spec.order {
		order[i] = k + " " + dir
	}
	return where + " ORDER BY " + strings.Join(order, ", ") + " LIMIT ?", append(args, p.First+1), nil
}

// searchNameOrder is the NAME order read from the search index (alias s):
// the same names and id, so its cursors are the NAME order's.
func searchNameOrder(spec orderSpec) orderSpec {
	keys := []string{"s.first_name", "s.last_name", "s.user_id"}
	spec.order, spec.compare, spec.userIndex = keys, keys, ""
	spec.selects = "s.first_name AS k1, s.last_name AS k2"
	return spec
}

// MembersPageSQL is the SQL text, arguments interpolated as the driver
// sends them, of the statements FindMembers runs for one page after the
// viewer's scope (ctx carries the viewer): the count (empty with
// q.NoTotal) and the page. cmd/bench runs them directly as the store's
// ceiling.
func (s *Store) MembersPageSQL(ctx context.Context, accountID int64, q models.MemberQuery, p models.PageRequest) (count, page string, err error) {
	sc, acct, err := s.readScopeOfAccount(ctx, accountID)
	if err != nil {
		return "", "", translate(err)
	}
	if !sc.viewerCanSee(acct.ID) {
		return "", "", models.ErrNoAccess
	}
	st, err := s.membersStatements(sc.org.ID, sc.chain(acct.ID), q, p)
	if err != nil {
		return "", "", err
	}
	db := s.conn(ctx)
	text := func(sql string, args []any) string {
		return db.ToSQL(func(tx *gorm.DB) *gorm.DB { return tx.Raw(sql, args...).Scan(&[]memberRow{}) })
	}
	total := int64(-1)
	if st.count != "" {
		if err := db.Raw(st.count, st.countArgs...).Scan(&total).Error; err != nil {
			return "", "", translate(err)
		}
		count = text(st.count, st.countArgs)
	}
	return count, text(st.pageFor(total), st.pageArgs), nil
}

// memberKeyset is the WHERE of the rows between the page's cursors, in the
// order of q (whichever way the page is read): after the AfterKey cursor and
// before the BeforeKey cursor. "Before a cursor" is "after it" in the
// opposite direction, which for the last-active order is the exact reverse
// too: never-active people come first ascending and last descending.
func memberKeyset(spec orderSpec, q models.MemberQuery, p models.PageRequest) (string, []any, error) {
	var where string
	var args []any
	for _, c := range []struct {
		field, cursor string
		desc          bool
	}{{"after", p.AfterKey, q.Desc}, {"before", p.BeforeKey, !q.Desc}} {
		if c.cursor == "" {
			continue
		}
		vals, id, err := decodeMemberCursor(c.cursor, c.field, q.Order, q.Desc)
		if err != nil {
			return "", nil, err
		}
		var cond string
		var condArgs []any
		if q.Order == models.MemberOrderLastActive {
			cond, condArgs = lastActiveAfter(vals[0].(time.Time), id, c.desc)
		} else {
			cmp := ">"
			if c.desc {
				cmp = "<"
			}
			cond, condArgs = keysetCondition(spec.compare, append(vals, id), cmp)
		}
		where += " AND " + cond
		args = append(args, condArgs...)
	}
	return where, args, nil
}

// memberConditions is the WHERE of an account's effective members: a
// membership on the account or an ancestor with no closer one for the same
// person, then the search and role filters.
func memberConditions(chain []int64, q models.MemberQuery) (string, []any, error) {
	closeness := "CASE %s.account_id"
	for i, id := range chain {
		closeness += fmt.Sprintf(" WHEN %d THEN %d", id, i)
	}
	closeness += " END"
	where := "m.account_id IN ?"
	args := []any{chain}
	if len(chain) > 1 {
		where += " AND NOT EXISTS (SELECT 1 FROM memberships m2 WHERE m2.user_id = m.user_id AND m2.account_id IN ? AND " +
			fmt.Sprintf(closeness, "m2") + " < " + fmt.Sprintf(closeness, "m") + ")"
		args = append(args, chain)
	}
	if len(q.Roles) > 0 {
		for _, r := range q.Roles {
			if !r.Valid() {
				return "", nil, models.InvalidInput("roles", "unknown role %q", r)
			}
		}
		ranks := make([]int, len(q.Roles))
		for i, r := range q.Roles {
			ranks[i] = r.Rank()
		}
		where += " AND m.role_rank IN ?"
		args = append(args, ranks)
	}
	// Id lists are written inline (they are integers): a list of online
	// people can outgrow the 65,535 placeholders of a prepared statement.
	if q.UserIDsIn != nil {
		if len(q.UserIDsIn) == 0 {
			where += " AND 1 = 0"
		} else {
			where += " AND m.user_id IN (" + joinIDs(q.UserIDsIn) + ")"
		}
	}
	if len(q.UserIDsNotIn) > 0 {
		where += " AND m.user_id NOT IN (" + joinIDs(q.UserIDsNotIn) + ")"
	}
	if q.HideSuspended {
		where += " AND " + notSuspended
	}
	return where, args, nil
}

// FindOrganizationMembers lists the people in an organization's directory
// (any member of it may look), by email, with keyset pagination on (email,
// user id) either way; p.AfterKey and p.BeforeKey are cursors of the EMAIL
// ASC member order.
func (s *Store) FindOrganizationMembers(ctx context.Context, orgID int64, search string, p models.PageRequest) (models.Page[models.Edge[*models.DirectoryMember]], error) {
	var page models.Page[models.Edge[*models.DirectoryMember]]
	sc, err := s.loadScope(ctx, s.conn(ctx), orgID)
	if err != nil {
		return page, translate(err)
	}
	// Owners and admins (at the root) see the suspended, marked; others
	// see the directory without them.
	hide := !models.CanSeeSuspended(sc.viewerAccess(sc.rootID()))
	sq, err := parseMemberSearch(orgID, search)
	if err != nil {
		return page, err
	}
	base := func(db *gorm.DB) *gorm.DB {
		q := db.Model(&models.User{}).Joins("JOIN organization_members om ON om.user_id = users.id AND om.organization_id = ?", orgID)
		if hide {
			q = q.Where("om.suspended_at IS NULL")
		}
		if sq.Nobody {
			q = q.Where("1 = 0")
		}
		if sq.any() {
			q = q.Where("users.id IN (SELECT s.user_id FROM directory_search s WHERE "+sq.driven+")", sq.drivenArgs...)
		}
		return q
	}
	var where []func(q *gorm.DB) *gorm.DB
	for _, c := range []struct{ field, cursor, cmp string }{{"after", p.AfterKey, ">"}, {"before", p.BeforeKey, "<"}} {
		if c.cursor == "" {
			continue
		}
		vals, id, err := decodeMemberCursor(c.cursor, c.field, models.MemberOrderEmail, false)
		if err != nil {
			return page, err
		}
		cmp := c.cmp
		where = append(where, func(q *gorm.DB) *gorm.DB {
			return q.Where("(users.email_lower, users.id) "+cmp+" (?, ?)", vals[0], id)
		})
	}
	order := "users.email_lower" // unique: see memberOrder
	if p.Backward {
		order = "users.email_lower DESC"
	}
	var rows []*struct {
		models.User
		KS *time.Time
	}
	// The scope above was read on the primary; the directory itself may
	// come from a read replica.
	err = s.replicaRead(ctx, func(db *gorm.DB) error {
		rows = nil
		if err := base(db).Count(&page.Total).Error; err != nil {
			return err
		}
		q := base(db)
		for _, w := range where {
			q = w(q)
		}
		return q.Select("users.*, om.suspended_at AS ks").Order(order).Limit(p.First + 1).Scan(&rows).Error
	})
	if err != nil {
		return page, translate(err)
	}
	rows, page.HasPrevious, page.HasNext = models.Cut(p, rows)
	spec, _ := memberOrder(s.Dialect, models.MemberOrderEmail)
	for _, r := range rows {
		u := &r.User
		page.Rows = append(page.Rows, models.Edge[*models.DirectoryMember]{Node: &models.DirectoryMember{User: u, SuspendedAt: r.KS},
			Cursor: encodeMemberCursor(models.MemberOrderEmail, false, &memberRow{Membership: models.Membership{UserID: u.ID}, K1: u.EmailLower}, spec)})
	}
	return page, nil
}

// EffectiveMemberIDs lists the people with access (direct or inherited) to
// an account the viewer can see, but those suspended in the organization:
// the people a presence subscription watches.
func (s *Store) EffectiveMemberIDs(ctx context.Context, accountID int64) ([]int64, error) {
	sc, acct, err := s.readScopeOfAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !sc.viewerCanSee(acct.ID) {
		return nil, models.ErrNoAccess
	}
	where, args, err := memberConditions(sc.chain(acct.ID), models.MemberQuery{HideSuspended: true})
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.conn(ctx).Raw("SELECT m.user_id FROM memberships m WHERE "+where, args...).Scan(&ids).Error
	return ids, translate(err)
}

func joinIDs(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}
