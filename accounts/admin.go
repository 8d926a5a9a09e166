package accounts

import (
	"context"
	"errors"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// The administration of accounts (the admin page, issue 14): listing
// accounts and tokens, changing a role and a grid, resetting a password,
// ending sessions, reading the audit log. Who may do it is the route's
// permission; what may be done to whom is here.

// conflict is a Conflict naming the field: the request is understood but
// the state of the accounts refuses it.
func conflict(field, msg string) *model.Error {
	return &model.Error{Kind: model.Conflict, Field: field, Msg: field + ": " + msg}
}

// unprocessable is an Unprocessable naming the field: the account is not
// of the kind the change applies to.
func unprocessable(field, msg string) *model.Error {
	return &model.Error{Kind: model.Unprocessable, Field: field, Msg: field + ": " + msg}
}

// Accounts lists every account with its sessions and live tokens.
func (s *Service) Accounts(ctx context.Context) ([]store.AccountSummary, error) {
	return s.store.Accounts(ctx)
}

// Tokens lists the tokens f selects, newest first.
func (s *Service) Tokens(ctx context.Context, f store.TokenFilter) ([]store.TokenListing, error) {
	return s.store.Tokens(ctx, f)
}

// AuditLog returns a page of the audit log; a time range that ends before
// it starts is Invalid on "to".
func (s *Service) AuditLog(ctx context.Context, f store.AuditFilter) (store.AuditPage, error) {
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return store.AuditPage{}, invalid("to", "must be after from")
	}
	return s.store.AuditLog(ctx, f)
}

// account is the account id names, for a change by p: NotFound on "id"
// when there is none, Conflict when it is p's own (self says what p does
// instead), Unprocessable when it is a wall link's (the link is what an
// admin changes).
func (s *Service) account(ctx context.Context, p *auth.Principal, id int64, self string) (store.AccountSummary, error) {
	if id == p.AccountID {
		return store.AccountSummary{}, conflict("id", self)
	}
	acc, err := s.store.Account(ctx, id)
	if err != nil {
		return acc, notFoundAs(err, "id", "account")
	}
	if acc.WallLinkID != nil {
		return acc, unprocessable("id", "this is a wall link's account: revoke the link, or issue a new one")
	}
	return acc, nil
}

// hasPerson reports whether accounts of role report for one volunteer
// (person_id): devices and volunteers' phones.
func hasPerson(r auth.Role) bool { return r == auth.Device || r == auth.Volunteer }

// UpdateAccount gives an account another role and grid (inside p's
// scope), and ends its sessions so the new scope applies at once. Nobody
// changes their own; a device stays a device and a person's account never
// becomes one (Unprocessable on "role"); the last enabled admin stays one
// (Conflict on "role").
func (s *Service) UpdateAccount(ctx context.Context, p *auth.Principal, a store.Actor, id int64, in AccountUpdate) (store.AccountSummary, error) {
	role, err := in.Validate()
	if err == nil && in.GridID != 0 {
		err = s.scopes.CheckHome(ctx, p, "grid_id", in.GridID)
	}
	if err != nil {
		return store.AccountSummary{}, err
	}
	acc, err := s.account(ctx, p, id, "you cannot change your own role or grid; another admin can")
	if err != nil {
		return acc, err
	}
	if acc.Role != role && (hasPerson(acc.Role) || hasPerson(role)) {
		return acc, unprocessable("role", "a device's or a volunteer's account stays what it is, and no other account becomes one: make a new account")
	}
	acc, err = s.store.UpdateAccount(ctx, a, id, role, in.GridID)
	switch {
	case errors.Is(err, store.ErrLastAdmin):
		return acc, &model.Error{Kind: model.Conflict, Field: "role", Code: model.CodeLastAdmin, Msg: "role: this is the last enabled admin; make another admin first", Err: err}
	case errors.Is(err, store.ErrBadReference):
		return acc, invalid("grid_id", "no current grid has this id")
	}
	return acc, notFoundAs(err, "id", "account")
}

// ResetPassword sets another account's password, without the current
// one, and ends every session of it. One's own password is changed with
// the current one (ChangePassword); a device has none.
func (s *Service) ResetPassword(ctx context.Context, p *auth.Principal, a store.Actor, id int64, in PasswordResetInput) (int64, error) {
	if err := in.Validate(); err != nil {
		return 0, err
	}
	acc, err := s.account(ctx, p, id, "change your own password with your current one (/api/me/password)")
	if err != nil {
		return 0, err
	}
	if acc.Role == auth.Device {
		return 0, unprocessable("id", "a device logs in with tokens, not a password")
	}
	hash, err := auth.HashPassword(in.Password, s.cfg.Cost)
	if err != nil {
		return 0, invalid("password", "%v", err)
	}
	ended, err := s.store.ResetPassword(ctx, a, id, hash)
	return ended, notFoundAs(err, "id", "account")
}

// EndSessions logs another account out everywhere: every session of it
// ends (its tokens stay). One's own end by logging out.
func (s *Service) EndSessions(ctx context.Context, p *auth.Principal, a store.Actor, id int64) (int64, error) {
	if id == p.AccountID {
		return 0, conflict("id", "log out instead of ending your own sessions")
	}
	ended, err := s.store.EndSessions(ctx, a, id)
	return ended, notFoundAs(err, "id", "account")
}
