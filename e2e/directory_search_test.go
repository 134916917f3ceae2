package e2e

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/models"
)

// directorySearch is the emails the caller's first organization's directory
// lists for a search.
func directorySearch(t *testing.T, c *testenv.Client, text string) []string {
	t.Helper()
	var out struct {
		Me struct {
			Organizations []struct {
				Members struct {
					Edges []struct{ Node struct{ Email string } }
				}
			}
		}
	}
	c.MustDo(t, `query($s: String) { me { organizations { members(search: $s, first: 50) { edges { node { email } } } } } }`,
		map[string]any{"s": text}, &out)
	var emails []string
	for _, e := range out.Me.Organizations[0].Members.Edges {
		emails = append(emails, e.Node.Email)
	}
	return emails
}

// accountSearch is the emails of an account's members a search lists, in
// the default order.
func accountSearch(t *testing.T, c *testenv.Client, account, text string) []string {
	t.Helper()
	var emails []string
	for _, e := range members(t, c, account, map[string]any{"filter": map[string]any{"search": text}, "first": 50}).Node.Members.Edges {
		emails = append(emails, e.Node.User.Email)
	}
	return emails
}

// The search follows people as they rename themselves, join and leave:
// the index is written with the change, in its transaction.
func TestDirectorySearchFollowsChanges(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com") // Ada Lovelace
		sub := f.createAccount(t, f.owner, f.rootID, "Sub")
		carla := n.AddMember(t, sub, "carla@example.com", models.Grant{Role: models.RoleAgent})
		if got := accountSearch(t, f.owner, sub, "zeph"); len(got) != 0 {
			t.Fatalf("before the rename: %v", got)
		}
		carla.MustDo(t, `mutation { updateProfile(input: {firstName: "Zéphyrine", lastName: "Nuñez"}) { id } }`, nil, &struct{}{})
		for _, text := range []string{"zeph", "ZÉPH nun", "nunez zephyrine", "carla", "carla@example.com"} {
			if got := accountSearch(t, f.owner, sub, text); !slices.Equal(got, []string{"carla@example.com"}) {
				t.Fatalf("after the rename, %q: %v", text, got)
			}
		}
		if got := accountSearch(t, f.owner, sub, "member"); len(got) != 0 {
			t.Fatalf("the old first name still finds %v", got)
		}
		// The inherited owner is found in the sub-account too; an empty or
		// blank search lists everyone, punctuation alone no one.
		if got := accountSearch(t, f.owner, sub, "lovel"); !slices.Equal(got, []string{"owner@example.com"}) {
			t.Fatalf("inherited: %v", got)
		}
		if got := accountSearch(t, f.owner, sub, "  "); len(got) != 2 {
			t.Fatalf("blank search: %v", got)
		}
		if got := accountSearch(t, f.owner, sub, "@"); len(got) != 0 {
			t.Fatalf("punctuation alone: %v", got)
		}
		if got := directorySearch(t, f.owner, "zeph"); !slices.Equal(got, []string{"carla@example.com"}) {
			t.Fatalf("organization directory: %v", got)
		}
		var carlaID struct {
			Me struct{ ID string }
		}
		carla.MustDo(t, `{ me { id } }`, nil, &carlaID)
		f.owner.MustDo(t, `mutation($o: ID!, $u: ID!) { removeFromOrganization(input: {organizationId: $o, userId: $u}) }`,
			map[string]any{"o": f.orgID, "u": carlaID.Me.ID}, &struct{}{})
		if got := directorySearch(t, f.owner, "zeph"); len(got) != 0 {
			t.Fatalf("after leaving the organization: %v", got)
		}
		// Coming back through an invitation files them again.
		n.AddMember(t, f.rootID, "carla@example.com", models.Grant{Role: models.RoleAgent})
		if got := accountSearch(t, f.owner, f.rootID, "zeph"); !slices.Equal(got, []string{"carla@example.com"}) {
			t.Fatalf("after coming back: %v", got)
		}
		if r := f.owner.Do(t, membersQuery, map[string]any{"id": f.rootID, "filter": map[string]any{"search": "a b c d e f g h i"}}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("nine words: %+v", r.Errors)
		}
	})
}

// People renaming themselves at once each rewrite their index rows beside
// one another's: every rename succeeds (on MySQL, exact-key writes take no
// gap locks to deadlock on) and the index ends with each person's last
// name.
func TestDirectorySearchConcurrentRenames(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n := testenv.StartNode(t, store, testenv.NodeOptions{})
		f := newOrg(t, n, "owner@example.com")
		const people, renames = 6, 8
		clients := make([]*testenv.Client, people)
		for i := range clients {
			clients[i] = n.AddMember(t, f.rootID, fmt.Sprintf("p%d@example.com", i), models.Grant{Role: models.RoleAgent})
		}
		var wg sync.WaitGroup
		errs := make(chan string, people*renames)
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < renames; k++ {
					// Neighbouring keys: every name starts "nam".
					r := c.Do(t, `mutation($n: String!) { updateProfile(input: {firstName: $n}) { id } }`, map[string]any{"n": fmt.Sprintf("Nam%d%d", k, i)})
					if len(r.Errors) > 0 {
						errs <- fmt.Sprintf("%+v", r.Errors)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatalf("a rename failed: %s", e)
		}
		for i := range clients {
			want := fmt.Sprintf("p%d@example.com", i)
			if got := accountSearch(t, f.owner, f.rootID, fmt.Sprintf("nam%d%d", renames-1, i)); !slices.Equal(got, []string{want}) {
				t.Fatalf("last name of %s: %v", want, got)
			}
		}
		if got := accountSearch(t, f.owner, f.rootID, "nam0"); len(got) != 0 {
			t.Fatalf("first names still indexed: %v", got)
		}
	})
}
