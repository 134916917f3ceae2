package browser

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
)

// apolloResult is one result an Apollo Client watched query emitted.
type apolloResult struct {
	DataState string `json:"dataState"`
	Loading   bool   `json:"loading"`
	Data      *struct {
		Me struct {
			ID       *string `json:"id"`
			Email    *string `json:"email"`
			Sessions *[]struct {
				ID         string `json:"id"`
				DeviceName string `json:"deviceName"`
			} `json:"sessions"`
		} `json:"me"`
	} `json:"data"`
	Error json.RawMessage `json:"error"`
}

// TestApolloClientDefer runs a query with @defer through the real Apollo
// Client 4 (its 2022-08-24 incremental handler), over HttpLink and over
// GraphQLWsLink: each time the client gets email first, the deferred
// sessions after, and ends with the complete result.
func TestApolloClientDefer(t *testing.T) {
	node := requireNPMPackages(t, "@apollo/client", "rxjs", "graphql-ws", "ws")
	store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
	n := testenv.StartNode(t, store, testenv.NodeOptions{})
	c, auth := n.SignUp(t, "ada@example.com")

	line := runNodeScript(t, node, "apollo-defer.mjs", []string{n.Server.URL + "/query"}, "ROLLCALL_TOKEN="+c.Token)
	var rep struct {
		Version     string         `json:"version"`
		Accept      string         `json:"accept"`
		ContentType string         `json:"contentType"`
		HTTP        []apolloResult `json:"http"`
		Websocket   []apolloResult `json:"websocket"`
	}
	if err := json.Unmarshal(line, &rep); err != nil {
		t.Fatalf("the script printed no JSON result (%v): %s", err, line)
	}
	t.Logf("@apollo/client %s: %s", rep.Version, line)
	if !strings.Contains(rep.Accept, "multipart/mixed;deferSpec=20220824") {
		t.Errorf("HttpLink did not ask for incremental delivery: Accept %q", rep.Accept)
	}
	if !strings.HasPrefix(rep.ContentType, "multipart/mixed") {
		t.Errorf("the HTTP response was not streamed: Content-Type %q", rep.ContentType)
	}
	for link, results := range map[string][]apolloResult{"HttpLink": rep.HTTP, "GraphQLWsLink": rep.Websocket} {
		checkApolloDefer(t, link, results, auth.Session.ID)
	}
}

// checkApolloDefer asserts the results with data are, in order: email
// without sessions (streaming), then the complete data.
func checkApolloDefer(t *testing.T, link string, results []apolloResult, sessionID string) {
	t.Helper()
	var withData []apolloResult
	for i, r := range results {
		if len(r.Error) > 0 && string(r.Error) != "null" {
			t.Errorf("%s: result %d is an error: %s", link, i, r.Error)
			return
		}
		if r.Data != nil {
			withData = append(withData, r)
		}
	}
	if len(withData) < 2 {
		t.Errorf("%s: want a streaming result then the complete one, got %+v", link, results)
		return
	}
	first, last := withData[0], withData[len(withData)-1]
	if me := first.Data.Me; first.DataState != "streaming" || me.Email == nil || *me.Email != "ada@example.com" || me.Sessions != nil {
		t.Errorf("%s: first result: want email without sessions, streaming; got %+v", link, first)
	}
	me := last.Data.Me
	if last.DataState != "complete" || me.Sessions == nil || me.Email == nil || *me.Email != "ada@example.com" {
		t.Errorf("%s: last result: want the complete data; got %+v", link, last)
		return
	}
	if s := *me.Sessions; len(s) != 1 || s[0].ID != sessionID || s[0].DeviceName == "" {
		t.Errorf("%s: sessions %+v", link, s)
	}
}
