package accounts

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

// MaxWallLinkTTL bounds how long a wall link may live; every link expires.
const MaxWallLinkTTL = MaxTokenTTL

// wallSecretPrefix starts every wall link's secret, so a leaked one is
// recognisable in a log or a chat.
const wallSecretPrefix = "gmw_"

// ErrWallLinkDead is the cause of a refused wall link: unknown, expired
// or revoked (they are not told apart, to whoever holds the link).
var ErrWallLinkDead = errors.New("wall link unknown, expired or revoked")

// WallLinkInput is a new wall link: the grid whose subtree the screen
// shows and how long the link works.
type WallLinkInput struct {
	GridID   int64 `json:"grid_id"`
	TTLHours int   `json:"ttl_hours"`
}

// Validate checks the grid is named and the lifetime bounded.
func (in *WallLinkInput) Validate() error {
	switch {
	case in.GridID <= 0:
		return invalid("grid_id", "required: the grid whose area the screen shows")
	case in.TTLHours < 1 || time.Duration(in.TTLHours)*time.Hour > MaxWallLinkTTL:
		return invalid("ttl_hours", "from 1 to %d", int(MaxWallLinkTTL.Hours()))
	}
	return nil
}

// IssueWallLink makes a read-only wall link for a grid inside p's scope:
// the secret (plain) exists only in this answer; the store keeps its hash
// and a viewer account scoped to the grid that the link logs in as.
func (s *Service) IssueWallLink(ctx context.Context, p *auth.Principal, a store.Actor, in WallLinkInput) (secret string, l store.WallLink, err error) {
	if err := in.Validate(); err != nil {
		return "", l, err
	}
	if err := s.scopes.CheckHome(ctx, p, "grid_id", in.GridID); err != nil {
		return "", l, err
	}
	secret, hash := auth.NewToken(wallSecretPrefix)
	l, err = s.store.CreateWallLink(ctx, a, in.GridID, hash, s.now().Add(time.Duration(in.TTLHours)*time.Hour))
	if errors.Is(err, store.ErrBadReference) {
		return "", l, invalid("grid_id", "no current grid has this id")
	}
	return secret, l, err
}

// WallLinks lists every wall link, newest first.
func (s *Service) WallLinks(ctx context.Context) ([]store.WallLink, error) {
	return s.store.WallLinks(ctx)
}

// RevokeWallLink revokes a wall link: its screen's sessions end and its
// account is disabled. The caller ends the account's open streams.
func (s *Service) RevokeWallLink(ctx context.Context, a store.Actor, id int64) (store.WallLink, error) {
	l, err := s.store.RevokeWallLink(ctx, a, id)
	return l, notFoundAs(err, "id", "wall link")
}

// WallSession is a session a wall link started.
type WallSession struct {
	Session
	GridID    int64     // the area the screen shows
	ExpiresAt time.Time // when the link, and so the session, ends
}

// WallLogin starts a session with a wall link's secret: read-only (a
// viewer), limited to the link's grid, lasting until the link expires or
// is revoked. A secret that is malformed, unknown, expired or revoked is
// Gone on "secret", caused by ErrWallLinkDead. requestID and addr go into
// the audit row of the log-in.
func (s *Service) WallLogin(ctx context.Context, secret, requestID, addr string) (WallSession, error) {
	if !strings.HasPrefix(secret, wallSecretPrefix) || len(secret) > 100 {
		return WallSession{}, deadLink()
	}
	token, hash := auth.NewToken("gms_")
	l, err := s.store.StartWallSession(ctx, auth.HashToken(secret), hash, requestID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return WallSession{}, deadLink()
	}
	if err != nil {
		return WallSession{}, err
	}
	return WallSession{Session: Session{Token: token, Principal: l.Principal}, GridID: l.Principal.GridID, ExpiresAt: l.ExpiresAt}, nil
}

func deadLink() error {
	return &model.Error{Kind: model.Gone, Field: "secret", Code: model.CodeWallLinkGone, Msg: "this wall link no longer works; ask the command centre for a new one", Err: ErrWallLinkDead}
}
