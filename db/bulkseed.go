package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// SeedSpec describes the organization SeedOrganization generates. A zero
// count takes its default; a negative count generates none.
type SeedSpec struct {
	// OrgName names the organization and its root account (default "Acme Corporation").
	OrgName string
	// OwnerEmail is the login of the organization's first OWNER (default
	// owner@example.com); Password is the password of the owner and of every
	// generated member (required, at least 8 characters).
	OwnerEmail, Password string
	// Accounts is the number of accounts, the root included (default 10);
	// sub-accounts nest up to three levels deep.
	Accounts int
	// Members is the number of generated members, the owner not included
	// (default 100,000).
	Members int
	// PendingInvitations is the number of PENDING invitations, about a fifth
	// of them already past their expiry (default 5,000).
	PendingInvitations int
	// ContactsPerAccount is the number of contacts of each account, half of
	// them assigned to a member of that account (default 1,000).
	ContactsPerAccount int
	// BatchSize is the number of rows written per transaction (default
	// 1,000); statements are split further to stay under the placeholder
	// limit of the dialect.
	BatchSize int
	// Seed makes the generated names, roles and times reproducible.
	Seed int64
	// Products are the organization's enabled products (default inbox,
	// contacts, campaigns, reports).
	Products []string
}

// SeedResult tells what SeedOrganization wrote.
type SeedResult struct {
	OrganizationID int64
	RootAccountID  int64
	// AccountIDs lists every account, the root first.
	AccountIDs  []int64
	OwnerUserID int64
	// Members counts the generated members (the owner not included);
	// Memberships every membership row (some members hold two).
	Members, Invitations, Contacts int
	Memberships                    int
	// Rows counts every row inserted, in all tables.
	Rows int
	Took time.Duration
}

// Seed stages reported to the progress callback.
const (
	SeedStageMembers     = "members"
	SeedStageInvitations = "invitations"
	SeedStageContacts    = "contacts"
)

// Placeholders per statement: MySQL's prepared statements take at most
// 65,535. SQLite takes 32,766 (SQLITE_MAX_VARIABLE_NUMBER), but the driver
// (glebarez/go-sqlite) finds each parameter's value by scanning every
// argument, so binding n placeholders costs n²: at 32,766 a statement spent
// seconds binding (most of a 3,500-member seed) where 999 spends
// milliseconds, for a few more statements in the same transaction.
const (
	mysqlMaxPlaceholders  = 65535
	sqliteMaxPlaceholders = 999
)

// Column lists of the bulk inserts (the id columns are auto-increment).
var (
	seedUserColumns = []string{"email", "email_lower", "password_hash", "first_name", "last_name", "display_name",
		"phone", "default_sending_country", "preferred_language", "communication_email", "avatar_url",
		"notify_desktop", "notify_badges", "notify_sounds", "manual_away", "last_active_at", "created_at", "updated_at"}
	seedClaimColumns      = []string{"email_lower", "user_id", "created_at"}
	seedOrgMemberColumns  = []string{"organization_id", "user_id", "created_at"}
	seedMembershipColumns = []string{"organization_id", "account_id", "user_id", "role", "role_rank", "permissions", "products",
		"restrict_assigned_contacts_only", "restrict_data_export_blocked", "invited_by_id", "created_at", "updated_at"}
	seedInvitationColumns = []string{"organization_id", "email", "email_lower", "first_name", "last_name", "preferred_language",
		"communication_email", "role", "permissions", "products", "restrict_assigned_contacts_only", "restrict_data_export_blocked",
		"status", "token_hash", "invited_by_id", "created_at", "updated_at", "expires_at", "last_sent_at", "send_count"}
	seedInvitationAccountColumns = []string{"invitation_id", "account_id"}
	seedContactColumns           = []string{"organization_id", "account_id", "name", "email", "phone", "assignee_id", "created_at", "updated_at"}
)

