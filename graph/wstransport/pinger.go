package wstransport

import (
	"sync"
	"time"
)

// pingFrame is an empty websocket ping (FIN, opcode 9, no payload).
var pingFrame = []byte{0x89, 0x00}

// pinger pings every socket of a Transport once per interval from one
// goroutine, instead of a timer (and a goroutine woken) per socket: the
// sockets are spread over buckets, and each tick of interval/buckets pings
// one bucket, each with one inline write. It runs while there are sockets.
type pinger struct {
	interval time.Duration

	mu      sync.Mutex
	buckets []map[*Conn]struct{}
	next    int
	count   int
	running bool
}

// pingTick is the shortest tick: pings are spread over at most
// interval/pingTick buckets.
const pingTick = 10 * time.Millisecond

// maxPingBuckets bounds the buckets (a tick of interval/50: 100 ms for the
// default 5 s of the server).
const maxPingBuckets = 50

func newPinger(interval time.Duration) *pinger {
	n := int(min(int64(maxPingBuckets), max(1, int64(interval/pingTick))))
	p := &pinger{interval: interval, buckets: make([]map[*Conn]struct{}, n)}
	for i := range p.buckets {
		p.buckets[i] = map[*Conn]struct{}{}
	}
	return p
}

func (p *pinger) add(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.pingBucket = p.next
	p.buckets[p.next][c] = struct{}{}
	p.next = (p.next + 1) % len(p.buckets)
	p.count++
	if !p.running {
		p.running = true
		go p.run()
	}
}

func (p *pinger) remove(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.buckets[c.pingBucket][c]; ok {
		delete(p.buckets[c.pingBucket], c)
		p.count--
	}
}

func (p *pinger) run() {
	tick := p.interval / time.Duration(len(p.buckets))
	t := time.NewTicker(tick)
	defer t.Stop()
	var due []*Conn
	for b := 0; ; b = (b + 1) % len(p.buckets) {
		<-t.C
		p.mu.Lock()
		if p.count == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		due = due[:0]
		for c := range p.buckets[b] {
			due = append(due, c)
		}
		p.mu.Unlock()
		for _, c := range due {
			c.sendFrame(pingFrame, nil)
		}
		clear(due)
	}
}
