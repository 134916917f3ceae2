package db_test

import (
	"context"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// WatchableAccount (a live subscription's admission) decides exactly as
// FindAccount for every kind of viewer and account: owner, admin, a manager
// and an agent on sub-accounts (direct and inherited, restricted or not),
// a member without access, someone revoked, someone of another
// organization, and accounts of another organization or none at all.
func TestWatchableAccountAgreesWithFindAccount(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		_, s := openStore(t, store)
		owner, _, root := signUpOrg(t, s, "Acme", "owner@example.com")
		_, _, otherRoot := signUpOrg(t, s, "Other", "other@example.com")
		as := func(userID int64) context.Context {
			return models.WithViewer(ctx, &models.Viewer{UserID: userID})
		}
		create := func(parent int64, name string) int64 { return createAccount(t, s, owner.User.ID, parent, name) }
		sub := create(root, "Support")
		subsub := create(sub, "Tier 2")
		sales := create(root, "Sales")
		seed := func(account int64, email string, g models.Grant) int64 { return seedMember(t, s, account, email, g) }
		viewers := map[string]int64{
			"owner":              owner.User.ID,
			"admin":              seed(root, "admin@example.com", models.Grant{Role: models.RoleAdmin}),
			"manager on sub":     seed(sub, "manager@example.com", models.Grant{Role: models.RoleManager}),
			"restricted manager": seed(sub, "rm@example.com", models.Grant{Role: models.RoleManager, Restrictions: models.Restrictions{AssignedContactsOnly: true, DataExportBlocked: true}}),
			"agent on tier 2":    seed(subsub, "agent@example.com", models.Grant{Role: models.RoleAgent}),
			"agent in sales":     seed(sales, "sales@example.com", models.Grant{Role: models.RoleAgent}),
			"other org":          seed(otherRoot, "else@example.com", models.Grant{Role: models.RoleAdmin}),
		}
		revoked := seed(sub, "revoked@example.com", models.Grant{Role: models.RoleAgent})
		seed(sales, "revoked@example.com", models.Grant{Role: models.RoleAgent})
		if _, _, err := s.RevokeAccess(as(owner.User.ID), sub, revoked, nil); err != nil {
			t.Fatal(err)
		}
		viewers["revoked from sub"] = revoked

		outcomes := map[models.Code]int{}
		accounts := map[string]int64{"root": root, "sub": sub, "tier 2": subsub, "sales": sales, "other root": otherRoot, "missing": 1 << 40}
		for vn, vid := range viewers {
			for an, aid := range accounts {
				// Twice: the second answer comes from the cached chain.
				for range 2 {
					acct, ferr := s.FindAccount(as(vid), aid)
					org, werr := s.WatchableAccount(as(vid), aid)
					if models.ErrorCode(ferr) != models.ErrorCode(werr) {
						t.Fatalf("%s on %s: FindAccount %v, WatchableAccount %v", vn, an, ferr, werr)
					}
					outcomes[models.ErrorCode(werr)]++
					if ferr == nil && org != acct.OrganizationID {
						t.Fatalf("%s on %s: organization %d, want %d", vn, an, org, acct.OrganizationID)
					}
				}
			}
		}
		for _, c := range []models.Code{"", models.CodeForbidden, models.CodeNotFound} {
			if outcomes[c] == 0 {
				t.Fatalf("no case answered %q: %v", c, outcomes)
			}
		}
	})
}
