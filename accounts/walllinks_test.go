package accounts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridmap/gridmap/accounts"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/model"
)

func TestWallLinkInput(t *testing.T) {
	for _, tt := range []struct {
		name  string
		in    accounts.WallLinkInput
		field string
	}{
		{"a month", accounts.WallLinkInput{GridID: 9, TTLHours: 720}, ""},
		{"no grid", accounts.WallLinkInput{TTLHours: 720}, "grid_id"},
		{"no lifetime", accounts.WallLinkInput{GridID: 9}, "ttl_hours"},
		{"for ever", accounts.WallLinkInput{GridID: 9, TTLHours: 367 * 24}, "ttl_hours"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if model.FieldOf(err) != tt.field || (tt.field != "") != (model.KindOf(err) == model.Invalid) {
				t.Errorf("got %v, want Invalid on %q (empty: valid)", err, tt.field)
			}
		})
	}
}

// TestWallLinkLifecycle issues a link, logs in with it (a viewer scoped
// to the link's grid, until the link's expiry), and revokes it, after
// which its secret is refused like one never issued.
func TestWallLinkLifecycle(t *testing.T) {
	svc, db, comm := newService(t)
	ctx := context.Background()
	leader := &auth.Principal{Username: "lead", Role: auth.GridLeader, GridID: comm[0]}
	if _, _, err := svc.IssueWallLink(ctx, leader, by, accounts.WallLinkInput{GridID: comm[1], TTLHours: 1}); model.KindOf(err) != model.Forbidden {
		t.Errorf("a link for a grid outside the issuer's scope: %v, want Forbidden", err)
	}
	if _, _, err := svc.IssueWallLink(ctx, admin, by, accounts.WallLinkInput{GridID: 1 << 40, TTLHours: 1}); model.FieldOf(err) != "grid_id" {
		t.Errorf("a link for no grid: %v, want Invalid on grid_id", err)
	}
	secret, l, err := svc.IssueWallLink(ctx, admin, by, accounts.WallLinkInput{GridID: comm[0], TTLHours: 24})
	if err != nil || !strings.HasPrefix(secret, "gmw_") || l.GridID != comm[0] {
		t.Fatalf("issue: %q %+v %v", secret, l, err)
	}
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var stored int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM wall_links WHERE secret_hash = $1`, auth.HashToken(secret)).Scan(&stored); err != nil || stored != 1 {
		t.Errorf("the link stored by its hash: %d %v", stored, err)
	}

	sess, err := svc.WallLogin(ctx, secret, "req-1", "192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	p := sess.Principal
	if p.Role != auth.Viewer || p.GridID != comm[0] || p.Scope().Root != comm[0] || p.Can(auth.ReadPeople) || p.Can(auth.WriteField) {
		t.Errorf("the wall's principal %+v (scope %+v): want a viewer scoped to %d", p, p.Scope(), comm[0])
	}
	if !strings.HasPrefix(sess.Token, "gms_") || !sess.ExpiresAt.Equal(l.ExpiresAt) || sess.GridID != comm[0] {
		t.Errorf("session %+v, want a gms_ session until the link's expiry %v", sess, l.ExpiresAt)
	}
	if d := time.Until(sess.ExpiresAt); d < 23*time.Hour {
		t.Errorf("the session ends in %v, want the link's 24 h", d)
	}

	for _, bad := range []string{"", "gmt_" + secret[4:], secret + "x", strings.Repeat("gmw_", 30)} {
		if _, err := svc.WallLogin(ctx, bad, "", ""); !errors.Is(err, accounts.ErrWallLinkDead) || model.KindOf(err) != model.Gone {
			t.Errorf("secret %.20q: %v, want Gone caused by ErrWallLinkDead", bad, err)
		}
	}
	if _, err := svc.RevokeWallLink(ctx, by, 1<<40); model.KindOf(err) != model.NotFound || model.FieldOf(err) != "id" {
		t.Errorf("revoke no link: %v, want NotFound on id", err)
	}
	r, err := svc.RevokeWallLink(ctx, by, l.ID)
	if err != nil || r.RevokedAt == nil {
		t.Fatalf("revoke: %+v %v", r, err)
	}
	if _, err := svc.WallLogin(ctx, secret, "", ""); !errors.Is(err, accounts.ErrWallLinkDead) {
		t.Errorf("the revoked link: %v, want ErrWallLinkDead", err)
	}
	links, err := svc.WallLinks(ctx)
	if err != nil || len(links) != 1 || links[0].LastUsedAt == nil || links[0].RevokedAt == nil {
		t.Errorf("list: %+v %v, want the one link, used and revoked", links, err)
	}
}
