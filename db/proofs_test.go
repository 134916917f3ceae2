package db_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // raw access to the test's SQLite file
	_ "github.com/go-sql-driver/mysql"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
)

// upSection is the statement of a goose file's Up section.
func upSection(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	up, _, _ := strings.Cut(string(raw), "-- +goose Down")
	return strings.TrimPrefix(strings.TrimSpace(up), "-- +goose Up")
}

// The backfill of existing identities counts a login email as proven only
// where the database holds the proof.
func TestEmailVerifiedBackfill(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, err := db.Open(ctx, store.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		conn := testenv.OpenSQL(t, store)
		now := time.Now().UTC().Truncate(time.Second)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := conn.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		users := []struct {
			id    int
			email string
			want  bool
		}{
			{1, "signed.up@example.com", false},    // sign-up proved nothing
			{2, "invited@example.com", true},       // invitation mailed to the login email
			{3, "ceo@victim.example", false},       // invitation mailed to another address
			{4, "changed@example.com", true},       // confirmed email change to it
			{5, "same.case@example.com", true},     // communication email = the login email
			{6, "changed.away@example.com", false}, // confirmed a change to another address
		}
		for _, u := range users {
			exec("INSERT INTO users (id, email, email_lower, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", u.id, u.email, u.email, now, now)
		}
		invite := func(id int, email string, comm *string, acceptedBy int) {
			exec(`INSERT INTO invitations (id, organization_id, email, email_lower, communication_email, role, products, status, token_hash,
				accepted_user_id, created_at, updated_at, expires_at, last_sent_at, accepted_at)
				VALUES (?, 1, ?, ?, ?, 'AGENT', '', 'ACCEPTED', ?, ?, ?, ?, ?, ?, ?)`,
				id, email, email, comm, strings.Repeat("0", 63)+string(rune('0'+id)), acceptedBy, now, now, now, now, now)
		}
		evil, same := "mallory@evil.example", "Same.Case@example.com"
		invite(1, "invited@example.com", nil, 2)
		invite(2, "ceo@victim.example", &evil, 3)
		invite(3, "same.case@example.com", &same, 5)
		change := func(user int, email string, i int) {
			exec(`INSERT INTO email_changes (user_id, new_email, new_email_lower, token_hash, created_at, expires_at, used_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, user, email, email, strings.Repeat("1", 63)+string(rune('0'+i)), now, now, now)
		}
		change(4, "changed@example.com", 1)
		change(6, "elsewhere@example.com", 2)

		exec("UPDATE users SET email_verified_at = NULL")
		exec(upSection(t, "migrations/"+store.Name+"/00031_users_email_verified_backfill.sql"))
		for _, u := range users {
			var at sql.NullString
			if err := conn.QueryRowContext(ctx, "SELECT email_verified_at FROM users WHERE id = ?", u.id).Scan(&at); err != nil {
				t.Fatal(err)
			}
			if at.Valid != u.want {
				t.Errorf("%s: proven = %v, want %v", u.email, at.Valid, u.want)
			}
		}
	})
}
