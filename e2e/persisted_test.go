package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/app"
	"github.com/rollcall/rollcall/config"
	"github.com/rollcall/rollcall/graph"
	"github.com/rollcall/rollcall/internal/testenv"
)

// Persisted queries (issue 12, item 3): automatic persisted queries as
// Apollo Client sends them, and trusted documents. The rules do not depend
// on the store: the node uses Redis when TEST_REDIS_URL is set, its LRU
// otherwise; the sharing between nodes and the Redis outage have tests of
// their own.

const pqCatalogue = `query Catalogue { products { key } }`

// pqBody is a POST body carrying extensions.persistedQuery (and the
// query text unless it is empty).
func pqBody(query, hash string) string {
	body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	if query != "" {
		body["query"] = query
	}
	return mustJSON(body)
}

// pqGet is the path of a GET as Apollo Client sends a hashed query.
func pqGet(hash, operationName string, vars map[string]any) string {
	q := url.Values{}
	q.Set("extensions", mustJSON(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}))
	if operationName != "" {
		q.Set("operationName", operationName)
	}
	if vars != nil {
		q.Set("variables", mustJSON(vars))
	}
	return "/query?" + q.Encode()
}

func postPQ(t *testing.T, n *testenv.Node, query, hash string, hdr map[string]string) rawResult {
	t.Helper()
	return send(t, n, "POST", "/query", "application/json", "application/json", pqBody(query, hash), hdr)
}

func pqWantCode(t *testing.T, what string, r rawResult, code string) {
	t.Helper()
	if r.code() != code {
		t.Fatalf("%s: want %s, got %d %v", what, code, r.status, r.body)
	}
}

func pqWantData(t *testing.T, what string, r rawResult) {
	t.Helper()
	if r.status != 200 || r.body["errors"] != nil || r.body["data"] == nil {
		t.Fatalf("%s: want data, got %d %v", what, r.status, r.body)
	}
}

