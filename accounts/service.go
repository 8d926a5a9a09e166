// Package accounts holds the rules of accounts and logins: a password
// login (unknown accounts take as long as known ones), the session it
// starts, a change of one's own password (the current one is checked,
// other sessions end), new accounts (their shape, their grid inside the
// creator's scope, the password hashed) and tokens (a bounded lifetime;
// only the hash is kept), disabling, and wall links (a read-only login
// for a screen, scoped to a grid, until it expires or is revoked). Limits on attempts stay with the
// rate limiting of the server, which sees the addresses. Errors are
// *model.Error; nothing here speaks HTTP.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// Store is what the service calls on the database (store.Store in the
// product).
type Store interface {
	AccountLogin(ctx context.Context, username string) (store.Login, error)
	CreateSession(ctx context.Context, accountID int64, tokenHash []byte, expires time.Time) error
	ChangePassword(ctx context.Context, a store.Actor, accountID int64, passwordHash string, keep []byte) (int64, error)
	CreateAccount(ctx context.Context, a store.Actor, n store.NewAccount) (store.Account, error)
	CreateToken(ctx context.Context, a store.Actor, accountID int64, name string, tokenHash []byte, expires time.Time) (store.Token, error)
	SetAccountDisabled(ctx context.Context, a store.Actor, id int64, disabled bool) (store.Account, error)
	GridPath(ctx context.Context, id int64) ([]store.GridRef, error)
	CreateWallLink(ctx context.Context, a store.Actor, grid int64, secretHash []byte, expires time.Time) (store.WallLink, error)
	WallLinks(ctx context.Context) ([]store.WallLink, error)
	RevokeWallLink(ctx context.Context, a store.Actor, id int64) (store.WallLink, error)
	StartWallSession(ctx context.Context, secretHash, sessionHash []byte, requestID, addr string) (store.WallLogin, error)

	Account(ctx context.Context, id int64) (store.AccountSummary, error)
	Accounts(ctx context.Context) ([]store.AccountSummary, error)
	UpdateAccount(ctx context.Context, a store.Actor, id int64, role auth.Role, grid int64) (store.AccountSummary, error)
	ResetPassword(ctx context.Context, a store.Actor, id int64, passwordHash string) (int64, error)
	EndSessions(ctx context.Context, a store.Actor, id int64) (int64, error)
	Tokens(ctx context.Context, f store.TokenFilter) ([]store.TokenListing, error)
	AuditLog(ctx context.Context, f store.AuditFilter) (store.AuditPage, error)
}

// ErrWrongPassword is the cause of a refused password (at login, or the
// current one at a change), so the caller can count failures.
var ErrWrongPassword = errors.New("wrong password")

// Config is what the service needs beyond its store.
type Config struct {
	SessionTTL time.Duration // idle lifetime of a new session
	Cost       int           // bcrypt cost; 0 for bcrypt.DefaultCost
}

// Service holds the rules of accounts. Safe for concurrent use.
type Service struct {
	store  Store
	scopes *access.Scopes
	cfg    Config
	now    func() time.Time
}

// New returns the service over st, checking new accounts' grids with
// scopes; now is the clock (nil for time.Now).
func New(st Store, scopes *access.Scopes, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if cfg.Cost == 0 {
		cfg.Cost = bcrypt.DefaultCost
	}
	return &Service{store: st, scopes: scopes, cfg: cfg, now: now}
}

// Session is a session just started: the secret for the cookie (the
// store keeps its hash) and whose it is.
type Session struct {
	Token     string
	Principal auth.Principal
}

// Login checks a password and starts a session. An unknown, disabled or
// password-less account and a wrong password are the same
// Unauthenticated error on "password" (caused by ErrWrongPassword), and
// take the same time.
func (s *Service) Login(ctx context.Context, in LoginInput) (Session, error) {
	if err := in.Validate(); err != nil {
		return Session{}, err
	}
	l, err := s.store.AccountLogin(ctx, in.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Session{}, err
	}
	if err != nil || l.Disabled || l.PasswordHash == "" {
		auth.SpendPasswordTime(in.Password) // unknown users take as long as known ones
		return Session{}, badCredentials()
	}
	if !auth.CheckPassword(l.PasswordHash, in.Password) {
		return Session{}, badCredentials()
	}
	token, hash := auth.NewToken("gms_")
	if err := s.store.CreateSession(ctx, l.Principal.AccountID, hash, s.now().Add(s.cfg.SessionTTL)); err != nil {
		return Session{}, err
	}
	return Session{Token: token, Principal: l.Principal}, nil
}

func badCredentials() error {
	return &model.Error{Kind: model.Unauthenticated, Field: "password", Code: model.CodeWrongLogin, Msg: "wrong username or password", Err: ErrWrongPassword}
}

