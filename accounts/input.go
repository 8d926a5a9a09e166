package accounts

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

// MaxTokenTTL bounds how long a token may live; every token expires.
const MaxTokenTTL = 366 * 24 * time.Hour

// maxPasswordBytes is bcrypt's limit: it ignores every byte after the 72nd.
const maxPasswordBytes = 72

// invalid is an Invalid error naming the body field at fault.
func invalid(field, format string, args ...any) *model.Error {
	return &model.Error{Kind: model.Invalid, Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)}
}

// LoginInput is a password login.
type LoginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Validate normalises the username (usernames are lower case) and checks
// both fields' lengths, before any attempt is counted or hashed.
func (in *LoginInput) Validate() error {
	in.Username = strings.TrimSpace(strings.ToLower(in.Username))
	switch {
	case in.Username == "" || len(in.Username) > 64:
		return invalid("username", "required, at most 64 characters")
	case in.Password == "" || len(in.Password) > 200:
		return invalid("password", "required, at most 200 characters")
	}
	return nil
}

// PasswordInput is a change of one's own password.
type PasswordInput struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// Validate checks the current password is given and the new one is long
// enough and not longer than bcrypt reads.
func (in *PasswordInput) Validate() error {
	switch {
	case in.Current == "" || len(in.Current) > 200:
		return invalid("current", "required: your password now")
	case len(in.New) < auth.MinPasswordLength:
		return invalid("new", "at least %d characters", auth.MinPasswordLength)
	case len(in.New) > maxPasswordBytes:
		return invalid("new", "at most 72 bytes")
	}
	return nil
}

// AccountInput is a new account.
type AccountInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     string `json:"role"`
	GridID   int64  `json:"grid_id"`
	PersonID int64  `json:"person_id"`
}

// Validate normalises the username and checks the account's shape: grid
// leaders and staff have a grid and nobody else does, a device or a
// volunteer reports for a person (a volunteer works in their team's
// grid), a device logs in with tokens, everyone else has a password.
func (in *AccountInput) Validate() (auth.Role, error) {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	role, err := auth.ParseRole(in.Role)
	hasGrid := role == auth.GridLeader || role == auth.Staff
	hasPerson := role == auth.Device || role == auth.Volunteer
	switch {
	case err != nil:
		return "", invalid("role", "%v", err)
	case !ValidUsername(in.Username):
		return "", invalid("username", "2-64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
	case hasGrid && in.GridID <= 0:
		return "", invalid("grid_id", "required for role %s", role)
	case !hasGrid && in.GridID != 0:
		return "", invalid("grid_id", "only grid leaders and staff have a grid")
	case hasPerson && in.PersonID <= 0:
		return "", invalid("person_id", "required for a %s: the volunteer it reports for", role)
	case !hasPerson && in.PersonID != 0:
		return "", invalid("person_id", "only devices and volunteers have a person")
	case role != auth.Device && len(in.Password) < auth.MinPasswordLength:
		return "", invalid("password", "at least %d characters", auth.MinPasswordLength)
	case len(in.Password) > maxPasswordBytes:
		return "", invalid("password", "at most 72 bytes")
	case role == auth.Device && in.Password != "":
		return "", invalid("password", "devices log in with tokens, not passwords")
	}
	return role, nil
}

// ValidUsername reports whether u is 2 to 64 of a-z, 0-9, '.', '_' and
// '-', starting with a letter or digit.
func ValidUsername(u string) bool {
	if len(u) < 2 || len(u) > 64 {
		return false
	}
	for i, c := range u {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return false
		}
	}
	return true
}

// TokenInput is a new API or device token.
type TokenInput struct {
	Name     string `json:"name"`
	TTLHours int    `json:"ttl_hours"`
}

// Validate trims the name and checks it and the lifetime.
func (in *TokenInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 100:
		return invalid("name", "required, at most 100 characters")
	case in.TTLHours < 1 || time.Duration(in.TTLHours)*time.Hour > MaxTokenTTL:
		return invalid("ttl_hours", "from 1 to %d", int(MaxTokenTTL.Hours()))
	}
	return nil
}

// PasswordResetInput is an admin's new password for someone's account.
type PasswordResetInput struct {
	Password string `json:"password"`
}

// Validate checks the password is long enough and not longer than bcrypt
// reads.
func (in *PasswordResetInput) Validate() error {
	switch {
	case len(in.Password) < auth.MinPasswordLength:
		return invalid("password", "at least %d characters", auth.MinPasswordLength)
	case len(in.Password) > maxPasswordBytes:
		return invalid("password", "at most 72 bytes")
	}
	return nil
}

// AccountUpdate is a new role and grid for an account.
type AccountUpdate struct {
	Role   string `json:"role"`
	GridID int64  `json:"grid_id"`
}

// Validate checks the role and that the grid goes with it, as for a new
// account: grid leaders and staff have a grid, nobody else does.
func (in *AccountUpdate) Validate() (auth.Role, error) {
	role, err := auth.ParseRole(in.Role)
	hasGrid := role == auth.GridLeader || role == auth.Staff
	switch {
	case err != nil:
		return "", invalid("role", "%v", err)
	case hasGrid && in.GridID <= 0:
		return "", invalid("grid_id", "required for role %s", role)
	case !hasGrid && in.GridID != 0:
		return "", invalid("grid_id", "only grid leaders and staff have a grid")
	}
	return role, nil
}