func TestPersistedQueriesAPQ(t *testing.T) {
	store := testenv.Store{Name: "sqlite", URL: "sqlite:" + testenv.SQLitePath(t)}
	n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, Env: map[string]string{
		"PERSISTED_QUERIES_MAX_BYTES": "1024", "PERSISTED_QUERIES_MAX_ENTRIES": "3",
	}})
	owner := newOrg(t, n, "owner@example.com").owner
	auth := map[string]string{"Authorization": "Bearer " + owner.Token}
	hash := graph.HashDocument(pqCatalogue)

	// The first hash alone misses, as Apollo Client expects, and a GET miss
	// is never cached.
	pqWantCode(t, "unknown hash", postPQ(t, n, "", hash, nil), "PERSISTED_QUERY_NOT_FOUND")
	miss := send(t, n, "GET", pqGet(hash, "Catalogue", nil), "", "application/json", "", nil)
	pqWantCode(t, "unknown hash over GET", miss, "PERSISTED_QUERY_NOT_FOUND")
	if cc := miss.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("a miss must not be cached: Cache-Control %q", cc)
	}

	// A text that does not match its hash is refused, and nothing is kept.
	other := graph.HashDocument(`{ products { name } }`)
	pqWantCode(t, "mismatched hash", postPQ(t, n, `{ products { name } }`, hash, nil), "BAD_USER_INPUT")
	pqWantCode(t, "after a mismatch", postPQ(t, n, "", hash, nil), "PERSISTED_QUERY_NOT_FOUND")
	pqWantCode(t, "after a mismatch, the text's own hash", postPQ(t, n, "", other, nil), "PERSISTED_QUERY_NOT_FOUND")

	// The text with its hash registers it; the hash alone is then served,
	// by POST and by GET with cache headers a CDN can use.
	pqWantData(t, "text with hash", postPQ(t, n, pqCatalogue, hash, nil))
	pqWantData(t, "hash alone", postPQ(t, n, "", hash, nil))
	pub := send(t, n, "GET", pqGet(hash, "Catalogue", nil), "", "application/json", "", nil)
	pqWantData(t, "hash alone over GET", pub)
	if cc := pub.header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("an anonymous GET query: Cache-Control %q", cc)
	}
	if vary := strings.Join(pub.header.Values("Vary"), ","); !strings.Contains(vary, "Authorization") {
		t.Errorf("Vary must name Authorization: %q", vary)
	}
	priv := send(t, n, "GET", pqGet(hash, "Catalogue", nil), "", "application/json", "", auth)
	pqWantData(t, "hash alone over GET with a token", priv)
	if cc := priv.header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") || strings.Contains(cc, "public") {
		t.Errorf("a GET with Authorization must be private: Cache-Control %q", cc)
	}
	// Variables and a viewer-dependent query over GET, hash alone.
	const meQuery = `query Me { me { email } }`
	pqWantData(t, "register me", postPQ(t, n, meQuery, graph.HashDocument(meQuery), auth))
	me := send(t, n, "GET", pqGet(graph.HashDocument(meQuery), "Me", map[string]any{}), "", "application/json", "", auth)
	if !strings.Contains(mustJSON(me.body), "owner@example.com") || !strings.HasPrefix(me.header.Get("Cache-Control"), "private") {
		t.Errorf("me over GET by hash: %v, Cache-Control %q", me.body, me.header.Get("Cache-Control"))
	}
	// POST answers carry no cache header for shared caches.
	if cc := postPQ(t, n, "", hash, nil).header.Get("Cache-Control"); strings.Contains(cc, "public") {
		t.Errorf("POST answered Cache-Control %q", cc)
	}

	// A mutation registered by POST is never run by GET.
	const signOut = `mutation SignOut { signOut }`
	postPQ(t, n, signOut, graph.HashDocument(signOut), nil)
	mut := send(t, n, "GET", pqGet(graph.HashDocument(signOut), "SignOut", nil), "", "application/json", "", auth)
	if mut.status != 405 || strings.Contains(mut.header.Get("Cache-Control"), "public") {
		t.Errorf("a mutation over GET by hash: %d %v (Cache-Control %q)", mut.status, mut.body, mut.header.Get("Cache-Control"))
	}

	// Bounds: the extension's shape and the hash format.
	for name, ext := range map[string]any{
		"not an object":  "abc",
		"version 2":      map[string]any{"version": 2, "sha256Hash": hash},
		"no version":     map[string]any{"sha256Hash": hash},
		"short hash":     map[string]any{"version": 1, "sha256Hash": "abc"},
		"uppercase hash": map[string]any{"version": 1, "sha256Hash": strings.ToUpper(hash)},
		"not hex":        map[string]any{"version": 1, "sha256Hash": strings.Repeat("z", 64)},
		"hash a number":  map[string]any{"version": 1, "sha256Hash": 12},
	} {
		r := send(t, n, "POST", "/query", "application/json", "application/json",
			mustJSON(map[string]any{"extensions": map[string]any{"persistedQuery": ext}}), nil)
		if r.code() != "BAD_USER_INPUT" || !strings.Contains(mustJSON(r.body), "persistedQuery") {
			t.Errorf("%s: want BAD_USER_INPUT naming persistedQuery, got %d %v", name, r.status, r.body)
		}
	}

	// A document that fails validation, or a limit, is not registered.
	const invalid = `{ nope }`
	pqWantCode(t, "invalid document", postPQ(t, n, invalid, graph.HashDocument(invalid), nil), "BAD_USER_INPUT")
	pqWantCode(t, "invalid document by hash", postPQ(t, n, "", graph.HashDocument(invalid), nil), "PERSISTED_QUERY_NOT_FOUND")
	deep := "{ me { organizations { rootAccount { organization { rootAccount { organization { rootAccount { organization { rootAccount { organization { rootAccount { organization { rootAccount { id } } } } } } } } } } } } }"
	pqWantCode(t, "too deep", postPQ(t, n, deep, graph.HashDocument(deep), nil), "BAD_USER_INPUT")
	pqWantCode(t, "too deep by hash", postPQ(t, n, "", graph.HashDocument(deep), nil), "PERSISTED_QUERY_NOT_FOUND")

	// A document over PERSISTED_QUERIES_MAX_BYTES is served but not kept.
	big := "query Big { products { key } }\n#" + strings.Repeat("x", 1100)
	pqWantData(t, "big document", postPQ(t, n, big, graph.HashDocument(big), nil))
	pqWantCode(t, "big document by hash", postPQ(t, n, "", graph.HashDocument(big), nil), "PERSISTED_QUERY_NOT_FOUND")

	// PERSISTED_QUERIES_MAX_ENTRIES=3: the least recently used goes.
	docs := []string{`query A { products { key } }`, `query B { products { name } }`, `query C { products { key name } }`, `query D { products { name key } }`}
	for _, d := range docs {
		pqWantData(t, "register "+d, postPQ(t, n, d, graph.HashDocument(d), nil))
	}
	pqWantCode(t, "the oldest of four", postPQ(t, n, "", graph.HashDocument(docs[0]), nil), "PERSISTED_QUERY_NOT_FOUND")
	pqWantData(t, "the newest", postPQ(t, n, "", graph.HashDocument(docs[3]), nil))

	// Websockets: a subscribe payload with the hash alone.
	ws := initWS(t, n, owner)
	meHash := graph.HashDocument(meQuery)
	for _, d := range []string{meQuery} {
		pqWantData(t, "register again "+d, postPQ(t, n, d, graph.HashDocument(d), auth))
	}
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": meHash}}}})
	if m := ws.nextEvent("1"); !strings.Contains(mustJSON(m), "owner@example.com") {
		t.Errorf("hash alone over the socket: %v", m)
	}
	ws.send(map[string]any{"id": "2", "type": "subscribe", "payload": map[string]any{
		"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)}}}})
	if m := ws.nextEvent("2"); !strings.Contains(mustJSON(m), "PERSISTED_QUERY_NOT_FOUND") {
		t.Errorf("unknown hash over the socket: %v", m)
	}
	ws.send(map[string]any{"id": "3", "type": "subscribe", "payload": map[string]any{"query": `{ products { key } }`,
		"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": meHash}}}})
	if m := ws.nextEvent("3"); !strings.Contains(mustJSON(m), "BAD_USER_INPUT") {
		t.Errorf("mismatched hash over the socket: %v", m)
	}
}

