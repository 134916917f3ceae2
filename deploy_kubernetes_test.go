package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/yannh/kubeconform/pkg/validator"

	"github.com/rollcall/rollcall/config"
	"github.com/rollcall/rollcall/deploy/kubeschema"
	"github.com/rollcall/rollcall/graph"
	"github.com/rollcall/rollcall/graph/wstransport"
)

// The Kubernetes manifests under deploy/ cannot be applied here (no
// cluster): they are validated against the Kubernetes API's own schemas
// with kubeconform, strictly, and their promises — the drain outlasts
// SHUTDOWN_TIMEOUT, the probes ask the right paths on the right port, the
// configuration loads — are checked statically, as docker-compose.yml's are
// in deploy_test.go.

// The Kubernetes release whose API the manifests are validated against,
// and the go.sum hash of its k8s.io/kubernetes module, which carries the
// OpenAPI document (api/openapi-spec/swagger.json) the schemas are made
// from. To move on: pick a release the Go module proxy serves, run
// `go mod download -json k8s.io/kubernetes@vX.Y.Z` outside this module and
// copy its Sum.
const (
	kubernetesVersion   = "v1.34.4"
	kubernetesModuleSum = "h1:Yy6R4QB8C9kJPp25GFqEvX5XQwY5qzKeqD0Xx6oAcmk="
)

// deployDir holds the manifests kustomization.yaml applies; deployExamples
// those to copy and adapt (the Secret, an Ingress), validated too.
const (
	deployDir      = "deploy"
	deployExamples = "deploy/examples"
)

// manifestFiles are every manifest: kustomization.yaml's resources, then the
// examples.
func manifestFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, r := range kustomization(t).Resources {
		files = append(files, filepath.Join(deployDir, r))
	}
	examples, err := filepath.Glob(filepath.Join(deployExamples, "*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples in %s: %v", deployExamples, err)
	}
	return append(files, examples...)
}

