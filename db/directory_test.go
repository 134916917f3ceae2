package db_test

import (
	"slices"
	"testing"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// The two ways of reading a page of members — sorting the account's
// members, or walking the users index in order (large accounts) —
// give the same pages for every order, direction and account, and the same
// list read backwards (`last`, `before`) from its end.
func TestMembersPagesSameEitherPlan(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		// Pages of 9 over 80 people: about nine page boundaries per walk,
		// many inside a run of equal keys (roles, joined dates). Each of
		// the 160 walks reads every page, so the sizes are what keeps this
		// test's SQLite run (its engine is Go, slow under -race) short.
		ctx, _, s, res := seededOrg(t, store, 80, 4)
		walk := func(account int64, q models.MemberQuery) []int64 {
			ids, _ := walkMembers(t, ctx, s, account, q, 9, false)
			return ids
		}
		walkBack := func(account int64, q models.MemberQuery) []int64 {
			ids, _ := walkMembers(t, ctx, s, account, q, 9, true)
			return ids
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
