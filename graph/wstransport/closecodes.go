package wstransport

import (
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Close codes this transport sends (or, for 1006, reports to OnClose).
const (
	// CloseNormal: the client sent connection_terminate (graphql-ws), or the
	// peer closed normally.
	CloseNormal = websocket.CloseNormalClosure // 1000
	// CloseGoingAway: the server is shutting down (Transport.Shutdown).
	CloseGoingAway = websocket.CloseGoingAway // 1001
	// CloseAbnormal is never sent: OnClose reports it when the connection
	// dropped without a close frame (reset, EOF, failed write).
	CloseAbnormal = websocket.CloseAbnormalClosure // 1006
	// CloseMessageTooBig: a client message exceeded ReadLimit.
	CloseMessageTooBig = websocket.CloseMessageTooBig // 1009
	// CloseInternalError: InitFunc or OnConnect panicked.
	CloseInternalError = websocket.CloseInternalServerErr // 1011
	// CloseSlowConsumer ("Try Again Later") is the distinct slow-client
	// code: the socket's write queue overflowed or one write stalled longer
	// than WriteTimeout. Clients should reconnect and resync. When the
	// client has stopped reading altogether the frame cannot reach it (it
	// sees the TCP connection drop); OnClose still reports 1013.
	CloseSlowConsumer = websocket.CloseTryAgainLater // 1013
	// CloseLivenessTimeout: nothing (no message, no pong) was read from the
	// client for PongTimeout. 3008 is the IANA-registered "Timeout" code.
	CloseLivenessTimeout = 3008

	// Codes of the graphql-transport-ws protocol (also used for the same
	// situations on legacy graphql-ws sockets).
	CloseBadRequest       = 4400 // malformed or unexpected message
	CloseUnauthorized     = 4401 // subscribe before connection_ack
	CloseForbidden        = 4403 // InitFunc refused the connection
	CloseInitTimeout      = 4408 // no accepted connection_init within InitTimeout
	CloseSubscriberExists = 4409 // subscribe with an id that is still active
	CloseTooManyInit      = 4429 // a second connection_init
	// CloseTooManyRequests: the client sent messages faster than
	// MessageRate allows, or InitFunc refused it with RATE_LIMITED (too
	// many sockets for its session).
	CloseTooManyRequests = 4429
)

// maxCloseReason is the longest reason that fits a close frame (125 bytes
// of control payload minus the 2-byte code).
const maxCloseReason = 123

// truncateReason cuts reason to fit a close frame, on a rune boundary.
func truncateReason(reason string) string {
	if len(reason) <= maxCloseReason {
		return reason
	}
	cut := maxCloseReason
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut]
}

// sendableCode reports whether code may appear in a close frame.
func sendableCode(code int) bool {
	switch {
	case code < 1000 || code > 4999:
		return false
	case code == 1004 || code == websocket.CloseNoStatusReceived ||
		code == websocket.CloseAbnormalClosure || code == websocket.CloseTLSHandshake:
		return false
	case code >= 1016 && code < 3000:
		return false
	}
	return true
}

// closePayload is the body of a close frame; an unsendable code (such as
// 1005 echoed back) gives an empty body.
func closePayload(code int, reason string) []byte {
	if !sendableCode(code) {
		return []byte{}
	}
	return websocket.FormatCloseMessage(code, truncateReason(reason))
}
