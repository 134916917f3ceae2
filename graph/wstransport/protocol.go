package wstransport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Message types. graphql-transport-ws and graphql-ws share some names.
const (
	typeConnectionInit      = "connection_init"
	typeConnectionAck       = "connection_ack"
	typePing                = "ping"
	typePong                = "pong"
	typeSubscribe           = "subscribe"
	typeNext                = "next"
	typeError               = "error"
	typeComplete            = "complete"
	typeStart               = "start"
	typeStop                = "stop"
	typeData                = "data"
	typeKeepAlive           = "ka"
	typeConnectionError     = "connection_error"
	typeConnectionTerminate = "connection_terminate"
)

var (
	msgKeepAlive = []byte(`{"type":"ka"}`)
	msgPong      = []byte(`{"type":"pong"}`)
)

// inMessage is a client message of either protocol.
type inMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// encode builds {"type":…,"id":…,"payload":…}; id and payload are left out
// when empty. payload must be valid JSON.
func encode(typ, id string, payload []byte) []byte {
	var idJSON []byte
	if id != "" {
		idJSON = quoteID(id)
	}
	b := make([]byte, 0, len(`{"type":"","id":,"payload":}`)+len(typ)+len(idJSON)+len(payload))
	return appendMessage(b, typ, idJSON, payload)
}

// quoteID is an operation id as a JSON string.
func quoteID(id string) []byte {
	quoted, _ := json.Marshal(id) // a string always marshals
	return quoted
}

// appendMessage appends {"type":…,"id":…,"payload":…} to b; idJSON (a JSON
// string) and payload are left out when empty.
func appendMessage(b []byte, typ string, idJSON, payload []byte) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if len(idJSON) > 0 {
		b = append(b, `,"id":`...)
		b = append(b, idJSON...)
	}
	if len(payload) > 0 {
		b = append(b, `,"payload":`...)
		b = append(b, payload...)
	}
	return append(b, '}')
}

// isObjectOrNull reports whether an optional payload is absent, null or an
// object, the only shapes the protocols allow for init, ping and pong.
func isObjectOrNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null")) || raw[0] == '{'
}

