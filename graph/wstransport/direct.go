package wstransport

import (
	"encoding/binary"
	"syscall"
)

// Frames of detached operations (Stream.Send, the fan-out path) are built
// here, whole, and written straight to the TCP connection by the producer
// when the socket is idle: one non-blocking write(2) on the producer's
// goroutine instead of waking a writer goroutine for every delivery. When
// the kernel takes less than the whole frame (the client reads slowly, or
// something is already queued), the rest goes to the queue and the
// socket's writer finishes it with the usual deadline. The write side
// stays single: an inline write happens only while the producer owns it
// (Conn.writing), exactly like the writer goroutine.

// maxFrameHeader is the longest header of an unmasked server frame.
const maxFrameHeader = 10

// textFrame builds a complete final text frame carrying the protocol
// message {"type":typ,"id":idJSON,"payload":payload}.
func textFrame(typ string, idJSON, payload []byte) []byte {
	b := make([]byte, maxFrameHeader, maxFrameHeader+len(`{"type":"","id":,"payload":}`)+len(typ)+len(idJSON)+len(payload))
	b = appendMessage(b, typ, idJSON, payload)
	n := len(b) - maxFrameHeader
	var h int
	switch {
	case n <= 125:
		h = 2
	case n <= 0xffff:
		h = 4
	default:
		h = 10
	}
	start := maxFrameHeader - h
	b[start] = 0x81 // FIN, text
	switch h {
	case 2:
		b[start+1] = byte(n)
	case 4:
		b[start+1] = 126
		binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	default:
		b[start+1] = 127
		binary.BigEndian.PutUint64(b[start+2:], uint64(n))
	}
	return b[start:]
}

// sendFrame queues a complete frame (of op, if not nil), or writes it at
// once when the socket is idle; false means the socket (or the operation)
// is over for the client.
func (c *Conn) sendFrame(b []byte, op *operation) bool {
	c.mu.Lock()
	if c.closing || (op != nil && op.ctx.Err() != nil) {
		c.mu.Unlock()
		return false
	}
	if c.raw == nil || c.writing || len(c.queue) > 0 {
		c.mu.Unlock()
		return c.send(frame{kind: frameRaw, data: b}, op, false)
	}
	c.writing = true // this goroutine owns the write side for one write
	c.mu.Unlock()

	n := c.writeNow(b)

	c.mu.Lock()
	if n < len(b) && !c.closing {
		// The rest goes first, before anything queued meanwhile.
		c.queue = append([]frame{{kind: frameRaw, data: b[n:], partial: n > 0}}, c.queue...)
	}
	if len(c.queue) == 0 && !c.closing {
		c.writing = false
		c.mu.Unlock()
		return true
	}
	c.mu.Unlock()
	go c.writeLoop() // keeps the write side: finishes the queue or the close
	return true
}

// writeNow writes as much of b as the kernel takes without waiting and
// returns how much that was (0 on any error: the writer then retries and
// reports it).
func (c *Conn) writeNow(b []byte) int {
	n := 0
	err := c.raw.Write(func(fd uintptr) bool {
		w, err := syscall.Write(int(fd), b)
		if err == nil && w > 0 {
			n = w
		}
		return true // never wait here
	})
	if err != nil {
		return 0
	}
	return n
}
