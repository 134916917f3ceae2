package wstransport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rollcall/rollcall/graph/incremental"
	"github.com/rollcall/rollcall/models"
)

// operation is one running subscribe (or legacy start).
type operation struct {
	id     string
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	errs     gqlerror.List   // from AddSubscriptionError
	detached bool            // results are pushed through its Stream
	idJSON   []byte          // id as a JSON string
	opCtx    context.Context // ctx with gqlgen's operation context, once created
}

// presentContext is the context errors of op are presented with.
func (op *operation) presentContext() context.Context {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.opCtx != nil {
		return op.opCtx
	}
	return op.ctx
}

func (op *operation) isDetached() bool {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.detached
}

type opKey struct{}

// AddSubscriptionError records err on the operation running with ctx: when
// the subscription's channel closes, the operation ends with an error
// message (passed through the server's error presenter) instead of
// complete. Use it from the goroutine that feeds a subscription to report
// why the stream stopped (gqlgen's transport.AddSubscriptionError does not
// work with this transport). It reports false when ctx is not an operation
// of this transport.
func AddSubscriptionError(ctx context.Context, err error) bool {
	op, _ := ctx.Value(opKey{}).(*operation)
	if op == nil || err == nil {
		return false
	}
	op.mu.Lock()
	op.errs = append(op.errs, gqlerror.WrapIfUnwrapped(err))
	op.mu.Unlock()
	return true
}

func (op *operation) takeErrors() gqlerror.List {
	op.mu.Lock()
	defer op.mu.Unlock()
	errs := op.errs
	op.errs = nil
	return errs
}

// startOperation registers and runs an operation. An id that is still
// active is refused (false), or, when replace is set (legacy graphql-ws),
// the older operation is stopped silently and replaced.
func (c *Conn) startOperation(id string, params *graphql.RawParams, replace bool) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return true
	}
	if old := c.ops[id]; old != nil {
		if !replace {
			c.mu.Unlock()
			return false
		}
		delete(c.ops, id)
		old.cancel()
	}
	if c.cfg.maxOps > 0 && len(c.ops) >= c.cfg.maxOps {
		c.mu.Unlock()
		c.t.refused(c, LimitOperations)
		c.sendText(encode(typeError, id, errorsJSON(gqlerror.List{{
			Message:    fmt.Sprintf("too many operations on this socket: at most %d run at once; complete one first", c.cfg.maxOps),
			Extensions: map[string]any{"code": string(models.CodeRateLimited)},
		}})), nil)
		return true
	}
	ctx, cancel := context.WithCancel(c.ctx)
	op := &operation{id: id, cancel: cancel, idJSON: quoteID(id)}
	op.ctx = context.WithValue(ctx, opKey{}, op)
	if c.ops == nil {
		c.ops = make(map[string]*operation)
	}
	c.ops[id] = op
	c.mu.Unlock()

	go c.runOperation(op, params)
	return true
}

// stopOperation ends an operation at the client's request. Nothing more is
// sent for it, except the complete that legacy graphql-ws expects.
func (c *Conn) stopOperation(id string, legacy bool) {
	c.mu.Lock()
	op := c.ops[id]
	if op != nil {
		delete(c.ops, id)
		// Cancelled under the lock, so no frame of op is queued after this.
		op.cancel()
	}
	c.mu.Unlock()
	if op != nil && legacy {
		c.sendText(encode(typeComplete, id, nil), nil)
	}
}

// runOperation executes op and sends its end: complete, or error when it
// failed before execution or recorded subscription errors. Whoever removes
// op from the registry owns its end, so a stopped or replaced operation
// sends nothing more.
func (c *Conn) runOperation(op *operation, params *graphql.RawParams) {
	errs, refusedBy := c.authorize(op, params)
	refused := refusedBy != nil
	if !refused {
		var detached bool
		if errs, detached = c.execute(op, params); detached {
			return // its Stream delivers and ends it
		}
	}
	c.finishOperation(op, errs)
	if refused {
		// The credentials are gone: close, after the operation's error so
		// the client learns why. Other errors (the check could not be
		// made) refuse only the operation.
		if ref := initRefusal(refusedBy); ref.code == CloseForbidden && ref.errCode != "" {
			c.closeWith(ref.code, ref.reason, true, true)
		}
	}
}

