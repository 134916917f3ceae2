package wstransport

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// Conn is one GraphQL websocket. Its methods are safe for concurrent use.
type Conn struct {
	id          string
	protocol    string
	connectedAt time.Time
	remoteAddr  string

	t      *Transport
	cfg    *settings
	ws     *websocket.Conn
	raw    syscall.RawConn // the TCP descriptor for inline writes; nil without one
	exec   graphql.GraphExecutor
	header http.Header

	// base is cancelled when the socket starts closing; it carries the
	// upgrade request's values and the Conn.
	base   context.Context
	cancel context.CancelFunc

	// Used only by the reading goroutine.
	req          *http.Request // the upgrade request, until connection_init is handled
	initReceived bool
	tokens       float64   // the message-rate bucket
	tokensAt     time.Time // when tokens was last filled

	readerDone chan struct{}
	writerDone chan struct{}
	pingBucket int // guarded by the Transport's pinger

	mu          sync.Mutex
	ctx         context.Context // operations' context: InitFunc's, or base before init
	initPayload InitPayload
	acked       bool
	ops         map[string]*operation
	queue       []frame
	writing     bool // a writer goroutine owns the socket's write side
	closing     bool
	closeCode   int
	closeReason string
	closeFrame  bool // send a close frame when closing
	writeBroken bool // a write failed: the socket cannot take more frames
	initTimer   *time.Timer
	kaTimer     *time.Timer
}

type frameKind uint8

const (
	frameText frameKind = iota
	framePong
	// frameRaw is a complete websocket frame (or the rest of one) written
	// to the TCP connection as is (see direct.go).
	frameRaw
)

// frame is one queued write.
type frame struct {
	kind frameKind
	data []byte
	// partial: the head of a frame is already on the wire, so the rest
	// must be written before anything else, a close frame included.
	partial bool
}

type connKey struct{}

// ConnFromContext returns the socket an operation runs on, or nil when ctx
// does not come from this transport.
func ConnFromContext(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey{}).(*Conn)
	return c
}

func newConn(t *Transport, cfg *settings, ws *websocket.Conn, r *http.Request, exec graphql.GraphExecutor) *Conn {
	c := &Conn{
		id:          rand.Text(),
		protocol:    ws.Subprotocol(),
		connectedAt: time.Now(),
		remoteAddr:  r.RemoteAddr,
		t:           t,
		cfg:         cfg,
		ws:          ws,
		exec:        exec,
		header:      r.Header,
		req:         r,
		readerDone:  make(chan struct{}),
		writerDone:  make(chan struct{}),
	}
	if c.protocol != ProtocolGraphQLTransportWS {
		c.protocol = ProtocolGraphQLWS
	}
	if sc, ok := ws.NetConn().(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	// The upgrade request's values without its cancellation: the socket
	// outlives the HTTP handler, which returns once the socket is served.
	base, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c.base = context.WithValue(base, connKey{}, c)
	c.cancel = cancel
	c.ctx = c.base
	return c
}

// ID returns the connection's random, unique identifier.
func (c *Conn) ID() string { return c.id }

// Protocol returns the negotiated subprotocol: ProtocolGraphQLTransportWS or
// ProtocolGraphQLWS.
func (c *Conn) Protocol() string { return c.protocol }

// ConnectedAt returns when the socket was upgraded.
func (c *Conn) ConnectedAt() time.Time { return c.connectedAt }

// RemoteAddr returns the peer address of the TCP connection (a proxy's,
// behind one; the client's own address is whatever the HTTP middleware put
// in the context).
func (c *Conn) RemoteAddr() string { return c.remoteAddr }

// Context returns the context operations run with: the one InitFunc
// returned, plus the Conn, once acknowledged; before that the upgrade
// request's context plus the Conn. It is cancelled when the socket closes.
func (c *Conn) Context() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ctx
}

// InitPayload returns the connection_init payload (nil before init or when
// the client sent none).
func (c *Conn) InitPayload() InitPayload {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.initPayload
}

// Acknowledged reports whether InitFunc accepted the connection (and
// OnConnect ran).
func (c *Conn) Acknowledged() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acked
}

// CloseCode returns the code the socket closed (or is closing) with, or 0
// while it is open.
func (c *Conn) CloseCode() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode
}

// Close cancels the connection's operations, drops its pending messages and
// closes the socket with code and reason (truncated to 123 bytes; a code
// that cannot be sent becomes 1011). It is safe from any goroutine and
// idempotent: only the first call has effect, and it reports whether this
// call was that one. It does not wait for the socket to be torn down.
func (c *Conn) Close(code int, reason string) bool {
	if !sendableCode(code) {
		code = CloseInternalError
	}
	return c.closeWith(code, reason, true, false)
}

