package db_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// exportAsBefore builds an account's export the way it was built before it
// streamed: pages of 500 members in email order with a users batch each,
// then pages of 500 pending and expired invitations. The streaming export
// is held to it row for row.
func exportAsBefore(ctx context.Context, t *testing.T, s *db.Store, accountID int64) [][]string {
	t.Helper()
	out := [][]string{db.MembersCSVHeader}
	ctx = models.WithRequestCache(ctx)
	after := ""
	for {
		page, err := s.FindMembers(ctx, accountID, models.MemberQuery{Order: models.MemberOrderEmail, NoTotal: true}, models.PageRequest{First: 500, AfterKey: after})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, len(page.Rows))
		for i, e := range page.Rows {
			ids[i] = e.Node.UserID
		}
		users, err := s.FindUsersByIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]*models.User{}
		for _, u := range users {
			byID[u.ID] = u
		}
		for _, e := range page.Rows {
			m, u := e.Node, byID[e.Node.UserID]
			access := "direct"
			if m.Inherited {
				access = "inherited"
			}
			perms, _ := m.Permissions.Value()
			out = append(out, []string{u.Email, u.FirstName, u.LastName, u.Name(), string(m.Role), perms.(string),
				strings.Join(m.Products, ","), access, "ACTIVE", db.TimeCell(u.LastActiveAt), db.TimeCell(&m.CreatedAt)})
		}
		if !page.HasNext {
			break
		}
		after = page.Rows[len(page.Rows)-1].Cursor
	}
	var lastID int64
	for {
		page, err := s.FindInvitations(ctx, accountID, models.InvitationFilter{Statuses: []models.InvitationStatus{models.InvitationPending, models.InvitationExpired}},
			models.PageRequest{First: 500, After: lastID})
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range page.Rows {
			perms, _ := inv.Permissions.Value()
			out = append(out, []string{inv.Email, db.StringCell(inv.FirstName), db.StringCell(inv.LastName), "", string(inv.Role), perms.(string),
				strings.Join(inv.Products, ","), "invited", string(inv.Status), "", db.TimeCell(&inv.CreatedAt)})
			lastID = inv.ID
		}
		if !page.HasNext {
			return out
		}
	}
}

// An export of more members than the old pages of 500 lists every member
// once, in the email order of the members list, then the invitations, with
// the same rows as the members list's pages give, whichever way those are
// read (on MySQL a large account's pages walk the users index), in four
// statements whatever the number of rows, and audited before its first row.
func TestMembersExportStreamsEveryMemberOnce(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, s := openStore(t, store)
		res, err := d.SeedOrganization(ctx, db.SeedSpec{Members: 3500, Accounts: 3, PendingInvitations: 700, ContactsPerAccount: -1,
			Password: "correct horse battery"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx = models.WithViewer(ctx, &models.Viewer{UserID: res.OwnerUserID})
		counter := d.CountQueries()
		var auditReads int64 // statements of the test's own audit reads
		audited := func() int {
			defer func(before int64) { auditReads += counter.Load() - before }(counter.Load())
			page, err := s.FindAuditEvents(ctx, res.OrganizationID, models.AuditFilter{Actions: []models.AuditAction{models.AuditMembersExported}}, models.PageRequest{First: 1})
			if err != nil {
				t.Fatal(err)
			}
			return int(page.Total)
		}
		export := func(accountID int64) (rows [][]string, statements int64) {
			audits := audited()
			before, reads := counter.Load(), auditReads
			err := s.ExportMembers(ctx, accountID, func(row []string) error {
				if len(rows) == 0 && audited() != audits+1 {
					return fmt.Errorf("the first row is written before the export is audited")
				}
				rows = append(rows, row)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return rows, counter.Load() - before - (auditReads - reads)
		}
		for _, plan := range []struct {
			name      string
			threshold int64
		}{{"PagesSorted", 1 << 40}, {"PagesInUsersIndexOrder", 100}} {
			if plan.threshold == 100 && d.Dialect != db.MySQL {
				continue // SQLite reads pages the one way
			}
			t.Run(plan.name, func(t *testing.T) {
				db.SetUserDrivenThreshold(t, plan.threshold)
				for i, account := range res.AccountIDs {
					got, statements := export(account)
					want := exportAsBefore(ctx, t, s, account)
					if !reflect.DeepEqual(got, want) {
						for j := range min(len(got), len(want)) {
							if !reflect.DeepEqual(got[j], want[j]) {
								t.Fatalf("account %d, row %d:\n got %q\nwant %q", account, j, got[j], want[j])
							}
						}
						t.Fatalf("account %d: %d rows, want %d", account, len(got), len(want))
					}
					// The scope, the audit event, the members, the invitations.
					if statements != 4 {
						t.Errorf("account %d: %d statements for %d rows, want 4", account, statements, len(got))
					}
					if i > 0 {
						continue
					}
					ids, err := s.EffectiveMemberIDs(ctx, account)
					if err != nil {
						t.Fatal(err)
					}
					seen := map[string]bool{}
					members := 0
					for _, r := range got[1:] {
						if r[7] == "invited" {
							continue
						}
						if seen[r[0]] {
							t.Fatalf("%s exported twice", r[0])
						}
						seen[r[0]] = true
						members++
					}
					if members != len(ids) || members <= 1200 {
						t.Fatalf("root account: %d members exported, %d members (want equal and over 1,200)", members, len(ids))
					}
				}
			})
		}
	})
}
