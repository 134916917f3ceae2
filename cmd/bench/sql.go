package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// rawStore runs, through database/sql and go-sql-driver/mysql, the same
// statements the store runs for one members page in the default order
// (NAME ASC) on MySQL: the count and page queries of db.FindMembers (as
// built by memberConditions and memberOrder: first name, last name, id in
// the columns' case-insensitive collation, the order of the users_name
// index) and the users batch of the
// request's user loader (db.FindUsersByIDs). Arguments are sent as
// placeholders, as GORM does (the DSN from db.MySQLDSN does not interpolate,
// so every statement is prepared and executed on the server, like the
// node's).
type rawStore struct {
	db    *sql.DB
	chain []int64 // the account, then its ancestors
}

// rawPage is what one request of the raw path returned.
type rawPage struct {
	total   int64
	userIDs []int64 // in page order
	hasNext bool
	// last row's keyset values, for the next page
	k1, k2 string
	lastID int64
}

// accountChain returns the account and its ancestors, nearest first.
func accountChain(ctx context.Context, db *sql.DB, accountID int64) ([]int64, error) {
	var chain []int64
	for id := accountID; id != 0 && len(chain) < 16; {
		chain = append(chain, id)
		var parent sql.NullInt64
		if err := db.QueryRowContext(ctx, "SELECT parent_id FROM accounts WHERE id = ?", id).Scan(&parent); err != nil {
			return nil, fmt.Errorf("account %d: %w", id, err)
		}
		id = parent.Int64
	}
	return chain, nil
}

func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// likeEscaper is db's escaping of LIKE patterns (ESCAPE '!').
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// conditions mirrors db.memberConditions for a search filter (no role filter).
func (r *rawStore) conditions(search string) (string, []any) {
	in := placeholders(len(r.chain))
	where := "m.account_id IN " + in
	args := int64Args(r.chain)
	if len(r.chain) > 1 {
		closeness := "CASE %s.account_id"
		for i, id := range r.chain {
			closeness += fmt.Sprintf(" WHEN %d THEN %d", id, i)
		}
		closeness += " END"
		where += " AND NOT EXISTS (SELECT 1 FROM memberships m2 WHERE m2.user_id = m.user_id AND m2.account_id IN " + in + " AND " +
			fmt.Sprintf(closeness, "m2") + " < " + fmt.Sprintf(closeness, "m") + ")"
		args = append(args, int64Args(r.chain)...)
	}
	if search = strings.TrimSpace(search); search != "" {
		pat := "%" + likeEscaper.Replace(strings.ToLower(search)) + "%"
		where += " AND (LOWER(u.first_name) LIKE ? ESCAPE '!' OR LOWER(u.last_name) LIKE ? ESCAPE '!' OR LOWER(u.display_name) LIKE ? ESCAPE '!' OR u.email_lower LIKE ? ESCAPE '!')"
		args = append(args, pat, pat, pat, pat)
	}
	return where, args
}

// statements returns the count query, the page query and their arguments
// for a page of first rows in NAME ASC order, after the keyset (k1, k2, id)
// when after is set.
func (r *rawStore) statements(search string, first int, after *rawPage, total int64) (count string, countArgs []any, page string, pageArgs []any) {
	where, args := r.conditions(search)
	countFrom := " FROM memberships m WHERE " + where
	if strings.TrimSpace(search) != "" {
		countFrom = " FROM memberships m JOIN users u ON u.id = m.user_id WHERE " + where
	}
	count = "SELECT COUNT(*)" + countFrom
	pageWhere := ""
	pageArgs = slices.Clone(args)
	if after != nil {
		pageWhere = " AND (u.first_name > ? OR (u.first_name = ? AND (u.last_name > ? OR (u.last_name = ? AND u.id > ?))))"
		pageArgs = append(pageArgs, after.k1, after.k1, after.k2, after.k2, after.lastID)
	}
	// db.FindMembers reads large accounts (over 2,000 members) from the
	// users_name index in order.
	from, hint := " FROM memberships m JOIN users u ON u.id = m.user_id WHERE "+where, ""
	if total > 2000 {
		from, hint = " FROM users u FORCE INDEX (users_name) JOIN memberships m ON m.user_id = u.id WHERE "+where, "STRAIGHT_JOIN "
	}
	page = "SELECT " + hint + "m.*, u.first_name AS k1, u.last_name AS k2" + from + pageWhere +
		" ORDER BY u.first_name ASC, u.last_name ASC, u.id ASC LIMIT ?"
	pageArgs = append(pageArgs, first+1)
	return count, args, page, pageArgs
}

