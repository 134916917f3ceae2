package wstransport

import (
	"strings"

	"github.com/rollcall/rollcall/models"
)

// InitPayload is the payload of connection_init, which browsers use in
// place of HTTP headers (they cannot set headers on a websocket).
type InitPayload map[string]any

// GetString returns the string at key, or "" when it is absent or not a
// string.
func (p InitPayload) GetString(key string) string {
	s, _ := p[key].(string)
	return s
}

// AuthToken returns the bearer token the client sent: "authToken", else
// "Authorization" or "authorization" without an optional "Bearer " prefix
// (any case). It returns "" when there is none.
func (p InitPayload) AuthToken() string {
	if tok := strings.TrimSpace(p.GetString("authToken")); tok != "" {
		return tok
	}
	v := p.GetString("Authorization")
	if v == "" {
		v = p.GetString("authorization")
	}
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	} else if strings.EqualFold(v, "bearer") {
		v = ""
	}
	return v
}

// refusal is how a refused connection_init is told to the client.
type refusal struct {
	code    int
	reason  string      // close reason
	message string      // legacy connection_error message
	errCode models.Code // legacy connection_error extensions.code, if any
}

// initRefusal turns InitFunc's (or Authorize's) error into a 4403 close,
// or 4429 for RATE_LIMITED (too many sockets). Domain errors about
// authentication give their code and message (written for people, safe to
// show); anything else gives a generic reason, never the error's text.
func initRefusal(err error) refusal {
	if e, ok := models.AsError(err); ok {
		switch e.Code {
		case models.CodeRateLimited:
			return refusal{
				code:    CloseTooManyRequests,
				reason:  truncateReason(string(e.Code) + ": " + e.Message),
				message: e.Message,
				errCode: e.Code,
			}
		case models.CodeUnauthenticated, models.CodeForbidden, models.CodeTokenInvalid:
			msg := e.Message
			if msg == "" {
				msg = "Forbidden"
			}
			return refusal{
				code:    CloseForbidden,
				reason:  truncateReason(string(e.Code) + ": " + msg),
				message: msg,
				errCode: e.Code,
			}
		}
	}
	return refusal{code: CloseForbidden, reason: "Forbidden", message: "Forbidden"}
}
