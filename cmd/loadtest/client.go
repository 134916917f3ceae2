package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/models"
)

// presenceEvent is one presenceChanged message as a client received it.
type presenceEvent struct {
	userID  int64 // 0 when the selection has no user{id}
	status  string
	devices int
	at      time.Time // the server's timestamp of the transition
	recv    time.Time
}

// clients opens graphql-transport-ws sockets from 127.0.0.2–127.0.0.9 in
// turn and feeds the events they receive to onEvent.
type clients struct {
	e      *env
	dialer *websocket.Dialer
	next   atomic.Uint32
	lean   bool
	// byGID maps user global ids to user ids.
	byGID sync.Map

	onEvent func(c *wsClient, ev presenceEvent)
	onClose func(c *wsClient, code int)
	// mutationErrors counts setPresence answers carrying errors.
	mutationErrors atomic.Int64
	// sendAt maps user ids to the UnixNano of their last change sent
	// (-peer mode: latency from the client's send).
	sendAt sync.Map
	// pongDelay, when set, delays each answer to a server ping (P5 jitter).
	pongDelay func() time.Duration
}

func newClients(e *env) *clients {
	cs := &clients{e: e}
	cs.dialer = &websocket.Dialer{
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			i := cs.next.Add(1)
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%8))}, Timeout: 15 * time.Second}
			return d.DialContext(ctx, network, addr)
		},
		HandshakeTimeout: 15 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  512,
		WriteBufferPool:  &sync.Pool{},
		Subprotocols:     []string{"graphql-transport-ws"},
	}
	return cs
}

// wsClient is one device connection.
type wsClient struct {
	cs      *clients
	user    db.LoadUser
	group   int
	node    *node
	conn    *websocket.Conn
	wmu     sync.Mutex
	seq     atomic.Int64
	stalled atomic.Pointer[chan struct{}]
	done    chan struct{}
	// code and closedAt are set before done is closed.
	code     int
	closedAt time.Time
	dropped  atomic.Bool // closed by this tool on purpose
	// idle is the driver's view of the last activity sent.
	idle bool
}

const subscriptionFull = `subscription($a: ID!){ presenceChanged(accountId: $a){ user { id } accountId presence { status connectedDevices lastActiveAt } at } }`
const subscriptionLean = `subscription($a: ID!){ presenceChanged(accountId: $a){ accountId presence { status connectedDevices lastActiveAt } at } }`

// connect opens an authenticated socket on n and, when account is not
// zero, subscribes to presenceChanged(account).
func (cs *clients) connect(ctx context.Context, n *node, u db.LoadUser, group int, account int64) (*wsClient, error) {
	cs.byGID.Store(models.GlobalID(models.KindUser, u.UserID), u.UserID)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, resp, err := cs.dialer.DialContext(ctx, "ws://"+n.addr+"/query", http.Header{"User-Agent": {"rollcall-loadtest"}})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: %w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	c := &wsClient{cs: cs, user: u, group: group, node: n, conn: conn, done: make(chan struct{})}
	init := fmt.Sprintf(`{"type":"connection_init","payload":{"authToken":%q}}`, u.Token)
	if err := c.write([]byte(init)); err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("connection_init: %w", err)
		}
		if bytes.Contains(msg, []byte(`"connection_ack"`)) {
			break
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	// Pings are answered like gorilla's default handler, except by a
	// stalled client (a frozen tab answers nothing, even while its reader
	// happens to be waiting inside a read) and after -reconnect's jitter.
	conn.SetPingHandler(func(data string) error {
		if c.stalled.Load() != nil {
			return nil
		}
		pong := func() {
			_ = conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
		}
		if cs.pongDelay != nil {
			time.AfterFunc(cs.pongDelay(), pong)
		} else {
			pong()
		}
		return nil
	})
	if account != 0 {
		q := subscriptionFull
		if cs.lean {
			q = subscriptionLean
		}
		sub, _ := json.Marshal(map[string]any{"id": "p", "type": "subscribe",
			"payload": map[string]any{"query": q, "variables": map[string]any{"a": models.GlobalID(models.KindAccount, account)}}})
		if err := c.write(sub); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	go c.readLoop()
	return c, nil
}

func (c *wsClient) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// setActivity sends setPresence(input: {activity}) over the socket.
func (c *wsClient) setActivity(activity string) error {
	id := c.seq.Add(1)
	msg := `{"id":"m` + strconv.FormatInt(id, 10) + `","type":"subscribe","payload":{"query":"mutation($a: PresenceActivity!){ setPresence(input: {activity: $a}) { status } }","variables":{"a":"` + activity + `"}}}`
	return c.write([]byte(msg))
}

// stall makes the reader stop reading (no pongs either) until resume.
func (c *wsClient) stall() {
	ch := make(chan struct{})
	c.stalled.Store(&ch)
}

func (c *wsClient) resume() {
	if ch := c.stalled.Swap(nil); ch != nil {
		close(*ch)
	}
}

// drop closes the TCP connection without a close frame (a page reload,
// a lost network).
func (c *wsClient) drop() {
	c.dropped.Store(true)
	_ = c.conn.UnderlyingConn().Close()
}

// closeNormal closes the socket with 1000.
func (c *wsClient) closeNormal() {
	c.dropped.Store(true)
	c.wmu.Lock()
	_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	c.wmu.Unlock()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		_ = c.conn.Close()
	}
}

