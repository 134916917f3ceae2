package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

type auRow struct {
	ID          string `json:"id"`
	Action      string `json:"action"`
	Actor       *struct{ ID string }
	TargetUser  *struct{ ID string } `json:"targetUser"`
	TargetEmail *string              `json:"targetEmail"`
	Account     *struct{ ID string }
	Details     string    `json:"details"`
	CreatedAt   time.Time `json:"createdAt"`
}

type auPage struct {
	Rows      []auRow
	Total     int
	HasNext   bool
	EndCursor string
}

func (p auPage) actions() []string {
	out := make([]string, 0, len(p.Rows))
	for _, r := range p.Rows {
		out = append(out, r.Action)
	}
	return out
}

const auQuery = `query($id: ID!, $filter: AuditFilter, $first: Int, $after: String) {
  node(id: $id) { ... on Organization { auditLog(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id action actor { id } targetUser { id } targetEmail account { id } details ipAddress createdAt } } } } } }`

func auLog(t *testing.T, c *testenv.Client, orgID string, filter map[string]any, first *int, after string) (auPage, *testenv.Response) {
	t.Helper()
	vars := map[string]any{"id": orgID, "filter": filter}
	if first != nil {
		vars["first"] = *first
	}
	if after != "" {
		vars["after"] = after
	}
	r := c.Do(t, auQuery, vars)
	if len(r.Errors) > 0 {
		return auPage{}, r
	}
	var out struct {
		Node *struct {
			AuditLog struct {
				TotalCount int `json:"totalCount"`
				PageInfo   struct {
					HasNextPage bool    `json:"hasNextPage"`
					EndCursor   *string `json:"endCursor"`
				} `json:"pageInfo"`
				Edges []struct {
					Cursor string `json:"cursor"`
					Node   auRow  `json:"node"`
				} `json:"edges"`
			} `json:"auditLog"`
		} `json:"node"`
	}
	r.Decode(t, &out)
	if out.Node == nil {
		t.Fatalf("organization %s not visible: %s", orgID, r.Data)
	}
	l := out.Node.AuditLog
	p := auPage{Total: l.TotalCount, HasNext: l.PageInfo.HasNextPage}
	if l.PageInfo.EndCursor != nil {
		p.EndCursor = *l.PageInfo.EndCursor
	}
	for _, e := range l.Edges {
		p.Rows = append(p.Rows, e.Node)
	}
	return p, r
}

func auMustLog(t *testing.T, c *testenv.Client, orgID string, filter map[string]any) auPage {
	t.Helper()
	p, r := auLog(t, c, orgID, filter, nil, "")
	if len(r.Errors) > 0 {
		t.Fatalf("auditLog: %+v", r.Errors)
	}
	return p
}

