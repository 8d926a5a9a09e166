package field

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridmap/gridmap/model"
)

// The checks inputs share. Each error is Invalid naming the field, with
// the message the client shows.

var (
	clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)
	phonePattern    = regexp.MustCompile(`^[0-9+ -]{5,20}$`)
	sealPattern     = regexp.MustCompile(`^[A-Za-z0-9-]{3,40}$`)
)

// invalid is an Invalid error naming field.
func invalid(field, format string, args ...any) *model.Error {
	return &model.Error{Kind: model.Invalid, Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

// CheckClientID checks the client id of a write: every field write
// carries one, made once per write and reused when it is retried.
func CheckClientID(id string) error {
	if id == "" {
		return invalid("client_id", "required: an id the client makes once per write and reuses when it retries (8-64 of A-Z a-z 0-9 . _ : -)")
	}
	if !clientIDPattern.MatchString(id) {
		return invalid("client_id", "want 8-64 of A-Z a-z 0-9 . _ : -")
	}
	return nil
}

// text trims s and checks its length in characters.
func text(field, s string, minLen, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && minLen > 0:
		return s, invalid(field, "required")
	case n > maxLen:
		return s, invalid(field, "at most %d characters", maxLen)
	}
	return s, nil
}

// phone trims a phone number and checks it when there is one.
func phone(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v != "" && !phonePattern.MatchString(v) {
		return v, invalid("phone", "5 to 20 digits, spaces, '+' or '-'")
	}
	return v, nil
}

// oneOf checks v is one of allowed.
func oneOf(field, v string, allowed ...string) error {
	if v == "" {
		return invalid(field, "required: one of %s", strings.Join(allowed, ", "))
	}
	if !slices.Contains(allowed, v) {
		return invalid(field, "want one of %s", strings.Join(allowed, ", "))
	}
	return nil
}

// date checks a YYYY-MM-DD date.
func date(field, v string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return t, invalid(field, "want a date YYYY-MM-DD")
	}
	return t, nil
}

// outcomeNames lists the screening outcomes for an error message.
func outcomeNames() []string {
	out := make([]string, len(model.Outcomes))
	for i, o := range model.Outcomes {
		out[i] = string(o)
	}
	return out
}

// PathInput is the body of writes on a row named by its id (ending a
// quarantine, resolving an alert, closing a request): the client id and
// perhaps a note.
type PathInput struct {
	ID         int64  `json:"-"`
	ClientID   string `json:"client_id"`
	Resolution string `json:"resolution"`
}

// Validate checks in, trimming its text and filling its defaults; the
// service calls it before anything else.
func (in *PathInput) Validate() error {
	if err := CheckClientID(in.ClientID); err != nil {
		return err
	}
	var err error
	in.Resolution, err = text("resolution", in.Resolution, 0, 500)
	return err
}
