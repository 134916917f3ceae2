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

func TestSeedLoadUsers(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		ctx := context.Background()
		d, err := db.Open(ctx, store.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		// Batches of two groups: the last batch holds one partial group.
		res, err := d.SeedLoadUsers(ctx, db.LoadSeedSpec{Users: 120, GroupSize: 25, BatchSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Groups) != 5 {
			t.Fatalf("groups = %d, want 5", len(res.Groups))
		}
		if n := len(res.Groups[4].Users); n != 20 {
			t.Fatalf("last group has %d users, want 20", n)
		}
		users := res.Users()
		if len(users) != 120 {
			t.Fatalf("users = %d, want 120", len(users))
		}
		// A second seed in the same database does not collide.
		if _, err := d.SeedLoadUsers(ctx, db.LoadSeedSpec{Users: 3}); err != nil {
			t.Fatalf("second seed: %v", err)
		}

		u, _ := url.Parse("http://localhost:8080")
		s := db.NewStore(d, db.Options{PublicURL: u})
		g := res.Groups[1]
		for _, lu := range []db.LoadUser{g.Users[0], g.Users[len(g.Users)-1], users[119]} {
			v, err := s.Authenticate(ctx, lu.Token)
			if err != nil {
				t.Fatalf("token of user %d: %v", lu.UserID, err)
			}
			if v.UserID != lu.UserID || v.SessionID != lu.SessionID {
				t.Fatalf("token resolves to user %d session %d, want %d %d", v.UserID, v.SessionID, lu.UserID, lu.SessionID)
			}
		}
		// A member watches exactly their group.
		viewer := models.WithViewer(ctx, &models.Viewer{UserID: g.Users[3].UserID, SessionID: g.Users[3].SessionID})
		ids, err := s.EffectiveMemberIDs(viewer, g.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]int64, len(g.Users))
		for i, lu := range g.Users {
			want[i] = lu.UserID
		}
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("effective members = %v, want %v", ids, want)
		}
		if _, err := s.EffectiveMemberIDs(viewer, res.Groups[2].AccountID); err == nil {
			t.Fatal("a member sees another group's account")
		}
	})
}