// finishOperation sends op's end, complete or error (errs already
// presented), and cancels it. Whoever removes op from the registry owns its
// end, so a stopped or replaced operation sends nothing more.
func (c *Conn) finishOperation(op *operation, errs gqlerror.List) {
	c.mu.Lock()
	owned := c.ops[op.id] == op
	if owned {
		// Removed before the last message, so the client may reuse the id
		// as soon as it sees it.
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
	if owned {
		if len(errs) > 0 {
			c.sendText(encode(typeError, op.id, errorsJSON(errs)), op)
		} else {
			c.sendText(encode(typeComplete, op.id, nil), op)
		}
	}
	op.cancel()
}

// authorize runs Transport.Authorize for op. When it refuses, errs is its
// error as presented to the client and err the error itself. The refusal
// comes before the operation is parsed, so it is presented, as gqlgen
// presents a parse error, under an operation context of the raw request
// alone: response middleware may rely on there being one.
func (c *Conn) authorize(op *operation, params *graphql.RawParams) (errs gqlerror.List, err error) {
	if c.t.Authorize == nil {
		return nil, nil
	}
	if err = c.callAuthorize(op); err == nil {
		return nil, nil
	}
	rc := &graphql.OperationContext{RawQuery: params.Query, Variables: params.Variables, OperationName: params.OperationName}
	return c.present(graphql.WithOperationContext(op.ctx, rc), gqlerror.List{gqlerror.WrapIfUnwrapped(err)}), err
}

func (c *Conn) callAuthorize(op *operation) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.cfg.log.Error("wstransport: Authorize panicked", "conn", c.id, "panic", p)
			err = errInitPanicked
		}
	}()
	return c.t.Authorize(op.ctx, c)
}

// execute drives gqlgen's executor and sends every result as next (data).
// It returns the errors that end the operation with an error message, or
// detached when the subscription's resolver handed it to its Stream.
func (c *Conn) execute(op *operation, params *graphql.RawParams) (errs gqlerror.List, detached bool) {
	ctx := graphql.StartOperationTrace(op.ctx)
	var rc *graphql.OperationContext
	defer func() {
		if p := recover(); p != nil {
			errs, detached = gqlerror.List{c.presentPanic(ctx, rc, p)}, false
		}
	}()

	var reqErrs gqlerror.List
	// A socket delivers each @defer payload as a next message of its own.
	rc, reqErrs = c.exec.CreateOperationContext(incremental.WithStreaming(ctx), params)
	if len(reqErrs) > 0 {
		// Parse and validation failures: no execution, an error message.
		return c.present(graphql.WithOperationContext(ctx, rc), reqErrs), false
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	op.mu.Lock()
	op.opCtx = ctx
	op.mu.Unlock()

	responses, rctx := c.exec.DispatchOperation(ctx, rc)
	if op.isDetached() {
		// Kept for presenting the errors of its end: the operation's name
		// and definition (shared with the document cache), not the whole
		// operation context with its variables and caches.
		kept := &graphql.OperationContext{OperationName: rc.OperationName, Operation: rc.Operation, Doc: rc.Doc}
		op.mu.Lock()
		op.opCtx = graphql.WithOperationContext(op.ctx, kept)
		op.mu.Unlock()
		return nil, true
	}
	if incremental.Streams(rc) {
		// A query with @defer: the initial payload, then the incremental
		// ones (deferred fields absent until their payload), each a next.
		stopped := false
		incremental.Deliver(rctx, ctx, rc, responses, func(_ *graphql.Response, payload []byte) bool {
			stopped = !c.sendPayload(op, payload)
			return !stopped
		})
		if stopped {
			return nil, false
		}
	} else {
		for {
			resp := responses(rctx)
			if resp == nil {
				break
			}
			if !c.sendResult(op, resp) {
				return nil, false // stopped, or the socket is closing
			}
		}
	}
	if pending := op.takeErrors(); len(pending) > 0 {
		return c.present(ctx, pending), false
	}
	return nil, false
}

// present passes errors through the executor's response middleware and
// error presenter.
func (c *Conn) present(ctx context.Context, errs gqlerror.List) gqlerror.List {
	if resp := c.exec.DispatchError(ctx, errs); resp != nil && len(resp.Errors) > 0 {
		return resp.Errors
	}
	return errs
}

type recoveredErrorPresenter interface {
	PresentRecoveredError(ctx context.Context, err any) error
}

// presentPanic turns a panic into a client-safe error through the server's
// recover func and error presenter.
func (c *Conn) presentPanic(ctx context.Context, rc *graphql.OperationContext, p any) *gqlerror.Error {
	var err error
	if pr, ok := c.exec.(recoveredErrorPresenter); ok {
		err = pr.PresentRecoveredError(ctx, p)
	} else if rc != nil && rc.RecoverFunc != nil {
		err = rc.Recover(ctx, p)
	} else {
		c.cfg.log.Error("wstransport: operation panicked", "conn", c.id, "panic", p)
	}
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) || gqlErr == nil {
		gqlErr = &gqlerror.Error{Message: "internal system error"}
	}
	return gqlErr
}

// sendResult queues one execution result; false means the operation is
// over for the client (stopped, or the socket is closing).
func (c *Conn) sendResult(op *operation, resp *graphql.Response) bool {
	b, err := json.Marshal(resp)
	if err != nil {
		c.cfg.log.Error("wstransport: result does not marshal", "conn", c.id, "err", err)
		b, _ = json.Marshal(graphql.Response{Errors: gqlerror.List{{Message: "internal system error"}}})
	}
	return c.sendPayload(op, b)
}

// sendPayload queues one JSON-encoded execution result.
func (c *Conn) sendPayload(op *operation, b []byte) bool {
	return c.sendText(encode(c.nextType(), op.id, b), op)
}

// nextType is the type of a result message in the socket's protocol.
func (c *Conn) nextType() string {
	if c.protocol == ProtocolGraphQLWS {
		return typeData
	}
	return typeNext
}
