package accounts_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gridmap/gridmap/access"
	"github.com/gridmap/gridmap/accounts"
	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/internal/testdb"
	"github.com/gridmap/gridmap/model"
	"github.com/gridmap/gridmap/store"
)

func TestInputs(t *testing.T) {
	long := strings.Repeat("x", 73)
	for _, tt := range []struct {
		name  string
		check func() error
		field string // "" for valid
	}{
		{"login ok", (&accounts.LoginInput{Username: " Admin ", Password: "p"}).Validate, ""},
		{"login without username", (&accounts.LoginInput{Password: "p"}).Validate, "username"},
		{"login without password", (&accounts.LoginInput{Username: "a"}).Validate, "password"},
		{"password ok", (&accounts.PasswordInput{Current: "c", New: "0123456789"}).Validate, ""},
		{"password without current", (&accounts.PasswordInput{New: "0123456789"}).Validate, "current"},
		{"new password short", (&accounts.PasswordInput{Current: "c", New: "short"}).Validate, "new"},
		{"new password past bcrypt", (&accounts.PasswordInput{Current: "c", New: long}).Validate, "new"},
		{"token ok", (&accounts.TokenInput{Name: " phone ", TTLHours: 24}).Validate, ""},
		{"token without name", (&accounts.TokenInput{Name: "  ", TTLHours: 24}).Validate, "name"},
		{"token for ever", (&accounts.TokenInput{Name: "n", TTLHours: 367 * 24}).Validate, "ttl_hours"},
		{"token for no time", (&accounts.TokenInput{Name: "n"}).Validate, "ttl_hours"},
		{"reset ok", (&accounts.PasswordResetInput{Password: "0123456789"}).Validate, ""},
		{"reset short", (&accounts.PasswordResetInput{Password: "short"}).Validate, "password"},
		{"reset past bcrypt", (&accounts.PasswordResetInput{Password: long}).Validate, "password"},
		{"update ok", func() error { _, err := (&accounts.AccountUpdate{Role: "staff", GridID: 9}).Validate(); return err }, ""},
		{"update without grid", func() error { _, err := (&accounts.AccountUpdate{Role: "staff"}).Validate(); return err }, "grid_id"},
		{"update admin with grid", func() error { _, err := (&accounts.AccountUpdate{Role: "admin", GridID: 9}).Validate(); return err }, "grid_id"},
		{"update unknown role", func() error { _, err := (&accounts.AccountUpdate{Role: "king"}).Validate(); return err }, "role"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if model.FieldOf(err) != tt.field || (tt.field != "") != (model.KindOf(err) == model.Invalid) {
				t.Errorf("got %v, want Invalid on %q (empty: valid)", err, tt.field)
			}
		})
	}
}

func TestAccountInput(t *testing.T) {
	for _, tt := range []struct {
		name  string
		in    accounts.AccountInput
		field string
	}{
		{"admin", accounts.AccountInput{Username: "Ops.1", Password: "0123456789", Role: "admin"}, ""},
		{"leader", accounts.AccountInput{Username: "lead", Password: "0123456789", Role: "grid-leader", GridID: 2}, ""},
		{"device", accounts.AccountInput{Username: "phone-7", Role: "device", PersonID: 7}, ""},
		{"unknown role", accounts.AccountInput{Username: "x1", Password: "0123456789", Role: "king"}, "role"},
		{"username with a space", accounts.AccountInput{Username: "a b", Password: "0123456789", Role: "admin"}, "username"},
		{"username starting with a dot", accounts.AccountInput{Username: ".ab", Password: "0123456789", Role: "admin"}, "username"},
		{"leader without a grid", accounts.AccountInput{Username: "lead", Password: "0123456789", Role: "grid-leader"}, "grid_id"},
		{"admin with a grid", accounts.AccountInput{Username: "ops", Password: "0123456789", Role: "admin", GridID: 2}, "grid_id"},
		{"device without a person", accounts.AccountInput{Username: "phone", Role: "device"}, "person_id"},
		{"admin with a person", accounts.AccountInput{Username: "ops", Password: "0123456789", Role: "admin", PersonID: 3}, "person_id"},
		{"short password", accounts.AccountInput{Username: "ops", Password: "short", Role: "admin"}, "password"},
		{"device with a password", accounts.AccountInput{Username: "phone", Password: "0123456789", Role: "device", PersonID: 7}, "password"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.in.Validate()
			if model.FieldOf(err) != tt.field || (tt.field != "") != (err != nil) {
				t.Errorf("got %v, want an error on %q (empty: valid)", err, tt.field)
			}
			if err == nil && tt.in.Username != strings.ToLower(tt.in.Username) {
				t.Errorf("username %q kept its capitals", tt.in.Username)
			}
		})
	}
}

// newService is the service over a fresh demo database, with the cheapest
// bcrypt cost, and the grids of two communities.
func newService(t *testing.T) (*accounts.Service, *testdb.DB, [2]int64) {
	t.Parallel()
	db := testdb.Demo(t)
	scopes := access.New(db.Store, nil, nil)
	h, err := scopes.Hierarchy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var communities []int64
	for _, id := range h.All() {
		if h.Level(id) == 2 {
			communities = append(communities, id)
		}
	}
	slices.Sort(communities)
	if len(communities) < 2 {
		t.Fatalf("demo holds %d communities, want 2 or more", len(communities))
	}
	svc := accounts.New(db.Store, scopes, accounts.Config{SessionTTL: time.Hour, Cost: bcrypt.MinCost}, nil)
	return svc, db, [2]int64{communities[0], communities[1]}
}

var (
	admin = &auth.Principal{AccountID: 0, Username: "test", Role: auth.Admin}
	by    = store.Actor{Name: "test"}
)