// SeedOrganization fills the store with one large, realistic organization
// using batched multi-row inserts: the organization and its account tree,
// an OWNER, Members members with mixed roles and names, pending
// invitations and contacts. Every generated person signs in with
// spec.Password (hashed once, the hash shared). progress, when not nil, is
// called after each batch with the stage, the rows done and the stage's
// total. It is a fixture tool: it checks no policy and writes no audit
// trail beyond the organization's creation.
func (d *DB) SeedOrganization(ctx context.Context, spec SeedSpec, progress func(stage string, done, total int)) (*SeedResult, error) {
	start := time.Now()
	spec = spec.withDefaults()
	if err := models.ValidatePassword(spec.Password); err != nil {
		return nil, err
	}
	ownerEmail, err := models.NormalizeEmail(spec.OwnerEmail)
	if err != nil {
		return nil, err
	}
	if len(spec.Products) == 0 {
		return nil, models.InvalidInput("products", "enable at least one product")
	}
	hash, err := models.HashPassword(spec.Password)
	if err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(string, int, int) {}
	}
	g := &seedGen{d: d, spec: spec, hash: hash, now: d.Now()}
	g.orgCreated = g.now.AddDate(-3, 0, 0)
	g.lifetime = time.Duration(models.DefaultInvitationLifetimeHours) * time.Hour
	g.allProducts = mustJSON(spec.Products)
	if err := g.setup(ctx, ownerEmail); err != nil {
		return nil, err
	}
	g.domain = fmt.Sprintf("%s-%d.example.com", slugASCII(spec.OrgName), g.res.OrganizationID)

	var mu sync.Mutex
	report := func(stage string, n, total int, done *int) {
		mu.Lock()
		defer mu.Unlock()
		*done += n
		progress(stage, *done, total)
	}
	workers := 1
	if d.Dialect == MySQL {
		workers = min(max(runtime.NumCPU(), 2), 4)
	}

	userBatch := d.rowsPerStatement(len(seedUserColumns), spec.BatchSize)
	var membersDone int
	err = runSeedBatches(ctx, spec.Members, userBatch, workers, func(ctx context.Context, batch, lo, hi int) error {
		if err := g.memberBatch(ctx, batch, lo, hi); err != nil {
			return err
		}
		report(SeedStageMembers, hi-lo, spec.Members, &membersDone)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed members: %w", err)
	}

	invBatch := d.rowsPerStatement(len(seedInvitationColumns), spec.BatchSize)
	var invitationsDone int
	err = runSeedBatches(ctx, spec.PendingInvitations, invBatch, workers, func(ctx context.Context, batch, lo, hi int) error {
		if err := g.invitationBatch(ctx, batch, lo, hi); err != nil {
			return err
		}
		report(SeedStageInvitations, hi-lo, spec.PendingInvitations, &invitationsDone)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed invitations: %w", err)
	}

	contactBatch := d.rowsPerStatement(len(seedContactColumns), spec.BatchSize)
	totalContacts := spec.ContactsPerAccount * len(g.accounts)
	var contactsDone int
	err = runSeedBatches(ctx, totalContacts, contactBatch, workers, func(ctx context.Context, batch, lo, hi int) error {
		if err := g.contactBatch(ctx, batch, lo, hi); err != nil {
			return err
		}
		report(SeedStageContacts, hi-lo, totalContacts, &contactsDone)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed contacts: %w", err)
	}

	g.res.Members = spec.Members
	g.res.Invitations = spec.PendingInvitations
	g.res.Contacts = totalContacts
	g.res.Took = time.Since(start)
	return &g.res, nil
}

func (s SeedSpec) withDefaults() SeedSpec {
	count := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 0
		}
		return v
	}
	if strings.TrimSpace(s.OrgName) == "" {
		s.OrgName = "Acme Corporation"
	}
	s.OrgName = strings.TrimSpace(s.OrgName)
	if strings.TrimSpace(s.OwnerEmail) == "" {
		s.OwnerEmail = "owner@example.com"
	}
	if s.Accounts <= 0 {
		s.Accounts = 10
	}
	s.Members = count(s.Members, 100000)
	s.PendingInvitations = count(s.PendingInvitations, 5000)
	s.ContactsPerAccount = count(s.ContactsPerAccount, 1000)
	if s.BatchSize <= 0 {
		s.BatchSize = 1000
	}
	if len(s.Products) == 0 {
		s.Products = []string{"inbox", "contacts", "campaigns", "reports"}
	}
	return s
}

// maxPlaceholders is the most bind variables one statement may carry.
func (d *DB) maxPlaceholders() int {
	if d.Dialect == MySQL {
		return mysqlMaxPlaceholders
	}
	return sqliteMaxPlaceholders
}

// rowsPerStatement is how many rows of cols columns fit one statement,
// at most want.
func (d *DB) rowsPerStatement(cols, want int) int {
	return max(1, min(want, d.maxPlaceholders()/cols))
}

