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

// The search answers exactly the people models.MatchesSearch accepts (the
// rule: every query word starts a word of their names or email, without
// case or accents), in every order and either plan, with an honest
// totalCount, on both stores.
func TestDirectorySearchFollowsTheRule(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx, _, s, res := seededOrg(t, store, 150, 4)
		walk := func(account int64, q models.MemberQuery, backward bool) ([]int64, int64) {
			return walkMembers(t, ctx, s, account, q, 40, backward)
		}
		people := map[int64]*models.User{}
		for _, account := range res.AccountIDs {
			ids, _ := walk(account, models.MemberQuery{}, false)
			users, err := s.FindUsersByIDs(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				people[u.ID] = u
			}
		}
		searches := []string{"mar", "MAR", "már", "maría", "maria gar", "gar maria", "jo", "j", "ö", "smith", "o'brien", "obrien",
			"acme", "acme-corporation", "example.com", "7", "佐藤", "sato", "zzz", "%", "maria.garcia"}
		orders := []models.MemberQuery{{Order: models.MemberOrderName}, {Order: models.MemberOrderName, Desc: true},
			{Order: models.MemberOrderEmail}, {Order: models.MemberOrderLastActive, Desc: true}, {Order: models.MemberOrderRole}}
		leaf := res.AccountIDs[len(res.AccountIDs)-1]
		matched := 0
		for _, account := range []int64{res.RootAccountID, leaf} {
			for _, order := range orders {
				all, _ := walk(account, order, false)
				for _, text := range searches {
					sq, err := models.ParseSearch("search", text)
					if err != nil {
						t.Fatal(err)
					}
					var want []int64
					for _, id := range all {
						u := people[id]
						if !sq.Nobody && models.MatchesSearch(sq, u.FirstName, u.LastName, u.DisplayName, u.Email) {
							want = append(want, id)
						}
					}
					matched += len(want)
					q := order
					q.Search = text
					for _, threshold := range []int64{0, 1 << 40} { // walking a users index, or sorting the account

						db.SetUserDrivenThreshold(t, threshold)
						got, total := walk(account, q, false)
						back, _ := walk(account, q, true)
						if !slices.Equal(got, want) || total != int64(len(want)) {
							t.Fatalf("account %d %+v threshold %d: got %d (total %d), want %d\n%v\n%v", account, q, threshold, len(got), total, len(want), got, want)
						}
						if !slices.Equal(back, want) {
							t.Fatalf("account %d %+v threshold %d: backwards %v, want %v", account, q, threshold, back, want)
						}
					}
				}
			}
		}
		if matched == 0 {
			t.Fatal("no search matched anyone: the test proves nothing")
		}

		// The organization's directory follows the same rule.
		for _, text := range searches {
			sq, _ := models.ParseSearch("search", text)
			var want []int64
			for id, u := range people {
				if !sq.Nobody && models.MatchesSearch(sq, u.FirstName, u.LastName, u.DisplayName, u.Email) {
					want = append(want, id)
				}
			}
			var got []int64
			after := ""
			for {
				page, err := s.FindOrganizationMembers(ctx, res.OrganizationID, text, models.PageRequest{First: 50, AfterKey: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page.Rows {
					got = append(got, e.Node.User.ID)
				}
				if page.Total != int64(len(want)) {
					t.Fatalf("directory %q: total %d, want %d", text, page.Total, len(want))
				}
				if !page.HasNext {
					break
				}
				after = page.Rows[len(page.Rows)-1].Cursor
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("directory %q: got %v, want %v", text, got, want)
			}
		}
	})
}

// A store whose index was never built (or built by an older version of
// the words) builds it when it opens; a search bound is refused.
func TestDirectorySearchIndexBuiltAtStart(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, err := db.Open(ctx, store.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := d.SeedOrganization(ctx, db.SeedSpec{Members: 30, Accounts: 1, PendingInvitations: -1, ContactsPerAccount: -1, Password: "correct horse battery"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw := d.SQL()
		for _, stmt := range []string{"DELETE FROM directory_search", "UPDATE directory_search_state SET version = 0"} {
			if _, err := raw.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		search := func(d *db.DB, text string) int64 {
			u, _ := url.Parse("http://localhost")
			s := db.NewStore(d, db.Options{PublicURL: u})
			page, err := s.FindMembers(models.WithViewer(ctx, &models.Viewer{UserID: res.OwnerUserID}), res.RootAccountID,
				models.MemberQuery{Search: text}, models.PageRequest{First: 5})
			if err != nil {
				t.Fatal(err)
			}
			return page.Total
		}
		if n := search(d, "olivia owner"); n != 0 {
			t.Fatalf("emptied index still finds %d", n)
		}
		d.Close()
		d, err = db.Open(ctx, store.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if n := search(d, "olivia owner"); n != 1 {
			t.Fatalf("after the rebuild the owner is found %d times", n)
		}
		if n := search(d, "acme"); n != 30 {
			t.Fatalf("after the rebuild the members' email domain finds %d of 30", n)
		}
		var version int
		if err := d.SQL().QueryRowContext(ctx, "SELECT version FROM directory_search_state").Scan(&version); err != nil || version == 0 {
			t.Fatalf("version %d %v", version, err)
		}
		u, _ := url.Parse("http://localhost")
		s := db.NewStore(d, db.Options{PublicURL: u})
		vctx := models.WithViewer(ctx, &models.Viewer{UserID: res.OwnerUserID})
		for _, text := range []string{"a b c d e f g h i", string(make([]byte, 201))} {
			_, err := s.FindMembers(vctx, res.RootAccountID, models.MemberQuery{Search: text}, models.PageRequest{First: 5})
			if models.ErrorCode(err) != models.CodeBadUserInput {
				t.Fatalf("search %q: %v", text, err)
			}
		}
	})
}