func TestPersistedQueriesOff(t *testing.T) {
	n := testenv.StartNode(t, testenv.Stores(t)[0], testenv.NodeOptions{Env: map[string]string{"PERSISTED_QUERIES": "off"}})
	hash := graph.HashDocument(pqCatalogue)
	pqWantCode(t, "hash alone", postPQ(t, n, "", hash, nil), "PERSISTED_QUERY_NOT_SUPPORTED")
	pqWantCode(t, "text with hash", postPQ(t, n, pqCatalogue, hash, nil), "PERSISTED_QUERY_NOT_SUPPORTED")
	pqWantData(t, "text alone", send(t, n, "POST", "/query", "application/json", "", mustJSON(map[string]any{"query": pqCatalogue}), nil))
}

// A hash registered on node A is served by node B, through Redis.
// On a cluster, the script that evicts documents keeps to one slot.
func TestPersistedQueriesSharedThroughRedis(t *testing.T) {
	testenv.EachRedis(t, persistedQueriesSharedThroughRedis)
}

func persistedQueriesSharedThroughRedis(t *testing.T, r testenv.RedisTarget) {
	prefix, rdb := r.Prefix, r.Client(t)
	store := testenv.Stores(t)[0]
	env := r.Env()
	env["PERSISTED_QUERIES_TTL"], env["PERSISTED_QUERIES_MAX_ENTRIES"] = "1h", "5"
	a := testenv.StartNode(t, store, testenv.NodeOptions{RedisPrefix: prefix, Env: env})
	b := testenv.StartNode(t, store, testenv.NodeOptions{RedisPrefix: prefix, Env: env})
	hash := graph.HashDocument(pqCatalogue)
	pqWantCode(t, "B before", postPQ(t, b, "", hash, nil), "PERSISTED_QUERY_NOT_FOUND")
	pqWantData(t, "A registers", postPQ(t, a, pqCatalogue, hash, nil))
	pqWantData(t, "B by hash", postPQ(t, b, "", hash, nil))
	pqWantData(t, "B by GET", send(t, b, "GET", pqGet(hash, "Catalogue", nil), "", "", "", nil))

	// In Redis, under REDIS_PREFIX, with the TTL, and at most
	// PERSISTED_QUERIES_MAX_ENTRIES documents.
	ctx := context.Background()
	key := prefix + "pq:{pq}doc:" + hash
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("%s: TTL %v, want at most 1h", key, ttl)
	}
	for i := range 12 {
		d := "query Many" + strconv.Itoa(i) + " { products { key } }"
		pqWantData(t, "register "+d, postPQ(t, a, d, graph.HashDocument(d), nil))
	}
	if n := len(testenv.NodeOf(t, rdb, prefix+"pq:{pq}index").Keys(ctx, prefix+"pq:{pq}doc:*").Val()); n != 5 {
		t.Errorf("%d documents in Redis, want PERSISTED_QUERIES_MAX_ENTRIES=5", n)
	}
	if n := rdb.ZCard(ctx, prefix+"pq:{pq}index").Val(); n != 5 {
		t.Errorf("the index holds %d, want 5", n)
	}

	// A document that does not hash to its key (a store written by someone
	// else) is not served.
	const forged = "query Forged { me { email } }"
	rdb.Set(ctx, prefix+"pq:{pq}doc:"+graph.HashDocument(pqCatalogue+" "), forged, time.Minute)
	pqWantCode(t, "a forged entry", postPQ(t, b, "", graph.HashDocument(pqCatalogue+" "), nil), "PERSISTED_QUERY_NOT_FOUND")
}