// bulkInsert writes rows (len(cols) values each, flattened in args) with
// multi-row INSERT statements, as many rows per statement as the
// placeholder limit allows. Values go through driver parameters, so times,
// booleans and NULLs are stored exactly as GORM stores them elsewhere.
func (d *DB) bulkInsert(tx *gorm.DB, table string, cols []string, args []any) error {
	n := len(cols)
	rows := len(args) / n
	per := d.maxPlaceholders() / n
	tuple := "(" + strings.Repeat("?,", n-1) + "?)"
	prefix := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for lo := 0; lo < rows; lo += per {
		hi := min(lo+per, rows)
		var b strings.Builder
		b.Grow(len(prefix) + (hi-lo)*(len(tuple)+1))
		b.WriteString(prefix)
		for i := lo; i < hi; i++ {
			if i > lo {
				b.WriteByte(',')
			}
			b.WriteString(tuple)
		}
		if err := tx.Exec(b.String(), args[lo*n:hi*n]...).Error; err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// insertUsers writes users (rows of seedUserColumns) and returns their ids
// by lower-cased email, read back in one query.
func (d *DB) insertUsers(tx *gorm.DB, rows []any, emails []string) (map[string]int64, error) {
	if err := d.bulkInsert(tx, "users", seedUserColumns, rows); err != nil {
		return nil, err
	}
	var got []struct {
		ID         int64
		EmailLower string
	}
	if err := tx.Raw("SELECT id, email_lower FROM users WHERE email_lower IN ?", emails).Scan(&got).Error; err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(got))
	for _, u := range got {
		ids[u.EmailLower] = u.ID
	}
	return ids, nil
}

// seedTx runs fn in a transaction, again when MySQL reports a deadlock
// (the batch is rolled back whole and regenerated identically).
func (d *DB) seedTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = d.gorm.WithContext(ctx).Transaction(fn)
		if err == nil || !isDeadlock(err) {
			return err
		}
	}
	return err
}

// runSeedBatches calls fn for [lo, hi) ranges of size rows covering total,
// on up to workers goroutines; the first error stops the rest.
func runSeedBatches(ctx context.Context, total, size, workers int, fn func(ctx context.Context, batch, lo, hi int) error) error {
	if total <= 0 {
		return nil
	}
	batches := (total + size - 1) / size
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for w := 0; w < min(workers, batches); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				lo := b * size
				if err := fn(ctx, b, lo, min(lo+size, total)); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for b := 0; b < batches; b++ {
		select {
		case next <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// seedGen holds the state shared by the batches of one SeedOrganization.
type seedGen struct {
	d           *DB
	spec        SeedSpec
	hash        string
	now         time.Time
	orgCreated  time.Time
	lifetime    time.Duration
	allProducts string
	domain      string
	res         SeedResult

	accounts []seedAccount
	// weights[i] is the cumulative share of members whose main account is
	// accounts[i].
	weights []float64

	mu sync.Mutex
	// accountMembers[i] are the users holding a membership on accounts[i].
	accountMembers [][]int64
	// inviters are the owner and the generated admins.
	inviters []int64
}

type seedAccount struct {
	id    int64
	depth int
}

var seedAccountNames = []string{"Support", "Sales", "Customer Success", "EMEA", "APAC", "Paris", "São Paulo", "東京",
	"München", "الرياض", "Onboarding", "Marketing", "Zürich", "Montréal", "Partnerships", "Billing"}

// setup writes the organization, its account tree, the owner and the
// organization's creation in the audit log, in one transaction.
func (g *seedGen) setup(ctx context.Context, ownerEmail string) error {
	products := slices.Clone(g.spec.Products)
	at := g.orgCreated
	return g.d.seedTx(ctx, func(tx *gorm.DB) error {
		g.accounts, g.res.AccountIDs = nil, nil
		g.res.Rows = 0
		org := &models.Organization{Name: g.spec.OrgName, InvitationLifetimeHours: models.DefaultInvitationLifetimeHours,
			EnabledProducts: products, CreatedAt: at, UpdatedAt: at}
		if err := tx.Create(org).Error; err != nil {
			return err
		}
		g.res.OrganizationID = org.ID
		for i := 0; i < g.spec.Accounts; i++ {
			acct := &models.Account{OrganizationID: org.ID, Name: g.spec.OrgName, CreatedAt: at.Add(time.Duration(i) * time.Hour)}
			if i > 0 {
				// A heap-shaped tree: accounts 1 and 2 under the root, 3 and
				// 4 under 1, 5 and 6 under 2... capped at the nesting limit.
				parent := (i - 1) / 2
				if g.accounts[parent].depth+1 > min(MaxAccountDepth, 3) {
					parent = 0
				}
				acct.ParentID = &g.accounts[parent].id
				acct.Depth = g.accounts[parent].depth + 1
				acct.Name = seedAccountNames[(i-1)%len(seedAccountNames)]
				if n := (i - 1) / len(seedAccountNames); n > 0 {
					acct.Name += fmt.Sprintf(" %d", n+1)
				}
			}
			if err := tx.Create(acct).Error; err != nil {
				return err
			}
			g.accounts = append(g.accounts, seedAccount{id: acct.ID, depth: acct.Depth})
			g.res.AccountIDs = append(g.res.AccountIDs, acct.ID)
		}
		g.res.RootAccountID = g.accounts[0].id
		owner := &models.User{Email: ownerEmail, EmailLower: models.EmailKey(ownerEmail), PasswordHash: g.hash,
			FirstName: "Olivia", LastName: "Owner", PreferredLanguage: "en",
			NotifyDesktop: true, NotifyBadges: true, NotifySounds: true, LastActiveAt: &g.now,
			CreatedAt: at, UpdatedAt: at}
		if err := tx.Create(owner).Error; err != nil {
			return translateConflict(err, "email", "an account with the owner's email already exists: use a fresh database or another owner email")
		}
		g.res.OwnerUserID = owner.ID
		if err := tx.Exec("INSERT INTO email_claims (email_lower, user_id, created_at) VALUES (?, ?, ?)", owner.EmailLower, owner.ID, at).Error; err != nil {
			return translateConflict(err, "email", "the owner's email is already claimed by another identity")
		}
		if err := tx.Create(&models.OrganizationMember{OrganizationID: org.ID, UserID: owner.ID, CreatedAt: at}).Error; err != nil {
			return err
		}
		if err := g.d.indexUser(tx, owner.ID); err != nil {
			return err
		}
		grant := models.NormalizeGrant(models.Grant{Role: models.RoleOwner, Permissions: models.Permissions{models.PermissionBillingManager}, Products: products})
		if err := tx.Create(&models.Membership{OrganizationID: org.ID, AccountID: g.res.RootAccountID, UserID: owner.ID,
			Role: grant.Role, RoleRank: grant.Role.Rank(), Permissions: grant.Permissions, Products: grant.Products,
			CreatedAt: at, UpdatedAt: at}).Error; err != nil {
			return err
		}
		details := mustJSON(map[string]any{"organizationName": g.spec.OrgName})
		if err := tx.Create(&models.AuditEvent{OrganizationID: org.ID, Action: models.AuditOrganizationCreated, ActorID: &owner.ID,
			TargetUserID: &owner.ID, TargetEmail: &owner.Email, AccountID: &g.res.RootAccountID, Details: details, CreatedAt: at}).Error; err != nil {
			return err
		}
		// organization, accounts, user, claim, directory entry, membership, audit event
		g.res.Rows = 1 + len(g.accounts) + 5
		g.res.Memberships = 1
		g.accountMembers = make([][]int64, len(g.accounts))
		g.accountMembers[0] = []int64{owner.ID}
		g.inviters = []int64{owner.ID}
		// The root account holds 40% of the members; the rest spread over
		// the sub-accounts, the earlier (higher) ones larger.
		g.weights = make([]float64, len(g.accounts))
		if len(g.accounts) == 1 {
			g.weights[0] = 1
			return nil
		}
		g.weights[0] = 0.4
		n := len(g.accounts) - 1
		sum := float64(n*(n+1)) / 2
		for i := 1; i <= n; i++ {
			g.weights[i] = g.weights[i-1] + 0.6*float64(n-i+1)/sum
		}
		g.weights[n] = 1
		return nil
	})
}

// rng is the random source of one batch of one stage: the same batch
// always generates the same rows, whichever worker runs it.
func (g *seedGen) rng(stage uint64, batch int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(g.spec.Seed), stage<<32|uint64(batch)))
}

// pickAccount draws an account index by the member weights.
func (g *seedGen) pickAccount(r *rand.Rand) int {
	x := r.Float64()
	i, _ := slices.BinarySearch(g.weights, x)
	return min(i, len(g.accounts)-1)
}

// between returns a time uniformly in [from, to), in UTC to the microsecond.
func between(r *rand.Rand, from, to time.Time) time.Time {
	span := to.Sub(from)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(r.Int64N(int64(span)))).UTC().Truncate(time.Microsecond)
}

