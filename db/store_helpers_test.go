package db_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

// openStore opens store's database for the test (closed at its end) and
// the services over it, with sign-up open and mail rendered.
func openStore(t *testing.T, store testenv.Store) (*db.DB, *db.Store) {
	t.Helper()
	d, err := db.Open(context.Background(), store.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	u, _ := url.Parse("http://localhost:8080")
	return d, db.NewStore(d, db.Options{PublicURL: u, SignupEnabled: true, Mail: mailer.NewRenderer()})
}

// signUpOrg signs email up with a new organization named org and returns
// the owner's answer, the organization and its root account.
func signUpOrg(t *testing.T, s *db.Store, org, email string) (owner *models.AuthResult, orgID, rootID int64) {
	t.Helper()
	ctx := context.Background()
	res, err := s.SignUp(ctx, models.SignUpInput{OrganizationName: org, Email: email, Password: "correct horse battery", FirstName: "A"})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := s.FindOrganizationsOfUser(ctx, res.User.ID)
	if err != nil || len(orgs) != 1 {
		t.Fatalf("orgs %v %v", orgs, err)
	}
	roots, err := s.FindRootAccounts(ctx, []int64{orgs[0].ID})
	if err != nil || len(roots) != 1 {
		t.Fatalf("roots %v %v", roots, err)
	}
	return res, orgs[0].ID, roots[0].ID
}

// createAccount creates the account name under parent as ownerID.
func createAccount(t *testing.T, s *db.Store, ownerID, parent int64, name string) int64 {
	t.Helper()
	a, err := s.CreateAccount(models.WithViewer(context.Background(), &models.Viewer{UserID: ownerID}), parent, name)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// seedMember gives email (a new person unless they exist) grant g on account.
func seedMember(t *testing.T, s *db.Store, account int64, email string, g models.Grant) int64 {
	t.Helper()
	u, err := s.SeedMember(context.Background(), account, email, "correct horse battery", "M", email, g)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// seededOrg opens store's database (as openStore) with an organization of
// members generated people over accounts accounts, and a context carrying
// its owner as the viewer.
func seededOrg(t *testing.T, store testenv.Store, members, accounts int) (context.Context, *db.DB, *db.Store, *db.SeedResult) {
	t.Helper()
	d, s := openStore(t, store)
	res, err := d.SeedOrganization(context.Background(), db.SeedSpec{Members: members, Accounts: accounts, PendingInvitations: -1, ContactsPerAccount: -1, Password: "correct horse battery"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return models.WithViewer(context.Background(), &models.Viewer{UserID: res.OwnerUserID}), d, s, res
}

// walkMembers reads every page of first rows of an account's members, from
// the start (`first`, `after`) or from the end (`last`, `before`), and
// returns the people in the list's order and the last page's total. A
// backward page has a next page exactly when it was read before a cursor.
func walkMembers(t *testing.T, ctx context.Context, s *db.Store, account int64, q models.MemberQuery, first int, backward bool) (ids []int64, total int64) {
	t.Helper()
	cursor := ""
	for i := 0; i < 500; i++ {
		p := models.PageRequest{First: first, AfterKey: cursor}
		if backward {
			p = models.PageRequest{First: first, Backward: true, BeforeKey: cursor}
		}
		page, err := s.FindMembers(ctx, account, q, p)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		var rows []int64
		for _, e := range page.Rows {
			rows = append(rows, e.Node.UserID)
		}
		total = page.Total
		if !backward {
			ids = append(ids, rows...)
			if !page.HasNext {
				return ids, total
			}
			cursor = page.Rows[len(page.Rows)-1].Cursor
			continue
		}
		ids = append(rows, ids...)
		if page.HasNext != (cursor != "") {
			t.Fatalf("%+v: backward page before %q: hasNext %v", q, cursor, page.HasNext)
		}
		if !page.HasPrevious {
			return ids, total
		}
		cursor = page.Rows[0].Cursor
	}
	t.Fatal("too many pages")
	return nil, 0
}
