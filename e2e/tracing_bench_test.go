package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rollcall/rollcall/internal/telemetry"
	"github.com/rollcall/rollcall/internal/testenv"
)

// BenchmarkTracingOverhead times one simple authenticated query on two
// nodes side by side, one without tracing and one exporting every request
// (always sampled) over OTLP/HTTP to a receiver on loopback that discards
// what it gets, alternating request by request so both see the same load
// on the machine. It reports each one's time and their ratio:
//
//	go test ./e2e -run '^$' -bench TracingOverhead -benchtime 2000x
func BenchmarkTracingOverhead(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer sink.Close()
	b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", sink.URL)
	b.Setenv("OTEL_TRACES_SAMPLER", "always_on")
	tr, err := telemetry.New(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tr.Shutdown(context.Background()) }()

	var clients [2]*testenv.Client
	for i, tracing := range []*telemetry.Tracing{nil, tr} {
		store := testenv.Store{Name: "sqlite", URL: "sqlite:" + b.TempDir() + "/rollcall.db"}
		n := testenv.StartNode(b, store, testenv.NodeOptions{Tracing: tracing, MailPollInterval: time.Hour})
		c := n.Client()
		var out struct {
			SignUp authPayload `json:"signUp"`
		}
		c.Do(b, signUpMutation, map[string]any{"in": map[string]any{
			"organizationName": "Acme", "email": "ada@example.com", "password": "correct horse battery", "firstName": "Ada", "lastName": "Lovelace",
		}}).Decode(b, &out)
		c.Token = out.SignUp.Token
		clients[i] = c
	}
	const query = `query Me { me { id displayName organizations { id name } } }`
	for _, c := range clients { // warm both up
		for range 20 {
			c.Do(b, query, nil).Decode(b, new(map[string]any))
		}
	}
	var spent [2]time.Duration
	b.ResetTimer()
	for b.Loop() {
		for i, c := range clients {
			start := time.Now()
			if r := c.Do(b, query, nil); len(r.Errors) > 0 {
				b.Fatal(r.Errors)
			}
			spent[i] += time.Since(start)
		}
	}
	b.ReportMetric(float64(spent[0].Microseconds())/float64(b.N), "µs/off")
	b.ReportMetric(float64(spent[1].Microseconds())/float64(b.N), "µs/on")
	b.ReportMetric(float64(spent[1])/float64(spent[0]), "on/off")
}
