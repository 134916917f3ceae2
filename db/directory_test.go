package db_test

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// The two ways of reading a page of members — sorting the account's
// members, or walking the users index in order (MySQL, large accounts) —
// give the same pages for every order, direction and account, and the same
// list read backwards (`last`, `before`) from its end.
func TestMembersPagesSameEitherPlan(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, err := db.Open(ctx, store.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		res, err := d.SeedOrganization(ctx, db.SeedSpec{Members: 120, Accounts: 4, PendingInvitations: -1, ContactsPerAccount: -1, Password: "correct horse battery"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse("http://localhost")
		s := db.NewStore(d, db.Options{PublicURL: u})
		ctx = models.WithViewer(ctx, &models.Viewer{UserID: res.OwnerUserID})
		walk := func(account int64, q models.MemberQuery) []int64 {
			var ids []int64
			after := ""
			for i := 0; i < 100; i++ {
				page, err := s.FindMembers(ctx, account, q, models.PageRequest{First: 7, AfterKey: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page.Rows {
					ids = append(ids, e.Node.UserID)
				}
				if !page.HasNext {
					return ids
				}
				after = page.Rows[len(page.Rows)-1].Cursor
			}
			t.Fatal("too many pages")
			return nil
		}
		// walkBack reads the same list from its end with `last: 7` and
		// `before`, the pages in the order's own order, each page's rows
		// put before the ones read so far.
		walkBack := func(account int64, q models.MemberQuery) []int64 {
			var ids []int64
			before := ""
			for i := 0; i < 100; i++ {
				page, err := s.FindMembers(ctx, account, q, models.PageRequest{First: 7, Backward: true, BeforeKey: before})
				if err != nil {
					t.Fatal(err)
				}
				var rows []int64
				for _, e := range page.Rows {
					rows = append(rows, e.Node.UserID)
				}
				ids = append(rows, ids...)
				if page.HasNext != (before != "") {
					t.Fatalf("backward page before %q: hasNext %v", before, page.HasNext)
				}
				if !page.HasPrevious {
					return ids
				}
				before = page.Rows[0].Cursor
			}
			t.Fatal("too many pages")
			return nil
		}
		fields := []models.MemberOrderField{models.MemberOrderName, models.MemberOrderEmail, models.MemberOrderRole, models.MemberOrderLastActive, models.MemberOrderJoined}
		for _, account := range res.AccountIDs {
			for _, f := range fields {
				for _, desc := range []bool{false, true} {
					q := models.MemberQuery{Order: f, Desc: desc}
					db.SetUserDrivenThreshold(t, 1<<40)
					sorted := walk(account, q)
					db.SetUserDrivenThreshold(t, 0)
					indexed := walk(account, q)
					backIndexed := walkBack(account, q)
					db.SetUserDrivenThreshold(t, 1<<40)
					backSorted := walkBack(account, q)
					if !slices.Equal(sorted, indexed) || len(sorted) == 0 {
						t.Fatalf("account %d %s desc=%v: plans disagree\n%v\n%v", account, f, desc, sorted, indexed)
					}
					if !slices.Equal(backSorted, sorted) || !slices.Equal(backIndexed, sorted) {
						t.Fatalf("account %d %s desc=%v: backwards differs\n%v\n%v\n%v", account, f, desc, sorted, backSorted, backIndexed)
					}
					seen := map[int64]bool{}
					for _, id := range sorted {
						if seen[id] {
							t.Fatalf("account %d %s desc=%v: %d listed twice", account, f, desc, id)
						}
						seen[id] = true
					}
				}
			}
		}
	})
}
