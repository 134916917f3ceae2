package wstransport_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/graph/wstransport"
)

// step is one move of a protocol script: send a raw message, expect a
// message, expect the close, or act on the server side.
type step struct {
	send    string
	typ, id string
	has     []string
	hasNot  string
	close   int
	reason  string
	run     func(t *testing.T, h *harness)
}

func send(raw string) step                           { return step{send: raw} }
func expect(typ, id string, has ...string) step      { return step{typ: typ, id: id, has: has} }
func expectNot(typ, id string, hasNot string) step   { return step{typ: typ, id: id, hasNot: hasNot} }
func closed(code int, reason string) step            { return step{close: code, reason: reason} }
func server(run func(t *testing.T, h *harness)) step { return step{run: run} }

func waitFeeds(n int) step {
	return server(func(t *testing.T, h *harness) { h.hub.waitCount(t, n) })
}

func publish(msg string) step {
	return server(func(_ *testing.T, h *harness) { h.hub.publish(msg) })
}

type protocolCase struct {
	name      string
	configure func(*wstransport.Transport)
	steps     []step
}

func runCases(t *testing.T, protocol string, cases []protocolCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tc.configure, nil)
			c := h.dial(t, protocol)
			for i, s := range tc.steps {
				switch {
				case s.send != "":
					c.send(s.send)
				case s.close != 0:
					c.expectClose(s.close, s.reason, false)
				case s.run != nil:
					s.run(t, h)
				default:
					m := c.expect(s.typ, s.id, s.has...)
					if s.hasNot != "" && strings.Contains(string(m.Payload), s.hasNot) {
						t.Fatalf("step %d: payload %s leaks %q", i, m.Payload, s.hasNot)
					}
				}
			}
		})
	}
}

func initTimeout(d time.Duration) func(*wstransport.Transport) {
	return func(tr *wstransport.Transport) { tr.InitTimeout = d }
}

