package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// Code is the machine-readable class of an error. The GraphQL layer copies
// it to extensions.code; the set is part of the public contract.
type Code string

const (
	CodeUnauthenticated           Code = "UNAUTHENTICATED"
	CodeForbidden                 Code = "FORBIDDEN"
	CodeNotFound                  Code = "NOT_FOUND"
	CodeBadUserInput              Code = "BAD_USER_INPUT"
	CodeConflict                  Code = "CONFLICT"
	CodeRateLimited               Code = "RATE_LIMITED"
	CodeInvitationExpired         Code = "INVITATION_EXPIRED"
	CodeInvitationRevoked         Code = "INVITATION_REVOKED"
	CodeInvitationAlreadyAccepted Code = "INVITATION_ALREADY_ACCEPTED"
	CodeTokenInvalid              Code = "TOKEN_INVALID"
	// CodeEmailProofSent answers a sign-up for an address another identity
	// holds without having proven it: a link was mailed to the address, and
	// following it finishes the sign-up (docs/security.md).
	CodeEmailProofSent Code = "EMAIL_PROOF_SENT"
	CodeUnavailable    Code = "UNAVAILABLE"
	CodeInternal       Code = "INTERNAL"

	// Persisted queries (docs: README, "Persisted queries and trusted
	// documents"). PERSISTED_QUERY_NOT_FOUND: the hash is not known, send
	// the text with it (what Apollo Client's persisted-queries link
	// expects). PERSISTED_QUERY_NOT_SUPPORTED: persisted queries are off,
	// send the text alone. PERSISTED_QUERY_NOT_IN_LIST: the server runs
	// trusted documents only and the document is not in its manifest.
	CodePersistedQueryNotFound     Code = "PERSISTED_QUERY_NOT_FOUND"
	CodePersistedQueryNotSupported Code = "PERSISTED_QUERY_NOT_SUPPORTED"
	CodePersistedQueryNotInList    Code = "PERSISTED_QUERY_NOT_IN_LIST"
)

// Error is a domain error safe to show to a client: Message is written for
// people, Code for programs. Anything that is not an *Error is an internal
// failure and is never shown verbatim.
type Error struct {
	Code    Code
	Message string
	// Field names the offending input field for BAD_USER_INPUT.
	Field string
	// RetryAfterSeconds is set for RATE_LIMITED.
	RetryAfterSeconds int
	// cause is the underlying failure of an UNAVAILABLE error, for logs
	// only: it is never shown to a client.
	cause error
}

// Unwrap returns the failure behind an UNAVAILABLE error.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds a domain error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidInput reports a bad value in one input field.
func InvalidInput(field, format string, args ...any) *Error {
	return &Error{Code: CodeBadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the single answer for "does not exist" and "not yours": the
// two must be indistinguishable to the caller.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " not found"}
}

// Forbidden reports an action the caller is not allowed to take.
func Forbidden(format string, args ...any) *Error {
	return Errorf(CodeForbidden, format, args...)
}

// RateLimited reports a throttled action and when to try again.
func RateLimited(retryAfterSeconds int) *Error {
	if retryAfterSeconds < 1 {
		retryAfterSeconds = 1
	}
	return &Error{Code: CodeRateLimited, Message: "too many attempts, try again later", RetryAfterSeconds: retryAfterSeconds}
}

// ErrUnauthenticated is returned when an operation needs a signed-in caller.
var ErrUnauthenticated = &Error{Code: CodeUnauthenticated, Message: "sign in required"}

// ErrInvalidCredentials is the one answer for a wrong email or a wrong
// password: callers must not be able to tell them apart.
var ErrInvalidCredentials = &Error{Code: CodeUnauthenticated, Message: "the email or password is incorrect"}

// ErrorCode returns the code of a domain error, or INTERNAL for anything else.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return CodeInternal
}

// AsError returns the domain error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Unavailable reports that a backing service (the store, Redis) could not
// be reached or could not write. cause is kept for the log; the client sees
// only UNAVAILABLE and a message that says to try again.
func Unavailable(cause error) *Error {
	return &Error{Code: CodeUnavailable, Message: "the service is temporarily unavailable, try again in a moment", cause: cause}
}

// IsConnectionFault reports whether err says a backing service could not be
// reached, dropped the connection, or has no room to write: the errors the
// standard library and any network client share. Storage-specific codes
// (a MySQL "server has gone away", SQLite's SQLITE_FULL) are recognised by
// the store, which knows its drivers. A cancelled or expired request context
// is not a fault of the service and is not one of these.
func IsConnectionFault(err error) bool {
	// context.DeadlineExceeded is a net.Error too (it times out): a request
	// that ran out of time is not a service that is down.
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.ENOSPC),
		errors.Is(err, syscall.EDQUOT),
		errors.Is(err, syscall.EROFS),
		errors.Is(err, syscall.EIO):
		return true
	}
	return false
}
