package model

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what went wrong, in the terms a caller acts on. The HTTP layer
// maps each kind to one status (server/respond.go); storage and services
// never name a status.
type Kind int

// The kinds of error. Internal (the zero value) is a bug or an
// unexpected failure: logged, and the client gets a generic message.
const (
	Internal         Kind = iota
	Invalid               // the request itself is wrong (a field's syntax or range)
	Unprocessable         // well-formed, but the data breaks a rule (a plan's problems, a file's rows)
	TooLarge              // a body or file over a limit
	UnsupportedMedia      // a body of a type the endpoint does not take
	Unauthenticated       // no valid session or token
	Forbidden             // outside the caller's role or scope
	NotFound              // no such thing (or not visible to the caller)
	Gone                  // it existed and was retired (a grid replaced by a publication)
	Conflict              // the state moved on (a stale revision, a reused client id)
	TooMany               // a rate or count limit for this caller
	Unavailable           // a dependency is away or the server is full: retry later
)

var kindNames = [...]string{"internal", "invalid", "unprocessable", "too_large", "unsupported_media", "unauthenticated", "forbidden",
	"not_found", "gone", "conflict", "too_many", "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is the one error type of gridmap: a kind, the field at fault
// (a body field such as "positions[3].lat", a parameter, or empty), an
// English message for developers and the log, optionally a code more
// precise than the kind's with the parameters of its sentence (the user
// reads the sentence of the code in their language, server/messages.go),
// details that go into the error answer (a plan's problems, a file's
// rows), a retry delay, and the cause it wraps.
type Error struct {
	Kind       Kind
	Field      string
	Msg        string
	Code       Code           // "" for the kind's (DefaultCode)
	Params     map[string]any // what the code's sentence names ({role}, {limit})
	Details    map[string]any // extra members of the error answer
	RetryAfter time.Duration  // for Unavailable and TooMany: when to try again
	Err        error          // the cause, for errors.Is/As and the log
}

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Field != "" && msg != "" && !hasPrefix(msg, e.Field+":") {
		return e.Field + ": " + msg
	}
	if msg == "" {
		return e.Kind.String()
	}
	return msg
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// Unwrap gives the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an error of kind about field.
func Errorf(kind Kind, field, format string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// KindOf is the kind of the first *Error in err's chain; Internal when
// there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// FieldOf is the field of the first *Error in err's chain.
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