func TestAuditLog(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		ten := ctNewTenant(t, n, "audit-owner@example.com")
		admin := n.AddMember(t, ten.rootID, "audit-admin@example.com", models.Grant{Role: models.RoleAdmin})
		manager := n.AddMember(t, ten.rootID, "audit-manager@example.com", models.Grant{Role: models.RoleManager})
		agent := n.AddMember(t, ten.rootID, "audit-agent@example.com", models.Grant{Role: models.RoleAgent})
		adminID, agentID := userID(t, admin), userID(t, agent)

		// signUp wrote the first event.
		first := auMustLog(t, ten.owner, ten.orgID, nil)
		if !slices.Equal(first.actions(), []string{"ORGANIZATION_CREATED"}) || first.Total != 1 {
			t.Fatalf("after signUp: %+v", first)
		}
		created := first.Rows[0]
		if created.Actor == nil || created.Actor.ID != ten.ownerID || created.TargetUser == nil || created.TargetUser.ID != ten.ownerID ||
			created.TargetEmail == nil || *created.TargetEmail != "audit-owner@example.com" ||
			created.Account == nil || created.Account.ID != ten.rootID || !strings.Contains(created.Details, "organizationName") ||
			created.CreatedAt.IsZero() {
			t.Fatalf("ORGANIZATION_CREATED %+v", created)
		}
		if k, _, err := models.ParseGlobalID(created.ID); err != nil || k != models.KindAuditEvent {
			t.Fatalf("id %q", created.ID)
		}

		// The same clock as the server's: everything below happens at or after t0.
		t0 := time.Now().UTC().Truncate(time.Microsecond)
		ten.owner.MustDo(t, `mutation($in: UpdateOrganizationInput!) { updateOrganization(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"id": ten.orgID, "name": "Renamed"}}, &struct{}{})
		branch := ctSubAccount(t, admin, ten.rootID, "Branch")
		ten.owner.MustDo(t, `mutation($in: UpdateMemberProfileInput!) { updateMemberProfile(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"userId": agentID, "firstName": "Agatha"}}, &struct{}{})
		branchAdmin := n.AddMember(t, branch, "audit-branch-admin@example.com", models.Grant{Role: models.RoleAdmin})

		all := []string{"MEMBER_PROFILE_UPDATED", "ACCOUNT_CREATED", "ORGANIZATION_UPDATED", "ORGANIZATION_CREATED"}

		t.Run("NewestFirst", func(t *testing.T) {
			p := auMustLog(t, ten.owner, ten.orgID, nil)
			if !slices.Equal(p.actions(), all) || p.Total != 4 || p.HasNext {
				t.Fatalf("log %+v", p)
			}
			if p.Rows[0].TargetUser == nil || p.Rows[0].TargetUser.ID != agentID {
				t.Fatalf("target %+v", p.Rows[0])
			}
		})

		t.Run("Filters", func(t *testing.T) {
			since, until := t0.Format(time.RFC3339Nano), t0.Format(time.RFC3339Nano)
			for _, tc := range []struct {
				name   string
				filter map[string]any
				want   []string
			}{
				{"Empty", map[string]any{}, all},
				{"Action", map[string]any{"actions": []string{"ORGANIZATION_CREATED"}}, []string{"ORGANIZATION_CREATED"}},
				{"Actions", map[string]any{"actions": []string{"ORGANIZATION_UPDATED", "ACCOUNT_CREATED"}}, []string{"ACCOUNT_CREATED", "ORGANIZATION_UPDATED"}},
				{"NoMatchingAction", map[string]any{"actions": []string{"ACCESS_REVOKED"}}, nil},
				{"Actor", map[string]any{"actorId": adminID}, []string{"ACCOUNT_CREATED"}},
				{"Target", map[string]any{"targetUserId": agentID}, []string{"MEMBER_PROFILE_UPDATED"}},
				{"ActorAndAction", map[string]any{"actorId": ten.ownerID, "actions": []string{"ORGANIZATION_UPDATED"}}, []string{"ORGANIZATION_UPDATED"}},
				{"ActorAndTarget", map[string]any{"actorId": adminID, "targetUserId": agentID}, nil},
				{"Since", map[string]any{"since": since}, all[:3]},
				{"Until", map[string]any{"until": until}, []string{"ORGANIZATION_CREATED"}},
				{"SinceUntil", map[string]any{"since": since, "until": time.Now().Add(time.Hour).Format(time.RFC3339Nano)}, all[:3]},
				{"EmptyWindow", map[string]any{"since": since, "until": until}, nil},
				{"SinceAndActor", map[string]any{"since": since, "actorId": ten.ownerID}, []string{"MEMBER_PROFILE_UPDATED", "ORGANIZATION_UPDATED"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := auMustLog(t, ten.owner, ten.orgID, tc.filter)
					if !slices.Equal(p.actions(), tc.want) || p.Total != len(tc.want) {
						t.Fatalf("got %v (total %d), want %v", p.actions(), p.Total, tc.want)
					}
				})
			}
		})

		t.Run("Pagination", func(t *testing.T) {
			two := 2
			p1, r := auLog(t, ten.owner, ten.orgID, nil, &two, "")
			if len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			if !slices.Equal(p1.actions(), all[:2]) || !p1.HasNext || p1.Total != 4 {
				t.Fatalf("page 1 %+v", p1)
			}
			p2, r := auLog(t, ten.owner, ten.orgID, nil, &two, p1.EndCursor)
			if len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			if !slices.Equal(p2.actions(), all[2:]) || p2.HasNext || p2.Total != 4 {
				t.Fatalf("page 2 %+v", p2)
			}
			seen := map[string]bool{}
			for _, row := range append(p1.Rows, p2.Rows...) {
				if seen[row.ID] {
					t.Fatalf("repeated %s", row.ID)
				}
				seen[row.ID] = true
			}
			// A filter and a cursor combine.
			one := 1
			f := map[string]any{"actorId": ten.ownerID}
			q1, _ := auLog(t, ten.owner, ten.orgID, f, &one, "")
			q2, _ := auLog(t, ten.owner, ten.orgID, f, &one, q1.EndCursor)
			if !slices.Equal(append(q1.actions(), q2.actions()...), []string{"MEMBER_PROFILE_UPDATED", "ORGANIZATION_UPDATED"}) || !q2.HasNext || q2.Total != 3 {
				t.Fatalf("filtered pages %+v %+v", q1, q2)
			}
		})

		t.Run("Access", func(t *testing.T) {
			if p := auMustLog(t, admin, ten.orgID, nil); p.Total != 4 {
				t.Fatalf("admin sees %+v", p)
			}
			for name, c := range map[string]*testenv.Client{"Manager": manager, "Agent": agent, "SubAccountAdmin": branchAdmin} {
				t.Run(name, func(t *testing.T) {
					_, r := auLog(t, c, ten.orgID, nil, nil, "")
					ctWantCode(t, r, "FORBIDDEN", "")
				})
			}
			other := ctNewTenant(t, n, "audit-other@example.com")
			_, r := auLog(t, other.owner, ten.orgID, nil, nil, "")
			ctWantCode(t, r, "NOT_FOUND", "")
			// Their own log holds only their events; nobody else's.
			p := auMustLog(t, other.owner, other.orgID, map[string]any{"actorId": ten.ownerID})
			if p.Total != 0 {
				t.Fatalf("other tenant filtered on a foreign actor: %+v", p)
			}
			_, r = auLog(t, n.Client(), ten.orgID, nil, nil, "")
			ctWantCode(t, r, "UNAUTHENTICATED", "")
		})
	})
}
