package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/rollcall/rollcall/internal/telemetry"
	"github.com/rollcall/rollcall/internal/testenv"
)

// tracedNode starts a node whose spans are recorded in memory, sampled as
// in production by default (parent-based, always on for new traces).
func tracedNode(t *testing.T, store testenv.Store, sampler sdktrace.Sampler) (*testenv.Node, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sampler))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	n := testenv.StartNode(t, store, testenv.NodeOptions{Redis: true, Tracing: telemetry.WithProvider(tp),
		Env: map[string]string{"METRICS_OPERATION_NAMES": "SignUp,Home"}})
	return n, exp
}

type spans map[trace.SpanID]tracetest.SpanStub

func spansOf(exp *tracetest.InMemoryExporter) spans {
	out := spans{}
	for _, s := range exp.GetSpans() {
		out[s.SpanContext.SpanID()] = s
	}
	return out
}

// under reports whether s descends from ancestor.
func (all spans) under(s tracetest.SpanStub, ancestor trace.SpanID) bool {
	for i := 0; i < 64; i++ {
		p, ok := all[s.Parent.SpanID()]
		if !ok {
			return false
		}
		if p.SpanContext.SpanID() == ancestor {
			return true
		}
		s = p
	}
	return false
}

func (all spans) named(name string, trace trace.TraceID) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range all {
		if s.Name == name && s.SpanContext.TraceID() == trace {
			out = append(out, s)
		}
	}
	return out
}

func attr(s tracetest.SpanStub, keys ...string) string {
	for _, a := range s.Attributes {
		for _, k := range keys {
			if string(a.Key) == k {
				return a.Value.Emit()
			}
		}
	}
	return ""
}

// everything is every text a span carries (name, status, attributes,
// events, links, resource) to search for secrets.
func everything(s tracetest.SpanStub) string {
	var b strings.Builder
	fmt.Fprintln(&b, s.Name, s.Status.Description, s.SpanContext.TraceState().String())
	for _, a := range s.Attributes {
		fmt.Fprintln(&b, a.Key, a.Value.Emit())
	}
	for _, e := range s.Events {
		fmt.Fprintln(&b, e.Name)
		for _, a := range e.Attributes {
			fmt.Fprintln(&b, a.Key, a.Value.Emit())
		}
	}
	if s.Resource != nil {
		for _, a := range s.Resource.Attributes() {
			fmt.Fprintln(&b, a.Key, a.Value.Emit())
		}
	}
	return b.String()
}

