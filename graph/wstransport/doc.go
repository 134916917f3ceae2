// Package wstransport serves GraphQL over websockets for gqlgen, on
// gorilla/websocket. It implements graphql.Transport and feeds gqlgen's
// executor (parse, validate, operation middleware, error presenter, recover
// func), so queries, mutations and subscriptions behave exactly as over HTTP.
//
// It replaces gqlgen's own websocket transport, which answers several
// graphql-transport-ws MUST cases with the wrong close code and writes to
// each socket synchronously under a lock (one slow client stalls its
// producer).
//
// # Wiring
//
//	srv := handler.New(generated.NewExecutableSchema(cfg))
//	ws := &wstransport.Transport{
//		Upgrader:  websocket.Upgrader{CheckOrigin: allowedOrigin}, // never "always yes"
//		InitFunc:  auth.WebsocketInit, // token from payload.AuthToken() → viewer in ctx
//		OnConnect: presence.Connected,
//		OnClose:   presence.Disconnected,
//	}
//	srv.AddTransport(ws) // before the HTTP transports
//	srv.AddTransport(transport.GET{})
//	srv.AddTransport(transport.POST{})
//	…
//	ws.Shutdown(ctx) // on graceful stop, before http.Server.Shutdown
//
// Elsewhere in the server:
//
//   - ConnFromContext(ctx) gives a resolver its socket (Conn.ID for presence).
//   - Transport.CloseMatching(pred, CloseForbidden, "Forbidden: signed out")
//     closes a signed-out session's sockets; pred reads the viewer from
//     Conn.Context().
//   - Transport.Count feeds the open-sockets gauge; Transport.Each walks them.
//   - AddSubscriptionError ends a subscription with an error message.
//
// # Protocols
//
// graphql-transport-ws (PROTOCOL.md of the graphql-ws npm package) is
// followed to the letter: connection_init → InitFunc → OnConnect →
// connection_ack (with InitFunc's payload, if any); ping at any time is
// answered with pong echoing the payload; pong is ignored; subscribe runs a
// query, mutation or subscription and answers next… then complete; the
// client's complete stops the operation and nothing more is sent for it;
// failures before execution (parse, validation) answer error — an array of
// GraphQL errors — and never a complete after it. Errors raised while
// executing travel inside next, as GraphQL specifies. Anything else closes
// the socket with the protocol's code (see below).
//
// Legacy graphql-ws (Apollo subscriptions-transport-ws) is used when the
// client asks for it or offers neither protocol: connection_init →
// connection_ack then ka every KeepAlive; start → data… then complete (also
// after stop); error for a failed start; connection_terminate closes with
// 1000; a refused init or a broken message answers connection_error and
// then closes with the same codes as graphql-transport-ws.
//
// # Close codes
//
//	1000  normal (connection_terminate, or the peer's own normal close)
//	1001  Going Away: Transport.Shutdown
//	1006  reported to OnClose only: the connection dropped without a close frame
//	1009  a message exceeded ReadLimit
//	1011  InitFunc, OnConnect or message handling panicked
//	1013  slow consumer (see Backpressure): reconnect and resync
//	3008  liveness timeout: nothing read from the client for PongTimeout
//	4400  malformed JSON, unknown or unexpected message type, subscribe
//	      without id, payload or payload.query, bad payload shapes
//	4401  subscribe before connection_ack
//	4403  InitFunc refused the connection; for a *models.Error coded
//	      UNAUTHENTICATED, FORBIDDEN or TOKEN_INVALID the reason is
//	      "CODE: message", for any other error just "Forbidden" (internal
//	      error text never reaches the client; it is logged)
//	4408  no accepted connection_init within InitTimeout
//	4409  subscribe with an id that is still active ("Subscriber for <id>
//	      already exists"); legacy start replaces the older operation instead
//	4429  a second connection_init; messages faster than MessageRate
//	      ("Too many requests"); InitFunc refused with a *models.Error
//	      coded RATE_LIMITED (reason "RATE_LIMITED: message")
//
// Close reasons are cut to the 123 bytes a close frame can carry. After
// sending a close frame the server waits up to a second (never more than
// WriteTimeout) for the client's answer before closing TCP.
//
// # Lifecycle and contexts
//
// The socket's context starts from the upgrade request's context plus the
// Conn; InitFunc receives it and returns the context every operation of the
// socket runs with (the viewer goes there). Operations are cancelled when
// the client stops them, when they end, or when the socket closes — even if
// InitFunc returned a context not derived from the one it was given.
// OnConnect runs before connection_ack. OnClose runs exactly once for every
// served socket, acknowledged or not, after its operations are cancelled and
// the socket is closed, with a context that keeps the values but is never
// cancelled (for clean-up I/O); Shutdown waits for these calls.
//
// # Limits
//
// A socket holds bounded work: at most MaxOperations operations run at once
// (default 100; a subscribe past it is answered with an error message for
// its id, extensions.code RATE_LIMITED, and the socket stays open), and the
// client's messages are metered by a token bucket (MessageRate a second,
// MessageBurst at once; defaults 50 and 100; past it the socket closes with
// 4429). OnRefuse is told of each refusal. Authorize, when set, runs before
// every operation: an error refuses the operation, and one that says the
// credentials are gone (UNAUTHENTICATED, FORBIDDEN, TOKEN_INVALID) then
// closes the socket with 4403.
//
// # Liveness
//
// The server decides: it sends a websocket ping frame every PingInterval
// (default 10s) — browsers answer these themselves, background tabs
// included — and any frame read from the client (message, pong or ping)
// moves a read deadline PongTimeout ahead. PongTimeout defaults to
// 2×PingInterval (20s) and is raised to that when configured not above
// PingInterval, so one lost pong is tolerated; a dead client is closed
// (3008) at most PongTimeout after it last spoke. One goroutine per
// Transport sends the pings, spread evenly over the interval (sockets in
// buckets, one bucket per tick), each with one inline write: no timer and
// no goroutine per socket.
//
// # Backpressure
//
// Every socket has exactly one writer at a time, fed by a bounded FIFO
// queue (QueueSize, default 256 messages). Producers — operation loops,
// the pinger, the reader — only append to the queue under a short lock and
// never wait for the socket. When a producer finds the queue full, or when
// one write stalls longer than WriteTimeout (default 5s), the socket is
// closed with 1013 ("slow consumer") and all its operations are cancelled,
// so a slow reader never slows anyone else and holds at most QueueSize
// messages. The 1013 frame reaches a client that is merely slow; a client
// that stopped reading entirely cannot receive any frame and sees the TCP
// connection drop, while OnClose still reports 1013.
//
// A result pushed through a Stream (and a ping) is written inline by its
// producer when the socket is idle: one non-blocking write(2) of the whole
// frame, so fanning one event out to many sockets wakes no goroutine per
// socket. Whatever the kernel does not take at once (a client reading
// slowly) is queued and finished by the socket's writer under the same
// deadline and bounds.
//
// # Memory
//
// A socket is served on a goroutine of its own, so the HTTP handler that
// upgraded it returns and net/http's per-request state (its buffers, the
// response, the handler's stack) is released. What a socket keeps: the
// reading goroutine, whose stack stays small because client messages are
// handled on a transient goroutine; a 1 KiB read buffer
// (DefaultReadBufferSize); no write buffer of its own (writes borrow from
// Upgrader.WriteBufferPool, by default a pool per Transport); no writer
// goroutine while idle (it runs only while the queue has messages); an
// empty queue; the upgrade request only until connection_init is handled.
// An operation runs on a goroutine of its own while gqlgen executes it (its
// pull-style ResponseHandler needs one); a subscription that detaches to a
// Stream then holds no goroutine, only its context and its name and
// definition (shared with the document cache). Enabling
// Upgrader.EnableCompression costs far more memory per socket.
package wstransport
