package presence

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher sends the script calls of concurrent callers (Connect,
// Disconnect) in shared pipelines, a group commit: a call made while none of
// its pipelines is in flight goes out at once, on its caller's goroutine;
// calls made meanwhile queue and go out together, in order, as soon as it is
// back. Each caller gets its own reply and its own error.
type batcher struct {
	r     *Redis
	mu    sync.Mutex
	busy  bool
	queue []*batchCall
}

// maxBatch bounds one shared pipeline (as touchAll bounds heartbeats).
const maxBatch = 1000

type batchCall struct {
	ctx  context.Context
	call scriptCall
	cmd  *redis.Cmd
	err  error
	done chan struct{}
}

// do runs call and returns its reply once it is applied, or its error.
// A caller whose context ends while its call waits in the queue returns at
// once; the call is then not sent if it has not been yet.
func (b *batcher) do(ctx context.Context, call scriptCall) (*redis.Cmd, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	if !b.busy {
		b.busy = true
		b.mu.Unlock()
		cmds, err := b.r.exec(ctx, []scriptCall{call})
		b.handOn()
		return cmds[0], err
	}
	p := &batchCall{ctx: ctx, call: call, done: make(chan struct{})}
	b.queue = append(b.queue, p)
	b.mu.Unlock()
	select {
	case <-p.done:
		return p.cmd, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// handOn is called when a pipeline is back: the calls that queued meanwhile
// are sent by a goroutine of their own (the caller whose call went out alone
// returns now), or the batcher is idle again.
func (b *batcher) handOn() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.busy = false
		return
	}
	go b.drain()
}

// drain sends the queue, up to maxBatch calls per pipeline, until it is
// empty.
func (b *batcher) drain() {
	for {
		b.mu.Lock()
		batch := b.queue
		if len(batch) > maxBatch {
			batch, b.queue = batch[:maxBatch:maxBatch], batch[maxBatch:]
		} else {
			b.queue = nil
		}
		if len(batch) == 0 {
			b.busy = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.send(batch)
	}
}

// send runs the calls of batch whose callers still wait in one pipeline.
func (b *batcher) send(batch []*batchCall) {
	live := make([]*batchCall, 0, len(batch))
	var calls []scriptCall
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.err = err
			close(p.done)
			continue
		}
		live, calls = append(live, p), append(calls, p.call)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := batchContext(live)
	defer cancel()
	// exec leaves every call's error in its reply.
	cmds, _ := b.r.exec(ctx, calls)
	for i, p := range live {
		p.cmd, p.err = cmds[i], cmds[i].Err()
		close(p.done)
	}
}

// batchContext is the context of a shared pipeline: no caller's
// cancellation fails the others' calls; it ends at the latest of their
// deadlines, if they all have one.
func batchContext(calls []*batchCall) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(calls[0].ctx)
	var last time.Time
	for _, p := range calls {
		d, ok := p.ctx.Deadline()
		if !ok {
			return ctx, func() {}
		}
		if d.After(last) {
			last = d
		}
	}
	return context.WithDeadline(ctx, last)
}