type seedMembership struct {
	account                     int
	role                        models.Role
	perms                       string
	prods                       string
	assignedOnly, exportBlocked bool
	inviter                     any
	at                          time.Time
}

// grant draws the permissions, products and restrictions of a role.
func (g *seedGen) grant(r *rand.Rand, role models.Role) (perms, prods string, assignedOnly, exportBlocked bool) {
	switch role {
	case models.RoleOwner, models.RoleAdmin:
		if r.IntN(10) < 3 {
			perms = string(models.PermissionBillingManager)
		}
		return perms, g.allProducts, false, false
	}
	var ps []string
	for i, p := range g.spec.Products {
		// The first product for everyone; the others less and less often.
		if i == 0 || r.Float64() < 0.8/float64(i) || (role == models.RoleManager && r.IntN(2) == 0) {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	assignedOnly = role == models.RoleAgent && r.IntN(4) == 0
	exportBlocked = r.IntN(7) == 0
	return "", mustJSON(ps), assignedOnly, exportBlocked
}

// memberBatch writes members [lo, hi): users, their email claims, the
// organization directory and their memberships, in one transaction.
func (g *seedGen) memberBatch(ctx context.Context, batch, lo, hi int) error {
	r := g.rng(1, batch)
	n := hi - lo
	emails := make([]string, n)
	created := make([]time.Time, n)
	users := make([]any, 0, n*len(seedUserColumns))
	people := make([]searchPerson, n)
	memberships := make([][]seedMembership, n)
	for k := 0; k < n; k++ {
		i := lo + k
		p := seedPersonFor(r)
		email := p.email(r, i, g.domain)
		emails[k] = models.EmailKey(email)
		// More people joined recently than three years ago.
		u := r.Float64()
		at := g.now.Add(-time.Duration(u * u * float64(g.now.Sub(g.orgCreated)))).UTC().Truncate(time.Microsecond)
		created[k] = at
		display := ""
		if r.IntN(100) < 15 {
			display = p.displayName(r)
		}
		var phone, country, commEmail, avatar, lastActive any
		if r.IntN(100) < 40 {
			phone = p.phone(r)
		}
		if r.IntN(100) < 70 {
			country = p.culture.country
		}
		lang := "en"
		if r.IntN(100) < 80 {
			lang = p.culture.lang
		}
		if r.IntN(100) < 5 {
			commEmail = fmt.Sprintf("%s.%s.%d@mail.example.net", p.firstSlug, p.lastSlug, i)
		}
		if r.IntN(100) < 30 {
			avatar = fmt.Sprintf("https://avatars.example.com/%d/%d.png", g.res.OrganizationID, i)
		}
		updated := at
		if r.IntN(100) < 85 {
			// Active within days for most, months for some.
			ago := time.Duration(r.ExpFloat64() * float64(72*time.Hour))
			if r.IntN(10) == 0 {
				ago *= 30
			}
			la := g.now.Add(-ago).UTC().Truncate(time.Microsecond)
			if la.Before(at) {
				la = at
			}
			lastActive = la
			updated = between(r, at, la.Add(time.Microsecond))
		}
		people[k] = searchPerson{FirstName: p.first, LastName: p.last, DisplayName: display, Email: email}
		users = append(users, email, emails[k], g.hash, p.first, p.last, display,
			phone, country, lang, commEmail, avatar,
			r.IntN(100) < 85, r.IntN(100) < 90, r.IntN(100) < 60, r.IntN(100) < 3, lastActive, at, updated)

		var role models.Role
		switch x := r.IntN(1000); {
		case i%5000 == 4999:
			role = models.RoleOwner
		case x < 10:
			role = models.RoleAdmin
		case x < 100:
			role = models.RoleManager
		default:
			role = models.RoleAgent
		}
		acct := g.pickAccount(r)
		if role == models.RoleOwner || (role == models.RoleAdmin && r.IntN(2) == 0) {
			acct = 0
		}
		var inviter any = g.res.OwnerUserID
		if r.IntN(10) == 0 {
			inviter = nil // joined before invitations were recorded
		}
		m := seedMembership{account: acct, role: role, inviter: inviter, at: at}
		m.perms, m.prods, m.assignedOnly, m.exportBlocked = g.grant(r, role)
		memberships[k] = []seedMembership{m}
		if len(g.accounts) > 1 && role.Rank() <= models.RoleManager.Rank() && r.IntN(100) < 5 {
			second := 1 + r.IntN(len(g.accounts)-1)
			if second != acct {
				m2 := seedMembership{account: second, role: models.RoleAgent, inviter: g.res.OwnerUserID, at: between(r, at, g.now)}
				m2.perms, m2.prods, m2.assignedOnly, m2.exportBlocked = g.grant(r, m2.role)
				memberships[k] = append(memberships[k], m2)
			}
		}
	}

	var rows int
	perAccount := make([][]int64, len(g.accounts))
	var admins []int64
	err := g.d.seedTx(ctx, func(tx *gorm.DB) error {
		rows = 0
		clear(perAccount)
		admins = admins[:0]
		ids, err := g.d.insertUsers(tx, users, emails)
		if err != nil {
			return err
		}
		claims := make([]any, 0, n*len(seedClaimColumns))
		members := make([]any, 0, n*len(seedOrgMemberColumns))
		grants := make([]any, 0, n*len(seedMembershipColumns))
		var search []any
		for k, e := range emails {
			id, ok := ids[e]
			if !ok {
				return fmt.Errorf("user %s was not read back after insert", e)
			}
			people[k].ID = id
			search = appendSearchRows(search, people[k].rows([]int64{g.res.OrganizationID}))
			claims = append(claims, e, id, created[k])
			members = append(members, g.res.OrganizationID, id, created[k])
			for _, m := range memberships[k] {
				grants = append(grants, g.res.OrganizationID, g.accounts[m.account].id, id, string(m.role), m.role.Rank(),
					m.perms, m.prods, m.assignedOnly, m.exportBlocked, m.inviter, m.at, m.at)
				perAccount[m.account] = append(perAccount[m.account], id)
				if m.role == models.RoleAdmin {
					admins = append(admins, id)
				}
			}
		}
		if err := g.d.bulkInsert(tx, "email_claims", seedClaimColumns, claims); err != nil {
			return err
		}
		if err := g.d.bulkInsert(tx, "organization_members", seedOrgMemberColumns, members); err != nil {
			return err
		}
		if err := g.d.bulkInsert(tx, "memberships", seedMembershipColumns, grants); err != nil {
			return err
		}
		if err := g.d.bulkInsert(tx, "directory_search", searchColumns, search); err != nil {
			return err
		}
		rows = 3*n + len(grants)/len(seedMembershipColumns)
		return nil
	})
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, ids := range perAccount {
		g.accountMembers[i] = append(g.accountMembers[i], ids...)
	}
	g.inviters = append(g.inviters, admins...)
	g.res.Rows += rows
	g.res.Memberships += rows - 3*n
	return nil
}

// invitationBatch writes pending invitations [lo, hi) and the accounts
// they grant.
func (g *seedGen) invitationBatch(ctx context.Context, batch, lo, hi int) error {
	r := g.rng(2, batch)
	n := hi - lo
	g.mu.Lock()
	inviters := g.inviters
	g.mu.Unlock()
	invs := make([]any, 0, n*len(seedInvitationColumns))
	hashes := make([]string, n)
	grants := make([][]int, n)
	for k := 0; k < n; k++ {
		i := lo + k
		p := seedPersonFor(r)
		domain := g.domain
		if r.IntN(5) == 0 {
			domain = fmt.Sprintf("partner-%d.example.net", g.res.OrganizationID)
		}
		email := fmt.Sprintf("%s.%s.i%d@%s", p.firstSlug, p.lastSlug, i, domain)
		var first, last any
		if r.IntN(2) == 0 {
			first, last = p.first, p.last
		}
		lang := "en"
		if r.IntN(100) < 60 {
			lang = p.culture.lang
		}
		role := models.RoleAgent
		switch x := r.IntN(100); {
		case x < 3:
			role = models.RoleAdmin
		case x < 15:
			role = models.RoleManager
		}
		perms, prods, assignedOnly, exportBlocked := g.grant(r, role)
		// Sent within the last 18 days, some sent again: those last sent
		// more than 14 days ago have expired.
		createdAt := between(r, g.now.Add(-18*24*time.Hour), g.now)
		sentAt, sends := createdAt, 1
		if r.IntN(100) < 15 {
			sentAt, sends = between(r, createdAt, g.now), 2
		}
		_, hash := models.NewToken()
		hashes[k] = hash
		invs = append(invs, g.res.OrganizationID, email, models.EmailKey(email), first, last, lang,
			nil, string(role), perms, prods, assignedOnly, exportBlocked,
			string(models.InvitationPending), hash, inviters[r.IntN(len(inviters))], createdAt, sentAt, sentAt.Add(g.lifetime), sentAt, sends)
		a := g.pickAccount(r)
		grants[k] = []int{a}
		if len(g.accounts) > 1 && r.IntN(100) < 15 {
			if b := r.IntN(len(g.accounts)); b != a {
				grants[k] = append(grants[k], b)
			}
		}
	}
	var rows int
	err := g.d.seedTx(ctx, func(tx *gorm.DB) error {
		if err := g.d.bulkInsert(tx, "invitations", seedInvitationColumns, invs); err != nil {
			return err
		}
		var got []struct {
			ID        int64
			TokenHash string
		}
		if err := tx.Raw("SELECT id, token_hash FROM invitations WHERE token_hash IN ?", hashes).Scan(&got).Error; err != nil {
			return err
		}
		ids := make(map[string]int64, len(got))
		for _, v := range got {
			ids[v.TokenHash] = v.ID
		}
		links := make([]any, 0, 2*n)
		for k, h := range hashes {
			id, ok := ids[h]
			if !ok {
				return errors.New("an invitation was not read back after insert")
			}
			for _, a := range grants[k] {
				links = append(links, id, g.accounts[a].id)
			}
		}
		if err := g.d.bulkInsert(tx, "invitation_accounts", seedInvitationAccountColumns, links); err != nil {
			return err
		}
		rows = n + len(links)/2
		return nil
	})
	if err != nil {
		return err
	}
	g.mu.Lock()
	g.res.Rows += rows
	g.mu.Unlock()
	return nil
}

// contactBatch writes contacts [lo, hi): contact i belongs to account
// i / ContactsPerAccount; half are assigned to a member of that account.
func (g *seedGen) contactBatch(ctx context.Context, batch, lo, hi int) error {
	r := g.rng(3, batch)
	n := hi - lo
	g.mu.Lock()
	members := g.accountMembers
	g.mu.Unlock()
	rows := make([]any, 0, n*len(seedContactColumns))
	for i := lo; i < hi; i++ {
		a := i / g.spec.ContactsPerAccount
		p := seedPersonFor(r)
		var email, phone, assignee any
		if r.IntN(100) < 70 {
			email = fmt.Sprintf("%s.%s.c%d@customer-%d.example.org", p.firstSlug, p.lastSlug, i, r.IntN(500))
		}
		if r.IntN(2) == 0 {
			phone = p.phone(r)
		}
		if ms := members[a]; len(ms) > 0 && r.IntN(2) == 0 {
			assignee = ms[r.IntN(len(ms))]
		}
		createdAt := between(r, g.orgCreated, g.now)
		rows = append(rows, g.res.OrganizationID, g.accounts[a].id, p.fullName(), email, phone, assignee, createdAt, between(r, createdAt, g.now))
	}
	err := g.d.seedTx(ctx, func(tx *gorm.DB) error {
		return g.d.bulkInsert(tx, "contacts", seedContactColumns, rows)
	})
	if err != nil {
		return err
	}
	g.mu.Lock()
	g.res.Rows += n
	g.mu.Unlock()
	return nil
}

// mustJSON marshals values that always marshal.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// slugASCII keeps lower-case ASCII letters and digits, other runs become "-".
func slugASCII(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "org"
	}
	return b.String()
}

// seedName is a name as written and its ASCII form for email addresses.
type seedName struct{ text, slug string }

// seedCulture is a pool of names with the language, country and phone
// numbering that go with it.
type seedCulture struct {
	weight        int
	lang, country string
	// dial is the country calling code; digits the national number length.
	dial        string
	digits      int
	familyFirst bool
	firsts      []seedName
	lasts       []seedName
}

func names(pairs ...string) []seedName {
	out := make([]seedName, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, seedName{pairs[i], pairs[i+1]})
	}
	return out
}

