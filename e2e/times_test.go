package e2e

import (
	"encoding/csv"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
)

// apiTime is the one form of a time the API gives out (models.TimeLayout).
var apiTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// TestTimesAreUniform: times read from either store (SQLite keeps
// nanoseconds, MySQL microseconds) leave through GraphQL and through the CSV
// export in the same RFC 3339 UTC millisecond form, and the same instant is
// the same text in both.
func TestTimesAreUniform(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		var inv struct{}
		f.owner.MustDo(t, `mutation($a: [ID!]!) { inviteUsers(input: {accountIds: $a, emails: "pending@example.com", role: AGENT}) { results { outcome } } }`,
			map[string]any{"a": []string{f.rootID}}, &inv)
		var out struct {
			Me struct {
				CreatedAt   string `json:"createdAt"`
				Sessions    []map[string]any
				Memberships []struct {
					CreatedAt string `json:"createdAt"`
				}
			} `json:"me"`
			Account struct {
				MembersCsvURL string `json:"membersCsvUrl"`
				Invitations   struct {
					Edges []struct{ Node map[string]any }
				}
			} `json:"account"`
		}
		f.owner.MustDo(t, `query($id: ID!) {
  me { createdAt sessions { createdAt lastSeenAt expiresAt } memberships { createdAt } }
  account(id: $id) { membersCsvUrl invitations(first: 5) { edges { node { createdAt expiresAt lastSentAt } } } }
}`, map[string]any{"id": f.rootID}, &out)
		times := []string{out.Me.CreatedAt, out.Me.Memberships[0].CreatedAt}
		for _, s := range out.Me.Sessions {
			for _, v := range s {
				times = append(times, v.(string))
			}
		}
		invitation := out.Account.Invitations.Edges[0].Node
		for _, v := range invitation {
			times = append(times, v.(string))
		}
		if len(times) != 8 {
			t.Fatalf("times read: %v", times)
		}
		for _, s := range times {
			if !apiTime.MatchString(s) {
				t.Errorf("GraphQL time %q is not RFC 3339 UTC with milliseconds", s)
			}
		}

		url := out.Account.MembersCsvURL
		req, _ := http.NewRequest(http.MethodGet, n.Server.URL+url[strings.Index(url, "/export/"):], nil)
		req.Header.Set("Authorization", "Bearer "+f.owner.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("export %d: %v %s", resp.StatusCode, err, body)
		}
		joined := map[string]string{}
		for _, r := range rows[1:] {
			joined[r[0]] = r[len(r)-1]
			if r[9] != "" && !apiTime.MatchString(r[9]) {
				t.Errorf("CSV last_active_at %q is not RFC 3339 UTC with milliseconds", r[9])
			}
		}
		if got, want := joined["owner@example.com"], out.Me.Memberships[0].CreatedAt; got != want {
			t.Errorf("the owner's joined_at: CSV %q, GraphQL %q", got, want)
		}
		if got, want := joined["pending@example.com"], invitation["createdAt"]; got != want {
			t.Errorf("the invitation's created time: CSV %q, GraphQL %q", got, want)
		}
	})
}