// ChangePassword sets p's password after checking the current one
// (Forbidden on "current", caused by ErrWrongPassword) and ends the
// account's sessions but keep (the hash of the session that asked; nil
// ends them all). It returns how many sessions ended.
func (s *Service) ChangePassword(ctx context.Context, p *auth.Principal, a store.Actor, in PasswordInput, keep []byte) (int64, error) {
	if err := in.Validate(); err != nil {
		return 0, err
	}
	l, err := s.store.AccountLogin(ctx, p.Username)
	if err != nil {
		return 0, notFoundAs(err, "", "account")
	}
	if l.PasswordHash == "" || !auth.CheckPassword(l.PasswordHash, in.Current) {
		return 0, &model.Error{Kind: model.Forbidden, Field: "current", Code: model.CodeWrongPassword, Msg: "current: wrong password", Err: ErrWrongPassword}
	}
	hash, err := auth.HashPassword(in.New, s.cfg.Cost)
	if err != nil {
		return 0, invalid("new", "%v", err)
	}
	ended, err := s.store.ChangePassword(ctx, a, p.AccountID, hash, keep)
	return ended, notFoundAs(err, "", "account")
}

// CreateAccount adds an account: its shape is checked, a scoped creator
// may only give a grid inside their scope, the password is hashed. A
// taken username is Conflict, an unknown person Invalid.
func (s *Service) CreateAccount(ctx context.Context, p *auth.Principal, a store.Actor, in AccountInput) (store.Account, error) {
	role, err := in.Validate()
	if err == nil && in.GridID != 0 {
		err = s.scopes.CheckHome(ctx, p, "grid_id", in.GridID)
	}
	if err != nil {
		return store.Account{}, err
	}
	var hash string
	if in.Password != "" {
		if hash, err = auth.HashPassword(in.Password, s.cfg.Cost); err != nil {
			return store.Account{}, invalid("password", "%v", err)
		}
	}
	acc, err := s.store.CreateAccount(ctx, a, store.NewAccount{
		Username: in.Username, PasswordHash: hash, Role: role, GridID: in.GridID, PersonID: in.PersonID})
	switch {
	case errors.Is(err, store.ErrConflict):
		return acc, &model.Error{Kind: model.Conflict, Field: "username", Code: model.CodeUsernameTaken, Msg: "username: already taken", Err: err}
	case errors.Is(err, store.ErrBadReference):
		return acc, &model.Error{Kind: model.Invalid, Field: "person_id", Msg: "person_id: no person has this id", Err: err}
	}
	return acc, err
}

// CreateToken makes an API or device token for an account: the secret
// (plain) exists only in this answer; the store keeps its hash.
func (s *Service) CreateToken(ctx context.Context, a store.Actor, account int64, in TokenInput) (plain string, t store.Token, err error) {
	if err := in.Validate(); err != nil {
		return "", t, err
	}
	plain, hash := auth.NewToken("gmt_")
	t, err = s.store.CreateToken(ctx, a, account, in.Name, hash, s.now().Add(time.Duration(in.TTLHours)*time.Hour))
	if err != nil {
		return "", t, notFoundAs(err, "id", "account")
	}
	return plain, t, nil
}

// SetDisabled disables or enables an account; nobody disables their own.
func (s *Service) SetDisabled(ctx context.Context, p *auth.Principal, a store.Actor, id int64, disabled bool) (store.Account, error) {
	if disabled && id == p.AccountID {
		return store.Account{}, conflict("id", "you cannot disable your own account; another admin can")
	}
	acc, err := s.store.SetAccountDisabled(ctx, a, id, disabled)
	return acc, notFoundAs(err, "id", "account")
}

// Me says who is logged in and what they may see.
type Me struct {
	Username string    `json:"username"`
	Role     auth.Role `json:"role"`
	GridID   *int64    `json:"grid_id"`
	GridName *string   `json:"grid_name"`
	Home     string    `json:"home"` // the page where this account's work is: where logging in lands
}

// Home is the page where p's work is, where logging in lands: a grid
// leader's or staff member's own grid page, a planner's editor, a
// volunteer's tasks of the day, a screen
// scoped to an area its wall, everyone else the map.
func Home(p *auth.Principal) string {
	switch {
	case (p.Role == auth.GridLeader || p.Role == auth.Staff) && p.GridID != 0:
		return fmt.Sprintf("/grid/%d", p.GridID)
	case p.Role == auth.Planner:
		return "/plan"
	case p.Role == auth.Volunteer:
		return "/tasks"
	case p.Role == auth.Viewer && p.GridID != 0:
		return fmt.Sprintf("/wall?grid=%d", p.GridID)
	}
	return "/"
}

// Me is p as the pages show it: with the name of their grid, if any.
func (s *Service) Me(ctx context.Context, p *auth.Principal) (Me, error) {
	m := Me{Username: p.Username, Role: p.Role, Home: Home(p)}
	if p.GridID != 0 {
		path, err := s.store.GridPath(ctx, p.GridID)
		if err != nil {
			return m, err
		}
		m.GridID = &p.GridID
		if len(path) > 0 {
			m.GridName = &path[len(path)-1].Name
		}
	}
	return m, nil
}

// notFoundAs turns store.ErrNotFound into NotFound naming field.
func notFoundAs(err error, field, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &model.Error{Kind: model.NotFound, Field: field, Msg: field + ": no " + what + " has this id"}
	}
	return err
}
