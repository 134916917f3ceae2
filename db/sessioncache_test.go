package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
	"github.com/rollcall/rollcall/models"
)

// clockStore is a store on a clock the test moves.
type clockStore struct {
	*db.Store
	mu  sync.Mutex
	now time.Time
}

func (c *clockStore) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func openClockStore(t *testing.T, store testenv.Store, opt db.Options) *clockStore {
	t.Helper()
	d, err := db.Open(context.Background(), store.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	c := &clockStore{now: time.Now().UTC().Truncate(time.Second)}
	d.Now = func() time.Time {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.now
	}
	opt.PublicURL, _ = url.Parse("http://localhost:8080")
	opt.SignupEnabled, opt.Mail = true, mailer.NewRenderer()
	c.Store = db.NewStore(d, opt)
	return c
}

func signUpAt(t *testing.T, s *clockStore, email string) *models.AuthResult {
	t.Helper()
	res, err := s.SignUp(context.Background(), models.SignUpInput{OrganizationName: "Acme", Email: email,
		Password: "correct horse battery", FirstName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustAuthenticate(t *testing.T, s *clockStore, token string) *models.Viewer {
	t.Helper()
	v, err := s.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return v
}

func wantRefused(t *testing.T, s *clockStore, token, why string) {
	t.Helper()
	if v, err := s.Authenticate(context.Background(), token); models.ErrorCode(err) != models.CodeUnauthenticated {
		t.Fatalf("%s: got %+v, %v", why, v, err)
	}
}

func TestCachedSessionRefusedRightAfterSignOut(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		s := openClockStore(t, store, db.Options{})
		res := signUpAt(t, s, "ada@example.com")
		v := mustAuthenticate(t, s, res.Token)
		mustAuthenticate(t, s, res.Token)
		if db.CachedSessions(s.Store) != 1 {
			t.Fatalf("the token is not cached (%d entries)", db.CachedSessions(s.Store))
		}
		if err := s.SignOut(models.WithViewer(context.Background(), v)); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, s, res.Token, "signed out on this node, clock unmoved")
	})
}

func TestCachedSessionRefusedOnceExpired(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		for _, tc := range []struct {
			name string
			opt  db.Options
		}{
			{"absolute", db.Options{SessionLifetime: time.Second}},
			{"idle", db.Options{SessionIdleTimeout: time.Second}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := openClockStore(t, store, tc.opt)
				res := signUpAt(t, s, tc.name+"@example.com")
				mustAuthenticate(t, s, res.Token)
				s.advance(999 * time.Millisecond)
				mustAuthenticate(t, s, res.Token)
				s.advance(time.Millisecond)
				// Well within the cache's TTL, but the session has ended.
				wantRefused(t, s, res.Token, "expired while cached")
			})
		}
	})
}

// The idle expiry keeps sliding once a minute, as without the cache.
func TestCachedSessionStillSlidesItsIdleExpiry(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		s := openClockStore(t, store, db.Options{SessionIdleTimeout: 90 * time.Second})
		res := signUpAt(t, s, "ada@example.com")
		// Used at 0, 61 s and 122 s: alive only because the idle expiry
		// slid at 61 s, and written last at 122 s.
		for range 3 {
			mustAuthenticate(t, s, res.Token)
			mustAuthenticate(t, s, res.Token)
			s.advance(61 * time.Second)
		}
		seen, err := s.FindSessionsByIDs(context.Background(), []int64{res.Session.ID})
		if err != nil || len(seen) != 1 {
			t.Fatal(seen, err)
		}
		if want := res.Session.CreatedAt.Add(122 * time.Second); !seen[0].LastSeenAt.Equal(want) {
			t.Fatalf("last seen %s, want %s", seen[0].LastSeenAt, want)
		}
	})
}

func TestViewerCarriesManualAway(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		s := openClockStore(t, store, db.Options{})
		res := signUpAt(t, s, "ada@example.com")
		v := mustAuthenticate(t, s, res.Token)
		if v.ManualAway {
			t.Fatal("a new person is not away")
		}
		ctx := models.WithViewer(context.Background(), v)
		for _, away := range []bool{true, false} {
			if err := s.SetManualAway(ctx, away); err != nil {
				t.Fatal(err)
			}
			// The clock has not moved: a cached entry would answer the
			// old flag.
			if got := mustAuthenticate(t, s, res.Token); got.ManualAway != away || got.SessionID != v.SessionID || got.UserID != v.UserID {
				t.Fatalf("after SetManualAway(%v): %+v", away, got)
			}
		}
	})
}

func TestUnknownTokensAreNotCached(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		s := openClockStore(t, store, db.Options{})
		res := signUpAt(t, s, "ada@example.com")
		mustAuthenticate(t, s, res.Token)
		b := make([]byte, 32)
		for range 300 {
			_, _ = rand.Read(b)
			wantRefused(t, s, hex.EncodeToString(b), "made-up token")
		}
		if n := db.CachedSessions(s.Store); n != 1 {
			t.Fatalf("%d cached entries after made-up tokens, want 1", n)
		}
	})
}