// Redis failing never takes the API down: a node keeps what it registered
// in its own LRU, answers PERSISTED_QUERY_NOT_FOUND for what it cannot
// look up (the client then sends the text, which is served), and counts
// the failures.
func TestPersistedQueriesRedisOutage(t *testing.T) {
	redisURL, prefix, proxy, _ := testenv.RedisViaProxy(t)
	if redisURL == "" {
		t.Skip("TEST_REDIS_URL is needed")
	}
	store := testenv.Stores(t)[0]
	a := testenv.StartNode(t, store, testenv.NodeOptions{RedisPrefix: prefix, Env: map[string]string{"REDIS_URL": redisURL}})
	b := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, RedisPrefix: prefix})
	before := `query Before { products { key } }`
	pqWantData(t, "registered before", postPQ(t, a, before, graph.HashDocument(before), nil))
	onB := `query OnB { products { name } }`
	pqWantData(t, "registered on B", postPQ(t, b, onB, graph.HashDocument(onB), nil))

	proxy.Cut()
	start := time.Now()
	pqWantData(t, "known locally", postPQ(t, a, "", graph.HashDocument(before), nil))
	pqWantCode(t, "known only to Redis", postPQ(t, a, "", graph.HashDocument(onB), nil), "PERSISTED_QUERY_NOT_FOUND")
	pqWantData(t, "the client resends the text", postPQ(t, a, onB, graph.HashDocument(onB), nil))
	pqWantData(t, "then served from the LRU", postPQ(t, a, "", graph.HashDocument(onB), nil))
	during := `query During { products { key name } }`
	pqWantData(t, "registered during", postPQ(t, a, during, graph.HashDocument(during), nil))
	pqWantData(t, "served during", send(t, a, "GET", pqGet(graph.HashDocument(during), "During", nil), "", "", "", nil))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the outage slowed requests down: %v for six", d)
	}
	if m := scrape(t, a); sampleOf(m, `rollcall_persisted_query_store_errors_total{op="get"}`) < 1 ||
		sampleOf(m, `rollcall_persisted_query_store_errors_total{op="add"}`) < 1 {
		t.Errorf("store failures not counted:\n%s", grepLines(m, "persisted"))
	}
	proxy.Restore()
}

