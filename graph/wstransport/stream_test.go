package wstransport_test

import (
	"errors"
	"testing"
	"time"
)

// One result pushed to several detached operations reaches each with its
// own id and its protocol's message type.
func TestStreamSendsOneResultToManyOperations(t *testing.T) {
	h := newHarness(t, nil, nil)
	a, b := h.dial(t, gtws), h.dial(t, legacy)
	a.init("ann")
	b.init("bob")
	a.send(subscribeMsg("subscribe", "a1", "subscription { pushed }"))
	b.send(subscribeMsg("start", "b7", "subscription { pushed }"))
	streams := h.pushed.wait(t, 2)

	result := []byte(`{"data":{"pushed":"hi"}}`)
	for _, s := range streams {
		if !s.Send(result) {
			t.Fatal("Send refused on a live operation")
		}
	}
	a.expect("next", "a1", `"pushed":"hi"`)
	b.expect("data", "b7", `"pushed":"hi"`)

	for _, s := range streams {
		s.End()
	}
	a.expect("complete", "a1")
	b.expect("complete", "b7")
	for _, s := range streams {
		if s.Send(result) {
			t.Error("Send accepted after End")
		}
		select {
		case <-s.Context().Done():
		case <-time.After(waitTimeout):
			t.Fatal("End did not cancel the operation")
		}
	}
}

// The client's complete cancels the stream's context, and nothing more is
// sent for it, not even the producer's End.
func TestStreamStoppedByClient(t *testing.T) {
	h := newHarness(t, nil, nil)
	a := h.dial(t, gtws)
	a.init("ann")
	a.send(subscribeMsg("subscribe", "s", "subscription { pushed }"))
	s := h.pushed.wait(t, 1)[0]
	a.send(`{"type":"complete","id":"s"}`)
	select {
	case <-s.Context().Done():
	case <-time.After(waitTimeout):
		t.Fatal("complete did not cancel the stream's context")
	}
	if s.Send([]byte(`{"data":{"pushed":"late"}}`)) {
		t.Error("Send accepted after the client completed the operation")
	}
	s.End(errors.New("too late"))
	// The id is free again and the socket still serves.
	a.send(subscribeMsg("subscribe", "s", "{ hello }"))
	a.expect("next", "s", "Hello, world")
	a.expect("complete", "s")
}

// End with an error answers error (through the error presenter), and a
// closed socket cancels every stream of it.
func TestStreamEndWithErrorAndSocketClose(t *testing.T) {
	h := newHarness(t, nil, nil)
	a := h.dial(t, gtws)
	a.init("ann")
	a.send(subscribeMsg("subscribe", "x", "subscription { pushed }"))
	h.pushed.wait(t, 1)
	a.send(subscribeMsg("subscribe", "y", "subscription { pushed }"))
	streams := h.pushed.wait(t, 2)
	streams[0].End(errors.New("your access ended"))
	a.expect("error", "x", "your access ended")

	_ = a.ws.Close()
	select {
	case <-streams[1].Context().Done():
	case <-time.After(waitTimeout):
		t.Fatal("closing the socket did not cancel its stream")
	}
}