// closeWith starts closing the socket once: it cancels every operation,
// stops the timers, drops the queue unless flush is set, and hands the
// close to the writer, which sends the close frame when frame is set.
func (c *Conn) closeWith(code int, reason string, frame, flush bool) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	c.closing = true
	c.closeCode = code
	c.closeReason = truncateReason(reason)
	c.closeFrame = frame
	if !flush {
		// A frame half on the wire is finished, so the close frame
		// after it is read as one.
		if len(c.queue) > 0 && c.queue[0].partial {
			c.queue = c.queue[:1]
		} else {
			c.queue = nil
		}
	}
	for _, tm := range []*time.Timer{c.initTimer, c.kaTimer} {
		if tm != nil {
			tm.Stop()
		}
	}
	start := !c.writing
	c.writing = true
	c.mu.Unlock()

	c.cancel()
	if start {
		go c.writeLoop()
	}
	return true
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// send queues f for the writer without ever waiting for the socket. When op
// is set the frame belongs to that operation and is dropped once the
// operation is stopped. A full queue closes the socket as a slow consumer.
// inline runs a newly needed writer on the calling goroutine (timers only);
// otherwise it gets its own goroutine. It reports whether f was queued.
func (c *Conn) send(f frame, op *operation, inline bool) bool {
	c.mu.Lock()
	if c.closing || (op != nil && op.ctx.Err() != nil) {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= c.cfg.queueSize {
		c.mu.Unlock()
		c.closeWith(CloseSlowConsumer, "slow consumer", true, false)
		return false
	}
	c.queue = append(c.queue, f)
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		if inline {
			c.writeLoop()
		} else {
			go c.writeLoop()
		}
	}
	return true
}

func (c *Conn) sendText(b []byte, op *operation) bool {
	return c.send(frame{kind: frameText, data: b}, op, false)
}

// writeLoop is the socket's only writer. It runs while there is something
// to write and exits when the queue is empty, so an idle socket costs no
// goroutine; once the socket is closing it finishes the close and never
// gives up the write side again.
func (c *Conn) writeLoop() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.writeBroken {
			if c.closing {
				c.queue = nil
				c.mu.Unlock()
				c.finishClose()
				return
			}
			c.writing = false
			c.queue = nil // release the backing array of an idle socket
			c.mu.Unlock()
			return
		}
		f := c.queue[0]
		c.queue[0] = frame{}
		c.queue = c.queue[1:]
		c.mu.Unlock()

		if err := c.write(f); err != nil {
			c.writeFailed(err)
		}
	}
}

func (c *Conn) write(f frame) error {
	deadline := time.Now().Add(c.cfg.writeTimeout)
	switch f.kind {
	case framePong:
		return c.ws.WriteControl(websocket.PongMessage, f.data, deadline)
	case frameRaw:
		nc := c.ws.NetConn()
		if err := nc.SetWriteDeadline(deadline); err != nil {
			return err
		}
		_, err := nc.Write(f.data)
		return err
	default:
		if err := c.ws.SetWriteDeadline(deadline); err != nil {
			return err
		}
		return c.ws.WriteMessage(websocket.TextMessage, f.data)
	}
}

// writeFailed handles a failed write: the socket can take no more frames. A
// timeout means the client does not read fast enough (1013); anything else
// means it is gone (1006).
func (c *Conn) writeFailed(err error) {
	code, reason := CloseAbnormal, ""
	if isTimeout(err) {
		code, reason = CloseSlowConsumer, "slow consumer"
	}
	c.closeWith(code, reason, false, false)
	c.mu.Lock()
	c.writeBroken = true
	c.queue = nil
	c.mu.Unlock()
}

// finishClose sends the close frame, gives the peer a moment to answer it
// (so the TCP close does not discard data in flight), and closes the socket.
func (c *Conn) finishClose() {
	defer close(c.writerDone)
	c.mu.Lock()
	code, reason, sendFrame := c.closeCode, c.closeReason, c.closeFrame && !c.writeBroken
	c.mu.Unlock()
	if sendFrame {
		err := c.ws.WriteControl(websocket.CloseMessage, closePayload(code, reason),
			time.Now().Add(c.cfg.writeTimeout))
		if err == nil {
			grace := time.NewTimer(c.cfg.closeGrace)
			select {
			case <-c.readerDone:
			case <-grace.C:
			}
			grace.Stop()
		}
	}
	_ = c.ws.Close()
}