func TestGraphQLTransportWS(t *testing.T) {
	t.Parallel()
	ack := expect("connection_ack", "", `"user":"alice"`)
	login := send(initMsg("user:alice"))
	cases := []protocolCase{
		{name: "AckCarriesInitFuncPayload", steps: []step{login, ack}},
		{name: "RefusedUnauthenticated", steps: []step{
			send(`{"type":"connection_init"}`),
			closed(4403, "UNAUTHENTICATED: sign in required"),
		}},
		{name: "RefusedTokenInvalid", steps: []step{
			send(initMsg("expired")),
			closed(4403, "TOKEN_INVALID: the session has expired"),
		}},
		{name: "RefusedInternalErrorIsGeneric", steps: []step{
			send(initMsg("internal")),
			closed(4403, "Forbidden"),
		}},
		{name: "InitFuncPanic", steps: []step{
			send(initMsg("panic")),
			closed(1011, "Internal server error"),
		}},
		{name: "InitTimeout", configure: initTimeout(100 * time.Millisecond), steps: []step{
			closed(4408, "Connection initialisation timeout"),
		}},
		{name: "PingBeforeInitDoesNotStopInitTimeout", configure: initTimeout(200 * time.Millisecond), steps: []step{
			send(`{"type":"ping"}`),
			expect("pong", ""),
			closed(4408, "Connection initialisation timeout"),
		}},
		{name: "SecondInit", steps: []step{
			login, ack, login,
			closed(4429, "Too many initialisation requests"),
		}},
		{name: "SubscribeBeforeAck", steps: []step{
			send(subscribeMsg("subscribe", "1", "{ hello }")),
			closed(4401, "Unauthorized"),
		}},
		{name: "MalformedJSON", steps: []step{
			send(`{"type":`),
			closed(4400, "Invalid message received"),
		}},
		{name: "IDNotAString", steps: []step{
			login, ack,
			send(`{"type":"subscribe","id":1,"payload":{"query":"{ hello }"}}`),
			closed(4400, "Invalid message received"),
		}},
		{name: "UnknownType", steps: []step{
			send(`{"type":"foo"}`),
			closed(4400, `Unknown message type "foo"`),
		}},
		{name: "MissingType", steps: []step{
			send(`{"id":"1"}`),
			closed(4400, `Unknown message type ""`),
		}},
		{name: "ServerMessageFromClient", steps: []step{
			login, ack,
			send(`{"type":"next","id":"1","payload":{}}`),
			closed(4400, "Unexpected message of type next received"),
		}},
		{name: "InitPayloadNotAnObject", steps: []step{
			send(`{"type":"connection_init","payload":"token"}`),
			closed(4400, "Invalid connection_init payload"),
		}},
		{name: "SubscribeWithoutID", steps: []step{
			login, ack,
			send(`{"type":"subscribe","payload":{"query":"{ hello }"}}`),
			closed(4400, "Subscribe message requires an id"),
		}},
		{name: "SubscribeWithoutPayload", steps: []step{
			login, ack,
			send(`{"type":"subscribe","id":"1"}`),
			closed(4400, "Subscribe message requires a payload object"),
		}},
		{name: "SubscribeWithoutQuery", steps: []step{
			login, ack,
			send(`{"type":"subscribe","id":"1","payload":{"variables":{}}}`),
			closed(4400, "Subscribe payload requires a query"),
		}},
		{name: "SubscribeVariablesNotAnObject", steps: []step{
			login, ack,
			send(`{"type":"subscribe","id":"1","payload":{"query":"{ hello }","variables":[1]}}`),
			closed(4400, "Invalid subscribe payload"),
		}},
		{name: "CompleteWithoutID", steps: []step{
			login, ack,
			send(`{"type":"complete"}`),
			closed(4400, "Complete message requires an id"),
		}},
		{name: "DuplicateID", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "1", "subscription { feed }")),
			send(subscribeMsg("subscribe", "1", "{ hello }")),
			closed(4409, "Subscriber for 1 already exists"),
		}},
		{name: "PingBeforeAndAfterAck", steps: []step{
			send(`{"type":"ping","payload":{"n":1}}`),
			expect("pong", "", `{"n":1}`),
			login, ack,
			send(`{"type":"ping"}`),
			expect("pong", ""),
		}},
		{name: "PongIgnored", steps: []step{
			login, ack,
			send(`{"type":"pong","payload":{"n":2}}`),
			send(subscribeMsg("subscribe", "q", "{ hello }")),
			expect("next", "q", "Hello, world"),
			expect("complete", "q"),
		}},
		{name: "Query", steps: []step{
			login, ack,
			send(`{"type":"subscribe","id":"q","payload":{"query":"query($n: String) { hello(name: $n) }","variables":{"n":"Ada"}}}`),
			expect("next", "q", `{"data":{"hello":"Hello, Ada"}}`),
			expect("complete", "q"),
		}},
		{name: "Mutation", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "m", `mutation { echo(msg: "hi") }`)),
			expect("next", "m", `"echo":"hi"`),
			expect("complete", "m"),
		}},
		{name: "SubscriptionCompletes", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "s", "subscription { countdown(from: 3) }")),
			expect("next", "s", `"countdown":3`),
			expect("next", "s", `"countdown":2`),
			expect("next", "s", `"countdown":1`),
			expect("complete", "s"),
		}},
		{name: "IDReusableAfterComplete", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "1", "{ hello }")),
			expect("next", "1"), expect("complete", "1"),
			send(subscribeMsg("subscribe", "1", `{ hello(name: "again") }`)),
			expect("next", "1", "Hello, again"), expect("complete", "1"),
		}},
		{name: "ValidationErrorIsErrorWithoutComplete", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "1", "{ nope }")),
			expect("error", "1", `Cannot query field`, `GRAPHQL_VALIDATION_FAILED`),
			send(subscribeMsg("subscribe", "2", "{ hello }")),
			expect("next", "2"), expect("complete", "2"),
		}},
		{name: "SyntaxErrorIsError", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "1", "{ hello")),
			expect("error", "1", `GRAPHQL_PARSE_FAILED`),
			send(subscribeMsg("subscribe", "2", "{ hello }")),
			expect("next", "2"), expect("complete", "2"),
		}},
		{name: "SubscriptionErrorEndsWithError", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "1", "subscription { failing }")),
			expect("next", "1", `"failing":"first"`),
			expect("error", "1", "feed broke"),
			send(subscribeMsg("subscribe", "2", "{ hello }")),
			expect("next", "2"), expect("complete", "2"),
		}},
		{name: "PanicIsGenericError", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "1", "{ boom }")),
			expectNot("error", "1", "secret"),
			send(subscribeMsg("subscribe", "2", "{ hello }")),
			expect("next", "2"), expect("complete", "2"),
		}},
		{name: "CompleteFromClientStopsStream", steps: []step{
			login, ack,
			send(subscribeMsg("subscribe", "s", "subscription { feed }")),
			waitFeeds(1),
			publish("one"),
			expect("next", "s", `"feed":"one"`),
			send(`{"type":"complete","id":"s"}`),
			waitFeeds(0),
			publish("two"),
			send(subscribeMsg("subscribe", "q", "{ hello }")),
			expect("next", "q"), expect("complete", "q"),
			// The id is free again at once.
			send(subscribeMsg("subscribe", "s", "{ hello }")),
			expect("next", "s"), expect("complete", "s"),
		}},
		{name: "CompleteForUnknownIDIgnored", steps: []step{
			login, ack,
			send(`{"type":"complete","id":"nope"}`),
			send(subscribeMsg("subscribe", "q", "{ hello }")),
			expect("next", "q"), expect("complete", "q"),
		}},
	}
	runCases(t, gtws, cases)
}

