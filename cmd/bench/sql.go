package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	_ "github.com/glebarez/go-sqlite" // database/sql driver "sqlite", the one under the store's GORM dialector
	_ "github.com/go-sql-driver/mysql"

	"github.com/rollcall/rollcall/db"
)

// rawStore runs a page's statements directly through database/sql, on a
// pool sized like the store's (db.Open: 50 connections on MySQL, 4 on
// SQLite; idle ones kept, so the ceiling is not lowered by reconnects).
type rawStore struct {
	db    *sql.DB
	mysql bool
}

// rawStatements are the text of one page's statements as the store sends
// them (db.Store.MembersPageSQL): count is empty when the store does not
// count.
type rawStatements struct{ count, page string }

// rawPage is what one request of the raw path returned.
type rawPage struct {
	total   int64 // -1 without a count
	userIDs []int64
	hasNext bool
}

// openRaw opens the raw path's pool with the DSN the store builds: on
// MySQL db.MySQLDSN (arguments interpolated by the driver, as the text from
// MembersPageSQL already is), on SQLite the pragmas of db.Open.
func openRaw(t target) (*rawStore, error) {
	if t.mysql {
		dsn, err := db.MySQLDSN(t.url)
		if err != nil {
			return nil, err
		}
		d, err := sql.Open("mysql", dsn)
		if err != nil {
			return nil, err
		}
		d.SetMaxOpenConns(50)
		d.SetMaxIdleConns(50)
		return &rawStore{db: d, mysql: true}, nil
	}
	path, query, _ := strings.Cut(strings.TrimPrefix(t.url, "sqlite:"), "?")
	q, _ := url.ParseQuery(query)
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	d, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	d.SetMaxOpenConns(4)
	d.SetMaxIdleConns(4)
	return &rawStore{db: d}, nil
}

func (r *rawStore) version(ctx context.Context) (string, error) {
	q := "SELECT VERSION()"
	if !r.mysql {
		q = "SELECT 'SQLite ' || sqlite_version()"
	}
	var v string
	if err := r.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return "", fmt.Errorf("connect to the database: %w", err)
	}
	return v, nil
}

// fetch runs one page request as the node does for the benchmark's query:
// the count, the page, and, when the page statement does not read the
// people itself (no u__* columns, stores before f880bc4), the user loader's
// batch of the page's people and inviters (deduplicated, as the loader
// did). The page statement reads first+1 rows; the extra one says a next
// page exists.
func (r *rawStore) fetch(ctx context.Context, st rawStatements, first int) (*rawPage, error) {
	out := &rawPage{total: -1}
	if st.count != "" {
		if err := r.db.QueryRowContext(ctx, st.count).Scan(&out.total); err != nil {
			return nil, fmt.Errorf("count: %w", err)
		}
	}
	rows, err := r.db.QueryContext(ctx, st.page)
	if err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	iUser, iInviter := slices.Index(cols, "user_id"), slices.Index(cols, "invited_by_id")
	if iUser < 0 || iInviter < 0 {
		rows.Close()
		return nil, fmt.Errorf("page: unexpected columns %v", cols)
	}
	// The node primes its user loader with the people a page reads, and
	// batches inviters only for invitedBy, which the benchmark does not ask.
	batch := !slices.Contains(cols, "u__id")
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var ids []int64
	seen := map[int64]bool{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		uid, err := strconv.ParseInt(string(vals[iUser]), 10, 64)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("page: user_id %q: %w", vals[iUser], err)
		}
		if len(out.userIDs) == first {
			out.hasNext = true // the extra row: not part of the page
			continue
		}
		out.userIDs = append(out.userIDs, uid)
		if !seen[uid] {
			seen[uid] = true
			ids = append(ids, uid)
		}
		if vals[iInviter] != nil {
			if inv, err := strconv.ParseInt(string(vals[iInviter]), 10, 64); err == nil && !seen[inv] {
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
	if !batch || len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	urows, err := r.db.QueryContext(ctx, "SELECT * FROM `users` WHERE id IN "+in, args...)
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

// explain returns the plan of a statement as a markdown table: EXPLAIN on
// MySQL/MariaDB, EXPLAIN QUERY PLAN on SQLite.
func (r *rawStore) explain(ctx context.Context, stmt string) (string, error) {
	prefix := "EXPLAIN "
	if !r.mysql {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := r.db.QueryContext(ctx, prefix+stmt)
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