func isAbsent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// subscribePayload is the payload of subscribe (and legacy start).
type subscribePayload struct {
	Query         *string        `json:"query"`
	OperationName *string        `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// parseSubscribe validates a subscribe payload and turns it into gqlgen's
// request parameters; the returned string says what is wrong.
func parseSubscribe(raw json.RawMessage) (*graphql.RawParams, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, "Subscribe message requires a payload object"
	}
	var p subscribePayload
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, "Invalid subscribe payload"
	}
	// A persisted query may come as its hash alone
	// (extensions.persistedQuery), resolved by the server's extensions.
	if _, persisted := p.Extensions["persistedQuery"]; p.Query == nil && !persisted {
		return nil, "Subscribe payload requires a query"
	}
	params := &graphql.RawParams{
		Variables:  p.Variables,
		Extensions: p.Extensions,
	}
	if p.Query != nil {
		params.Query = *p.Query
	}
	if p.OperationName != nil {
		params.OperationName = *p.OperationName
	}
	return params, ""
}

// handle processes one client message on the reading goroutine.
func (c *Conn) handle(data []byte) {
	start := graphql.Now()
	var m inMessage
	err := json.Unmarshal(data, &m)
	if c.protocol == ProtocolGraphQLTransportWS {
		if err != nil {
			c.closeWith(CloseBadRequest, "Invalid message received", true, false)
			return
		}
		c.handleTransportWS(&m, start)
		return
	}
	if err != nil {
		c.legacyFatal(CloseBadRequest, "Invalid message received")
		return
	}
	c.handleLegacy(&m, start)
}

// handleTransportWS follows graphql-transport-ws: anything out of protocol
// closes the socket with a 44xx code.
func (c *Conn) handleTransportWS(m *inMessage, start time.Time) {
	bad := func(reason string) { c.closeWith(CloseBadRequest, reason, true, false) }
	switch m.Type {
	case typeConnectionInit:
		if !isObjectOrNull(m.Payload) {
			bad("Invalid connection_init payload")
			return
		}
		if c.initReceived {
			c.closeWith(CloseTooManyInit, "Too many initialisation requests", true, false)
			return
		}
		c.initReceived = true
		c.initOnce(m.Payload)
	case typePing:
		if !isObjectOrNull(m.Payload) {
			bad("Invalid ping payload")
			return
		}
		if isAbsent(m.Payload) {
			c.sendText(msgPong, nil)
		} else {
			c.sendText(encode(typePong, "", m.Payload), nil)
		}
	case typePong:
		if !isObjectOrNull(m.Payload) {
			bad("Invalid pong payload")
		}
	case typeSubscribe:
		if m.ID == "" {
			bad("Subscribe message requires an id")
			return
		}
		params, problem := parseSubscribe(m.Payload)
		if problem != "" {
			bad(problem)
			return
		}
		if !c.Acknowledged() {
			c.closeWith(CloseUnauthorized, "Unauthorized", true, false)
			return
		}
		params.Headers = c.header
		params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
		if !c.startOperation(m.ID, params, false) {
			c.closeWith(CloseSubscriberExists, "Subscriber for "+m.ID+" already exists", true, false)
		}
	case typeComplete:
		if m.ID == "" {
			bad("Complete message requires an id")
			return
		}
		c.stopOperation(m.ID, false)
	case typeConnectionAck, typeNext, typeError:
		bad("Unexpected message of type " + m.Type + " received")
	default:
		bad(truncateReason("Unknown message type " + fmt.Sprintf("%q", m.Type)))
	}
}

// handleLegacy follows Apollo's graphql-ws. Per-operation problems answer
// with an error for that id; connection-level ones with connection_error
// and a close.
func (c *Conn) handleLegacy(m *inMessage, start time.Time) {
	switch m.Type {
	case typeConnectionInit:
		if !isObjectOrNull(m.Payload) {
			c.legacyFatal(CloseBadRequest, "Invalid connection_init payload")
			return
		}
		if c.initReceived {
			c.legacyFatal(CloseTooManyInit, "Too many initialisation requests")
			return
		}
		c.initReceived = true
		c.initOnce(m.Payload)
	case typeStart:
		if m.ID == "" {
			c.legacyFatal(CloseBadRequest, "Start message requires an id")
			return
		}
		if !c.Acknowledged() {
			c.legacyFatal(CloseUnauthorized, "Unauthorized")
			return
		}
		params, problem := parseSubscribe(m.Payload)
		if problem != "" {
			c.sendText(encode(typeError, m.ID, errorsJSON(gqlerror.List{{Message: problem}})), nil)
			return
		}
		params.Headers = c.header
		params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
		c.startOperation(m.ID, params, true)
	case typeStop:
		c.stopOperation(m.ID, true)
	case typeConnectionTerminate:
		c.closeWith(CloseNormal, "Normal Closure", true, true)
	default:
		c.legacyFatal(CloseBadRequest, truncateReason("Unexpected message of type "+fmt.Sprintf("%q", m.Type)))
	}
}

// legacyFatal sends connection_error then closes once it is written.
func (c *Conn) legacyFatal(code int, reason string) {
	c.sendText(encode(typeConnectionError, "", messageJSON(reason, "")), nil)
	c.closeWith(code, reason, true, true)
}

func messageJSON(message, code string) []byte {
	v := map[string]any{"message": message}
	if code != "" {
		v["extensions"] = map[string]any{"code": code}
	}
	b, _ := json.Marshal(v) // strings always marshal
	return b
}

func errorsJSON(errs gqlerror.List) []byte {
	b, err := json.Marshal(errs)
	if err != nil {
		b, _ = json.Marshal(gqlerror.List{{Message: "internal system error"}})
	}
	return b
}

// initOnce runs init with the upgrade request, which is dropped then
// (operations still get its headers).
func (c *Conn) initOnce(raw json.RawMessage) {
	r := c.req
	c.req = nil
	c.init(r, raw)
}

// init runs InitFunc and OnConnect, then acknowledges the connection.
func (c *Conn) init(r *http.Request, raw json.RawMessage) {
	var payload InitPayload
	if !isAbsent(raw) {
		if err := json.Unmarshal(raw, &payload); err != nil {
			c.refuse(refusal{code: CloseBadRequest, reason: "Invalid connection_init payload", message: "Invalid connection_init payload"})
			return
		}
	}

	ctx, ack, err := c.callInit(r, payload)
	switch {
	case errors.Is(err, errInitPanicked):
		c.refuse(refusal{code: CloseInternalError, reason: "Internal server error", message: "Internal server error"})
		return
	case err != nil:
		ref := initRefusal(err)
		if ref.errCode == "" {
			c.cfg.log.Warn("wstransport: connection refused", "conn", c.id, "err", err)
		}
		c.refuse(ref)
		return
	}
	if ctx == nil {
		ctx = c.base
	}
	// Operations must stop when the socket closes even if InitFunc
	// returned a context that is not derived from ours.
	opCtx, cancel := context.WithCancel(context.WithValue(ctx, connKey{}, c))
	context.AfterFunc(c.base, cancel)

	var ackJSON []byte
	if ack != nil {
		b, err := json.Marshal(*ack)
		if err != nil {
			c.cfg.log.Error("wstransport: connection_ack payload does not marshal", "conn", c.id, "err", err)
			c.refuse(refusal{code: CloseInternalError, reason: "Internal server error", message: "Internal server error"})
			cancel()
			return
		}
		ackJSON = b
	}

	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		cancel()
		return
	}
	c.ctx = opCtx
	c.initPayload = payload
	c.acked = true
	if c.initTimer != nil {
		c.initTimer.Stop()
		c.initTimer = nil
	}
	c.mu.Unlock()

	if !c.callOnConnect(opCtx) {
		c.refuse(refusal{code: CloseInternalError, reason: "Internal server error", message: "Internal server error"})
		return
	}
	c.sendText(encode(typeConnectionAck, "", ackJSON), nil)
	if c.protocol == ProtocolGraphQLWS && c.cfg.keepAlive > 0 {
		c.sendText(msgKeepAlive, nil)
		c.mu.Lock()
		if !c.closing {
			c.kaTimer = time.AfterFunc(c.cfg.keepAlive, c.keepAliveTick)
		}
		c.mu.Unlock()
	}
}

func (c *Conn) refuse(ref refusal) {
	if c.protocol == ProtocolGraphQLWS {
		c.sendText(encode(typeConnectionError, "", messageJSON(ref.message, string(ref.errCode))), nil)
		c.closeWith(ref.code, ref.reason, true, true)
		return
	}
	c.closeWith(ref.code, ref.reason, true, false)
}

// errInitPanicked stands for a panic recovered from InitFunc.
var errInitPanicked = errors.New("wstransport: InitFunc panicked")

func (c *Conn) callInit(r *http.Request, payload InitPayload) (ctx context.Context, ack *InitPayload, err error) {
	if c.t.InitFunc == nil {
		return c.base, nil, nil
	}
	defer func() {
		if p := recover(); p != nil {
			c.cfg.log.Error("wstransport: InitFunc panicked", "conn", c.id, "panic", p)
			ctx, ack, err = nil, nil, errInitPanicked
		}
	}()
	return c.t.InitFunc(c.base, r, payload)
}

func (c *Conn) callOnConnect(ctx context.Context) (ok bool) {
	if c.t.OnConnect == nil {
		return true
	}
	defer func() {
		if p := recover(); p != nil {
			c.cfg.log.Error("wstransport: OnConnect panicked", "conn", c.id, "panic", p)
			ok = false
		}
	}()
	c.t.OnConnect(ctx, c)
	return true
}
