package cli

import (
	"context"
	"os"
	"time"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/store"
)

// Actor is the audit actor of command-line changes: "cli", with the
// (sudo) user when known.
func Actor() store.Actor {
	name := "cli"
	if u := os.Getenv("SUDO_USER"); u != "" {
		name = "cli:" + u
	} else if u := os.Getenv("USER"); u != "" {
		name = "cli:" + u
	}
	return store.Actor{Name: name}
}

// CreateToken makes an API token called name for the account username,
// valid for ttl, and returns it in plain text (shown once; only its hash is
// stored) with its stored record.
func CreateToken(ctx context.Context, st *store.Store, username, name string, ttl time.Duration) (string, store.Token, error) {
	l, err := st.AccountLogin(ctx, username)
	if err != nil {
		return "", store.Token{}, err
	}
	plain, hash := auth.NewToken("gmt_")
	t, err := st.CreateToken(ctx, Actor(), l.Principal.AccountID, name, hash, time.Now().Add(ttl))
	return plain, t, err
}
