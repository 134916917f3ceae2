package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
)

// Last-active times are written many at a time (more than one statement's
// worth here), and a time never moves back.
func TestRecordLastActiveMany(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, s := openStore(t, store)
		res, err := d.SeedLoadUsers(ctx, db.LoadSeedSpec{Users: 700, GroupSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		users := res.Users()
		base := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second).Add(123456 * time.Microsecond)
		at := map[int64]time.Time{}
		ids := make([]int64, len(users))
		for i, lu := range users {
			ids[i] = lu.UserID
			at[lu.UserID] = base.Add(time.Duration(i) * time.Second)
		}
		if err := s.RecordLastActiveMany(ctx, at); err != nil {
			t.Fatal(err)
		}
		// Older times for everyone, newer for the first: only the newer
		// one moves.
		older := map[int64]time.Time{}
		for id := range at {
			older[id] = base.Add(-time.Hour)
		}
		older[ids[0]] = base.Add(time.Hour)
		if err := s.RecordLastActiveMany(ctx, older); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindUsersByIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids) {
			t.Fatalf("%d users, want %d", len(got), len(ids))
		}
		for _, u := range got {
			want := at[u.ID]
			if u.ID == ids[0] {
				want = base.Add(time.Hour)
			}
			if u.LastActiveAt == nil || !u.LastActiveAt.Equal(want) {
				t.Fatalf("user %d last active %v, want %v", u.ID, u.LastActiveAt, want)
			}
		}
	})
}