// kubeSchemas writes the standalone strict schemas of the kinds the
// manifests use into a temporary directory, from the pinned release's
// OpenAPI document, and returns kubeconform's path template for them.
func kubeSchemas(t *testing.T, files []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	swagger, err := kubeschema.Swagger(ctx, kubernetesVersion, kubernetesModuleSum)
	if err != nil {
		t.Fatalf("the OpenAPI document of Kubernetes %s: %v", kubernetesVersion, err)
	}
	defs, err := kubeschema.Load(swagger)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []kubeschema.Kind
	for _, f := range files {
		for _, obj := range objects(t, f) {
			group, version, found := strings.Cut(obj.APIVersion, "/")
			if !found {
				group, version = "", obj.APIVersion
			}
			k := kubeschema.Kind{Group: group, Version: version, Kind: obj.Kind}
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	dir := t.TempDir()
	if err := defs.Write(dir, kinds); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "{{ .ResourceKind }}{{ .KindSuffix }}.json")
}

func kubeconform(t *testing.T, schemas string) validator.Validator {
	t.Helper()
	// Strict: unknown fields (additionalProperties false in every object
	// of the schemas) and duplicate keys fail. No schema location is
	// remote, and a kind without a schema is an error, not a skip.
	v, err := validator.New([]string{schemas}, validator.Opts{Strict: true, KubernetesVersion: strings.TrimPrefix(kubernetesVersion, "v")})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var statusNames = map[validator.Status]string{
	validator.Error: "error", validator.Skipped: "skipped", validator.Valid: "valid",
	validator.Invalid: "invalid", validator.Empty: "empty",
}

// validate returns kubeconform's verdict on each object of a file, one
// line each, and whether every object is valid.
func validate(v validator.Validator, name string, content []byte) ([]string, bool) {
	var lines []string
	ok := true
	for _, r := range v.Validate(name, io.NopCloser(bytes.NewReader(content))) {
		line := fmt.Sprintf("%s: %s", name, statusNames[r.Status])
		if r.Err != nil {
			line += ": " + r.Err.Error()
		}
		for _, e := range r.ValidationErrors {
			line += fmt.Sprintf("; %s: %s", e.Path, e.Msg)
		}
		lines = append(lines, line)
		if r.Status != validator.Valid {
			ok = false
		}
	}
	return lines, ok && len(lines) > 0
}

func TestKubernetesManifestsValidate(t *testing.T) {
	files := manifestFiles(t)
	v := kubeconform(t, kubeSchemas(t, files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines, ok := validate(v, f, raw)
		if !ok {
			t.Errorf("%s does not validate against Kubernetes %s:\n%s", f, kubernetesVersion, strings.Join(lines, "\n"))
		}
		t.Log(strings.Join(lines, "\n"))
	}

	// The validation refuses what it must: each broken copy of a valid
	// manifest fails.
	for _, c := range []struct{ name, file, old, new string }{
		{"unknown field", "deployment.yaml", "readinessProbe:", "readinesProbe:"},
		{"unknown field at the top", "pdb.yaml", "\nspec:", "\nspecs:"},
		{"unknown field at the top of a spec", "service.yaml", "type: ClusterIP", "type: ClusterIP\n  stickiness: true"},
		{"wrong type", "deployment.yaml", "containerPort: 8080", `containerPort: "8080"`},
		{"wrong type in a number", "hpa.yaml", "averageUtilization: 70", "averageUtilization: seventy"},
		{"missing required field", "hpa.yaml", "  maxReplicas: 10\n", "\n"},
		{"unknown kind", "pdb.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets"},
		{"duplicate key", "service.yaml", "type: ClusterIP", "type: ClusterIP\n  type: NodePort"},
	} {
		raw, err := os.ReadFile(filepath.Join(deployDir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte(c.old)) {
			t.Fatalf("%s: %s no longer contains %q: update the case", c.name, c.file, c.old)
		}
		broken := bytes.Replace(raw, []byte(c.old), []byte(c.new), 1)
		lines, ok := validate(v, c.file, broken)
		if ok {
			t.Errorf("%s: a broken %s validates:\n%s", c.name, c.file, strings.Join(lines, "\n"))
		}
		t.Logf("%s: %s", c.name, strings.Join(lines, "\n"))
	}
}

// The manifests' shapes, as far as the checks below read them.

type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       yaml.RawMessage   `yaml:"spec"`
}

type selector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
	TimeoutSeconds int `yaml:"timeoutSeconds"`
}

type container struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
		SecretRef    *struct{ Name string } `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Lifecycle      struct {
		PreStop *struct {
			Sleep *struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
}

type deploymentSpec struct {
	Replicas *int     `yaml:"replicas"`
	Selector selector `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
			SecurityContext               struct {
				RunAsNonRoot bool `yaml:"runAsNonRoot"`
				RunAsUser    int  `yaml:"runAsUser"`
			} `yaml:"securityContext"`
			TopologySpreadConstraints []struct {
				TopologyKey   string   `yaml:"topologyKey"`
				LabelSelector selector `yaml:"labelSelector"`
			} `yaml:"topologySpreadConstraints"`
			Containers []container `yaml:"containers"`
		} `yaml:"spec"`
	} `yaml:"template"`
}

type serviceSpec struct {
	Selector map[string]string `yaml:"selector"`
	Ports    []struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort any    `yaml:"targetPort"`
	} `yaml:"ports"`
}

type pdbSpec struct {
	MinAvailable   any      `yaml:"minAvailable"`
	MaxUnavailable any      `yaml:"maxUnavailable"`
	Selector       selector `yaml:"selector"`
}

type hpaSpec struct {
	ScaleTargetRef struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Name       string `yaml:"name"`
	} `yaml:"scaleTargetRef"`
	MinReplicas int `yaml:"minReplicas"`
	MaxReplicas int `yaml:"maxReplicas"`
	Metrics     []struct {
		Type     string `yaml:"type"`
		Resource *struct {
			Name   string `yaml:"name"`
			Target struct {
				Type               string `yaml:"type"`
				AverageUtilization int    `yaml:"averageUtilization"`
			} `yaml:"target"`
		} `yaml:"resource"`
	} `yaml:"metrics"`
}

