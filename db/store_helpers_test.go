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
