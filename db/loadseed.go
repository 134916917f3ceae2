package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// LoadSeedSpec describes the people SeedLoadUsers creates for a load test.
type LoadSeedSpec struct {
	// Users is the number of people (required, positive).
	Users int
	// GroupSize is the number of people per organization (default 50):
	// each group is one organization with one root account, every person
	// an AGENT of it, so a presenceChanged(accountId) subscription of a
	// member watches exactly the group.
	GroupSize int
	// Label goes into the emails and organization names (default a random
	// hex string), so several seeds can share a database.
	Label string
	// BatchSize is the number of people written per transaction (default 1,000).
	BatchSize int
}

// LoadUser is one seeded person and the bearer token of their session.
type LoadUser struct {
	UserID, SessionID int64
	Token             string
}

// LoadGroup is one seeded organization.
type LoadGroup struct {
	OrganizationID, AccountID int64
	Users                     []LoadUser
}

// LoadSeed is what SeedLoadUsers wrote.
type LoadSeed struct {
	Label  string
	Groups []LoadGroup
	Took   time.Duration
}

// Users lists every seeded person, group after group.
func (s *LoadSeed) Users() []LoadUser {
	var out []LoadUser
	for _, g := range s.Groups {
		out = append(out, g.Users...)
	}
	return out
}

// loadUnusablePassword is the password hash of seeded load-test people: it
// parses as no known scheme, so password sign-in always fails; they
// authenticate with the session token SeedLoadUsers returns.
const loadUnusablePassword = "!load-test-no-password"

// SeedLoadUsers writes spec.Users people in organizations of
// spec.GroupSize (one root account each, every person an AGENT of it) and
// one session per person with a fresh random token, with batched multi-row
// inserts: tens of thousands of people in seconds, where signing each up
// through GraphQL would pay an argon2 hash per person. It is a fixture tool
// for load tests: it checks no policy and writes no audit trail. Tokens are
// returned in clear (the store keeps their SHA-256, as for any session).
func (d *DB) SeedLoadUsers(ctx context.Context, spec LoadSeedSpec) (*LoadSeed, error) {
	start := time.Now()
	if spec.Users <= 0 {
		return nil, models.InvalidInput("users", "seed at least one user")
	}
	if spec.GroupSize <= 0 {
		spec.GroupSize = 50
	}
	if spec.BatchSize <= 0 {
		spec.BatchSize = 1000
	}
	if spec.Label == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		spec.Label = hex.EncodeToString(b)
	}
	groups := (spec.Users + spec.GroupSize - 1) / spec.GroupSize
	res := &LoadSeed{Label: spec.Label, Groups: make([]LoadGroup, groups)}
	// A batch holds whole groups, so its organizations are written with
	// their people.
	perBatch := max(1, spec.BatchSize/spec.GroupSize)
	workers := 1
	if d.Dialect == MySQL {
		workers = min(max(runtime.NumCPU(), 2), 4)
	}
	err := runSeedBatches(ctx, groups, perBatch, workers, func(ctx context.Context, _, lo, hi int) error {
		return d.loadGroupBatch(ctx, spec, res, lo, hi)
	})
	if err != nil {
		return nil, fmt.Errorf("seed load users: %w", err)
	}
	res.Took = time.Since(start)
	return res, nil
}