type ingressSpec struct {
	Rules []struct {
		HTTP struct {
			Paths []struct {
				Backend struct {
					Service struct {
						Name string `yaml:"name"`
						Port struct {
							Name string `yaml:"name"`
						} `yaml:"port"`
					} `yaml:"service"`
				} `yaml:"backend"`
			} `yaml:"paths"`
		} `yaml:"http"`
	} `yaml:"rules"`
}

type kustomizationFile struct {
	Resources []string `yaml:"resources"`
	Images    []struct {
		Name    string `yaml:"name"`
		NewName string `yaml:"newName"`
		NewTag  string `yaml:"newTag"`
		Digest  string `yaml:"digest"`
	} `yaml:"images"`
}

func kustomization(t *testing.T) kustomizationFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomizationFile
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	return k
}

// objects are the documents of a manifest file.
func objects(t *testing.T, file string) []object {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var objs []object
	for {
		var o object
		err := dec.Decode(&o)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if o.Kind == "" || o.APIVersion == "" {
			t.Fatalf("%s: a document without apiVersion and kind", file)
		}
		objs = append(objs, o)
	}
	return objs
}

// manifests are every object of every manifest file, by kind; each kind
// but the examples' appears once.
func manifests(t *testing.T) map[string]object {
	t.Helper()
	byKind := map[string]object{}
	for _, f := range manifestFiles(t) {
		for _, o := range objects(t, f) {
			if _, dup := byKind[o.Kind]; dup {
				t.Fatalf("two objects of kind %s (the checks expect one)", o.Kind)
			}
			byKind[o.Kind] = o
		}
	}
	for _, kind := range []string{"ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Ingress"} {
		if _, ok := byKind[kind]; !ok {
			t.Fatalf("no %s among the manifests", kind)
		}
	}
	return byKind
}

func spec[T any](t *testing.T, o object) T {
	t.Helper()
	var s T
	if err := yaml.Unmarshal(o.Spec, &s); err != nil {
		t.Fatalf("%s spec: %v", o.Kind, err)
	}
	return s
}