// pqManifest writes a manifest of ops (name -> body) and returns its path.
func pqManifest(t *testing.T, ops [][3]string) string {
	t.Helper()
	var list []map[string]string
	for _, op := range ops {
		list = append(list, map[string]string{"id": graph.HashDocument(op[2]), "name": op[0], "type": op[1], "body": op[2]})
	}
	b, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": list})
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTrustedDocuments(t *testing.T) {
	const meQuery = "query Me {\n  me {\n    email\n  }\n}"
	const presence = `subscription Presence($a: ID!) { presenceChanged(accountId: $a) { accountId } }`
	path := pqManifest(t, [][3]string{{"Catalogue", "query", pqCatalogue}, {"Me", "query", meQuery}, {"Presence", "subscription", presence}})
	store := testenv.Stores(t)[0]
	n := testenv.StartNode(t, store, testenv.NodeOptions{Env: map[string]string{
		"PERSISTED_QUERIES": "only", "PERSISTED_QUERIES_MANIFEST": path,
	}})
	// The sign-up is not in the manifest: an ordinary node on the same
	// store makes the fixture.
	f := newOrg(t, testenv.StartNode(t, store, testenv.NodeOptions{}), "owner@example.com")
	hash := graph.HashDocument(pqCatalogue)

	// The manifest's documents run by hash (POST and GET), by text, or both.
	pqWantData(t, "hash alone", postPQ(t, n, "", hash, nil))
	pqWantData(t, "hash over GET", send(t, n, "GET", pqGet(hash, "Catalogue", nil), "", "", "", nil))
	pqWantData(t, "text with hash", postPQ(t, n, pqCatalogue, hash, nil))
	pqWantData(t, "text alone", send(t, n, "POST", "/query", "application/json", "", mustJSON(map[string]any{"query": pqCatalogue}), nil))

	// Anything else is refused, introspection included, and nothing is
	// registered at run time.
	const other = `{ products { name } }`
	pqWantCode(t, "other text", send(t, n, "POST", "/query", "application/json", "", mustJSON(map[string]any{"query": other}), nil), "PERSISTED_QUERY_NOT_IN_LIST")
	pqWantCode(t, "other text over GET", send(t, n, "GET", "/query?query="+url.QueryEscape(other), "", "", "", nil), "PERSISTED_QUERY_NOT_IN_LIST")
	pqWantCode(t, "other hash", postPQ(t, n, "", graph.HashDocument(other), nil), "PERSISTED_QUERY_NOT_FOUND")
	pqWantCode(t, "other text with its hash", postPQ(t, n, other, graph.HashDocument(other), nil), "PERSISTED_QUERY_NOT_IN_LIST")
	pqWantCode(t, "other hash after", postPQ(t, n, "", graph.HashDocument(other), nil), "PERSISTED_QUERY_NOT_FOUND")
	pqWantCode(t, "introspection", send(t, n, "POST", "/query", "application/json", "", mustJSON(map[string]any{"query": `{ __schema { queryType { name } } }`}), nil), "PERSISTED_QUERY_NOT_IN_LIST")
	pqWantCode(t, "a manifest text with another text's hash", postPQ(t, n, pqCatalogue, graph.HashDocument(other), nil), "BAD_USER_INPUT")

	// Websockets: the same rules.
	ws := initWS(t, n, f.owner)
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": other}})
	if m := ws.nextEvent("1"); !strings.Contains(mustJSON(m), "PERSISTED_QUERY_NOT_IN_LIST") {
		t.Errorf("other text over the socket: %v", m)
	}
	ws.send(map[string]any{"id": "2", "type": "subscribe", "payload": map[string]any{"variables": map[string]any{"a": f.rootID},
		"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": graph.HashDocument(presence)}}}})
	ws.send(map[string]any{"id": "3", "type": "subscribe", "payload": map[string]any{"query": meQuery}})
	if m := ws.nextEvent("3"); !strings.Contains(mustJSON(m), "owner@example.com") {
		t.Errorf("the manifest's Me over the socket: %v", m)
	}
	ws.send(map[string]any{"id": "2", "type": "complete"})

	// The manifest's names are metric labels.
	if m := scrape(t, n); !strings.Contains(m, `rollcall_graphql_requests_total{operation="Catalogue",type="query"}`) {
		t.Errorf("the manifest's operation names are labels:\n%s", grepLines(m, "requests_total"))
	}
}

// A bad manifest stops the start with a message naming the operation.
func TestTrustedDocumentsBadManifest(t *testing.T) {
	good := [3]string{"Catalogue", "query", pqCatalogue}
	for name, ops := range map[string][][3]string{
		"does not validate": {good, {"Broken", "query", `query Broken { nope }`}},
		"does not parse":    {good, {"Broken", "query", `query Broken {`}},
		"wrong type":        {good, {"Broken", "mutation", `query Broken { me { email } }`}},
		"wrong name":        {good, {"Broken", "query", `query Other { me { email } }`}},
	} {
		t.Run(name, func(t *testing.T) {
			path := pqManifest(t, ops)
			cfg, err := config.Load(testenv.Env(map[string]string{
				"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "r.db"), "MAIL_URL": "file:" + t.TempDir(),
				"PERSISTED_QUERIES": "only", "PERSISTED_QUERIES_MANIFEST": path,
			}))
			if err != nil {
				t.Fatal(err)
			}
			a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler)})
			if err == nil {
				_ = a.Close()
				t.Fatal("the node started")
			}
			if !strings.Contains(err.Error(), "PERSISTED_QUERIES_MANIFEST") || !strings.Contains(err.Error(), `"Broken"`) {
				t.Errorf("the error must name the setting and the operation: %v", err)
			}
		})
	}
}
