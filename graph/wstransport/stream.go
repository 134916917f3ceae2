package wstransport

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Stream is a subscription whose results a producer pushes, instead of
// the operation's own goroutine pulling them from gqlgen: a broadcaster
// that renders one event once for many sockets queues the same bytes to
// each of their Streams. A subscription resolver takes its operation's
// Stream with StreamFromContext and calls Detach before returning; the
// operation then holds no goroutine and lives until the client completes
// it, the socket closes (Context is then cancelled) or the producer calls
// End.
type Stream struct {
	c  *Conn
	op *operation
}

// StreamFromContext returns the Stream of the operation running with ctx,
// or nil when ctx is not an operation of this transport.
func StreamFromContext(ctx context.Context) *Stream {
	op, _ := ctx.Value(opKey{}).(*operation)
	if op == nil {
		return nil
	}
	c := ConnFromContext(ctx)
	if c == nil {
		return nil
	}
	return &Stream{c: c, op: op}
}

// Detach hands the operation's results to the caller: once the resolver
// returns, the transport neither pulls from the subscription's channel nor
// ends the operation; Send delivers results and End ends it.
func (s *Stream) Detach() {
	s.op.mu.Lock()
	s.op.detached = true
	s.op.mu.Unlock()
}

// Context is the operation's context: the socket's values (the viewer), and
// cancelled when the client completes the operation or the socket closes.
func (s *Stream) Context() context.Context { return s.op.ctx }

// Conn returns the socket of the operation.
func (s *Stream) Conn() *Conn { return s.c }

// Executor is the gqlgen executor serving the socket: a producer renders
// results with it, in an operation of its own.
func (s *Stream) Executor() graphql.GraphExecutor { return s.c.exec }

// Send queues one execution result, JSON-encoded as gqlgen encodes a
// graphql.Response, as the operation's next (legacy: data) message. It
// never waits for the socket; it reports false once the operation is over
// for the client (completed, ended, or the socket is closing — a full queue
// closes the socket as a slow consumer).
func (s *Stream) Send(result []byte) bool {
	return s.c.sendFrame(textFrame(s.c.nextType(), s.op.idJSON, result), s.op)
}

// End ends the operation: with complete when errs is empty, else with an
// error message carrying errs (passed through the server's error
// presenter). Only the first End, and only while the client has not
// completed the operation, sends anything.
func (s *Stream) End(errs ...error) {
	var list gqlerror.List
	for _, err := range errs {
		if err != nil {
			list = append(list, gqlerror.WrapIfUnwrapped(err))
		}
	}
	if len(list) > 0 {
		list = s.c.present(s.op.presentContext(), list)
	}
	s.c.finishOperation(s.op, list)
}

type renderingKey struct{}

// WithRendering marks ctx as the context of a producer's own operation,
// which renders results for many Streams: it is not a subscription of any
// socket (metrics count the Streams' operations instead).
func WithRendering(ctx context.Context) context.Context {
	return context.WithValue(ctx, renderingKey{}, true)
}

// Rendering reports whether ctx comes from WithRendering.
func Rendering(ctx context.Context) bool {
	r, _ := ctx.Value(renderingKey{}).(bool)
	return r
}
