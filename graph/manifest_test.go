package graph

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func manifestJSON(t *testing.T, format string, version int, ops ...map[string]string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"format": format, "version": version, "operations": ops})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func manifestOp(name, typ, body string) map[string]string {
	return map[string]string{"id": HashDocument(body), "name": name, "type": typ, "body": body}
}

func TestParseManifest(t *testing.T) {
	const me = "query Me { me { email } }"
	m, err := ParseManifest(manifestJSON(t, "apollo-persisted-query-manifest", 1,
		manifestOp("Me", "query", me), manifestOp("Catalogue", "query", "query Catalogue { products { key } }")))
	if err != nil {
		t.Fatal(err)
	}
	if doc, ok := m.Get(HashDocument(me)); !ok || doc != me || m.Len() != 2 {
		t.Fatalf("lookup by hash: %q %v, %d operations", doc, ok, m.Len())
	}
	if names := strings.Join(m.OperationNames(), ","); names != "Catalogue,Me" {
		t.Fatalf("names %s", names)
	}
	var empty *Manifest
	if empty.Has(HashDocument(me)) || empty.Len() != 0 || empty.OperationNames() != nil {
		t.Fatal("a nil manifest is empty")
	}

	upper := manifestOp("Me", "query", me)
	upper["id"] = strings.ToUpper(upper["id"])
	wrong := manifestOp("Me", "query", me)
	wrong["id"] = HashDocument("something else")
	deep := "query Deep { me { " + strings.Repeat("organizations { rootAccount { ", 30) + "id" + strings.Repeat(" } }", 30) + " } }"
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"not JSON":        {[]byte("{"), "not a persisted-query manifest"},
		"format":          {manifestJSON(t, "relay", 1), "apollo-persisted-query-manifest"},
		"version":         {manifestJSON(t, "apollo-persisted-query-manifest", 2), "version 1"},
		"uppercase id":    {manifestJSON(t, "apollo-persisted-query-manifest", 1, upper), `"Me"`},
		"id not the hash": {manifestJSON(t, "apollo-persisted-query-manifest", 1, wrong), "not the sha256"},
		"does not parse":  {manifestJSON(t, "apollo-persisted-query-manifest", 1, manifestOp("Bad", "query", "query Bad {")), `"Bad"`},
		"unknown field":   {manifestJSON(t, "apollo-persisted-query-manifest", 1, manifestOp("Bad", "query", "query Bad { nope }")), "validate"},
		"type":            {manifestJSON(t, "apollo-persisted-query-manifest", 1, manifestOp("Me", "subscription", me)), "not a"},
		"name":            {manifestJSON(t, "apollo-persisted-query-manifest", 1, manifestOp("You", "query", me)), `no operation named "You"`},
		"over the limits": {manifestJSON(t, "apollo-persisted-query-manifest", 1, manifestOp("Deep", "query", deep)), `"Deep"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseManifest(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error with %q, got %v", c.want, err)
			}
		})
	}
}

func TestParsePersistedExtension(t *testing.T) {
	h := HashDocument("{ me { email } }")
	for _, v := range []any{json.Number("1"), float64(1)} {
		if got, err := parsePersistedExtension(map[string]any{"version": v, "sha256Hash": h}); err != nil || got != h {
			t.Fatalf("version %v: %q %v", v, got, err)
		}
	}
	for _, bad := range []any{nil, "x", map[string]any{"version": json.Number("1.5"), "sha256Hash": h},
		map[string]any{"version": json.Number("1e999"), "sha256Hash": h}, map[string]any{"version": true, "sha256Hash": h},
		map[string]any{"version": 1.0, "sha256Hash": h + "0"}, map[string]any{"version": 1.0, "sha256Hash": strings.Repeat("g", 64)}} {
		if _, err := parsePersistedExtension(bad); err == nil || err.Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%v: want BAD_USER_INPUT, got %v", bad, err)
		}
	}
}

// With unites two manifests (either may be nil): every hash of both, each
// name once, sorted.
func TestManifestWith(t *testing.T) {
	const pq = "apollo-persisted-query-manifest"
	shared := manifestOp("Shared", "query", "query Shared { me { email } }")
	a, err := ParseManifest(manifestJSON(t, pq, 1, manifestOp("A", "query", "query A { me { id } }"), shared))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseManifest(manifestJSON(t, pq, 1, manifestOp("B", "query", "query B { products { key } }"), shared))
	if err != nil {
		t.Fatal(err)
	}
	u := a.With(b)
	if u.Len() != 3 || !slices.Equal(u.OperationNames(), []string{"A", "B", "Shared"}) {
		t.Fatalf("union: %d documents, names %v", u.Len(), u.OperationNames())
	}
	for _, doc := range []string{"query A { me { id } }", "query B { products { key } }"} {
		if !u.Has(HashDocument(doc)) {
			t.Fatalf("the union lacks %q", doc)
		}
	}
	var none *Manifest
	if got := none.With(a); got.Len() != 2 || a.Len() != 2 || b.Len() != 2 {
		t.Fatalf("nil.With(a) has %d documents; a and b keep theirs (%d, %d)", got.Len(), a.Len(), b.Len())
	}
}
