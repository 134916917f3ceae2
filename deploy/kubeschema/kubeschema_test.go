package kubeschema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// defs is a small document in the shape of Kubernetes' swagger.json: a
// kind referring to a spec, which refers to the two scalar types and to a
// type with a field called "properties".
func defs(t *testing.T) Definitions {
	t.Helper()
	const doc = `{
	  "io.k8s.api.demo.v1.Widget": {
	    "type": "object",
	    "properties": {
	      "apiVersion": {"type": "string"},
	      "kind": {"type": "string"},
	      "spec": {"$ref": "#/definitions/io.k8s.api.demo.v1.WidgetSpec", "description": "the spec"}
	    },
	    "x-kubernetes-group-version-kind": [{"group": "demo.example.com", "version": "v1", "kind": "Widget"}]
	  },
	  "io.k8s.api.demo.v1.WidgetSpec": {
	    "type": "object",
	    "required": ["port"],
	    "properties": {
	      "port": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
	      "memory": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"},
	      "labels": {"type": "object", "additionalProperties": {"type": "string"}},
	      "shape": {"$ref": "#/definitions/io.k8s.api.demo.v1.Shape"}
	    }
	  },
	  "io.k8s.api.demo.v1.Shape": {
	    "type": "object",
	    "properties": {"properties": {"type": "string"}}
	  },
	  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
	  "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
	  "io.k8s.api.core.v1.Loop": {
	    "type": "object",
	    "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "next": {"$ref": "#/definitions/io.k8s.api.core.v1.Loop"}},
	    "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Loop"}]
	  }
	}`
	var d Definitions
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSchemaIsStandaloneAndStrict(t *testing.T) {
	d := defs(t)
	s, err := d.Schema(Kind{"demo.example.com", "v1", "Widget"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "$ref") {
		t.Errorf("references left in %s", raw)
	}
	want := `{"additionalProperties":false,"properties":{"apiVersion":{"enum":["demo.example.com/v1"],"type":"string"},` +
		`"kind":{"enum":["Widget"],"type":"string"},"spec":{"additionalProperties":false,"properties":{` +
		`"labels":{"additionalProperties":{"type":"string"},"type":"object"},` +
		`"memory":{"oneOf":[{"type":"string"},{"type":"number"}]},` +
		`"port":{"oneOf":[{"type":"string"},{"type":"integer"}]},` +
		`"shape":{"additionalProperties":false,"properties":{"properties":{"type":"string"}},"type":"object"}},` +
		`"required":["port"],"type":"object"}},"type":"object",` +
		`"x-kubernetes-group-version-kind":[{"group":"demo.example.com","kind":"Widget","version":"v1"}]}`
	if string(raw) != want {
		t.Errorf("schema\n%s\nwant\n%s", raw, want)
	}
	// The document itself is left as it was (each schema is a copy).
	spec := d["io.k8s.api.demo.v1.WidgetSpec"].(map[string]any)
	if _, ok := spec["additionalProperties"]; ok {
		t.Error("the definitions were modified")
	}
}

func TestSchemaRefusesWhatCannotStandAlone(t *testing.T) {
	d := defs(t)
	if _, err := d.Schema(Kind{"", "v1", "Loop"}); err == nil || !strings.Contains(err.Error(), "recursive definition io.k8s.api.core.v1.Loop") {
		t.Errorf("recursive kind: %v", err)
	}
	if _, err := d.Schema(Kind{"demo.example.com", "v2", "Widget"}); err == nil || !strings.Contains(err.Error(), "no definition for demo.example.com/v2 Widget") {
		t.Errorf("unknown version: %v", err)
	}
	d["io.k8s.api.demo.v1.WidgetSpec"].(map[string]any)["properties"].(map[string]any)["gone"] = map[string]any{"$ref": "#/definitions/io.k8s.Missing"}
	if _, err := d.Schema(Kind{"demo.example.com", "v1", "Widget"}); err == nil || !strings.Contains(err.Error(), "missing definition io.k8s.Missing") {
		t.Errorf("dangling reference: %v", err)
	}
}

func TestFileNamesAreKubeconforms(t *testing.T) {
	for k, want := range map[Kind]string{
		{"apps", "v1", "Deployment"}:                     "deployment-apps-v1.json",
		{"", "v1", "ConfigMap"}:                          "configmap-v1.json",
		{"networking.k8s.io", "v1", "Ingress"}:           "ingress-networking-v1.json",
		{"autoscaling", "v2", "HorizontalPodAutoscaler"}: "horizontalpodautoscaler-autoscaling-v2.json",
	} {
		if got := k.FileName(); got != want {
			t.Errorf("%v: %s, want %s", k, got, want)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := defs(t).Write(dir, []Kind{{"demo.example.com", "v1", "Widget"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "widget-demo-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s["additionalProperties"], false) {
		t.Errorf("written schema is not strict: %s", raw)
	}
	if err := defs(t).Write(dir, []Kind{{"", "v1", "Loop"}}); err == nil {
		t.Error("Write of a recursive kind succeeded")
	}
}
