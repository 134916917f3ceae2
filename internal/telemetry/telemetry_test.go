package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

func TestOffInstrumentsNothing(t *testing.T) {
	var h http.Handler = http.NewServeMux()
	for _, tr := range []*Tracing{nil, {}} {
		if tr.Enabled() {
			t.Fatal("enabled")
		}
		if got := tr.Handler(h); got != h {
			t.Fatal("the HTTP handler was wrapped")
		}
		if tr.GraphQL(nil) != nil || tr.GORM() != nil {
			t.Fatal("an extension or plugin without tracing")
		}
		if err := tr.Redis(nil); err != nil {
			t.Fatal(err)
		}
		if err := tr.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// receiver is an OTLP/HTTP endpoint on loopback recording what it is sent.
type receiver struct {
	mu      sync.Mutex
	headers []http.Header
	bodies  []*coltrace.ExportTraceServiceRequest
	block   chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc.block != nil {
		select {
		case <-rc.block:
		case <-r.Context().Done():
			return
		}
	}
	raw, _ := io.ReadAll(r.Body)
	req := &coltrace.ExportTraceServiceRequest{}
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(raw, req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.bodies = append(rc.bodies, req)
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// The SDK reads the standard variables itself; spans are held in the batch
// (a minute's delay) and Shutdown sends them.
func TestExportsOverOTLPHTTPAndFlushesOnShutdown(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cret")
	t.Setenv("OTEL_SERVICE_NAME", "rollcall-eu")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "60000")
	tr, err := New(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, path := range []string{"/query", "/healthz", "/%2e%2e/made-up-" + strings.Repeat("x", 300)} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, nil))
	}
	rc.mu.Lock()
	early := len(rc.bodies)
	rc.mu.Unlock()
	if early != 0 {
		t.Fatal("exported before the batch was due")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bodies) != 1 {
		t.Fatalf("want one export at shutdown, got %d", len(rc.bodies))
	}
	if rc.headers[0].Get("Api-Key") != "s3cret" || rc.headers[0].Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("headers %v", rc.headers[0])
	}
	var names []string
	for _, rs := range rc.bodies[0].ResourceSpans {
		service := ""
		for _, a := range rs.Resource.Attributes {
			if a.Key == "service.name" {
				service = a.Value.GetStringValue()
			}
		}
		if service != "rollcall-eu" {
			t.Fatalf("service.name %q, want OTEL_SERVICE_NAME's", service)
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				names = append(names, s.Name)
			}
		}
	}
	// /healthz is not traced; a made-up path does not name a span.
	if strings.Join(names, ",") != "POST /query,POST other" {
		t.Fatalf("spans %v", names)
	}
}

// A receiver that never answers slows no request (spans past the queue
// are dropped), and Shutdown gives up when its context ends
// (SHUTDOWN_TIMEOUT).
func TestHungReceiverSlowsNothingAndShutdownIsBounded(t *testing.T) {
	rc := &receiver{block: make(chan struct{})}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	defer close(rc.block)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", srv.URL+"/v1/traces")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "10")
	t.Setenv("OTEL_BSP_MAX_QUEUE_SIZE", "64")
	t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "8")
	tr, err := New(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := tr.Handler(http.NotFoundHandler())
	begin := time.Now()
	for range 1000 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/query", nil))
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Fatalf("1000 requests took %v with the receiver hung", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := tr.Shutdown(ctx); err == nil {
		t.Fatal("shutdown reported success with the receiver hung")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %v past a 300ms deadline", d)
	}
}

func TestNamesAreBounded(t *testing.T) {
	for path, want := range map[string]string{
		"/query": "GET /query", "/graphiql": "GET /graphiql", "/graphiql/assets/x.js": "GET /graphiql",
		"/console": "GET /console", "/console/accounts/QWNjb3VudDox/members": "GET /console", "/accept-invitation": "GET /accept-invitation",
		"/export/accounts/QWNjb3VudDox/members.csv": "GET /export/accounts/{id}/members.csv",
		"/anything-" + strings.Repeat("z", 100):     "GET other",
	} {
		if got := spanName(httptest.NewRequest(http.MethodGet, path, nil)); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/query", nil)
	r.Method = "MADEUP"
	if got := spanName(r); got != "HTTP /query" {
		t.Errorf("made-up method: %q", got)
	}
	for name, ok := range map[string]bool{
		"Home": true, "_x1": true, "1x": false, "": false, "a b": false, "Ünï": false,
		strings.Repeat("a", 64): true, strings.Repeat("a", 65): false,
	} {
		if identifier(name) != ok {
			t.Errorf("identifier(%q) = %v", name, !ok)
		}
	}
}

// A driver's error text (which quotes the values) stays out of statement
// and command spans; its type and MySQL's error number stay in.
func TestStatementErrorsAreRedacted(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tr := childOnly{tp: tp}.Tracer("test")

	// Outside a trace: nothing.
	_, span := tr.Start(context.Background(), "select users")
	span.End()
	if len(exp.GetSpans()) != 0 {
		t.Fatal("a statement span without a traced request")
	}

	ctx, parent := tp.Tracer("test").Start(context.Background(), "query Home")
	for _, err := range []error{
		&mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'ada@example.com' for key 'users.email'"},
		fmt.Errorf("insert: %w", errors.New("UNIQUE constraint failed: users.email = ada@example.com")),
	} {
		_, span := tr.Start(ctx, "insert users")
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		span.End()
	}
	parent.End()
	var kinds []string
	for _, s := range exp.GetSpans() {
		if s.Name != "insert users" {
			continue
		}
		if s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Fatal("statement span not under the operation")
		}
		text := fmt.Sprint(s.Status, s.Attributes, s.Events)
		if strings.Contains(text, "ada@example.com") {
			t.Fatalf("error text in the span: %s", text)
		}
		kinds = append(kinds, s.Status.Description)
	}
	if strings.Join(kinds, ",") != "mysql error 1062,*fmt.wrapError" {
		t.Fatalf("statuses %v", kinds)
	}
}