var seedCultures = []seedCulture{
	{weight: 34, lang: "en", country: "US", dial: "1", digits: 10,
		firsts: names("Olivia", "olivia", "Liam", "liam", "Emma", "emma", "Noah", "noah", "Amelia", "amelia", "Oliver", "oliver",
			"Ava", "ava", "James", "james", "Sophia", "sophia", "William", "william", "Isabella", "isabella", "Lucas", "lucas",
			"Mia", "mia", "Henry", "henry", "Charlotte", "charlotte", "Jack", "jack", "Grace", "grace", "Ethan", "ethan"),
		lasts: names("Smith", "smith", "Johnson", "johnson", "Williams", "williams", "Brown", "brown", "Jones", "jones",
			"Miller", "miller", "Davis", "davis", "Wilson", "wilson", "Taylor", "taylor", "Anderson", "anderson",
			"Thomas", "thomas", "Moore", "moore", "Clark", "clark", "Lewis", "lewis", "O'Brien", "obrien", "Walker", "walker")},
	{weight: 14, lang: "fr", country: "FR", dial: "33", digits: 9,
		firsts: names("Chloé", "chloe", "François", "francois", "Zoë", "zoe", "Hélène", "helene", "Jérôme", "jerome",
			"Léa", "lea", "Noël", "noel", "Amélie", "amelie", "Gaëlle", "gaelle", "Benoît", "benoit", "Maëlys", "maelys", "Loïc", "loic"),
		lasts: names("Dupont", "dupont", "Lefèvre", "lefevre", "Moreau", "moreau", "Girard", "girard", "Faure", "faure",
			"Bérubé", "berube", "Gauthier", "gauthier", "Roussel", "roussel", "Mercier", "mercier", "Lemaître", "lemaitre", "Côté", "cote")},
	{weight: 10, lang: "es", country: "ES", dial: "34", digits: 9,
		firsts: names("José", "jose", "María", "maria", "Sofía", "sofia", "Ángel", "angel", "Lucía", "lucia",
			"Martín", "martin", "Iñigo", "inigo", "Inés", "ines", "Raúl", "raul"),
		lasts: names("García", "garcia", "Fernández", "fernandez", "Núñez", "nunez", "Pérez", "perez", "Gómez", "gomez",
			"Muñoz", "munoz", "Ibáñez", "ibanez", "Rodríguez", "rodriguez")},
	{weight: 8, lang: "de", country: "DE", dial: "49", digits: 11,
		firsts: names("Jürgen", "jurgen", "Björn", "bjorn", "Søren", "soren", "Åsa", "asa", "Jörg", "jorg", "Ingrid", "ingrid",
			"Łukasz", "lukasz", "Małgorzata", "malgorzata", "Dörte", "dorte"),
		lasts: names("Müller", "muller", "Schröder", "schroder", "Weiß", "weiss", "Østergaard", "ostergaard", "Nyström", "nystrom",
			"Wróbel", "wrobel", "Köhler", "kohler", "Dvořák", "dvorak")},
	{weight: 7, lang: "ja", country: "JP", dial: "81", digits: 10, familyFirst: true,
		firsts: names("翔太", "shota", "さくら", "sakura", "陽菜", "hina", "蓮", "ren", "結衣", "yui", "大翔", "hiroto"),
		lasts:  names("佐藤", "sato", "鈴木", "suzuki", "高橋", "takahashi", "田中", "tanaka", "渡辺", "watanabe", "伊藤", "ito")},
	{weight: 6, lang: "zh-CN", country: "CN", dial: "86", digits: 11, familyFirst: true,
		firsts: names("伟", "wei", "芳", "fang", "娜", "na", "静", "jing", "磊", "lei", "秀英", "xiuying"),
		lasts:  names("王", "wang", "李", "li", "张", "zhang", "刘", "liu", "陈", "chen", "杨", "yang")},
	{weight: 3, lang: "ko", country: "KR", dial: "82", digits: 10, familyFirst: true,
		firsts: names("민준", "minjun", "서연", "seoyeon", "지호", "jiho", "하은", "haeun"),
		lasts:  names("김", "kim", "이", "lee", "박", "park", "최", "choi")},
	{weight: 7, lang: "ar", country: "AE", dial: "971", digits: 9,
		firsts: names("محمد", "mohammed", "فاطمة", "fatima", "أحمد", "ahmed", "ليلى", "layla", "يوسف", "youssef", "نور", "nour"),
		lasts:  names("العلي", "alali", "حداد", "haddad", "منصور", "mansour", "خوري", "khoury", "الحسن", "alhassan")},
	{weight: 6, lang: "en-IN", country: "IN", dial: "91", digits: 10,
		firsts: names("Priya", "priya", "Arjun", "arjun", "Aarav", "aarav", "Ananya", "ananya", "Rohan", "rohan", "Diya", "diya"),
		lasts:  names("Sharma", "sharma", "Patel", "patel", "Gupta", "gupta", "Iyer", "iyer", "Reddy", "reddy", "Nair", "nair")},
	{weight: 3, lang: "ru", country: "RU", dial: "7", digits: 10,
		firsts: names("Дмитрий", "dmitry", "Анна", "anna", "Ольга", "olga", "Сергей", "sergey"),
		lasts:  names("Иванов", "ivanov", "Смирнова", "smirnova", "Кузнецов", "kuznetsov", "Попова", "popova")},
	{weight: 2, lang: "el", country: "GR", dial: "30", digits: 10,
		firsts: names("Νίκος", "nikos", "Ελένη", "eleni", "Γιώργος", "giorgos"),
		lasts:  names("Παπαδόπουλος", "papadopoulos", "Οικονόμου", "oikonomou")},
}