func TestLegacyGraphQLWS(t *testing.T) {
	t.Parallel()
	login := send(initMsg("user:bob"))
	ack := expect("connection_ack", "", `"user":"bob"`)
	cases := []protocolCase{
		{name: "Ack", steps: []step{login, ack}},
		{name: "KeepAlive", configure: func(tr *wstransport.Transport) { tr.KeepAlive = 30 * time.Millisecond }, steps: []step{
			login, ack,
			expect("ka", ""), expect("ka", ""), expect("ka", ""),
		}},
		{name: "RefusedInitSendsConnectionError", steps: []step{
			send(`{"type":"connection_init","payload":{}}`),
			expect("connection_error", "", "sign in required", "UNAUTHENTICATED"),
			closed(4403, "UNAUTHENTICATED: sign in required"),
		}},
		{name: "RefusedInternalErrorIsGeneric", steps: []step{
			send(initMsg("internal")),
			expectNot("connection_error", "", "secret"),
			closed(4403, "Forbidden"),
		}},
		{name: "InitTimeout", configure: initTimeout(100 * time.Millisecond), steps: []step{
			closed(4408, "Connection initialisation timeout"),
		}},
		{name: "SecondInit", steps: []step{
			login, ack, login,
			expect("connection_error", "", "Too many initialisation requests"),
			closed(4429, "Too many initialisation requests"),
		}},
		{name: "StartBeforeInit", steps: []step{
			send(subscribeMsg("start", "1", "{ hello }")),
			expect("connection_error", "", "Unauthorized"),
			closed(4401, "Unauthorized"),
		}},
		{name: "MalformedJSON", steps: []step{
			send(`nope`),
			expect("connection_error", "", "Invalid message received"),
			closed(4400, "Invalid message received"),
		}},
		{name: "UnknownType", steps: []step{
			login, ack,
			send(`{"type":"subscribe","id":"1"}`),
			expect("connection_error", "", "Unexpected message"),
			closed(4400, `Unexpected message of type "subscribe"`),
		}},
		{name: "Query", steps: []step{
			login, ack,
			send(subscribeMsg("start", "1", `{ hello(name: "Grace") }`)),
			expect("data", "1", "Hello, Grace"),
			expect("complete", "1"),
		}},
		{name: "Mutation", steps: []step{
			login, ack,
			send(subscribeMsg("start", "1", `mutation { echo(msg: "yo") }`)),
			expect("data", "1", `"echo":"yo"`),
			expect("complete", "1"),
		}},
		{name: "SubscriptionCompletes", steps: []step{
			login, ack,
			send(subscribeMsg("start", "1", "subscription { countdown(from: 2) }")),
			expect("data", "1", `"countdown":2`),
			expect("data", "1", `"countdown":1`),
			expect("complete", "1"),
		}},
		{name: "ValidationErrorIsError", steps: []step{
			login, ack,
			send(subscribeMsg("start", "1", "{ nope }")),
			expect("error", "1", "Cannot query field"),
			send(subscribeMsg("start", "2", "{ hello }")),
			expect("data", "2"), expect("complete", "2"),
		}},
		{name: "StartWithoutQueryIsError", steps: []step{
			login, ack,
			send(`{"type":"start","id":"1","payload":{}}`),
			expect("error", "1", "requires a query"),
		}},
		{name: "StopCompletesAndStopsStream", steps: []step{
			login, ack,
			send(subscribeMsg("start", "1", "subscription { feed }")),
			waitFeeds(1),
			publish("one"),
			expect("data", "1", `"feed":"one"`),
			send(`{"type":"stop","id":"1"}`),
			expect("complete", "1"),
			waitFeeds(0),
			publish("two"),
			send(subscribeMsg("start", "2", "{ hello }")),
			expect("data", "2"), expect("complete", "2"),
		}},
		{name: "StartWithActiveIDReplacesIt", steps: []step{
			login, ack,
			send(subscribeMsg("start", "1", "subscription { feed }")),
			waitFeeds(1),
			send(subscribeMsg("start", "1", "subscription { countdown(from: 1) }")),
			expect("data", "1", `"countdown":1`),
			expect("complete", "1"),
			waitFeeds(0),
		}},
		{name: "ConnectionTerminate", steps: []step{
			login, ack,
			send(`{"type":"connection_terminate"}`),
			closed(1000, "Normal Closure"),
		}},
	}
	runCases(t, legacy, cases)
}
