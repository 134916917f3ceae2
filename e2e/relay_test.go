package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// relayConn is the part of a connection every Relay test reads.
type relayConn struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
	Edges []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			ID string `json:"id"`
		} `json:"node"`
	} `json:"edges"`
}

// relayCase is one connection in one order: a query whose connection is
// aliased c under node(id: $id), and the variables it needs beside the
// page's.
type relayCase struct {
	name  string
	query string
	vars  map[string]any
}

func relayQuery(parent, field, extraVars, extraArgs string) string {
	return `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String` + extraVars + `) {
  node(id: $id) { ... on ` + parent + ` { c: ` + field + `(first: $first, after: $after, last: $last, before: $before` + extraArgs + `) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } } } } }`
}

// page asks for one page; page arguments left nil are not sent.
func (rc relayCase) do(t *testing.T, c *testenv.Client, page map[string]any) *testenv.Response {
	t.Helper()
	vars := map[string]any{}
	for k, v := range rc.vars {
		vars[k] = v
	}
	for k, v := range page {
		vars[k] = v
	}
	return c.Do(t, rc.query, vars)
}

func (rc relayCase) page(t *testing.T, c *testenv.Client, page map[string]any) relayConn {
	t.Helper()
	var out struct {
		Node *struct {
			C relayConn `json:"c"`
		} `json:"node"`
	}
	rc.do(t, c, page).Decode(t, &out)
	if out.Node == nil {
		t.Fatalf("%s: node not visible", rc.name)
	}
	conn := out.Node.C
	// startCursor and endCursor are the cursors of the page's first and
	// last edges (null on an empty page), whichever way it was read.
	if len(conn.Edges) == 0 {
		if conn.PageInfo.StartCursor != nil || conn.PageInfo.EndCursor != nil {
			t.Fatalf("%s %v: cursors on an empty page: %+v", rc.name, page, conn.PageInfo)
		}
	} else if conn.PageInfo.StartCursor == nil || *conn.PageInfo.StartCursor != conn.Edges[0].Cursor ||
		conn.PageInfo.EndCursor == nil || *conn.PageInfo.EndCursor != conn.Edges[len(conn.Edges)-1].Cursor {
		t.Fatalf("%s %v: page info cursors are not the edges' ends: %+v", rc.name, page, conn.PageInfo)
	}
	return conn
}

// relayEdge is a node id with the cursor it was listed with.
type relayEdge struct{ id, cursor string }

