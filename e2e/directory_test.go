package e2e

import (
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

const membersQuery = `query($id: ID!, $filter: MemberFilter, $order: MemberOrder, $first: Int, $after: String) {
  node(id: $id) { ... on Account { members(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id role inherited permissions products { key } restrictions { assignedContactsOnly dataExportBlocked }
      createdAt invitedBy { id } account { id } user { id email firstName lastName displayName lastActiveAt } } } } } } }`

type memberEdge struct {
	Node struct {
		Role      string `json:"role"`
		Inherited bool   `json:"inherited"`
		User      struct {
			Email     string `json:"email"`
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
		} `json:"user"`
	} `json:"node"`
}

type membersPage struct {
	Node struct {
		Members struct {
			TotalCount int `json:"totalCount"`
			PageInfo   struct {
				HasNextPage bool    `json:"hasNextPage"`
				EndCursor   *string `json:"endCursor"`
			} `json:"pageInfo"`
			Edges []memberEdge `json:"edges"`
		} `json:"members"`
	} `json:"node"`
}

func members(t *testing.T, c *testenv.Client, account string, vars map[string]any) membersPage {
	t.Helper()
	vars["id"] = account
	var out membersPage
	c.MustDo(t, membersQuery, vars, &out)
	return out
}

// allPages walks every page of size n and returns the emails in order.
func allPages(t *testing.T, c *testenv.Client, account string, order map[string]any, filter map[string]any, n int) []string {
	t.Helper()
	var emails []string
	var after any
	for i := 0; i < 100; i++ {
		p := members(t, c, account, map[string]any{"order": order, "filter": filter, "first": n, "after": after})
		for _, e := range p.Node.Members.Edges {
			emails = append(emails, e.Node.User.Email)
		}
		if !p.Node.Members.PageInfo.HasNextPage {
			return emails
		}
		after = *p.Node.Members.PageInfo.EndCursor
	}
	t.Fatal("too many pages")
	return nil
}

func TestMembersDirectory(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com") // Ada Lovelace, OWNER on root
		sub := f.createAccount(t, f.owner, f.rootID, "Sub")
		people := []struct {
			email, account string
			role           models.Role
		}{
			{"zoe@example.com", f.rootID, models.RoleAgent},
			{"Émile@example.com", f.rootID, models.RoleManager},
			{"bob@example.com", f.rootID, models.RoleAdmin},
			{"carla@example.com", sub, models.RoleAgent},
			{"dan@example.com", sub, models.RoleManager},
		}
		for _, p := range people {
			n.AddMember(t, p.account, p.email, models.Grant{Role: p.role})
		}
		// AddMember sets first name "Member" and last name = email.
		byEmail := []string{"bob@example.com", "carla@example.com", "dan@example.com", "owner@example.com", "zoe@example.com", "Émile@example.com"}

		t.Run("InheritedOnSubAccount", func(t *testing.T) {
			p := members(t, f.owner, sub, map[string]any{"order": map[string]any{"field": "EMAIL", "direction": "ASC"}})
			got := map[string]bool{}
			for _, e := range p.Node.Members.Edges {
				got[e.Node.User.Email] = e.Node.Inherited
			}
			if p.Node.Members.TotalCount != 6 || got["carla@example.com"] || !got["owner@example.com"] || !got["bob@example.com"] {
				t.Fatalf("sub-account members %+v (total %d)", got, p.Node.Members.TotalCount)
			}
		})
		t.Run("OrderEmailAscPaged", func(t *testing.T) {
			got := allPages(t, f.owner, sub, map[string]any{"field": "EMAIL", "direction": "ASC"}, nil, 2)
			want := slices.Clone(byEmail)
			slices.SortFunc(want, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
			if !slices.Equal(got, want) {
				t.Fatalf("got %v want %v", got, want)
			}
		})
		for _, field := range []string{"NAME", "EMAIL", "ROLE", "LAST_ACTIVE", "JOINED"} {
			for _, dir := range []string{"ASC", "DESC"} {
				t.Run("EveryRowOnce_"+field+"_"+dir, func(t *testing.T) {
					got := allPages(t, f.owner, sub, map[string]any{"field": field, "direction": dir}, nil, 2)
					sorted := slices.Clone(got)
					slices.Sort(sorted)
					want := slices.Clone(byEmail)
					slices.Sort(want)
					if !slices.Equal(sorted, want) {
						t.Fatalf("pages of 2 must list everyone exactly once: %v", got)
					}
				})
			}
		}
		t.Run("OrderRoleDesc", func(t *testing.T) {
			p := members(t, f.owner, f.rootID, map[string]any{"order": map[string]any{"field": "ROLE", "direction": "DESC"}})
			var roles []string
			for _, e := range p.Node.Members.Edges {
				roles = append(roles, e.Node.Role)
			}
			if !slices.Equal(roles, []string{"OWNER", "ADMIN", "MANAGER", "AGENT"}) {
				t.Fatalf("roles %v", roles)
			}
		})
		t.Run("SearchCaseInsensitive", func(t *testing.T) {
			got := allPages(t, f.owner, sub, nil, map[string]any{"search": "ÉMILE"}, 10)
			if store.Name == "mysql" && !slices.Equal(got, []string{"Émile@example.com"}) {
				t.Fatalf("search: %v", got)
			}
			got = allPages(t, f.owner, sub, nil, map[string]any{"search": "LOVELACE"}, 10)
			if !slices.Equal(got, []string{"owner@example.com"}) {
				t.Fatalf("search by last name: %v", got)
			}
			got = allPages(t, f.owner, sub, nil, map[string]any{"search": "%"}, 10)
			if len(got) != 0 {
				t.Fatalf("a %% in search is a literal: %v", got)
			}
		})
		t.Run("FilterRoles", func(t *testing.T) {
			got := allPages(t, f.owner, sub, map[string]any{"field": "EMAIL", "direction": "ASC"}, map[string]any{"roles": []string{"MANAGER", "ADMIN"}}, 10)
			if !slices.Equal(got, []string{"bob@example.com", "dan@example.com", "Émile@example.com"}) {
				t.Fatalf("roles filter: %v", got)
			}
		})
		t.Run("PagingUnderInsertsAndDeletes", func(t *testing.T) {
			order := map[string]any{"field": "EMAIL", "direction": "ASC"}
			p1 := members(t, f.owner, f.rootID, map[string]any{"order": order, "first": 2})
			seen := []string{}
			for _, e := range p1.Node.Members.Edges {
				seen = append(seen, e.Node.User.Email)
			}
			// Between pages: someone sorting before the cursor joins, and
			// someone after it leaves.
			n.AddMember(t, f.rootID, "aaron@example.com", models.Grant{Role: models.RoleAgent})
			var zoe struct {
				Node struct {
					Members struct {
						Edges []struct {
							Node struct{ User struct{ ID string } }
						}
					}
				} `json:"node"`
			}
			f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Account { members(filter: {search: "zoe"}) { edges { node { user { id } } } } } } }`, map[string]any{"id": f.rootID}, &zoe)
			f.owner.MustDo(t, `mutation($a: ID!, $u: ID!) { revokeAccess(input: {accountId: $a, userId: $u}) { reassignedContacts } }`,
				map[string]any{"a": f.rootID, "u": zoe.Node.Members.Edges[0].Node.User.ID}, &struct{}{})
			rest := allPagesFrom(t, f.owner, f.rootID, order, *p1.Node.Members.PageInfo.EndCursor)
			all := append(seen, rest...)
			want := []string{"bob@example.com", "owner@example.com", "Émile@example.com"}
			if !slices.Equal(all, want) {
				t.Fatalf("pages across changes: %v, want %v", all, want)
			}
		})
		t.Run("ErrBadCursorForOtherOrder", func(t *testing.T) {
			p := members(t, f.owner, f.rootID, map[string]any{"order": map[string]any{"field": "EMAIL", "direction": "ASC"}, "first": 1})
			r := f.owner.Do(t, membersQuery, map[string]any{"id": f.rootID, "order": map[string]any{"field": "NAME", "direction": "ASC"}, "after": *p.Node.Members.PageInfo.EndCursor})
			if r.Code() != "BAD_USER_INPUT" {
				t.Fatalf("%+v", r.Errors)
			}
		})
		t.Run("OrganizationDirectory", func(t *testing.T) {
			var out struct {
				Node struct {
					Members struct {
						TotalCount int
						Edges      []struct{ Node struct{ Email string } }
					}
				} `json:"node"`
			}
			f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Organization { members(search: "example", first: 50) { totalCount edges { node { email } } } } } }`,
				map[string]any{"id": f.orgID}, &out)
			if out.Node.Members.TotalCount < 6 {
				t.Fatalf("directory %+v", out)
			}
		})
	})
}

