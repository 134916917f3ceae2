package wstransport_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/graph/wstransport"
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

// Results written inline arrive whole and in order whatever their size
// (the three header lengths) and however slowly the client reads: what the
// kernel does not take at once is finished by the socket's writer.
func TestStreamFramesSurviveASlowReader(t *testing.T) {
	h := newHarness(t, func(tr *wstransport.Transport) { tr.QueueSize = 1000 }, nil)
	a := h.dial(t, gtws)
	a.init("ann")
	a.send(subscribeMsg("subscribe", "s", "subscription { pushed }"))
	s := h.pushed.wait(t, 1)[0]

	sizes := []int{10, 300, 70_000, 5, 200_000, 126, 65_535, 65_536}
	const rounds = 12
	go func() {
		for r := 0; r < rounds; r++ {
			for i, n := range sizes {
				body := strings.Repeat(string(rune('a'+(r+i)%26)), n)
				if !s.Send([]byte(fmt.Sprintf(`{"data":{"pushed":%q}}`, body))) {
					return
				}
			}
		}
	}()
	for r := 0; r < rounds; r++ {
		for i, n := range sizes {
			if r%3 == 0 {
				time.Sleep(5 * time.Millisecond) // let the kernel buffers fill
			}
			m := a.expect("next", "s")
			var p struct {
				Data struct {
					Pushed string `json:"pushed"`
				} `json:"data"`
			}
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				t.Fatalf("round %d result %d: %v", r, i, err)
			}
			want := strings.Repeat(string(rune('a'+(r+i)%26)), n)
			if p.Data.Pushed != want {
				t.Fatalf("round %d result %d: %d bytes of %q…, want %d of %q", r, i, len(p.Data.Pushed), p.Data.Pushed[:min(5, len(p.Data.Pushed))], n, want[:min(5, n)])
			}
		}
	}
}

// A client that stops reading fills the kernel buffers and then the queue:
// the socket is closed as a slow consumer and Send reports the end.
func TestStreamSlowConsumerClosed(t *testing.T) {
	h := newHarness(t, func(tr *wstransport.Transport) { tr.QueueSize = 8; tr.WriteTimeout = 300 * time.Millisecond }, nil)
	a := h.dial(t, gtws)
	a.init("ann")
	a.send(subscribeMsg("subscribe", "s", "subscription { pushed }"))
	s := h.pushed.wait(t, 1)[0]
	big := []byte(fmt.Sprintf(`{"data":{"pushed":%q}}`, strings.Repeat("x", 256<<10)))
	deadline := time.Now().Add(waitTimeout)
	for s.Send(big) {
		if time.Now().After(deadline) {
			t.Fatal("Send kept accepting results for a client that reads nothing")
		}
	}
	if codes := h.closeCodes(t, s.Conn()); codes[0] != wstransport.CloseSlowConsumer {
		t.Fatalf("closed with %v, want %d", codes, wstransport.CloseSlowConsumer)
	}
}