// loadGroupBatch writes groups [lo, hi) of res in one transaction.
func (d *DB) loadGroupBatch(ctx context.Context, spec LoadSeedSpec, res *LoadSeed, lo, hi int) error {
	now := d.Now().UTC().Truncate(time.Microsecond)
	products := []string{"inbox"}
	type person struct {
		group  int
		email  string
		token  string
		hash   string
		userID int64
	}
	var people []person
	for g := lo; g < hi; g++ {
		for k := 0; k < spec.GroupSize; k++ {
			i := g*spec.GroupSize + k
			if i >= spec.Users {
				break
			}
			tok, hash := models.NewToken()
			people = append(people, person{group: g, email: fmt.Sprintf("load-%s-%d@load.example.com", spec.Label, i), token: tok, hash: hash})
		}
	}
	groups := make([]LoadGroup, hi-lo)
	err := d.seedTx(ctx, func(tx *gorm.DB) error {
		for g := range groups {
			name := fmt.Sprintf("Load %s %d", spec.Label, lo+g)
			org := &models.Organization{Name: name, InvitationLifetimeHours: models.DefaultInvitationLifetimeHours,
				EnabledProducts: products, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(org).Error; err != nil {
				return err
			}
			acct := &models.Account{OrganizationID: org.ID, Name: name, CreatedAt: now}
			if err := tx.Create(acct).Error; err != nil {
				return err
			}
			groups[g] = LoadGroup{OrganizationID: org.ID, AccountID: acct.ID}
		}
		users := make([]any, 0, len(people)*len(seedUserColumns))
		emails := make([]string, len(people))
		for i, p := range people {
			emails[i] = models.EmailKey(p.email)
			users = append(users, p.email, emails[i], loadUnusablePassword, "Load", fmt.Sprint(i), "",
				nil, nil, "en", nil, nil,
				false, false, false, false, now, now, now)
		}
		ids, err := d.insertUsers(tx, users, emails)
		if err != nil {
			return err
		}
		prods := mustJSON(products)
		claims := make([]any, 0, len(people)*len(seedClaimColumns))
		members := make([]any, 0, len(people)*len(seedOrgMemberColumns))
		grants := make([]any, 0, len(people)*len(seedMembershipColumns))
		var search []any
		sessions := make([]any, 0, len(people)*len(loadSessionColumns))
		expires := now.Add(30 * 24 * time.Hour)
		for i := range people {
			p := &people[i]
			id, ok := ids[emails[i]]
			if !ok {
				return errors.New("a load user was not read back after insert")
			}
			p.userID = id
			grp := groups[p.group-lo]
			search = appendSearchRows(search, searchPerson{ID: id, FirstName: "Load", LastName: fmt.Sprint(i), Email: p.email}.rows([]int64{grp.OrganizationID}))
			claims = append(claims, emails[i], id, now)
			members = append(members, grp.OrganizationID, id, now)
			grants = append(grants, grp.OrganizationID, grp.AccountID, id, string(models.RoleAgent), models.RoleAgent.Rank(),
				"", prods, false, false, nil, now, now)
			sessions = append(sessions, id, p.hash, "Load test", now, now, expires, expires)
		}
		for _, step := range []struct {
			table string
			cols  []string
			args  []any
		}{
			{"email_claims", seedClaimColumns, claims},
			{"organization_members", seedOrgMemberColumns, members},
			{"memberships", seedMembershipColumns, grants},
			{"sessions", loadSessionColumns, sessions},
			{"directory_search", searchColumns, search},
		} {
			if err := d.bulkInsert(tx, step.table, step.cols, step.args); err != nil {
				return err
			}
		}
		hashes := make([]string, len(people))
		for i, p := range people {
			hashes[i] = p.hash
		}
		var sess []struct {
			ID        int64
			TokenHash string
		}
		if err := tx.Raw("SELECT id, token_hash FROM sessions WHERE token_hash IN ?", hashes).Scan(&sess).Error; err != nil {
			return err
		}
		sids := make(map[string]int64, len(sess))
		for _, s := range sess {
			sids[s.TokenHash] = s.ID
		}
		for g := range groups {
			groups[g].Users = groups[g].Users[:0]
		}
		for _, p := range people {
			sid, ok := sids[p.hash]
			if !ok {
				return errors.New("a load session was not read back after insert")
			}
			g := &groups[p.group-lo]
			g.Users = append(g.Users, LoadUser{UserID: p.userID, SessionID: sid, Token: p.token})
		}
		return nil
	})
	if err != nil {
		return err
	}
	copy(res.Groups[lo:hi], groups)
	return nil
}

// loadSessionColumns are the columns of the seeded sessions.
var loadSessionColumns = []string{"user_id", "token_hash", "device_name", "created_at", "last_seen_at", "idle_expires_at", "expires_at"}
