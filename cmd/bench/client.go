package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rollcall/rollcall/models"
)

// gqlClient posts GraphQL operations to the node as one signed-in device.
type gqlClient struct {
	http  *http.Client
	base  string // http://127.0.0.1:PORT
	token string
}

func newGQLClient(base string, maxConns int, timeout time.Duration) *gqlClient {
	tr := &http.Transport{
		MaxIdleConns:        maxConns * 2,
		MaxIdleConnsPerHost: maxConns * 2,
		MaxConnsPerHost:     maxConns * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &gqlClient{http: &http.Client{Transport: tr, Timeout: timeout}, base: base}
}

func (c *gqlClient) request(ctx context.Context, query string, vars map[string]any) (*http.Request, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/query", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "rollcall-bench")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// raw sends an operation and returns the response body, failing on a non-200
// status or on a body that carries GraphQL errors (checked without decoding,
// so the client spends as little CPU as possible on the shared cores).
func (c *gqlClient) raw(ctx context.Context, query string, vars map[string]any) ([]byte, error) {
	req, err := c.request(ctx, query, vars)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"errors":`)) {
		if len(body) > 500 {
			body = body[:500]
		}
		return nil, fmt.Errorf("GraphQL %d: %s", resp.StatusCode, body)
	}
	return body, nil
}

// do sends an operation and decodes its data into out.
func (c *gqlClient) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := c.raw(ctx, query, vars)
	if err != nil {
		return err
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, out)
}

// membersQuery is the page the benchmark fetches: role, membership fields
// and the person's user fields.
const membersQuery = `query Members($id: ID!, $filter: MemberFilter, $first: Int, $after: String) {
  node(id: $id) {
    ... on Account {
      members(filter: $filter, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            id role permissions inherited createdAt
            products { key }
            user { id email firstName lastName displayName lastActiveAt }
          }
        }
      }
    }
  }
}`

type gqlPage struct {
	Node *struct {
		Members struct {
			TotalCount int64 `json:"totalCount"`
			PageInfo   struct {
				HasNextPage bool   `json:"hasNextPage"`
				EndCursor   string `json:"endCursor"`
			} `json:"pageInfo"`
			Edges []struct {
				Node struct {
					User struct {
						ID string `json:"id"`
					} `json:"user"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"members"`
	} `json:"node"`
}

func membersVars(accountGID, search string, first int, after string) map[string]any {
	v := map[string]any{"id": accountGID, "first": first}
	if search != "" {
		v["filter"] = map[string]any{"search": search}
	}
	if after != "" {
		v["after"] = after
	}
	return v
}

// page fetches and decodes one members page, returning its user ids.
func (c *gqlClient) page(ctx context.Context, accountGID, search string, first int, after string) (*gqlPage, []int64, error) {
	var p gqlPage
	if err := c.do(ctx, membersQuery, membersVars(accountGID, search, first, after), &p); err != nil {
		return nil, nil, err
	}
	if p.Node == nil {
		return nil, nil, errors.New("account not found or not visible to the owner")
	}
	ids := make([]int64, 0, len(p.Node.Members.Edges))
	for _, e := range p.Node.Members.Edges {
		id, err := models.ParseID(models.KindUser, e.Node.User.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("user id %q: %w", e.Node.User.ID, err)
		}
		ids = append(ids, id)
	}
	return &p, ids, nil
}

func (c *gqlClient) signIn(ctx context.Context, email, password string) error {
	var out struct {
		SignIn struct {
			Token string `json:"token"`
		} `json:"signIn"`
	}
	err := c.do(ctx, `mutation($in: SignInInput!) { signIn(input: $in) { token } }`,
		map[string]any{"in": map[string]any{"email": email, "password": password, "deviceName": "rollcall-bench"}}, &out)
	if err != nil {
		return fmt.Errorf("sign in as %s: %w", email, err)
	}
	c.token = out.SignIn.Token
	return nil
}

func (c *gqlClient) signOut(ctx context.Context) error {
	var out struct {
		SignOut bool `json:"signOut"`
	}
	return c.do(ctx, `mutation { signOut }`, nil, &out)
}

// rootAccount returns the owner's user id and the global id of the first
// organization's root account.
func (c *gqlClient) rootAccount(ctx context.Context) (ownerID int64, accountGID string, err error) {
	var out struct {
		Me *struct {
			ID            string `json:"id"`
			Organizations []struct {
				Name        string `json:"name"`
				RootAccount struct {
					ID string `json:"id"`
				} `json:"rootAccount"`
			} `json:"organizations"`
		} `json:"me"`
	}
	if err := c.do(ctx, `{ me { id organizations { name rootAccount { id } } } }`, nil, &out); err != nil {
		return 0, "", err
	}
	if out.Me == nil || len(out.Me.Organizations) == 0 {
		return 0, "", errors.New("the owner belongs to no organization: is the database seeded?")
	}
	if ownerID, err = models.ParseID(models.KindUser, out.Me.ID); err != nil {
		return 0, "", fmt.Errorf("owner id %q: %w", out.Me.ID, err)
	}
	return ownerID, out.Me.Organizations[0].RootAccount.ID, nil
}
