package db

import (
	"context"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/rollcall/rollcall/models"
)

// accountChains caches, node-wide, each account's organization and chain
// (the account and its ancestors). An account's place in its tree never
// changes once created (there is no re-parenting), so an entry never goes
// stale; an account created on another node is simply a miss that loads
// its organization's tree again.
type accountChains struct {
	mu sync.Mutex
	m  map[int64]accountChain
	sf singleflight.Group // one load per account at a time
}

type accountChain struct {
	org   int64
	chain []int64
}

// maxCachedChains bounds the cache; past it, it starts over.
const maxCachedChains = 200_000

func (c *accountChains) get(id int64) (accountChain, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	return e, ok
}

func (c *accountChains) putOrg(sc *scope) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m)+len(sc.accounts) > maxCachedChains {
		c.m = make(map[int64]accountChain, len(sc.accounts))
	}
	for id, a := range sc.accounts {
		c.m[id] = accountChain{org: a.OrganizationID, chain: sc.chain(id)}
	}
}

// chainOf returns an account's organization and chain, from the cache or
// from one read of its organization's tree.
func (s *Store) chainOf(ctx context.Context, accountID int64) (accountChain, error) {
	if e, ok := s.chains.get(accountID); ok {
		return e, nil
	}
	// The sockets of a team page arrive together: one load for all.
	v, err, _ := s.chains.sf.Do(strconv.FormatInt(accountID, 10), func() (any, error) {
		ctx := context.WithoutCancel(ctx) // shared: no one caller's cancellation
		var a models.Account
		if err := s.conn(ctx).Select("id", "organization_id").Where("id = ?", accountID).Take(&a).Error; err != nil {
			return accountChain{}, notFoundAs(translate(err), "account")
		}
		sc, err := orgScope(s.conn(ctx), a.OrganizationID)
		if err != nil {
			return accountChain{}, translate(err)
		}
		s.chains.putOrg(sc)
		return accountChain{org: a.OrganizationID, chain: sc.chain(accountID)}, nil
	})
	return v.(accountChain), err
}

// WatchableAccount answers the organization of an account the viewer may
// see, exactly as FindAccount decides it (NOT_FOUND outside the viewer's
// organizations, FORBIDDEN without access to the account), in one
// statement once the account's chain is cached: the admission of a live
// subscription, which a reconnect storm makes thousands of times a second.
func (s *Store) WatchableAccount(ctx context.Context, accountID int64) (int64, error) {
	v, err := models.RequireViewer(ctx)
	if err != nil {
		return 0, err
	}
	ac, err := s.chainOf(ctx, accountID)
	if err != nil {
		return 0, err
	}
	var ms []*models.Membership
	err = s.conn(ctx).Select("account_id", "role").Where("user_id = ? AND account_id IN ? AND EXISTS (SELECT 1 FROM organization_members om WHERE om.organization_id = ? AND om.user_id = ? AND om.suspended_at IS NULL)",
		v.UserID, ac.chain, ac.org, v.UserID).Find(&ms).Error
	if err != nil {
		return 0, translate(err)
	}
	if len(ms) == 0 {
		// Not in the organization's directory (or suspended there), or in
		// it without access here: FindAccount tells the two apart.
		var member int64
		if err := s.conn(ctx).Model(&models.OrganizationMember{}).Where("organization_id = ? AND user_id = ? AND suspended_at IS NULL", ac.org, v.UserID).Count(&member).Error; err != nil {
			return 0, translate(err)
		}
		if member == 0 {
			return 0, models.NotFound("account")
		}
		return 0, models.ErrNoAccess
	}
	byAccount := make(map[int64]*models.Membership, len(ms))
	for _, m := range ms {
		byAccount[m.AccountID] = m
	}
	m, _ := models.EffectiveMembership(ac.chain, byAccount)
	if !models.AccessOf(m).HasAccess() {
		return 0, models.ErrNoAccess
	}
	return ac.org, nil
}
