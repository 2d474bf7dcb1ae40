package feed

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. The HTTP server maps them to status
// codes and the CLI to messages; stores and validation produce them.
const (
	EINVALID  = "invalid"   // the input is malformed or breaks a rule
	ENOTFOUND = "not_found" // the thing asked for does not exist
	ECONFLICT = "conflict"  // the write clashes with stored data
	EGONE     = "gone"      // the thing asked for was deleted
	EINTERNAL = "internal"  // anything else
)

// Error is an application error with a code and a message safe to show to
// the client that caused it.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is or wraps an *Error, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err: the *Error's message,
// or a generic one for internal errors, whose text may leak details.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "internal error"
}