func TestLoginAndPasswordChange(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	acc, err := svc.CreateAccount(ctx, admin, by, accounts.AccountInput{Username: "Ops", Password: "first-password", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, user, password string }{
		{"wrong password", "ops", "wrong-password"},
		{"unknown user", "nobody", "first-password"},
	} {
		_, err := svc.Login(ctx, accounts.LoginInput{Username: tt.user, Password: tt.password})
		if !errors.Is(err, accounts.ErrWrongPassword) || model.KindOf(err) != model.Unauthenticated || model.FieldOf(err) != "password" {
			t.Errorf("%s: %v, want Unauthenticated on password caused by ErrWrongPassword", tt.name, err)
		}
	}
	sess, err := svc.Login(ctx, accounts.LoginInput{Username: " OPS ", Password: "first-password"})
	if err != nil || !strings.HasPrefix(sess.Token, "gms_") || sess.Principal.AccountID != acc.ID {
		t.Fatalf("login: %+v %v, want a gms_ session of account %d", sess, err, acc.ID)
	}
	p := &sess.Principal
	_, err = svc.ChangePassword(ctx, p, by, accounts.PasswordInput{Current: "wrong-password", New: "second-password"}, nil)
	if !errors.Is(err, accounts.ErrWrongPassword) || model.KindOf(err) != model.Forbidden || model.FieldOf(err) != "current" {
		t.Errorf("change with a wrong current password: %v, want Forbidden on current", err)
	}
	ended, err := svc.ChangePassword(ctx, p, by, accounts.PasswordInput{Current: "first-password", New: "second-password"}, nil)
	if err != nil || ended != 1 {
		t.Fatalf("change: %d sessions ended, %v; want the one session ended", ended, err)
	}
	if _, err := svc.Login(ctx, accounts.LoginInput{Username: "ops", Password: "first-password"}); err == nil {
		t.Error("the old password still logs in")
	}
	if _, err := svc.Login(ctx, accounts.LoginInput{Username: "ops", Password: "second-password"}); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if _, err := svc.SetDisabled(ctx, p, by, acc.ID, true); model.FieldOf(err) != "id" {
		t.Errorf("disabling oneself: %v, want Invalid on id", err)
	}
	if _, err := svc.SetDisabled(ctx, admin, by, acc.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Login(ctx, accounts.LoginInput{Username: "ops", Password: "second-password"}); !errors.Is(err, accounts.ErrWrongPassword) {
		t.Errorf("a disabled account: %v, want the same refusal as a wrong password", err)
	}
}

func TestCreateAccountRules(t *testing.T) {
	svc, _, comm := newService(t)
	ctx := context.Background()
	leader := &auth.Principal{AccountID: 0, Username: "lead", Role: auth.GridLeader, GridID: comm[0]}
	staff := func(user string, grid int64) accounts.AccountInput {
		return accounts.AccountInput{Username: user, Password: "0123456789", Role: "staff", GridID: grid}
	}
	if _, err := svc.CreateAccount(ctx, leader, by, staff("mine", comm[0])); err != nil {
		t.Fatalf("staff in the leader's own community: %v", err)
	}
	for _, tt := range []struct {
		name  string
		p     *auth.Principal
		in    accounts.AccountInput
		kind  model.Kind
		field string
	}{
		{"staff of another community", leader, staff("theirs", comm[1]), model.Forbidden, "grid_id"},
		{"a grid that does not exist", admin, staff("nowhere", 1<<40), model.Invalid, "grid_id"},
		{"a taken username", admin, staff("MINE", comm[1]), model.Conflict, "username"},
		{"a device of nobody", admin, accounts.AccountInput{Username: "phone", Role: "device", PersonID: 1 << 40}, model.Invalid, "person_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.CreateAccount(ctx, tt.p, by, tt.in)
			if model.KindOf(err) != tt.kind || model.FieldOf(err) != tt.field {
				t.Errorf("got %v, want %v on %s", err, tt.kind, tt.field)
			}
		})
	}
}

func TestCreateToken(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	acc, err := svc.CreateAccount(ctx, admin, by, accounts.AccountInput{Username: "api", Password: "0123456789", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	plain, tok, err := svc.CreateToken(ctx, by, acc.ID, accounts.TokenInput{Name: " scraper ", TTLHours: 48})
	if err != nil || !strings.HasPrefix(plain, "gmt_") || tok.Name != "scraper" {
		t.Fatalf("token: %q %+v %v", plain, tok, err)
	}
	if d := tok.ExpiresAt.Sub(before); d < 48*time.Hour-time.Minute || d > 48*time.Hour+time.Minute {
		t.Errorf("expires in %v, want 48 h", d)
	}
	if _, _, err := svc.CreateToken(ctx, by, 1<<40, accounts.TokenInput{Name: "x", TTLHours: 1}); model.KindOf(err) != model.NotFound || model.FieldOf(err) != "id" {
		t.Errorf("a token for no account: %v, want NotFound on id", err)
	}
}

func TestHome(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p    auth.Principal
		want string
	}{
		{auth.Principal{Role: auth.GridLeader, GridID: 9}, "/grid/9"},
		{auth.Principal{Role: auth.Staff, GridID: 2}, "/grid/2"},
		{auth.Principal{Role: auth.Planner}, "/plan"},
		{auth.Principal{Role: auth.Viewer, GridID: 1}, "/wall?grid=1"},
		{auth.Principal{Role: auth.Viewer}, "/"},
		{auth.Principal{Role: auth.Admin}, "/"},
		{auth.Principal{Role: auth.Device, PersonID: 5}, "/"},
	} {
		if got := accounts.Home(&c.p); got != c.want {
			t.Errorf("%s of grid %d: home %q, want %q", c.p.Role, c.p.GridID, got, c.want)
		}
	}
}