func (c *wsClient) readLoop() {
	var buf bytes.Buffer
	code := websocket.CloseAbnormalClosure
	for {
		if ch := c.stalled.Load(); ch != nil {
			<-*ch
		}
		_, r, err := c.conn.NextReader()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				code = ce.Code
			}
			break
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			continue
		}
		c.handle(buf.Bytes(), time.Now())
		if buf.Cap() > 4096 {
			buf = bytes.Buffer{}
		}
	}
	c.code, c.closedAt = code, time.Now()
	_ = c.conn.Close()
	close(c.done)
	if f := c.cs.onClose; f != nil {
		f(c, code)
	}
}

var (
	keyNext    = []byte(`"type":"next"`)
	keyEvent   = []byte(`"presenceChanged"`)
	keyAt      = []byte(`"at":"`)
	keyStatus  = []byte(`"status":"`)
	keyDevices = []byte(`"connectedDevices":`)
	keyUser    = []byte(`"user":{"id":"`)
	keyPing    = []byte(`"type":"ping"`)
	keyError   = []byte(`"type":"error"`)
	keyErrors  = []byte(`"errors":`)
)

// handle reads what the scenarios need from a message with a few byte
// searches (a full JSON decode per event would cost the shared CPUs more).
func (c *wsClient) handle(msg []byte, recv time.Time) {
	if !bytes.Contains(msg, keyNext) {
		switch {
		case bytes.Contains(msg, keyPing):
			_ = c.write([]byte(`{"type":"pong"}`))
		case bytes.Contains(msg, keyError):
			c.cs.e.debugf("socket of user %d: %s", c.user.UserID, msg)
		}
		return
	}
	if !bytes.Contains(msg, keyEvent) {
		if bytes.Contains(msg, keyErrors) {
			// A mutation answered with errors (RATE_LIMITED, ...).
			c.cs.mutationErrors.Add(1)
			c.cs.e.debugf("mutation of user %d: %s", c.user.UserID, msg)
		}
		return
	}
	ev := presenceEvent{recv: recv}
	if s := after(msg, keyAt, '"'); s != nil {
		ev.at, _ = time.Parse(time.RFC3339Nano, string(s))
	}
	if s := after(msg, keyStatus, '"'); s != nil {
		ev.status = string(s)
	}
	if s := after(msg, keyDevices, ','); s != nil {
		ev.devices, _ = strconv.Atoi(string(bytes.TrimRight(s, "}")))
	}
	if s := after(msg, keyUser, '"'); s != nil {
		if v, ok := c.cs.byGID.Load(string(s)); ok {
			ev.userID = v.(int64)
		}
	}
	if f := c.cs.onEvent; f != nil {
		f(c, ev)
	}
}

// after returns the bytes following key up to end.
func after(msg, key []byte, end byte) []byte {
	i := bytes.Index(msg, key)
	if i < 0 {
		return nil
	}
	rest := msg[i+len(key):]
	j := bytes.IndexByte(rest, end)
	if j < 0 {
		return nil
	}
	return rest[:j]
}

// target is one socket to open.
type target struct {
	node    *node
	user    db.LoadUser
	group   int
	account int64 // 0: no subscription
}

// connectAll opens the sockets with -dial-concurrency handshakes in
// flight (each retried once) and reports progress.
func (cs *clients) connectAll(ctx context.Context, what string, ts []target) ([]*wsClient, error) {
	out := make([]*wsClient, len(ts))
	sem := make(chan struct{}, cs.e.cfg.dialConc)
	var (
		wg     sync.WaitGroup
		done   atomic.Int64
		failed atomic.Int64
		first  atomic.Pointer[error]
	)
	start := time.Now()
	step := max(len(ts)/5, 1)
	for i, t := range ts {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := cs.connect(ctx, t.node, t.user, t.group, t.account)
			if err != nil && ctx.Err() == nil {
				time.Sleep(200 * time.Millisecond)
				c, err = cs.connect(ctx, t.node, t.user, t.group, t.account)
			}
			if err != nil {
				failed.Add(1)
				first.CompareAndSwap(nil, &err)
				return
			}
			out[i] = c
			if n := done.Add(1); n%int64(step) == 0 {
				cs.e.debugf("  %s: %d/%d sockets", what, n, len(ts))
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	took := time.Since(start)
	cs.e.logf("%s: %d sockets open in %s, %.0f accepted/s (%d failed)", what, done.Load(), took.Round(10*time.Millisecond), float64(done.Load())/took.Seconds(), failed.Load())
	if p := first.Load(); p != nil {
		return out, fmt.Errorf("%d of %d sockets failed, first: %w", failed.Load(), len(ts), *p)
	}
	return out, nil
}

// closeAll closes sockets with 1000, many at a time.
func closeAll(cs []*wsClient) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for _, c := range cs {
		if c == nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			select {
			case <-c.done:
			default:
				c.closeNormal()
			}
		}()
	}
	wg.Wait()
}

// latencies collects durations and reports percentiles.
type latencies struct {
	mu sync.Mutex
	v  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.v = append(l.v, d)
	l.mu.Unlock()
}

func (l *latencies) n() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.v)
}

// pct returns the p-th percentile (0–100) by nearest rank.
func (l *latencies) pct(p float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return percentile(l.v, p)
}

func percentile(v []time.Duration, p float64) time.Duration {
	if len(v) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), v...)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}
