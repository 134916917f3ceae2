package db_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	_ "github.com/glebarez/go-sqlite" // raw access to the test's SQLite file

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

const seedTestPassword = "correct horse battery"

func seedCount(t *testing.T, conn *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestSeedOrganization(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, err := db.Open(ctx, store.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()

		var mu sync.Mutex
		last := map[string][2]int{}
		spec := db.SeedSpec{
			OrgName: "Société Générale d'Essai", OwnerEmail: "Owner@Example.com", Password: seedTestPassword,
			Accounts: 4, Members: 500, PendingInvitations: 50, ContactsPerAccount: 20, BatchSize: 128, Seed: 7,
		}
		res, err := d.SeedOrganization(ctx, spec, func(stage string, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if prev := last[stage]; done <= prev[0] {
				t.Errorf("%s progress went from %d to %d", stage, prev[0], done)
			}
			last[stage] = [2]int{done, total}
		})
		if err != nil {
			t.Fatal(err)
		}
		for stage, want := range map[string]int{db.SeedStageMembers: 500, db.SeedStageInvitations: 50, db.SeedStageContacts: 80} {
			if got := last[stage]; got != [2]int{want, want} {
				t.Errorf("last %s progress = %v, want %d of %d", stage, got, want, want)
			}
		}
		if res.Members != 500 || res.Invitations != 50 || res.Contacts != 80 || len(res.AccountIDs) != 4 || res.AccountIDs[0] != res.RootAccountID {
			t.Fatalf("result = %+v", res)
		}

		conn := testenv.OpenSQL(t, store)
		org := res.OrganizationID
		counts := map[string]int{
			"SELECT COUNT(*) FROM organizations":                                                1,
			"SELECT COUNT(*) FROM accounts WHERE organization_id = ?":                           4,
			"SELECT COUNT(*) FROM accounts WHERE organization_id = ? AND parent_id IS NULL":     1,
			"SELECT COUNT(*) FROM users":                                                        501,
			"SELECT COUNT(*) FROM email_claims":                                                 501,
			"SELECT COUNT(*) FROM organization_members WHERE organization_id = ?":               501,
			"SELECT COUNT(*) FROM memberships WHERE organization_id = ?":                        res.Memberships,
			"SELECT COUNT(*) FROM invitations WHERE organization_id = ? AND status = 'PENDING'": 50,
			"SELECT COUNT(*) FROM contacts WHERE organization_id = ?":                           80,
		}
		for q, want := range counts {
			var args []any
			if strings.Contains(q, "?") {
				args = append(args, org)
			}
			if got := seedCount(t, conn, q, args...); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		if res.Memberships < 501 || res.Memberships > 1001 {
			t.Errorf("memberships = %d, want one per person plus some second accounts", res.Memberships)
		}
		links := seedCount(t, conn, "SELECT COUNT(*) FROM invitation_accounts")
		if links < 50 || links > 100 {
			t.Errorf("invitation_accounts = %d, want 50 to 100", links)
		}
		if n := seedCount(t, conn, "SELECT COUNT(*) FROM invitations i WHERE NOT EXISTS (SELECT 1 FROM invitation_accounts a WHERE a.invitation_id = i.id)"); n != 0 {
			t.Errorf("%d invitations grant no account", n)
		}
		tables := 1 + 4 + 501*3 + res.Memberships + 50 + links + 80 + seedCount(t, conn, "SELECT COUNT(*) FROM audit_events")
		if res.Rows != tables {
			t.Errorf("result rows = %d, tables hold %d", res.Rows, tables)
		}

		// Emails: unique, lower-cased key, each claimed by its user.
		if n := seedCount(t, conn, "SELECT COUNT(DISTINCT email_lower) FROM users"); n != 501 {
			t.Errorf("distinct emails = %d, want 501", n)
		}
		if n := seedCount(t, conn, "SELECT COUNT(*) FROM users u JOIN email_claims c ON c.email_lower = u.email_lower AND c.user_id = u.id"); n != 501 {
			t.Errorf("users with their email claimed = %d, want 501", n)
		}
		rows, err := conn.Query("SELECT email, email_lower, first_name, last_name FROM users")
		if err != nil {
			t.Fatal(err)
		}
		var nonASCII, mixedCase int
		for rows.Next() {
			var email, key, first, last string
			if err := rows.Scan(&email, &key, &first, &last); err != nil {
				t.Fatal(err)
			}
			if key != models.EmailKey(email) {
				t.Errorf("email_lower of %q = %q", email, key)
			}
			if _, err := models.NormalizeEmail(email); err != nil {
				t.Errorf("generated email %q: %v", email, err)
			}
			if email != key {
				mixedCase++
			}
			if utf8.RuneCountInString(first+last) != len(first+last) {
				nonASCII++
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if nonASCII < 50 || mixedCase == 0 {
			t.Errorf("names with non-ASCII letters = %d, mixed-case emails = %d: want a varied population", nonASCII, mixedCase)
		}

		// Every member is in the directory and holds access to an account.
		if n := seedCount(t, conn, "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM organization_members m WHERE m.user_id = u.id AND m.organization_id = ?)", org); n != 0 {
			t.Errorf("%d users without an organization_members row", n)
		}
		if n := seedCount(t, conn, "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)"); n != 0 {
			t.Errorf("%d users without a membership", n)
		}
		for role, min := range map[models.Role]int{models.RoleAdmin: 1, models.RoleManager: 20, models.RoleAgent: 400} {
			if n := seedCount(t, conn, "SELECT COUNT(*) FROM memberships WHERE role = ? AND role_rank = ?", string(role), role.Rank()); n < min {
				t.Errorf("%d %s memberships, want at least %d", n, role, min)
			}
		}
		if n := seedCount(t, conn, "SELECT COUNT(*) FROM memberships WHERE role IN ('OWNER', 'ADMIN') AND (restrict_assigned_contacts_only <> 0 OR restrict_data_export_blocked <> 0)"); n != 0 {
			t.Errorf("%d owner or admin memberships carry restrictions", n)
		}
		var ownerID int64
		var perms, products string
		err = conn.QueryRow("SELECT u.id, m.permissions, m.products FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email_lower = ? AND m.account_id = ? AND m.role = 'OWNER'",
			"owner@example.com", res.RootAccountID).Scan(&ownerID, &perms, &products)
		if err != nil {
			t.Fatalf("owner membership on the root account: %v", err)
		}
		if ownerID != res.OwnerUserID || perms != "BILLING_MANAGER" || products != `["campaigns","contacts","inbox","reports"]` {
			t.Errorf("owner %d (want %d) permissions %q products %s", ownerID, res.OwnerUserID, perms, products)
		}

		// Invitations: some already expired, some still open.
		expired := seedCount(t, conn, "SELECT COUNT(*) FROM invitations WHERE expires_at < ?", d.Now())
		if expired == 0 || expired == 50 {
			t.Errorf("%d of 50 invitations expired, want some", expired)
		}
		// Contacts: about half assigned, each to a member of its account.
		assigned := seedCount(t, conn, "SELECT COUNT(*) FROM contacts WHERE assignee_id IS NOT NULL")
		if assigned < 20 || assigned > 60 {
			t.Errorf("%d of 80 contacts assigned, want about half", assigned)
		}
		if n := seedCount(t, conn, "SELECT COUNT(*) FROM contacts c WHERE c.assignee_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = c.account_id AND m.user_id = c.assignee_id)"); n != 0 {
			t.Errorf("%d contacts assigned to someone without access to their account", n)
		}

		// A generated member signs in with the shared password.
		var email string
		if err := conn.QueryRow("SELECT email FROM users WHERE id <> ? ORDER BY id DESC LIMIT 1", res.OwnerUserID).Scan(&email); err != nil {
			t.Fatal(err)
		}
		public, _ := url.Parse("http://x")
		s := db.NewStore(d, db.Options{PublicURL: public, Products: []models.Product{{Key: "inbox", Name: "Inbox"}, {Key: "contacts", Name: "Contacts"}}})
		auth, err := s.SignIn(ctx, models.SignInInput{Email: strings.ToUpper(email), Password: seedTestPassword, DeviceName: "seed test"})
		if err != nil {
			t.Fatalf("sign in as %s: %v", email, err)
		}
		if auth.User.Email != email || auth.Token == "" {
			t.Errorf("signed in as %q with token %q, want %q", auth.User.Email, auth.Token, email)
		}
		if _, err := s.SignIn(ctx, models.SignInInput{Email: email, Password: seedTestPassword + "!"}); models.ErrorCode(err) != models.ErrorCode(models.ErrInvalidCredentials) {
			t.Errorf("wrong password: %v", err)
		}

		// A second organization fits in the same store; the same owner
		// email is refused.
		again := db.SeedSpec{OrgName: "Second", OwnerEmail: "second@example.com", Password: seedTestPassword,
			Accounts: 2, Members: 30, PendingInvitations: 5, ContactsPerAccount: -1, Seed: 7}
		res2, err := d.SeedOrganization(ctx, again, nil)
		if err != nil {
			t.Fatalf("second organization: %v", err)
		}
		if res2.OrganizationID == org || res2.Contacts != 0 {
			t.Errorf("second result = %+v", res2)
		}
		again.OrgName = "Third"
		if _, err := d.SeedOrganization(ctx, again, nil); models.ErrorCode(err) != models.CodeConflict {
			t.Errorf("seed with a taken owner email: %v, want CONFLICT", err)
		}
		if n := seedCount(t, conn, "SELECT COUNT(*) FROM organizations"); n != 2 {
			t.Errorf("organizations after a refused seed = %d, want 2", n)
		}
	})
}