func TestTracingFollowsTheBrowsersTraceparent(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		n, exp := tracedNode(t, store, sdktrace.ParentBased(sdktrace.AlwaysSample()))
		const password = "correct horse battery"

		// The browser's fetch instrumentation started trace 4bf9…4736 with
		// span 00f0…02b7, sampled.
		traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
		parentID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
		c := n.Client()
		c.Header = http.Header{"Traceparent": {"00-" + traceID.String() + "-" + parentID.String() + "-01"}, "Tracestate": {"vendor=opaque"}}
		var out struct {
			SignUp authPayload `json:"signUp"`
		}
		c.MustDo(t, `mutation SignUp($in: SignUpInput!) { signUp(input: $in) { token user { id } } }`, map[string]any{"in": map[string]any{
			"organizationName": "Acme", "email": "ada@example.com", "password": password, "firstName": "Ada", "lastName": "Lovelace",
		}}, &out)
		token := out.SignUp.Token

		// Signed in, a second page load (same trace, another browser span).
		c.Token = token
		parent2, _ := trace.SpanIDFromHex("00f067aa0ba902b8")
		c.Header.Set("Traceparent", "00-"+traceID.String()+"-"+parent2.String()+"-01")
		c.MustDo(t, `query Home { me { id organizations { id accounts { id } } presence { status } } }`, nil, new(map[string]any))

		// A name the node does not know (not in the manifest nor in
		// METRICS_OPERATION_NAMES) stays out of the span's name, so made-up
		// names do not multiply span names; it is still an attribute.
		c.MustDo(t, `query MadeUp_4711 { me { id } }`, nil, new(map[string]any))
		all := spansOf(exp)
		if got := all.named("query MadeUp_4711", traceID); len(got) != 0 {
			t.Fatalf("an unknown operation name made a span name: %v", names(all))
		}
		madeUp := 0
		for _, s := range all {
			if s.Name == "query" && attr(s, "graphql.operation.name") == "MadeUp_4711" {
				madeUp++
			}
		}
		if madeUp != 1 {
			t.Fatalf("want one span named \"query\" for the unknown operation, got %d (spans: %v)", madeUp, names(all))
		}

		for _, tc := range []struct{ op, browserSpan, resolver string }{
			{"mutation SignUp", parentID.String(), "Mutation.signUp"},
			{"query Home", parent2.String(), "User.organizations"},
		} {
			ops := all.named(tc.op, traceID)
			if len(ops) != 1 {
				t.Fatalf("%s: want one operation span in the browser's trace, got %d (spans: %v)", tc.op, len(ops), names(all))
			}
			op := ops[0]
			// The operation's parent is the request's server span, whose
			// parent is the browser's span.
			req, ok := all[op.Parent.SpanID()]
			if !ok || req.SpanKind != trace.SpanKindServer || req.Name != "POST /query" {
				t.Fatalf("%s: parent is not the request span: %+v", tc.op, req.Name)
			}
			if req.Parent.TraceID() != traceID || req.Parent.SpanID().String() != tc.browserSpan || !req.Parent.IsRemote() {
				t.Fatalf("%s: request span's parent %v, want the traceparent's %s", tc.op, req.Parent, tc.browserSpan)
			}
			if req.SpanContext.TraceState().Get("vendor") != "opaque" {
				t.Fatalf("tracestate not carried: %q", req.SpanContext.TraceState())
			}
			if attr(op, "graphql.operation.type") == "" || attr(op, "graphql.operation.name") != strings.Fields(tc.op)[1] {
				t.Fatalf("%s: attributes %v", tc.op, op.Attributes)
			}
			id := op.SpanContext.SpanID()
			if rs := all.named(tc.resolver, traceID); len(rs) != 1 || !all.under(rs[0], id) {
				t.Fatalf("%s: want one %s resolver span under it, got %d (spans: %v)", tc.op, tc.resolver, len(rs), names(all))
			}
			var sql, redis int
			for _, s := range all {
				if !all.under(s, id) {
					continue
				}
				switch attr(s, "db.system.name", "db.system") {
				case store.Name:
					sql++
					if q := attr(s, "db.query.text"); q == "" || strings.Contains(q, "ada@example.com") {
						t.Fatalf("SQL statement text missing or carrying values: %q", q)
					}
				case "redis":
					redis++
				}
			}
			if sql == 0 {
				t.Fatalf("%s: no SQL statement span under the operation (spans: %v)", tc.op, names(all))
			}
			if os.Getenv("TEST_REDIS_URL") != "" && redis == 0 {
				t.Fatalf("%s: no Redis command span under the operation (spans: %v)", tc.op, names(all))
			}
		}
		// Fields read from loaded rows make no span of their own.
		if len(all.named("User.id", traceID)) != 0 || len(all.named("Organization.id", traceID)) != 0 {
			t.Fatal("a span per trivial field")
		}
		for _, s := range all {
			text := everything(s)
			for _, secret := range []string{token, password, "Bearer"} {
				if strings.Contains(text, secret) {
					t.Fatalf("span %q carries a secret (%q):\n%s", s.Name, secret, text)
				}
			}
		}

		t.Run("SubscriptionStartOnly", func(t *testing.T) {
			exp.Reset()
			f := newOrg(t, n, "owner@example.com")
			watch := watchPresence(t, n, f.owner, f.rootID)
			waitWatching(t, watch, f.owner) // events delivered
			all := spansOf(exp)
			var sub *tracetest.SpanStub
			for _, s := range all {
				if s.Name == "subscription" {
					sub = &s
				}
			}
			if sub == nil {
				t.Fatalf("no subscription span (spans: %v)", names(all))
			}
			if rs := all.named("Subscription.presenceChanged", sub.SpanContext.TraceID()); len(rs) != 1 {
				t.Fatalf("no resolver span for the subscribe: %v", names(all))
			}
			for _, s := range all {
				if s.SpanContext.TraceID() == sub.SpanContext.TraceID() && s.EndTime.After(sub.EndTime) {
					t.Fatalf("span %q made after the subscription started (per delivered event)", s.Name)
				}
			}
		})
	})
}

// A client's traceparent is a parent link and decides sampling for its own
// request only: with a node that samples nothing by itself, the sampled
// request is traced, the others are not, and a malformed or oversized
// header is ignored without failing the request.
func TestTracingClientDecidesOnlyItsOwnRequest(t *testing.T) {
	store := testenv.Stores(t)[0]
	n, exp := tracedNode(t, store, sdktrace.ParentBased(sdktrace.NeverSample()))
	c := n.Client()
	c.Header = http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	c.MustDo(t, `{ products { key } }`, nil, new(map[string]any))
	if len(exp.GetSpans()) == 0 {
		t.Fatal("the sampled request was not traced")
	}
	exp.Reset()
	for _, h := range []http.Header{
		nil,
		{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}}, // not sampled
		{"Traceparent": {"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}}, // invalid trace id
		{"Traceparent": {strings.Repeat("f", 10_000)}},
		{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra-" + strings.Repeat("x", 4000)}},
	} {
		c := n.Client()
		c.Header = h
		c.MustDo(t, `{ products { key } }`, nil, new(map[string]any))
	}
	if got := exp.GetSpans(); len(got) != 0 {
		t.Fatalf("requests the client did not (validly) sample were traced: %v", names(spansOf(exp)))
	}

	// A tracestate of more members than W3C allows is dropped, not kept.
	c.Header = http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b9-01"}}
	var members []string
	for i := range 100 {
		members = append(members, fmt.Sprintf("k%d=v", i))
	}
	c.Header.Set("Tracestate", strings.Join(members, ","))
	c.MustDo(t, `{ products { key } }`, nil, new(map[string]any))
	for _, s := range exp.GetSpans() {
		if s.SpanContext.TraceState().Len() > 32 {
			t.Fatalf("span %q kept %d tracestate members", s.Name, s.SpanContext.TraceState().Len())
		}
	}
}

func names(all spans) []string {
	var out []string
	for _, s := range all {
		out = append(out, s.Name)
	}
	return out
}