func TestKubernetesManifestsKeepTheirPromises(t *testing.T) {
	objs := manifests(t)
	dep := spec[deploymentSpec](t, objs["Deployment"])
	pod := dep.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want the API's alone", len(pod.Containers))
	}
	c := pod.Containers[0]

	// The configuration the pod gets: the ConfigMap and the Secret it
	// names, then its own env. It must load, and every variable must be
	// one Rollcall reads (a misspelt name would be ignored silently), Go's
	// runtime settings aside.
	cm, secret := objs["ConfigMap"], objs["Secret"]
	var fromCM, fromSecret bool
	for _, e := range c.EnvFrom {
		fromCM = fromCM || (e.ConfigMapRef != nil && e.ConfigMapRef.Name == cm.Metadata.Name)
		fromSecret = fromSecret || (e.SecretRef != nil && e.SecretRef.Name == secret.Metadata.Name)
	}
	if !fromCM || !fromSecret {
		t.Errorf("the container's envFrom must name ConfigMap %q and Secret %q", cm.Metadata.Name, secret.Metadata.Name)
	}
	env := map[string]string{}
	for _, source := range []map[string]string{cm.Data, secret.StringData} {
		for k, v := range source {
			if _, dup := env[k]; dup {
				t.Errorf("%s is set in both the ConfigMap and the Secret", k)
			}
			env[k] = v
		}
	}
	runtime := map[string]string{}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "GO") {
			runtime[e.Name] = e.Value
			continue
		}
		env[e.Name] = e.Value
	}
	read := map[string]bool{}
	cfg, err := config.Load(func(k string) string {
		read[k] = true
		return env[k]
	})
	if err != nil {
		t.Fatalf("the pod's environment does not load: %v", err)
	}
	for k := range env {
		if !read[k] {
			t.Errorf("%s is set for the pod but Rollcall does not read it", k)
		}
	}
	// A read-only root filesystem leaves SQLite and the file mailer
	// nowhere to write.
	if !strings.HasPrefix(cfg.DatabaseURL, "mysql://") {
		t.Errorf("DATABASE_URL %s…: the pods share one MySQL store (and cannot write SQLite files)", scheme(cfg.DatabaseURL))
	}
	if !strings.HasPrefix(cfg.MailURL, "smtp://") && !strings.HasPrefix(cfg.MailURL, "smtps://") {
		t.Errorf("MAIL_URL %s…: mail must go over SMTP (the root filesystem is read-only)", scheme(cfg.MailURL))
	}
	if cfg.RedisURL == "" {
		t.Error("REDIS_URL is empty: several pods share presence through Redis")
	}
	if !c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is off: nothing needs to write")
	}

	// The drain: the preStop sleep keeps the pod serving while load
	// balancers forget it, then SIGTERM gives SHUTDOWN_TIMEOUT to drain, and
	// the grace period covers both with room to spare, or the kubelet's
	// SIGKILL lands in the drain.
	if c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatal("no preStop sleep action (the image has no shell for an exec sleep)")
	}
	preStop := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second
	if preStop <= cfg.ShutdownTimeout {
		t.Errorf("preStop sleep %v must be longer than SHUTDOWN_TIMEOUT %v", preStop, cfg.ShutdownTimeout)
	}
	if grace <= preStop+cfg.ShutdownTimeout+5*time.Second {
		t.Errorf("terminationGracePeriodSeconds %v leaves no room past preStop %v + SHUTDOWN_TIMEOUT %v", grace, preStop, cfg.ShutdownTimeout)
	}
	if cfg.ShutdownTimeout <= cfg.RequestTimeout {
		t.Errorf("SHUTDOWN_TIMEOUT %v must exceed REQUEST_TIMEOUT %v: a request begun before the stop may finish", cfg.ShutdownTimeout, cfg.RequestTimeout)
	}

	// Probes: readiness on /readyz, liveness on /healthz (200 during the
	// start too), both on the port HTTP_ADDR binds.
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	portOf := func(where string, addr string) int {
		i := strings.LastIndex(addr, ":")
		n, err := strconv.Atoi(addr[i+1:])
		if err != nil {
			t.Fatalf("%s %q has no port", where, addr)
		}
		return n
	}
	httpPort := portOf("HTTP_ADDR", cfg.HTTPAddr)
	resolve := func(where string, port any) int {
		switch p := port.(type) {
		case string:
			n, ok := ports[p]
			if !ok {
				t.Errorf("%s: port %q is not a container port", where, p)
			}
			return n
		case uint64:
			return int(p)
		case int64:
			return int(p)
		}
		t.Errorf("%s: port %v (%T)", where, port, port)
		return 0
	}
	for _, pr := range []struct {
		name, path string
		p          *probe
	}{{"readinessProbe", "/readyz", c.ReadinessProbe}, {"livenessProbe", "/healthz", c.LivenessProbe}} {
		if pr.p == nil || pr.p.HTTPGet == nil {
			t.Errorf("no %s httpGet", pr.name)
			continue
		}
		if pr.p.HTTPGet.Path != pr.path {
			t.Errorf("%s asks %s, want %s", pr.name, pr.p.HTTPGet.Path, pr.path)
		}
		if got := resolve(pr.name, pr.p.HTTPGet.Port); got != httpPort {
			t.Errorf("%s on port %d, HTTP_ADDR listens on %d", pr.name, got, httpPort)
		}
		// /readyz bounds its checks at 2 s: the probe must wait longer.
		if pr.p.TimeoutSeconds <= 2 {
			t.Errorf("%s timeoutSeconds %d: /readyz may take 2 s", pr.name, pr.p.TimeoutSeconds)
		}
	}
	if cfg.MetricsAddr == "" || ports["metrics"] != portOf("METRICS_ADDR", cfg.MetricsAddr) {
		t.Errorf("the metrics container port %d is not METRICS_ADDR %q", ports["metrics"], cfg.MetricsAddr)
	}

	// Resources: requests (which the autoscaler's utilization is a share
	// of, and the scheduler places by) and limits, and the Go heap bound
	// below the memory limit.
	for _, r := range []string{"cpu", "memory"} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req == "" || lim == "" {
			t.Errorf("%s: request %q, limit %q: both must be set", r, req, lim)
			continue
		}
		if quantity(t, req) > quantity(t, lim) {
			t.Errorf("%s request %s above its limit %s", r, req, lim)
		}
	}
	if gml, ok := runtime["GOMEMLIMIT"]; !ok || quantity(t, strings.TrimSuffix(gml, "B")) >= 0.9*quantity(t, c.Resources.Limits["memory"]) {
		t.Errorf("GOMEMLIMIT %q must be set below 90%% of the memory limit %s", gml, c.Resources.Limits["memory"])
	}

	// The image's user, never root, no privilege.
	sc := c.SecurityContext
	if !pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser != 65532 {
		t.Errorf("pod securityContext must run as non-root uid 65532 (the image's USER)")
	}
	if !slices.Contains(dockerfile(t), "USER 65532:65532") {
		t.Error("the Dockerfile's USER is no longer 65532: update the pod's runAsUser")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
		t.Error("the container must drop ALL capabilities and forbid privilege escalation")
	}

	// Selectors: the Deployment's pods are what the Service, the budget and
	// the spread constraints select.
	labels := dep.Template.Metadata.Labels
	matches := func(sel map[string]string) bool {
		if len(sel) == 0 {
			return false
		}
		for k, v := range sel {
			if labels[k] != v {
				return false
			}
		}
		return true
	}
	if !matches(dep.Selector.MatchLabels) {
		t.Error("the Deployment's selector does not match its pods")
	}
	if dep.Replicas != nil {
		t.Error("the Deployment sets replicas: the autoscaler owns the count, and each apply would reset it")
	}
	var perNode bool
	for _, tsc := range pod.TopologySpreadConstraints {
		perNode = perNode || (tsc.TopologyKey == "kubernetes.io/hostname" && matches(tsc.LabelSelector.MatchLabels))
	}
	if !perNode {
		t.Error("no topology spread across nodes (kubernetes.io/hostname) selecting the pods")
	}
	svc := spec[serviceSpec](t, objs["Service"])
	if !matches(svc.Selector) {
		t.Error("the Service's selector does not match the pods")
	}
	svcPorts := map[string]bool{}
	for _, p := range svc.Ports {
		svcPorts[p.Name] = true
		if p.Name == "http" && resolve("Service port http", p.TargetPort) != httpPort {
			t.Errorf("the Service's http port does not target HTTP_ADDR's port %d", httpPort)
		}
	}

	// The budget lets one pod go at a time and never all.
	hpa := spec[hpaSpec](t, objs["HorizontalPodAutoscaler"])
	pdb := spec[pdbSpec](t, objs["PodDisruptionBudget"])
	if !matches(pdb.Selector.MatchLabels) {
		t.Error("the PodDisruptionBudget's selector does not match the pods")
	}
	switch {
	case (pdb.MinAvailable == nil) == (pdb.MaxUnavailable == nil):
		t.Error("the PodDisruptionBudget must set one of minAvailable and maxUnavailable")
	case pdb.MaxUnavailable != nil:
		n, ok := pdb.MaxUnavailable.(uint64)
		if !ok || n < 1 || int(n) >= hpa.MinReplicas {
			t.Errorf("maxUnavailable %v: want a count from 1 to below minReplicas %d (a percentage rounds differently at each size)", pdb.MaxUnavailable, hpa.MinReplicas)
		}
	default:
		n, ok := pdb.MinAvailable.(uint64)
		if !ok || n < 1 || int(n) >= hpa.MinReplicas {
			t.Errorf("minAvailable %v: want a count from 1 to below minReplicas %d, or no drain could proceed", pdb.MinAvailable, hpa.MinReplicas)
		}
	}

	// The autoscaler scales this Deployment on CPU.
	ref := hpa.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != objs["Deployment"].Metadata.Name {
		t.Errorf("the autoscaler targets %s %s %s, not the Deployment", ref.APIVersion, ref.Kind, ref.Name)
	}
	if hpa.MinReplicas < 2 || hpa.MaxReplicas < hpa.MinReplicas {
		t.Errorf("replicas %d to %d: at least 2, and max ≥ min", hpa.MinReplicas, hpa.MaxReplicas)
	}
	var cpu bool
	for _, m := range hpa.Metrics {
		if m.Type == "Resource" && m.Resource != nil && m.Resource.Name == "cpu" && m.Resource.Target.Type == "Utilization" {
			u := m.Resource.Target.AverageUtilization
			cpu = u > 0 && u <= 100
		}
	}
	if !cpu {
		t.Error("the autoscaler has no CPU utilization target from 1 to 100%")
	}

	// The Ingress routes to the Service's http port and lets websockets
	// sit idle longer than the server's ping interval and pong deadline.
	ing := objs["Ingress"]
	for _, r := range spec[ingressSpec](t, ing).Rules {
		for _, p := range r.HTTP.Paths {
			if b := p.Backend.Service; b.Name != objs["Service"].Metadata.Name || !svcPorts[b.Port.Name] || b.Port.Name != "http" {
				t.Errorf("the Ingress routes to %s:%s, not the Service's http port", b.Name, b.Port.Name)
			}
		}
	}
	ws := graph.NewWebsocket(nil, slog.New(slog.DiscardHandler))
	if ws.PingInterval == 0 { // the transport's defaults apply
		ws.PingInterval, ws.PongTimeout = wstransport.DefaultPingInterval, 2*wstransport.DefaultPingInterval
	}
	for _, a := range []string{"nginx.ingress.kubernetes.io/proxy-read-timeout", "nginx.ingress.kubernetes.io/proxy-send-timeout"} {
		s, err := strconv.Atoi(ing.Metadata.Annotations[a])
		if err != nil || time.Duration(s)*time.Second <= ws.PongTimeout || time.Duration(s)*time.Second <= ws.PingInterval {
			t.Errorf("%s %q must be seconds longer than the websocket ping interval %v and pong deadline %v", a, ing.Metadata.Annotations[a], ws.PingInterval, ws.PongTimeout)
		}
	}
}

