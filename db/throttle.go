package db

import (
	"context"
	"time"

	"github.com/rollcall/rollcall/models"
)

// Sign-in throttles. Only failed attempts count: every attempt is counted
// before the password is checked (so concurrent guesses cannot overshoot a
// limit) and given back when it succeeds. One address can lock nobody out:
// it meets its own (email, IP) limit long before the per-email ceiling.
var (
	// limitSignInEmailIP bounds guesses at one person from one address:
	// 10 at once, then one every 90 s (40 an hour).
	limitSignInEmailIP = models.Limit{Rate: 10, Burst: 10, Period: 15 * time.Minute}
	// limitSignInIP bounds one address guessing across many people
	// (password spraying): 50 at once, then one every 9 s (400 an hour).
	limitSignInIP = models.Limit{Rate: 100, Burst: 50, Period: 15 * time.Minute}
	// limitSignInEmail is the ceiling of a distributed guess at one person:
	// 200 at once, then one every 3.6 s (1,000 an hour). Locking the person
	// out takes 20 addresses at once, or 25 guessing without pause.
	limitSignInEmail = models.Limit{Rate: 1000, Burst: 200, Period: time.Hour}
)

// limitTokenIP throttles, per client IP, the operations that take a token
// from a link (resetPassword, confirmEmailChange, acceptInvitation,
// invitationPreview), all in one bucket. Only failures count (an unknown,
// used or expired link, or any other error), so a real user following real
// links never meets it: 10 at once, then one every 30 s.
var limitTokenIP = models.Limit{Rate: 20, Burst: 10, Period: 10 * time.Minute}

// counted is one limiter key an attempt is counted under.
type counted struct {
	key   string
	limit models.Limit
}

// attempt is one try at a throttled operation, counted under its keys until
// it is given back.
type attempt struct {
	s    *Store
	ctx  context.Context
	keys []counted
}

// attempt counts one try under each key, in order. When a key refuses, the
// counts already made are given back and the answer is RATE_LIMITED. Call
// it outside any transaction: it may call Redis.
func (s *Store) attempt(ctx context.Context, keys ...counted) (*attempt, error) {
	a := &attempt{s: s, ctx: context.WithoutCancel(ctx)}
	if s.opt.Limiter == nil {
		return a, nil
	}
	for _, k := range keys {
		ok, retry, err := s.opt.Limiter.Allow(ctx, k.key, k.limit, 1)
		if err != nil {
			// Fail open, as throttle does: a limiter outage must not lock
			// everyone out.
			s.opt.Logger.WarnContext(ctx, "rate limiter unavailable", "key", k.key, "err", err)
			continue
		}
		if !ok {
			a.giveBack()
			return nil, models.RateLimited(int((retry + time.Second - 1) / time.Second))
		}
		a.keys = append(a.keys, k)
	}
	return a, nil
}

// giveBack returns the attempt's counts, once it succeeded: only failures
// count.
func (a *attempt) giveBack() {
	for _, k := range a.keys {
		if _, _, err := a.s.opt.Limiter.Allow(a.ctx, k.key, k.limit, -1); err != nil {
			a.s.opt.Logger.WarnContext(a.ctx, "rate limiter unavailable", "key", k.key, "err", err)
		}
	}
	a.keys = nil
}

// signInAttempt counts a sign-in under (email, IP), IP and email. The email
// is hashed into the keys: bounded keys, and no addresses in Redis.
func (s *Store) signInAttempt(ctx context.Context, emailKey string) (*attempt, error) {
	ip := models.ClientFrom(ctx).IP
	email := models.HashToken(emailKey)
	return s.attempt(ctx,
		counted{"signin:email-ip:" + models.HashToken(emailKey+"\x00"+ip), limitSignInEmailIP},
		counted{"signin:ip:" + ip, limitSignInIP},
		counted{"signin:email:" + email, limitSignInEmail})
}

// tokenAttempt counts a use of a link from the client's IP.
func (s *Store) tokenAttempt(ctx context.Context) (*attempt, error) {
	return s.attempt(ctx, counted{"token:ip:" + models.ClientFrom(ctx).IP, limitTokenIP})
}