// fetch runs one page request: count, page, then the users batch of the
// page's people and inviters (deduplicated, as the loader does).
func (r *rawStore) fetch(ctx context.Context, search string, first int, after *rawPage) (*rawPage, error) {
	out := &rawPage{}
	count, countArgs, _, _ := r.statements(search, first, after, 0)
	if err := r.db.QueryRowContext(ctx, count, countArgs...).Scan(&out.total); err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	_, _, page, pageArgs := r.statements(search, first, after, out.total)
	rows, err := r.db.QueryContext(ctx, page, pageArgs...)
	if err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	iUser, iInviter, iK1, iK2 := slices.Index(cols, "user_id"), slices.Index(cols, "invited_by_id"), slices.Index(cols, "k1"), slices.Index(cols, "k2")
	if iUser < 0 || iInviter < 0 || iK1 < 0 || iK2 < 0 {
		rows.Close()
		return nil, fmt.Errorf("page: unexpected columns %v", cols)
	}
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var ids []int64
	seen := map[int64]bool{}
	type key struct{ k1, k2 string }
	var keys []key
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		var uid int64
		if _, err := fmt.Sscan(string(vals[iUser]), &uid); err != nil {
			rows.Close()
			return nil, err
		}
		out.userIDs = append(out.userIDs, uid)
		keys = append(keys, key{string(vals[iK1]), string(vals[iK2])})
		if !seen[uid] {
			seen[uid] = true
			ids = append(ids, uid)
		}
		if vals[iInviter] != nil {
			var inv int64
			if _, err := fmt.Sscan(string(vals[iInviter]), &inv); err == nil && !seen[inv] {
				seen[inv] = true
				ids = append(ids, inv)
			}
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out.userIDs) > first {
		out.userIDs, keys, out.hasNext = out.userIDs[:first], keys[:first], true
	}
	if n := len(out.userIDs); n > 0 {
		out.k1, out.k2, out.lastID = keys[n-1].k1, keys[n-1].k2, out.userIDs[n-1]
	}
	if len(ids) == 0 {
		return out, nil
	}
	urows, err := r.db.QueryContext(ctx, "SELECT * FROM `users` WHERE id IN "+placeholders(len(ids)), int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer urows.Close()
	ucols, err := urows.Columns()
	if err != nil {
		return nil, err
	}
	uvals := make([]sql.RawBytes, len(ucols))
	udest := make([]any, len(ucols))
	for i := range uvals {
		udest[i] = &uvals[i]
	}
	n := 0
	for urows.Next() {
		if err := urows.Scan(udest...); err != nil {
			return nil, err
		}
		n++
	}
	if err := urows.Err(); err != nil {
		return nil, err
	}
	if n != len(ids) {
		return nil, fmt.Errorf("users: %d of %d found", n, len(ids))
	}
	return out, nil
}

// explain returns MariaDB/MySQL's EXPLAIN of a statement as a markdown table.
func explain(ctx context.Context, db *sql.DB, stmt string, args []any) (string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN "+stmt, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| " + strings.Join(cols, " | ") + " |\n|" + strings.Repeat(" --- |", len(cols)) + "\n")
	vals := make([]sql.NullString, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return "", err
		}
		cells := make([]string, len(cols))
		for i, v := range vals {
			cells[i] = "NULL"
			if v.Valid {
				cells[i] = strings.ReplaceAll(v.String, "|", "\\|")
			}
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String(), rows.Err()
}