var seedCultureTotal = func() int {
	t := 0
	for _, c := range seedCultures {
		t += c.weight
	}
	return t
}()

// seedPerson is one generated name.
type seedPerson struct {
	culture             *seedCulture
	first, last         string
	firstSlug, lastSlug string
}

func seedPersonFor(r *rand.Rand) seedPerson {
	x := r.IntN(seedCultureTotal)
	c := &seedCultures[0]
	for i := range seedCultures {
		if x < seedCultures[i].weight {
			c = &seedCultures[i]
			break
		}
		x -= seedCultures[i].weight
	}
	f := c.firsts[r.IntN(len(c.firsts))]
	l := c.lasts[r.IntN(len(c.lasts))]
	p := seedPerson{culture: c, first: f.text, last: l.text, firstSlug: f.slug, lastSlug: l.slug}
	if r.IntN(50) == 0 {
		p.last, p.lastSlug = "", "x"
	}
	return p
}

// email is a unique login for member i: the index keeps it unique.
func (p seedPerson) email(r *rand.Rand, i int, domain string) string {
	first, last := p.firstSlug, p.lastSlug
	if r.IntN(10) == 0 {
		// Some people typed their address with capitals.
		first = strings.ToUpper(first[:1]) + first[1:]
		last = strings.ToUpper(last[:1]) + last[1:]
	}
	switch r.IntN(5) {
	case 0:
		return fmt.Sprintf("%s%s%d@%s", first[:1], last, i, domain)
	case 1:
		return fmt.Sprintf("%s_%d@%s", first, i, domain)
	}
	return fmt.Sprintf("%s.%s.%d@%s", first, last, i, domain)
}

func (p seedPerson) fullName() string {
	switch {
	case p.last == "":
		return p.first
	case p.culture.familyFirst:
		return p.last + p.first
	}
	return p.first + " " + p.last
}

func (p seedPerson) displayName(r *rand.Rand) string {
	if p.culture.familyFirst || p.last == "" || r.IntN(2) == 0 {
		return p.fullName()
	}
	return p.first + " " + string([]rune(p.last)[:1]) + "."
}

// phone is an E.164 number of the person's country.
func (p seedPerson) phone(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("+")
	b.WriteString(p.culture.dial)
	b.WriteByte(byte('2' + r.IntN(8)))
	for i := 1; i < p.culture.digits; i++ {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}