// kustomization.yaml applies every manifest of deploy/ (the examples
// aside) and pins the image.
func TestKustomization(t *testing.T) {
	k := kustomization(t)
	onDisk, err := filepath.Glob(filepath.Join(deployDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range onDisk {
		if b := filepath.Base(f); b != "kustomization.yaml" {
			want = append(want, b)
		}
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml resources %v, files in %s %v", got, deployDir, want)
	}
	dep := spec[deploymentSpec](t, manifests(t)["Deployment"])
	image := dep.Template.Spec.Containers[0].Image
	if len(k.Images) != 1 || k.Images[0].Name != image {
		t.Fatalf("kustomization.yaml must set the image %q once", image)
	}
	ref := k.Images[0].NewName + ":" + k.Images[0].NewTag
	if k.Images[0].Digest != "" {
		ref = k.Images[0].NewName + "@" + k.Images[0].Digest
	}
	checkPinned(t, "kustomization.yaml images", ref)
}

// quantity is the value of a Kubernetes quantity (500m, 2, 512Mi, 1G).
func quantity(t *testing.T, q string) float64 {
	t.Helper()
	for _, u := range []struct {
		suffix string
		scale  float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"", 1}} {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				t.Fatalf("quantity %q: %v", q, err)
			}
			return f * u.scale
		}
	}
	panic("unreachable: the empty suffix matches")
}

// scheme is a URL's scheme, for messages that must not show its password.
func scheme(u string) string {
	s, _, _ := strings.Cut(u, ":")
	return s + ":"
}
