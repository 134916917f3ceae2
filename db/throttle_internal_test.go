package db

import (
	"context"
	"fmt"
	"testing"

	"github.com/rollcall/rollcall/models"
	"github.com/rollcall/rollcall/ratelimit"
)

// The sign-in throttles' numbers, held without hashing a password: one
// address meets its (email, IP) limit and its IP limit and locks nobody out;
// a distributed guess meets the per-email ceiling; successes do not count.
func TestSignInAttemptLimits(t *testing.T) {
	s := NewStore(nil, Options{Limiter: ratelimit.NewMemory()})
	from := func(ip string) context.Context {
		return models.WithClient(context.Background(), models.Client{IP: ip})
	}
	fail := func(t *testing.T, ip, email string) error {
		t.Helper()
		_, err := s.signInAttempt(from(ip), email)
		return err
	}
	limited := func(t *testing.T, err error) {
		t.Helper()
		if models.ErrorCode(err) != models.CodeRateLimited {
			t.Fatalf("want RATE_LIMITED, got %v", err)
		}
	}

	t.Run("PerEmailAndIP", func(t *testing.T) {
		for i := 0; i < limitSignInEmailIP.Burst; i++ {
			if err := fail(t, "203.0.113.1", "ada@example.com"); err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		limited(t, fail(t, "203.0.113.1", "ada@example.com"))
		if err := fail(t, "203.0.113.2", "ada@example.com"); err != nil {
			t.Fatalf("another address is refused: %v", err)
		}
		if err := fail(t, "203.0.113.1", "grace@example.com"); err != nil {
			t.Fatalf("another person from the address is refused: %v", err)
		}
	})
	t.Run("PerIP", func(t *testing.T) {
		for i := 0; i < limitSignInIP.Burst; i++ {
			if err := fail(t, "203.0.113.3", fmt.Sprintf("p%d@example.com", i)); err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		limited(t, fail(t, "203.0.113.3", "someone.else@example.com"))
		if err := fail(t, "203.0.113.4", "someone.else@example.com"); err != nil {
			t.Fatalf("another address is refused: %v", err)
		}
	})
	t.Run("PerEmailCeiling", func(t *testing.T) {
		// 20 addresses guessing at full speed (10 each) reach the ceiling;
		// one address alone never comes near it.
		n := 0
		for ip := 0; n < limitSignInEmail.Burst; ip++ {
			for i := 0; i < limitSignInEmailIP.Burst && n < limitSignInEmail.Burst; i++ {
				if err := fail(t, fmt.Sprintf("198.51.100.%d", ip), "target@example.com"); err != nil {
					t.Fatalf("attempt %d from address %d: %v", n+1, ip, err)
				}
				n++
			}
		}
		limited(t, fail(t, "192.0.2.1", "target@example.com"))
		if limitSignInEmail.Burst < 10*limitSignInEmailIP.Burst {
			t.Fatalf("the per-email ceiling (%d) is within reach of fewer than 10 addresses", limitSignInEmail.Burst)
		}
	})
	t.Run("SuccessesDoNotCount", func(t *testing.T) {
		for i := 0; i < 3*limitSignInEmailIP.Burst; i++ {
			a, err := s.signInAttempt(from("203.0.113.5"), "ada.ok@example.com")
			if err != nil {
				t.Fatalf("sign-in %d: %v", i+1, err)
			}
			a.giveBack()
		}
	})
	t.Run("RefusedAttemptsCountNothing", func(t *testing.T) {
		// Attempts refused at the IP limit are not counted against the
		// person: from another address they keep their whole budget.
		for i := 0; i < limitSignInIP.Burst; i++ {
			_ = fail(t, "203.0.113.6", fmt.Sprintf("q%d@example.com", i))
		}
		for i := 0; i < 3*limitSignInEmailIP.Burst; i++ {
			limited(t, fail(t, "203.0.113.6", "victim@example.com"))
		}
		for i := 0; i < limitSignInEmailIP.Burst; i++ {
			if err := fail(t, "203.0.113.7", "victim@example.com"); err != nil {
				t.Fatalf("attempt %d from another address: %v", i+1, err)
			}
		}
	})
}