// TestRelayBackwardPaging: every connection of the schema, in every order it
// supports, read backwards from its end with `last: 3` and `before` lists
// exactly the forward walk (`first: 3`, `after`) reversed, with the same
// cursors, on data with ties in every member sort key (the id tiebreak
// keeps keyset pages exact); pageInfo is right at both ends either way, a
// forward cursor works as `before`, `after` and `before` combine, and the
// page arguments are bounded.
func TestRelayBackwardPaging(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		ten := newTenant(t, n, "owner@example.com") // Ada Lovelace, OWNER
		ctx := context.Background()
		// Seven members of the root account with equal names (also
		// differing only in case), roles, last-active times and joining
		// times: every order has ties broken by the person's id.
		people := []struct {
			email, first, last string
			role               models.Role
		}{
			{"p1@example.com", "Sam", "Lee", models.RoleAgent},
			{"p2@example.com", "Sam", "Lee", models.RoleAgent},
			{"p3@example.com", "SAM", "lee", models.RoleManager},
			{"p4@example.com", "Alex", "Kim", models.RoleAgent},
			{"p5@example.com", "Alex", "Kim", models.RoleManager},
			{"p6@example.com", "Zed", "Lee", models.RoleAdmin},
		}
		for _, p := range people {
			if _, err := n.App.Store.SeedMember(ctx, ten.rootID, p.email, "correct horse battery", p.first, p.last, models.Grant{Role: p.role}); err != nil {
				t.Fatal(err)
			}
		}
		execSQL(t, store, "UPDATE users SET last_active_at = NULL WHERE email_lower IN ('owner@example.com', 'p6@example.com')")
		execSQL(t, store, "UPDATE users SET last_active_at = (SELECT MIN(created_at) FROM memberships) WHERE email_lower IN ('p1@example.com', 'p2@example.com', 'p5@example.com')")
		execSQL(t, store, "UPDATE users SET last_active_at = (SELECT MAX(created_at) FROM memberships) WHERE email_lower IN ('p3@example.com', 'p4@example.com')")
		execSQL(t, store, "UPDATE memberships SET created_at = (SELECT MIN(created_at) FROM accounts) WHERE user_id IN (SELECT id FROM users WHERE email_lower IN ('p2@example.com', 'p3@example.com', 'p4@example.com', 'p6@example.com'))")
		// Seven invitations (and their audit events) and seven contacts.
		invited := mustInvite(t, ten.owner, map[string]any{"accountIds": []string{ten.root},
			"emails": "i1@example.com, i2@example.com, i3@example.com, i4@example.com, i5@example.com, i6@example.com, i7@example.com"})
		if len(invited.InviteUsers.Invitations) != 7 {
			t.Fatalf("invitations: %+v", invited.InviteUsers)
		}
		for i := 1; i <= 7; i++ {
			ctMustCreate(t, ten.owner, map[string]any{"accountId": ten.root, "name": fmt.Sprintf("Contact %d", i)})
		}
		org := models.GlobalID(models.KindOrganization, ten.orgID)

		id := map[string]any{"id": ten.root}
		var cases []relayCase
		for _, field := range []string{"NAME", "EMAIL", "ROLE", "LAST_ACTIVE", "JOINED"} {
			for _, dir := range []string{"ASC", "DESC"} {
				cases = append(cases, relayCase{name: "AccountMembers_" + field + "_" + dir,
					query: relayQuery("Account", "members", ", $order: MemberOrder", ", orderBy: $order"),
					vars:  map[string]any{"id": ten.root, "order": map[string]any{"field": field, "direction": dir}}})
			}
		}
		cases = append(cases,
			relayCase{name: "OrganizationMembers", query: relayQuery("Organization", "members", "", ""), vars: map[string]any{"id": org}},
			relayCase{name: "AuditLog", query: relayQuery("Organization", "auditLog", "", ""), vars: map[string]any{"id": org}},
			relayCase{name: "Invitations", query: relayQuery("Account", "invitations", "", ""), vars: id},
			relayCase{name: "Contacts", query: relayQuery("Account", "contacts", "", ""), vars: id},
		)
		const k = 3
		for _, rc := range cases {
			t.Run(rc.name, func(t *testing.T) {
				c := ten.owner
				// Forward: first: k, after the last page's endCursor.
				var fwd []relayEdge
				var after any
				total := -1
				for i := 0; ; i++ {
					p := rc.page(t, c, map[string]any{"first": k, "after": after})
					total = p.TotalCount
					if p.PageInfo.HasPreviousPage != (i > 0) {
						t.Fatalf("forward page %d: hasPreviousPage %v", i, p.PageInfo.HasPreviousPage)
					}
					for _, e := range p.Edges {
						fwd = append(fwd, relayEdge{e.Node.ID, e.Cursor})
					}
					if !p.PageInfo.HasNextPage {
						if len(p.Edges) == 0 && i > 0 {
							t.Fatalf("forward page %d: empty page announced by the previous one", i)
						}
						break
					}
					if len(p.Edges) != k || i > 50 {
						t.Fatalf("forward page %d: %d edges with hasNextPage", i, len(p.Edges))
					}
					after = *p.PageInfo.EndCursor
				}
				if total < 7 || len(fwd) != total {
					t.Fatalf("forward walk listed %d of %d", len(fwd), total)
				}
				seen := map[string]bool{}
				for _, e := range fwd {
					if seen[e.id] {
						t.Fatalf("%s listed twice going forwards: %v", e.id, fwd)
					}
					seen[e.id] = true
				}

				// Backward: last: k, before the last page's startCursor,
				// each page's edges still in the connection's order.
				var back []relayEdge
				var before any
				for i := 0; ; i++ {
					p := rc.page(t, c, map[string]any{"last": k, "before": before})
					if p.TotalCount != total {
						t.Fatalf("backward page %d: totalCount %d, forward %d", i, p.TotalCount, total)
					}
					if p.PageInfo.HasNextPage != (i > 0) {
						t.Fatalf("backward page %d: hasNextPage %v", i, p.PageInfo.HasNextPage)
					}
					for j := len(p.Edges) - 1; j >= 0; j-- {
						back = append(back, relayEdge{p.Edges[j].Node.ID, p.Edges[j].Cursor})
					}
					if !p.PageInfo.HasPreviousPage {
						break
					}
					if len(p.Edges) != k || i > 50 {
						t.Fatalf("backward page %d: %d edges with hasPreviousPage", i, len(p.Edges))
					}
					before = *p.PageInfo.StartCursor
				}
				slices.Reverse(back)
				if !slices.Equal(back, fwd) {
					t.Fatalf("backwards, reversed:\n%v\nforwards:\n%v", back, fwd)
				}

				// A forward page's cursor as `before`, alone and with
				// `after` (the rows between the two), either way.
				ids := func(p relayConn) []string {
					var out []string
					for _, e := range p.Edges {
						out = append(out, e.Node.ID)
					}
					return out
				}
				want := func(es []relayEdge) []string {
					var out []string
					for _, e := range es {
						out = append(out, e.id)
					}
					return out
				}
				p := rc.page(t, c, map[string]any{"last": 2, "before": fwd[5].cursor})
				if !slices.Equal(ids(p), want(fwd[3:5])) || !p.PageInfo.HasPreviousPage || !p.PageInfo.HasNextPage {
					t.Fatalf("last 2 before the 6th: %v %+v, want %v", ids(p), p.PageInfo, want(fwd[3:5]))
				}
				p = rc.page(t, c, map[string]any{"first": 10, "after": fwd[0].cursor, "before": fwd[5].cursor})
				if !slices.Equal(ids(p), want(fwd[1:5])) || !p.PageInfo.HasPreviousPage || p.PageInfo.HasNextPage {
					t.Fatalf("first 10 between the 1st and 6th: %v %+v, want %v", ids(p), p.PageInfo, want(fwd[1:5]))
				}
				p = rc.page(t, c, map[string]any{"last": 2, "after": fwd[0].cursor, "before": fwd[5].cursor})
				if !slices.Equal(ids(p), want(fwd[3:5])) || !p.PageInfo.HasPreviousPage || !p.PageInfo.HasNextPage {
					t.Fatalf("last 2 between the 1st and 6th: %v %+v, want %v", ids(p), p.PageInfo, want(fwd[3:5]))
				}
				// The whole list backwards in one page, and none of it.
				p = rc.page(t, c, map[string]any{"last": total})
				if !slices.Equal(ids(p), want(fwd)) || p.PageInfo.HasPreviousPage || p.PageInfo.HasNextPage {
					t.Fatalf("last %d: %v %+v", total, ids(p), p.PageInfo)
				}
				p = rc.page(t, c, map[string]any{"last": 0})
				if len(p.Edges) != 0 || !p.PageInfo.HasPreviousPage || p.PageInfo.HasNextPage || p.TotalCount != total {
					t.Fatalf("last 0: %+v", p)
				}
				p = rc.page(t, c, map[string]any{"last": k, "before": fwd[0].cursor})
				if len(p.Edges) != 0 || p.PageInfo.HasPreviousPage || !p.PageInfo.HasNextPage {
					t.Fatalf("before the first: %+v", p)
				}

				// Abuse: out of bounds, both sizes, cursors that are not
				// this connection's.
				for _, bad := range []struct {
					page  map[string]any
					field string
				}{
					{map[string]any{"last": -1}, "last"},
					{map[string]any{"last": 100000}, "last"},
					{map[string]any{"last": models.MaxPageSize + 1}, "last"},
					{map[string]any{"first": 3, "last": 3}, "last"},
					{map[string]any{"last": 3, "before": "garbage!"}, "before"},
					{map[string]any{"last": 3, "before": base64.RawURLEncoding.EncodeToString([]byte(`c:-5`))}, "before"},
					{map[string]any{"last": 3, "before": base64.RawURLEncoding.EncodeToString([]byte(`{"o":"ROLE","d":true,"i":-1}`))}, "before"},
					{map[string]any{"first": 3, "after": fwd[0].cursor, "before": "%%%"}, "before"},
				} {
					r := rc.do(t, c, bad.page)
					wantField(t, r, bad.field)
				}
			})
		}
		// A cursor of one member order is refused by another, as `before`
		// as it is as `after`.
		t.Run("CursorOfAnotherOrder", func(t *testing.T) {
			byName, byEmail := cases[0], cases[2]
			p := byEmail.page(t, ten.owner, map[string]any{"first": 3})
			r := byName.do(t, ten.owner, map[string]any{"last": 2, "before": p.Edges[2].Cursor})
			wantField(t, r, "before")
			r = byName.do(t, ten.owner, map[string]any{"first": 2, "after": p.Edges[2].Cursor})
			wantField(t, r, "after")
		})
	})
}