// serve runs the connection on the calling goroutine (the HTTP handler's),
// which is the socket's reader, and returns once the socket is torn down.
func (c *Conn) serve() {
	c.ws.SetReadLimit(c.cfg.readLimit)
	// Close frames are answered by closeWith from the read error; pings go
	// through the write queue like everything else.
	c.ws.SetCloseHandler(func(int, string) error { return nil })
	c.ws.SetPingHandler(func(data string) error {
		c.touch()
		c.send(frame{kind: framePong, data: []byte(data)}, nil, false)
		return nil
	})
	c.ws.SetPongHandler(func(string) error {
		c.touch()
		return nil
	})
	c.touch()

	c.mu.Lock()
	c.initTimer = time.AfterFunc(c.cfg.initTimeout, c.initTimedOut)
	c.mu.Unlock()

	err := c.readLoopRecovered()
	code, reason, sendFrame := readErrorClose(err)
	c.closeWith(code, reason, sendFrame, false)
	close(c.readerDone)
	<-c.writerDone
}

// errReaderPanicked ends the read loop after a recovered panic.
var errReaderPanicked = errors.New("wstransport: reader panicked")

// readLoopRecovered keeps a bug in message handling from skipping the
// socket's tear-down (the registry, OnClose, the operations).
func (c *Conn) readLoopRecovered() (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.cfg.log.Error("wstransport: panic while handling a message", "conn", c.id, "panic", p)
			err = errReaderPanicked
		}
	}()
	return c.readLoop()
}

func (c *Conn) readLoop() error {
	for {
		_, rd, err := c.ws.NextReader()
		if err != nil {
			return err
		}
		c.touch()
		data, err := io.ReadAll(rd)
		if err != nil {
			return err
		}
		if c.isClosing() {
			// Keep reading only to see the peer's answer to our close frame.
			continue
		}
		if !c.takeToken() {
			c.t.refused(c, LimitMessageRate)
			c.closeWith(CloseTooManyRequests, "Too many requests", true, false)
			continue
		}
		c.handleAside(data)
	}
}

// handleAside handles a client message on a goroutine of its own and waits
// for it: the reader's stack stays as small as reading needs (a few
// frames), instead of keeping for the life of the socket what decoding a
// message and authenticating it (database and Redis round trips) grew it
// to. Client messages are rare (init, subscribe, complete); control frames
// are handled by the reader itself.
func (c *Conn) handleAside(data []byte) {
	done := make(chan struct{})
	var p any
	go func() {
		defer close(done)
		defer func() { p = recover() }()
		c.handle(data)
	}()
	<-done
	if p != nil {
		panic(p) // the reader's recovery closes the socket
	}
}

// takeToken takes one message from the socket's token bucket (MessageRate
// a second, up to MessageBurst), reporting false when it is empty.
func (c *Conn) takeToken() bool {
	if c.cfg.msgRate <= 0 {
		return true
	}
	now := time.Now()
	if c.tokensAt.IsZero() {
		c.tokens = c.cfg.msgBurst
	} else {
		c.tokens = min(c.cfg.msgBurst, c.tokens+now.Sub(c.tokensAt).Seconds()*c.cfg.msgRate)
	}
	c.tokensAt = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

// touch moves the liveness deadline: anything read from the peer proves it
// is alive.
func (c *Conn) touch() {
	if c.cfg.pongTimeout > 0 {
		_ = c.ws.SetReadDeadline(time.Now().Add(c.cfg.pongTimeout))
	}
}

// readErrorClose maps the error that ended the read loop to the close code
// reported to OnClose, and says whether a close frame should still be sent.
func readErrorClose(err error) (code int, reason string, frame bool) {
	var ce *websocket.CloseError
	switch {
	case errors.Is(err, errReaderPanicked):
		return CloseInternalError, "Internal server error", true
	case errors.As(err, &ce):
		if ce.Code == websocket.CloseAbnormalClosure {
			return CloseAbnormal, "", false
		}
		return ce.Code, "", true // echo the peer's close
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has already sent 1009.
		return CloseMessageTooBig, "Message too big", false
	case isTimeout(err):
		return CloseLivenessTimeout, "Liveness timeout", true
	case err != nil && strings.HasPrefix(err.Error(), "websocket: "):
		// A framing error: gorilla has already sent 1002.
		return websocket.CloseProtocolError, "", false
	default:
		return CloseAbnormal, "", false
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Conn) initTimedOut() {
	c.mu.Lock()
	acked := c.acked
	c.mu.Unlock()
	if !acked {
		c.closeWith(CloseInitTimeout, "Connection initialisation timeout", true, false)
	}
}

func (c *Conn) keepAliveTick() {
	if !c.send(frame{kind: frameText, data: msgKeepAlive}, nil, true) {
		return
	}
	c.mu.Lock()
	if !c.closing {
		c.kaTimer.Reset(c.cfg.keepAlive)
	}
	c.mu.Unlock()
}
