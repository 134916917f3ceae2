package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/rollcall/rollcall/graph/generated"
)

// Manifest is a set of trusted documents: an Apollo persisted-query
// manifest, as @apollo/generate-persisted-query-manifest writes it at
// build time:
//
//	{"format": "apollo-persisted-query-manifest", "version": 1,
//	 "operations": [{"id": "<sha256 of body>", "name": "Me", "type": "query", "body": "query Me { … }"}]}
//
// A nil *Manifest is empty.
type Manifest struct {
	byHash map[string]string
	names  []string
}

// Manifest bounds: what a front end's build produces is far below them.
const (
	maxManifestBytes      = 16 << 20
	maxManifestOperations = 10_000
)

// Has reports a document of the manifest by hash.
func (m *Manifest) Has(hash string) bool {
	if m == nil {
		return false
	}
	_, ok := m.byHash[hash]
	return ok
}

// Get returns the document of hash.
func (m *Manifest) Get(hash string) (string, bool) {
	if m == nil {
		return "", false
	}
	doc, ok := m.byHash[hash]
	return doc, ok
}

// Len is the number of operations.
func (m *Manifest) Len() int {
	if m == nil {
		return 0
	}
	return len(m.byHash)
}

// OperationNames are the names of the manifest's operations, sorted.
func (m *Manifest) OperationNames() []string {
	if m == nil {
		return nil
	}
	return append([]string(nil), m.names...)
}

// LoadManifest reads and checks a manifest file: the format and version,
// every id the sha256 of its body, every body a document that parses and
// validates against the schema with the operation its name and type say.
// The error names the operation at fault.
func LoadManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifestBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, maxManifestBytes>>20)
	}
	return ParseManifest(data)
}

// ParseManifest checks a manifest as LoadManifest does.
func ParseManifest(data []byte) (*Manifest, error) {
	var file struct {
		Format     string `json:"format"`
		Version    int    `json:"version"`
		Operations []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Type string `json:"type"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("not a persisted-query manifest in JSON: %w", err)
	}
	if file.Format != "apollo-persisted-query-manifest" || file.Version != 1 {
		return nil, fmt.Errorf(`format %q version %d: expected "apollo-persisted-query-manifest" version 1`, file.Format, file.Version)
	}
	if len(file.Operations) > maxManifestOperations {
		return nil, fmt.Errorf("%d operations: at most %d", len(file.Operations), maxManifestOperations)
	}
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	rules := ValidationRules()
	m := &Manifest{byHash: make(map[string]string, len(file.Operations))}
	names := map[string]bool{}
	for i, op := range file.Operations {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("operation %d %q (id %s): %s", i, op.Name, op.ID, fmt.Sprintf(format, args...))
		}
		if !ValidHash(op.ID) {
			return nil, fail("the id must be the sha256 of the body in 64 lowercase hex digits")
		}
		if HashDocument(op.Body) != op.ID {
			return nil, fail("the id is not the sha256 of the body (it is %s)", HashDocument(op.Body))
		}
		if err := CheckDocument(op.Body, DefaultDocumentLimits); err != nil {
			return nil, fail("%s", err.Message)
		}
		doc, perr := parser.ParseQuery(&ast.Source{Name: op.Name, Input: op.Body})
		if perr != nil {
			return nil, fail("the body does not parse: %v", perr)
		}
		if errs := validator.ValidateWithRules(schema, doc, rules); len(errs) > 0 {
			return nil, fail("the body does not validate against the schema: %v", errors.Join(gqlErrs(errs)...))
		}
		def := doc.Operations.ForName(op.Name)
		if def == nil || op.Name == "" {
			return nil, fail("the body has no operation named %q", op.Name)
		}
		if string(def.Operation) != op.Type {
			return nil, fail("the operation is a %s, not a %q", def.Operation, op.Type)
		}
		m.byHash[op.ID] = op.Body
		if !names[op.Name] {
			names[op.Name] = true
			m.names = append(m.names, op.Name)
		}
	}
	sort.Strings(m.names)
	return m, nil
}

// With returns the union of m and other (either may be nil): the trusted
// documents of both, each name once.
func (m *Manifest) With(other *Manifest) *Manifest {
	out := &Manifest{byHash: map[string]string{}}
	seen := map[string]bool{}
	for _, part := range []*Manifest{m, other} {
		if part == nil {
			continue
		}
		for h, body := range part.byHash {
			out.byHash[h] = body
		}
		for _, n := range part.names {
			if !seen[n] {
				seen[n] = true
				out.names = append(out.names, n)
			}
		}
	}
	sort.Strings(out.names)
	return out
}

func gqlErrs[E error](list []E) []error {
	out := make([]error, len(list))
	for i, e := range list {
		out[i] = e
	}
	return out
}
