package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/testenv"
)

// TestApolloClientDefer runs a query with @defer through the real Apollo
// Client 4 (HttpLink, its 2022-08-24 incremental handler): the client asks
// for multipart/mixed, gets email first, the deferred sessions after, and
// ends with the complete result.
func TestApolloClientDefer(t *testing.T) {
	node := requireNPMPackages(t, "@apollo/client", "rxjs")
	store := testenv.Store{Name: "sqlite", URL: "sqlite:" + filepath.Join(t.TempDir(), "rollcall.db")}
	n := testenv.StartNode(t, store, testenv.NodeOptions{})
	c, auth := signUp(t, n, "ada@example.com")

	line := runNodeScript(t, node, "apollo-defer.mjs", []string{n.Server.URL + "/query"}, "ROLLCALL_TOKEN="+c.Token)
	type me struct {
		ID       *string `json:"id"`
		Email    *string `json:"email"`
		Sessions *[]struct {
			ID         string `json:"id"`
			DeviceName string `json:"deviceName"`
		} `json:"sessions"`
	}
	var rep struct {
		Version     string `json:"version"`
		Accept      string `json:"accept"`
		ContentType string `json:"contentType"`
		Results     []struct {
			DataState string           `json:"dataState"`
			Loading   bool             `json:"loading"`
			Data      *struct{ Me me } `json:"data"`
			Error     json.RawMessage  `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(line, &rep); err != nil {
		t.Fatalf("the script printed no JSON result (%v): %s", err, line)
	}
	t.Logf("@apollo/client %s: %s", rep.Version, line)
	if !strings.Contains(rep.Accept, "multipart/mixed;deferSpec=20220824") {
		t.Errorf("the client did not ask for incremental delivery: Accept %q", rep.Accept)
	}
	if !strings.HasPrefix(rep.ContentType, "multipart/mixed") {
		t.Errorf("the response was not streamed: Content-Type %q", rep.ContentType)
	}

	// The results with data, in order: email first (sessions not there yet),
	// then the complete result.
	var withData []int
	for i, r := range rep.Results {
		if string(r.Error) != "" && string(r.Error) != "null" {
			t.Fatalf("result %d is an error: %s", i, r.Error)
		}
		if r.Data != nil {
			withData = append(withData, i)
		}
	}
	if len(withData) < 2 {
		t.Fatalf("want a streaming result then the complete one, got %d results with data: %s", len(withData), line)
	}
	first := rep.Results[withData[0]]
	if first.DataState != "streaming" || first.Data.Me.Email == nil || *first.Data.Me.Email != "ada@example.com" || first.Data.Me.Sessions != nil {
		t.Errorf("first result: want email without sessions, streaming; got %+v", first)
	}
	last := rep.Results[len(rep.Results)-1]
	if last.DataState != "complete" || last.Data == nil || last.Data.Me.Sessions == nil {
		t.Fatalf("last result: want the complete data; got %+v", last)
	}
	if s := *last.Data.Me.Sessions; len(s) != 1 || s[0].ID != auth.Session.ID || s[0].DeviceName == "" ||
		last.Data.Me.Email == nil || *last.Data.Me.Email != "ada@example.com" {
		t.Errorf("complete result: %+v", last.Data.Me)
	}
}
