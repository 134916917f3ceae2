// Package kubeschema turns the Kubernetes OpenAPI v2 document (swagger.json,
// as the k8s.io/kubernetes module ships it in api/openapi-spec) into the
// standalone, strict JSON schemas kubeconform reads, for the kinds asked
// for. It is what openapi2jsonschema does for kubernetes-json-schema
// (--kubernetes --expanded --stand-alone --strict), in Go and without the
// network: kubeconform's default is to fetch those schemas from GitHub,
// which CI cannot reach, while the Go module proxy serves the document.
//
// The rules, as openapi2jsonschema's:
//   - every $ref is replaced by the definition it names (stand-alone), so
//     one file holds a whole kind;
//   - an object with properties and no additionalProperties gets
//     additionalProperties: false (strict: an unknown or misspelt field
//     fails);
//   - IntOrString is a string or an integer, Quantity a string or a
//     number (the document types both as strings);
//   - apiVersion and kind of a top-level kind are enums of its
//     group/version and kind, so a wrong apiVersion fails.
//
// Unlike openapi2jsonschema it does not admit null for optional fields
// (`field: ~`): the manifests checked here have none, and a null where an
// object belongs is more often a mistake than a choice.
package kubeschema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Definitions are the "definitions" of a swagger document, by name
// (io.k8s.api.apps.v1.Deployment).
type Definitions map[string]any

// Load reads the definitions of a swagger document.
func Load(path string) (Definitions, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI document: %w", err)
	}
	var doc struct {
		Definitions Definitions `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse OpenAPI document %s: %w", path, err)
	}
	if len(doc.Definitions) == 0 {
		return nil, fmt.Errorf("OpenAPI document %s has no definitions", path)
	}
	return doc.Definitions, nil
}

// Kind names a top-level API kind: Group is empty for the core group.
type Kind struct{ Group, Version, Kind string }

// APIVersion is the kind's apiVersion as manifests write it.
func (k Kind) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// FileName is the name kubeconform looks for with its default file-name
// template, {{ .ResourceKind }}{{ .KindSuffix }}.json: the kind in lower
// case, then the first label of the group (none for the core group), then
// the version: deployment-apps-v1.json, service-v1.json,
// ingress-networking-v1.json.
func (k Kind) FileName() string {
	name := strings.ToLower(k.Kind)
	if k.Group != "" {
		name += "-" + strings.ToLower(strings.Split(k.Group, ".")[0])
	}
	return name + "-" + strings.ToLower(k.Version) + ".json"
}

const (
	intOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	quantity    = "io.k8s.apimachinery.pkg.api.resource.Quantity"
	refPrefix   = "#/definitions/"
)

// Schema returns the standalone strict schema of kind.
func (d Definitions) Schema(kind Kind) (map[string]any, error) {
	name, err := d.find(kind)
	if err != nil {
		return nil, err
	}
	out, err := d.expand(d[name], []string{name})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind.APIVersion()+" "+kind.Kind, err)
	}
	schema := out.(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	for field, value := range map[string]string{"apiVersion": kind.APIVersion(), "kind": kind.Kind} {
		p, ok := props[field].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s has no %s property", name, field)
		}
		p["enum"] = []any{value}
	}
	if _, ok := schema["type"]; !ok {
		schema["type"] = "object"
	}
	return schema, nil
}

// find is the definition whose x-kubernetes-group-version-kind names kind.
func (d Definitions) find(kind Kind) (string, error) {
	var found []string
	for name, def := range d {
		m, _ := def.(map[string]any)
		gvks, _ := m["x-kubernetes-group-version-kind"].([]any)
		for _, g := range gvks {
			gvk, _ := g.(map[string]any)
			if gvk["group"] == kind.Group && gvk["version"] == kind.Version && gvk["kind"] == kind.Kind {
				found = append(found, name)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("no definition for %s %s in the OpenAPI document", kind.APIVersion(), kind.Kind)
	default:
		slices.Sort(found)
		return "", fmt.Errorf("several definitions for %s %s: %s", kind.APIVersion(), kind.Kind, strings.Join(found, ", "))
	}
}

// expand copies v with every reference replaced by its definition (path is
// the chain of definitions being expanded, to refuse a cycle, which a
// standalone schema cannot hold), strict objects and the two scalar types
// that are not strings.
func (d Definitions) expand(v any, path []string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			name, found := strings.CutPrefix(ref, refPrefix)
			if !found {
				return nil, fmt.Errorf("reference %q outside the document's definitions", ref)
			}
			switch name {
			case intOrString:
				return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}, nil
			case quantity:
				return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}, nil
			}
			if slices.Contains(path, name) {
				return nil, fmt.Errorf("recursive definition %s (through %s)", name, strings.Join(path, " > "))
			}
			def, ok := d[name]
			if !ok {
				return nil, fmt.Errorf("reference to the missing definition %s", name)
			}
			return d.expand(def, append(path[:len(path):len(path)], name))
		}
		out := make(map[string]any, len(v)+1)
		for k, x := range v {
			// properties maps field names to schemas: it is not a schema
			// itself (a field may be called "properties").
			if fields, ok := x.(map[string]any); ok && k == "properties" {
				expanded := make(map[string]any, len(fields))
				for name, f := range fields {
					e, err := d.expand(f, path)
					if err != nil {
						return nil, err
					}
					expanded[name] = e
				}
				out[k] = expanded
				continue
			}
			e, err := d.expand(x, path)
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		if _, ok := out["properties"]; ok {
			if _, set := out["additionalProperties"]; !set {
				out["additionalProperties"] = false
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			e, err := d.expand(x, path)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	default:
		return v, nil
	}
}

// Write writes the schema of each kind into dir under its FileName.
func (d Definitions) Write(dir string, kinds []Kind) error {
	var errs []error
	for _, k := range kinds {
		s, err := d.Schema(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		raw, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			errs = append(errs, fmt.Errorf("encode the schema of %s: %w", k.Kind, err))
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, k.FileName()), append(raw, '\n'), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("write the schema of %s: %w", k.Kind, err))
		}
	}
	return errors.Join(errs...)
}

// Module is the Go module whose api/openapi-spec/swagger.json is the
// published OpenAPI document of a Kubernetes release.
const Module = "k8s.io/kubernetes"

// Swagger returns the path of the OpenAPI document of Kubernetes version
// (v1.34.4), from the Go module cache, downloaded through the Go module
// proxy when it is not there yet. wantSum is the module's go.sum hash
// (h1:…): a module whose content differs is refused, so the schemas are
// those of the release named, wherever the module came from. Only the
// module is downloaded: it is not built, and no go.mod is touched (the
// command runs in an empty directory).
func Swagger(ctx context.Context, version, wantSum string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to download %s@%s: %w", Module, version, err)
	}
	dir, err := os.MkdirTemp("", "kubeschema-")
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, goBin, "mod", "download", "-json", Module+"@"+version)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %v: %s", Module, version, runErr, strings.TrimSpace(stderr.String()))
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", Module, version, info.Error)
	}
	if runErr != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w: %s", Module, version, runErr, strings.TrimSpace(stderr.String()))
	}
	if info.Sum != wantSum {
		return "", fmt.Errorf("%s@%s has the hash %s, want %s", Module, version, info.Sum, wantSum)
	}
	path := filepath.Join(info.Dir, "api", "openapi-spec", "swagger.json")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s@%s: %w", Module, version, err)
	}
	return path, nil
}
