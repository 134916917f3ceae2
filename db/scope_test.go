package db_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// The viewer's scope, read in one statement, decides as the five reads it
// replaced did: NOT_FOUND outside the viewer's organizations (and for ids
// that do not exist), and otherwise the same organization, accounts and
// memberships of the viewer, for every kind of viewer and every account.
func TestScopeInOneStatementDecidesAsBefore(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, s := openStore(t, store)
		as := func(userID int64) context.Context {
			return models.WithViewer(ctx, &models.Viewer{UserID: userID})
		}
		ownerRes, org, root := signUpOrg(t, s, "Acme", "owner@example.com")
		otherRes, otherOrg, otherRoot := signUpOrg(t, s, "Other", "other@example.com")
		owner, otherOwner := ownerRes.User.ID, otherRes.User.ID
		sales := createAccount(t, s, owner, root, "Sales")
		emea := createAccount(t, s, owner, sales, "EMEA")
		support := createAccount(t, s, owner, root, "Support")
		grant := func(account int64, email string, role models.Role) int64 {
			return seedMember(t, s, account, email, models.Grant{Role: role})
		}
		admin := grant(root, "admin@example.com", models.RoleAdmin)
		manager := grant(sales, "manager@example.com", models.RoleManager)
		// Two memberships: an agent everywhere, a manager deeper down.
		agent := grant(root, "agent@example.com", models.RoleAgent)
		grant(emea, "agent@example.com", models.RoleManager)
		outsider := grant(otherRoot, "outsider@example.com", models.RoleAgent)
		former := grant(support, "former@example.com", models.RoleAgent)
		if err := s.RemoveFromOrganization(as(owner), org, former, nil); err != nil {
			t.Fatal(err)
		}

		counter := d.CountQueries()
		accounts := []int64{root, sales, emea, support, otherRoot, otherRoot + 1000}
		orgs := []int64{org, otherOrg, otherOrg + 1000}
		for _, tc := range []struct {
			name   string
			viewer int64
			// seen is the number of accounts whose scope the viewer has.
			seen int
		}{
			{"Owner", owner, 4},
			{"Admin", admin, 4},
			{"ManagerOfSubAccount", manager, 4},
			{"AgentAndManagerBelow", agent, 4},
			{"OwnerOfAnotherOrganization", otherOwner, 1},
			{"MemberOfAnotherOrganization", outsider, 1},
			{"NonMember", former, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				vctx := as(tc.viewer)
				seen := 0
				check := func(what string, id int64, now, before func(context.Context, *db.Store, int64) (db.ScopeView, error)) {
					t.Helper()
					n := counter.Load()
					got, err := now(vctx, s, id)
					if stmts := counter.Load() - n; stmts != 1 {
						t.Errorf("%s %d: %d statements, want 1", what, id, stmts)
					}
					want, wantErr := before(vctx, s, id)
					if models.ErrorCode(err) != models.ErrorCode(wantErr) || (err != nil) != (wantErr != nil) {
						t.Fatalf("%s %d: error %v, before %v", what, id, err, wantErr)
					}
					if err != nil && err.Error() != wantErr.Error() {
						t.Fatalf("%s %d: error %q, before %q", what, id, err, wantErr)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s %d:\n got %+v\nwant %+v", what, id, got, want)
					}
					if err == nil && what == "account" {
						seen++
					}
				}
				for _, a := range accounts {
					check("account", a, db.ScopeOfAccount, db.ScopeOfAccountAsBefore)
				}
				for _, o := range orgs {
					check("organization", o, db.ScopeOfOrganization, db.ScopeOfOrganizationAsBefore)
				}
				if seen != tc.seen {
					t.Fatalf("scopes of %d accounts, want %d", seen, tc.seen)
				}
			})
		}
		// The directory alone decides: memberships left behind without a
		// directory row (as no path writes) still give no scope.
		t.Run("NoDirectoryRow", func(t *testing.T) {
			if err := d.RemoveDirectoryRowForTest(ctx, org, agent); err != nil {
				t.Fatal(err)
			}
			for _, a := range []int64{root, emea} {
				if _, err := db.ScopeOfAccount(as(agent), s, a); models.ErrorCode(err) != models.CodeNotFound {
					t.Fatalf("account %d: %v, want NOT_FOUND", a, err)
				}
				if _, err := db.ScopeOfAccountAsBefore(as(agent), s, a); models.ErrorCode(err) != models.CodeNotFound {
					t.Fatalf("before, account %d: %v, want NOT_FOUND", a, err)
				}
			}
		})
	})
}