func allPagesFrom(t *testing.T, c *testenv.Client, account string, order map[string]any, after string) []string {
	t.Helper()
	var emails []string
	for {
		p := members(t, c, account, map[string]any{"order": order, "first": 2, "after": after})
		for _, e := range p.Node.Members.Edges {
			emails = append(emails, e.Node.User.Email)
		}
		if !p.Node.Members.PageInfo.HasNextPage {
			return emails
		}
		after = *p.Node.Members.PageInfo.EndCursor
	}
}

// A page of members costs the same number of statements for 5 rows as for 50.
func TestMembersPageQueryCountIsConstant(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{MailPollInterval: time.Hour})
		f := newOrg(t, n, "owner@example.com")
		for i := 0; i < 49; i++ {
			n.SeedMember(t, f.rootID, "m"+string(rune('a'+i/26))+string(rune('a'+i%26))+"@example.com", models.Grant{Role: models.RoleAgent})
		}
		var mu sync.Mutex
		var statements []string
		n.App.DB.RecordQueries(func(sql string) {
			mu.Lock()
			statements = append(statements, sql)
			mu.Unlock()
		})
		count := func(first int) []string {
			// The request before leaves the session cached (for a few
			// seconds), as it is for every page after a client's first.
			members(t, f.owner, f.rootID, map[string]any{"first": 1})
			mu.Lock()
			statements = nil
			mu.Unlock()
			p := members(t, f.owner, f.rootID, map[string]any{"first": first})
			if len(p.Node.Members.Edges) != first {
				t.Fatalf("want %d rows, got %d", first, len(p.Node.Members.Edges))
			}
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(statements)
		}
		five, fifty := count(5), count(50)
		// 3: the viewer's scope (one statement, read once per response),
		// the count, and the page with its people; the session comes from
		// the cache, each membership's account is the one the page is for,
		// and the inviters (the owner) are on the page.
		if len(five) != len(fifty) || len(fifty) > 3 {
			t.Fatalf("statements for 5 rows: %d, for 50 rows: %d (want equal and at most 3):\n%s",
				len(five), len(fifty), strings.Join(fifty, "\n"))
		}
		// A page that does not ask for totalCount does not count (the
		// next pages of an endless scroll): the scope and the page.
		mu.Lock()
		statements = nil
		mu.Unlock()
		var out struct {
			Node struct {
				Members struct {
					Edges []struct{ Cursor string }
				}
			}
		}
		f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Account { members(first: 20) { edges { cursor node { user { email } } } } } } }`,
			map[string]any{"id": f.rootID}, &out)
		mu.Lock()
		uncounted := slices.Clone(statements)
		mu.Unlock()
		if len(out.Node.Members.Edges) != 20 || len(uncounted) > 2 || slices.ContainsFunc(uncounted, func(s string) bool { return strings.Contains(s, "COUNT(") }) {
			t.Fatalf("a page without totalCount: %d rows, statements:\n%s", len(out.Node.Members.Edges), strings.Join(uncounted, "\n"))
		}
	})
}

func TestMembersCSVExport(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		evil := n.AddMember(t, f.rootID, "evil@example.com", models.Grant{Role: models.RoleAgent})
		var upd struct{}
		evil.MustDo(t, `mutation { updateProfile(input: {firstName: "=HYPERLINK(\"http://x\")", lastName: "@SUM(1)"}) { id } }`, nil, &upd)
		blocked := n.AddMember(t, f.rootID, "blocked@example.com", models.Grant{Role: models.RoleAgent, Restrictions: models.Restrictions{DataExportBlocked: true}})
		f.owner.MustDo(t, `mutation($a: [ID!]!) { inviteUsers(input: {accountIds: $a, emails: "pending@example.com", role: AGENT}) { results { outcome } } }`,
			map[string]any{"a": []string{f.rootID}}, &upd)
		var url struct {
			Node struct{ MembersCsvURL string } `json:"node"`
		}
		f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Account { membersCsvUrl } } }`, map[string]any{"id": f.rootID}, &url)
		path := url.Node.MembersCsvURL[strings.Index(url.Node.MembersCsvURL, "/export/"):]
		get := func(c *testenv.Client) (*http.Response, string) {
			req, _ := http.NewRequest(http.MethodGet, n.Server.URL+path, nil)
			if c != nil {
				req.Header.Set("Authorization", "Bearer "+c.Token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		}
		resp, body := get(f.owner)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s", resp.StatusCode, body)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "email" || rows[0][8] != "status" || len(rows) != 5 {
			t.Fatalf("rows %v", rows)
		}
		var evilRow, pendingRow []string
		for _, r := range rows {
			switch r[0] {
			case "evil@example.com":
				evilRow = r
			case "pending@example.com":
				pendingRow = r
			}
		}
		if evilRow[1] != `'=HYPERLINK("http://x")` || evilRow[2] != "'@SUM(1)" {
			t.Fatalf("formula cells must be neutralised: %q", evilRow)
		}
		if pendingRow == nil || pendingRow[8] != "PENDING" {
			t.Fatalf("pending invitation row: %q", pendingRow)
		}
		if resp, _ := get(blocked); resp.StatusCode != 403 {
			t.Fatalf("dataExportBlocked: want 403, got %d", resp.StatusCode)
		}
		if resp, _ := get(nil); resp.StatusCode != 401 {
			t.Fatalf("anonymous: want 401, got %d", resp.StatusCode)
		}
		other := newOrg(t, n, "other@example.com")
		if resp, _ := get(other.owner); resp.StatusCode != 404 {
			t.Fatalf("another tenant: want 404, got %d", resp.StatusCode)
		}
		var audit struct {
			Node struct {
				AuditLog struct{ TotalCount int } `json:"auditLog"`
			} `json:"node"`
		}
		f.owner.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Organization { auditLog(filter: {actions: [MEMBERS_EXPORTED]}) { totalCount } } } }`, map[string]any{"id": f.orgID}, &audit)
		if audit.Node.AuditLog.TotalCount != 1 {
			t.Fatalf("the export is audited once (the refused one is not): %d", audit.Node.AuditLog.TotalCount)
		}
	})
}
